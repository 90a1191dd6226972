namespace MtSnn.Neurons;

/// <summary>
/// The one error for an enum value a switch has no case for (a cast integer, or a value added to the enum without its
/// case): every switch over the neuron's dynamics, firing mode and reset ends in it, so no value falls through to
/// another's rule.
/// </summary>
public static class UnknownOption
{
    /// <summary><c>unknown firing mode 99 (allowed: Single, Parallel, Cascade)</c>.</summary>
    public static ArgumentException Of<TEnum>(TEnum value, string what) where TEnum : struct, Enum =>
        new($"unknown {what} {value} (allowed: {string.Join(", ", Enum.GetNames<TEnum>())})");
}
