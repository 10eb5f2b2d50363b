namespace Strata;

/// <summary>
/// The one exception type Strata throws for bad input or bad arguments. Its message names the
/// file, line, layer or argument at fault, so a command-line user needs nothing else.
/// </summary>
public class StrataException : Exception
{
    public StrataException(string message) : base(message) { }

    public StrataException(string message, Exception inner) : base(message, inner) { }
}
