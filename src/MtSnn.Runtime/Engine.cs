using System.Collections.Concurrent;
using System.Numerics;
using MtSnn.Runtime.Counting;
using MtSnn.Runtime.Execution;

namespace MtSnn.Runtime;

/// <summary>
/// Runs an exported MT-SNN in pure C#. Built once from a model (all weights, thresholds and merge plans prepared
/// at construction); <c>Infer</c> is thread-safe and may be called concurrently (each call takes a private
/// workspace from a pool). Per step t = 0..T-1 every stage runs in graph order; stages whose inputs are
/// time-invariant (direct encoding: the first layer) run once and are reused for all T steps.
/// The logits are <c>(1/T) sum_t X_out[t]</c>.
/// </summary>
public sealed class Engine
{
    private readonly IRunner _runner;

    /// <summary>Compiles a model; throws <see cref="NotSupportedException"/> for a graph this engine cannot run
    /// (e.g. conv2d on a flattened value) and, in integer mode, for constants that do not fit int64.</summary>
    public Engine(MtSnnModel model, EngineOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        Model = model;
        Options = options ?? new EngineOptions();
        _runner = Options.Arithmetic == EngineArithmetic.Integer
            ? new Runner<long>(Compiler<long, IntArith>.Compile(model, Options))
            : new Runner<float>(Compiler<float, FloatArith>.Compile(model, Options));
    }

    /// <summary>Loads a <c>.mtsnn</c> file and compiles it.</summary>
    public static Engine Load(string path, EngineOptions? options = null) => new(MtSnnModel.Load(path), options);

    /// <summary>The model.</summary>
    public MtSnnModel Model { get; }
    /// <summary>The options.</summary>
    public EngineOptions Options { get; }
    /// <summary>Input length <c>C H W</c> (CHW order).</summary>
    public int InputSize => Model.Graph.InputShape.Size;
    /// <summary>Number of logits.</summary>
    public int NumClasses => Model.Graph.NumClasses;
    /// <summary>Time steps T.</summary>
    public int TimeSteps => Model.Graph.TimeSteps;

    /// <summary>
    /// One inference: <paramref name="input"/> (length <see cref="InputSize"/>, CHW) to <paramref name="logits"/>
    /// (length <see cref="NumClasses"/>). When <paramref name="counts"/> is given, every operation is added to it.
    /// </summary>
    public void Infer(ReadOnlySpan<float> input, Span<float> logits, OpCounts? counts = null)
    {
        if (input.Length != InputSize) throw new ArgumentException($"input has {input.Length} values, the model needs {InputSize} (C H W = {Model.Graph.InputShape})");
        if (logits.Length != NumClasses) throw new ArgumentException($"logits has {logits.Length} slots, the model has {NumClasses} classes");
        for (int i = 0; i < input.Length; i++)
            if (!float.IsFinite(input[i])) throw new ArgumentException($"input element {i} is {input[i]} (must be finite)");
        _runner.Infer(input, logits, counts, TimeSteps);
    }

    /// <summary>Convenience overload returning a new logits array.</summary>
    public float[] Infer(ReadOnlySpan<float> input, OpCounts? counts = null)
    {
        var logits = new float[NumClasses];
        Infer(input, logits, counts);
        return logits;
    }

    private interface IRunner
    {
        void Infer(ReadOnlySpan<float> input, Span<float> logits, OpCounts? counts, int timeSteps);
    }

    private sealed class Runner<T>(CompiledGraph<T> graph) : IRunner where T : unmanaged, INumber<T>
    {
        private readonly ConcurrentBag<Workspace<T>> _pool = [];

        public void Infer(ReadOnlySpan<float> input, Span<float> logits, OpCounts? counts, int timeSteps)
        {
            if (!_pool.TryTake(out var ws)) ws = new Workspace<T>(graph.Slots, graph.States, graph.InputSize);
            try
            {
                counts?.EnsureLayout(graph.Layout, timeSteps);
                input.CopyTo(ws.Input);
                foreach (var stage in graph.Stages) stage.Begin(ws);
                for (int t = 0; t < timeSteps; t++)
                    foreach (var stage in graph.Stages)
                    {
                        if (stage.Static && t > 0) continue;
                        stage.Run(ws, counts?[stage.Layer], stage.Static ? timeSteps : 1);
                    }
                var sum = ws.State[graph.OutputState];
                double factor = graph.OutputScale / timeSteps;
                for (int j = 0; j < logits.Length; j++) logits[j] = (float)(double.CreateTruncating(sum[j]) * factor);
                if (counts is not null)
                {
                    counts[counts.Layers.Count - 1].AddReadout(logits.Length);
                    counts.Inferences++;
                }
            }
            finally
            {
                _pool.Add(ws);
            }
        }
    }
}
