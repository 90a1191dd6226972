namespace MtSnn.Settings;

/// <summary>Where the value of a setting came from.</summary>
public enum SettingSource
{
    /// <summary>The variable is unset (or blank): the documented default.</summary>
    Default,
    /// <summary>The process environment.</summary>
    Environment,
    /// <summary>An override scope (tests).</summary>
    Override,
}

/// <summary>
/// One <c>MTSNN_*</c> variable as parsed: its raw text, its value (or the error that a bad value is), where it came
/// from, what is allowed and what unset means. <see cref="ToString"/> is the line <c>mtsnn doctor</c> prints.
/// </summary>
public sealed class Setting
{
    internal Setting(string variable, string? raw, SettingSource source, object? value, string shown, string allowed, string defaultText, SettingException? error)
    {
        Variable = variable; Raw = raw; Source = source; Value = value; Shown = shown; Allowed = allowed; DefaultText = defaultText; Error = error;
    }

    /// <summary>The variable's name, e.g. <c>MTSNN_NEURON_BACKEND</c>.</summary>
    public string Variable { get; }
    /// <summary>The text of the variable (null: unset).</summary>
    public string? Raw { get; }
    /// <summary>Where the value came from.</summary>
    public SettingSource Source { get; }
    /// <summary>The parsed value (null for an unset path, or when <see cref="Error"/> is set).</summary>
    public object? Value { get; }
    /// <summary>The value as people read it (e.g. <c>auto</c>, <c>512</c>, <c>1024 MiB</c>, a folder, <c>unset</c>).</summary>
    public string Shown { get; }
    /// <summary>What the variable accepts.</summary>
    public string Allowed { get; }
    /// <summary>What an unset variable means.</summary>
    public string DefaultText { get; }
    /// <summary>The one-line error of a bad value (it names the variable and the allowed values), or null.</summary>
    public SettingException? Error { get; }

    /// <summary><c>VARIABLE = value (where it came from; allowed: ...)</c>, or the error of a bad value.</summary>
    public override string ToString()
    {
        if (Error is not null) return Error.Message;
        string where = Source switch
        {
            SettingSource.Default => $"unset, the default: {DefaultText}",
            SettingSource.Environment => $"from the environment, '{Printable(Raw)}'",
            SettingSource.Override => Raw is null ? $"unset by an override, the default: {DefaultText}" : $"from an override, '{Printable(Raw)}'",
            _ => throw new InvalidOperationException($"unknown setting source {Source}"),
        };
        return $"{Variable} = {Printable(Shown)} ({where}; allowed: {Allowed})";
    }

    private static string Printable(string? s) => new([.. (s ?? "").Take(200).Select(c => char.IsControl(c) || c > '~' ? '?' : c)]);
}

/// <summary>An <c>MTSNN_*</c> environment setting holds a value that is not allowed; the message names the variable and the allowed values.</summary>
public sealed class SettingException(string message, Exception? inner = null) : ArgumentException(message, inner);
