using System.Text.Json;
using MtSnn.Data;
using MtSnn.Interop.Torch;
using MtSnn.Models;
using MtSnn.Neurons;
using MtSnn.Tests.TestSupport;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace MtSnn.Tests.Interop;

/// <summary>
/// PyTorch state_dict files written by a real PyTorch 1.13 / torchvision 0.14 (tests/fixtures/torch/make_fixtures.py;
/// the expected values and sums in its JSON files are PyTorch's own): the reader, the restricted unpickler, and the
/// name mapping into the zoo with its report.
/// </summary>
public class TorchWeightsTests
{
    private static string Fixture(string name) => Path.Combine(Repo.Root, "tests", "fixtures", "torch", name);

    private static JsonElement Json(string name) => JsonDocument.Parse(File.ReadAllText(Fixture(name))).RootElement;

    private static readonly NeuronOptions If = new() { VThreshold = 0.5 };
    private static readonly NeuronOptions Plif = new() { Dynamics = Dynamics.PLIF, Mode = FiringMode.Cascade, Levels = 3, VThreshold = 0.5 };

    /// <summary>The ImageNet layout at 1/16 width (4, 8, 16, 32), as the fixtures.</summary>
    private static SpikingModel NarrowResNet(string name, NeuronOptions neuron, int classes)
    {
        var residual = name.StartsWith("sew", StringComparison.Ordinal) ? ResidualKind.SewAdd : ResidualKind.Spiking;
        var layout = ResNetLayout.ImageNet([2, 2, 2, 2], residual) with { StemWidth = 4, Widths = [4, 8, 16, 32] };
        return new SpikingResNet(name, new ModelSpec(new ImageShape(3, 32, 32), classes, neuron), layout);
    }

    private static double Sum(Tensor t) => t.to_type(ScalarType.Float64).sum().item<double>();

    /// <summary>Every loaded target (but a folded mean) holds the file tensor's values: its float64 sum matches PyTorch's sum of the source.</summary>
    private static void AssertLoadedSums(WeightLoadReport report, SpikingModel model, string file)
    {
        var sums = Json("checksums.json").GetProperty(file);
        var state = model.state_dict();
        var folded = report.Lines.Where(l => l.Status == "folded").Select(l => l.Target).ToHashSet();
        foreach (var line in report.Lines.Where(l => l.Status == "loaded" && !folded.Contains(l.Target)))
        {
            double expected = sums.GetProperty(line.Source!).GetProperty("sum").GetDouble();
            double actual = Sum(state[line.Target!]);
            Assert.True(Math.Abs(expected - actual) <= 1e-5 * (1 + Math.Abs(expected)), $"{line.Source} -> {line.Target}: sum {actual}, PyTorch {expected}");
        }
    }

    [Fact]
    public void Every_dtype_and_layout_reads_as_PyTorch_wrote_it()
    {
        var sd = TorchStateDict.Read(Fixture("tensors.pth"));
        var expected = Json("tensors.json");
        Assert.Equal(expected.EnumerateObject().Select(p => p.Name), sd.Tensors.Select(kv => kv.Key));
        Assert.Equal("little", sd.ByteOrder);
        foreach (var (name, t) in sd.Tensors)
        {
            var e = expected.GetProperty(name);
            Assert.Equal(e.GetProperty("dtype").GetString(), t.DType);
            Assert.Equal(e.GetProperty("shape").EnumerateArray().Select(x => x.GetInt64()), t.Shape);
            var values = e.GetProperty("values").EnumerateArray().Select(x => x.GetDouble()).ToArray();
            if (t.Floats is not null) Assert.Equal(values.Select(v => (float)v), t.Floats);
            else Assert.Equal(values.Select(v => (long)v), t.Integers!);
        }
        Assert.Equal(1L << 40, sd.Tensors.Single(kv => kv.Key == "long").Value.Integers![2]);   // beyond float precision
    }

    [Fact]
    public void A_pickle_that_calls_a_command_is_refused_by_name_and_not_run()
    {
        string marker = "/tmp/mtsnn-evil-ran";
        File.Delete(marker);
        var e = Assert.Throws<InvalidDataException>(() => TorchStateDict.Read(Fixture("evil.pth")));
        Assert.Contains("pickle global 'posix.system' is not allowed", e.Message);
        Assert.Contains("collections.OrderedDict", e.Message);   // the allowed list
        Assert.DoesNotContain('\n', e.Message);
        Assert.False(File.Exists(marker));
    }

    [Fact]
    public void A_checkpoint_dict_gives_the_tensors_under_model()
    {
        var sd = TorchStateDict.Read(Fixture("checkpoint.pth"));
        Assert.Equal("model", sd.Entry);
        Assert.Equal(["0.weight", "0.bias"], sd.Tensors.Select(kv => kv.Key));
        Assert.Equal([2L, 3L], sd.Tensors[0].Value.Shape);
    }

    [Fact]
    public void Files_that_are_not_torch_save_zips_are_refused()
    {
        using var dir = new TempDir();
        string legacy = Path.Combine(dir.Path, "legacy.pth"), text = Path.Combine(dir.Path, "text.pth"), zip = Path.Combine(dir.Path, "other.pth");
        File.WriteAllBytes(legacy, [0x80, 0x02, 0x8a, 0x0a]);
        File.WriteAllText(text, "hello");
        using (var z = System.IO.Compression.ZipFile.Open(zip, System.IO.Compression.ZipArchiveMode.Create)) z.CreateEntry("readme.txt");
        Assert.Contains("legacy (pre-1.6) torch.save file", Assert.Throws<InvalidDataException>(() => TorchStateDict.Read(legacy)).Message);
        Assert.Contains("not a torch.save file", Assert.Throws<InvalidDataException>(() => TorchStateDict.Read(text)).Message);
        Assert.Contains("without exactly one ARCHIVE/data.pkl", Assert.Throws<InvalidDataException>(() => TorchStateDict.Read(zip)).Message);
    }

    [Theory]
    [InlineData("spiking-resnet18")]
    [InlineData("sew-resnet18")]
    public void Torchvision_resnet18_loads_by_name_with_a_report(string model)
    {
        var sd = TorchStateDict.Read(Fixture("torchvision_resnet18.pth"));
        using var full = NarrowResNet(model, If, 1000);
        var report = WeightLoader.Load(sd, full);
        Assert.Equal(sd.Tensors.Count, report.Loaded);
        Assert.Equal(0, report.Skipped);
        Assert.Equal(0, report.Missing);
        Assert.Contains(report.Lines, l => l.Source == "layer2.0.downsample.0.weight" && l.Target == "layer2.0.downsample.module.conv.weight");
        Assert.Contains(report.Lines, l => l.Source == "layer4.1.bn2.running_var" && l.Target == "layer4.1.conv2.module.bn.running_var");
        AssertLoadedSums(report, full, "torchvision_resnet18.pth");

        using var ten = NarrowResNet(model, If, 10);
        var r10 = WeightLoader.Load(sd, ten);
        var skipped = r10.Lines.Where(l => l.Status == "skipped").ToList();
        Assert.Equal(["fc.weight", "fc.bias"], skipped.Select(l => l.Source));
        Assert.Contains("1000 classes in the file, 10 in " + model, skipped[0].Reason);
        Assert.Equal(["fc.module.weight", "fc.module.bias"], r10.Lines.Where(l => l.Status == "missing").Select(l => l.Target));
        Assert.StartsWith($"init-from {sd.Path} into {model} (names: torchvision resnet", r10.Text());
        Assert.Contains("skipped fc.weight [1000, 32]: the classifier: 1000 classes in the file, 10", r10.Text());
    }

    [Theory]
    [InlineData("resnet18", "spiking-resnet18")]
    [InlineData("resnet18", "sew-resnet18")]
    [InlineData("resnet34", "spiking-resnet34")]
    [InlineData("resnet34", "sew-resnet34")]
    public void Full_size_torchvision_names_map_onto_every_zoo_tensor_with_its_shape(string arch, string model)
    {
        using var m = ModelZoo.Create(model, new ModelSpec(new ImageShape(3, 32, 32), 1000, If));
        var (_, map) = WeightNames.For(m);
        var state = m.state_dict();
        var covered = new HashSet<string>();
        foreach (var entry in Json("torchvision_resnet_names.json").GetProperty(arch).EnumerateArray())
        {
            string name = entry[0].GetString()!;
            long[] shape = [.. entry[1].EnumerateArray().Select(x => x.GetInt64())];
            var to = Assert.IsType<NameMapping.To>(map(name));
            Assert.True(state.ContainsKey(to.Target), $"{name} -> {to.Target} is not in {model}");
            Assert.Equal(shape, state[to.Target].shape);
            Assert.True(covered.Add(to.Target), $"two names map to {to.Target}");
        }
        Assert.Equal(state.Keys.Order(), covered.Order());
    }

    [Fact]
    public void SpikingJelly_resnets_bring_PLIF_w_and_BN_statistics()
    {
        foreach (var (file, model) in new[] { ("spikingjelly_sew_resnet18_plif.pth", "sew-resnet18"), ("spikingjelly_spiking_resnet18_plif.pth", "spiking-resnet18") })
        {
            var sd = TorchStateDict.Read(Fixture(file));
            using var m = NarrowResNet(model, Plif, 10);
            var report = WeightLoader.Load(sd, m);
            Assert.Equal(sd.Tensors.Count, report.Loaded);
            Assert.Equal(0, report.Missing);
            Assert.Contains(report.Lines, l => l.Source == "layer1.0.sn2.w" && l.Target == "layer1.0.sn2.plif_a");
            Assert.Contains(report.Lines, l => l.Source == "bn1.num_batches_tracked" && l.Target == "conv1.module.bn.num_batches_tracked");
            AssertLoadedSums(report, m, file);
            Assert.Equal(77L, m.state_dict()["layer3.1.conv1.module.bn.num_batches_tracked"].item<long>());
        }

        // spiking_resnet has no downsample_sn: loading it into SEW leaves those neurons' w at their initialisation
        using var sew = NarrowResNet("sew-resnet18", Plif, 10);
        var r = WeightLoader.Load(TorchStateDict.Read(Fixture("spikingjelly_spiking_resnet18_plif.pth")), sew);
        Assert.Equal(["layer2.0.downsample_sn.plif_a", "layer3.0.downsample_sn.plif_a", "layer4.0.downsample_sn.plif_a"],
            r.Lines.Where(l => l.Status == "missing").Select(l => l.Target));

        // into IF neurons: every w is skipped with the reason
        using var plain = NarrowResNet("sew-resnet18", If, 10);
        var ri = WeightLoader.Load(TorchStateDict.Read(Fixture("spikingjelly_sew_resnet18_plif.pth")), plain);
        var w = ri.Lines.Where(l => l.Source?.EndsWith(".w") == true).ToList();
        Assert.NotEmpty(w);
        Assert.All(w, l => { Assert.Equal("skipped", l.Status); Assert.Contains("is not PLIF", l.Reason); });
    }

    [Fact]
    public void SpikingJelly_plif_net_loads_from_float16_and_skips_the_voting_head()
    {
        const string file = "spikingjelly_plif_fmnist.pth";
        var sd = TorchStateDict.Read(Fixture(file));
        Assert.Equal("float16", sd.Tensors[0].Value.DType);
        using var m = new PlifNet(new ModelSpec(new ImageShape(1, 28, 28), 10, Plif), channels: 2);
        var report = WeightLoader.Load(sd, m);
        Assert.Equal(["conv_fc.13.weight", "conv_fc.13.bias", "conv_fc.14.w"], report.Lines.Where(l => l.Status == "skipped").Select(l => l.Source));
        Assert.All(report.Lines.Where(l => l.Status == "skipped"), l => Assert.Contains("voting head", l.Reason));
        Assert.Equal(["classifier.2.module.weight", "classifier.2.module.bias"], report.Lines.Where(l => l.Status == "missing").Select(l => l.Target));
        Assert.Contains(report.Lines, l => l.Source == "conv_fc.11.w" && l.Target == "classifier.1.plif_a" && l.Reason == "from float16");
        Assert.Contains(report.Lines, l => l.Source == "conv_fc.10.weight" && l.Target == "classifier.0.module.1.weight");
        AssertLoadedSums(report, m, file);
    }

    [Fact]
    public void SpikingJelly_plif_net_loads_whole_into_plif_net_vote_voting_head_included()
    {
        const string file = "spikingjelly_plif_fmnist.pth";
        var sd = TorchStateDict.Read(Fixture(file));
        using var m = new PlifNet(new ModelSpec(new ImageShape(1, 28, 28), 10, Plif), channels: 2, voting: true);
        var report = WeightLoader.Load(sd, m);
        Assert.DoesNotContain(report.Lines, l => l.Status == "skipped");
        Assert.DoesNotContain(report.Lines, l => l.Status == "missing");
        Assert.Contains(report.Lines, l => l.Source == "conv_fc.13.weight" && l.Target == "classifier.2.module.weight");
        Assert.Contains(report.Lines, l => l.Source == "conv_fc.14.w" && l.Target == "classifier.3.plif_a");
        AssertLoadedSums(report, m, file);
    }

    [Fact]
    public void SpikingJelly_vgg_conv_biases_fold_into_the_batch_norm_mean()
    {
        const string file = "spikingjelly_spiking_vgg11_bn.pth";
        var sd = TorchStateDict.Read(Fixture(file));
        int[] narrow = [4, 0, 8, 0, 16, 16, 0, 32, 32, 0, 32, 32, 0];
        using var m = new SpikingVgg("vgg11", new ModelSpec(new ImageShape(3, 32, 32), 10, Plif), narrow);
        var report = WeightLoader.Load(sd, m);
        var sums = Json("checksums.json").GetProperty(file);
        var state = m.state_dict();
        var folded = report.Lines.Where(l => l.Status == "folded").ToList();
        Assert.Equal(8, folded.Count);   // one per conv
        foreach (var f in folded)
        {
            string bn = f.Source!.Replace(".bias", "");
            string fileMean = $"features.{int.Parse(bn.Split('.')[1]) + 1}.running_mean";
            double expected = sums.GetProperty(fileMean).GetProperty("sum").GetDouble() - sums.GetProperty(f.Source).GetProperty("sum").GetDouble();
            Assert.Equal(expected, Sum(state[f.Target!]), 4);
        }
        Assert.Contains(report.Lines, l => l.Source == "features.2.w" && l.Target == "features.1.plif_a");
        Assert.Contains(report.Lines, l => l.Source == "features.4.weight" && l.Target == "features.3.module.conv.weight");   // after the first M
        Assert.All(report.Lines.Where(l => l.Source?.StartsWith("classifier.") == true), l => Assert.Equal("skipped", l.Status));
        AssertLoadedSums(report, m, file);
    }

    [Fact]
    public void A_shape_mismatch_names_the_tensor_both_shapes_and_the_file_and_changes_nothing()
    {
        var good = TorchStateDict.Read(Fixture("torchvision_resnet18.pth")).Tensors;
        var bad = good.Select(kv => kv.Key == "layer3.0.conv2.weight" ? new KeyValuePair<string, TorchTensor>(kv.Key, TorchTensor.FromFloats([16, 16, 3, 1], new float[16 * 16 * 3])) : kv).ToList();
        using var m = NarrowResNet("spiking-resnet18", If, 1000);
        var before = m.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        var e = Assert.Throws<InvalidDataException>(() => WeightLoader.Load(TorchStateDict.FromTensors("bad.pth", bad), m));
        Assert.Equal("bad.pth: tensor layer3.0.conv2.weight has shape [16, 16, 3, 1], spiking-resnet18's layer3.0.conv2.module.conv.weight has [16, 16, 3, 3]", e.Message);
        foreach (var (name, t) in m.state_dict()) Assert.True(t.equal(before[name]).all().item<bool>(), $"{name} changed");
    }

    [Fact]
    public void A_file_with_no_matching_name_is_refused()
    {
        using var m = ModelZoo.Create("digits-cnn", new ModelSpec(new ImageShape(1, 8, 8), 10, If));
        var e = Assert.Throws<InvalidDataException>(() => WeightLoader.Load(TorchStateDict.Read(Fixture("torchvision_resnet18.pth")), m));
        Assert.Contains("no tensor matches digits-cnn (names: MtSnn module paths; the file's first names: conv1.weight, bn1.weight, bn1.bias)", e.Message);
    }
}

/// <summary><c>--init-from MODEL.nir</c>: a model initialised from an exported NIR graph folds back to the graph's weights.</summary>
public class NirInitFromTests
{
    [Theory]
    [InlineData("digits-cnn", "cascade-plif-pow2-3")]
    [InlineData("plif-net", "single-plif-hard")]
    public void A_model_initialised_from_NIR_exports_the_same_weights(string modelName, string neuron)
    {
        using var dir = new TempDir();
        var original = NirRoundTripTests.Trained(modelName, neuron, 2);
        MtSnn.Interop.Nir.NirExporter.Write(original, dir["m.nir"]);
        var source = WeightSources.Open(dir["m.nir"]);
        using var m = ModelZoo.Create(modelName, new ModelSpec(new ImageShape(1, 8, 8), 10, NirRoundTripTests.Neuron(neuron)));
        var report = WeightLoader.Load(source.For(m), m);
        Assert.All(report.Lines.Where(l => l.Status == "missing"), l => Assert.EndsWith("num_batches_tracked", l.Target));
        m.eval();
        var again = MtSnn.Export.ModelExporter.Export(m, 2);
        var want = original.Tensors.ToDictionary(t => t.Name);
        Assert.Equal(want.Keys.Order(), again.Tensors.Select(t => t.Name).Order());
        foreach (var t in again.Tensors)
        {
            var w = want[t.Name].Data.ToArray();
            var g = t.Data.ToArray();
            double scale = w.Max(v => Math.Abs(v)) + 1e-12;
            Assert.True(w.Zip(g).All(p => Math.Abs(p.First - p.Second) <= 1e-6 * scale), $"{t.Name} differs beyond float rounding");
        }
        var plif = original.Graph.Layers.OfType<MtSnn.Runtime.Graph.NeuronLayerSpec>().Select(n => n.Neuron.Decay).ToList();
        var back = again.Graph.Layers.OfType<MtSnn.Runtime.Graph.NeuronLayerSpec>().Select(n => n.Neuron.Decay).ToList();
        Assert.Equal(plif.Count, back.Count);
        for (int i = 0; i < plif.Count; i++) Assert.Equal(plif[i], back[i], 6);
    }
}
