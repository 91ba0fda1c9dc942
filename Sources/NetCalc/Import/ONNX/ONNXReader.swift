/// Reads an ONNX model file into an `ImportedNetwork`: decodes the protobuf by hand, follows every
/// tensor's shape from the graph's input through each node (evaluating the constant shape
/// arithmetic exporters write around Reshape exactly), and writes each node that computes
/// something netcalc counts as a call of the spec language, resolved where it is made. The shape of
/// a layer's output is the one its own `apply` gives (a merge's, `MergeKind.combine`'s), so that
/// there is no second shape engine: the importer only lays that shape out in ONNX's dims.
///
/// Decisions, for the reader of the output:
/// - The input is the graph's first input that is neither an initializer nor a weight (below):
///   channels first with one to three spatial axes, `[N,C,L]`, `[N,C,H,W]` or `[N,C,D,H,W]` (or
///   `[N,H,W,C]` when every node reading it is a Transpose to NCHW), or `[N,F]`. Its spatial sizes
///   become netcalc's width first (`[N,C,D,H,W]` is `W x H x T x C`), and the window attributes,
///   given in ONNX's axis order, are reversed likewise. An input of rank 1 (no batch and channels) or
///   of rank 6 and more is refused, naming the input, its rank and the operators reading it. A batch
///   dim fixed in the file (any value of at least 1) is `ImportedNetwork.batch`; a symbolic or 0
///   batch leaves it nil and shapes are followed with a batch of 1.
/// - Weights given as graph inputs (ONNX's operator tests feed W, B, a scale or a slope so): a graph
///   input that every node reading it reads at a parameter position (Conv and ConvTranspose W and B,
///   Gemm B and C, the normalizations' scale, bias, mean and var, PRelu's slope, a 2-D second operand
///   of MatMul) is read as an initializer of its declared dims and no values, since netcalc never
///   needs a weight's values. Any other graph input is refused where a node reads it.
/// - Tensors carry a layout: channels first (NCHW and its 1-D and 3-D kin), NHWC (after a Transpose
///   `[0,2,3,1]`; Transposes between the two make no row) or 2-D `[N,F]`; the 5-D tensors of a
///   channel shuffle may only flow into the shuffle. An operation on "the last axis" of an NHWC
///   tensor is an operation on the channels.
/// - Elementwise arithmetic with a constant (a scalar, or one value per channel) that no pattern
///   claims makes no row: its output is its input, and a note counts them. Patterns: a written-out
///   LayerNorm and GELU, Sigmoid·x (SILU), HardSigmoid·x (HARDSWISH), MatMul + bias Add (one FC or
///   1x1 CONV), Mul + Add by per-channel constants (SCALE(bias)).
/// - The note that batch norm is folded is given for a PyTorch export (producer `pytorch`) with a
///   Conv whose bias is an initializer not named `<module>.bias`: the exporter names the biases it
///   makes by folding a BatchNorm `onnx::Conv_NNN` (TorchScript) or `<module>.weight_bias` (dynamo),
///   while a convolution's own bias keeps its module's name.
/// - The network's name is the graph's, unless it is empty or PyTorch's default `main_graph` (or
///   `torch_jit`, `torch-jit-export`), when the file's stem is more telling.
/// - Layers are applied with floor rounding (analysis rounds imported networks down); ceil_mode is a
///   `ceil` tag. Asymmetric padding becomes a `PAD` layer before the window with no padding of its
///   own; with ceil_mode, where ONNX would drop a last window starting in the end padding that the
///   padded window keeps, the node is refused.
enum ONNXReader {
    /// Reads an ONNX file's bytes in memory; `fileName` names it in messages and gives the default name.
    static func read(_ bytes: [UInt8], fileName: String) throws(ImportFailure) -> ImportedNetwork {
        try read(ModelBytes(bytes), fileName: fileName)
    }

    /// Reads an ONNX file, mapped or in memory: only its graph's bytes are read.
    static func read(_ bytes: ModelBytes, fileName: String) throws(ImportFailure) -> ImportedNetwork {
        let model: ONNXModel
        do throws(ProtobufError) {
            model = try ONNXModel(bytes: bytes)
        } catch {
            throw ONNXImporter.failure(
                "\(error.message) (at byte \(error.offset))", in: fileName,
                hint: "the file is truncated or is not an ONNX model (a ModelProto in protobuf's binary format)")
        }
        var importer = try ONNXImporter(model: model, fileName: fileName)
        return try importer.run()
    }
}

/// How a channels-first, channels-last, 2-D or shuffle tensor's axes are ordered.
enum ONNXLayout: Equatable, Sendable {
    /// Channels first: `[N, C, H, W]`, and `[N, C, L]` or `[N, C, D, H, W]` at the other ranks.
    case nchw
    /// `[N, H, W, C]`, channels last.
    case nhwc
    /// `[N, F]`.
    case flat
    /// `[N, g, C/g, H, W]`: the first reshape of a channel shuffle of g groups.
    case grouped(Int)
    /// `[N, C/g, g, H, W]`: a channel shuffle's transposed groups, to be reshaped back.
    case groupedTransposed(Int)
    /// Every value in one axis, batch included: the first step of dynamo's as_strided identity.
    case vector
    /// Any dims, followed by ONNX's own shape rules (a transformer's tokens, heads and scores;
    /// ONNXTensors.swift).
    case tensor

    var text: String {
        switch self {
        case .nchw: return "NCHW"
        case .nhwc: return "NHWC"
        case .flat: return "2-D"
        case .grouped, .groupedTransposed: return "5-D channel groups"
        case .vector: return "1-D"
        case .tensor: return "ONNX dims"
        }
    }
}

/// A tensor computed from the network's input: the imported tensor that holds it, its dims in
/// ONNX's order and its layout.
struct ONNXData: Sendable {
    var tensor: String
    var dims: [Int]
    var layout: ONNXLayout

    /// The axis of the channels, for 4-D and 2-D layouts.
    var channelAxis: Int? {
        switch layout {
        case .nchw, .flat: return 1
        case .nhwc: return 3
        case .grouped, .groupedTransposed, .vector, .tensor: return nil
        }
    }

    /// The spatial axes in ONNX's order (`[2, 3, 4]` for D, H, W of `[N, C, D, H, W]`); empty for a
    /// tensor without spatial axes.
    var spatialIndices: [Int] {
        switch layout {
        case .nchw: return dims.count > 2 ? Array(2..<dims.count) : []
        case .nhwc: return [1, 2]
        case .flat, .grouped, .groupedTransposed, .vector, .tensor: return []
        }
    }

    /// The axes of height and width, for 4-D layouts.
    var spatialAxes: (height: Int, width: Int)? {
        switch layout {
        case .nchw: return dims.count == 4 ? (2, 3) : nil
        case .nhwc: return (1, 2)
        case .flat, .grouped, .groupedTransposed, .vector, .tensor: return nil
        }
    }

    var channels: Int { channelAxis.map { dims[$0] } ?? 0 }
    var height: Int { spatialAxes.map { dims[$0.height] } ?? 1 }
    var width: Int { spatialAxes.map { dims[$0.width] } ?? 1 }

    /// The spatial sizes in ONNX's order (D, H, W).
    var spatialDims: [Int] { spatialIndices.map { dims[$0] } }

    /// True when every spatial size is 1 (or there is none): one vector of channels per item.
    var isPointwise: Bool { spatialDims.allSatisfy { $0 == 1 } }

    /// True for channels first with one to three spatial axes: what the windows and resampling read.
    var isChannelsFirst: Bool { layout == .nchw && (3...5).contains(dims.count) }

    /// The layout's name at this rank: `NCHW`, `NCL`, `NCDHW`.
    var layoutText: String {
        guard layout == .nchw else { return layout.text }
        switch dims.count {
        case 3: return "NCL"
        case 5: return "NCDHW"
        default: return layout.text
        }
    }

    /// `[1, 64, 56, 56] (NCHW)`.
    var text: String { "\(dims) (\(layoutText))" }

    /// How many spatial axes the tensor has (0 for [N, F] and a 1-D view).
    var spatialRank: Int {
        switch layout {
        case .nchw: return max(dims.count - 2, 0)
        case .nhwc: return 2
        case .grouped, .groupedTransposed: return max(dims.count - 3, 0)
        case .flat, .vector, .tensor: return 0
        }
    }

    /// The dims, in ONNX's order, of a tensor of netcalc's `shape` laid out in `layout` with `batch` and
    /// `spatialAxes` spatial axes: `(N, C, S1..Sk)` is `Shape(spatial: [Sk, ..., S1], depth: C)`,
    /// `(N, H, W, C)` is `W x H x C`, `(N, F)` a vector of F; a vector fills any number of axes with 1s
    /// (a shape of another rank is that of netcalc's network, which writes vectors at its own rank).
    /// Nil when the shape has no such dims.
    static func dims(of shape: Shape, batch: Int, layout: ONNXLayout, spatialAxes: Int) -> [Int]? {
        let spatial: [Int]
        if shape.rank == spatialAxes {
            spatial = shape.spatial
        } else if shape.isVector {
            spatial = Array(repeating: 1, count: spatialAxes)
        } else {
            spatial = []
        }
        switch layout {
        case .flat:
            return shape.isVector ? [batch, shape.depth] : nil
        case .nchw:
            guard (1...3).contains(spatialAxes), spatial.count == spatialAxes else { return nil }
            return [batch, shape.depth] + Array(spatial.reversed())
        case .nhwc:
            guard spatialAxes == 2, spatial.count == 2 else { return nil }
            return [batch, spatial[1], spatial[0], shape.depth]
        case .grouped, .groupedTransposed, .vector, .tensor:
            return nil
        }
    }
}

/// What the importer knows of a tensor.
enum ONNXValue: Sendable {
    case data(ONNXData)
    case constant(ONNXConstant)
}

/// The ONNX operators netcalc maps, by op_type.
enum ONNXOperator: String, CaseIterable, Sendable {
    case conv = "Conv", convTranspose = "ConvTranspose"
    case maxPool = "MaxPool", averagePool = "AveragePool", globalAveragePool = "GlobalAveragePool"
    case globalMaxPool = "GlobalMaxPool", reduceMean = "ReduceMean"
    case gemm = "Gemm", matMul = "MatMul"
    case flatten = "Flatten", reshape = "Reshape", transpose = "Transpose", squeeze = "Squeeze", unsqueeze = "Unsqueeze"
    case split = "Split", slice = "Slice", concat = "Concat", pad = "Pad", resize = "Resize", upsample = "Upsample"
    case batchNormalization = "BatchNormalization", layerNormalization = "LayerNormalization"
    case instanceNormalization = "InstanceNormalization", groupNormalization = "GroupNormalization", lrn = "LRN"
    case relu = "Relu", leakyRelu = "LeakyRelu", pRelu = "PRelu", clip = "Clip", elu = "Elu"
    case sigmoid = "Sigmoid", hardSigmoid = "HardSigmoid", hardSwish = "HardSwish", tanh = "Tanh"
    case gelu = "Gelu", mish = "Mish", softmax = "Softmax", dropout = "Dropout", identity = "Identity"
    case add = "Add", sub = "Sub", mul = "Mul", div = "Div", pow = "Pow"
    case sqrt = "Sqrt", erf = "Erf", neg = "Neg", reciprocal = "Reciprocal", abs = "Abs", floor = "Floor", ceil = "Ceil"
    case constant = "Constant", shape = "Shape", size = "Size", gather = "Gather", cast = "Cast", range = "Range"
    case constantOfShape = "ConstantOfShape", equal = "Equal", whereOp = "Where"
    case expand = "Expand", mod = "Mod"
    case reduceSum = "ReduceSum", reduceL2 = "ReduceL2", einsum = "Einsum", scatterND = "ScatterND", not = "Not"
    case gatherND = "GatherND"

    /// The hint listing what netcalc reads.
    static let supportedList: String = {
        "netcalc reads these ONNX operators (opset 7 to 21): "
            + allCases.map(\.rawValue).joined(separator: ", ")
    }()
}

/// The state of one import: what is known of each tensor, the layers made so far.
struct ONNXImporter {
    let fileName: String
    let model: ONNXModel
    let graph: ONNXGraph
    /// The default domain's opset version.
    let opset: Int
    /// The file, for diagnostics about a layer: an empty stand-in named as the file.
    let file: SourceFile
    /// Resolves each call where it is made, as analysis would.
    var resolver: ImportedCallResolver
    var values = ONNXValueTable()
    /// The shape analysis gives each tensor a layer writes (and the input): what the next layer is applied to.
    var shapes = JournaledDictionary<String, Shape>()
    var layers = JournaledArray<ImportedLayer>()
    /// The last layer writing each tensor, by its index in `layers`.
    var layerWriting = JournaledDictionary<String, Int>()
    var layerNames = JournaledSet<String>()
    /// The next number to try after each base name already taken.
    var nameCounters = JournaledDictionary<String, Int>()
    /// Every tensor name in the file, so that made-up names do not collide.
    var tensorNames = JournaledSet<String>()
    /// The next number to try after each made-up tensor name's base already taken.
    var tensorCounters = JournaledDictionary<String, Int>()
    // The graph's wiring below, to `otherInputs`, is set up before the first node and never changed by one,
    // so an attempt (ONNXJournal.swift) has nothing of it to take back; what follows it is journaled.
    /// The nodes reading each tensor, by index.
    var consumers: [String: [Int]] = [:]
    /// The node writing each tensor, by index.
    var producers: [String: Int] = [:]
    var graphOutputs: Set<String> = []
    /// The graph input followed.
    var followedInput = ""
    /// Graph inputs other than the one followed and the weights.
    var otherInputs: Set<String> = []
    /// The tensor each 1-D view of all values (`.vector`) was reshaped from.
    var vectorSources = JournaledDictionary<String, ONNXData>()
    /// Nodes a pattern has already turned into a layer.
    var claimed = JournaledSet<Int>()
    var elementwiseCount = 0
    /// The values of per-channel constants those operations read, which are not counted: summed
    /// checked, as every count from the file is (nil once the sum passes 64 bits).
    var droppedConstantValues = CheckedInt(0)
    /// LAYERNORM rows made from a normalization without learned scale and shift.
    var plainNorms = JournaledArray<String>()
    var notes = JournaledArray<String>()
    /// True when tensors may be followed by ONNX's shape rules (a batch of 1: ONNXTensors.swift); set
    /// before the first node.
    var followsTensors = false
    /// The stored tensors already counted as learned values of a TENSOROP row.
    var countedTensors = JournaledSet<String>()
    /// Each initializer's position in the graph, by name (the last of a name, as `values` keeps it); set
    /// before the first node.
    var initializerIndex: [String: Int] = [:]
    /// The attempt open, while a node's CNN mapping or shape rules are tried (ONNXJournal.swift).
    var attempt: ONNXAttempt?

    /// Opsets netcalc knows the rules of.
    static let opsets = 7...21

    /// An import failure with one error about the file named `fileName` (a binary file: the diagnostic
    /// gives no line), or about one of its nodes.
    static func failure(_ message: String, in fileName: String, hint: String? = nil, node: ModelNode? = nil) -> ImportFailure {
        var list = DiagnosticList()
        list.append(Diagnostic(.error, message, in: SourceFile(binaryNamed: fileName), hint: hint, node: node))
        return ImportFailure(diagnostics: list)
    }

    /// An import failure about the file: `model.onnx: error: MESSAGE`.
    func failure(_ message: String, hint: String? = nil) -> ImportFailure {
        ONNXImporter.failure(message, in: fileName, hint: hint)
    }

    /// The name a node goes by in messages and rows: its name, else its first output's.
    func label(_ node: ONNXNode) -> String {
        if !node.name.isEmpty { return node.name }
        return node.outputs.first { !$0.isEmpty } ?? node.opType
    }

    /// Where a diagnostic about a node points: `node 12 'Conv_3' (Conv)`, by its label.
    func place(_ node: ONNXNode) -> ModelNode {
        ModelNode(index: node.index, name: label(node), op: node.opType)
    }

    /// An import failure about a node: `model.onnx: node 12 'Conv_3' (Conv): error: MESSAGE`, the message
    /// saying what the node does (`has a weight of dims ...`).
    func failure(_ node: ONNXNode, _ message: String, hint: String? = nil) -> ImportFailure {
        ONNXImporter.failure(message, in: fileName, hint: hint, node: place(node))
    }

    init(model: ONNXModel, fileName: String) throws(ImportFailure) {
        self.fileName = fileName
        self.model = model
        file = SourceFile(binaryNamed: fileName)
        resolver = ImportedCallResolver(file: file)
        guard let graph = model.graph else {
            throw ONNXImporter.failure("the file holds no graph, so it is not an ONNX model", in: fileName,
                                       hint: "an ONNX model is a ModelProto whose field 7 is the graph")
        }
        self.graph = graph
        guard let opset = model.defaultOpset else {
            throw ONNXImporter.failure("the model imports no operator set of the default ONNX domain", in: fileName,
                                       hint: "ModelProto.opset_import needs an entry with domain \"\" and a version")
        }
        guard opset >= ONNXImporter.opsets.lowerBound else {
            throw ONNXImporter.failure(
                "the model uses opset \(opset), older than netcalc reads", in: fileName,
                hint: "netcalc reads opsets \(ONNXImporter.opsets.lowerBound) to \(ONNXImporter.opsets.upperBound); convert the model with onnx.version_converter")
        }
        self.opset = opset
    }

    /// Maps the whole graph.
    mutating func run() throws(ImportFailure) -> ImportedNetwork {
        try checkOperators()
        let initializerNames = Set(graph.initializers.map(\.name))
        for (index, tensor) in graph.initializers.enumerated() {
            values[tensor.name] = .constant(ONNXConstant(tensor))
            tensorNames.insert(tensor.name)
            initializerIndex[tensor.name] = index
        }
        for (index, node) in graph.nodes.enumerated() {
            for name in node.inputs where !name.isEmpty { consumers[name, default: []].append(index) }
            for name in node.outputs where !name.isEmpty {
                producers[name] = index
                tensorNames.insert(name)
            }
        }
        graphOutputs = Set(graph.outputs.map(\.name))
        let graphInputs = graph.inputs.filter { !initializerNames.contains($0.name) }
        tensorNames.formUnion(graphInputs.map(\.name))
        var inputs: [ONNXValueInfo] = []
        for info in graphInputs {
            if let weight = weightInput(info) {
                values[info.name] = .constant(weight)
            } else {
                inputs.append(info)
            }
        }
        guard let inputInfo = inputs.first else {
            throw failure(graphInputs.isEmpty ? "the graph declares no input that is not an initializer"
                          : "the graph declares no input other than initializers and weights")
        }
        for info in inputs.dropFirst() { otherInputs.insert(info.name) }
        followedInput = inputInfo.name
        let (input, batch) = try readInput(inputInfo)
        values[inputInfo.name] = .data(input)
        followsTensors = input.dims.first == 1
        let shape = input.layout == .flat ? Shape(width: 1, height: 1, depth: input.channels)
            : Shape(spatial: input.spatialDims.reversed(), depth: input.channels)
        shapes[inputInfo.name] = shape

        for index in graph.nodes.indices where !claimed.contains(index) {
            try process(index)
        }

        guard !graph.outputs.isEmpty else { throw failure("the graph declares no output") }
        for output in graph.outputs {
            // The node writing it, for the message: `(output 2 of node 'bn' (BatchNormalization))`.
            var writer = ""
            if let index = producers[output.name] {
                let node = graph.nodes[index]
                let position = node.outputs.firstIndex(of: output.name) ?? 0
                writer = " (\(position == 0 ? "" : "output \(position + 1) of ")node '\(label(node))' (\(node.opType)))"
            }
            switch values[output.name] {
            case .data(let data)?:
                if data.tensor == inputInfo.name {
                    throw failure("the graph's output '\(output.name)'\(writer) is its input: there are no layers to count")
                }
            case .constant?:
                throw failure("the graph's output '\(output.name)'\(writer) does not depend on the input's values as netcalc follows them",
                              hint: "netcalc follows the data through a network; a training-mode batch norm's running statistics are not among its rows")
            case nil:
                if !writer.isEmpty {
                    throw failure("the graph's output '\(output.name)'\(writer) is one netcalc does not compute",
                                  hint: "netcalc follows each node's first output (and a Split's parts); a mask, pool indices or a norm's statistics are not rows")
                }
                throw failure("no node writes the graph's output '\(output.name)'")
            }
        }
        guard !layers.isEmpty else { throw failure("the graph has no layers netcalc counts") }
        makeNotes()
        var network = ImportedNetwork(name: networkName, inputName: inputInfo.name, input: shape,
                                      batch: batch, layers: layers.elements, notes: notes.elements,
                                      inputRange: SourceRange(0, 0))
        // The modules each node ran in, where the exporter recorded them (dynamo names its nodes
        // `node_Conv_12`, with the modules in the node's metadata).
        for node in graph.nodes {
            if let scopes = node.scopes, !node.name.isEmpty { network.scopes[node.name] = scopes }
        }
        return network
    }

    /// The graph's name, or the file's stem when the graph has none or PyTorch's default.
    var networkName: String {
        let defaults: Set<String> = ["", "main_graph", "torch_jit", "torch-jit-export"]
        if !defaults.contains(graph.name) { return graph.name }
        var stem = Substring(fileName)
        if let slash = stem.lastIndex(of: "/") { stem = stem[stem.index(after: slash)...] }
        if stem.lowercased().hasSuffix(".onnx") { stem = stem.dropLast(5) }
        return stem.isEmpty ? "onnx" : String(stem)
    }

    /// Rejects, in one error for the file, every operator netcalc does not map: each op type named
    /// once, with how many nodes use it and the first of them, then the list of operators netcalc reads.
    func checkOperators() throws(ImportFailure) {
        var order: [String] = []
        var uses: [String: (count: Int, first: String)] = [:]
        for node in graph.nodes {
            let standard = node.domain.isEmpty || node.domain == "ai.onnx"
            if standard, ONNXOperator(rawValue: node.opType) != nil { continue }
            let what = standard ? node.opType : "\(node.opType) of the domain '\(node.domain)'"
            if let known = uses[what] {
                uses[what] = (known.count + 1, known.first)
            } else {
                order.append(what)
                uses[what] = (1, label(node))
            }
        }
        guard !order.isEmpty else { return }
        let named = order.map { what in
            let use = uses[what] ?? (1, "")
            return use.count == 1 ? "\(what) (node '\(use.first)')"
                : "\(what) (\(formatCount(use.count)) nodes, the first '\(use.first)')"
        }
        let subject = order.count == 1 ? "an operator" : "\(order.count) operators"
        throw failure("the graph uses \(subject) netcalc does not support: \(named.joined(separator: ", "))",
                      hint: ONNXOperator.supportedList)
    }

    /// The input positions at which an operator reads learned parameters, whose values netcalc never
    /// needs: a graph input read only there is a weight. MatMul's second operand is a weight when it
    /// is 2-D (`[F, K]`), which `weightInput` checks.
    static func parameterPositions(_ opType: String) -> Set<Int> {
        switch opType {
        case "Conv", "ConvTranspose", "Gemm", "InstanceNormalization", "LayerNormalization", "GroupNormalization":
            return [1, 2]
        case "BatchNormalization": return [1, 2, 3, 4]
        case "PRelu", "MatMul": return [1]
        default: return []
        }
    }

    /// A graph input that every node reading it reads at a parameter position, as a constant of its
    /// declared dims and no values; nil for any other graph input (the data followed, an argument, a
    /// second operand) or one whose dims are not all fixed.
    func weightInput(_ info: ONNXValueInfo) -> ONNXConstant? {
        guard let readers = consumers[info.name], !readers.isEmpty, let declared = info.dims else { return nil }
        var dims: [Int] = []
        for dim in declared {
            guard case .value(let value) = dim, value >= 0 else { return nil }
            dims.append(value)
        }
        guard ONNXConstant.product(dims) != nil else { return nil }
        for index in readers {
            let node = graph.nodes[index]
            guard node.domain.isEmpty || node.domain == "ai.onnx" else { return nil }
            let positions = ONNXImporter.parameterPositions(node.opType)
            for (position, name) in node.inputs.enumerated() where name == info.name {
                guard positions.contains(position) else { return nil }
                if node.opType == "MatMul", dims.count != 2 { return nil }
            }
        }
        return ONNXConstant(dims: dims, dataType: info.elementType ?? ONNXDataType.float, values: nil)
    }

    /// The followed input's tensor and the batch the file fixes.
    func readInput(_ info: ONNXValueInfo) throws(ImportFailure) -> (ONNXData, Int?) {
        let hint = "export with a fixed input size, e.g. torch.onnx.export(model, torch.randn(1, 3, 224, 224), ...)"
        var readers: [String] = []
        for index in consumers[info.name] ?? [] where !readers.contains(graph.nodes[index].opType) {
            readers.append(graph.nodes[index].opType)
        }
        let read = readers.isEmpty ? "" : " (read by \(readers.joined(separator: ", ")))"
        guard let dims = info.dims else {
            throw failure("the input '\(info.name)'\(read) has no declared shape", hint: hint)
        }
        guard (2...5).contains(dims.count) else {
            throw failure("the input '\(info.name)'\(read) has \(dims.count) \(dims.count == 1 ? "dim" : "dims"); netcalc reads tensors with a batch and channels first: [N,F], [N,C,L], [N,C,H,W] and [N,C,D,H,W]",
                          hint: dims.count < 2 ? "a tensor without its batch and channels axes is not one netcalc can lay out" : "netcalc's networks have one to three spatial axes")
        }
        var batch: Int?
        var sizes: [Int] = [1]
        for (axis, dim) in dims.enumerated() {
            switch dim {
            case .value(let value):
                if axis == 0 {
                    if value >= 1 { batch = value; sizes[0] = value }
                } else {
                    guard value >= 1 else {
                        throw failure("the input '\(info.name)' has the size \(value) on axis \(axis)", hint: hint)
                    }
                    sizes.append(value)
                }
            case .symbolic(let name):
                guard axis == 0 else {
                    throw failure("the input '\(info.name)' has the symbolic size '\(name)' on axis \(axis); netcalc needs fixed sizes",
                                  hint: hint)
                }
            case .unknown:
                guard axis == 0 else {
                    throw failure("the input '\(info.name)' has no size on axis \(axis); netcalc needs fixed sizes", hint: hint)
                }
            }
        }
        if sizes.count == 2 { return (ONNXData(tensor: info.name, dims: sizes, layout: .flat), batch) }
        // Channels last when every reader turns it to NCHW (a TensorFlow export).
        let readerNodes = consumers[info.name] ?? []
        let channelsLast = sizes.count == 4 && !readerNodes.isEmpty && readerNodes.allSatisfy { index in
            let node = graph.nodes[index]
            return node.opType == "Transpose" && node.attribute("perm")?.ints == [0, 3, 1, 2]
        }
        return (ONNXData(tensor: info.name, dims: sizes, layout: channelsLast ? .nhwc : .nchw), batch)
    }

    /// The notes the output states.
    mutating func makeNotes() {
        if model.producerName == "pytorch" {
            let initializers = Set(graph.initializers.map(\.name))
            // The dynamo exporter's optimizer says so on the Conv (a folded bias of zeros is left out).
            let folded = graph.nodes.contains { node in
                guard node.opType == "Conv" else { return false }
                if node.rewrites.contains("FuseBatchNormIntoConv") { return true }
                guard node.inputs.count > 2 else { return false }
                let bias = node.inputs[2]
                guard !bias.isEmpty, initializers.contains(bias) else { return false }
                return !bias.hasSuffix(".bias")
            }
            if folded {
                notes.append("batch norm is folded into the convolutions (an eval-mode export): the parameters are the file's, which differ from the framework's")
            }
        }
        if elementwiseCount > 0 {
            var note = elementwiseCount == 1
                ? "1 elementwise operation the exporter wrote out is not a row"
                : "\(elementwiseCount) elementwise operations the exporter wrote out are not rows"
            if droppedConstantValues.value != 0 {
                let whose = elementwiseCount == 1 ? "its per-channel constant" : "their per-channel constants"
                if let count = droppedConstantValues.value {
                    note += " (the \(count) values of \(whose) are not counted as parameters)"
                } else {
                    note += " (the values of \(whose), more than \(formatCount(Int.max)) in all, are not counted as parameters)"
                }
            }
            notes.append(note)
        }
        if !plainNorms.isEmpty {
            notes.append("\(plainNorms.count == 1 ? "a layer norm" : "\(plainNorms.count) layer norms") (\(plainNorms.prefix(3).joined(separator: ", "))\(plainNorms.count > 3 ? ", ..." : "")) have no learned scale and shift in the file; LAYERNORM counts them")
        }
        if opset > ONNXImporter.opsets.upperBound {
            notes.append("the model uses opset \(opset), newer than netcalc knows (\(ONNXImporter.opsets.lowerBound) to \(ONNXImporter.opsets.upperBound)): it is read by opset \(ONNXImporter.opsets.upperBound)'s rules")
        }
    }

    // MARK: Reading a node's inputs and attributes

    /// The value a node reads at an input position, or nil when the input is omitted.
    func value(_ node: ONNXNode, _ position: Int) throws(ImportFailure) -> ONNXValue? {
        guard position < node.inputs.count, !node.inputs[position].isEmpty else { return nil }
        let name = node.inputs[position]
        if let value = values[name] { return value }
        if otherInputs.contains(name) {
            let declared = graph.inputs.first { $0.name == name }?.dims
            let role: String
            if !ONNXImporter.parameterPositions(node.opType).contains(position) {
                role = "where it needs the values or computed data"
            } else if node.opType == "MatMul", let declared, declared.count != 2 {
                role = "a second operand of \(declared.count) dims, not a weight [F, K]"
            } else {
                role = "as a weight, but another node reads it elsewhere or its dims are not all fixed"
            }
            throw failure(node, "reads the graph input '\(name)' at its input \(position), \(role); netcalc follows one input, '\(followedInput)', and reads other graph inputs only as weights of fixed dims")
        }
        if producers[name] != nil {
            throw failure(node, "reads '\(name)' before the node that writes it: the nodes are not in topological order")
        }
        throw failure(node, "reads '\(name)', which is no graph input, initializer or node output")
    }

    /// A computed tensor the node needs at an input position: NCHW, NHWC or [N, F] (the 5-D and 1-D
    /// steps of a channel shuffle or as_strided flow only into the nodes that complete them).
    func data(_ node: ONNXNode, _ position: Int, _ what: String = "its input") throws(ImportFailure) -> ONNXData {
        switch try value(node, position) {
        case .data(let data)?: return try standard(node, data)
        case .constant?: throw failure(node, "has a constant as \(what); netcalc expects data computed from the input there")
        case nil: throw failure(node, "lacks \(what)")
        }
    }

    /// The tensor, when its layout is NCHW, NHWC or [N, F].
    func standard(_ node: ONNXNode, _ data: ONNXData) throws(ImportFailure) -> ONNXData {
        guard data.channelAxis == nil else { return data }
        throw failure(node, "reads a tensor of dims \(data.text); netcalc follows such a tensor only into the Reshape, Transpose or Gather that completes a channel shuffle or an as_strided view")
    }

    /// A constant the node reads at an input position, or nil when omitted.
    func constant(_ node: ONNXNode, _ position: Int, _ what: String) throws(ImportFailure) -> ONNXConstant? {
        switch try value(node, position) {
        case .constant(let constant)?: return constant
        case .data?:
            throw failure(node, "computes \(what) from the input's data; netcalc needs it constant")
        case nil: return nil
        }
    }

    /// A constant's integer values, which the node needs.
    func ints(_ node: ONNXNode, _ constant: ONNXConstant, _ what: String) throws(ImportFailure) -> [Int] {
        guard let list = constant.ints else {
            throw failure(node, "needs \(what) as known integers, but they are \(constant.known == nil ? "not stored in the file" : "not whole numbers")")
        }
        return list
    }

    /// An integer attribute, or its default.
    func int(_ node: ONNXNode, _ name: String, _ fallback: Int) -> Int {
        node.attribute(name)?.int ?? fallback
    }

    /// An integer-list attribute, if given.
    func intList(_ node: ONNXNode, _ name: String) -> [Int]? {
        node.attribute(name)?.ints
    }

    /// A float attribute, if given.
    func float(_ node: ONNXNode, _ name: String) -> Float? {
        node.attribute(name)?.float
    }

    /// A string attribute, if given.
    func string(_ node: ONNXNode, _ name: String) -> String? {
        node.attribute(name)?.string
    }

    /// The node's first output's name.
    func output(_ node: ONNXNode) throws(ImportFailure) -> String {
        guard let name = node.outputs.first, !name.isEmpty else { throw failure(node, "has no output") }
        return name
    }

    // MARK: Making layers

    /// A layer name not used before: the base, else the base with `#2`, `#3`, ...
    mutating func uniqueLayerName(_ base: String) -> String {
        var name = base
        var counter = nameCounters[base] ?? 2
        while layerNames.contains(name) {
            name = "\(base)#\(counter)"
            counter += 1
        }
        nameCounters[base] = counter
        layerNames.insert(name)
        return name
    }

    /// A tensor name the file does not use: the base, else the base with `#2`, `#3`, ... The search for
    /// a base goes on from where its last one ended, so that nodes writing one name again (each made-up
    /// `y/pad` another `#N`) cost one step each, not a step per name made before.
    mutating func freshTensorName(_ base: String) -> String {
        var name = base
        var counter = tensorCounters[base] ?? 2
        while tensorNames.contains(name) {
            name = "\(base)#\(counter)"
            counter += 1
        }
        tensorCounters[base] = counter
        tensorNames.insert(name)
        return name
    }

    /// Adds a layer that calls `call` on one input and records its output tensor, in `layout`: the call
    /// is resolved as a spec's call is and applied to the input's shape with floor rounding (the
    /// analysis's for a model file; a `ceil` tag rounds its window up), and the output's dims are the
    /// shape it gives. A problem resolving or applying it is reported at the layer, as analysis words it.
    @discardableResult
    mutating func emit(_ node: ONNXNode, _ call: ImportedCall, input: ONNXData, output: String, layout: ONNXLayout,
                       suffix: String = "") throws(ImportFailure) -> ONNXData {
        let name = uniqueLayerName(label(node) + suffix)
        let resolved = try resolve(call, layer: name, node: node)
        let shape = try shape(node, of: input)
        let layerInput = LayerInput(shape: shape, receptiveField: Sizes(square: 1), jump: Sizes(square: 1), rounding: .floor,
                                    keyword: resolved.layer.layer.keyword, ordinal: 0, givenName: name)
        let effect: LayerEffect
        do throws(LayerFailure) {
            effect = try resolved.layer.apply(to: layerInput)
        } catch {
            throw failure(node, name: name, text: call.text, error, input: shape)
        }
        return try record(node, .call(resolved), name: name, reading: [input], writing: output, shape: effect.output,
                          layout: layout)
    }

    /// Adds a merge of `inputs` into `output`, in `layout`: its shape is the merge's own (`MergeKind.combine`).
    @discardableResult
    mutating func emitMerge(_ node: ONNXNode, _ kind: MergeKind, reading inputs: [ONNXData], writing output: String,
                            layout: ONNXLayout) throws(ImportFailure) -> ONNXData {
        let name = uniqueLayerName(label(node))
        var shapes: [Shape] = []
        for input in inputs { shapes.append(try shape(node, of: input)) }
        let combined: Shape
        do throws(LayerFailure) {
            combined = try kind.combine(shapes)
        } catch {
            throw failure(node, name: name, text: kind.keyword, error, input: shapes.first)
        }
        return try record(node, .merge(kind), name: name, reading: inputs, writing: output, shape: combined, layout: layout)
    }

    /// The failure of a layer that cannot be applied to its input: sizes that overflow are the node's
    /// (`has sizes whose arithmetic does not fit in 64 bits`), any other problem is worded as analysis
    /// words it.
    func failure(_ node: ONNXNode, name: String, text: String, _ error: LayerFailure, input: Shape?) -> ImportFailure {
        switch error {
        case .overflow:
            return failure(node, "has sizes whose arithmetic does not fit in 64 bits")
        case .invalid, .notWhole:
            return ImportFailure(ImportedCallResolver.diagnostic(error, layer: name, text: text, input: input,
                                                                 at: SourceRange(0, 0), in: file, node: place(node)))
        }
    }

    /// Appends a layer and records its output tensor: netcalc's shape, and the dims it has in `layout`
    /// at the first input's batch and number of spatial axes.
    private mutating func record(_ node: ONNXNode, _ computation: ImportedLayer.Computation, name: String,
                                 reading inputs: [ONNXData], writing output: String, shape: Shape,
                                 layout: ONNXLayout) throws(ImportFailure) -> ONNXData {
        let first = inputs.first
        guard let dims = ONNXData.dims(of: shape, batch: first?.dims.first ?? 1, layout: layout,
                                       spatialAxes: first?.spatialRank ?? 0) else {
            throw failure(node, "gives netcalc's shape \(shape.fullText), which has no dims in ONNX's \(layout.text) layout here")
        }
        appendLayer(ImportedLayer(name: name, computation: computation, inputs: inputs.map(\.tensor), output: output,
                                  range: SourceRange(0, 0), node: place(node)))
        let data = ONNXData(tensor: output, dims: dims, layout: layout)
        values[output] = .data(data)
        shapes[output] = shape
        return data
    }

    /// Appends a layer, the last one writing its output tensor.
    mutating func appendLayer(_ layer: ImportedLayer) {
        layerWriting[layer.output] = layers.count
        layers.append(layer)
    }

    /// The shape analysis gives the tensor holding `data`: the network's input, or a layer's output.
    func shape(_ node: ONNXNode, of data: ONNXData) throws(ImportFailure) -> Shape {
        guard let shape = shapes[data.tensor] else {
            throw failure(node, "reads '\(data.tensor)', whose shape netcalc did not record", hint: "this is netcalc's fault: please report it")
        }
        return shape
    }

    /// Adds a layer that keeps its input's layout.
    mutating func emitKeeping(_ node: ONNXNode, _ call: ImportedCall, input: ONNXData) throws(ImportFailure) {
        try emit(node, call, input: input, output: try output(node), layout: input.layout)
    }

    /// Makes a node's output stand for an existing tensor (no row).
    mutating func alias(_ node: ONNXNode, to data: ONNXData) throws(ImportFailure) {
        values[try output(node)] = .data(data)
    }

    /// Checked arithmetic on sizes from the file; overflow is an error naming the node.
    func checked(_ node: ONNXNode, _ body: () throws(Overflow) -> Int) throws(ImportFailure) -> Int {
        do throws(Overflow) {
            return try body()
        } catch {
            throw failure(node, "has sizes whose arithmetic does not fit in 64 bits")
        }
    }

    /// A constant computation; a failure is an error naming the node.
    func folding(_ node: ONNXNode, _ body: () throws(ConstantFailure) -> ONNXConstant) throws(ImportFailure) -> ONNXConstant {
        do throws(ConstantFailure) {
            return try body()
        } catch {
            throw failure(node, "cannot be evaluated: \(error.message)")
        }
    }

    /// The consumers of a tensor, when it is not a graph output.
    func soleConsumer(_ tensor: String) -> Int? {
        guard !graphOutputs.contains(tensor), let list = consumers[tensor], list.count == 1 else { return nil }
        return list[0]
    }
}

/// Text for call arguments.
enum CallText {
    /// A float attribute as a decimal without exponent (`0.01`, `0.00001`), from its shortest form.
    static func decimal(_ value: Float) -> String {
        let text = value.description
        guard let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }),
              let exponent = Int(text[text.index(after: e)...]) else {
            return text.hasSuffix(".0") ? String(text.dropLast(2)) : text
        }
        var mantissa = String(text[..<e])
        let negative = mantissa.hasPrefix("-")
        if negative { mantissa.removeFirst() }
        let parts = mantissa.split(separator: ".", omittingEmptySubsequences: false)
        let whole = parts.first.map(String.init) ?? "0"
        let fraction = parts.count > 1 ? String(parts[1]) : ""
        var digits = whole + fraction
        var point = whole.count + exponent
        if point <= 0 {
            digits = String(repeating: "0", count: -point + 1) + digits
            point = 1
        } else if point > digits.count {
            digits += String(repeating: "0", count: point - digits.count)
        }
        var integer = String(digits.prefix(point))
        var rest = String(digits.dropFirst(point))
        while rest.hasSuffix("0") { rest.removeLast() }
        while integer.count > 1, integer.hasPrefix("0") { integer.removeFirst() }
        return (negative ? "-" : "") + integer + (rest.isEmpty ? "" : "." + rest)
    }
}
