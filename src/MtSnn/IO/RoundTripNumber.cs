using System.Globalization;

namespace MtSnn.IO;

/// <summary>
/// Numbers as text that read back to the same value, for every CSV, JSON and config file MtSnn writes. The shortest
/// form (<c>double.TryFormat</c> with "R") is used when it parses back exactly; otherwise "G17" (17 significant
/// digits always round-trip). The check matters: .NET 10.0.12's "R" prints some exact powers of two, such as
/// 2^-25, one digit short (a runtime bug fixed upstream), and such a value would read back as a different double.
/// </summary>
public static class RoundTripNumber
{
    /// <summary><paramref name="v"/> in invariant culture, parsing back to exactly <paramref name="v"/> (NaN and infinities as .NET writes them).</summary>
    public static string Format(double v)
    {
        string s = v.ToString("R", CultureInfo.InvariantCulture);
        if (!double.IsFinite(v)) return s;
        return double.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture).Equals(v) ? s : v.ToString("G17", CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// A JSON number node for <paramref name="v"/> holding the text of <see cref="Format(double)"/>: System.Text.Json's
    /// own double writer has the same one-digit-short output for 2^-25 and similar values, so every double MtSnn puts
    /// into JSON goes through here. A non-finite value gives an ordinary node (JSON cannot hold it; writing it fails).
    /// </summary>
    public static System.Text.Json.Nodes.JsonNode Json(double v) =>
        double.IsFinite(v) ? System.Text.Json.Nodes.JsonNode.Parse(Format(v))! : System.Text.Json.Nodes.JsonValue.Create(v);

    /// <summary><paramref name="v"/> in invariant culture, parsing back (as a float) to exactly <paramref name="v"/>.</summary>
    public static string Format(float v)
    {
        string s = v.ToString("R", CultureInfo.InvariantCulture);
        if (!float.IsFinite(v)) return s;
        return float.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture).Equals(v) ? s : v.ToString("G9", CultureInfo.InvariantCulture);
    }
}
