/// The mistakes of a merge's output volume: ADD read as a concatenation (the branches' depths summed),
/// CONCAT read as an addition (one branch's shape kept); and its parameters, which are none.

extension MistakeCatalog {
    /// The shapes a merge is given by reading it as the other kind, with what a teacher would write.
    func mergedShapes(_ kind: MergeKind) -> [(Candidate, NamedMistake)] {
        let branches = row.inputs.compactMap { $0 >= 0 && $0 < network.rows.count ? network.rows[$0].output : nil }
        guard branches.count == row.inputs.count, branches.count > 1 else { return [] }
        let depths = branches.map(\.depth)
        let listed = depths.map(String.init).joined(separator: " + ")
        switch kind {
        case .add:
            var stacked = row.output
            guard let sum = depths.reduce(Optional(0), { total, depth in total.flatMap { exactSum($0, depth) } }) else { return [] }
            stacked.depth = sum
            return [(.shape(stacked), NamedMistake(.addAsConcat, "ADD is read as a concatenation: ADD adds its branches value by value and keeps their shape, \(row.output.fullText); stacking the depths (\(listed) = \(sum)) is CONCAT's"))]
        case .concat:
            var seen = Set<Int>()
            return depths.compactMap { depth -> (Candidate, NamedMistake)? in
                guard depth != row.output.depth, seen.insert(depth).inserted else { return nil }
                var kept = row.output
                kept.depth = depth
                return (.shape(kept), NamedMistake(.concatAsAdd, "CONCAT is read as an addition: CONCAT stacks its branches along the depth, D = \(listed) = \(row.output.depth); a shape kept from one branch is ADD's"))
            }
        case .mul:
            return []
        }
    }

    /// A merge's parameters (and weights) given as anything but 0: its branches' layers have them.
    func mergedParameters(_ kind: MergeKind) -> [(Candidate, NamedMistake)] {
        let how: String
        switch kind {
        case .add: how = "adds its branches value by value"
        case .concat: how = "stacks its branches along the depth"
        case .mul: how = "multiplies its branches value by value"
        }
        return [(.nonzero, NamedMistake(.mergeParameters, "\(kind.keyword) has no parameters: it \(how); the parameters are those of the layers in its branches, counted on their own rows"))]
    }
}
