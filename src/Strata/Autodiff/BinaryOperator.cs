namespace Strata.Autodiff;

internal enum BinaryOperator { Add, Subtract, Multiply, Divide, Maximum, Minimum }
