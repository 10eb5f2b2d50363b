using Strata.Tensors;
using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json.Nodes;
using Strata.Autodiff;

namespace Strata.Layers;

/// <summary>
/// Writes a <see cref="LayerConfig"/> as a Keras config object and reads it back, property by
/// property: numbers, booleans, strings, enums (as Keras's snake_case strings), shapes (null for an
/// axis taken from the input), activations, and any type with a Keras form of its own (initializers,
/// regularizers, constraints: an instance <c>ToConfig()</c> and a static <c>FromConfig(JsonNode?, string)</c>).
/// </summary>
public static class KerasConfig
{
    private sealed record Entry(PropertyInfo Property, string Key, IReadOnlyList<string> Aliases, ListForm Form, Entry[]? Part);

    // How an integer list is spelled: as it is, one integer when it holds one, always a list, or a shape with null for -1.
    private enum ListForm { Plain, IntOrList, Tuple, Shape }

    private static readonly ConcurrentDictionary<(Type, string), Entry[]> Entries = new();

    /// <summary>The Keras spelling of a C# name: UseBias → use_bias.</summary>
    public static string SnakeCase(string name)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < name.Length; i++)
        {
            char c = name[i];
            if (char.IsUpper(c) && i > 0 && (char.IsLower(name[i - 1]) || char.IsDigit(name[i - 1]))) sb.Append('_');
            sb.Append(char.ToLowerInvariant(c));
        }
        return sb.ToString();
    }

    /// <summary>Every key <paramref name="configType"/> reads and writes, in order.</summary>
    public static IEnumerable<string> Keys(Type configType) => Flatten(EntriesOf(configType, "")).Select(e => e.Key);

    private static IEnumerable<Entry> Flatten(IEnumerable<Entry> entries) =>
        entries.SelectMany(e => e.Part is null ? [e] : Flatten(e.Part));

    /// <summary>Writes the arguments of <paramref name="config"/> (all but its name) into <paramref name="into"/>.</summary>
    public static void Write(object config, JsonObject into)
    {
        foreach (var entry in EntriesOf(config.GetType(), ""))
        {
            object? value = entry.Property.GetValue(config);
            if (entry.Part is not null)
            {
                if (value is not null) Write(value, into, entry.Part);
                continue;
            }
            into[entry.Key] = ToJson(value, entry);
        }
        foreach (var constant in config.GetType().GetCustomAttributes<KerasConstantAttribute>())
            into[constant.Key] = ToJson(constant.Value, null);
    }

    private static void Write(object part, JsonObject into, Entry[] entries)
    {
        foreach (var entry in entries)
        {
            object? value = entry.Property.GetValue(part);
            if (entry.Part is not null) { if (value is not null) Write(value, into, entry.Part); }
            else into[entry.Key] = ToJson(value, entry);
        }
    }

    /// <summary>
    /// Reads a config of type <paramref name="configType"/>: each key present replaces the record's
    /// default, a required key that is missing is an error naming it, and the Keras arguments Strata
    /// does not implement are accepted only with their neutral value.
    /// </summary>
    public static LayerConfig Read(Type configType, ConfigReader reader)
    {
        foreach (var unsupported in configType.GetCustomAttributes<KerasUnsupportedAttribute>())
            foreach (string key in unsupported.Keys) reader.Unsupported(key);
        foreach (var constant in configType.GetCustomAttributes<KerasConstantAttribute>())
            reader.Unsupported(constant.Key);
        var config = (LayerConfig)Activator.CreateInstance(configType)!;
        Read(config, EntriesOf(configType, ""), reader);
        return config with { Name = reader.Name };
    }

    private static void Read(object target, Entry[] entries, ConfigReader reader)
    {
        foreach (var entry in entries)
        {
            if (entry.Part is not null)
            {
                // A part is a record: change a copy of its default, then put the copy in place.
                object part = Clone(entry.Property.GetValue(target)!);
                Read(part, entry.Part, reader);
                entry.Property.SetValue(target, part);
                continue;
            }
            string? key = reader.Has(entry.Key) ? entry.Key : entry.Aliases.FirstOrDefault(reader.Has);
            if (key is null)
            {
                if (IsRequired(entry.Property))
                    throw new StrataException($"{reader.ClassName} layer '{reader.Name}' needs '{entry.Key}'.");
                continue;
            }
            entry.Property.SetValue(target, FromJson(entry, key, reader));
        }
    }

    private static object Clone(object record) =>
        record.GetType().GetMethod("<Clone>$")!.Invoke(record, null)!;

    private static bool IsRequired(PropertyInfo property) => property.IsDefined(typeof(RequiredMemberAttribute));

    private static Entry[] EntriesOf(Type type, string prefix) => Entries.GetOrAdd((type, prefix), k => Build(k.Item1, k.Item2));

    private static Entry[] Build(Type type, string prefix)
    {
        // Declaration order, the most derived type's properties first, as Keras writes a subclass's arguments.
        var chain = new List<Type>();
        for (var t = type; t is not null && t != typeof(object) && t != typeof(LayerConfig) && t != typeof(ConfigPart); t = t.BaseType) chain.Add(t);
        var entries = new List<Entry>();
        foreach (var t in chain)
        {
            foreach (var p in t.GetProperties(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly).OrderBy(p => p.MetadataToken))
            {
                if (p.GetIndexParameters().Length > 0 || p.SetMethod is null || !p.SetMethod.IsPublic) continue;
                string name = p.GetCustomAttribute<KerasNameAttribute>()?.Name ?? SnakeCase(p.Name);
                if (typeof(ConfigPart).IsAssignableFrom(p.PropertyType))
                {
                    string partPrefix = p.PropertyType.IsDefined(typeof(KerasPrefixedAttribute)) ? prefix + name + "_" : prefix;
                    entries.Add(new Entry(p, name, [], ListForm.Plain, Build(p.PropertyType, partPrefix)));
                    continue;
                }
                var aliases = p.GetCustomAttribute<KerasAliasAttribute>()?.Aliases ?? [];
                entries.Add(new Entry(p, prefix + name, aliases.Select(a => prefix + a).ToArray(), FormOf(p), null));
            }
        }
        return [.. entries];
    }

    private static ListForm FormOf(PropertyInfo p) =>
        p.IsDefined(typeof(KerasIntOrListAttribute)) ? ListForm.IntOrList
        : p.IsDefined(typeof(KerasTupleAttribute)) ? ListForm.Tuple
        : p.IsDefined(typeof(KerasShapeAttribute)) ? ListForm.Shape : ListForm.Plain;

    private static JsonNode? ToJson(object? value, Entry? entry)
    {
        switch (value)
        {
            case null: return null;
            case IReadOnlyList<int> list when entry is { Form: ListForm.IntOrList } && list.Count == 1: return JsonValue.Create(list[0]);
            case IReadOnlyList<int> list:
                var array = new JsonArray();
                foreach (int d in list) array.Add(d < 0 && entry is { Form: ListForm.Shape } ? null : JsonValue.Create(d));
                return array;
            case IReadOnlyList<float> floats: return new JsonArray([.. floats.Select(f => JsonValue.Create(f))]);
            case ActivationFunction f: return Activations.Name(f);
            case Enum e: return EnumName(e);
            case bool b: return JsonValue.Create(b);
            case int i: return JsonValue.Create(i);
            case double d: return JsonValue.Create(d);
            case string s: return JsonValue.Create(s);
        }
        var toConfig = value.GetType().GetMethod("ToConfig", BindingFlags.Public | BindingFlags.Instance, Type.EmptyTypes)
            ?? throw new InvalidOperationException($"Config property {entry?.Property.DeclaringType?.Name}.{entry?.Property.Name} has a type ({value.GetType().Name}) without a Keras form.");
        return (JsonNode?)toConfig.Invoke(value, null);
    }

    private static object? FromJson(Entry entry, string key, ConfigReader reader)
    {
        var type = Nullable.GetUnderlyingType(entry.Property.PropertyType) ?? entry.Property.PropertyType;
        if (reader.Raw(key) is null) return null;
        if (type == typeof(int)) return reader.Int(key, 0);
        if (type == typeof(double)) return reader.Double(key, 0);
        if (type == typeof(bool)) return reader.Bool(key, false);
        if (type == typeof(string)) return reader.String(key, null);
        if (type == typeof(int[]) || type == typeof(IReadOnlyList<int>))
            return entry.Form is ListForm.IntOrList or ListForm.Tuple && reader.Raw(key) is not JsonArray ? [reader.Int(key, 0)] : reader.Shape(key);
        if (type == typeof(IReadOnlyList<float>)) return reader.Floats(key);
        if (type == typeof(ActivationFunction)) return Activations.Parse(reader.String(key, null), reader.Name ?? reader.ClassName);
        if (type.IsEnum) return ParseEnum(type, reader.String(key, null)!, reader.Where(key));
        var fromConfig = type.GetMethod("FromConfig", BindingFlags.Public | BindingFlags.Static, [typeof(JsonNode), typeof(string)])
            ?? throw new InvalidOperationException($"Config property {entry.Property.DeclaringType?.Name}.{entry.Property.Name} has a type ({type.Name}) without a Keras form.");
        try
        {
            return fromConfig.Invoke(null, [reader.Raw(key), reader.Where(key)]);
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerException);
            throw;
        }
    }

    /// <summary>The Keras string of an enum value: its <see cref="KerasNameAttribute"/>, else its snake_case name.</summary>
    public static string EnumName(Enum value)
    {
        string name = value.ToString();
        var field = value.GetType().GetField(name);
        return field?.GetCustomAttribute<KerasNameAttribute>()?.Name ?? SnakeCase(name);
    }

    /// <summary>The enum value whose Keras string is <paramref name="text"/>; an error listing the accepted strings otherwise.</summary>
    public static object ParseEnum(Type enumType, string text, string where) =>
        Find(enumType, text) ?? throw new StrataException(Mismatch(enumType, text, where));

    /// <summary>The enum value whose Keras string is <paramref name="text"/>.</summary>
    public static TEnum ParseEnum<TEnum>(string text, string where) where TEnum : struct, Enum => (TEnum)ParseEnum(typeof(TEnum), text, where);

    /// <summary>
    /// The enum value whose Keras string is <paramref name="text"/>, for an argument given in code
    /// (padding: "same"): an <see cref="ArgumentException"/> naming <paramref name="argument"/> otherwise.
    /// </summary>
    public static TEnum ParseArgument<TEnum>(string text, string argument) where TEnum : struct, Enum =>
        Find(typeof(TEnum), text) is TEnum value ? value : throw new ArgumentException(Mismatch(typeof(TEnum), text, $"argument '{argument}'"), argument);

    private static object? Find(Type enumType, string text) =>
        Enum.GetValues(enumType).Cast<Enum>().FirstOrDefault(v => EnumName(v) == text);

    private static string Mismatch(Type enumType, string text, string where)
    {
        var names = Enum.GetValues(enumType).Cast<Enum>().Select(EnumName).ToList();
        return $"Expected one of {string.Join(", ", names.Select(n => $"\"{n}\""))} for {where}{NameSuggestion.DidYouMean(text, names)}. Received: \"{text}\"";
    }
}
