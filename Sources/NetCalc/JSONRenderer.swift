import Foundation

/// Renders analyzed networks and diagnostics as the JSON document of DESIGN §4.
struct JSONRenderer {
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

    private struct DiagnosticJSON: Encodable {
        var file: String?
        var line: Int?
        var column: Int?
        var severity: String
        var message: String
        var hints: [String]
    }

    func render(_ networks: [NetworkReport], diagnostics: [Diagnostic]) -> String {
        let document = Document(
            networks: networks.map { network in
                NetworkJSON(
                    name: network.name, file: network.file,
                    input: [network.input.width, network.input.height, network.input.depth],
                    settings: SettingsJSON(batch: network.settings.batch, dtype: network.settings.dataType.rawValue,
                                           optimizer: network.settings.optimizer.rawValue,
                                           rounding: network.settings.rounding.rawValue),
                    layers: network.rows.map { row in
                        LayerJSON(index: row.index, name: row.name, op: row.kind.rawValue, text: row.text,
                                  output: [row.output.width, row.output.height, row.output.depth],
                                  params: row.params, weights: row.weights, biases: row.biases,
                                  nonTrainable: row.nonTrainable, macs: row.macs, activations: row.activations,
                                  forwardBytes: row.forwardBytes, backwardBytes: row.backwardBytes,
                                  receptiveField: [row.receptiveField.width, row.receptiveField.height],
                                  jump: [row.jump.width, row.jump.height], depth: row.depth, inputs: row.inputs)
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
                    }())
            },
            errors: diagnostics.map { diagnostic in
                let location = diagnostic.location
                return DiagnosticJSON(file: diagnostic.file?.name, line: location?.line, column: location?.column,
                                      severity: diagnostic.severity.rawValue, message: diagnostic.message,
                                      hints: diagnostic.hints)
            })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(document) else { return "{\"networks\": [], \"errors\": []}\n" }
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
