using static TorchSharp.torch;

namespace MtSnn.Training;

/// <summary>One step's metrics as read back to the host: the batch loss, the number of correct predictions, the batch size.</summary>
internal readonly record struct StepMetrics(float Loss, long Correct, int Count);

/// <summary>
/// Per-step metrics that stay on the device until they are needed on the host: for each step the scalar loss
/// <c>L_s</c> (float32, detached) and the correct count <c>c_s = sum_b [argmax_c mean_t O[t, b, c] = y_b]</c> (int64).
/// <see cref="ReadBack"/> copies every pending step to the host in one transfer (one synchronisation), in step order,
/// so that a training loop on an asynchronous device (CUDA) waits for the device only when it reads back, not per step.
/// The values are exactly those a per-step <c>item()</c> would give (float32 and int64 are carried exactly in float64).
/// </summary>
internal sealed class PendingStepMetrics : IDisposable
{
    private readonly List<(Tensor Loss, Tensor Correct, int Count)> _pending = [];

    /// <summary>Steps recorded since the last read-back.</summary>
    public int Count => _pending.Count;

    /// <summary>Keeps <paramref name="loss"/> (a scalar) and <paramref name="correct"/> (an int64 scalar) of a step of <paramref name="count"/> samples; both stay on their device, outside any dispose scope.</summary>
    public void Add(Tensor loss, Tensor correct, int count)
    {
        var l = loss.detach().DetachFromDisposeScope();
        var c = correct.detach().DetachFromDisposeScope();
        _pending.Add((l, c, count));
    }

    /// <summary>The pending steps on the host, in order (one device-to-host copy), and forgets them.</summary>
    public StepMetrics[] ReadBack()
    {
        if (_pending.Count == 0) return [];
        var result = new StepMetrics[_pending.Count];
        using (var scope = NewDisposeScope())
        {
            var losses = stack(_pending.Select(p => p.Loss.to_type(float32).reshape(1))).reshape(-1).to_type(float64);
            var corrects = stack(_pending.Select(p => p.Correct.reshape(1))).reshape(-1).to_type(float64);
            var host = cat([losses, corrects]).cpu();
            var v = host.data<double>();
            for (int i = 0; i < result.Length; i++)
                result[i] = new StepMetrics((float)v[i], (long)v[result.Length + i], _pending[i].Count);
        }
        Clear();
        return result;
    }

    private void Clear()
    {
        foreach (var (l, c, _) in _pending)
        {
            l.Dispose();
            c.Dispose();
        }
        _pending.Clear();
    }

    public void Dispose() => Clear();
}
