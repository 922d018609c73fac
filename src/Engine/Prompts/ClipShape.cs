using Reel.Engine.Core;

namespace Reel.Engine.Prompts;

/// <summary>The model, size and seconds of a new clip.</summary>
/// <remarks>A class, not a tuple: ValueTuple over <see cref="VideoSize"/> is JIT-compiled on every cold start.</remarks>
internal sealed record ClipShape(string Model, VideoSize Size, int Seconds);
