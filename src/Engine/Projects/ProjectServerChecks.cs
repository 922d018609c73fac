using System.Collections.Immutable;
using Reel.Engine.Core;
using Reel.Engine.Prompts;
using Reel.Engine.Providers;
using Reel.Engine.Providers.Comfy;
using Reel.Engine.Scripts;

namespace Reel.Engine.Projects;

/// <summary>What <see cref="Project.CheckServerAsync"/> found: the compilation with the server's diagnostics added, and whether a server answered.</summary>
/// <param name="Compilation">The compilation, with any <see cref="DiagnosticCodes.ServerNodeMismatch"/> added.</param>
/// <param name="Checked">A server answered and the script was checked against it.</param>
public sealed record ServerCheck(Compilation Compilation, bool Checked);

public sealed partial class Project
{
    /// <summary>
    /// The checks that ask the provider's server, when it answers within <paramref name="timeout"/> (default
    /// <see cref="ComfyObjectInfo.DefaultTimeout"/>): on <c>comfy</c>, every workflow's node classes and bound inputs
    /// against <c>GET /object_info</c> at <c>COMFY_BASE_URL</c>. A server that does not answer, a compilation with
    /// errors, or another provider leaves the compilation as it is. Never throws for an unreachable server.
    /// </summary>
    public Task<ServerCheck> CheckServerAsync(Compilation compilation, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(compilation);

        // Not async itself: the state machine of the check below holds an HttpClient, and loading that type loads
        // System.Net.Http, which a cold `reel validate` for any other provider never needs.
        return compilation.Succeeded && compilation.Expanded is { Provider: "comfy" } expanded
            ? CheckComfyAsync(compilation, expanded, timeout, cancellationToken)
            : Task.FromResult(new ServerCheck(compilation, false));
    }

    private async Task<ServerCheck> CheckComfyAsync(Compilation compilation, ExpandedScript expanded, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        ComfyOptions options;
        try
        {
            options = ComfyOptions.FromEnvironment(Host.Environment);
        }
        catch (ProviderException)
        {
            return new ServerCheck(compilation, false); // a malformed COMFY_BASE_URL is the run's to report
        }

        using var http = new HttpClient();
        var info = await ComfyObjectInfo.FetchAsync(http, options, timeout ?? ComfyObjectInfo.DefaultTimeout, cancellationToken).ConfigureAwait(false);
        if (info is null)
        {
            return new ServerCheck(compilation, false);
        }

        var found = new List<Diagnostic>();
        foreach (var (workflow, bind) in WorkflowBinds(expanded.Script))
        {
            foreach (var (field, message) in info.Check(workflow.Option.Paths[0], ComfyWorkflow.Binds(bind.Option)))
            {
                var at = field is null ? workflow.Location : bind.EntryLocation(field);
                found.Add(Diagnostic.Create(DiagnosticCodes.ServerNodeMismatch, message, at));
            }
        }

        var added = found.Distinct().Where(d => !compilation.Diagnostics.Contains(d));
        return new ServerCheck(compilation with { Diagnostics = [.. compilation.Diagnostics, .. added] }, true);
    }

    /// <summary>The distinct workflow and bind settings the script's steps use (each where it is written: a step's own, or the defaults').</summary>
    private static IEnumerable<(OptionSetting Workflow, OptionSetting Bind)> WorkflowBinds(Script script) =>
        script.Steps
            .Select(s => s.Settings.InheritFrom(script.Defaults).Options)
            .Append(script.Defaults.Options)
            .Select(o => (Workflow: o.FirstOrDefault(x => x.Option.Name == "workflow"), Bind: o.FirstOrDefault(x => x.Option.Name == "bind")))
            .Where(p => p.Workflow is { Option.Paths.IsDefaultOrEmpty: false } && p.Bind?.Option.Value is not null)
            .Select(p => (p.Workflow!, p.Bind!))
            .Distinct();
}
