#!/usr/bin/env -S dotnet run --file
// The bytes data-parallel training allreduces per step for each model of the zoo, from the code: every model is built
// for its usual input (digits 1x8x8, Fashion-MNIST 1x28x28, CIFAR 3x32x32, ImageNet 3x224x224) with the default
// neuron (LIF) and PLIF, and DataParallel.AllReducePlan sums its trainable parameters' gradient bytes (float32) and
// counts the 25 MiB buckets, as the training step does. The bytes do not depend on T or the batch size.
// Usage: dotnet run --file scripts/zoo-allreduce-bytes.cs -- OUT.json   (prints the markdown table on stdout)
#:project ../src/MtSnn/MtSnn.csproj
#:property TreatWarningsAsErrors=true
#:property Nullable=enable
using System.Globalization;
using System.Text.Json.Nodes;
using MtSnn.Data;
using MtSnn.Distributed;
using MtSnn.Models;
using MtSnn.Neurons;

if (args.Length != 1)
{
    Console.Error.WriteLine("zoo-allreduce-bytes: error: usage: dotnet run --file scripts/zoo-allreduce-bytes.cs -- OUT.json");
    return 2;
}
static (ImageShape Input, int Classes, string Data) InputOf(string model) => model switch
{
    "digits-cnn" or "digits-mlp" => (new ImageShape(1, 8, 8), 10, "digits 1x8x8"),
    "plif-net" => (new ImageShape(1, 28, 28), 10, "Fashion-MNIST 1x28x28"),
    "vgg11" or "vgg16" or "resnet19" or "resnet20" => (new ImageShape(3, 32, 32), 10, "CIFAR-10 3x32x32"),
    _ => (new ImageShape(3, 224, 224), 1000, "ImageNet 3x224x224"),
};
var rows = new JsonArray();
var md = new System.Text.StringBuilder("| model | input | neuron | parameters | bytes allreduced per step | MiB | 25 MiB buckets |\n|---|---|---|---:|---:|---:|---:|\n");
foreach (string name in ModelZoo.Names)
    foreach (var dynamics in new[] { Dynamics.LIF, Dynamics.PLIF })
    {
        var (input, classes, data) = InputOf(name);
        using var model = ModelZoo.Create(name, new ModelSpec(input, classes, new NeuronOptions { Dynamics = dynamics }));
        var (bytes, parameters, buckets) = DataParallel.AllReducePlan(model);
        rows.Add((JsonNode)new JsonObject { ["model"] = name, ["input"] = data, ["neuron"] = dynamics.ToString(), ["parameters"] = parameters, ["bytes"] = bytes, ["buckets"] = buckets });
        md.Append(CultureInfo.InvariantCulture, $"| {name} | {data} | {dynamics} | {parameters:N0} | {bytes:N0} | {bytes / 1048576.0:F2} | {buckets} |\n");
    }
var doc = new JsonObject { ["what"] = "gradient bytes allreduced per data-parallel step (float32), from DataParallel.AllReducePlan", ["bucket_bytes"] = DataParallel.BucketBytes, ["models"] = rows };
string tmp = args[0] + ".tmp";
File.WriteAllText(tmp, doc.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }) + "\n");
File.Move(tmp, args[0], overwrite: true);
Console.Write(md);
return 0;
