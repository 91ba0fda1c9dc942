/// Renders `netcalc check` verdicts: one line per answer, the worked formula and the mistake under a
/// wrong one, and a summary; for several sheets a line per sheet and the class's summary; or the same
/// as JSON, as a CSV gradebook, or as Gradescope's autograder `results.json`.

/// One graded sheet: its verdicts and the errors met reading it.
struct GradedSheet: Sendable {
    /// The file as named on the command line.
    var name: String
    var verdicts: [Verdict]
    /// The errors of the sheet (its spec, its answers, a network that is not the key's).
    var errors: [Diagnostic] = []

    /// The sheet's score.
    var score: Score { Score(verdicts) }
}

/// How a set of answers scored.
struct Score: Sendable {
    /// Answers that earn their points: right, and follow-through when it counts.
    var right = 0
    /// Answers that follow through (counted in `right` when follow-through counts).
    var followThrough = 0
    var unanswered = 0
    var total = 0
    var points = 0
    var maxPoints = 0
    var countsFollowThrough = true

    init(_ verdicts: [Verdict]) {
        total = verdicts.count
        for verdict in verdicts {
            countsFollowThrough = verdict.countsFollowThrough
            if verdict.earns { right += 1 }
            if verdict.outcome == .followThrough { followThrough += 1 }
            if verdict.outcome == .unanswered { unanswered += 1 }
            maxPoints = exactSum(maxPoints, verdict.points) ?? Int.max
            if verdict.earns { points = exactSum(points, verdict.points) ?? Int.max }
        }
    }

    /// The score as a whole percentage, rounded half up; 0 for a sheet with nothing to score.
    var percent: Int {
        guard maxPoints > 0 else { return 0 }
        guard let scaled = exactProduct(points, 200), let doubled = exactProduct(maxPoints, 2), let rounded = exactSum(scaled, maxPoints) else {
            return points >= maxPoints ? 100 : 0
        }
        return rounded / doubled
    }

    /// `4 of 5 answers right (3 by follow-through)`, with points when they are not one per answer.
    func summary(weighted: Bool) -> String {
        var details: [String] = []
        if followThrough > 0 {
            details.append(countsFollowThrough ? "\(followThrough) by follow-through"
                : "\(followThrough) more follow\(followThrough == 1 ? "s" : "") through from earlier answers, not counted")
        }
        if unanswered > 0 { details.append("\(unanswered) unanswered") }
        var text = "\(right) of \(total) answer\(total == 1 ? "" : "s") right"
        if !details.isEmpty { text += " (" + details.joined(separator: ", ") + ")" }
        if weighted { text += "; \(formatCount(points)) of \(formatCount(maxPoints)) points (\(percent)%)" }
        return text
    }
}

struct CheckRenderer {
    var color = false

    private var green: String { color ? "\u{1B}[1;32m" : "" }
    private var red: String { color ? "\u{1B}[1;31m" : "" }
    private var yellow: String { color ? "\u{1B}[1;33m" : "" }
    private var bold: String { color ? "\u{1B}[1m" : "" }
    private var reset: String { color ? "\u{1B}[0m" : "" }

    /// True when some answer is worth other than one point: the summary then gives points.
    private func weighted(_ verdicts: [Verdict]) -> Bool { verdicts.contains { $0.points != 1 } }

    // MARK: Text

    /// Every verdict of one sheet (or of several read as one), then the summary; with `hideAnswers`,
    /// a wrong answer's verdict names the mistake but not the right answer or its formula.
    func text(_ verdicts: [Verdict], hideAnswers: Bool = false) -> String {
        var out = ""
        for verdict in verdicts {
            let (line, column) = verdict.file.location(of: verdict.range.start)
            // Answers, notes and names are the sheet's raw text: shown `visible`, never as terminal controls.
            let place = "\(bold)\(visible(verdict.file.name)):\(line):\(column):\(reset)"
            let what = visible("\(verdict.layer) \(verdict.key.rawValue)")
            let answer = visible(verdict.answer)
            switch verdict.outcome {
            case .right:
                out += "\(place) \(green)right:\(reset) \(what) \(answer)\n"
                if let reading = verdict.reading { out += "  \(visible(reading))\n" }
            case .followThrough:
                let label = verdict.countsFollowThrough ? "follow-through:" : "follow-through, not counted:"
                let from = verdict.followsFrom.map { ", from your \(describe($0)) on line \($0.line)" } ?? ", from your earlier answers"
                let shown = hideAnswers ? "" : " (the answer is \(visible(verdict.expected)))"
                out += "\(place) \(verdict.countsFollowThrough ? green : yellow)\(label)\(reset) \(what) \(answer)\(from)\(shown)\n"
                if let reading = verdict.reading { out += "  \(visible(reading))\n" }
                if !verdict.formula.isEmpty { out += "  \(visible(verdict.formula))\n" }
            case .wrong where hideAnswers:
                out += "\(place) \(red)wrong:\(reset) \(what) \(answer)\n"
                if let reading = verdict.reading { out += "  \(visible(reading))\n" }
                if let kind = verdict.mistakeKind { out += "  mistake: \(kind.title)\n" }
                if let note = verdict.note { out += "  note: \(visible(note))\n" }
            case .wrong:
                out += "\(place) \(red)wrong:\(reset) \(what) \(answer); the answer is \(visible(verdict.expected))\n"
                if let reading = verdict.reading { out += "  \(visible(reading))\n" }
                if !verdict.formula.isEmpty { out += "  \(visible(verdict.formula))\n" }
                if let mistake = verdict.mistake { out += "  mistake: \(visible(mistake))\n" }
                if let note = verdict.note { out += "  note: \(visible(note))\n" }
            case .unanswered:
                out += "\(place) \(red)unanswered:\(reset) \(what)\n"
            case .ungraded:
                out += "\(place) \(red)cannot grade:\(reset) \(what): \(visible(verdict.formula))\n"
            }
        }
        guard !verdicts.isEmpty else { return "" }
        return out + "\(bold)\(Score(verdicts).summary(weighted: weighted(verdicts)))\(reset)\n"
    }

    /// The first line of a check without `--key`: the sheet is graded on its own terms.
    static func withoutKeyLine(sheets: Int) -> String {
        let whose = sheets == 1 ? "the sheet's own network, settings and points" : "each sheet's own network, settings and points"
        return "no key: graded against \(whose) (a student who edits them is graded on their own terms; grade with --key KEY.net)"
    }

    /// `CONV1 32x32x8`, `CONV1 rf 4`: an answer that others follow from.
    private func describe(_ place: AnswerPlace) -> String {
        visible(place.key == .shape ? "\(place.layer) \(place.answer)" : "\(place.layer) \(place.key.rawValue) \(place.answer)")
    }

    /// A class: one line per sheet (its file, answers right of total, score), then each question with
    /// how many got it right, and the mistakes most often named.
    func classReport(_ sheets: [GradedSheet]) -> String {
        let all = sheets.flatMap(\.verdicts)
        let weighted = weighted(all)
        let nameWidth = sheets.map { displayWidth(visible($0.name)) }.max() ?? 0
        var out = ""
        for sheet in sheets {
            let score = sheet.score
            var line = "\(bold)\(visible(sheet.name))\(reset)" + String(repeating: " ", count: nameWidth - displayWidth(visible(sheet.name)) + 2)
            line += "\(score.right) of \(score.total) right"
            var details: [String] = []
            if score.followThrough > 0 {
                details.append(score.countsFollowThrough ? "\(score.followThrough) by follow-through" : "\(score.followThrough) follow-through not counted")
            }
            if score.unanswered > 0 { details.append("\(score.unanswered) unanswered") }
            if !sheet.errors.isEmpty { details.append("\(sheet.errors.count) error\(sheet.errors.count == 1 ? "" : "s")") }
            if !details.isEmpty { line += " (" + details.joined(separator: ", ") + ")" }
            line += weighted ? ", \(formatCount(score.points)) of \(formatCount(score.maxPoints)) points, \(score.percent)%" : ", \(score.percent)%"
            out += line + "\n"
        }
        guard !sheets.isEmpty else { return out }
        let percents = sheets.map(\.score.percent)
        let mean = (percents.reduce(0) { exactSum($0, $1) ?? $0 } * 2 + percents.count) / (2 * percents.count)
        out += "\n\(bold)class: \(sheets.count) sheet\(sheets.count == 1 ? "" : "s"), mean score \(mean)%, lowest \(percents.min() ?? 0)%, highest \(percents.max() ?? 0)%\(reset)\n"
        let questions = Self.questions(sheets)
        if !questions.isEmpty {
            out += "\nquestions (right of \(sheets.count)):\n"
            let labelWidth = questions.map { displayWidth(visible($0.label)) }.max() ?? 0
            for question in questions {
                var line = "  " + visible(question.label) + String(repeating: " ", count: labelWidth - displayWidth(visible(question.label)) + 2)
                line += "\(question.right) of \(sheets.count)"
                var details: [String] = []
                if question.followThrough > 0 { details.append("\(question.followThrough) by follow-through") }
                if question.unanswered > 0 { details.append("\(question.unanswered) unanswered") }
                if !details.isEmpty { line += " (" + details.joined(separator: ", ") + ")" }
                out += line + "\n"
            }
        }
        let mistakes = Self.mistakes(sheets)
        if !mistakes.isEmpty {
            out += "\nmistakes most often named:\n"
            let countWidth = mistakes.map { "\($0.count)".count }.max() ?? 1
            for mistake in mistakes.prefix(10) {
                let count = "\(mistake.count)"
                let names = mistake.sheets.prefix(4).map { visible($0) }.joined(separator: ", ") + (mistake.sheets.count > 4 ? ", +\(mistake.sheets.count - 4) more" : "")
                out += "  " + String(repeating: " ", count: countWidth - count.count) + count + "  \(mistake.kind.title) (\(names))\n"
            }
        }
        return out
    }

    /// One question asked across the sheets and how the class answered it.
    struct QuestionSummary: Sendable {
        var id: String
        var label: String
        var right = 0
        var followThrough = 0
        var wrong = 0
        var unanswered = 0
        var ungraded = 0
    }

    /// Every question in the order first met, `CONV1 shape` (with the network's name when the sheets
    /// hold several networks), and the class's answers to it (an answer that earns counts as right).
    static func questions(_ sheets: [GradedSheet]) -> [QuestionSummary] {
        let networks = Set(sheets.flatMap { $0.verdicts.map(\.networkLabel) })
        var order: [String] = []
        var found: [String: QuestionSummary] = [:]
        for sheet in sheets {
            var seen = Set<String>()
            for verdict in sheet.verdicts {
                let id = Self.questionID(verdict)
                guard seen.insert(id).inserted else { continue }
                if found[id] == nil {
                    order.append(id)
                    let label = networks.count > 1 ? "\(verdict.networkLabel.isEmpty ? "network 1" : verdict.networkLabel) \(verdict.question)" : verdict.question
                    found[id] = QuestionSummary(id: id, label: label)
                }
                if verdict.earns { found[id]?.right += 1 }
                switch verdict.outcome {
                case .followThrough: found[id]?.followThrough += 1
                case .wrong: found[id]?.wrong += 1
                case .unanswered: found[id]?.unanswered += 1
                case .ungraded: found[id]?.ungraded += 1
                case .right: break
                }
            }
        }
        return order.compactMap { found[$0] }
    }

    /// What identifies a question across sheets: its network's label, its row and its key.
    static func questionID(_ verdict: Verdict) -> String { "\(verdict.networkLabel)\u{1F}\(verdict.question)" }

    /// A mistake named across the sheets: how often, and on which sheets.
    struct MistakeSummary: Sendable {
        var kind: Mistake
        var count = 0
        var sheets: [String] = []
    }

    /// The mistakes named, most often first (ties in the catalog's order).
    static func mistakes(_ sheets: [GradedSheet]) -> [MistakeSummary] {
        var found: [Mistake: MistakeSummary] = [:]
        for sheet in sheets {
            for verdict in sheet.verdicts {
                guard let kind = verdict.mistakeKind else { continue }
                var summary = found[kind] ?? MistakeSummary(kind: kind)
                summary.count += 1
                if summary.sheets.last != sheet.name { summary.sheets.append(sheet.name) }
                found[kind] = summary
            }
        }
        let order = Dictionary(uniqueKeysWithValues: Mistake.allCases.enumerated().map { ($0.element, $0.offset) })
        return found.values.sorted { a, b in a.count != b.count ? a.count > b.count : order[a.kind, default: 0] < order[b.kind, default: 0] }
    }

    // MARK: JSON

    func json(_ verdicts: [Verdict], diagnostics: [Diagnostic]) -> String {
        json([GradedSheet(name: verdicts.first?.file.name ?? "", verdicts: verdicts)], diagnostics: diagnostics)
    }

    /// Every answer (its verdict, formula and mistake), the score, a summary per sheet, per question and
    /// per mistake named, and the errors, as one JSON document.
    func json(_ sheets: [GradedSheet], diagnostics: [Diagnostic]) -> String {
        let verdicts = sheets.flatMap(\.verdicts)
        let answers = verdicts.map { verdict -> JSONValue in
            let (line, column) = verdict.file.location(of: verdict.range.start)
            var fields: [(String, JSONValue)] = [
                ("answer", .string(verdict.answer)), ("column", .int(column)),
                ("earned", .int(verdict.earns ? verdict.points : 0)), ("expected", .string(verdict.expected)),
                ("file", .string(verdict.file.name)), ("formula", .string(verdict.formula)),
                ("key", .string(verdict.key.rawValue)), ("layer", .string(verdict.layer)), ("line", .int(line)),
                ("network", .string(verdict.network)), ("points", .int(verdict.points)),
                ("question", .string(verdict.question)),  // `CONV1 shape`: the same question on every sheet
                ("verdict", .string(verdict.outcome.rawValue)),
            ]
            if let place = verdict.followsFrom {
                let (line, column) = place.file.location(of: place.range.start)
                fields.append(("followsFrom", .object([
                    ("answer", .string(place.answer)), ("column", .int(column)), ("key", .string(place.key.rawValue)),
                    ("layer", .string(place.layer)), ("line", .int(line)),
                ])))
            }
            if let mistake = verdict.mistake { fields.append(("mistake", .string(mistake))) }
            if let kind = verdict.mistakeKind { fields.append(("mistakeKind", .string(kind.rawValue))) }
            if let note = verdict.note { fields.append(("note", .string(note))) }
            if let reading = verdict.reading { fields.append(("reading", .string(reading))) }
            return .object(fields)
        }
        let sheetList = sheets.map { sheet -> JSONValue in
            let score = sheet.score
            return .object([
                ("errors", .int(sheet.errors.count)), ("file", .string(sheet.name)),
                ("followThrough", .int(score.followThrough)), ("maxPoints", .int(score.maxPoints)),
                ("percent", .int(score.percent)), ("points", .int(score.points)), ("right", .int(score.right)),
                ("total", .int(score.total)), ("unanswered", .int(score.unanswered)),
            ])
        }
        let questions = Self.questions(sheets).map { question -> JSONValue in
            .object([
                ("followThrough", .int(question.followThrough)), ("question", .string(question.label)),
                ("right", .int(question.right)), ("unanswered", .int(question.unanswered)),
                ("ungraded", .int(question.ungraded)), ("wrong", .int(question.wrong)),
            ])
        }
        let mistakes = Self.mistakes(sheets).map { mistake -> JSONValue in
            .object([
                ("count", .int(mistake.count)), ("kind", .string(mistake.kind.rawValue)),
                ("sheets", .strings(mistake.sheets)), ("title", .string(mistake.kind.title)),
            ])
        }
        let score = Score(verdicts)
        return JSONValue.object([
            ("answers", .array(answers)), ("errors", .array(diagnostics.map(JSONRenderer.diagnostic))),
            ("followThrough", .int(score.followThrough)), ("followThroughCounted", .bool(score.countsFollowThrough)),
            ("maxPoints", .int(score.maxPoints)), ("mistakes", .array(mistakes)), ("points", .int(score.points)),
            ("questions", .array(questions)),
            ("right", .int(score.right)),  // answers that earn their points (follow-through included when it counts)
            ("sheets", .array(sheetList)), ("total", .int(verdicts.count)),
        ]).document
    }

    // MARK: Gradebook

    /// A CSV gradebook: a row per sheet (its file and its student, `StudentID`), a column per question
    /// (its verdict), then the sheet's answers right, total, points and score; every field through
    /// `csvField` (`visibly` on a terminal).
    func gradebook(_ sheets: [GradedSheet], visibly: Bool = false) -> String {
        let questions = Self.questions(sheets)
        let students = StudentID.ids(sheets.map(\.name))
        var out = (["sheet", "student"] + questions.map(\.label) + ["right", "total", "points", "max points", "percent"])
            .map { csvField($0, visibly: visibly) }.joined(separator: ",") + "\r\n"
        for (sheet, student) in zip(sheets, students) {
            var cells: [String: String] = [:]
            for verdict in sheet.verdicts {
                let id = Self.questionID(verdict)
                guard cells[id] == nil else { continue }
                switch verdict.outcome {
                case .right: cells[id] = "right"
                case .wrong: cells[id] = "wrong"
                case .followThrough: cells[id] = "follow-through"
                case .unanswered: cells[id] = "unanswered"
                case .ungraded: cells[id] = "cannot grade"
                }
            }
            let score = sheet.score
            let row = [sheet.name, student] + questions.map { cells[$0.id] ?? "" }
                + ["\(score.right)", "\(score.total)", "\(score.points)", "\(score.maxPoints)", "\(score.percent)"]
            out += row.map { csvField($0, visibly: visibly) }.joined(separator: ",") + "\r\n"
        }
        return out
    }


    // MARK: Gradescope

    /// Gradescope's autograder `results.json` for one sheet: the score, and a test per answer named
    /// by the key's network and row (`quiz CONV1 shape`, the same for every student), whose output holds
    /// the verdict, the worked formula and the mistake named (with `hideAnswers`, the verdict and the
    /// mistake's name only). Errors reading the sheet go in the top-level output.
    func gradescope(_ sheet: GradedSheet, diagnostics: String, settings: GradescopeSettings) -> String {
        var names: [String: Int] = [:]
        let tests = sheet.verdicts.map { verdict -> JSONValue in
            var name = verdict.networkLabel.isEmpty ? verdict.question : "\(verdict.networkLabel) \(verdict.question)"
            // A question answered twice on one sheet: the second test is `CONV1 shape (2)`.
            names[name, default: 0] += 1
            if let count = names[name], count > 1 { name += " (\(count))" }
            return .object([
                ("max_score", .int(verdict.points)), ("name", .string(name)),
                ("output", .string(gradescopeOutput(verdict, hideAnswers: settings.hideAnswers))),
                ("score", .int(verdict.earns ? verdict.points : 0)), ("status", .string(verdict.earns ? "passed" : "failed")),
            ])
        }
        let score = sheet.score
        var output = score.summary(weighted: weighted(sheet.verdicts))
        if !diagnostics.isEmpty { output += "\n\n" + diagnostics }
        return settings.document([("max_score", .int(score.maxPoints)), ("output", .string(output)),
                                  ("score", .int(score.points)), ("tests", .array(tests))])
    }

    /// What one test says: the verdict and the answer, then the worked formula and the mistake; with
    /// `hideAnswers` nothing that gives the right value (not the formula, which ends in it, nor the
    /// mistake's explanation, which may), but the mistake's name and the teacher's note.
    func gradescopeOutput(_ verdict: Verdict, hideAnswers: Bool) -> String {
        // How the answer was read (the sense of MB, why it could not be read): never the right answer.
        let reading = verdict.reading.map { "\n\($0)" } ?? ""
        switch verdict.outcome {
        case .right:
            return "right: \(verdict.answer)" + reading
        case .followThrough:
            // The formula is in the student's own numbers: it ends in their answer, not the right one.
            let from = verdict.followsFrom.map { ", from your \(describe($0)) on line \($0.line)" } ?? ""
            let label = "follow-through\(verdict.countsFollowThrough ? "" : " (not counted)")"
            return "\(label): \(verdict.answer)\(from)\(hideAnswers ? "" : "; the answer is \(verdict.expected)")\n\(verdict.formula)" + reading
        case .wrong:
            var output = "wrong: \(verdict.answer)"
            if hideAnswers {
                if let kind = verdict.mistakeKind { output += "\nmistake: \(kind.title)" }
            } else {
                output += "; the answer is \(verdict.expected)\n\(verdict.formula)"
                if let mistake = verdict.mistake { output += "\nmistake: \(mistake)" }
            }
            if let note = verdict.note { output += "\nnote: \(note)" }
            return output + reading
        case .unanswered:
            return "unanswered"
        case .ungraded:
            return "cannot grade: \(verdict.formula)" + reading
        }
    }

    /// A results.json that grades nothing and says why (a submission of several sheets, a key that
    /// cannot be read): score 0 of `maxScore`, no tests.
    func gradescopeFailure(_ message: String, maxScore: Int, settings: GradescopeSettings) -> String {
        settings.document([("max_score", .int(maxScore)), ("output", .string(message)), ("score", .int(0)), ("tests", .array([]))])
    }
}

/// What `--format gradescope` adds to results.json besides the grades.
struct GradescopeSettings: Sendable {
    /// When students see the tests (`visibility`); nil leaves it to Gradescope (visible).
    var visibility: GradescopeVisibility?
    /// When students see the top-level output (`stdout_visibility`); nil leaves it to Gradescope.
    var stdoutVisibility: GradescopeVisibility?
    /// Keep the right answers, and the formulas that give them, out of the tests' output.
    var hideAnswers = false
    /// Whole seconds the grading took (`execution_time`); nil leaves it out.
    var executionTime: Int?

    /// The document: the fields given, and the settings' own.
    func document(_ fields: [(String, JSONValue)]) -> String {
        var fields = fields
        if let visibility { fields.append(("visibility", .string(visibility.rawValue))) }
        if let stdoutVisibility { fields.append(("stdout_visibility", .string(stdoutVisibility.rawValue))) }
        if let executionTime { fields.append(("execution_time", .int(executionTime))) }
        return JSONValue.object(fields).document
    }
}

extension String {
    /// The text with every occurrence of `target` replaced.
    func replacingAll(_ target: Character, with replacement: String) -> String {
        var out = ""
        for character in self {
            if character == target { out += replacement } else { out.append(character) }
        }
        return out
    }
}
