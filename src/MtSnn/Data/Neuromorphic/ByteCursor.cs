namespace MtSnn.Data.Neuromorphic;

/// <summary>A forward-only buffered reader over a stream that can peek one byte and read header lines; tracks the byte offset for error messages.</summary>
internal sealed class ByteCursor
{
    private readonly Stream _stream;
    private readonly byte[] _buffer;
    private int _start, _end;

    /// <summary>A cursor reading <paramref name="bufferSize"/> bytes at a time (small for a header check, so only the header is read).</summary>
    public ByteCursor(Stream stream, string source, int bufferSize = 1 << 16)
    {
        _stream = stream ?? throw new ArgumentNullException(nameof(stream));
        _buffer = new byte[bufferSize];
        Source = source;
    }

    /// <summary>Name used in error messages (a file path or "stream").</summary>
    public string Source { get; }
    /// <summary>Bytes consumed so far.</summary>
    public long Position { get; private set; }

    /// <summary>The next byte without consuming it, or -1 at the end.</summary>
    public int Peek() => Fill() ? _buffer[_start] : -1;

    /// <summary>Reads up to and including the next '\n' (at most <paramref name="maxLength"/> bytes); null at the end of the stream.</summary>
    public byte[]? ReadLine(int maxLength)
    {
        if (!Fill()) return null;
        var line = new List<byte>();
        while (Fill())
        {
            byte b = _buffer[_start++]; Position++;
            line.Add(b);
            if (b == (byte)'\n') break;
            if (line.Count >= maxLength) throw Error($"header line longer than {maxLength} bytes");
        }
        return [.. line];
    }

    /// <summary>Fills <paramref name="dst"/> as far as the stream allows; returns the bytes read (less than the length only at the end).</summary>
    public int Read(Span<byte> dst)
    {
        int got = 0;
        while (got < dst.Length && Fill())
        {
            int n = Math.Min(dst.Length - got, _end - _start);
            _buffer.AsSpan(_start, n).CopyTo(dst[got..]);
            _start += n; got += n; Position += n;
        }
        return got;
    }

    /// <summary>Skips <paramref name="count"/> bytes; returns the bytes actually skipped.</summary>
    public long Skip(long count)
    {
        long done = 0;
        while (done < count && Fill())
        {
            int n = (int)Math.Min(count - done, _end - _start);
            _start += n; done += n; Position += n;
        }
        return done;
    }

    /// <summary>An <see cref="InvalidDataException"/> whose one-line message names the source.</summary>
    public InvalidDataException Error(string message) => new($"{Source}: {message}");

    private bool Fill()
    {
        if (_start < _end) return true;
        _start = 0;
        _end = _stream.Read(_buffer, 0, _buffer.Length);
        return _end > 0;
    }
}
