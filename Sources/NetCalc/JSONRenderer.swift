import Foundation

/// Renders analyzed networks and diagnostics as the JSON document of DESIGN §4.
struct JSONRenderer {
    /// `--fit`: each network gets a `fit` object.
    var fit: (size: MemorySize, inference: Bool)?

    private struct Document: Encodable {
        var networks: [NetworkJSON]
        var errors: [DiagnosticJSON]
    }

    private struct NetworkJSON: Encodable {
        var name: String
        var file: String
        var input: [Int]
        var settings: SettingsJSON
        var layers: [LayerJSON]
        var totals: TotalsJSON
        var fit: FitJSON?
    }

    private struct FitJSON: Encodable {
        var sizeBytes: Int
        var mode: String
        var batch: Int
        var usedBytes: Int
        var fixedBytes: Int
        var weightBytes: Int
        var gradientBytes: Int
        var optimizerBytes: Int
        var perImageBytes: Int
        var forwardBytesPerImage: Int
        var backwardBytesPerImage: Int
        var paramsFit: Bool
    }

    private struct SettingsJSON: Encodable {
        var batch: Int
        var dtype: String
        var optimizer: String
        var rounding: String
    }

    private struct LayerJSON: Encodable {
        var index: Int
        var name: String
        var op: String
        var text: String
        var output: [Int]
        var params: Int
        var weights: Int
        var biases: Int
        var nonTrainable: Int
        var macs: Int
        var activations: Int
        var forwardBytes: Int
        var backwardBytes: Int
        var receptiveField: [Int]
        var jump: [Int]
        var depth: Int
        var inputs: [Int]
        var explain: [String]?
    }

    private struct TotalsJSON: Encodable {
        var params: Int
        var weights: Int
        var biases: Int
        var nonTrainable: Int
        var macs: Int
        var flops: Int?
        var activations: Int
        var forwardBytes: Int
        var backwardBytes: Int
        var paramBytes: Int
        var trainingParamBytes: Int
        var trainingBytes: Int
        var inferencePeakBytes: Int
        var batch: Int
        var bytesPerValue: Int
    }

    struct DiagnosticJSON: Encodable {
        var file: String?
        var line: Int?
        var column: Int?
        var severity: String
        var message: String
        var hints: [String]
    }

    func render(_ networks: [NetworkReport], diagnostics: [Diagnostic], explain: Bool = false) -> String {
        let document = Document(
            networks: networks.map { network in
                NetworkJSON(
                    name: network.name, file: network.file,
                    input: [network.input.width, network.input.height, network.input.depth],
                    settings: SettingsJSON(batch: network.settings.batch, dtype: network.settings.dataType.rawValue,
                                           optimizer: network.settings.optimizer.rawValue,
                                           rounding: network.settings.rounding.rawValue),
                    layers: network.rows.map { row in
                        let explanation = explain ? Explainer(network: network).lines(for: row) : nil
                        return
                        LayerJSON(index: row.index, name: row.name, op: row.kind.rawValue, text: row.text,
                                  output: [row.output.width, row.output.height, row.output.depth],
                                  params: row.params, weights: row.weights, biases: row.biases,
                                  nonTrainable: row.nonTrainable, macs: row.macs, activations: row.activations,
                                  forwardBytes: row.forwardBytes, backwardBytes: row.backwardBytes,
                                  receptiveField: [row.receptiveField.width, row.receptiveField.height],
                                  jump: [row.jump.width, row.jump.height], depth: row.depth, inputs: row.inputs,
                                  explain: explanation)
                    },
                    totals: {
                        let t = network.totals
                        let (flops, overflow) = t.macs.multipliedReportingOverflow(by: 2)
                        return TotalsJSON(params: t.params, weights: t.weights, biases: t.biases,
                                          nonTrainable: t.nonTrainable, macs: t.macs, flops: overflow ? nil : flops,
                                          activations: t.activations, forwardBytes: t.forwardBytes,
                                          backwardBytes: t.backwardBytes, paramBytes: t.paramBytes,
                                          trainingParamBytes: t.trainingParamBytes, trainingBytes: t.trainingBytes,
                                          inferencePeakBytes: t.inferencePeakBytes, batch: t.batch,
                                          bytesPerValue: t.bytesPerValue)
                    }(),
                    fit: fit.map { fit in
                        let r = FitPlanner(network: network).plan(fit.size, inference: fit.inference)
                        return FitJSON(sizeBytes: r.size.bytes, mode: r.inference ? "inference" : "training",
                                       batch: r.batch, usedBytes: r.usedBytes, fixedBytes: r.fixedBytes,
                                       weightBytes: r.weightBytes, gradientBytes: r.gradientBytes,
                                       optimizerBytes: r.optimizerBytes, perImageBytes: r.perImageBytes,
                                       forwardBytesPerImage: r.forwardPerImage, backwardBytesPerImage: r.backwardPerImage,
                                       paramsFit: r.paramsFit)
                    })
            },
            errors: diagnostics.map(Self.diagnostic))
        return Self.encode(document)
    }

    static func diagnostic(_ diagnostic: Diagnostic) -> DiagnosticJSON {
        let location = diagnostic.location
        return DiagnosticJSON(file: diagnostic.file?.name, line: location?.line, column: location?.column,
                              severity: diagnostic.severity.rawValue, message: diagnostic.message, hints: diagnostic.hints)
    }

    /// Encodes a document with sorted keys, so that output is the same from run to run.
    static func encode<T: Encodable>(_ document: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(document) else { return "{}\n" }
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}

/// Renders `netcalc check` verdicts: one line per answer, the worked formula and the mistake under a
/// wrong one, and a summary; or the same as JSON for auto-graders.
struct CheckRenderer {
    var color = false

    func text(_ verdicts: [Verdict]) -> String {
        let green = color ? "\u{1B}[1;32m" : ""
        let red = color ? "\u{1B}[1;31m" : ""
        let bold = color ? "\u{1B}[1m" : ""
        let reset = color ? "\u{1B}[0m" : ""
        var out = ""
        for verdict in verdicts {
            let (line, column) = verdict.file.location(of: verdict.range.start)
            let place = "\(bold)\(verdict.file.name):\(line):\(column):\(reset)"
            let what = "\(verdict.layer) \(verdict.key.rawValue)"
            switch verdict.outcome {
            case .right:
                out += "\(place) \(green)right:\(reset) \(what) \(verdict.answer)\n"
            case .wrong:
                out += "\(place) \(red)wrong:\(reset) \(what) \(verdict.answer); the answer is \(verdict.expected)\n"
                out += "  \(verdict.formula)\n"
                if let mistake = verdict.mistake { out += "  mistake: \(mistake)\n" }
                if let note = verdict.note { out += "  note: \(note)\n" }
            case .unanswered:
                out += "\(place) \(red)unanswered:\(reset) \(what)\n"
            case .ungraded:
                out += "\(place) \(red)cannot grade:\(reset) \(what): \(verdict.formula)\n"
            }
        }
        guard !verdicts.isEmpty else { return "" }
        let right = verdicts.filter { $0.outcome == .right }.count
        let unanswered = verdicts.filter { $0.outcome == .unanswered }.count
        out += "\(bold)\(right) of \(verdicts.count) answer\(verdicts.count == 1 ? "" : "s") right\(unanswered > 0 ? " (\(unanswered) unanswered)" : "")\(reset)\n"
        return out
    }

    private struct Document: Encodable {
        var answers: [Answer]
        var right: Int
        var total: Int
        var errors: [JSONRenderer.DiagnosticJSON]
    }

    private struct Answer: Encodable {
        var file: String
        var line: Int
        var column: Int
        var network: String
        var layer: String
        var key: String
        var answer: String
        var expected: String
        var verdict: String
        var formula: String
        var mistake: String?
        var note: String?
    }

    func json(_ verdicts: [Verdict], diagnostics: [Diagnostic]) -> String {
        let answers = verdicts.map { verdict in
            let (line, column) = verdict.file.location(of: verdict.range.start)
            return Answer(file: verdict.file.name, line: line, column: column, network: verdict.network,
                          layer: verdict.layer, key: verdict.key.rawValue, answer: verdict.answer,
                          expected: verdict.expected, verdict: verdict.outcome.rawValue, formula: verdict.formula,
                          mistake: verdict.mistake, note: verdict.note)
        }
        return JSONRenderer.encode(Document(answers: answers, right: verdicts.filter { $0.outcome == .right }.count,
                                            total: verdicts.count, errors: diagnostics.map(JSONRenderer.diagnostic)))
    }
}
