/// Renders analyzed networks and diagnostics as the JSON document the README describes, keys sorted, a layer
/// per line. It writes bytes directly: JSONEncoder took half a minute and gigabytes on a million layers.
struct JSONRenderer {
    /// `--fit`: each network gets a `fit` object.
    var fit: (size: MemorySize, inference: Bool)?
    /// The order shapes are written in (`--layout`).
    var layout = ShapeLayout.whd

    /// The document, written into `buffer` as it is made.
    func render(_ networks: [NetworkReport], diagnostics: [Diagnostic], explain: Bool, into buffer: inout TextBuffer) {
        var json = JSONWriter()
        swap(&json.buffer, &buffer)
        defer { swap(&json.buffer, &buffer) }
        json.raw("{\n  \"errors\" : [")
        for (index, diagnostic) in diagnostics.enumerated() {
            json.raw(index == 0 ? "\n    " : ",\n    ")
            let location = diagnostic.location
            json.object([
                ("column", location.map { .int($0.column) } ?? .null),
                ("file", diagnostic.file.map { .string($0.name) } ?? .null),
                ("hints", .strings(diagnostic.hints)),
                ("line", location.map { .int($0.line) } ?? .null),
                ("message", .string(diagnostic.message)),
                ("node", diagnostic.node.map { .object([("index", .int($0.index)), ("name", .string($0.name)), ("op", .string($0.op))]) }
                    ?? .null),
                ("severity", .string(diagnostic.severity.rawValue)),
            ])
        }
        json.raw(diagnostics.isEmpty ? "],\n  \"networks\" : [" : "\n  ],\n  \"networks\" : [")
        for (number, network) in networks.enumerated() {
            json.raw(number == 0 ? "\n    {\n" : ",\n    {\n")
            json.raw("      \"file\" : ")
            json.string(network.file)
            if let fit {
                let r = FitPlanner(network: network).plan(fit.size, inference: fit.inference)
                json.raw(",\n      \"fit\" : ")
                // By PyTorch's model the bytes per image are what one image more adds at the answer's batch, and
                // the peak's layer is named; the notes' model splits an image's bytes into forward and backward.
                let notes = r.model == .notes
                let peakLayer: JSONWriter.Value = notes || r.batch == 0 || !network.rows.indices.contains(r.peakRow)
                    ? .null : .string(network.path(of: network.rows[r.peakRow]))
                json.object([
                    ("backwardBytesPerImage", notes ? .int(r.backwardPerImage) : .null), ("batch", .int(r.batch)),
                    ("fixedBytes", .int(r.fixedBytes)), ("forwardBytesPerImage", notes ? .int(r.forwardPerImage) : .null),
                    ("gradientBytes", .int(r.gradientBytes)), ("memory", .string(r.model.rawValue)),
                    ("mode", .string(r.inference ? "inference" : "training")),
                    ("optimizerBytes", .int(r.optimizerBytes)), ("otherModelBatch", .int(r.otherBatch)),
                    ("paramsFit", .bool(r.paramsFit)), ("peakLayer", peakLayer),
                    ("perImageBytes", .int(r.perImageBytes)), ("sizeBytes", .int(r.size.bytes)),
                    ("usedBytes", .int(r.usedBytes)), ("weightBytes", .int(r.weightBytes)),
                ])
            }
            json.raw(",\n      \"input\" : ")
            json.ints(layout.array(network.input))
            json.raw(",\n      \"layers\" : [")
            let framework = network.settings.shownMemory == .pytorch
            let explainer = explain ? Explainer(network: network) : nil
            for row in network.rows {
                json.raw(row.index == 0 ? "\n        " : ",\n        ")
                let blockDepth: Int
                if case .block(let id) = row.role { blockDepth = network.blocks[id].depth } else {
                    blockDepth = row.block < network.blocks.count ? network.blocks[row.block].depth : 0
                }
                let kept = framework ? (row.index < network.keptByRow.count ? network.keptByRow[row.index] : nil) : nil
                json.layer(row, explain: explainer?.lines(for: row), path: network.path(of: row), blockDepth: blockDepth,
                           layout: layout, kept: kept)
                json.buffer.flushIfFull()
                if json.buffer.isClosed { return }  // the reader has gone
            }
            json.raw(network.rows.isEmpty ? "]" : "\n      ]")
            if !network.leftOut.isEmpty {  // a partial analysis: the layers it leaves out
                json.raw(",\n      \"leftOut\" : [")
                for (index, layer) in network.leftOut.enumerated() {
                    json.raw(index == 0 ? "\n        " : ",\n        ")
                    json.object([("cause", .bool(layer.isCause)), ("name", .string(layer.name)),
                                 ("reason", .string(layer.reason)), ("type", .string(layer.type))])
                }
                json.raw("\n      ]")
            }
            json.raw(",\n      \"name\" : ")
            json.string(network.name)
            if !network.notes.isEmpty {  // how an imported model was read
                json.raw(",\n      \"notes\" : [")
                for (index, note) in network.notes.enumerated() {
                    if index > 0 { json.raw(", ") }
                    json.string(note)
                }
                json.raw("]")
            }
            if !network.leftOut.isEmpty { json.raw(",\n      \"partial\" : true") }
            json.raw(",\n      \"settings\" : ")
            let settings = network.settings
            var settingFields: [(String, JSONWriter.Value)] = []
            if settings.amp { settingFields.append(("amp", .bool(true))) }
            settingFields += [("batch", .int(settings.batch)), ("dtype", .string(settings.dataType.rawValue)),
                              ("layout", .string(layout.rawValue))]
            if framework { settingFields.append(("memory", .string(MemoryModel.pytorch.rawValue))) }
            settingFields += [("optimizer", .string(settings.optimizer.rawValue)),
                              ("rounding", .string(settings.rounding.rawValue))]
            json.object(settingFields)
            json.raw(",\n      \"totals\" : ")
            let t = network.totals
            let (flops, overflow) = t.macs.multipliedReportingOverflow(by: 2)
            var fields: [(String, JSONWriter.Value)] = [
                ("activations", .int(t.activations)), ("backwardBytes", .int(t.backwardBytes)), ("batch", .int(t.batch)),
                ("biases", .int(t.biases)), ("bytesPerValue", .int(t.bytesPerValue)),
                ("flops", overflow ? .null : .int(flops)), ("forwardBytes", .int(t.forwardBytes)),
                ("inferencePeakBytes", .int(t.inferencePeakBytes)), ("macs", .int(t.macs)),
                ("nonTrainable", .int(t.nonTrainable)), ("paramBytes", .int(t.paramBytes)), ("params", .int(t.params)),
                ("trainingBytes", .int(t.trainingBytes)), ("trainingParamBytes", .int(t.trainingParamBytes)),
                ("weights", .int(t.weights)),
            ]
            if framework {
                // The framework model's figures (docs/memory.md); the inference peak becomes its own.
                let f = t.framework
                func layer(_ index: Int?) -> JSONWriter.Value {
                    guard let index, network.rows.indices.contains(index) else { return .null }
                    return .string(network.path(of: network.rows[index]))
                }
                fields.removeAll { $0.0 == "inferencePeakBytes" }
                fields += [
                    ("inferencePeakBytes", f.map { .int($0.inferencePeakBytes) } ?? .null),
                    ("inferencePeakLayer", layer(f?.inferencePeakRow)),
                    ("keptBytes", f.map { .int($0.keptBytes) } ?? .null),
                    ("trainingPeakBytes", f.map { .int($0.trainingPeakBytes) } ?? .null),
                    ("trainingPeakLayer", layer(f?.trainingPeakRow)),
                    ("trainingPeakPass", f.map { .string($0.trainingPeakInBackward ? "backward" : "forward") } ?? .null),
                ]
                fields.sort { $0.0 < $1.0 }
            }
            json.object(fields)
            json.raw("\n    }")
        }
        json.raw(networks.isEmpty ? "]\n}\n" : "\n  ]\n}\n")
    }

    /// A diagnostic of `netcalc check --format json`; its file, line and column are left out when it has none.
    static func diagnostic(_ diagnostic: Diagnostic) -> JSONValue {
        var fields: [(String, JSONValue)] = [
            ("hints", .strings(diagnostic.hints)), ("message", .string(diagnostic.message)),
            ("severity", .string(diagnostic.severity.rawValue)),
        ]
        if let file = diagnostic.file { fields.append(("file", .string(file.name))) }
        if let location = diagnostic.location {
            fields.append(("line", .int(location.line)))
            fields.append(("column", .int(location.column)))
        }
        if let node = diagnostic.node {
            fields.append(("node", .object([("index", .int(node.index)), ("name", .string(node.name)), ("op", .string(node.op))])))
        }
        return .object(fields)
    }
}

/// Writes JSON text into a byte buffer.
struct JSONWriter {
    /// A value of a one-line JSON object.
    enum Value {
        case int(Int), string(String), strings([String]), bool(Bool), null
        /// An object on the same line, keys in sorted order.
        indirect case object([(String, Value)])
    }

    /// How a control character other than a line feed, a carriage return or a tab is escaped.
    enum ControlEscapes {
        /// `\u0008`, `\u001B`: uppercase hexadecimal, as the analysis document writes them.
        case hexadecimal
        /// `\b` and `\f` by name, the others as `\u001b` in lowercase, as JSONEncoder wrote them.
        case encoder
    }

    var buffer = TextBuffer()

    mutating func raw(_ text: StaticString) {
        text.withUTF8Buffer { buffer.bytes.append(contentsOf: $0) }
    }

    mutating func int(_ value: Int) {
        buffer.count(value, separators: false)
    }

    /// Sizes along `rank` spatial axes, width first, without the brackets: `11, 11`.
    mutating func sizes(_ sizes: Sizes, rank: Int) {
        for axis in 0..<rank {
            if axis > 0 { raw(", ") }
            int(sizes[axis])
        }
    }

    mutating func ints(_ values: [Int]) {
        raw("[")
        for (index, value) in values.enumerated() {
            if index > 0 { raw(", ") }
            int(value)
        }
        raw("]")
    }

    /// A string literal, escaped as JSON requires (a slash is not escaped). In the analysis document
    /// (`.hexadecimal`) every other character a terminal would obey or hide is written as `\uXXXX` too
    /// (DEL, the C1 controls such as U+009B, a CSI to some terminals, line separators, bidirectional
    /// overrides): the string reads back exactly, and the document printed on a terminal cannot drive it.
    /// `.encoder` keeps JSONEncoder's bytes, which escape the C0 controls (ESC among them) only.
    mutating func string(_ text: String, controls: ControlEscapes = .hexadecimal) {
        buffer.bytes.append(UInt8(ascii: "\""))
        // Nearly all text is ASCII without DEL: byte by byte, no scalar decoded.
        if controls == .encoder || text.utf8.allSatisfy({ $0 < 0x7F }) {
            for byte in text.utf8 { ascii(byte, controls: controls) }
        } else {
            for scalar in text.unicodeScalars {
                if scalar.value < 0x7F {
                    ascii(UInt8(scalar.value), controls: controls)
                } else if scalar.isInvisible {
                    // UTF-16 code units: a surrogate pair beyond the Basic Multilingual Plane.
                    for unit in String(scalar).utf16 { escaped(unit, controls: controls) }
                } else {
                    buffer.bytes.append(contentsOf: String(scalar).utf8)
                }
            }
        }
        buffer.bytes.append(UInt8(ascii: "\""))
    }

    /// One byte of a string literal's UTF-8, escaped if it is an ASCII character JSON escapes.
    private mutating func ascii(_ byte: UInt8, controls: ControlEscapes) {
        switch byte {
        case UInt8(ascii: "\""): raw("\\\"")
        case UInt8(ascii: "\\"): raw("\\\\")
        case UInt8(ascii: "\n"): raw("\\n")
        case UInt8(ascii: "\r"): raw("\\r")
        case UInt8(ascii: "\t"): raw("\\t")
        case 0..<0x20:
            switch (controls, byte) {
            case (.encoder, 0x08): raw("\\b")
            case (.encoder, 0x0C): raw("\\f")
            case (.hexadecimal, _), (.encoder, _): escaped(UInt16(byte), controls: controls)
            }
        default: buffer.bytes.append(byte)
        }
    }

    /// `\u001B` (`.hexadecimal`) or `\u001b` (`.encoder`).
    private mutating func escaped(_ unit: UInt16, controls: ControlEscapes) {
        var digits = String(unit, radix: 16, uppercase: controls == .hexadecimal)
        if digits.count < 4 { digits = String(repeating: "0", count: 4 - digits.count) + digits }
        raw("\\u")
        buffer.bytes.append(contentsOf: digits.utf8)
    }

    /// A one-line object of keys already in sorted order.
    mutating func object(_ fields: [(String, Value)]) {
        raw("{")
        for (index, (key, value)) in fields.enumerated() {
            if index > 0 { raw(", ") }
            string(key)
            raw(" : ")
            switch value {
            case .int(let number): int(number)
            case .string(let text): string(text)
            case .bool(let flag): raw(flag ? "true" : "false")
            case .null: raw("null")
            case .strings(let texts):
                raw("[")
                for (position, text) in texts.enumerated() {
                    if position > 0 { raw(", ") }
                    string(text)
                }
                raw("]")
            case .object(let inner):
                object(inner)
            }
        }
        raw("}")
    }

    /// A layer's window, keys sorted, sizes width first as `receptiveField`'s: `{"depth" : 3, "dilation" :
    /// [1, 1], "padding" : [0, 0], "size" : [11, 11], "stride" : [4, 4]}`; `"padding" : "same"` or
    /// `"valid"`; GAP `{"global" : true, "size" : [7, 7]}`; FC `{"depth" : 256, "size" : [6, 6]}`; a pool
    /// has no `depth`.
    mutating func kernel(_ window: LayerWindow) {
        var first = true
        func key(_ name: StaticString) {
            raw(first ? "{" : ", ")
            first = false
            raw(name)
        }
        if let depth = window.depth {
            key("\"depth\" : ")
            int(depth)
        }
        switch window.motion {
        case .sliding(let stride, let padding, let dilation):
            key("\"dilation\" : ")
            ints(dilation)
            key("\"padding\" : ")
            switch padding {
            case .explicit(let sizes): ints((0..<window.extent.count).map { sizes[$0] })
            case .same: string("same")
            case .valid: string("valid")
            }
            key("\"size\" : ")
            ints(window.extent)
            key("\"stride\" : ")
            ints(stride)
        case .global:
            key("\"global\" : true")
            key("\"size\" : ")
            ints(window.extent)
        case .whole:
            key("\"size\" : ")
            ints(window.extent)
        }
        raw("}")
    }

    /// A layer as one line, keys sorted (the documented keys, then depth, inputs and explain).
    /// A layer as one line, keys sorted; `path` is the row's place among block uses, `blockDepth` how
    /// many block uses hold it.
    mutating func layer(_ row: LayerRow, explain: [String]?, path: String, blockDepth: Int, layout: ShapeLayout, kept: Int? = nil) {
        raw("{\"activations\" : "); int(row.activations)
        raw(", \"backwardBytes\" : "); int(row.backwardBytes)
        raw(", \"biases\" : "); int(row.biases)
        raw(", \"blockDepth\" : "); int(blockDepth)
        raw(", \"depth\" : "); int(row.depth)
        if let explain {
            raw(", \"explain\" : [")
            for (index, line) in explain.enumerated() {
                if index > 0 { raw(", ") }
                string(line)
            }
            raw("]")
        }
        raw(", \"forwardBytes\" : "); int(row.forwardBytes)
        if row.heldActivations > 0 { raw(", \"heldActivations\" : "); int(row.heldActivations) }
        raw(", \"index\" : "); int(row.index)
        raw(", \"inputs\" : [")
        if row.firstInput >= 0 {
            int(row.firstInput)
            for input in row.moreInputs { raw(", "); int(input) }
        }
        raw("], \"jump\" : ["); sizes(row.jump, rank: row.output.rank)
        raw("]")
        if let kept { raw(", \"keptBytes\" : "); int(kept) }
        if let window = LayerWindow(row) {
            raw(", \"kernel\" : ")
            kernel(window)
        }
        raw(", \"macs\" : "); int(row.macs)
        raw(", \"name\" : "); string(row.name)
        raw(", \"nonTrainable\" : "); int(row.nonTrainable)
        raw(", \"op\" : "); string(row.op)
        raw(", \"output\" : [")
        var first = true
        layout.forEach(row.output) { size in
            if !first { raw(", ") }
            first = false
            int(size)
        }
        raw("], \"params\" : "); int(row.params)
        raw(", \"path\" : "); string(path)
        raw(", \"receptiveField\" : ["); sizes(row.receptiveField, rank: row.output.rank)
        raw("], \"text\" : "); string(row.text)
        raw(", \"weights\" : "); int(row.weights)
        raw("}")
    }
}
