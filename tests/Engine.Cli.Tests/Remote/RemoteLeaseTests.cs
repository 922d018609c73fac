using Microsoft.Extensions.Logging.Abstractions;
using Reel.Engine.Execution;
using Reel.Engine.Storage.Remote;

namespace Reel.Cli.Tests.Remote;

/// <summary>A lease on the emulator's S3: a refused claim write is a takeover only when the claim's owner is someone else.</summary>
public sealed class RemoteLeaseTests
{
    [Fact]
    public async Task A_claim_write_whose_answer_was_lost_keeps_the_lease_and_a_real_takeover_refuses_the_submit()
    {
        using var dir = new TempDirectory();
        using var emulator = Emulator.Start(dir.Path, "k");
        var env = new Dictionary<string, string?> { ["AWS_ACCESS_KEY_ID"] = "AKIDTEST", ["AWS_SECRET_ACCESS_KEY"] = "s", ["AWS_ENDPOINT_URL_S3"] = emulator.BaseUrl.ToString() };
        var (settings, error) = RemoteSettings.Resolve(new RemoteDeclaration("s3://films/lease"), env);
        Assert.Null(error);
        using var remote = RemoteStore.Open(settings!, env);
        var now = DateTimeOffset.UtcNow;
        var mine = new RemoteClaim("me", "host-a", now, now.AddMinutes(1), "fal");
        var held = await remote.TryClaimAsync("k1", mine);
        Assert.NotNull(held);

        // A renewal that went through but whose answer never came back: the ETag this run knows is stale.
        Assert.NotNull(await remote.ReplaceClaimAsync(held!, mine with { Expires = now.AddMinutes(2) }));

        var lease = RemoteLease.Start(remote, held!, null, TimeProvider.System, NullLogger.Instance, "s");
        await using (lease)
        {
            await lease.RecordJobAsync("job-1", CancellationToken.None);
            var claim = await remote.ReadClaimAsync("k1");
            Assert.Equal("job-1", claim!.Claim.Job);
            Assert.Equal("me", claim.Claim.Owner);
            Assert.True(await lease.ConfirmAsync(CancellationToken.None));

            // Another runner takes the claim over: now the lease is lost, and the submit must not happen.
            var current = await remote.ReadClaimAsync("k1");
            Assert.NotNull(await remote.ReplaceClaimAsync(current!, current!.Claim with { Owner = "other", Host = "host-b" }));
            Assert.False(await lease.ConfirmAsync(CancellationToken.None));
        }

        // Not released by the lease that lost it: the new owner keeps it.
        Assert.Equal("other", (await remote.ReadClaimAsync("k1"))!.Claim.Owner);
    }
}
