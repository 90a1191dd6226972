// Train a spiking conv net briefly, export it to a .mtsnn file, load that file in the multiplication-free engine
// (MtSnn.Runtime: no TorchSharp) and check that the engine predicts what the TorchSharp model predicts.
// Usage: example-export-to-engine [OUT.mtsnn] [EPOCHS] [IMAGES] [MAX_BATCHES_PER_EPOCH]   (defaults: digits.mtsnn, 2 epochs, 200 test images, all batches)
using MtSnn.Data;
using MtSnn.Export;
using MtSnn.Neurons;
using MtSnn.Runtime;
using MtSnn.Training;

string path = args.Length > 0 ? args[0] : "digits.mtsnn";
int epochs = args.Length > 1 ? int.Parse(args[1]) : 2, count = args.Length > 2 ? int.Parse(args[2]) : 200, maxBatches = args.Length > 3 ? int.Parse(args[3]) : 0;
const int T = 2;
var config = new TrainConfig
{
    Dataset = "digits", Model = "digits-cnn", T = T, Epochs = epochs, MaxBatches = maxBatches, Seed = 1, Workers = 1,
    Neuron = new NeuronOptions { Dynamics = Dynamics.LIF, Mode = FiringMode.Cascade, Levels = 4 },
};
using var trainer = new Trainer(config);
trainer.Run();
var model = trainer.Model;
model.eval();
ModelExporter.Export(model, T).Write(path);                     // BN folded, thresholds and weights baked in
var engine = Engine.Load(path);

var images = DeploymentImages.Load(DataSets.Open("digits", null, DatasetSplit.Test), count);
var library = TorchReference.Run(model, images.Pixels, images.Count, T);   // the TorchSharp model's logits
var run = EngineRun.Run(engine, images, threads: 1);
int agree = Enumerable.Range(0, images.Count)
    .Count(i => EngineRun.ArgMax(library.Logits.AsSpan(i * engine.NumClasses, engine.NumClasses)) == run.Predictions[i]);
Console.WriteLine($"wrote {path}: {engine.Model.Graph.Layers.Length} layers, T = {engine.TimeSteps}");
Console.WriteLine($"engine accuracy {run.Accuracy(images.Labels) * 100:F2} % on {images.Count} test images");
Console.WriteLine($"engine predictions equal the library's on {agree} of {images.Count} images");
Console.WriteLine($"multiplications in the spiking layers: {run.Counts!.Layers.Where(l => l.MacsPerformed == 0).Sum(l => l.Multiplications + l.LeakMultiplications)}");
