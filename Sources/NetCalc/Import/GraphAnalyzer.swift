/// Analysis of an imported network: every layer applied along the graph of tensors, any DAG, each
/// call resolved and applied as a spec's layer is (the same `LayerResolver`, operations and row
/// counting), each row named after its layer in the file. Totals, receptive fields (the largest over
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
        // Calls with the same values share one resolved layer, as a spec's calls with the same text do.
        var resolvedCalls: [ImportedCall: ResolvedLayer] = [:]

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
                let resolved: ResolvedLayer
                if let known = resolvedCalls[call] {
                    resolved = known
                } else {
                    switch resolve(call, for: layer) {
                    case .success(let made): resolved = made
                    case .failure(let list):
                        diagnostics.append(contentsOf: list)
                        return (nil, diagnostics)
                    }
                    resolvedCalls[call] = resolved
                }
                let layerInput = LayerInput(shape: flows[0].shape, receptiveField: flows[0].receptiveField,
                                            jump: flows[0].jump, rounding: settings.rounding,
                                            keyword: resolved.layer.keyword, ordinal: 0, givenName: layer.name)
                let effect: LayerEffect
                do throws(LayerFailure) {
                    effect = try resolved.apply(to: layerInput)
                } catch {
                    diagnostics.append(diagnostic(error, layer: layer, text: call.text, input: flows[0].shape))
                    return (nil, diagnostics)
                }
                // Rows show the canonical call (`CONV(64,1)`, not the reader's `CONV(64,1,s1,p0)`).
                row = LayerRow(resolved, effect: effect, reading: flows[0], range: layer.range)
            case .merge(let kind):
                let output: Shape
                do throws(LayerFailure) {
                    output = try kind.combine(flows.map(\.shape))
                } catch {
                    diagnostics.append(diagnostic(error, layer: layer, text: kind.keyword, input: flows.first?.shape))
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

    /// Resolves a layer's call as a spec's call is resolved, through the same binding and checks; a
    /// problem is reported at the layer.
    private func resolve(_ call: ImportedCall, for layer: ImportedLayer) -> Result<ResolvedLayer, DiagnosticList> {
        var list = DiagnosticList()
        let text = call.text
        guard let definition = LayerCatalog.definition(for: call.keyword) else {
            list.append(Diagnostic(.error, "layer '\(layer.name)' became '\(text)', which netcalc does not know",
                                   at: layer.range, in: file, hint: "this is netcalc's fault: please report it"))
            return .failure(list)
        }
        let resolver = LayerResolver(file: file, evaluate: { expression throws(DiagnosticList) in
            guard let value = StaticChecker.constant(expression) else { throw DiagnosticList() }
            return value
        }, isParameter: { _ in false })
        do throws(DiagnosticList) {
            let layer = try resolver.resolve(call.syntax, definition: definition)
            return .success(ResolvedLayer(layer, text: layer.canonicalText))
        } catch {
            for item in error.items {
                var moved = Diagnostic(.error, "layer '\(layer.name)' (\(text)): \(item.message)", at: layer.range, in: file)
                moved.hints = item.hints
                list.append(moved)
            }
            return .failure(list)
        }
    }

    /// The diagnostic of a layer that cannot be applied to its input.
    private func diagnostic(_ failure: LayerFailure, layer: ImportedLayer, text: String, input: Shape?) -> Diagnostic {
        switch failure {
        case .overflow:
            return Diagnostic(.error, "the numbers of layer '\(layer.name)' overflow 64 bits", at: layer.range, in: file)
        case .invalid(let message, let hint):
            return Diagnostic(.error, message, at: layer.range, in: file, hint: hint)
        case .notWhole(let axes, _):
            let formulas = axes.map { $0.explained(rounding: .strict, name: "W2", result: 0) }
            return Diagnostic(.error, "layer '\(layer.name)' (\(text)) does not fit its \(input?.fullText ?? "") input: \(formulas[0])",
                              at: layer.range, in: file,
                              hint: "the frameworks round down: leave --rounding at its default for a model file")
        }
    }
}
