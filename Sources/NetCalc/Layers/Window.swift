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

/// A width and a height.
struct Pair: Equatable, Sendable {
    var width: Int
    var height: Int

    init(_ width: Int, _ height: Int) {
        self.width = width
        self.height = height
    }

    init(square value: Int) {
        self.init(value, value)
    }

    /// `3` for a square pair, `7x1` otherwise.
    var text: String { width == height ? "\(width)" : "\(width)x\(height)" }
}

/// A layer's zero padding.
enum Padding: Equatable, Sendable {
    /// P on the left and right (width), P on the top and bottom (height).
    case explicit(Pair)
    /// TensorFlow's SAME: output `ceil(W/S)`, padding split as needed.
    case same
    /// TensorFlow's VALID: no padding, an incomplete last window dropped.
    case valid

    init(_ result: ArgumentResult?) {
        switch result {
        case .pair(let pair)?: self = .explicit(pair)
        case .same?: self = .same
        case .valid?: self = .valid
        case .fraction?, nil: self = .explicit(Pair(square: 0))
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

/// A window's hyperparameters on both axes, as CONV, DWCONV and the pools take them.
struct SlidingWindow: Sendable {
    var kernel: Pair
    var stride: Pair
    var padding: Padding
    var dilation: Pair
    /// A `floor` or `ceil` tag, overriding the network's rounding.
    var rounding: Rounding?

    /// The window of a layer's arguments; a pool's stride defaults to its extent, a convolution's to 1.
    init(_ values: ArgumentValues, strideDefaultsToKernel: Bool) {
        kernel = values.pair("f") ?? Pair(square: 1)
        stride = values.pair("s") ?? (strideDefaultsToKernel ? kernel : Pair(square: 1))
        padding = Padding(values.result("p"))
        dilation = values.pair("d") ?? Pair(square: 1)
        rounding = values.rounding
    }

    /// The window along the width and the height of an input.
    func axes(input: Shape) -> [WindowAxis] {
        var width = WindowAxis(input: input.width, kernel: kernel.width, stride: stride.width, padding: 0,
                               dilation: dilation.width, mode: .explicit)
        var height = WindowAxis(input: input.height, kernel: kernel.height, stride: stride.height, padding: 0,
                                dilation: dilation.height, mode: .explicit)
        switch padding {
        case .explicit(let pad):
            width.padding = pad.width
            height.padding = pad.height
        case .same:
            width.mode = .same
            height.mode = .same
        case .valid:
            width.mode = .valid
            height.mode = .valid
        }
        return [width, height]
    }

    /// The output width and height; `what` names the window in messages (`filter`, `window`), `depth`
    /// is the output depth a strict-size failure reports.
    func outputSize(_ input: LayerInput, what: String, depth: Int) throws(LayerFailure) -> (Int, Int) {
        let axes = axes(input: input.shape)
        var sizes: [Int] = []
        for axis in axes {
            let outcome: WindowOutcome
            do { outcome = try axis.outcome(rounding ?? input.rounding) } catch { throw .overflow }
            switch outcome {
            case .output(let size):
                sizes.append(size)
            case .tooLarge(let padded, let effective):
                let extent = effective == axis.kernel ? "" : " (dilated to \(effective))"
                throw .invalid("\(input.name)'s \(kernel.width)x\(kernel.height) \(what)\(extent) is larger than its padded input (\(padded) wide)",
                               hint: "the input here is \(input.shape.fullText); use a smaller filter, more padding, or p=same")
            case .notWhole:
                throw .notWhole(axes: axes, depth: depth)
            }
        }
        return (sizes[0], sizes[1])
    }

    /// The receptive field grown by the dilated window, `rf + (Fe - 1) * jump`, and the jump by the stride.
    func receptiveField(_ input: LayerInput) throws(Overflow) -> (field: Pair, jump: Pair) {
        let width = try checkedAdd(try checkedMultiply(dilation.width, kernel.width - 1), 1)
        let height = try checkedAdd(try checkedMultiply(dilation.height, kernel.height - 1), 1)
        let field = Pair(
            try checkedAdd(input.receptiveField.width, try checkedMultiply(width - 1, input.jump.width)),
            try checkedAdd(input.receptiveField.height, try checkedMultiply(height - 1, input.jump.height)))
        let jump = Pair(try checkedMultiply(input.jump.width, stride.width),
                        try checkedMultiply(input.jump.height, stride.height))
        return (field, jump)
    }

    /// `W2 = ...; H2 the same`, for a row this window made.
    func shapeFormula(_ row: LayerRow) -> String {
        let axes = axes(input: row.input)
        let out = row.output
        var text = axes[0].explained(rounding: row.rounding, name: "W2", result: out.width)
        text += axes[0] == axes[1] ? "; H2 the same"
            : "; " + axes[1].explained(rounding: row.rounding, name: "H2", result: out.height)
        return text
    }

    /// `rf = rf1 + (F - 1)*jump1 = ...; jump = ...`.
    func receptiveFieldFormula(_ explained: ExplainedRow) -> String {
        let row = explained.row
        let rf = row.receptiveField
        let before = explained.inputReceptiveField.width
        let jump = explained.inputJump.width
        let effective = (try? axes(input: row.input)[0].effectiveKernel()) ?? kernel.width
        return "rf = rf1 + (F - 1)*jump1 = \(before) + (\(effective) - 1)*\(jump) = \(rf.width)"
            + (rf.width == rf.height ? "" : " (height \(rf.height))")
            + "; jump = \(jump)*\(stride.width) = \(row.jump.width)"
    }

    /// How a PyTorch window module gets netcalc's output size: the padding written in the module
    /// (symmetric, the spec's own `p` where PyTorch's rounding then gives netcalc's size, as a person
    /// would write it), with `ceil_mode` for a pool where that is what gives it; otherwise an explicit
    /// `nn.ConstantPad2d` (left, right, top, bottom) before an unpadded module, as for TensorFlow's
    /// SAME with an odd total or Caffe's rounding.
    func pytorchPadding(_ context: PyTorchContext, ceilMode allowsCeil: Bool, padValue: PyArgument) -> WindowPadding {
        let row = context.row
        let axes = axes(input: row.input)
        let outputs = [row.output.width, row.output.height]
        var symmetric: PyPair?
        switch padding {
        case .explicit(let pad):
            symmetric = context.pair("p", pad)
        case .valid:
            symmetric = .literal(Pair(square: 0))
        case .same:
            let totals = zip(axes, outputs).map { axis, output in max(0, (axis.needed(output) - axis.input).value ?? 0) }
            if totals.allSatisfy({ $0 % 2 == 0 }) { symmetric = .literal(Pair(totals[0] / 2, totals[1] / 2)) }
        }
        if let symmetric {
            let pads = [symmetric.width.value, symmetric.height.value]
            let rounded = row.rounding == .ceil || row.rounding == .caffe
            for ceil in (rounded ? [true, false] : [false, true]) where !ceil || allowsCeil {
                let sizes = zip(axes, pads).map { axis, pad in axis.pytorchOutput(padding: pad, ceilMode: ceil) }
                if sizes[0] == outputs[0], sizes[1] == outputs[1] {
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
        let values = [sides[0].0, sides[0].1, sides[1].0, sides[1].1]
        guard values.contains(where: { $0 != 0 }) else { return WindowPadding(padding: nil, explicit: nil, ceilMode: false) }
        let explicit = PyCall("nn.ConstantPad2d", .tuple(values.map { .value(.literal($0)) }), padValue)
        return WindowPadding(padding: nil, explicit: explicit, ceilMode: false)
    }
}

/// How a window module is padded in PyTorch.
struct WindowPadding {
    /// `padding=` of the module, when it has any.
    var padding: PyPair?
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
