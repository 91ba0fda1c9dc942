/// Analysis of a parsed spec, statement by statement: block definitions, `@` directives and networks,
/// each network lowered by a `NetworkWalker` (NetworkWalker.swift) to the typed graph every network
/// shares and evaluated as it is lowered (NetworkGraph.swift), after the static checks (StaticChecker.swift).

/// A network of a spec as the analyzer found it: the analyzed network, and what only a spec has.
struct SpecNetwork: Sendable {
    var report: NetworkReport
    var source: SpecSource
}

/// What a spec network's text says beside its numbers: where its chain is written, the answers in it and
/// the rows they answer, the layer that stopped a check-mode walk, and the file's block definitions.
/// Kept apart from the report, which renderers read and which holds the analyzed network alone.
struct SpecSource: Sendable {
    /// Where the network's chain is written.
    var chainRange: SourceRange
    /// Answers written in the spec: where each starts, and the row it answers.
    var answerRows: [Int: Int] = [:]
    /// `total {...}`, when the spec has one.
    var totalAnswer: AnswerSyntax?
    /// In check mode, the layer that did not fit and stopped the network (its rows end before it).
    var unfit: UnfitLayer?
    /// The file's block definitions by name, as written (`--emit pytorch` writes a class for each one used).
    var definitions: [String: BlockDefinition] = [:]
}

/// Analyzes every network of a spec file.
struct Analyzer {
    /// Parses and analyzes a spec file: its networks, and every diagnostic (the parser's first).
    static func analyze(_ file: SourceFile, overrides: SettingsOverride) -> (networks: [SpecNetwork], diagnostics: DiagnosticList) {
        var parser = Parser(file: file)
        let syntax = parser.parse()
        let (networks, found) = Analyzer(spec: syntax, overrides: overrides, syntaxErrors: parser.diagnostics.hasErrors).analyze()
        var list = parser.diagnostics
        list.append(contentsOf: found)
        return (networks, list)
    }

    /// The most layers one network may expand to.
    static let maximumRows = 2_000_000
    /// How deeply block uses may nest.
    static let maximumCallDepth = 64

    let spec: SpecSyntax
    let overrides: SettingsOverride
    /// True when the parser already reported errors (a missing network is then no news).
    var syntaxErrors = false
    /// `netcalc check`: a layer that does not fit but carries an answer is graded, not an error.
    var checkMode = false

    init(spec: SpecSyntax, overrides: SettingsOverride, syntaxErrors: Bool = false, checkMode: Bool = false) {
        self.spec = spec
        self.overrides = overrides
        self.syntaxErrors = syntaxErrors
        self.checkMode = checkMode
    }

    /// The networks that analyzed cleanly, and every diagnostic.
    func analyze() -> (networks: [SpecNetwork], diagnostics: DiagnosticList) {
        let file = spec.file
        var diagnostics = DiagnosticList()
        var blocks: [String: BlockDefinition] = [:]
        for statement in spec.statements {
            guard case .block(let block) = statement else { continue }
            if LayerCatalog.isReserved(block.name) {
                diagnostics.append(Diagnostic(.error, "'\(block.name)' is a layer keyword and cannot name a block",
                                              at: block.nameRange, in: file, hint: "choose another name"))
            } else if let earlier = blocks[block.name] {
                let (line, _) = file.location(of: earlier.nameRange.start)
                diagnostics.append(Diagnostic(.error, "the block '\(block.name)' is defined twice",
                                              at: block.nameRange, in: file,
                                              hint: "the first definition is on line \(line)"))
            } else {
                blocks[block.name] = block
            }
        }
        let checker = StaticChecker(file: file, blocks: blocks)
        diagnostics.append(contentsOf: checker.check(spec.statements))
        let resolved = checker.resolved

        var settings = Settings()
        var batchLine: Int?
        var networks: [SpecNetwork] = []
        var unnamedCount = 0
        var names: Set<String> = []
        let stem = fileStem(file.name)
        for statement in spec.statements {
            switch statement {
            case .directive(let name, let value, let nameRange, let valueRange):
                applyDirective(name, value, nameRange, valueRange, to: &settings, diagnostics: &diagnostics)
                if name.lowercased() == "batch" { batchLine = file.location(of: nameRange.start).line }
            case .network(let name, let nameRange, let chain, let total):
                var networkName = name ?? stem
                if name == nil {
                    unnamedCount += 1
                    if unnamedCount > 1 { networkName = "\(stem)-\(unnamedCount)" }
                }
                if names.contains(networkName), let nameRange {
                    diagnostics.append(Diagnostic(.error, "the network '\(networkName)' is defined twice",
                                                  at: nameRange, in: file))
                }
                names.insert(networkName)
                // A file the parser could not read gives no numbers, so its networks are not walked: a
                // broken line can leave a chain that expands to millions of layers only to be thrown away.
                // (`check` still walks a network with answers, to grade what it can.)
                if syntaxErrors && (!checkMode || (total == nil && !chain.hasAnswers)) { continue }
                let effective = overrides.applied(to: settings)
                let walker = NetworkWalker(file: file, blocks: blocks, settings: effective, quiet: false)
                walker.checkMode = checkMode
                walker.batchOrigin = overrides.batch != nil ? "--batch" : batchLine.map { "@batch on line \($0)" }
                walker.resolvedLayers = resolved
                walker.inputLayout = overrides.inputLayout
                if let rows = walker.run(chain) {
                    if let totals = walker.totals(at: nameRange ?? chain.range) {
                        var report = NetworkReport(name: networkName, file: file.name, settings: effective,
                                                   rows: rows, totals: totals)
                        report.blocks = walker.blockInstances
                        if let reading = walker.inputReading {
                            report.notes.append(reading)
                            report.inputLayout = overrides.inputLayout
                        }
                        report.walkFrameworkMemory()
                        networks.append(SpecNetwork(report: report, source: SpecSource(
                            chainRange: chain.range, answerRows: walker.answerRows, totalAnswer: total, definitions: blocks)))
                    }
                } else if let unfit = walker.unfit {
                    let report = NetworkReport(name: networkName, file: file.name, settings: effective,
                                               rows: walker.partialRows, totals: Totals())
                    networks.append(SpecNetwork(report: report, source: SpecSource(
                        chainRange: chain.range, answerRows: walker.answerRows, totalAnswer: total, unfit: unfit,
                        definitions: blocks)))
                }
                diagnostics.append(contentsOf: walker.diagnostics)
            case .block:
                break
            }
        }
        if syntaxErrors || diagnostics.hasErrors {
            // The errors already say what is wrong.
        } else if spec.statements.isEmpty {
            let lexicallyEmpty = file.bytes.allSatisfy { [0x20, 0x09, 0x0A, 0x0D].contains($0) }
            diagnostics.append(Diagnostic(
                .error, lexicallyEmpty ? "the spec is empty" : "the spec has no network", at: SourceRange(0, 0),
                in: file, hint: "a network starts with INPUT[WxHxD], e.g. INPUT[32x32x3] -> CONV(12,3,p1) -> FC(10)"))
        } else if networks.isEmpty, !spec.statements.contains(where: { if case .network = $0 { true } else { false } }) {
            diagnostics.append(Diagnostic(
                .error, "the spec defines blocks but no network", at: SourceRange(0, 0), in: file,
                hint: "a network is a chain that starts with INPUT[WxHxD]"))
        }
        return (networks, diagnostics)
    }

    private func applyDirective(_ name: String, _ value: String, _ nameRange: SourceRange, _ valueRange: SourceRange,
                                to settings: inout Settings, diagnostics: inout DiagnosticList) {
        let file = spec.file
        func bad(_ allowed: [String]) {
            diagnostics.append(Diagnostic(
                .error, "'\(value)' is not a value for @\(name)", at: valueRange, in: file,
                hint: didYouMean(value, allowed) ?? "@\(name) takes \(allowed.joined(separator: ", "))"))
        }
        switch name.lowercased() {
        case "rounding":
            guard let rounding = Rounding(rawValue: value.lowercased()) else { return bad(Rounding.allCases.map(\.rawValue)) }
            settings.rounding = rounding
        case "batch":
            guard let batch = Int(value), batch >= 1 else { return bad(["a whole number of at least 1"]) }
            settings.batch = batch
        case "dtype":
            guard let type = DataType(rawValue: value.lowercased()) else { return bad(DataType.allCases.map(\.rawValue)) }
            settings.dataType = type
        case "optimizer":
            guard let optimizer = Optimizer(rawValue: value.lowercased()) else {
                return bad(Optimizer.allCases.map(\.rawValue))
            }
            settings.optimizer = optimizer
        case "memory":
            guard let memory = MemoryModel(rawValue: value.lowercased()) else { return bad(MemoryModel.allCases.map(\.rawValue)) }
            settings.memory = memory
        case "amp":
            guard let on = ["on": true, "off": false][value.lowercased()] else { return bad(["on", "off"]) }
            settings.amp = on
        case "followthrough":
            // netcalc check's: whether answers that follow from earlier wrong ones count (Teaching/).
            guard ["on", "off", "yes", "no", "true", "false"].contains(value.lowercased()) else { return bad(["on", "off"]) }
        case "units":
            // netcalc check's: how KB, MB and GB are read first (Teaching/Answers.swift).
            guard ByteConvention.named(value) != nil else { return bad(["1024 (the notes')", "1000 (SI)"]) }
        case "tolerance":
            // netcalc check's: how close an approximate answer must be (Teaching/Answers.swift).
            guard Tolerance.named(value) != nil else { return bad(["written (the precision the student wrote)", "a percentage such as 5%"]) }
        default:
            let known = ["rounding", "batch", "dtype", "optimizer", "memory", "amp", "followthrough", "units", "tolerance"]
            diagnostics.append(Diagnostic(.error, "unknown directive @\(name)", at: nameRange, in: file,
                                          hint: didYouMean(name, known) ?? "directives: @rounding, @batch, @dtype, @optimizer, @memory, @amp, @followthrough, @units, @tolerance"))
        }
    }
}

/// The file name without folders and extension: `specs/alexnet.net` -> `alexnet`.
func fileStem(_ path: String) -> String {
    if path.hasPrefix("<") { return path.trimmingCharacters(in: "<").trimmingCharacters(in: ">") }
    var name = Substring(path)
    if let slash = name.lastIndex(of: "/") { name = name[name.index(after: slash)...] }
    if let dot = name.lastIndex(of: "."), dot != name.startIndex { name = name[..<dot] }
    return name.isEmpty ? "network" : String(name)
}
