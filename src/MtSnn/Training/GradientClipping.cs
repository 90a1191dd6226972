using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MtSnn.Training;

/// <summary>
/// Global gradient-norm clipping that never reads a value back to the host. libtorch's <c>clip_grad_norm_</c> (what
/// TorchSharp's <c>nn.utils.clip_grad_norm_</c> calls) returns the norm as a <c>double</c>, i.e. it waits for the
/// device at every step; this is the same computation with the norm left on the device.
/// </summary>
public static class GradientClipping
{
    /// <summary>
    /// Scales every gradient in place by <c>min(1, maxNorm / (||g||_2 + 1e-6))</c>, where
    /// <c>||g||_2 = || (||g_1||_2, ..., ||g_n||_2) ||_2</c> over the parameters that have a gradient (libtorch's
    /// operations, in its order, so the result is the same). Returns the total norm as a device scalar (detached).
    /// </summary>
    public static Tensor ClipGradNorm(IEnumerable<Parameter> parameters, double maxNorm)
    {
        if (!double.IsFinite(maxNorm) || maxNorm <= 0) throw new ArgumentException($"gradient clipping max norm must be finite and > 0 (got {maxNorm})");
        using var scope = NewDisposeScope();
        var grads = parameters.Select(p => p.grad).Where(g => g is not null && !g.IsInvalid).Select(g => g!).ToList();
        if (grads.Count == 0) return zeros(1).squeeze().MoveToOuterDisposeScope();
        using var noGrad = no_grad();
        var norms = grads.Select(g => g.norm(2.0f)).ToList();   // p = 2 (an int argument would be a dim)
        var total = norms.Count == 1 ? norms[0] : stack(norms).norm(2.0f);
        // libtorch: clip_coef = max_norm / (total_norm + 1e-6) as full_like(d, max_norm).div_(d), clamped to at most 1
        var denom = total + 1e-6;
        var coef = full_like(denom, maxNorm).div_(denom).clamp(max: 1.0);
        foreach (var g in grads) g.mul_(coef);
        return total.detach().MoveToOuterDisposeScope();
    }
}
