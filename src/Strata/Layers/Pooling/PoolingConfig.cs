using System.Diagnostics.CodeAnalysis;

namespace Strata.Layers.Pooling;

/// <summary>
/// The arguments of the max and average pooling layers, with Keras's defaults: pool_size 2 and
/// strides equal to pool_size on every spatial axis, padding "valid", channels-last data. One
/// integer for pool_size or strides stands for every spatial axis, as in Keras.
/// </summary>
public abstract record PoolingConfig : LayerConfig
{
    // Rank is a constant of each concrete record, so asking for it here is safe.
    private protected PoolingConfig() => PoolSize = [2];

    /// <summary>The number of spatial axes (1 or 2).</summary>
    internal abstract int Rank { get; }

    /// <summary>The window size along each spatial axis.</summary>
    [KerasTuple] public IReadOnlyList<int> PoolSize { get; init => field = ReadOnlyInts.Spread(value, Rank); }

    /// <summary>"valid" (windows inside the input) or "same" (output size ⌈input/stride⌉).</summary>
    public Padding Padding { get; init; } = Padding.Valid;

    /// <summary>The window's step along each spatial axis; null (the default) takes pool_size, as Keras.</summary>
    [KerasTuple, AllowNull] public IReadOnlyList<int> Strides { get => field ?? PoolSize; init => field = ReadOnlyInts.Spread(value, Rank); }

    /// <summary>Where the channels are; only channels_last is implemented.</summary>
    public DataFormat DataFormat { get; init; } = DataFormat.ChannelsLast;

    /// <inheritdoc/>
    public override void Validate()
    {
        Require(PoolSize is not null && Strides is not null && PoolSize.Count == Rank && Strides.Count == Rank && PoolSize.Concat(Strides).All(v => v >= 1), "pool_size",
            $"Expected pool_size and strides of {Rank} positive integers. Received: pool_size=({string.Join(", ", PoolSize ?? [])}), strides=({string.Join(", ", Strides ?? [])})");
        Require(Padding != Padding.Causal, "padding", "Invalid padding \"causal\". Expected \"valid\" or \"same\".");
        RequireChannelsLast(DataFormat);
    }

    /// <summary>The config of the convenience constructors: <paramref name="poolSize"/> (null: 2), <paramref name="strides"/> (null: pool_size) and Keras's padding string.</summary>
    internal static TConfig Of<TConfig>(int[]? poolSize, int[]? strides, string padding, string? name) where TConfig : PoolingConfig, new() =>
        new() { PoolSize = poolSize ?? [2], Strides = strides, Padding = KerasConfig.ParseArgument<Padding>(padding, "padding"), Name = name };
}

/// <summary>The arguments of <see cref="MaxPooling1D"/> and <see cref="AveragePooling1D"/>.</summary>
public sealed record Pooling1DConfig : PoolingConfig
{
    internal override int Rank => 1;
}

/// <summary>The arguments of <see cref="MaxPooling2D"/> and <see cref="AveragePooling2D"/>.</summary>
public sealed record Pooling2DConfig : PoolingConfig
{
    internal override int Rank => 2;
}
