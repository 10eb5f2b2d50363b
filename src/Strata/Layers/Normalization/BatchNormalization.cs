using System.Text.Json.Nodes;
using Strata.Autodiff;
using Strata.Tensors;

namespace Strata.Layers.Normalization;

/// <summary>
/// Batch normalization with Keras's semantics. In training it normalizes by the batch mean and
/// (biased) variance and updates moving_mean and moving_variance as
/// moving = moving·momentum + batch·(1 − momentum); at inference it uses the moving statistics.
/// Keras defaults: axis −1, momentum 0.99, epsilon 1e-3, center and scale on.
/// PyTorch's momentum is the other weight: momentum_torch = 1 − momentum_keras (0.01 for 0.99).
/// With <see cref="Layer.Trainable"/> false the layer always runs in inference mode, as in Keras.
/// </summary>
public sealed class BatchNormalization : Layer
{
    public BatchNormalization(int axis = -1, double momentum = 0.99, double epsilon = 1e-3,
        bool center = true, bool scale = true,
        Initializer? betaInitializer = null, Initializer? gammaInitializer = null,
        Initializer? movingMeanInitializer = null, Initializer? movingVarianceInitializer = null,
        string? name = null) : base(name)
    {
        if (!(momentum >= 0 && momentum <= 1))
            throw new StrataException($"Expected momentum between 0 and 1. Received: momentum={momentum}");
        if (!(epsilon > 0))
            throw new StrataException($"Expected a positive epsilon. Received: epsilon={epsilon}");
        Axis = axis;
        Momentum = momentum;
        Epsilon = epsilon;
        Center = center;
        Scale = scale;
        BetaInitializer = betaInitializer ?? Initializer.Zeros();
        GammaInitializer = gammaInitializer ?? Initializer.Ones();
        MovingMeanInitializer = movingMeanInitializer ?? Initializer.Zeros();
        MovingVarianceInitializer = movingVarianceInitializer ?? Initializer.Ones();
    }

    public override string ClassName => "BatchNormalization";

    public int Axis { get; }

    public double Momentum { get; }

    public double Epsilon { get; }

    public bool Center { get; }

    public bool Scale { get; }

    public Initializer BetaInitializer { get; }

    public Initializer GammaInitializer { get; }

    public Initializer MovingMeanInitializer { get; }

    public Initializer MovingVarianceInitializer { get; }

    public Variable? Gamma { get; private set; }

    public Variable? Beta { get; private set; }

    public Variable? MovingMean { get; private set; }

    public Variable? MovingVariance { get; private set; }

    public override int[] ComputeOutputShape(int[] inputShape)
    {
        int a = Axis < 0 ? Axis + inputShape.Length : Axis;
        if (a < 1 || a >= inputShape.Length)
            throw new StrataException($"BatchNormalization layer '{Name}': axis {Axis} is not a feature axis of input shape {ShapeOps.Format(inputShape)}.");
        if (inputShape[a] <= 0)
            throw new StrataException($"BatchNormalization layer '{Name}': axis {Axis} of input shape {ShapeOps.Format(inputShape)} must be known.");
        return inputShape;
    }

    protected override void BuildWeights(int[] inputShape, RandomGenerator random)
    {
        int channels = inputShape[Axis < 0 ? Axis + inputShape.Length : Axis];
        if (Scale) Gamma = AddVariable("gamma", [channels], GammaInitializer, true, random);
        if (Center) Beta = AddVariable("beta", [channels], BetaInitializer, true, random);
        MovingMean = AddVariable("moving_mean", [channels], MovingMeanInitializer, false, random);
        MovingVariance = AddVariable("moving_variance", [channels], MovingVarianceInitializer, false, random);
    }

    public override Node Call(Node input, bool training) =>
        Ops.BatchNormalization(input,
            Gamma is null ? null : Parameter(input, Gamma),
            Beta is null ? null : Parameter(input, Beta),
            Parameter(input, MovingMean!), Parameter(input, MovingVariance!),
            Axis, (float)Momentum, (float)Epsilon, batchStatistics: training && Trainable);

    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["axis"] = Axis;
        config["momentum"] = Momentum;
        config["epsilon"] = Epsilon;
        config["center"] = Center;
        config["scale"] = Scale;
        config["beta_initializer"] = BetaInitializer.ToConfig();
        config["gamma_initializer"] = GammaInitializer.ToConfig();
        config["moving_mean_initializer"] = MovingMeanInitializer.ToConfig();
        config["moving_variance_initializer"] = MovingVarianceInitializer.ToConfig();
        config["beta_regularizer"] = null;
        config["gamma_regularizer"] = null;
        config["beta_constraint"] = null;
        config["gamma_constraint"] = null;
        config["synchronized"] = false;
        return config;
    }

    public static BatchNormalization FromConfig(ConfigReader c)
    {
        foreach (var key in new[] { "beta_regularizer", "gamma_regularizer", "beta_constraint", "gamma_constraint", "renorm", "renorm_clipping", "virtual_batch_size", "adjustment" })
            c.Unsupported(key);
        int axis = c.Axis("axis", -1);
        return new BatchNormalization(axis, c.Double("momentum", 0.99), c.Double("epsilon", 1e-3),
            c.Bool("center", true), c.Bool("scale", true),
            c.Initializer("beta_initializer", Initializer.Zeros()), c.Initializer("gamma_initializer", Initializer.Ones()),
            c.Initializer("moving_mean_initializer", Initializer.Zeros()), c.Initializer("moving_variance_initializer", Initializer.Ones()),
            c.Name);
    }
}
