namespace Strata.Layers;

/// <summary>
/// A layer's arguments: one record per layer class that is at once the constructor's input, what
/// <see cref="Layer.GetConfig"/> writes and what loading reads. Every public property is a Keras
/// config key (its snake_case name unless <see cref="KerasNameAttribute"/> says otherwise), so an
/// argument, its default and its check are written once.
/// </summary>
public abstract record LayerConfig
{
    /// <summary>The layer's name; null lets the model pick a Keras-style one (dense, dense_1, ...).</summary>
    public string? Name { get; init; }

    /// <summary>
    /// Checks the arguments, throwing an <see cref="ArgumentException"/> that names the bad one with
    /// Keras's wording; the layer's constructor calls it, so a layer built in code and one read from a
    /// file are checked alike.
    /// </summary>
    public virtual void Validate() { }

    /// <summary>Refuses channels_first where the layer implements only channels_last.</summary>
    protected static void RequireChannelsLast(DataFormat dataFormat) => Require(dataFormat == DataFormat.ChannelsLast, "data_format",
        $"Only data_format=\"channels_last\" is supported (inputs [batch, ..., channels]). Received: data_format={KerasConfig.EnumName(dataFormat)}");

    /// <summary>Throws Keras's message for a value outside its range, naming the argument in its Keras spelling.</summary>
    protected static void Require(bool condition, string argument, string message)
    {
        if (!condition) throw new ArgumentOutOfRangeException(argument, message);
    }
}

/// <summary>
/// A group of arguments several layers share (a kernel and a bias, gamma and beta); its properties
/// are written into the layer's config beside the layer's own, prefixed by the holding property's
/// snake_case name when the part's type is marked <see cref="KerasPrefixedAttribute"/> (kernel_initializer).
/// </summary>
public abstract record ConfigPart;

/// <summary>Marks a <see cref="ConfigPart"/> whose keys take the holding property's name as prefix.</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class KerasPrefixedAttribute : Attribute
{
}

/// <summary>The Keras key of a config property (or, on a <see cref="ConfigPart"/> property, the prefix of its keys).</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class KerasNameAttribute(string name) : Attribute
{
    /// <summary>The key as Keras spells it.</summary>
    public string Name { get; } = name;
}

/// <summary>Other spellings Keras has used for a config key (older versions' names); read, never written.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class KerasAliasAttribute(params string[] aliases) : Attribute
{
    /// <summary>The older spellings.</summary>
    public IReadOnlyList<string> Aliases { get; } = aliases;
}

/// <summary>A config key written as one integer when it holds one value and as a list otherwise (Keras's axis, kernel_size).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class KerasIntOrListAttribute : Attribute
{
}

/// <summary>
/// A window size per spatial axis (Keras's kernel_size, strides, pool_size): read as one integer for
/// every axis or as a list, always written as a list, as Keras writes its tuples.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class KerasTupleAttribute : Attribute
{
}

/// <summary>An integer list in which -1 stands for a size taken from the input, written null (Python's None) as Keras writes shapes.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class KerasShapeAttribute : Attribute
{
}

/// <summary>Keras arguments of a layer that Strata does not implement: accepted only with their neutral value (null, false or 0).</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = true)]
public sealed class KerasUnsupportedAttribute(params string[] keys) : Attribute
{
    /// <summary>The keys.</summary>
    public IReadOnlyList<string> Keys { get; } = keys;
}

/// <summary>A config key Strata writes for Keras's sake with a fixed value (BatchNormalization's synchronized: false).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = true)]
public sealed class KerasConstantAttribute(string key, object? value) : Attribute
{
    /// <summary>The key.</summary>
    public string Key { get; } = key;

    /// <summary>The value written; reading accepts only it (or the key's absence).</summary>
    public object? Value { get; } = value;
}
