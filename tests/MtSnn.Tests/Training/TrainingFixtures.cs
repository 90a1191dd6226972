using MtSnn.Neurons;
using MtSnn.Training;

namespace MtSnn.Tests.Training;

/// <summary>Small, fast training configurations on the embedded digits.</summary>
internal static class TrainingFixtures
{
    /// <summary>digits-cnn, cascade K = 2, T = 2, SGD with momentum (so the optimizer has state), a few batches per epoch.</summary>
    public static TrainConfig Tiny(int epochs = 2, int maxBatches = 4) => new TrainConfig
    {
        Dataset = "digits", Model = "digits-cnn", T = 2, Epochs = epochs, BatchSize = 32, MaxBatches = maxBatches,
        Optimizer = OptimizerKind.Sgd, Lr = 0.05, Momentum = 0.9, Nesterov = true, WeightDecay = 1e-4, Warmup = 0.5,
        Neuron = new NeuronOptions { Mode = FiringMode.Cascade, Levels = 2 }, Seed = 3, Workers = 1,
    }.Validate();
}

/// <summary>
/// Tests that train models: run alone, not in parallel with other test classes, because weight initialisation draws from
/// libtorch's global generator (seeded by the trainer) that any concurrently running test could advance.
/// </summary>
[Xunit.CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TrainingCollection
{
    public const string Name = "training (not parallel)";
}
