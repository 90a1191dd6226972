namespace MtSnn.Native;

/// <summary>
/// Reads and edits the GNU symbol-versioning tables of an ELF image (<c>.gnu.version_r</c>, the versions an
/// object needs from each dependency, and <c>.gnu.version_d</c>, the versions a library defines).
/// </summary>
public static class SymbolVersions
{
    /// <summary>One requirement: file (e.g. libstdc++.so.6) and version name (e.g. GLIBCXX_3.4.32).</summary>
    public readonly record struct Need(string File, string Version, uint Hash, long AuxOffset);

    /// <summary>All version requirements of <paramref name="elf"/> (empty when it has no .gnu.version_r).</summary>
    public static IReadOnlyList<Need> Needs(ElfImage elf)
    {
        var result = new List<Need>();
        if (elf.FindByType(ElfImage.ShtGnuVerneed) is not { } vr) return result;
        var strtab = elf.LinkedSection(vr);
        long entry = (long)vr.Offset, end = (long)(vr.Offset + vr.Size);
        int guard = 0;
        while (true)
        {
            if (entry + 16 > end) throw new ElfFormatException($"Verneed entry at offset {entry} runs past .gnu.version_r");
            if (++guard > 10_000) throw new ElfFormatException("too many Verneed entries (cycle?)");
            ushort version = elf.U16(entry), cnt = elf.U16(entry + 2);
            if (version != 1) throw new ElfFormatException($"unsupported Verneed version {version} (expected 1)");
            string file = elf.StringAt(strtab, elf.U32(entry + 4));
            uint auxOff = elf.U32(entry + 8), next = elf.U32(entry + 12);
            long aux = entry + auxOff;
            for (int i = 0; i < cnt; i++)
            {
                if (aux < (long)vr.Offset || aux + 16 > end) throw new ElfFormatException($"Vernaux entry at offset {aux} runs outside .gnu.version_r");
                result.Add(new Need(file, elf.StringAt(strtab, elf.U32(aux + 8)), elf.U32(aux), aux));
                uint auxNext = elf.U32(aux + 12);
                if (i < cnt - 1 && auxNext == 0) throw new ElfFormatException("Vernaux chain ends before its count");
                aux += auxNext;
            }
            if (next == 0) break;
            entry += next;
        }
        return result;
    }

    /// <summary>The version names <paramref name="elf"/> defines (its .gnu.version_d), e.g. GLIBCXX_3.4.30.</summary>
    public static IReadOnlyList<string> Definitions(ElfImage elf)
    {
        var result = new List<string>();
        if (elf.FindByType(ElfImage.ShtGnuVerdef) is not { } vd) return result;
        var strtab = elf.LinkedSection(vd);
        long entry = (long)vd.Offset, end = (long)(vd.Offset + vd.Size);
        for (int guard = 0; ; guard++)
        {
            if (entry + 20 > end) throw new ElfFormatException($"Verdef entry at offset {entry} runs past .gnu.version_d");
            if (guard > 10_000) throw new ElfFormatException("too many Verdef entries (cycle?)");
            ushort cnt = elf.U16(entry + 6);
            uint auxOff = elf.U32(entry + 12), next = elf.U32(entry + 16);
            if (cnt > 0)
            {
                long aux = entry + auxOff;
                if (aux + 8 > end) throw new ElfFormatException($"Verdaux entry at offset {aux} runs past .gnu.version_d");
                result.Add(elf.StringAt(strtab, elf.U32(aux)));
            }
            if (next == 0) break;
            entry += next;
        }
        return result;
    }

    /// <summary>
    /// Points the requirement (<paramref name="file"/>, <paramref name="from"/>) at version <paramref name="to"/>
    /// instead: rewrites the Vernaux entry's name offset and its ELF hash. The new name must already be in the
    /// section's string table (it is, whenever the object also needs that version). Returns false when the
    /// object has no such requirement; throws <see cref="ElfFormatException"/> when it cannot be rewritten.
    /// </summary>
    public static bool Redirect(ElfImage elf, string file, string from, string to)
    {
        var need = Needs(elf).Where(n => n.File == file && n.Version == from).Select(n => (Need?)n).FirstOrDefault();
        if (need is null) return false;
        var vr = elf.FindByType(ElfImage.ShtGnuVerneed)!.Value;
        long nameOffset = elf.FindString(elf.LinkedSection(vr), to);
        if (nameOffset < 0) throw new ElfFormatException($"cannot redirect {from}: the string table has no '{to}'");
        elf.W32(need.Value.AuxOffset, ElfHash(to));
        elf.W32(need.Value.AuxOffset + 8, (uint)nameOffset);
        return true;
    }

    /// <summary>The System V ELF hash (the one stored in vna_hash and vd_hash).</summary>
    public static uint ElfHash(string name)
    {
        uint h = 0;
        foreach (char c in name)
        {
            h = (h << 4) + (byte)c;
            uint g = h & 0xf0000000;
            if (g != 0) h ^= g >> 24;
            h &= ~g;
        }
        return h;
    }
}
