/// The layer reference that `netcalc help layers` and `netcalc help LAYER` print, made from the
/// catalog: every keyword by family with its summary, and for one keyword its arguments with their
/// defaults, the inputs it takes, its framework names and an example worked on a small input.
enum LayerReference {
    /// The width the reference is laid out for.
    static let width = 100
    /// Where the summaries start in the overview.
    private static let summaryColumn = 20

    /// Every keyword by family, with its aliases and its one-line summary.
    static func overview() -> String {
        var lines = ["netcalc's layers, by family. `netcalc help LAYER` shows one: its arguments and defaults,",
                     "the inputs it takes, its PyTorch, Keras, Caffe and ONNX names, and an example."]
        for family in LayerCatalog.families {
            lines.append("")
            lines.append(family.name)
            for definition in family.definitions {
                let names = ([definition.keyword] + definition.aliases).joined(separator: ", ")
                let label = "  " + names
                let pad = max(1, summaryColumn - label.count)
                lines += wrapped(label + String(repeating: " ", count: pad) + definition.summary, width: width,
                                 indent: summaryColumn)
            }
        }
        lines.append("")
        lines.append("Merges and the rest of the language")
        let merges = MergeKind.allCases.map { "\($0.keyword)(a | b)" }.joined(separator: ", ")
        lines += wrapped("  \(merges): branches merged; INPUT[WxHxD] starts a network; ID is a branch that "
                             + "passes its input on; [chain]*N repeats a chain", width: width, indent: 4)
        return lines.joined(separator: "\n") + "\n"
    }

    /// The entry for a keyword, an alias or a framework's name (any case: `conv`, `Conv2d`,
    /// `nn.Conv2d`), or nil when it names no layer.
    static func entry(named name: String) -> String? {
        guard let definition = definition(named: name) else { return nil }
        let schema = definition.schema
        var lines: [String] = []
        func add(_ label: String, _ text: String) {
            let head = label.isEmpty ? String(repeating: " ", count: 11) : label + ":" + String(repeating: " ", count: max(1, 10 - label.count))
            lines += wrapped(head + text, width: width, indent: 11)
        }
        let aliases = definition.aliases.isEmpty ? "" : " (also \(definition.aliases.joined(separator: ", ")))"
        lines += wrapped("\(definition.keyword)\(aliases): \(definition.summary)", width: width, indent: 4)
        lines.append("")
        add("usage", definition.usage)
        if schema.parameters.isEmpty {
            add("arguments", "none")
        } else {
            lines.append("arguments:")
            for spec in schema.parameters {
                lines += wrapped("  " + parameterText(spec, schema: schema), width: width, indent: 6)
            }
        }
        let groups = schema.flagGroups.filter { !$0.isEmpty }
        let flags = groups.map { group in group.count == 1 ? group[0] : "one of " + group.joined(separator: ", ") }
        add("flags", (flags + ["\(inPlaceFlag) (any layer: it writes over its input)"]).joined(separator: "; ")
                + "; each off unless written")
        let example = workedExample(definition)
        if let ranks = example?.ranks { add("inputs", ranks.text) }
        for (framework, names) in definition.frameworks.byFramework {
            add(framework, names.isEmpty ? "none" : names.map(\.name).joined(separator: ", "))
        }
        if let note = definition.frameworks.note { add("note", note) }
        if let example {
            add("example", example.spec)
            if !example.formulas.isEmpty {
                lines.append("worked:")
                for formula in example.formulas { lines += wrapped("  " + formula, width: width, indent: 6) }
            }
        } else {
            add("example", exampleCall(definition))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The definition a reference name stands for: a keyword or alias, else a framework's name.
    static func definition(named name: String) -> LayerDefinition? {
        if let definition = LayerCatalog.definition(for: name) { return definition }
        guard let key = frameworkKey(name), let keyword = FrameworkHints.keywordsByName[key]?.first else { return nil }
        return LayerCatalog.byKeyword[keyword]
    }

    /// `s, stride   stride (S); default 1; 3rd by position, or s2`.
    private static func parameterText(_ spec: ParameterSpec, schema: LayerSchema) -> String {
        var text = spec.names.joined(separator: ", ")
        text += String(repeating: " ", count: max(2, 18 - text.count)) + spec.description
        let position = schema.positionals.firstIndex { $0.name == spec.name }
        if let position, position < schema.required {
            text += "; required"
        } else {
            switch spec.defaultValue {
            case .value(let result)?: text += "; default \(result.text)"
            case .sameAs(let other)?: text += "; default: the same as \(other)"
            case nil: text += "; optional"
            }
        }
        if let position { text += "; \(ordinal(position + 1)) by position" }
        if spec.glued {
            text += "\(position == nil ? "; written" : ", or") \(spec.name)N"
        } else if position == nil {
            text += "; written \(spec.name)=VALUE"
        }
        return text
    }

    private static func ordinal(_ number: Int) -> String {
        switch number {
        case 1: return "1st"
        case 2: return "2nd"
        case 3: return "3rd"
        default: return "\(number)th"
        }
    }

    /// The first example of a definition's usage (`CONV(96,11,s4,p0)`), or its keyword alone.
    static func exampleCall(_ definition: LayerDefinition) -> String {
        let usage = definition.usage
        guard let marker = usage.firstRange(of: "e.g. ") else { return definition.keyword }
        var call = ""
        var depth = 0
        for character in usage[marker.upperBound...] {
            if depth == 0, character == "," || character == ";" || character == " " { break }
            if character == "(" { depth += 1 }
            if character == ")" { depth -= 1 }
            call.append(character)
            if depth == 0, character == ")" { break }
        }
        return call.isEmpty ? definition.keyword : call
    }

    /// An example worked on a small input: the spec, the inputs the kind takes, and its formulas.
    struct WorkedExample {
        var spec: String
        var ranks: SpatialRanks
        var formulas: [String]
    }

    /// Inputs an example is tried on, in turn, until one gives no diagnostic.
    static let exampleInputs = ["INPUT[227x227x3]", "INPUT[56x56x64]", "INPUT[56x56x256]", "INPUT[197x768]",
                                "INPUT[14x14x768]", "INPUT[16x56x56x64]", "INPUT[16000x1]"]

    /// The definition's example call on the first of `exampleInputs` it fits, analyzed.
    static func workedExample(_ definition: LayerDefinition) -> WorkedExample? {
        let call = exampleCall(definition)
        let family = LayerCatalog.families.first { $0.definitions.contains { $0.keyword == definition.keyword } }?.name
        let inputs = family == "Transformers" ? exampleInputs.filter { $0.contains("768") } + exampleInputs : exampleInputs
        for input in inputs {
            let spec = "\(input) -> \(call)"
            let (networks, diagnostics) = Analyzer.analyze(SourceFile(name: "example", text: spec), overrides: SettingsOverride())
            guard diagnostics.items.isEmpty, let network = networks.first?.report, let row = network.rows.last,
                  let operation = row.operation else { continue }
            let explainer = Explainer(network: network)
            let formulas = explainer.lines(for: row).filter { !$0.hasPrefix("bytes =") }
            return WorkedExample(spec: spec, ranks: operation.ranks, formulas: formulas)
        }
        return nil
    }
}
