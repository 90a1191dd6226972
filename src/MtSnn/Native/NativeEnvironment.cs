using System.Runtime.InteropServices;

namespace MtSnn.Native;

/// <summary>
/// The C library's environment, which native code (libgomp, libc10, Open MPI) reads with <c>getenv</c>. .NET keeps its
/// own copy of the environment, so <see cref="Environment.SetEnvironmentVariable(string, string)"/> is invisible to
/// native code; these write the C library's (and, for <see cref="Set"/>, .NET's too, so both agree).
/// </summary>
internal static partial class NativeEnvironment
{
    /// <summary>Sets <paramref name="name"/> in the C library's environment and in .NET's; returns false when <c>setenv</c> fails (ENOMEM, a bad name).</summary>
    public static bool Set(string name, string value)
    {
        if (SetEnv(name, value, 1) != 0) return false;
        Environment.SetEnvironmentVariable(name, value);
        return true;
    }

    /// <summary>Sets <paramref name="name"/> in the C library's environment only (<c>setenv(name, value, 1)</c>); returns whether it succeeded.</summary>
    public static bool SetNativeOnly(string name, string value) => SetEnv(name, value, 1) == 0;

    /// <summary>Removes <paramref name="name"/> from the C library's environment (<c>unsetenv</c>); returns whether it succeeded.</summary>
    public static bool UnsetNativeOnly(string name) => UnsetEnv(name) == 0;

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetEnv(string name, string value, int overwrite);

    [LibraryImport("libc", EntryPoint = "unsetenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int UnsetEnv(string name);
}
