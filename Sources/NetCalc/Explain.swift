/// Worked formulas, as the notes write them: the formula, the numbers put in, the result.
/// `--explain` prints them for every layer; `netcalc check` shows the one behind a wrong answer.
struct Explainer {
    let network: NetworkReport

    var bytesPerValue: Int { network.settings.dataType.bytes }
    var batch: Int { network.settings.batch }

    /// Every formula of a row, one line each.
    func lines(for row: LayerRow) -> [String] {
        var lines = [shape(row)]
        if row.kind == .input { return lines + [memory(row), bytes(row)] }
        lines.append(params(row))
        if row.nonTrainable > 0 {
            lines.append("non-trainable = 2*\(row.output.depth) = \(formatCount(row.nonTrainable)) (running mean and variance)")
        }
        lines.append(memory(row))
        lines.append(bytes(row))
        lines.append(macs(row))
        if let im2col = im2col(row) { lines.append(im2col) }
        lines.append(receptiveField(row))
        return lines
    }

    /// The formula behind one key of an answer for a row.
    func formula(_ key: AnswerKey, for row: LayerRow) -> String {
        switch key {
        case .shape: return shape(row)
        case .params: return params(row)
        case .weights: return weights(row)
        case .memory: return memory(row)
        case .bytes: return bytes(row)
        case .fwdBwd: return forwardBackward(row)
        case .macs: return macs(row)
        case .rf: return receptiveField(row)
        case .note: return ""
        }
    }

    // MARK: Shapes

    func shape(_ row: LayerRow) -> String {
        let out = row.output
        switch row.kind {
        case .input:
            return "input: \(out.fullText) (W x H x D)"
        case .conv, .dwconv, .maxpool, .avgpool:
            guard let layer = row.layer else { return "output \(out.fullText)" }
            let axes = layer.windowAxes(input: row.input)
            var text = axisFormula(axes[0], rounding: row.rounding, name: "W2", result: out.width)
            text += axes[0] == axes[1] ? "; H2 the same"
                : "; " + axisFormula(axes[1], rounding: row.rounding, name: "H2", result: out.height)
            switch row.kind {
            case .conv: text += "; D2 = K = \(out.depth)"
            case .dwconv: text += layer.multiplier == 1 ? "; D2 = D1 = \(out.depth)" : "; D2 = D1*m = \(row.input.depth)*\(layer.multiplier) = \(out.depth)"
            default: text += "; D2 = D1 = \(out.depth) (pooling keeps the depth)"
            }
            return text + " -> \(out.fullText)"
        case .deconv:
            guard let layer = row.layer else { return "output \(out.fullText)" }
            let pad: Pair = if case .explicit(let p) = layer.padding { p } else { Pair(square: 0) }
            return "W2 = (W1-1)*S - 2P + F = (\(row.input.width)-1)*\(layer.stride.width) - 2*\(pad.width) + \(layer.kernel.width) = \(out.width)"
                + (out.width == out.height && row.input.width == row.input.height ? "; H2 the same" : "; H2 = \(out.height)")
                + "; D2 = K = \(out.depth) -> \(out.fullText)"
        case .fc:
            return "FC gives 1x1xK = \(out.fullText), whatever its input (\(row.input.fullText))"
        case .gap:
            return "global average pool: one value per channel, 1x1xD = \(out.fullText)"
        case .flatten:
            return "1x1x(W*H*D) = 1x1x(\(row.input.width)*\(row.input.height)*\(row.input.depth)) = \(out.fullText)"
        case .concat:
            let depths = row.inputs.map { network.rows[$0].output.depth }
            return "depths stack: \(depths.map(String.init).joined(separator: " + ")) = \(out.depth); W and H kept -> \(out.fullText)"
        case .add:
            return "branches added value by value: shape kept, \(out.fullText)"
        case .mul:
            return "branches multiplied value by value (a 1x1xD branch scales each channel): \(out.fullText)"
        default:
            return "\(row.kind == .bn ? "batch norm" : "elementwise"): shape kept, \(out.fullText)"
        }
    }

    /// `W2 = (227 - 11 + 2*0)/4 + 1 = 55`, with the rounding said when it was needed.
    func axisFormula(_ axis: WindowAxis, rounding: Rounding, name: String, result: Int) -> String {
        let effective = (try? axis.effectiveKernel()) ?? axis.kernel
        var text = "\(name) = \(axis.formula)"
        if axis.mode == .explicit {
            let span = axis.input + 2 * axis.padding - effective
            if axis.stride > 0, span >= 0, span % axis.stride != 0 {
                let exact = WindowAxis.decimal(span: span, stride: axis.stride)
                switch rounding {
                case .strict: return text + " = \(exact), not a whole number: the sizes do not fit"
                case .floor: return text + " = \(exact), rounded down to \(result)"
                case .ceil: return text + " = \(exact), rounded up to \(result)"
                }
            }
        } else if axis.mode == .valid, (axis.input - effective) % axis.stride != 0 {
            return text + " rounded down = \(result)"
        }
        text += " = \(result)"
        if axis.dilation != 1 {
            text += " (dilated filter extent D(F-1)+1 = \(axis.dilation)*(\(axis.kernel)-1)+1 = \(effective))"
        }
        return text
    }

    // MARK: Parameters

    /// `(F*F*Din/G)`, written out: `11*11*3`.
    private func perFilter(_ row: LayerRow) -> (text: String, value: Int)? {
        guard let layer = row.layer else { return nil }
        let din = row.input.depth
        switch row.kind {
        case .conv:
            let depth = layer.groups == 1 ? "\(din)" : "(\(din)/\(layer.groups))"
            return ("\(layer.kernel.width)*\(layer.kernel.height)*\(depth)", row.weights / max(1, row.output.depth))
        case .dwconv:
            return ("\(layer.kernel.width)*\(layer.kernel.height)", layer.kernel.width * layer.kernel.height)
        case .deconv:
            return ("\(layer.kernel.width)*\(layer.kernel.height)*\(din)", row.weights / max(1, row.output.depth))
        case .fc:
            return ("\(row.input.width)*\(row.input.height)*\(din)", row.weights / max(1, row.output.depth))
        default:
            return nil
        }
    }

    func weights(_ row: LayerRow) -> String {
        if row.kind == .bn { return "weights (gamma) = D = \(formatCount(row.weights))" }
        guard let (each, _) = perFilter(row) else { return "weights = 0: \(row.name) has no parameters" }
        return "weights = (\(each))*\(row.output.depth) = \(formatCount(row.weights))"
    }

    func params(_ row: LayerRow) -> String {
        if row.kind == .bn {
            return "params = 2*D = 2*\(row.output.depth) = \(formatCount(row.params)) (gamma and beta)"
        }
        guard let (each, _) = perFilter(row) else { return "params = 0: \(row.name) has no parameters" }
        let bias = row.biases > 0 ? " + \(row.biases)" : " (no bias)"
        return "params = (\(each))*\(row.output.depth)\(bias) = \(formatCount(row.params))"
    }

    // MARK: Memory and operations

    func memory(_ row: LayerRow) -> String {
        let out = row.output
        return "memory = \(out.width)*\(out.height)*\(out.depth) = \(formatCount(row.activations)) values"
    }

    func bytes(_ row: LayerRow) -> String {
        let batchText = batch == 1 ? "" : " x batch \(batch)"
        return "bytes = \(formatCount(row.activations)) values\(batchText) x \(bytesPerValue) bytes (\(network.settings.dataType.rawValue)) = \(formatCount(row.forwardBytes)) bytes (\(formatBytes(row.forwardBytes)))"
    }

    func forwardBackward(_ row: LayerRow) -> String {
        let total = row.forwardBytes.multipliedReportingOverflow(by: 2)
        return "fwd+bwd = 2 x \(formatCount(row.forwardBytes)) = \(total.overflow ? "more than 2^63" : formatCount(total.partialValue)) bytes (a gradient for every stored value)"
    }

    func macs(_ row: LayerRow) -> String {
        let out = row.output
        switch row.kind {
        case .conv, .dwconv:
            guard let (each, _) = perFilter(row) else { break }
            return "MACs = \(out.width)*\(out.height)*\(out.depth) outputs x (\(each)) = \(formatCount(row.macs))"
        case .deconv:
            let input = row.input
            return "MACs = \(input.width)*\(input.height)*\(input.depth) inputs x (\(row.layer?.kernel.width ?? 0)*\(row.layer?.kernel.height ?? 0)*\(out.depth)) = \(formatCount(row.macs))"
        case .fc:
            return "MACs = inputs x outputs = \(formatCount(row.weights / max(1, out.depth)))*\(out.depth) = \(formatCount(row.macs))"
        default:
            break
        }
        return "MACs = 0: only CONV, DWCONV, DECONV and FC multiply-accumulate"
    }

    /// The matrix sizes of a convolution computed as one matrix product.
    func im2col(_ row: LayerRow) -> String? {
        guard row.kind == .conv, let layer = row.layer, layer.groups == 1, let (each, value) = perFilter(row) else {
            return nil
        }
        let positions = row.output.width * row.output.height
        return "im2col: input columns \(value) x \(positions) (\(each) by \(row.output.width)*\(row.output.height)), weights \(row.output.depth) x \(value), product \(row.output.depth) x \(positions)"
    }

    func receptiveField(_ row: LayerRow) -> String {
        let rf = row.receptiveField
        let rfText = rf.width == rf.height ? "\(rf.width)" : "\(rf.width)x\(rf.height)"
        guard let source = row.inputs.first.map({ network.rows[$0] }) else {
            return "rf = 1 (one input pixel), jump 1"
        }
        let before = source.receptiveField.width
        let jump = source.jump.width
        switch row.kind {
        case .conv, .dwconv, .maxpool, .avgpool:
            guard let layer = row.layer, let effective = try? layer.windowAxes(input: row.input)[0].effectiveKernel() else { break }
            return "rf = rf1 + (F - 1)*jump1 = \(before) + (\(effective) - 1)*\(jump) = \(rf.width)" + (rf.width == rf.height ? "" : " (height \(rf.height))")
                + "; jump = \(jump)*\(layer.stride.width) = \(row.jump.width)"
        case .fc, .gap, .flatten:
            return "rf = rf1 + (W1 - 1)*jump1 = \(before) + (\(row.input.width) - 1)*\(jump) = \(rf.width): it sees its whole input"
        case .add, .concat, .mul:
            return "rf = the largest of its branches' = \(rfText)"
        default:
            break
        }
        return "rf = \(rfText) (unchanged)"
    }

    // MARK: Totals

    /// The formula of a network total: the rows added up.
    func total(_ key: AnswerKey) -> String {
        let rows = network.rows
        let totals = network.totals
        func sum(_ values: [Int], _ result: Int, _ unit: String) -> String {
            let terms = values.filter { $0 != 0 }
            let shown = terms.count > 24 ? terms.prefix(12).map(formatCount).joined(separator: " + ") + " + ... (\(terms.count) terms)"
                : terms.map(formatCount).joined(separator: " + ")
            return "the sum of the rows: \(shown.isEmpty ? "0" : shown) = \(formatCount(result))\(unit)"
        }
        switch key {
        case .params: return "params = " + sum(rows.map(\.params), totals.params, "")
        case .weights: return "weights = " + sum(rows.map(\.weights), totals.weights, "")
        case .memory: return "memory = " + sum(rows.map(\.activations), totals.activations, " values (every row, the input included)")
        case .bytes: return "bytes = \(formatCount(totals.activations)) values x batch \(batch) x \(bytesPerValue) bytes = \(formatCount(totals.forwardBytes)) bytes (\(formatBytes(totals.forwardBytes)))"
        case .fwdBwd:
            return "fwd+bwd = \(formatCount(totals.forwardBytes)) forward + \(formatCount(totals.backwardBytes)) backward = \(formatCount(totals.forwardBytes &+ totals.backwardBytes)) bytes"
        case .macs: return "MACs = " + sum(rows.map(\.macs), totals.macs, "")
        case .shape: return "the last row's output: \(rows.last?.output.fullText ?? "?")"
        case .rf: return "the last row's receptive field: \(rows.last?.receptiveField.width ?? 0)"
        case .note: return ""
        }
    }
}
