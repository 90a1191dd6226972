namespace MtSnn.Training;

/// <summary>
/// Test-set evaluation: mean loss per sample, accuracy (fraction correct, prediction <c>argmax_c mean_t O[t, b, c]</c>),
/// images evaluated, and the firing rate of every level of every spiking layer, <c>rate[l][k] = mean over steps, neurons
/// and samples of S_k</c> (each batch weighted by its size).
/// </summary>
public sealed record EvalResult(double Loss, double Accuracy, int Images, IReadOnlyList<LayerRates> FiringRates);

/// <summary>Firing rate of each level k = 1..K of the spiking layer <paramref name="Layer"/>.</summary>
public sealed record LayerRates(string Layer, double[] Levels);
