/// The sliding-window arithmetic of convolution and pooling along one axis, with the rounding rules
/// and the worked formula the notes write: `(W - F + 2P)/S + 1`.

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
            if padded < effective { return .tooLarge(padded: padded, effectiveKernel: effective) }
            let span = padded - effective
            if span % stride == 0 { return .output(span / stride + 1) }
            switch rounding {
            case .strict:
                return .notWhole(span: span)
            case .floor:
                return .output(span / stride + 1)
            case .ceil:
                // PyTorch's and Caffe's rule: a last window that would start in the right padding is dropped.
                var output = ceilDivide(span, stride) + 1
                if try checkedMultiply(output - 1, stride) >= (try checkedAdd(input, padding)) { output -= 1 }
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

    /// `span/S + 1` as a decimal with up to two places: `54.25`, `2.33`.
    static func decimal(span: Int, stride: Int) -> String {
        let whole = span / stride + 1
        let remainder = span % stride
        let (scaled, overflow) = remainder.multipliedReportingOverflow(by: 100)
        guard !overflow else { return "\(whole) + \(remainder)/\(stride)" }
        var hundredths = (scaled + stride / 2) / stride
        var wholePart = whole
        if hundredths >= 100 { wholePart += 1; hundredths -= 100 }
        var fraction = hundredths < 10 ? "0\(hundredths)" : "\(hundredths)"
        while fraction.hasSuffix("0") { fraction.removeLast() }
        return fraction.isEmpty ? "\(wholePart)" : "\(wholePart).\(fraction)"
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
            for candidate in [stride - distance, stride + distance] where candidate >= 1 && candidate <= max(span, 1) {
                if span % candidate == 0 { found.append(candidate) }
            }
            distance += 1
        }
        return found
    }
}

extension Layer {
    /// The sliding window of a CONV, DWCONV or POOL along the width and the height of an input.
    func windowAxes(input: Shape) -> [WindowAxis] {
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
}
