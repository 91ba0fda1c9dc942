/// The typed graph every network is lowered to, and its evaluation. A spec's chain (after its blocks,
/// repetitions and names are expanded by `NetworkWalker`), a Caffe prototxt and an ONNX graph (by
/// `GraphAnalyzer`) all become `GraphNode`s: the network's input, a resolved layer reading one tensor, or
/// a merge reading several, each tensor named by the row that made it. `NetworkEvaluation` turns nodes
/// into rows one at a time, as they are lowered, so that a spec's first error is still the first one met.

/// One node of a lowered network.
struct GraphNode {
    /// What the node computes, and the tensors (row indices) it reads.
    enum Computation {
        /// The network's input, shown as `text` (`INPUT[224x224x3]`).
        case input(Shape, text: String)
        /// A resolved layer reading one tensor; `rounding` replaces the network's.
        case layer(ResolvedLayer, reading: Int, rounding: Rounding? = nil)
        /// A merge of tensors, shown as `text` (`ADD(3 layers | ID)`).
        case merge(MergeKind, reading: [Int], text: String)
    }

    var computation: Computation
    /// The name its row shows when its file names it (`conv1`, `data`); nil: netcalc numbers it by its
    /// keyword (`CONV3`, `INPUT`).
    var name: String?
    /// Where the node is written.
    var range: SourceRange
    /// True when its file says it writes over its input.
    var inPlace = false
    /// A spec's structure around the node: how many merges it sits inside, its block use, and whether
    /// it starts a merge's branch.
    var depth = 0
    var block = 0
    var startsBranch = false
    /// The tensor a spec's merge branched from, shown as the merge's input (nil: its first branch's).
    var branchedFrom: Int?
    /// The tensors a layer reads besides the one it is applied to (an imported TENSOROP's other operands:
    /// attention's keys beside its queries), which stay live until it has run.
    var moreInputs: [Int] = []

    init(_ computation: Computation, name: String? = nil, range: SourceRange) {
        self.computation = computation
        self.name = name
        self.range = range
    }
}

/// Why a node cannot become a row.
enum NodeFailure: Error {
    /// The layer or merge does not apply to what it reads (`input`: its first input's shape); `name` is
    /// the name its row would have had.
    case layer(LayerFailure, name: String, input: Shape)
    /// Its numbers (or its memory at the batch) overflow.
    case counting(CountingFailure)
}

/// The evaluation of a lowered network: each node applied to the rows it reads, named, counted and
/// stored as a row.
struct NetworkEvaluation {
    private(set) var evaluator: Evaluator
    private(set) var rows: [LayerRow] = []
    /// How many rows of each keyword have been made, for the next one's name (`CONV3`).
    private var counters: [String: Int] = [:]

    init(_ evaluator: Evaluator, capacity: Int = 0) {
        self.evaluator = evaluator
        rows.reserveCapacity(capacity)
    }

    /// How many rows have been made.
    var count: Int { rows.count }

    /// The row of a tensor.
    subscript(tensor: Int) -> LayerRow { rows[tensor] }

    /// The name the next row of this keyword gets: `CONV3`.
    func upcomingName(_ keyword: String) -> String {
        rowName(keyword, (counters[keyword] ?? 0) + 1)
    }

    /// Evaluates a node reading rows already made, stores its row and returns its index (the tensor it
    /// writes).
    mutating func add(_ node: consuming GraphNode) throws(NodeFailure) -> Int {
        var row: LayerRow
        var keyword = "INPUT"
        var ordinal = 0
        switch node.computation {
        case .input(let shape, let text):
            row = LayerRow(index: 0, name: node.name ?? "INPUT", role: .input, text: text, output: shape, range: node.range)
            evaluator.networkInput = shape
        case .layer(let resolved, let reading, let rounding):
            keyword = resolved.layer.keyword
            ordinal = (counters[keyword] ?? 0) + 1
            do throws(LayerFailure) {
                row = try evaluator.apply(resolved, reading: rows[reading].flow, ordinal: node.name == nil ? ordinal : 0,
                                          givenName: node.name, rounding: rounding, writesInPlace: node.inPlace,
                                          range: node.range)
            } catch {
                throw .layer(error, name: node.name ?? rowName(keyword, ordinal), input: rows[reading].output)
            }
            if !node.moreInputs.isEmpty { row.moreInputs = node.moreInputs }
        case .merge(let kind, let reading, let text):
            keyword = kind.keyword
            ordinal = (counters[keyword] ?? 0) + 1
            do throws(LayerFailure) {
                row = try evaluator.merge(kind, of: reading.map { rows[$0].flow }, text: text, writesInPlace: node.inPlace,
                                          range: node.range)
            } catch {
                throw .layer(error, name: node.name ?? rowName(keyword, ordinal), input: rows[reading[0]].output)
            }
            if let branchedFrom = node.branchedFrom { row.input = rows[branchedFrom].output }
        }
        let index = rows.count
        row.index = index
        row.depth = node.depth
        row.block = node.block
        row.startsBranch = node.startsBranch
        if row.role != .input {
            counters[keyword] = ordinal
            row.name = node.name ?? rowName(keyword, ordinal)
        }
        do throws(CountingFailure) {
            try evaluator.countMemory(&row)
        } catch {
            throw .counting(error)
        }
        rows.append(row)
        return index
    }

    /// The totals of the rows made.
    func totals() throws(CountingFailure) -> Totals {
        try evaluator.totals(of: rows)
    }
}
