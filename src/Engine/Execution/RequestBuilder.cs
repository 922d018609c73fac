using System.Collections.Immutable;
using Reel.Engine.Planning;
using Reel.Engine.Prompts;
using Reel.Engine.Providers;
using Reel.Engine.Scripts;
using Reel.Engine.Storage;

namespace Reel.Engine.Execution;

/// <summary>
/// Turns a planned step and the results of the steps it needs into the provider's neutral job request:
/// source jobs and clips, registered characters, the first frame (a fitted image or the source's last
/// frame) and the seed.
/// </summary>
internal sealed class RequestBuilder(ProviderCapabilities capabilities, ObjectStore store, MediaWorkshop workshop)
{
    /// <summary>The step's job request: its kind's fields, the neutral options as typed fields, the rest as provider options.</summary>
    public async Task<JobRequest> BuildAsync(PlannedStep step, IReadOnlyDictionary<string, StepResult> results, CancellationToken cancellationToken)
    {
        var request = await BuildBaseAsync(step, results, cancellationToken).ConfigureAwait(false);
        var options = step.Request.Options;
        return request switch
        {
            GenerateRequest g => g with
            {
                Seed = SeedFor(step),
                LastFramePath = NeutralOptions.LastFramePath(options),
                ReferenceImagePaths = NeutralOptions.ReferenceImagePaths(options),
                Options = NeutralOptions.ProviderOnly(options),
            },
            ExtendRequest e => e with { Seed = SeedFor(step), Options = NeutralOptions.ProviderOnly(options) },
            _ => request with { Options = NeutralOptions.ProviderOnly(options) },
        };
    }

    /// <summary>The seed a step sends: its <c>options.seed</c>, else one derived from its key when the provider takes seeds.</summary>
    public long? SeedFor(PlannedStep step) =>
        step.Request.Kind is StepKind.Character or StepKind.Cut
        || step.Request.Options.Any(o => capabilities.FindOption(o.Name)?.DropsSeed == true) ? null
        : step.Request.SeedOption ?? (capabilities.Supports(step.Request.Model, ModelFeatures.Seed) ? StepKeys.Seed(step.Key) : null);

    private async Task<JobRequest> BuildBaseAsync(PlannedStep step, IReadOnlyDictionary<string, StepResult> results, CancellationToken cancellationToken)
    {
        var r = step.Request;
        var characters = r.Characters
            .Select(c => (Step: c, Result: results.GetValueOrDefault(c)))
            .Where(x => x.Result?.Character is not null)
            .Select(x => new ProviderCharacter(x.Result!.Character!, r.Prompt.Length > 0 ? CharacterName(x.Step) : x.Step))
            .ToImmutableArray();
        switch (r.Kind)
        {
            case StepKind.Character:
                // A character step's prompt is the character's name.
                return new CreateCharacterRequest(r.Id, r.Prompt, r.Inputs[0].Path) { Model = r.Model };
            case StepKind.Extend:
                return new ExtendRequest(r.Id, r.Prompt, r.Model, r.Size, r.Seconds, results[r.From!].Job, OutputPath(results[r.From!])) { Take = r.Take };
            case StepKind.Edit:
                return new EditRequest(r.Id, r.Prompt, r.Model, r.Size, r.Seconds, results[r.From!].Job, OutputPath(results[r.From!])) { Take = r.Take };
            default:
                string? firstFrame = null;
                if (r.Mode == ContinuationMode.LastFrame)
                {
                    firstFrame = await workshop.LastFrameAsync(results[r.From!].Output!, r.Size, cancellationToken).ConfigureAwait(false);
                }
                else if (r.Image is { } image)
                {
                    firstFrame = await workshop.FitImageAsync(image, r.Size, r.Fit, cancellationToken).ConfigureAwait(false);
                }

                return new GenerateRequest(r.Id, r.Prompt, r.Model, r.Size, r.Seconds) { FirstFramePath = firstFrame, Characters = characters, Take = r.Take };
        }
    }

    private static string CharacterName(string characterStep) => characterStep.TrimStart('@');

    private string? OutputPath(StepResult result) => result.Output is { } sha ? store.PathOf(sha) : null;
}
