/// The framework memory model's facet: what a layer kind states about how PyTorch runs it. What
/// autograd keeps for the layer's backward pass, whether its output is new memory, a view of its input
/// or its input overwritten, and what it allocates only while it runs. Each fact was measured on
/// PyTorch 2.15 (`tools/crosscheck_memory.py --layers`; docs/memory.md lists them). The facet is
/// declarative: it names tensors and counts by what they are per (an output value, a channel), and
/// `FrameworkMemoryWalk` turns them into bytes with checked arithmetic.

/// What PyTorch spends on one layer besides the output the notes count.
struct FrameworkMemory: Sendable {
    /// The tensors of the layer that autograd keeps until its backward pass.
    enum KeptTensors: Sendable {
        case nothing
        /// Its input (convolutions and linear layers, the normalizations, average pooling, SCALE).
        case input
        /// Its output (ReLU, Sigmoid, Tanh, Softmax: their derivatives are written in the output).
        case output
        /// Its input's values: the input itself, or, when the layer runs in place, a copy it takes first
        /// (ReLU6, SiLU, Hardswish; GELU and the others that never run in place keep the input).
        case inputValues
        /// Every input (MUL: each factor's gradient is the other factor).
        case inputs
    }

    /// Where the layer's output lives.
    enum OutputStorage: Sendable {
        /// Memory of its own.
        case new
        /// A view of its input's memory (flatten, a crop, a slice): nothing new.
        case view
        /// Its input's memory, overwritten, when the layer is the only reader of its input: torchvision
        /// builds ReLU, ReLU6, SiLU and Hardswish with `inplace=True`.
        case inPlaceWhenSoleReader
    }

    /// What the layer allocates only while it runs, forward and backward.
    enum Scratch: Sendable {
        case none
        /// oneDNN's reorder buffers of a convolution: its larger side (input or output) and its weights.
        case reorders
        /// A transposed convolution's: its output, and the larger of its output and its input with its
        /// weights.
        case transposedReorders
    }

    var kept: KeptTensors
    /// Values kept besides the tensors, new memory of the layer's (max pooling's indices, a dropout mask).
    var keptValues: ExtraValues? = nil
    /// The statistics a normalization keeps, in fp32: mean and inverse deviation.
    var statistics: ExtraValues? = nil
    var output = OutputStorage.new
    var scratch = Scratch.none
    /// True when the backward hands the output's gradient to the inputs as it is, or as a view of it
    /// (ADD, CONCAT, flatten, padding), instead of making a gradient of the input's size.
    var passesGradient = false
    /// True for a layer that is the identity at inference (dropout, stochastic depth): a view there.
    var identityAtInference = false

    /// A layer that keeps nothing, makes its own output, and makes its input's gradient.
    static let keepsNothing = FrameworkMemory(kept: .nothing)
    /// A layer whose backward needs its input (a convolution, a linear layer, average pooling).
    static let keepsInput = FrameworkMemory(kept: .input)
    /// A reshape: a view of its input that keeps nothing and hands the gradient on.
    static let view = FrameworkMemory(kept: .nothing, output: .view, passesGradient: true)
    /// A convolution: keeps its input; oneDNN's reorders while it runs.
    static let convolution = FrameworkMemory(kept: .input, scratch: .reorders)
    /// A transposed convolution: keeps its input; its reorders while it runs.
    static let transposedConvolution = FrameworkMemory(kept: .input, scratch: .transposedReorders)
}

/// Values a layer keeps or allocates besides whole tensors: `count` of them per `unit`, each of `type`.
struct ExtraValues: Sendable {
    /// What the values are counted per.
    enum Unit: Sendable {
        /// One per value of the layer's input, per image.
        case inputValue
        /// One per value of the layer's output, per image.
        case outputValue
        /// One per position of the output (its spatial volume), per image.
        case position
        /// One per output channel, for the whole batch (batch norm's statistics).
        case channel
        /// One per output channel, per image (instance norm's statistics).
        case channelPerImage
        /// One per image.
        case image
        /// One per group of channels, per image (group norm's statistics): the layer's groups.
        case group(Int)
        /// One per value the layer holds besides its output (an attention map), per image.
        case heldValue
    }

    /// The type of the values, for their bytes.
    enum ValueType: Sendable {
        /// The activations' type (fp32, or fp16 with `--amp`).
        case activation
        /// Always 4 bytes: statistics stay fp32 under mixed precision.
        case fp32
        /// 8 bytes: max pooling's indices.
        case int64
        /// 1 byte: a dropout mask (a bool per value on a GPU).
        case mask
    }

    var count = 1
    var unit: Unit
    var type: ValueType
    /// True when an inference pass makes them too, for the time the layer runs (max pooling's indices,
    /// which PyTorch computes with or without autograd).
    var alsoAtInference = false
}
