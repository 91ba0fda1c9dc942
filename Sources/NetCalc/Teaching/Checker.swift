/// `netcalc check`: grades the answers written in a spec, shows the worked formula behind each wrong
/// one, names the mistake when it recognises one (Mistakes.swift), and gives credit for an answer that
/// follows from the student's own earlier answers (FollowThrough.swift). Past a layer whose sizes do
/// not fit, it grades what does not depend on them (GradingNetwork.swift).

/// The verdict on one answer item.
struct Verdict: Sendable {
    enum Outcome: String, Sendable {
        case right, wrong, unanswered, ungraded
        /// Wrong, but right from the student's own earlier answers.
        case followThrough = "follow-through"
    }

    var outcome: Outcome
    var file: SourceFile
    var range: SourceRange
    var network: String
    /// The network as the same on every sheet: its name when the spec names it, empty for a sheet's
    /// first unnamed network (which takes the file's name), `network 2` for its second.
    var networkLabel = ""
    /// The row answered (`CONV1`), `total`, or the layer as written when no row answers it.
    var layer: String
    var key: AnswerKey
    /// The answer as written.
    var answer: String
    /// The right value, formatted.
    var expected: String
    /// The worked formula behind the right value (for a follow-through answer, behind the value it
    /// follows to), or why the answer cannot be graded.
    var formula: String
    /// How the answer was read, when that needs saying: the sense its MB was read in, or why it could
    /// not be read at all.
    var reading: String?
    /// The mistake recognised, in a teacher's words.
    var mistake: String?
    var mistakeKind: Mistake?
    /// A teacher's `note:` written with the answer.
    var note: String?
    /// The question's weight (`points:`, 1 unless given).
    var points = 1
    /// For a follow-through answer, the earlier answer it follows from.
    var followsFrom: AnswerPlace?
    /// Whether follow-through answers count as right (the teacher's choice).
    var countsFollowThrough = true

    /// True when the answer earns its points.
    var earns: Bool { outcome == .right || (outcome == .followThrough && countsFollowThrough) }

    /// The question it answers, the same on every sheet: `CONV1 shape`, `total macs`.
    var question: String { "\(layer) \(key.rawValue)" }
}

/// One answer item located in a network: what it answers, and what it is worth.
struct Question: Sendable {
    enum Target: Equatable, Sendable {
        case row(Int)
        case total
        /// No row answers it; the layer as written.
        case nowhere(String)
    }

    var item: AnswerItem
    var target: Target
    /// The answered row's name (`CONV1`), `total`, or the layer as written.
    var layer: String
    var note: String?
    var points = 1
    /// The `points:` and `note:` items as written with the answer, for saying where a sheet's own were
    /// set aside for a key's.
    var pointsItem: AnswerItem?
    var noteItem: AnswerItem?

    /// The question as the same on every sheet of a network: `CONV1 shape`.
    var id: String { "\(layer) \(item.key.rawValue)" }
}

/// A network as a student's answers make it (FollowThrough.swift), worked out once per network.
struct StudentNetwork {
    /// Every row recomputed from the student's answers; empty when nothing carries (every value is
    /// then the true one).
    var rows: [CarriedRow] = []
    /// The same rows as a report, for worked formulas and mistakes.
    var report: NetworkReport?
    /// The totals of the recomputed rows, when every row could be recomputed.
    var totals: (rows: [LayerRow], totals: Totals)?
    /// The first answer any carried value follows from.
    var origin: AnswerPlace?

    init() {}

    init(_ rows: [CarriedRow], grading: GradingNetwork) {
        self.rows = rows
        guard !rows.isEmpty else { return }
        var report = grading.explained
        report.rows = rows.indices.map { rows[$0].row ?? grading.explained.rows[$0] }
        self.report = report
        if grading.complete { totals = GradingNetwork.totals(rows, settings: grading.report.settings) }
        origin = rows.lazy.compactMap { $0.origin ?? $0.fieldOrigin }.first
    }
}

/// One network of a sheet with the questions answered in it.
struct AnsweredNetwork {
    var grading: GradingNetwork
    var questions: [Question]
    /// The network's name when the spec names it; empty for the first unnamed network, `network 2` for
    /// the second: the same for the same network on every sheet.
    var label: String
    /// The name the spec gives it (`quiz = INPUT[...]`), nil for an unnamed network: what a sheet's
    /// networks are matched to a key's by first.
    var declaredName: String?
}

/// Grades the answers of one analyzed file.
struct Checker {
    let file: SourceFile
    let syntax: SpecSyntax
    /// Off: answers that follow from the student's own earlier answers are shown, but not counted.
    var countsFollowThrough = true
    /// How KB, MB and GB are read first (both senses are accepted; the reading is named).
    var units = ByteConvention.binary
    /// How close an approximate answer (3.2M, ~3M) must be.
    var tolerance = Tolerance.written

    /// The sheet's own say on follow-through: `@followthrough off` (or `on`), if it has one.
    var followThroughDirective: Bool? {
        var setting: Bool?
        for statement in syntax.statements {
            if case .directive(let name, let value, _, _) = statement, name.lowercased() == "followthrough" {
                setting = ["on", "yes", "true"].contains(value.lowercased())
            }
        }
        return setting
    }

    /// The sheet's `@units 1024` (or `1000`), if it has one.
    var unitsDirective: ByteConvention? {
        directive("units").flatMap(ByteConvention.named)
    }

    /// The sheet's `@tolerance 5%` (or `written`), if it has one.
    var toleranceDirective: Tolerance? {
        directive("tolerance").flatMap(Tolerance.named)
    }

    /// The value of the sheet's last directive of that name.
    private func directive(_ wanted: String) -> String? {
        var found: String?
        for statement in syntax.statements {
            if case .directive(let name, let value, _, _) = statement, name.lowercased() == wanted { found = value }
        }
        return found
    }

    /// Grades every answer of the file against its own networks.
    func grade(_ networks: [SpecNetwork]) -> (verdicts: [Verdict], diagnostics: DiagnosticList) {
        let (answered, diagnostics) = read(networks)
        var verdicts: [Verdict] = []
        for network in answered {
            let carried = carry(network.questions, in: network.grading, rowFor: { $0 })
            for question in network.questions {
                var graded = verdict(question, file: file, grading: network.grading, carried: carried)
                graded.networkLabel = network.label
                verdicts.append(graded)
            }
        }
        return (verdicts, diagnostics)
    }

    /// Grades the file's answers against a teacher's key: the key's networks, settings, questions,
    /// points and notes (KeyRules.swift). Each of the key's networks is found on the sheet by its name,
    /// then by its INPUT and layers; a network of the sheet that differs from the key's is reported, and
    /// its answers are graded against the key's network, row by row name.
    func grade(_ networks: [SpecNetwork], against key: AnswerKeySheet) -> (verdicts: [Verdict], diagnostics: DiagnosticList) {
        var (sheet, diagnostics) = read(networks)
        let setAside = SetAside(file: file, syntax: syntax)
        if let directive = setAside.followThrough(key: key.followThrough) { diagnostics.append(directive) }
        for directive in setAside.readingDirectives(units: key.units, tolerance: key.tolerance) { diagnostics.append(directive) }
        var verdicts: [Verdict] = []
        let pairs = NetworkPairing.pair(key: key.networks, sheet: sheet)
        var unanalyzed = unanalyzedNetworks(networks)
        for (keyNetwork, match) in zip(key.networks, pairs) {
            let name = keyNetwork.grading.report.name
            let grading = keyNetwork.grading
            guard let match else {
                // A network the analysis could not lay out (an edit that stops it) is read beside the key's.
                if let keyChain = key.chain(of: keyNetwork),
                   let written = unanalyzed.firstIndex(where: { $0.name != nil && $0.name == keyNetwork.declaredName })
                    ?? unanalyzed.firstIndex(where: { ChainAlignment($0.chain, in: file, with: keyChain, in: key.file).alike }) {
                    let chain = unanalyzed.remove(at: written).chain
                    verdicts += gradeUnanalyzed(chain, against: keyNetwork, keyChain: keyChain, key: key, diagnostics: &diagnostics)
                    continue
                }
                diagnostics.append(Diagnostic(.error, "the key's network '\(name)' is not on this sheet", at: SourceRange(0, 0), in: file,
                                              hint: "copy it from the key, with the answers in braces"))
                for question in keyNetwork.questions {
                    var graded = unanswered(question, network: name, at: SourceRange(0, 0))
                    graded.networkLabel = keyNetwork.label
                    verdicts.append(graded)
                }
                continue
            }
            let student = sheet[match]
            for difference in setAside.settings(student, key: keyNetwork) { diagnostics.append(difference) }
            for difference in grading.differences(from: student.grading) {
                let range = difference.row?.range ?? student.grading.source.chainRange
                diagnostics.append(Diagnostic(.error, "the network '\(student.grading.report.name)' differs from the key's: \(difference.message)",
                                              at: range, in: file, hint: "answers are graded against the key's network"))
            }
            // The key's rows by name: the student's answers are matched to them.
            var keyRows: [String: Int] = [:]
            for (index, row) in grading.rows.enumerated() where keyRows[row.name] == nil { keyRows[row.name] = index }
            let carried = carry(student.questions, in: grading) { index in
                student.grading.rows.indices.contains(index) ? keyRows[student.grading.rows[index].name] : nil
            }
            let sheetRows = Dictionary(student.grading.rows.map { ($0.name, $0.range) }) { first, _ in first }
            verdicts += gradeQuestions(of: keyNetwork, answered: student.questions, carried: carried, diagnostics: &diagnostics) { question in
                sheetRows[question.layer] ?? student.grading.source.chainRange
            }
        }
        let paired = Set(pairs.compactMap { $0 })
        for (index, network) in sheet.enumerated() where !paired.contains(index) && !network.questions.isEmpty {
            diagnostics.append(setAside.unpaired(network, key: key))
        }
        for network in unanalyzed where network.chain.hasAnswers {
            diagnostics.append(Diagnostic(.warning, "this network could not be analyzed and is none of the key's; its answers are not graded",
                                          at: network.chain.range, in: file, hint: "fix the error above, or keep the network as the key has it"))
        }
        return (verdicts, diagnostics)
    }

    /// The verdicts on a key network's questions, from the sheet's answers to them (matched by layer and
    /// key); a question the sheet leaves out is unanswered at `unansweredAt`.
    private func gradeQuestions(of keyNetwork: AnsweredNetwork, answered: [Question], carried: StudentNetwork,
                                diagnostics: inout DiagnosticList, unansweredAt: (Question) -> SourceRange) -> [Verdict] {
        let setAside = SetAside(file: file, syntax: syntax)
        var answers: [String: Question] = [:]
        for question in answered where answers[question.id] == nil { answers[question.id] = question }
        let asked = Set(keyNetwork.questions.map(\.id))
        if let note = setAside.notAsked(answered.filter { !asked.contains($0.id) }) { diagnostics.append(note) }
        var verdicts: [Verdict] = []
        var warned = Set<Int>()
        for question in keyNetwork.questions {
            var graded: Verdict
            if var answer = answers[question.id] {
                for warning in setAside.pointsAndNotes(answer, key: question) where !warned.contains(warning.range?.start ?? -1) {
                    warned.insert(warning.range?.start ?? -1)
                    diagnostics.append(warning)
                }
                answer.target = question.target
                answer.points = question.points
                answer.note = question.note
                graded = verdict(answer, file: file, grading: keyNetwork.grading, carried: carried)
            } else {
                graded = unanswered(question, network: keyNetwork.grading.report.name, at: unansweredAt(question))
            }
            graded.networkLabel = keyNetwork.label
            verdicts.append(graded)
        }
        return verdicts
    }

    /// The sheet's networks the analysis could not lay out (an error stopped them before any row could
    /// be graded), with the name the spec gives them.
    private func unanalyzedNetworks(_ networks: [SpecNetwork]) -> [(name: String?, chain: Chain)] {
        let analyzed = Set(networks.map(\.source.chainRange.start))
        return syntax.statements.compactMap { statement in
            guard case .network(let name, _, let chain, _) = statement, !analyzed.contains(chain.range.start) else { return nil }
            return (name, chain)
        }
    }

    /// Grades a sheet's network that could not be analyzed against the key's network it is written like:
    /// each answer at a place where the key asks, as the key's question (ChainAlignment); each layer
    /// written otherwise is reported.
    private func gradeUnanalyzed(_ chain: Chain, against keyNetwork: AnsweredNetwork, keyChain: Chain, key: AnswerKeySheet,
                                 diagnostics: inout DiagnosticList) -> [Verdict] {
        let grading = keyNetwork.grading
        let name = grading.report.name
        let alignment = ChainAlignment(chain, in: file, with: keyChain, in: key.file)
        diagnostics.append(Diagnostic(.note, "the network '\(name)' cannot be analyzed as this sheet writes it; its answers are graded against the key's network, place by place as written",
                                      at: SourceRange(chain.range.start, chain.range.start), in: file))
        for change in alignment.changed {
            let row = grading.rows.first { $0.range == change.key.range }
            let keyText = key.file.text(of: change.key.range)
            diagnostics.append(Diagnostic(.error, "the network '\(name)' differs from the key's: \(row.map { "\($0.name) is " } ?? "")\(file.text(of: change.sheet.range)) here, \(keyText) in the key",
                                          at: change.sheet.range, in: file, hint: "answers are graded against the key's network"))
        }
        if let divergence = alignment.divergence {
            diagnostics.append(Diagnostic(.error, "the network '\(name)' is written unlike the key's from here on; answers past this point are not graded",
                                          at: divergence, in: file, hint: "keep the key's layers, merges and branches"))
        }
        let parser = AnswerParser(file: file)
        var questions: [Question] = []
        for (answer, keyAnswer) in alignment.answers {
            let (items, problems) = parser.items(of: answer)
            diagnostics.append(contentsOf: problems)
            let noteItem = items.last { $0.key == .note }
            let pointsItem = items.last { $0.key == .points }
            var points = 1
            if let pointsItem, case .number(let number) = pointsItem.value, let value = Int(exactly: number.numerator) { points = value }
            for item in items where item.key.isQuestion {
                guard let asked = keyNetwork.questions.first(where: {
                    $0.item.key == item.key && $0.item.range.start >= keyAnswer.range.start && $0.item.range.end <= keyAnswer.range.end
                }) else { continue }
                questions.append(Question(item: item, target: asked.target, layer: asked.layer,
                                          note: noteItem.flatMap { if case .text(let text) = $0.value { text } else { nil } },
                                          points: points, pointsItem: pointsItem, noteItem: noteItem))
            }
        }
        let carried = carry(questions, in: grading) { $0 }
        return gradeQuestions(of: keyNetwork, answered: questions, carried: carried, diagnostics: &diagnostics) { _ in
            SourceRange(chain.range.start, chain.range.start)
        }
    }

    /// An unanswered verdict for a key's question the sheet leaves out.
    private func unanswered(_ question: Question, network: String, at range: SourceRange) -> Verdict {
        var verdict = Verdict(outcome: .unanswered, file: file, range: range, network: network, layer: question.layer,
                              key: question.item.key, answer: "", expected: "", formula: "")
        verdict.points = question.points
        verdict.countsFollowThrough = countsFollowThrough
        return verdict
    }

    // MARK: Reading answers

    /// The file's networks with the questions answered in each; bad answers are diagnostics.
    func read(_ networks: [SpecNetwork]) -> (networks: [AnsweredNetwork], diagnostics: DiagnosticList) {
        var diagnostics = DiagnosticList()
        var answered: [AnsweredNetwork] = []
        let answers = allAnswers()
        let parser = AnswerParser(file: file, units: units)
        var blocks: [String: BlockDefinition] = [:]
        var chains: [Int: Chain] = [:]
        var labels: [Int: String] = [:]
        var declaredNames: [Int: String] = [:]
        var unnamed = 0
        for statement in syntax.statements {
            switch statement {
            case .block(let block): if blocks[block.name] == nil { blocks[block.name] = block }
            case .network(let name, _, let chain, _):
                chains[chain.range.start] = chain
                if name == nil { unnamed += 1 }
                labels[chain.range.start] = name ?? (unnamed == 1 ? "" : "network \(unnamed)")
                declaredNames[chain.range.start] = name
            case .directive: break
            }
        }
        for network in networks {
            let grading = GradingNetwork(network, file: file, chain: chains[network.source.chainRange.start], blocks: blocks)
            var questions: [Question] = []
            func add(_ answer: AnswerSyntax, target: (Int) -> (Question.Target, String)) {
                let (items, problems) = parser.items(of: answer)
                diagnostics.append(contentsOf: problems)
                let noteItem = items.last { $0.key == .note }
                let note = noteItem.flatMap { if case .text(let text) = $0.value { text } else { nil } }
                var points = 1
                let pointsItem = items.last { $0.key == .points }
                if let pointsItem, case .number(let number) = pointsItem.value, let value = Int(exactly: number.numerator) {
                    points = value
                }
                for item in items where item.key.isQuestion {
                    let (place, layer) = target(item.range.start)
                    questions.append(Question(item: item, target: place, layer: layer, note: note, points: points,
                                              pointsItem: pointsItem, noteItem: noteItem))
                }
            }
            let starts = answers.keys.filter { $0 >= network.source.chainRange.start && $0 < network.source.chainRange.end }.sorted()
            for start in starts {
                guard let (answer, layerText) = answers[start] else { continue }
                add(answer) { _ in
                    if let index = grading.rowIndex(answerAt: start) { return (.row(index), grading.rows[index].name) }
                    return (.nowhere(layerText), layerText)
                }
            }
            if let total = network.source.totalAnswer {
                add(total) { _ in (.total, "total") }
            }
            answered.append(AnsweredNetwork(grading: grading, questions: questions,
                                            label: labels[network.source.chainRange.start] ?? network.report.name,
                                            declaredName: declaredNames[network.source.chainRange.start]))
        }
        return (answered, diagnostics)
    }

    /// Every answer list in the file, by where it starts, with the layer it follows as written.
    private func allAnswers() -> [Int: (AnswerSyntax, String)] {
        var found: [Int: (AnswerSyntax, String)] = [:]
        func visit(_ chain: Chain) {
            for element in chain.elements {
                switch element {
                case .layer(let call, let answer?): found[answer.range.start] = (answer, file.text(of: call.range))
                case .input(_, let range, let answer?): found[answer.range.start] = (answer, file.text(of: range))
                case .repetition(let inner, _, _): visit(inner)
                case .merge(let kind, let branches, _, _, let answer):
                    branches.forEach(visit)
                    if let answer { found[answer.range.start] = (answer, "\(kind.keyword)(...)") }
                case .layer(_, nil), .input(_, _, nil), .identity, .name, .reference: break
                }
            }
        }
        for statement in syntax.statements {
            switch statement {
            case .network(_, _, let chain, _): visit(chain)
            case .block(let block): visit(block.body)
            case .directive: break
            }
        }
        return found
    }

    // MARK: Follow-through

    /// The network recomputed from the student's shape and receptive-field answers; `rowFor` maps a
    /// row of the sheet's network to the graded network's (the key's, when grading against one).
    private func carry(_ questions: [Question], in grading: GradingNetwork, rowFor: (Int) -> Int?) -> StudentNetwork {
        var followThrough = FollowThrough()
        for question in questions {
            guard case .row(let sheetIndex) = question.target, let index = rowFor(sheetIndex), index < grading.rows.count else { continue }
            let place = AnswerPlace(layer: question.layer, key: question.item.key, answer: question.item.text, file: file,
                                    range: question.item.range)
            // A shape answer carries its volume forward, an rf answer its field; nothing else carries.
            if question.item.key == .shape, case .shape(let shape) = question.item.value, followThrough.shapes[index] == nil {
                followThrough.shapes[index] = (shape, place)
            }
            if question.item.key == .rf, case .number(let number) = question.item.value, followThrough.fields[index] == nil,
               let field = number.wholeValue {
                followThrough.fields[index] = (field, place)
            }
        }
        guard !followThrough.shapes.isEmpty || !followThrough.fields.isEmpty || grading.unfitIndex != nil else {
            return StudentNetwork()  // nothing carried: every value is the true one
        }
        return StudentNetwork(followThrough.carry(grading.rows, settings: grading.report.settings), grading: grading)
    }

    // MARK: Grading

    /// The verdict on one question, graded in `grading` with the student's values `carried`.
    private func verdict(_ question: Question, file: SourceFile, grading: GradingNetwork, carried: StudentNetwork) -> Verdict {
        let item = question.item
        var verdict = Verdict(outcome: .wrong, file: file, range: item.range, network: grading.report.name,
                              layer: question.layer, key: item.key, answer: item.text, expected: "?", formula: "")
        verdict.points = question.points
        verdict.note = question.note
        verdict.countsFollowThrough = countsFollowThrough
        switch question.target {
        case .nowhere:
            verdict.outcome = item.value == .blank ? .unanswered : .ungraded
            verdict.formula = grading.source.unfit.map { "\($0.name) does not fit its \($0.input.fullText) input, and netcalc cannot lay out the layers after it" }
                ?? "this answer belongs to no layer that was analyzed"
        case .row(let index):
            gradeRow(&verdict, item, index: index, grading: grading, carried: carried)
        case .total:
            gradeTotal(&verdict, item, grading: grading, carried: carried)
        }
        if verdict.outcome != .wrong { verdict.mistake = nil; verdict.mistakeKind = nil }
        if case .unreadable(let why) = item.value {
            verdict.reading = "could not be read: \(why.text)" + (why.hint.map { " (\($0))" } ?? "")
        } else if verdict.outcome == .wrong, case .number(let number) = item.value, number.unit == .bytes, number.power > 0 {
            let (preferred, other) = (units, units.other)
            verdict.reading = "\(item.text) read in either sense, \(preferred.owner) (\(preferred.equation(power: number.power))) or \(other.owner) (\(other.equation(power: number.power))), is not the answer"
        } else if verdict.outcome == .wrong, verdict.mistake == nil, case .number(let number) = item.value, !number.exact, tolerance != .written {
            verdict.reading = "\(item.text) is approximate: right \(tolerance.text) of the answer (the teacher's tolerance)"
        }
        if let keyReading = item.reading { verdict.reading = [keyReading, verdict.reading].compactMap { $0 }.joined(separator: "; ") }
        return verdict
    }

    private func gradeRow(_ verdict: inout Verdict, _ item: AnswerItem, index: Int, grading: GradingNetwork, carried: StudentNetwork) {
        let key = item.key
        let row = grading.explained.rows[index]
        let explainer = Explainer(network: grading.explained)
        let truth = grading.truth(key, at: index)
        let carriedRow = index < carried.rows.count ? carried.rows[index] : nil
        let unfitRow = index == grading.unfitIndex
        var followed: Candidate?
        var origin: AnswerPlace?
        if let carriedRow {
            switch key {
            case .shape:
                followed = carriedRow.computed.candidate
                origin = carriedRow.inherited
            case .rf:
                followed = carriedRow.outputOnly ? nil : carriedRow.computedField.map { .count($0) }
                origin = carriedRow.inheritedField ?? carriedRow.inherited
            case .memory, .bytes, .fwdBwd, .macs:
                followed = carriedRow.row.flatMap { GradingNetwork.value(key, $0) }
                origin = carriedRow.origin
                if key == .macs, carriedRow.outputOnly { followed = nil }
            case .params, .weights:
                followed = carriedRow.outputOnly ? nil : carriedRow.row.flatMap { GradingNetwork.value(key, $0) }
                origin = carriedRow.origin
            case .note, .points:
                break
            }
        }
        let followedReport = carried.report
        let followedFormula = { () -> String in
            guard let followedReport else { return "" }
            return Explainer(network: followedReport).formula(key, for: followedReport.rows[index])
        }
        if let truth {
            verdict.expected = unfitRow && key == .shape ? "invalid (does not fit)" : describe(truth)
            verdict.formula = unfitRow && key == .shape ? grading.unfitFormula ?? "" : explainer.formula(key, for: row)
            if item.value == .blank { verdict.outcome = .unanswered; return }
            if matches(item.value, truth) { verdict.outcome = .right; verdict.reading = sense(item, truth); return }
            if let followed, followed != truth, matches(item.value, followed) {
                verdict.outcome = .followThrough
                verdict.followsFrom = origin
                verdict.formula = followedFormula()
                verdict.reading = sense(item, followed)
                return
            }
            verdict.outcome = .wrong
            var candidates: [(Candidate, NamedMistake)] = []
            if unfitRow && key == .shape {
                candidates = roundedCandidates(grading)
            } else {
                candidates = MistakeCatalog(row: row, network: grading.explained).candidates(key)
            }
            if let followed, followed != truth, let followedReport, let carriedRow, let own = carriedRow.row, !carriedRow.outputOnly {
                let yours = origin.map { " (counting from your \($0.layer) \($0.key == .shape ? "" : "\($0.key.rawValue) ")\($0.answer), line \($0.line))" } ?? ""
                candidates += MistakeCatalog(row: own, network: followedReport).candidates(key)
                    .filter { $0.0 != followed }
                    .map { ($0.0, NamedMistake($0.1.kind, $0.1.text + yours)) }
            }
            let named = recognise(item, truth: truth, candidates: candidates.filter { $0.0 != truth })
            if let named {
                verdict.mistake = named.text
                verdict.mistakeKind = named.kind
            } else if unfitRow && key == .shape {
                verdict.mistake = "\(grading.source.unfit?.text ?? row.name) does not fit its input; the answer is invalid"
                verdict.mistakeKind = .sizedWhereInvalid
            }
            return
        }
        // The value depends on the size of a layer that does not fit: invalid is right, and a value that
        // follows from the student's own shape for that layer follows through.
        let unfit = grading.source.unfit
        let unfitName = unfit?.name ?? "an earlier layer"
        let why = "\(row.name)'s \(Self.subject(key)) on \(unfitName)'s size, and \(unfitName) does not fit its \(unfit?.input.fullText ?? "") input"
            + (grading.unfitFormula.map { ": \($0)" } ?? "")
        if gradeAgainstInvalid(&verdict, item, formula: why, followed: followed, origin: origin, followedFormula: followedFormula) {
            return
        }
        if let followed, let origin {
            verdict.formula = why + "; from your \(origin.layer) \(origin.answer) (line \(origin.line)) it would be \(describe(followed))"
        } else {
            verdict.mistake = "\(unfitName) does not fit, so every value that depends on its size is invalid"
            verdict.mistakeKind = .sizedWhereInvalid
        }
    }

    /// `size depends`, `params depend`: what an answer key asks, as the subject of a sentence.
    private static func subject(_ key: AnswerKey) -> String {
        switch key {
        case .shape: return "size depends"
        case .params: return "parameters depend"
        case .weights: return "weights depend"
        case .memory: return "memory depends"
        case .bytes: return "bytes depend"
        case .fwdBwd: return "forward and backward bytes depend"
        case .macs: return "MACs depend"
        case .rf: return "receptive field depends"
        case .note, .points: return "value depends"
        }
    }

    /// The shapes rounding down and up give for the layer that does not fit.
    private func roundedCandidates(_ grading: GradingNetwork) -> [(Candidate, NamedMistake)] {
        guard let unfit = grading.source.unfit, !unfit.axes.isEmpty else { return [] }
        var list: [(Candidate, NamedMistake)] = []
        for (rounding, name, kind) in [(Rounding.floor, "floor (PyTorch)", Mistake.roundedDown), (.ceil, "ceil (Caffe pooling)", .roundedUp)] {
            let sizes = unfit.axes.map { axis -> Int in
                if case .output(let size)? = try? axis.outcome(rounding) { return size }
                return 0
            }
            guard sizes.allSatisfy({ $0 > 0 }) else { continue }
            list.append((.shape(Shape(spatial: sizes, depth: unfit.depth)),
                         NamedMistake(kind, "\(sizes.map(String.init).joined(separator: "x")) is the \(name) result; with these settings the sizes do not fit, which the notes call an invalid setting: write invalid")))
        }
        return list
    }

    private func gradeTotal(_ verdict: inout Verdict, _ item: AnswerItem, grading: GradingNetwork, carried: StudentNetwork) {
        let key = item.key
        let report = grading.report
        let truth = grading.totalTruth(key)
        let followedTotals = carried.totals
        let followed = followedTotals.flatMap { GradingNetwork.total(key, rows: $0.rows, totals: $0.totals) }
        let origin = carried.origin
        let followedFormula = { () -> String in
            guard let followedTotals else { return "" }
            var network = report
            network.rows = followedTotals.rows
            network.totals = followedTotals.totals
            return Explainer(network: network).total(key)
        }
        if let truth {
            verdict.expected = describe(truth)
            var network = grading.explained
            if grading.source.unfit != nil, let totals = try? Totals(rows: network.rows, settings: report.settings) {
                network.totals = totals
            }
            verdict.formula = Explainer(network: network).total(key)
            if item.value == .blank { verdict.outcome = .unanswered; return }
            if matches(item.value, truth) { verdict.outcome = .right; verdict.reading = sense(item, truth); return }
            if let followed, followed != truth, matches(item.value, followed) {
                verdict.outcome = .followThrough
                verdict.followsFrom = origin
                verdict.formula = followedFormula()
                verdict.reading = sense(item, followed)
                return
            }
            verdict.outcome = .wrong
            var candidates = MistakeCatalog.totals(key, network: network, totals: network.totals)
            if let followed, followed != truth, let followedTotals {
                var own = report
                own.rows = followedTotals.rows
                candidates += MistakeCatalog.totals(key, network: own, totals: followedTotals.totals).filter { $0.0 != followed }
            }
            if let named = recognise(item, truth: truth, candidates: candidates.filter { $0.0 != truth }) {
                verdict.mistake = named.text
                verdict.mistakeKind = named.kind
            }
            return
        }
        let stop = grading.source.unfit.map { "the network stops at \($0.name), which does not fit" } ?? "the network could not be analyzed"
        if gradeAgainstInvalid(&verdict, item, formula: stop, followed: followed, origin: origin, followedFormula: followedFormula) {
            return
        }
        if let unfit = grading.source.unfit {
            verdict.mistake = "\(unfit.name) does not fit, so the totals that depend on its size are invalid"
            verdict.mistakeKind = .sizedWhereInvalid
        }
    }

    /// Grades an answer whose right value is `invalid` (it depends on the size of a layer that does not
    /// fit): blank is unanswered, `invalid` is right, the value the student's own answers give follows
    /// through. True when that settles it; false leaves the verdict wrong, for the caller to say why.
    private func gradeAgainstInvalid(_ verdict: inout Verdict, _ item: AnswerItem, formula: String, followed: Candidate?,
                                     origin: AnswerPlace?, followedFormula: () -> String) -> Bool {
        verdict.expected = "invalid"
        verdict.formula = formula
        if item.value == .blank { verdict.outcome = .unanswered; return true }
        if item.value == .invalid { verdict.outcome = .right; return true }
        if let followed, matches(item.value, followed) {
            verdict.outcome = .followThrough
            verdict.followsFrom = origin
            verdict.formula = followedFormula()
            verdict.reading = sense(item, followed)
            return true
        }
        verdict.outcome = .wrong
        return false
    }

    private func describe(_ candidate: Candidate) -> String {
        switch candidate {
        case .count(let value): return formatCount(value)
        case .shape(let shape): return shape.fullText
        case .invalid: return "invalid"
        case .nonzero: return "not 0"
        case .tooLarge: return "too large to count (past 2^63)"
        }
    }

    private func matches(_ value: AnswerValue, _ candidate: Candidate) -> Bool {
        switch (value, candidate) {
        case (.shape(let a), .shape(let b)): return a.answers(b)
        case (.number(let a), .count(let b)):
            // KB, MB and GB are right in either sense (the notes' 1024 and SI's 1000).
            return a.matches(b, tolerance: tolerance)
                || (a.unit == .bytes && a.power > 0 && a.reread(base: units.other.base).matches(b, tolerance: tolerance))
        case (.number(let a), .nonzero): return a.numerator != 0
        case (.invalid, .invalid): return true
        // A count past 64 bits matches nothing; no answer can be written that large; nor can one not read.
        case (.blank, _), (.invalid, _), (.shape, _), (.number, _), (.text, _), (.unreadable, _): return false
        }
    }

    /// The sense a KB, MB or GB answer that matches `candidate` was read in: the teacher's preferred one
    /// first; the other is accepted too, and named as such, not as a mistake.
    private func sense(_ item: AnswerItem, _ candidate: Candidate) -> String? {
        guard case .number(let number) = item.value, number.unit == .bytes, number.power > 0, case .count(let value) = candidate else {
            return nil
        }
        if number.matches(value, tolerance: tolerance) { return "\(item.text) read in \(units.sense(power: number.power))" }
        return "\(item.text) read in \(units.other.sense(power: number.power)) (accepted; this course prefers \(units.owner) \(units.equation(power: number.power)))"
    }

    // MARK: Mistakes

    /// The known mistake the answer matches (a units mix-up first); when several give the same value,
    /// the first is named and the others offered.
    private func recognise(_ item: AnswerItem, truth: Candidate, candidates: [(Candidate, NamedMistake)]) -> NamedMistake? {
        if let mixUp = unitMixUp(item, truth) { return mixUp }
        var found: [NamedMistake] = []
        for (candidate, mistake) in candidates where matches(item.value, candidate) && !found.contains(where: { $0.kind == mistake.kind }) {
            found.append(mistake)
        }
        guard var first = found.first else { return nil }
        if found.count > 1 {
            first.text += "; or " + found.dropFirst().map(\.text).joined(separator: "; or ")
        }
        return first
    }

    /// The 1024-against-1000 mix-up: KiB, MiB and GiB are always 1024-based, and the answer's digits are
    /// the 1000-based figure. (KB, MB and GB are read in either sense: no mix-up to name.)
    private func unitMixUp(_ item: AnswerItem, _ truth: Candidate) -> NamedMistake? {
        guard case .number(let number) = item.value, case .count(let value) = truth, number.power > 0,
              number.unit == .binaryBytes, number.reread(base: 1000).matches(value, tolerance: tolerance) else { return nil }
        return NamedMistake(.binaryForDecimal, "1024 for 1000: KiB, MiB, GiB are 1024-based, and these digits are the 1000-based figure; \(formatCount(value)) bytes is \(formatBytes(value)) (or \(formatBytes(value, .si)), MB being read in either sense)")
    }
}

/// A teacher's answer key: its networks, with the questions it asks and their points.
struct AnswerKeySheet {
    let file: SourceFile
    let syntax: SpecSyntax
    let networks: [AnsweredNetwork]
    /// The key's `@followthrough` directive, if any.
    let followThrough: Bool?
    /// The key's `@units` and `@tolerance` directives, if any.
    let units: ByteConvention?
    let tolerance: Tolerance?
    /// The key's own answers that netcalc finds wrong (a key may hold blanks, but not wrong values).
    let wrongAnswers: [Verdict]
    let diagnostics: DiagnosticList

    /// Reads a key: its questions are its answer items; their values are checked against netcalc's.
    init(file: SourceFile, syntax: SpecSyntax, networks: [SpecNetwork]) {
        var checker = Checker(file: file, syntax: syntax)
        units = checker.unitsDirective
        tolerance = checker.toleranceDirective
        checker.units = units ?? .binary
        checker.tolerance = tolerance ?? .written
        self.file = file
        self.syntax = syntax
        let (answered, diagnostics) = checker.read(networks)
        self.networks = answered
        self.diagnostics = diagnostics
        followThrough = checker.followThroughDirective
        wrongAnswers = checker.grade(networks).verdicts.filter { $0.outcome == .wrong || $0.outcome == .followThrough }
    }

    /// The chain a network of the key is written as.
    func chain(of network: AnsweredNetwork) -> Chain? {
        for statement in syntax.statements {
            if case .network(_, _, let chain, _) = statement, chain.range.start == network.grading.source.chainRange.start { return chain }
        }
        return nil
    }

    /// How many questions the key asks.
    var questionCount: Int { networks.reduce(0) { $0 + $1.questions.count } }

    /// Every question unanswered, for a sheet that could not be read: it scores 0 of the key's points.
    func unansweredVerdicts(countsFollowThrough: Bool) -> [Verdict] {
        networks.flatMap { network in
            network.questions.map { question in
                var verdict = Verdict(outcome: .unanswered, file: file, range: question.item.range,
                                      network: network.grading.report.name, layer: question.layer, key: question.item.key,
                                      answer: "", expected: "", formula: "")
                verdict.networkLabel = network.label
                verdict.points = question.points
                verdict.countsFollowThrough = countsFollowThrough
                return verdict
            }
        }
    }
}

extension NumberAnswer {
    /// The value, when it is an exact whole number written without a unit.
    var wholeValue: Int? {
        guard exact, multiplier == 1, denominator != 0, numerator % denominator == 0 else { return nil }
        return Int(exactly: numerator / denominator)
    }
}
