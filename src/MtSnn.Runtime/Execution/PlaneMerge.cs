namespace MtSnn.Runtime.Execution;

/// <summary>
/// How a synaptic layer merges its K input planes without multiplying (MT-SNN.md §3), chosen at load time from
/// the planes' lambdas: all equal (uniform, single) sum into one accumulator, <c>W O = lambda sum_k W S_k</c>,
/// Scale = lambda; all powers of two (pow2): Horner, <c>acc = acc + acc + W S_k</c>, Scale = <c>2^-Jmax</c>;
/// otherwise (explicit): one pre-scaled weight copy <c>lambda_d W</c> per distinct lambda, Scale = 1.
/// </summary>
internal sealed record PlaneMerge(string Kind, int[] CopyOf, double[] CopyScale, int[] PositionOf, int Positions, double Scale)
{
    public static PlaneMerge Plan(IReadOnlyList<double> lambdas)
    {
        int n = lambdas.Count;
        var zeros = new int[n];
        if (lambdas.All(l => l == lambdas[0])) return new PlaneMerge("common", zeros, [1.0], zeros, 1, lambdas[0]);
        if (lambdas.All(IsPow2))
        {
            var j = lambdas.Select(l => -Math.ILogB(l)).ToArray();
            int jmin = j.Min(), jmax = j.Max();
            return new PlaneMerge("horner", zeros, [1.0], [.. j.Select(v => v - jmin)], jmax - jmin + 1, Math.ScaleB(1.0, -jmax));
        }
        var distinct = lambdas.Distinct().ToArray();
        return new PlaneMerge("copies", [.. lambdas.Select(l => Array.IndexOf(distinct, l))], distinct, zeros, 1, 1.0);
    }

    /// <summary>Scale for turning spikes into a dense value with exact per-plane increments where possible.</summary>
    public static double DenseScale(IReadOnlyList<double> lambdas, bool integer) =>
        lambdas.All(l => l == lambdas[0]) ? lambdas[0]
        : lambdas.All(IsPow2) ? lambdas.Min()
        : integer ? Math.ScaleB(1.0, -20) : 1.0;

    public static bool IsPow2(double x) => x > 0 && double.IsFinite(x) && Math.ScaleB(1.0, Math.ILogB(x)) == x;
}
