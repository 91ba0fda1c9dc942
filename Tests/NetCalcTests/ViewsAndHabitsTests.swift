import Foundation
import Testing
@testable import NetCalc

/// Big networks read as their blocks, scripts get no numbers from broken specs, the command line is
/// strict, and framework users' habits get helpful messages.
@Suite struct ViewsAndHabitsTests {
    // MARK: Blocks, paths, depth, summary

    @Test func rowsCarryTheirBlockPath() throws {
        let net = try #require(ZooTests.spec("resnet50"))
        let conv = try #require(net.rows.first { $0.name == "CONV5" })
        #expect(net.path(of: conv) == "stage#1/bottleneck#1/CONV5" || net.path(of: conv).hasPrefix("stage#1/"))
        #expect(net.path(of: net.rows[1]) == "CONV1")
        #expect(net.blocks.filter { $0.depth == 1 }.map(\.text)
            == ["stage(64, 256, 1, 3)", "stage(128, 512, 2, 4)", "stage(256, 1024, 2, 6)", "stage(512, 2048, 2, 3)"])
    }

    /// A block row's subtotal equals the sum of its rows, and the folded view keeps every total.
    @Test(arguments: [0, 1, 2, 3])
    func foldingKeepsTheNumbers(_ depth: Int) throws {
        let net = try #require(ZooTests.spec("resnet50"))
        let view = net.folded(toDepth: depth)
        #expect(view.rows.map(\.params).reduce(0, +) == net.totals.params)
        #expect(view.rows.map(\.macs).reduce(0, +) == net.totals.macs)
        #expect(view.rows.map(\.activations).reduce(0, +) == net.totals.activations)
        #expect(view.rows.last?.output == net.rows.last?.output)
        #expect(view.rows.indices.allSatisfy { view.rows[$0].index == $0 })
        #expect(view.rows.allSatisfy { row in row.inputs.allSatisfy { $0 < row.index } })
        if depth == 0 { #expect(view.rows.count == 2) }
        if depth == 1 { #expect(view.rows.count == 11) }  // torchinfo's depth=1 view of ResNet-50
    }

    @Test func depthWorksInEveryFormat() throws {
        let table = runNetCalc(["--depth", "1", "specs/resnet50.net"])
        #expect(table.status == 0)
        #expect(table.standardOutput.contains("stage#2  28x28x512"))
        let json = runNetCalc(["--depth", "1", "--format", "json", "specs/resnet50.net"])
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [String: Any])
        let layers = try #require((document["networks"] as? [[String: Any]])?.first?["layers"] as? [[String: Any]])
        #expect(layers.count == 11)
        #expect(layers.compactMap { $0["op"] as? String }.filter { $0 == "block" }.count == 4)
        #expect(layers[6]["path"] as? String == "stage#2")
        #expect(layers[6]["blockDepth"] as? Int == 1)
        let csv = runNetCalc(["--depth", "1", "--format", "csv", "specs/resnet50.net"]).standardOutput
        #expect(csv.split(separator: "\r\n").count == 12)
        let markdown = runNetCalc(["--depth", "1", "--format", "markdown", "specs/resnet50.net"]).standardOutput
        #expect(markdown.contains("| stage#4 |"))
    }

    @Test func summaryFitsAScreen() {
        let outcome = runNetCalc(["--summary", "specs/densenet121.net"])
        #expect(outcome.status == 0)
        let lines = outcome.standardOutput.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count < 60)
        #expect(outcome.standardOutput.contains("largest by parameters"))
        #expect(outcome.standardOutput.contains("blocks ("))
        #expect(runNetCalc(["--summary", "--format", "json", "specs/vgg16.net"]).status == 2)
    }

    @Test func kerasLinesInTheTotals() {
        let text = runNetCalc(["specs/resnet18.net"]).standardOutput
        #expect(text.contains("params          11,689,512 (11.7M) trainable = 11,683,712 weights + 5,800 biases"))
        #expect(text.contains("non-trainable   9,600 (9.60K): batch-norm running statistics"))
        #expect(text.contains("total           11,699,112 (11.7M) = trainable + non-trainable"))
        let small = runNetCalc(["-e", "INPUT[8x8x1] -> FC(1)"]).standardOutput
        #expect(small.contains("= 64 weights + 1 bias\n"))
        #expect(small.contains("forward         260 bytes = memory"))
        #expect(!small.contains("(65)"))
    }

    /// `--layout` is the order shapes are written in: the output's and the spec's INPUT's, so that the
    /// same image written in each layout's order gives the same network.
    @Test(arguments: [ShapeLayout.whd, .chw, .hwc])
    func layoutsWriteShapesInTheirOrder(_ layout: ShapeLayout) throws {
        let expected = ["whd": "55x27x96", "chw": "96x27x55", "hwc": "27x55x96"][layout.rawValue]
        let input = try #require(["whd": "227x115x3", "chw": "3x115x227", "hwc": "115x227x3"][layout.rawValue])
        let spec = "INPUT[\(input)] -> CONV(96,11,s4)"
        let outcome = runNetCalc(["--layout", layout.rawValue, "--columns", "layer,output,params", "-e", spec])
        #expect(outcome.standardOutput.contains("CONV1  \(try #require(expected))"), "\(outcome.standardOutput)")
        #expect(outcome.standardOutput.contains("34,944"))
        #expect(outcome.standardError.isEmpty, "\(outcome.standardError)")
        let json = runNetCalc(["--layout", layout.rawValue, "--format", "json", "-e", spec])
        #expect(json.standardOutput.contains("\"layout\" : \"\(layout.rawValue)\""))
        #expect(json.standardOutput.contains("\"params\" : 34944"))
    }

    /// Under `--layout chw` (or hwc) INPUT is read in that order, and the header and a note say so; the
    /// issue's case: PyTorch's (3, 480, 640) is a 640-wide, 480-high RGB image, 224 parameters.
    @Test func layoutReadsTheInputInItsOrder() {
        let outcome = runNetCalc(["--layout", "chw", "-e", "INPUT[3x480x640] -> CONV(8,3)"])
        #expect(outcome.status == 0)
        #expect(outcome.standardError.isEmpty, "\(outcome.standardError)")
        #expect(outcome.standardOutput.contains("input 3x480x640, INPUT read and shapes written C x H x W;"))
        #expect(outcome.standardOutput.contains("8x478x638"))
        #expect(outcome.standardOutput.contains("params          224 trainable"))
        #expect(outcome.standardOutput.contains("note: INPUT[3x480x640] is read in --layout chw's order, C x H x W: 640 wide, 480 high and 3 deep"))
        let keras = runNetCalc(["--layout", "hwc", "-e", "INPUT[480x640x3] -> CONV(8,3)"])
        #expect(keras.standardOutput.contains("input 480x640x3, INPUT read and shapes written H x W x C;"))
        #expect(keras.standardOutput.contains("478x638x8"))
        let sequence = runNetCalc(["--layout", "chw", "-e", "INPUT[2x16000] -> CONV(8,3)"])
        #expect(sequence.standardOutput.contains("8x15998"))
        #expect(sequence.standardOutput.contains("a sequence of length 16000 with 2 channels"))
        // Without --layout, netcalc's own order as before.
        #expect(runNetCalc(["-e", "INPUT[640x480x3] -> CONV(8,3)"]).standardOutput.contains("params          224 trainable"))
        // A model file has no INPUT text: the header names the shapes' order only.
        let model = runNetCalc(["--layout", "chw", "Tests/NetCalcTests/Fixtures/caffe/every_layer.prototxt"])
        #expect(model.standardOutput.contains("input 3x33x33, shapes C x H x W;"), "\(model.standardOutput.prefix(300))")
    }

    /// An INPUT that looks written in another order than the layout reads: netcalc's own order under
    /// --layout chw, PyTorch's under hwc. A warning with the spelling for that layout; numbers as read.
    @Test(arguments: [("chw", "INPUT[640x480x3] -> CONV(8,3)", "warning: INPUT[640x480x3] reads as 3 wide, 480 high and 640 deep under --layout chw",
                       "these sizes look written in netcalc's own width x height x depth: INPUT[3x480x640], or leave out --layout chw"),
                      ("chw", "INPUT[16000x1] -> CONV(8,3,p1)", "reads as a sequence of length 1 with 16000 channels under --layout chw", "INPUT[1x16000]"),
                      ("chw", "INPUT[112x112x16x3] -> CONV(8,1)", "reads as 3 wide, 16 high, 112 frames and 112 channels under --layout chw",
                       "INPUT[3x16x112x112]"),
                      ("hwc", "INPUT[3x480x640] -> CONV(8,3)", "warning: INPUT[3x480x640] reads as 480 wide, 3 high and 640 deep under --layout hwc",
                       "--layout hwc reads height x width x channels, not PyTorch's C,H,W: INPUT[480x640x3]")])
    func inputInTheOtherOrderIsAWarningInEveryLayout(_ layout: String, _ spec: String, _ warning: String, _ hint: String) {
        let outcome = runNetCalc(["--layout", layout, "-e", spec])
        #expect(outcome.standardError.contains(warning), "\(outcome.standardError)")
        #expect(outcome.standardError.contains(hint), "\(outcome.standardError)")
    }

    // MARK: No numbers from broken specs

    @Test(arguments: ["INPUT[32x32x3] -> CONV(16,3,p1) RELU -> FC(10)", "INPUT[32x32x3] => CONV(16,3,p1) -> FC(10)",
                      "INPUT[32x32x3] -> CONV(16,3,p1) — FC(10)"])
    func brokenSpecsGiveNoNumbers(_ spec: String) throws {
        for format in ["table", "json", "csv", "markdown"] {
            let outcome = runNetCalc(["--format", format, "-e", spec])
            #expect(outcome.status == 1)
            #expect(!outcome.standardOutput.contains("CONV1"), "\(format)")
        }
        let json = runNetCalc(["--format", "json", "-e", spec]).standardOutput
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect((document["networks"] as? [Any])?.isEmpty == true)
        #expect((document["errors"] as? [Any])?.isEmpty == false)
    }

    @Test func readErrorsAreInTheJSON() {
        let outcome = runNetCalc(["--format", "json", "nosuch.net"])
        #expect(outcome.status == 2)
        #expect(outcome.standardOutput.contains("cannot read 'nosuch.net'"))
    }

    // MARK: The command line

    @Test(arguments: [
        (["quiz", "--fit", "1GiB"], "--fit does not apply to netcalc quiz"),
        (["check", "--emit", "pytorch", "x.net"], "--emit does not apply to netcalc check"),
        (["--explain", "--format", "csv", "specs/vgg16.net"], "--explain goes with the table or json, not csv"),
        (["--seed", "3", "specs/vgg16.net"], "--seed does not apply to analyzing a network"),
        (["--columns", "rf", "--columns", "rf", "specs/vgg16.net"], "--columns is given twice"),
        (["--fit", "12", "specs/vgg16.net"], "'12' is not a memory size: it has no unit"),
        (["fmt", "--batch", "2", "specs/vgg16.net"], "--batch does not apply to netcalc fmt"),
        (["help", "nosuch"], "no help for 'nosuch'"),
    ])
    func optionsThatDoNotApplyAreErrors(_ arguments: [String], _ message: String) {
        let outcome = runNetCalc(arguments)
        #expect(outcome.status == 2)
        #expect(outcome.standardError.contains("error: \(message)"), "\(outcome.standardError)")
    }

    @Test func optionsMayComeBeforeTheCommand() {
        let outcome = runNetCalc(["--color", "never", "check", "specs/homework/alexnet_conv1.net"])
        #expect(outcome.status == 0)
        #expect(outcome.standardOutput.contains("answers right"))
        #expect(runNetCalc(["help"]).standardOutput == runNetCalc(["--help"]).standardOutput)
        #expect(runNetCalc(["help", "check"]).standardOutput.hasPrefix("usage: netcalc check"))
    }

    @Test func severalExpressionsHaveTheirOwnNames() {
        let text = runNetCalc(["-e", "INPUT[8x8x1] -> FC(2)", "-e", "INPUT[8x8x1] -> FC(3)"]).standardOutput
        #expect(text.contains("expr  (<expr>;"))
        #expect(text.contains("expr-2  (<expr-2>;"))
    }

    // MARK: Framework habits

    @Test func channelsFirstInputIsAWarning() {
        let outcome = runNetCalc(["-e", "INPUT[3x224x224] -> CONV(8,3)"])
        #expect(outcome.status == 0)
        #expect(outcome.standardError.contains("warning: INPUT[3x224x224] reads as 3 wide, 224 high and 224 deep"))
        #expect(outcome.standardError.contains("INPUT[224x224x3]"))
        #expect(runNetCalc(["-e", "INPUT[1x1x1000] -> FC(10)"]).standardError.isEmpty)
        #expect(runNetCalc(["-e", "INPUT[4x4x512] -> FC(10)"]).standardError.isEmpty)
    }

    /// PyTorch's C,H,W at any aspect ratio, and C,T,H,W: a warning that spells the input netcalc's way
    /// (W x H x D), and numbers unchanged; netcalc's own spellings and small vectors stay quiet.
    @Test(arguments: [("INPUT[3x480x640] -> CONV(8,3)", "warning: INPUT[3x480x640] reads as 3 wide, 480 high and 640 deep",
                       "INPUT[640x480x3]"),
                      ("INPUT[1x28x32] -> FC(10)", "warning: INPUT[1x28x32] reads as 1 wide, 28 high and 32 deep", "INPUT[32x28x1]"),
                      ("INPUT[3x16x112x160] -> CONV(8,3)", "reads as 3 wide, 16 high, 112 frames and 160 channels",
                       "INPUT[160x112x16x3]")])
    func channelsFirstAtAnyAspectRatioIsAWarning(_ spec: String, _ warning: String, _ spelling: String) {
        let outcome = runNetCalc(["-e", spec])
        #expect(outcome.status == 0)
        #expect(outcome.standardError.contains(warning), "\(outcome.standardError)")
        #expect(outcome.standardError.contains("hint: netcalc's order is") && outcome.standardError.contains(spelling))
        #expect(outcome.standardOutput.contains("input 3x480x640") == spec.hasPrefix("INPUT[3x480x640]"))
    }

    /// PyTorch's Conv2d(in_channels, out_channels, kernel_size) written as CONV: the first argument is the
    /// input's depth and the second a channel count. A warning with the call rewritten; numbers unchanged.
    @Test(arguments: [("INPUT[224x224x3] -> CONV(3,64,4)", "warning: CONV(3,64,4) reads as 3 filters of 64x64, giving 41x41x3", "write CONV(64,4)"),
                      ("INPUT[32x32x16] -> CONV(16,32)", "warning: CONV(16,32) reads as 16 filters of 32x32, giving 1x1x16", "write CONV(32)"),
                      ("INPUT[10x10x3] -> CONV(3,16,p3)", "warning: CONV(3,16,p3) reads as 3 filters of 16x16, giving 1x1x3", "write CONV(16,p3)"),
                      ("INPUT[65x65x3] -> CONV(3,8,3)", "warning: CONV(3,8,3) reads as 3 filters of 8x8, giving 20x20x3", "write CONV(8,3)")])
    func pyTorchsConvolutionOrderIsAWarning(_ spec: String, _ warning: String, _ rewritten: String) {
        let outcome = runNetCalc(["-e", spec])
        #expect(outcome.status == 0)
        #expect(outcome.standardError.contains(warning), "\(outcome.standardError)")
        #expect(outcome.standardError.contains("netcalc takes no in_channels") && outcome.standardError.contains(rewritten))
    }

    /// A convolution in PyTorch's order that does not fit is an error whose first hint names the order
    /// and rewrites the call; a netcalc-order call that does not fit gets no such hint.
    @Test(arguments: [("INPUT[32x32x3] -> CONV(3,64,3)", "error: CONV1's 64x64 filter is larger than its padded input (32 wide)", "write CONV(64,3)"),
                      ("INPUT[224x224x3] -> CONV(3,64,3)", "error: CONV1 does not fit its 224x224x3 input", "write CONV(64,3)"),
                      ("INPUT[20x20x1] -> CONV(1,32,p1)", "error: CONV1's 32x32 filter is larger than its padded input (22 wide)", "write CONV(32,p1)"),
                      ("INPUT[224x224x3] -> CONV(3,64,3,s2)", "error: s is given twice", "write CONV(64,3,s2)")])
    func pyTorchsConvolutionOrderThatDoesNotFitIsHinted(_ spec: String, _ error: String, _ rewritten: String) throws {
        let outcome = runNetCalc(["-e", spec])
        #expect(outcome.status == 1)
        #expect(outcome.standardError.contains(error), "\(outcome.standardError)")
        let hints = outcome.standardError.split(separator: "\n").filter { $0.hasPrefix("hint: ") }
        let first = try #require(hints.first)
        #expect(first.contains("PyTorch's Conv2d(in_channels, out_channels, kernel_size) order?") && first.contains(rewritten), "\(first)")
    }

    @Test(arguments: ["INPUT[32x32x3] -> CONV(3,5,s2)", "INPUT[224x224x3] -> CONV(3,11,s4)", "INPUT[32x32x3] -> CONV(64,3,s2)"])
    func convolutionsThatDoNotFitInNetcalcsOrderAreNotHintedAsPyTorchs(_ spec: String) {
        let outcome = runNetCalc(["-e", spec])
        #expect(outcome.status == 1)
        #expect(!outcome.standardError.contains("PyTorch's Conv2d"), "\(outcome.standardError)")
    }

    /// `--strict`: a warning is an error that says so (exit status 1, no table), for scripts; a spec
    /// without warnings is untouched, and without --strict the warning changes nothing.
    @Test func strictMakesWarningsErrors() {
        let strict = runNetCalc(["--strict", "-e", "INPUT[224x224x3] -> CONV(3,64,4)"])
        #expect(strict.status == 1)
        #expect(strict.standardOutput.isEmpty)
        #expect(strict.standardError.contains("error: CONV(3,64,4) reads as 3 filters of 64x64, giving 41x41x3: netcalc's CONV is CONV(K filters, F kernel, ...) [--strict]"))
        let lenient = runNetCalc(["-e", "INPUT[224x224x3] -> CONV(3,64,4)"])
        #expect(lenient.status == 0)
        #expect(lenient.standardOutput.contains("41x41x3"))
        let clean = runNetCalc(["--strict", "-e", "INPUT[224x224x3] -> CONV(64,4,s4)"])
        #expect(clean.status == 0 && clean.standardError.isEmpty)
        #expect(clean.standardOutput == runNetCalc(["-e", "INPUT[224x224x3] -> CONV(64,4,s4)"]).standardOutput)
        #expect(runNetCalc(["check", "--strict", "-e", "INPUT[8x8x1] -> FC(2)"]).status == 2)
    }

    /// Convolutions in netcalc's order that happen to keep the depth stay quiet.
    @Test(arguments: ["INPUT[32x32x64] -> CONV(64,3,p1)", "INPUT[56x56x64] -> CONV(64,1)", "INPUT[8x8x16] -> CONV(16,4,2)",
                      "INPUT[227x227x3] -> CONV(3,11,s4)", "INPUT[32x32x8] -> CONV(16,3)",
                      "INPUT[112x112x64] -> CONV(64,17,p8)", "INPUT[6x6x16] -> CONV(16,11,p4)"])
    func convolutionsInNetcalcsOrderAreQuiet(_ spec: String) {
        #expect(runNetCalc(["-e", spec]).standardError.isEmpty)
    }

    @Test(arguments: [("Conv2d(8,3)", "netcalc calls Conv2d CONV"),
                      ("Dense(10)", "netcalc calls Dense FC"), ("BatchNorm2d", "netcalc calls BatchNorm2d BN"),
                      ("BATCHNORM", "netcalc calls BATCHNORM BN"), ("MaxPool2d(2)", "netcalc calls MaxPool2d MAXPOOL"),
                      ("AdaptiveAvgPool2d", "netcalc calls AdaptiveAvgPool2d ADAPTIVEAVGPOOL"), ("RLEU", "did you mean 'RELU'?")])
    func frameworkNamesGetTheKeyword(_ layer: String, _ hint: String) {
        let outcome = runNetCalc(["-e", "INPUT[8x8x3] -> \(layer)"])
        #expect(outcome.standardError.contains("hint: \(hint)"), "\(outcome.standardError)")
    }

    /// `Linear`, PyTorch's spelling, on an image: LINEAR works on each position, where nn.Linear after
    /// a flatten (what the spelling suggests) is FC. On tokens, or written LINEAR, it is taken as meant.
    @Test func pyTorchsLinearOnAnImageIsAWarning() {
        let outcome = runNetCalc(["-e", "INPUT[8x8x3] -> Linear(10)"])
        #expect(outcome.status == 0)
        #expect(outcome.standardError.contains("warning: Linear(10) is LINEAR: a dense layer applied to each of the 8x8 positions alone, giving 8x8x10"))
        #expect(outcome.standardError.contains("hint: PyTorch's nn.Linear after a flatten is FC(10)"))
        #expect(runNetCalc(["-e", "INPUT[8x8x3] -> LINEAR(10)"]).standardError.isEmpty)
        #expect(runNetCalc(["-e", "INPUT[64x3] -> Linear(10)"]).standardError.isEmpty)
        #expect(runNetCalc(["-e", "INPUT[8x8x3] -> GAP -> Linear(10)"]).standardError.isEmpty)
    }

    @Test func lookalikeCharactersAreNamed() {
        #expect(runNetCalc(["-e", "INPUT[224×224×3] -> RELU"]).standardError.contains("the letter x"))
        #expect(runNetCalc(["-e", "INPUT[8x8x3]\u{00A0}-> RELU"]).standardError.contains("a non-breaking space (U+00A0)"))
        let hyphen = runNetCalc(["-e", "my-net = INPUT[8x8x3] -> RELU"]).standardError
        #expect(hyphen.contains("'my-net' is not a name: names take letters, digits and _"))
        #expect(hyphen.contains("hint: write my_net"))
    }

    @Test func transpositionsCountAsOneEdit() {
        #expect(editDistance("rleu", "relu") == 1)
        #expect(editDistance("conv", "cnov") == 1)
        #expect(editDistance("abc", "abc") == 0)
        #expect(editDistance("kitten", "sitting") == 3)
    }
}

/// Every text output fits the terminal's width; JSON and CSV, and pipes with no width, are not wrapped.
@Suite struct TerminalWidthTests {
    static func run(_ arguments: [String], columns: Int, environment: [String: String] = [:]) -> Outcome {
        var invocation = Invocation(arguments: arguments)
        invocation.currentDirectory = packageRoot
        invocation.environment = environment.merging(["COLUMNS": "\(columns)"]) { a, _ in a }
        return NetCalc.run(invocation)
    }

    static func widest(_ text: String) -> Int {
        text.split(separator: "\n").map { displayWidth(String($0)) }.max() ?? 0
    }

    @Test(arguments: [60, 80, 100])
    func everyTextOutputFits(_ columns: Int) {
        let cases: [[String]] = [
            ["specs/vgg16.net"], ["--explain", "specs/alexnet.net"], ["--help"], ["help", "check"],
            ["check", "specs/homework/vgg16_table.net"], ["check", "specs/homework/inception_ops.net"],
            ["--summary", "specs/resnet50.net"], ["--fit", "12GiB", "specs/vgg16.net"],
            ["-e", "INPUT[224x224x3] -> CONV(96,11,s4)"], ["-e", "INPUT[8x8x3] -> Conv2d(8,3)"],
        ]
        for arguments in cases {
            let outcome = Self.run(arguments, columns: columns)
            #expect(Self.widest(outcome.standardOutput) <= columns, "\(arguments) stdout")
            #expect(Self.widest(outcome.standardError) <= columns, "\(arguments) stderr")
        }
    }

    @Test func machineFormatsAreNeverWrapped() {
        let json = Self.run(["--format", "json", "--explain", "specs/alexnet.net"], columns: 40).standardOutput
        #expect(Self.widest(json) > 40)
        let csv = Self.run(["--format", "csv", "specs/alexnet.net"], columns: 40).standardOutput
        #expect(Self.widest(csv) > 40)
    }

    @Test func dumbTerminalsGetNoColour() {
        var invocation = Invocation(arguments: ["specs/cifar10.net"])
        invocation.currentDirectory = packageRoot
        invocation.standardOutputIsTerminal = true
        invocation.environment = ["TERM": "dumb"]
        #expect(!NetCalc.run(invocation).standardOutput.contains("\u{1B}["))
        invocation.environment = ["TERM": "xterm"]
        #expect(NetCalc.run(invocation).standardOutput.contains("\u{1B}["))
    }

    @Test func wrappingKeepsEveryWord() {
        let text = "  params          138,357,544 (138M) trainable = 138,344,128 weights + 13,416 biases"
        let lines = wrapped(text, width: 40, indent: 18)
        #expect(lines.allSatisfy { displayWidth($0) <= 40 })
        #expect(lines.joined(separator: " ").split(separator: " ") == text.split(separator: " "))
        #expect(lines[0].hasPrefix("  params"))
        #expect(lines[1].hasPrefix(String(repeating: " ", count: 18)))
    }
}

extension ViewsAndHabitsTests {
    @Test func foldedViewsNameTheirPeak() throws {
        let text = runNetCalc(["--depth", "1", "specs/resnet50.net"]).standardOutput
        #expect(text.contains("live values x batch x 4 bytes (at stage#1)") || text.contains("(at RELU1)") || text.contains("(at CONV1)"))
        #expect(!text.contains("(at ?)"))
    }
}

extension ViewsAndHabitsTests {
    /// Without --seed a quiz draws its seed and names it on standard error (the sheet, a student's, does
    /// not); that seed makes the same sheet again, and the command it gives prints the key.
    @Test func quizWithoutASeedSaysWhichItDrew() throws {
        let outcome = runNetCalc(["quiz"])
        let sheet = outcome.standardOutput
        #expect(!sheet.contains("seed"))
        let message = try #require(outcome.standardError.split(separator: "\n").first)
        #expect(message.hasPrefix("netcalc: quiz seed "))
        let seed = try #require(UInt64(message.dropFirst("netcalc: quiz seed ".count).prefix { $0 != ";" }))
        #expect(message.hasSuffix("its key: netcalc quiz --seed \(seed) --level 1 --key"))
        #expect(runNetCalc(["quiz", "--seed", "\(seed)"]).standardOutput == sheet)
        #expect(runNetCalc(["quiz", "--seed", "\(seed)", "--key"]).standardOutput.contains("Seed \(seed);"))
        let others = (0..<5).map { _ in runNetCalc(["quiz"]).standardOutput.split(separator: "\n").first }
        #expect(Set(others.compactMap { $0.map(String.init) }).count > 1)
    }
}
