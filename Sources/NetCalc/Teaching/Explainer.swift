/// Worked formulas, as the notes write them: the formula, the numbers put in, the result.
/// `--explain` prints them for every layer; `netcalc check` shows the one behind a wrong answer.
struct Explainer {
    let network: NetworkReport
    /// The memory and bytes lines made so far: networks repeat the same shapes over and over.
    private let made = MadeLines()

    init(network: NetworkReport) {
        self.network = network
    }

    var bytesPerValue: Int { network.settings.activationBytes }
    var batch: Int { network.settings.batch }

    /// Every formula of a row, one line each.
    func lines(for row: LayerRow) -> [String] {
        let explanation = explanation(for: row)
        if row.role == .input { return [explanation.shape, memory(row), bytes(row)] }
        var lines = [explanation.shape, explanation.params]
        if let nonTrainable = explanation.nonTrainable { lines.append(nonTrainable) }
        lines += [memory(row), bytes(row), explanation.macs]
        lines += explanation.extra
        lines.append(explanation.receptiveField)
        return lines
    }

    /// The formula behind one key of an answer for a row.
    func formula(_ key: AnswerKey, for row: LayerRow) -> String {
        switch key {
        case .shape: return explanation(for: row).shape
        case .params: return explanation(for: row).params
        case .weights: return explanation(for: row).weights
        case .memory: return memory(row)
        case .bytes: return bytes(row)
        case .fwdBwd: return forwardBackward(row)
        case .macs: return explanation(for: row).macs
        case .rf: return explanation(for: row).receptiveField
        case .note, .points: return ""
        }
    }

    /// A row's worked formulas: the input's and a merge's here, a layer's from its kind.
    func explanation(for row: LayerRow) -> LayerExplanation {
        let source = row.inputs.first.map { network.rows[$0] }
        switch row.role {
        case .input:
            return .parameterFree(row, shape: "input: \(row.output.fullText) (\(row.output.formText.split(separator: "x").joined(separator: " x ")))",
                                  receptiveField: "rf = 1 (one input pixel), jump 1")
        case .merge(let kind):
            let depths = row.inputs.map { network.rows[$0].output.depth }
            return .parameterFree(row, shape: kind.explainShape(depths: depths, output: row.output),
                                  receptiveField: "rf = the largest of its branches' = \(row.receptiveField.text)")
        case .block(let id):
            let path = network.blockPath(id)
            return LayerExplanation(
                shape: "block \(path), \(row.text): its layers in turn -> \(row.output.fullText)",
                weights: "weights = the sum of its layers' = \(formatCount(row.weights))",
                params: "params = the sum of its layers' = \(formatCount(row.params))",
                nonTrainable: row.nonTrainable > 0 ? "non-trainable = the sum of its layers' = \(formatCount(row.nonTrainable))" : nil,
                macs: "MACs = the sum of its layers' = \(formatCount(row.macs))",
                receptiveField: "rf = its last layer's = \(row.receptiveField.text)")
        case .layer:
            guard let operation = row.operation else {
                return .parameterFree(row, shape: "output \(row.output.fullText)",
                                      receptiveField: LayerExplanation.unchangedReceptiveField(row))
            }
            return operation.explain(ExplainedRow(row: row, inputReceptiveField: source?.receptiveField ?? Sizes(square: 1),
                                                  inputJump: source?.jump ?? Sizes(square: 1)))
        }
    }

    // MARK: Memory and operations

    func memory(_ row: LayerRow) -> String {
        let out = row.output
        let key = MadeLines.MemoryKey(output: out, activations: row.activations)
        if let line = made.memory[key] { return line }
        let held = row.heldActivations > 0 ? " + \(formatCount(row.heldActivations)) held besides (the attention map)" : ""
        let line = "memory = \(productText(out.sizes))\(held) = \(formatCount(row.activations)) values"
        made.remember(memory: line, for: key)
        return line
    }

    /// The bytes line, from the row's values and forward bytes and the network's settings alone.
    func bytes(_ row: LayerRow) -> String {
        let key = MadeLines.BytesKey(activations: row.activations, forwardBytes: row.forwardBytes)
        if let line = made.bytes[key] { return line }
        let line = bytesLine(row)
        made.remember(bytes: line, for: key)
        return line
    }

    private func bytesLine(_ row: LayerRow) -> String {
        let batchText = batch == 1 ? "" : " x batch \(batch)"
        return "bytes = \(formatCount(row.activations)) values\(batchText) x \(bytesPerValue) byte\(bytesPerValue == 1 ? "" : "s") (\(network.settings.dataType.rawValue)) = \(formatCount(row.forwardBytes)) bytes (\(formatBytes(row.forwardBytes)))"
    }

    func forwardBackward(_ row: LayerRow) -> String {
        let total = row.forwardBytes.multipliedReportingOverflow(by: 2)
        return "fwd+bwd = 2 x \(formatCount(row.forwardBytes)) = \(total.overflow ? "more than 2^63" : formatCount(total.partialValue)) bytes (a gradient for every stored value)"
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
        case .bytes: return "bytes = \(formatCount(totals.activations)) values x batch \(batch) x \(bytesPerValue) byte\(bytesPerValue == 1 ? "" : "s") = \(formatCount(totals.forwardBytes)) bytes (\(formatBytes(totals.forwardBytes)))"
        case .fwdBwd:
            return "fwd+bwd = \(formatCount(totals.forwardBytes)) forward + \(formatCount(totals.backwardBytes)) backward = \((CheckedInt(totals.forwardBytes) + totals.backwardBytes).value.map(formatCount) ?? "more than 2^63") bytes"
        case .macs: return "MACs = " + sum(rows.map(\.macs), totals.macs, "")
        case .shape: return "the last row's output: \(rows.last?.output.fullText ?? "?")"
        case .rf: return "the last row's receptive field: \(rows.last?.receptiveField.width ?? 0)"
        case .note, .points: return ""
        }
    }
}

/// The memory and bytes lines an explainer has made, by what they are made from (the network's settings
/// are the same for every row); a bounded number, so that a network of distinct shapes does not grow it
/// without end.
private final class MadeLines {
    /// What the memory line reads: the output and its values.
    struct MemoryKey: Hashable {
        var output: Shape
        var activations: Int
    }

    /// What the bytes line reads: the values and the forward bytes.
    struct BytesKey: Hashable {
        var activations: Int
        var forwardBytes: Int
    }

    /// The most lines of each kind kept.
    static let limit = 4096

    private(set) var memory: [MemoryKey: String] = [:]
    private(set) var bytes: [BytesKey: String] = [:]

    func remember(memory line: String, for key: MemoryKey) {
        if memory.count < Self.limit { memory[key] = line }
    }

    func remember(bytes line: String, for key: BytesKey) {
        if bytes.count < Self.limit { bytes[key] = line }
    }
}
