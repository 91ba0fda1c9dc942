import Testing
@testable import NetCalc

/// Networks of one and three spatial axes: how INPUT reads its sizes, sizes per axis, the errors of a
/// size or layer that does not suit the input's rank, and what every output writes for them.
@Suite struct RankTests {
    @Test func inputSizesSayTheRank() throws {
        let sequence = try #require(network("INPUT[16000x1]"))
        #expect(sequence.input.rank == 1 && sequence.input.fullText == "16000x1")
        let image = try #require(network("INPUT[224x224x3]"))
        #expect(image.input.rank == 2)
        let video = try #require(network("INPUT[112x112x16x3]"))
        #expect(video.input.rank == 3 && video.input.spatial == [112, 112, 16] && video.input.depth == 3)
        let vector = try #require(network("INPUT[4096]"))
        #expect(vector.input.rank == 2 && vector.input.text == "4096")
        #expect(errors("INPUT[8x8x8x8x8]") == ["INPUT takes LxC (1-D), WxHxD (2-D), WxHxTxC (3-D) or a single N, not 5 sizes"])
    }

    /// A square pair is more likely an image without its channels: a warning, never a different number.
    @Test func squarePairWarns() {
        let (networks, diagnostics) = analyze("INPUT[28x28] -> CONV(4,3)")
        #expect(networks.first?.rows.last?.output.text == "26x4")
        #expect(diagnostics.map(\.message) == ["INPUT[28x28] reads as a 1-D sequence: length 28, 28 channels"])
        #expect(analyze("INPUT[16000x1]").1.isEmpty)
    }

    /// PyTorch's orders (C, L and C, T, H, W) read as netcalc's would be silently wrong: a warning that
    /// shows netcalc's spelling.
    @Test func pytorchOrdersWarn() {
        #expect(analyze("INPUT[1x16000]").1.map(\.hints) == [["netcalc's order is length x channels, not PyTorch's C,L: INPUT[16000x1]"]])
        #expect(analyze("INPUT[3x16x112x112]").1.map(\.hints)
                == [["netcalc's order is width x height x time x channels, not PyTorch's C,T,H,W: INPUT[112x112x16x3]"]])
        #expect(analyze("INPUT[112x112x16x3]").1.isEmpty)
    }

    @Test func sizesPerAxis() throws {
        let net = try #require(network("INPUT[112x112x15x3] -> CONV(8,1x1x3,s1x1x2,p0x0x1) -> POOL(2x2x1)"))
        #expect(net.rows[1].output.fullText == "112x112x8x8")
        #expect(net.rows[1].receptiveField.along(3) == [1, 1, 3])
        #expect(net.rows[1].jump.along(3) == [1, 1, 2])
        #expect(net.rows[2].output.fullText == "56x56x8x8")
        #expect(net.rows[2].receptiveField.text == "2x2x3")
    }

    @Test(arguments: [
        ("INPUT[100x8] -> CONV(4,3x5)", "CONV1's filter size 3x5 gives 2 sizes, but its input 100x8 is 1-D (LxC)"),
        ("INPUT[32x32x3] -> POOL(3x2x2)", "POOL1's filter size 3x2x2 gives 3 sizes, but its input 32x32x3 is 2-D (WxHxD)"),
        ("INPUT[8x8x8x3] -> CONV(4,3,p=1x0)", "CONV1's padding 1x0 gives 2 sizes, but its input 8x8x8x3 is 3-D (WxHxTxC)"),
        ("INPUT[100x8] -> PIXELSHUFFLE(2)", "PIXELSHUFFLE1 takes 2-D inputs (WxHxD), not 100x8 (1-D)"),
        ("INPUT[100x8] -> PAD(1,1,1,1)", "PAD1 gives 4 paddings, but its input 100x8 is 1-D: it takes 1 or 2"),
        ("INPUT[100x8] -> UPSAMPLE(size=4x5)", "UPSAMPLE1's output size 4x5 gives 2 sizes, but its input 100x8 is 1-D (LxC)"),
        ("INPUT[100x8] -> CROP(90,o=200)", "CROP1 crops 90 from offset 200 out of a 100x8 input, past its end"),
        ("INPUT[8x8x8x3] -> ADD(ID | FLATTEN)", "ADD needs branches of equal shape"),
        ("INPUT[8x8x3] -> CONV(4,3,s=1x1x1x1)", "stride (S) has 4 sizes; a network has at most three spatial axes"),
    ])
    func sizesThatDoNotSuitTheRank(_ spec: String, _ message: String) {
        let found = errors(spec)
        #expect(found.contains { $0.hasPrefix(message) }, "\(spec): \(found)")
    }

    /// Sizes whose axes are all equal are one size for every axis, so `3x3` suits any rank.
    @Test func equalSizesAreOneSize() throws {
        let net = try #require(network("INPUT[100x8] -> CONV(4,3x3)"))
        #expect(net.rows[1].output.fullText == "98x4")
    }

    @Test func jsonWritesEveryAxis() throws {
        let outcome = runNetCalc(["--format", "json", "-e", "INPUT[20x20x4x3] -> CONV(8,3x3x1,p=1x1x0) -> GAP"])
        #expect(outcome.status == 0)
        #expect(outcome.standardOutput.contains("\"input\" : [20, 20, 4, 3]"))
        #expect(outcome.standardOutput.contains("\"output\" : [20, 20, 4, 8]"))
        #expect(outcome.standardOutput.contains("\"receptiveField\" : [3, 3, 1]"))
        #expect(outcome.standardOutput.contains("\"output\" : [1, 1, 1, 8]"))
        let sequence = runNetCalc(["--format", "json", "-e", "INPUT[100x3] -> CONV(8,5)"])
        #expect(sequence.standardOutput.contains("\"output\" : [96, 8]"))
        #expect(sequence.standardOutput.contains("\"receptiveField\" : [5]"))
    }

    @Test func layoutsOfEveryRank() {
        let video = runNetCalc(["--layout", "chw", "-e", "INPUT[3x4x10x20] -> CONV(8,1)"])
        #expect(video.standardOutput.contains("input 3x4x10x20, INPUT read and shapes written C x T x H x W"))
        #expect(video.standardOutput.contains("8x4x10x20"))
        let sequence = runNetCalc(["--layout", "chw", "-e", "INPUT[3x100] -> CONV(8,1)"])
        #expect(sequence.standardOutput.contains("input 3x100, INPUT read and shapes written C x L"))
        #expect(sequence.standardOutput.contains("8x100"))
    }

    @Test func explainNamesTheAxes() {
        let outcome = runNetCalc(["--explain", "-e", "INPUT[100x4] -> CONV(8,3,p1) -> FLATTEN"])
        #expect(outcome.standardOutput.contains("input: 100x4 (L x C)"))
        #expect(outcome.standardOutput.contains("L2 = (100 - 3 + 2*1)/1 + 1 = 100; D2 = K = 8 -> 100x8"))
        #expect(outcome.standardOutput.contains("1x(L*C) = 1x(100*8) = 1x800"))
        let video = runNetCalc(["--explain", "--rounding", "floor", "-e", "INPUT[16x16x8x3] -> CONV(4,3x3x2,s2)"])
        #expect(video.standardOutput.contains("W2 = (16 - 3 + 2*0)/2 + 1 = 7.5, rounded down to 7; H2 the same; T2 = (8 - 2 + 2*0)/2 + 1 = 4; D2 = K = 4 -> 7x7x4x4"))
        #expect(video.standardOutput.contains("memory = 7*7*4*4 = 784 values"))
    }

    @Test func emittedModulesFollowTheRank() {
        let sequence = runNetCalc(["--emit", "pytorch", "-e", "INPUT[100x4] -> CONV(8,3,p1) -> BN -> POOL(2) -> GAP -> FC(2) -> CONV(3,1)"])
        for module in ["nn.Conv1d(4, 8, 3, padding=1)", "nn.BatchNorm1d(8)", "nn.MaxPool1d(2)", "nn.AdaptiveAvgPool1d(1)",
                       "nn.Linear(8, 2)", "[:, :, None]", "summarize(\"expr\", Expr(), (4, 100))"] {
            #expect(sequence.standardOutput.contains(module), "\(module)")
        }
        let video = runNetCalc(["--emit", "pytorch", "-e", "INPUT[16x16x8x3] -> CONV(8,3x3x1,p=1x1x0) -> BN -> DECONV(4,2,s2) -> UPSAMPLE(2,bilinear)"])
        for module in ["nn.Conv3d(3, 8, (1, 3, 3), padding=(0, 1, 1))", "nn.BatchNorm3d(8)", "nn.ConvTranspose3d(8, 4, 2, stride=2)",
                       "mode=\"trilinear\"", "summarize(\"expr\", Expr(), (3, 8, 16, 16))"] {
            #expect(video.standardOutput.contains(module), "\(module)")
        }
    }
}

extension RankTests {
    /// SCALE's parameters take one axis per spatial axis, (C, 1) in 1-D and (C, 1, 1, 1) in 3-D, so they
    /// broadcast over the channels, not the batch or the frames (found by tools/crosscheck_pytorch.py).
    @Test func emittedScaleFollowsTheRank() {
        let sequence = runNetCalc(["--emit", "pytorch", "-e", "INPUT[100x4] -> SCALE(bias)"])
        #expect(sequence.standardOutput.contains("Scale1d(4, bias=True)"), "\(sequence.standardOutput)")
        let video = runNetCalc(["--emit", "pytorch", "-e", "INPUT[8x8x4x3] -> SCALE"])
        #expect(video.standardOutput.contains("Scale3d(3)"), "\(video.standardOutput)")
        let image = runNetCalc(["--emit", "pytorch", "-e", "INPUT[8x8x3] -> SCALE"])
        #expect(image.standardOutput.contains("Scale(3)"), "\(image.standardOutput)")
    }

    /// `check` reads answers of every rank and grades them against the rows; a sequence's vector may be
    /// written as its length.
    @Test func checkGradesEveryRank() {
        let sheet = """
            INPUT[16000x1] -> CONV(32,80,s16) {996x32, params: 2592} -> GAP {32} -> FC(10) {1x10, params: 330}
            v = INPUT[16x16x8x3] -> CONV(4,3x3x2,s2,floor) {7x7x4x4, params: 220} -> POOL(2) {invalid}
            """
        let outcome = runNetCalc(["check", "-"], standardInput: sheet)
        #expect(outcome.status == 0, "\(outcome.standardOutput)\(outcome.standardError)")
        #expect(outcome.standardOutput.contains("8 of 8 answers right"))
        let wrong = runNetCalc(["check", "-"], standardInput: "v = INPUT[16x16x8x3] -> CONV(4,3x3x2,s2,floor) -> POOL(2) {3x3x2x4}")
        #expect(wrong.status == 1)
        // The axis that fits shows its size in the worked formula.
        #expect(wrong.standardOutput.contains("T2 = (4 - 2 + 2*0)/2 + 1 = 2"))
    }
}
