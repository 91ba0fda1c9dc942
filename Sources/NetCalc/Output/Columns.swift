/// The per-layer columns of the table, CSV and Markdown outputs, chosen and ordered with `--columns`.

/// One column: its name for `--columns`, its headers, and how it shows a row.
enum Column: String, CaseIterable, Sendable {
    case index, layer, op, input, output, kernel, memory, memoryShare = "mem%", bytes, backwardBytes = "bwdbytes"
    case params, paramShare = "params%", weights, biases, nonTrainable = "nontrainable", macs, macsShare = "macs%", rf
    case spec, path
    /// The bytes the framework memory model says autograd keeps for the row (`--memory pytorch`).
    case kept

    /// The table and Markdown columns when none are chosen.
    static let tableDefault: [Column] = [.index, .layer, .output, .memory, .memoryShare, .bytes, .params, .paramShare,
                                         .weights, .macs, .rf, .spec]
    /// The CSV columns when none are chosen: every exact figure.
    static let csvDefault: [Column] = [.index, .layer, .op, .output, .memory, .bytes, .backwardBytes, .params, .weights,
                                       .biases, .nonTrainable, .macs, .rf, .spec, .path]
    /// The default columns for these networks: with the framework memory model, `kept` after the bytes.
    static func defaults(_ base: [Column], for networks: [NetworkReport]) -> [Column] {
        guard networks.contains(where: { $0.settings.shownMemory == .pytorch }), !base.contains(.kept) else { return base }
        var columns = base
        columns.insert(.kept, at: (columns.firstIndex(of: .backwardBytes) ?? columns.firstIndex(of: .bytes)).map { $0 + 1 } ?? columns.count)
        return columns
    }

    /// Which columns a narrow table gives up first.
    /// The input and kernel go early (the row above shows the input, the spec the window), the MACs
    /// share with the other shares.
    static let dropOrder: [Column] = [.weights, .biases, .nonTrainable, .backwardBytes, .op, .input, .kernel, .rf, .bytes,
                                      .kept, .macsShare, .paramShare, .memoryShare, .macs]

    /// Parses `--columns layer,output,params`.
    static func list(_ text: String) -> Result<[Column], UsageError> {
        var columns: [Column] = []
        for name in text.split(separator: ",").map({ $0.trimmingSpaces().lowercased() }) where !name.isEmpty {
            let aliases: [String: Column] = ["#": .index, "name": .layer, "shape": .output, "activations": .memory,
                                             "fwdbytes": .bytes, "text": .spec, "mem": .memoryShare, "param%": .paramShare,
                                             "mac%": .macsShare, "flops%": .macsShare, "window": .kernel]
            guard let column = Column(rawValue: name) ?? aliases[name] else {
                return .failure(UsageError(message: "'\(name)' is not a column",
                                           hint: didYouMean(name, allCases.map(\.rawValue))
                                               ?? "columns: " + allCases.map(\.rawValue).joined(separator: ",")))
            }
            columns.append(column)
        }
        return columns.isEmpty ? .failure(UsageError(message: "--columns needs at least one column", hint: nil))
            : .success(columns)
    }

    /// What the column shows, in one line: for `--columns`'s help and the README.
    var summary: String {
        switch self {
        case .index: return "the row's number, INPUT 0"
        case .layer: return "the layer's name (CONV1), branches drawn as a tree"
        case .op: return "the operation (conv, maxpool, add)"
        case .input: return "the volume the layer reads (a merge: each branch's)"
        case .output: return "the volume the layer writes"
        case .kernel: return "the window the layer slides: 11x11x3 s4 p0 (extent x depth, stride, padding)"
        case .memory: return "activation values the row stores per image"
        case .memoryShare: return "the row's share of the activation memory, with a bar"
        case .bytes: return "forward bytes: memory x batch x bytes per value"
        case .backwardBytes: return "backward bytes: a gradient for every stored value"
        case .params: return "trainable parameters: weights + biases"
        case .paramShare: return "the row's share of the parameters, with a bar"
        case .weights: return "trainable weights"
        case .biases: return "trainable biases"
        case .nonTrainable: return "non-trainable values (batch-norm running statistics)"
        case .macs: return "multiply-accumulates per image (FLOPs = 2 x MACs)"
        case .macsShare: return "the row's share of the MACs, with a bar"
        case .rf: return "the receptive field on the input"
        case .spec: return "the layer as written in the spec"
        case .path: return "the row's place among block uses (stage#2/bottleneck#1)"
        case .kept: return "bytes autograd keeps for the backward pass (--memory pytorch)"
        }
    }

    var header: String {
        switch self {
        case .index: return "#"
        case .memoryShare: return "memory share"
        case .bytes: return "fwd bytes"
        case .backwardBytes: return "bwd bytes"
        case .paramShare: return "param share"
        case .nonTrainable: return "non-trainable"
        case .macs: return "MACs"
        case .macsShare: return "MACs share"
        case .rf: return "RF"
        case .layer, .op, .input, .output, .kernel, .memory, .params, .weights, .biases, .spec, .path, .kept:
            return rawValue
        }
    }

    /// The CSV header: the JSON key of the same figure.
    var csvHeader: String {
        switch self {
        case .layer: return "name"
        case .memory: return "activations"
        case .memoryShare: return "activationShare"
        case .bytes: return "forwardBytes"
        case .backwardBytes: return "backwardBytes"
        case .paramShare: return "paramShare"
        case .nonTrainable: return "nonTrainable"
        case .rf: return "receptiveField"
        case .spec: return "text"
        case .kept: return "keptBytes"
        case .macsShare: return "macsShare"
        case .index, .op, .input, .output, .kernel, .params, .weights, .biases, .macs, .path: return rawValue
        }
    }

    var rightAligned: Bool {
        ![.layer, .op, .input, .output, .kernel, .spec, .memoryShare, .paramShare, .macsShare, .path].contains(self)
    }

    /// True for the columns that show a share with a bar.
    var isShare: Bool { self == .memoryShare || self == .paramShare || self == .macsShare }

    /// The part and the whole of a share column (`mem%`, `params%`, `macs%`); nil for the others.
    func shareParts(_ row: LayerRow, _ network: NetworkReport) -> (part: Int, whole: Int)? {
        switch self {
        case .memoryShare: return (row.activations, network.totals.activations)
        case .paramShare: return (row.params, network.totals.params)
        case .macsShare: return (row.macs, network.totals.macs)
        case .index, .layer, .op, .input, .output, .kernel, .memory, .bytes, .backwardBytes, .params, .weights, .biases,
             .nonTrainable, .macs, .rf, .spec, .path, .kept:
            return nil
        }
    }

    /// The exact value, for CSV.
    func exact(_ row: LayerRow, _ network: NetworkReport, layout: ShapeLayout) -> String {
        switch self {
        case .index: return "\(row.index)"
        case .layer: return row.name
        case .op: return row.op
        case .input: return layout.inputText(row, in: network) ?? ""
        case .output: return layout.text(row.output)
        case .kernel: return layout.kernelText(row) ?? ""
        case .path: return network.path(of: row)
        case .memory: return "\(row.activations)"
        case .memoryShare: return share(row.activations, of: network.totals.activations, decimals: 4)
        case .bytes: return "\(row.forwardBytes)"
        case .backwardBytes: return "\(row.backwardBytes)"
        case .params: return "\(row.params)"
        case .paramShare: return share(row.params, of: network.totals.params, decimals: 4)
        case .weights: return "\(row.weights)"
        case .biases: return "\(row.biases)"
        case .nonTrainable: return "\(row.nonTrainable)"
        case .macs: return "\(row.macs)"
        case .macsShare: return share(row.macs, of: network.totals.macs, decimals: 4)
        case .rf: return row.receptiveField.text
        case .spec: return row.role == .input ? "" : row.text
        case .kept: return network.keptBytes(of: row).map(String.init) ?? ""
        }
    }

    /// The value as a person reads it, for the table and Markdown; `glyphs` draw the bars (nil: no bars).
    func human(_ row: LayerRow, _ network: NetworkReport, units: ByteUnits, bars glyphs: Glyphs?, layout: ShapeLayout) -> String {
        switch self {
        case .memory: return formatCount(row.activations)
        case .bytes: return formatBytes(row.forwardBytes, units)
        case .backwardBytes: return formatBytes(row.backwardBytes, units)
        case .kept: return network.keptBytes(of: row).map { formatBytes($0, units) } ?? ""
        case .params: return formatCount(row.params)
        case .weights: return formatCount(row.weights)
        case .biases: return formatCount(row.biases)
        case .nonTrainable: return formatCount(row.nonTrainable)
        case .macs: return formatCount(row.macs)
        case .memoryShare, .paramShare, .macsShare:
            let (part, whole) = shareParts(row, network) ?? (0, 0)
            let percent = padLeft(share(part, of: whole, decimals: 1) + "%", 6)
            return glyphs.map { percent + " " + $0.bar(part, of: whole) } ?? percent
        case .input: return layout.inputText(row, in: network) ?? "-"
        case .kernel: return layout.kernelText(row) ?? "-"
        case .index, .layer, .op, .output, .rf, .spec, .path:
            return exact(row, network, layout: layout)
        }
    }
}

/// `part / whole` as a percentage with the given decimals, computed in integers: `21.1`.
func share(_ part: Int, of whole: Int, decimals: Int) -> String {
    guard whole > 0 else { return "0" }
    var scale: Int128 = 100
    for _ in 0..<decimals { scale *= 10 }
    let scaled = (Int128(part) * scale * 2 + Int128(whole)) / (Int128(whole) * 2)
    var divisor: Int128 = 1
    for _ in 0..<decimals { divisor *= 10 }
    let whole = scaled / divisor
    let fraction = String(scaled % divisor)
    return decimals == 0 ? "\(whole)" : "\(whole).\(String(repeating: "0", count: decimals - fraction.count))\(fraction)"
}
