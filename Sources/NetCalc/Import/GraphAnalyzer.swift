/// Analysis of an imported network: its layers (resolved by their reader with the spec's own
/// `LayerResolver`) lowered to graph nodes, each tensor name mapped to the row that writes it, and
/// evaluated by the same `NetworkEvaluation` as a spec's (NetworkGraph.swift), each row named after its
/// layer in the file. Totals, receptive fields (the largest over the paths into a merge) and inference
/// liveness then come from the rows' inputs, as for a spec.

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

    /// The analyzed network with its warnings, or the failure that says why there is none.
    func analyze() -> ModelAnalysis {
        let evaluator = evaluator
        func failure(_ message: String, at range: SourceRange, hint: String? = nil, node: ModelNode? = nil) -> ModelAnalysis {
            .failed(ImportFailure(Diagnostic(.error, message, at: range, in: file, hint: hint, node: node)))
        }
        guard network.layers.count < Analyzer.maximumRows else {
            return failure("the model has more than \(formatCount(Analyzer.maximumRows)) layers", at: network.inputRange,
                           hint: "netcalc analyzes up to \(formatCount(Analyzer.maximumRows)) layers per network")
        }
        // The file's graph lowered to nodes, each tensor name mapped to the row that writes it.
        var evaluation = NetworkEvaluation(evaluator, capacity: network.layers.count + 1)
        var tensors: [String: Int] = [:]
        // A node that cannot become a row: the layer's own words, or the overflow's.
        func failure(_ error: NodeFailure, at range: SourceRange, text: String, node: ModelNode? = nil) -> ModelAnalysis {
            switch error {
            case .layer(let layerFailure, let name, let input):
                return .failed(ImportFailure(ImportedCallResolver.diagnostic(layerFailure, layer: name, text: text,
                                                                             input: input, at: range, in: file, node: node)))
            case .counting(let counting):
                return failure(counting.message, at: range, hint: counting.hint, node: node)
            }
        }
        let input = GraphNode(.input(network.input, text: "INPUT[\(network.input.fullText)]"), name: network.inputName,
                              range: network.inputRange)
        do throws(NodeFailure) {
            tensors[network.inputName] = try evaluation.add(input)
        } catch {
            return failure(error, at: network.inputRange, text: "INPUT")
        }
        // Each layer's scope (`/layer1/layer1.0/conv1/Conv` is in layer1, then layer1.0), for `--depth`.
        let (scopes, layerScopes) = ImportedScopes.blocks(of: network.layers.map(\.name), recorded: network.scopes)
        for (index, layer) in network.layers.enumerated() {
            var reading: [Int] = []
            for name in layer.inputs {
                guard let tensor = tensors[name] else {
                    return failure("layer '\(layer.name)' reads '\(name)', which no layer before it writes", at: layer.range,
                                   hint: "every input of a layer must be the network's input or an earlier layer's output",
                                   node: layer.node)
                }
                reading.append(tensor)
            }
            var node: GraphNode
            let text: String
            switch layer.computation {
            case .call(let call):
                // A TENSOROP reads every operand of its ONNX node; any other call reads one tensor.
                guard reading.count == 1 || (!reading.isEmpty && call.layer.layer.operation is TensorOperation) else {
                    return failure("layer '\(layer.name)' reads \(reading.count) tensors; \(call.text) reads one", at: layer.range,
                                   node: layer.node)
                }
                text = call.text
                // Rows show the canonical call (`CONV(64,1)`, not the reader's `CONV(64,1,s1,p0)`).
                node = GraphNode(.layer(call.layer, reading: reading[0]), name: layer.name, range: layer.range)
                node.moreInputs = Array(reading.dropFirst())
            case .merge(let kind):
                text = kind.keyword
                node = GraphNode(.merge(kind, reading: reading, text: "\(kind.keyword)(\(layer.inputs.joined(separator: " | ")))"),
                                 name: layer.name, range: layer.range)
            }
            node.inPlace = layer.inPlace
            node.block = layerScopes[index]
            do throws(NodeFailure) {
                let row = try evaluation.add(node)
                tensors[layer.output] = row
                // Later rows were sized by the file's shape rules from this one: it must agree.
                if index < network.expectedShapes.count, let expected = network.expectedShapes[index] {
                    let output = evaluation.rows[row].output
                    let volumes = (try? output.volume(), try? expected.volume())
                    if output.depth != expected.depth || volumes.0 != volumes.1 {
                        return failure("layer '\(layer.name)' gives \(output.fullText), but the file's shape rules give \(expected.fullText), from which the layers after it are sized",
                                       at: layer.range,
                                       hint: "a --rounding other than the file's changes the shapes; leave it at its default for this model",
                                       node: layer.node)
                    }
                }
            } catch {
                return failure(error, at: layer.range, text: text, node: layer.node)
            }
        }
        let rows = evaluation.rows
        let totals: Totals
        do throws(CountingFailure) { totals = try evaluation.totals() } catch {
            return failure(error.message, at: network.inputRange, hint: error.hint)
        }
        var report = NetworkReport(name: network.name, file: file.name, settings: settings, rows: rows, totals: totals)
        report.notes = network.notes
        report.blocks = scopes
        report.walkFrameworkMemory()
        report.leftOut = network.leftOut
        var warnings = DiagnosticList()
        if let first = network.leftOut.first {
            warnings.append(Self.partialWarning(network.leftOut, at: first.range, in: file))
        }
        return .analyzed(report, warnings: warnings)
    }

    /// The one warning of a partial analysis: how many layers are left out, why (each layer left out
    /// for its own type), and the names of those after them.
    static func partialWarning(_ leftOut: [LeftOutLayer], at range: SourceRange, in file: SourceFile) -> Diagnostic {
        let count = leftOut.count
        var warning = Diagnostic(.warning, "partial analysis: \(count == 1 ? "1 layer is" : "\(formatCount(count)) layers are") left out, whose output's size the file does not give; the rows and totals cover the rest of the network",
                                 at: range, in: file)
        let causes = leftOut.filter(\.isCause)
        warning.hints = causes.prefix(5).map { "left out: '\($0.name)' (\($0.type)): \($0.reason)" }
        if causes.count > 5 { warning.hints.append("and \(causes.count - 5) more layers of such types") }
        let after = leftOut.filter { !$0.isCause }.map(\.name)
        if !after.isEmpty {
            let shown = after.prefix(8).map { "'\($0)'" }.joined(separator: ", ")
            warning.hints.append("left out after them, reading their outputs: \(shown)" + (after.count > 8 ? " and \(after.count - 8) more" : ""))
        }
        return warning
    }
}
