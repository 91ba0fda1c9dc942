// Built against the public API alone (no @testable): what a Swift tool sees of `import NetCalc`.
import NetCalc
import Testing

@Suite struct PublicAPITests {
    @Test func analyzesASpec() throws {
        let analysis = analyze(.spec("INPUT[32x32x3] -> CONV(12,3,p1) -> RELU -> POOL(2) -> FC(10)", name: "cifar.net"))
        #expect(!analysis.hasErrors)
        let network = try #require(analysis.networks.first)
        #expect(network.name == "cifar")
        #expect(network.input == analysis.networks[0].layers[0].output)
        #expect(network.layers.map(\.name) == ["INPUT", "CONV1", "RELU1", "POOL1", "FC1"])
        #expect(network.layers.map(\.output.description) == ["32x32x3", "32x32x12", "32x32x12", "16x16x12", "1x1x10"])
        #expect(network.layers[1].params == 336 && network.layers[1].macs == 331_776)
        #expect(network.layers[1].receptiveField == [3, 3])
        #expect(network.totals.params == 31_066)
        #expect(network.totals.batch == 1 && network.totals.bytesPerValue == 4)
    }

    @Test func sequencesAndVolumes() throws {
        let audio = try #require(analyze(.spec("INPUT[16000x1] -> CONV(32,80,s16)")).networks.first)
        #expect(audio.input.rank == 1 && audio.layers[1].output.spatial == [996] && audio.layers[1].output.channels == 32)
        let video = try #require(analyze(.spec("INPUT[112x112x16x3] -> CONV(64,3x3x1,p=1x1x0)")).networks.first)
        #expect(video.layers[1].output.description == "112x112x16x64")
        #expect(video.layers[1].receptiveField == [3, 3, 1])
    }

    @Test func settingsOverrideTheSpec() throws {
        let analysis = analyze(.spec("@batch 4\nINPUT[8x8x3] -> CONV(4,3,p1)"), settings: AnalysisSettings(batch: 32, dataType: "fp16"))
        let totals = try #require(analysis.networks.first?.totals)
        #expect(totals.batch == 32 && totals.bytesPerValue == 2)
        #expect(analyze(.spec("INPUT[8x8x3]"), settings: AnalysisSettings(dataType: "fp12")).problems.map(\.message)
                == ["'fp12' is not a data type (fp32, fp16, bf16, fp64, int8)"])
    }

    @Test func problemsSayWhere() throws {
        let analysis = analyze(.spec("INPUT[224x224x3]\n  -> CONV(96,11,s4)", name: "alexnet.net"))
        #expect(analysis.hasErrors && analysis.networks.isEmpty)
        let problem = try #require(analysis.problems.first)
        #expect(problem.severity == .error && problem.line == 2 && problem.column == 6)
        #expect(problem.description.hasPrefix("alexnet.net:2:6: error: CONV1 does not fit its 224x224x3 input"))
        #expect(analysis.render(.table).contains("^~~~~~~~~~~~~~"))
    }

    @Test func rendersAsTheCommandLine() {
        let analysis = analyze(.spec("INPUT[32x32x3] -> CONV(12,3,p1)"))
        #expect(analysis.render(.json).contains("\"output\" : [32, 32, 12]"))
        #expect(analysis.render(.csv).hasPrefix("network,"))
        #expect(analysis.render(.table).contains("CONV1"))
        #expect(analysis.render(.markdown).contains("| CONV1"))
    }

    @Test func readsAModelFile() throws {
        let prototxt = """
            name: "tiny"
            input: "data"
            input_dim: 1
            input_dim: 3
            input_dim: 32
            input_dim: 32
            layer { name: "conv1" type: "Convolution" bottom: "data" top: "conv1"
                    convolution_param { num_output: 8 kernel_size: 3 pad: 1 } }
            """
        let analysis = analyze(ModelSource(name: "tiny.prototxt", bytes: Array(prototxt.utf8), format: .prototxt))
        let network = try #require(analysis.networks.first, "\(analysis.problems)")
        #expect(network.layers.last?.name == "conv1")
        #expect(network.layers.last?.output.description == "32x32x8")
        #expect(network.totals.params == 224)
    }
}
