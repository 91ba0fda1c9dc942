/// The key rules of `netcalc check --key`: the key's networks, settings, points, rounding and notes
/// grade every sheet. A sheet's network is found by the name the key gives it, then by its INPUT and
/// layers (never by its place in the file); what a sheet changes or adds is said, and set aside.

/// How a sheet's networks pair with a key's.
enum NetworkPairing {
    /// For each of the key's networks, the sheet's network graded against it (an index into `sheet`):
    /// first a network the sheet names as the key does, then the most alike by INPUT and layers.
    static func pair(key: [AnsweredNetwork], sheet: [AnsweredNetwork]) -> [Int?] {
        var pairs = [Int?](repeating: nil, count: key.count)
        var used = Set<Int>()
        for (index, network) in key.enumerated() {
            guard let name = network.declaredName,
                  let match = sheet.indices.first(where: { !used.contains($0) && sheet[$0].declaredName == name }) else { continue }
            pairs[index] = match
            used.insert(match)
        }
        // The closest pairs first; ties go to the earlier networks.
        var candidates: [(likeness: Int, key: Int, sheet: Int)] = []
        for index in key.indices where pairs[index] == nil {
            for match in sheet.indices where !used.contains(match) {
                if let likeness = likeness(key[index].grading, sheet[match].grading) { candidates.append((likeness, index, match)) }
            }
        }
        candidates.sort { a, b in a.likeness != b.likeness ? a.likeness > b.likeness : (a.key, a.sheet) < (b.key, b.sheet) }
        for candidate in candidates where pairs[candidate.key] == nil && !used.contains(candidate.sheet) {
            pairs[candidate.key] = candidate.sheet
            used.insert(candidate.sheet)
        }
        return pairs
    }

    /// How alike a sheet's network is to a key's: its INPUT the same counts one, each layer written the
    /// same at the same place one more. Nil when they are not the same question: neither the INPUT nor
    /// half of the key's layers agree.
    static func likeness(_ key: GradingNetwork, _ sheet: GradingNetwork) -> Int? {
        guard let keyInput = key.rows.first, let sheetInput = sheet.rows.first else { return nil }
        let sameInput = keyInput.output == sheetInput.output
        var sameLayers = 0
        for index in 1..<max(1, min(key.rows.count, sheet.rows.count))
        where key.rows[index].role == sheet.rows[index].role && GradingNetwork.written(key.rows[index]) == GradingNetwork.written(sheet.rows[index]) {
            sameLayers += 1
        }
        let layers = key.rows.count - 1
        guard sameInput || (layers > 0 && sameLayers * 2 >= layers) else { return nil }
        return sameLayers + (sameInput ? 1 : 0)
    }
}

/// What a sheet graded with a key has of its own that the key sets aside: settings, points, notes,
/// `@followthrough`, networks and answers the key does not ask for. Each is a diagnostic.
struct SetAside {
    let file: SourceFile
    let syntax: SpecSyntax

    /// The settings a sheet's network is analyzed with that differ from the key's network's, one
    /// diagnostic at the directive that sets them (or the network, under a default).
    func settings(_ sheet: AnsweredNetwork, key: AnsweredNetwork) -> [Diagnostic] {
        let (mine, theirs) = (sheet.grading.report.settings, key.grading.report.settings)
        var changed: [(directive: String, text: String)] = []
        if mine.rounding != theirs.rounding {
            changed.append(("rounding", "rounding \(mine.rounding.rawValue) here, \(theirs.rounding.rawValue) in the key"))
        }
        if mine.batch != theirs.batch { changed.append(("batch", "batch \(mine.batch) here, \(theirs.batch) in the key")) }
        if mine.dataType != theirs.dataType {
            changed.append(("dtype", "\(mine.dataType.rawValue) here, \(theirs.dataType.rawValue) in the key"))
        }
        if mine.optimizer != theirs.optimizer {
            changed.append(("optimizer", "optimizer \(mine.optimizer.rawValue) here, \(theirs.optimizer.rawValue) in the key"))
        }
        if mine.memory != theirs.memory {
            changed.append(("memory", "memory \(mine.memory?.rawValue ?? "notes") here, \(theirs.memory?.rawValue ?? "notes") in the key"))
        }
        if mine.amp != theirs.amp { changed.append(("amp", "amp \(mine.amp ? "on" : "off") here, \(theirs.amp ? "on" : "off") in the key")) }
        let chain = sheet.grading.source.chainRange
        return changed.map { change in
            Diagnostic(.error, "the network '\(sheet.grading.report.name)' is set up unlike the key's: \(change.text)",
                       at: directive(change.directive, before: chain.start) ?? SourceRange(chain.start, chain.start), in: file,
                       hint: "answers are graded with the key's settings")
        }
    }

    /// A sheet's `points:` and `note:` that are not the key's for the same question: the key's count.
    func pointsAndNotes(_ answer: Question, key: Question) -> [Diagnostic] {
        var found: [Diagnostic] = []
        if let item = answer.pointsItem, answer.points != key.points {
            found.append(Diagnostic(.warning, "points: \(visible(item.text)) is not the key's: \(key.layer) \(key.item.key.rawValue) is worth \(key.points) point\(key.points == 1 ? "" : "s")",
                                    at: item.range, in: file, hint: "the key sets each question's points; a sheet's are not used"))
        }
        if let item = answer.noteItem, answer.note != key.note {
            found.append(Diagnostic(.warning, "a note on a sheet is not the key's, and is not shown with the answer",
                                    at: item.range, in: file, hint: "notes come from the key"))
        }
        return found
    }

    /// The sheet's `@followthrough` when it is not what the key decides.
    func followThrough(key: Bool?) -> Diagnostic? {
        var found: (value: String, range: SourceRange)?
        for statement in syntax.statements {
            if case .directive(let name, let value, let nameRange, let valueRange) = statement, name.lowercased() == "followthrough" {
                found = (value, nameRange.union(valueRange))
            }
        }
        guard let found else { return nil }
        let sheetCounts = ["on", "yes", "true"].contains(found.value.lowercased())
        guard sheetCounts != (key != false) else { return nil }
        return Diagnostic(.warning, "@followthrough \(visible(found.value)) is not the key's: follow-through is \(key != false ? "on" : "off")",
                          at: found.range, in: file, hint: "the key (or --no-follow-through) decides whether follow-through counts")
    }

    /// The sheet's `@units` and `@tolerance` where they differ from the key's: how answers are read is
    /// the course's to say (the key's directives, or `--units` and `--tolerance`), not the student's.
    func readingDirectives(units: ByteConvention?, tolerance: Tolerance?) -> [Diagnostic] {
        var found: [Diagnostic] = []
        for statement in syntax.statements {
            guard case .directive(let name, let value, let nameRange, let valueRange) = statement else { continue }
            let differs: Bool
            switch name.lowercased() {
            case "units": differs = ByteConvention.named(value) != (units ?? .binary)
            case "tolerance": differs = Tolerance.named(value) != (tolerance ?? .written)
            default: continue  // a directive of the analysis: compared with the key's settings elsewhere
            }
            guard differs else { continue }
            found.append(Diagnostic(.warning, "@\(visible(name)) \(visible(value)) is not the key's, and is not how this sheet is read",
                                    at: nameRange.union(valueRange), in: file,
                                    hint: "the key (or --units and --tolerance) decides how answers are read"))
        }
        return found
    }

    /// A network of the sheet that is none of the key's: its answers are not graded.
    func unpaired(_ sheet: AnsweredNetwork, key: AnswerKeySheet) -> Diagnostic {
        let names = key.networks.map { "'\($0.grading.report.name)'" }.joined(separator: ", ")
        let count = sheet.questions.count
        return Diagnostic(.warning, "the network '\(sheet.grading.report.name)' is none of the key's (\(names)); its \(count) answer\(count == 1 ? " is" : "s are") not graded",
                          at: sheet.grading.source.chainRange, in: file,
                          hint: "name it as the key does, or keep its INPUT and layers as the key has them")
    }

    /// Answers the key does not ask for, in one note at the first of them.
    func notAsked(_ questions: [Question]) -> Diagnostic? {
        guard let first = questions.first else { return nil }
        let listed = questions.prefix(6).map { "\($0.layer) \($0.item.key.rawValue)" }.joined(separator: ", ")
        let more = questions.count > 6 ? " and \(questions.count - 6) more" : ""
        return Diagnostic(.note, "the key does not ask for \(visible(listed))\(more); \(questions.count == 1 ? "that answer is" : "those answers are") not graded",
                          at: first.item.range, in: file)
    }

    /// The last directive named `name` before `offset`: where a network's setting comes from.
    private func directive(_ name: String, before offset: Int) -> SourceRange? {
        var found: SourceRange?
        for statement in syntax.statements {
            if case .directive(let written, _, let nameRange, let valueRange) = statement, written.lowercased() == name, nameRange.start < offset {
                found = nameRange.union(valueRange)
            }
        }
        return found
    }
}

/// A sheet's chain read beside the key's, place by place as written: what a network the analysis could
/// not lay out (a student's edit that stops it) is still graded by.
struct ChainAlignment {
    /// Answers written at the same place in both chains: the sheet's, and the key's.
    var answers: [(sheet: AnswerSyntax, key: AnswerSyntax)] = []
    /// Layers at the same place written otherwise: the sheet's call, and the key's.
    var changed: [(sheet: LayerCall, key: LayerCall)] = []
    /// The sheet's element where the chains stop being alike (another element, more or fewer).
    var divergence: SourceRange?

    /// True when the chains are written alike throughout (layers may differ in their arguments) and
    /// the sheet answers somewhere the key asks.
    var alike: Bool { divergence == nil && !answers.isEmpty }

    /// Aligns `sheet` (in `sheetFile`) with `key` (in `keyFile`).
    init(_ sheet: Chain, in sheetFile: SourceFile, with key: Chain, in keyFile: SourceFile) {
        visit(sheet, key, sheetFile, keyFile)
    }

    private mutating func visit(_ sheet: Chain, _ key: Chain, _ sheetFile: SourceFile, _ keyFile: SourceFile) {
        for (index, element) in sheet.elements.enumerated() {
            guard divergence == nil else { return }
            guard index < key.elements.count else { divergence = element.range; return }
            let other = key.elements[index]
            switch (element, other) {
            case (.input(_, _, let answer), .input(_, _, let keyAnswer)):
                pair(answer, keyAnswer)
            case (.layer(let call, let answer), .layer(let keyCall, let keyAnswer)):
                if Self.written(call, sheetFile) != Self.written(keyCall, keyFile) { changed.append((call, keyCall)) }
                pair(answer, keyAnswer)
            case (.merge(let kind, let branches, _, _, let answer), .merge(let keyKind, let keyBranches, _, _, let keyAnswer))
                where kind == keyKind && branches.count == keyBranches.count:
                for (branch, keyBranch) in zip(branches, keyBranches) { visit(branch, keyBranch, sheetFile, keyFile) }
                pair(answer, keyAnswer)
            case (.repetition(let inner, _, _), .repetition(let keyInner, _, _)):
                visit(inner, keyInner, sheetFile, keyFile)
            case (.identity, .identity), (.name, .name), (.reference, .reference):
                break
            case (.input, _), (.layer, _), (.merge, _), (.repetition, _), (.identity, _), (.name, _), (.reference, _):
                divergence = element.range
            }
        }
        if divergence == nil, key.elements.count > sheet.elements.count { divergence = SourceRange(sheet.range.end, sheet.range.end) }
    }

    private mutating func pair(_ answer: AnswerSyntax?, _ keyAnswer: AnswerSyntax?) {
        if let answer, let keyAnswer { answers.append((answer, keyAnswer)) }
    }

    /// A call's text without spaces, for comparing: `CONV(8,5, p2)` and `CONV(8,5,p2)` are alike.
    private static func written(_ call: LayerCall, _ file: SourceFile) -> String {
        String(file.text(of: call.range).filter { !$0.isWhitespace })
    }
}
