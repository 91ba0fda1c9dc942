import Testing
@testable import NetCalc

/// Every number of the lecture notes (AlexNet, VGG, the worked examples) that a chain can express.
@Suite struct ReferenceTests {
    /// Output size `(W - F + 2P)/S + 1` along one axis, as the notes work it.
    @Test(arguments: [
        (7, 3, 1, 0, WindowOutcome.output(5)),
        (7, 3, 2, 0, .output(3)),
        (7, 3, 3, 0, .notWhole(span: 4)),
        (7, 3, 1, 1, .output(7)),
        (11, 5, 2, 0, .output(4)),            // the notes' numpy example: 11x11x14, F=5, S=2
        (227, 11, 4, 0, .output(55)),
        (224, 11, 4, 0, .notWhole(span: 213)),  // AlexNet's stated 224: 54.25
        (5, 7, 1, 0, .tooLarge(padded: 5, effectiveKernel: 7)),
    ])
    func outputSize(input: Int, kernel: Int, stride: Int, padding: Int, expected: WindowOutcome) throws {
        let axis = WindowAxis(input: input, kernel: kernel, stride: stride, padding: padding, dilation: 1, mode: .explicit)
        #expect(try axis.outcome(.strict) == expected)
    }

    @Test func alexNet224ArithmeticIsShown() {
        #expect(WindowAxis.decimal(span: 213, stride: 4) == "54.25")
        #expect(WindowAxis.decimal(span: 4, stride: 3) == "2.33...")
        let message = errors("INPUT[224x224x3] -> CONV(96,11,s4,p0)").first ?? ""
        #expect(message.contains("(224 - 11 + 2*0)/4 + 1 = 54.25"))
    }

    /// Floor, ceil (with PyTorch's rule for a window starting in the padding) and TensorFlow's SAME.
    @Test(arguments: [
        (7, 3, 3, 0, Rounding.floor, 2),
        (7, 3, 3, 0, .ceil, 3),
        (5, 2, 2, 1, .ceil, 3),      // ceil(5/2)+1 = 4, but the 4th window would start in the right padding
        (6, 2, 2, 1, .ceil, 4),
        (112, 3, 2, 0, .ceil, 56),   // ceil_mode pooling in GoogLeNet: 112 -> 56
        (55, 3, 2, 0, .floor, 27),
    ])
    func rounding(input: Int, kernel: Int, stride: Int, padding: Int, rounding: Rounding, expected: Int) throws {
        let axis = WindowAxis(input: input, kernel: kernel, stride: stride, padding: padding, dilation: 1, mode: .explicit)
        #expect(try axis.outcome(rounding) == .output(expected))
    }

    @Test func samePaddingIsCeilOfInputOverStride() throws {
        let axis = WindowAxis(input: 7, kernel: 3, stride: 2, padding: 0, dilation: 1, mode: .same)
        #expect(try axis.outcome(.strict) == .output(4))
        let net = try #require(network("INPUT[224x224x3] -> CONV(64,7,s2,p=same) -> CONV(64,3,p=valid)"))
        #expect(net.rows[1].output == Shape(width: 112, height: 112, depth: 64))
        #expect(net.rows[2].output == Shape(width: 110, height: 110, depth: 64))
    }

    @Test func dilationWidensTheFilter() throws {
        let net = try #require(network("INPUT[32x32x8] -> CONV(8,3,d2) -> CONV(8,3,p2,d2)"))
        #expect(net.rows[1].output.width == 28)   // Fe = 2*(3-1)+1 = 5
        #expect(net.rows[2].output.width == 28)
        #expect(net.rows[1].receptiveField.width == 5)
    }

    @Test func convParamsOnThreeChannels() throws {
        // N filters of k1 x k2 on 3 channels: N*(k1*k2*3+1); k=3, N=4 -> 112.
        let net = try #require(network("INPUT[8x8x3] -> CONV(4,3)"))
        #expect(net.rows[1].params == 112)
        let rect = try #require(network("INPUT[16x16x3] -> CONV(4,5x3)"))
        #expect(rect.rows[1].params == 4 * (5 * 3 * 3 + 1))
        #expect(rect.rows[1].output == Shape(width: 12, height: 14, depth: 4))
    }

    @Test func cifar10Example() throws {
        let net = try #require(network("INPUT[32x32x3] -> CONV(12,3,p1) -> RELU -> POOL(2) -> FC(10)"))
        #expect(net.rows.map(\.output.fullText) == ["32x32x3", "32x32x12", "32x32x12", "16x16x12", "1x1x10"])
        #expect(net.totals.params == 31_066)
    }

    static let alexNet = """
        INPUT[227x227x3]
          -> CONV(96,11,s4,p0) -> POOL(3,s2) -> NORM
          -> CONV(256,5,p2) -> POOL(3,s2) -> NORM
          -> [CONV(384,3,p1)]*2 -> CONV(256,3,p1) -> POOL(3,s2)
          -> FC(4096) -> FC(4096) -> FC(1000)
        """

    @Test func alexNetTable() throws {
        let net = try #require(network(Self.alexNet))
        #expect(net.rows.dropFirst().map(\.output.text) == [
            "55x55x96", "27x27x96", "27x27x96", "27x27x256", "13x13x256", "13x13x256", "13x13x384", "13x13x384",
            "13x13x256", "6x6x256", "4096", "4096", "1000",
        ])
        #expect(net.rows[1].params == 34_944)
        #expect(net.rows[1].weights == 34_848)
        #expect(net.totals.params == 62_378_344)
    }

    @Test func alexNetWithTwoGPUGroups() throws {
        let text = Self.alexNet
            .replacingOccurrences(of: "CONV(256,5,p2)", with: "CONV(256,5,p2,g2)")
            .replacingOccurrences(of: "[CONV(384,3,p1)]*2 -> CONV(256,3,p1)",
                                  with: "CONV(384,3,p1) -> CONV(384,3,p1,g2) -> CONV(256,3,p1,g2)")
        let net = try #require(network(text))
        #expect(net.totals.params == 60_965_224)
    }

    @Test func zfNetShapes() throws {
        let net = try #require(network(try String(contentsOfFile: packageRoot + "/specs/zfnet.net", encoding: .utf8)))
        let sizes = net.rows.filter { $0.op == "conv" || $0.op == "maxpool" }.map(\.output.width)
        #expect(sizes == [110, 55, 26, 13, 13, 13, 13, 6])
    }

    static let vgg16 = """
        INPUT[224x224x3]
          -> [CONV(64,3,p1)]*2 -> POOL(2) -> [CONV(128,3,p1)]*2 -> POOL(2)
          -> [CONV(256,3,p1)]*3 -> POOL(2) -> [CONV(512,3,p1)]*3 -> POOL(2)
          -> [CONV(512,3,p1)]*3 -> POOL(2) -> FC(4096) -> FC(4096) -> FC(1000)
        """

    @Test func vgg16EveryRow() throws {
        let net = try #require(network(Self.vgg16))
        let memory = [150_528, 3_211_264, 3_211_264, 802_816, 1_605_632, 1_605_632, 401_408, 802_816, 802_816, 802_816,
                      200_704, 401_408, 401_408, 401_408, 100_352, 100_352, 100_352, 100_352, 25_088, 4_096, 4_096, 1_000]
        let weights = [0, 1_728, 36_864, 0, 73_728, 147_456, 0, 294_912, 589_824, 589_824, 0, 1_179_648, 2_359_296,
                       2_359_296, 0, 2_359_296, 2_359_296, 2_359_296, 0, 102_760_448, 16_777_216, 4_096_000]
        #expect(net.rows.map(\.activations) == memory)
        #expect(net.rows.map(\.weights) == weights)
        #expect(net.totals.params == 138_357_544)
        #expect(net.totals.weights == 138_344_128)
        #expect(net.totals.biases == 13_416)
        #expect(net.totals.activations == 15_237_608)
        #expect(net.totals.forwardBytes == 60_950_432)
        #expect(net.totals.backwardBytes == 60_950_432)
        #expect(net.totals.macs == 15_470_264_320)
    }

    /// The VGG paper's Table 2, configurations A to E.
    @Test(arguments: [
        ("A", "CONV(64,3,p1) -> POOL(2) -> CONV(128,3,p1) -> POOL(2) -> [CONV(256,3,p1)]*2 -> POOL(2) -> [CONV(512,3,p1)]*2 -> POOL(2) -> [CONV(512,3,p1)]*2", 132_863_336, 9_116_136),
        ("B", "[CONV(64,3,p1)]*2 -> POOL(2) -> [CONV(128,3,p1)]*2 -> POOL(2) -> [CONV(256,3,p1)]*2 -> POOL(2) -> [CONV(512,3,p1)]*2 -> POOL(2) -> [CONV(512,3,p1)]*2", 133_047_848, 13_933_032),
        ("C", "[CONV(64,3,p1)]*2 -> POOL(2) -> [CONV(128,3,p1)]*2 -> POOL(2) -> [CONV(256,3,p1)]*2 -> CONV(256,1) -> POOL(2) -> [CONV(512,3,p1)]*2 -> CONV(512,1) -> POOL(2) -> [CONV(512,3,p1)]*2 -> CONV(512,1)", 133_638_952, nil),
        ("D", "[CONV(64,3,p1)]*2 -> POOL(2) -> [CONV(128,3,p1)]*2 -> POOL(2) -> [CONV(256,3,p1)]*3 -> POOL(2) -> [CONV(512,3,p1)]*3 -> POOL(2) -> [CONV(512,3,p1)]*3", 138_357_544, 15_237_608),
        ("E", "[CONV(64,3,p1)]*2 -> POOL(2) -> [CONV(128,3,p1)]*2 -> POOL(2) -> [CONV(256,3,p1)]*4 -> POOL(2) -> [CONV(512,3,p1)]*4 -> POOL(2) -> [CONV(512,3,p1)]*4", 143_667_240, 16_542_184),
    ] as [(String, String, Int, Int?)])
    func vggConfigurations(name: String, body: String, params: Int, activations: Int?) throws {
        let net = try #require(network("INPUT[224x224x3] -> \(body) -> POOL(2) -> FC(4096) -> FC(4096) -> FC(1000)"))
        #expect(net.totals.params == params, "VGG \(name)")
        if let activations { #expect(net.totals.activations == activations, "VGG \(name)") }
    }

    @Test func threeStackedThreeByThreeSeeSevenBySeven() throws {
        let c = 64
        let stack = try #require(network("INPUT[56x56x\(c)] -> [CONV(\(c),3,p1,nobias)]*3"))
        let single = try #require(network("INPUT[56x56x\(c)] -> CONV(\(c),7,p3,nobias)"))
        #expect(stack.rows.last?.receptiveField == Sizes(square: 7))
        #expect(single.rows.last?.receptiveField == Sizes(square: 7))
        #expect(stack.totals.weights == 27 * c * c)
        #expect(single.totals.weights == 49 * c * c)
    }

    @Test func fullyConnectedEqualsConvolutionOverTheWholeInput() throws {
        let fc = try #require(network("INPUT[7x7x512] -> FC(4096)"))
        let conv = try #require(network("INPUT[7x7x512] -> CONV(4096,7)"))
        #expect(fc.totals.params == 102_764_544)
        #expect(conv.totals.params == 102_764_544)
        #expect(conv.rows[1].output == Shape(width: 1, height: 1, depth: 4096))
        #expect(fc.totals.macs == conv.totals.macs)
    }

    @Test func depthwiseSeparableWeights() throws {
        let (c, k, c2) = (32, 3, 64)
        let full = try #require(network("INPUT[16x16x\(c)] -> CONV(\(c2),\(k),p1,nobias)"))
        let separable = try #require(network("INPUT[16x16x\(c)] -> DWCONV(\(k),p1,nobias) -> CONV(\(c2),1,nobias)"))
        #expect(full.totals.weights == c * k * k * c2)
        #expect(separable.totals.weights == c * (k * k + c2))
    }

    @Test func leNet5() throws {
        let net = try #require(network(try String(contentsOfFile: packageRoot + "/specs/lenet5.net", encoding: .utf8)))
        #expect(net.totals.params == 61_706)
    }

    @Test func batchNormCountsRunningStatisticsApart() throws {
        let net = try #require(network("INPUT[8x8x16] -> BN"))
        #expect(net.rows[1].params == 32)
        #expect(net.rows[1].nonTrainable == 32)
        #expect(net.totals.params == 32)
    }

    @Test func memoryFollowsBatchDataTypeAndOptimizer() throws {
        var overrides = SettingsOverride()
        overrides.batch = 32
        overrides.dataType = .fp16
        overrides.optimizer = .adam
        let (networks, _) = analyze("INPUT[10x10x3] -> CONV(8,3,p1) -> FC(10)", overrides: overrides)
        let t = try #require(networks.first?.totals)
        let activations = 300 + 800 + 10
        #expect(t.forwardBytes == activations * 32 * 2)
        #expect(t.paramBytes == t.params * 2)
        #expect(t.trainingParamBytes == t.paramBytes * 4)
        #expect(t.trainingBytes == 2 * t.forwardBytes + t.trainingParamBytes)
        // The chain's peak: CONV1's input and output, 300 + 800 values.
        #expect(t.inferencePeakBytes == t.paramBytes + (300 + 800) * 32 * 2)
    }

    @Test func directivesSetOptionsAndTheCommandLineOverrides() throws {
        let text = "@batch 8\n@dtype fp16\n@rounding floor\nINPUT[7x7x1] -> CONV(1,3,s3)"
        let net = try #require(network(text))
        #expect(net.settings == Settings(batch: 8, dataType: .fp16, optimizer: .momentum, rounding: .floor))
        #expect(net.rows[1].output.width == 2)
        let ceil = try #require(network(text, rounding: .ceil))
        #expect(ceil.rows[1].output.width == 3)
    }

    @Test func overflowIsAnErrorNamingTheLayer() {
        #expect(errors("INPUT[99999999999x99999999999x3]").first?.contains("INPUT overflow") == true)
        #expect(errors("INPUT[100000x100000x1000] -> FC(100000000)").first?.contains("FC1 overflow") == true)
        #expect(errors("INPUT[3037000500x3037000500x1]").first?.contains("overflow") == true)
    }
}

/// Human units, exact to the digit shown, for any 64-bit value.
@Suite struct FormattingTests {
    @Test(arguments: [
        (0, "0 B"), (1023, "1023 B"), (1024, "1.0 KiB"), (60_950_432, "58.1 MiB"), (1_048_575, "1.0 MiB"),
        (Int.max, "8.0 EiB"), (3_999_999_999_999_999_999, "3.5 EiB"),
    ])
    func bytes(_ value: Int, _ expected: String) {
        #expect(formatBytes(value) == expected)
    }

    @Test(arguments: [
        (999, "999"), (34_944, "34.9K"), (138_357_544, "138M"), (15_470_264_320, "15.5G"), (999_999, "1.00M"),
        (Int.max, "9.22E"),
    ])
    func approximate(_ value: Int, _ expected: String) {
        #expect(formatApproximate(value) == expected)
    }

    @Test func counts() {
        #expect(formatCount(138_357_544) == "138,357,544")
        #expect(formatCount(Int.max) == "9,223,372,036,854,775,807")
    }

    /// Found by fuzzing: a batch of 999,999,999,999 made the byte figures overflow while formatting.
    @Test func hugeBatchFormatsWithoutTrapping() {
        let outcome = runNetCalc(["--batch", "999999999999", "specs/alexnet_groups.net"])
        #expect(outcome.status == 0)
        #expect(outcome.standardOutput.contains("EiB"))
    }
}

/// Branching networks against torchvision's totals and a MAC count derived here, layer by layer.
@Suite struct ZooTests {
    static func spec(_ name: String) -> NetworkReport? {
        guard let text = try? String(contentsOfFile: packageRoot + "/specs/\(name).net", encoding: .utf8) else { return nil }
        return network(text)
    }

    /// torchvision's published parameter counts; mobilenet_v1 and se_resnet50 are checked against PyTorch
    /// definitions in tools/crosscheck_zoo.py (torchvision has neither).
    @Test(arguments: [
        ("alexnet_torchvision", 61_100_840), ("vgg16_bn", 138_365_992), ("resnet18", 11_689_512),
        ("resnet34", 21_797_672), ("resnet50", 25_557_032), ("resnet101", 44_549_160), ("resnet152", 60_192_808),
        ("resnext50_32x4d", 25_028_904), ("wide_resnet50_2", 68_883_240), ("googlenet", 6_624_904),
        ("inception_v3", 23_834_568), ("mobilenet_v1", 4_231_976), ("mobilenet_v2", 3_504_872),
        ("squeezenet1_0", 1_248_424), ("squeezenet1_1", 1_235_496), ("densenet121", 7_978_856),
        ("se_resnet50", 28_088_024), ("efficientnet_b0", 5_288_548),
    ])
    func totalParams(_ name: String, _ params: Int) throws {
        let net = try #require(Self.spec(name), "specs/\(name).net must analyze without errors")
        #expect(net.totals.params == params)
    }

    /// The modern zoo against PyTorch 2.15 / torchvision 0.29 (tools/crosscheck_zoo.py): the sum of
    /// every parameter's numel, the conv, transposed-conv and linear MACs, and the output.
    @Test(arguments: [
        ("convnext_tiny", 28_589_128, 4_455_531_264, "1000"), ("convnext_small", 50_223_688, 8_683_712_256, "1000"),
        ("convnext_base", 88_591_464, 15_354_729_472, "1000"),
        ("mobilenet_v3_large", 5_483_032, 216_589_760, "1000"), ("mobilenet_v3_small", 2_542_856, 56_510_400, "1000"),
        ("regnet_x_400mf", 5_495_976, 413_812_608, "1000"), ("regnet_y_400mf", 4_344_144, 401_842_848, "1000"),
        ("regnet_y_1_6gf", 11_202_430, 1_612_076_160, "1000"),
        ("shufflenet_v2_x1_0", 2_278_604, 144_907_992, "1000"), ("shufflenet_v2_x0_5", 1_366_792, 40_476_448, "1000"),
        ("mnasnet1_0", 4_383_312, 314_415_872, "1000"), ("mnasnet0_5", 2_218_512, 104_455_968, "1000"),
        ("efficientnet_b1", 7_794_184, 686_802_832, "1000"), ("efficientnet_b3", 12_233_232, 1_827_141_392, "1000"),
        ("efficientnet_v2_s", 21_458_488, 8_365_617_152, "1000"),
        ("densenet161", 28_681_000, 7_727_907_072, "1000"), ("densenet169", 14_149_480, 3_359_843_328, "1000"),
        ("densenet201", 20_013_928, 4_291_365_888, "1000"),
        ("resnext101_32x8d", 88_791_336, 16_414_015_488, "1000"), ("wide_resnet101_2", 126_886_696, 22_753_050_624, "1000"),
        ("vgg11_bn", 132_868_840, 7_609_090_048, "1000"), ("vgg19_bn", 143_678_248, 19_632_062_464, "1000"),
        ("fcn_resnet50", 32_957_013, 26_484_498_432, "224x224x21"),
        ("deeplabv3_resnet50", 39_638_869, 31_310_548_992, "224x224x21"),
        ("lraspp_mobilenet_v3_large", 3_221_538, 379_281_312, "224x224x21"),
        ("unet", 31_030_658, 150_428_424_448, "388x388x2"),
    ] as [(String, Int, Int, String)])
    func modernZoo(_ name: String, _ params: Int, _ macs: Int, _ output: String) throws {
        let net = try #require(Self.spec(name), "specs/\(name).net must analyze without errors")
        #expect(net.totals.params == params)
        #expect(net.totals.macs == macs)
        #expect(net.rows.last?.output.text == output)
    }

    @Test func inceptionModuleSpecs() throws {
        let naive = try #require(Self.spec("inception_module_naive"))
        #expect(naive.totals.macs == 854_196_224)
        #expect(naive.rows.last?.output == Shape(width: 28, height: 28, depth: 672))
        let reduced = try #require(Self.spec("inception_module_reduced"))
        #expect(reduced.totals.macs == 271_351_808)
        #expect(reduced.rows.last?.output == Shape(width: 28, height: 28, depth: 480))
        #expect(reduced.totals.macs < 358_000_000)  // the slides' 358M assumes 128 channels into the 3x3
    }

    @Test func resnet50MACs() throws {
        let net = try #require(Self.spec("resnet50"))
        var macs = 112 * 112 * 64 * (7 * 7 * 3)
        var (size, inputDepth) = (56, 64)
        for (stage, blocks) in [3, 4, 6, 3].enumerated() {
            let width = 64 << stage
            let output = width * 4
            if stage > 0 { size /= 2 }
            for block in 0..<blocks {
                let cin = block == 0 ? inputDepth : output
                // 1x1 reduce (at the input's size: the stride sits on the 3x3), 3x3, 1x1 expand.
                let inSize = block == 0 && stage > 0 ? size * 2 : size
                macs += inSize * inSize * width * cin + size * size * width * width * 9 + size * size * output * width
                if block == 0 { macs += size * size * output * cin }
            }
            inputDepth = output
        }
        macs += 2048 * 1000
        #expect(net.totals.macs == macs)
        #expect(net.totals.macs == 4_089_184_256)
    }

    @Test func resnet18MACs() throws {
        let net = try #require(Self.spec("resnet18"))
        #expect(net.totals.params == 11_689_512)
        // Stem, then four stages of two basic blocks; each stage after the first halves the size, doubles
        // the channels and has a strided first conv and a 1x1 projection shortcut.
        var macs = 112 * 112 * 64 * (7 * 7 * 3)
        var (size, channels) = (56, 64)
        for stage in 0..<4 {
            let input = channels
            if stage > 0 { size /= 2; channels *= 2 }
            let conv = { (cin: Int) in size * size * channels * 9 * cin }
            macs += conv(input) + 3 * conv(channels)
            if stage > 0 { macs += size * size * channels * input }
        }
        macs += 512 * 1000
        #expect(net.totals.macs == macs)
        #expect(net.totals.macs == 1_814_073_344)
    }
}
