using System.Buffers.Binary;
using System.Numerics;
using System.Text;

namespace MtSnn.Interop.Torch;

/// <summary>A pickled global (<c>module.name</c>) that the unpickler allows; it is never imported or run.</summary>
internal sealed record PickleGlobal(string Module, string Name)
{
    public override string ToString() => $"{Module}.{Name}";
}

/// <summary>A pickled dict (or <c>collections.OrderedDict</c>): its items in order, and the attributes a BUILD set on it.</summary>
internal sealed class PickleDict
{
    public List<KeyValuePair<object?, object?>> Items { get; } = [];
    public Dictionary<string, object?> Attributes { get; } = [];
}

/// <summary>A persistent id (<c>BINPERSID</c>): the tuple torch.save writes for a storage.</summary>
internal sealed record PicklePersistentId(object?[] Tuple);

/// <summary>The result of a call to an allowed global, as a value the caller interprets.</summary>
internal sealed record PickleCall(PickleGlobal Function, object?[] Arguments);

/// <summary>
/// A pickle reader that executes nothing: it understands the opcodes of protocols 0-5 that <c>torch.save</c> and plain
/// containers use (dict, list, tuple, str, bytes, int, float, bool, None, memo, persistent ids), and treats
/// <c>GLOBAL</c>/<c>STACK_GLOBAL</c> as a name that must be in <see cref="Allowed"/>; <c>REDUCE</c> of an allowed global
/// yields a <see cref="PickleCall"/> (or an empty <see cref="PickleDict"/> for <c>collections.OrderedDict</c>). Any other
/// global, and the object-building opcodes (<c>INST</c>, <c>OBJ</c>, <c>NEWOBJ</c>, extension registry), are refused
/// with an <see cref="InvalidDataException"/> naming them.
/// </summary>
internal sealed class RestrictedUnpickler
{
    /// <summary>The globals a state_dict needs: the containers, the tensor/parameter rebuild functions and the storage types.</summary>
    public static IReadOnlySet<string> Allowed { get; } = new HashSet<string>(
        ["collections.OrderedDict", "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_parameter",
         "torch._utils._rebuild_parameter_with_state", .. TorchDTypes.All.Select(d => $"torch.{d.Storage}")],
        StringComparer.Ordinal);

    private readonly byte[] _data;
    private readonly string _source;
    private int _pos;
    private readonly List<object?> _stack = [];
    private readonly List<int> _marks = [];
    private readonly Dictionary<long, object?> _memo = [];

    private RestrictedUnpickler(byte[] data, string source)
    {
        _data = data;
        _source = source;
    }

    /// <summary>Reads the one pickled object in <paramref name="data"/>; <paramref name="source"/> names it in errors.</summary>
    public static object? Load(byte[] data, string source) => new RestrictedUnpickler(data, source).Run();

    private InvalidDataException Bad(string what) => new($"{_source}: {what} (at byte {_pos} of the pickle)");

    private object? Run()
    {
        while (true)
        {
            if (_pos >= _data.Length) throw Bad("the pickle ends without STOP");
            byte op = _data[_pos++];
            switch (op)
            {
                case 0x80: _pos++; break;                                   // PROTO n
                case 0x95: Take(8); break;                                  // FRAME (length; framing is transparent)
                case (byte)'.': return _stack.Count == 1 ? _stack[0] : throw Bad($"STOP with {_stack.Count} values on the stack");
                case (byte)'(': _marks.Add(_stack.Count); break;            // MARK
                case (byte)'0': Pop(); break;                               // POP
                case (byte)'1': PopMark(); break;                           // POP_MARK
                case (byte)'2': Push(Peek()); break;                        // DUP
                case (byte)'N': Push(null); break;
                case 0x88: Push(true); break;                               // NEWTRUE
                case 0x89: Push(false); break;                              // NEWFALSE
                case (byte)'J': Push((long)BinaryPrimitives.ReadInt32LittleEndian(Take(4))); break;   // BININT
                case (byte)'K': Push((long)Take(1)[0]); break;              // BININT1
                case (byte)'M': Push((long)BinaryPrimitives.ReadUInt16LittleEndian(Take(2))); break;  // BININT2
                case 0x8a: Push(Long(Take(Take(1)[0]))); break;             // LONG1
                case 0x8b: Push(Long(Take(Length(4)))); break;              // LONG4
                case (byte)'G': Push(BinaryPrimitives.ReadDoubleBigEndian(Take(8))); break;          // BINFLOAT
                case (byte)'I': Push(IntLine()); break;                     // INT (protocol 0)
                case (byte)'X': Push(Utf8(Length(4))); break;               // BINUNICODE
                case 0x8c: Push(Utf8(Take(1)[0])); break;                   // SHORT_BINUNICODE
                case 0x8d: Push(Utf8(Length(8))); break;                    // BINUNICODE8
                case (byte)'U': Push(Latin1(Take(1)[0])); break;            // SHORT_BINSTRING
                case (byte)'T': Push(Latin1(Length(4))); break;             // BINSTRING
                case (byte)'C': Push(Take(Take(1)[0]).ToArray()); break;    // SHORT_BINBYTES
                case (byte)'B': Push(Take(Length(4)).ToArray()); break;     // BINBYTES
                case 0x8e: Push(Take(Length(8)).ToArray()); break;          // BINBYTES8
                case (byte)')': Push(Array.Empty<object?>()); break;        // EMPTY_TUPLE
                case (byte)'t': Push(PopMark().ToArray()); break;           // TUPLE
                case 0x85: Push(new[] { Pop() }); break;                    // TUPLE1
                case 0x86: { var b = Pop(); var a = Pop(); Push(new[] { a, b }); break; }
                case 0x87: { var c = Pop(); var b = Pop(); var a = Pop(); Push(new[] { a, b, c }); break; }
                case (byte)']': Push(new List<object?>()); break;           // EMPTY_LIST
                case (byte)'l': Push(PopMark()); break;                     // LIST
                case (byte)'a': { var v = Pop(); ListAt().Add(v); break; }  // APPEND
                case (byte)'e': { var vs = PopMark(); ListAt().AddRange(vs); break; }
                case (byte)'}': Push(new PickleDict()); break;              // EMPTY_DICT
                case (byte)'d': { var d = new PickleDict(); AddPairs(d, PopMark()); Push(d); break; }
                case (byte)'s': { var v = Pop(); var k = Pop(); DictAt().Items.Add(new(k, v)); break; }
                case (byte)'u': { var kv = PopMark(); AddPairs(DictAt(), kv); break; }
                case (byte)'c': Push(Global(Line(), Line())); break;        // GLOBAL
                case 0x93: { var name = Pop(); var module = Pop(); Push(Global(module as string, name as string)); break; }
                case (byte)'R': Push(Reduce()); break;
                case (byte)'b': Build(); break;
                case (byte)'Q': Push(new PicklePersistentId(Pop() as object?[] ?? throw Bad("a persistent id that is not a tuple"))); break;
                case (byte)'P': throw Bad("a text persistent id (PERSID) where torch.save writes BINPERSID");
                case (byte)'q': _memo[Take(1)[0]] = Peek(); break;          // BINPUT
                case (byte)'r': _memo[BinaryPrimitives.ReadUInt32LittleEndian(Take(4))] = Peek(); break;
                case 0x94: _memo[_memo.Count] = Peek(); break;              // MEMOIZE
                case (byte)'p': _memo[TextKey()] = Peek(); break;           // PUT
                case (byte)'h': Push(Memo(Take(1)[0])); break;              // BINGET
                case (byte)'j': Push(Memo(BinaryPrimitives.ReadUInt32LittleEndian(Take(4)))); break;
                case (byte)'g': Push(Memo(TextKey())); break;               // GET
                case (byte)'i' or (byte)'o' or 0x81 or 0x92:
                    throw Bad($"pickle opcode {OpName(op)} builds an arbitrary object; a state_dict holds only tensors and plain containers");
                default:
                    throw Bad($"unsupported pickle opcode 0x{op:x2}");
            }
        }
    }

    private static string OpName(byte op) => op switch { (byte)'i' => "INST", (byte)'o' => "OBJ", 0x81 => "NEWOBJ", _ => "NEWOBJ_EX" };

    private PickleGlobal Global(string? module, string? name)
    {
        if (module is null || name is null) throw Bad("STACK_GLOBAL without a module and name string");
        var g = new PickleGlobal(module, name);
        if (!Allowed.Contains(g.ToString()))
            throw Bad($"pickle global '{PrintableName(g.ToString())}' is not allowed (a state_dict holds only tensors and plain containers; allowed: {string.Join(", ", Allowed.Order(StringComparer.Ordinal))})");
        return g;
    }

    /// <summary>The name with anything outside printable ASCII escaped (never raw bytes in a message).</summary>
    internal static string PrintableName(string s)
    {
        var b = new StringBuilder();
        foreach (char c in s.Length > 120 ? s[..120] + "..." : s)
            b.Append(c is >= ' ' and <= '~' ? c.ToString() : $"\\u{(int)c:x4}");
        return b.ToString();
    }

    private object? Reduce()
    {
        var args = Pop() as object?[] ?? throw Bad("REDUCE with arguments that are not a tuple");
        var f = Pop() as PickleGlobal ?? throw Bad("REDUCE of something that is not an allowed global");
        if (f.ToString() == "collections.OrderedDict")
            return args.Length == 0 ? new PickleDict() : throw Bad("collections.OrderedDict called with arguments");
        return new PickleCall(f, args);
    }

    private void Build()
    {
        var state = Pop();
        var target = Peek();
        switch (target)
        {
            case PickleDict d when state is PickleDict s:
                foreach (var (k, v) in s.Items)
                    d.Attributes[k as string ?? throw Bad("an attribute name that is not a string")] = v;
                break;
            case PickleCall:
                break;   // tensor state (e.g. _rebuild_parameter_with_state); the tensor is rebuilt from its arguments
            default:
                throw Bad($"BUILD on a {Describe(target)}");
        }
    }

    private static string Describe(object? v) => v switch
    {
        null => "None",
        PickleGlobal g => $"global {g}",
        _ => v.GetType().Name,
    };

    private void AddPairs(PickleDict d, List<object?> flat)
    {
        if (flat.Count % 2 != 0) throw Bad("SETITEMS with an odd number of values");
        for (int i = 0; i < flat.Count; i += 2) d.Items.Add(new(flat[i], flat[i + 1]));
    }

    private List<object?> ListAt() => Peek() as List<object?> ?? throw Bad("APPEND to something that is not a list");
    private PickleDict DictAt() => Peek() as PickleDict ?? throw Bad("SETITEM on something that is not a dict");

    private object? Memo(long key) => _memo.TryGetValue(key, out var v) ? v : throw Bad($"memo entry {key} read before it was written");

    private void Push(object? v) => _stack.Add(v);

    private object? Peek() => _stack.Count > 0 ? _stack[^1] : throw Bad("the stack is empty");

    private object? Pop()
    {
        if (_stack.Count == 0 || (_marks.Count > 0 && _stack.Count <= _marks[^1])) throw Bad("the stack is empty");
        var v = _stack[^1];
        _stack.RemoveAt(_stack.Count - 1);
        return v;
    }

    private List<object?> PopMark()
    {
        if (_marks.Count == 0) throw Bad("no MARK");
        int m = _marks[^1];
        _marks.RemoveAt(_marks.Count - 1);
        var items = _stack.GetRange(m, _stack.Count - m);
        _stack.RemoveRange(m, _stack.Count - m);
        return items;
    }

    private ReadOnlySpan<byte> Take(long n)
    {
        if (n < 0 || _pos + n > _data.Length) throw Bad("the pickle ends inside a value");
        var s = _data.AsSpan(_pos, (int)n);
        _pos += (int)n;
        return s;
    }

    private long Length(int bytes) => bytes == 4
        ? BinaryPrimitives.ReadUInt32LittleEndian(Take(4))
        : BinaryPrimitives.ReadInt64LittleEndian(Take(8));

    private string Utf8(long n)
    {
        var bytes = Take(n);
        try { return new UTF8Encoding(false, true).GetString(bytes); }
        catch (DecoderFallbackException) { throw Bad("a string that is not UTF-8"); }
    }

    private string Latin1(long n) => Encoding.Latin1.GetString(Take(n));

    private string Line()
    {
        int end = Array.IndexOf(_data, (byte)'\n', _pos);
        if (end < 0) throw Bad("the pickle ends inside a text line");
        string s = Encoding.ASCII.GetString(_data, _pos, end - _pos);
        _pos = end + 1;
        return s;
    }

    private long TextKey() => long.TryParse(Line(), out long k) ? k : throw Bad("a memo key that is not a number");

    private object IntLine()
    {
        string s = Line();
        return s switch { "00" => false, "01" => true, _ => long.TryParse(s, out long v) ? v : throw Bad("an INT that is not a number") };
    }

    private object Long(ReadOnlySpan<byte> bytes)
    {
        var v = new BigInteger(bytes, isUnsigned: false, isBigEndian: false);
        return v >= long.MinValue && v <= long.MaxValue ? (long)v : throw Bad("an integer outside 64 bits");
    }
}
