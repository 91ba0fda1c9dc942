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

    /// Where the batch was set, for a message when it overflows: the command line, or the model file.
    private var batchOrigin: String? { overrides.batch != nil ? "--batch" : nil }

    /// The analyzed network, or nil with the diagnostics that say why.
    func analyze() -> (NetworkReport?, DiagnosticList) {
        var diagnostics = DiagnosticList()
        let settings = settings
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
        do { try input.countMemory(settings) } catch {
            if let (message, hint) = batchOverflow(network.inputName, row: input, settings: settings, origin: batchOrigin) {
                return failure(message, at: network.inputRange, hint: hint)
            }
            return failure("the input \(network.input.fullText) overflows 64 bits", at: network.inputRange)
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
            switch layer.computation {
            case .call(let call):
                guard flows.count == 1 else {
                    return failure("layer '\(layer.name)' reads \(flows.count) tensors; \(call.text) reads one", at: layer.range)
                }
                let resolved = call.layer
                let layerInput = LayerInput(shape: flows[0].shape, receptiveField: flows[0].receptiveField,
                                            jump: flows[0].jump, rounding: settings.rounding,
                                            keyword: resolved.layer.keyword, ordinal: 0, givenName: layer.name)
                let effect: LayerEffect
                do throws(LayerFailure) {
                    effect = try resolved.apply(to: layerInput)
                } catch {
                    diagnostics.append(ImportedCallResolver.diagnostic(error, layer: layer.name, text: call.text, input: flows[0].shape,
                                                                         at: layer.range, in: file))
                    return (nil, diagnostics)
                }
                // Rows show the canonical call (`CONV(64,1)`, not the reader's `CONV(64,1,s1,p0)`).
                row = LayerRow(resolved, effect: effect, reading: flows[0], range: layer.range)
            case .merge(let kind):
                let output: Shape
                do throws(LayerFailure) {
                    output = try kind.combine(flows.map(\.shape))
                } catch {
                    diagnostics.append(ImportedCallResolver.diagnostic(error, layer: layer.name, text: kind.keyword, input: flows.first?.shape,
                                                                         at: layer.range, in: file))
                    return (nil, diagnostics)
                }
                row = LayerRow(merging: kind, of: flows, output: output,
                               text: "\(kind.keyword)(\(layer.inputs.joined(separator: " | ")))", range: layer.range)
            }
            row.index = rows.count
            row.name = layer.name
            row.inPlace = row.inPlace || layer.inPlace
            do { try row.countMemory(settings) } catch {
                if let (message, hint) = batchOverflow("layer '\(layer.name)'", row: row, settings: settings, origin: batchOrigin) {
                    return failure(message, at: layer.range, hint: hint)
                }
                return failure("the numbers of layer '\(layer.name)' overflow 64 bits", at: layer.range,
                               hint: "netcalc counts exactly in 64-bit integers (up to \(formatCount(Int.max)))")
            }
            rows.append(row)
            tensors[layer.output] = row.flow
        }
        let totals: Totals
        do { totals = try Totals(rows: rows, settings: settings) } catch {
            if let (message, hint) = batchOverflow(totalsOf: rows, settings: settings, origin: batchOrigin) {
                return failure(message, at: network.inputRange, hint: hint)
            }
            return failure("the network's totals overflow 64 bits", at: network.inputRange,
                           hint: "a total past \(formatCount(Int.max)) cannot be counted exactly")
        }
        var report = NetworkReport(name: network.name, file: file.name, settings: settings, rows: rows, totals: totals)
        report.notes = network.notes
        return (report, diagnostics)
    }
}
