/// Analysis of an imported network: every layer applied along the graph of tensors, any DAG, each
/// layer (resolved by its reader with the spec's own `LayerResolver`) applied as a spec's layer is
/// (the same operations and row counting), each row named after its layer in the file. Totals, receptive fields (the largest over
/// the paths into a merge) and inference liveness then come from the rows' inputs, as for a spec.

/// Analyzes an imported network.
struct GraphAnalyzer {
    let network: ImportedNetwork
    /// The model file, for diagnostics: its text for a prototxt, an empty stand-in for a binary file.
    let file: SourceFile
    let overrides: SettingsOverride

    /// Imported networks round down, as the frameworks do, unless the command line says otherwise;
    /// the file's batch is the default batch.
    var settings: Settings {
        var base = Settings()
        base.rounding = .floor
        if let batch = network.batch { base.batch = batch }
        return overrides.applied(to: base)
    }

    /// Applies the layers and merges under the network's settings; the layers keep their file's names.
    private var evaluator: Evaluator {
        Evaluator(settings: settings, batchOrigin: overrides.batch != nil ? "--batch" : nil, quotesLayerNames: true)
    }

    /// The analyzed network, or nil with the diagnostics that say why.
    func analyze() -> (NetworkReport?, DiagnosticList) {
        var diagnostics = DiagnosticList()
        let evaluator = evaluator
        func failure(_ message: String, at range: SourceRange, hint: String? = nil) -> (NetworkReport?, DiagnosticList) {
            diagnostics.append(Diagnostic(.error, message, at: range, in: file, hint: hint))
            return (nil, diagnostics)
        }
        guard network.layers.count < Analyzer.maximumRows else {
            return failure("the model has more than \(formatCount(Analyzer.maximumRows)) layers", at: network.inputRange,
                           hint: "netcalc analyzes up to \(formatCount(Analyzer.maximumRows)) layers per network")
        }
        var rows: [LayerRow] = []
        rows.reserveCapacity(network.layers.count + 1)
        var tensors: [String: Flow] = [:]
        var input = LayerRow(index: 0, name: network.inputName, role: .input, text: "INPUT[\(network.input.fullText)]",
                             output: network.input, range: network.inputRange)
        do throws(CountingFailure) { try evaluator.countMemory(&input) } catch {
            return failure(error.message, at: network.inputRange, hint: error.hint)
        }
        rows.append(input)
        tensors[network.inputName] = input.flow
        for layer in network.layers {
            var flows: [Flow] = []
            for name in layer.inputs {
                guard let flow = tensors[name] else {
                    return failure("layer '\(layer.name)' reads '\(name)', which no layer before it writes", at: layer.range,
                                   hint: "every input of a layer must be the network's input or an earlier layer's output")
                }
                flows.append(flow)
            }
            var row: LayerRow
            let text: String
            do throws(LayerFailure) {
                switch layer.computation {
                case .call(let call):
                    guard flows.count == 1 else {
                        return failure("layer '\(layer.name)' reads \(flows.count) tensors; \(call.text) reads one", at: layer.range)
                    }
                    text = call.text
                    // Rows show the canonical call (`CONV(64,1)`, not the reader's `CONV(64,1,s1,p0)`).
                    row = try evaluator.apply(call.layer, reading: flows[0], ordinal: 0, givenName: layer.name,
                                              writesInPlace: layer.inPlace, range: layer.range)
                case .merge(let kind):
                    text = kind.keyword
                    row = try evaluator.merge(kind, of: flows, text: "\(kind.keyword)(\(layer.inputs.joined(separator: " | ")))",
                                              writesInPlace: layer.inPlace, range: layer.range)
                }
            } catch {
                diagnostics.append(ImportedCallResolver.diagnostic(error, layer: layer.name, text: text, input: flows.first?.shape,
                                                                     at: layer.range, in: file))
                return (nil, diagnostics)
            }
            row.index = rows.count
            row.name = layer.name
            do throws(CountingFailure) { try evaluator.countMemory(&row) } catch {
                return failure(error.message, at: layer.range, hint: error.hint)
            }
            rows.append(row)
            tensors[layer.output] = row.flow
        }
        let totals: Totals
        do throws(CountingFailure) { totals = try evaluator.totals(of: rows) } catch {
            return failure(error.message, at: network.inputRange, hint: error.hint)
        }
        var report = NetworkReport(name: network.name, file: file.name, settings: settings, rows: rows, totals: totals)
        report.notes = network.notes
        return (report, diagnostics)
    }
}
