/// `--emit pytorch`: a runnable Python module written as a person would write it, whose `__main__`
/// builds each network, runs a zero input and prints its output shape and parameter count — to
/// confirm netcalc's numbers in a real framework.
///
/// - A block definition becomes a class, constructed at each use with the use's arguments:
///   `bottleneck(w, c)` used as `bottleneck(64, 256)` on a 256-channel input is `Bottleneck(256, 64, 256)`.
///   The constructor takes `in_channels` first (when a module reads it), then the block's parameters,
///   as torchvision's `Bottleneck(inplanes, planes, stride)` does; the body writes every number in
///   them (`nn.Conv2d(in_channels, w, 1, bias=False)`, `nn.Conv2d(w, c, 1)`), following the channels
///   through the block (`4 * c`, `in_channels + i * k`, a CONCAT's sum). Eager modules with
///   `in_channels` were chosen over PyTorch's lazy ones (LazyConv2d, ...), which would let the
///   constructor take only the block's parameters: lazy modules cannot write a depthwise convolution
///   (its groups are the input's channels), GroupNorm, PReLU per channel, LayerNorm or a layer scale,
///   and their parameters do not exist until a first forward pass — nothing could be counted, loaded
///   or printed before it.
/// - Every expression is checked against netcalc's number at every use before it is written, and a
///   number that depends on the input's size (a linear layer's inputs after a spatial volume, TF's
///   SAME padding) is written as itself. Uses whose code still differs (a padding only some uses need
///   written out) get a class each: `Bottleneck`, `Bottleneck_2`; a use that cannot be followed
///   through its definition is written from its rows. So the module computes netcalc's numbers for
///   every use, whatever the spec.
/// - A definition that is a chain is an `nn.Sequential` (`stage1.0.conv1.weight`, as torchvision's
///   `layer1.0.conv1`); one with merges is an `nn.Module` with a named attribute per module (`conv1`,
///   `bn1`, numbered per kind within the class) and a `forward` that follows its branches. A repetition
///   is a comprehension where its copies allow (`*[Bottleneck(c, w, c) for _ in range(n - 1)]`,
///   `*[Dense(in_channels + i * k, k) for i in range(n)]`), and consecutive equal block uses of the
///   network one `nn.Sequential` (DenseNet's `[dense]*6`).
/// - A linear layer's input is flattened (`torch.flatten(x, 1)`, `nn.Flatten()`), so its output is
///   (N, K) as in hand-written code; a layer that needs four dimensions after it views it as
///   (N, K, 1, 1) first. Batch norm after a linear layer is `BatchNorm1d`.
/// - Padding is written in the module (`padding=1`, `ceil_mode=True` for a pool) wherever PyTorch's
///   own rounding then gives netcalc's size, so that the parameter names and modules are those of
///   hand-written code; otherwise (Caffe's rounding, an odd SAME total) an explicit
///   `nn.ConstantPad2d` comes first.
/// - Every name from a spec or model file becomes a valid identifier and every text an escaped string
///   literal (`PythonSyntax`). Emitting takes time linear in the number of rows.
struct PyTorchEmitter {
    /// The module for the networks: helper classes, block classes (each before its first user),
    /// network classes, and a `__main__` that summarizes each network.
    func render(_ networks: [NetworkReport], definitions: [String: [String: BlockDefinition]] = [:]) -> String {
        var buffer = TextBuffer()
        render(networks, definitions: definitions, into: &buffer)
        return buffer.string
    }

    /// Writes the module into `buffer`, a network's class a line at a time as it is made (its graph is
    /// built first: the helper classes its layers need come before every class).
    /// `definitions` holds each spec file's block definitions, by the file's name.
    func render(_ networks: [NetworkReport], definitions: [String: [String: BlockDefinition]] = [:],
                into buffer: inout TextBuffer) {
        let writer = PyTorchWriter(networks)
        var mains: [String] = []
        for network in networks {
            let className = writer.network(network, definitions: definitions[network.file] ?? [:])
            let input = network.input
            let sizes = [input.depth] + input.spatial.reversed()
            // A network whose output has another rank than its input (a transformer's tokens) says which.
            let outputRank = network.rows.last.map(\.output.rank) ?? input.rank
            let rank = outputRank == input.rank ? "" : ", rank=\(outputRank)"
            mains.append("    summarize(\(PythonSyntax.stringLiteral(network.name)), \(className)(), (\(sizes.map(String.init).joined(separator: ", ")))\(rank))\n")
        }
        // Each part ends with a line break, and a blank line stands between parts (two before a class).
        func part(_ text: String, last: Bool = false) {
            buffer.append(text)
            if !text.hasSuffix("\n") { buffer.append("\n") }
            if !last { buffer.append("\n\n") }
            buffer.flushIfFull()
        }
        part("""
            # Generated by netcalc --emit pytorch: each network as an nn.Module, each block of the spec as a
            # class. Run it to build each network, pass a zero input and print its output and parameter count.
            import torch
            import torch.nn as nn
            """)
        for helper in writer.helpers { part(helper.source) }
        var classes = writer.takeClasses()
        for index in classes.indices {
            let emitted = classes[index]
            classes[index] = .text("")  // a network's graph is let go once written
            switch emitted {
            case .text(let text):
                part(text)
            case .network(let network):
                network.write(into: &buffer)
                if buffer.isClosed { return }
                buffer.append("\n\n")
            }
        }
        // Networks of one or three spatial axes, or whose output has another rank than their input, need
        // the general summary; images keep the notes' own.
        if networks.contains(where: { $0.input.rank != 2 || ($0.rows.last?.output.rank ?? 2) != 2 }) {
            part("""
                def summarize(name, model, input_size, rank=None):
                    \"\"\"Runs a zero input through the model and prints its output (the spatial sizes width first,
                    then the channels, as netcalc writes them) and its parameter count; `rank` is the output's
                    number of spatial axes when it is not the input's.\"\"\"
                    model.eval()
                    with torch.no_grad():
                        y = model(torch.zeros(1, *input_size))
                    rank = len(input_size) - 1 if rank is None else rank
                    sizes = list(reversed(y.shape[2:])) + [y.shape[1]] if y.dim() > 2 else [1] * rank + [y.shape[1]]
                    params = sum(p.numel() for p in model.parameters())
                    print("%s: output %s, params %d" % (name, "x".join(str(s) for s in sizes), params))
                """)
            part("if __name__ == \"__main__\":\n" + (mains.isEmpty ? "    pass\n" : mains.joined()), last: true)
            return
        }
        part("""
            def summarize(name, model, input_size):
                \"\"\"Runs a zero input through the model and prints its output (width x height x depth, as
                netcalc writes it) and its parameter count.\"\"\"
                model.eval()
                with torch.no_grad():
                    y = model(torch.zeros(1, *input_size))
                width, height = (y.shape[3], y.shape[2]) if y.dim() == 4 else (1, 1)
                params = sum(p.numel() for p in model.parameters())
                print("%s: output %dx%dx%d, params %d" % (name, width, height, y.shape[1], params))
            """)
        part("if __name__ == \"__main__\":\n" + (mains.isEmpty ? "    pass\n" : mains.joined()), last: true)
    }
}

/// A class of the emitted module: a block's, written as text when made, or a network's, kept as its
/// graph and written a line at a time (a network of a million layers is never one string).
enum EmittedClass {
    case text(String)
    case network(NetworkClass)
}

/// A network's class, ready to write: its name, docstring and body graph.
struct NetworkClass {
    var name: String
    var doc: String
    var graph: ClassGraph
    var output: Int

    /// Writes `class Name(nn.Module):` with its docstring, constructor and `forward`, ending with a
    /// line break.
    func write(into buffer: inout TextBuffer) {
        buffer.append("class \(name)(nn.Module):\n")
        buffer.append("    " + PythonSyntax.docstring(doc) + "\n\n")
        buffer.append("    def __init__(self):\n")
        PyTorchClassWriter.write(graph, output: output, into: &buffer)
    }
}

/// The state of one emitted module: its helper classes, its classes in the order written, and the
/// classes already written for each block definition, by their text.
final class PyTorchWriter {
    private(set) var helpers: [PyTorchHelper] = []
    private var classes: [EmittedClass] = []
    private var classNames: PythonNames
    /// Per file and definition name: the class written for each distinct body.
    private var shared: [String: [ClassKey: String]] = [:]
    /// Per file and definition name: its class's base name and its parameters' Python names.
    private var signatures: [String: BlockSignature] = [:]
    /// The network classes' names, claimed before any block's.
    private var networkNames: [String] = []
    private var networksWritten = 0

    /// Names used in constructors, which no parameter may take.
    static let constructorNames: Set<String> = ["self", "in_channels", "super", "range", "float", "torch", "nn",
                                                 "summarize", "print", "sum", "_"]
    /// The helper classes the layer kinds define (a test checks the list).
    static let helperNames: Set<String> = ["LayerNorm2d", "LayerNormChannels", "Scale", "ChannelSlice", "CenterCrop", "Slice", "DropPath",
                                           "ClassTokens", "PositionEmbedding", "LinearChannels", "SelfAttention", "Token", "GRN", "WindowAttention", "PatchAttention", "PatchMerge",
                                           "NotEmitted"]

    /// A writer for these networks, their class names claimed first.
    init(_ networks: [NetworkReport]) {
        classNames = PythonNames(reserved: PythonSyntax.keywords.union(Self.helperNames).union(Self.constructorNames))
        for network in networks {
            networkNames.append(classNames.claim(PythonSyntax.className(network.name)))
        }
    }

    /// Writes a network's class (and the classes of the blocks it uses); returns its name.
    func network(_ report: NetworkReport, definitions: [String: BlockDefinition]) -> String {
        let report = report.withoutNamedScopes  // a model file's scopes are not classes
        let name = networksWritten < networkNames.count ? networkNames[networksWritten] : classNames.claim("Net")
        networksWritten += 1
        let index = NetworkIndex(report, definitions: definitions)
        var builder = RowsBuilder(writer: self, index: index, scope: 0, input: index.inputFlow(channels: report.input.depth))
        let built = builder.build().node
        var graph = builder.takeGraph()
        let output = graph.groupConsecutiveUses(output: built)
        let doc = "\(report.name) from \(report.file): input \(report.input.fullText), \(formatCount(report.totals.params)) params."
        classes.append(.network(NetworkClass(name: name, doc: doc, graph: graph, output: output)))
        return name
    }

    /// The classes in the order written, handed over once every network is built.
    func takeClasses() -> [EmittedClass] {
        defer { classes = [] }
        return classes
    }

    /// Adds the helper classes a module needs, each once.
    func addHelpers(_ more: [PyTorchHelper]) {
        for helper in more where !helpers.contains(where: { $0.name == helper.name }) { helpers.append(helper) }
    }

    // MARK: Block uses

    /// The class of one block use, written if no use of its definition has written the same one.
    func use(_ index: NetworkIndex, _ use: Int, channels: Int, flat: Bool) -> UseClass {
        let report = index.report
        let instance = report.blocks[use]
        if let definition = index.definitions[instance.name],
           let values = Self.argumentValues(instance), values.count == definition.parameters.count {
            let signature = blockSignature(report.file, definition)
            var environment = [PyTorchWriter.inputChannels: channels]
            for (name, value) in zip(signature.parameters, values) { environment[name] = value }
            var names: [String: String] = [:]
            for (parameter, name) in zip(definition.parameters, signature.parameters) { names[parameter.name] = name }
            var builder = ReplayBuilder(writer: self, index: index, use: use, names: names, environment: environment,
                                        loopNames: signature.loopNames,
                                        input: PyFlow(node: 0, channels: PyValue(channels, .name(PyTorchWriter.inputChannels)), flat: flat))
            if let output = try? builder.replay(definition.body) {
                let graph = ClassGraph(builder.nodes)
                let sequential = PyTorchClassWriter.isChain(graph, output: output.node)
                let text = PyTorchClassWriter.body(graph, output: output.node, sequential: sequential)
                let takesChannels = text.readsInputChannels
                let parameters = (takesChannels ? [PyTorchWriter.inputChannels] : []) + signature.parameters
                let name = className(report.file, instance.name, base: signature.className,
                                     key: ClassKey(sequential: sequential, parameters: parameters, body: text),
                                     doc: SpecText.definition(definition))
                let outputDepth = index.outputDepth(use, input: channels)
                return UseClass(name: name, takesChannels: takesChannels, takesArguments: true,
                                channels: output.channels.value == outputDepth ? output.channels.expression : .int(outputDepth),
                                flat: output.flat)
            }
        }
        // Not followed through a definition: the use as its rows, every number written out.
        var builder = RowsBuilder(writer: self, index: index, scope: use,
                                  input: PyFlow(node: 0, channels: .literal(channels), flat: flat))
        let output = builder.build()
        var graph = builder.takeGraph()
        let grouped = graph.groupConsecutiveUses(output: output.node)
        let sequential = PyTorchClassWriter.isChain(graph, output: grouped)
        let text = PyTorchClassWriter.body(graph, output: grouped, sequential: sequential)
        let name = className(report.file, instance.name, base: PythonSyntax.className(instance.name),
                             key: ClassKey(sequential: sequential, parameters: [], body: text), doc: instance.text)
        return UseClass(name: name, takesChannels: false, takesArguments: false,
                        channels: .int(index.outputDepth(use, input: channels)), flat: output.flat)
    }

    /// `in_channels`, the constructor's first parameter when a module reads it.
    static let inputChannels = "in_channels"

    /// The values a use was given, from its text (`bottleneck(64, 256)`), in the definition's order.
    static func argumentValues(_ instance: BlockInstance) -> [Int]? {
        guard instance.text.hasPrefix(instance.name) else { return nil }
        let rest = instance.text.dropFirst(instance.name.count)
        if rest.isEmpty { return [] }
        guard rest.first == "(", rest.last == ")" else { return nil }
        var values: [Int] = []
        for part in rest.dropFirst().dropLast().split(separator: ",") {
            guard let value = Int(part.drop { $0 == " " }) else { return nil }
            values.append(value)
        }
        return values
    }

    /// A definition's class name and its parameters' Python names, made once per file and definition.
    func blockSignature(_ file: String, _ definition: BlockDefinition) -> BlockSignature {
        let key = file + "\u{0}" + definition.name
        if let known = signatures[key] { return known }
        var names = PythonNames(reserved: PythonSyntax.keywords.union(Self.constructorNames))
        var parameters: [String] = []
        for parameter in definition.parameters {
            // Class names start with a capital: a parameter that does not cannot hide one.
            var name = PythonSyntax.identifier(parameter.name, prefix: "p")
            if let first = name.first, first.isUppercase { name = first.lowercased() + name.dropFirst() }
            parameters.append(names.claim(name))
        }
        var loops = PythonNames(reserved: Set(parameters).union(Self.constructorNames))
        let loopNames = ["i", "j", "k", "m", "i2", "j2", "k2", "m2"].map { loops.claim($0) }
        let signature = BlockSignature(className: PythonSyntax.className(definition.name, prefix: "Block"),
                                       parameters: parameters, loopNames: loopNames)
        signatures[key] = signature
        return signature
    }

    /// The name of the class with this text for a definition, writing the class the first time.
    private func className(_ file: String, _ definition: String, base: String, key: ClassKey, doc: String) -> String {
        let group = file + "\u{0}" + definition
        if let known = shared[group]?[key] { return known }
        let name = classNames.claim(base)
        shared[group, default: [:]][key] = name
        classes.append(.text(classSource(name: name, base: key.sequential ? "nn.Sequential" : "nn.Module", doc: doc,
                                         parameters: key.parameters, body: key.body)))
        return name
    }

    /// `class Name(base):` with its docstring, constructor and `forward`.
    private func classSource(name: String, base: String, doc: String, parameters: [String], body: ClassBodyText) -> String {
        var out = "class \(name)(\(base)):\n"
        out += "    " + PythonSyntax.docstring(doc) + "\n\n"
        out += "    def __init__(" + (["self"] + parameters).joined(separator: ", ") + "):\n"
        out += body.initialization
        if let forward = body.forward { out += "\n" + forward }
        return out
    }
}

/// One copy of a repetition: its nodes, its input, and its output's channels in terms of the
/// placeholder that stands for its input's.
struct CopySpan {
    var range: Range<Int>
    var input: PyFlow
    var output: PyExpr
}

/// A definition's class: its base name, its parameters' Python names, and names free for loop variables.
struct BlockSignature {
    var className: String
    var parameters: [String]
    var loopNames: [String]
}

/// What makes two uses' classes the same: the base, the constructor's parameters and the body.
struct ClassKey: Hashable {
    var sequential: Bool
    var parameters: [String]
    var body: ClassBodyText
}

/// The class written for a use, and what its parent needs: how to construct it and what it gives.
struct UseClass {
    var name: String
    var takesChannels: Bool
    var takesArguments: Bool
    /// The output's channels in the class's own names (`in_channels`, its parameters).
    var channels: PyExpr
    var flat: Bool
}

/// A network's rows arranged by block use: the rows each use holds itself, its uses, and the span of
/// rows it made.
struct NetworkIndex {
    let report: NetworkReport
    /// The spec's block definitions by name, as written (none for a model file's network).
    let definitions: [String: BlockDefinition]
    /// The rows each block use holds itself; none listed for the network (use 0), whose rows are
    /// read in place: they may be millions.
    var directRows: [[Int]]
    var children: [[Int]]
    /// The first and last row each use made (its own or its uses'); -1 when it made none.
    var firstRow: [Int]
    var lastRow: [Int]

    /// The index of a network's rows and block uses, in one pass over each.
    init(_ report: NetworkReport, definitions: [String: BlockDefinition]) {
        self.report = report
        self.definitions = definitions
        let count = report.blocks.count
        directRows = Array(repeating: [], count: count)
        children = Array(repeating: [], count: count)
        firstRow = Array(repeating: -1, count: count)
        lastRow = Array(repeating: -1, count: count)
        for (index, row) in report.rows.enumerated() where row.block >= 0 && row.block < count {
            if row.block > 0 { directRows[row.block].append(index) }
            if firstRow[row.block] < 0 { firstRow[row.block] = index }
            lastRow[row.block] = index
        }
        for use in (1..<max(count, 1)).reversed() {
            let parent = report.blocks[use].parent
            guard parent >= 0, parent < use else { continue }
            if lastRow[use] >= 0 {
                if firstRow[parent] < 0 || firstRow[use] < firstRow[parent] { firstRow[parent] = firstRow[use] }
                lastRow[parent] = max(lastRow[parent], lastRow[use])
            }
        }
        for use in 1..<max(count, 1) {
            let parent = report.blocks[use].parent
            if parent >= 0, parent < use { children[parent].append(use) }
        }
    }

    /// The flow into a network: its input, `x`.
    func inputFlow(channels: Int) -> PyFlow { PyFlow(node: 0, channels: .literal(channels), flat: false) }

    /// The depth a use gives: its last row's, or its input's when it made no row.
    func outputDepth(_ use: Int, input: Int) -> Int {
        lastRow[use] >= 0 ? report.rows[lastRow[use]].output.depth : input
    }

    /// The depth flowing into a use, when it made a row.
    func inputDepth(_ use: Int) -> Int? {
        guard firstRow[use] >= 0 else { return nil }
        let producer = report.rows[firstRow[use]].firstInput
        return producer >= 0 && producer < report.rows.count ? report.rows[producer].output.depth : nil
    }
}

/// Building a class body: nodes, and the layers, merges and views every builder adds alike.
protocol BodyBuilding {
    var writer: PyTorchWriter { get }
    var environment: [String: Int] { get }

    /// Adds a node reading `inputs`; returns its index.
    mutating func add(_ kind: PyNodeKind, _ inputs: [Int]) -> Int
}

extension BodyBuilding {
    /// The flow in the form a module reads: flattened before a linear layer, viewed as 4-D after one.
    mutating func conform(_ flow: PyFlow, to form: TensorForm, input: Shape) -> PyFlow {
        switch (form, flow.flat) {
        case (.spatial, true):
            return PyFlow(node: add(.unflatten(flow.channels, rank: input.rank), [flow.node]), channels: flow.channels, flat: false)
        case (.flat, false):
            var channels = flow.channels
            if !input.isVector {
                channels = input.spatial.reversed().reduce(channels) { $0 * .literal($1) }.checked(environment)
            }
            return PyFlow(node: add(.flatten, [flow.node]), channels: channels, flat: true)
        case (.spatial, false), (.flat, true), (.either, _):
            return flow
        }
    }

    /// A layer's module applied to the flow.
    mutating func layer(_ row: LayerRow, _ operation: any LayerOperation, _ start: PyFlow, symbols: PyTorchSymbols?,
                        hint: AttributeHint) -> PyFlow {
        var flow = start
        if flow.channels.value != row.input.depth { flow.channels = .literal(row.input.depth) }
        let module = operation.pytorch(PyTorchContext(row: row, channels: flow.channels, flat: flow.flat, symbols: symbols))
        writer.addHelpers(module.helpers)
        flow = conform(flow, to: module.reads, input: row.input)
        let flat: Bool
        switch module.gives ?? module.reads {
        case .flat: flat = true
        case .spatial: flat = false
        case .either: flat = flow.flat
        }
        var channels = (module.channels ?? flow.channels).checked(environment)
        if channels.value != row.output.depth { channels = .literal(row.output.depth) }
        return PyFlow(node: add(.layer(hint, module), [flow.node]), channels: channels, flat: flat)
    }

    /// A merge of branches; a branch left as (N, K) beside 4-D ones is viewed as (N, K, 1, 1).
    mutating func merge(_ kind: MergeKind, _ branches: [PyFlow], row: LayerRow) -> PyFlow {
        let spatial = branches.contains { !$0.flat }
        var inputs: [PyFlow] = []
        for branch in branches {
            inputs.append(spatial && branch.flat ? conform(branch, to: .spatial, input: row.output) : branch)
        }
        var channels: PyValue
        switch kind {
        case .add, .mul: channels = inputs.first?.channels ?? .literal(row.output.depth)
        case .concat:
            channels = inputs.dropFirst().reduce(inputs.first?.channels ?? .literal(0)) { $0 + $1.channels }
            channels = channels.collected
        }
        channels = channels.checked(environment)
        if channels.value != row.output.depth || !channels.expression.isSymbolic { channels = .literal(row.output.depth) }
        return PyFlow(node: add(.merge(kind), inputs.map(\.node)), channels: channels, flat: !spatial)
    }

    /// A block use applied to the flow, its class written if need be.
    mutating func instance(_ index: NetworkIndex, _ use: Int, _ start: PyFlow, arguments: [PyValue],
                           parameters: [String], group: String?) -> PyFlow {
        var flow = start
        if let depth = index.inputDepth(use), depth != flow.channels.value { flow.channels = .literal(depth) }
        let used = writer.use(index, use, channels: flow.channels.value, flat: flow.flat)
        var call = PyCall(used.name)
        if used.takesChannels { call.arguments.append((nil, .value(flow.channels))) }
        if used.takesArguments { call.arguments += arguments.map { (nil, .value($0)) } }
        var replacements = [PyTorchWriter.inputChannels: flow.channels.expression]
        for (name, value) in zip(parameters, arguments) { replacements[name] = value.expression }
        let depth = index.outputDepth(use, input: flow.channels.value)
        var channels = PyValue(depth, used.channels.substituting(replacements)).checked(environment)
        if channels.value != depth || !channels.expression.isSymbolic { channels = .literal(depth) }
        let hint = AttributeHint(text: index.report.blocks[use].name.lowercased())
        return PyFlow(node: add(.instance(hint, call, group: group), [flow.node]), channels: channels, flat: used.flat)
    }
}

/// A body built from rows alone, every number written as it is: a network's own rows (its block
/// uses as instances), or a use that could not be followed through its definition.
struct RowsBuilder: BodyBuilding {
    let writer: PyTorchWriter
    let index: NetworkIndex
    let scope: Int
    /// The body so far, kept as it will be written: a network's rows are many.
    private var graph = ClassGraph()
    let environment: [String: Int] = [:]
    private let input: PyFlow

    init(writer: PyTorchWriter, index: NetworkIndex, scope: Int, input: PyFlow) {
        self.writer = writer
        self.index = index
        self.scope = scope
        self.input = input
    }

    /// Adds a node reading `inputs`, its texts written at once; returns its index.
    mutating func add(_ kind: PyNodeKind, _ inputs: [Int]) -> Int {
        graph.add(kind, inputs)
    }

    /// The body built, handed over.
    mutating func takeGraph() -> ClassGraph {
        defer { graph = ClassGraph() }
        return graph
    }

    /// Builds the nodes; returns the output's flow.
    mutating func build() -> PyFlow {
        let report = index.report
        let rows = report.rows
        let range: Range<Int> = scope == 0 ? rows.indices
            : (index.firstRow[scope] >= 0 ? index.firstRow[scope]..<(index.lastRow[scope] + 1) : 0..<0)
        // Layers named in a model file keep their names; a spec's are numbered per kind.
        var counters: [String: Int] = [:]
        var given = false
        for row in rows[range] where !given {
            let keyword: String
            switch row.role {
            case .layer: keyword = row.layer?.keyword ?? "LAYER"
            case .merge(let kind): keyword = kind.keyword
            case .input, .block: continue
            }
            let count = (counters[keyword] ?? 0) + 1
            counters[keyword] = count
            given = row.name != rowName(keyword, count)
        }
        // The flow each row of the range gives while a later row of the range may read it (rows outside
        // it: the class's input), let go at its last reader: a network's rows are many.
        var readers = [Int32](repeating: 0, count: range.count)
        for row in rows[range] {
            if range.contains(row.firstInput) { readers[row.firstInput - range.lowerBound] &+= 1 }
            for more in row.moreInputs where range.contains(more) { readers[more - range.lowerBound] &+= 1 }
        }
        var flows: [Int: PyFlow] = [:]
        var started: Set<Int> = []
        graph.reserve(range.count + 1)
        func flow(_ producer: Int) -> PyFlow {
            guard range.contains(producer) else { return input }
            let slot = producer - range.lowerBound
            guard let known = flows[slot] else { return input }
            readers[slot] &-= 1
            if readers[slot] <= 0 { flows[slot] = nil }
            return known
        }
        func keep(_ made: PyFlow, _ rowIndex: Int) {
            let slot = rowIndex - range.lowerBound
            if readers[slot] > 0 { flows[slot] = made }
        }
        var output = input
        for rowIndex in range {
            let row = rows[rowIndex]
            if let owner = owner(row.block) {
                if started.insert(owner).inserted {
                    let entry = rows[index.firstRow[owner]].firstInput
                    let instance = report.blocks[owner]
                    let values = (PyTorchWriter.argumentValues(instance) ?? []).map(PyValue.literal)
                    let parameters = index.definitions[instance.name].map { writer.parameterNames(report.file, $0) } ?? []
                    let made = self.instance(index, owner, flow(entry), arguments: values,
                                             parameters: parameters, group: instance.text)
                    if range.contains(index.lastRow[owner]) { keep(made, index.lastRow[owner]) }
                    output = made
                }
                continue
            }
            let made: PyFlow
            switch row.role {
            case .input:
                made = input
            case .layer:
                guard let operation = row.operation else {
                    made = flow(row.firstInput)
                    break
                }
                let hint = given ? AttributeHint(text: row.name, numbered: false)
                    : AttributeHint(text: (row.layer?.keyword ?? "layer").lowercased())
                made = layer(row, operation, flow(row.firstInput), symbols: nil, hint: hint)
            case .merge(let kind):
                made = merge(kind, row.inputs.map { flow($0) }, row: row)
            case .block:
                made = flow(row.firstInput)  // a folded view has no layers to write
            }
            keep(made, rowIndex)
            output = made
        }
        return output
    }

    /// The use directly inside the scope that holds a block use (nil for the scope's own rows).
    private func owner(_ block: Int) -> Int? {
        var current = block
        var steps = 0
        while current != scope {
            guard current > 0, current < index.report.blocks.count, steps <= Analyzer.maximumCallDepth + 1 else { return nil }
            let parent = index.report.blocks[current].parent
            if parent == scope { return current }
            current = parent
            steps += 1
        }
        return nil
    }
}

/// A use's body built by following its block's definition along its rows: every number written in
/// the block's parameters where that gives netcalc's number.
struct ReplayBuilder: BodyBuilding {
    /// The rows do not follow the definition (not met for a report of a spec).
    struct Failure: Error {}

    let writer: PyTorchWriter
    let index: NetworkIndex
    let use: Int
    let names: [String: String]
    var environment: [String: Int]
    let loopNames: [String]
    var nodes = [PyNode(kind: .input, inputs: [])]

    /// Adds a node reading `inputs`; returns its index.
    mutating func add(_ kind: PyNodeKind, _ inputs: [Int]) -> Int {
        nodes.append(PyNode(kind: kind, inputs: inputs))
        return nodes.count - 1
    }
    private let input: PyFlow
    private var nextRow = 0
    private var nextChild = 0
    private var level = 0

    init(writer: PyTorchWriter, index: NetworkIndex, use: Int, names: [String: String], environment: [String: Int],
         loopNames: [String], input: PyFlow) {
        self.writer = writer
        self.index = index
        self.use = use
        self.names = names
        self.environment = environment
        self.loopNames = loopNames
        self.input = input
    }

    private var symbols: PyTorchSymbols { PyTorchSymbols(arguments: [:], names: names, environment: environment) }

    /// Follows the definition's body; every row and use of the block must be met, in order.
    mutating func replay(_ body: Chain) throws(Failure) -> PyFlow {
        let output = try walk(body, input)
        guard nextRow == index.directRows[use].count, nextChild == index.children[use].count else { throw Failure() }
        return output
    }

    /// The nodes of a chain applied to the flow.
    private mutating func walk(_ chain: Chain, _ start: PyFlow) throws(Failure) -> PyFlow {
        var flow = start
        for element in chain.elements {
            switch element {
            case .input:
                throw Failure()
            case .identity:
                continue
            case .name, .reference:
                throw Failure()  // named tensors: the rows-based form writes them
            case .layer(let call, _):
                if let definition = LayerCatalog.definition(for: call.name) {
                    flow = try layer(call, definition, flow)
                } else if index.definitions[call.name] != nil {
                    flow = try blockCall(call, flow)
                } else {
                    throw Failure()
                }
            case .repetition(let inner, let count, _):
                flow = try repetition(inner, count, flow)
            case .merge(let kind, let branches, _, _, _):
                var outputs: [PyFlow] = []
                for branch in branches { outputs.append(try walk(branch, flow)) }
                let row = try takeRow()
                guard row.role == .merge(kind) else { throw Failure() }
                flow = merge(kind, outputs, row: row)
            }
        }
        return flow
    }

    /// The next row the use made itself.
    private mutating func takeRow() throws(Failure) -> LayerRow {
        let rows = index.directRows[use]
        guard nextRow < rows.count else { throw Failure() }
        nextRow += 1
        return index.report.rows[rows[nextRow - 1]]
    }

    /// A layer call: the next row's module, its numbers written as the call's arguments.
    private mutating func layer(_ call: LayerCall, _ definition: LayerDefinition, _ flow: PyFlow) throws(Failure) -> PyFlow {
        let row = try takeRow()
        guard row.role == .layer, row.range.start == call.range.start, let operation = row.operation else { throw Failure() }
        let bound = ArgumentBinder(definition: definition, isParameter: { [names] in names[$0] != nil }).bind(call)
        guard bound.problems.isEmpty else { throw Failure() }
        var arguments: [String: ArgumentValue] = [:]
        for value in bound.values { arguments[value.spec.name] = value.value }
        let symbols = PyTorchSymbols(arguments: arguments, names: names, environment: environment)
        return layer(row, operation, flow, symbols: symbols, hint: AttributeHint(text: (row.layer?.keyword ?? call.name).lowercased()))
    }

    /// A block call: the next use, constructed with the call's arguments written in this block's names.
    private mutating func blockCall(_ call: LayerCall, _ flow: PyFlow) throws(Failure) -> PyFlow {
        let children = index.children[use]
        guard nextChild < children.count, let definition = index.definitions[call.name] else { throw Failure() }
        let child = children[nextChild]
        nextChild += 1
        let instance = index.report.blocks[child]
        guard instance.name == call.name, let values = PyTorchWriter.argumentValues(instance),
              values.count == definition.parameters.count else { throw Failure() }
        // The arguments as the walker binds them: by tag, else by position.
        let parameters = definition.parameters.map(\.name)
        var written: [String: Expression] = [:]
        var position = 0
        for argument in call.arguments ?? [] {
            let name: String
            if let tag = argument.tag {
                name = tag
            } else {
                guard position < parameters.count else { throw Failure() }
                name = parameters[position]
                position += 1
            }
            switch argument.value {
            case .scalar(let expression)?: written[name] = expression
            case .word(let word)?: written[name] = .name(word, argument.valueRange)
            case nil: written[name] = .name(argument.flag ?? "", argument.range)
            case .size?, .decimal?: throw Failure()
            }
        }
        var arguments: [PyValue] = []
        for (parameter, value) in zip(parameters, values) {
            guard let expression = written[parameter] else { throw Failure() }
            arguments.append(symbols.value(expression, value))
        }
        let childNames = writerSignature(definition)
        return self.instance(index, child, flow, arguments: arguments, parameters: childNames, group: nil)
    }

    /// The Python names of a definition's parameters, as its class takes them.
    private func writerSignature(_ definition: BlockDefinition) -> [String] {
        writer.parameterNames(index.report.file, definition)
    }

    /// A repetition: its copies built in turn, each reading a placeholder for its input's channels, then
    /// written as a comprehension where the copies allow it, else one after another.
    private mutating func repetition(_ inner: Chain, _ countExpression: Expression, _ start: PyFlow) throws(Failure) -> PyFlow {
        guard let count = symbols.python(countExpression), let copies = count.evaluate(environment), copies >= 1 else {
            throw Failure()
        }
        level += 1
        defer { level -= 1 }
        let placeholder = "\u{1}in\(level)"
        defer { environment[placeholder] = nil }
        let first = nodes.count
        var spans: [CopySpan] = []
        var current = start
        for copy in 0..<copies {
            let before = (nodes.count, nextRow, nextChild)
            environment[placeholder] = current.channels.value
            let entry = PyFlow(node: current.node, channels: PyValue(current.channels.value, .name(placeholder)), flat: current.flat)
            let out = try walk(inner, entry)
            if copy == 0, nextRow == before.1, nextChild == before.2 { return start }  // nothing but ID
            spans.append(CopySpan(range: before.0..<nodes.count, input: current, output: out.channels.expression))
            let channels = out.channels.expression.substituting([placeholder: current.channels.expression])
            current = PyFlow(node: out.node, channels: PyValue(out.channels.value, channels).collected.checked(environment),
                             flat: out.flat)
        }
        if let (items, channels) = compressed(spans, output: current.channels, placeholder: placeholder, count: count,
                                              copies: copies) {
            nodes.removeSubrange(first...)
            let node = add(.sequence(AttributeHint(text: "layers"), items), [start.node])
            return PyFlow(node: node, channels: channels.checked(environment), flat: current.flat)
        }
        // One after another: each copy's nodes read its own input's channels.
        for span in spans {
            let replacement = [placeholder: span.input.channels.expression]
            for node in span.range {
                nodes[node].substitution = nodes[node].substitution.mapValues { $0.substituting(replacement) }
                    .merging(replacement) { inner, _ in inner }
            }
        }
        return current
    }

    /// The copies as sequence items — all alike, or alike but for an input that grows by the same
    /// amount each time, or alike after the first — when each is a chain; nil otherwise.
    /// The output's channels come with them, written for any count: `in_channels + n * k` for copies
    /// that each add k.
    private func compressed(_ spans: [CopySpan], output: PyValue, placeholder: String,
                            count: PyExpr, copies: Int) -> ([PySequenceItem], PyValue)? {
        var texts: [[String]] = []
        for span in spans {
            var previous = span.input.node
            for node in span.range {
                guard nodes[node].chains, nodes[node].inputs == [previous] else { return nil }
                previous = node
            }
            texts.append(span.range.flatMap { PyTorchClassWriter.items(nodes[$0], []) })
        }
        let symbolic = count.isSymbolic
        guard symbolic || copies >= 2 else { return nil }
        let polynomials = spans.map { Polynomial($0.input.channels.expression) }
        func copy(_ number: Int) -> [PyNode] { spans[number].range.map { nodes[$0] } }
        let alike = texts.allSatisfy { $0 == texts[0] }
        let canonical = Polynomial(output.expression).map { PyValue(output.value, $0.expression) } ?? output
        if alike, polynomials.allSatisfy({ $0 != nil && $0 == polynomials[0] }) {
            return ([.loop(copy(0), variable: "_", count: count, substitution: [placeholder: spans[0].input.channels.expression])],
                    canonical)
        }
        guard symbolic, copies >= 2 else { return nil }
        // Inputs that grow by the same step (DenseNet's layers): from three copies on, and only if a
        // copy's output is its input plus the step, whatever the input.
        if alike, copies >= 3, let first = polynomials[0], let second = polynomials[1], let negated = first.scaled(by: -1),
           let step = second.adding(negated), let own = Polynomial(spans[0].output),
           let input = Polynomial(.name(placeholder)).flatMap({ $0.adding(step) }), own == input {
            var grows = true
            for (number, polynomial) in polynomials.enumerated() {
                guard let steps = step.scaled(by: number), let expected = first.adding(steps), expected == polynomial else {
                    grows = false
                    break
                }
            }
            if grows {
                let variable = loopNames[min(level - 1, loopNames.count - 1)]
                let channels = PyExpr.add(spans[0].input.channels.expression, .multiply(.name(variable), step.expression))
                let total = PyExpr.add(spans[0].input.channels.expression, .multiply(count, step.expression))
                return ([.loop(copy(0), variable: variable, count: count, substitution: [placeholder: channels])],
                        PyValue(output.value, total))
            }
        }
        let rest = texts.dropFirst()
        if rest.allSatisfy({ $0 == texts[1] }), polynomials.dropFirst().allSatisfy({ $0 != nil && $0 == polynomials[1] }) {
            return ([.copy(copy(0), substitution: [placeholder: spans[0].input.channels.expression]),
                     .loop(copy(1), variable: "_", count: .subtract(count, .int(1)),
                           substitution: [placeholder: spans[1].input.channels.expression])], canonical)
        }
        return nil
    }
}

extension PyTorchWriter {
    /// The Python names of a definition's parameters.
    func parameterNames(_ file: String, _ definition: BlockDefinition) -> [String] {
        blockSignature(file, definition).parameters
    }
}
