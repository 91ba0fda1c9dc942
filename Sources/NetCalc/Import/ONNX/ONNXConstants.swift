/// Exact evaluation of the small constant tensors exporters compute shapes with (Shape, Gather,
/// Concat, Slice, arithmetic, ...): integers with checked arithmetic, floating point as Double.
/// A result with more than `ONNXConstant.foldLimit` elements keeps its dims but not its values.

/// A tensor whose dims are known, and whose values are known when small.
struct ONNXConstant: Sendable {
    /// Results with more elements keep their dims only.
    static let foldLimit = 4096

    var dims: [Int]
    /// A TensorProto.DataType code.
    var dataType: Int
    var values: ONNXValues?

    /// The number of elements, or nil when it does not fit in 64 bits.
    var count: Int? { ONNXConstant.product(dims) }

    /// The product of dims, or nil on overflow or a negative dim.
    static func product(_ dims: [Int]) -> Int? {
        var result = 1
        for dim in dims {
            guard dim >= 0 else { return nil }
            let (next, overflow) = result.multipliedReportingOverflow(by: dim)
            if overflow { return nil }
            result = next
        }
        return result
    }

    /// The values, when known and as many as the dims say (every maker keeps them so; checked
    /// again because indices are computed from the dims).
    var known: ONNXValues? {
        guard let values, let count, values.count == count else { return nil }
        return values
    }

    /// The values as integers, when known and integral.
    var ints: [Int]? {
        switch known {
        case .ints(let list)?: return list
        case .floats(let list)?:
            var result: [Int] = []
            for value in list {
                guard let exact = Int(exactly: value) else { return nil }
                result.append(exact)
            }
            return result
        case nil: return nil
        }
    }

    /// The values as Doubles, when known.
    var doubles: [Double]? { known?.doubles }

    /// The single value of a one-element tensor, as a Double.
    var scalar: Double? {
        guard let doubles, doubles.count == 1 else { return nil }
        return doubles[0]
    }

    /// A constant from a TensorProto.
    init(_ tensor: ONNXTensor) {
        dims = tensor.dims
        dataType = tensor.dataType
        values = tensor.values
    }

    init(dims: [Int], dataType: Int, values: ONNXValues?) {
        self.dims = dims
        self.dataType = dataType
        self.values = values
    }

    /// A 1-D integer tensor.
    static func ints(_ list: [Int]) -> ONNXConstant {
        ONNXConstant(dims: [list.count], dataType: ONNXDataType.int64, values: .ints(list))
    }
}

/// Why a constant cannot be evaluated.
struct ConstantFailure: Error, Sendable {
    var message: String
    init(_ message: String) { self.message = message }
}

/// Row-major strides of dims whose product is known to fit.
private func strides(_ dims: [Int]) -> [Int] {
    var result = [Int](repeating: 1, count: dims.count)
    var step = 1
    for axis in stride(from: dims.count - 1, through: 0, by: -1) {
        result[axis] = step
        step = (CheckedInt(step) * dims[axis]).value ?? Int.max  // cannot overflow: the product fits
    }
    return result
}

/// An axis, negative ones counted from the end, checked against a rank.
func normalizedAxis(_ axis: Int, rank: Int) throws(ConstantFailure) -> Int {
    let resolved = axis < 0 ? axis + rank : axis  // a negative plus a rank cannot overflow
    guard resolved >= 0, resolved < rank else {
        throw ConstantFailure("axis \(axis) is outside a tensor of rank \(rank)")
    }
    return resolved
}

/// Elementwise operations on constants.
enum ConstantBinary: Sendable {
    case add, sub, mul, div, pow, equal
    /// Mod with fmod 0: the remainder takes the divisor's sign, as Python's `%`.
    case mod
}

/// Elementwise functions of one constant.
enum ConstantUnary: Sendable {
    case neg, abs, sqrt, floor, ceil, reciprocal
}

extension ONNXConstant {
    /// Picks values by flat indices; only called with known values.
    private static func pick(_ values: ONNXValues, _ indices: [Int]) -> ONNXValues {
        switch values {
        case .ints(let list): return .ints(indices.map { list[$0] })
        case .floats(let list): return .floats(indices.map { list[$0] })
        }
    }

    /// The result of an operation whose values are kept only when small enough.
    private static func result(dims: [Int], dataType: Int, _ make: () throws(ConstantFailure) -> ONNXValues?)
        throws(ConstantFailure) -> ONNXConstant {
        guard let count = product(dims) else { throw ConstantFailure("the dims \(dims) do not fit in 64 bits") }
        guard count <= foldLimit else { return ONNXConstant(dims: dims, dataType: dataType, values: nil) }
        guard count > 0 else {
            return ONNXConstant(dims: dims, dataType: dataType, values: ONNXDataType.isFloat(dataType) ? .floats([]) : .ints([]))
        }
        return ONNXConstant(dims: dims, dataType: dataType, values: try make())
    }

    /// Numpy broadcasting of two shapes.
    static func broadcast(_ a: [Int], _ b: [Int]) -> [Int]? {
        let rank = max(a.count, b.count)
        var dims: [Int] = []
        for index in 0..<rank {
            let x = index < rank - a.count ? 1 : a[index - (rank - a.count)]
            let y = index < rank - b.count ? 1 : b[index - (rank - b.count)]
            if x == y || y == 1 { dims.append(x) } else if x == 1 { dims.append(y) } else { return nil }
        }
        return dims
    }

    /// The flat index in a tensor of `dims` (right-aligned, broadcast) of each element of `target`.
    private static func broadcastIndices(_ dims: [Int], to target: [Int]) -> [Int] {
        let count = product(target) ?? 0
        let offset = target.count - dims.count
        let sourceStrides = strides(dims)
        let targetStrides = strides(target)
        var result: [Int] = []
        result.reserveCapacity(count)
        for flat in 0..<count {
            var index = 0
            for axis in 0..<dims.count where dims[axis] != 1 {
                let coordinate = (flat / targetStrides[axis + offset]) % target[axis + offset]
                index += coordinate * sourceStrides[axis]
            }
            result.append(index)
        }
        return result
    }

    /// `a op b` elementwise with broadcasting: integers exactly (overflow and division by zero
    /// are errors), floating point when either side is.
    static func binary(_ op: ConstantBinary, _ a: ONNXConstant, _ b: ONNXConstant) throws(ConstantFailure) -> ONNXConstant {
        guard let dims = broadcast(a.dims, b.dims) else {
            throw ConstantFailure("the dims \(a.dims) and \(b.dims) do not broadcast")
        }
        let isFloat = ONNXDataType.isFloat(a.dataType) || ONNXDataType.isFloat(b.dataType)
        let dataType: Int
        switch op {
        case .equal: dataType = ONNXDataType.bool
        case .add, .sub, .mul, .div, .pow, .mod: dataType = isFloat ? (ONNXDataType.isFloat(a.dataType) ? a.dataType : b.dataType) : a.dataType
        }
        return try result(dims: dims, dataType: dataType) { () throws(ConstantFailure) -> ONNXValues? in
            guard let left = a.known, let right = b.known else { return nil }
            let leftIndices = broadcastIndices(a.dims, to: dims)
            let rightIndices = broadcastIndices(b.dims, to: dims)
            if case .ints(let x) = left, case .ints(let y) = right {
                var out: [Int] = []
                for (i, j) in zip(leftIndices, rightIndices) {
                    out.append(try integer(op, x[i], y[j]))
                }
                return .ints(out)
            }
            let x = left.doubles
            let y = right.doubles
            var out: [Double] = []
            for (i, j) in zip(leftIndices, rightIndices) {
                switch op {
                case .add: out.append(x[i] + y[j])
                case .sub: out.append(x[i] - y[j])
                case .mul: out.append(x[i] * y[j])
                case .div: out.append(x[i] / y[j])
                case .equal: out.append(x[i] == y[j] ? 1 : 0)
                case .mod:
                    guard y[j] != 0 else { return nil }
                    let remainder = x[i].truncatingRemainder(dividingBy: y[j])
                    out.append(remainder != 0 && (remainder < 0) != (y[j] < 0) ? remainder + y[j] : remainder)
                case .pow:
                    // Whole exponents only (x*x for Pow(x, 2)); others are not needed for shapes.
                    guard let exponent = Int(exactly: y[j]), exponent >= 0, exponent <= 64 else { return nil }
                    var value = 1.0
                    for _ in 0..<exponent { value *= x[i] }
                    out.append(value)
                }
            }
            if op == .equal { return .ints(out.map { Int($0) }) }
            return .floats(out)
        }
    }

    /// One integer operation, checked.
    private static func integer(_ op: ConstantBinary, _ x: Int, _ y: Int) throws(ConstantFailure) -> Int {
        func overflow() -> ConstantFailure { ConstantFailure("\(x) and \(y) overflow 64 bits") }
        switch op {
        case .add:
            let (value, flag) = x.addingReportingOverflow(y)
            if flag { throw overflow() }
            return value
        case .sub:
            let (value, flag) = x.subtractingReportingOverflow(y)
            if flag { throw overflow() }
            return value
        case .mul:
            let (value, flag) = x.multipliedReportingOverflow(by: y)
            if flag { throw overflow() }
            return value
        case .div:
            guard y != 0 else { throw ConstantFailure("\(x) is divided by zero") }
            let (value, flag) = x.dividedReportingOverflow(by: y)
            if flag { throw overflow() }
            return value
        case .equal:
            return x == y ? 1 : 0
        case .mod:
            guard y != 0 else { throw ConstantFailure("\(x) is taken modulo zero") }
            let (remainder, flag) = x.remainderReportingOverflow(dividingBy: y)
            if flag { return 0 }  // Int.min % -1
            return remainder != 0 && (remainder < 0) != (y < 0) ? remainder + y : remainder
        case .pow:
            guard y >= 0, y <= 64 else { throw ConstantFailure("the integer power \(x)^\(y) is not supported") }
            var value = 1
            for _ in 0..<y {
                let (next, flag) = value.multipliedReportingOverflow(by: x)
                if flag { throw overflow() }
                value = next
            }
            return value
        }
    }

    /// A function of each element.
    static func unary(_ op: ConstantUnary, _ a: ONNXConstant) throws(ConstantFailure) -> ONNXConstant {
        try result(dims: a.dims, dataType: a.dataType) { () throws(ConstantFailure) -> ONNXValues? in
            guard let values = a.known else { return nil }
            if case .ints(let list) = values {
                switch op {
                case .neg, .abs:
                    var out: [Int] = []
                    for value in list {
                        guard value != Int.min else { throw ConstantFailure("\(value) overflows when negated") }
                        out.append(op == .neg ? -value : Swift.abs(value))
                    }
                    return .ints(out)
                case .floor, .ceil: return values
                case .sqrt, .reciprocal: break
                }
            }
            let list = values.doubles
            switch op {
            case .neg: return .floats(list.map { -$0 })
            case .abs: return .floats(list.map { Swift.abs($0) })
            case .sqrt: return .floats(list.map { $0.squareRoot() })
            case .floor: return .floats(list.map { $0.rounded(.down) })
            case .ceil: return .floats(list.map { $0.rounded(.up) })
            case .reciprocal: return .floats(list.map { 1 / $0 })
            }
        }
    }

    /// The same values in new dims (Reshape, Squeeze, Unsqueeze).
    func reshaped(_ newDims: [Int]) throws(ConstantFailure) -> ONNXConstant {
        guard let old = count, let new = ONNXConstant.product(newDims), old == new else {
            throw ConstantFailure("\(dims) cannot be reshaped to \(newDims)")
        }
        return ONNXConstant(dims: newDims, dataType: dataType, values: values)
    }

    /// Converts the values to another element type (Cast).
    func cast(to type: Int) throws(ConstantFailure) -> ONNXConstant {
        guard let values = known else { return ONNXConstant(dims: dims, dataType: type, values: nil) }
        if ONNXDataType.isFloat(type) {
            return ONNXConstant(dims: dims, dataType: type, values: .floats(values.doubles))
        }
        if type == ONNXDataType.bool {
            return ONNXConstant(dims: dims, dataType: type, values: .ints(values.doubles.map { $0 != 0 ? 1 : 0 }))
        }
        switch values {
        case .ints: return ONNXConstant(dims: dims, dataType: type, values: values)
        case .floats(let list):
            var out: [Int] = []
            for value in list {
                // Toward zero, as a C cast; values outside 64 bits are errors.
                let truncated = value.rounded(.towardZero)
                guard truncated.isFinite, let exact = Int(exactly: truncated) else {
                    throw ConstantFailure("\(value) cannot be cast to an integer")
                }
                out.append(exact)
            }
            return ONNXConstant(dims: dims, dataType: type, values: .ints(out))
        }
    }

    /// Gather along an axis with constant indices (negative ones count from the end).
    static func gather(_ data: ONNXConstant, _ indices: ONNXConstant, axis rawAxis: Int) throws(ConstantFailure) -> ONNXConstant {
        let axis = try normalizedAxis(rawAxis, rank: data.dims.count)
        let dims = Array(data.dims[..<axis]) + indices.dims + Array(data.dims[(axis + 1)...])
        return try result(dims: dims, dataType: data.dataType) { () throws(ConstantFailure) -> ONNXValues? in
            guard let values = data.known, let picks = indices.ints else { return nil }
            let extent = data.dims[axis]
            var resolved: [Int] = []
            for pick in picks {
                let index = pick < 0 ? pick + extent : pick
                guard index >= 0, index < extent else {
                    throw ConstantFailure("index \(pick) is outside an axis of \(extent)")
                }
                resolved.append(index)
            }
            let outer = product(Array(data.dims[..<axis])) ?? 0
            let inner = product(Array(data.dims[(axis + 1)...])) ?? 0
            var flat: [Int] = []
            for o in 0..<outer {
                for index in resolved {
                    for i in 0..<inner { flat.append((o * extent + index) * inner + i) }
                }
            }
            return pick(values, flat)
        }
    }

    /// The dims of ONNX's GatherND of `data` by `indices` with `batchDims` leading batch axes: the indices'
    /// dims but the last, then the data's dims after the batch axes and the `indices.last` axes each index
    /// tuple picks. Both ranks at least 1, the batch axes fewer than either rank and equal in both, and the
    /// tuples' length from 1 to the data's rank less the batch axes; the product must fit in 64 bits.
    static func gatherNDDims(data: [Int], indices: [Int], batchDims: Int) throws(ConstantFailure) -> [Int] {
        guard !data.isEmpty, let tuple = indices.last else {
            throw ConstantFailure("GatherND needs data and indices of rank 1 or more, not \(data.count) and \(indices.count)")
        }
        guard batchDims >= 0, batchDims < min(data.count, indices.count) else {
            throw ConstantFailure("GatherND's batch_dims \(batchDims) is not below both ranks, \(data.count) and \(indices.count)")
        }
        guard Array(data[..<batchDims]) == Array(indices[..<batchDims]) else {
            throw ConstantFailure("GatherND's data \(data) and indices \(indices) differ in their \(batchDims) batch axes")
        }
        guard tuple >= 1, tuple <= data.count - batchDims else {
            throw ConstantFailure("GatherND's indices pick \(tuple) axes of data of rank \(data.count) with \(batchDims) batch axes")
        }
        let dims = Array(indices.dropLast()) + Array(data[(batchDims + tuple)...])
        guard product(dims) != nil else { throw ConstantFailure("GatherND's result \(dims) does not fit in 64 bits") }
        return dims
    }

    /// The flat offsets (into `data`, row-major) of the slices GatherND picks, one per index tuple, each
    /// index checked against its axis (negative ones count from the end); the dims have been checked by
    /// `gatherNDDims` and the indices are known.
    private static func gatherNDOffsets(data: [Int], indices: [Int], picks: [Int], batchDims: Int) throws(ConstantFailure) -> [Int] {
        let tuple = indices[indices.count - 1]
        let steps = strides(data)
        let perBatch = product(Array(indices[batchDims..<(indices.count - 1)])) ?? 0
        let block = batchDims == 0 ? (product(data) ?? 0) : steps[batchDims - 1]
        var offsets: [Int] = []
        var position = 0
        while position + tuple <= picks.count {
            let batch = perBatch == 0 ? 0 : (position / tuple) / perBatch
            var offset = batch * block
            for axis in 0..<tuple {
                let extent = data[batchDims + axis]
                let raw = picks[position + axis]
                let index = raw < 0 ? raw + extent : raw
                guard index >= 0, index < extent else {
                    throw ConstantFailure("GatherND's index \(raw) is outside an axis of \(extent)")
                }
                offset += index * steps[batchDims + axis]
            }
            offsets.append(offset)
            position += tuple
        }
        return offsets
    }

    /// ONNX's GatherND: the dims by `gatherNDDims`; known indices are checked against the data's axes even
    /// when the result is too large to keep its values.
    static func gatherND(_ data: ONNXConstant, _ indices: ONNXConstant, batchDims: Int) throws(ConstantFailure) -> ONNXConstant {
        let dims = try gatherNDDims(data: data.dims, indices: indices.dims, batchDims: batchDims)
        var offsets: [Int]?
        if let picks = indices.ints {
            offsets = try gatherNDOffsets(data: data.dims, indices: indices.dims, picks: picks, batchDims: batchDims)
        } else if indices.known != nil {
            throw ConstantFailure("GatherND's indices are not whole numbers")
        }
        let slice = product(Array(data.dims[(batchDims + indices.dims[indices.dims.count - 1])...])) ?? 0
        return try result(dims: dims, dataType: data.dataType) { () throws(ConstantFailure) -> ONNXValues? in
            guard let values = data.known, let offsets else { return nil }
            var flat: [Int] = []
            for offset in offsets {
                for i in 0..<slice { flat.append(offset + i) }
            }
            return pick(values, flat)
        }
    }

    /// Concatenation along an axis.
    static func concat(_ parts: [ONNXConstant], axis rawAxis: Int) throws(ConstantFailure) -> ONNXConstant {
        guard let first = parts.first else { throw ConstantFailure("Concat has no inputs") }
        let axis = try normalizedAxis(rawAxis, rank: first.dims.count)
        var extent = 0
        for part in parts {
            guard part.dims.count == first.dims.count,
                  part.dims.enumerated().allSatisfy({ $0.offset == axis || $0.element == first.dims[$0.offset] }) else {
                throw ConstantFailure("Concat's inputs \(parts.map(\.dims)) differ off axis \(axis)")
            }
            let (sum, overflow) = extent.addingReportingOverflow(part.dims[axis])
            if overflow { throw ConstantFailure("Concat's result does not fit in 64 bits") }
            extent = sum
        }
        var dims = first.dims
        dims[axis] = extent
        let isFloat = parts.contains { ONNXDataType.isFloat($0.dataType) }
        return try result(dims: dims, dataType: first.dataType) { () throws(ConstantFailure) -> ONNXValues? in
            let outer = product(Array(first.dims[..<axis])) ?? 0
            var ints: [Int] = []
            var doubles: [Double] = []
            for o in 0..<outer {
                for part in parts {
                    guard let values = part.known else { return nil }
                    let block = part.dims[axis] * (product(Array(part.dims[(axis + 1)...])) ?? 0)
                    let range = (o * block)..<((o + 1) * block)
                    switch values {
                    case .ints(let list): ints += list[range]; doubles += list[range].map { Double($0) }
                    case .floats(let list): doubles += list[range]
                    }
                }
            }
            return isFloat ? .floats(doubles) : .ints(ints)
        }
    }

    /// Slice with ONNX's rules: starts and ends clamped, negative ones counted from the end, steps
    /// of either sign.
    static func slice(_ data: ONNXConstant, starts: [Int], ends: [Int], axes: [Int], steps: [Int])
        throws(ConstantFailure) -> ONNXConstant {
        var dims = data.dims
        var ranges: [SliceRange?] = data.dims.map { _ in nil }
        for (position, rawAxis) in axes.enumerated() {
            let axis = try normalizedAxis(rawAxis, rank: data.dims.count)
            let range = try SliceRange(extent: data.dims[axis], start: starts[position], end: ends[position],
                                       step: steps[position])
            ranges[axis] = range
            dims[axis] = range.count
        }
        return try result(dims: dims, dataType: data.dataType) { () throws(ConstantFailure) -> ONNXValues? in
            guard let values = data.known else { return nil }
            // The values are known, so every dim is at most their count.
            let sourceStrides = strides(data.dims)
            var flat: [Int] = [0]
            for axis in 0..<data.dims.count {
                let picks = ranges[axis]?.indices ?? Array(0..<data.dims[axis])
                var next: [Int] = []
                for base in flat {
                    for index in picks { next.append(base + index * sourceStrides[axis]) }
                }
                flat = next
            }
            return pick(values, flat)
        }
    }

    /// The axes permuted (Transpose).
    func transposed(_ perm: [Int]) throws(ConstantFailure) -> ONNXConstant {
        guard perm.count == dims.count, Set(perm) == Set(0..<dims.count) else {
            throw ConstantFailure("the permutation \(perm) does not fit a tensor of rank \(dims.count)")
        }
        let newDims = perm.map { dims[$0] }
        let source = self
        return try ONNXConstant.result(dims: newDims, dataType: dataType) { () throws(ConstantFailure) -> ONNXValues? in
            guard let values = source.known else { return nil }
            let sourceStrides = strides(source.dims)
            var flat: [Int] = [0]
            for axis in perm {
                var next: [Int] = []
                for base in flat {
                    for index in 0..<source.dims[axis] { next.append(base + index * sourceStrides[axis]) }
                }
                flat = next
            }
            return ONNXConstant.pick(values, flat)
        }
    }

    /// `Where(condition, x, y)` elementwise with broadcasting.
    static func select(_ condition: ONNXConstant, _ x: ONNXConstant, _ y: ONNXConstant) throws(ConstantFailure) -> ONNXConstant {
        guard let partial = broadcast(condition.dims, x.dims), let dims = broadcast(partial, y.dims) else {
            throw ConstantFailure("Where's inputs \(condition.dims), \(x.dims), \(y.dims) do not broadcast")
        }
        return try result(dims: dims, dataType: x.dataType) { () throws(ConstantFailure) -> ONNXValues? in
            guard let flags = condition.known?.doubles, let left = x.known, let right = y.known else { return nil }
            let c = broadcastIndices(condition.dims, to: dims)
            let i = broadcastIndices(x.dims, to: dims)
            let j = broadcastIndices(y.dims, to: dims)
            if case .ints(let a) = left, case .ints(let b) = right {
                return .ints((0..<c.count).map { flags[c[$0]] != 0 ? a[i[$0]] : b[j[$0]] })
            }
            let a = left.doubles
            let b = right.doubles
            return .floats((0..<c.count).map { flags[c[$0]] != 0 ? a[i[$0]] : b[j[$0]] })
        }
    }

    /// `Range(start, limit, delta)`.
    static func range(_ start: ONNXConstant, _ limit: ONNXConstant, _ delta: ONNXConstant) throws(ConstantFailure) -> ONNXConstant {
        if let s = start.ints, let l = limit.ints, let d = delta.ints, s.count == 1, l.count == 1, d.count == 1,
           !ONNXDataType.isFloat(start.dataType) {
            guard d[0] != 0 else { throw ConstantFailure("Range's delta is 0") }
            var out: [Int] = []
            var value = s[0]
            while d[0] > 0 ? value < l[0] : value > l[0] {
                guard out.count < foldLimit else { throw ConstantFailure("Range makes more than \(foldLimit) values") }
                out.append(value)
                let (next, overflow) = value.addingReportingOverflow(d[0])
                if overflow { break }
                value = next
            }
            return ONNXConstant(dims: [out.count], dataType: start.dataType, values: .ints(out))
        }
        guard let s = start.scalar, let l = limit.scalar, let d = delta.scalar, d != 0, d.isFinite, s.isFinite, l.isFinite else {
            throw ConstantFailure("Range needs known scalar start, limit and delta")
        }
        let steps = ((l - s) / d).rounded(.up)
        guard steps.isFinite, steps <= Double(foldLimit) else {
            throw ConstantFailure("Range makes more than \(foldLimit) values")
        }
        let count = steps <= 0 ? 0 : Int(steps)
        return ONNXConstant(dims: [count], dataType: start.dataType,
                            values: .floats((0..<count).map { s + Double($0) * d }))
    }
}

/// The indices one axis of a Slice keeps: `count` of them, from `first` by `step`.
struct SliceRange: Sendable, Equatable {
    var first: Int
    var step: Int
    var count: Int

    /// ONNX's rules: negative starts and ends count from the end, then clamp to the axis
    /// ([0, extent] going forward, [-1, extent - 1] going backward).
    init(extent: Int, start rawStart: Int, end rawEnd: Int, step: Int) throws(ConstantFailure) {
        guard step != 0 else { throw ConstantFailure("a Slice step is 0") }
        guard extent >= 0 else { throw ConstantFailure("an axis has the negative size \(extent)") }
        func resolve(_ value: Int, low: Int, high: Int) -> Int {
            let shifted = value < 0 ? (value < -extent ? low : value + extent) : value
            return min(max(shifted, low), high)
        }
        self.step = step
        if step > 0 {
            first = resolve(rawStart, low: 0, high: extent)
            let end = resolve(rawEnd, low: 0, high: extent)
            // Both in [0, extent]: no overflow.
            count = end > first ? (end - first - 1) / step + 1 : 0
        } else {
            first = resolve(rawStart, low: -1, high: extent - 1)
            let end = resolve(rawEnd, low: -1, high: extent - 1)
            let magnitude = step == Int.min ? Int.max : -step
            count = first > end ? (first - end - 1) / magnitude + 1 : 0
        }
    }

    /// The indices, for a range whose count is known to be small.
    var indices: [Int] {
        (0..<count).map { first + $0 * step }
    }
}

/// How a Reduce operator combines the values it reduces.
enum ConstantReduction: Sendable {
    case mean, sum, l2
}

extension ONNXConstant {
    /// The dims a reduction over `axes` (resolved, in range) leaves, with or without the reduced axes as 1s.
    static func reducedDims(_ dims: [Int], axes: Set<Int>, keep: Bool) -> [Int] {
        dims.enumerated().compactMap { axes.contains($0.offset) ? (keep ? 1 : nil) : $0.element }
    }

    /// ReduceMean, ReduceSum or ReduceL2 over `axes` (every axis when empty): floating point, the
    /// values kept when the input's are known.
    static func reduce(_ kind: ConstantReduction, _ data: ONNXConstant, axes rawAxes: [Int], keep: Bool)
        throws(ConstantFailure) -> ONNXConstant {
        var axes: Set<Int> = []
        for axis in rawAxes { axes.insert(try normalizedAxis(axis, rank: data.dims.count)) }
        if axes.isEmpty { axes = Set(0..<data.dims.count) }
        let dims = reducedDims(data.dims, axes: axes, keep: keep)
        let keptDims = reducedDims(data.dims, axes: axes, keep: true)
        return try result(dims: dims, dataType: data.dataType) { () throws(ConstantFailure) -> ONNXValues? in
            guard let values = data.known?.doubles else { return nil }
            // The values are known, so every count here is at most their number.
            let targetStrides = strides(keptDims)
            let sourceStrides = strides(data.dims)
            var sums = [Double](repeating: 0, count: product(keptDims) ?? 0)
            for flat in values.indices {
                var target = 0
                for axis in data.dims.indices where !axes.contains(axis) {
                    target += (flat / sourceStrides[axis]) % data.dims[axis] * targetStrides[axis]
                }
                let value = values[flat]
                sums[target] += kind == .l2 ? value * value : value
            }
            let reducedCount = Double(max(1, values.count / max(1, sums.count)))
            switch kind {
            case .mean: return .floats(sums.map { $0 / reducedCount })
            case .sum:
                guard !ONNXDataType.isFloat(data.dataType), case .ints(let list)? = data.known else { return .floats(sums) }
                // Integers are summed exactly, checked: a sum past 64 bits is an error, not a trap.
                var totals = [CheckedInt](repeating: CheckedInt(0), count: sums.count)
                for flat in list.indices {
                    var target = 0
                    for axis in data.dims.indices where !axes.contains(axis) {
                        target += (flat / sourceStrides[axis]) % data.dims[axis] * targetStrides[axis]
                    }
                    totals[target] = totals[target] + list[flat]
                }
                var exact: [Int] = []
                for total in totals {
                    guard let value = total.value else { throw ConstantFailure("an integer sum overflows 64 bits") }
                    exact.append(value)
                }
                return .ints(exact)
            case .l2: return .floats(sums.map { $0.squareRoot() })
            }
        }
    }

    /// Logical not of each element (Not).
    static func not(_ data: ONNXConstant) throws(ConstantFailure) -> ONNXConstant {
        try result(dims: data.dims, dataType: ONNXDataType.bool) { () throws(ConstantFailure) -> ONNXValues? in
            guard let values = data.known?.doubles else { return nil }
            return .ints(values.map { $0 == 0 ? 1 : 0 })
        }
    }

    /// Each element clamped to `[low, high]` (Clip), either bound optional.
    static func clip(_ data: ONNXConstant, low: Double?, high: Double?) throws(ConstantFailure) -> ONNXConstant {
        try result(dims: data.dims, dataType: data.dataType) { () throws(ConstantFailure) -> ONNXValues? in
            guard let values = data.known else { return nil }
            switch values {
            case .ints(let list):
                guard low.map({ Int(exactly: $0) != nil }) ?? true, high.map({ Int(exactly: $0) != nil }) ?? true else {
                    return .floats(list.map { Swift.min(Swift.max(Double($0), low ?? -.infinity), high ?? .infinity) })
                }
                return .ints(list.map { value in
                    var clamped = value
                    if let low, let bound = Int(exactly: low) { clamped = Swift.max(clamped, bound) }
                    if let high, let bound = Int(exactly: high) { clamped = Swift.min(clamped, bound) }
                    return clamped
                })
            case .floats(let list):
                return .floats(list.map { Swift.min(Swift.max($0, low ?? -.infinity), high ?? .infinity) })
            }
        }
    }

    /// ScatterND without reduction: a copy of `data` with the slices `indices` names replaced by `updates`.
    static func scatter(_ data: ONNXConstant, indices: ONNXConstant, updates: ONNXConstant) throws(ConstantFailure) -> ONNXConstant {
        guard let depth = indices.dims.last, depth >= 1, depth <= data.dims.count else {
            throw ConstantFailure("ScatterND's indices of dims \(indices.dims) do not index a tensor of rank \(data.dims.count)")
        }
        let expected = Array(indices.dims.dropLast()) + Array(data.dims[depth...])
        guard updates.dims == expected else {
            throw ConstantFailure("ScatterND's updates have dims \(updates.dims), not \(expected)")
        }
        return try result(dims: data.dims, dataType: data.dataType) { () throws(ConstantFailure) -> ONNXValues? in
            guard let values = data.known, let picks = indices.ints, let replacements = updates.known else { return nil }
            let sliceSize = product(Array(data.dims[depth...])) ?? 0
            let sourceStrides = strides(data.dims)
            var ints: [Int] = []
            var doubles: [Double] = []
            switch values {
            case .ints(let list): ints = list
            case .floats(let list): doubles = list
            }
            let isInt: Bool
            if case .ints = values, case .ints = replacements { isInt = true } else {
                isInt = false
                if doubles.isEmpty { doubles = values.doubles }
            }
            let newInts: [Int]
            if case .ints(let list) = replacements { newInts = list } else { newInts = [] }
            let newDoubles = replacements.doubles
            for tuple in 0..<(picks.count / depth) {
                var offset = 0
                for axis in 0..<depth {
                    let raw = picks[tuple * depth + axis]
                    let index = raw < 0 ? raw + data.dims[axis] : raw
                    guard index >= 0, index < data.dims[axis] else {
                        throw ConstantFailure("ScatterND's index \(raw) is outside an axis of \(data.dims[axis])")
                    }
                    offset += index * sourceStrides[axis]
                }
                for i in 0..<sliceSize {
                    if isInt { ints[offset + i] = newInts[tuple * sliceSize + i] } else { doubles[offset + i] = newDoubles[tuple * sliceSize + i] }
                }
            }
            return isInt ? .ints(ints) : .floats(doubles)
        }
    }
}
