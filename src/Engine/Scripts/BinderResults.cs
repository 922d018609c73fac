using System.Collections.Immutable;
using Reel.Engine.Core;

namespace Reel.Engine.Scripts;

// Classes, not tuples: a ValueTuple holding an ImmutableArray or a SourceLocation is a value-type instantiation that
// ReadyToRun cannot precompile, so the JIT compiled it on every cold start.

/// <summary>The profiles a script lists, and the one in force (its node and name; null without profiles).</summary>
internal sealed record ChosenProfile(ImmutableArray<string> Names, YMapping? Node, string? Name);

/// <summary>A step's number of takes and the take it picks (with where the pick is written).</summary>
internal sealed record TakesPick(int Takes, int Pick, SourceLocation PickLocation);
