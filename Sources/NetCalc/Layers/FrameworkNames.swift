/// What the frameworks call each layer kind (PyTorch, Keras, Caffe, ONNX), and the hints built from
/// those names: `nn.Conv2d(3, 64, 3, padding=1)` is CONV, written `CONV(64,3,p1)`.

/// A layer kind's names in the frameworks. Every framework is stated: an empty list says the
/// framework has no layer of its own for the kind (the note then says how it is built there).
struct FrameworkNames: Sendable {
    /// PyTorch's modules: `nn.Conv2d`.
    var pytorch: [FrameworkName]
    /// tf.keras's layers: `Conv2D`.
    var keras: [FrameworkName]
    /// Caffe's layer types: `Convolution`.
    var caffe: [FrameworkName]
    /// ONNX's operators: `Conv`.
    var onnx: [FrameworkName]
    /// How the frameworks build it when they have no layer of that name, or what to watch for.
    var note: String?

    init(pytorch: [FrameworkName], keras: [FrameworkName], caffe: [FrameworkName], onnx: [FrameworkName],
         note: String? = nil) {
        self.pytorch = pytorch
        self.keras = keras
        self.caffe = caffe
        self.onnx = onnx
        self.note = note
    }

    /// Every name, PyTorch's first.
    var all: [FrameworkName] { pytorch + keras + caffe + onnx }

    /// The frameworks in the order the reference shows them, each with its names.
    var byFramework: [(framework: String, names: [FrameworkName])] {
        [("PyTorch", pytorch), ("Keras", keras), ("Caffe", caffe), ("ONNX", onnx)]
    }
}

/// One framework name for a layer kind, and the arguments its calls take, in their positional order
/// (empty when netcalc does not rewrite its calls).
struct FrameworkName: Sendable, ExpressibleByStringLiteral {
    /// As the framework writes it: `nn.Conv2d`, `Conv2D`.
    var name: String
    var arguments: [FrameworkArgument]
    /// What a hint for this name adds: `an output of 1 is GAP` for `nn.AdaptiveAvgPool2d`.
    var hint: String?

    init(_ name: String, _ arguments: [FrameworkArgument] = [], hint: String? = nil) {
        self.name = name
        self.arguments = arguments
        self.hint = hint
    }

    init(stringLiteral name: String) {
        self.init(name)
    }

    /// The name without its module, lower case: the key a written name is looked up by.
    var key: String { frameworkKey(name) ?? "" }
}

/// One argument of a framework's layer call, and what netcalc makes of it.
enum FrameworkArgument: Sendable {
    /// A value netcalc takes as one of its parameters: `stride` is `s`.
    case parameter(String, netcalc: String)
    /// A value netcalc takes from the input: `in_channels`.
    case fromInput(String)
    /// A boolean that gives a netcalc flag when it has the value `when`: `bias=False` is `nobias`.
    case flag(String, when: Bool, netcalc: String)
    /// Keras's `activation='relu'`: the activation as a layer after it.
    case activation(String)
    /// An argument that changes nothing netcalc counts (`eps`, `momentum`): left out.
    case ignored(String)

    /// The framework's name for it.
    var name: String {
        switch self {
        case .parameter(let name, _), .fromInput(let name), .flag(let name, _, _), .activation(let name),
             .ignored(let name):
            return name
        }
    }
}

/// The argument lists of the frameworks' common layers, in their positional order.
extension [FrameworkArgument] {
    static var pytorchConvolution: [FrameworkArgument] {
        [
            .fromInput("in_channels"), .parameter("out_channels", netcalc: "k"), .parameter("kernel_size", netcalc: "f"),
            .parameter("stride", netcalc: "s"), .parameter("padding", netcalc: "p"), .parameter("dilation", netcalc: "d"),
            .parameter("groups", netcalc: "g"), .flag("bias", when: false, netcalc: "nobias"), .ignored("padding_mode"),
        ]
    }

    static var pytorchTransposed: [FrameworkArgument] {
        [
            .fromInput("in_channels"), .parameter("out_channels", netcalc: "k"), .parameter("kernel_size", netcalc: "f"),
            .parameter("stride", netcalc: "s"), .parameter("padding", netcalc: "p"),
        ]
    }

    static var pytorchMaxPool: [FrameworkArgument] {
        [
            .parameter("kernel_size", netcalc: "f"), .parameter("stride", netcalc: "s"), .parameter("padding", netcalc: "p"),
            .parameter("dilation", netcalc: "d"), .ignored("return_indices"), .flag("ceil_mode", when: true, netcalc: "ceil"),
        ]
    }

    static var pytorchAvgPool: [FrameworkArgument] {
        [
            .parameter("kernel_size", netcalc: "f"), .parameter("stride", netcalc: "s"), .parameter("padding", netcalc: "p"),
            .flag("ceil_mode", when: true, netcalc: "ceil"), .ignored("count_include_pad"),
        ]
    }

    static var pytorchLinear: [FrameworkArgument] {
        [
            .fromInput("in_features"), .parameter("out_features", netcalc: "k"), .flag("bias", when: false, netcalc: "nobias"),
        ]
    }

    static var pytorchNorm: [FrameworkArgument] {
        [
            .fromInput("num_features"), .ignored("eps"), .ignored("momentum"), .ignored("affine"),
            .ignored("track_running_stats"),
        ]
    }

    static var pytorchAdaptive: [FrameworkArgument] {
        [.parameter("output_size", netcalc: "size")]
    }

    static var pytorchDropout: [FrameworkArgument] {
        [.parameter("p", netcalc: "p")]
    }

    static var kerasConvolution: [FrameworkArgument] {
        [
            .parameter("filters", netcalc: "k"), .parameter("kernel_size", netcalc: "f"), .parameter("strides", netcalc: "s"),
            .parameter("padding", netcalc: "p"), .ignored("data_format"), .parameter("dilation_rate", netcalc: "d"),
            .parameter("groups", netcalc: "g"), .activation("activation"), .flag("use_bias", when: false, netcalc: "nobias"),
        ]
    }

    static var kerasDepthwise: [FrameworkArgument] {
        [
            .parameter("kernel_size", netcalc: "f"), .parameter("strides", netcalc: "s"), .parameter("padding", netcalc: "p"),
            .parameter("depth_multiplier", netcalc: "m"), .ignored("data_format"), .parameter("dilation_rate", netcalc: "d"),
            .activation("activation"), .flag("use_bias", when: false, netcalc: "nobias"),
        ]
    }

    static var kerasDense: [FrameworkArgument] {
        [
            .parameter("units", netcalc: "k"), .activation("activation"), .flag("use_bias", when: false, netcalc: "nobias"),
        ]
    }

    static var kerasPool: [FrameworkArgument] {
        [
            .parameter("pool_size", netcalc: "f"), .parameter("strides", netcalc: "s"), .parameter("padding", netcalc: "p"),
        ]
    }

    static var kerasDropout: [FrameworkArgument] {
        [.parameter("rate", netcalc: "p")]
    }

    static var pytorchLeakyReLU: [FrameworkArgument] {
        [.parameter("negative_slope", netcalc: "a")]
    }

    /// PyTorch's `ZeroPad2d(padding)` and Keras's `ZeroPadding2D(padding)`: one number pads every side.
    static var zeroPadding: [FrameworkArgument] {
        [.parameter("padding", netcalc: "l")]
    }

    static var pytorchUpsample: [FrameworkArgument] {
        [.parameter("size", netcalc: "size"), .parameter("scale_factor", netcalc: "s")]
    }

    static var kerasUpsample: [FrameworkArgument] {
        [.parameter("size", netcalc: "s")]
    }

    static var pytorchGroupNorm: [FrameworkArgument] {
        [.parameter("num_groups", netcalc: "g"), .fromInput("num_channels"), .ignored("eps"), .ignored("affine")]
    }

    static var pytorchLayerNorm: [FrameworkArgument] {
        [.fromInput("normalized_shape"), .ignored("eps")]
    }

    static var pytorchPixelShuffle: [FrameworkArgument] {
        [.parameter("upscale_factor", netcalc: "r")]
    }

    static var pytorchChannelShuffle: [FrameworkArgument] {
        [.parameter("groups", netcalc: "g")]
    }

    static var pytorchAttention: [FrameworkArgument] {
        [.fromInput("embed_dim"), .parameter("num_heads", netcalc: "h"), .ignored("dropout"),
         .flag("bias", when: false, netcalc: "nobias")]
    }
}

/// The lookup key of a written framework name: its last dotted part, lower case (`nn.Conv2d` and
/// `tf.keras.layers.Conv2D` are both `conv2d`); nil for a name too long to be one.
func frameworkKey(_ name: String) -> String? {
    // No framework name is this long; a hostile megabyte name is answered at once.
    guard name.utf8.count <= 80 else { return nil }
    let last = name.split(separator: ".", omittingEmptySubsequences: false).last.map(String.init) ?? name
    return last.lowercased()
}

/// Framework names for what netcalc writes as a merge, not a layer.
let frameworkMergeNames: [String: MergeKind] = [
    "cat": .concat, "concat": .concat, "concatenate": .concat, "add": .add, "eltwise": .add, "sum": .add,
    "multiply": .mul, "mul": .mul,
]

/// Framework layers that are two netcalc layers: Keras's separable convolutions.
enum FrameworkComposite {
    /// `SeparableConv2D(filters, kernel_size, strides, padding, ...)`: a depthwise then a pointwise convolution.
    static let separable: Set<String> = ["separableconv1d", "separableconv2d", "separableconvolution2d"]
    static let separableArguments: [FrameworkArgument] = [
        .parameter("filters", netcalc: "k"), .parameter("kernel_size", netcalc: "f"), .parameter("strides", netcalc: "s"),
        .parameter("padding", netcalc: "p"), .ignored("data_format"), .parameter("dilation_rate", netcalc: "d"),
        .parameter("depth_multiplier", netcalc: "m"), .activation("activation"),
        .flag("use_bias", when: false, netcalc: "nobias"),
    ]
}

/// Hints for framework users, built from every definition's `frameworks`.
enum FrameworkHints {
    /// The keywords each framework name stands for, by `frameworkKey`, in the catalog's order.
    static let keywordsByName: [String: [String]] = {
        var table: [String: [String]] = [:]
        for definition in LayerCatalog.definitions {
            for name in definition.frameworks.all {
                let key = name.key
                if table[key]?.contains(definition.keyword) != true { table[key, default: []].append(definition.keyword) }
            }
        }
        return table
    }()

    /// The hint for a call whose name is a framework's (`nn.Conv2d(3, 64, 3, padding=1)`): the
    /// keyword, and the call rewritten when its arguments are plain numbers and words.
    static func hint(for call: LayerCall) -> String? {
        guard let key = frameworkKey(call.name) else { return nil }
        let arguments = call.arguments ?? []
        if FrameworkComposite.separable.contains(key) {
            let general = "DWCONV(F) -> CONV(K,1)"
            var written = general
            if let values = rewrite(arguments, FrameworkComposite.separableArguments), let filters = values.parameters["k"] {
                // Keras's one bias is the pointwise convolution's; the activation follows it.
                var depthwise = Rewritten(parameters: values.parameters, flags: ["nobias"])
                depthwise.parameters["k"] = nil
                let pointwise = Rewritten(parameters: ["k": filters, "f": .number(1)], flags: values.flags,
                                          activation: values.activation)
                if let first = callText(depthwise, LayerCatalog.byKeyword["DWCONV"]),
                   let second = callText(pointwise, LayerCatalog.byKeyword["CONV"]) {
                    written = "\(first) -> \(second)"
                }
            }
            return "netcalc writes \(call.name) as a depthwise then a pointwise convolution: \(written)"
                + (written == general ? "" : " (\(general))")
        }
        if let merge = frameworkMergeNames[key] {
            return "netcalc writes \(call.name) as a merge of branches: \(merge.keyword)(a | b)"
        }
        guard let keywords = keywordsByName[key], let first = keywords.first,
              let definition = LayerCatalog.byKeyword[first] else { return nil }
        var text = "netcalc calls \(call.name) " + keywords.joined(separator: " or ")
        // `Conv2d` is PyTorch's and `Conv2D` Keras's: the name written with the same letters is tried first.
        let written = call.name.split(separator: ".").last.map(String.init) ?? call.name
        let names = definition.frameworks.all.filter { $0.key == key }
        let ordered = names.filter { $0.name.hasSuffix(written) } + names.filter { !$0.name.hasSuffix(written) }
        if let (name, values, rewritten) = ordered.lazy.compactMap({ name -> (FrameworkName, Rewritten, String)? in
            guard let values = rewrite(arguments, name.arguments), let text = callText(values, definition) else { return nil }
            return (name, values, text)
        }).first {
            text += ": write \(rewritten)"
            if !values.fromInput.isEmpty {
                text += " (without \(values.fromInput.joined(separator: " and ")): netcalc takes it from the input)"
            }
            if let hint = name.hint { text += "; " + hint }
        } else {
            text += ": \(definition.usage)"
            if let hint = ordered.first?.hint { text += "; " + hint }
        }
        return text
    }

    /// A framework call's arguments read as netcalc's.
    struct Rewritten {
        enum Value {
            case number(Int)
            case size([Int])
            case word(String)
            case decimal(String)

            var text: String {
                switch self {
                case .number(let value): return "\(value)"
                case .size(let values): return values.map(String.init).joined(separator: "x")
                case .word(let word): return word.lowercased()
                case .decimal(let text): return text
                }
            }
        }

        var parameters: [String: Value] = [:]
        var flags: [String] = []
        var activation: String?
        /// The arguments given that netcalc takes from the input (`in_channels`).
        var fromInput: [String] = []
    }

    /// Reads a framework call's arguments by its signature; nil when one is not a plain number or
    /// word, or is not in the signature.
    static func rewrite(_ arguments: [Argument], _ signature: [FrameworkArgument]) -> Rewritten? {
        var result = Rewritten()
        var position = 0
        for argument in arguments {
            let spec: FrameworkArgument
            if argument.tag?.lowercased() == inPlaceFlag, case .word(let word)? = argument.value,
               let truth = Bool(word.lowercased()) {
                if truth { result.flags.append(inPlaceFlag) }
                continue
            }
            if let tag = argument.tag {
                guard let named = signature.first(where: { $0.name == tag }) else { return nil }
                spec = named
            } else {
                guard position < signature.count else { return nil }
                spec = signature[position]
                position += 1
            }
            let value: Rewritten.Value
            switch argument.value {
            case .scalar(let expression)?:
                guard let number = expression.literalValue else { return nil }
                value = .number(number)
            case .size(let axes)?:
                let numbers = axes.compactMap(\.literalValue)
                guard numbers.count == axes.count else { return nil }
                value = .size(numbers)
            case .word(let word)?:
                value = .word(word)
            case .decimal(let text)?:
                value = .decimal(text)
            case nil:
                guard let flag = argument.flag else { return nil }
                value = .word(flag)
            }
            switch spec {
            case .parameter(_, let netcalc):
                result.parameters[netcalc] = value
            case .fromInput(let name):
                result.fromInput.append(name)
            case .ignored:
                break
            case .flag(_, let when, let netcalc):
                guard case .word(let word) = value, let truth = Bool(word.lowercased()) else { return nil }
                if truth == when { result.flags.append(netcalc) }
            case .activation:
                guard case .word(let word) = value else { return nil }
                result.activation = word
            }
        }
        return result
    }

    /// The netcalc call for rewritten arguments: required parameters bare, the others tagged, then
    /// flags, and the activation after an arrow; nil when a parameter or flag does not fit the schema.
    static func callText(_ values: Rewritten, _ definition: LayerDefinition?) -> String? {
        guard let definition else { return nil }
        let schema = definition.schema
        var parts: [String] = []
        var bare = true  // leading arguments are written by position while none is left out
        for (index, spec) in schema.parameters.enumerated() {
            guard let value = values.parameters[spec.name] else {
                if index < schema.required { return nil }
                bare = false
                continue
            }
            switch value {
            case .word(let word) where spec.type == .padding && ["same", "valid"].contains(word.lowercased()): break
            case .decimal where spec.type == .fraction: break
            case .size where spec.type == .size || spec.type == .padding: break
            case .number: break
            case .word, .decimal, .size: return nil
            }
            // The framework's defaults are netcalc's: a stride, dilation or groups of 1 and a padding of 0 are left out.
            if case .number(let number) = value, index >= schema.required,
               (number == 1 && ["s", "d", "g"].contains(spec.name)) || (number == 0 && spec.name == "p") {
                bare = false
                continue
            }
            if bare, spec.positional, index < schema.bareCount {
                parts.append(value.text)
                continue
            }
            bare = false
            switch value {
            case .number, .size:
                parts.append(spec.glued ? spec.name + value.text : "\(spec.name)=\(value.text)")
            case .word, .decimal:
                parts.append("\(spec.name)=\(value.text)")
            }
        }
        guard Set(values.parameters.keys).isSubset(of: Set(schema.parameters.map(\.name))),
              values.flags.allSatisfy({ schema.flags.contains($0) || $0 == inPlaceFlag }) else { return nil }
        parts += values.flags
        var text = parts.isEmpty ? definition.keyword : "\(definition.keyword)(\(parts.joined(separator: ",")))"
        if let activation = values.activation, activation.lowercased() != "linear" {
            guard let next = keywordsByName[activation.lowercased()]?.first
                ?? LayerCatalog.definition(for: activation)?.keyword else { return nil }
            text += " -> \(next)"
        }
        return text
    }

    /// The hint for a framework argument a layer does not take (`bias=False`, `kernel_size=3`).
    static func argumentHint(tag: String, value: ArgumentValue?, definition: LayerDefinition) -> String? {
        let lower = tag.lowercased()
        guard lower.utf8.count <= 40 else { return nil }
        let keyword = definition.keyword
        let schema = definition.schema
        for argument in FrameworkArgument.everySignature where argument.name == lower {
            switch argument {
            case .parameter(_, let netcalc) where schema.parameters.contains(where: { $0.name == netcalc }):
                return "netcalc calls \(tag) \(netcalc): \(definition.usage)"
            case .fromInput:
                return "netcalc takes \(tag) from the input: leave it out"
            case .flag(_, let when, let netcalc) where schema.flags.contains(netcalc):
                guard case .word(let word)? = value, let truth = Bool(word.lowercased()) else {
                    return "write the flag \(netcalc) for \(tag)=\(when ? "True" : "False")"
                }
                return truth == when ? "netcalc writes \(tag)=\(word) as the flag \(netcalc): \(keyword)(..., \(netcalc))"
                    : "\(tag)=\(word) is netcalc's default: leave it out"
            case .activation:
                return "netcalc writes the activation as a layer after it: \(keyword)(...) -> RELU"
            case .ignored:
                return "\(tag) changes nothing netcalc counts: leave it out"
            case .parameter, .flag:
                continue
            }
        }
        return nil
    }
}

extension FrameworkArgument {
    /// Every argument of every signature, for hints about one written by its framework name.
    static let everySignature: [FrameworkArgument] = .pytorchConvolution + .pytorchMaxPool + .pytorchAvgPool + .pytorchLinear
        + .pytorchNorm + .pytorchAdaptive + .kerasConvolution + .kerasDepthwise + .kerasDense + .kerasPool + .kerasDropout
}
