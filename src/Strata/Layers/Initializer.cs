using System.Globalization;
using System.Text.Json.Nodes;
using Strata.Tensors;

namespace Strata.Layers;

/// <summary>
/// Weight initializers with Keras's names, defaults and fan conventions: for a kernel
/// [..receptive field.., in, out], fan_in = in·receptive and fan_out = out·receptive.
/// </summary>
public sealed class Initializer
{
    private enum Kind { Zeros, Ones, Constant, RandomNormal, RandomUniform, TruncatedNormal, VarianceScaling, Orthogonal }

    private readonly Kind _kind;
    private readonly double _a, _b;
    private readonly string _mode = "", _distribution = "";

    private Initializer(string className, Kind kind, double a = 0, double b = 0, string mode = "", string distribution = "", int? seed = null)
    {
        ClassName = className;
        _kind = kind;
        _a = a;
        _b = b;
        _mode = mode;
        _distribution = distribution;
        Seed = seed;
    }

    /// <summary>The Keras class name, e.g. "GlorotUniform", as written in configs.</summary>
    public string ClassName { get; }

    /// <summary>The initializer's own seed; when null the model's generator is used.</summary>
    public int? Seed { get; }

    /// <summary>Keras's Zeros: every weight 0 (the default bias initializer).</summary>
    public static Initializer Zeros() => new("Zeros", Kind.Zeros);

    /// <summary>Keras's Ones: every weight 1 (BatchNormalization's gamma).</summary>
    public static Initializer Ones() => new("Ones", Kind.Ones);

    /// <summary>Keras's Constant: every weight <paramref name="value"/>.</summary>
    public static Initializer Constant(double value) => new("Constant", Kind.Constant, value);

    /// <summary>Keras's RandomNormal: weights drawn from N(<paramref name="mean"/>, <paramref name="stddev"/>²).</summary>
    public static Initializer RandomNormal(double mean = 0, double stddev = 0.05, int? seed = null) => new("RandomNormal", Kind.RandomNormal, mean, stddev, seed: seed);

    /// <summary>Keras's RandomUniform: weights drawn uniformly from [<paramref name="minval"/>, <paramref name="maxval"/>).</summary>
    public static Initializer RandomUniform(double minval = -0.05, double maxval = 0.05, int? seed = null) => new("RandomUniform", Kind.RandomUniform, minval, maxval, seed: seed);

    /// <summary>
    /// Keras's TruncatedNormal: N(<paramref name="mean"/>, <paramref name="stddev"/>²) redrawn beyond two
    /// standard deviations.
    /// </summary>
    public static Initializer TruncatedNormal(double mean = 0, double stddev = 0.05, int? seed = null) => new("TruncatedNormal", Kind.TruncatedNormal, mean, stddev, seed: seed);

    /// <summary>
    /// Keras's GlorotUniform (Xavier uniform), the default kernel initializer: uniform in ±sqrt(6 / (fan_in +
    /// fan_out)).
    /// </summary>
    public static Initializer GlorotUniform(int? seed = null) => Scaling("GlorotUniform", 1, "fan_avg", "uniform", seed);

    /// <summary>Keras's GlorotNormal (Xavier normal): truncated normal with standard deviation sqrt(2 / (fan_in + fan_out)).</summary>
    public static Initializer GlorotNormal(int? seed = null) => Scaling("GlorotNormal", 1, "fan_avg", "truncated_normal", seed);

    /// <summary>Keras's HeUniform (Kaiming uniform), suited to ReLU: uniform in ±sqrt(6 / fan_in).</summary>
    public static Initializer HeUniform(int? seed = null) => Scaling("HeUniform", 2, "fan_in", "uniform", seed);

    /// <summary>Keras's HeNormal (Kaiming normal), suited to ReLU: truncated normal with standard deviation sqrt(2 / fan_in).</summary>
    public static Initializer HeNormal(int? seed = null) => Scaling("HeNormal", 2, "fan_in", "truncated_normal", seed);

    /// <summary>Keras's LecunUniform: uniform in ±sqrt(3 / fan_in).</summary>
    public static Initializer LecunUniform(int? seed = null) => Scaling("LecunUniform", 1, "fan_in", "uniform", seed);

    /// <summary>Keras's LecunNormal, suited to SELU: truncated normal with standard deviation sqrt(1 / fan_in).</summary>
    public static Initializer LecunNormal(int? seed = null) => Scaling("LecunNormal", 1, "fan_in", "truncated_normal", seed);

    /// <summary>
    /// Keras's VarianceScaling: variance <paramref name="scale"/> / fan, where <paramref name="mode"/> picks
    /// fan_in, fan_out or fan_avg and <paramref name="distribution"/> is "truncated_normal" ("normal"),
    /// "untruncated_normal" or "uniform".
    /// </summary>
    public static Initializer VarianceScaling(double scale = 1, string mode = "fan_in", string distribution = "truncated_normal", int? seed = null)
    {
        if (scale <= 0) throw new StrataException($"Expected a positive scale for VarianceScaling. Received: scale={scale}");
        if (mode is not ("fan_in" or "fan_out" or "fan_avg"))
            throw new StrataException($"Expected mode to be one of fan_in, fan_out, fan_avg. Received: mode={mode}");
        if (distribution is not ("truncated_normal" or "untruncated_normal" or "uniform" or "normal"))
            throw new StrataException($"Expected distribution to be one of truncated_normal, untruncated_normal, uniform. Received: distribution={distribution}");
        return Scaling("VarianceScaling", scale, mode, distribution == "normal" ? "truncated_normal" : distribution, seed);
    }

    /// <summary>
    /// Keras's Orthogonal (Saxe et al. 2014), the default recurrent kernel initializer: the weight seen as a
    /// matrix [product of all axes but the last, last axis] is <paramref name="gain"/> times a random
    /// orthogonal matrix (orthonormal columns, or rows when it is wider than tall), the Q of a Gaussian
    /// matrix's QR decomposition with R's diagonal made positive.
    /// </summary>
    public static Initializer Orthogonal(double gain = 1, int? seed = null) => new("Orthogonal", Kind.Orthogonal, gain, seed: seed);

    private static Initializer Scaling(string name, double scale, string mode, string distribution, int? seed) =>
        new(name, Kind.VarianceScaling, scale, 0, mode, distribution, seed);

    /// <summary>Fills <paramref name="tensor"/>, drawing from the initializer's own seed or from <paramref name="random"/>.</summary>
    public void Fill(Tensor tensor, RandomGenerator random)
    {
        var rng = Seed is int s ? new RandomGenerator((ulong)s) : random;
        var data = tensor.Data;
        switch (_kind)
        {
            case Kind.Zeros: Array.Clear(data); break;
            case Kind.Ones: Array.Fill(data, 1f); break;
            case Kind.Constant: Array.Fill(data, (float)_a); break;
            case Kind.RandomNormal:
                for (int i = 0; i < data.Length; i++) data[i] = (float)(_a + _b * rng.NextGaussian());
                break;
            case Kind.RandomUniform:
                for (int i = 0; i < data.Length; i++) data[i] = (float)(_a + (_b - _a) * rng.NextDouble());
                break;
            case Kind.TruncatedNormal:
                for (int i = 0; i < data.Length; i++) data[i] = (float)(_a + _b * Truncated(rng));
                break;
            case Kind.Orthogonal: FillOrthogonal(tensor, rng); break;
            default:
                FillScaled(tensor, rng);
                break;
        }
    }

    private void FillOrthogonal(Tensor tensor, RandomGenerator rng)
    {
        var shape = tensor.Shape;
        int cols = shape.Length == 0 ? 1 : shape[^1], rows = cols == 0 ? 0 : tensor.Size / cols;
        int tall = Math.Max(rows, cols), narrow = Math.Min(rows, cols);
        // Column-major [tall, narrow] Gaussian matrix, orthonormalized by modified Gram–Schmidt, which gives
        // the Q whose R has a positive diagonal: Keras's q·sign(diag(r)).
        var q = new double[tall * narrow];
        for (int i = 0; i < tall; i++)
            for (int j = 0; j < narrow; j++) q[j * tall + i] = rng.NextGaussian();
        for (int j = 0; j < narrow; j++)
        {
            var column = q.AsSpan(j * tall, tall);
            for (int k = 0; k < j; k++)
            {
                var previous = q.AsSpan(k * tall, tall);
                double dot = 0;
                for (int i = 0; i < tall; i++) dot += previous[i] * column[i];
                for (int i = 0; i < tall; i++) column[i] -= dot * previous[i];
            }
            double norm = 0;
            for (int i = 0; i < tall; i++) norm += column[i] * column[i];
            norm = Math.Sqrt(norm);
            for (int i = 0; i < tall; i++) column[i] /= norm;
        }
        var data = tensor.Data;
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++)
                data[r * cols + c] = (float)(_a * (rows >= cols ? q[c * tall + r] : q[r * tall + c]));
    }

    private void FillScaled(Tensor tensor, RandomGenerator rng)
    {
        var (fanIn, fanOut) = Fans(tensor.Shape);
        double fan = _mode switch { "fan_in" => fanIn, "fan_out" => fanOut, _ => (fanIn + fanOut) / 2.0 };
        double variance = _a / Math.Max(1.0, fan);
        var data = tensor.Data;
        switch (_distribution)
        {
            case "uniform":
                double limit = Math.Sqrt(3 * variance);
                for (int i = 0; i < data.Length; i++) data[i] = (float)((2 * rng.NextDouble() - 1) * limit);
                break;
            case "untruncated_normal":
                double sd = Math.Sqrt(variance);
                for (int i = 0; i < data.Length; i++) data[i] = (float)(sd * rng.NextGaussian());
                break;
            default:
                // Keras divides by the standard deviation of a unit normal truncated at ±2.
                double tsd = Math.Sqrt(variance) / 0.87962566103423978;
                for (int i = 0; i < data.Length; i++) data[i] = (float)(tsd * Truncated(rng));
                break;
        }
    }

    private static double Truncated(RandomGenerator rng)
    {
        double v;
        do v = rng.NextGaussian(); while (Math.Abs(v) > 2);
        return v;
    }

    /// <summary>Keras's compute_fans.</summary>
    internal static (double FanIn, double FanOut) Fans(ReadOnlySpan<int> shape)
    {
        if (shape.Length == 0) return (1, 1);
        if (shape.Length == 1) return (shape[0], shape[0]);
        if (shape.Length == 2) return (shape[0], shape[1]);
        double receptive = 1;
        for (int i = 0; i < shape.Length - 2; i++) receptive *= shape[i];
        return (shape[^2] * receptive, shape[^1] * receptive);
    }

    /// <summary>The Keras serialization {"module", "class_name", "config"}, which <see cref="FromConfig"/> reads back.</summary>
    public JsonObject ToConfig()
    {
        var config = new JsonObject();
        switch (_kind)
        {
            case Kind.Constant: config["value"] = _a; break;
            case Kind.RandomNormal or Kind.TruncatedNormal: config["mean"] = _a; config["stddev"] = _b; config["seed"] = Seed; break;
            case Kind.RandomUniform: config["minval"] = _a; config["maxval"] = _b; config["seed"] = Seed; break;
            case Kind.VarianceScaling when ClassName == "VarianceScaling":
                config["scale"] = _a; config["mode"] = _mode; config["distribution"] = _distribution; config["seed"] = Seed; break;
            case Kind.VarianceScaling: config["seed"] = Seed; break;
            case Kind.Orthogonal: config["gain"] = _a; config["seed"] = Seed; break;
        }
        return new JsonObject { ["module"] = "keras.initializers", ["class_name"] = ClassName, ["config"] = config };
    }

    /// <summary>Reads the Keras form: a name such as "glorot_uniform" or {"class_name": ..., "config": {...}}.</summary>
    public static Initializer FromConfig(JsonNode? node, string argument)
    {
        if (node is null) throw new StrataException($"{argument} must name an initializer.");
        var (className, config) = ConfigReader.Named(node, argument, "glorot_uniform");
        int? seed = config.OptionalInt("seed");
        double D(string key, double fallback) => config.Double(key, fallback);
        var initializer = Normalize(className) switch
        {
            "zeros" => Zeros(),
            "ones" => Ones(),
            "constant" => Constant(D("value", 0)),
            "randomnormal" or "normal" => RandomNormal(D("mean", 0), D("stddev", 0.05), seed),
            // "uniform" and "normal" are Keras's short names for these two (Embedding's default is "uniform").
            "randomuniform" or "uniform" => RandomUniform(D("minval", -0.05), D("maxval", 0.05), seed),
            "truncatednormal" => TruncatedNormal(D("mean", 0), D("stddev", 0.05), seed),
            "glorotuniform" => GlorotUniform(seed),
            "glorotnormal" => GlorotNormal(seed),
            "heuniform" => HeUniform(seed),
            "henormal" => HeNormal(seed),
            "lecununiform" => LecunUniform(seed),
            "lecunnormal" => LecunNormal(seed),
            "orthogonal" or "orthogonalinitializer" => Orthogonal(D("gain", 1), seed),
            "variancescaling" => VarianceScaling(D("scale", 1), config.String("mode", "fan_in")!, config.String("distribution", "truncated_normal")!, seed),
            _ => throw new StrataException($"Unknown initializer '{className}' for {argument}{NameSuggestion.DidYouMean(className, KnownNames)}."),
        };
        config.RejectUnknown(unlisted: ConfigReader.KerasBookkeeping);
        return initializer;
    }

    private static readonly string[] KnownNames = ["zeros", "ones", "constant", "random_normal", "random_uniform", "truncated_normal",
        "glorot_uniform", "glorot_normal", "he_uniform", "he_normal", "lecun_uniform", "lecun_normal", "variance_scaling", "orthogonal"];

    private static string Normalize(string name) => name.Replace("_", "", StringComparison.Ordinal).ToLower(CultureInfo.InvariantCulture);
}
