using System.Collections.Immutable;
using MtSnn.IO;

namespace MtSnn.Neurons;

/// <summary>
/// One built-in surrogate as the registry knows it: its command-line name, the other spellings accepted, the name and
/// default of its one parameter, and the factory from a parameter value.
/// </summary>
/// <param name="Name">The command-line and JSON name (<c>atan</c>, <c>fast-sigmoid</c>).</param>
/// <param name="Parameter">The parameter's name in messages (<c>alpha</c>, <c>width</c>).</param>
/// <param name="Default">The parameter's default.</param>
/// <param name="Create">Builds the surrogate from a parameter value (which it validates).</param>
/// <param name="Aliases">Other accepted spellings (after lower-casing and <c>_</c> to <c>-</c>).</param>
public sealed record SurrogateKind(string Name, string Parameter, double Default, Func<double, Surrogate> Create, params string[] Aliases);

/// <summary>
/// The registry of built-in surrogates: the one list the names for parsing, JSON, command-line help and messages come
/// from. Adding a surrogate: one file in this folder (its record implementing <see cref="IBuiltInSurrogate"/>, its
/// derivative struct, its CUDA body) and one line in <see cref="All"/>.
/// </summary>
public static class Surrogates
{
    /// <summary>Every built-in surrogate, in the order of help and messages.</summary>
    public static ImmutableArray<SurrogateKind> All { get; } =
    [
        ATan.Kind,
        Sigmoid.Kind,
        Rectangle.Kind,
        Triangle.Kind,
        PiecewiseQuadratic.Kind,
        FastSigmoid.Kind,
    ];

    /// <summary>The built-in surrogates' command-line names, comma-separated, for help and messages.</summary>
    public static string Names { get; } = string.Join(", ", All.Select(k => k.Name));

    /// <summary>Parses a name as typed on the command line (any of <see cref="Names"/> or an alias), with an optional parameter (else the default).</summary>
    /// <exception cref="ArgumentException">The name is unknown (the message lists <see cref="Names"/>) or the parameter invalid.</exception>
    public static Surrogate Parse(string name, double? parameter = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        string key = name.ToLowerInvariant().Replace("_", "-");
        var kind = All.FirstOrDefault(k => k.Name == key || k.Aliases.Contains(key))
            ?? throw new ArgumentException($"unknown surrogate '{name}' (allowed: {Names})");
        return kind.Create(parameter ?? kind.Default);
    }

    /// <summary>The command-line spelling <c>name:parameter</c> of a built-in surrogate (what <see cref="Parse"/> reads back).</summary>
    /// <exception cref="ArgumentException">The surrogate is not a built-in one.</exception>
    public static string Format(Surrogate surrogate) => surrogate is IBuiltInSurrogate b
        ? $"{b.Kind.Name}:{RoundTripNumber.Format(b.Parameter)}"
        : throw new ArgumentException($"surrogate {surrogate.GetType().Name} has no command-line name");

    /// <summary>Whether <paramref name="surrogate"/> is a built-in one, so the fused kernels (CPU SIMD and CUDA) have its form.</summary>
    public static bool HasFusedForm(Surrogate surrogate) => surrogate is IBuiltInSurrogate;
}
