namespace MtSnn.Data;

/// <summary>A data set could not be found, read or validated. The message is one line naming the file or folder and what was wrong.</summary>
public sealed class DatasetException : Exception
{
    /// <summary>Creates the exception.</summary>
    public DatasetException(string message) : base(message) { }

    /// <summary>Creates the exception with its cause.</summary>
    public DatasetException(string message, Exception inner) : base(message, inner) { }
}
