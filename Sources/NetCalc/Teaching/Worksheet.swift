/// A quiz as a worksheet a teacher hands out: a table per network, a row per layer as written, a column
/// per value asked, a line to write on in each asked cell; with `--key`, the answers in those cells.
/// In Markdown, or as one self-contained HTML page that prints on paper.

/// A quiz laid out as tables.
struct Worksheet {
    let quiz: QuizSheet
    let settings: QuizSettings

    /// One network's table.
    struct Table {
        var name: String
        var input: Shape
        /// The keys asked anywhere in the network, in the catalog's order.
        var columns: [AnswerKey]
        var rows: [Row]
        /// The totals asked, with their cells.
        var totals: [AnswerKey: Cell]
    }

    /// One row: a layer as written, indented inside branches, and its cells by key.
    struct Row {
        var name: String
        var layer: String
        /// `├ ` for the first layer of a merge's branch, `│ ` for the next ones (once per merge it is in).
        var branch: String
        var cells: [AnswerKey: Cell]
    }

    /// An asked cell: blank (a line to write on), or the answer.
    enum Cell: Equatable {
        case blank
        case answer(String)
    }

    /// The tables, read from the quiz's spec with netcalc's own grading for the answers.
    func tables() -> [Table] {
        let file = SourceFile(name: "<quiz>", text: quiz.text)
        var parser = Parser(file: file)
        let syntax = parser.parse()
        let (networks, _) = Analyzer(spec: syntax, overrides: SettingsOverride(), checkMode: true).analyze()
        let (answered, _) = Checker(file: file, syntax: syntax).read(networks)
        return answered.map { network in
            let grading = network.grading
            var cells: [Int: [AnswerKey: Cell]] = [:]
            var totals: [AnswerKey: Cell] = [:]
            var asked = Set<AnswerKey>()
            for question in network.questions {
                let cell = settings.key ? Cell.answer(QuizMaker.answer(question, in: grading)) : .blank
                switch question.target {
                case .row(let index):
                    cells[index, default: [:]][question.item.key] = cell
                    asked.insert(question.item.key)
                case .total: totals[question.item.key] = cell
                case .nowhere: break
                }
            }
            let rows = grading.rows.map { row in
                Row(name: row.role == .input ? "INPUT" : row.name, layer: row.role == .input ? "INPUT[\(row.output.fullText)]" : row.text,
                    branch: Self.branchMarks(row), cells: cells[row.index] ?? [:])
            }
            return Table(name: grading.report.name, input: grading.report.input,
                         columns: AnswerKey.allCases.filter { asked.contains($0) }, rows: rows, totals: totals)
        }
    }

    /// The marks that show a row's place in the branches of merges, as netcalc's table draws them.
    static func branchMarks(_ row: LayerRow) -> String {
        guard row.depth > 0 else { return "" }
        return String(repeating: "│ ", count: row.depth - 1) + (row.startsBranch ? "├ " : "│ ")
    }

    /// A column's heading.
    static func heading(_ key: AnswerKey) -> String {
        switch key {
        case .shape: return "output volume"
        case .params: return "params"
        case .weights: return "weights"
        case .memory: return "memory (values)"
        case .bytes: return "bytes"
        case .fwdBwd: return "fwd+bwd bytes"
        case .macs: return "MACs"
        case .rf: return "receptive field"
        case .note, .points: return key.rawValue
        }
    }

    /// What the sheet is; the key alone names its seed.
    private var subtitle: String {
        "netcalc quiz, level \(settings.level), \(quiz.template.rawValue)\(settings.key ? " (answer key, seed \(settings.seed))" : "")"
    }

    /// The key's last line: the commands that print the students' sheet as a spec and this key. A
    /// student's sheet has none (with --key, it would print the answers).
    private var commands: (sheet: String, key: String)? {
        guard settings.key else { return nil }
        var spec = settings
        spec.format = .spec
        return (QuizMaker(settings: spec).command(key: false), QuizMaker(settings: spec).command(key: true))
    }

    // MARK: Markdown

    /// The worksheet in Markdown: blanks are lines of underscores.
    func markdown() -> String {
        var out = "# \(Self.escapeMarkdown(capitalized(quiz.title)))\n\n"
        out += "_\(Self.escapeMarkdown(subtitle))_\n\n"
        if !settings.key { out += "Name: \\_\\_\\_\\_\\_\\_\\_\\_\\_\\_\\_\\_\\_\\_\\_\\_\\_\\_\\_\\_\n\n" }
        for line in quiz.instructions { out += "- \(Self.escapeMarkdown(line))\n" }
        for table in tables() {
            out += "\n## \(Self.escapeMarkdown(table.name)) (input \(table.input.fullText))\n\n"
            out += "| # | layer | " + table.columns.map { Self.escapeMarkdown(Self.heading($0)) }.joined(separator: " | ") + " |\n"
            out += "|---:|---|" + String(repeating: "---|", count: table.columns.count) + "\n"
            for (number, row) in table.rows.enumerated() {
                let cells = table.columns.map { row.cells[$0].map(markdownCell) ?? "" }
                out += "| \(number) | \(row.branch)`\(row.layer.replacingAll("|", with: "\\|").replacingAll("`", with: "'"))` | "
                    + cells.joined(separator: " | ") + " |\n"
            }
            if !table.totals.isEmpty {
                out += "\nTotals: " + AnswerKey.allCases.compactMap { key in
                    table.totals[key].map { "\(Self.escapeMarkdown(Self.heading(key))) \(markdownCell($0))" }
                }.joined(separator: "; ") + "\n"
            }
        }
        if let commands {
            out += "\nThe students' sheet as a spec, to fill in and grade with `netcalc check --key`: `\(commands.sheet)`; its key: `\(commands.key)`\n"
        }
        return out
    }

    private func markdownCell(_ cell: Cell) -> String {
        switch cell {
        case .blank: return "\\_\\_\\_\\_\\_\\_\\_\\_\\_\\_"
        case .answer(let value): return "**\(Self.escapeMarkdown(value))**"
        }
    }

    /// Text safe in Markdown: its punctuation escaped.
    static func escapeMarkdown(_ text: String) -> String {
        var out = ""
        for character in text {
            if "\\|*_`<>[]#".contains(character) { out.append("\\") }
            out.append(character)
        }
        return out
    }

    private func capitalized(_ text: String) -> String {
        guard let first = text.first else { return text }
        return first.uppercased() + text.dropFirst()
    }

    // MARK: HTML

    /// The worksheet as one self-contained HTML page (no scripts, no external files) that prints on
    /// paper: blanks are lines to write on.
    func html() -> String {
        var out = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8"/>
            <title>\(Self.escapeHTML(capitalized(quiz.title)))</title>
            <style>
            body { font-family: system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 2em; color: #111; }
            h1 { font-size: 1.4em; margin-bottom: 0.2em; }
            .subtitle { color: #555; margin-top: 0; }
            table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
            th, td { padding: 0.45em 0.8em; text-align: left; vertical-align: bottom; }
            th { border-bottom: 2px solid #333; font-weight: 600; }
            td.number { color: #777; text-align: right; }
            td.layer { font-family: ui-monospace, Menlo, Consolas, monospace; white-space: pre; }
            td.blank span { display: inline-block; width: 6.5em; height: 1.4em; border-bottom: 1px solid #333; }
            td.answer { font-weight: 600; color: #0a5; }
            .name { margin: 1em 0; }
            .name span { display: inline-block; min-width: 16em; border-bottom: 1px solid #333; }
            @media print { body { margin: 1cm; } td.answer { color: #000; } }
            </style>
            </head>
            <body>
            <h1>\(Self.escapeHTML(capitalized(quiz.title)))</h1>
            <p class="subtitle">\(Self.escapeHTML(subtitle))</p>

            """
        if !settings.key { out += "<p class=\"name\">Name: <span></span></p>\n" }
        out += "<ul>\n" + quiz.instructions.map { "<li>\(Self.escapeHTML($0))</li>\n" }.joined() + "</ul>\n"
        for table in tables() {
            out += "<h2>\(Self.escapeHTML(table.name)) <small>(input \(table.input.fullText))</small></h2>\n<table>\n<tr><th>#</th><th>layer</th>"
            out += table.columns.map { "<th>\(Self.escapeHTML(Self.heading($0)))</th>" }.joined() + "</tr>\n"
            for (number, row) in table.rows.enumerated() {
                out += "<tr><td class=\"number\">\(number)</td><td class=\"layer\">\(Self.escapeHTML(row.branch + row.layer))</td>"
                out += table.columns.map { row.cells[$0].map(htmlCell) ?? "<td></td>" }.joined() + "</tr>\n"
            }
            out += "</table>\n"
            if !table.totals.isEmpty {
                out += "<table>\n<tr><th>total</th>" + AnswerKey.allCases.filter { table.totals[$0] != nil }
                    .map { "<th>\(Self.escapeHTML(Self.heading($0)))</th>" }.joined() + "</tr>\n<tr><td></td>"
                out += AnswerKey.allCases.compactMap { table.totals[$0].map(htmlCell) }.joined() + "</tr>\n</table>\n"
            }
        }
        if let commands {
            out += "<p class=\"subtitle\">The students' sheet as a spec, to fill in and grade with netcalc check --key: <code>\(commands.sheet)</code>; its key: <code>\(commands.key)</code></p>\n"
        }
        out += "</body>\n</html>\n"
        return out
    }

    private func htmlCell(_ cell: Cell) -> String {
        switch cell {
        case .blank: return "<td class=\"blank\"><span></span></td>"
        case .answer(let value): return "<td class=\"answer\">\(Self.escapeHTML(value))</td>"
        }
    }

    /// Text safe in HTML (and XML): `& < > " '` as entities.
    static func escapeHTML(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }
}
