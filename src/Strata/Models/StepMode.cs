namespace Strata.Models;

internal enum StepMode { Train, Evaluate, Predict }
