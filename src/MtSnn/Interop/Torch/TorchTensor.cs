using System.Buffers.Binary;

namespace MtSnn.Interop.Torch;

/// <summary>A torch element type as torch.save names its storage (<c>torch.FloatStorage</c> holds float32, ...).</summary>
/// <param name="Storage">The storage class name.</param>
/// <param name="Name">The dtype's name (<c>float32</c>, ...).</param>
/// <param name="Size">Bytes per element.</param>
/// <param name="IsFloat">True for floating-point types (read as float32 values), false for integers and bool (read as int64).</param>
internal sealed record TorchDType(string Storage, string Name, int Size, bool IsFloat)
{
    /// <summary>Element <paramref name="i"/> of <paramref name="bytes"/> as a double (exact for every supported type but int64 beyond 2^53).</summary>
    public double Read(ReadOnlySpan<byte> bytes, long i, bool bigEndian)
    {
        var e = bytes.Slice((int)(i * Size), Size);
        Span<byte> le = stackalloc byte[Size];
        e.CopyTo(le);
        if (bigEndian) le.Reverse();
        return Name switch
        {
            "float32" => BinaryPrimitives.ReadSingleLittleEndian(le),
            "float64" => BinaryPrimitives.ReadDoubleLittleEndian(le),
            "float16" => (double)BinaryPrimitives.ReadHalfLittleEndian(le),
            "bfloat16" => BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(le) << 16),
            "int64" => BinaryPrimitives.ReadInt64LittleEndian(le),
            "int32" => BinaryPrimitives.ReadInt32LittleEndian(le),
            "int16" => BinaryPrimitives.ReadInt16LittleEndian(le),
            "int8" => (sbyte)le[0],
            "uint8" => le[0],
            "bool" => le[0] != 0 ? 1 : 0,
            _ => throw new InvalidOperationException(Name),
        };
    }
}

/// <summary>The element types a state_dict may hold.</summary>
internal static class TorchDTypes
{
    public static IReadOnlyList<TorchDType> All { get; } =
    [
        new("FloatStorage", "float32", 4, true),
        new("DoubleStorage", "float64", 8, true),
        new("HalfStorage", "float16", 2, true),
        new("BFloat16Storage", "bfloat16", 2, true),
        new("LongStorage", "int64", 8, false),
        new("IntStorage", "int32", 4, false),
        new("ShortStorage", "int16", 2, false),
        new("CharStorage", "int8", 1, false),
        new("ByteStorage", "uint8", 1, false),
        new("BoolStorage", "bool", 1, false),
    ];

    public static TorchDType? ByStorage(string name) => All.FirstOrDefault(d => d.Storage == name);
}

/// <summary>
/// One tensor of a state_dict, copied out of its storage into row-major order (strides and storage offset applied):
/// floating types as float32 values (<see cref="Floats"/>), integer and bool types as int64 (<see cref="Integers"/>).
/// </summary>
public sealed class TorchTensor
{
    internal TorchTensor(string dtype, long[] shape, float[]? floats, long[]? integers)
    {
        DType = dtype;
        Shape = shape;
        Floats = floats;
        Integers = integers;
    }

    /// <summary>The element type in the file (<c>float32</c>, <c>float16</c>, <c>int64</c>, ...).</summary>
    public string DType { get; }

    /// <summary>The shape (empty for a scalar).</summary>
    public long[] Shape { get; }

    /// <summary>The values of a floating-point tensor, row-major; null for integer types.</summary>
    public float[]? Floats { get; }

    /// <summary>The values of an integer or bool tensor, row-major; null for floating types.</summary>
    public long[]? Integers { get; }

    /// <summary>The shape as <c>[a, b, ...]</c>.</summary>
    public string ShapeText => ShapeString(Shape);

    internal static string ShapeString(long[] shape) => $"[{string.Join(", ", shape)}]";

    /// <summary>A float32 tensor from host values (e.g. another format's weights).</summary>
    public static TorchTensor FromFloats(long[] shape, float[] values) => new("float32", shape, values, null);

    /// <summary>An int64 tensor from host values.</summary>
    public static TorchTensor FromIntegers(long[] shape, long[] values) => new("int64", shape, null, values);
}
