namespace MtSnn.Data.Neuromorphic;

/// <summary>The AEDAT container version, from the first header line.</summary>
public enum AedatVersion
{
    /// <summary><c>#!AER-DAT2.0</c>: big-endian 8-byte events (jAER).</summary>
    V2,
    /// <summary><c>#!AER-DAT3.1</c>: little-endian packets with a 28-byte header (cAER / libcaer).</summary>
    V31,
}

/// <summary>How a 32-bit AEDAT 2.0 DVS128 address maps to (x, y, polarity).</summary>
/// <remarks>
/// Raw fields of the address a: <c>bit = a &amp; 1</c>, <c>xr = (a &gt;&gt; 1) &amp; 0x7F</c>, <c>yr = (a &gt;&gt; 8) &amp; 0x7F</c>.
/// Both layouts give ON when <c>bit == 0</c> (jAER: type = 1 - bit, ON = type 1).
/// </remarks>
public enum Aedat2Layout
{
    /// <summary>jAER DVS128: x = 127 - xr, y = yr.</summary>
    Dvs128,
    /// <summary>CIFAR10-DVS as SpikingJelly decodes it (transposed recordings): x = 127 - yr, y = 127 - xr.</summary>
    Cifar10Dvs,
}

/// <summary>Options of <see cref="AedatReader"/>.</summary>
public sealed record AedatReadOptions
{
    /// <summary>Sensor width; every event must have x &lt; Width. Default 128 (DVS128).</summary>
    public int Width { get; init; } = 128;
    /// <summary>Sensor height; every event must have y &lt; Height. Default 128.</summary>
    public int Height { get; init; } = 128;
    /// <summary>Address layout for AEDAT 2.0 files. Default <see cref="Aedat2Layout.Dvs128"/>.</summary>
    public Aedat2Layout Layout { get; init; } = Aedat2Layout.Dvs128;
    /// <summary>AEDAT 3.1 only: keep events whose valid bit is 0 (libcaer marks filtered events invalid). Default false.</summary>
    public bool KeepInvalid { get; init; }

    /// <summary>Checks the options; throws <see cref="ArgumentException"/> naming the bad value.</summary>
    public AedatReadOptions Validate()
    {
        if (Width < 1 || Width > 32768) throw new ArgumentException($"AEDAT width must be in [1, 32768] (got {Width})");
        if (Height < 1 || Height > 32768) throw new ArgumentException($"AEDAT height must be in [1, 32768] (got {Height})");
        if (!Enum.IsDefined(Layout)) throw new ArgumentException($"AEDAT 2.0 layout must be dvs128 or cifar10dvs (got {Layout})");
        return this;
    }
}
