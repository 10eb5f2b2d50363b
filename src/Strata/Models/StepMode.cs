namespace Strata.Models;

/// <summary>What a compiled step is for; each has its own graph.</summary>
internal enum StepMode { Train, Evaluate, Predict, MonteCarlo, Recalibrate }
