namespace Reel.Engine.Core;

/// <summary>
/// The id of one concrete step: a scene, continuation, edit or cut id, with its matrix cell
/// (<c>pour[light=dawn]</c>) and take (<c>open#2</c>), or <c>@mira</c> for a character's registration.
/// Built from its parts, never parsed back: <see cref="Source"/>, <see cref="Take"/> and
/// <see cref="CharacterId"/> say what the text encodes.
/// </summary>
/// <remarks>
/// A class, not a struct: the dictionaries, sets and queries keyed by step then share the framework's precompiled code
/// for reference types, where a struct key made every cold process JIT-compile its own copies (about 90 methods of a
/// no-op <c>reel run</c>).
/// </remarks>
public sealed record StepId
{
    private StepId(string text, string source, int take, bool isCharacter)
    {
        Text = text;
        Source = source;
        Take = take;
        IsCharacter = isCharacter;
    }

    /// <summary>The id as written in plans, locks, reports and on the command line.</summary>
    public string Text { get; }

    /// <summary>The id of the script entry the step comes from (scene, continuation, edit, cut or character).</summary>
    public string Source { get; }

    /// <summary>The take, 1-based; 0 when the step has a single take.</summary>
    public int Take { get; }

    /// <summary>True for the registration of a character with the provider.</summary>
    public bool IsCharacter { get; }

    /// <summary>The character's id, for a character registration.</summary>
    public string? CharacterId => IsCharacter ? Source : null;

    /// <summary>The registration step of character <paramref name="characterId"/>: <c>@mira</c>.</summary>
    public static StepId Character(string characterId) => new("@" + characterId, characterId, 0, isCharacter: true);

    /// <summary>A step with neither matrix nor takes (a cut, or a plain scene).</summary>
    public static StepId Plain(string id) => new(id, id, 0, isCharacter: false);

    /// <summary>One cell of a matrix (<c>pour[light=dawn,lens=35mm]</c>), and one take of it when there are several (<c>…#2</c>).</summary>
    public static StepId Of(string source, IReadOnlyList<KeyValuePair<string, string>> matrix, int take, int takes)
    {
        var variant = matrix.Count == 0 ? source : $"{source}[{string.Join(',', matrix.Select(kv => $"{kv.Key}={kv.Value}"))}]";
        return takes > 1 ? new StepId($"{variant}#{take}", source, take, isCharacter: false) : new StepId(variant, source, 0, isCharacter: false);
    }

    /// <summary>A file-system friendly form of the id for <c>out/shots/</c>.</summary>
    /// <remarks>
    /// Characters get a leading '_' because no step id can start with one, so '@mira' never meets a
    /// scene called 'character-mira'. Matrix values are free text: anything that is not safe in a
    /// file name on every OS ('/', ':', '*', blanks, …) becomes '-'.
    /// </remarks>
    public string FileName
    {
        get
        {
            // One pass: '[' → '_', ']' dropped, '=' → '-', ',' → '_', '#' → "_take", '@' → "_character-", other unsafe characters → '-'.
            var name = new System.Text.StringBuilder(Text.Length + 16);
            foreach (var c in Text)
            {
                switch (c)
                {
                    case '[' or ',':
                        name.Append('_');
                        break;
                    case ']':
                        break;
                    case '#':
                        name.Append("_take");
                        break;
                    case '@':
                        name.Append("_character-");
                        break;
                    default:
                        name.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '-');
                        break;
                }
            }

            return name.ToString();
        }
    }

    public bool Equals(StepId? other) => other is not null && string.Equals(Text, other.Text, StringComparison.Ordinal);

    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Text);

    public override string ToString() => Text;

    /// <summary>Plans, locks, reports and JSON speak of steps by their text.</summary>
    public static implicit operator string(StepId id) => id.Text;
}
