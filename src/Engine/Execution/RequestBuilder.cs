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
    /// <param name="succeededJobs">
    /// Job ids of steps whose job succeeded but whose clip is not in yet: a native extend or edit released early
    /// (<see cref="Providers.ProviderCapabilities.ExtendsFromJobId"/>) names its source by that id, without a file.
    /// </param>
    public async Task<JobRequest> BuildAsync(PlannedStep step, IReadOnlyDictionary<string, StepResult> results, CancellationToken cancellationToken, IReadOnlyDictionary<string, string>? succeededJobs = null) =>
        await BuildKindAsync(step, Sources(step, results, succeededJobs), cancellationToken).ConfigureAwait(false) with { Roll = step.Roll };

    /// <summary>The results so far; for an extend or edit released early, plus a job-only result for its source.</summary>
    private static IReadOnlyDictionary<string, StepResult> Sources(PlannedStep step, IReadOnlyDictionary<string, StepResult> results, IReadOnlyDictionary<string, string>? succeededJobs)
    {
        string? from = step.Request switch
        {
            ExtendStep e => e.From.Text,
            EditStep e => e.From.Text,
            _ => null,
        };
        if (from is null || succeededJobs is null || results.ContainsKey(from) || !succeededJobs.TryGetValue(from, out var job))
        {
            return results;
        }

        return new Dictionary<string, StepResult>(results, StringComparer.Ordinal) { [from] = new StepResult(from, StepOutcome.Done, job) };
    }

    private async Task<JobRequest> BuildKindAsync(PlannedStep step, IReadOnlyDictionary<string, StepResult> results, CancellationToken cancellationToken)
    {
        var seed = SeedFor(step);
        switch (step.Request)
        {
            case CharacterStep character:
                return new CreateCharacterRequest(character.Id, character.Name, character.Video.Path) { Model = character.Model };
            case ExtendStep extend:
                return new ExtendRequest(extend.Id, extend.Prompt, extend.Model, extend.Size, extend.Seconds, results[extend.From].Job, OutputPath(results[extend.From]))
                {
                    Take = extend.Take,
                    Seed = seed,
                    Options = NeutralOptions.ProviderOnly(extend.Options),
                };
            case EditStep edit:
                return new EditRequest(edit.Id, edit.Prompt, edit.Model, edit.Size, edit.Seconds, results[edit.From].Job, OutputPath(results[edit.From]))
                {
                    Take = edit.Take,
                    Options = NeutralOptions.ProviderOnly(edit.Options),
                };
            case GenerateStep generate:
                var firstFrame = generate.LastFrameOf is { } source
                    ? await workshop.LastFrameAsync(results[source].Output!, generate.Size, cancellationToken).ConfigureAwait(false)
                    : generate.Image is { } image
                        ? await workshop.FitImageAsync(image, generate.Size, generate.Fit, cancellationToken).ConfigureAwait(false)
                        : generate.CarriedClip is { } carried
                            ? await workshop.FirstFrameAsync(carried.Sha256, generate.Size, cancellationToken).ConfigureAwait(false)
                            : null;
                var characters = generate.Characters
                    .Select(c => (Step: c, Result: results.GetValueOrDefault(c)))
                    .Where(x => x.Result?.Character is not null)
                    .Select(x => new ProviderCharacter(x.Result!.Character!, x.Step.CharacterId!))
                    .ToImmutableArray();
                var characterImages = ImmutableArray.CreateBuilder<CharacterImage>(generate.CharacterVideos.Length);
                foreach (var character in generate.CharacterVideos)
                {
                    characterImages.Add(new CharacterImage(character.Name, await workshop.FirstFrameOfAsync(character.Video.Path, generate.Size, cancellationToken).ConfigureAwait(false)));
                }

                return new GenerateRequest(generate.Id, generate.Prompt, generate.Model, generate.Size, generate.Seconds)
                {
                    CharacterImages = characterImages.MoveToImmutable(),
                    FirstFramePath = firstFrame,
                    Characters = characters,
                    Take = generate.Take,
                    Seed = seed,
                    LastFramePath = NeutralOptions.LastFramePath(generate.Options),
                    ReferenceImagePaths = NeutralOptions.ReferenceImagePaths(generate.Options),
                    Shots = generate.Shots,
                    Options = NeutralOptions.ProviderOnly(generate.Options),
                };
            default:
                throw new ArgumentOutOfRangeException(nameof(step), step.Request.Kind, "a cut is no provider job");
        }
    }

    /// <summary>
    /// The seed a step sends: its <c>options.seed</c>, else one derived from its key when the provider takes seeds. A final
    /// render of a picked take (<c>takes: picked</c>) derives it from the take's key, so it asks for the picked take's seed;
    /// a re-roll of the final (<c>--force</c>) gets its own.
    /// </summary>
    public long? SeedFor(PlannedStep step) =>
        step.Request is not ClipStep clip || clip.Options.Any(o => capabilities.FindOption(o.Name)?.DropsSeed == true) ? null
        : clip.SeedOption ?? (capabilities.Supports(clip.Model, ModelFeatures.Seed) ? StepKeys.Seed(clip.Draft is { } draft && step.Roll == 0 ? draft.Key : step.Key) : null);

    private string? OutputPath(StepResult result) => result.Output is { } sha ? store.PathOf(sha) : null;
}
