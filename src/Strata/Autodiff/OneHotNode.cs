using System.Globalization;

namespace Strata.Autodiff;

/// <summary>Integer class labels (shape [n] or [n, 1]) to one-hot rows [n, classes]; carries no gradient.</summary>
internal sealed class OneHotNode : Node
{
    private readonly int _classes;

    public OneHotNode(Node labels, int classes) : base(labels.Graph, [labels.Value.Size, classes], labels)
    {
        _classes = classes;
        RequiresGradient = false;
    }

    internal override void Forward()
    {
        var labels = Inputs[0].Value.Data;
        var y = Value.Data;
        Array.Clear(y);
        for (int i = 0; i < labels.Length; i++)
        {
            float label = labels[i];
            int k = (int)label;
            if (k != label || k < 0 || k >= _classes)
                throw new StrataException(string.Format(CultureInfo.InvariantCulture,
                    "Label {0} of sample {1} is not a class index in [0, {2}).", label, i, _classes));
            y[i * _classes + k] = 1f;
        }
    }

    internal override void Backward() { }
}
