namespace MtSnn.Tests.Data;

/// <summary>
/// Finds the real Fashion-MNIST files: a <c>shared/data/fashion-mnist</c> folder beside one of the folders above the
/// test assembly (CI clones the repository with shared/ beside it), else /usr/share/datasets/fashion-mnist.
/// </summary>
internal static class SharedData
{
    public static readonly string? FashionMnistDir = Find();

    public const string Absent = "Fashion-MNIST not found: no shared/data/fashion-mnist beside any folder above the test assembly and no /usr/share/datasets/fashion-mnist";

    private static string? Find()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            string candidate = Path.Combine(d.FullName, "shared", "data", "fashion-mnist");
            if (File.Exists(Path.Combine(candidate, "t10k-labels-idx1-ubyte.gz"))) return candidate;
        }
        const string system = "/usr/share/datasets/fashion-mnist";
        return File.Exists(Path.Combine(system, "t10k-labels-idx1-ubyte.gz")) ? system : null;
    }
}

/// <summary>A fact that is skipped, with the reason, when the real Fashion-MNIST files are absent.</summary>
public sealed class FashionMnistFactAttribute : Xunit.FactAttribute
{
    public FashionMnistFactAttribute()
    {
        if (SharedData.FashionMnistDir is null) Skip = SharedData.Absent;
    }
}
