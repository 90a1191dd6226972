using System.Runtime.ExceptionServices;
using TorchSharp;
using static TorchSharp.torch;

namespace MtSnn.Data;

/// <summary>
/// The background work of one epoch of a <see cref="DataLoader"/>: <c>Workers</c> threads claim batch numbers in
/// increasing order, never more than <c>Prefetch</c> past the last batch taken (a bounded queue), fill them, and
/// park them in a slot per batch; <see cref="Take"/> hands batch b to the consumer in order.
/// </summary>
internal sealed class LoaderEpoch : IDisposable
{
    /// <summary>
    /// A filled batch: the pixels in a pooled buffer (<paramref name="Images"/>) and the labels, or, with
    /// <see cref="DataLoaderOptions.PinMemory"/>, both already as pinned tensors (<paramref name="Pinned"/>; the buffer is
    /// then back in the pool and <paramref name="Images"/> is null).
    /// </summary>
    internal readonly record struct Filled(float[]? Images, long[] Labels, int[] Indices, (Tensor Images, Tensor Labels)? Pinned = null)
    {
        /// <summary>Gives the pixel buffer back to the pool or disposes the pinned tensors (a batch nobody took).</summary>
        public void Release(DataLoader loader)
        {
            if (Images is not null) loader.ReturnBuffer(Images);
            if (Pinned is { } p) { p.Images.Dispose(); p.Labels.Dispose(); }
        }
    }

    private readonly DataLoader _loader;
    private readonly int[] _order;
    private readonly int _epoch;
    private readonly object _gate = new();
    private readonly Filled?[] _ready;
    private readonly ExceptionDispatchInfo?[] _errors;
    private readonly Thread[] _threads;
    private int _next;
    private int _taken;
    private bool _stopping;

    public LoaderEpoch(DataLoader loader, int[] order, int epoch)
    {
        _loader = loader;
        _order = order;
        _epoch = epoch;
        Batches = loader.BatchesPerEpoch;
        _ready = new Filled?[Batches];
        _errors = new ExceptionDispatchInfo?[Batches];
        int workers = Math.Min(loader.Options.Workers, Math.Max(1, Batches));
        _threads = new Thread[workers];
        for (int t = 0; t < workers; t++)
        {
            _threads[t] = new Thread(Work) { IsBackground = true, Name = $"MtSnn.DataLoader {t}" };
            _threads[t].Start();
        }
    }

    public int Batches { get; }

    /// <summary>Waits for batch <paramref name="b"/> (taken in order 0, 1, ...) and rethrows a failure that occurred while filling it.</summary>
    public Filled Take(int b)
    {
        lock (_gate)
        {
            while (_ready[b] is null && _errors[b] is null && !_stopping) Monitor.Wait(_gate);
            ObjectDisposedException.ThrowIf(_stopping && _ready[b] is null && _errors[b] is null, _loader);
            _taken = b + 1;
            Monitor.PulseAll(_gate);
            _errors[b]?.Throw();
            Filled f = _ready[b]!.Value;
            _ready[b] = null;
            return f;
        }
    }

    public void Stop()
    {
        lock (_gate)
        {
            _stopping = true;
            Monitor.PulseAll(_gate);
        }
    }

    public void Dispose()
    {
        Stop();
        foreach (var t in _threads) t.Join();
        for (int b = 0; b < _ready.Length; b++)
            if (_ready[b] is { } f) { f.Release(_loader); _ready[b] = null; }
    }

    /// <summary>
    /// The batch as pinned tensors: images <c>[B, C, H, W]</c> float32 and labels <c>[B]</c> int64, made on this worker
    /// thread (outside any dispose scope; the batch owns them). The pixels are copied out of <paramref name="images"/>
    /// (a pooled buffer of exactly B images).
    /// </summary>
    private static Filled Pin(float[] images, long[] labels, int[] indices, ImageShape shape, DataLoaderOptions opt)
    {
        int count = indices.Length;
        Tensor? pinnedImages = null;
        try
        {
            using (var plain = torch.tensor(images, [count, shape.Channels, shape.Height, shape.Width], torch.float32))
                pinnedImages = opt.PinFunction(plain);
            using var plainLabels = torch.tensor(labels, torch.int64);
            var pinnedLabels = opt.PinFunction(plainLabels);
            return new Filled(null, labels, indices, (pinnedImages, pinnedLabels));
        }
        catch
        {
            pinnedImages?.Dispose();
            throw;
        }
    }

    private void Work()
    {
        var opt = _loader.Options;
        var ds = _loader.Dataset;
        ImageShape inShape = ds.Shape, outShape = _loader.OutputShape;
        TransformPipeline? pipeline = opt.Transform is { Steps.IsEmpty: false } p ? p : null;
        float[] decoded = pipeline is null ? [] : new float[inShape.Size];
        int scratch = pipeline?.ScratchSize(inShape) ?? 0;
        float[] scratchA = new float[scratch], scratchB = new float[scratch];
        while (true)
        {
            int b;
            lock (_gate)
            {
                while (!_stopping && _next < Batches && _next >= _taken + opt.Prefetch) Monitor.Wait(_gate);
                if (_stopping || _next >= Batches) return;
                b = _next++;
            }
            int start = b * opt.BatchSize, count = Math.Clamp(_order.Length - start, 0, opt.BatchSize);   // 0: a rank's empty part of a short last global batch
            float[] images = _loader.RentBuffer(count * outShape.Size);
            var labels = new long[count];
            var indices = new int[count];
            ExceptionDispatchInfo? error = null;
            try
            {
                for (int k = 0; k < count; k++)
                {
                    int index = _order[start + k];
                    indices[k] = index;
                    Span<float> dst = images.AsSpan(k * outShape.Size, outShape.Size);
                    int label;
                    if (pipeline is null) ds.Get(index, dst, out label);
                    else
                    {
                        ds.Get(index, decoded, out label);
                        var rng = SampleRandom.For(opt.Seed, _epoch, index);
                        pipeline.Apply(decoded, inShape, dst, scratchA, scratchB, ref rng);
                    }
                    labels[k] = label;
                }
            }
            catch (Exception e)
            {
                error = ExceptionDispatchInfo.Capture(e);
                _loader.ReturnBuffer(images);
            }
            Filled filled = new(images, labels, indices);
            if (error is null && opt.PinMemory)
            {
                try { filled = Pin(images, labels, indices, outShape, opt); }
                catch (Exception e) { error = ExceptionDispatchInfo.Capture(e); }
                _loader.ReturnBuffer(images);
            }
            lock (_gate)
            {
                if (error is null) _ready[b] = filled;
                else _errors[b] = error;
                Monitor.PulseAll(_gate);
            }
        }
    }
}
