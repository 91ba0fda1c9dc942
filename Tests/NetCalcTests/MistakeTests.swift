import Testing
@testable import NetCalc

/// Every mistake of the catalog: recognised where it applies (with its numbers), and not claimed where
/// it does not (a wrong answer of the same form on a layer it does not apply to).
@Suite struct MistakeTests {
    /// The verdict on the last answer of `spec`.
    func lastVerdict(_ spec: String) -> Verdict? {
        let file = SourceFile(name: "<test>", text: spec)
        var parser = Parser(file: file)
        let syntax = parser.parse()
        let (networks, _) = Analyzer(spec: syntax, overrides: SettingsOverride(), checkMode: true).analyze()
        return Checker(file: file, syntax: syntax).grade(networks).verdicts.last
    }

    @Test(arguments: [
        // Parameters.
        ("INPUT[227x227x3] -> CONV(96,11,s4) {params: 34848}", Mistake.biasesLeftOut, "one per filter, 96"),
        ("INPUT[4096] -> FC(1000) {params: 4096000}", .biasesLeftOut, "one per output, 1,000"),
        ("INPUT[8x8x16] -> BN {params: 16}", .biasesLeftOut, "one beta per channel, 16"),
        ("INPUT[227x227x3] -> CONV(96,11,s4) {weights: 34944}", .biasesCounted, "weights are the filters alone"),
        ("INPUT[227x227x3] -> CONV(96,11,s4) {params: 11*11*96 + 96}", .inputDepthLeftOut, "spans all 3 input channels"),
        ("INPUT[7x7x512] -> FC(4096) {params: 7*7*4096 + 4096}", .inputDepthLeftOut, "all W*H*D = 7*7*512 = 25,088 input values"),
        ("INPUT[227x227x3] -> CONV(96,11,s4) {params: 11*11*96}", .inputDepthAndBiasesLeftOut, "the input depth and the biases"),
        ("INPUT[8x8x4] -> CONV(8,3,g2) {params: 3*3*4*8 + 8}", .groupsLeftOut, "D/G = 4/2 = 2 channels"),
        ("INPUT[8x8x32] -> DWCONV(3) {params: 3*3*32*32 + 32}", .groupsLeftOut, "a depthwise filter spans one channel"),
        ("INPUT[7x7x512] -> GAP -> FC(1000) {params: 7*7*512*1000 + 1000}", .fcVectorAsVolume, "a vector of 512 values (GAP1's output, 1x1x512), not the 7x7x512 volume of INPUT"),
        ("INPUT[8x8x4] -> POOL(2) {params: 16}", .poolParameters, "takes the maximum of each window"),
        ("INPUT[8x8x4] -> GAP {params: 8}", .poolParameters, "it averages each channel"),
        ("INPUT[8x8x16] -> BN {params: 64}", .runningStatistics, "running mean and variance"),
        // Output volumes.
        ("INPUT[7x7x1] -> CONV(1,3,p2) {5x5x1}", .paddingLeftOut, "with P = 2"),
        ("INPUT[7x7x1] -> CONV(1,3,p2) {7x7x1}", .paddingCountedOnce, "added on both sides, W - F + 2P"),
        ("INPUT[32x32x3] -> CONV(8,3) {32x32x8}", .paddingAdded, "with P = 0, W2 = (W - F)/S + 1"),
        ("INPUT[33x33x3] -> CONV(8,3,s2) {17x17x8}", .paddingAdded, "only with SAME padding"),
        ("INPUT[227x227x3] -> CONV(96,11,s4) {54x54x96}", .plusOneForgotten, "the first position adds one"),
        ("INPUT[227x227x3] -> CONV(96,11,s4) {14x14x96}", .strideTwice, "applied twice"),
        ("INPUT[227x227x3] -> CONV(96,11,s4) {217x217x96}", .strideNotApplied, "divide (W - F + 2P) by S"),
        ("INPUT[227x227x3] -> CONV(96,11,s4) {55x55x3}", .depthFromInput, "K = 96"),
        ("INPUT[55x55x96] -> POOL(3,s2) {27x27x3}", .poolDepthFromWindow, "D2 = D1 = 96: its first argument, 3, is the window's size"),
        ("INPUT[7x7x1] -> CONV(1,3,s3) {2x2x1}", .roundedDown, "floor (PyTorch) result"),
        ("INPUT[7x7x1] -> CONV(1,3,s3) {3x3x1}", .roundedUp, "ceil (Caffe pooling) result"),
        ("INPUT[7x7x1] -> CONV(1,3,s3) {5x5x1}", .sizedWhereInvalid, "the answer is invalid"),
        ("INPUT[227x227x3] -> CONV(96,11,s4) {96x55x55}", .channelsFirst, "you wrote C x H x W (96x55x55, PyTorch's order); the notes write W x H x D: 55x55x96"),
        ("INPUT[32x32x3] -> CONV(10,5) {(10, 28, 28)}", .channelsFirst, "the notes write W x H x D: 28x28x10"),
        // Memory and bytes.
        ("INPUT[227x227x3] -> CONV(96,11,s4) {memory: 1161600}", .bytesForValues, "bytes given where values"),
        ("INPUT[227x227x3] -> CONV(96,11,s4) {bytes: 290400}", .valuesForBytes, "x 4 bytes per fp32 value"),
        ("@dtype fp16\nINPUT[227x227x3] -> CONV(96,11,s4) {bytes: 290400}", .valuesForBytes, "x 2 bytes per fp16 value"),
        ("INPUT[227x227x3] -> CONV(96,11,s4) {memory: 227*227*3}", .inputVolumeCounted, "the layer's input is counted"),
        ("INPUT[227x227x3] -> CONV(96,11,s4) {bytes: 2323200}", .forwardAndBackwardForForward, "forward + backward"),
        ("INPUT[227x227x3] -> CONV(96,11,s4) {fwd+bwd: 1161600}", .forwardOnly, "a gradient for every value"),
        ("INPUT[224x224x3] -> CONV(64,3,p1) {bytes: 12.8MiB}", .binaryForDecimal, "1024 for 1000"),
        ("INPUT[8x8x1] -> CONV(2,3,p1) -> POOL(2)\ntotal {memory: 160}", .inputRowLeftOut, "the input row is left out"),
        ("INPUT[8x8x1] -> CONV(2,3,p1) -> POOL(2)\ntotal {memory: 32}", .lastRowOnly, "only the last row"),
        ("INPUT[8x8x1] -> CONV(2,3,p1) -> POOL(2)\ntotal {bytes: 128}", .lastRowOnly, "only the last row"),
        // Multiply-accumulates.
        ("INPUT[227x227x3] -> CONV(96,11,s4) {macs: 105705600}", .biasAdditionsCounted, "the bias additions"),
        ("INPUT[227x227x3] -> CONV(96,11,s4) {macs: 210830400}", .flopsForMACs, "FLOPs (2 x MACs)"),
        ("INPUT[227x227x3] -> CONV(96,11,s4) {macs: 227*227*96*11*11*3}", .macsOverInputPositions, "55*55 output positions (not the 227*227 input ones)"),
        ("INPUT[8x8x8] -> CONV(8,3,p1,g4) {macs: 8*8*8*3*3*8}", .macsWithoutGroups, "with G = 4 each output reads D/G = 2 channels"),
        ("INPUT[8x8x32] -> DWCONV(3,p1) {macs: 8*8*32*3*3*32}", .macsWithoutGroups, "each depthwise output reads one channel"),
        // Receptive fields.
        ("INPUT[32x32x1] -> CONV(1,3,p1) -> CONV(1,3,p1) {rf: 6}", .receptiveFieldAddsF, "by F - 1 steps, not F"),
        ("INPUT[33x33x1] -> CONV(1,3,s2,p1) -> CONV(1,3,p1) {rf: 5}", .receptiveFieldForgetsJump, "each step of this window moves 2 input pixels"),
    ])
    func mistakeIsRecognised(_ spec: String, _ kind: Mistake, _ words: String) throws {
        let verdict = try #require(lastVerdict(spec))
        #expect(verdict.outcome == .wrong)
        #expect(verdict.mistakeKind == kind, "\(spec): \(verdict.mistake ?? "no mistake named")")
        #expect(verdict.mistake?.contains(words) == true, "\(verdict.mistake ?? "no mistake named")")
    }

    /// A wrong answer of a mistake's form on a layer the mistake does not apply to: not named.
    @Test(arguments: [
        ("INPUT[8x8x4] -> CONV(8,3,nobias) {params: 280}", Mistake.biasesLeftOut),
        ("INPUT[8x8x4] -> CONV(8,3,nobias) {weights: 296}", .biasesCounted),
        ("INPUT[8x8x1] -> CONV(8,3) {params: 72}", .inputDepthLeftOut),
        ("INPUT[8x8x1] -> CONV(8,3) {params: 72}", .inputDepthAndBiasesLeftOut),
        ("INPUT[8x8x4] -> CONV(8,3) {params: 600}", .groupsLeftOut),
        ("INPUT[7x7x512] -> FC(10) {params: 5130}", .fcVectorAsVolume),
        ("INPUT[8x8x4] -> CONV(8,3) {params: 0}", .poolParameters),
        ("INPUT[8x8x4] -> RELU {params: 4}", .poolParameters),
        ("INPUT[8x8x16] -> LAYERNORM {params: 64}", .runningStatistics),
        ("INPUT[7x7x1] -> CONV(1,3,p1) {6x6x1}", .paddingLeftOut),
        ("INPUT[7x7x1] -> CONV(1,3) {6x6x1}", .paddingCountedOnce),
        ("INPUT[32x32x3] -> CONV(8,3,p1) {34x34x8}", .paddingAdded),
        ("INPUT[32x32x3] -> CONV(8,1) {31x31x8}", .paddingAdded),
        ("INPUT[7x7x1] -> CONV(1,3) {6x6x1}", .strideTwice),
        ("INPUT[7x7x1] -> CONV(1,3) {6x6x1}", .strideNotApplied),
        ("INPUT[8x8x4] -> DWCONV(3,p1,m=2) {8x8x4}", .depthFromInput),
        ("INPUT[8x8x4] -> CONV(8,2,s2) {4x4x2}", .poolDepthFromWindow),
        ("INPUT[7x7x1] -> CONV(1,3,s2) {2x2x1}", .roundedDown),
        ("INPUT[7x7x1] -> CONV(1,3,s2) {4x4x1}", .roundedUp),
        ("INPUT[7x7x1] -> CONV(1,3,s2) {5x5x1}", .sizedWhereInvalid),
        ("@dtype int8\nINPUT[8x8x4] -> CONV(8,3,p1) {memory: 1024}", .bytesForValues),
        ("INPUT[8x8x4] -> CONV(8,3,p1) {memory: 1024}", .inputVolumeCounted),
        ("INPUT[8x8x1] -> CONV(2,3,p1)\ntotal {memory: 128}", .lastRowOnly),
        ("INPUT[8x8x4] -> CONV(8,3,p1,nobias) {macs: 18944}", .biasAdditionsCounted),
        ("INPUT[8x8x4] -> POOL(2) {macs: 2}", .flopsForMACs),
        ("INPUT[8x8x4] -> CONV(8,3,p1) {macs: 20000}", .macsOverInputPositions),
        ("INPUT[8x8x4] -> CONV(8,3,p1) {macs: 36864}", .macsWithoutGroups),
        ("INPUT[32x32x1] -> CONV(1,3,p1) -> CONV(1,3,p1) {rf: 4}", .receptiveFieldForgetsJump),
        ("INPUT[4x4x1] -> GAP {rf: 5}", .receptiveFieldAddsF),
        ("INPUT[227x227x3] -> CONV(96,11,s4) {memory: 3.2M}", .binaryForDecimal),
        ("INPUT[8x8x8] -> CONV(8,3,p1) {1x8x8}", .channelsFirst),
    ])
    func mistakeIsNotClaimedWhereItDoesNotApply(_ spec: String, _ kind: Mistake) throws {
        let verdict = try #require(lastVerdict(spec))
        #expect(verdict.outcome == .wrong, "\(spec)")
        #expect(verdict.mistakeKind != kind, "\(spec): \(verdict.mistake ?? "")")
    }

    /// Every kind in the catalog has a test above that recognises it.
    @Test func everyMistakeIsTested() {
        let tested: Set<Mistake> = [
            .biasesLeftOut, .biasesCounted, .inputDepthLeftOut, .inputDepthAndBiasesLeftOut, .groupsLeftOut, .fcVectorAsVolume,
            .poolParameters, .runningStatistics, .paddingLeftOut, .paddingCountedOnce, .paddingAdded, .plusOneForgotten,
            .strideTwice, .strideNotApplied, .depthFromInput, .poolDepthFromWindow, .roundedDown, .roundedUp, .sizedWhereInvalid,
            .bytesForValues, .valuesForBytes, .inputVolumeCounted, .forwardAndBackwardForForward, .forwardOnly,
            .binaryForDecimal, .channelsFirst, .inputRowLeftOut, .lastRowOnly, .biasAdditionsCounted, .flopsForMACs, .macsOverInputPositions,
            .macsWithoutGroups, .receptiveFieldAddsF, .receptiveFieldForgetsJump,
            .addAsConcat, .concatAsAdd, .mergeParameters,  // MergeAnswerTests
        ]
        #expect(Set(Mistake.allCases).subtracting(tested).isEmpty)
    }

    /// When two mistakes give the same value, both are offered.
    @Test func ambiguousAnswersNameEveryMistakeThatFits() throws {
        // (7 - 3 + 1)/1 + 1 = 6 (padding once) and (7 - 3 + 2)/1 = 6 (the +1 forgotten).
        let verdict = try #require(lastVerdict("INPUT[7x7x1] -> CONV(1,3,p1) {6x6x1}"))
        #expect(verdict.mistakeKind == .paddingCountedOnce)
        #expect(verdict.mistake?.contains("; or the +1 is forgotten") == true)
    }
}
