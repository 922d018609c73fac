using System.Reflection;
using System.Reflection.Emit;

namespace Reel.Engine.Tests.Architecture;

/// <summary>
/// Which of the engine's stage namespaces uses which, read from the compiled assembly: type signatures
/// (base types, fields, properties, parameters, generic arguments) and every type, field and method
/// token in every method body, compiler-generated closures and state machines included. A namespace
/// below <c>Reel.Engine.X</c> counts as <c>X</c>.
/// </summary>
internal static class NamespaceGraph
{
    private static readonly Dictionary<short, OperandType> Operands = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value, o => o.OperandType);

    /// <summary>Edges "from uses to", each with one example: the using type and the used type.</summary>
    public static Dictionary<(string From, string To), string> Edges(Assembly assembly)
    {
        var edges = new Dictionary<(string, string), string>();
        foreach (var type in assembly.GetTypes())
        {
            if (Stage(type) is not { } from)
            {
                continue;
            }

            foreach (var used in UsedTypes(type))
            {
                if (Stage(used) is { } to && to != from && used.Assembly == assembly)
                {
                    edges.TryAdd((from, to), $"{type.FullName} uses {used.FullName}");
                }
            }
        }

        return edges;
    }

    /// <summary>Every cycle among the stages (strongly connected components of more than one stage).</summary>
    public static List<List<string>> Cycles(IEnumerable<(string From, string To)> edges)
    {
        var graph = edges.GroupBy(e => e.From).ToDictionary(g => g.Key, g => g.Select(e => e.To).ToList());
        var index = new Dictionary<string, int>();
        var low = new Dictionary<string, int>();
        var stack = new Stack<string>();
        var cycles = new List<List<string>>();
        var counter = 0;

        void Visit(string v)
        {
            index[v] = low[v] = counter++;
            stack.Push(v);
            foreach (var w in graph.GetValueOrDefault(v) ?? [])
            {
                if (!index.ContainsKey(w))
                {
                    Visit(w);
                    low[v] = Math.Min(low[v], low[w]);
                }
                else if (stack.Contains(w))
                {
                    low[v] = Math.Min(low[v], index[w]);
                }
            }

            if (low[v] == index[v])
            {
                var component = new List<string>();
                string w;
                do
                {
                    w = stack.Pop();
                    component.Add(w);
                }
                while (w != v);
                if (component.Count > 1)
                {
                    cycles.Add([.. component.Order(StringComparer.Ordinal)]);
                }
            }
        }

        foreach (var v in graph.Keys.Order(StringComparer.Ordinal))
        {
            if (!index.ContainsKey(v))
            {
                Visit(v);
            }
        }

        return cycles;
    }

    /// <summary>The stage a type belongs to: the part after <c>Reel.Engine.</c>, or null outside the stages.</summary>
    public static string? Stage(Type type)
    {
        var root = type;
        while (root.IsNested)
        {
            root = root.DeclaringType!;
        }

        var ns = root.Namespace;
        if (ns is null || !ns.StartsWith("Reel.Engine.", StringComparison.Ordinal))
        {
            return null;
        }

        var rest = ns["Reel.Engine.".Length..];
        var dot = rest.IndexOf('.', StringComparison.Ordinal);
        return dot < 0 ? rest : rest[..dot];
    }

    private static IEnumerable<Type> UsedTypes(Type type)
    {
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        var found = new HashSet<Type>();
        void Add(Type? t)
        {
            if (t is null || !found.Add(t))
            {
                return;
            }

            if (t.HasElementType)
            {
                Add(t.GetElementType());
            }

            if (t.IsGenericType)
            {
                foreach (var a in t.GetGenericArguments())
                {
                    Add(a);
                }
            }
        }

        Add(type.BaseType);
        foreach (var i in type.GetInterfaces())
        {
            Add(i);
        }

        foreach (var f in type.GetFields(all))
        {
            Add(f.FieldType);
        }

        foreach (var p in type.GetProperties(all))
        {
            Add(p.PropertyType);
        }

        foreach (var e in type.GetEvents(all))
        {
            Add(e.EventHandlerType);
        }

        foreach (var m in type.GetMethods(all).Cast<MethodBase>().Concat(type.GetConstructors(all)))
        {
            if (m is MethodInfo mi)
            {
                Add(mi.ReturnType);
            }

            foreach (var p in m.GetParameters())
            {
                Add(p.ParameterType);
            }

            foreach (var used in BodyTypes(m))
            {
                Add(used);
            }
        }

        return found;
    }

    /// <summary>The types named by the type, field and method tokens of a method body.</summary>
    private static IEnumerable<Type> BodyTypes(MethodBase method)
    {
        var il = method.GetMethodBody()?.GetILAsByteArray();
        if (il is null)
        {
            yield break;
        }

        var typeArgs = method.DeclaringType is { IsGenericType: true } d ? d.GetGenericArguments() : null;
        var methodArgs = method.IsGenericMethod ? method.GetGenericArguments() : null;
        for (var i = 0; i < il.Length;)
        {
            short code = il[i++];
            if (code == 0xFE)
            {
                code = unchecked((short)(0xFE00 | il[i++]));
            }

            var operand = Operands.TryGetValue(code, out var o) ? o : OperandType.InlineNone;
            var size = operand switch
            {
                OperandType.InlineNone => 0,
                OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
                OperandType.InlineVar => 2,
                OperandType.InlineI8 or OperandType.InlineR => 8,
                OperandType.InlineSwitch => 4 + (4 * BitConverter.ToInt32(il, i)),
                _ => 4,
            };
            if (operand is OperandType.InlineField or OperandType.InlineMethod or OperandType.InlineTok or OperandType.InlineType)
            {
                var token = BitConverter.ToInt32(il, i);
                MemberInfo? member = null;
                try
                {
                    member = method.Module.ResolveMember(token, typeArgs, methodArgs);
                }
                catch (ArgumentException)
                {
                }

                if (member is Type t)
                {
                    yield return t;
                }
                else if (member?.DeclaringType is { } owner)
                {
                    yield return owner;
                    if (member is FieldInfo f)
                    {
                        yield return f.FieldType;
                    }
                    else if (member is MethodInfo m)
                    {
                        yield return m.ReturnType;
                    }
                }
            }

            i += size;
        }
    }
}
