/// The evaluator: the one place where a resolved layer or a merge is applied to the flows it reads and
/// becomes a row (its counts, whether it writes in place, its memory), where a network's totals are
/// added up, and where every overflow of those numbers is worded. Every network's graph is evaluated
/// through it by `NetworkEvaluation` (NetworkGraph.swift), whether lowered from a spec or read from a
/// model file; follow-through grading applies it row by row to a student's own shapes.

/// Why a row's or a network's numbers cannot be counted, in the words of the error.
struct CountingFailure: Error {
    var message: String
    var hint: String?
}

/// Makes rows and totals under one network's settings.
struct Evaluator {
    let settings: Settings
    /// Where the batch was set (`@batch on line 2`, `--batch`; nil: the model file), for a message
    /// when it overflows.
    var batchOrigin: String?
    /// True when a layer's row is named in quotes in messages (`layer 'conv1'`: a name from a model
    /// file) rather than bare (`CONV3`, netcalc's own).
    var quotesLayerNames = false
    /// The network's input, which a layer seeing the whole input from a sequence of its tokens needs.
    var networkInput: Shape?

    /// The row of a resolved layer applied to the flow it reads: its counts, receptive field and
    /// rounding; its place (index, name) and memory come after. `ordinal` and `givenName` name the
    /// layer in the layer's own messages; `rounding` replaces the network's; `writesInPlace` marks a
    /// layer its file says writes over its input.
    @inline(__always)
    func apply(_ resolved: ResolvedLayer, reading flow: Flow, ordinal: Int, givenName: String? = nil,
               rounding: Rounding? = nil, writesInPlace: Bool = false, range: SourceRange) throws(LayerFailure) -> LayerRow {
        let input = LayerInput(shape: flow.shape, receptiveField: flow.receptiveField, jump: flow.jump,
                               rounding: rounding ?? settings.rounding, keyword: resolved.layer.keyword,
                               ordinal: ordinal, givenName: givenName, networkInput: networkInput)
        let effect = try resolved.apply(to: input)
        var row = LayerRow(resolved, effect: effect, reading: flow, range: range)
        if writesInPlace { row.inPlace = true }
        return row
    }

    /// The row of a merge of flows, shown as `text`; its place and memory come after.
    func merge(_ kind: MergeKind, of flows: [Flow], text: String, writesInPlace: Bool = false,
               range: SourceRange) throws(LayerFailure) -> LayerRow {
        let output = try kind.combine(flows.map(\.shape))
        var row = LayerRow(merging: kind, of: flows, output: output, text: text, range: range)
        if writesInPlace { row.inPlace = true }
        return row
    }

    /// Counts a named row's activation values and bytes; a row whose numbers overflow, at this batch or
    /// by themselves, throws the words that say so.
    @inline(__always)
    func countMemory(_ row: inout LayerRow) throws(CountingFailure) {
        do throws(Overflow) {
            try row.countMemory(settings)
        } catch {
            throw memoryOverflow(of: row)
        }
    }

    /// The error of a row whose bytes overflow: the batch's when the batch is the cause.
    private func memoryOverflow(of row: LayerRow) -> CountingFailure {
        let subject = quotesLayerNames && row.role != .input ? "layer '\(row.name)'" : row.name
        if let (message, hint) = batchOverflow(subject, row: row, settings: settings, origin: batchOrigin) {
            return CountingFailure(message: message, hint: hint)
        }
        return Self.overflow(subject)
    }

    /// The totals of a network's rows, or the words of their overflow.
    func totals(of rows: [LayerRow]) throws(CountingFailure) -> Totals {
        do {
            return try Totals(rows: rows, settings: settings)
        } catch {
            if let (message, hint) = batchOverflow(totalsOf: rows, settings: settings, origin: batchOrigin) {
                throw CountingFailure(message: message, hint: hint)
            }
            throw CountingFailure(message: "the network's totals overflow 64 bits",
                                  hint: "a total past \(formatCount(Int.max)) cannot be counted exactly")
        }
    }

    /// The error of a layer (or INPUT) whose numbers overflow 64 bits: `subject` is `CONV3` or
    /// `layer 'conv1'`.
    static func overflow(_ subject: String) -> CountingFailure {
        CountingFailure(message: "the numbers of \(subject) overflow 64 bits",
                        hint: "netcalc counts exactly in 64-bit integers (up to \(formatCount(Int.max))); check the sizes")
    }
}

// MARK: Overflows the batch causes

/// Overflows the batch causes. A layer's bytes are its values times the batch times the bytes of a
/// value; when the values fit and only the batch makes the product overflow, the message names the
/// batch (and where it was set), not the sizes of the layer.

/// The message and hint for a row whose bytes overflow at this batch, when the batch is the cause;
/// nil when the row's values overflow by themselves. `origin` says where the batch was set
/// (`@batch on line 2`, `--batch`).
private func batchOverflow(_ name: String, row: LayerRow, settings: Settings, origin: String?) -> (message: String, hint: String)? {
    guard settings.batch > 1, let values = try? row.output.volume(),
          (try? checkedMultiply(values, settings.activationBytes)) != nil else { return nil }
    return ("the bytes of \(name) overflow 64 bits at batch \(formatCount(settings.batch)): \(formatCount(values)) values"
                + " x \(formatCount(settings.batch)) images x \(settings.activationBytes) bytes",
            batchHint(origin))
}

/// The message and hint for totals that overflow at this batch and fit at batch 1; nil otherwise.
private func batchOverflow(totalsOf rows: [LayerRow], settings: Settings, origin: String?) -> (message: String, hint: String)? {
    guard settings.batch > 1 else { return nil }
    var single = settings
    single.batch = 1
    var perImage = rows
    for index in perImage.indices {
        guard (try? perImage[index].countMemory(single)) != nil else { return nil }
    }
    guard (try? Totals(rows: perImage, settings: single)) != nil else { return nil }
    return ("the network's bytes overflow 64 bits at batch \(formatCount(settings.batch))", batchHint(origin))
}

/// Where the batch came from, and what to do.
private func batchHint(_ origin: String?) -> String {
    "the batch is set by \(origin ?? "the model file"); netcalc counts bytes exactly up to \(formatCount(Int.max)): lower the batch"
}
