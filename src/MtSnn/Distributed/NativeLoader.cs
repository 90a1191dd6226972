using System.Runtime.InteropServices;

namespace MtSnn.Distributed;

/// <summary>
/// Opens a collective library with <c>dlopen(RTLD_NOW | RTLD_GLOBAL)</c>: Open MPI loads its transport plugins
/// (<c>mca_*.so</c>) with dlopen and they resolve symbols of <c>libmpi</c> globally, which .NET's
/// <see cref="NativeLibrary.Load(string)"/> (RTLD_LOCAL) would hide from them.
/// </summary>
internal static partial class NativeLoader
{
    private const int RtldNow = 2, RtldGlobal = 0x100;

    [LibraryImport("libc", EntryPoint = "dlopen", StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint DlOpen(string file, int mode);

    [LibraryImport("libc", EntryPoint = "dlerror")]
    private static partial nint DlError();

    /// <summary>The first of <paramref name="candidates"/> that opens, with the reasons of those that did not.</summary>
    public static (nint Handle, string Path) OpenFirst(IReadOnlyList<string> candidates, Func<IReadOnlyList<string>, Exception> notFound)
    {
        var reasons = new List<string>();
        foreach (string c in candidates)
        {
            nint h = DlOpen(c, RtldNow | RtldGlobal);
            if (h != 0) return (h, c);
            reasons.Add($"{c}: {Marshal.PtrToStringUTF8(DlError()) ?? "not found"}");
        }
        throw notFound(reasons);
    }

    /// <summary>The address of <paramref name="symbol"/> in <paramref name="lib"/>; throws naming the library and symbol.</summary>
    public static nint Export(nint lib, string path, string symbol) =>
        NativeLibrary.TryGetExport(lib, symbol, out nint f) ? f
            : throw new NativeCollectiveException($"{path} has no symbol '{symbol}' (not the expected library or version)");
}

/// <summary>A collective library is missing, too old, or failed; the message is one line naming what to install or set.</summary>
public sealed class NativeCollectiveException(string message) : Exception(message);
