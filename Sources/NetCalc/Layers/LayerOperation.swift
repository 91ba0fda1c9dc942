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

    /// The PyTorch module computing this layer for the row's input (`nn.Conv2d(3, 96, ...)`).
    func pytorch(_ row: LayerRow) -> PyTorchModule
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
    var receptiveField: Pair
    /// How many network input pixels one step along the input moves.
    var jump: Pair
    /// The network's rounding, for windows that have no `floor` or `ceil` tag.
    var rounding: Rounding
    /// The layer's keyword and how many rows of that keyword come before it plus one.
    var keyword: String
    var ordinal: Int
    /// The row's name when it has its own (an imported layer's name in its file).
    var givenName: String? = nil

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
    var receptiveField: Pair
    var jump: Pair
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
    var inputReceptiveField: Pair
    var inputJump: Pair
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

/// A PyTorch module expression and the helper classes it needs defined first.
struct PyTorchModule: Sendable {
    /// `nn.Conv2d(3, 96, (11, 11), stride=(4, 4))`.
    var expression: String
    /// Python class definitions the expression uses, each emitted once (keyed by class name).
    var helpers: [PyTorchHelper] = []

    init(_ expression: String, helpers: [PyTorchHelper] = []) {
        self.expression = expression
        self.helpers = helpers
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
