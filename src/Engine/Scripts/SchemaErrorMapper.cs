using System.Collections.Immutable;
using System.Globalization;
using Newtonsoft.Json.Linq;
using NJsonSchema;
using NJsonSchema.Validation;
using Reel.Engine.Core;

namespace Reel.Engine.Scripts;

/// <summary>
/// Turns NJsonSchema's validation errors into diagnostics a person understands: placed at
/// the YAML node, naming the key and the scene/character it belongs to, one per node.
/// </summary>
internal sealed class SchemaErrorMapper(SchemaJson json, SourceFile file, bool isInclude)
{
    private readonly SchemaWording _words = new(json, isInclude);

    // First finding per node wins; missing keys of one mapping are merged into one finding.
    private readonly Dictionary<YNode, Finding> _findings = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<YNode, List<string>> _missing = new(ReferenceEqualityComparer.Instance);
    private int _order;

    public void Add(ValidationError error)
    {
        switch (error)
        {
            case ChildSchemaValidationError child when error.Kind is ValidationErrorKind.NotAnyOf or ValidationErrorKind.NotOneOf:
                var best = BestBranch(child);
                if (best is null)
                {
                    Map(error);
                    break;
                }

                foreach (var e in best)
                {
                    Add(e);
                }

                break;
            case ChildSchemaValidationError child:
                // Array items and additional properties: the wrapper only says "something inside failed".
                foreach (var e in child.Errors.Values.SelectMany(v => v))
                {
                    Add(e);
                }

                break;
            default:
                Map(error);
                break;
        }
    }

    public ImmutableArray<Diagnostic> Build()
    {
        var list = new List<(Finding Finding, Diagnostic Diagnostic)>();
        foreach (var (node, finding) in _findings)
        {
            var diagnostic = finding.Diagnostic;
            if (_missing.TryGetValue(node, out var keys) && finding.Descriptor == DiagnosticCodes.MissingKey)
            {
                diagnostic = diagnostic with { Message = _words.MissingMessage(finding.Owner!, keys) };
            }

            list.Add((finding, diagnostic));
        }

        return [.. list
            .OrderBy(x => x.Diagnostic.Location.Line)
            .ThenBy(x => x.Diagnostic.Location.Column)
            .ThenBy(x => x.Finding.Order)
            .Select(x => x.Diagnostic)];
    }

    /// <summary>For a failed anyOf/oneOf, the branch that came closest: fewest errors, preferring branches of the right type.</summary>
    private static ICollection<ValidationError>? BestBranch(ChildSchemaValidationError child)
    {
        ICollection<ValidationError>? best = null;
        var bestScore = int.MaxValue;
        foreach (var branch in child.Errors.Values)
        {
            if (branch.Count == 0)
            {
                continue;
            }

            var typeMismatch = branch.Any(e => ReferenceEquals(e.Token, child.Token) && IsTypeError(e.Kind));
            var score = (typeMismatch ? 1000 : 0) + branch.Count;
            if (score < bestScore)
            {
                best = branch;
                bestScore = score;
            }
        }

        return best;
    }

    private static bool IsTypeError(ValidationErrorKind kind) => kind is ValidationErrorKind.StringExpected
        or ValidationErrorKind.NumberExpected or ValidationErrorKind.IntegerExpected or ValidationErrorKind.BooleanExpected
        or ValidationErrorKind.ObjectExpected or ValidationErrorKind.ArrayExpected or ValidationErrorKind.NullExpected
        or ValidationErrorKind.NoTypeValidates;

    private void Map(ValidationError error)
    {
        var token = error.Token ?? json.Resolve(error.Path) ?? json.Root;
        var schema = error.Schema?.ActualSchema;
        switch (error.Kind)
        {
            case ValidationErrorKind.NoAdditionalPropertiesAllowed:
                UnknownKey(error, token, schema);
                return;
            case ValidationErrorKind.PropertyRequired:
                Missing(token, error.Property ?? "?");
                return;
        }

        var value = token is JProperty p ? p.Value : token;
        if (error.Kind == ValidationErrorKind.NotInEnumeration && IsRootReel(value))
        {
            Report(value, DiagnosticCodes.NotAllowed, $"unsupported script format 'reel: {_words.Raw(value)}'; this version of Reel reads 'reel: 1'");
            return;
        }

        var subject = SchemaWording.Subject(value) + _words.Context(value);
        switch (error.Kind)
        {
            case ValidationErrorKind.StringExpected:
            case ValidationErrorKind.NumberExpected:
            case ValidationErrorKind.IntegerExpected:
            case ValidationErrorKind.BooleanExpected:
            case ValidationErrorKind.ObjectExpected:
            case ValidationErrorKind.ArrayExpected:
            case ValidationErrorKind.NullExpected:
                Report(value, DiagnosticCodes.WrongType, _words.TypeMessage(value, subject, SchemaWording.Expected(error.Kind) + SchemaWording.Shape(error.Kind, schema, (value.Parent as JProperty)?.Name)));
                break;
            case ValidationErrorKind.NoTypeValidates when error is MultiTypeValidationError multi:
                var expected = multi.Errors.Keys.OrderBy(SchemaWording.TypeOrder).Select(k => SchemaWording.Expected(k)).ToList();
                Report(value, DiagnosticCodes.WrongType, _words.TypeMessage(value, subject, SchemaWording.JoinOr(expected.Select((e, i) => i == 0 ? e : SchemaWording.StripArticle(e)))));
                break;
            case ValidationErrorKind.NotInEnumeration:
                var allowed = schema?.Enumeration.Select(v => Convert.ToString(v, CultureInfo.InvariantCulture) ?? "null").ToList() ?? [];
                var got = _words.Raw(value);
                var close = Suggestions.Closest(got, allowed);
                Report(value, DiagnosticCodes.NotAllowed, $"{subject} must be one of: {string.Join(", ", allowed)} (got '{got}'{(close is null ? "" : $"; did you mean '{close}'?")})");
                break;
            case ValidationErrorKind.PatternMismatch:
                Report(value, DiagnosticCodes.NotAllowed, _words.PatternMessage(value, schema));
                break;
            case ValidationErrorKind.NumberTooSmall:
            case ValidationErrorKind.NumberTooBig:
            case ValidationErrorKind.IntegerTooBig:
                Report(value, DiagnosticCodes.OutOfRange, $"{subject} must be {SchemaWording.Range(schema?.Minimum, schema?.Maximum)} (got {_words.Raw(value)})");
                break;
            case ValidationErrorKind.TooFewItems:
            case ValidationErrorKind.TooManyItems:
                Report(value, DiagnosticCodes.OutOfRange, SchemaWording.CountMessage(subject, schema?.MinItems ?? 0, schema?.MaxItems ?? 0, ((JArray)value).Count, "item"));
                break;
            case ValidationErrorKind.StringTooShort:
            case ValidationErrorKind.StringTooLong:
                Report(value, DiagnosticCodes.OutOfRange, SchemaWording.CountMessage(subject, schema?.MinLength ?? 0, schema?.MaxLength ?? 0, value.ToString().Length, "character"));
                break;
            case ValidationErrorKind.TooFewProperties:
            case ValidationErrorKind.TooManyProperties:
                Report(value, DiagnosticCodes.OutOfRange, SchemaWording.CountMessage(subject, schema?.MinProperties ?? 0, schema?.MaxProperties ?? 0, ((JObject)value).Count, "key"));
                break;
            case ValidationErrorKind.ItemsNotUnique:
                var (duplicate, dupValue) = FirstDuplicate(value);
                Report(duplicate ?? value, DiagnosticCodes.OtherSchemaViolation, dupValue is null
                    ? $"{subject} must not repeat a value"
                    : $"{subject} lists '{dupValue}' more than once");
                break;
            default:
                Report(value, DiagnosticCodes.OtherSchemaViolation, $"{subject} is not valid here ({SchemaWording.Humanize(error.Kind)})");
                break;
        }
    }

    private void UnknownKey(ValidationError error, JToken token, JsonSchema? schema)
    {
        var property = token as JProperty ?? token.Parent as JProperty;
        var name = property?.Name ?? error.Property ?? "?";
        var owner = property?.Parent as JObject;
        var keyNode = property is null ? null : json.KeyOf(property);

        if (schema is not null && schema.PatternProperties.Count > 0)
        {
            // Keyed maps (characters, matrix axes): the key itself is a name with a format.
            var what = property?.Parent?.Parent is JProperty { Name: "matrix" } ? "matrix axis name" : "character id";
            var rule = what == "character id"
                ? "ids are lower-case letters, digits and '-', starting with a letter or digit"
                : "axis names are lower-case letters, digits and '_', starting with a letter or '_'";
            ReportAt(keyNode, token, DiagnosticCodes.NotAllowed, $"invalid {what} '{name}'{(owner is null ? "" : _words.Context(owner))}: {rule}{SchemaWording.LowerCaseHint(name, what == "character id" ? SchemaWording.IdPattern : SchemaWording.AxisPattern)}");
            return;
        }

        if (isInclude && owner is not null && ReferenceEquals(owner, json.Root) && SchemaResource.Script.ActualProperties.ContainsKey(name))
        {
            ReportAt(keyNode, token, DiagnosticCodes.UnknownKey, $"'{name}' is not allowed in an included file; included files may only contain characters, vars and templates");
            return;
        }

        var candidates = schema?.ActualProperties.Keys.ToList() ?? [];
        var where = owner is null || ReferenceEquals(owner, json.Root) ? "" : " in " + _words.Noun(owner);
        var hint = SchemaWording.Synonym(name, candidates) ?? Suggestions.DidYouMean(name, candidates);
        ReportAt(keyNode, token, DiagnosticCodes.UnknownKey, $"unknown key '{name}'{where}{hint}");
    }

    private void Missing(JToken token, string key)
    {
        var obj = token as JObject ?? (token as JProperty)?.Parent as JObject ?? token.Parent as JObject;
        if (obj is null)
        {
            Report(token, DiagnosticCodes.MissingKey, $"missing required key '{key}'");
            return;
        }

        var node = json.NodeOf(obj);
        if (node is not null)
        {
            if (!_missing.TryGetValue(node, out var keys))
            {
                _missing[node] = keys = [];
            }

            if (!keys.Contains(key, StringComparer.Ordinal))
            {
                keys.Add(key);
            }
        }

        Report(obj, DiagnosticCodes.MissingKey, _words.MissingMessage(obj, [key]), obj);
    }

    private static (JToken? Token, string? Value) FirstDuplicate(JToken value)
    {
        if (value is not JArray arr)
        {
            return (null, null);
        }

        for (var i = 1; i < arr.Count; i++)
        {
            for (var j = 0; j < i; j++)
            {
                if (JToken.DeepEquals(arr[i], arr[j]))
                {
                    return (arr[i], arr[i].ToString(Newtonsoft.Json.Formatting.None).Trim('"'));
                }
            }
        }

        return (null, null);
    }

    private bool IsRootReel(JToken value) =>
        value.Parent is JProperty { Name: "reel" } p && ReferenceEquals(p.Parent, json.Root);


    private void Report(JToken token, DiagnosticDescriptor descriptor, string message, JObject? owner = null) =>
        ReportAt(null, token, descriptor, message, owner);

    private void ReportAt(YNode? at, JToken token, DiagnosticDescriptor descriptor, string message, JObject? owner = null)
    {
        var node = at ?? json.NodeOf(token) ?? json.NodeOf(json.Root);
        if (node is YScalar { IsNull: true, Value: "" } && token.Parent is JProperty p && json.KeyOf(p) is { } key)
        {
            // An empty value has no text of its own; its key is what the caret should point at.
            node = key;
        }

        if (node is null || _findings.ContainsKey(node))
        {
            return;
        }

        var location = node.Location.IsKnown ? node.Location : new SourceLocation(file.DisplayName, 1, 1);
        _findings[node] = new Finding(descriptor, Diagnostic.Create(descriptor, message, location), owner, _order++);
    }

    private sealed record Finding(DiagnosticDescriptor Descriptor, Diagnostic Diagnostic, JObject? Owner, int Order);
}
