/// The mistakes `netcalc check` names: for each answer key, the value an answer would have after each
/// known slip, worked out from the row answered. A mistake is named only where it changes the value
/// (padding counted once needs padding; the bias additions need biases), so it is never claimed where
/// it does not apply.

/// A value an answer is compared with: the truth, a follow-through value, or what a mistake gives.
enum Candidate: Equatable, Sendable {
    case count(Int)
    case shape(Shape)
    /// The sizes do not fit.
    case invalid
    /// Any number but 0: a layer without parameters given some.
    case nonzero
    /// A count past 64 bits: no answer matches it, and it is never printed as a number.
    case tooLarge
}

/// Every mistake `netcalc check` recognises, by kind: the class summary counts them by kind, and the
/// verdict's text gives the numbers.
enum Mistake: String, CaseIterable, Sendable {
    // Parameters.
    case biasesLeftOut = "biases-left-out"
    case biasesCounted = "biases-counted"
    case inputDepthLeftOut = "input-depth-left-out"
    case inputDepthAndBiasesLeftOut = "input-depth-and-biases-left-out"
    case groupsLeftOut = "groups-left-out"
    case fcVectorAsVolume = "fc-vector-as-volume"
    case poolParameters = "pool-parameters"
    case runningStatistics = "running-statistics-counted"
    // Output volumes.
    case paddingLeftOut = "padding-left-out"
    case paddingCountedOnce = "padding-counted-once"
    case paddingAdded = "padding-added"
    case plusOneForgotten = "plus-one-forgotten"
    case strideTwice = "stride-applied-twice"
    case strideNotApplied = "stride-not-applied"
    case depthFromInput = "depth-from-input"
    case poolDepthFromWindow = "pool-depth-from-window"
    case roundedDown = "rounded-down"
    case roundedUp = "rounded-up"
    case sizedWhereInvalid = "sized-where-invalid"
    case channelsFirst = "channels-first-layout"
    case addAsConcat = "add-as-concat"
    case concatAsAdd = "concat-as-add"
    case mergeParameters = "merge-parameters"
    // Memory and bytes.
    case bytesForValues = "bytes-for-values"
    case valuesForBytes = "values-for-bytes"
    case inputVolumeCounted = "input-volume-counted"
    case forwardAndBackwardForForward = "fwd-bwd-for-forward"
    case forwardOnly = "forward-only"
    case binaryForDecimal = "1024-for-1000"
    case inputRowLeftOut = "input-row-left-out"
    case lastRowOnly = "last-row-only"
    // Multiply-accumulates.
    case biasAdditionsCounted = "bias-additions-counted"
    case flopsForMACs = "flops-for-macs"
    case macsOverInputPositions = "macs-over-input-positions"
    case macsWithoutGroups = "macs-without-groups"
    // Receptive fields.
    case receptiveFieldAddsF = "rf-adds-f"
    case receptiveFieldForgetsJump = "rf-forgets-jump"

    /// A few words for the class summary.
    var title: String {
        switch self {
        case .biasesLeftOut: return "biases left out"
        case .biasesCounted: return "biases counted as weights"
        case .inputDepthLeftOut: return "input depth left out"
        case .inputDepthAndBiasesLeftOut: return "input depth and biases left out"
        case .groupsLeftOut: return "groups left out of the parameters"
        case .fcVectorAsVolume: return "FC on a vector counted from the volume before it"
        case .poolParameters: return "a pool given parameters"
        case .runningStatistics: return "batch norm's running statistics counted"
        case .paddingLeftOut: return "padding left out"
        case .paddingCountedOnce: return "padding counted once (W - F + P)"
        case .paddingAdded: return "padding added where there is none"
        case .plusOneForgotten: return "the +1 forgotten"
        case .strideTwice: return "the stride applied twice"
        case .strideNotApplied: return "the stride not applied"
        case .depthFromInput: return "a convolution's depth taken from its input"
        case .poolDepthFromWindow: return "a pool's window size taken as its depth"
        case .roundedDown: return "rounded down where the sizes do not fit"
        case .roundedUp: return "rounded up where the sizes do not fit"
        case .sizedWhereInvalid: return "a size given where the sizes do not fit"
        case .channelsFirst: return "C x H x W written for W x H x D"
        case .addAsConcat: return "ADD read as a concatenation (depths summed)"
        case .concatAsAdd: return "CONCAT read as an addition (one branch's depth)"
        case .mergeParameters: return "a merge given its branches' parameters"
        case .bytesForValues: return "bytes given for values"
        case .valuesForBytes: return "values given for bytes"
        case .inputVolumeCounted: return "the input's volume counted, not the output's"
        case .forwardAndBackwardForForward: return "forward + backward given for forward bytes"
        case .forwardOnly: return "forward bytes only, backward forgotten"
        case .binaryForDecimal: return "1024 for 1000 (MiB for MB)"
        case .inputRowLeftOut: return "the input row left out of the total"
        case .lastRowOnly: return "only the last row given for a total"
        case .biasAdditionsCounted: return "bias additions counted in MACs"
        case .flopsForMACs: return "FLOPs given for MACs"
        case .macsOverInputPositions: return "MACs over the input's positions"
        case .macsWithoutGroups: return "MACs without the /G of groups"
        case .receptiveFieldAddsF: return "receptive field adds F, not F - 1"
        case .receptiveFieldForgetsJump: return "receptive field forgets the jump"
        }
    }
}

/// A mistake recognised in one answer: its kind, and what a teacher would write, with the numbers.
struct NamedMistake: Equatable, Sendable {
    var kind: Mistake
    var text: String

    init(_ kind: Mistake, _ text: String) {
        self.kind = kind
        self.text = text
    }
}

/// The values each known mistake gives for one row's answers.
struct MistakeCatalog {
    /// The row answered.
    let row: LayerRow
    /// The network it belongs to: the rows it reads, and the settings.
    let network: NetworkReport

    private var settings: Settings { network.settings }

    /// The row whose output this row reads first, when there is one.
    private var source: LayerRow? {
        row.firstInput >= 0 && row.firstInput < network.rows.count ? network.rows[row.firstInput] : nil
    }

    /// Every known mistake for an answer to `key`, with the value it gives, most likely first.
    func candidates(_ key: AnswerKey) -> [(Candidate, NamedMistake)] {
        switch key {
        case .params, .weights: return parameters(key)
        case .shape: return shapes()
        case .memory:
            var list: [(Candidate, NamedMistake)] = []
            if row.forwardBytes != row.activations {
                list.append((.count(row.forwardBytes), NamedMistake(.bytesForValues, "bytes given where values were asked")))
            }
            if let volume = try? row.input.volume(), row.role == .layer {
                list.append((.count(volume), NamedMistake(.inputVolumeCounted, "the layer's input is counted, not its output: memory is W2*H2*D2 of the output volume")))
            }
            return list
        case .bytes:
            var list: [(Candidate, NamedMistake)] = []
            if row.forwardBytes != row.activations {
                list.append((.count(row.activations), NamedMistake(.valuesForBytes, "values given where bytes were asked: x \(settings.dataType.bytes) bytes per \(settings.dataType.rawValue) value\(settings.batch == 1 ? "" : " and x batch \(settings.batch)")")))
            }
            if let both = exactProduct(row.forwardBytes, 2), both != 0 {
                list.append((.count(both), NamedMistake(.forwardAndBackwardForForward, "forward + backward given where the forward bytes were asked")))
            }
            return list
        case .fwdBwd:
            var list: [(Candidate, NamedMistake)] = []
            if row.forwardBytes != 0 {
                list.append((.count(row.forwardBytes), NamedMistake(.forwardOnly, "forward only: the backward pass keeps a gradient for every value, x2")))
            }
            if let values = exactProduct(row.activations, 2), row.forwardBytes != row.activations {
                list.append((.count(values), NamedMistake(.valuesForBytes, "values given where bytes were asked: x \(settings.dataType.bytes) bytes per \(settings.dataType.rawValue) value")))
            }
            return list
        case .macs: return multiplyAccumulates()
        case .rf: return receptiveFields()
        case .note, .points: return []
        }
    }

    // MARK: Parameters

    private func parameters(_ key: AnswerKey) -> [(Candidate, NamedMistake)] {
        if case .merge(let kind) = row.role { return mergedParameters(kind) }  // MergeMistakes.swift
        var list: [(Candidate, NamedMistake)] = []
        let operation = row.operation
        let din = row.input.depth
        let k = row.output.depth
        let bias = key == .params ? row.biases : 0
        if key == .params, row.biases > 0, let owner = operation?.grading.biases {
            let each: String
            switch owner {
            case .output: each = "one per output, \(formatCount(row.biases))"
            case .filter: each = "one per filter, \(formatCount(row.biases))"
            case .channel: each = "one beta per channel, \(formatCount(row.biases))"
            }
            list.append((.count(row.weights), NamedMistake(.biasesLeftOut, "the biases are left out: \(each)")))
        }
        if key == .weights, row.biases > 0 {
            list.append((.count(row.params), NamedMistake(.biasesCounted, "the biases are counted; weights are the filters alone")))
        }
        if let convolution = operation as? Convolution {
            let kernel = convolution.window.kernel
            if din / max(1, convolution.groups) > 1, let withoutDepth = exactProduct(kernel.width, kernel.height, k) {
                if let value = exactSum(withoutDepth, bias) { list.append((.count(value), NamedMistake(.inputDepthLeftOut, "the input depth is left out: each filter spans all \(din / max(1, convolution.groups)) input channels\(convolution.groups > 1 ? " of its group" : "") (F*F*D\(convolution.groups > 1 ? "/G" : ""))"))) }
                if key == .params, row.biases > 0 {
                    list.append((.count(withoutDepth), NamedMistake(.inputDepthAndBiasesLeftOut, "the input depth and the biases are left out")))
                }
            }
            if convolution.groups > 1, let full = exactProduct(kernel.width, kernel.height, din, k) {
                if let value = exactSum(full, bias) { list.append((.count(value), NamedMistake(.groupsLeftOut, "the groups are left out: with G = \(convolution.groups) each filter spans D/G = \(din)/\(convolution.groups) = \(din / convolution.groups) channels, not all \(din)"))) }
            }
        }
        if let depthwise = operation as? DepthwiseConvolution, din > 1,
           let full = exactProduct(depthwise.window.kernel.width, depthwise.window.kernel.height, din, k) {
            if let value = exactSum(full, bias) { list.append((.count(value), NamedMistake(.groupsLeftOut, "counted as a full convolution: a depthwise filter spans one channel (F*F*1), not all \(din)"))) }
        }
        if operation is FullyConnected {
            let area = exactProduct(row.input.width, row.input.height) ?? 0
            if din > 1, let withoutDepth = exactProduct(area, k) {
                if let value = exactSum(withoutDepth, bias) { list.append((.count(value), NamedMistake(.inputDepthLeftOut, "the input depth is left out: each output is connected to all W*H*D = \(row.input.width)*\(row.input.height)*\(din) = \(formatCount(row.weights / max(1, k))) input values"))) }
                if key == .params, row.biases > 0 {
                    list.append((.count(withoutDepth), NamedMistake(.inputDepthAndBiasesLeftOut, "the input depth and the biases are left out")))
                }
            }
            if area == 1, let volume = nearestVolume(), let size = try? volume.output.volume(), let weights = exactProduct(size, k), let value = exactSum(weights, bias) {
                list.append((.count(value), NamedMistake(.fcVectorAsVolume, "\(row.name) reads a vector of \(formatCount(din)) values (\(source?.name ?? "its input")'s output, 1x1x\(din)), not the \(volume.output.fullText) volume of \(volume.name): \(formatCount(din))*\(k)\(bias > 0 ? " + \(bias)" : "")")))
            }
        }
        if row.params == 0, let pooling = operation?.grading.pooling {
            let what: String
            switch pooling {
            case .maximum: what = "takes the maximum of each window"
            case .average: what = "takes the average of each window"
            case .channelAverage: what = "averages each channel"
            }
            list.append((.nonzero, NamedMistake(.poolParameters, "a pool has no parameters: it \(what), and nothing is learned")))
        }
        if operation is BatchNorm, row.params > 0, let both = exactProduct(row.params, 2) {
            list.append((.count(both), NamedMistake(.runningStatistics, "the running mean and variance are counted; they are not trainable")))
        }
        return list
    }


    /// The nearest row before this one (along the rows it reads first) whose output is a volume
    /// wider than 1x1: what a reader might take for a fully connected layer's input.
    private func nearestVolume() -> LayerRow? {
        var index = row.firstInput
        var steps = 0
        while index >= 0, index < network.rows.count, steps < network.rows.count {
            let candidate = network.rows[index]
            if candidate.output.width > 1 || candidate.output.height > 1 { return candidate }
            index = candidate.firstInput
            steps += 1
        }
        return nil
    }

    // MARK: Output volumes

    private func shapes() -> [(Candidate, NamedMistake)] {
        var list: [(Candidate, NamedMistake)] = []
        // PyTorch's (C, H, W) order: the depth first, the width last.
        let output = row.output
        if output.rank == 2, output.depth != output.width {
            let written = "\(output.depth)x\(output.height)x\(output.width)"
            list.append((.shape(Shape(spatial: [output.depth, output.height], depth: output.width)),
                         NamedMistake(.channelsFirst, "you wrote C x H x W (\(written), PyTorch's order); the notes write W x H x D: \(output.fullText)")))
        }
        if case .merge(let kind) = row.role { return list + mergedShapes(kind) }  // MergeMistakes.swift
        guard let windowed = row.operation as? any WindowedOperation else { return list }
        let axes = windowed.window.axes(input: row.input)
        let depth = row.output.depth
        func shape(_ transform: (WindowAxis) -> Int?) -> Candidate? {
            let sizes = axes.compactMap(transform)
            guard sizes.count == axes.count, sizes.allSatisfy({ $0 > 0 }) else { return nil }
            return .shape(Shape(spatial: sizes, depth: depth))
        }
        /// `W + k*P - Fe`, the span the window steps over with the padding counted k times.
        func span(_ axis: WindowAxis, paddings: Int = 2) -> Int? {
            guard axis.mode == .explicit, let effective = try? axis.effectiveKernel(),
                  let padding = exactProduct(axis.padding, paddings) else { return nil }
            let (padded, o1) = axis.input.addingReportingOverflow(padding)
            let (result, o2) = padded.subtractingReportingOverflow(effective)
            return o1 || o2 ? nil : result
        }
        let padded = axes.contains { $0.mode == .explicit && $0.padding > 0 }
        let padding = axes.dropFirst().allSatisfy({ $0.padding == axes[0].padding }) ? "P = \(axes[0].padding)"
            : "P = " + axes.map { String($0.padding) }.joined(separator: "x")
        if padded, let candidate = shape({ axis in span(axis, paddings: 0).flatMap { $0 >= 0 ? $0 / axis.stride + 1 : nil } }) {
            list.append((candidate, NamedMistake(.paddingLeftOut, "the padding is left out: W2 = (W - F + 2P)/S + 1 with \(padding)")))
        }
        if padded, let candidate = shape({ axis in span(axis, paddings: 1).flatMap { $0 >= 0 ? $0 / axis.stride + 1 : nil } }) {
            list.append((candidate, NamedMistake(.paddingCountedOnce, "the padding is counted once: it is added on both sides, W - F + 2P, with \(padding)")))
        }
        let unpadded = axes.allSatisfy { ($0.mode == .explicit && $0.padding == 0) || $0.mode == .valid }
        if unpadded, axes.contains(where: { $0.kernel > 1 || $0.dilation > 1 }),
           let candidate = shape({ axis in ceilDivide(axis.input, axis.stride) }) {
            list.append((candidate, NamedMistake(.paddingAdded, "padding is added where there is none: with P = 0, W2 = (W - F)/S + 1; the input's size (W/S) is kept only with SAME padding")))
        }
        if let candidate = shape({ axis in span(axis).map { $0 / axis.stride } }) {
            list.append((candidate, NamedMistake(.plusOneForgotten, "the +1 is forgotten: (W - F + 2P)/S counts the steps; the first position adds one")))
        }
        if axes.contains(where: { $0.stride > 1 }) {
            if let candidate = shape({ axis in span(axis).flatMap { span in exactProduct(axis.stride, axis.stride).map { span / $0 + 1 } } }) {
                list.append((candidate, NamedMistake(.strideTwice, "the stride is applied twice")))
            }
            if let candidate = shape({ axis in span(axis).map { $0 + 1 } }) {
                list.append((candidate, NamedMistake(.strideNotApplied, "the stride is not applied: divide (W - F + 2P) by S")))
            }
        }
        let din = row.input.depth
        if row.operation is Convolution, din != depth {
            list.append((.shape(Shape(spatial: row.output.spatial, depth: din)),
                         NamedMistake(.depthFromInput, "the depth is the number of filters K = \(depth), not the input's depth")))
        }
        if row.operation is Pooling, windowed.window.kernel.width != depth {
            list.append((.shape(Shape(spatial: row.output.spatial, depth: windowed.window.kernel.width)),
                         NamedMistake(.poolDepthFromWindow, "a pool keeps its input's depth, D2 = D1 = \(depth): its first argument, \(windowed.window.kernel.width), is the window's size, not a number of filters")))
        }
        return list
    }

    // MARK: Multiply-accumulates

    private func multiplyAccumulates() -> [(Candidate, NamedMistake)] {
        var list: [(Candidate, NamedMistake)] = []
        if row.biases > 0, row.macs > 0 {
            let (withBias, overflow) = row.macs.addingReportingOverflow(row.activations)
            if !overflow {
                list.append((.count(withBias), NamedMistake(.biasAdditionsCounted, "the bias additions are counted; MACs here leave them out")))
            }
        }
        if row.macs > 0, let flops = exactProduct(row.macs, 2) {
            list.append((.count(flops), NamedMistake(.flopsForMACs, "FLOPs (2 x MACs) given where MACs were asked")))
        }
        let windowed = row.operation is Convolution || row.operation is DepthwiseConvolution
        let input = row.input
        let output = row.output
        let positionsOut = exactProduct(output.width, output.height) ?? 0
        if windowed, positionsOut > 0, row.macs % positionsOut == 0,
           input.width != output.width || input.height != output.height,
           let positionsIn = exactProduct(input.width, input.height), let overInput = exactProduct(row.macs / positionsOut, positionsIn) {
            list.append((.count(overInput), NamedMistake(.macsOverInputPositions, "the input's positions are counted: each of the \(output.width)*\(output.height) output positions (not the \(input.width)*\(input.height) input ones) takes its dot products")))
        }
        if let convolution = row.operation as? Convolution, convolution.groups > 1, let ungrouped = exactProduct(row.macs, convolution.groups) {
            list.append((.count(ungrouped), NamedMistake(.macsWithoutGroups, "the /G is forgotten: with G = \(convolution.groups) each output reads D/G = \(input.depth / convolution.groups) channels, so MACs = W2*H2*K*F*F*D/G")))
        }
        if row.operation is DepthwiseConvolution, input.depth > 1, let full = exactProduct(row.macs, input.depth) {
            list.append((.count(full), NamedMistake(.macsWithoutGroups, "counted as a full convolution: each depthwise output reads one channel, so MACs = W2*H2*D2*F*F")))
        }
        return list
    }

    // MARK: Receptive fields

    private func receptiveFields() -> [(Candidate, NamedMistake)] {
        var list: [(Candidate, NamedMistake)] = []
        guard let windowed = row.operation as? any WindowedOperation, let source,
              let effective = try? windowed.window.axes(input: row.input)[0].effectiveKernel() else { return list }
        let before = source.receptiveField.width
        let jump = source.jump.width
        let right = exactProduct(effective - 1, jump).flatMap { exactSum(before, $0) }.map { " = \(formatCount($0))" } ?? ""
        if let grown = exactProduct(effective, jump) {
            let (field, overflow) = before.addingReportingOverflow(grown)
            if !overflow {
                list.append((.count(field), NamedMistake(.receptiveFieldAddsF, "the field grows by F - 1 steps, not F: rf = rf1 + (F - 1)*jump1 = \(before) + (\(effective) - 1)*\(jump)\(right)")))
            }
        }
        if jump > 1 {
            let (field, overflow) = before.addingReportingOverflow(effective - 1)
            if !overflow {
                list.append((.count(field), NamedMistake(.receptiveFieldForgetsJump, "the jump is forgotten: after strides totalling \(jump), each step of this window moves \(jump) input pixels, so rf = \(before) + (\(effective) - 1)*\(jump)\(right)")))
            }
        }
        return list
    }

    // MARK: Totals

    /// The known mistakes for a network total.
    static func totals(_ key: AnswerKey, network: NetworkReport, totals: Totals) -> [(Candidate, NamedMistake)] {
        var list: [(Candidate, NamedMistake)] = []
        let settings = network.settings
        let input = network.rows.first
        let last = network.rows.last
        switch key {
        case .params:
            if totals.biases > 0 {
                list.append((.count(totals.weights), NamedMistake(.biasesLeftOut, "the biases are left out (\(formatCount(totals.biases)) of them)")))
            }
        case .weights:
            if totals.biases > 0 {
                list.append((.count(totals.params), NamedMistake(.biasesCounted, "the biases are counted; weights leave them out")))
            }
        case .memory:
            let withoutInput = totals.activations - (input?.activations ?? 0)  // a part of the sum: no overflow
            if let input, input.activations > 0 {
                list.append((.count(withoutInput), NamedMistake(.inputRowLeftOut, "the input row is left out; the total counts it too")))
            }
            if let last, network.rows.count > 1, last.activations != withoutInput {
                list.append((.count(last.activations), NamedMistake(.lastRowOnly, "only the last row is given: the total adds every row, \(network.rows.count) of them")))
            }
            if totals.forwardBytes != totals.activations {
                list.append((.count(totals.forwardBytes), NamedMistake(.bytesForValues, "bytes given where values were asked")))
            }
        case .bytes:
            if totals.forwardBytes != totals.activations {
                list.append((.count(totals.activations), NamedMistake(.valuesForBytes, "values given where bytes were asked: x \(settings.dataType.bytes) bytes per \(settings.dataType.rawValue) value\(settings.batch == 1 ? "" : " and x batch \(settings.batch)")")))
            }
            if let input, input.forwardBytes > 0 {
                // The input's bytes are a part of the sum: no overflow.
                list.append((.count(totals.forwardBytes - input.forwardBytes), NamedMistake(.inputRowLeftOut, "the input row is left out; the total counts it too")))
            }
            if let last, network.rows.count > 2 {
                list.append((.count(last.forwardBytes), NamedMistake(.lastRowOnly, "only the last row is given: the total adds every row, \(network.rows.count) of them")))
            }
            if let both = exactProduct(totals.forwardBytes, 2), both != 0 {
                list.append((.count(both), NamedMistake(.forwardAndBackwardForForward, "forward + backward given where the forward bytes were asked")))
            }
        case .fwdBwd:
            if totals.forwardBytes != 0 {
                list.append((.count(totals.forwardBytes), NamedMistake(.forwardOnly, "forward only: the backward pass keeps a gradient for every value, x2")))
            }
        case .macs:
            if totals.macs > 0, let flops = exactProduct(totals.macs, 2) {
                list.append((.count(flops), NamedMistake(.flopsForMACs, "FLOPs (2 x MACs) given where MACs were asked")))
            }
        case .shape, .rf, .note, .points:
            break
        }
        return list
    }
}

/// The sum, or nil when it does not fit in 64 bits.
func exactSum(_ a: Int, _ b: Int) -> Int? {
    let (result, overflow) = a.addingReportingOverflow(b)
    return overflow ? nil : result
}

/// The product, or nil when it does not fit in 64 bits.
func exactProduct(_ values: Int...) -> Int? {
    var result = 1
    for value in values {
        let (next, overflow) = result.multipliedReportingOverflow(by: value)
        if overflow { return nil }
        result = next
    }
    return result
}
