namespace MtSnn.IO;

/// <summary>Checks a path the user named as an input file before it is opened, so the message says what is wrong with it.</summary>
public static class InputFile
{
    /// <summary>
    /// Throws <see cref="FileNotFoundException"/> (one line, naming <paramref name="what"/> and the path) when
    /// <paramref name="path"/> is a folder or does not exist; returns it otherwise.
    /// </summary>
    public static string Require(string path, string what)
    {
        if (Directory.Exists(path)) throw new FileNotFoundException($"{what} '{path}' is a folder; expected a file");
        if (!File.Exists(path)) throw new FileNotFoundException($"{what} '{path}' does not exist");
        return path;
    }
}
