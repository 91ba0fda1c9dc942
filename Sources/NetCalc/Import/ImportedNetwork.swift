/// What a model reader (Caffe prototxt, ONNX) hands to analysis: the network as a graph of named
/// tensors, each layer a call of the spec language given as values (`ImportedCall`), already bound and
/// checked by the reader exactly as a spec's call is (`ImportedCallResolver`), or a merge of tensors.
/// Analysis only applies the resolved layers, so an imported layer has the same numbers, explanation
/// and PyTorch module as the same layer typed by hand, and `--emit spec` writes the calls back out.

/// A network read from a model file.
struct ImportedNetwork: Sendable {
    /// The network's name: the file's `name:` field, the ONNX graph's name, else the file's stem.
    var name: String
    /// The input tensor's name and shape: `L x C`, `W x H x D` or `W x H x T x C`.
    var inputName: String
    var input: Shape
    /// The batch the file states (Caffe's input_dim, a fixed ONNX batch), the default `--batch`.
    var batch: Int?
    /// Every layer, each after the layers whose outputs it reads.
    var layers: [ImportedLayer]
    /// Facts about the import that the output states (`batch norm is folded into the convolutions`).
    var notes: [String] = []
    /// The modules a layer ran in, by its name, where the file records them apart from the name
    /// (dynamo's `pkg.torch.onnx.name_scopes`); other names carry them (`/layer1/layer1.0/conv1/Conv`).
    var scopes: [String: [String]] = [:]
    /// Where the input is declared in the file, for diagnostics.
    var inputRange: SourceRange
    /// The layers a partial analysis leaves out, in the file's order: those whose output's size the
    /// file does not give (a Caffe Python layer, ROIPooling, DetectionOutput) and those after them.
    var leftOut: [LeftOutLayer] = []
    /// The shape each layer's output must have, one per layer (nil where not known), when later layers
    /// were sized by the file's own shape rules from it; empty when none were.
    var expectedShapes: [Shape?] = []
}

/// One layer of an imported network.
struct ImportedLayer: Sendable {
    /// What the layer computes.
    enum Computation: Sendable {
        /// A call of the spec language and the layer it resolved to: `CONV(64,7,s2,p3,nobias)`, `POOL(3,s2,ceil)`.
        case call(ResolvedCall)
        /// A merge of its inputs, in order.
        case merge(MergeKind)
    }

    /// The layer's name in the file: `conv1/7x7_s2`, `/layer1/layer1.0/conv1/Conv`.
    var name: String
    var computation: Computation
    /// The tensors it reads: one for a call, two or more for a merge.
    var inputs: [String]
    /// The tensor it writes.
    var output: String
    /// True when it writes over its input tensor (Caffe's in-place layers): it adds no activation memory.
    var inPlace = false
    /// Where it is in the file, for diagnostics (the whole file's start for a binary format).
    var range: SourceRange
    /// The node of a binary model file (ONNX) it was made from: where diagnostics about it point.
    var node: ModelNode? = nil
}

/// A model file that cannot be read: a diagnostic at its place (a line and column for text, a byte
/// offset for binary formats, reported at the file's start with the offset in the message).
struct ImportFailure: Error, Sendable {
    var diagnostics: DiagnosticList
}

extension ImportFailure {
    /// A failure with one diagnostic.
    init(_ diagnostic: Diagnostic) {
        var list = DiagnosticList()
        list.append(diagnostic)
        self.init(diagnostics: list)
    }
}
