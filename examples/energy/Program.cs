// The energy of a model (MT-SNN.md §4): export a digits-cnn with K = 4 cascade neurons, count every operation the
// engine performs on test images, and price them: SNN E = E_MAC MACs(first layer) T + E_AC SOPs, against the
// ANN of the same architecture, E = E_MAC MACs (E_MAC = 4.6 pJ, E_AC = 0.9 pJ). Per layer and in total.
// Usage: example-energy [EPOCHS] [IMAGES] [MAX_BATCHES_PER_EPOCH]   (defaults: 2 epochs, 100 test images, all batches)
using MtSnn.Data;
using MtSnn.Export;
using MtSnn.Neurons;
using MtSnn.Runtime;
using MtSnn.Runtime.Counting;
using MtSnn.Training;

int epochs = args.Length > 0 ? int.Parse(args[0]) : 2, count = args.Length > 1 ? int.Parse(args[1]) : 100, maxBatches = args.Length > 2 ? int.Parse(args[2]) : 0;
var config = new TrainConfig
{
    Dataset = "digits", Model = "digits-cnn", T = 4, Epochs = epochs, MaxBatches = maxBatches, Seed = 1, Workers = 1,
    Neuron = new NeuronOptions { Dynamics = Dynamics.LIF, Mode = FiringMode.Cascade, Levels = 4 },
};
using var trainer = new Trainer(config);
trainer.Run();
trainer.Model.eval();
var model = MtSnnModel.Load(ModelExporter.Export(trainer.Model, config.T).ToBytes());
var images = DeploymentImages.Load(DataSets.Open("digits", null, DatasetSplit.Test), count);
var counts = EngineRun.Run(new Engine(model), images, threads: 1).Counts!;

var energy = new EnergyModel();   // 4.6 pJ per MAC, 0.9 pJ per accumulate
double n = counts.Inferences;
Console.WriteLine($"{"layer",-24} {"op",-7} {"ANN MACs",10} {"SNN SOPs",12} {"ANN uJ",8} {"SNN uJ",8}");
for (int i = 0; i < counts.Layers.Count; i++)
{
    var l = counts.Layers[i];
    if (model.LayerMacs(i) == 0) continue;   // only synaptic layers cost energy in this model
    double snn = (energy.MacPicojoules * l.MacsConvention + energy.AcPicojoules * l.Sops) / n, ann = energy.MacPicojoules * model.LayerMacs(i);
    Console.WriteLine($"{model.LayerName(i),-24} {l.Op,-7} {model.LayerMacs(i),10:N0} {l.Sops / n,12:N0} {ann / 1e6,8:F3} {snn / 1e6,8:F3}");
}
var report = energy.Evaluate(counts, model);
Console.WriteLine($"total: ANN {report.AnnPicojoules / 1e6:F3} uJ, SNN {report.SnnPicojoules / 1e6:F3} uJ per image: the SNN needs {1 / report.AnnOverSnn:P0} of the ANN's energy ({report.AnnOverSnn:F2}x less)");
