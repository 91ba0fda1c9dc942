/// The checks made before any network is walked, and constant folding.

/// Checks what can be checked without walking a network: that every name is a layer or a block, and
/// that layer calls with constant arguments are well formed — in networks and in every block, used or not.
final class StaticChecker {
    let file: SourceFile
    let blocks: [String: BlockDefinition]
    /// The layer calls with constant arguments it resolved, by their text: walkers reuse them.
    private(set) var resolved = ResolvedCalls()

    init(file: SourceFile, blocks: [String: BlockDefinition]) {
        self.file = file
        self.blocks = blocks
    }

    /// The value of an expression without names, or nil when it overflows or divides inexactly.
    static func constant(_ expression: Expression) -> Int? {
        switch expression {
        case .literal(let value, _): return value
        case .name: return nil
        case .negate(let inner, _):
            return constant(inner).flatMap { try? checkedSubtract(0, $0) }
        case .binary(let op, let lhs, let rhs, _):
            guard let a = constant(lhs), let b = constant(rhs) else { return nil }
            switch op {
            case .add: return try? checkedAdd(a, b)
            case .subtract: return try? checkedSubtract(a, b)
            case .multiply: return try? checkedMultiply(a, b)
            case .divide:
                if case .exact(let quotient) = exactDivide(a, b) { return quotient }
                return nil
            }
        }
    }

    func check(_ statements: [Statement]) -> DiagnosticList {
        var diagnostics = DiagnosticList()
        for statement in statements where !diagnostics.isFull {
            switch statement {
            case .network(_, _, let chain, _): check(chain, parameters: [], into: &diagnostics)
            case .block(let block): check(block.body, parameters: Set(block.parameters.map(\.name)), into: &diagnostics)
            case .directive: break
            }
        }
        return diagnostics
    }

    private func check(_ chain: Chain, parameters: Set<String>, into diagnostics: inout DiagnosticList) {
        for element in chain.elements {
            if diagnostics.isFull { return }  // enough to act on: stop looking
            switch element {
            case .layer(let call, _):
                // The same text means the same layer: a written-out chain repeats its few calls.
                if resolved[call.textID] != nil { continue }
                if let definition = LayerCatalog.definition(for: call.name) {
                    guard !call.mentions(parameters) else { continue }
                    // Arguments are constant here; any that cannot be worked out (an overflow, an inexact
                    // division) is left for the walk, which reports it where it is used.
                    let resolver = LayerResolver(file: file, evaluate: { expression throws(DiagnosticList) in
                        guard let value = Self.constant(expression) else { throw DiagnosticList() }
                        return value
                    }, isParameter: { _ in false })
                    do throws(DiagnosticList) {
                        resolved[call.textID] = ResolvedLayer(try resolver.resolve(call, definition: definition),
                                                              text: file.text(of: call.range))
                    } catch {
                        diagnostics.append(contentsOf: error)
                    }
                } else if blocks[call.name] == nil, !LayerCatalog.isReserved(call.name) {
                    diagnostics.append(unknownLayerDiagnostic(call, file: file, blocks: blocks))
                }
            case .repetition(let inner, _, _):
                check(inner, parameters: parameters, into: &diagnostics)
            case .merge(_, let branches, _, _, _):
                for branch in branches { check(branch, parameters: parameters, into: &diagnostics) }
            case .input, .identity, .name, .reference:
                break
            }
        }
    }
}

/// Layers resolved from calls with constant arguments, by the call's text (`LayerCall.textID`): calls
/// written the same way, with no block parameter in them, are the same layer.
struct ResolvedCalls {
    private var layers: [ResolvedLayer?] = []

    subscript(textID: Int) -> ResolvedLayer? {
        get { textID < layers.count ? layers[textID] : nil }
        set {
            if textID >= layers.count { layers.append(contentsOf: repeatElement(nil, count: textID + 1 - layers.count)) }
            layers[textID] = newValue
        }
    }
}

/// The error for a name that is neither a layer keyword nor a block.
func unknownLayerDiagnostic(_ call: LayerCall, file: SourceFile, blocks: [String: BlockDefinition]) -> Diagnostic {
    let candidates = LayerCatalog.allKeywords + blocks.keys.sorted()
    return Diagnostic(.error, "unknown layer or block '\(call.name)'", at: call.nameRange, in: file,
                      hint: FrameworkHints.hint(for: call) ?? didYouMean(call.name, candidates)
                          ?? (call.name.contains(".")
                              ? "netcalc's names have no dots; layers: CONV, DWCONV, POOL, AVGPOOL, GAP, FC, FLATTEN, BN, NORM, RELU, ... (netcalc help layers)"
                              : "layers: CONV, DWCONV, POOL, AVGPOOL, GAP, FC, FLATTEN, BN, NORM, RELU, ...; or define it: \(call.name) = ..."))
}
