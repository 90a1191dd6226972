using MtSnn.Neurons;
using Xunit;
using static TorchSharp.torch;
using static MtSnn.Tests.Neurons.NeuronTestTensors;

namespace MtSnn.Tests.Neurons;

/// <summary>
/// Hand-worked traces of one neuron (B = 1) over a few steps, per firing mode, reset and dynamics. The inputs are
/// dyadic fractions so that float64 arithmetic is exact; the expected values are worked out in the comments.
/// </summary>
public class NeuronTraceTests
{
    public NeuronTraceTests() => MtSnn.Native.TorchRuntime.EnsureInitialized();

    private static void AssertTrace(MultiThresholdNode node, Tensor o, double[] h, double[] v, double[] output, int[][] spikes)
    {
        Close(h, node.LastH!, what: "H");
        Close(v, node.LastV!, what: "V");
        Close(output, o, what: "O");
        Assert.Equal([spikes.Length, spikes[0].Length, 1], node.LastSpikes!.shape);
        Close([.. spikes.SelectMany(s => s.Select(b => (double)b))], node.LastSpikes!, what: "S");
    }

    [Fact]
    public void Single_IF_HardReset()
    {
        // V_th = 1, V_reset = 0, V[-1] = 0; single firing defaults to hard reset.
        // t0: H = 0 + 0.625 = 0.625 < 1   -> S = 0, V = H = 0.625
        // t1: H = 0.625 + 0.625 = 1.25     -> S = 1, V = V_reset = 0
        // t2: H = 0 + 1.5 = 1.5            -> S = 1, V = 0
        // t3: H = 0 - 0.25 = -0.25         -> S = 0, V = -0.25
        var (node, o) = Run(new NeuronOptions { Dynamics = Dynamics.IF }, 0.625, 0.625, 1.5, -0.25);
        AssertTrace(node, o, h: [0.625, 1.25, 1.5, -0.25], v: [0.625, 0, 0, -0.25], output: [0, 1, 1, 0],
            spikes: [[0], [1], [1], [0]]);
    }

    [Fact]
    public void Single_LIF_SoftReset()
    {
        // LIF tau = 2, decay_input: H = V + (X - V) / 2; soft reset V = H - 1 * O.
        // t0: H = 0 + (1.5 - 0) / 2 = 0.75           -> S = 0, V = 0.75
        // t1: H = 0.75 + (0.25 - 0.75) / 2 = 0.5      -> S = 0, V = 0.5
        // t2: H = 0.5 + (1.75 - 0.5) / 2 = 1.125      -> S = 1, V = 1.125 - 1 = 0.125
        // t3: H = 0.125 + (0 - 0.125) / 2 = 0.0625    -> S = 0, V = 0.0625
        var (node, o) = Run(new NeuronOptions { Dynamics = Dynamics.LIF, Tau = 2, Reset = ResetMode.Soft }, 1.5, 0.25, 1.75, 0);
        AssertTrace(node, o, h: [0.75, 0.5, 1.125, 0.0625], v: [0.75, 0.5, 0.125, 0.0625], output: [0, 0, 1, 0],
            spikes: [[0], [0], [1], [0]]);
    }

    [Fact]
    public void Single_LIF_NoDecayInput_HardReset_NonZeroVReset()
    {
        // LIF tau = 4, decay_input = false: H = V - (V - V_reset) / 4 + X; V_reset = -0.5 = V[-1].
        // t0: H = -0.5 - 0 + 0.5 = 0                        -> S = 0, V = 0
        // t1: H = 0 - (0 + 0.5) / 4 + 1.5 = -0.125 + 1.5 = 1.375 -> S = 1, V = V_reset = -0.5
        // t2: H = -0.5 - 0 + 0.25 = -0.25                   -> S = 0, V = -0.25
        var options = new NeuronOptions { Dynamics = Dynamics.LIF, Tau = 4, DecayInput = false, VReset = -0.5, Reset = ResetMode.Hard };
        var (node, o) = Run(options, 0.5, 1.5, 0.25);
        AssertTrace(node, o, h: [0, 1.375, -0.25], v: [0, -0.5, -0.25], output: [0, 1, 0], spikes: [[0], [1], [0]]);
    }

    [Fact]
    public void Parallel_IF_SoftReset()
    {
        // K = 4 uniform: theta = 1, 0.75, 0.5, 0.25; lambda = 0.25 each; soft reset V = H - O.
        // t0: H = 0.625: 0.625 >= 0.5, 0.25 only        -> S = [0,0,1,1], O = 0.5,  V = 0.125
        // t1: H = 0.125 + 0.875 = 1.0: all four (1 >= 1) -> S = [1,1,1,1], O = 1,    V = 0
        // t2: H = 0 + 0.375 = 0.375: only 0.25           -> S = [0,0,0,1], O = 0.25, V = 0.125
        // t3: H = 0.125 - 0.5 = -0.375: none             -> S = 0,         O = 0,    V = -0.375
        var options = new NeuronOptions { Dynamics = Dynamics.IF, Mode = FiringMode.Parallel, Levels = 4 };
        var (node, o) = Run(options, 0.625, 0.875, 0.375, -0.5);
        AssertTrace(node, o, h: [0.625, 1.0, 0.375, -0.375], v: [0.125, 0, 0.125, -0.375], output: [0.5, 1, 0.25, 0],
            spikes: [[0, 0, 1, 1], [1, 1, 1, 1], [0, 0, 0, 1], [0, 0, 0, 0]]);
    }

    [Fact]
    public void Parallel_LIF_HardReset()
    {
        // K = 4 uniform (theta = 1, 0.75, 0.5, 0.25), LIF tau = 2, hard reset to 0 when any level fires.
        // t0: H = 0 + 1.25 / 2 = 0.625                    -> S = [0,0,1,1], O = 0.5,  V = 0
        // t1: H = 0 + 1.5 / 2 = 0.75                      -> S = [0,1,1,1], O = 0.75, V = 0
        // t2: H = 0 + 0.25 / 2 = 0.125                    -> S = 0,         O = 0,    V = 0.125
        // t3: H = 0.125 + (3 - 0.125) / 2 = 1.5625        -> S = [1,1,1,1], O = 1,    V = 0
        var options = new NeuronOptions { Dynamics = Dynamics.LIF, Tau = 2, Mode = FiringMode.Parallel, Levels = 4, Reset = ResetMode.Hard };
        var (node, o) = Run(options, 1.25, 1.5, 0.25, 3.0);
        AssertTrace(node, o, h: [0.625, 0.75, 0.125, 1.5625], v: [0, 0, 0.125, 0], output: [0.5, 0.75, 0, 1],
            spikes: [[0, 0, 1, 1], [0, 1, 1, 1], [0, 0, 0, 0], [1, 1, 1, 1]]);
    }

    [Fact]
    public void Cascade_IF_SoftReset()
    {
        // K = 3 pow2: theta = 1, 0.5, 0.25; lambda = 1, 0.5, 0.25; R_{k+1} = R_k - lambda_k S_k; V = H - O.
        // t0: H = 0.875: R1 = 0.875 < 1 S1 = 0; R2 = 0.875 >= 0.5 S2 = 1; R3 = 0.375 >= 0.25 S3 = 1
        //     O = 0.75, V = 0.125
        // t1: H = 0.125 + 1.0625 = 1.1875: S1 = 1, R2 = 0.1875 < 0.5 S2 = 0, R3 = 0.1875 < 0.25 S3 = 0
        //     O = 1, V = 0.1875
        // t2: H = 0.1875 + 2 = 2.1875: S1 = 1, R2 = 1.1875 S2 = 1, R3 = 0.6875 S3 = 1 (saturates)
        //     O = 1.75, V = 0.4375
        // t3: H = 0.4375 - 0.375 = 0.0625: none, O = 0, V = 0.0625
        var options = new NeuronOptions { Dynamics = Dynamics.IF, Mode = FiringMode.Cascade, Levels = 3 };
        var (node, o) = Run(options, 0.875, 1.0625, 2.0, -0.375);
        AssertTrace(node, o, h: [0.875, 1.1875, 2.1875, 0.0625], v: [0.125, 0.1875, 0.4375, 0.0625], output: [0.75, 1, 1.75, 0],
            spikes: [[0, 1, 1], [1, 0, 0], [1, 1, 1], [0, 0, 0]]);
    }

    [Fact]
    public void Cascade_LIF_HardReset()
    {
        // K = 3 pow2, LIF tau = 2, hard reset to 0.
        // t0: H = 1.5 / 2 = 0.75: S1 = 0; R2 = 0.75 S2 = 1; R3 = 0.25 >= 0.25 S3 = 1 -> O = 0.75, V = 0
        // t1: H = 0 + 0.25 / 2 = 0.125: none -> O = 0, V = 0.125
        // t2: H = 0.125 + (4 - 0.125) / 2 = 2.0625: S1 = 1, R2 = 1.0625 S2 = 1, R3 = 0.5625 S3 = 1 -> O = 1.75, V = 0
        var options = new NeuronOptions { Dynamics = Dynamics.LIF, Tau = 2, Mode = FiringMode.Cascade, Levels = 3, Reset = ResetMode.Hard };
        var (node, o) = Run(options, 1.5, 0.25, 4.0);
        AssertTrace(node, o, h: [0.75, 0.125, 2.0625], v: [0, 0.125, 0], output: [0.75, 0, 1.75],
            spikes: [[0, 1, 1], [0, 0, 0], [1, 1, 1]]);
    }

    [Fact]
    public void Cascade_OutputIsInUnitsOfVThreshold()
    {
        // V_th = 2, K = 2 pow2: theta = 2, 1; lambda = 1, 0.5 (units of V_th).
        // t0: H = 3.5: S1 = 1, R2 = 3.5 - 2 * 1 = 1.5 >= 1 S2 = 1 -> O = 1.5 (= 3 / V_th), V = 3.5 - 2 * 1.5 = 0.5
        // t1: H = 0.5 + 0.75 = 1.25: S1 = 0, R2 = 1.25 >= 1 S2 = 1 -> O = 0.5, V = 1.25 - 1 = 0.25
        var options = new NeuronOptions { Dynamics = Dynamics.IF, Mode = FiringMode.Cascade, Levels = 2, VThreshold = 2 };
        var (node, o) = Run(options, 3.5, 0.75);
        AssertTrace(node, o, h: [3.5, 1.25], v: [0.5, 0.25], output: [1.5, 0.5], spikes: [[1, 1], [0, 1]]);
    }

    [Fact]
    public void Plif_StartsAsLifWithTau0()
    {
        // PLIF tau0 = 4: a = -ln 3, sigmoid(a) = 1/4, so it charges like LIF tau = 4 until a is trained.
        // t0: H = 0 + (2 - 0) / 4 = 0.5; t1: H = 0.5 + (4.5 - 0.5) / 4 = 1.5 -> S = 1, hard reset V = 0
        var (node, o) = Run(new NeuronOptions { Dynamics = Dynamics.PLIF, Tau = 4 }, 2.0, 4.5);
        Assert.Equal(-Math.Log(3), Values(node.PlifA!)[0], 6);
        Close([0.5, 1.5], node.LastH!, 1e-6, "H");
        Close([0, 1], o, 0, "O");
        Close([0.5, 0], node.LastV!, 1e-6, "V");
    }

    [Fact]
    public void LevelRates_AreMeanOfEachPlane()
    {
        // the parallel trace above: level 1 fired at t1 only (1/4), level 2 at t1 (1/4), level 3 at t0, t1 (2/4),
        // level 4 at t0, t1, t2 (3/4)
        var options = new NeuronOptions { Dynamics = Dynamics.IF, Mode = FiringMode.Parallel, Levels = 4 };
        var (node, _) = Run(options, 0.625, 0.875, 0.375, -0.5);
        Assert.Equal([0.25, 0.25, 0.5, 0.75], node.LastLevelRates!);
    }
}
