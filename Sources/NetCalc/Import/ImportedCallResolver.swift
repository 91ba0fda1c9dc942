/// How a model reader turns its calls into layers: each `ImportedCall` bound and checked by the spec's
/// own `LayerResolver`, as a spec's call is, at the node that makes it; a problem is reported there
/// with the words the analysis of a spec's call would use.

/// A call a reader made, with the layer it resolved to: analysis only applies the layer.
struct ResolvedCall: Sendable {
    /// The call as the reader made it: `--emit spec` and tests read it back.
    var call: ImportedCall
    var layer: ResolvedLayer

    /// The call in the spec language, as the reader wrote it: `CONV(64,7,s2,p3)`.
    var text: String { call.text }
}

/// Resolves a reader's calls; calls with the same values share one resolved layer, as a spec's calls
/// with the same text do.
struct ImportedCallResolver {
    /// The model file, for diagnostics: its text for a prototxt, an empty stand-in for a binary file.
    let file: SourceFile
    private var known: [ImportedCall: ResolvedLayer] = [:]

    init(file: SourceFile) {
        self.file = file
    }

    /// True when `call` was resolved before: resolving it again gives the same layer.
    func knows(_ call: ImportedCall) -> Bool {
        known[call] != nil
    }

    /// Forgets a call's layer, so that the resolver is as before the call was first resolved: a model
    /// reader taking back a failed attempt (the ONNX importer's `rollBackAttempt`) forgets the calls it made.
    mutating func forget(_ call: ImportedCall) {
        known[call] = nil
    }

    /// The layer a call makes, through the same binding and checks as a spec's call; a problem is
    /// reported at the layer named `name`, at `range` (and `node`, in a binary model file). A failure holds
    /// at least one error.
    mutating func resolve(_ call: ImportedCall, layer name: String, at range: SourceRange,
                          node: ModelNode? = nil) -> Result<ResolvedCall, DiagnosticList> {
        if let layer = known[call] { return .success(ResolvedCall(call: call, layer: layer)) }
        var list = DiagnosticList()
        let text = call.text
        guard let definition = LayerCatalog.definition(for: call.keyword) else {
            list.append(Diagnostic(.error, "layer '\(name)' became '\(text)', which netcalc does not know",
                                   at: range, in: file, hint: "this is netcalc's fault: please report it", node: node))
            return .failure(list)
        }
        // A reader writes literal values only; one that is not is netcalc's fault, and said so.
        let notConstant = Diagnostic(.error, "layer '\(name)' became '\(text)', whose arguments netcalc cannot work out",
                                     at: range, in: file, hint: "this is netcalc's fault: please report it")
        let resolver = LayerResolver(file: file, evaluate: { expression throws(DiagnosticList) in
            guard let value = StaticChecker.constant(expression) else {
                var list = DiagnosticList()
                list.append(notConstant)
                throw list
            }
            return value
        }, isParameter: { _ in false })
        do throws(DiagnosticList) {
            let layer = try resolver.resolve(call.syntax, definition: definition)
            let resolved = ResolvedLayer(layer, text: layer.canonicalText)
            known[call] = resolved
            return .success(ResolvedCall(call: call, layer: resolved))
        } catch {
            for item in error.items {
                var moved = Diagnostic(.error, "layer '\(name)' (\(text)): \(item.message)", at: range, in: file, node: node)
                moved.hints = item.hints
                list.append(moved)
            }
            // Never a failure with nothing to say: that would drop the layer, and the network, silently.
            if !list.hasErrors { list.append(notConstant) }
            return .failure(list)
        }
    }

    /// The diagnostic of a layer named `name` (its call or merge `text`) that cannot be applied to its
    /// input, at `range` (and `node`, in a binary model file).
    static func diagnostic(_ failure: LayerFailure, layer name: String, text: String, input: Shape?,
                           at range: SourceRange, in file: SourceFile, node: ModelNode? = nil) -> Diagnostic {
        switch failure {
        case .overflow:
            let failure = Evaluator.overflow("layer '\(name)'")
            return Diagnostic(.error, failure.message, at: range, in: file, hint: failure.hint, node: node)
        case .invalid(let message, let hint):
            return Diagnostic(.error, message, at: range, in: file, hint: hint, node: node)
        case .notWhole(let axes, _):
            let formulas = axes.map { $0.explained(rounding: .strict, name: "W2", result: 0) }
            return Diagnostic(.error, "layer '\(name)' (\(text)) does not fit its \(input?.fullText ?? "") input: \(formulas[0])",
                              at: range, in: file,
                              hint: "the frameworks round down: leave --rounding at its default for a model file", node: node)
        }
    }
}
