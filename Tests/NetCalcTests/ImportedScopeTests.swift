import Testing
@testable import NetCalc

/// A model file's layer names as scopes: `--depth` and `--summary` fold an imported model by its
/// modules, and long names are shortened to fit the terminal.
@Suite struct ImportedScopeTests {
    @Test func namesMakeNestedScopesOnce() {
        let (blocks, nameBlocks) = ImportedScopes.blocks(of: [
            "/conv1/Conv", "/layer1/layer1.0/conv1/Conv", "/layer1/layer1.0/Add", "/layer1/layer1.1/conv1/Conv",
            "/Flatten", "inception_3a/1x1", "Conv_0",
        ])
        // `/layer1/layer1.0/conv1/Conv` is the Conv node of module conv1 in layer1.0 in layer1.
        #expect(blocks.map(\.name) == ["", "conv1", "layer1", "layer1.0", "conv1", "layer1.1", "conv1", "inception_3a"])
        #expect(blocks.map(\.depth) == [0, 1, 1, 2, 3, 2, 3, 1])
        #expect(blocks.map(\.parent) == [-1, 0, 0, 2, 3, 2, 5, 0])
        #expect(nameBlocks == [1, 4, 3, 6, 0, 7, 0])
        #expect(blocks[2].text == "3 layers" && blocks[1].text == "1 layer")
        #expect(blocks[3].pathComponent == "layer1.0")
    }

    @Test func depthOneShowsAnExportedResNetsStages() throws {
        let outcome = runNetCalc(["Tests/NetCalcTests/Fixtures/onnx/resnet50.onnx", "--depth", "1", "--columns", "layer,output,params,spec"])
        #expect(outcome.status == 0)
        let names = outcome.standardOutput.split(separator: "\n").dropFirst(2).prefix(11)
            .map { $0.split(separator: " ").first ?? "" }
        #expect(names == ["input", "conv1", "relu", "maxpool", "layer1", "layer2", "layer3", "layer4", "avgpool", "/Flatten", "fc"])
        #expect(outcome.standardOutput.contains("layer3    14x14x1024   7,088,128  43 layers"))
        // A scope of one layer shows that layer.
        #expect(outcome.standardOutput.contains("conv1     112x112x64       9,472  CONV(64,7,s2,p3)"))
    }

    /// PyTorch's dynamo exporter names nodes `node_Conv_53` and records the modules in their metadata;
    /// its optimizer's fold of batch norm into a convolution is recorded there too.
    @Test func aDynamoExportIsGroupedByTheModulesItRecords() throws {
        let outcome = runNetCalc(["Tests/NetCalcTests/Fixtures/onnx/dynamo_scopes.onnx", "--depth", "1", "--columns", "layer,params,spec"])
        #expect(outcome.status == 0)
        let names = outcome.standardOutput.split(separator: "\n").dropFirst(2).prefix(6).map { $0.split(separator: " ").first ?? "" }
        #expect(names == ["x", "stem", "body", "pool", "node_view", "fc"])
        #expect(outcome.standardOutput.contains("body        1,752  4 layers"))
        #expect(outcome.standardOutput.contains("note: batch norm is folded into the convolutions"))
    }

    @Test(arguments: [
        ("['', 'layer1', 'layer1.0', 'relu']", ["", "layer1", "layer1.0", "relu"]),
        (#"['a\'b', "c,d"]"#, ["a'b", "c,d"]),
        ("not a list", []),
        ("['open", []),
    ])
    func pythonListsOfStringsAreRead(_ text: String, _ strings: [String]) {
        #expect(pythonStrings(text) == strings)
    }

    @Test func theSummaryAddsUpScopesAndKeepsTheNotes() throws {
        let text = runNetCalc(["Tests/NetCalcTests/Fixtures/onnx/resnet50.onnx", "--summary"]).standardOutput
        #expect(text.contains("blocks (9 uses; repeated uses added up)"))
        #expect(text.contains("note: batch norm is folded into the convolutions"))
        #expect(runNetCalc(["Tests/NetCalcTests/Fixtures/onnx/resnet50.onnx", "--format", "markdown"]).standardOutput
            .contains("Note: batch norm is folded into the convolutions"))
    }

    @Test func jsonPathsAreTheNamesTheFileGives() throws {
        let text = runNetCalc(["Tests/NetCalcTests/Fixtures/onnx/resnet50.onnx", "--format", "json"]).standardOutput
        #expect(text.contains("\"path\" : \"/layer1/layer1.0/conv1/Conv\""))
    }

    @Test(arguments: [
        ("/layer1/layer1.0/conv1/Conv", 27, "/layer1/layer1.0/conv1/Conv"),
        ("/layer1/layer1.0/conv1/Conv", 24, "…/layer1.0/conv1/Conv"),
        ("/layer1/layer1.0/downsample/downsample.0/Conv", 24, "…/downsample.0/Conv"),
        ("/layer1/layer1.0/conv1/Conv", 22, "…/layer1.0/conv1/Conv"),
        ("averyveryverylongnamewithoutanyscopes", 20, "averyve…outanyscopes"),
    ])
    func longNamesAreShortenedFromTheirOuterScopes(_ name: String, _ room: Int, _ shown: String) {
        let result = TableRenderer.shortened(name, to: room)
        #expect(result == shown)
        #expect(result.count <= room)
    }

    @Test func anImportedTableFitsEightyColumns() throws {
        var invocation = Invocation(arguments: ["Tests/NetCalcTests/Fixtures/onnx/resnet50.onnx"])
        invocation.currentDirectory = packageRoot
        invocation.environment["COLUMNS"] = "80"
        let lines = run(invocation).standardOutput.split(separator: "\n")
        #expect(lines.allSatisfy { $0.count <= 80 }, "\(lines.filter { $0.count > 80 }.first ?? "")")
        #expect(lines.contains { $0.contains("…/layer1.0/conv1/Conv") })
    }
}
