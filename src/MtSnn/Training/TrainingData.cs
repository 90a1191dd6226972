using MtSnn.Data;
using MtSnn.Data.Neuromorphic;
using MtSnn.Training.Encoding;

namespace MtSnn.Training;

/// <summary>The train and test loaders of a <see cref="TrainConfig"/>: shuffled, seeded training batches (augmented on request), test batches in order.</summary>
public sealed class TrainingData : IDisposable
{
    /// <summary>
    /// Opens both splits of the configured data set (throws <see cref="DatasetException"/> with one line when files are
    /// missing). <paramref name="pinMemory"/>: the loaders pin their batches (<see cref="DataLoaderOptions.PinMemory"/>; for CUDA).
    /// <paramref name="shard"/>: this rank's part of every training and test epoch in data-parallel training.
    /// </summary>
    public TrainingData(TrainConfig config, bool pinMemory = false, DataShard? shard = null)
    {
        shard ??= DataShard.Whole;
        Train = Open(config, DatasetSplit.Train);
        Test = Open(config, DatasetSplit.Test);
        if (Test.NumClasses != Train.NumClasses)
            throw new DatasetException($"{config.Dataset}: the training split has {Train.NumClasses} classes but the test split {Test.NumClasses}; both splits must have the same classes");
        TrainLoader = new DataLoader(Train, new DataLoaderOptions
        {
            BatchSize = config.BatchSize, Shuffle = true, Seed = config.Seed, Workers = config.Workers,
            Transform = config.Augment ? Augmentation(Train.Shape) : null, PinMemory = pinMemory, Shard = shard,
        });
        TestLoader = new DataLoader(Test, new DataLoaderOptions { BatchSize = config.BatchSize, Shuffle = false, Workers = config.Workers, PinMemory = pinMemory, Shard = shard });
    }

    /// <summary>Every data set name training takes: the image sets and the event sets (frames of T steps).</summary>
    public static IReadOnlyList<string> DatasetNames { get; } = [.. DataSets.Names, .. EventFrameDataset.Names];

    /// <summary>
    /// One split of the configured data set. Event data sets (<c>nmnist</c>, <c>cifar10-dvs</c>) need <c>--data DIR</c>
    /// and become T frames per sample (T = the run's T).
    /// </summary>
    public static IImageDataset Open(TrainConfig config, DatasetSplit split)
    {
        string name = config.Dataset.ToLowerInvariant();
        if (!EventFrameDataset.Names.Contains(name)) return DataSets.Open(name, config.DataDir, split);
        if (string.IsNullOrEmpty(config.DataDir))
            throw new ArgumentException($"{name}: --data DIR is required (event recordings cannot be downloaded; 'mtsnn dvs-emulate' makes an N-MNIST-format folder from static images)");
        return EventFrameDataset.Open(name, config.DataDir, split == DatasetSplit.Train, config.T, config.FrameSize);
    }

    /// <summary>The model's input <c>[C, H, W]</c> per step: the frame shape for event data, else the loader's image shape.</summary>
    public static ImageShape ModelInput(IImageDataset dataset, ImageShape loaderShape) =>
        dataset is ISequenceDataset s ? s.FrameShape : loaderShape;

    /// <summary>How batches become <c>[T, B, C, H, W]</c>: frames reshaped for event data, else the configured encoding.</summary>
    public static InputEncoder Encoder(TrainConfig config, IImageDataset dataset) => dataset is ISequenceDataset s
        ? new FrameSequenceEncoder(s.Steps, s.FrameShape)
        : InputEncoder.Create(config.Encoding, config.T, config.Seed);

    public IImageDataset Train { get; }
    public IImageDataset Test { get; }
    public DataLoader TrainLoader { get; }
    public DataLoader TestLoader { get; }

    /// <summary>
    /// The augmentation of <c>--augment</c>: random crop with zero padding P = max(1, H / 8) (4 for 32 x 32), plus a
    /// horizontal flip with probability 1/2 for colour images (digits and clothes are not mirror-symmetric classes).
    /// </summary>
    public static TransformPipeline Augmentation(ImageShape shape) => shape.Channels >= 3
        ? new TransformPipeline(new RandomCrop(Math.Max(1, shape.Height / 8)), new HorizontalFlip())
        : new TransformPipeline(new RandomCrop(Math.Max(1, shape.Height / 8)));

    public void Dispose()
    {
        TrainLoader.Dispose();
        TestLoader.Dispose();
    }
}
