using System.Collections.Immutable;
using Reel.Engine.Core;

namespace Reel.Engine.Scripts;

/// <summary>The binder's profiles: which one is in force, what it sets, and where its takes are picked from.</summary>
public static partial class ScriptBinder
{
    private sealed partial class Binder
    {
        /// <summary>
        /// The profiles listed and the one in force: the one asked for (<c>--profile</c>, <c>REEL_PROFILE</c>), else the
        /// first listed. Asking for one the script does not list is reported with the names it does.
        /// </summary>
        private ChosenProfile ChooseProfile(YMapping root)
        {
            var profiles = root.Find("profiles");
            var entries = profiles?.Value is YMapping m ? m.Entries : [];
            ImmutableArray<string> names = [.. entries.Select(e => e.Key.Value)];
            if (options.Profile is { } asked && !(names.IsEmpty && options.ProfileFromEnvironment))
            {
                var chosen = entries.FirstOrDefault(e => e.Key.Value == asked);
                if (chosen?.Value is YMapping node)
                {
                    return new(names, node, asked);
                }

                var location = profiles?.Key.Location ?? new SourceLocation(file.DisplayName, 1, 1);
                diagnostics.Report(
                    DiagnosticCodes.UnknownProfile,
                    names.IsEmpty
                        ? $"unknown profile '{asked}': the script has no 'profiles:'; drop --profile (and REEL_PROFILE), or add the profile"
                        : $"unknown profile '{asked}' (the script's profiles: {string.Join(", ", names)}){Suggestions.DidYouMean(asked, names)}",
                    location);

                // The first profile still applies, so the rest of the script is checked as it would run, without knock-on errors.
            }

            return entries.FirstOrDefault() is { Value: YMapping first } e0 ? new ChosenProfile(names, first, e0.Key.Value) : new ChosenProfile(names, null, null);
        }

        /// <summary>The profile in force; its options are bound for the provider it runs on (<see cref="_options"/>).</summary>
        private ProfileDecl BindProfile(string name, YMapping node)
        {
            var takesNode = node["takes"] as YScalar;
            var picked = takesNode?.Value == "picked";
            var carryNode = node["carry"] as YScalar;
            return new ProfileDecl(
                name,
                (node["provider"] as YScalar)?.Value,
                Settings(node),
                takesNode is null || picked ? null : Integer(takesNode),
                picked,
                carryNode?.Value == "first-frame",
                node.Location) { CarryLocation = carryNode?.Location ?? SourceLocation.None };
        }

        /// <summary>
        /// With <c>takes: picked</c>, the profile whose takes are picked from: the first listed without it. <c>carry</c>
        /// needs <c>takes: picked</c>, since it carries the picked take's first frame.
        /// </summary>
        private string? PicksFrom(YMapping root, ProfileDecl profile, YMapping node)
        {
            if (profile.CarryFirstFrame && !profile.TakesPicked)
            {
                diagnostics.Report(DiagnosticCodes.NothingToPickFrom, $"profile '{profile.Name}' carries the first frame of the picked take, but renders its own takes; add 'takes: picked' to it", profile.CarryLocation);
            }

            if (!profile.TakesPicked)
            {
                return null;
            }

            var source = ((YMapping)root["profiles"]!).Entries
                .FirstOrDefault(e => e.Value is YMapping p && (p["takes"] as YScalar)?.Value != "picked");
            if (source is null)
            {
                diagnostics.Report(DiagnosticCodes.NothingToPickFrom, $"profile '{profile.Name}' says 'takes: picked' but no profile renders the takes to pick from; list one without it, e.g. 'draft: {{ takes: 3 }}'", node["takes"]!.Location);
                return null;
            }

            // The steps have the takes they have there, so that 'open#2' and a pick mean the same take in both profiles.
            _sourceTakes = ((YMapping)source.Value)["takes"] is YScalar takes ? Integer(takes) : null;
            return source.Key.Value;
        }

        /// <summary>
        /// A step's settings under the profile in force: the profile's model, size and options win where it sets them.
        /// An extension keeps its source's model and size (so only options), and an edit has no size.
        /// </summary>
        private StepSettings Overlay(StepSettings own, bool model, bool size)
        {
            if (_profile is null)
            {
                return own;
            }

            var p = _profile.Settings;
            var overlay = new StepSettings(
                model ? p.Model : null,
                size ? p.Size : null,
                null,
                model ? p.ModelLocation : SourceLocation.None,
                size ? p.SizeLocation : SourceLocation.None,
                SourceLocation.None) { Options = p.Options };
            return overlay.InheritFrom(own);
        }
    }
}
