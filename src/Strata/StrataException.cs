namespace Strata;

/// <summary>
/// Bad input data: a file, a spec or a config that cannot be read as what it claims to be (damaged,
/// hostile, of the wrong type, or naming what does not exist). Its message names the file, line,
/// layer or key at fault, so a command-line user needs nothing else. Bad arguments in code are
/// <see cref="ArgumentException"/>s and calls in the wrong state <see cref="InvalidOperationException"/>s,
/// as everywhere in .NET. (<see cref="InvalidDataException"/>, the framework's type for damaged data,
/// is sealed, so this type plays its part and is the one a caller catches for any bad input.)
/// </summary>
public class StrataException : Exception
{
    /// <summary>An error with its message.</summary>
    public StrataException(string message) : base(message) { }

    /// <summary>An error with its message and the error that caused it.</summary>
    public StrataException(string message, Exception inner) : base(message, inner) { }

    /// <summary>Runs <paramref name="read"/>, putting <paramref name="path"/> in front of any error of this type whose message does not start with it.</summary>
    internal static T Naming<T>(string path, Func<T> read)
    {
        try
        {
            return read();
        }
        catch (StrataException e) when (!e.Message.StartsWith(path, StringComparison.Ordinal))
        {
            throw new StrataException($"{path}: {e.Message}", e);
        }
    }
}
