import Testing
@testable import NetCalc

/// The layer kinds one by one: each formula on worked numbers, the catalog's own examples, and the
/// facets every kind must have (explain lines, a PyTorch module, canonical text that parses again).
@Suite struct LayerKindTests {
    /// One layer applied to an input: the output, parameters, non-trainable values, MACs and receptive field.
    struct Case: CustomTestStringConvertible, Sendable {
        var input: String
        var layer: String
        var output: String
        var params: Int
        var nonTrainable = 0
        var macs = 0
        var rf = 1
        var testDescription: String { "\(layer) on \(input)" }
    }

    static let cases: [Case] = [
        Case(input: "14x14x64", layer: "UPSAMPLE(2)", output: "28x28x64", params: 0),
        Case(input: "14x14x64", layer: "UPSAMPLE(2x3)", output: "28x42x64", params: 0),
        Case(input: "14x14x64", layer: "UPSAMPLE(size=224x224,bilinear)", output: "224x224x64", params: 0, rf: 2),
        Case(input: "1x1x64", layer: "UPSAMPLE(size=28x28,bilinear)", output: "28x28x64", params: 0, rf: 1),
        Case(input: "7x7x64", layer: "PIXELSHUFFLE(2)", output: "14x14x16", params: 0),
        Case(input: "7x7x27", layer: "PIXELSHUFFLE(3)", output: "21x21x3", params: 0),
        Case(input: "13x13x8", layer: "ADAPTIVEAVGPOOL(6x6)", output: "6x6x8", params: 0, rf: 3),
        Case(input: "224x224x8", layer: "ADAPTIVEMAXPOOL(7)", output: "7x7x8", params: 0, rf: 32),
        Case(input: "5x5x8", layer: "ADAPTIVEAVGPOOL(3)", output: "3x3x8", params: 0, rf: 3),
        Case(input: "2x2x8", layer: "ADAPTIVEAVGPOOL(3)", output: "3x3x8", params: 0, rf: 2),
        Case(input: "56x56x96", layer: "LAYERNORM", output: "56x56x96", params: 192),
        Case(input: "56x56x96", layer: "GROUPNORM(32)", output: "56x56x96", params: 192),
        Case(input: "56x56x96", layer: "INSTANCENORM", output: "56x56x96", params: 0),
        Case(input: "56x56x96", layer: "INSTANCENORM(affine)", output: "56x56x96", params: 192),
        Case(input: "56x56x96", layer: "SCALE", output: "56x56x96", params: 96),
        Case(input: "56x56x96", layer: "SCALE(bias)", output: "56x56x96", params: 192),
        Case(input: "56x56x96", layer: "PRELU", output: "56x56x96", params: 1),
        Case(input: "56x56x96", layer: "PRELU(per_channel)", output: "56x56x96", params: 96),
        Case(input: "56x56x96", layer: "HARDSIGMOID", output: "56x56x96", params: 0),
        Case(input: "56x56x96", layer: "MISH", output: "56x56x96", params: 0),
        Case(input: "56x56x96", layer: "SWISH", output: "56x56x96", params: 0),
        Case(input: "56x56x96", layer: "DROPPATH(0.1)", output: "56x56x96", params: 0),
        Case(input: "56x56x96", layer: "DROPPATH", output: "56x56x96", params: 0),
        Case(input: "30x30x3", layer: "PAD(1)", output: "32x32x3", params: 0),
        Case(input: "30x30x3", layer: "PAD(0,1,2,3)", output: "31x35x3", params: 0),
        Case(input: "64x64x512", layer: "CROP(56x56)", output: "56x56x512", params: 0),
        Case(input: "64x63x512", layer: "CROP(57x60)", output: "57x60x512", params: 0),
        Case(input: "28x28x116", layer: "SLICE(0,58)", output: "28x28x58", params: 0),
        Case(input: "28x28x116", layer: "SLICE(58,116)", output: "28x28x58", params: 0),
        Case(input: "28x28x116", layer: "SHUFFLE(2)", output: "28x28x116", params: 0),
        // The kinds that were there before, on the same footing.
        Case(input: "227x227x3", layer: "CONV(96,11,s4)", output: "55x55x96", params: 34_944, macs: 105_415_200, rf: 11),
        Case(input: "56x56x64", layer: "DWCONV(3,p1,nobias)", output: "56x56x64", params: 576, macs: 1_806_336, rf: 3),
        Case(input: "7x7x512", layer: "DECONV(256,4,s2,p1)", output: "14x14x256", params: 2_097_408, macs: 102_760_448, rf: 2),
        Case(input: "55x55x96", layer: "POOL(3,s2)", output: "27x27x96", params: 0, rf: 3),
        Case(input: "56x56x64", layer: "BN", output: "56x56x64", params: 128, nonTrainable: 128),
        Case(input: "6x6x256", layer: "FC(4096)", output: "4096", params: 37_752_832, macs: 37_748_736, rf: 6),
        // 1-D (length x channels) and 3-D (width x height x time x channels), each checked against
        // PyTorch's Conv1d/Conv3d, pools and linear layers (output shape and parameters).
        Case(input: "16000x1", layer: "CONV(32,80,s16)", output: "996x32", params: 2_592, macs: 2_549_760, rf: 80),
        Case(input: "100x8", layer: "DWCONV(3,p1)", output: "100x8", params: 32, macs: 2_400, rf: 3),
        Case(input: "50x16", layer: "DECONV(8,4,s2,p1)", output: "100x8", params: 520, macs: 25_600, rf: 2),
        Case(input: "100x8", layer: "POOL(2)", output: "50x8", params: 0, rf: 2),
        Case(input: "100x8", layer: "ADAPTIVEAVGPOOL(7)", output: "7x8", params: 0, rf: 16),
        Case(input: "100x8", layer: "FC(10)", output: "10", params: 8_010, macs: 8_000, rf: 100),
        Case(input: "100x8", layer: "GAP", output: "8", params: 0, rf: 100),
        Case(input: "100x8", layer: "BN", output: "100x8", params: 16, nonTrainable: 16),
        Case(input: "100x8", layer: "PAD(1,2)", output: "103x8", params: 0),
        Case(input: "100x8", layer: "CROP(90,o=0)", output: "90x8", params: 0),
        Case(input: "100x8", layer: "UPSAMPLE(2,bilinear)", output: "200x8", params: 0, rf: 2),
        Case(input: "113x113x16x3", layer: "CONV(64,7x7x3,s=2x2x1,p=3x3x1,nobias)", output: "57x57x16x64",
             params: 28_224, macs: 1_467_196_416, rf: 7),
        Case(input: "56x56x16x64", layer: "CONV(64,3x3x1,p=1x1x0)", output: "56x56x16x64", params: 36_928,
             macs: 1_849_688_064, rf: 3),
        Case(input: "28x28x8x64", layer: "POOL(2)", output: "14x14x4x64", params: 0, rf: 2),
        Case(input: "28x28x8x64", layer: "DECONV(32,2,s2)", output: "56x56x16x32", params: 16_416, macs: 102_760_448, rf: 1),
        Case(input: "7x7x4x512", layer: "UPSAMPLE(2x2x1)", output: "14x14x4x512", params: 0),
        Case(input: "7x7x4x512", layer: "GAP", output: "512", params: 0, rf: 7),
        Case(input: "7x7x4x64", layer: "BN", output: "7x7x4x64", params: 128, nonTrainable: 128),
        Case(input: "8x8x8x4", layer: "PAD(1,1,0,0,2,2)", output: "10x8x12x4", params: 0),
        Case(input: "8x8x8x4", layer: "CROP(4x4x2)", output: "4x4x2x4", params: 0),
        // TensorFlow's SAME at stride 1 with an even filter: PyTorch needs zeros before the input (its
        // output_padding must stay below the stride); found by tools/crosscheck_pytorch.py.
        Case(input: "8x8x4", layer: "DECONV(4,2,s1,p=same)", output: "8x8x4", params: 68, macs: 4_096, rf: 2),
        Case(input: "9x6x5x3", layer: "DECONV(4,2x3x4,s=1x2x1,p=same)", output: "9x12x5x4", params: 292, macs: 77_760, rf: 2),
        // Transformers: tokens are L x C sequences. ViT-B/16's numbers, checked against torchvision's
        // vit_b_16 (tools/crosscheck_zoo.py): ATTENTION is 4C^2 + 4C params, 4*L*C^2 + 2*L^2*C MACs.
        Case(input: "14x14x768", layer: "TOKENS", output: "196x768", params: 0),
        Case(input: "4x4x2x8", layer: "TOKENS", output: "32x8", params: 0),
        Case(input: "196x768", layer: "CLS", output: "197x768", params: 768),
        Case(input: "196x384", layer: "CLS(2)", output: "198x384", params: 768),
        Case(input: "197x768", layer: "POSEMBED", output: "197x768", params: 151_296),
        Case(input: "197x768", layer: "LINEAR(3072)", output: "197x3072", params: 2_362_368, macs: 464_781_312),
        Case(input: "197x768", layer: "LINEAR(3072,nobias)", output: "197x3072", params: 2_359_296, macs: 464_781_312),
        Case(input: "7x7x64", layer: "LINEAR(32)", output: "7x7x32", params: 2_080, macs: 100_352),
        Case(input: "197x768", layer: "ATTENTION(12)", output: "197x768", params: 2_362_368, macs: 524_391_936, rf: 197),
        Case(input: "197x384", layer: "ATTENTION(6,nobias)", output: "197x384", params: 589_824, macs: 146_000_640, rf: 197),
        Case(input: "7x7x64", layer: "ATTENTION(4)", output: "7x7x64", params: 16_640, macs: 1_110_144, rf: 7),
        Case(input: "197x768", layer: "TOKEN(0)", output: "768", params: 0),
        // Swin's window attention, checked against torchvision's ShiftedWindowAttention(16, [4, 4], [2, 2], 4)
        // on a 10x9 map (padded to 12x12) with torch.utils.flop_counter: 1,284 params, 221,184 MACs.
        Case(input: "10x9x16", layer: "ATTENTION(4,w=4,shift=2,relbias)", output: "10x9x16", params: 1_284, macs: 221_184, rf: 4),
        Case(input: "56x56x96", layer: "ATTENTION(3,w=7,relbias)", output: "56x56x96", params: 37_755, macs: 145_108_992, rf: 7),
        Case(input: "50x8", layer: "ATTENTION(2,w=8,nobias)", output: "50x8", params: 256, macs: 21_504, rf: 8),
        // MobileViT: 4 sequences of the 256 positions at the same place of every 2x2 patch.
        Case(input: "32x32x64", layer: "ATTENTION(4,patch=2)", output: "32x32x64", params: 16_640, macs: 50_331_648, rf: 32),
        Case(input: "56x56x96", layer: "PATCHMERGE", output: "28x28x384", params: 0, rf: 2),
        Case(input: "15x9x8", layer: "PATCHMERGE", output: "8x5x32", params: 0, rf: 2),
        Case(input: "56x56x96", layer: "GRN", output: "56x56x96", params: 192, rf: 56),
    ]

    @Test(arguments: cases)
    func formula(_ item: Case) throws {
        let net = try #require(network("INPUT[\(item.input)] -> \(item.layer)"), "\(errors("INPUT[\(item.input)] -> \(item.layer)"))")
        let row = try #require(net.rows.last)
        #expect(row.output.text == item.output)
        #expect(row.params == item.params)
        #expect(row.nonTrainable == item.nonTrainable)
        #expect(row.macs == item.macs)
        #expect(row.receptiveField.width == item.rf)
    }

    /// The closed form of PyTorch's largest adaptive window, against counting every window.
    @Test func adaptiveWindowMatchesEveryWindow() {
        for input in 1...60 {
            for output in 1...60 {
                var largest = 0
                for index in 0..<output {
                    let start = index * input / output
                    let end = ((index + 1) * input + output - 1) / output
                    largest = max(largest, end - start)
                }
                #expect(AdaptivePooling.largestWindow(input: input, output: output) == largest,
                        "input \(input), output \(output)")
            }
        }
    }

    /// The kinds that take sequences only (tokens), tried on a sequence rather than an image.
    static let sequenceKinds: Set = ["CLS", "TOKEN"]

    /// Every keyword's usage example (`e.g. ...`) analyzes on a typical volume (a sequence of tokens for
    /// the kinds that take only sequences).
    @Test(arguments: LayerCatalog.definitions.map(\.keyword))
    func usageExampleAnalyzes(_ keyword: String) throws {
        let definition = try #require(LayerCatalog.definition(for: keyword))
        let input = Self.sequenceKinds.contains(keyword) ? "INPUT[196x64]" : "INPUT[64x64x64]"
        guard let range = definition.usage.range(of: "e.g. ") else {
            // Keywords without arguments: the keyword alone is the example.
            #expect(network("\(input) -> \(keyword)") != nil, "\(errors("\(input) -> \(keyword)"))")
            return
        }
        let examples = definition.usage[range.upperBound...].split(separator: ";")[0].components(separatedBy: ", ")
            .filter { example in
                ([keyword] + definition.aliases).contains { example.uppercased().hasPrefix($0) }
            }
        #expect(!examples.isEmpty, "\(definition.usage)")
        for example in examples {
            let text = "\(input) -> \(example)"
            #expect(network(text, rounding: .floor) != nil, "\(text): \(errors(text))")
        }
    }

    /// Every kind explains itself, emits a PyTorch module, and writes canonical text that analyzes
    /// to the same row.
    @Test(arguments: cases)
    func everyFacet(_ item: Case) throws {
        let net = try #require(network("INPUT[\(item.input)] -> \(item.layer)"))
        let row = try #require(net.rows.last)
        let lines = Explainer(network: net).lines(for: row)
        #expect(lines.count >= 6)
        #expect(lines.allSatisfy { !$0.isEmpty })
        let module = try #require(row.operation).pytorch(PyTorchContext(row: row))
        #expect(module.call.function.hasPrefix("nn.") || PyTorchWriter.helperNames.contains(module.call.function))
        #expect(module.helpers.allSatisfy { PyTorchWriter.helperNames.contains($0.name) })
        #expect((module.channels?.value ?? row.input.depth) == row.output.depth)
        let canonical = try #require(row.layer).canonicalText
        let again = try #require(network("INPUT[\(item.input)] -> \(canonical)"))
        #expect(again.rows.last?.output == row.output)
        #expect(again.rows.last?.params == row.params)
        // A kind with biases says what they belong to, and a pool says how it reduces: check names
        // mistakes by these.
        let grading = try #require(row.operation).grading
        #expect(row.biases == 0 || grading.biases != nil, "\(item.layer)")
        #expect(row.op.contains("pool") || row.op == "gap" ? grading.pooling != nil : grading.pooling == nil, "\(item.layer)")
    }

    /// Every argument the spec gives reaches the emitted module (DROPOUT(0.1) was `nn.Dropout()`).
    @Test(arguments: [
        ("DROPOUT(0.1)", "nn.Dropout(0.1)"), ("DROPOUT(p=0.3)", "nn.Dropout(0.3)"), ("DROPPATH(0.2)", "DropPath(0.2)"),
        ("DROPPATH", "DropPath()"), ("LEAKYRELU(0.2)", "nn.LeakyReLU(0.2)"), ("ELU(a=0.5)", "nn.ELU(0.5)"),
        ("INSTANCENORM(affine)", "nn.InstanceNorm2d(4, affine=True)"), ("SCALE(bias)", "Scale(4, bias=True)"),
        ("PRELU(per_channel)", "nn.PReLU(4)"), ("GROUPNORM(2)", "nn.GroupNorm(2, 4)"), ("NORM(3)", "nn.LocalResponseNorm(3)"),
        ("SHUFFLE(2)", "nn.ChannelShuffle(2)"), ("PIXELSHUFFLE(2)", "nn.PixelShuffle(2)"),
        ("PAD(1,2,3,4)", "nn.ZeroPad2d((1, 2, 3, 4))"), ("CROP(2x3)", "CenterCrop(3, 2)"), ("SLICE(1,3)", "ChannelSlice(1, 3)"),
        ("UPSAMPLE(2,bilinear)", "mode=\"bilinear\""), ("CONV(8,3,s2,p1,d2,g2,nobias)", "dilation=2, groups=2, bias=False"),
        ("ADAPTIVEMAXPOOL(2x1)", "nn.AdaptiveMaxPool2d((1, 2))"), ("BN(caffe)", "affine=False"),
        ("DECONV(4,2,s1,p=same)", "nn.ConstantPad2d((1, 0, 1, 0), 0.0)"),
        ("MAXPOOL(3,s1,p=same,d2)", "nn.ConstantPad2d((2, 2, 2, 2), float('-inf'))"), ("DECONV(4,3,s2,p=same)", "padding=1, output_padding=1"),
    ])
    func emittedModulesKeepEveryArgument(_ layer: String, _ expected: String) throws {
        let net = try #require(network("INPUT[8x8x4] -> \(layer)", rounding: .floor), "\(layer)")
        let module = PyTorchEmitter().render([net])
        #expect(module.contains(expected), "\(layer): \(module.split(separator: "\n").filter { $0.contains("self.") }.first ?? "")")
    }

    @Test func keywordsAreListedOnce() {
        let words = LayerCatalog.definitions.flatMap { [$0.keyword] + $0.aliases }
        #expect(Set(words).count == words.count)
        #expect(LayerCatalog.definition(for: "swish")?.keyword == "SILU")
        #expect(LayerCatalog.definition(for: "Pool")?.keyword == "MAXPOOL")
    }

    @Test func shuffleNetUnitReadsNaturally() throws {
        let net = try #require(network("""
            unit(c) = CONCAT(SLICE(0, c/2) | SLICE(c/2, c) -> CONV(c/2,1,nobias) -> BN -> RELU
                             -> DWCONV(3,p1,nobias) -> BN -> CONV(c/2,1,nobias) -> BN -> RELU) -> SHUFFLE(2)
            INPUT[28x28x116] -> unit(116)
            """))
        #expect(net.rows.last?.output == Shape(width: 28, height: 28, depth: 116))
        #expect(net.totals.params == 58 * 58 * 2 + 58 * 9 + 3 * 2 * 58)  // two 1x1 convs, a depthwise 3x3, three BNs
    }

    @Test func fmtWritesNewKindsCanonically() {
        let text = "INPUT[8x8x8] -> upsample(size = 16x16, bilinear) -> pad(1, 1, 2, 2) -> slice(0, 4) -> prelu(per_channel)\n"
        var parser = Parser(file: SourceFile(name: "<test>", text: text))
        let syntax = parser.parse()
        let formatted = SpecFormatter(syntax: syntax, comments: parser.comments).format()
        #expect(formatted == "INPUT[8x8x8] -> UPSAMPLE(size=16x16,bilinear) -> PAD(1,1,2,2) -> SLICE(0,4) -> PRELU(per_channel)\n")
    }

    @Test func conflictingFlagsAreAnError() {
        #expect(errors("INPUT[8x8x1] -> CONV(1,3,s2,ceil,floor)") == ["floor and ceil cannot both be given"])
        #expect(errors("INPUT[8x8x1] -> UPSAMPLE(2,nearest,bilinear)") == ["nearest and bilinear cannot both be given"])
    }

    /// Found by tools/crosscheck_pytorch.py: PyTorch refuses to normalize a single value.
    @Test func normalizingOneValueIsAnError() {
        #expect(errors("INPUT[44x44x4] -> GAP -> INSTANCENORM") == ["INSTANCENORM on a 1x1 input normalizes each value alone"])
        #expect(errors("INPUT[18x50x1] -> FC(9) -> GROUPNORM(9)") == ["GROUPNORM(9) on a 1x1x9 input normalizes each value alone"])
        #expect(network("INPUT[8x8x4] -> GAP -> GROUPNORM(2)") != nil)
        #expect(network("INPUT[2x1x4] -> INSTANCENORM") != nil)
    }

    @Test func poolPaddingIsAtMostHalfTheWindow() {
        #expect(errors("INPUT[8x8x1] -> POOL(2,p9)") == ["a pool's padding (9) can be at most half its window (1)"])
        // PyTorch halves the window as written, not its dilated extent (found by tools/crosscheck_pytorch.py).
        #expect(errors("INPUT[20x4] -> MAXPOOL(3,p2,d2)") == ["a pool's padding (2) can be at most half its window (1)"])
        #expect(network("INPUT[9x9x1] -> POOL(3,s2,p1)") != nil)
    }
}
