namespace MtSnn.Runtime.Format;

/// <summary>
/// A <c>.mtsnn</c> file (or byte buffer) is not a valid model: the message is one line naming the defect and,
/// where there is a choice, the allowed values.
/// </summary>
public sealed class ModelFormatException : Exception
{
    /// <summary>Creates the exception with its one-line message.</summary>
    public ModelFormatException(string message) : base(message) { }

    /// <summary>Creates the exception with its one-line message and the parser error behind it.</summary>
    public ModelFormatException(string message, Exception inner) : base(message, inner) { }
}
