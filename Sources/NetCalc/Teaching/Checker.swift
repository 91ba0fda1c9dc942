/// `netcalc check`: grades the answers written in a spec, shows the worked formula behind each wrong
/// one, and names the mistake when it recognises one.

/// The verdict on one answer item.
struct Verdict: Sendable {
    enum Outcome: String, Sendable {
        case right, wrong, unanswered, ungraded
    }

    var outcome: Outcome
    var file: SourceFile
    var range: SourceRange
    var network: String
    /// The row answered (`CONV1`), or `total`.
    var layer: String
    var key: AnswerKey
    /// The answer as written.
    var answer: String
    /// The right value, formatted.
    var expected: String
    var formula: String
    var mistake: String?
    /// A teacher's `note:` written with the answer.
    var note: String?
}

/// A value an answer could be compared with: the truth, or what a known mistake gives.
private enum Candidate {
    case count(Int)
    case shape(Shape)
    case invalid
    /// A count past 64 bits: no answer matches it, and it is never printed as a number.
    case tooLarge

    /// A count computed with checked steps.
    init(_ value: CheckedInt) {
        self = value.value.map(Candidate.count) ?? .tooLarge
    }
}

/// Grades the answers of one analyzed file.
struct Checker {
    let file: SourceFile
    let syntax: SpecSyntax

    func grade(_ networks: [NetworkReport]) -> (verdicts: [Verdict], diagnostics: DiagnosticList) {
        var diagnostics = DiagnosticList()
        var verdicts: [Verdict] = []
        let answers = allAnswers()
        let parser = AnswerParser(file: file)
        for network in networks {
            let explainer = Explainer(network: network)
            let starts = answers.keys.filter {
                $0 >= network.sourceRange.start && $0 < network.sourceRange.end
            }.sorted()
            var graded = Set<Int>()
            for start in starts {
                guard let answer = answers[start] else { continue }
                let (items, problems) = parser.items(of: answer)
                diagnostics.append(contentsOf: problems)
                let note = items.first { $0.key == .note }.flatMap { if case .text(let t) = $0.value { t } else { nil } }
                for item in items where item.key != .note {
                    var verdict: Verdict
                    if let rowIndex = network.answerRows[start] {
                        verdict = grade(item, row: network.rows[rowIndex], explainer: explainer)
                    } else if let unfit = network.unfit, unfit.answerStart == start {
                        verdict = gradeUnfit(item, unfit: unfit, network: network)
                    } else {
                        let reason = network.unfit.map { "\($0.name) does not fit, so nothing after it has sizes" }
                            ?? "this answer belongs to no layer that was analyzed"
                        verdict = ungraded(item, layer: "?", reason: reason, network: network)
                    }
                    verdict.note = note
                    verdicts.append(verdict)
                }
                graded.insert(start)
            }
            if let total = network.totalAnswer {
                let (items, problems) = parser.items(of: total)
                diagnostics.append(contentsOf: problems)
                let note = items.first { $0.key == .note }.flatMap { if case .text(let t) = $0.value { t } else { nil } }
                for item in items where item.key != .note {
                    var verdict = network.unfit == nil ? gradeTotal(item, network: network, explainer: explainer)
                        : ungraded(item, layer: "total", reason: "the network stops at \(network.unfit!.name), which does not fit",
                                   network: network)
                    verdict.note = note
                    verdicts.append(verdict)
                }
            }
        }
        return (verdicts, diagnostics)
    }

    /// Every answer list in the file, by where it starts.
    private func allAnswers() -> [Int: AnswerSyntax] {
        var found: [Int: AnswerSyntax] = [:]
        func visit(_ chain: Chain) {
            for element in chain.elements {
                switch element {
                case .layer(_, let answer?), .input(_, _, let answer?): found[answer.range.start] = answer
                case .repetition(let inner, _, _): visit(inner)
                case .merge(_, let branches, _, _): branches.forEach(visit)
                default: break
                }
            }
        }
        for statement in syntax.statements {
            switch statement {
            case .network(_, _, let chain, _): visit(chain)
            case .block(let block): visit(block.body)
            case .directive: break
            }
        }
        return found
    }

    // MARK: Grading

    private func verdict(_ item: AnswerItem, layer: String, network: NetworkReport, right: Bool, expected: String,
                         formula: String, mistake: String?) -> Verdict {
        let outcome: Verdict.Outcome = item.value == .blank ? .unanswered : right ? .right : .wrong
        return Verdict(outcome: outcome, file: file, range: item.range, network: network.name, layer: layer,
                       key: item.key, answer: item.text, expected: expected, formula: formula,
                       mistake: outcome == .wrong ? mistake : nil)
    }

    private func ungraded(_ item: AnswerItem, layer: String, reason: String, network: NetworkReport) -> Verdict {
        Verdict(outcome: .ungraded, file: file, range: item.range, network: network.name, layer: layer, key: item.key,
                answer: item.text, expected: "?", formula: reason, mistake: nil)
    }

    private func matches(_ value: AnswerValue, _ candidate: Candidate) -> Bool {
        switch (value, candidate) {
        case (.shape(let a), .shape(let b)): return a == b
        case (.number(let a), .count(let b)): return a.matches(b)
        case (.invalid, .invalid): return true
        default: return false
        }
    }

    private func grade(_ item: AnswerItem, row: LayerRow, explainer: Explainer) -> Verdict {
        let truth: Candidate
        switch item.key {
        case .shape: truth = .shape(row.output)
        case .params: truth = .count(row.params)
        case .weights: truth = .count(row.weights)
        case .memory: truth = .count(row.activations)
        case .bytes: truth = .count(row.forwardBytes)
        case .fwdBwd: truth = Candidate(CheckedInt(row.forwardBytes) * 2)
        case .macs: truth = .count(row.macs)
        case .rf: truth = .count(row.receptiveField.width)
        case .note: truth = .count(0)
        }
        let right = matches(item.value, truth)
        let mistake = right ? nil : unitMixUp(item, truth) ?? recognise(item, mistakes(item.key, row: row))
        return verdict(item, layer: row.name, network: explainer.network, right: right, expected: describe(truth),
                       formula: explainer.formula(item.key, for: row), mistake: mistake)
    }

    private func gradeUnfit(_ item: AnswerItem, unfit: UnfitLayer, network: NetworkReport) -> Verdict {
        let axes = unfit.axes
        let formulas = axes.enumerated().map { index, axis in
            axis.explained(rounding: .strict, name: index == 0 ? "W2" : "H2", result: 0)
        }
        let formula = axes[0] == axes[1] ? formulas[0] : formulas.joined(separator: "; ")
        guard item.key == .shape else {
            return ungraded(item, layer: unfit.name, reason: "\(unfit.name) does not fit its \(unfit.input.fullText) input: \(formula)",
                            network: network)
        }
        let right = item.value == .invalid
        var mistake: String?
        if case .shape(let answer) = item.value {
            for (rounding, name) in [(Rounding.floor, "floor (PyTorch)"), (.ceil, "ceil (Caffe pooling)")] {
                let sizes = axes.map { axis -> Int in
                    if case .output(let size)? = try? axis.outcome(rounding) { return size }
                    return 0
                }
                if answer == Shape(width: sizes[0], height: sizes[1], depth: unfit.depth) {
                    mistake = "\(sizes[0])x\(sizes[1]) is the \(name) result; with these settings the sizes do not fit, which the notes call an invalid setting: write invalid"
                    break
                }
            }
        }
        return verdict(item, layer: unfit.name, network: network, right: right, expected: "invalid (does not fit)",
                       formula: formula, mistake: mistake ?? (right ? nil : "\(unfit.text) does not fit its input; the answer is invalid"))
    }

    private func gradeTotal(_ item: AnswerItem, network: NetworkReport, explainer: Explainer) -> Verdict {
        let totals = network.totals
        let truth: Candidate
        var alternatives: [(Candidate, String)] = []
        let inputValues = network.rows.first?.activations ?? 0
        switch item.key {
        case .shape: truth = .shape(network.rows.last?.output ?? Shape(width: 0, height: 0, depth: 0))
        case .params:
            truth = .count(totals.params)
            alternatives.append((.count(totals.weights), "the biases are left out (\(formatCount(totals.biases)) of them)"))
        case .weights:
            truth = .count(totals.weights)
            alternatives.append((.count(totals.params), "the biases are counted; weights leave them out"))
        case .memory:
            truth = .count(totals.activations)
            alternatives.append((.count(totals.activations - inputValues), "the input row is left out; the total counts it too"))
            alternatives.append((.count(totals.forwardBytes), "bytes given where values were asked"))
        case .bytes:
            truth = .count(totals.forwardBytes)
            alternatives.append((.count(totals.activations), "values given where bytes were asked: x \(network.settings.dataType.bytes) bytes per \(network.settings.dataType.rawValue) value"))
            alternatives.append((Candidate(CheckedInt(totals.forwardBytes) * 2), "forward + backward given where the forward bytes were asked"))
        case .fwdBwd:
            truth = Candidate(CheckedInt(totals.forwardBytes) + totals.backwardBytes)
            alternatives.append((.count(totals.forwardBytes), "forward only: the backward pass keeps a gradient for every value, x2"))
        case .macs:
            truth = .count(totals.macs)
            alternatives.append((Candidate(CheckedInt(totals.macs) * 2), "FLOPs (2 x MACs) given where MACs were asked"))
        case .rf: truth = .count(network.rows.last?.receptiveField.width ?? 0)
        case .note: truth = .count(0)
        }
        let right = matches(item.value, truth)
        var mistake: String?
        if !right {
            mistake = unitMixUp(item, truth) ?? recognise(item, alternatives)
        }
        return verdict(item, layer: "total", network: network, right: right, expected: describe(truth),
                       formula: explainer.total(item.key), mistake: mistake)
    }

    private func describe(_ candidate: Candidate) -> String {
        switch candidate {
        case .count(let value): return formatCount(value)
        case .shape(let shape): return shape.fullText
        case .invalid: return "invalid"
        case .tooLarge: return "too large to count (past 2^63)"
        }
    }

    // MARK: Mistakes

    /// The first known mistake the answer matches, or a units mix-up.
    private func recognise(_ item: AnswerItem, _ alternatives: [(Candidate, String)]) -> String? {
        for (candidate, name) in alternatives where matches(item.value, candidate) {
            return name
        }
        return nil
    }

    /// What an answer would be after each mistake the notes' readers make.
    private func mistakes(_ key: AnswerKey, row: LayerRow) -> [(Candidate, String)] {
        var list: [(Candidate, String)] = []
        let din = row.input.depth
        let k = row.output.depth
        switch key {
        case .params, .weights:
            if key == .params, row.biases > 0 {
                list.append((.count(row.weights), "the biases are left out: one per filter, \(formatCount(row.biases))"))
            }
            if key == .weights, row.biases > 0 {
                list.append((.count(row.params), "the biases are counted; weights are the filters alone"))
            }
            let convolution = row.operation as? Convolution
            let dense = row.operation is FullyConnected
            if convolution != nil || dense {
                let kernel = convolution?.window.kernel ?? Pair(square: 1)
                let area = dense ? CheckedInt(row.input.width) * row.input.height : CheckedInt(kernel.width) * kernel.height
                let withoutDepth = area * k
                let bias = key == .params ? row.biases : 0
                list.append((Candidate(withoutDepth + bias), "the input depth is left out: each filter spans all \(din) input channels (\(dense ? "W*H*D" : "F*F*D"))"))
                if key == .params, row.biases > 0 {
                    list.append((Candidate(withoutDepth), "the input depth and the biases are left out"))
                }
            }
            if row.operation is BatchNorm {
                list.append((Candidate(CheckedInt(row.params) * 2), "the running mean and variance are counted; they are not trainable"))
                list.append((.count(row.params / 2), "batch norm learns two values per channel (gamma and beta)"))
            }
        case .shape:
            guard let windowed = row.operation as? any WindowedOperation else { break }
            let axes = windowed.window.axes(input: row.input)
            func shape(_ transform: (WindowAxis) -> Int?) -> Candidate? {
                guard let width = transform(axes[0]), let height = transform(axes[1]), width > 0, height > 0 else { return nil }
                return .shape(Shape(width: width, height: height, depth: k))
            }
            func span(_ axis: WindowAxis, padding: Int? = nil) -> Int? {
                guard axis.mode == .explicit, let effective = try? axis.effectiveKernel() else { return nil }
                return (CheckedInt(axis.input) + 2 * CheckedInt(padding ?? axis.padding) - effective).value
            }
            if axes.contains(where: { $0.padding > 0 }),
               let candidate = shape({ axis in span(axis, padding: 0).flatMap { $0 >= 0 ? $0 / axis.stride + 1 : nil } }) {
                list.append((candidate, "the padding is left out: W2 = (W - F + 2P)/S + 1 with P = \(axes[0].padding)"))
            }
            if let candidate = shape({ axis in span(axis).map { $0 / axis.stride } }) {
                list.append((candidate, "the +1 is forgotten: (W - F + 2P)/S counts the steps; the first position adds one"))
            }
            if axes.contains(where: { $0.stride > 1 }) {
                if let candidate = shape({ axis in
                    guard let span = span(axis), let squared = (CheckedInt(axis.stride) * axis.stride).value else { return nil }
                    return span / squared + 1
                }) {
                    list.append((candidate, "the stride is applied twice"))
                }
                if let candidate = shape({ axis in span(axis).map { $0 + 1 } }) {
                    list.append((candidate, "the stride is not applied: divide (W - F + 2P) by S"))
                }
            }
            if row.operation is Convolution, din != k {
                list.append((.shape(Shape(width: row.output.width, height: row.output.height, depth: din)),
                             "the depth is the number of filters K = \(k), not the input's depth"))
            }
        case .memory:
            list.append((.count(row.forwardBytes), "bytes given where values were asked"))
            list.append((.count(row.input.width * row.input.height * row.input.depth), "the layer's input is counted, not its output"))
        case .bytes:
            list.append((.count(row.activations), "values given where bytes were asked: x 4 bytes per fp32 value"))
            list.append((Candidate(CheckedInt(row.forwardBytes) * 2), "forward + backward given where the forward bytes were asked"))
        case .fwdBwd:
            list.append((.count(row.forwardBytes), "forward only: the backward pass keeps a gradient for every value, x2"))
            list.append((Candidate(CheckedInt(row.activations) * 2), "values given where bytes were asked"))
        case .macs:
            list.append((Candidate(CheckedInt(row.macs) + row.activations), "the bias additions are counted; MACs here leave them out"))
            list.append((Candidate(CheckedInt(row.macs) * 2), "FLOPs (2 x MACs) given where MACs were asked"))
        case .rf, .note:
            break
        }
        return list
    }

    /// The 1000-against-1024 mix-up: the answer's digits read with the other unit give the truth.
    private func unitMixUp(_ item: AnswerItem, _ truth: Candidate) -> String? {
        guard case .number(let number) = item.value, case .count(let value) = truth, number.power > 0,
              number.unit == .decimalBytes || number.unit == .binaryBytes else { return nil }
        let other: AnswerUnit = number.unit == .decimalBytes ? .binaryBytes : .decimalBytes
        guard number.reread(as: other).matches(value) else { return nil }
        return number.unit == .decimalBytes
            ? "1000 for 1024: KB, MB, GB are 1000-based; \(formatCount(value)) bytes is \(formatBytes(value)) in 1024-based units"
            : "1024 for 1000: KiB, MiB, GiB are 1024-based; the figure given is the 1000-based one (KB, MB, GB)"
    }
}
