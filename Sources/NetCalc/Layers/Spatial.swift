/// Spatial edits: PAD adds zeros around the volume, CROP cuts its centre (U-Net's skip connections).
/// No parameters; the receptive field is kept.

/// `PAD(P)` on every side, or one padding per side in PyTorch's order: `PAD(l, r)` in 1-D,
/// `PAD(l, r, t, b)` (left, right, top, bottom) in 2-D, `PAD(l, r, t, b, front, back)` in 3-D.
struct ZeroPad: LayerOperation {
    static let definition = LayerDefinition(
        keyword: "PAD",
        schema: LayerSchema(parameters: [
            ParameterSpec(names: ["l", "left"], type: .offset, positional: true, description: "left padding"),
            ParameterSpec(names: ["r", "right"], type: .offset, positional: true, description: "right padding"),
            ParameterSpec(names: ["t", "top"], type: .offset, positional: true, description: "top padding"),
            ParameterSpec(names: ["b", "bottom"], type: .offset, positional: true, description: "bottom padding"),
            ParameterSpec(names: ["front"], type: .offset, positional: true, description: "front padding (3-D)"),
            ParameterSpec(names: ["back"], type: .offset, positional: true, description: "back padding (3-D)"),
        ], required: 1, bareArguments: 6),
        usage: "PAD(P), PAD(left, right) in 1-D, PAD(left, right, top, bottom), PAD(l, r, t, b, front, back) in 3-D: e.g. PAD(1), PAD(0,1,0,1)",
        summary: "zero padding around the input: left, right, top, bottom (and front, back in 3-D)",
        frameworks: FrameworkNames(pytorch: [FrameworkName("nn.ZeroPad1d", .zeroPadding), FrameworkName("nn.ZeroPad2d", .zeroPadding),
                                             FrameworkName("nn.ZeroPad3d", .zeroPadding)],
                                   keras: [FrameworkName("ZeroPadding1D", .zeroPadding), FrameworkName("ZeroPadding2D", .zeroPadding),
                                           FrameworkName("ZeroPadding3D", .zeroPadding)], caffe: [], onnx: ["Pad"],
                                   note: "PyTorch's ZeroPad2d takes (left, right, top, bottom) too")) { values throws(ArgumentProblem) in
            if values.entries.count == 1, let only = values.entries.first?.result, case .pair(let pad) = only {
                return ZeroPad(sides: Array(repeating: pad.width, count: 6), uniform: true)
            }
            guard [2, 4, 6].contains(values.entries.count) else {
                throw ArgumentProblem("PAD takes one padding for every side, or two per spatial axis: left, right (1-D), then top, bottom (2-D), then front, back (3-D)")
            }
            return ZeroPad(sides: values.entries.map { values.count($0.spec.name) ?? 0 }, uniform: false)
        }

    /// Paddings before and after each axis, width first: left, right, top, bottom, front, back.
    var sides: [Int]
    /// `PAD(P)`: the same on every side of every axis.
    var uniform: Bool

    var left: Int { sides[0] }
    var right: Int { sides[1] }

    var op: String { "pad" }
    var grading: GradingTraits { .plain }
    /// A padded copy; its backward is a view of the gradient.
    var framework: FrameworkMemory { FrameworkMemory(kept: .nothing, passesGradient: true) }
    var ranks: SpatialRanks { .every }

    func apply(to input: LayerInput) throws(LayerFailure) -> LayerEffect {
        let rank = input.shape.rank
        guard uniform || sides.count == 2 * rank else {
            throw .invalid("\(input.name) gives \(sides.count) paddings, but its input \(input.shape.fullText) is \(input.shape.rankText): it takes 1 or \(2 * rank)",
                           hint: "PyTorch's order, two per spatial axis: " + ["left, right", "top, bottom", "front, back"].prefix(rank).joined(separator: ", "))
        }
        var effect = LayerEffect(keeping: input)
        try counting { () throws(Overflow) in
            for axis in 0..<rank {
                effect.output[axis] = try checkedAdd(input.shape[axis], try checkedAdd(sides[2 * axis], sides[2 * axis + 1]))
            }
        }
        return effect
    }

    func explain(_ explained: ExplainedRow) -> LayerExplanation {
        let row = explained.row
        let input = row.input
        var parts = ["zero padding: \(input.rank == 1 ? "L2 = L1" : "W2 = W1") + left + right = \(input.width) + \(sides[0]) + \(sides[1]) = \(row.output.width)"]
        if input.rank >= 2 { parts.append("H2 = \(input.height) + \(sides[2]) + \(sides[3]) = \(row.output.height)") }
        if input.rank >= 3 { parts.append("T2 = \(input.time) + \(sides[4]) + \(sides[5]) = \(row.output.time)") }
        return .parameterFree(row, shape: parts.joined(separator: "; ") + " -> \(row.output.fullText)",
                              receptiveField: LayerExplanation.unchangedReceptiveField(row))
    }

    func pytorch(_ context: PyTorchContext) -> PyTorchModule {
        let rank = context.row.input.rank
        let names = ["l", "r", "t", "b", "front", "back"]
        let module = rank == 2 ? "nn.ZeroPad2d" : "nn.ConstantPad\(rank)d"
        if uniform || (Set(sides.prefix(2 * rank)).count == 1 && context.symbols?.arguments["r"] == nil) {
            let every = context.count("l", sides[0])
            return PyTorchModule(rank == 2 ? PyCall(module, .value(every)) : PyCall(module, .value(every), .code("0.0")))
        }
        let values = (0..<(2 * rank)).map { PyArgument.value(context.count(names[$0], sides[$0])) }
        return PyTorchModule(rank == 2 ? PyCall(module, .tuple(values)) : PyCall(module, .tuple(values), .code("0.0")))
    }
}

/// `CROP(size)`: the centre of the volume, `size` along each spatial axis; an odd margin leaves the
/// extra column or row on the right and bottom. `CROP(size, o=OFFSET)` keeps `size` from OFFSET
/// instead (per axis, or one number for every axis): `CROP(L, o=0)` keeps a sequence's first L values.
struct CenterCrop: LayerOperation {
    static let definition = LayerDefinition(
        keyword: "CROP",
        schema: LayerSchema(parameters: [ParameterSpec(names: ["size"], type: .size, positional: true,
                                                       description: "crop size"),
                                         ParameterSpec(names: ["o", "offset"], type: .padding, positional: false,
                                                       description: "crop offset")], required: 1),
        usage: "CROP(WxH) or CROP(WxH, o=OFFSET): e.g. CROP(56x56), the centre of the input",
        summary: "a crop of the input to W x H, its centre unless an offset is given",
        frameworks: FrameworkNames(pytorch: [], keras: ["CenterCrop"], caffe: [], onnx: [],
                                   note: "torchvision's transforms.CenterCrop; Caffe's Crop, to another blob's size, reads as TENSOROP")) { values throws(ArgumentProblem) in
            CenterCrop(size: values.pair("size") ?? Sizes(square: 1), offset: values.pair("o"))
        }

    var size: Sizes
    /// Where the crop starts along each axis; nil for the centre.
    var offset: Sizes?

    var op: String { "crop" }
    var grading: GradingTraits { .plain }
    /// A view of the centre; its backward makes a zero gradient of the whole input and fills the centre.
    var framework: FrameworkMemory { FrameworkMemory(kept: .nothing, output: .view) }
    var ranks: SpatialRanks { .every }

    /// Where the crop starts along an axis of an input.
    func start(_ axis: Int, of input: Shape) -> Int {
        offset.map { $0[axis] } ?? (input[axis] - size[axis]) / 2
    }

    func apply(to input: LayerInput) throws(LayerFailure) -> LayerEffect {
        let rank = input.shape.rank
        try size.check(rank: rank, what: "crop size", in: input)
        if let offset { try offset.check(rank: rank, what: "crop offset", in: input) }
        for axis in 0..<rank {
            let end = (CheckedInt(start(axis, of: input.shape)) + size[axis]).value
            guard size[axis] <= input.shape[axis], let end, end <= input.shape[axis] else {
                let sizeText = size.along(rank).map(String.init).joined(separator: "x")
                throw .invalid(offset == nil ? "\(input.name) crops \(sizeText) out of a smaller \(input.shape.fullText) input"
                                   : "\(input.name) crops \(sizeText) from offset \(offset?.text ?? "") out of a \(input.shape.fullText) input, past its end",
                               hint: "a crop is at most the input's size")
            }
        }
        var effect = LayerEffect(keeping: input)
        effect.output = Shape(spatial: size.along(rank), depth: input.shape.depth)
        return effect
    }

    func explain(_ explained: ExplainedRow) -> LayerExplanation {
        let row = explained.row
        let input = row.input
        let shape: String
        if offset != nil {
            shape = "crop from offset \((0..<input.rank).map { String(start($0, of: input)) }.joined(separator: "x")) -> \(row.output.fullText)"
        } else if input.rank == 2 {
            shape = "centre crop: \((input.width - size.width) / 2) columns and \((input.height - size.height) / 2) rows cut from the left and top -> \(row.output.fullText)"
        } else {
            shape = "centre crop: \((0..<input.rank).map { String(start($0, of: input)) }.joined(separator: "x")) cut from the start of each axis -> \(row.output.fullText)"
        }
        return .parameterFree(row, shape: shape, receptiveField: LayerExplanation.unchangedReceptiveField(row))
    }

    func pytorch(_ context: PyTorchContext) -> PyTorchModule {
        let row = context.row
        let rank = row.input.rank
        let starts = (0..<rank).map { start($0, of: row.input) }
        if offset != nil || rank != 2 {
            // Fixed offsets: a slice of each spatial axis, channels first (PyTorch's last axis is the width).
            let slices = (0..<rank).reversed().map { "\(starts[$0]):\(starts[$0] + row.output[$0])" }
            return PyTorchModule(PyCall("Slice", .string(slices.joined(separator: ","))), helpers: [PyTorchHelper(name: "Slice", source: """
                class Slice(nn.Module):
                    \"\"\"Keeps a fixed part of each spatial axis: `Slice("0:10,2:30")` is x[:, :, 0:10, 2:30].\"\"\"

                    def __init__(self, spec):
                        super().__init__()
                        self.index = (slice(None), slice(None)) + tuple(
                            slice(*(int(v) for v in part.split(":"))) for part in spec.split(","))

                    def forward(self, x):
                        return x[self.index]
                """)])
        }
        let size = context.sizes("size", size)
        return PyTorchModule(PyCall("CenterCrop", .value(size.axes[1]), .value(size.axes[0])), helpers: [PyTorchHelper(name: "CenterCrop", source: """
            class CenterCrop(nn.Module):
                \"\"\"The centre height x width of the input.\"\"\"

                def __init__(self, height, width):
                    super().__init__()
                    self.height, self.width = height, width

                def forward(self, x):
                    top = (x.shape[2] - self.height) // 2
                    left = (x.shape[3] - self.width) // 2
                    return x[:, :, top:top + self.height, left:left + self.width]
            """)])
    }
}
