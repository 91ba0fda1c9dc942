/// The tensors netcalc follows by ONNX's own shape rules: what a vision transformer computes after its
/// patch embedding (tokens `[N, L, C]`, attention heads `[N, h, L, d]`, scores `[N, h, L, L]`), which no
/// CNN layout (NCHW, NHWC, [N, F]) describes. Such a tensor has the layout `.tensor`: its dims are
/// ONNX's, and each node computing one is a `TENSOROP` row (Layers/TensorOperation.swift) that carries
/// the output, MACs and learned values worked out here.
///
/// Decisions, for the reader of the output:
/// - A node takes this path when it reads a `.tensor`, or when it is a Reshape the CNN mapping refuses
///   (a patch embedding's NCHW `[N, C, H, W]` to `[N, C, H*W]`): the CNN mapping's state is put back and
///   the Reshape is followed by ONNX's rules instead; if those fail too, the CNN mapping's refusal is the
///   one reported. Other nodes the CNN mapping refuses stay refused, with its words. Only at a batch of
///   1 (fixed in the file, or symbolic and followed as 1): a tensor's dims then need not say which axis
///   is the batch.
/// - A row's shape is the ONNX dims without a leading batch of 1, the last dim as the channels and the
///   others as spatial axes, width first (`[1, 197, 192]` is 197x192, `[1, 3, 197, 64]` is 197x3x64);
///   more than four dims have their leading ones multiplied together, so volumes stay exact.
/// - MACs: MatMul of `[..., M, K]` by `[..., K, N]` is batch x M x K x N (the broadcast batch dims'
///   product), two activations or an activation and a weight alike; Gemm is M x K x N; bias excluded.
///   Every other operation has none.
/// - Parameters: each float tensor stored in the file (an initializer or a Constant node's value) of
///   more than one value that a node on this path reads, directly or through Identity, Cast, Reshape,
///   Expand, Squeeze, Unsqueeze, Transpose or Flatten of constants, counted once in the file. One value
///   (an epsilon, sqrt(d), 0.5) is an argument, not a parameter; integer tensors are shapes and indices.
///   Biases are Gemm's C, LayerNormalization's B and an Add's or Sub's constant of one value per
///   channel (the last dim); the others are weights.
/// - Identity, Dropout and Cast of a tensor make no row: the output is the input.

extension ONNXImporter {
    /// A node's input: a computed tensor or a constant.
    enum Operand {
        case data(ONNXData)
        case constant(ONNXConstant)

        var dims: [Int] {
            switch self {
            case .data(let data): return data.dims
            case .constant(let constant): return constant.dims
            }
        }
    }

    /// True when the operator has a rule on this path for computed tensors.
    static func followsByShapeRules(_ op: ONNXOperator) -> Bool {
        switch op {
        case .matMul, .gemm, .add, .sub, .mul, .div, .pow, .mod, .equal, .whereOp, .sqrt, .erf, .tanh, .gelu, .relu,
             .sigmoid, .neg, .reciprocal, .abs, .floor, .ceil, .softmax, .layerNormalization, .reduceMean, .reshape,
             .flatten, .transpose, .concat, .expand, .gather, .slice, .split, .squeeze, .unsqueeze, .cast, .identity,
             .dropout, .reduceSum, .reduceL2, .einsum, .batchNormalization, .hardSigmoid, .hardSwish, .clip, .gatherND:
            return true
        case .conv, .convTranspose, .maxPool, .averagePool, .globalAveragePool, .globalMaxPool, .upsample, .resize, .pad,
             .instanceNormalization, .groupNormalization, .lrn, .leakyRelu, .pRelu, .elu,
             .mish, .constant, .shape, .size, .range, .constantOfShape, .scatterND, .not:
            return false
        }
    }

    /// True when the node reads a tensor followed by ONNX's shape rules.
    func readsTensor(_ node: ONNXNode) -> Bool {
        node.inputs.contains { name in
            if case .data(let data)? = values[name], data.layout == .tensor { return true }
            return false
        }
    }

    /// True when the node reads data computed from the input (of any layout).
    func readsData(_ node: ONNXNode) -> Bool {
        node.inputs.contains { name in
            if case .data? = values[name] { return true }
            return false
        }
    }

    /// The node's inputs by position; nil for an omitted one.
    func operands(_ node: ONNXNode) throws(ImportFailure) -> [Operand?] {
        var result: [Operand?] = []
        for position in node.inputs.indices {
            switch try value(node, position) {
            case .data(let data)?: result.append(.data(data))
            case .constant(let constant)?: result.append(.constant(constant))
            case nil: result.append(nil)
            }
        }
        return result
    }

    /// An operand the node cannot do without.
    func operand(_ list: [Operand?], _ position: Int, _ node: ONNXNode, _ what: String) throws(ImportFailure) -> Operand {
        guard position < list.count, let item = list[position] else { throw failure(node, "lacks \(what)") }
        return item
    }

    /// An axis of a tensor of `rank` dims, negative ones counted from the end.
    func tensorAxis(_ node: ONNXNode, _ axis: Int, rank: Int) throws(ImportFailure) -> Int {
        let resolved = axis < 0 ? axis + rank : axis
        guard resolved >= 0, resolved < max(rank, 1) else {
            throw failure(node, "has the axis \(axis) for a tensor of rank \(rank)")
        }
        return resolved
    }

    /// The product of dims, checked.
    func tensorProduct(_ node: ONNXNode, _ dims: some Collection<Int>) throws(ImportFailure) -> Int {
        try checked(node) { () throws(Overflow) in
            var product = 1
            for dim in dims { product = try checkedMultiply(product, dim) }
            return product
        }
    }

    /// Follows a node of a computed tensor by ONNX's shape rules: a TENSOROP row per output (none for
    /// Identity, Dropout and Cast).
    mutating func tensorOperation(_ node: ONNXNode, _ op: ONNXOperator) throws(ImportFailure) {
        let list = try operands(node)
        var data: [ONNXData] = []
        for item in list {
            if case .data(let tensor)? = item, !data.contains(where: { $0.tensor == tensor.tensor }) { data.append(tensor) }
        }
        guard let first = data.first else { throw failure(node, "reads no computed tensor") }
        let name = op.rawValue.lowercased()
        var macs = 0
        var outputs: [[Int]] = []
        switch op {
        case .identity, .dropout, .cast:
            guard case .data(let input)? = list.first else { throw failure(node, "lacks its input") }
            try alias(node, to: input)
            return
        case .sqrt, .erf, .tanh, .gelu, .relu, .sigmoid, .neg, .reciprocal, .abs, .floor, .ceil, .hardSigmoid, .hardSwish,
             .clip, .batchNormalization:
            outputs = [try operand(list, 0, node, "its input").dims]
        case .softmax:
            let dims = try operand(list, 0, node, "its input").dims
            _ = try tensorAxis(node, int(node, "axis", opset >= 13 ? -1 : 1), rank: dims.count)
            outputs = [dims]
        case .add, .sub, .mul, .div, .pow, .mod, .equal, .whereOp:
            var dims: [Int] = []
            for item in list {
                guard let item else { throw failure(node, "lacks an input") }
                guard let next = ONNXConstant.broadcast(dims, item.dims) else {
                    throw failure(node, "broadcasts dims \(dims) and \(item.dims), which do not broadcast")
                }
                dims = next
            }
            outputs = [dims]
        case .layerNormalization:
            let dims = try operand(list, 0, node, "its input").dims
            _ = try tensorAxis(node, int(node, "axis", -1), rank: dims.count)
            outputs = [dims]
        case .matMul:
            let (dims, count) = try matrixProduct(node, try operand(list, 0, node, "its first operand").dims,
                                                  try operand(list, 1, node, "its second operand").dims)
            outputs = [dims]
            macs = count
        case .gemm:
            let a = try operand(list, 0, node, "A").dims
            let b = try operand(list, 1, node, "B").dims
            guard a.count == 2, b.count == 2 else { throw failure(node, "multiplies dims \(a) and \(b); Gemm takes matrices") }
            let (m, k) = int(node, "transA", 0) != 0 ? (a[1], a[0]) : (a[0], a[1])
            let (kb, n) = int(node, "transB", 0) != 0 ? (b[1], b[0]) : (b[0], b[1])
            guard k == kb else { throw failure(node, "multiplies a \(m)x\(k) matrix by a \(kb)x\(n) one") }
            outputs = [[m, n]]
            macs = try tensorProduct(node, [m, k, n])
        case .reduceMean, .reduceSum, .reduceL2:
            let dims = try operand(list, 0, node, "its input").dims
            var axes = intList(node, "axes")
            if axes == nil, let constant = try constant(node, 1, "the axes") { axes = try ints(node, constant, "the axes") }
            var reduced: Set<Int> = []
            for axis in axes ?? Array(0..<dims.count) { reduced.insert(try tensorAxis(node, axis, rank: dims.count)) }
            let keep = int(node, "keepdims", 1) != 0
            outputs = [dims.enumerated().compactMap { reduced.contains($0.offset) ? (keep ? 1 : nil) : $0.element }]
        case .reshape:
            let shape = try ints(node, try requiredConstant(node, 1, "the shape"), "the shape")
            outputs = [try reshapeDims(node, from: first.dims, to: shape)]
        case .einsum:
            let (dims, count) = try einsum(node, list.map { $0?.dims ?? [] })
            outputs = [dims]
            macs = count
        case .flatten:
            let dims = first.dims
            let raw = int(node, "axis", 1)
            let axis = raw < 0 ? raw + dims.count : raw
            guard axis >= 0, axis <= dims.count else { throw failure(node, "flattens at the axis \(raw) of a tensor of rank \(dims.count)") }
            outputs = [[try tensorProduct(node, dims[..<axis]), try tensorProduct(node, dims[axis...])]]
        case .transpose:
            let dims = first.dims
            let perm = intList(node, "perm") ?? Array((0..<dims.count).reversed())
            guard perm.count == dims.count, Set(perm) == Set(0..<dims.count) else {
                throw failure(node, "has the permutation \(perm) for a tensor of rank \(dims.count)")
            }
            outputs = [perm.map { dims[$0] }]
        case .concat:
            guard let head = list.first ?? nil else { throw failure(node, "lacks an input") }
            var dims = head.dims
            let axis = try tensorAxis(node, int(node, "axis", 0), rank: dims.count)
            var total = 0
            for item in list {
                guard let item else { continue }
                let other = item.dims
                guard other.count == dims.count,
                      other.indices.allSatisfy({ $0 == axis || other[$0] == dims[$0] }) else {
                    throw failure(node, "concatenates dims \(dims) and \(other) along the axis \(axis)")
                }
                total = try checked(node) { () throws(Overflow) in try checkedAdd(total, other[axis]) }
            }
            dims[axis] = total
            outputs = [dims]
        case .expand:
            let shape = try ints(node, try requiredConstant(node, 1, "the shape"), "the shape")
            guard let dims = ONNXConstant.broadcast(first.dims, shape) else {
                throw failure(node, "expands dims \(first.dims) to \(shape), which do not broadcast")
            }
            outputs = [dims]
        case .gather:
            // ONNX's shape rule needs only the indices' dims: indices whose values netcalc does not know (too
            // many to decode, or computed from the input, as dynamo's as_strided writes them) are followed
            // by it; known ones are checked against the axis.
            let dims = try operand(list, 0, node, "its data").dims
            let indices = try operand(list, 1, node, "the indices")
            let axis = try tensorAxis(node, int(node, "axis", 0), rank: dims.count)
            if case .constant(let constant) = indices, constant.known != nil {
                for index in try ints(node, constant, "the indices") where index < -dims[axis] || index >= dims[axis] {
                    throw failure(node, "gathers the position \(index) of an axis of \(dims[axis])")
                }
            }
            outputs = [Array(dims[..<axis]) + indices.dims + Array(dims[(axis + 1)...])]
        case .gatherND:
            let dims = try operand(list, 0, node, "its data").dims
            let indices = try operand(list, 1, node, "the indices")
            let batchDims = int(node, "batch_dims", 0)
            switch indices {
            case .constant(let constant):
                // Known indices are checked against the data's axes.
                let data = ONNXConstant(dims: dims, dataType: ONNXDataType.float, values: nil)
                outputs = [try folding(node) { () throws(ConstantFailure) in
                    try ONNXConstant.gatherND(data, constant, batchDims: batchDims)
                }.dims]
            case .data(let computed):
                do throws(ConstantFailure) {
                    outputs = [try ONNXConstant.gatherNDDims(data: dims, indices: computed.dims, batchDims: batchDims)]
                } catch {
                    throw failure(node, "cannot be followed: \(error.message)")
                }
            }
        case .slice:
            var dims = first.dims
            let arguments = try sliceArguments(node, rank: dims.count)
            for (position, raw) in arguments.axes.enumerated() {
                let axis = try tensorAxis(node, raw, rank: dims.count)
                do throws(ConstantFailure) {
                    dims[axis] = try SliceRange(extent: first.dims[axis], start: arguments.starts[position],
                                                end: arguments.ends[position], step: arguments.steps[position]).count
                } catch {
                    throw failure(node, "cannot be evaluated: \(error.message)")
                }
            }
            outputs = [dims]
        case .split:
            let dims = first.dims
            let axis = try tensorAxis(node, int(node, "axis", 0), rank: dims.count)
            var sizes = intList(node, "split")
            if sizes == nil, let constant = try constant(node, 1, "the split sizes") { sizes = try ints(node, constant, "the split sizes") }
            let count = node.outputs.count
            guard count >= 1 else { throw failure(node, "has no outputs") }
            let extent = dims[axis]
            let parts = sizes ?? {
                let size = extent / count + (extent % count == 0 ? 0 : 1)
                var left = extent
                return (0..<count).map { _ in
                    let part = min(size, left)
                    left -= part
                    return part
                }
            }()
            var total = 0
            for part in parts where part >= 0 { total = try checked(node) { () throws(Overflow) in try checkedAdd(total, part) } }
            guard parts.count == count, parts.allSatisfy({ $0 >= 0 }), total == extent else {
                throw failure(node, "splits an axis of \(extent) into \(parts) for \(count) outputs")
            }
            outputs = parts.map { part in
                var piece = dims
                piece[axis] = part
                return piece
            }
        case .squeeze, .unsqueeze:
            outputs = [try squeezedDims(node, first.dims, axes: try squeezeAxes(node), adding: op == .unsqueeze, keepBatch: false)]
        case .conv, .convTranspose, .maxPool, .averagePool, .globalAveragePool, .globalMaxPool, .upsample, .resize, .pad,
             .instanceNormalization, .groupNormalization, .lrn, .leakyRelu, .pRelu, .elu,
             .mish, .constant, .shape, .size, .range, .constantOfShape, .scatterND, .not:
            throw failure(node, "reads a tensor of dims \(first.dims) that netcalc follows by ONNX's shape rules; netcalc's \(node.opType) needs a channels-first tensor (NCHW and its 1-D and 3-D kin)")
        }
        // Each operand's count fits in 64 bits, their sums need not: added checked.
        var weights = CheckedInt(0)
        var biases = CheckedInt(0)
        var statistics = CheckedInt(0)
        for (position, item) in list.enumerated() {
            guard case .constant(let constant)? = item else { continue }
            let values = try learnedValues(node.inputs[position], of: node)
            guard values > 0 else { continue }
            if op == .batchNormalization, position >= 3 {
                statistics = statistics + values
                continue
            }
            let isBias: Bool
            switch op {
            case .gemm, .layerNormalization, .batchNormalization: isBias = position == 2
            case .add, .sub: isBias = constant.dims.dropLast().allSatisfy { $0 == 1 }
            default: isBias = false
            }
            if isBias { biases = biases + values } else { weights = weights + values }
        }
        let counts = (weights.value, biases.value, statistics.value)
        guard let weightCount = counts.0, let biasCount = counts.1, let statisticCount = counts.2 else {
            throw failure(node, "has sizes whose arithmetic does not fit in 64 bits")
        }
        guard outputs.count == node.outputs.count || (outputs.count == 1 && !node.outputs.isEmpty) else {
            throw failure(node, "has \(node.outputs.count) outputs")
        }
        for (index, dims) in outputs.enumerated() {
            let out = node.outputs[index]
            guard !out.isEmpty else { continue }
            // A node of several outputs: the first carries the counts.
            try emitTensor(node, name, reading: data, output: out, dims: dims, macs: index == 0 ? macs : 0,
                           weights: index == 0 ? weightCount : 0, biases: index == 0 ? biasCount : 0,
                           statistics: index == 0 ? statisticCount : 0, suffix: outputs.count > 1 ? ":\(index)" : "")
        }
    }

    /// The dims and MACs of ONNX's MatMul (numpy's matmul): `[..., M, K] x [..., K, N]`, the batch dims
    /// broadcast, a 1-D operand a vector.
    func matrixProduct(_ node: ONNXNode, _ a: [Int], _ b: [Int]) throws(ImportFailure) -> ([Int], Int) {
        guard !a.isEmpty, !b.isEmpty else { throw failure(node, "multiplies a scalar; MatMul takes tensors of rank 1 and more") }
        let left = a.count == 1 ? [1] + a : a
        let right = b.count == 1 ? b + [1] : b
        let (m, k) = (left[left.count - 2], left[left.count - 1])
        let (kb, n) = (right[right.count - 2], right[right.count - 1])
        guard k == kb else { throw failure(node, "multiplies dims \(a) by \(b): \(k) and \(kb) differ") }
        guard let batch = ONNXConstant.broadcast(Array(left.dropLast(2)), Array(right.dropLast(2))) else {
            throw failure(node, "multiplies dims \(a) by \(b), whose batch dims do not broadcast")
        }
        var dims = batch
        if a.count > 1 { dims.append(m) }
        if b.count > 1 { dims.append(n) }
        let macs = try tensorProduct(node, batch + [m, k, n])
        return (dims, macs)
    }

    /// The dims and MACs of ONNX's Einsum: each operand's letters bound to its dims (`...` to the broadcast
    /// dims it stands for), the output's letters those after `->` (or, without an arrow, the letters used
    /// once, in alphabetical order, after the broadcast dims). MACs: with two operands or more, one
    /// multiply-accumulate per term of the contraction, the product of every letter's size; none for
    /// one operand (a transpose, a trace or a sum).
    func einsum(_ node: ONNXNode, _ operands: [[Int]]) throws(ImportFailure) -> ([Int], Int) {
        guard let equation = string(node, "equation") else { throw failure(node, "has no equation") }
        let text = equation.filter { !$0.isWhitespace }
        let sides = text.pieces(by: "->")
        guard sides.count <= 2, let left = sides.first else { throw failure(node, "has the equation '\(equation)' with more than one ->") }
        let terms = left.pieces(by: ",")
        guard terms.count == operands.count else {
            throw failure(node, "has the equation '\(equation)' for \(terms.count) operands, but reads \(operands.count)")
        }
        var sizes: [Character: Int] = [:]
        var counts: [Character: Int] = [:]
        var ellipsis: [Int] = []
        /// The letters of a term, their dims and the dims `...` stands for; nil when the term does not fit
        /// the operand.
        func bind(_ term: String, _ dims: [Int]) -> (letters: [Character], sizes: [Int], broadcast: [Int])? {
            let parts = term.pieces(by: "...")
            guard parts.count <= 2 else { return nil }
            let head = Array(parts[0])
            let tail = parts.count == 2 ? Array(parts[1]) : []
            guard head.allSatisfy({ $0.isLetter }), tail.allSatisfy({ $0.isLetter }) else { return nil }
            let named = head.count + tail.count
            guard parts.count == 2 ? dims.count >= named : dims.count == named else { return nil }
                let middle = Array(dims[head.count..<(dims.count - tail.count)])
            let sizes: [Int] = Array(dims.prefix(head.count)) + Array(dims.suffix(tail.count))
            return (head + tail, sizes, middle)
        }
        for (term, dims) in zip(terms, operands) {
            guard let bound = bind(term, dims) else {
                throw failure(node, "has the term '\(term)' of '\(equation)' for an operand of dims \(dims)")
            }
            for (letter, size) in zip(bound.letters, bound.sizes) {
                counts[letter, default: 0] += 1
                if let known = sizes[letter], known != size {
                    guard known == 1 || size == 1 else {
                        throw failure(node, "binds '\(letter)' of '\(equation)' to both \(known) and \(size)")
                    }
                    sizes[letter] = max(known, size)
                } else {
                    sizes[letter] = size
                }
            }
            guard let broadcast = ONNXConstant.broadcast(ellipsis, bound.broadcast) else {
                throw failure(node, "broadcasts the dims '...' of '\(equation)' stands for, \(ellipsis) and \(bound.broadcast), which do not broadcast")
            }
            ellipsis = broadcast
        }
        var dims: [Int] = []
        if sides.count == 2 {
            let parts = sides[1].pieces(by: "...")
            guard parts.count <= 2 else { throw failure(node, "has the output '\(sides[1])' with more than one ...") }
            for (index, part) in parts.enumerated() {
                if index == 1 { dims += ellipsis }
                for letter in part {
                    guard let size = sizes[letter] else {
                        throw failure(node, "has the output letter '\(letter)' of '\(equation)', which no operand has")
                    }
                    dims.append(size)
                }
            }
            if parts.count == 1, !ellipsis.isEmpty { dims = ellipsis + dims }
        } else {
            dims = ellipsis + counts.filter { $0.value == 1 }.keys.sorted().compactMap { sizes[$0] }
        }
        guard operands.count >= 2 else { return (dims, 0) }
        let macs = try tensorProduct(node, ellipsis + Array(sizes.values))
        return (dims, macs)
    }

    /// Makes every tensor the node reads that is followed by ONNX's shape rules channels first again, for
    /// a CNN layer to read (MobileViT's patches folded back to `[1, C, H, W]`, EfficientFormer's pooling
    /// mixer): the TENSOROP row that wrote a `[1, C, ...]` tensor of one to three spatial axes is restated
    /// with netcalc's channels-first shape, `W x H x C` (the same values, so its memory is unchanged), and
    /// the tensor is NCHW from there on. Any other tensor is refused, naming the operator.
    mutating func viewAsChannelsFirst(_ node: ONNXNode) throws(ImportFailure) {
        for name in node.inputs where !name.isEmpty {
            guard case .data(let data)? = values[name], data.layout == .tensor else { continue }
            guard (3...5).contains(data.dims.count), data.dims[0] == 1, data.dims.allSatisfy({ $0 >= 1 }),
                  let index = layerWriting[data.tensor],
                  case .call(let written) = layers[index].computation,
                  let operation = written.layer.layer.operation as? TensorOperation else {
                throw failure(node, "reads a tensor of dims \(data.dims) that netcalc follows by ONNX's shape rules; netcalc's \(node.opType) needs a channels-first tensor [1, C, L], [1, C, H, W] or [1, C, D, H, W]")
            }
            let shape = Shape(spatial: Array(data.dims[2...].reversed()), depth: data.dims[1])
            var arguments: [ImportedArgument] = [.flag(operation.operator)]
            for (axis, label) in ["width", "height", "time"].enumerated() where axis < shape.rank {
                arguments.append(.tag(label, [shape[axis]]))
            }
            arguments.append(.tag("depth", [shape.depth]))
            if operation.macs > 0 { arguments.append(.tag("macs", [operation.macs])) }
            if operation.weights > 0 { arguments.append(.tag("weights", [operation.weights])) }
            if operation.biases > 0 { arguments.append(.tag("biases", [operation.biases])) }
            if operation.statistics > 0 { arguments.append(.tag("stats", [operation.statistics])) }
            let call = ImportedCall("TENSOROP", arguments)
            let restated = try resolve(call, layer: layers[index].name, node: node)
            layers[index].computation = .call(restated)
            shapes[data.tensor] = shape
            let channelsFirst = ONNXData(tensor: data.tensor, dims: data.dims, layout: .nchw)
            for name in values.names(standingFor: data.tensor) { values[name] = .data(channelsFirst) }
        }
    }

    /// The values of the learned tensors a constant input holds, when this is their first reader: each
    /// float tensor stored in the file (an initializer or a Constant node's value) of more than one value
    /// that the constant is computed from, followed back through every node computed from constants alone
    /// (Identity, Cast, Reshape, Transpose, Gather of a position-bias table by its index table, ...);
    /// tensors already counted add nothing, and so does a tensor of one repeated value (`holdsOneValue`:
    /// the region numbers dynamo stores for Swin's shifted-window mask).
    /// A sum past 64 bits is an error naming `node`, never a count left out.
    mutating func learnedValues(_ tensor: String, of node: ONNXNode) throws(ImportFailure) -> Int {
        var total = CheckedInt(0)
        for name in storedSources(tensor) {
            guard case .constant(let stored)? = values[name], ONNXDataType.isFloat(stored.dataType),
                  let count = stored.count, count > 1, !holdsOneValue(name), countedTensors.insert(name).inserted else { continue }
            total = total + count
        }
        guard let sum = total.value else { throw failure(node, "has sizes whose arithmetic does not fit in 64 bits") }
        return sum
    }

    /// The stored tensors (initializers and Constant nodes' outputs) a constant is computed from, each once,
    /// following back the nodes whose inputs are all constants (at most `graph.nodes.count` of them).
    func storedSources(_ tensor: String) -> [String] {
        var found: [String] = []
        var seen: Set<String> = []
        var stack = [tensor]
        while let name = stack.popLast() {
            guard seen.insert(name).inserted, seen.count <= graph.nodes.count + graph.initializers.count + 1 else { continue }
            guard case .constant? = values[name] else { continue }
            guard let index = producers[name], graph.nodes[index].opType != "Constant" else {
                found.append(name)
                continue
            }
            let producer = graph.nodes[index]
            let inputs = producer.inputs.filter { !$0.isEmpty }
            // A constant computed from the input's shape (Shape, Size) holds no learned values.
            guard inputs.allSatisfy({ input in
                if case .constant? = values[input] { return true }
                return false
            }) else { continue }
            stack.append(contentsOf: inputs.reversed())
        }
        return found
    }

    /// Adds a TENSOROP row: `dims` laid out as netcalc's shape (see the file's notes), resolved and
    /// applied as any call, reading every computed tensor the node reads.
    mutating func emitTensor(_ node: ONNXNode, _ op: String, reading inputs: [ONNXData], output: String, dims: [Int],
                             macs: Int, weights: Int, biases: Int, statistics: Int = 0, suffix: String,
                             inPlace: Bool = false) throws(ImportFailure) {
        let shape = try tensorShape(node, dims)
        let call = TensorOperation.call(op, output: shape, macs: macs, weights: weights, biases: biases, statistics: statistics)
        let name = uniqueLayerName(label(node) + suffix)
        let resolved = try resolve(call, layer: name, node: node)
        let input = try self.shape(node, of: inputs[0])
        let layerInput = LayerInput(shape: input, receptiveField: Sizes(square: 1), jump: Sizes(square: 1), rounding: .floor,
                                    keyword: resolved.layer.layer.keyword, ordinal: 0, givenName: name)
        let effect: LayerEffect
        do throws(LayerFailure) {
            effect = try resolved.layer.apply(to: layerInput)
        } catch {
            throw failure(node, name: name, text: call.text, error, input: input)
        }
        appendLayer(ImportedLayer(name: name, computation: .call(resolved), inputs: inputs.map(\.tensor), output: output,
                                  inPlace: inPlace, range: SourceRange(0, 0), node: place(node)))
        values[output] = .data(ONNXData(tensor: output, dims: dims, layout: .tensor))
        shapes[output] = effect.output
    }

    /// netcalc's shape of a tensor of ONNX dims: a leading batch of 1 dropped, the last dim the
    /// channels, the others spatial axes width first, more than three of them multiplied into the
    /// outermost.
    func tensorShape(_ node: ONNXNode, _ dims: [Int]) throws(ImportFailure) -> Shape {
        var item = dims.count > 1 && dims[0] == 1 ? Array(dims.dropFirst()) : dims
        if item.isEmpty { item = [1] }
        guard item.allSatisfy({ $0 >= 1 }) else {
            throw failure(node, "gives a tensor of dims \(dims), which is empty; netcalc counts tensors of at least one value")
        }
        let depth = item.removeLast()
        if item.isEmpty { item = [1] }
        if item.count > 3 {
            let outer = try tensorProduct(node, item[..<(item.count - 2)])
            item = [outer] + item.suffix(2)
        }
        return Shape(spatial: item.reversed(), depth: depth)
    }
}

extension String {
    /// The pieces between each occurrence of `separator`, empty ones kept (`"a,,b"` is `a`, ``, `b`).
    func pieces(by separator: String) -> [String] {
        let text = Array(self)
        let mark = Array(separator)
        var result: [String] = []
        var current: [Character] = []
        var index = 0
        while index < text.count {
            if !mark.isEmpty, index + mark.count <= text.count, Array(text[index..<(index + mark.count)]) == mark {
                result.append(String(current))
                current = []
                index += mark.count
            } else {
                current.append(text[index])
                index += 1
            }
        }
        result.append(String(current))
        return result
    }
}
