using System.Globalization;
using System.Text;
using Strata.Tensors;

namespace Strata.Models;

/// <summary>The Keras 3 summary table: layer (type), output shape, parameter count, and the totals.</summary>
public static class ModelSummary
{
    private const int NameWidth = 33, ShapeWidth = 24, ParamWidth = 15;

    /// <summary>The summary of <paramref name="model"/>, in Keras 3's layout, as text ending in a newline.</summary>
    public static string Format(Sequential model)
    {
        var sb = new StringBuilder();
        sb.Append("Model: \"").Append(model.Name).Append("\"\n");
        sb.Append('┏').Append('━', NameWidth).Append('┳').Append('━', ShapeWidth).Append('┳').Append('━', ParamWidth).Append("┓\n");
        Row(sb, '┃', "Layer (type)", "Output Shape", "Param #");
        sb.Append('┡').Append('━', NameWidth).Append('╇').Append('━', ShapeWidth).Append('╇').Append('━', ParamWidth).Append("┩\n");
        for (int i = 0; i < model.Layers.Count; i++)
        {
            var layer = model.Layers[i];
            long count = layer.Variables.Sum(v => (long)v.Value.Size);
            string shape = layer.OutputShape is null ? "?" : ShapeOps.Format([.. layer.OutputShape]);
            Row(sb, '│', $"{layer.Name} ({layer.ClassName})", shape, count.ToString("N0", CultureInfo.InvariantCulture));
            if (i < model.Layers.Count - 1)
                sb.Append('├').Append('─', NameWidth).Append('┼').Append('─', ShapeWidth).Append('┼').Append('─', ParamWidth).Append("┤\n");
        }
        sb.Append('└').Append('─', NameWidth).Append('┴').Append('─', ShapeWidth).Append('┴').Append('─', ParamWidth).Append("┘\n");
        long trainable = model.TrainableVariables.Sum(v => (long)v.Value.Size);
        long frozen = model.NonTrainableVariables.Sum(v => (long)v.Value.Size);
        sb.Append(" Total params: ").Append(Count(trainable + frozen)).Append('\n');
        sb.Append(" Trainable params: ").Append(Count(trainable)).Append('\n');
        sb.Append(" Non-trainable params: ").Append(Count(frozen)).Append('\n');
        return sb.ToString();
    }

    private static void Row(StringBuilder sb, char bar, string name, string shape, string parameters)
    {
        sb.Append(bar).Append(' ').Append(Fit(name, NameWidth - 2).PadRight(NameWidth - 2)).Append(' ');
        sb.Append(bar).Append(' ').Append(Fit(shape, ShapeWidth - 2).PadRight(ShapeWidth - 2)).Append(' ');
        sb.Append(bar).Append(' ').Append(Fit(parameters, ParamWidth - 2).PadLeft(ParamWidth - 2)).Append(' ');
        sb.Append(bar).Append('\n');
    }

    private static string Fit(string text, int width) => text.Length <= width ? text : text[..(width - 1)] + "…";

    /// <summary>"2,121,729 (8.09 MB)": float32 parameters, sizes in powers of 1024 as Keras prints them.</summary>
    private static string Count(long parameters)
    {
        double bytes = parameters * 4.0;
        string[] units = ["B", "KB", "MB", "GB", "TB"];
        int u = 0;
        while (bytes >= 1024 && u < units.Length - 1) { bytes /= 1024; u++; }
        return string.Create(CultureInfo.InvariantCulture, $"{parameters:N0} ({bytes:F2} {units[u]})");
    }
}
