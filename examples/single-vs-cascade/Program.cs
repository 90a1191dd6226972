// Train the same spiking conv net on the 8x8 digits embedded in the library twice, with single-threshold neurons
// and with K = 4 cascade neurons (same seed, epochs and T), and print both test accuracies.
// Usage: example-single-vs-cascade [EPOCHS] [MAX_BATCHES_PER_EPOCH]   (defaults: 3 epochs, all batches)
using MtSnn.Neurons;
using MtSnn.Training;

int epochs = args.Length > 0 ? int.Parse(args[0]) : 3;
int maxBatches = args.Length > 1 ? int.Parse(args[1]) : 0;
foreach (var (name, neuron) in new[]
         {
             ("single", new NeuronOptions { Dynamics = Dynamics.LIF, Mode = FiringMode.Single }),
             ("cascade K=4", new NeuronOptions { Dynamics = Dynamics.LIF, Mode = FiringMode.Cascade, Levels = 4 }),
         })
{
    var config = new TrainConfig
    {
        Dataset = "digits", Model = "digits-cnn", Neuron = neuron, T = 2, Epochs = epochs, MaxBatches = maxBatches, Seed = 1, Workers = 1,
    };
    using var trainer = new Trainer(config);   // no output folder: nothing is written
    var result = trainer.Run();
    var rates = string.Join("; ", result.Final.FiringRates.Select(l => $"{l.Layer} {l.Levels.Sum():F3}"));
    Console.WriteLine($"{name,-12} test accuracy {result.Final.Accuracy * 100:F2} %  (spikes per neuron and step, all levels: {rates})");
}
