using Microsoft.Playwright;

namespace Reel.Cli.Tests.Review;

/// <summary>
/// One headless system Chromium per test class (CI installs it with apt; no browser is downloaded).
/// <c>REEL_CHROMIUM</c> names another executable.
/// </summary>
public sealed class ChromiumFixture : IAsyncLifetime
{
    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var executable = Environment.GetEnvironmentVariable("REEL_CHROMIUM") is { Length: > 0 } named ? named : "/usr/bin/chromium";
        Assert.True(File.Exists(executable), $"{executable} is missing: install it with `apt-get install -y chromium` (.ci/run does)");
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = executable, Headless = true, Args = ["--no-sandbox"] });
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
    }
}

/// <summary>A <c>reel review</c> running in this process until disposed (its Ctrl+C).</summary>
public sealed class ReviewSession : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop;
    private readonly Task<int> _run;
    private readonly SharedStringWriter _stdout;
    private readonly SharedStringWriter _stderr;

    private ReviewSession(CancellationTokenSource stop, Task<int> run, SharedStringWriter stdout, SharedStringWriter stderr, Uri address)
    {
        (_stop, _run, _stdout, _stderr, Address) = (stop, run, stdout, stderr, address);
    }

    /// <summary>The printed address, with its token.</summary>
    public Uri Address { get; }

    public int Port => Address.Port;

    public string Token => Address.Query["?token=".Length..];

    public string Stdout => _stdout.ToString();

    public SharedStringWriter Stderr => _stderr;

    public static async Task<ReviewSession> StartAsync(string directory, string script = "storyboard.yaml", params string[] options)
    {
        var stop = new CancellationTokenSource();
        var stdout = new SharedStringWriter();
        var stderr = new SharedStringWriter();
        var context = ReelInProcess.Context(directory, stdout, stderr, cancellationToken: stop.Token);
        var run = Task.Run(() => ReelCli.InvokeAsync(["review", script, "--no-open", .. options], context));
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline && !run.IsCompleted)
        {
            var line = stdout.ToString().Split('\n').FirstOrDefault(l => l.StartsWith("review: ", StringComparison.Ordinal));
            if (line is not null)
            {
                return new ReviewSession(stop, run, stdout, stderr, new Uri(line["review: ".Length..].Trim()));
            }

            await Task.Delay(50);
        }

        await stop.CancelAsync();
        throw new InvalidOperationException($"reel review printed no address: {stdout}{stderr}");
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        var exit = await _run.WaitAsync(TimeSpan.FromSeconds(20));
        _stop.Dispose();
        _stdout.Dispose();
        _stderr.Dispose();
        Assert.True(exit == 0, $"reel review exited with {exit}: {_stderr}");
    }
}

/// <summary>Storyboards the review tests share.</summary>
internal static class ReviewScripts
{
    /// <summary>A scene with three takes (take 1 picked, written out so a pick changes one line), a matrix scene and a cut.</summary>
    public const string Local = """
        reel: 1
        provider: local
        defaults: { size: 128x72, seconds: 2 }
        scenes:
          - id: street
            prompt: A rainy street at night.
            takes: 3
            pick: 1
          - id: quay
            prompt: The quay, {{ light }}.
            matrix:
              light: [dawn, dusk]
        cut:
          - id: film
            output: out/film.mp4
            shots: [street, "quay[light=dawn]"]
        """;

    public static readonly string[] LocalSteps = ["street#1", "street#2", "street#3", "quay[light=dawn]", "quay[light=dusk]", "film"];
}
