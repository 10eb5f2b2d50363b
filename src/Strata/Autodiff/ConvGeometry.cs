namespace Strata.Autodiff;

/// <summary>
/// The shape of a 2-D convolution or pooling window over channels-last maps [N, H, W, C]: window,
/// strides, dilation and the padding before each spatial axis (padding after is implied by the
/// output size). Output position (oh, ow) reads input rows oh·strideH − padTop + i·dilationH.
/// </summary>
public readonly record struct ConvGeometry(
    int Batch, int Height, int Width, int Channels,
    int WindowHeight, int WindowWidth, int StrideHeight, int StrideWidth,
    int DilationHeight, int DilationWidth, int PadTop, int PadLeft, int OutputHeight, int OutputWidth)
{
    /// <summary>Keras's output size and padding for "valid", "same" (and "causal", left padding only) along one axis.</summary>
    public static (int Output, int PadBefore) Axis(int input, int window, int stride, int dilation, string padding)
    {
        int span = (window - 1) * dilation + 1;
        switch (padding)
        {
            case "valid":
                return (input >= span ? (input - span) / stride + 1 : 0, 0);
            case "same":
            {
                int output = (input + stride - 1) / stride;
                int total = Math.Max((output - 1) * stride + span - input, 0);
                return (output, total / 2);
            }
            case "causal":
                return ((input - 1) / stride + 1, span - 1);
            default:
                throw new StrataException($"Unknown padding '{padding}'. Expected \"valid\", \"same\" or \"causal\".");
        }
    }

    /// <summary>The input row that window row <paramref name="i"/> of output row <paramref name="oh"/> reads (may lie outside the map).</summary>
    public int InputRow(int oh, int i) => oh * StrideHeight - PadTop + i * DilationHeight;

    /// <summary>The input column that window column <paramref name="j"/> of output column <paramref name="ow"/> reads.</summary>
    public int InputColumn(int ow, int j) => ow * StrideWidth - PadLeft + j * DilationWidth;

    /// <summary>The number of elements of the input maps, N·H·W·C.</summary>
    public int InputSize => Batch * Height * Width * Channels;

    /// <summary>The number of output positions over the batch, N·outH·outW: one window (one row of the im2col matrix) each.</summary>
    public int Positions => Batch * OutputHeight * OutputWidth;

    /// <summary>
    /// Writes the input offsets (of channel 0) of output position (<paramref name="oh"/>, <paramref name="ow"/>)
    /// of image <paramref name="n"/>'s window, in row order, skipping positions in the padding; returns their count.
    /// </summary>
    internal int WindowOffsets(int n, int oh, int ow, Span<int> offsets)
    {
        int count = 0;
        for (int i = 0; i < WindowHeight; i++)
        {
            int ih = InputRow(oh, i);
            if (ih < 0 || ih >= Height) continue;
            for (int j = 0; j < WindowWidth; j++)
            {
                int iw = InputColumn(ow, j);
                if (iw < 0 || iw >= Width) continue;
                offsets[count++] = ((n * Height + ih) * Width + iw) * Channels;
            }
        }
        return count;
    }
}
