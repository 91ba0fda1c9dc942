import Foundation
import Testing
@testable import NetCalc

/// Caffe prototxts: the reader on small fixtures of our own, and on real deploy files from public
/// repositories when they are beside the project (../shared/caffe; skipped, visibly, when absent).
@Suite struct CaffeImportTests {
    static let sharedCaffe = packageRoot + "/../shared/caffe"
    static let haveShared = FileManager.default.fileExists(atPath: sharedCaffe)
    static let realFiles = ((try? FileManager.default.contentsOfDirectory(atPath: sharedCaffe)) ?? [])
        .filter { $0.hasSuffix(".prototxt") }.sorted()

    static func analyzeModel(_ path: String) -> (NetworkReport?, [Diagnostic]) {
        let bytes = Array(FileManager.default.contents(atPath: path) ?? Data())
        let (report, diagnostics) = importModel(path, bytes, format: .prototxt, overrides: SettingsOverride()).parts
        return (report, diagnostics.items)
    }

    /// Published parameter counts: the BVLC model zoo's and the SqueezeNet paper's.
    @Test(.enabled(if: haveShared, "needs ../shared/caffe, the real Caffe deploy files beside the repository"), arguments: [
        ("bvlc_alexnet.prototxt", 60_965_224), ("bvlc_alexnet_v1format.prototxt", 60_965_224),
        ("bvlc_reference_caffenet.prototxt", 60_965_224), ("bvlc_googlenet.prototxt", 6_998_552),
        ("bvlc_googlenet_v1format.prototxt", 6_998_552), ("vgg16.prototxt", 138_357_544),
        ("squeezenet_v1.0.prototxt", 1_248_424),
    ])
    func publishedParameterCounts(_ file: String, _ params: Int) throws {
        let (report, diagnostics) = Self.analyzeModel(Self.sharedCaffe + "/" + file)
        #expect(diagnostics.isEmpty, "\(diagnostics.map(\.message))")
        #expect(try #require(report).totals.params == params)
    }

    /// Every real file reads without an error, its batch is the file's, and its emitted spec analyzes
    /// to the same totals.
    @Test(.enabled(if: haveShared, "needs ../shared/caffe, the real Caffe deploy files beside the repository"), arguments: realFiles)
    func everyRealFileRoundTrips(_ file: String) throws {
        let path = Self.sharedCaffe + "/" + file
        let (read, diagnostics) = Self.analyzeModel(path)
        #expect(diagnostics.isEmpty, "\(diagnostics.map(\.message))")
        let report = try #require(read)
        let batch = file.hasPrefix("bvlc") || file.hasPrefix("squeezenet") || file.hasPrefix("finetune") ? 10 : 1
        #expect(report.settings.batch == batch)
        let (spec, problems) = SpecEmitter().render([report])
        #expect(!problems.hasErrors)
        let (networks, specDiagnostics) = analyze(spec)
        #expect(specDiagnostics.isEmpty, "\(specDiagnostics.map(\.message))")
        let again = try #require(networks.first)
        #expect(again.totals.params == report.totals.params)
        #expect(again.totals.nonTrainable == report.totals.nonTrainable)
        #expect(again.totals.macs == report.totals.macs)
        #expect(again.totals.activations == report.totals.activations)
        #expect(again.totals.inferencePeakBytes == report.totals.inferencePeakBytes)
        #expect(again.rows.last?.output == report.rows.last?.output)
    }

    /// Caffe's numbers that differ from the torchvision twins: ResNet-50 strides in its first 1x1
    /// convolution and has a conv1 bias; BatchNorm stores 2C+1 values; in-place layers store nothing.
    @Test(.enabled(if: haveShared, "needs ../shared/caffe, the real Caffe deploy files beside the repository"))
    func resnet50AsCaffeCountsIt() throws {
        let report = try #require(Self.analyzeModel(Self.sharedCaffe + "/resnet50.prototxt").0)
        #expect(report.totals.params == 25_557_032 + 64)
        #expect(report.totals.macs == 3_857_973_248)
        let bn = try #require(report.rows.first { $0.name == "bn_conv1" })
        #expect(bn.nonTrainable == 2 * 64 + 1)
        #expect(bn.activations == 0)
        #expect(report.rows.first { $0.name == "pool1" }?.output == Shape(width: 56, height: 56, depth: 64))
    }

    /// Caffe's pooling keeps a last window that starts past the input when there is no padding;
    /// PyTorch's ceil mode drops it.
    @Test func caffeRoundingDiffersFromCeilOnlyWithoutPadding() throws {
        let caffe = try #require(network("INPUT[4x4x1] -> POOL(1,s2,caffe)"))
        let ceil = try #require(network("INPUT[4x4x1] -> POOL(1,s2,ceil)"))
        #expect(caffe.rows.last?.output.width == 3)
        #expect(ceil.rows.last?.output.width == 2)
        #expect(network("INPUT[5x5x1] -> POOL(2,s2,p1,caffe)")?.rows.last?.output.width == 3)
        #expect(network("INPUT[5x5x1] -> POOL(2,s2,p1,ceil)")?.rows.last?.output.width == 3)
    }

    @Test func inPlaceLayersStoreNothing() throws {
        let net = try #require(network("INPUT[8x8x4] -> CONV(4,3,p1) -> RELU(inplace) -> BN(caffe,inplace)"))
        #expect(net.rows.map(\.activations) == [256, 256, 0, 0])
        #expect(net.rows[3].nonTrainable == 9)
        #expect(net.rows[3].params == 0)
        #expect(errors("INPUT[8x8x4] -> POOL(2,inplace)").first?.contains("works in place") == true)
    }

    @Test func inputFormatIsToldByNameOrContent() {
        #expect(InputFormat.byExtension("a/b.prototxt") == .prototxt)
        #expect(InputFormat.byExtension("model.ONNX") == .onnx)
        #expect(InputFormat.byExtension("x.net") == .spec)
        #expect(InputFormat.byExtension("x.txt") == nil)
        #expect(InputFormat.sniff(Array("name: \"AlexNet\"\nlayer {".utf8)) == .prototxt)
        #expect(InputFormat.sniff(Array("# a comment\ninput: \"data\"".utf8)) == .prototxt)
        #expect(InputFormat.sniff(Array("INPUT[32x32x3] -> CONV(8,3)".utf8)) == .spec)
        #expect(InputFormat.sniff(Array("name = INPUT[32x32x3] -> FC(10)".utf8)) == .spec)
        #expect(InputFormat.sniff([0x08, 0x07, 0x12, 0x07, 0x70, 0x79]) == .onnx)
    }

    /// A graph whose branches cross cannot be written as nested merges: it is written wired by name,
    /// and analyzes to the same numbers.
    @Test func crossingGraphsAreWrittenWithNamedTensors() throws {
        let text = """
            input: "data"
            input_shape { dim: 1 dim: 4 dim: 8 dim: 8 }
            layer { name: "a" type: "ReLU" bottom: "data" top: "a" }
            layer { name: "b" type: "Sigmoid" bottom: "data" top: "b" }
            layer { name: "ab" type: "Eltwise" bottom: "a" bottom: "b" top: "ab" }
            layer { name: "out" type: "Eltwise" bottom: "ab" bottom: "b" top: "out" }
            """
        let (report, diagnostics) = importModel("cross.prototxt", Array(text.utf8), format: .prototxt, overrides: SettingsOverride()).parts
        #expect(diagnostics.items.isEmpty)
        let original = try #require(report)
        let (spec, problems) = SpecEmitter().render([original])
        #expect(!problems.hasErrors)
        #expect(spec.contains("@t"))
        let (networks, specDiagnostics) = analyze(spec)
        #expect(specDiagnostics.isEmpty, "\(specDiagnostics.map(\.message))")
        let again = try #require(networks.first)
        #expect(again.rows.map(\.inputs) == original.rows.map(\.inputs))
        #expect(again.totals.activations == original.totals.activations)
        #expect(again.totals.inferencePeakBytes == original.totals.inferencePeakBytes)
    }
    /// A 1-D network: a (N, C, L) input, N-D convolutions, Pooling and Deconvolution on one axis.
    @Test func sequenceNetwork() throws {
        let (read, diagnostics) = Self.analyzeModel(packageRoot + "/Tests/NetCalcTests/Fixtures/caffe/conv1d.prototxt")
        #expect(diagnostics.isEmpty, "\(diagnostics.map(\.message))")
        let report = try #require(read)
        #expect(report.settings.batch == 2)
        #expect(report.rows[0].output == Shape(spatial: [100], depth: 3))
        #expect(report.rows.map(\.text) == [
            "INPUT[100x3]", "CONV(8,5,s2,p2)", "BN(caffe,inplace)", "SCALE(bias,inplace)", "RELU(inplace)",
            "MAXPOOL(2,caffe)", "CONV(8,3,p1,nobias)", "ADD(conv2 | pool1)", "DECONV(4,2,s2)", "GAP", "FC(10)", "SOFTMAX",
        ])
        #expect(report.rows.first { $0.name == "up" }?.output == Shape(spatial: [50], depth: 4))
        #expect(report.rows.last?.output == Shape(vector: 10, rank: 1))
        // conv1 8*3*5 + 8, scale1 16, conv2 8*8*3, up 8*4*2 + 4, fc 4*10 + 10.
        #expect(report.totals.params == 128 + 16 + 192 + 68 + 50)
        #expect(report.totals.macs == 50 * 8 * 15 + 25 * 8 * 24 + 25 * 8 * 4 * 2 + 40)
    }

    /// A 3-D network: sizes per axis in Caffe's order (D, H, W) become the spec's W x H x T, and a
    /// Pooling with one kernel_size per axis reads as a fork's N-D pooling.
    @Test func volumeNetwork() throws {
        let (read, diagnostics) = Self.analyzeModel(packageRoot + "/Tests/NetCalcTests/Fixtures/caffe/conv3d.prototxt")
        #expect(diagnostics.isEmpty, "\(diagnostics.map(\.message))")
        let report = try #require(read)
        #expect(report.rows[0].output == Shape(spatial: [32, 32, 8], depth: 3))
        #expect(report.rows[1].text == "CONV(16,7x7x3,s2x2x1,p3x3x1,nobias)")
        #expect(report.rows[1].output == Shape(spatial: [16, 16, 8], depth: 16))
        #expect(report.rows.first { $0.name == "pool1" }?.text == "MAXPOOL(2x2x1,caffe)")
        #expect(report.rows.first { $0.name == "b" }?.text == "CONV(8,3x3x1,p1x1x0)")
        #expect(report.rows.first { $0.name == "cat" }?.output == Shape(spatial: [8, 8, 8], depth: 16))
        #expect(report.rows.last?.output == Shape(vector: 5, rank: 3))
        #expect(report.totals.params == 11_797)
        #expect(report.totals.macs == 16_810_064)
    }

    /// BVLC Caffe pools 4-D blobs only: a Pooling of one kernel_size on a 5-D input is refused, and so
    /// are an input of six dims and more kernel sizes than axes.
    @Test func ranksCaffeCannotPool() {
        func firstError(_ text: String) -> String? {
            let (report, diagnostics) = importModel("n.prototxt", Array(text.utf8), format: .prototxt, overrides: SettingsOverride()).parts
            #expect(report == nil)
            return diagnostics.items.first?.message
        }
        let volume = "input: \"data\"\ninput_shape { dim: 1 dim: 3 dim: 8 dim: 16 dim: 16 }\n"
        #expect(firstError(volume + "layer { name: \"p\" type: \"Pooling\" bottom: \"data\" top: \"p\" pooling_param { kernel_size: 2 stride: 2 } }")
            == "layer 'p' (Pooling): BVLC Caffe's Pooling works on 4-D blobs (N, C, H, W), and this network's input is 5-D")
        #expect(firstError("input: \"data\"\ninput_shape { dim: 1 dim: 3 dim: 2 dim: 8 dim: 16 dim: 16 }\n"
            + "layer { name: \"r\" type: \"ReLU\" bottom: \"data\" top: \"r\" }")?
            .hasPrefix("the input needs two to five positive sizes") == true)
        #expect(firstError(volume + "layer { name: \"c\" type: \"Convolution\" bottom: \"data\" top: \"c\" convolution_param { num_output: 4 kernel_size: 1 kernel_size: 1 kernel_size: 1 kernel_size: 1 } }")
            == "layer 'c' (Convolution): it gives kernel_size 4 times, for 3 spatial axes")
    }
}
