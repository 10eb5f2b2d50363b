namespace Strata.Layers;

/// <summary>Where the channel axis of image-like inputs is (Keras's data_format).</summary>
public enum DataFormat
{
    /// <summary>[batch, ...spatial, channels], Keras's default.</summary>
    ChannelsLast,

    /// <summary>[batch, channels, ...spatial], PyTorch's layout.</summary>
    ChannelsFirst,
}
