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

/// A model file that cannot be read or analyzed, and why: at least one error, by construction. Every
/// way of making one either takes an error or adds one (`unexplained`) when the diagnostics it is given
/// hold none, so a model can never be dropped with nothing said (issue 25: a network that vanished,
/// exit status 0, when a reader failed with an empty list). The place is a line and column for text,
/// a byte offset for binary formats (reported at the file's start with the offset in the message).
struct ImportFailure: Error, Sendable {
    /// Every diagnostic, at least one of them an error.
    let diagnostics: DiagnosticList

    /// A failure with one diagnostic, which is made an error if it was not one.
    init(_ diagnostic: Diagnostic) {
        var error = diagnostic
        error.severity = .error
        var list = DiagnosticList()
        list.append(error)
        diagnostics = list
    }

    /// A failure with the diagnostics found; when none of them is an error, `unexplained` is added, so
    /// that the failure is never silent.
    init(diagnostics list: DiagnosticList, in file: SourceFile? = nil) {
        var list = list
        if !list.hasErrors { list.append(Self.unexplained(in: file)) }
        diagnostics = list
    }

    /// The error of a failure that came with no reason: netcalc's fault, said as such.
    static func unexplained(in file: SourceFile?) -> Diagnostic {
        Diagnostic(.error, "netcalc could not read this model and found no reason to give",
                   at: file.map { _ in SourceRange(0, 0) }, in: file, hint: "this is netcalc's fault: please report it")
    }
}

/// What analyzing a model file gives: its network, with the warnings about it (a partial analysis),
/// or the failure that says why there is none. There is no third case: a model either has its numbers
/// or at least one error (`ImportFailure`).
enum ModelAnalysis: Sendable {
    case analyzed(NetworkReport, warnings: DiagnosticList)
    case failed(ImportFailure)

    /// The network's report, when it was analyzed.
    var report: NetworkReport? {
        switch self {
        case .analyzed(let report, _): return report
        case .failed: return nil
        }
    }

    /// Every diagnostic: the warnings of an analyzed network, or the failure's errors.
    var diagnostics: DiagnosticList {
        switch self {
        case .analyzed(_, let warnings): return warnings
        case .failed(let failure): return failure.diagnostics
        }
    }

    /// The report and the diagnostics, for code that looks at both.
    var parts: (NetworkReport?, DiagnosticList) { (report, diagnostics) }
}
