using MtSnn.Neurons;
using MtSnn.Training;
using Xunit;

namespace MtSnn.Tests.Distributed;

/// <summary>
/// The short digits run that the data-parallel tests train on several ranks and compare with one process: its
/// <c>mtsnn train</c> arguments and the same run as a <see cref="TrainConfig"/>, the free ports a launch needs, and
/// the parameter comparison. Shared with tests/MtSnn.Gpu.Tests (linked there), whose NCCL ranks run the same recipe on GPUs.
/// </summary>
internal static class DigitsRecipe
{
    /// <summary>The recipe as a config (batch <paramref name="batch"/>: the global batch of the ranks it is compared with).</summary>
    public static TrainConfig Config(int batch, int maxBatches, string model = "digits-mlp", string device = "cpu") => new TrainConfig
    {
        Dataset = "digits", Model = model, T = 2, Epochs = 1, BatchSize = batch, MaxBatches = maxBatches, Device = device,
        Optimizer = OptimizerKind.Sgd, Lr = 0.05, Momentum = 0.9, Neuron = new NeuronOptions { Mode = FiringMode.Cascade, Levels = 2 },
        Seed = 5, Workers = 1, Schedule = ScheduleKind.Constant,
    }.Validate();

    /// <summary>The same recipe as <c>mtsnn train</c> arguments, per rank batch <paramref name="batch"/>, writing to <paramref name="dir"/>.</summary>
    public static string[] Args(int batch, int maxBatches, string dir, string model = "digits-mlp") =>
        ["train", "--dataset", "digits", "--model", model, "--T", "2", "--epochs", "1", "--batch-size", batch.ToString(),
            "--max-batches", maxBatches.ToString(), "--mode", "cascade", "--levels", "2", "--optimizer", "sgd", "--lr", "0.05", "--momentum", "0.9", "--schedule", "constant",
            "--seed", "5", "--workers", "1", "--out", dir];

    /// <summary>
    /// Every floating-point parameter and buffer of <paramref name="ranks"/> equals <paramref name="one"/>'s within
    /// float32 summation-order tolerance (<see cref="WorstExcess"/> at most 1), every integer one (batch norm's step
    /// count) exactly; <paramref name="what"/> names the ranks in the message.
    /// </summary>
    public static void AssertSameState(TorchSharp.torch.nn.Module one, TorchSharp.torch.nn.Module ranks, string what)
    {
        foreach (var ((name, p), (_, q)) in one.state_dict().Zip(ranks.state_dict()))
            if (!p.is_floating_point())
                Assert.True(p.eq(q.to(p.device)).all().item<bool>(), $"{name}: one process and {what} differ");
        Assert.True(WorstExcess(one, ranks, what, out string where) <= 1, where);
    }

    /// <summary>
    /// The largest max |one - ranks| over the floating-point parameters and buffers, in units of the float32
    /// summation-order tolerance 1e-5 + 1e-4 · max |w| (above 1: outside it; NaN counts as infinite), and
    /// <paramref name="where"/>, a line naming that entry.
    /// </summary>
    public static double WorstExcess(TorchSharp.torch.nn.Module one, TorchSharp.torch.nn.Module ranks, string what, out string where)
    {
        double worst = 0;
        where = "no floating-point state";
        foreach (var ((name, p), (_, q)) in one.state_dict().Zip(ranks.state_dict()))
        {
            if (!p.is_floating_point()) continue;
            double diff = p.sub(q.to(p.device)).abs().max().item<float>(), scale = p.abs().max().item<float>();
            double excess = diff / (1e-5 + 1e-4 * scale);
            if (double.IsNaN(excess)) excess = double.PositiveInfinity;
            if (excess >= worst) (worst, where) = (excess, $"{name}: max |one process - {what}| = {diff:g3} (max |w| = {scale:g3})");
        }
        return worst;
    }

    /// <summary>Two ports in a row that are free now (MASTER_PORT, torchrun's store, takes the first; mtsnn's rendezvous the next).</summary>
    public static int FreePortPair()
    {
        for (int attempt = 0; attempt < 50; attempt++)
        {
            using var a = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
            a.Start();
            int port = ((System.Net.IPEndPoint)a.LocalEndpoint).Port;
            if (port >= 65535) continue;
            try
            {
                using var b = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Any, port + 1);
                b.Start();
                return port;
            }
            catch (System.Net.Sockets.SocketException) { }
        }
        throw new InvalidOperationException("no two consecutive free ports");
    }
}
