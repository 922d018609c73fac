using System.Diagnostics;
using Reel.Engine.Core;
using Reel.Engine.Scripts;
using Xunit.Abstractions;

namespace Reel.Engine.Tests.Scripts;

/// <summary>
/// The schema files editors use: their provider parts are generated from the catalog (a test keeps the checked-in files
/// equal; <c>REEL_UPDATE_GOLDEN=1</c> rewrites them), they compile in ajv's strict mode, and every example and valid
/// golden case passes them on their own.
/// </summary>
public sealed class SchemaFileTests(ITestOutputHelper output)
{
    private static string SchemaPath => Path.Combine(Repository.Root, "schemas", "reel.schema.json");

    private static string IncludeSchemaPath => Path.Combine(Repository.Root, "schemas", "reel.include.schema.json");

    private static bool Updating => Environment.GetEnvironmentVariable("REEL_UPDATE_GOLDEN") == "1";

    /// <summary>Every example and valid golden case: (file, is an include file).</summary>
    private static IEnumerable<(string Path, bool Include)> ValidScripts()
    {
        var examples = Directory.EnumerateFiles(Path.Combine(Repository.Root, "examples"), "*.yaml", SearchOption.AllDirectories)
            .Where(p => !p.Split(Path.DirectorySeparatorChar).Contains("out"));
        var cases = Path.Combine(Repository.Root, "tests", "Engine.Tests", "Cases");
        var valid = Directory.EnumerateFiles(cases, "*.yaml", SearchOption.AllDirectories)
            .Where(p => File.Exists(Path.ChangeExtension(p, ".plan.txt")) || p.EndsWith(".inc.yaml", StringComparison.Ordinal) && p.Contains("070-valid", StringComparison.Ordinal));
        foreach (var path in examples.Concat(valid).Order(StringComparer.Ordinal))
        {
            var text = File.ReadAllText(path);
            var include = path.EndsWith(".inc.yaml", StringComparison.Ordinal) || !text.Contains("\nreel:", StringComparison.Ordinal) && !text.StartsWith("reel:", StringComparison.Ordinal);
            yield return (path, include);
        }
    }

    [Fact]
    public void The_checked_in_schema_is_the_one_generated_from_the_provider_catalog()
    {
        var current = File.ReadAllText(SchemaPath).ReplaceLineEndings("\n");
        var generated = SchemaGenerator.Generate(current);
        if (Updating)
        {
            File.WriteAllText(SchemaPath, generated);
            current = generated;
        }

        Assert.True(current == generated, "schemas/reel.schema.json differs from what the provider catalog generates; run REEL_UPDATE_GOLDEN=1 dotnet test tests/Engine.Tests --filter SchemaFileTests");
        Assert.Equal(current, SchemaValidator.SchemaText.ReplaceLineEndings("\n"));
    }

    [Fact]
    public void The_checked_in_include_schema_is_the_one_derived_from_the_script_schema()
    {
        var generated = SchemaGenerator.IncludeSchema(File.ReadAllText(SchemaPath));
        if (Updating)
        {
            File.WriteAllText(IncludeSchemaPath, generated);
        }

        Assert.Equal(generated, File.ReadAllText(IncludeSchemaPath).ReplaceLineEndings("\n"));
    }

    [Fact]
    public void The_schema_lists_every_provider_and_each_one_s_models()
    {
        var schema = File.ReadAllText(SchemaPath);
        foreach (var entry in Reel.Engine.Providers.ProviderCatalog.Entries)
        {
            Assert.Contains($"\"const\": \"{entry.Name}\"", schema, StringComparison.Ordinal);
            foreach (var model in entry.Capabilities.Models)
            {
                Assert.Contains($"\"{model.Id}\"", schema, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public void Every_example_and_valid_golden_case_passes_the_schema_alone()
    {
        var scripts = ValidScripts().ToList();
        Assert.True(scripts.Count >= 20, $"found only {scripts.Count} scripts");
        foreach (var (path, include) in scripts)
        {
            var bag = new DiagnosticBag();
            var doc = YamlLoader.Load(new SourceFile(path, Path.GetFileName(path), File.ReadAllText(path)), bag);
            if (include)
            {
                SchemaValidator.ValidateInclude(doc, bag);
            }
            else
            {
                SchemaValidator.Validate(doc, bag);
            }

            Assert.True(bag.Count == 0, $"{path}:\n{string.Join("\n", bag.ToImmutable())}");
        }
    }

    [Fact]
    public async Task Both_schemas_compile_in_ajv_strict_mode_and_pass_every_example_and_valid_golden_case()
    {
        var dir = Path.Combine(Path.GetTempPath(), "reel-ajv-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            var n = 0;
            foreach (var (path, include) in ValidScripts())
            {
                var doc = YamlLoader.Load(new SourceFile(path, Path.GetFileName(path), File.ReadAllText(path)), new DiagnosticBag());
                var json = SchemaJson.From(doc.Root!).Root.ToString();
                File.WriteAllText(Path.Combine(dir, $"{n++:000}-{Path.GetFileNameWithoutExtension(path)}.{(include ? "include" : "script")}.json"), json);
            }

            var folder = Path.Combine(Repository.Root, "tests", "compat", "schema-ajv");
            if (!File.Exists(Path.Combine(folder, "node_modules", "ajv", "package.json")))
            {
                var install = await RunAsync("npm", ["ci", "--no-audit", "--no-fund"], folder);
                Assert.True(install.ExitCode == 0, $"npm ci failed:\n{install.Output}");
            }

            var check = await RunAsync("node", ["check.mjs", SchemaPath, IncludeSchemaPath, dir], folder);
            output.WriteLine(check.Output);
            Assert.True(check.ExitCode == 0, check.Output);
            Assert.Contains("both schemas compile in strict mode", check.Output, StringComparison.Ordinal);
            Assert.Equal(n, check.Output.Split('\n').Count(l => l.StartsWith("ok    0", StringComparison.Ordinal) || l.StartsWith("ok    1", StringComparison.Ordinal)));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string file, string[] args, string directory)
    {
        var start = new ProcessStartInfo(file) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(180));
        await process.WaitForExitAsync(cancel.Token);
        return (process.ExitCode, await stdout + await stderr);
    }
}
