using MtSnn.Data;

namespace MtSnn.Training;

/// <summary>The train and test loaders of a <see cref="TrainConfig"/>: shuffled, seeded training batches (augmented on request), test batches in order.</summary>
public sealed class TrainingData : IDisposable
{
    /// <summary>Opens both splits of the configured data set (throws <see cref="DatasetException"/> with one line when files are missing).</summary>
    public TrainingData(TrainConfig config)
    {
        Train = DataSets.Open(config.Dataset, config.DataDir, DatasetSplit.Train);
        Test = DataSets.Open(config.Dataset, config.DataDir, DatasetSplit.Test);
        TrainLoader = new DataLoader(Train, new DataLoaderOptions
        {
            BatchSize = config.BatchSize, Shuffle = true, Seed = config.Seed, Workers = config.Workers,
            Transform = config.Augment ? Augmentation(Train.Shape) : null,
        });
        TestLoader = new DataLoader(Test, new DataLoaderOptions { BatchSize = config.BatchSize, Shuffle = false, Workers = config.Workers });
    }

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
