using System.Buffers.Binary;
using System.Text;

namespace MtSnn.Native;

/// <summary>The file is not a well-formed 64-bit little-endian ELF shared object of the kind expected.</summary>
public sealed class ElfFormatException(string message) : Exception(message);

/// <summary>
/// A minimal, bounds-checked reader of 64-bit little-endian ELF files: the header, the section headers and
/// their string tables. Enough to find and edit the GNU symbol-versioning sections; nothing is guessed from
/// byte patterns. Every offset read from the file is checked against the file's length.
/// </summary>
public sealed class ElfImage
{
    /// <summary>SHT_GNU_verdef: versions this object defines.</summary>
    public const uint ShtGnuVerdef = 0x6ffffffd;
    /// <summary>SHT_GNU_verneed: versions this object requires of its dependencies.</summary>
    public const uint ShtGnuVerneed = 0x6ffffffe;

    /// <summary>One section header (the fields this reader uses).</summary>
    public readonly record struct Section(string Name, uint Type, ulong Offset, ulong Size, uint Link, uint Info);

    private readonly byte[] _bytes;

    /// <summary>The sections, in file order.</summary>
    public IReadOnlyList<Section> Sections { get; }

    /// <summary>The raw bytes this image was read from (edits go straight into them).</summary>
    public byte[] Bytes => _bytes;

    /// <summary>Parses <paramref name="bytes"/>; throws <see cref="ElfFormatException"/> naming the first defect.</summary>
    public ElfImage(byte[] bytes)
    {
        _bytes = bytes;
        if (bytes.Length < 64 || bytes[0] != 0x7f || bytes[1] != (byte)'E' || bytes[2] != (byte)'L' || bytes[3] != (byte)'F')
            throw new ElfFormatException("not an ELF file (bad magic)");
        if (bytes[4] != 2) throw new ElfFormatException($"unsupported ELF class {bytes[4]} (only 64-bit, class 2, is supported)");
        if (bytes[5] != 1) throw new ElfFormatException($"unsupported ELF data encoding {bytes[5]} (only little-endian, 1, is supported)");
        ushort machine = U16(18);
        if (machine != 62) throw new ElfFormatException($"unsupported ELF machine {machine} (only x86-64, 62, is supported)");
        ulong shoff = U64(0x28);
        ushort shentsize = U16(0x3A), shnum = U16(0x3C), shstrndx = U16(0x3E);
        if (shnum == 0) throw new ElfFormatException("ELF file has no section headers");
        if (shentsize != 64) throw new ElfFormatException($"unexpected section header size {shentsize} (expected 64)");
        Check(shoff, (ulong)shnum * 64, "section header table");
        if (shstrndx >= shnum) throw new ElfFormatException($"section name table index {shstrndx} out of range (0..{shnum - 1})");

        var raw = new (uint name, uint type, ulong off, ulong size, uint link, uint info)[shnum];
        for (int i = 0; i < shnum; i++)
        {
            int b = checked((int)(shoff + (ulong)i * 64));
            raw[i] = (U32(b), U32(b + 4), U64(b + 0x18), U64(b + 0x20), U32(b + 0x28), U32(b + 0x2C));
            if (raw[i].type != 8 /* SHT_NOBITS */) Check(raw[i].off, raw[i].size, $"section {i}");
        }
        var shstr = raw[shstrndx];
        var sections = new Section[shnum];
        for (int i = 0; i < shnum; i++)
            sections[i] = new Section(CString(shstr.off, shstr.size, raw[i].name), raw[i].type, raw[i].off, raw[i].size, raw[i].link, raw[i].info);
        Sections = sections;
    }

    /// <summary>The first section of the given type, or null.</summary>
    public Section? FindByType(uint type) => Sections.Where(s => s.Type == type).Select(s => (Section?)s).FirstOrDefault();

    /// <summary>The section a section's sh_link names (e.g. the string table of a versioning section).</summary>
    public Section LinkedSection(Section s) =>
        s.Link < Sections.Count ? Sections[(int)s.Link] : throw new ElfFormatException($"section {s.Name} links to missing section {s.Link}");

    /// <summary>The NUL-terminated string at <paramref name="index"/> of the string table <paramref name="table"/>.</summary>
    public string StringAt(Section table, uint index) => CString(table.Offset, table.Size, index);

    /// <summary>
    /// An index in <paramref name="table"/> at which <paramref name="value"/> reads as a NUL-terminated string
    /// (the loader reads from the index to the next NUL, so a suffix of a longer string serves too), or -1.
    /// </summary>
    public long FindString(Section table, string value)
    {
        byte[] needle = Encoding.ASCII.GetBytes(value + "\0");
        return _bytes.AsSpan(checked((int)table.Offset), checked((int)table.Size)).IndexOf(needle);
    }

    internal ushort U16(long at) { Check((ulong)at, 2, "field"); return BinaryPrimitives.ReadUInt16LittleEndian(_bytes.AsSpan((int)at)); }
    internal uint U32(long at) { Check((ulong)at, 4, "field"); return BinaryPrimitives.ReadUInt32LittleEndian(_bytes.AsSpan((int)at)); }
    internal ulong U64(long at) { Check((ulong)at, 8, "field"); return BinaryPrimitives.ReadUInt64LittleEndian(_bytes.AsSpan((int)at)); }
    internal void W16(long at, ushort v) { Check((ulong)at, 2, "field"); BinaryPrimitives.WriteUInt16LittleEndian(_bytes.AsSpan((int)at), v); }
    internal void W32(long at, uint v) { Check((ulong)at, 4, "field"); BinaryPrimitives.WriteUInt32LittleEndian(_bytes.AsSpan((int)at), v); }

    internal void Check(ulong offset, ulong size, string what)
    {
        if (offset > (ulong)_bytes.Length || size > (ulong)_bytes.Length - offset)
            throw new ElfFormatException($"truncated or malformed ELF: {what} at offset {offset} size {size} runs past the end of the file ({_bytes.Length} bytes)");
    }

    private string CString(ulong tableOff, ulong tableSize, uint index)
    {
        if (index >= tableSize) throw new ElfFormatException($"string index {index} outside its string table (size {tableSize})");
        var span = _bytes.AsSpan(checked((int)(tableOff + index)), checked((int)(tableSize - index)));
        int end = span.IndexOf((byte)0);
        if (end < 0) throw new ElfFormatException($"unterminated string at index {index} of a string table");
        return Encoding.ASCII.GetString(span[..end]);
    }
}
