/// Renders `netcalc check` verdicts: one line per answer, the worked formula and the mistake under a
/// wrong one, and a summary; or the same as JSON for auto-graders.
struct CheckRenderer {
    var color = false

    func text(_ verdicts: [Verdict]) -> String {
        let green = color ? "\u{1B}[1;32m" : ""
        let red = color ? "\u{1B}[1;31m" : ""
        let bold = color ? "\u{1B}[1m" : ""
        let reset = color ? "\u{1B}[0m" : ""
        var out = ""
        for verdict in verdicts {
            let (line, column) = verdict.file.location(of: verdict.range.start)
            // Answers and notes are the sheet's raw text: shown `visible`, never as terminal controls.
            let place = "\(bold)\(visible(verdict.file.name)):\(line):\(column):\(reset)"
            let what = visible("\(verdict.layer) \(verdict.key.rawValue)")
            switch verdict.outcome {
            case .right:
                out += "\(place) \(green)right:\(reset) \(what) \(visible(verdict.answer))\n"
            case .wrong:
                out += "\(place) \(red)wrong:\(reset) \(what) \(visible(verdict.answer)); the answer is \(visible(verdict.expected))\n"
                out += "  \(visible(verdict.formula))\n"
                if let mistake = verdict.mistake { out += "  mistake: \(visible(mistake))\n" }
                if let note = verdict.note { out += "  note: \(visible(note))\n" }
            case .unanswered:
                out += "\(place) \(red)unanswered:\(reset) \(what)\n"
            case .ungraded:
                out += "\(place) \(red)cannot grade:\(reset) \(what): \(visible(verdict.formula))\n"
            }
        }
        guard !verdicts.isEmpty else { return "" }
        let right = verdicts.filter { $0.outcome == .right }.count
        let unanswered = verdicts.filter { $0.outcome == .unanswered }.count
        out += "\(bold)\(right) of \(verdicts.count) answer\(verdicts.count == 1 ? "" : "s") right\(unanswered > 0 ? " (\(unanswered) unanswered)" : "")\(reset)\n"
        return out
    }

    private struct Document: Encodable {
        var answers: [Answer]
        var right: Int
        var total: Int
        var errors: [JSONRenderer.DiagnosticJSON]
    }

    private struct Answer: Encodable {
        var file: String
        var line: Int
        var column: Int
        var network: String
        var layer: String
        var key: String
        var answer: String
        var expected: String
        var verdict: String
        var formula: String
        var mistake: String?
        var note: String?
    }

    func json(_ verdicts: [Verdict], diagnostics: [Diagnostic]) -> String {
        let answers = verdicts.map { verdict in
            let (line, column) = verdict.file.location(of: verdict.range.start)
            return Answer(file: verdict.file.name, line: line, column: column, network: verdict.network,
                          layer: verdict.layer, key: verdict.key.rawValue, answer: verdict.answer,
                          expected: verdict.expected, verdict: verdict.outcome.rawValue, formula: verdict.formula,
                          mistake: verdict.mistake, note: verdict.note)
        }
        return JSONRenderer.encode(Document(answers: answers, right: verdicts.filter { $0.outcome == .right }.count,
                                            total: verdicts.count, errors: diagnostics.map(JSONRenderer.diagnostic)))
    }
}
