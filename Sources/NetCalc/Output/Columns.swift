/// The per-layer columns of the table, CSV and Markdown outputs, chosen and ordered with `--columns`.

/// One column: its name for `--columns`, its headers, and how it shows a row.
enum Column: String, CaseIterable, Sendable {
    case index, layer, op, output, memory, memoryShare = "mem%", bytes, backwardBytes = "bwdbytes", params
    case paramShare = "params%", weights, biases, nonTrainable = "nontrainable", macs, rf, spec, path
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
    static let dropOrder: [Column] = [.weights, .biases, .nonTrainable, .backwardBytes, .op, .rf, .bytes, .kept, .paramShare,
                                      .memoryShare, .macs]

    /// Parses `--columns layer,output,params`.
    static func list(_ text: String) -> Result<[Column], UsageError> {
        var columns: [Column] = []
        for name in text.split(separator: ",").map({ $0.trimmingSpaces().lowercased() }) where !name.isEmpty {
            let aliases: [String: Column] = ["#": .index, "name": .layer, "shape": .output, "activations": .memory,
                                             "fwdbytes": .bytes, "text": .spec, "mem": .memoryShare, "param%": .paramShare]
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

    var header: String {
        switch self {
        case .index: return "#"
        case .memoryShare: return "memory share"
        case .bytes: return "fwd bytes"
        case .backwardBytes: return "bwd bytes"
        case .paramShare: return "param share"
        case .nonTrainable: return "non-trainable"
        case .macs: return "MACs"
        case .rf: return "RF"
        default: return rawValue
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
        default: return rawValue
        }
    }

    var rightAligned: Bool {
        ![.layer, .op, .output, .spec, .memoryShare, .paramShare, .path].contains(self)
    }

    /// The exact value, for CSV.
    func exact(_ row: LayerRow, _ network: NetworkReport, layout: ShapeLayout) -> String {
        switch self {
        case .index: return "\(row.index)"
        case .layer: return row.name
        case .op: return row.op
        case .output: return layout.text(row.output)
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
        case .rf: return row.receptiveField.text
        case .spec: return row.role == .input ? "" : row.text
        case .kept: return network.keptBytes(of: row).map(String.init) ?? ""
        }
    }

    /// The value as a person reads it, for the table and Markdown.
    func human(_ row: LayerRow, _ network: NetworkReport, units: ByteUnits, bars: Bool, layout: ShapeLayout) -> String {
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
        case .memoryShare, .paramShare:
            let (part, whole) = self == .memoryShare ? (row.activations, network.totals.activations)
                : (row.params, network.totals.params)
            let percent = padLeft(share(part, of: whole, decimals: 1) + "%", 6)
            return bars ? percent + " " + bar(part, of: whole) : percent
        default:
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

/// A bar ten characters long at 100%, in eighths of a character: `██▏`.
func bar(_ part: Int, of whole: Int, width: Int = 10) -> String {
    guard whole > 0, part > 0 else { return "" }
    let eighths = Int((Int128(part) * Int128(width * 8) + Int128(whole) / 2) / Int128(whole))
    let blocks = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"]
    let text = String(repeating: "█", count: eighths / 8) + blocks[eighths % 8]
    return text.isEmpty ? "▏" : text
}
