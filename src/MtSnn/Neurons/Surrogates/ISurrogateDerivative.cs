using MtSnn.Kernels;

namespace MtSnn.Neurons;

/// <summary>
/// A surrogate derivative <c>g(u)</c> (MT-SNN.md §2, "Surrogate gradient") in the form the fused CPU kernel uses: a
/// struct, so that a kernel generic over <c>TSurrogate : struct, ISurrogateDerivative</c> is compiled once per surrogate
/// and the call inlines. Each struct computes in float exactly the formula of its <see cref="Surrogate"/> record.
/// </summary>
internal interface ISurrogateDerivative
{
    /// <summary><c>g(u)</c> on every lane of a vector of any width.</summary>
    TV Derivative<TV>(TV u) where TV : unmanaged, IVec<TV>;
}

/// <summary>
/// What a kernel does with a surrogate's derivative struct: <see cref="IBuiltInSurrogate.Accept"/> calls
/// <see cref="Visit"/> with the struct of its surrogate, so the kernel is instantiated per surrogate (one virtual call
/// per kernel call, none per element).
/// </summary>
internal interface ISurrogateDerivativeVisitor<out TResult>
{
    /// <summary>Runs the kernel with <paramref name="derivative"/>.</summary>
    TResult Visit<TS>(TS derivative) where TS : struct, ISurrogateDerivative;
}

/// <summary>
/// Every backend's form of one built-in surrogate, implemented by its record: its registry entry and parameter (parsing,
/// JSON, the command line), its SIMD derivative struct (the CPU kernel) and its CUDA C body (the CUDA kernel). The
/// reference's tensor and float forms are the <see cref="Surrogate"/> overrides.
/// </summary>
internal interface IBuiltInSurrogate
{
    /// <summary>The registry entry (name, parameter name, default, factory).</summary>
    SurrogateKind Kind { get; }

    /// <summary>The value of the one shape parameter (<see cref="SurrogateKind.Parameter"/>).</summary>
    double Parameter { get; }

    /// <summary>Calls <paramref name="visitor"/> with this surrogate's derivative struct.</summary>
    TResult Accept<TResult>(ISurrogateDerivativeVisitor<TResult> visitor);

    /// <summary>
    /// The body of <c>__device__ float mt_surrogate(float u)</c>: the struct's formula with IEEE division, constants as
    /// exact float literals (<see cref="Kernels.Cuda.CudaKernelSource.F"/>).
    /// </summary>
    string CudaBody { get; }
}
