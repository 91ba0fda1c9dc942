/// What the analyzer computes: one row per layer, totals per network, and the settings they used.

/// A volume: its spatial sizes, then its channels, the notes' order. Two spatial axes (width x height x
/// depth) is the notes' volume; one is a sequence (length x channels: audio, text, a transformer's
/// tokens); three is a video or a medical volume (width x height x time x channels). Axes a shape does
/// not have are 1, so a count over all four values is the count of the shape.
struct Shape: Hashable, Sendable {
    var width: Int
    var height: Int
    /// The third spatial axis; 1 below three spatial axes.
    var time: Int
    /// The channels (the notes' depth).
    var depth: Int
    /// How many spatial axes: 1, 2 or 3.
    private var storedRank: Int8

    init(width: Int, height: Int, depth: Int) {
        (self.width, self.height, time, self.depth, storedRank) = (width, height, 1, depth, 2)
    }

    /// A shape of one to three spatial sizes (width first) and channels.
    init(spatial: [Int], depth: Int) {
        precondition((1...3).contains(spatial.count), "a shape has one to three spatial axes")
        width = spatial[0]
        height = spatial.count > 1 ? spatial[1] : 1
        time = spatial.count > 2 ? spatial[2] : 1
        self.depth = depth
        storedRank = Int8(spatial.count)
    }

    /// A vector of `depth` values at a rank (every spatial size 1): what FC and GAP give.
    init(vector depth: Int, rank: Int) {
        self.init(spatial: Array(repeating: 1, count: max(1, min(3, rank))), depth: depth)
    }

    /// How many spatial axes: 1 (a sequence), 2 (an image), 3 (a video or volume).
    var rank: Int { Int(storedRank) }

    /// The size along a spatial axis (0 width or length, 1 height, 2 time).
    subscript(axis: Int) -> Int {
        get {
            switch axis {
            case 0: return width
            case 1: return height
            default: return time
            }
        }
        set {
            switch axis {
            case 0: width = newValue
            case 1: height = newValue
            default: time = newValue
            }
        }
    }

    /// The spatial sizes, width first.
    var spatial: [Int] { (0..<rank).map { self[$0] } }

    /// True when every spatial size is 1 (a vector of channels).
    var isVector: Bool { width == 1 && height == 1 && time == 1 }

    /// `55x55x96`, or `4096` for a vector (every spatial size 1).
    var text: String { isVector ? "\(depth)" : fullText }

    /// `55x55x96` always: the spatial sizes, then the channels.
    var fullText: String { (spatial + [depth]).map(String.init).joined(separator: "x") }

    /// The sizes as JSON writes them: spatial sizes, then channels.
    var sizes: [Int] { spatial + [depth] }

    /// How the notes' names read at this rank: `WxHxD`, `LxC`, `WxHxTxC`.
    var formText: String { Shape.formText(rank: rank) }

    static func formText(rank: Int) -> String {
        switch rank {
        case 1: return "LxC"
        case 2: return "WxHxD"
        default: return "WxHxTxC"
        }
    }

    /// `1-D`, `2-D`, `3-D`.
    var rankText: String { "\(rank)-D" }

    func volume() throws(Overflow) -> Int {
        try checkedMultiply(try spatialVolume(), depth)
    }

    /// The number of positions: the product of the spatial sizes.
    func spatialVolume() throws(Overflow) -> Int {
        try checkedMultiply(try checkedMultiply(width, height), time)
    }

    /// True when an answer of this shape names `other`: the same sizes, or the same vector written at
    /// any rank (`10` for a sequence's 1x10).
    func answers(_ other: Shape) -> Bool {
        self == other || (isVector && other.isVector && depth == other.depth)
    }
}

/// Bytes per stored value.
enum DataType: String, CaseIterable, Sendable {
    case fp32, fp16, bf16, fp64, int8

    var bytes: Int {
        switch self {
        case .fp32: return 4
        case .fp16, .bf16: return 2
        case .fp64: return 8
        case .int8: return 1
        }
    }
}

/// The optimizer, for the memory its state takes per parameter.
enum Optimizer: String, CaseIterable, Sendable {
    case sgd, momentum, adam

    /// Values kept per parameter while training: the weight, its gradient and the optimizer's state.
    var copiesPerParameter: Int {
        switch self {
        case .sgd: return 2
        case .momentum: return 3
        case .adam: return 4
        }
    }

    /// The optimizer as PyTorch names it: `SGD with momentum`.
    var name: String {
        switch self {
        case .sgd: return "SGD"
        case .momentum: return "SGD with momentum"
        case .adam: return "Adam"
        }
    }

    /// The copies named, for the totals.
    var copiesDescription: String {
        switch self {
        case .sgd: return "weights + gradients"
        case .momentum: return "weights + gradients + momentum"
        case .adam: return "weights + gradients + 2 Adam moments"
        }
    }
}

/// Which memory model a figure follows.
enum MemoryModel: String, CaseIterable, Sendable {
    /// The CS231n notes' teaching model: every output stored, x2 for the backward pass.
    case notes
    /// What PyTorch really holds: what autograd keeps, the training and inference peaks (docs/memory.md).
    case pytorch
}

/// The settings a network is computed with.
struct Settings: Equatable, Sendable {
    var batch = 1
    var dataType = DataType.fp32
    var optimizer = Optimizer.momentum
    var rounding = Rounding.strict
    /// The memory model the output shows; nil when none was chosen (the notes' in reports, the
    /// framework's for `--fit`).
    var memory: MemoryModel?
    /// Mixed precision (`--amp`, PyTorch's autocast): activations in fp16, weights, gradients and
    /// optimizer state in fp32, and a half copy of the weights while they are used.
    var amp = false

    /// Bytes of an activation value: fp16 under mixed precision, else the data type's.
    var activationBytes: Int { amp ? 2 : dataType.bytes }
    /// Bytes of a weight, a gradient or an optimizer state value: fp32 under mixed precision.
    var weightBytes: Int { amp ? 4 : dataType.bytes }
    /// The memory model the report shows.
    var shownMemory: MemoryModel { memory ?? .notes }
}

/// Settings given on the command line, which override the spec's `@` directives.
struct SettingsOverride: Sendable {
    var batch: Int?
    var dataType: DataType?
    var optimizer: Optimizer?
    var rounding: Rounding?
    var memory: MemoryModel?
    var amp: Bool?
    /// A Caffe model's input dims, batch first (`--input-shape`), for a file that does not give them.
    var inputShape: [Int]?
    /// The order a spec's `INPUT[...]` sizes are written in (`--layout`): netcalc's own width x height x
    /// depth, or PyTorch's or Keras's, read as the user named it.
    var inputLayout = ShapeLayout.whd

    func applied(to base: Settings) -> Settings {
        var result = base
        if let batch { result.batch = batch }
        if let dataType { result.dataType = dataType }
        if let optimizer { result.optimizer = optimizer }
        if let rounding { result.rounding = rounding }
        if let memory { result.memory = memory }
        if let amp { result.amp = amp }
        // Mixed precision keeps weights in fp32: a spec's @dtype gives way to --amp.
        if result.amp { result.dataType = .fp32 }
        return result
    }
}

/// What flows from one row to the next: the volume, the row that made it, and its receptive field.
struct Flow: Sendable {
    var shape: Shape
    var receptiveField: Sizes
    var jump: Sizes
    /// The row that produced it.
    var producer: Int
}

/// What made a row: the network's input, a layer, a merge of branches, or (in a view folded with
/// `--depth`) a whole use of a block.
enum RowRole: Equatable, Sendable {
    case input
    case layer
    case merge(MergeKind)
    /// The rows of one block use, folded into one: the index into the report's `blocks`.
    case block(Int)
}

/// One use of a block: `bottleneck(256, 2)`, the second `bottleneck` used by its parent.
struct BlockInstance: Sendable {
    var name: String
    /// Which use of this block its parent made: 1 for the first.
    var ordinal: Int
    /// The use it is inside (0, the network itself, for a block the network uses); -1 for the network.
    var parent: Int
    /// 0 for the network, 1 for a block the network uses, 2 for a block used inside that, ...
    var depth: Int
    /// The call with its arguments' values: `bottleneck(256, 2)`.
    var text: String

    /// The network itself, the root of every path.
    static let network = BlockInstance(name: "", ordinal: 1, parent: -1, depth: 0, text: "")

    /// `bottleneck#2`; a model file's scope, named once in its parent (ordinal 0), is its name alone.
    var pathComponent: String { ordinal > 0 ? "\(name)#\(ordinal)" : name }

    /// True for a scope of a model file's layer names (`layer1`), whose rows' names carry their path.
    var isNamedScope: Bool { ordinal == 0 }
}

/// One layer of an analyzed network, with everything counted for it.
///
/// A network holds up to two million rows, so a row is kept small: counts and shapes in 64 bits, the
/// small numbers (index, depth, block, first input, source offsets) in 32, the flags together, each
/// small field placed where a shape's or a size's last word leaves room (256 bytes in all).
struct LayerRow: Sendable {
    /// The auto-name: `CONV1`, `POOL2`, `INPUT`.
    var name: String
    /// Where the row's text comes from: its resolved layer, or the row itself.
    private var source: RowSource
    // The small fields follow the shapes and sizes, in the bytes their alignment leaves free.
    var output: Shape
    /// The rounding the layer's windows used.
    var rounding = Rounding.strict
    /// True for the first row of a merge's branch.
    var startsBranch = false
    /// True for a layer that writes over its input (a Caffe in-place layer): it stores nothing new.
    var inPlace = false
    private var storedIndex: Int32 = 0
    /// The volume the layer reads (for a merge, its first branch's).
    var input = Shape(width: 0, height: 0, depth: 0)
    private var storedDepth: Int32 = 0
    var receptiveField = Sizes(square: 1)
    private var storedBlock: Int32 = 0
    var jump = Sizes(square: 1)
    private var storedFirstInput: Int32 = -1
    var weights = 0
    var biases = 0
    var nonTrainable = 0
    var macs = 0
    /// The values the row stores per image: its output's, and those it holds besides (`heldActivations`).
    var activations = 0
    /// Values held per image besides the output (an attention map), part of `activations`; they live
    /// while the layer runs and, for training, until its backward pass.
    var heldActivations = 0
    var forwardBytes = 0
    /// The rows whose outputs this layer reads after the first (a merge's other branches).
    var moreInputs: [Int] = []
    var role: RowRole
    private var rangeStart: UInt32
    private var rangeEnd: UInt32

    init(index: Int, name: String, role: RowRole, text: String, output: Shape, range: SourceRange) {
        self.name = name
        self.source = .written(WrittenText(text))
        self.output = output
        self.role = role
        (rangeStart, rangeEnd) = (0, 0)
        self.index = index
        self.range = range
    }

    /// The layer as written, white space folded: a layer row shows its resolved layer's text. Setting it
    /// makes the row's own text (a folded block's), with no resolved layer.
    var text: String {
        get {
            switch source {
            case .layer(let resolved): return resolved.shownText
            case .written(let written): return written.text
            }
        }
        set { source = .written(WrittenText(newValue)) }
    }

    /// The resolved layer, shared by every row its call made; nil for INPUT and merges.
    var resolved: ResolvedLayer? {
        get {
            switch source {
            case .layer(let resolved): return resolved
            case .written: return nil
            }
        }
        set {
            if let newValue { source = .layer(newValue) } else { source = .written(WrittenText(text)) }
        }
    }

    /// The row's place in its network.
    var index: Int {
        get { Int(storedIndex) }
        set { storedIndex = Int32(clamping: newValue) }  // a network has at most a few million rows
    }
    /// How many merges this row sits inside (0 on the main chain).
    var depth: Int {
        get { Int(storedDepth) }
        set { storedDepth = Int32(clamping: newValue) }
    }
    /// The block use the row belongs to (an index into the report's `blocks`; 0: the network itself).
    var block: Int {
        get { Int(storedBlock) }
        set { storedBlock = Int32(clamping: newValue) }
    }
    /// The row whose output this layer reads first (-1 for INPUT); kept apart from `moreInputs` so
    /// that the common row of one input allocates nothing.
    var firstInput: Int {
        get { Int(storedFirstInput) }
        set { storedFirstInput = Int32(clamping: newValue) }
    }
    /// Where the layer is written (files are at most 64 MiB, so offsets fit in 32 bits).
    var range: SourceRange {
        get { SourceRange(Int(rangeStart), Int(rangeEnd)) }
        set {
            rangeStart = UInt32(clamping: newValue.start)
            rangeEnd = UInt32(clamping: newValue.end)
        }
    }

    /// The rows whose outputs this layer reads.
    var inputs: [Int] {
        get { firstInput < 0 ? [] : [firstInput] + moreInputs }
        set {
            firstInput = newValue.first ?? -1
            moreInputs = Array(newValue.dropFirst())
        }
    }

    /// The resolved layer, for worked formulas; nil for INPUT and merges.
    var layer: Layer? { resolved?.layer }
    /// The layer's operation; nil for INPUT and merges.
    var operation: (any LayerOperation)? { resolved?.layer.operation }

    /// The JSON `op`: `input`, the layer's (`conv`), or the merge's (`add`).
    var op: String {
        switch role {
        case .input: return "input"
        case .layer: return resolved?.layer.operation.op ?? "layer"
        case .merge(let kind): return kind.rawValue
        case .block: return "block"
        }
    }

    var params: Int { weights + biases }
    var backwardBytes: Int { forwardBytes }

    /// Counts the row's activation values and bytes under a network's settings; a layer that writes
    /// over its input stores nothing new.
    mutating func countMemory(_ settings: Settings) throws(Overflow) {
        activations = try checkedAdd(inPlace ? 0 : try output.volume(), heldActivations)
        forwardBytes = try checkedProduct(activations, settings.batch, settings.activationBytes)
    }

    /// What flows out of the row.
    var flow: Flow { Flow(shape: output, receptiveField: receptiveField, jump: jump, producer: index) }
}

extension LayerRow {
    /// The row of a layer applied to a flow (its index, name and memory are set when it is added); its
    /// text is the resolved layer's.
    init(_ resolved: ResolvedLayer, effect: LayerEffect, reading flow: Flow, range: SourceRange) {
        self.init(index: 0, name: "", role: .layer, text: "", output: effect.output, range: range)
        input = flow.shape
        self.resolved = resolved
        rounding = effect.rounding
        firstInput = flow.producer
        receptiveField = effect.receptiveField
        jump = effect.jump
        weights = effect.weights
        biases = effect.biases
        nonTrainable = effect.nonTrainable
        macs = effect.macs
        heldActivations = effect.heldActivations
        inPlace = resolved.layer.arguments.inPlace
    }

    /// The row of a merge of flows: the largest receptive field of its inputs, and the step of those
    /// that keep the output's size (not a broadcast 1x1xD one).
    init(merging kind: MergeKind, of inputs: [Flow], output: Shape, text: String, range: SourceRange) {
        self.init(index: 0, name: "", role: .merge(kind), text: text, output: output, range: range)
        self.inputs = inputs.map(\.producer)
        input = inputs.first?.shape ?? output
        let rank = output.rank
        receptiveField = Sizes(axes: (0..<rank).map { axis in inputs.map { $0.receptiveField[axis] }.max() ?? 1 })
        let spatial = inputs.filter { $0.shape.spatial == output.spatial }
        jump = Sizes(axes: (0..<rank).map { axis in spatial.map { $0.jump[axis] }.max() ?? 1 })
    }
}

/// Where a row's text comes from. Both cases hold a reference, so that the whole is one word: a
/// String beside a reference would make every one of a million rows 16 bytes larger.
private enum RowSource: Sendable {
    /// A layer's row shows its resolved layer's text.
    case layer(ResolvedLayer)
    /// INPUT, a merge or a folded block use has text of its own.
    case written(WrittenText)
}

/// The text of a row that is not a layer's.
private final class WrittenText: Sendable {
    let text: String

    init(_ text: String) { self.text = text }
}

/// A resolved layer held by reference, so that the rows of a repeated call share one.
final class ResolvedLayer: Sendable {
    let layer: Layer
    /// The call as written, when it names no block parameter (else the rows show the filled-in layer).
    let text: String?
    /// The text the rows show: the call as written, or the filled-in layer.
    let shownText: String
    /// The width of the text the rows show, worked out once.
    let textWidth: Int
    /// The layer's framework memory facts, read once for every row it makes.
    let framework: FrameworkMemory

    /// Applies the layer; one that works in place must keep its input's shape.
    func apply(to input: LayerInput) throws(LayerFailure) -> LayerEffect {
        let ranks = layer.operation.ranks
        guard ranks.contains(rank: input.shape.rank) else {
            throw .invalid("\(input.name) takes \(ranks.text), not \(input.shape.fullText) (\(input.shape.rankText))",
                           hint: "\(layer.keyword) is a layer of \(ranks == .images ? "images" : "those ranks") only")
        }
        let effect = try layer.operation.apply(to: input)
        if layer.arguments.inPlace, effect.output != input.shape {
            throw .invalid("\(input.name) works in place, so its output must have its input's shape, not \(input.shape.fullText) -> \(effect.output.fullText)",
                           hint: "inplace suits layers that keep the shape: activations, batch norm, dropout")
        }
        return effect
    }

    init(_ layer: Layer, text: String?) {
        self.layer = layer
        self.text = text
        self.shownText = text ?? layer.canonicalText
        self.textWidth = displayWidth(shownText)
        self.framework = layer.operation.framework
    }
}

/// A network's totals (README, "How each number is counted").
struct Totals: Sendable {
    var params = 0
    var weights = 0
    var biases = 0
    var nonTrainable = 0
    var macs = 0
    var activations = 0
    var forwardBytes = 0
    var backwardBytes = 0
    var paramBytes = 0
    /// Parameter bytes times the copies the optimizer keeps.
    var trainingParamBytes = 0
    var trainingBytes = 0
    var inferencePeakBytes = 0
    /// The largest number of activation values alive at once (per image) while the layers run.
    var peakLiveActivations = 0
    /// The row at which that peak is reached.
    var peakRow = 0
    var batch = 1
    var bytesPerValue = 4
    /// The framework memory model's figures (`--memory pytorch`); nil when they overflow 64 bits.
    var framework: FrameworkTotals?
}

/// A layer whose sizes do not fit, met in `netcalc check` where its answer may say so.
struct UnfitLayer: Sendable {
    /// Where its answer starts in the source.
    var answerStart: Int
    var name: String
    var text: String
    var input: Shape
    /// The output depth the layer would have had.
    var depth: Int
    var axes: [WindowAxis]
}

/// One analyzed network.
struct NetworkReport: Sendable {
    var name: String
    var file: String
    var settings: Settings
    var rows: [LayerRow]
    var totals: Totals
    /// What the output states about how the network was read (an imported model's conventions).
    var notes: [String] = []
    /// The order a spec's INPUT was read in, when `--layout` named one other than netcalc's own.
    var inputLayout: ShapeLayout?
    /// The layers of an imported model that a partial analysis leaves out; empty for a whole one.
    var leftOut: [LeftOutLayer] = []
    /// Every block use, the network itself first.
    var blocks = [BlockInstance.network]
    /// The bytes each row keeps first under the framework memory model (empty when it overflows).
    var keptByRow: [Int] = []
    /// The framework model's walk of the whole network's rows (a folded view keeps it), for `--fit`,
    /// which walks it again at other batches.
    var frameworkWalk: FrameworkMemoryWalk?

    var input: Shape { rows.first?.output ?? Shape(width: 0, height: 0, depth: 0) }

    /// The bytes a row keeps first under the framework memory model; nil when the model overflowed.
    func keptBytes(of row: LayerRow) -> Int? {
        row.index >= 0 && row.index < keptByRow.count ? keptByRow[row.index] : nil
    }

    /// Walks the rows through the framework memory model, once the rows and block uses are final.
    mutating func walkFrameworkMemory() {
        let walk = FrameworkMemoryWalk(rows: rows, blocks: blocks, settings: settings)
        frameworkWalk = walk
        if let (framework, kept) = try? walk.run() {
            totals.framework = framework
            keptByRow = kept
        } else {
            totals.framework = nil
            keptByRow = []
        }
    }
}
