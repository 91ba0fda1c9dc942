import Testing
@testable import NetCalc

/// The spec language: spelling, tags, repetition, blocks and several networks per file.
@Suite struct LanguageTests {
    @Test func keywordsAreCaseInsensitiveAndArrowsAreEqual() throws {
        let a = try #require(network("INPUT[32x32x3] -> conv(8,3,p1) → Relu -> pool(2)"))
        let b = try #require(network("INPUT[32x32x3] -> CONV(8,3,p1) -> RELU -> POOL(2)"))
        #expect(a.rows.map(\.output) == b.rows.map(\.output))
        #expect(a.rows.map(\.op) == ["input", "conv", "relu", "maxpool"])
    }

    @Test(arguments: ["CONV(8,3,s2,p1)", "CONV(8,3,s=2,p=1)", "CONV(8,3,stride=2,padding=1)", "CONV(8,3,2,1)",
                      "CONV(k=8,f=3,s2,pad=1)"])
    func tagSpellings(_ layer: String) throws {
        let net = try #require(network("INPUT[31x31x3] -> \(layer)"))
        #expect(net.rows[1].output == Shape(width: 16, height: 16, depth: 8))
    }

    @Test func nonSquareSizes() throws {
        let net = try #require(network("INPUT[32x16x3] -> CONV(8,7x1,p=3x0) -> POOL(2x1) -> CONV(4,4x3,s2x1,p1)"))
        #expect(net.rows[1].output == Shape(width: 32, height: 16, depth: 8))
        #expect(net.rows[2].output == Shape(width: 16, height: 16, depth: 8))
        #expect(net.rows[3].output == Shape(width: 8, height: 16, depth: 4))
    }

    @Test func vectorInputAndRepetitionAndNames() throws {
        let (networks, diagnostics) = analyze("""
            # two networks in one file
            mlp = INPUT[784] -> [FC(256) -> RELU]*2 -> FC(10)
            INPUT[8x8x1] -> FLATTEN -> FC(2)
            """)
        #expect(diagnostics.isEmpty)
        #expect(networks.map(\.name) == ["mlp", "test"])
        #expect(networks[0].rows.map(\.name) == ["INPUT", "FC1", "RELU1", "FC2", "RELU2", "FC3"])
        #expect(networks[0].totals.params == 784 * 256 + 256 + 256 * 256 + 256 + 2570)
        #expect(networks[1].rows[1].output == Shape(width: 1, height: 1, depth: 64))
    }

    @Test func blocksWithAndWithoutParameters() throws {
        let net = try #require(network("""
            @rounding floor
            stem = CONV(64,7,s2,p3) -> BN -> RELU
            basic(c, s) = CONV(c,3,s=s,p1) -> BN -> RELU
            net = INPUT[224x224x3] -> stem -> basic(128, 2) -> basic(c=4*32, s=1) -> GAP -> FC(10)
            """))
        #expect(net.rows.map(\.output.text) == ["224x224x3", "112x112x64", "112x112x64", "112x112x64",
                                                "56x56x128", "56x56x128", "56x56x128", "56x56x128", "56x56x128",
                                                "56x56x128", "128", "10"])
    }

    @Test func branchesAddConcatAndMultiply() throws {
        let net = try #require(network("""
            INPUT[28x28x256]
              -> CONCAT(CONV(128,1) | CONV(192,3,p1) | CONV(96,5,p2) | POOL(3,s1,p1))
              -> ADD(CONV(672,1) | ID)
              -> MUL(ID | GAP -> FC(672))
            """))
        #expect(net.rows[5].output.depth == 672)
        #expect(net.rows[5].role == .merge(.concat))
        #expect(net.totals.macs > 854_196_224)
        #expect(net.rows.last?.output == Shape(width: 28, height: 28, depth: 672))
    }

    @Test func naiveInceptionModule() throws {
        let net = try #require(network(
            "INPUT[28x28x256] -> CONCAT(CONV(128,1) | CONV(192,3,p1) | CONV(96,5,p2) | POOL(3,s1,p1))"))
        #expect(net.totals.macs == 854_196_224)
        #expect(net.totals.params == 1_089_952)
        #expect(net.rows.last?.output.depth == 672)
    }

    @Test func inceptionModuleWithReductions() throws {
        let net = try #require(network("""
            INPUT[28x28x256] -> CONCAT(CONV(128,1) | CONV(64,1) -> CONV(192,3,p1)
                                       | CONV(64,1) -> CONV(96,5,p2) | POOL(3,s1,p1) -> CONV(64,1))
            """))
        #expect(net.totals.macs == 271_351_808)
        #expect(net.totals.params == 346_720)
        #expect(net.rows.last?.output.depth == 480)
        // The input stays alive until the last branch has read it.
        #expect(net.rows.last?.inputs.count == 4)
    }

    @Test func transposedConvolution() throws {
        let net = try #require(network("INPUT[7x7x512] -> DECONV(256,4,s2,p1) -> DECONV(3,4,s2,p=same,nobias)"))
        #expect(net.rows[1].output == Shape(width: 14, height: 14, depth: 256))  // (7-1)*2 - 2*1 + 4
        #expect(net.rows[1].params == 4 * 4 * 512 * 256 + 256)
        #expect(net.rows[1].macs == 7 * 7 * 512 * 256 * 4 * 4)                  // per input position
        #expect(net.rows[2].output == Shape(width: 28, height: 28, depth: 3))    // same: W x S
        #expect(net.rows[2].biases == 0)
    }

    @Test func branchInputStaysAliveUntilTheMerge() throws {
        // INPUT (100 values) is read by the ADD after the 3-layer branch: it lives through all of it.
        let net = try #require(network("INPUT[10x10x1] -> ADD(CONV(4,3,p1) -> CONV(4,3,p1) -> CONV(1,3,p1) | ID)"))
        // At CONV2: INPUT 100 + CONV1 400 + CONV2 400 alive.
        #expect(net.totals.peakLiveActivations == 900)
        #expect(net.rows.last?.inputs == [3, 0])
        #expect(net.rows.last?.text == "ADD(3 layers | ID)")
        #expect(net.rows.map(\.depth) == [0, 1, 1, 1, 0])
        #expect(net.rows.map(\.startsBranch) == [false, true, false, false, false])
    }

    @Test func mulBroadcastsChannelWeights() throws {
        let net = try #require(network("INPUT[14x14x64] -> MUL(ID | GAP -> FC(4) -> RELU -> FC(64) -> SIGMOID)"))
        #expect(net.rows.last?.output == Shape(width: 14, height: 14, depth: 64))
        #expect(net.totals.params == 64 * 4 + 4 + 4 * 64 + 64)
    }

    /// Regression: a GAP inside a branch multiplied the jump by its input's width, and repeated
    /// squeeze-and-excitation blocks overflowed 64 bits.
    @Test func manySqueezeExcitationBlocksDoNotOverflow() throws {
        let net = try #require(network("""
            se(c) = MUL(ID | GAP -> FC(c/16) -> RELU -> FC(c) -> SIGMOID)
            INPUT[56x56x256] -> [CONV(256,3,p1) -> se(256)]*40
            """))
        #expect(net.rows.last?.jump == Sizes(square: 1))
    }

    /// Regression: `s=s` in a block whose other arguments are constants was checked as if `s` were a word.
    @Test func parameterNamesAsTagValues() throws {
        let net = try #require(network("""
            down(s) = DWCONV(3,s=s,p1)
            INPUT[9x9x4] -> down(2)
            """))
        #expect(net.rows[1].output.width == 5)
        #expect(net.rows[1].text == "DWCONV(3,s2,p1)")
    }

    @Test func sizesWithNamesAndFilledInText() throws {
        let net = try #require(network("""
            row(c, k) = CONV(c, k x 1, p=(k-1)/2 x 0, nobias)
            INPUT[17x17x8] -> row(16, 7)
            """))
        #expect(net.rows[1].output == Shape(width: 17, height: 17, depth: 16))
        #expect(net.rows[1].weights == 7 * 1 * 8 * 16)
        #expect(net.rows[1].text == "CONV(16,7x1,p3x0,nobias)")
    }

    @Test func flagsAndPerLayerRounding() throws {
        let net = try #require(network("INPUT[7x7x4] -> CONV(4,3,s3,nobias,floor) -> POOL(2,ceil)"))
        #expect(net.rows[1].biases == 0)
        #expect(net.rows[1].output.width == 2)
        #expect(net.rows[2].output.width == 1)
    }

    @Test(arguments: [
        ("INPUT[8x8x3] -> CONV(4,3) -> INPUT[8x8x3]", "INPUT can only start a network"),
        ("INPUT[8x8x3] -> [RELU]*0", "a repetition needs a count of at least 1, not 0"),
        ("a = RELU -> a\nINPUT[8x8x3] -> a", "the block 'a' uses itself"),
        ("INPUT[8x8x3] -> CONV(4,3,g2)", "groups (2) must divide both the input depth (3) and the filters (4)"),
        ("INPUT[8x8x3] -> CONV(4,3,s0)", "stride (S) must be at least 1, not 0"),
        ("INPUT[8x8x3] -> CONV(4,3,p=-1)", "padding (P) cannot be negative (-1)"),
        // Regression: constant arithmetic was once resolved ahead of the walk as if it were 1.
        ("INPUT[8x8x3] -> CONV(4,3,p=1-2)", "padding (P) cannot be negative (-1)"),
        ("INPUT[8x8x3] -> CONV(4,3,s=2/0)", "division by zero"),
        ("INPUT[8x8x3] -> CONVV(4,3)", "unknown layer or block 'CONVV'"),
        ("INPUT[8x8x3] -> CONV(4,3,stide=2)", "CONV has no argument 'stide'"),
        ("@rounding flor\nINPUT[8x8x3]", "'flor' is not a value for @rounding"),
        ("", "the spec is empty"),
        ("RELU", "a network must start with INPUT[WxHxD]"),
    ])
    func errorMessages(_ text: String, _ message: String) {
        #expect(errors(text).contains(message), "\(errors(text))")
    }

    @Test func everyErrorOfAFileIsReported() {
        let found = errors("""
            a = INPUT[8x8x3] -> CONVV(4,3)
            b = INPUT[8x8x3] -> CONV(4,3,s0)
            c = INPUT[8x8x3] -> FC(0)
            """)
        #expect(found.count == 3)
    }

    @Test func caretsStayUnderTabsAndWideCharacters() {
        let file = SourceFile(name: "t.net", text: "\tINPUT[8x8x3] → CONVV(4,3)")
        let start = Array(file.bytes).firstIndex(of: UInt8(ascii: "C"))!
        let rendered = DiagnosticRenderer(color: false).render(
            Diagnostic(.error, "x", at: SourceRange(start, start + 5), in: file))
        let lines = rendered.split(separator: "\n")
        #expect(lines[0] == "t.net:1:17: error: x")
        #expect(lines[2] == "\t               ^~~~~")
    }
}

/// Named tensors: `as NAME` names an element's output, `@NAME` continues from it, so that any graph
/// (a tensor read across branches) can be written.
@Suite struct NamedTensorTests {
    @Test func aBranchMayReadANamedTensor() throws {
        let net = try #require(network("INPUT[8x8x4] -> CONV(8,3,p1) as stem -> RELU -> CONCAT(ID | @stem -> CONV(4,1)) -> CONV(8,1) -> ADD(@stem | ID)"))
        #expect(net.rows.map(\.op) == ["input", "conv", "relu", "conv", "concat", "conv", "add"])
        #expect(net.rows[3].inputs == [1])  // CONV(4,1) reads the stem, not the RELU
        #expect(net.rows[4].inputs == [2, 3])
        #expect(net.rows[6].inputs == [1, 5])
        #expect(net.rows[6].text == "ADD(@stem | ID)")
        // The stem stays alive until the ADD reads it: the liveness follows the real graph.
        #expect(net.totals.peakLiveActivations >= 512 + 768)
    }

    @Test func namingErrors() {
        #expect(errors("INPUT[8x8x4] -> RELU -> ADD(@nothing | ID)") == ["no tensor is named 'nothing' before this"])
        #expect(errors("INPUT[8x8x4] -> RELU as a -> RELU as a") == ["the name 'a' is given twice"])
    }

    @Test func fmtKeepsNamesOnTheirElement() {
        let text = "INPUT[8x8x4] -> conv(8,3,p1)  as  stem -> relu -> add(@stem|id)\n"
        var parser = Parser(file: SourceFile(name: "<test>", text: text))
        let syntax = parser.parse()
        #expect(SpecFormatter(syntax: syntax, comments: parser.comments).format()
            == "INPUT[8x8x4] -> CONV(8,3,p1) as stem -> RELU -> ADD(@stem | ID)\n")
    }
}
