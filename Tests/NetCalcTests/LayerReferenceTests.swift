import Testing
@testable import NetCalc

/// `netcalc help layers` and `netcalc help LAYER`, made from the catalog: every keyword has an entry,
/// found by its keyword, an alias or a framework's name, and the overview lists every keyword.
@Suite struct LayerReferenceTests {
    static let keywords = LayerCatalog.definitions.map(\.keyword)

    @Test func overviewListsEveryKeywordAndAliasInOneHundredColumns() {
        let overview = LayerReference.overview()
        let lines = overview.split(separator: "\n").map(String.init)
        for definition in LayerCatalog.definitions {
            let names = ([definition.keyword] + definition.aliases).joined(separator: ", ")
            #expect(lines.contains { $0.hasPrefix("  \(names) ") }, "\(names)")
        }
        for family in LayerCatalog.families { #expect(lines.contains(family.name)) }
        #expect(lines.allSatisfy { displayWidth($0) <= LayerReference.width })
        #expect(overview.contains("CONCAT(a | b)"))
    }

    /// Each entry states the keyword and summary, its usage, every parameter with its default, its flags,
    /// the ranks it takes, each framework (`none` when it has no such layer) and a worked example.
    @Test(arguments: keywords)
    func everyKeywordHasAFullEntry(_ keyword: String) throws {
        let definition = try #require(LayerCatalog.byKeyword[keyword])
        let entry = try #require(LayerReference.entry(named: keyword))
        let lines = entry.split(separator: "\n").map(String.init)
        #expect(lines[0].hasPrefix("\(keyword)"))
        #expect(entry.replacing("\n    ", with: " ").contains(definition.summary))
        #expect(entry.contains("usage:     \(definition.usage.prefix(40))"))
        for spec in definition.schema.parameters { #expect(lines.contains { $0.hasPrefix("  " + spec.names.joined(separator: ", ")) }) }
        for flag in definition.schema.flags { #expect(entry.contains(flag)) }
        let example = try #require(LayerReference.workedExample(definition), "the example of \(keyword) is worked on no input")
        #expect(entry.contains("inputs:    \(example.ranks.text)"))
        #expect(entry.contains("example:   INPUT["))
        #expect(!example.formulas.isEmpty)
        for framework in ["PyTorch", "Keras", "Caffe", "ONNX"] { #expect(lines.contains { $0.hasPrefix(framework + ":") }) }
        #expect(lines.allSatisfy { displayWidth($0) <= LayerReference.width }, "\(keyword)")
    }

    @Test(arguments: [("nn.Conv2d", "CONV"), ("Conv2d", "CONV"), ("conv", "CONV"), ("CONV", "CONV"), ("Conv2D", "CONV"),
                      ("pool", "MAXPOOL"), ("SWISH", "SILU"), ("tf.keras.layers.Dense", "FC"), ("BatchNorm2d", "BN"),
                      ("AdaptiveAvgPool2d", "ADAPTIVEAVGPOOL"), ("InnerProduct", "FC"), ("GlobalAveragePool", "GAP")])
    func entriesAreFoundByAnyName(_ name: String, _ keyword: String) throws {
        let entry = try #require(LayerReference.entry(named: name))
        #expect(entry.hasPrefix(keyword + ":") || entry.hasPrefix(keyword + " (also"))
        #expect(entry == LayerReference.entry(named: keyword))
    }

    @Test(arguments: ["", "CONVV", "nn.Foo", "INPUT", "layers", String(repeating: "a.", count: 100_000)])
    func unknownNamesHaveNoEntry(_ name: String) {
        #expect(LayerReference.entry(named: name) == nil)
    }

    @Test func convolutionsEntryShowsTheFormulas() throws {
        let entry = try #require(LayerReference.entry(named: "nn.Conv2d"))
        #expect(entry.contains("PyTorch:   nn.Conv1d, nn.Conv2d, nn.Conv3d"))
        #expect(entry.contains("s, stride         stride (S); default 1; 3rd by position, or sN"))
        #expect(entry.contains("example:   INPUT[227x227x3] -> CONV(96,11,s4,p0)"))
        #expect(entry.contains("W2 = (227 - 11 + 2*0)/4 + 1 = 55"))
        #expect(entry.contains("params = (11*11*3)*96 + 96 = 34,944"))
        let depthwise = try #require(LayerReference.entry(named: "DWCONV"))
        #expect(depthwise.contains("PyTorch:   none"))
    }
}
