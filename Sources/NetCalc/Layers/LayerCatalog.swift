/// Every layer keyword of the language, listed once. To add a kind, write its file in this folder
/// (a `LayerOperation` with its `LayerDefinition`s) and add its definitions to `definitions` below.

/// One keyword: its schema, a one-line usage for hints, and how checked arguments make its operation.
struct LayerDefinition: Sendable {
    /// The keyword, upper case: `CONV`.
    var keyword: String
    /// Other spellings of the same layer: `POOL` for MAXPOOL.
    var aliases: [String] = []
    var schema: LayerSchema
    /// `CONV(K, F, sS, pP, dD, gG, nobias): e.g. CONV(96,11,s4,p0)`.
    var usage: String
    /// What it does, in one line: `a convolution: K filters of F x F over the input's depth`.
    var summary: String
    /// What PyTorch, Keras, Caffe and ONNX call it (each stated, empty when one has no such layer).
    var frameworks: FrameworkNames
    /// Makes the operation; a problem found in the arguments alone is reported at the call.
    var make: @Sendable (ArgumentValues) throws(ArgumentProblem) -> any LayerOperation

    init(keyword: String, aliases: [String] = [], schema: LayerSchema, usage: String? = nil, summary: String,
         frameworks: FrameworkNames,
         make: @escaping @Sendable (ArgumentValues) throws(ArgumentProblem) -> any LayerOperation) {
        self.keyword = keyword
        self.aliases = aliases
        self.schema = schema
        self.usage = usage ?? (schema.parameters.isEmpty && schema.flags.isEmpty ? "\(keyword) takes no arguments"
            : "\(keyword)(\((schema.parameters.map(\.name) + schema.flags).joined(separator: ", ")))")
        self.summary = summary
        self.frameworks = frameworks
        self.make = make
    }
}

/// The layer keywords of the language.
enum LayerCatalog {
    /// Every layer definition in its family, as `netcalc help layers` lists them.
    static let families: [(name: String, definitions: [LayerDefinition])] = [
        ("Convolutions", [Convolution.definition, DepthwiseConvolution.definition, TransposedConvolution.definition]),
        ("Pooling", Pooling.definitions + [GlobalAveragePooling.definition, AdaptivePooling.average, AdaptivePooling.maximum]),
        ("Dense", [FullyConnected.definition, Flatten.definition]),
        ("Normalization", [BatchNorm.definition, LayerNorm.definition, GroupNorm.definition, InstanceNorm.definition,
                           LocalResponseNorm.definition, ChannelScale.definition, ResponseNorm.definition]),
        ("Activations", Activation.definitions),
        ("Regularization", Regularization.definitions),
        ("Resampling and reshaping", [Upsample.definition, PixelShuffle.definition, ZeroPad.definition, CenterCrop.definition,
                                      ChannelSlice.definition, ChannelShuffle.definition]),
        ("Transformers", [Tokens.definition, ClassTokens.definition, PositionEmbedding.definition, PositionwiseLinear.definition,
                          SelfAttention.definition, TokenSelection.definition, PatchMerge.definition]),
        ("Model files", [TensorOperation.definition]),
    ]

    /// Every layer definition, by family.
    static let definitions: [LayerDefinition] = families.flatMap(\.definitions)

    /// Definitions by keyword and alias, upper case.
    static let byKeyword: [String: LayerDefinition] = {
        var table: [String: LayerDefinition] = [:]
        for definition in definitions {
            for word in [definition.keyword] + definition.aliases {
                precondition(table[word] == nil, "the keyword \(word) is defined twice")
                table[word] = definition
            }
        }
        return table
    }()

    /// Words that are not layers but cannot name a block: `INPUT`, `ID` and the merges.
    static let reservedWords: Set<String> = Set(["INPUT", "ID"] + MergeKind.allCases.map(\.keyword))

    /// The definition a written name calls, if it is a layer keyword (any case).
    static func definition(for name: String) -> LayerDefinition? {
        byKeyword[name.uppercased()]
    }

    /// True when a word is a layer keyword or reserved, in any case.
    static func isReserved(_ name: String) -> Bool {
        let upper = name.uppercased()
        return byKeyword[upper] != nil || reservedWords.contains(upper)
    }

    /// Every keyword and alias, sorted, for suggestions.
    static let allKeywords: [String] = Array(byKeyword.keys).sorted()
}
