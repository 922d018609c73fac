using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace Reel.Emulator.Tests.Http;

/// <summary>
/// Raw HTTP probes with bodies a client got wrong (issue 18, point 14): each is answered with a 4xx in the API family's
/// own error shape — never a 500 — and the emulator keeps serving.
/// </summary>
public sealed class HostileBodyTests
{
    private const string OpenAiCreate = "/v1/videos";
    private const string FalSubmit = "/fal-ai/veo3.1";
    private const string GeminiPredict = "/v1beta/models/veo-3.1-generate-preview:predictLongRunning";
    private const string VertexPredict = "/v1beta1/projects/demo/locations/us-central1/publishers/google/models/veo-3.1-generate-001:predictLongRunning";

    public static TheoryData<string, string> Families => new()
    {
        { "openai", OpenAiCreate },
        { "fal", FalSubmit },
        { "gemini", GeminiPredict },
        { "vertex", VertexPredict },
    };

    public static TheoryData<string, string, string> MalformedJson
    {
        get
        {
            var data = new TheoryData<string, string, string>();
            foreach (var (family, path) in new[] { ("openai", OpenAiCreate), ("fal", FalSubmit), ("gemini", GeminiPredict), ("vertex", VertexPredict) })
            {
                data.Add(family, path, "invalid-utf8");
                data.Add(family, path, "lone-surrogate");
                data.Add(family, path, "lone-low-surrogate-in-key");
                data.Add(family, path, "duplicate-key");
                data.Add(family, path, "nested-duplicate-key");
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(MalformedJson))]
    public async Task Bodies_that_are_not_valid_json_are_4xx_in_the_family_shape(string family, string path, string kind)
    {
        await using var server = await EmulatorServer.StartAsync(new EmulatorOptions());
        var body = kind switch
        {
            "invalid-utf8" => [.. "{\"prompt\":\""u8, 0xFF, 0xFE, .. "\"}"u8],
            "lone-surrogate" => Encoding.UTF8.GetBytes("{\"prompt\":\"\\ud800 a cat\"}"),
            "lone-low-surrogate-in-key" => Encoding.UTF8.GetBytes("{\"\\udc00\":\"x\",\"prompt\":\"a cat\"}"),
            "duplicate-key" => Encoding.UTF8.GetBytes("{\"prompt\":\"a\",\"prompt\":\"b\"}"),
            _ => Encoding.UTF8.GetBytes("{\"instances\":[{\"prompt\":\"a\",\"prompt\":\"b\"}],\"input\":{\"k\":1,\"k\":2}}"),
        };

        var reply = await RawAsync(server, Post(path, family, "application/json", body));

        AssertFamilyError(family, reply, family == "fal" ? 422 : 400);
        if (family == "fal")
        {
            Assert.Equal("json_invalid", reply.Json!["detail"]![0]!["type"]!.GetValue<string>());
        }

        await AssertStillServingAsync(server);
    }

    [Theory]
    [MemberData(nameof(Families))]
    public async Task A_text_plain_body_is_not_parsed_as_json(string family, string path)
    {
        await using var server = await EmulatorServer.StartAsync(new EmulatorOptions(AuditPath: null));
        var valid = family switch
        {
            "gemini" => "{\"instances\":[{\"prompt\":\"a lighthouse\"}]}",
            "vertex" => "{\"instances\":[{\"prompt\":\"a lighthouse\"}],\"parameters\":{\"generateAudio\":true}}",
            _ => "{\"prompt\":\"a lighthouse\"}",
        };

        var reply = await RawAsync(server, Post(path, family, "text/plain", Encoding.UTF8.GetBytes(valid)));

        AssertFamilyError(family, reply, family == "fal" ? 422 : 400);
        var text = reply.Text;
        Assert.Contains(family == "fal" ? "model_attributes_type" : "text/plain", text, StringComparison.Ordinal);

        // The same body declared as JSON is accepted: the refusal was the media type, not the content.
        var accepted = await RawAsync(server, Post(path, family, "application/json; charset=utf-8", Encoding.UTF8.GetBytes(valid)));
        Assert.Equal(200, accepted.Status);
    }

    [Theory]
    [MemberData(nameof(Families))]
    public async Task Bad_chunking_is_400_in_the_family_shape(string family, string path)
    {
        await using var server = await EmulatorServer.StartAsync(new EmulatorOptions());
        var head = $"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n{Auth(family)}Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
        var request = Encoding.ASCII.GetBytes(head + "zz\r\n{\"prompt\":1}\r\n0\r\n\r\n");

        var reply = await RawAsync(server, request);

        AssertFamilyError(family, reply, 400);
        await AssertStillServingAsync(server);
    }

    [Theory]
    [MemberData(nameof(Families))]
    public async Task A_body_over_the_limit_is_413_in_the_family_shape(string family, string path)
    {
        await using var server = await EmulatorServer.StartAsync(new EmulatorOptions());

        // Only the declared length is over the limit; the server must refuse without reading (or waiting for) it.
        var head = $"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n{Auth(family)}Content-Type: application/json\r\n"
            + $"Content-Length: {(600L * 1024 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture)}\r\n\r\n{{\"prompt\":";
        var reply = await RawAsync(server, Encoding.ASCII.GetBytes(head));

        AssertFamilyError(family, reply, 413);
        await AssertStillServingAsync(server);
    }

    [Theory]
    [InlineData("truncated-part", "multipart/form-data; boundary=XyZ")]
    [InlineData("truncated-file", "multipart/form-data; boundary=XyZ")]
    [InlineData("no-boundary", "multipart/form-data")]
    [InlineData("garbage", "multipart/form-data; boundary=XyZ")]
    public async Task Broken_multipart_bodies_are_400_in_openai_shape(string kind, string contentType)
    {
        await using var server = await EmulatorServer.StartAsync(new EmulatorOptions());
        var body = kind switch
        {
            "truncated-part" => "--XyZ\r\nContent-Disposition: form-data; name=\"prompt\"\r\n\r\na lighthouse",
            "truncated-file" => "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.jsonl\"\r\nContent-Type: application/jsonl\r\n\r\n{}",
            "no-boundary" => "--XyZ--\r\n",
            _ => "this is not multipart at all",
        };

        foreach (var path in new[] { OpenAiCreate, "/v1/files" })
        {
            var reply = await RawAsync(server, Post(path, "openai", contentType, Encoding.UTF8.GetBytes(body)));
            AssertFamilyError("openai", reply, 400);
        }

        await AssertStillServingAsync(server);
    }

    [Fact]
    public async Task A_batch_input_line_with_a_duplicate_key_fails_its_line_not_the_server()
    {
        await using var emulator = await EmulatorHarness.StartAsync();
        var line = "{\"custom_id\":\"a\",\"custom_id\":\"b\",\"method\":\"POST\",\"url\":\"/v1/videos\",\"body\":{\"prompt\":\"\\ud800\"}}\n";
        var file = await emulator.PostFormAsync("files", ("purpose", "batch"), ("file", new FilePart(Encoding.UTF8.GetBytes(line), "in.jsonl", "application/jsonl")));
        var batch = await emulator.PostJsonAsync("batches", new JsonObject
        {
            ["input_file_id"] = file.Json!["id"]!.GetValue<string>(),
            ["endpoint"] = "/v1/videos",
            ["completion_window"] = "24h",
        });

        Assert.Equal(System.Net.HttpStatusCode.OK, batch.Status);
        emulator.Advance(5);
        var observed = await emulator.GetAsync("batches/" + batch.Json!["id"]!.GetValue<string>());
        Assert.Equal("failed", observed.Json!["status"]!.GetValue<string>());
        Assert.Equal("invalid_json_line", observed.Json!["errors"]!["data"]![0]!["code"]!.GetValue<string>());
    }

    /// <summary>Every family's error shape: OpenAI and Google <c>{"error":{…}}</c> (Google with a numeric code and a status name), fal <c>{"detail":…}</c>.</summary>
    private static void AssertFamilyError(string family, RawReply reply, int status)
    {
        Assert.True(reply.Status == status, $"{family}: expected {status}, got {reply.Status}: {reply.Text}");
        var json = reply.Json ?? throw new Xunit.Sdk.XunitException($"{family}: the error body is not JSON: {reply.Text}");
        switch (family)
        {
            case "openai":
                Assert.False(string.IsNullOrEmpty(json["error"]!["message"]!.GetValue<string>()));
                Assert.NotNull(json["error"]!["type"]);
                break;
            case "fal":
                Assert.NotNull(json["detail"]);
                break;
            default:
                Assert.Equal(status, json["error"]!["code"]!.GetValue<int>());
                Assert.False(string.IsNullOrEmpty(json["error"]!["status"]!.GetValue<string>()));
                Assert.False(string.IsNullOrEmpty(json["error"]!["message"]!.GetValue<string>()));
                break;
        }

        Assert.DoesNotContain("emulator failed", reply.Text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Exception", reply.Text, StringComparison.Ordinal);
    }

    private static async Task AssertStillServingAsync(EmulatorServer server)
    {
        var reply = await RawAsync(server, Encoding.ASCII.GetBytes("GET /v1/videos HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nAuthorization: Bearer k\r\n\r\n"));
        Assert.Equal(200, reply.Status);
    }

    private static string Auth(string family) => family switch
    {
        "openai" => "Authorization: Bearer k\r\n",
        "fal" => "Authorization: Key k\r\n",
        "gemini" => "x-goog-api-key: k\r\n",
        _ => "Authorization: Bearer k\r\n",
    };

    private static byte[] Post(string path, string family, string contentType, byte[] body) =>
        [.. Encoding.ASCII.GetBytes(
            $"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n{Auth(family)}Content-Type: {contentType}\r\nContent-Length: {body.Length}\r\n\r\n"),
        .. body];

    /// <summary>Sends raw bytes on a fresh connection and reads the answer until the server closes it.</summary>
    private static async Task<RawReply> RawAsync(EmulatorServer server, byte[] request)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", server.Port, timeout.Token);
        var stream = client.GetStream();
        await stream.WriteAsync(request, timeout.Token);
        using var received = new MemoryStream();
        try
        {
            await stream.CopyToAsync(received, timeout.Token);
        }
        catch (IOException)
        {
            // A reset after the answer was sent still leaves the answer readable.
        }

        var text = Encoding.UTF8.GetString(received.ToArray());
        var split = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        Assert.True(split > 0, $"no HTTP answer: '{text}'");
        var statusLine = text[..text.IndexOf("\r\n", StringComparison.Ordinal)];
        var status = int.Parse(statusLine.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        return new RawReply(status, text[..split], text[(split + 4)..]);
    }

    private sealed record RawReply(int Status, string Head, string Body)
    {
        public string Text => Head + "\n\n" + Body;

        public JsonNode? Json
        {
            get
            {
                try
                {
                    return Body.Length == 0 ? null : JsonNode.Parse(Body);
                }
                catch (System.Text.Json.JsonException)
                {
                    return null;
                }
            }
        }
    }
}
