namespace MtSnn.Runtime.Graph;

/// <summary>
/// One node of the exported graph. <see cref="Input"/> is the index of the layer whose output it reads
/// (-1 = the model input); by default the previous layer. Values have shape <c>[C, H, W]</c>; a vector is
/// <c>[N, 1, 1]</c>.
/// </summary>
public abstract record LayerSpec
{
    /// <summary>Index of the layer whose output this layer reads; -1 is the model input.</summary>
    public int Input { get; init; }

    /// <summary>
    /// The layer's name in the model it came from: the module path as <c>named_modules()</c> and <c>state_dict</c> give it
    /// (e.g. <c>features.0</c> for a convolution with its BatchNorm folded in, <c>features.1</c> for its neuron,
    /// <c>layer1.0</c> for a residual add); reports use it. Null when unknown (older files).
    /// </summary>
    public string? Name { get; init; }

    /// <summary>The op name used in the graph JSON.</summary>
    public abstract string Op { get; }
}

/// <summary>2-D convolution <c>Y[o,y,x] = b[o] + sum_{c,i,j} W[o,c,i,j] X[c, y s - p + i, x s - p + j]</c> (BN folded in); weight <c>[out, in, k, k]</c>, bias <c>[out]</c>.</summary>
public sealed record Conv2dSpec(int InChannels, int OutChannels, int Kernel, int Stride, int Padding, string Weight, string? Bias) : LayerSpec
{
    /// <inheritdoc/>
    public override string Op => "conv2d";
}

/// <summary>Fully connected <c>Y[o] = b[o] + sum_i W[o,i] X[i]</c> over the input flattened in C, H, W order; weight <c>[out, in]</c>, bias <c>[out]</c>.</summary>
public sealed record LinearSpec(int InFeatures, int OutFeatures, string Weight, string? Bias) : LayerSpec
{
    /// <inheritdoc/>
    public override string Op => "linear";
}

/// <summary>Average pooling <c>Y = (1/k^2) sum_window X</c>, no padding.</summary>
public sealed record AvgPool2dSpec(int Kernel, int Stride) : LayerSpec
{
    /// <inheritdoc/>
    public override string Op => "avgpool2d";
}

/// <summary>Max pooling <c>Y = max_window X</c> (padding never wins).</summary>
public sealed record MaxPool2dSpec(int Kernel, int Stride, int Padding) : LayerSpec
{
    /// <inheritdoc/>
    public override string Op => "maxpool2d";
}

/// <summary>Flattens <c>[C, H, W]</c> to <c>[C H W, 1, 1]</c> in row-major C, H, W order.</summary>
public sealed record FlattenSpec : LayerSpec
{
    /// <inheritdoc/>
    public override string Op => "flatten";
}

/// <summary>A multi-threshold neuron layer: <c>H = Charge(X, V)</c>, <c>S_k = Fire_k(H)</c>, <c>O = sum_k lambda_k S_k</c>, <c>V = Reset(H, S)</c>.</summary>
public sealed record NeuronLayerSpec(NeuronSpec Neuron) : LayerSpec
{
    /// <inheritdoc/>
    public override string Op => "neuron";
}

/// <summary>Residual addition <c>Y = X[Input] + X[Other]</c>: currents before a neuron (spiking ResNet) or spikes after it (SEW, ADD connect).</summary>
public sealed record AddSpec(int Other) : LayerSpec
{
    /// <inheritdoc/>
    public override string Op => "add";
}

/// <summary>The read-out: logits <c>= (1/T) sum_t X[t]</c> of its input, a vector of num_classes; must be the last layer.</summary>
public sealed record OutputSpec : LayerSpec
{
    /// <inheritdoc/>
    public override string Op => "output";
}
