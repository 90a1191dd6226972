namespace MtSnn.Data;

/// <summary>
/// One of the IDX data sets: its four file names, where it may be installed, its official mirror and the SHA-256 of
/// each gzip file (used to verify downloads).
/// </summary>
public sealed record IdxCollection
{
    /// <summary>Name as used by <see cref="DataSets.Open"/>.</summary>
    public required string Name { get; init; }
    /// <summary>Base URL of the official mirror; the file names are appended.</summary>
    public required Uri Mirror { get; init; }
    /// <summary>A folder where a system package installs the files, or null.</summary>
    public string? SystemDir { get; init; }
    /// <summary>How a user gets the files, for the error message.</summary>
    public required string InstallHint { get; init; }
    /// <summary>Class names, index = label.</summary>
    public required IReadOnlyList<string> ClassNames { get; init; }
    /// <summary>SHA-256 (lower-case hex) of each <c>.gz</c> file, by file name.</summary>
    public required IReadOnlyDictionary<string, string> Sha256 { get; init; }

    /// <summary>File names without <c>.gz</c> of the images and labels of <paramref name="split"/>.</summary>
    public static (string Images, string Labels) Files(DatasetSplit split) => split == DatasetSplit.Train
        ? ("train-images-idx3-ubyte", "train-labels-idx1-ubyte")
        : ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte");

    /// <summary>Fashion-MNIST (Zalando SE, MIT): 28x28 grey, 10 classes, 60,000 train + 10,000 test.</summary>
    public static IdxCollection FashionMnist { get; } = new()
    {
        Name = "fashion-mnist",
        Mirror = new Uri("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"),
        SystemDir = "/usr/share/datasets/fashion-mnist",
        InstallHint = "install it with `apt-get install dataset-fashion-mnist` (files go to /usr/share/datasets/fashion-mnist) or pass --data DIR with the four IDX files",
        ClassNames = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"],
        Sha256 = new Dictionary<string, string>
        {
            ["train-images-idx3-ubyte.gz"] = "b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7",
            ["train-labels-idx1-ubyte.gz"] = "0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056",
            ["t10k-images-idx3-ubyte.gz"] = "cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa",
            ["t10k-labels-idx1-ubyte.gz"] = "8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05",
        },
    };

    /// <summary>MNIST (Y. LeCun, C. Cortes, C. Burges): 28x28 grey, 10 classes, 60,000 train + 10,000 test.</summary>
    public static IdxCollection Mnist { get; } = new()
    {
        Name = "mnist",
        Mirror = new Uri("https://ossci-datasets.s3.amazonaws.com/mnist/"),
        SystemDir = null,
        InstallHint = "pass --data DIR (or set MTSNN_DATA) with the four MNIST IDX files (train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz)",
        ClassNames = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
        Sha256 = new Dictionary<string, string>
        {
            ["train-images-idx3-ubyte.gz"] = "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
            ["train-labels-idx1-ubyte.gz"] = "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
            ["t10k-images-idx3-ubyte.gz"] = "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
            ["t10k-labels-idx1-ubyte.gz"] = "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
        },
    };
}
