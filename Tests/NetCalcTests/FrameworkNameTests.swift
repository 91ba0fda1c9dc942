import Testing
@testable import NetCalc

/// Framework names come from each layer kind's definition: every kind states its PyTorch, Keras, Caffe
/// and ONNX names (or why it has none), and a framework user's call is named and rewritten.
@Suite struct FrameworkNameTests {
    /// Names that stand for two keywords on purpose: the hint names both.
    static let sharedOnPurpose: Set<String> = [
        "linear",   // PyTorch's nn.Linear: FC after a flatten, LINEAR on tokens
        "pooling",  // Caffe's Pooling: MAXPOOL or AVGPOOL by its pool field
    ]

    @Test func everyKindHasASummaryAndStatesItsFrameworks() {
        for definition in LayerCatalog.definitions {
            #expect(!definition.summary.isEmpty && !definition.summary.hasSuffix("."), "\(definition.keyword)")
            #expect(!definition.summary.contains("\n"), "\(definition.keyword)")
            // A kind no framework names says how the frameworks build it instead.
            #expect(!definition.frameworks.all.isEmpty || definition.frameworks.note != nil, "\(definition.keyword)")
        }
    }

    @Test func noFrameworkNameStandsForTwoKeywordsUnlessOnPurpose() {
        let shared = FrameworkHints.keywordsByName.filter { $0.value.count > 1 }
        #expect(Set(shared.keys) == Self.sharedOnPurpose, "\(shared)")
    }

    /// A framework name spelled like a netcalc keyword must be that kind (else it would be read silently
    /// as another layer); nn.Linear, LINEAR's too, is the one on purpose, and warns on an image.
    @Test func aNameThatIsAKeywordIsThatKind() {
        for definition in LayerCatalog.definitions {
            for name in definition.frameworks.all {
                guard let other = LayerCatalog.definition(for: name.key), name.key != "linear" else { continue }
                #expect(other.keyword == definition.keyword, "\(name.name) is \(definition.keyword) but reads as \(other.keyword)")
            }
        }
    }

    /// Every framework name that is not a keyword gets an error whose hint names its keyword.
    @Test func everyFrameworkNameGetsItsKeyword() {
        for definition in LayerCatalog.definitions {
            for name in definition.frameworks.all where LayerCatalog.definition(for: name.key) == nil {
                let outcome = runNetCalc(["-e", "INPUT[8x8x4] -> \(name.name)"])
                #expect(outcome.status == 1)
                let keywords = FrameworkHints.keywordsByName[name.key] ?? []
                #expect(keywords.contains(definition.keyword))
                #expect(outcome.standardError.contains("hint: netcalc calls \(name.name) \(keywords.joined(separator: " or "))"),
                        "\(name.name): \(outcome.standardError)")
            }
        }
    }

    /// The hints the issue lists, each with the rewritten call where the arguments are plain.
    @Test(arguments: [
        ("nn.Conv2d(3, 64, 3, padding=1)", "netcalc calls nn.Conv2d CONV: write CONV(64,3,p1) (without in_channels: netcalc takes it from the input)"),
        ("nn.Conv2d(3, 64, kernel_size=3, stride=2, dilation=2, groups=1, bias=False)", "write CONV(64,3,s2,d2,nobias)"),
        ("Conv2d(32, 64, 3, groups=32)", "write CONV(64,3,g32)"),
        ("nn.Linear(512, 10)", "netcalc calls nn.Linear FC or LINEAR: write FC(10) (without in_features"),
        ("nn.MaxPool2d(2, 2)", "netcalc calls nn.MaxPool2d MAXPOOL: write MAXPOOL(2,s2)"),
        ("nn.MaxPool2d(3, stride=2, ceil_mode=True)", "write MAXPOOL(3,s2,ceil)"),
        ("AdaptiveAvgPool2d", "netcalc calls AdaptiveAvgPool2d ADAPTIVEAVGPOOL: "),
        ("nn.AdaptiveAvgPool2d((1))", "write ADAPTIVEAVGPOOL(1); an output of 1 is GAP"),
        ("SeparableConv2D(64, 3)", "netcalc writes SeparableConv2D as a depthwise then a pointwise convolution: DWCONV(3,nobias) -> CONV(64,1)"),
        ("SeparableConv2D", "a depthwise then a pointwise convolution: DWCONV(F) -> CONV(K,1)"),
        ("layers.Conv2D(32, 3, strides=2, use_bias=False)", "netcalc calls layers.Conv2D CONV: write CONV(32,3,s2,nobias)"),
        ("Conv2D(64, 3, activation=relu)", "write CONV(64,3) -> RELU"),
        ("tf.keras.layers.Dense(10)", "netcalc calls tf.keras.layers.Dense FC: write FC(10)"),
        ("nn.ReLU(inplace=True)", "write RELU(inplace)"),
        ("nn.Conv2d(3, 64, k)", "netcalc calls nn.Conv2d CONV: CONV(K, F, sS, pP, dD, gG, nobias)"),
        ("Concatenate", "netcalc writes Concatenate as a merge of branches: CONCAT(a | b)"),
        ("torch.nn.Upsample", "netcalc calls torch.nn.Upsample UPSAMPLE"),
        ("foo.bar", "netcalc's names have no dots"),
    ])
    func frameworkCallsAreNamedAndRewritten(_ call: String, _ hint: String) {
        let outcome = runNetCalc(["-e", "INPUT[32x32x3] -> \(call)"])
        #expect(outcome.status == 1)
        #expect(outcome.standardError.contains(hint), "\(outcome.standardError)")
        #expect(outcome.standardError.components(separatedBy: "error:").count == 2, "one error: \(outcome.standardError)")
    }

    /// PyTorch's and Keras's argument names get netcalc's: the flag nobias, the glued tags.
    @Test(arguments: [
        ("CONV(64,3,bias=False)", "netcalc writes bias=False as the flag nobias: CONV(..., nobias)"),
        ("CONV(64,3,bias=True)", "bias=True is netcalc's default: leave it out"),
        ("FC(10,use_bias=False)", "netcalc writes use_bias=False as the flag nobias"),
        ("CONV(64,kernel_size=3)", "netcalc calls kernel_size f"),
        ("CONV(64,3,strides=2)", "netcalc calls strides s"),
        ("CONV(64,3,in_channels=3)", "netcalc takes in_channels from the input: leave it out"),
        ("BN(eps=1)", "eps changes nothing netcalc counts: leave it out"),
    ])
    func frameworkArgumentsGetNetcalcsSpelling(_ call: String, _ hint: String) {
        let outcome = runNetCalc(["-e", "INPUT[32x32x3] -> \(call)"])
        #expect(outcome.status == 1)
        #expect(outcome.standardError.contains("hint: \(hint)"), "\(outcome.standardError)")
    }

    /// `padding='same'` is one error that says how netcalc writes it, and reads on as `padding=same`.
    @Test(arguments: [
        ("CONV(64,3,padding='same')", "hint: write padding=same or p=same"),
        ("CONV(64,3,padding=\"valid\")", "hint: write padding=valid or p0"),
        ("CONV(64,3) -> 'RELU'", "hint: write RELU without the quotes"),
    ])
    func quotedWordsAreOneError(_ call: String, _ hint: String) {
        let outcome = runNetCalc(["-e", "INPUT[32x32x3] -> \(call)"])
        #expect(outcome.status == 1)
        #expect(outcome.standardError.contains("error: netcalc's words are written without quotes"))
        #expect(outcome.standardError.contains(hint), "\(outcome.standardError)")
        #expect(outcome.standardError.components(separatedBy: "error:").count == 2, "one error: \(outcome.standardError)")
    }

    @Test(arguments: ["INPUT[8x8x3] -> CONV(8,3,p=')", "INPUT[8x8x3] -> CONV(8,3,p='')", "INPUT[8x8x3] -> RELU 'a b'"])
    func strayQuotesAreErrors(_ spec: String) {
        let outcome = runNetCalc(["-e", spec])
        #expect(outcome.status == 1)
        #expect(outcome.standardError.contains("unexpected character '''"), "\(outcome.standardError)")
    }

    /// A dotted name is read whole wherever it stands, and is never a name netcalc takes.
    @Test(arguments: ["nn.block = INPUT[8x8x3] -> RELU", "INPUT[8x8x3] -> RELU -> @a.b", "@dtype torch.float16\nINPUT[8x8x3] -> RELU",
                      "INPUT[8x8x3] -> CONV(8, nn.k)"])
    func dottedNamesElsewhereAreErrors(_ spec: String) {
        #expect(runNetCalc(["-e", spec]).status == 1)
    }

    /// Megabyte names and quoted words cost time in proportion to their length, and get no framework hint.
    @Test func hostileNamesStayLinear() {
        let dotted = String(repeating: "nn.", count: 400_000) + "Conv2d(3,64,3)"
        let outcome = runNetCalc(["-e", "INPUT[8x8x3] -> \(dotted)"])
        #expect(outcome.status == 1)
        #expect(!outcome.standardError.contains("netcalc calls"))
        let quoted = runNetCalc(["-e", "INPUT[8x8x3] -> CONV(8,3,p='\(String(repeating: "s", count: 1_000_000))')"])
        #expect(quoted.status == 1)
        #expect(quoted.standardError.contains("hint: write the word without the quotes"))
        #expect(frameworkKey(String(repeating: "a", count: 1_000_000)) == nil)
    }
}
