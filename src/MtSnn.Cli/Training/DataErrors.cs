using MtSnn.Data;

namespace MtSnn.Cli.Training;

/// <summary>Reports data set problems as bad input: a <see cref="DatasetException"/> becomes an <see cref="InvalidDataException"/> with the same one-line message, so the CLI prints it and exits 2.</summary>
public static class DataErrors
{
    public static int Guard(Func<int> action)
    {
        try { return action(); }
        catch (DatasetException e) { throw new InvalidDataException(e.Message, e); }
    }
}
