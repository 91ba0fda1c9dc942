/// The written-out forms exporters leave for layers older opsets have no operator for, each
/// matched from its first node and made one row: LayerNorm (before opset 17) and GELU (before
/// opset 20). A match needs every inner tensor read by the next step alone (and not be a graph
/// output), so that nothing else sees the intermediate values; the nodes matched are skipped.

extension ONNXImporter {
    /// The node that alone reads a node's first output, if it has the op type wanted.
    func next(after node: ONNXNode, _ opType: String) -> (index: Int, node: ONNXNode)? {
        guard let out = node.outputs.first, !out.isEmpty, let index = soleConsumer(out),
              graph.nodes[index].opType == opType else { return nil }
        return (index, graph.nodes[index])
    }

    /// The operand of a two-input node other than `tensor`, if the node reads `tensor` once.
    func otherOperand(_ node: ONNXNode, _ tensor: String) -> String? {
        guard node.inputs.count == 2 else { return nil }
        if node.inputs[0] == tensor, node.inputs[1] != tensor { return node.inputs[1] }
        if node.inputs[1] == tensor, node.inputs[0] != tensor { return node.inputs[0] }
        return nil
    }

    /// True when a tensor is a known one-element constant equal to `value` (within float rounding).
    func isScalar(_ name: String, _ value: Double, tolerance: Double = 1e-6) -> Bool {
        guard let scalar = peekConstant(name)?.scalar else { return false }
        return Swift.abs(scalar - value) <= tolerance * Swift.max(1, Swift.abs(value))
    }

    /// The axes a ReduceMean averages over, read ahead of time (attribute or constant input).
    func peekAxes(_ node: ONNXNode, rank: Int) -> [Int]? {
        var axes = intList(node, "axes")
        if axes == nil, node.inputs.count > 1 { axes = peekConstant(node.inputs[1])?.ints }
        guard let axes else { return nil }
        var resolved: [Int] = []
        for axis in axes {
            let value = axis < 0 ? axis + rank : axis
            guard value >= 0, value < rank else { return nil }
            resolved.append(value)
        }
        return resolved.sorted()
    }

    /// LayerNorm written out over the channel axis:
    /// `m = ReduceMean(x); d = x - m; v = ReduceMean(d^2); y = d / Sqrt(v + eps)`, then optionally
    /// `y * gamma + beta` with per-channel constants. Returns false when the nodes do not match.
    mutating func layerNormPattern(_ node: ONNXNode, input: ONNXData) throws(ImportFailure) -> Bool {
        guard let x = node.inputs.first, let axes = peekAxes(node, rank: input.dims.count),
              let mean = node.outputs.first,
              let sub = next(after: node, "Sub"), sub.node.inputs == [x, mean],
              let centered = sub.node.outputs.first, !centered.isEmpty, !graphOutputs.contains(centered),
              let readers = consumers[centered], readers.count == 2,
              let powIndex = readers.first(where: { graph.nodes[$0].opType == "Pow" }),
              let divIndex = readers.first(where: { graph.nodes[$0].opType == "Div" }) else { return false }
        let pow = graph.nodes[powIndex]
        let div = graph.nodes[divIndex]
        guard pow.inputs.count == 2, pow.inputs[0] == centered, isScalar(pow.inputs[1], 2),
              let variance = next(after: pow, "ReduceMean"), peekAxes(variance.node, rank: input.dims.count) == axes,
              int(variance.node, "keepdims", 1) != 0,
              let add = next(after: variance.node, "Add"), let epsilon = otherOperand(add.node, variance.node.outputs[0]),
              peekConstant(epsilon)?.scalar != nil,
              let root = next(after: add.node, "Sqrt"),
              let rootOut = root.node.outputs.first, soleConsumer(rootOut) == divIndex, div.inputs == [centered, rootOut],
              var end = div.outputs.first, !end.isEmpty else { return false }
        var matched = [sub.index, powIndex, variance.index, add.index, root.index, divIndex]
        var affine = false
        if let mul = next(after: div, "Mul"), let gamma = otherOperand(mul.node, end),
           let constant = peekConstant(gamma), isPerChannel(constant, of: input), let scaled = mul.node.outputs.first {
            matched.append(mul.index)
            end = scaled
            if let shift = next(after: mul.node, "Add"), let beta = otherOperand(shift.node, end),
               let constant = peekConstant(beta), isPerChannel(constant, of: input), let shifted = shift.node.outputs.first {
                matched.append(shift.index)
                end = shifted
                affine = true
            }
        }
        guard !end.isEmpty else { return false }
        claimed.formUnion(matched)
        if !affine { plainNorms.append(label(node)) }
        try emit(node, ImportedCall("LAYERNORM"), input: input, output: end, layout: input.layout)
        return true
    }

    /// GELU written out (PyTorch's export before opset 20):
    /// `x * (Erf(x / sqrt 2) + 1) * 0.5`, from its Div (or a Mul by 1/sqrt 2). Returns false when
    /// the nodes do not match.
    mutating func geluPattern(_ node: ONNXNode, input: ONNXData, constant: ONNXConstant) throws(ImportFailure) -> Bool {
        guard let scalar = constant.scalar, node.inputs.count == 2 else { return false }
        let x: String
        switch node.opType {
        case "Div":
            guard Swift.abs(scalar - 2.0.squareRoot()) < 1e-5 else { return false }
            x = node.inputs[0]
        case "Mul":
            guard Swift.abs(scalar - 0.5.squareRoot()) < 1e-5 else { return false }
            guard let data = node.inputs.first(where: { name in
                if case .data? = values[name] { return true }
                return false
            }) else { return false }
            x = data
        default:
            return false
        }
        guard case .data? = values[x],
              let erf = next(after: node, "Erf"),
              let plusOne = next(after: erf.node, "Add"), let one = otherOperand(plusOne.node, erf.node.outputs[0]),
              isScalar(one, 1),
              let first = next(after: plusOne.node, "Mul"), let other = otherOperand(first.node, plusOne.node.outputs[0]),
              let second = next(after: first.node, "Mul"), let last = otherOperand(second.node, first.node.outputs[0]),
              let end = second.node.outputs.first, !end.isEmpty else { return false }
        // (x * (erf + 1)) * 0.5 (the TorchScript exporter) or x * ((erf + 1) * 0.5) (dynamo).
        guard (other == x && isScalar(last, 0.5)) || (isScalar(other, 0.5) && last == x) else { return false }
        claimed.formUnion([erf.index, plusOne.index, first.index, second.index])
        try emit(node, ImportedCall("GELU"), input: input, output: end, layout: input.layout)
        return true
    }
}
