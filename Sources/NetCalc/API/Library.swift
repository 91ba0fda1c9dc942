/// The library's public face: parse a spec or import a model file, analyze it, read its rows and
/// totals, and render it as the command line would, all without the command line.
///
/// ```swift
/// import NetCalc
///
/// let analysis = analyze(.spec("INPUT[32x32x3] -> CONV(12,3,p1) -> RELU -> POOL(2) -> FC(10)"))
/// for layer in analysis.networks[0].layers { print(layer.name, layer.output, layer.params) }
/// print(analysis.networks[0].totals.params)   // 31066
/// print(analysis.render(.json))
/// ```

/// A model to analyze: spec text, or a Caffe prototxt's or an ONNX file's bytes.
public struct ModelSource: Sendable {
    /// How the bytes are written.
    public enum Format: String, Sendable, CaseIterable {
        case spec, prototxt, onnx
    }

    /// The name diagnostics show (a file name); an unnamed network of a spec takes its stem.
    public var name: String
    public var bytes: [UInt8]
    public var format: Format

    public init(name: String, bytes: [UInt8], format: Format) {
        self.name = name
        self.bytes = bytes
        self.format = format
    }

    /// Spec text: `INPUT[227x227x3] -> CONV(96,11,s4) -> ...`.
    public static func spec(_ text: String, name: String = "spec") -> ModelSource {
        ModelSource(name: name, bytes: Array(text.utf8), format: .spec)
    }
}

/// Settings that override a spec's `@` directives and a model file's batch; nil keeps them.
public struct AnalysisSettings: Sendable {
    public var batch: Int?
    /// Bytes per stored value: `fp32`, `fp16`, `bf16`, `fp64`, `int8`.
    public var dataType: String?
    /// `sgd`, `momentum` or `adam`: the copies kept per parameter while training.
    public var optimizer: String?
    /// `strict`, `floor`, `ceil` or `caffe`: how a window that does not tile its input is sized.
    public var rounding: String?
    /// `notes` or `pytorch`: the memory model `render` shows (both are in `totals`).
    public var memory: String?
    /// Mixed precision: activations in fp16, weights, gradients and optimizer state in fp32.
    public var mixedPrecision: Bool?

    public init(batch: Int? = nil, dataType: String? = nil, optimizer: String? = nil, rounding: String? = nil,
                memory: String? = nil, mixedPrecision: Bool? = nil) {
        self.batch = batch
        self.dataType = dataType
        self.optimizer = optimizer
        self.rounding = rounding
        self.memory = memory
        self.mixedPrecision = mixedPrecision
    }
}

/// Analyzes a spec or a model file. A source with errors gives no networks: its problems say why.
public func analyze(_ source: ModelSource, settings: AnalysisSettings = AnalysisSettings()) -> Analysis {
    var diagnostics = DiagnosticList()
    var overrides = SettingsOverride()
    overrides.batch = settings.batch
    func setting<T: RawRepresentable>(_ value: String?, _ what: String, _ type: T.Type) -> T? where T.RawValue == String {
        guard let value else { return nil }
        guard let parsed = T(rawValue: value.lowercased()) else {
            diagnostics.append(Diagnostic(.error, "'\(value)' is not a \(what)", at: nil, in: nil))
            return nil
        }
        return parsed
    }
    overrides.dataType = setting(settings.dataType, "data type (fp32, fp16, bf16, fp64, int8)", DataType.self)
    overrides.optimizer = setting(settings.optimizer, "optimizer (sgd, momentum, adam)", Optimizer.self)
    overrides.rounding = setting(settings.rounding, "rounding (strict, floor, ceil, caffe)", Rounding.self)
    overrides.memory = setting(settings.memory, "memory model (notes, pytorch)", MemoryModel.self)
    overrides.amp = settings.mixedPrecision
    if let batch = settings.batch, batch < 1 {
        diagnostics.append(Diagnostic(.error, "the batch must be at least 1, not \(batch)", at: nil, in: nil))
    }
    guard !diagnostics.hasErrors else { return Analysis(reports: [], diagnostics: diagnostics.items) }
    switch source.format {
    case .spec:
        switch SourceFile.load(name: source.name, bytes: source.bytes) {
        case .failure(let list):
            return Analysis(reports: [], diagnostics: list.items)
        case .success(let file):
            let (networks, list) = Analyzer.analyze(file, overrides: overrides)
            return Analysis(reports: list.hasErrors ? [] : networks.map(\.report), diagnostics: list.items)
        }
    case .prototxt, .onnx:
        let format: InputFormat = source.format == .onnx ? .onnx : .prototxt
        let analysis = importModel(source.name, source.bytes, format: format, overrides: overrides)
        let list = analysis.diagnostics
        return Analysis(reports: list.hasErrors ? [] : analysis.report.map { [$0] } ?? [], diagnostics: list.items)
    }
}

/// What `analyze` found: the networks and the problems, in the order they appear.
public struct Analysis: Sendable {
    let reports: [NetworkReport]
    let diagnostics: [Diagnostic]

    public var networks: [AnalyzedNetwork] { reports.map(AnalyzedNetwork.init) }
    public var problems: [Problem] { diagnostics.map(Problem.init) }
    /// True when a problem is an error (then there are no networks).
    public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }

    /// The output formats `render` writes.
    public enum OutputFormat: String, Sendable, CaseIterable {
        case table, json, csv, markdown
    }

    /// The networks as the command line writes them (no colour), and for `.table` the problems first.
    public func render(_ format: OutputFormat) -> String {
        var buffer = TextBuffer()
        switch format {
        case .table:
            for diagnostic in diagnostics { buffer.append(DiagnosticRenderer(color: false).render(diagnostic)) }
            let table = TableRenderer(color: false, explain: false, units: .iec)
            table.render(reports, into: &buffer)
        case .json:
            JSONRenderer(fit: nil).render(reports, diagnostics: diagnostics, explain: false, into: &buffer)
        case .csv:
            CSVRenderer(columns: Column.csvDefault).render(reports, into: &buffer)
        case .markdown:
            MarkdownRenderer(columns: Column.tableDefault, units: .iec, fit: nil).render(reports, into: &buffer)
        }
        return String(decoding: buffer.bytes, as: UTF8.self)
    }
}

/// A problem with a source: an error (no numbers), a warning or a note.
public struct Problem: Sendable, CustomStringConvertible {
    public enum Severity: String, Sendable { case error, warning, note }

    public var severity: Severity
    public var message: String
    public var hints: [String]
    /// The file's name, the line and column (from 1) where the problem is; nil outside a file.
    public var file: String?
    public var line: Int?
    public var column: Int?
    /// In a binary model file (ONNX), which has no lines, the node: `node 12 'Conv_3' (Conv)`.
    public var node: String?

    init(_ diagnostic: Diagnostic) {
        switch diagnostic.severity {
        case .error: severity = .error
        case .warning: severity = .warning
        case .note: severity = .note
        }
        message = diagnostic.message
        hints = diagnostic.hints
        file = diagnostic.file?.name
        if let (line, column) = diagnostic.location { (self.line, self.column) = (line, column) }
        node = diagnostic.node.map { "node \($0.index) '\($0.name)' (\($0.op))" }
    }

    /// `FILE:LINE:COL: error: message`, or `FILE: node 12 'Conv_3' (Conv): error: message`.
    public var description: String {
        var place = file ?? "netcalc"
        if let line, let column { place += ":\(line):\(column)" }
        if let node { place += ": " + node }
        return "\(place): \(severity.rawValue): \(message)"
    }
}

/// A tensor's sizes per image: its spatial sizes (width first: `[L]`, `[W, H]` or `[W, H, T]`), then its
/// channels.
public struct TensorShape: Sendable, Equatable, CustomStringConvertible {
    public var spatial: [Int]
    public var channels: Int

    init(_ shape: Shape) {
        spatial = shape.spatial
        channels = shape.depth
    }

    /// How many spatial axes: 1 (a sequence), 2 (an image), 3 (a video or volume).
    public var rank: Int { spatial.count }
    /// `55x55x96`, the notes' order.
    public var description: String { (spatial + [channels]).map(String.init).joined(separator: "x") }
}

/// One analyzed network: its layers in order and its totals.
public struct AnalyzedNetwork: Sendable {
    let report: NetworkReport

    public var name: String { report.name }
    public var input: TensorShape { TensorShape(report.input) }
    /// Every row: the input, each layer, each merge, in the order the network computes them.
    public var layers: [AnalyzedLayer] { report.rows.map(AnalyzedLayer.init) }
    public var totals: NetworkTotals { NetworkTotals(report.totals) }
}

/// One row of a network: a layer with what it makes and what it costs.
public struct AnalyzedLayer: Sendable {
    public var index: Int
    /// `CONV1`, `POOL2`, or a model file's own layer name.
    public var name: String
    /// The kind: `input`, `conv`, `maxpool`, `add`, ... (the JSON `op`).
    public var op: String
    /// The layer as written: `CONV(96,11,s4)`.
    public var text: String
    public var output: TensorShape
    public var params: Int
    public var weights: Int
    public var biases: Int
    /// Stored values that are not trained (batch norm's running statistics).
    public var nonTrainable: Int
    /// Multiply-accumulates, bias excluded.
    public var macs: Int
    /// Values its output stores per image.
    public var activations: Int
    public var forwardBytes: Int
    /// The receptive field along each spatial axis, in input positions.
    public var receptiveField: [Int]
    /// The rows whose outputs it reads.
    public var inputs: [Int]

    init(_ row: LayerRow) {
        index = row.index
        name = row.name
        op = row.op
        text = row.text
        output = TensorShape(row.output)
        params = row.params
        weights = row.weights
        biases = row.biases
        nonTrainable = row.nonTrainable
        macs = row.macs
        activations = row.activations
        forwardBytes = row.forwardBytes
        receptiveField = row.receptiveField.along(row.output.rank)
        inputs = row.inputs
    }
}

/// A network's totals (the README's "How each number is counted").
public struct NetworkTotals: Sendable {
    public var params: Int
    public var weights: Int
    public var biases: Int
    public var nonTrainable: Int
    public var macs: Int
    public var activations: Int
    public var forwardBytes: Int
    public var backwardBytes: Int
    public var paramBytes: Int
    /// Forward and backward activations plus parameters times the optimizer's copies.
    public var trainingBytes: Int
    public var inferencePeakBytes: Int
    public var batch: Int
    public var bytesPerValue: Int
    /// PyTorch's memory model (docs/memory.md); nil when its bytes overflow 64 bits.
    public var pytorch: PyTorchMemory?

    init(_ totals: Totals) {
        params = totals.params
        weights = totals.weights
        biases = totals.biases
        nonTrainable = totals.nonTrainable
        macs = totals.macs
        activations = totals.activations
        forwardBytes = totals.forwardBytes
        backwardBytes = totals.backwardBytes
        paramBytes = totals.paramBytes
        trainingBytes = totals.trainingBytes
        inferencePeakBytes = totals.inferencePeakBytes
        batch = totals.batch
        bytesPerValue = totals.bytesPerValue
        pytorch = totals.framework.map(PyTorchMemory.init)
    }
}

/// What PyTorch really holds for a network at its batch: the framework memory model (docs/memory.md).
public struct PyTorchMemory: Sendable {
    /// Bytes autograd keeps between the forward and the backward pass, each storage once.
    public var keptBytes: Int
    /// The most bytes alive at once in one training step: weights, gradients, optimizer state, the input
    /// batch and activations.
    public var trainingPeakBytes: Int
    /// The row where the training peak falls, and whether in its backward pass.
    public var trainingPeakLayer: Int
    public var trainingPeakInBackward: Bool
    /// The most bytes alive at once in an inference pass without autograd.
    public var inferencePeakBytes: Int
    public var inferencePeakLayer: Int

    init(_ framework: FrameworkTotals) {
        keptBytes = framework.keptBytes
        trainingPeakBytes = framework.trainingPeakBytes
        trainingPeakLayer = framework.trainingPeakRow
        trainingPeakInBackward = framework.trainingPeakInBackward
        inferencePeakBytes = framework.inferencePeakBytes
        inferencePeakLayer = framework.inferencePeakRow
    }
}
