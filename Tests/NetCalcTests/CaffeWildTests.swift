import Foundation
import Testing
@testable import NetCalc

/// Caffe as it is used: BVLC Caffe's layer types beyond the classic ones, the forks famous models were
/// published with, detection heads sized where the file sizes them, and partial analyses where it does
/// not. Small fixtures of our own; the real files of ../shared/caffe-wild when they are beside the project.
@Suite struct CaffeWildTests {
    static let sharedWild = packageRoot + "/../shared/caffe-wild"
    static let haveWild = FileManager.default.fileExists(atPath: sharedWild)
    static let fixture = "Tests/NetCalcTests/Fixtures/caffe/wild_layers.prototxt"

    static func read(_ text: String, inputShape: [Int]? = nil) -> (NetworkReport?, [Diagnostic]) {
        var overrides = SettingsOverride()
        overrides.inputShape = inputShape
        let (report, diagnostics) = importModel("n.prototxt", Array(text.utf8), format: .prototxt, overrides: overrides).parts
        return (report, diagnostics.items)
    }

    /// Every new layer type's row in the fixture, worked out by hand from Caffe's shape rules: output
    /// (netcalc's WxHxC of the blob without its batch), params and MACs.
    @Test(arguments: [
        ("bn", Shape(width: 8, height: 8, depth: 6), 12, 0),  // caffe-segnet's BN: a scale and a shift per channel
        ("pool:pool_mask", Shape(width: 4, height: 4, depth: 6), 0, 0),
        ("unpool", Shape(width: 8, height: 8, depth: 6), 0, 0),  // scale 2
        ("dw", Shape(width: 8, height: 8, depth: 6), 54, 3_456),  // 6 x 3 x 3, groups = channels
        ("shuffle", Shape(width: 8, height: 8, depth: 6), 0, 0),
        ("halves:left", Shape(width: 8, height: 8, depth: 2), 0, 0),  // slice_point 2 of 6 channels
        ("halves:right", Shape(width: 8, height: 8, depth: 4), 0, 0),
        ("rows:lower", Shape(width: 8, height: 4, depth: 4), 0, 0),  // two equal halves of the height
        ("crop", Shape(width: 8, height: 4, depth: 2), 0, 0),  // to upper's 4 x 8 from offsets 3, 0
        ("max", Shape(width: 8, height: 4, depth: 4), 0, 0),
        ("sum", Shape(width: 8, height: 4, depth: 4), 0, 0),
        ("axpy", Shape(width: 8, height: 4, depth: 4), 0, 0),
        ("power", Shape(width: 8, height: 4, depth: 4), 0, 0),
        ("threshold", Shape(width: 8, height: 4, depth: 4), 0, 0),
        ("zoom", Shape(width: 22, height: 10, depth: 4), 0, 0),  // 8 + 7 x 2, 4 + 3 x 2
        ("tile", Shape(width: 22, height: 10, depth: 8), 0, 0),
        ("perm", Shape(width: 8, height: 22, depth: 10), 0, 0),  // (1, 10, 22, 8)
        ("flat", Shape(spatial: [8], depth: 220), 0, 0),  // (1, 220, 8)
        ("priors", Shape(spatial: [512], depth: 2), 0, 0),  // 4 x 8 places x 4 priors x 4
        ("shape", Shape(spatial: [4], depth: 440), 0, 0),  // (1, -1, 4) of 1,760
        ("soft", Shape(spatial: [4], depth: 440), 0, 0),
        ("cat", Shape(spatial: [8], depth: 440), 0, 0),
        ("fc", Shape(spatial: [5], depth: 440), 45, 17_600),  // K = 8 on axis 2: 440 x 8 x 5
        ("top", Shape(spatial: [2], depth: 440), 0, 0),
        ("sum_all", Shape(width: 1, height: 1, depth: 440), 0, 0),
        ("ids", Shape(spatial: [3], depth: 440), 33, 0),  // 10 x 3 + 3
    ])
    func wildLayerRows(_ name: String, _ output: Shape, _ params: Int, _ macs: Int) throws {
        let (read, diagnostics) = CaffeImportTests.analyzeModel(packageRoot + "/" + Self.fixture)
        #expect(diagnostics.isEmpty, "\(diagnostics.map(\.message))")
        let row = try #require(read?.rows.first { $0.name == name })
        #expect(row.output == output)
        #expect(row.params == params)
        #expect(row.macs == macs)
    }

    static let header = "input: \"data\"\ninput_shape { dim: 1 dim: 4 dim: 8 dim: 8 }\n"

    /// The forks' BN: caffe-segnet's (ENet, SegNet) learns a scale and a shift; PSPNet's also keeps
    /// running statistics, which its bn_param's fields say.
    @Test func bnForks() throws {
        let segnet = try #require(Self.read(Self.header + "layer { name: \"bn\" type: \"BN\" bottom: \"data\" top: \"bn\" bn_param { bn_mode: INFERENCE } }").0)
        #expect(segnet.rows[1].params == 8)
        #expect(segnet.rows[1].nonTrainable == 0)
        let pspnet = try #require(Self.read(Self.header + "layer { name: \"bn\" type: \"BN\" bottom: \"data\" top: \"bn\" bn_param { var_eps: 1e-5 moving_average: true } }").0)
        #expect(pspnet.rows[1].params == 8)
        #expect(pspnet.rows[1].nonTrainable == 8)
    }

    /// PSPNet's Interp: shrink then zoom, the pads, a size, or the size of a second bottom.
    @Test(arguments: [
        ("zoom_factor: 2", Shape(width: 15, height: 15, depth: 4)),
        ("shrink_factor: 2", Shape(width: 4, height: 4, depth: 4)),
        ("shrink_factor: 2 zoom_factor: 3", Shape(width: 10, height: 10, depth: 4)),
        ("height: 5 width: 7", Shape(width: 7, height: 5, depth: 4)),
        ("zoom_factor: 2 pad_beg: -1 pad_end: -1", Shape(width: 11, height: 11, depth: 4)),
    ])
    func interp(_ parameters: String, _ output: Shape) throws {
        let text = Self.header + "layer { name: \"i\" type: \"Interp\" bottom: \"data\" top: \"i\" interp_param { \(parameters) } }"
        let (read, diagnostics) = Self.read(text)
        #expect(diagnostics.isEmpty, "\(diagnostics.map(\.message))")
        #expect(try #require(read).rows.last?.output == output)
    }

    /// SegNet's Upsample: a size (upsample_h, upsample_w), or a scale less pad_out.
    @Test(arguments: [
        ("upsample_h: 7 upsample_w: 8", Shape(width: 8, height: 7, depth: 4)),
        ("scale: 3", Shape(width: 12, height: 12, depth: 4)),
        ("scale: 2 pad_out_h: true", Shape(width: 8, height: 7, depth: 4)),
    ])
    func upsample(_ parameters: String, _ output: Shape) throws {
        let text = Self.header + "layer { name: \"p\" type: \"Pooling\" bottom: \"data\" top: \"p\" top: \"m\" pooling_param { pool: MAX kernel_size: 2 stride: 2 } }\n"
            + "layer { name: \"u\" type: \"Upsample\" bottom: \"p\" bottom: \"m\" top: \"u\" upsample_param { \(parameters) } }"
        let (read, diagnostics) = Self.read(text)
        #expect(diagnostics.isEmpty, "\(diagnostics.map(\.message))")
        #expect(try #require(read).rows.last?.output == output)
    }

    /// SSD's PriorBox: aspect ratios counted once, flipped by default, max sizes added.
    @Test(arguments: [
        ("min_size: 2", 1), ("min_size: 2 max_size: 4", 2), ("min_size: 2 aspect_ratio: 2", 3),
        ("min_size: 2 aspect_ratio: 2 flip: false", 2), ("min_size: 2 max_size: 4 aspect_ratio: 2 aspect_ratio: 3", 6),
        ("min_size: 2 min_size: 3 aspect_ratio: 2 aspect_ratio: 2.0000001", 6),
    ])
    func priorBoxes(_ parameters: String, _ priors: Int) throws {
        let text = Self.header + "layer { name: \"p\" type: \"PriorBox\" bottom: \"data\" bottom: \"data\" top: \"p\" prior_box_param { \(parameters) } }"
        let (read, diagnostics) = Self.read(text)
        #expect(diagnostics.isEmpty, "\(diagnostics.map(\.message))")
        #expect(try #require(read).rows.last?.output == Shape(spatial: [8 * 8 * priors * 4], depth: 2))
    }

    /// Caffe's Reshape: 0 copies, -1 infers, axis and num_axes replace a range of the dims.
    @Test(arguments: [
        ("shape { dim: 0 dim: -1 }", Shape(width: 1, height: 1, depth: 256)),
        ("shape { dim: 0 dim: 2 dim: -1 dim: 0 }", Shape(width: 8, height: 16, depth: 2)),
        ("shape { dim: 2 dim: 2 } axis: 1 num_axes: 1", Shape(spatial: [8, 8, 2], depth: 2)),
        ("shape { dim: -1 } axis: 2", Shape(spatial: [64], depth: 4)),
        ("shape { dim: 1 dim: 1 } axis: -1 num_axes: 0", Shape(spatial: [64, 1], depth: 4)),
    ])
    func reshape(_ parameters: String, _ output: Shape) throws {
        let text = Self.header + "layer { name: \"r\" type: \"Reshape\" bottom: \"data\" top: \"r\" reshape_param { \(parameters) } }"
        let (read, diagnostics) = Self.read(text)
        #expect(diagnostics.isEmpty, "\(diagnostics.map(\.message))")
        #expect(try #require(read).rows.last.map { $0.output.depth == output.depth && $0.output.spatial.reduce(1, *) == output.spatial.reduce(1, *) } == true)
    }

    /// A partial analysis: one warning naming what is left out and why, the JSON's `partial` and
    /// `leftOut`, and exit status 1 (the totals are not the model's).
    @Test func partialAnalysis() throws {
        let path = "Tests/NetCalcTests/Golden/errors/caffe_partial.prototxt"
        let table = runNetCalc([path])
        #expect(table.status == 1)
        #expect(table.standardError.components(separatedBy: "warning: partial analysis").count == 2)
        #expect(table.standardOutput.contains("side"))
        #expect(!table.standardOutput.contains("roi_pool"))
        let json = runNetCalc(["--format", "json", path])
        #expect(json.status == 1)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [String: Any])
        let network = try #require((document["networks"] as? [[String: Any]])?.first)
        #expect(network["partial"] as? Bool == true)
        let leftOut = try #require(network["leftOut"] as? [[String: Any]])
        #expect(leftOut.map { $0["name"] as? String } == ["proposal", "roi_pool", "fc"])
        #expect(leftOut.map { $0["cause"] as? Bool } == [true, true, false])
        #expect((document["errors"] as? [[String: Any]])?.first?["severity"] as? String == "warning")
        // A whole analysis has neither field.
        let whole = runNetCalc(["--format", "json", Self.fixture])
        #expect(whole.status == 0)
        #expect(!whole.standardOutput.contains("\"partial\""))
        #expect(!whole.standardOutput.contains("\"leftOut\""))
    }

    /// `--input-shape`: a data layer's size, or a size given at run time; refused for a spec and bad values.
    @Test func inputShape() throws {
        let data = "layer { name: \"data\" type: \"DenseImageData\" top: \"data\" top: \"label\" }\n"
            + "layer { name: \"c\" type: \"Convolution\" bottom: \"data\" top: \"c\" convolution_param { num_output: 2 kernel_size: 3 } }"
        let (read, diagnostics) = Self.read(data, inputShape: [2, 3, 10, 12])
        #expect(diagnostics.isEmpty, "\(diagnostics.map(\.message))")
        #expect(read?.rows.last?.output == Shape(width: 10, height: 8, depth: 2))
        #expect(read?.settings.batch == 2)
        #expect(Self.read(data).1.first?.message == "the data layer 'data' (DenseImageData) reads images whose size the file does not give")
        let (overridden, _) = Self.read(Self.header + "layer { name: \"r\" type: \"ReLU\" bottom: \"data\" top: \"r\" }", inputShape: [1, 4, 2, 3])
        #expect(overridden?.rows.last?.output == Shape(width: 3, height: 2, depth: 4))
        let bad = runNetCalc(["--input-shape", "1,0,3", Self.fixture])
        #expect(bad.status == 2)
        #expect(bad.standardError.hasPrefix("netcalc: error: '1,0,3' is not a value for --input-shape"))
        let spec = runNetCalc(["--input-shape", "1,3,8,8", "-e", "INPUT[8x8x3] -> CONV(4,3)"])
        #expect(spec.status == 2)
        #expect(spec.standardError.contains("--input-shape sets a Caffe model's input"))
    }

    /// Rows sized by Caffe's rules rely on the rows before them: a --rounding that changes those is an
    /// error, not a silently wrong row.
    @Test func roundingThatBreaksCaffeShapes() {
        let text = Self.header + "layer { name: \"c\" type: \"Convolution\" bottom: \"data\" top: \"c\" convolution_param { num_output: 2 kernel_size: 3 stride: 2 } }\n"
            + "layer { name: \"f\" type: \"Flatten\" bottom: \"c\" top: \"f\" flatten_param { axis: 2 } }"
        var overrides = SettingsOverride()
        overrides.rounding = .ceil
        let (report, diagnostics) = importModel("n.prototxt", Array(text.utf8), format: .prototxt, overrides: overrides).parts
        #expect(report == nil)
        #expect(diagnostics.items.first?.message == "layer 'c' gives 4x4x2, but the file's shape rules give 3x3x2, from which the layers after it are sized")
    }

    /// Hostile sizes give messages, never a trap: products past 64 bits, absurd axes and orders.
    @Test(arguments: [
        "layer { name: \"t\" type: \"Tile\" bottom: \"data\" top: \"t\" tile_param { tiles: 9223372036854775807 } }",
        "layer { name: \"r\" type: \"Reshape\" bottom: \"data\" top: \"r\" reshape_param { shape { dim: 0 dim: 9223372036854775807 dim: 4 } } }",
        "layer { name: \"r\" type: \"Reshape\" bottom: \"data\" top: \"r\" reshape_param { shape { dim: 0 dim: -2 } } }",
        "layer { name: \"r\" type: \"Reshape\" bottom: \"data\" top: \"r\" reshape_param { axis: 99 shape { dim: 1 } } }",
        "layer { name: \"p\" type: \"Permute\" bottom: \"data\" top: \"p\" permute_param { order: 0 order: 0 } }",
        "layer { name: \"p\" type: \"Permute\" bottom: \"data\" top: \"p\" permute_param { order: -9223372036854775807 } }",
        "layer { name: \"e\" type: \"Embed\" bottom: \"data\" top: \"e\" embed_param { num_output: 9223372036854775807 input_dim: 9223372036854775807 } }",
        "layer { name: \"f\" type: \"InnerProduct\" bottom: \"data\" top: \"f\" inner_product_param { num_output: 9223372036854775807 axis: 3 } }",
        "layer { name: \"p\" type: \"PriorBox\" bottom: \"data\" bottom: \"data\" top: \"p\" prior_box_param { min_size: 1 aspect_ratio: -1 } }",
        "layer { name: \"u\" type: \"Upsample\" bottom: \"data\" bottom: \"data\" top: \"u\" upsample_param { scale: 9223372036854775807 } }",
        "layer { name: \"i\" type: \"Interp\" bottom: \"data\" top: \"i\" interp_param { zoom_factor: 9223372036854775807 } }",
        "layer { name: \"i\" type: \"Interp\" bottom: \"data\" top: \"i\" interp_param { shrink_factor: 0 } }",
        "layer { name: \"s\" type: \"Slice\" bottom: \"data\" top: \"a\" top: \"b\" slice_param { slice_point: -5 } }",
        "layer { name: \"s\" type: \"Slice\" bottom: \"data\" top: \"a\" top: \"b\" slice_param { axis: 0 } }",
        "layer { name: \"c\" type: \"Concat\" bottom: \"data\" bottom: \"data\" top: \"c\" concat_param { axis: 0 } }",
        "layer { name: \"r\" type: \"Reorg\" bottom: \"data\" top: \"r\" reorg_param { stride: 3 } }",
        "layer { name: \"a\" type: \"ArgMax\" bottom: \"data\" top: \"a\" argmax_param { top_k: 0 } }",
    ])
    func hostileSizes(_ layer: String) {
        let (report, diagnostics) = Self.read(Self.header + layer)
        #expect(report == nil)
        #expect(diagnostics.first?.severity == .error)
    }

    /// The real files of ../shared/caffe-wild: each analyzes, whole or partial, with the parameters its
    /// PyTorch re-implementation (tools/crosscheck_caffe_wild.py) and its publication give.
    @Test(.enabled(if: haveWild, "needs ../shared/caffe-wild, the Caffe files from the wild beside the repository"), arguments: [
        ("enet_deploy_final.prototxt", nil, 367_687, 0, false),
        ("faster_rcnn_vgg16_voc_test.prototxt", nil, 17_102_198, 0, true),  // up to the proposals: VGG16's convolutions and the RPN
        ("fcn8s_voc_deploy.prototxt", nil, 134_489_759, 0, false),
        ("mobilenet_ssd_deploy.prototxt", nil, 5_796_089, 25_379, true),  // all but DetectionOutput
        ("mtcnn_det1.prototxt", nil, 6_632, 0, false),
        ("openpose_coco_pose_deploy_linevec.prototxt", [1, 3, 368, 368], 52_311_446, 0, false),
        ("se_resnet50.prototxt", nil, 28_088_024, 53_173, false),  // the SENet repository's 28.1M
        ("segnet_inference.prototxt", [1, 3, 360, 480], 29_449_355, 0, false),
        ("shufflenet_1x_g3_deploy.prototxt", nil, 1_814_734, 23_785, false),
        ("yolo_tiny_deploy.prototxt", nil, 27_095_374, 4_584, false),
    ] as [(String, [Int]?, Int, Int, Bool)])
    func wildFiles(_ file: String, _ shape: [Int]?, _ params: Int, _ nonTrainable: Int, _ partial: Bool) throws {
        let bytes = Array(FileManager.default.contents(atPath: Self.sharedWild + "/" + file) ?? Data())
        var overrides = SettingsOverride()
        overrides.inputShape = shape
        let (read, diagnostics) = importModel(file, bytes, format: .prototxt, overrides: overrides).parts
        let report = try #require(read, "\(diagnostics.items.map(\.message))")
        #expect(report.totals.params == params)
        #expect(report.totals.nonTrainable == nonTrainable)
        #expect(report.leftOut.isEmpty == !partial)
        #expect(diagnostics.items.filter { $0.severity == .warning }.count == (partial ? 1 : 0))
        #expect(!diagnostics.hasErrors)
    }
}
