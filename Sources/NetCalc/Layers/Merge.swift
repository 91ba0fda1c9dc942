/// Merges join the branches of `ADD(a | b)`, `CONCAT(a | b)` and `MUL(a | b)`: the shapes they
/// accept, the shape they give, how `--explain` words them and the Python that computes them.

/// The kind of merge that joins branches; `rawValue` is the JSON `op`.
enum MergeKind: String, CaseIterable, Sendable {
    case add, concat, mul

    var keyword: String { rawValue.uppercased() }

    /// The merged shape of the branches' outputs, or why they cannot merge.
    func combine(_ shapes: [Shape]) throws(LayerFailure) -> Shape {
        let listed = shapes.enumerated().map { "\($0.element.fullText) (branch \($0.offset + 1))" }.joined(separator: ", ")
        var output = shapes[0]
        switch self {
        case .add:
            if shapes.contains(where: { $0 != shapes[0] }) {
                throw .invalid("ADD needs branches of equal shape, but they give \(listed)",
                               hint: "a projection such as CONV(K,1,sS) on the shorter path makes the shapes agree")
            }
        case .concat:
            if shapes.contains(where: { $0.rank != shapes[0].rank || $0.spatial != shapes[0].spatial }) {
                throw .invalid("CONCAT needs branches of equal width and height, but they give \(listed)",
                               hint: "CONCAT stacks volumes along the depth; W and H must agree")
            }
            var total = 0
            for shape in shapes {
                let (sum, overflow) = total.addingReportingOverflow(shape.depth)
                if overflow { throw .overflow }
                total = sum
            }
            output.depth = total
        case .mul:
            guard shapes.count == 2 else {
                throw .invalid("MUL takes two branches, not \(shapes.count)", hint: nil)
            }
            let (a, b) = (shapes[0], shapes[1])
            let broadcastsA = a.isVector && a.rank == b.rank && a.depth == b.depth
            let broadcastsB = b.isVector && a.rank == b.rank && b.depth == a.depth
            guard a == b || broadcastsA || broadcastsB else {
                throw .invalid("MUL needs equal shapes or a 1x1xD branch, but they give \(listed)",
                               hint: "a 1x1xD branch (channel weights) scales each channel of the other")
            }
            output = broadcastsA ? b : a
        }
        return output
    }

    /// The `--explain` shape line, given the branches' depths.
    func explainShape(depths: [Int], output: Shape) -> String {
        switch self {
        case .concat:
            return "depths stack: \(depths.map(String.init).joined(separator: " + ")) = \(output.depth); W and H kept -> \(output.fullText)"
        case .add:
            return "branches added value by value: shape kept, \(output.fullText)"
        case .mul:
            return "branches multiplied value by value (a 1x1xD branch scales each channel): \(output.fullText)"
        }
    }

    /// What PyTorch keeps of the merge: a sum and a concatenation nothing (their backward hands the
    /// gradient, or slices of it, to every branch); a product both factors.
    var framework: FrameworkMemory {
        switch self {
        case .add, .concat: return FrameworkMemory(kept: .nothing, passesGradient: true)
        case .mul: return FrameworkMemory(kept: .inputs)
        }
    }

    /// The Python expression joining the branches' tensors.
    func pytorch(_ inputs: [String]) -> String {
        switch self {
        case .add: return inputs.joined(separator: " + ")
        case .mul: return inputs.joined(separator: " * ")
        case .concat: return "torch.cat([\(inputs.joined(separator: ", "))], 1)"
        }
    }
}
