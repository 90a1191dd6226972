using System.Globalization;
using MtSnn.Runtime;
using MtSnn.Runtime.Counting;
using MtSnn.Runtime.Format;

// usage: MtSnn.Runtime.AotSample MODEL.mtsnn [--integer]      run one inference, print logits, counts, energy
//        MtSnn.Runtime.AotSample --write-demo MODEL.mtsnn      write a small random conv MT-SNN (to try the runtime)
// The input is a fixed ramp in [-1, 1] (the sample has no data set).
if (args.Length < 1)
{
    Console.Error.WriteLine("usage: MtSnn.Runtime.AotSample MODEL.mtsnn [--integer] | --write-demo MODEL.mtsnn");
    return 2;
}
try
{
    if (args[0] == "--write-demo")
    {
        DemoModel.Write(args.Length > 1 ? args[1] : "demo.mtsnn");
        return 0;
    }
    var options = new EngineOptions(args.Contains("--integer") ? EngineArithmetic.Integer : EngineArithmetic.Float32);
    var engine = Engine.Load(args[0], options);
    var input = new float[engine.InputSize];
    for (int i = 0; i < input.Length; i++) input[i] = -1f + 2f * i / Math.Max(1, input.Length - 1);
    var counts = new OpCounts();
    var logits = engine.Infer(input, counts);
    var clock = System.Diagnostics.Stopwatch.StartNew();
    const int runs = 200;
    for (int r = 0; r < runs; r++) engine.Infer(input);
    double microseconds = clock.Elapsed.TotalMicroseconds / runs;
    var inv = CultureInfo.InvariantCulture;
    Console.WriteLine($"model: {engine.Model.Graph.Layers.Length} layers, T = {engine.TimeSteps}, arithmetic = {options.Arithmetic}");
    Console.WriteLine("logits: " + string.Join(" ", logits.Select(v => v.ToString("G6", inv))));
    Console.WriteLine("layer  op         additions  comparisons  SOPs       merge   MACs(perf/conv)    mult  leak-mult  shifts  firing");
    foreach (var l in counts.Layers)
        Console.WriteLine(string.Create(inv, $"{l.Index,5}  {l.Op,-9} {l.Additions,10} {l.Comparisons,12} {l.Sops,10} {l.MergeAdditions,7} {l.MacsPerformed,8}/{l.MacsConvention,-9} {l.Multiplications,5} {l.LeakMultiplications,10} {l.Shifts,7}  {l.FiringRate:F3}"));
    var e = new EnergyModel().Evaluate(counts, engine.Model);
    Console.WriteLine(string.Create(inv, $"time: {microseconds:F1} us per inference (mean of {runs}, one thread)"));
    Console.WriteLine(string.Create(inv, $"energy: SNN {e.SnnPicojoules:F1} pJ (integer-count convention {e.SnnIntegerConventionPicojoules:F1} pJ), ANN {e.AnnPicojoules:F1} pJ"));
    return 0;
}
catch (ModelFormatException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 1;
}
