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
        let (report, diagnostics) = importModel(path, bytes, format: .prototxt, overrides: SettingsOverride())
        return (report, diagnostics.items)
    }

    /// Published parameter counts: the BVLC model zoo's and the SqueezeNet paper's.
    @Test(.enabled(if: haveShared), arguments: [
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
    @Test(.enabled(if: haveShared), arguments: realFiles)
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
    @Test(.enabled(if: haveShared))
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
        let (report, diagnostics) = importModel("cross.prototxt", Array(text.utf8), format: .prototxt, overrides: SettingsOverride())
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
}
