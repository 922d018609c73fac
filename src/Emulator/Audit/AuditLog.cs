using System.Text.Json;

namespace Reel.Emulator.Audit;

/// <summary>Appends JSON lines to the audit file, flushed one by one so that readers see them while the server runs.</summary>
internal sealed class AuditLog : IDisposable
{
    private readonly FileStream? _stream;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();

    public AuditLog(string? path, TimeProvider time)
    {
        _time = time;
        if (!string.IsNullOrEmpty(path))
        {
            var directory = Path.GetDirectoryName(Path.GetFullPath(path));
            if (!string.IsNullOrEmpty(directory))
            {
                Directory.CreateDirectory(directory);
            }

            _stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
        }
    }

    public void Request(string method, string path, int status) =>
        Write(w =>
        {
            w.WriteString("method", method);
            w.WriteString("path", path);
            w.WriteNumber("status", status);
        });

    /// <param name="seed">The seed the request asked for, when it asked for one.</param>
    /// <param name="image">Whether the request carried an image input (a first frame, a reference).</param>
    public void JobCreated(string job, string kind, string fingerprint, long? seed = null, bool image = false) =>
        Write(w =>
        {
            w.WriteString("event", "job.created");
            w.WriteString("job", job);
            w.WriteString("kind", kind);
            w.WriteString("fingerprint", fingerprint);
            if (seed is { } s)
            {
                w.WriteNumber("seed", s);
            }

            w.WriteBoolean("image", image);
        });

    /// <summary>The whole-number <c>seed</c> of a request's content, or null when it has none.</summary>
    public static long? SeedIn(System.Text.Json.Nodes.JsonObject content) =>
        content["seed"] is System.Text.Json.Nodes.JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.ToJsonString() is var text
            && long.TryParse(text, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var seed)
            ? seed
            : null;

    private void Write(Action<Utf8JsonWriter> body)
    {
        if (_stream is null)
        {
            return;
        }

        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("time", _time.GetUtcNow().ToString("O", System.Globalization.CultureInfo.InvariantCulture));
            body(w);
            w.WriteEndObject();
        }

        buffer.WriteByte((byte)'\n');
        lock (_gate)
        {
            _stream.Write(buffer.GetBuffer(), 0, (int)buffer.Length);
            _stream.Flush();
        }
    }

    public void Dispose() => _stream?.Dispose();
}
