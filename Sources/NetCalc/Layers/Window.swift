/// Sliding windows (CONV, DWCONV, DECONV's kernel, POOL): the arithmetic along one axis with its
/// rounding rules and the worked formula the notes write, `(W - F + 2P)/S + 1`, and the window on both
/// axes that convolution and pooling kinds share: output size, receptive field, explanation, PyTorch padding.

/// How a window that does not tile its input exactly is treated.
enum Rounding: String, CaseIterable, Sendable {
    /// An error, as the notes require ("an invalid setting of hyperparameters").
    case strict
    /// Drop the incomplete last window (PyTorch, TensorFlow 'valid', Caffe convolution).
    case floor
    /// Keep it (PyTorch `ceil_mode=True`), unless it would start in the right padding.
    case ceil
    /// Caffe's pooling: keep it, and drop a last window that starts in the right padding only when
    /// there is padding.
    case caffe
}

/// Sizes along the spatial axes, in the notes' order: width, height and, in 3-D, time (frames or slices).
/// One number written for every axis (`3`) is kept as one (`count` 1) and applies to an input of any
/// rank; `7x1` or `3x3x1` give one size per axis and apply only to an input with that many spatial axes.
/// Sizes whose axes are all equal are one number: `3x3` is `3`.
struct Sizes: Equatable, Sendable {
    var width: Int
    var height: Int
    /// The third spatial axis (frames of a video, slices of a volume); 1 when there are two axes or fewer.
    var time: Int
    /// 1: one size for every axis; 2 or 3: one per axis.
    private(set) var count: Int8

    init(_ width: Int, _ height: Int) {
        self.init(axes: [width, height])
    }

    init(square value: Int) {
        (width, height, time, count) = (value, value, value, 1)
    }

    /// One size per axis (1 to 3 of them); all equal, or only one, is one size for every axis.
    init(axes: [Int]) {
        precondition((1...3).contains(axes.count), "sizes have one to three axes")
        let uniform = axes.dropFirst().allSatisfy { $0 == axes[0] }
        width = axes[0]
        height = uniform ? axes[0] : axes[1]
        time = uniform ? axes[0] : axes.count > 2 ? axes[2] : 1
        count = uniform ? 1 : Int8(axes.count)
    }

    /// Sizes along `rank` axes, each made by `size(axis)`, without an array between (a network walk makes
    /// two for every window layer).
    init<Failure: Error>(rank: Int, _ size: (Int) throws(Failure) -> Int) throws(Failure) {
        let width = try size(0)
        let height = rank > 1 ? try size(1) : width
        let time = rank > 2 ? try size(2) : height
        let uniform = width == height && height == time
        self.width = width
        self.height = height
        self.time = uniform || rank > 2 ? time : 1
        count = uniform ? 1 : Int8(rank)
    }

    /// True when one size stands for every axis.
    var isUniform: Bool { count == 1 }

    /// How many axes were given one by one (1 for a uniform size).
    var axisCount: Int { Int(count) }

    /// The size along an axis (0 width, 1 height, 2 time).
    subscript(axis: Int) -> Int {
        if count == 1 { return width }
        switch axis {
        case 0: return width
        case 1: return height
        default: return time
        }
    }

    /// The sizes along the first `rank` axes.
    func along(_ rank: Int) -> [Int] { (0..<rank).map { self[$0] } }

    /// The product of the sizes along the first `rank` axes (a kernel's positions).
    func volume(rank: Int) throws(Overflow) -> Int {
        var product = self[0]
        for axis in 1..<max(rank, 1) { product = try checkedMultiply(product, self[axis]) }
        return product
    }

    /// The sizes as written: one number for every axis, else one per axis.
    var written: [Int] { along(Int(count)) }

    /// True when these sizes can apply to an input with `rank` spatial axes.
    func fits(rank: Int) -> Bool { count == 1 || Int(count) == rank }

    /// `3` for one size on every axis, `7x1` or `3x3x1` otherwise.
    var text: String {
        count == 1 ? "\(width)" : along(Int(count)).map(String.init).joined(separator: "x")
    }
}

/// A layer's zero padding.
enum Padding: Equatable, Sendable {
    /// P on the left and right (width), P on the top and bottom (height).
    case explicit(Sizes)
    /// TensorFlow's SAME: output `ceil(W/S)`, padding split as needed.
    case same
    /// TensorFlow's VALID: no padding, an incomplete last window dropped.
    case valid

    init(_ result: ArgumentResult?) {
        switch result {
        case .pair(let pair)?: self = .explicit(pair)
        case .same?: self = .same
        case .valid?: self = .valid
        case .fraction?, nil: self = .explicit(Sizes(square: 0))
        }
    }
}


/// A window sliding along one axis: its input size and hyperparameters.
struct WindowAxis: Equatable, Sendable {
    var input: Int
    var kernel: Int
    var stride: Int
    /// Zero padding on each side; for `same` the larger side's share.
    var padding: Int
    var dilation: Int
    var mode: Mode

    /// How the padding was given.
    enum Mode: Equatable, Sendable { case explicit, same, valid }

    /// `Fe = D(F-1)+1`, the extent the dilated filter covers.
    func effectiveKernel() throws(Overflow) -> Int {
        try checkedAdd(try checkedMultiply(dilation, kernel - 1), 1)
    }
}

/// What a window does along one axis.
enum WindowOutcome: Equatable, Sendable {
    /// The output size.
    case output(Int)
    /// `(W - Fe + 2P)` is not a multiple of S and the rounding is strict.
    case notWhole(span: Int)
    /// The filter is larger than the padded input.
    case tooLarge(padded: Int, effectiveKernel: Int)
}

extension WindowAxis {
    /// The output size along this axis under a rounding rule.
    func outcome(_ rounding: Rounding) throws(Overflow) -> WindowOutcome {
        let effective = try effectiveKernel()
        switch mode {
        case .same:
            return .output(ceilDivide(input, stride))
        case .valid:
            if input < effective { return .tooLarge(padded: input, effectiveKernel: effective) }
            return .output((input - effective) / stride + 1)
        case .explicit:
            let padded = try checkedAdd(input, try checkedMultiply(2, padding))
            let span = padded - effective
            if padded < effective {
                // PyTorch's ceil mode (and Caffe's pooling) accept a window larger than its padded input
                // while the ceil formula still gives one output: ceil((W + 2P - F)/S) + 1 >= 1.
                guard rounding == .ceil || rounding == .caffe, ceilDivide(span, stride) + 1 >= 1 else {
                    return .tooLarge(padded: padded, effectiveKernel: effective)
                }
                return .output(1)
            }
            if span % stride == 0 { return .output(span / stride + 1) }
            switch rounding {
            case .strict:
                return .notWhole(span: span)
            case .floor:
                return .output(span / stride + 1)
            case .ceil, .caffe:
                // A last window that would start in the right padding is dropped (Caffe: only with padding).
                var output = ceilDivide(span, stride) + 1
                let dropsLast = rounding == .ceil || padding > 0
                if dropsLast, try checkedMultiply(output - 1, stride) >= (try checkedAdd(input, padding)) { output -= 1 }
                return .output(output)
            }
        }
    }

    /// The notes' formula with this axis's numbers: `(224 - 11 + 2*0)/4 + 1`.
    var formula: String {
        let kernelText = dilation == 1 ? "\(kernel)" : "\(kernel + (kernel - 1) * (dilation - 1))"
        switch mode {
        case .same: return "ceil(\(input)/\(stride))"
        case .valid: return "(\(input) - \(kernelText))/\(stride) + 1"
        case .explicit: return "(\(input) - \(kernelText) + 2*\(padding))/\(stride) + 1"
        }
    }

    /// `span/S + 1` as it is: a decimal when two places hold it (`54.25`), two places and `...` when
    /// it goes on (`2.33...`), and a fraction when two places would round it to a whole number
    /// (`1 + 31/9223372036854775743`, which is not 1).
    static func decimal(span: Int, stride: Int) -> String {
        let whole = span / stride + 1
        let remainder = span % stride
        // Rounded to hundredths, with `...` when that cut digits off; where rounding would hide the
        // remainder (or it cannot be counted), the exact fraction: `1 + 31/9223372036854775743` is not 1.
        let fractionForm = "\(whole) + \(remainder)/\(stride)"
        guard let scaled = (CheckedInt(remainder) * 100).value, let rounded = (CheckedInt(scaled) + stride / 2).value else {
            return fractionForm
        }
        let hundredths = rounded / stride
        if remainder != 0 && (hundredths == 0 || hundredths >= 100) { return fractionForm }
        var fraction = hundredths < 10 ? "0\(hundredths)" : "\(hundredths)"
        let isExact = scaled % stride == 0
        if isExact { while fraction.hasSuffix("0") { fraction.removeLast() } }
        return (fraction.isEmpty ? "\(whole)" : "\(whole).\(fraction)") + (isExact ? "" : "...")
    }


    /// Paddings near the given one that make the window fit exactly, nearest first (at most two).
    func fittingPaddings() -> [Int] {
        let limit = Int.max / 8
        guard mode == .explicit, let effective = try? effectiveKernel(), input < limit, padding < limit,
              stride < limit else { return [] }
        var found: [Int] = []
        for distance in 1...max(1, min(stride, 64)) {
            for candidate in [padding - distance, padding + distance] where candidate >= 0 {
                let padded = input + 2 * candidate
                if padded >= effective, (padded - effective) % stride == 0, !found.contains(candidate) {
                    found.append(candidate)
                }
            }
            if !found.isEmpty { break }
        }
        return found
    }

    /// Strides near the given one that divide the span exactly, nearest first (at most two).
    func fittingStrides(span: Int) -> [Int] {
        var found: [Int] = []
        var distance = 1
        while found.isEmpty, distance <= 64 {
            let (above, overflow) = stride.addingReportingOverflow(distance)
            for candidate in [stride - distance, overflow ? 0 : above] where candidate >= 1 && candidate <= max(span, 1) {
                if span % candidate == 0 { found.append(candidate) }
            }
            distance += 1
        }
        return found
    }
}

extension WindowAxis {
    /// `W2 = (227 - 11 + 2*0)/4 + 1 = 55`, with the rounding said when it was needed.
    func explained(rounding: Rounding, name: String, result: Int) -> String {
        let effective = (try? effectiveKernel()) ?? kernel
        var text = "\(name) = \(formula)"
        if mode == .explicit {
            let span = (CheckedInt(input) + 2 * CheckedInt(padding) - effective).value ?? -1
            if stride > 0, span >= 0, span % stride != 0 {
                let exact = WindowAxis.decimal(span: span, stride: stride)
                switch rounding {
                case .strict: return text + " = \(exact), not a whole number: the sizes do not fit"
                case .floor: return text + " = \(exact), rounded down to \(result)"
                case .ceil, .caffe: return text + " = \(exact), rounded up to \(result)"
                }
            }
        } else if mode == .valid, stride > 0, (input - effective) % stride != 0 {
            return text + " rounded down = \(result)"
        }
        text += " = \(result)"
        if dilation != 1 {
            text += " (dilated filter extent D(F-1)+1 = \(dilation)*(\(kernel)-1)+1 = \(effective))"
        }
        return text
    }
}

/// A layer that slides a window over its input (CONV, DWCONV, the pools).
protocol WindowedOperation: LayerOperation {
    var window: SlidingWindow { get }
}

/// A window's hyperparameters along every spatial axis, as CONV, DWCONV and the pools take them.
struct SlidingWindow: Sendable {
    var kernel: Sizes
    var stride: Sizes
    var padding: Padding
    var dilation: Sizes
    /// A `floor` or `ceil` tag, overriding the network's rounding.
    var rounding: Rounding?

    /// The window of a layer's arguments; a pool's stride defaults to its extent, a convolution's to 1.
    init(_ values: ArgumentValues, strideDefaultsToKernel: Bool) {
        kernel = values.pair("f") ?? Sizes(square: 1)
        stride = values.pair("s") ?? (strideDefaultsToKernel ? kernel : Sizes(square: 1))
        padding = Padding(values.result("p"))
        dilation = values.pair("d") ?? Sizes(square: 1)
        rounding = values.rounding
    }

    /// The window along each spatial axis of an input (sizes written for another rank are checked by
    /// `checkRank` first; here an axis they lack takes their first size).
    func axes(input: Shape) -> [WindowAxis] {
        (0..<input.rank).map { axis in
            var window = WindowAxis(input: input[axis], kernel: kernel[axis], stride: stride[axis], padding: 0,
                                    dilation: dilation[axis], mode: .explicit)
            switch padding {
            case .explicit(let pad): window.padding = pad[axis]
            case .same: window.mode = .same
            case .valid: window.mode = .valid
            }
            return window
        }
    }

    /// Every size fits the input's rank: one number, or one per spatial axis.
    func checkRank(_ input: LayerInput) throws(LayerFailure) {
        let rank = input.shape.rank
        var paddingFits = true
        if case .explicit(let pad) = padding { paddingFits = pad.fits(rank: rank) }
        if kernel.fits(rank: rank), stride.fits(rank: rank), dilation.fits(rank: rank), paddingFits { return }
        var sizes: [(String, Sizes)] = [("filter size", kernel), ("stride", stride), ("dilation", dilation)]
        if case .explicit(let pad) = padding { sizes.append(("padding", pad)) }
        for (what, value) in sizes { try value.check(rank: input.shape.rank, what: what, in: input) }
    }

    /// The output's spatial sizes; `what` names the window in messages (`filter`, `window`), `depth` is
    /// the output depth a strict-size failure reports.
    func output(_ input: LayerInput, what: String, depth: Int) throws(LayerFailure) -> Shape {
        try checkRank(input)
        let axes = axes(input: input.shape)
        var output = Shape(vector: depth, rank: input.shape.rank)
        for (index, axis) in axes.enumerated() {
            let outcome: WindowOutcome
            do { outcome = try axis.outcome(rounding ?? input.rounding) } catch { throw .overflow }
            switch outcome {
            case .output(let size):
                output[index] = size
            case .tooLarge(let padded, let effective):
                let extent = effective == axis.kernel ? "" : " (dilated to \(effective))"
                let windowText = kernel.isUniform ? Array(repeating: kernel.width, count: input.shape.rank).map(String.init).joined(separator: "x") : kernel.text
                throw .invalid("\(input.name)'s \(windowText) \(what)\(extent) is larger than its padded input (\(padded) \(input.shape.rank == 1 ? "long" : "wide"))",
                               hint: "the input here is \(input.shape.fullText); use a smaller filter, more padding, or p=same")
            case .notWhole:
                throw .notWhole(axes: axes, depth: depth)
            }
        }
        return output
    }

    /// The receptive field grown by the dilated window, `rf + (Fe - 1) * jump`, and the jump by the stride,
    /// along each spatial axis.
    func receptiveField(_ input: LayerInput) throws(Overflow) -> (field: Sizes, jump: Sizes) {
        let rank = input.shape.rank
        let field = try Sizes(rank: rank) { (axis) throws(Overflow) -> Int in
            let extent = try checkedAdd(try checkedMultiply(dilation[axis], kernel[axis] - 1), 1)
            return try checkedAdd(input.receptiveField[axis], try checkedMultiply(extent - 1, input.jump[axis]))
        }
        let jump = try Sizes(rank: rank) { (axis) throws(Overflow) -> Int in try checkedMultiply(input.jump[axis], stride[axis]) }
        return (field, jump)
    }

    /// `W2 = ...; H2 the same`, for a row this window made (`L2 = ...` in 1-D, and `T2` in 3-D).
    func shapeFormula(_ row: LayerRow) -> String {
        let axes = axes(input: row.input)
        let names = outputAxisNames(rank: row.input.rank)
        var parts: [String] = []
        for (index, axis) in axes.enumerated() {
            if index > 0, axis == axes[index - 1] {
                parts.append("\(names[index]) the same")
            } else {
                parts.append(axis.explained(rounding: row.rounding, name: names[index], result: row.output[index]))
            }
        }
        return parts.joined(separator: "; ")
    }

    /// `rf = rf1 + (F - 1)*jump1 = ...; jump = ...`, along the first axis, with the others' fields when
    /// they differ.
    func receptiveFieldFormula(_ explained: ExplainedRow) -> String {
        let row = explained.row
        let rf = row.receptiveField
        let before = explained.inputReceptiveField.width
        let jump = explained.inputJump.width
        let effective = (try? axes(input: row.input).first?.effectiveKernel()) ?? kernel.width
        return "rf = rf1 + (F - 1)*jump1 = \(before) + (\(effective) - 1)*\(jump) = \(rf.width)"
            + otherAxesText(rf, rank: row.input.rank)
            + "; jump = \(jump)*\(stride.width) = \(row.jump.width)"
    }

    /// How a PyTorch window module gets netcalc's output size: the padding written in the module
    /// (symmetric, the spec's own `p` where PyTorch's rounding then gives netcalc's size, as a person
    /// would write it), with `ceil_mode` for a pool where that is what gives it; otherwise an explicit
    /// `nn.ConstantPad2d` (left, right, top, bottom) before an unpadded module, as for TensorFlow's
    /// SAME with an odd total or Caffe's rounding.
    /// `poolPadding`: the module is a pool, whose `padding=` PyTorch takes up to half its (undilated)
    /// window only; a dilated pool's SAME can need more, and then pads explicitly.
    func pytorchPadding(_ context: PyTorchContext, ceilMode allowsCeil: Bool, padValue: PyArgument,
                        poolPadding: Bool = false) -> WindowPadding {
        let row = context.row
        let axes = axes(input: row.input)
        let outputs = row.output.spatial
        var symmetric: PySizes?
        switch padding {
        case .explicit(let pad):
            symmetric = context.sizes("p", pad)
        case .valid:
            symmetric = .literal(Sizes(square: 0), rank: row.input.rank)
        case .same:
            let totals = zip(axes, outputs).map { axis, output in max(0, (axis.needed(output) - axis.input).value ?? 0) }
            if totals.allSatisfy({ $0 % 2 == 0 }) { symmetric = .literal(Sizes(axes: totals.map { $0 / 2 }), rank: row.input.rank) }
        }
        if let symmetric, !poolPadding || !zip(axes, symmetric.values).contains(where: { $1 > $0.kernel / 2 }) {
            let pads = symmetric.values
            let rounded = row.rounding == .ceil || row.rounding == .caffe
            for ceil in (rounded ? [true, false] : [false, true]) where !ceil || allowsCeil {
                let sizes = zip(axes, pads).map { axis, pad in axis.pytorchOutput(padding: pad, ceilMode: ceil) }
                if sizes == outputs.map(Optional.some) {
                    return WindowPadding(padding: symmetric.isLiteral(0) ? nil : symmetric, explicit: nil, ceilMode: ceil)
                }
            }
        }
        // Windows past the padded input are dropped (floor); a rounded-up last window gets what it needs.
        var sides: [(Int, Int)] = []
        for (axis, output) in zip(axes, outputs) {
            let needed = axis.needed(output)
            switch axis.mode {
            case .same:
                let total = max(0, (needed - axis.input).value ?? 0)
                sides.append((total / 2, total - total / 2))
            case .valid:
                sides.append((0, 0))
            case .explicit:
                sides.append((axis.padding, max(0, (needed - axis.input - axis.padding).value ?? 0)))
            }
        }
        let values = sides.flatMap { [$0.0, $0.1] }
        guard values.contains(where: { $0 != 0 }) else { return WindowPadding(padding: nil, explicit: nil, ceilMode: false) }
        let explicit = PyCall("nn.ConstantPad\(row.input.rank)d", .tuple(values.map { .value(.literal($0)) }), padValue)
        return WindowPadding(padding: nil, explicit: explicit, ceilMode: false)
    }
}

/// The names of the output's spatial sizes in worked formulas: `L2`; `W2`, `H2`; `W2`, `H2`, `T2`.
func outputAxisNames(rank: Int) -> [String] {
    switch rank {
    case 1: return ["L2"]
    case 2: return ["W2", "H2"]
    default: return ["W2", "H2", "T2"]
    }
}

/// ` (height 7)` or ` (height 7, time 3)`: the receptive field along the other axes, when it differs
/// from the first axis's.
func otherAxesText(_ field: Sizes, rank: Int) -> String {
    guard rank > 1, !field.isUniform else { return "" }
    let names = ["height", "time"]
    return " (" + (1..<rank).map { "\(names[$0 - 1]) \(field[$0])" }.joined(separator: ", ") + ")"
}

extension Sizes {
    /// Fails unless these sizes suit an input of `rank` spatial axes: one number, or one per axis.
    func check(rank: Int, what: String, in input: LayerInput) throws(LayerFailure) {
        guard !fits(rank: rank) else { return }
        throw .invalid("\(input.name)'s \(what) \(text) gives \(axisCount) sizes, but its input \(input.shape.fullText) is \(input.shape.rankText) (\(input.shape.formText))",
                       hint: "give one size for every axis, or one per spatial axis in the input's order: "
                           + (rank == 1 ? "L" : rank == 2 ? "WxH" : "WxHxT"))
    }
}

/// How a window module is padded in PyTorch.
struct WindowPadding {
    /// `padding=` of the module, when it has any.
    var padding: PySizes?
    /// An explicit padding module to apply first.
    var explicit: PyCall?
    /// `ceil_mode=True` (pools only).
    var ceilMode: Bool
}

extension WindowAxis {
    /// The input extent that `output` windows cover: `(output - 1)*S + Fe` (an analyzed layer's fits).
    func needed(_ output: Int) -> CheckedInt {
        let effective = (try? effectiveKernel()) ?? kernel
        return (CheckedInt(output) - 1) * stride + effective
    }

    /// PyTorch's output size with `padding` on both sides: floor, or `ceil_mode`'s rule (a last window
    /// that would start in the right padding is dropped); nil where PyTorch would refuse.
    func pytorchOutput(padding: Int, ceilMode: Bool) -> Int? {
        guard let effective = try? effectiveKernel(), stride > 0, padding >= 0,
              let padded = try? checkedAdd(input, try checkedMultiply(2, padding)), padded >= effective else { return nil }
        let span = padded - effective
        guard ceilMode else { return (CheckedInt(span / stride) + 1).value }
        guard var output = (CheckedInt(ceilDivide(span, stride)) + 1).value else { return nil }
        if let start = try? checkedMultiply(output - 1, stride), let end = try? checkedAdd(input, padding), start >= end {
            output -= 1
        }
        return output
    }
}
