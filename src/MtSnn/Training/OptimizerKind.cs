namespace MtSnn.Training;

/// <summary>The optimizer (command-line names: sgd, adam, adamw).</summary>
public enum OptimizerKind
{
    /// <summary>SGD with optional (Nesterov) momentum and L2 weight decay.</summary>
    Sgd,
    /// <summary>Adam with L2 weight decay added to the gradient.</summary>
    Adam,
    /// <summary>AdamW: Adam with decoupled weight decay.</summary>
    AdamW,
}
