using MtSnn.Kernels;
using MtSnn.Kernels.Cuda;
using MtSnn.Neurons;
using MtSnn.Tests.Kernels.Cuda;
using Xunit;
using static TorchSharp.torch;

namespace MtSnn.Tests.Neurons;

/// <summary>
/// The surrogate registry (<see cref="Surrogates"/>): every registered surrogate has every backend (parsing and its
/// command-line spelling, the reference's tensor and float forms, the CPU kernel's vector struct at both widths, the
/// CUDA body), and they agree; the names in messages and help are the registry's.
/// </summary>
public class SurrogateRegistryTests
{
    public SurrogateRegistryTests() => MtSnn.Native.TorchRuntime.EnsureInitialized();

    public static TheoryData<string> Names() => [.. Surrogates.All.Select(k => k.Name)];

    /// <summary>u from -3 to 3 (zero, the thresholds of rectangle and triangle, far tails), 16 lanes per vector.</summary>
    private static readonly float[] Grid = [.. Enumerable.Range(0, 16 * 25).Select(i => -3f + 6f * i / (16 * 25 - 1)).Concat([0f, 0.5f, -0.5f, 1f, -1f, 0.04f, 1e-3f, -1e-3f, 2.5f, -2.5f, 0.25f, -0.25f, 0.125f, 3f, -3f, 0.75f])];

    private static Surrogate Default(string name) => Surrogates.All.Single(k => k.Name == name) is var k ? k.Create(k.Default) : null!;

    [Fact]
    public void Names_are_unique_and_every_spelling_parses_to_its_own_kind()
    {
        var spellings = Surrogates.All.SelectMany(k => k.Aliases.Prepend(k.Name)).ToList();
        Assert.Equal(spellings.Count, spellings.Distinct().Count());
        Assert.Equal(string.Join(", ", Surrogates.All.Select(k => k.Name)), Surrogates.Names);
        foreach (var k in Surrogates.All)
            foreach (string s in k.Aliases.Prepend(k.Name).Append(k.Name.ToUpperInvariant()).Append(k.Name.Replace('-', '_')))
                Assert.Equal(k.Create(k.Default), Surrogates.Parse(s));
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void A_registered_surrogate_has_its_name_parameter_and_command_line_spelling(string name)
    {
        var kind = Surrogates.All.Single(k => k.Name == name);
        var s = kind.Create(kind.Default);
        var b = Assert.IsAssignableFrom<IBuiltInSurrogate>(s);
        Assert.Same(kind, b.Kind);
        Assert.Equal(kind.Default, b.Parameter);
        Assert.True(Surrogates.HasFusedForm(s));
        // the spelling reads back to the same record, with a non-default parameter too
        var other = Surrogates.Parse(name, kind.Default * 1.5);
        Assert.Equal(kind.Default * 1.5, ((IBuiltInSurrogate)other).Parameter);
        Assert.Equal($"{name}:{MtSnn.IO.RoundTripNumber.Format(kind.Default * 1.5)}", Surrogates.Format(other));
        Assert.Equal(other, Surrogates.Parse(Surrogates.Format(other).Split(':')[0], double.Parse(Surrogates.Format(other).Split(':')[1], System.Globalization.CultureInfo.InvariantCulture)));
        // the parameter is validated by name
        var e = Assert.Throws<ArgumentException>(() => kind.Create(-1));
        Assert.Equal($"surrogate {kind.Parameter} must be finite and > 0 (got -1)", e.Message);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void The_tensor_float_and_vector_forms_agree(string name)
    {
        using var scope = NewDisposeScope();
        var s = Default(name);
        var scalar = Grid.Select(s.Derivative).ToArray();
        var fromTensor = s.Derivative(tensor(Grid)).data<float>().ToArray();
        for (int i = 0; i < Grid.Length; i++)
        {
            Assert.True(Near(scalar[i], fromTensor[i]), $"{name}: tensor g({Grid[i]:R}) = {fromTensor[i]:R}, float {scalar[i]:R}");
            Assert.True(float.IsFinite(scalar[i]) && scalar[i] >= 0, $"{name}: g({Grid[i]:R}) = {scalar[i]:R}");
        }
        Assert.True(scalar.Max() > 0, $"{name}: g is 0 on the whole grid");
        foreach (var vector in new[] { Vector<Vec256>(s), Vector<Vec512>(s) })
            for (int i = 0; i < Grid.Length; i++)
                Assert.True(Near(scalar[i], vector[i]), $"{name}: vector g({Grid[i]:R}) = {vector[i]:R}, float {scalar[i]:R}");
    }

    [EmulationFact]
    public void The_cuda_bodies_compile_and_agree_with_the_cpu_kernel_forms()
    {
        var all = Surrogates.All.Select(k => k.Create(k.Default)).ToList();
        using var dir = new MtSnn.Tests.TestSupport.TempDir();
        var program = new System.Text.StringBuilder("#include \"cuda_cpu_shim.h\"\n#include <stdio.h>\n");
        for (int i = 0; i < all.Count; i++) program.Append($"namespace s{i} {{\n{CudaKernelSource.SurrogateFunction(all[i])}}}\n");
        program.Append("int main(int argc, char** argv)\n{\n    FILE* in = fopen(argv[1], \"rb\"); FILE* out = fopen(argv[2], \"wb\");\n");
        program.Append("    int count; if (fread(&count, 4, 1, in) != 1) return 2;\n    for (int i = 0; i < count; ++i)\n    {\n");
        program.Append("        float u; if (fread(&u, 4, 1, in) != 1) return 2;\n");
        for (int i = 0; i < all.Count; i++) program.Append($"        {{ float g = s{i}::mt_surrogate(u); fwrite(&g, 4, 1, out); }}\n");
        program.Append("    }\n    return fclose(out) == 0 ? 0 : 3;\n}\n");
        File.WriteAllText(dir["surrogates.cpp"], program.ToString());
        using (var w = new BinaryWriter(File.Create(dir["in.bin"])))
        {
            w.Write(Grid.Length);
            foreach (float u in Grid) w.Write(u);
        }
        CudaEmulator.Compile(dir, "surrogates.cpp");
        CudaEmulator.Execute(dir["emu"], dir["in.bin"], dir["out.bin"]);
        var vectors = all.Select(Vector<Vec256>).ToList();
        using var r = new BinaryReader(File.OpenRead(dir["out.bin"]));
        for (int j = 0; j < Grid.Length; j++)
            for (int i = 0; i < all.Count; i++)
            {
                float cuda = r.ReadSingle();
                Assert.True(Near(vectors[i][j], cuda), $"{all[i]}: CUDA g({Grid[j]:R}) = {cuda:R}, CPU kernel {vectors[i][j]:R}");
            }
    }

    [Fact]
    public void Messages_and_help_list_the_registered_names()
    {
        var e = Assert.Throws<ArgumentException>(() => Surrogates.Parse("relu"));
        Assert.Equal($"unknown surrogate 'relu' (allowed: {Surrogates.Names})", e.Message);
        var v = Assert.Throws<ArgumentException>(() => new NeuronOptions { Surrogate = null! }.Validate());
        Assert.Contains(Surrogates.Names, v.Message);
        string help = new MtSnn.Cli.NeuronCliOptions().Options.Single(o => o.Option.Name == "--surrogate").Option.Description!;
        Assert.Contains(string.Join(" | ", Surrogates.All.Select(k => k.Name)), help);
    }

    /// <summary>The CPU kernel's form (the derivative struct the record hands to the kernel) on <see cref="Grid"/>.</summary>
    private static float[] Vector<TV>(Surrogate s) where TV : unmanaged, IVec<TV> =>
        ((IBuiltInSurrogate)s).Accept(new OnGrid<TV>());

    private sealed unsafe class OnGrid<TV> : ISurrogateDerivativeVisitor<float[]> where TV : unmanaged, IVec<TV>
    {
        public float[] Visit<TS>(TS derivative) where TS : struct, ISurrogateDerivative
        {
            Assert.Equal(0, Grid.Length % TV.Count);
            var result = new float[Grid.Length];
            fixed (float* u = Grid, g = result)
                for (int i = 0; i < Grid.Length; i += TV.Count) TV.Store(derivative.Derivative(TV.Load(u + i)), g + i);
            return result;
        }
    }

    /// <summary>
    /// Float forms of one formula: relative 2e-6 (the kernels' refined reciprocal) plus absolute 1e-6 (every default
    /// surrogate peaks at 1; the reference's sigmoid <c>s (1 - s)</c> cancels in the tails, the kernels' symmetric form does not).
    /// </summary>
    private static bool Near(float expected, float actual) =>
        Math.Abs(expected - actual) <= 2e-6 * Math.Abs(expected) + 1e-6;
}
