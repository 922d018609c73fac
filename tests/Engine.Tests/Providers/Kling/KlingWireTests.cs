using System.Net;
using System.Text;
using System.Text.Json;
using Reel.Engine.Providers;
using Reel.Engine.Providers.Kling;
using Reel.Engine.Providers.Runway;

namespace Reel.Engine.Tests.Providers.Kling;

/// <summary>Kling's and Runway's wire details as raw JSON: error codes, task states, the JWT.</summary>
public sealed class KlingWireTests
{
    [Theory]
    [InlineData(429, "{\"code\":1102,\"message\":\"resource pack exhausted\"}", ErrorClass.QuotaOrAuth)]
    [InlineData(429, "{\"code\":1101,\"message\":\"account in arrears\"}", ErrorClass.QuotaOrAuth)]
    [InlineData(429, "{\"code\":1303,\"message\":\"parallel task over resource pack limit\"}", ErrorClass.Transient)]
    [InlineData(400, "{\"code\":1301,\"message\":\"content security policy\"}", ErrorClass.Moderation)]
    [InlineData(400, "{\"code\":1201,\"message\":\"Invalid parameter duration\"}", ErrorClass.Invalid)]
    [InlineData(401, "{\"code\":1004,\"message\":\"Authorization has expired\"}", ErrorClass.QuotaOrAuth)]
    [InlineData(500, "{\"code\":5000,\"message\":\"Server internal error\"}", ErrorClass.Transient)]
    [InlineData(502, "<html>bad gateway</html>", ErrorClass.Transient)]
    public void Kling_error_codes_map_to_error_classes(int status, string body, ErrorClass expected) =>
        Assert.Equal(expected, KlingWire.ParseError((HttpStatusCode)status, body).Class);

    [Theory]
    [InlineData("submitted", JobState.Queued)]
    [InlineData("processing", JobState.Running)]
    [InlineData("succeed", JobState.Succeeded)]
    [InlineData("failed", JobState.Failed)]
    public void Kling_task_states_map_to_job_states(string status, JobState expected)
    {
        using var doc = JsonDocument.Parse($"{{\"task_id\":\"1\",\"task_status\":\"{status}\",\"task_status_msg\":\"Failure to pass the risk control system\",\"created_at\":1722769557708}}");
        var parsed = KlingWire.ParseTask("text2video:1", doc.RootElement, (_, _) => Assert.Fail("unknown"));
        Assert.Equal(expected, parsed.State);
        Assert.Equal(status == "failed" ? ErrorClass.Moderation : null, parsed.Error?.Class);
    }

    [Fact]
    public void The_kling_token_is_an_hs256_jwt_of_iss_exp_and_nbf()
    {
        var now = new DateTimeOffset(2026, 5, 1, 12, 0, 0, TimeSpan.Zero);
        var token = KlingToken.Make("ak", "sk", now).Split('.');

        static byte[] FromB64Url(string s)
        {
            s = s.Replace('-', '+').Replace('_', '/');
            return Convert.FromBase64String(s.PadRight(s.Length + ((4 - (s.Length % 4)) % 4), '='));
        }

        using var payload = JsonDocument.Parse(FromB64Url(token[1]));
        Assert.Equal("ak", payload.RootElement.GetProperty("iss").GetString());
        Assert.Equal(now.ToUnixTimeSeconds() + 1800, payload.RootElement.GetProperty("exp").GetInt64());
        Assert.Equal(now.ToUnixTimeSeconds() - 5, payload.RootElement.GetProperty("nbf").GetInt64());
        var signature = System.Security.Cryptography.HMACSHA256.HashData(Encoding.UTF8.GetBytes("sk"), Encoding.ASCII.GetBytes(token[0] + "." + token[1]));
        Assert.Equal(signature, FromB64Url(token[2]));
    }

    [Theory]
    [InlineData("PENDING", JobState.Queued, null)]
    [InlineData("THROTTLED", JobState.Queued, null)]
    [InlineData("RUNNING", JobState.Running, null)]
    [InlineData("SUCCEEDED", JobState.Succeeded, null)]
    [InlineData("CANCELLED", JobState.Failed, ErrorClass.Invalid)]
    [InlineData("FAILED", JobState.Failed, ErrorClass.Moderation)]
    public void Runway_task_states_map_to_job_states(string status, JobState expected, ErrorClass? error)
    {
        using var doc = JsonDocument.Parse($"{{\"id\":\"t\",\"status\":\"{status}\",\"progress\":0.4,\"failure\":\"flagged\",\"failureCode\":\"SAFETY.INPUT.IMAGE\",\"createdAt\":\"2026-05-01T12:00:00.000Z\"}}");
        var parsed = RunwayWire.ParseTask("t", doc.RootElement, (_, _) => Assert.Fail("unknown"));
        Assert.Equal(expected, parsed.State);
        Assert.Equal(error, parsed.Error?.Class);
        if (error == ErrorClass.Moderation)
        {
            Assert.Contains("an input image", parsed.Error!.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(429, ErrorClass.Transient)]
    [InlineData(401, ErrorClass.QuotaOrAuth)]
    [InlineData(400, ErrorClass.Invalid)]
    [InlineData(503, ErrorClass.Transient)]
    public void Runway_errors_map_to_error_classes(int status, ErrorClass expected)
    {
        var failure = RunwayWire.ParseError((HttpStatusCode)status, "{\"error\":\"Validation of body failed\",\"issues\":[{\"path\":[\"ratio\"],\"message\":\"bad\"}]}");
        Assert.Equal(expected, failure.Class);
        Assert.Equal("ratio", failure.Param);
    }
}
