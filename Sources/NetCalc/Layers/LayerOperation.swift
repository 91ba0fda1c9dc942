/// What a layer kind must say about itself. Each kind (or small family of kinds) is one file in this
/// folder: a `LayerDefinition` per keyword — its schema, and how checked arguments make the operation —
/// and a type conforming to `LayerOperation` with every facet below. None of the requirements has a
/// default, so a kind that forgets one does not build; `LayerCatalog.definitions` lists the kinds.

/// One layer's computation: what it does to a volume, how `--explain` words it, and its PyTorch module.
protocol LayerOperation: Sendable {
    /// The JSON `op` of the rows it makes: `conv`, `maxpool`.
    var op: String { get }

    /// Applies the layer to the volume flowing in: output shape, parameters, MACs, receptive field.
    /// Every count is checked arithmetic; a setting that does not fit is a `LayerFailure`.
    func apply(to input: LayerInput) throws(LayerFailure) -> LayerEffect

    /// The worked formulas of a row this layer made, the numbers put in.
    func explain(_ row: ExplainedRow) -> LayerExplanation

    /// The PyTorch module computing this layer for the row's input (`nn.Conv2d(3, 96, 11, stride=4)`),
    /// its numbers taken through the context (so that a block's class writes them in its parameters).
    func pytorch(_ context: PyTorchContext) -> PyTorchModule

    /// What `netcalc check` needs to know of the kind to name a student's mistake.
    var grading: GradingTraits { get }

    /// What PyTorch keeps of the layer for its backward pass, where its output lives and what it
    /// allocates while it runs: the framework memory model's facts (`--memory pytorch`).
    var framework: FrameworkMemory { get }

    /// The spatial ranks it takes: sequences, images, volumes. A layer given another is an error,
    /// checked before `apply`, that says which it takes.
    var ranks: SpatialRanks { get }
}

/// The spatial ranks a layer kind takes: sequences (1-D, `LxC`), images (2-D, `WxHxD`), volumes (3-D,
/// `WxHxTxC`).
struct SpatialRanks: OptionSet, Sendable {
    let rawValue: UInt8

    static let sequences = SpatialRanks(rawValue: 1)
    static let images = SpatialRanks(rawValue: 2)
    static let volumes = SpatialRanks(rawValue: 4)
    /// Every rank: what a kind working along each axis, or on the channels alone, takes.
    static let every: SpatialRanks = [.sequences, .images, .volumes]

    /// True when it takes inputs of `rank` spatial axes.
    func contains(rank: Int) -> Bool {
        (1...3).contains(rank) && contains(SpatialRanks(rawValue: 1 << (rank - 1)))
    }

    /// `2-D inputs (WxHxD)`, `1-D and 3-D inputs (LxC, WxHxTxC)`.
    var text: String {
        let ranks = (1...3).filter { contains(rank: $0) }
        let names = ranks.map { "\($0)-D" }
        let joined = names.count <= 1 ? names.joined() : names.dropLast().joined(separator: ", ") + " and " + names[names.count - 1]
        return "\(joined) inputs (\(ranks.map { Shape.formText(rank: $0) }.joined(separator: ", ")))"
    }
}

/// What a grader reads of a layer kind: what its biases belong to, and what it pools by.
struct GradingTraits: Sendable {
    /// What one bias belongs to.
    enum BiasOwner: Sendable {
        /// One per output value (FC).
        case output
        /// One per filter (the convolutions).
        case filter
        /// One beta per channel (the normalizations, SCALE).
        case channel
    }

    /// How a pool reduces its window.
    enum Pooling: Sendable {
        case maximum, average
        /// One average of each whole channel (GAP).
        case channelAverage
    }

    /// Nil for a kind without biases.
    var biases: BiasOwner?
    /// Nil for a kind that does not pool.
    var pooling: Pooling?

    /// A kind with no biases that does not pool.
    static let plain = GradingTraits()
}

/// A layer call with its arguments evaluated and checked: everything needed to apply it to a volume.
struct Layer: Sendable {
    /// The keyword as written, upper case: rows are named after it (`POOL1` for `POOL`).
    var keyword: String
    /// The arguments given, evaluated, in the schema's order: the row text inside blocks and `fmt`.
    var arguments: ArgumentValues
    var operation: any LayerOperation

    /// The layer written out with its values: `CONV(128,3,s2,p1,nobias)`.
    var canonicalText: String { arguments.canonicalText(keyword: keyword) }
}

/// What flows into a layer.
struct LayerInput: Sendable {
    var shape: Shape
    /// The receptive field of one input position, in network input pixels.
    var receptiveField: Sizes
    /// How many network input pixels one step along the input moves.
    var jump: Sizes
    /// The network's rounding, for windows that have no `floor` or `ceil` tag.
    var rounding: Rounding
    /// The layer's keyword and how many rows of that keyword come before it plus one.
    var keyword: String
    var ordinal: Int
    /// The row's name when it has its own (an imported layer's name in its file).
    var givenName: String? = nil
    /// The network's input, for a layer that sees all of it from a tensor of another rank (a sequence
    /// of an image's tokens); nil where it is not known.
    var networkInput: Shape? = nil

    /// The name the row will take (`CONV3`), for messages; made only when one is needed.
    var name: String { givenName ?? rowName(keyword, ordinal) }
}

/// `CONV3`; a keyword that ends in a digit takes a separator, so the sixth RELU6 is `RELU6_6`.
func rowName(_ keyword: String, _ count: Int) -> String {
    keyword.last?.isNumber == true ? "\(keyword)_\(count)" : "\(keyword)\(count)"
}

/// What a layer makes of its input: the counts of its row.
struct LayerEffect: Sendable {
    var output: Shape
    var weights = 0
    var biases = 0
    /// Stored values that are not trained (batch norm's running mean and variance).
    var nonTrainable = 0
    var macs = 0
    /// Values the layer holds per image besides its output (an attention map), counted in its memory.
    var heldActivations = 0
    var receptiveField: Sizes
    var jump: Sizes
    /// The rounding its windows used (the network's unless the layer has a tag).
    var rounding: Rounding

    /// The input passed through: same shape, same receptive field, nothing counted.
    init(keeping input: LayerInput) {
        output = input.shape
        receptiveField = input.receptiveField
        jump = input.jump
        rounding = input.rounding
    }
}

/// Why a layer cannot be applied to its input.
enum LayerFailure: Error, Sendable {
    /// A count does not fit in 64 bits.
    case overflow
    /// The arguments do not suit this input: a message and an optional hint.
    case invalid(String, hint: String?)
    /// Strict rounding, and a window does not tile its input: the analyzer words the error and
    /// looks for settings that fit. `depth` is what the output depth would have been.
    case notWhole(axes: [WindowAxis], depth: Int)

    init(_ overflow: Overflow) { self = .overflow }
}

/// Runs checked arithmetic inside `apply`, turning its overflow into a `LayerFailure`.
func counting<T>(_ body: () throws(Overflow) -> T) throws(LayerFailure) -> T {
    do {
        return try body()
    } catch {
        throw .overflow
    }
}

/// A row as `--explain` sees it, with the receptive field of what it read.
struct ExplainedRow {
    var row: LayerRow
    /// The receptive field and jump of the layer's input (1 and 1 at the network's input).
    var inputReceptiveField: Sizes
    var inputJump: Sizes
}

/// A layer's worked formulas, one line each.
struct LayerExplanation: Sendable {
    /// `W2 = (227 - 11 + 2*0)/4 + 1 = 55; H2 the same; D2 = K = 96 -> 55x55x96`.
    var shape: String
    var weights: String
    var params: String
    /// The stored values that are not trained, when the layer has any.
    var nonTrainable: String?
    var macs: String
    var receptiveField: String
    /// More lines a teacher would add (im2col's matrix sizes).
    var extra: [String] = []
}

/// What a layer's PyTorch module is written from: the row (its shapes), the input's channels and form,
/// and, inside a block's class, the arguments as written, so that a module reads
/// `nn.Conv2d(in_channels, 4 * c, 1)` where the block says `CONV(4*c,1)`. Every number a facet takes
/// from here carries its value at this use; the emitter writes an expression only where it gives that
/// value, and otherwise the number itself.
struct PyTorchContext {
    var row: LayerRow
    /// The input's channels (`in_channels`, a block parameter, or a number).
    var channels: PyValue
    /// True when the input arrives as (N, K), after a linear layer; a facet whose module reads
    /// 4-D tensors need not care (the emitter views the input as (N, K, 1, 1) first).
    var flat = false
    /// The written arguments, inside a block's class; nil elsewhere (every number is then written as it is).
    var symbols: PyTorchSymbols?

    /// The context of a row outside any block: every number written as it is.
    init(row: LayerRow) {
        self.row = row
        channels = .literal(row.input.depth)
    }

    init(row: LayerRow, channels: PyValue, flat: Bool, symbols: PyTorchSymbols?) {
        self.row = row
        self.channels = channels
        self.flat = flat
        self.symbols = symbols
    }

    /// A count argument (`k`, `g`): the written expression when it gives `value` here, else `value`.
    func count(_ parameter: String, _ value: Int) -> PyValue {
        guard let symbols, let written = symbols.arguments[parameter] else { return .literal(value) }
        switch written {
        case .scalar(let expression):
            return symbols.value(expression, value)
        case .word(let word):
            return symbols.value(.name(word, SourceRange(0, 0)), value)
        case .size, .decimal:
            return .literal(value)
        }
    }

    /// A size argument (`f`, `s`, `p`): each axis written as given (`k`, `w x h`) where that gives the
    /// value here. `orElse` names the parameter whose value it takes when not given (a pool's stride).
    func sizes(_ parameter: String, _ value: Sizes, orElse other: String? = nil) -> PySizes {
        let rank = row.input.rank
        guard let symbols else { return .literal(value, rank: rank) }
        guard let written = symbols.arguments[parameter] else {
            return other.map { sizes($0, value) } ?? .literal(value, rank: rank)
        }
        switch written {
        case .scalar(let expression):
            return PySizes((0..<rank).map { symbols.value(expression, value[$0]) })
        case .word(let word):
            let name = Expression.name(word, SourceRange(0, 0))
            return PySizes((0..<rank).map { symbols.value(name, value[$0]) })
        case .size(let axes) where axes.count == rank:
            return PySizes((0..<rank).map { symbols.value(axes[$0], value[$0]) })
        case .size, .decimal:
            return .literal(value, rank: rank)
        }
    }
}

/// A block's arguments as written at one layer of its body, for `PyTorchContext`.
struct PyTorchSymbols {
    /// The call's arguments by the schema's parameter name (`k`, `f`, `s`).
    var arguments: [String: ArgumentValue]
    /// The block's parameters' Python names, by the spec's name.
    var names: [String: String]
    /// The values of the Python names at this use.
    var environment: [String: Int]

    /// The expression as Python, if it gives `value` at this use; else `value`.
    func value(_ expression: Expression, _ value: Int) -> PyValue {
        guard let python = python(expression) else { return .literal(value) }
        return PyValue(value, python).checked(environment)
    }

    /// A spec expression in the block's Python names; nil when it names something else.
    func python(_ expression: Expression) -> PyExpr? {
        switch expression {
        case .literal(let value, _): return .int(value)
        case .name(let name, _): return names[name].map { .name($0) }
        case .negate(let inner, _): return python(inner).map { .negate($0) }
        case .binary(let op, let lhs, let rhs, _):
            guard let a = python(lhs), let b = python(rhs) else { return nil }
            switch op {
            case .add: return .add(a, b)
            case .subtract: return .subtract(a, b)
            case .multiply: return .multiply(a, b)
            case .divide: return .divide(a, b)
            }
        }
    }
}

/// The form of a tensor between layers: (N, C, H, W), or (N, K) after a linear layer.
enum TensorForm: Sendable {
    case spatial, flat
    /// Either, kept as it is (an activation).
    case either
}

/// A Python call: `nn.Conv2d(3, 64, 7, stride=2, padding=3, bias=False)`.
struct PyCall {
    var function: String
    var arguments: [(label: String?, value: PyArgument)] = []

    init(_ function: String, _ positional: PyArgument...) {
        self.function = function
        arguments = positional.map { (nil, $0) }
    }

    /// Adds `label=value`.
    mutating func add(_ label: String, _ value: PyArgument) {
        arguments.append((label, value))
    }
}

/// One argument of a call.
enum PyArgument {
    case value(PyValue)
    /// Sizes along the spatial axes: one number when they are equal, else a tuple, last axis first.
    case sizes(PySizes)
    case bool(Bool)
    /// A rate or slope as the spec writes it (`0.5`).
    case float(String)
    case string(String)
    /// Fixed Python text of netcalc's own (`float('-inf')`).
    case code(String)
    indirect case tuple([PyArgument])
}

/// A layer's PyTorch module: the call, an explicit padding applied before it when PyTorch's own
/// padding would not give netcalc's size, the helper classes it needs, and how it changes the tensor.
struct PyTorchModule {
    var call: PyCall
    /// `nn.ConstantPad2d((l, r, t, b), value)`, applied first.
    var padding: PyCall?
    /// Python class definitions the call uses, each emitted once (keyed by class name).
    var helpers: [PyTorchHelper] = []
    /// The output's channels, when the layer changes them.
    var channels: PyValue?
    /// The form it reads; the emitter flattens or views the input to suit.
    var reads = TensorForm.spatial
    /// The form it gives; nil: the form it reads (or, reading either, the input's).
    var gives: TensorForm?

    init(_ call: PyCall, padding: PyCall? = nil, helpers: [PyTorchHelper] = [], channels: PyValue? = nil,
         reads: TensorForm = .spatial, gives: TensorForm? = nil) {
        self.call = call
        self.padding = padding
        self.helpers = helpers
        self.channels = channels
        self.reads = reads
        self.gives = gives
    }
}

/// A Python class an emitted module needs, defined once at the top of the emitted file.
struct PyTorchHelper: Sendable, Equatable {
    var name: String
    var source: String
}

extension LayerExplanation {
    /// The lines of a layer with no parameters and no MACs.
    static func parameterFree(_ row: LayerRow, shape: String, receptiveField: String) -> LayerExplanation {
        LayerExplanation(shape: shape, weights: "weights = 0: \(row.name) has no parameters",
                         params: "params = 0: \(row.name) has no parameters", macs: noMACs,
                         receptiveField: receptiveField)
    }

    /// The MACs line of every layer but CONV, DWCONV, DECONV and FC.
    static let noMACs = "MACs = 0: only CONV, DWCONV, DECONV and FC multiply-accumulate"

    /// `rf = 11 (unchanged)`: a layer that reads one position for each it writes.
    static func unchangedReceptiveField(_ row: LayerRow) -> String {
        "rf = \(row.receptiveField.text) (unchanged)"
    }
}
