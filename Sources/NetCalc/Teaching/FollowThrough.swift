/// Follow-through grading: the network recomputed from a student's own answers.
///
/// A teacher marking by hand gives credit for an answer that is wrong only because an earlier answer
/// was ("error carried forward"). `netcalc check` does the same: every row is recomputed from the rows
/// it reads as the student has them, the student's own shape for a row (and receptive field) replacing
/// what was computed from there on. A later answer that matches the recomputed value, though not the
/// true one, follows through.

/// A student's answer that carried values follow from.
struct AnswerPlace: Sendable {
    var layer: String
    var key: AnswerKey
    /// The answer as written.
    var answer: String
    var file: SourceFile
    var range: SourceRange

    var line: Int { file.location(of: range.start).line }
}

/// What a row's inputs, as the student has them, give for its output volume.
enum CarriedShape: Equatable, Sendable {
    case shape(Shape)
    /// The layer does not fit (or does not apply to) the volume it reads.
    case invalid
    /// Nothing can be said: a row it reads could not be recomputed.
    case unknown

    var candidate: Candidate? {
        switch self {
        case .shape(let shape): return .shape(shape)
        case .invalid: return .invalid
        case .unknown: return nil
        }
    }
}

/// One row recomputed from the student's answers.
struct CarriedRow: Sendable {
    /// The row as it follows from the rows it reads as carried, with the student's own shape and
    /// receptive field put in; nil when it cannot be recomputed.
    var row: LayerRow?
    /// True when only the row's output is the student's and its own counts are not known (the layer
    /// did not apply to what it reads, but the student gave its shape).
    var outputOnly = false
    /// The output volume its inputs give, before the student's own shape for it replaces it.
    var computed = CarriedShape.unknown
    /// The receptive field (width) its inputs give, before the student's own replaces it.
    var computedField: Int?
    /// The answer the values it reads follow from (the first carried value that left the true one).
    var inherited: AnswerPlace?
    /// The answer its own values follow from: its own shape answer when that left what its inputs
    /// give, else the inherited one.
    var origin: AnswerPlace?
    /// The answer its receptive field follows from, and the one the field its inputs give follows from.
    var fieldOrigin: AnswerPlace?
    var inheritedField: AnswerPlace?
}

/// The student's answers that carry forward, and the recomputation.
struct FollowThrough {
    /// The student's shape for a row, by row index, and where it is written (nil for a probe's).
    var shapes: [Int: (Shape, AnswerPlace?)] = [:]
    /// The student's receptive field (width) for a row.
    var fields: [Int: (Int, AnswerPlace?)] = [:]

    /// Recomputes every row of `structure` (rows in the order they were made, each reading earlier
    /// ones) from the student's answers, under the network's settings.
    func carry(_ structure: [LayerRow], settings: Settings) -> [CarriedRow] {
        var evaluator = Evaluator(settings: settings)
        evaluator.networkInput = structure.first?.output
        var carried: [CarriedRow] = []
        carried.reserveCapacity(structure.count)
        for (index, template) in structure.enumerated() {
            var result = CarriedRow()
            let readRows = template.inputs.map { $0 >= 0 && $0 < carried.count ? carried[$0] : CarriedRow() }
            result.inherited = readRows.lazy.compactMap(\.origin).first
            let inheritedField = readRows.lazy.compactMap { $0.fieldOrigin ?? $0.origin }.first
            switch template.role {
            case .input:
                result.row = template
                result.computed = .shape(template.output)
            case .layer:
                guard let source = readRows.first?.row, let resolved = template.resolved else { break }
                do throws(LayerFailure) {
                    let row = try evaluator.apply(resolved, reading: source.flow, ordinal: 1, givenName: template.name,
                                                  range: template.range)
                    result.computed = .shape(row.output)
                    result.row = Self.identified(row, like: template, evaluator)
                } catch {
                    switch error {
                    case .overflow: result.computed = .unknown
                    case .invalid: result.computed = .invalid
                    case .notWhole:
                        result.computed = .invalid
                        // The student's own shape for a layer that does not fit carries on; its counts are
                        // those of the rounded-down window.
                        if shapes[index] != nil,
                           let row = try? evaluator.apply(resolved, reading: source.flow, ordinal: 1, givenName: template.name,
                                                          rounding: .floor, range: template.range) {
                            result.row = Self.identified(row, like: template, evaluator)
                        }
                    }
                }
            case .merge(let kind):
                let sources = readRows.compactMap(\.row)
                guard sources.count == readRows.count, !sources.isEmpty else { break }
                do throws(LayerFailure) {
                    let row = try evaluator.merge(kind, of: sources.map(\.flow), text: template.text, range: template.range)
                    result.computed = .shape(row.output)
                    result.row = Self.identified(row, like: template, evaluator)
                } catch {
                    result.computed = error.isOverflow ? .unknown : .invalid
                }
            case .block:
                break  // folded views only; grading reads the rows themselves
            }
            result.computedField = result.row?.receptiveField.width
            result.origin = result.inherited
            result.fieldOrigin = inheritedField
            result.inheritedField = inheritedField
            if let (shape, place) = shapes[index] {
                if result.computed != .shape(shape), let place { result.origin = place }
                if result.row == nil, template.role != .input {
                    // Its own counts are unknown, but what follows reads the student's shape.
                    result.row = template
                    result.outputOnly = true
                }
                if var row = result.row {
                    if !result.outputOnly { row.macs = Self.macs(row, output: shape) ?? row.macs }
                    row.output = shape
                    if (try? evaluator.countMemory(&row)) == nil { result.row = nil } else { result.row = row }
                }
            }
            if let (field, place) = fields[index], var row = result.row, !result.outputOnly {
                if row.receptiveField.width != field, let place { result.fieldOrigin = place }
                // The other axes move with the width: a square field stays square.
                let rank = row.output.rank
                let (shift, overflow) = field.subtractingReportingOverflow(row.receptiveField.width)
                let others = (1..<max(rank, 2)).map { row.receptiveField[$0].addingReportingOverflow(shift) }
                row.receptiveField = overflow || others.contains(where: \.overflow) ? Sizes(square: field)
                    : Sizes(axes: [field] + others.prefix(rank - 1).map(\.partialValue))
                result.row = row
            }
            carried.append(result)
        }
        return carried
    }

    /// A layer's MACs for another output volume, for layers whose every output value costs the same
    /// (convolutions and FC): the student's own shape for a row gives its MACs too.
    private static func macs(_ row: LayerRow, output: Shape) -> Int? {
        guard row.operation is Convolution || row.operation is DepthwiseConvolution || row.operation is FullyConnected,
              let computed = try? row.output.volume(), computed > 0, row.macs % computed == 0,
              let volume = try? output.volume() else { return nil }
        return exactProduct(row.macs / computed, volume)
    }

    /// The row with the template's place in the network (index, name, branch, block), its memory counted.
    private static func identified(_ made: LayerRow, like template: LayerRow, _ evaluator: Evaluator) -> LayerRow? {
        var row = made
        row.index = template.index
        row.name = template.name
        row.depth = template.depth
        row.startsBranch = template.startsBranch
        row.block = template.block
        row.inputs = template.inputs
        row.inPlace = template.inPlace
        guard (try? evaluator.countMemory(&row)) != nil else { return nil }
        return row
    }
}

extension LayerFailure {
    /// True for a count past 64 bits (nothing can be said), false for a setting that does not fit.
    var isOverflow: Bool {
        switch self {
        case .overflow: return true
        case .invalid, .notWhole: return false
        }
    }
}
