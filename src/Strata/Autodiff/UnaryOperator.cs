namespace Strata.Autodiff;

internal enum UnaryOperator { Negate, Abs, Square, Sqrt, Exp, Log, Softplus, Clip, Scale, AddScalar }
