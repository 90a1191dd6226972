using System.Numerics;
using MtSnn.Runtime.Counting;

namespace MtSnn.Runtime.Execution;

/// <summary>
/// Direct encoding: the real-valued input (CHW) enters as a dense value. Float mode copies it; integer mode
/// quantises <c>x_q = round(x 2^f)</c> (the converter in front of the first layer; not counted).
/// </summary>
internal sealed class InputStage<T, TA> : Stage<T> where T : unmanaged, INumber<T> where TA : IArith<T>
{
    public required int OutSlot { get; init; }
    public required int FractionBits { get; init; }

    public override void Run(Workspace<T> ws, LayerCounts? counts, int convention)
    {
        var x = ws.Input;
        var o = ws.Dense[OutSlot];
        for (int i = 0; i < x.Length; i++) o[i] = TA.Const(Math.ScaleB(x[i], FractionBits));
    }
}
