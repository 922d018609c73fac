using System.Diagnostics;
using System.IO.Compression;
using System.Reflection.PortableExecutable;
using System.Text;

namespace Reel.Cli.Tests;

/// <summary>
/// <c>src/Engine.Cli</c> packs as the <c>reel</c> .NET tool, which installs from the packed folder
/// alone and works as a user runs it: <c>reel --version</c>, then <c>reel init film &amp;&amp; cd film &amp;&amp; reel run</c>.
/// The pack (a Release build with ReadyToRun, restored like any build) happens once for the class; the install reads
/// the packed folder and nothing else.
/// </summary>
public sealed class ToolInstallTests(ToolInstallTests.PackedTool tool) : IClassFixture<ToolInstallTests.PackedTool>
{
    [Fact]
    public void The_installed_tool_prints_the_version_of_this_build()
    {
        var r = tool.Run(tool.Directory, "--version");

        Assert.True(r.ExitCode == 0, r.All);
        Assert.Equal(Commands.Common.Version.Split('+')[0], r.Stdout.Trim().Split('+')[0]);
        Assert.Equal("", r.Stderr);
    }

    [Fact]
    public void The_installed_tool_scaffolds_a_project_and_renders_it_locally_with_the_printed_next_commands()
    {
        using var dir = new TempDirectory();

        var init = tool.Run(dir.Path, "init", "film");
        var film = Path.Combine(dir.Path, "film");
        var run = tool.Run(film, "run");
        var again = tool.Run(film, "run");

        Assert.True(init.ExitCode == 0, init.All);
        Assert.EndsWith("next: cd film && reel plan && reel run\n", init.Stdout, StringComparison.Ordinal);
        Assert.True(run.ExitCode == 0, run.All);
        Assert.Contains("film: out/film.mp4\n", run.Stdout, StringComparison.Ordinal);
        Assert.True(new FileInfo(Path.Combine(film, "out", "film.mp4")).Length > 0);
        Assert.True(again.ExitCode == 0, again.All);
        Assert.Contains("2 steps: 0 done, 0 reused, 2 cached", again.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void The_packed_tool_carries_ReadyToRun_code_so_a_cold_start_does_not_wait_for_the_jit()
    {
        // The pointer package names the platform package, which holds the program.
        var checkedDlls = new List<string>();
        foreach (var package in System.IO.Directory.GetFiles(tool.Packages, "reel.*.nupkg"))
        {
            using var zip = ZipFile.OpenRead(package);
            foreach (var entry in zip.Entries.Where(e => e.FullName.StartsWith("tools/", StringComparison.Ordinal) && e.Name is "reel.dll" or "Reel.Engine.dll"))
            {
                using var bytes = new MemoryStream();
                using (var stream = entry.Open())
                {
                    stream.CopyTo(bytes);
                }

                Assert.True(IsReadyToRun(bytes.ToArray()), $"{entry.FullName} in {Path.GetFileName(package)} is IL only: the pack lost PublishReadyToRun");
                checkedDlls.Add(entry.Name);
            }
        }

        Assert.Contains("reel.dll", checkedDlls);
        Assert.Contains("Reel.Engine.dll", checkedDlls);
    }

    [Fact]
    public void The_ReadyToRun_check_tells_an_il_only_build_apart()
    {
        // The test's own build of reel.dll is a plain Debug build: IL only.
        Assert.False(IsReadyToRun(File.ReadAllBytes(ReelProcess.ReelDll)));
    }

    /// <summary>
    /// A ReadyToRun image: its CLI header points at a managed native header (the IL-only compiler leaves that empty),
    /// and that header starts with the ReadyToRun signature <c>RTR</c>.
    /// </summary>
    private static bool IsReadyToRun(byte[] image)
    {
        using var pe = new PEReader(new MemoryStream(image));
        var native = pe.PEHeaders.CorHeader?.ManagedNativeHeaderDirectory;
        if (native is not { Size: > 0 } header)
        {
            return false;
        }

        var reader = pe.GetSectionData(header.RelativeVirtualAddress).GetReader();
        return reader.Length >= 4 && reader.ReadUInt32() == 0x00525452;
    }

    /// <summary>The tool, packed from this repository and installed into a temporary tool path, once per test run.</summary>
    public sealed class PackedTool : IDisposable
    {
        private readonly TempDirectory _root = new();

        public PackedTool()
        {
            var packages = Path.Combine(_root.Path, "nupkg");
            var pack = Start(ReelProcess.RepoRoot, TimeSpan.FromMinutes(15), "dotnet", "pack", Path.Combine(ReelProcess.RepoRoot, "src", "Engine.Cli"),
                "-o", packages, "--artifacts-path", Path.Combine(_root.Path, "artifacts"), "--disable-build-servers", "-nologo");
            if (pack.ExitCode != 0)
            {
                throw new InvalidOperationException("dotnet pack src/Engine.Cli failed:\n" + pack.All);
            }

            // Only the packed folder: the install must not need any other source.
            var config = Path.Combine(_root.Path, "nuget.config");
            File.WriteAllText(config, $"""
                <?xml version="1.0" encoding="utf-8"?>
                <configuration>
                  <packageSources>
                    <clear />
                    <add key="packed" value="{packages}" />
                  </packageSources>
                </configuration>
                """);
            var install = Start(_root.Path, TimeSpan.FromMinutes(5), "dotnet", "tool", "install", "reel", "--tool-path", Path.Combine(_root.Path, "tools"), "--configfile", config);
            if (install.ExitCode != 0)
            {
                throw new InvalidOperationException("dotnet tool install reel failed:\n" + install.All);
            }

            Directory = _root.Path;
            Packages = packages;
        }

        public string Directory { get; }

        /// <summary>The folder <c>dotnet pack</c> wrote the package to.</summary>
        public string Packages { get; }

        private string Executable => Path.Combine(_root.Path, "tools", OperatingSystem.IsWindows() ? "reel.exe" : "reel");

        public ReelResult Run(string workingDirectory, params string[] args) => Start(workingDirectory, TimeSpan.FromMinutes(2), Executable, args);

        public void Dispose() => _root.Dispose();

        private static ReelResult Start(string workingDirectory, TimeSpan timeout, string file, params string[] args)
        {
            var psi = new ProcessStartInfo(file)
            {
                WorkingDirectory = workingDirectory,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                RedirectStandardInput = true,
                UseShellExecute = false,
            };
            foreach (var a in args)
            {
                psi.ArgumentList.Add(a);
            }

            psi.Environment["NO_COLOR"] = "1";
            psi.Environment["DOTNET_NOLOGO"] = "1";
            psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
            foreach (var secret in new[] { "OPENAI_API_KEY", "OPENAI_BASE_URL", "REEL_STORE", "FAL_KEY", "GEMINI_API_KEY", "GOOGLE_API_KEY" })
            {
                psi.Environment.Remove(secret);
            }

            using var p = Process.Start(psi)!;
            p.StandardInput.Close();
            var stdout = new StringBuilder();
            var stderr = new StringBuilder();
            p.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (stdout) { stdout.Append(e.Data).Append('\n'); } } };
            p.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (stderr) { stderr.Append(e.Data).Append('\n'); } } };
            p.BeginOutputReadLine();
            p.BeginErrorReadLine();
            if (!p.WaitForExit(timeout))
            {
                p.Kill(entireProcessTree: true);
                throw new TimeoutException($"{Path.GetFileName(file)} {string.Join(' ', args)} did not finish in {timeout}");
            }

            p.WaitForExit();
            return new ReelResult(p.ExitCode, stdout.ToString(), stderr.ToString());
        }
    }
}
