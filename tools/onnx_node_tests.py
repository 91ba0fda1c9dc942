#!/usr/bin/env python3
"""Runs netcalc on the ONNX backend node tests (the `onnx` package's per-operator test cases) that use only
the CNN operators netcalc's ONNX reader handles, and says for each whether netcalc agrees with the
expected output shape, disagrees, or refuses the model.

Not part of CI (it needs the `onnx` Python package): run by hand from the repository root with

    python3 tools/onnx_node_tests.py                   # measure and print the summary; exit 1 if any disagree
    python3 tools/onnx_node_tests.py --write-fixtures  # also rewrite Tests/NetCalcTests/Fixtures/onnx-node/

Options: --netcalc PATH (default .build/release/netcalc; build it first with `swift build -c release`),
--data DIR (a folder of node tests laid out as onnx/backend/test/data/node), --all-known (every operator
netcalc knows, not only the CNN ones), --filter REGEX (test names), --json FILE (every result, for scripts),
--verbose (one line per test).

Where the tests come from. The onnx wheel used to ship them as onnx/backend/test/data/node/<test>/model.onnx
with test_data_set_0/input_*.pb and output_*.pb; recent wheels (1.23 here) ship only the definitions
(onnx/backend/test/case/node/*.py). The script reads --data if given, else the package's data/node folder if
it has one, else generates that layout from the definitions (onnx.backend.test.case.node.collect_testcases(),
the same models and data `onnx`'s own generator writes) into /tmp/onnx-node-tests-<onnx version>/, once.
The expected shape of each graph output is the dims of its test_data_set_0/output_<k>.pb.

Which tests. A test is kept when every node's domain is "" or ai.onnx and its op_type is one of netcalc's
CNN operators, derived from the sources, not typed here:
  * every raw value of `enum ONNXOperator` (Sources/NetCalc/Import/ONNX/ONNXReader.swift), which the
    exhaustive `switch op` of `ONNXImporter.process(_:)` (ONNXOperators.swift) maps;
  * less the operators whose arm of that switch only evaluates constants: a handler defined under
    `// MARK: Constants` of ONNXOperators.swift (Constant, Shape, Gather, Cast, Size via dimsOf) or an inline
    arm that stores a `.constant(...)` and never emits a layer or aliases data (Range, ConstantOfShape,
    Equal, Where);
  * less the unary arithmetic (the arms calling `unaryArithmetic`: Sqrt, Erf, Neg, Reciprocal, Abs, Floor,
    Ceil), which on data makes no row ("on computed data no row").
The script prints both lists. --all-known keeps every operator of the enum instead.

How netcalc's answer is compared. netcalc is run as `netcalc --format json <test>.onnx`. It writes a shape
in its own order: an ONNX tensor (N, C, S1, ..., Sk) with k from 1 to 3 is [Sk, ..., S1, C] (width first,
channels last: (N, C, L) is [L, C], (N, C, H, W) is [W, H, C], (N, C, D, H, W) is [W, H, D, C]), and a
vector (N, C) is [1, 1, C]. netcalc writes a vector (after GAP, FC or FLATTEN) at its network's rank ([1, C],
[1, 1, C], [1, 1, 1, C]), so sizes of 1 at the end of the spatial part are not significant. The batch is not
in a layer's `output`: a batch fixed in the file (the input's N) is `settings.batch`, the default `--batch`,
and every row is one item. So a graph output of dims (N, ...) agrees when its row's `output` is the order
above of (C, S1, ..., Sk) and `settings.batch` is N. netcalc refuses a graph input of rank 1 (a tensor
(L,) without its batch and channels: which axis would be which is a guess) and of rank 6 and more (more
than three spatial axes), naming the input, its rank and its readers; an output of rank 0 or 1, or of rank
6 and more, cannot be written in netcalc's order and never agrees.
  * The final output: the row netcalc names after the node writing the graph's first output (a row is named
    after its node: the node's name, else its first output; a Split's parts are `<name>:<k>`), or the last row
    when no row has that name.
  * Every other row named after a node (and the input row, named after the graph input) is compared with the
    dims of that node's output: a graph output's from its output_<k>.pb, an inner tensor's from onnx's shape
    inference when it gives fixed dims. Rows netcalc makes up (`<name>/pad`, `<name>#2`) are not compared.
agree: the run succeeds and every compared shape (and the batch) is right; disagree: it succeeds and one is
wrong, or netcalc crashes; refused: netcalc exits with an error (the first error message is recorded).

The summary groups the refusals by their message with names and numbers taken out, and by cause (from the
first error's text): input rank (netcalc reads [N,F], [N,C,L], [N,C,H,W] and [N,C,D,H,W] inputs), a graph
input netcalc does not follow (by the role the reading node gives it: a parameter such as W, B, a scale or a
slope, which netcalc reads as a weight of the input's declared dims unless another node reads it elsewhere; an
argument whose values netcalc needs, such as a shape, scales, sizes, pads, axes or bounds; or a second data
operand), batch N,
unsupported attributes and modes, and the rest. The input-rank refusals are split by what else their test has,
since netcalc reads the input before any node. Three probes, run on the tests that do not agree, say what each
cause costs, each on top of the one before:
  parameters  graph inputs holding parameters become initializers with their dims and no values (what netcalc
              could do itself: it never reads a weight's values, and a graph input declares its dims);
  arguments   graph inputs holding arguments become initializers holding their test values (what an exporter
              writes; a node test's file alone does not hold them);
  batch1      the input's batch becomes 1 (and so does the N of outputs that had the input's).
It also lists the tests that set a watched attribute (auto_pad, dilations, ceil_mode, count_include_pad,
storage_order, output_padding, output_shape, group) to other than its default, by status.

--write-fixtures copies each kept test's model.onnx to Tests/NetCalcTests/Fixtures/onnx-node/<test>.onnx and
writes manifest.json there, one test a line: its expected output dims in ONNX order with N, the rows to
compare, today's status and, for a refusal, today's message. Tests/NetCalcTests/ONNXNodeTests.swift (CI, no
Python) runs every fixture in-process and checks the same things: an `agree` fixture gives exactly those
shapes, a `refused` one is refused with an error naming one of its operators or attributes (the refusals
whose message names neither are known issues there), and none disagrees. When netcalc changes, rerun with
--write-fixtures to record the new statuses.
"""
import argparse, io, json, os, re, shutil, subprocess, sys, tempfile, warnings
from collections import Counter, defaultdict

import onnx
from onnx import TensorProto, numpy_helper

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
READER = os.path.join(ROOT, "Sources/NetCalc/Import/ONNX/ONNXReader.swift")
OPERATORS = os.path.join(ROOT, "Sources/NetCalc/Import/ONNX/ONNXOperators.swift")
FIXTURES = os.path.join(ROOT, "Tests/NetCalcTests/Fixtures/onnx-node")
NETCALC = os.path.join(ROOT, ".build/release/netcalc")

# Attributes the lead asked to watch: each with the test that it is set to something other than its default.
WATCHED_ATTRIBUTES = {
    "auto_pad": lambda a: onnx.helper.get_attribute_value(a) not in (b"NOTSET", b""),
    "dilations": lambda a: any(v != 1 for v in a.ints),
    "ceil_mode": lambda a: a.i != 0,
    "count_include_pad": lambda a: a.i != 0,
    "storage_order": lambda a: a.i != 0,
    "output_padding": lambda a: any(v != 0 for v in a.ints),
    "output_shape": lambda a: True,
    "group": lambda a: a.i != 1,
}


# The inputs of an operator that hold learned parameters (netcalc counts their elements and never reads their
# values, so a graph input's declared dims are enough) and those that hold arguments whose values netcalc needs
# (a shape, scales, pads, axes, bounds); any other input is data. ONNX's operator signatures, by position.
PARAMETER_INPUTS = {
    "Conv": {1, 2}, "ConvTranspose": {1, 2}, "Gemm": {1, 2}, "MatMul": {1}, "PRelu": {1},
    "BatchNormalization": {1, 2, 3, 4}, "InstanceNormalization": {1, 2}, "GroupNormalization": {1, 2},
    "LayerNormalization": {1, 2},
}
ARGUMENT_INPUTS = {
    "Reshape": {1}, "Resize": {1, 2, 3}, "Upsample": {1}, "Pad": {1, 2, 3}, "Split": {1}, "Squeeze": {1},
    "Unsqueeze": {1}, "Slice": {1, 2, 3, 4}, "Clip": {1, 2}, "ReduceMean": {1}, "Dropout": {1, 2},
}
PARAMETER, ARGUMENT, DATA = "parameter", "argument", "data"


# MARK: netcalc's operators, from the sources

def netcalc_operators():
    """(known, cnn, excluded): every op_type of `enum ONNXOperator`; the CNN ones; {op_type: why excluded}."""
    reader = open(READER).read()
    enum = re.search(r"enum ONNXOperator\b[^{]*\{(.*?)\n    ///", reader, re.S)
    if not enum:
        sys.exit(f"cannot find `enum ONNXOperator` in {READER}")
    raw = dict(re.findall(r"(\w+)\s*=\s*\"(\w+)\"", enum.group(1)))  # case name -> op_type
    source = open(OPERATORS).read()
    start = source.find("func process(")
    end = source.find("\n    }\n", start)
    if start < 0 or end < 0:
        sys.exit(f"cannot find `process(_:)` in {OPERATORS}")
    body = source[start:end]
    constants_mark = source.find("// MARK: Constants")
    arms = list(re.finditer(r"^\s*case ((?:\.\w+)(?:,\s*\.\w+)*):", body, re.M))
    excluded, mapped = {}, set()
    for index, arm in enumerate(arms):
        text = body[arm.end():arms[index + 1].start() if index + 1 < len(arms) else len(body)]
        cases = re.findall(r"\.(\w+)", arm.group(1))
        handler = re.search(r"try (\w+)\(", text)
        handler = handler.group(1) if handler else None
        definition = source.find(f"func {handler}(") if handler else -1
        why = None
        if handler == "unaryArithmetic":
            why = "unary arithmetic: no row on data"
        elif definition >= 0 and constants_mark >= 0 and definition > constants_mark:
            why = f"constant evaluation ({handler}, under MARK: Constants)"
        elif ".constant(" in text and "emit" not in text and "alias(" not in text:
            why = "constant evaluation (inline arm storing a .constant)"
        for case in cases:
            if case not in raw:
                sys.exit(f"process(_:) has the arm .{case}, which enum ONNXOperator does not list")
            mapped.add(case)
            if why:
                excluded[raw[case]] = why
    missing = set(raw) - mapped
    if missing:
        sys.exit(f"process(_:) has no arm for {sorted(missing)}: the parse of {OPERATORS} is out of date")
    known = set(raw.values())
    return known, known - set(excluded), excluded


# MARK: the node tests

def package_node_dir():
    folder = os.path.join(os.path.dirname(onnx.__file__), "backend", "test", "data", "node")
    return folder if os.path.isdir(folder) and os.listdir(folder) else None


def generate_node_tests(folder):
    """Writes the node tests from the package's definitions, in the data/node layout."""
    from onnx.backend.test.case import node as node_cases
    print(f"generating the node tests of onnx {onnx.__version__} into {folder} ...", file=sys.stderr)
    partial = folder + ".partial"
    shutil.rmtree(partial, ignore_errors=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        saved = sys.stdout
        sys.stdout = io.StringIO()  # some definitions print
        try:
            cases = node_cases.collect_testcases()
        finally:
            sys.stdout = saved
    for case in cases:
        directory = os.path.join(partial, case.name)
        data = os.path.join(directory, "test_data_set_0")
        os.makedirs(data)
        with open(os.path.join(directory, "model.onnx"), "wb") as f:
            f.write(case.model.SerializeToString())
        inputs, outputs = case.data_sets[0]
        for kind, values, infos in (("input", inputs, case.model.graph.input), ("output", outputs, case.model.graph.output)):
            for j, value in enumerate(values):
                if j >= len(infos) or not infos[j].type.HasField("tensor_type"):
                    continue  # sequences, maps, optionals: no operator netcalc reads makes them
                tensor = value if isinstance(value, TensorProto) else numpy_helper.from_array(value, infos[j].name)
                with open(os.path.join(data, f"{kind}_{j}.pb"), "wb") as f:
                    f.write(tensor.SerializeToString())
    os.replace(partial, folder)


def node_test_dir(arguments):
    if arguments.data:
        return arguments.data
    folder = package_node_dir()
    if folder:
        return folder
    folder = os.path.join(tempfile.gettempdir(), f"onnx-node-tests-{onnx.__version__}")
    if not os.path.isdir(folder):
        generate_node_tests(folder)
    return folder


def read_tensor(path):
    tensor = TensorProto()
    with open(path, "rb") as f:
        tensor.ParseFromString(f.read())
    return tensor


def label(node):
    """The name netcalc gives a node's row: its name, else its first output's."""
    if node.name:
        return node.name
    return next((name for name in node.output if name), node.op_type)


def fixed_dims(value_info):
    if not value_info.type.HasField("tensor_type") or not value_info.type.tensor_type.HasField("shape"):
        return None
    dims = []
    for dim in value_info.type.tensor_type.shape.dim:
        if not dim.HasField("dim_value"):
            return None
        dims.append(dim.dim_value)
    return dims


class NodeTest:
    """One test: its model, expected graph outputs and the rows to compare."""

    def __init__(self, name, directory):
        self.name = name
        self.path = os.path.join(directory, "model.onnx")
        self.data = os.path.join(directory, "test_data_set_0")
        self.model = onnx.load(self.path, load_external_data=False)
        graph = self.model.graph
        self.operators = sorted({node.op_type for node in graph.node})
        self.domains = {node.domain for node in graph.node}
        self.attributes = sorted({a.name for node in graph.node for a in node.attribute})
        self.watched = sorted({a.name for node in graph.node for a in node.attribute
                               if a.name in WATCHED_ATTRIBUTES and WATCHED_ATTRIBUTES[a.name](a)})
        self.opset = next((o.version for o in self.model.opset_import if o.domain in ("", "ai.onnx")), None)
        initializers = {t.name for t in graph.initializer}
        self.inputs = [i for i in graph.input if i.name not in initializers]
        self.outputs = []  # (name, dims)
        for k, info in enumerate(graph.output):
            path = os.path.join(self.data, f"output_{k}.pb")
            dims = list(read_tensor(path).dims) if os.path.exists(path) else fixed_dims(info)
            self.outputs.append((info.name, dims))
        # The role of each graph input after the first (the one netcalc follows), from the nodes reading it.
        self.roles = {}
        for info in self.inputs[1:]:
            roles = set()
            for node in graph.node:
                for position, name in enumerate(node.input):
                    if name != info.name:
                        continue
                    if position in PARAMETER_INPUTS.get(node.op_type, ()):
                        roles.add(PARAMETER)
                    elif position in ARGUMENT_INPUTS.get(node.op_type, ()):
                        roles.add(ARGUMENT)
                    else:
                        roles.add(DATA)
            self.roles[info.name] = DATA if DATA in roles else ARGUMENT if ARGUMENT in roles else PARAMETER
        self.input_dims = None
        if self.inputs:
            path = os.path.join(self.data, "input_0.pb")
            self.input_dims = list(read_tensor(path).dims) if os.path.exists(path) else fixed_dims(self.inputs[0])

    def expected_tensors(self):
        """Dims of every tensor known: graph outputs from the data, inner ones from shape inference."""
        dims = {}
        try:
            inferred = onnx.shape_inference.infer_shapes(self.model)
            for info in list(inferred.graph.value_info) + list(inferred.graph.output):
                known = fixed_dims(info)
                if known is not None:
                    dims[info.name] = known
        except Exception:
            pass
        if self.inputs and self.input_dims is not None:
            dims[self.inputs[0].name] = self.input_dims
        for name, known in self.outputs:
            if known is not None:
                dims[name] = known
        return dims

    def rows(self):
        """{row name: expected ONNX dims} for the rows netcalc names after a node, and the input row."""
        tensors = self.expected_tensors()
        rows, seen = {}, Counter()
        for node in self.model.graph.node:
            base = label(node)
            names = {}
            if node.output and node.output[0]:
                names[base] = node.output[0]
            if node.op_type == "Split" and len(node.output) > 1:
                names = {f"{base}:{k}": name for k, name in enumerate(node.output) if name}
            for row, tensor in names.items():
                seen[row] += 1
                if tensor in tensors:
                    rows[row] = tensors[tensor]
        if self.inputs and self.input_dims is not None:
            seen[self.inputs[0].name] += 1
            rows[self.inputs[0].name] = self.input_dims
        return {row: dims for row, dims in rows.items() if seen[row] == 1}

    def final_row(self):
        """The row name netcalc gives the graph's first output, if a node writes it."""
        if not self.outputs:
            return None
        target = self.outputs[0][0]
        for node in self.model.graph.node:
            if target in node.output:
                if node.op_type == "Split" and len(node.output) > 1:
                    return f"{label(node)}:{list(node.output).index(target)}"
                return label(node) if node.output[0] == target else None
        return None


def collect(folder, operators, pattern):
    tests = []
    for name in sorted(os.listdir(folder)):
        if pattern and not re.search(pattern, name):
            continue
        if not os.path.exists(os.path.join(folder, name, "model.onnx")):
            continue
        test = NodeTest(name, os.path.join(folder, name))
        if test.model.graph.node and test.domains <= {"", "ai.onnx"} and set(test.operators) <= operators:
            tests.append(test)
    return tests


# MARK: comparing

def netcalc_order(dims):
    """[Sk, ..., S1, C] of an ONNX tensor (N, C, S1, ..., Sk) for k from 1 to 3; [1, 1, C] of (N, C); None
    below rank 2 and above rank 5, which netcalc refuses."""
    if dims is None or len(dims) < 2 or len(dims) > 5:
        return None
    if len(dims) == 2:
        return [1, 1, dims[1]]
    return list(reversed(dims[2:])) + [dims[1]]


def canonical(shape):
    spatial = list(shape[:-1])
    while spatial and spatial[-1] == 1:
        spatial.pop()
    return spatial, shape[-1]


def same_shape(got, dims):
    expected = netcalc_order(dims)
    return expected is not None and got is not None and len(got) >= 1 and canonical(got) == canonical(expected)


def run_netcalc(netcalc, path):
    """(returncode, document or None, stderr)."""
    process = subprocess.run([netcalc, "--format", "json", path], capture_output=True, timeout=60)
    try:
        document = json.loads(process.stdout.decode("utf-8"))
    except ValueError:
        document = None
    return process.returncode, document, process.stderr.decode("utf-8", "replace")


def strip_file(message, path):
    prefix = path + ": "
    return message[len(prefix):] if message.startswith(prefix) else message


def classify(test, netcalc, path):
    """{"status", "message" or "mismatches", "rows"}."""
    code, document, stderr = run_netcalc(netcalc, path)
    if code < 0 or (document is None and code == 0):
        return {"status": "disagree", "mismatches": [f"netcalc crashed (status {code}): {stderr.strip()[:300]}"]}
    errors = (document or {}).get("errors") or []
    networks = (document or {}).get("networks") or []
    first = next((e for e in errors if e.get("severity") == "error"), None)
    first_error = first and first["message"]
    if first and first.get("node"):
        # The node the error is about, as the manifest records it: `node 'sum' (Add) reads ...`.
        first_error = f"node '{first['node']['name']}' ({first['node']['op']}) {first_error}"
    if code != 0 or first_error or not networks:
        if first_error is None:
            lines = [line for line in stderr.splitlines() if line.strip()]
            first_error = lines[0] if lines else f"exit status {code} and no message"
            first_error = re.sub(r"^netcalc: error: ", "", first_error)
        return {"status": "refused", "message": strip_file(first_error, path)}
    network = networks[0]
    layers = network.get("layers") or []
    if not layers:
        return {"status": "disagree", "mismatches": ["netcalc succeeded with no rows"]}
    by_name = {}
    for layer in layers:
        by_name.setdefault(layer["name"], layer)
    mismatches = []
    output_name, output_dims = test.outputs[0]
    final = by_name.get(test.final_row()) or layers[-1]
    if not same_shape(final["output"], output_dims):
        mismatches.append(f"final output: row '{final['name']}' is {final['output']}, the test expects {output_dims} "
                          f"(netcalc's order {netcalc_order(output_dims)})")
    batch = network.get("settings", {}).get("batch")
    if output_dims and len(output_dims) >= 2 and batch != output_dims[0]:
        mismatches.append(f"batch: netcalc's is {batch}, the output's N is {output_dims[0]}")
    compared = 0
    for row, dims in test.rows().items():
        layer = by_name.get(row)
        if layer is None:
            continue
        compared += 1
        if not same_shape(layer["output"], dims):
            mismatches.append(f"row '{row}' is {layer['output']}, the tensor is {dims} (netcalc's order {netcalc_order(dims)})")
    result = {"status": "disagree" if mismatches else "agree", "rows_compared": compared}
    if mismatches:
        result["mismatches"] = mismatches
    return result


# MARK: refusals

def normalized(message):
    text = re.sub(r"(?<![A-Za-z])'[^']*'", "'_'", message)
    text = re.sub(r"\[[-0-9, ]*\]", "[..]", text)
    text = re.sub(r"\b\d+(\.\d+)?(e-?\d+)?\b", "N", text)
    return text


def causes(message, test):
    """The causes a refusal's message shows (a message can show several), for the summary."""
    found = []
    rank = re.search(r"the input '[^']*'(?: \(read by [^)]*\))? has (\d+) dims?\b", message)
    if rank:
        found.append(f"input rank {rank.group(1)}")
    if re.search(r"not \d+ values: its input|one (kernel )?size per spatial axis|of \d+ sizes for its input"
                 r"|works on channels-first tensors", message):
        found.append("a window, weight or tensor of another rank")
    graph_input = re.search(r"reads the graph input '([^']*)'", message)
    if graph_input:
        role = test.roles.get(graph_input.group(1), DATA)
        found.append({PARAMETER: "weights as graph inputs (a parameter: W, B, scale, slope, mean, var)",
                      ARGUMENT: "an argument as a graph input (shape, scales, sizes, pads, axes, split, bounds)",
                      DATA: "a second data input (the other operand)"}[role])
    if re.search(r"\bbatch\b", message) and "keeps the batch axis alone" not in message \
            and "keeps the batch and channels" not in message and "with a batch and channels first" not in message:
        found.append("batch N")
    attributes = [a for a in WATCHED_ATTRIBUTES if re.search(rf"\b{a}\b", message)]
    if re.search(r"\bdilation\b|no argument 'd\d", message):
        attributes.append("dilations")
    if "grouped" in message:
        attributes.append("group")
    for name in ("transA", "axis", "mode"):
        if re.search(rf"\b{name}\b", message):
            attributes.append(name)
    found += [f"attribute {a}" for a in dict.fromkeys(attributes)]
    if "can be at most half its window" in message or "whose padding is at most half the window" in message:
        found.append("pads larger than half the window (a PyTorch rule of netcalc's pools)")
    if "does not depend on the input" in message or "no node writes the graph's output" in message \
            or "is one netcalc does not compute" in message:
        found.append("a second graph output netcalc does not make (running statistics, pool indices)")
    if "no layers to count" in message:
        found.append("no layer (the output is the input)")
    if "has no declared shape" in message:
        found.append("an input that is no tensor of declared shape (sequence, optional)")
    return found or ["other"]


def names_operator_or_attribute(message, test):
    """True when the message names one of the test's operators or attributes (as a whole word)."""
    words = {word for word in re.findall(r"[A-Za-z0-9_]+", message) if not word[0].isdigit()}  # as the Swift test
    return bool(words & (set(test.operators) | set(test.attributes)))


# MARK: probes

PROBES = {
    "parameters": "graph inputs holding parameters made initializers (dims only, no values)",
    "arguments": "that, and graph inputs holding arguments made initializers with their test values",
    "batch1": "that, and the batch made 1",
}


def probe_model(test, probe):
    """The model changed as PROBES[probe] says, or None when that changes nothing. Parameters become
    initializers with their dims and no data (what netcalc could read from the graph input's declared type);
    arguments need their values, which a node test's file does not hold: they come from its input_<j>.pb."""
    model = onnx.ModelProto()
    model.CopyFrom(test.model)
    graph = model.graph
    changed = False
    keep = []
    for j, info in enumerate(graph.input):
        role = test.roles.get(info.name)
        path = os.path.join(test.data, f"input_{j}.pb")
        if role == PARAMETER or (role == ARGUMENT and probe != "parameters"):
            if not os.path.exists(path):
                keep.append(info)
                continue
            tensor = read_tensor(path)
            tensor.name = info.name
            if role == PARAMETER:
                stripped = TensorProto(name=info.name, dims=tensor.dims, data_type=tensor.data_type)
                tensor = stripped
            graph.initializer.append(tensor)
            changed = True
        else:
            keep.append(info)
    del graph.input[:]
    graph.input.extend(keep)
    if probe == "batch1" and graph.input:
        shape = graph.input[0].type.tensor_type.shape
        if shape.dim and shape.dim[0].HasField("dim_value") and shape.dim[0].dim_value > 1:
            shape.dim[0].dim_value = 1
            changed = True
    return model if changed else None


def run_probe(test, netcalc, workdir, probe):
    model = probe_model(test, probe)
    if model is None:
        return None
    path = os.path.join(workdir, test.name + ".onnx")
    with open(path, "wb") as f:
        f.write(model.SerializeToString())
    saved_outputs, saved_input = test.outputs, test.input_dims
    if probe == "batch1" and test.input_dims and test.input_dims[0] > 1:
        n = test.input_dims[0]
        test.outputs = [(name, [1] + dims[1:] if dims and dims[0] == n else dims) for name, dims in saved_outputs]
        test.input_dims = [1] + test.input_dims[1:]
    try:
        return classify(test, netcalc, path)
    finally:
        test.outputs, test.input_dims = saved_outputs, saved_input


# MARK: fixtures

def manifest_entry(test, result):
    entry = {
        "test": test.name,
        "file": test.name + ".onnx",
        "opset": test.opset,
        "operators": test.operators,
        "attributes": test.attributes,
        "outputs": [dims for _, dims in test.outputs],
        "finalRow": test.final_row(),
        "rows": test.rows(),
        "status": result["status"],
    }
    if result["status"] == "refused":
        entry["message"] = result["message"]
        entry["causes"] = result["causes"]
        entry["namesOperatorOrAttribute"] = names_operator_or_attribute(result["message"], test)
    if result["status"] == "disagree":
        entry["mismatches"] = result["mismatches"]
    return entry


def write_fixtures(tests, results):
    os.makedirs(FIXTURES, exist_ok=True)
    for name in os.listdir(FIXTURES):  # the models of tests no longer kept go; README.md stays
        if name.endswith(".onnx") or name == "manifest.json":
            os.remove(os.path.join(FIXTURES, name))
    lines = []
    for test in tests:
        shutil.copyfile(test.path, os.path.join(FIXTURES, test.name + ".onnx"))
        lines.append(json.dumps(manifest_entry(test, results[test.name]), sort_keys=True))
    header = {
        "generator": "python3 tools/onnx_node_tests.py --write-fixtures",
        "onnx": onnx.__version__,
        "about": "ONNX backend node tests that use only netcalc's CNN operators: expected output dims in ONNX order "
                 "with N, and netcalc's status when they were written (agree, refused, disagree)",
    }
    with open(os.path.join(FIXTURES, "manifest.json"), "w") as f:
        f.write("{\n")
        for key in sorted(header):
            f.write(f"  {json.dumps(key)}: {json.dumps(header[key])},\n")
        f.write('  "tests": [\n    ' + ",\n    ".join(lines) + "\n  ]\n}\n")


# MARK: the summary

def print_groups(messages, indent, limit=None, examples=None):
    groups = defaultdict(list)
    for name, message in messages.items():
        groups[normalized(message)].append(name)
    ordered = sorted(groups.items(), key=lambda item: (-len(item[1]), item[0]))
    for message, names in ordered[:limit]:
        print(f"{indent}{len(names):4}  {message}")
        if examples:
            print(f"{indent}      e.g. {', '.join(names[:examples])}{', ...' if len(names) > examples else ''}")
    if limit is not None and len(ordered) > limit:
        print(f"{indent}      ... {len(ordered) - limit} more messages")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--netcalc", default=NETCALC)
    parser.add_argument("--data")
    parser.add_argument("--all-known", action="store_true")
    parser.add_argument("--filter")
    parser.add_argument("--json")
    parser.add_argument("--write-fixtures", action="store_true")
    parser.add_argument("--no-probes", action="store_true")
    parser.add_argument("--verbose", action="store_true")
    arguments = parser.parse_args()
    if not os.access(arguments.netcalc, os.X_OK):
        sys.exit(f"no netcalc at {arguments.netcalc}: build it with `swift build -c release`, or give --netcalc PATH")
    if arguments.write_fixtures and (arguments.all_known or arguments.filter):
        sys.exit("--write-fixtures writes the whole CNN selection: leave out --all-known and --filter")

    known, cnn, excluded = netcalc_operators()
    operators = known if arguments.all_known else cnn
    print(f"netcalc's ONNX operators ({len(known)}, enum ONNXOperator): {', '.join(sorted(known))}")
    print(f"not CNN operators ({len(excluded)}): " + "; ".join(f"{op} ({why})" for op, why in sorted(excluded.items())))
    print(f"tests kept: those using only {'every operator above' if arguments.all_known else f'the {len(cnn)} others'}")

    folder = node_test_dir(arguments)
    tests = collect(folder, operators, arguments.filter)
    print(f"node tests: {folder} (onnx {onnx.__version__}); kept {len(tests)}\n")

    results, probes = {}, {}
    with tempfile.TemporaryDirectory() as workdir:
        for test in tests:
            path = os.path.join(workdir, test.name + ".onnx")
            shutil.copyfile(test.path, path)
            result = classify(test, arguments.netcalc, path)
            if result["status"] == "refused":
                result["causes"] = causes(result["message"], test)
            results[test.name] = result
            if not arguments.no_probes and result["status"] != "agree":
                probes[test.name] = {probe: run_probe(test, arguments.netcalc, workdir, probe) for probe in PROBES}
            if arguments.verbose:
                detail = result.get("message") or "; ".join(result.get("mismatches", []))
                print(f"{result['status']:9} {test.name}  {detail}")
    by_test = {t.name: t for t in tests}

    counts = Counter(r["status"] for r in results.values())
    print(f"selected {len(tests)}: agree {counts['agree']}, disagree {counts['disagree']}, refused {counts['refused']}")
    ranks = Counter(len(t.input_dims) if t.input_dims is not None else "no shape" for t in tests)
    print("  by the input's rank: " + ", ".join(
        f"rank {r}: {n} ({sum(1 for t in tests if (len(t.input_dims) if t.input_dims is not None else 'no shape') == r and results[t.name]['status'] == 'agree')} agree)"
        for r, n in sorted(ranks.items(), key=str)))
    batched = [t for t in tests if t.input_dims and t.input_dims[0] > 1]
    print(f"  with a batch N > 1: {len(batched)} ({sum(1 for t in batched if results[t.name]['status'] == 'agree')} agree)")

    refused = {name: r for name, r in results.items() if r["status"] == "refused"}
    print(f"\nrefusals by cause ({len(refused)} refusals; the first error decides, a message can show several):")
    for cause, n in Counter(c for r in refused.values() for c in r["causes"]).most_common():
        print(f"  {n:4}  {cause}")
    unnamed = sorted(n for n, r in refused.items() if not names_operator_or_attribute(r["message"], by_test[n]))
    print(f"  refusals whose message names none of the test's operators or attributes: {len(unnamed)}")

    rank_refused = [n for n, r in refused.items() if any(c.startswith("input rank") for c in r["causes"])]
    if rank_refused:
        print(f"\nthe {len(rank_refused)} input-rank refusals, by what else the test has (netcalc reads the input first):")
        extra = Counter()
        for name in rank_refused:
            test = by_test[name]
            roles = sorted(set(test.roles.values()))
            watched = [a for a in test.watched if a != "group"]
            key = ("graph inputs: " + "+".join(roles) if roles else "no other graph input") \
                + (f"; attributes {', '.join(watched)}" if watched else "")
            extra[key] += 1
        for key, n in extra.most_common():
            print(f"  {n:4}  {key}")

    print("\nrefusals by message (names and numbers taken out):")
    print_groups({n: r["message"] for n, r in refused.items()}, "  ", examples=4)

    if probes:
        print("\nprobes on the tests that do not agree today (each row says what the change buys):")
        for probe, title in PROBES.items():
            changed = {n: p[probe] for n, p in probes.items() if p[probe] is not None}
            outcome = Counter(p["status"] for p in changed.values())
            print(f"  {title}: {len(changed)} tests changed -> agree {outcome['agree']}, "
                  f"disagree {outcome['disagree']}, refused {outcome['refused']}")
            print_groups({n: p["message"] for n, p in changed.items() if p["status"] == "refused"}, "    ", limit=12)
            for n, p in sorted(changed.items()):
                if p["status"] == "disagree":
                    print(f"      disagrees: {n}: {'; '.join(p['mismatches'])}")
        later = {"arguments": "parameters", "batch1": "arguments"}
        for probe, before in later.items():
            gained = sorted(n for n, p in probes.items() if p[probe] and p[probe]["status"] == "agree"
                            and not (p[before] and p[before]["status"] == "agree"))
            print(f"  agree only with '{probe}' ({len(gained)}): {', '.join(gained) or '-'}")

    watched = defaultdict(Counter)
    for test in tests:
        for attribute in test.watched:
            watched[attribute][results[test.name]["status"]] += 1
    if watched:
        print("\ntests setting a watched attribute to other than its default, by status today:")
        for attribute, outcome in sorted(watched.items()):
            names = [t.name for t in tests if attribute in t.watched and results[t.name]["status"] == "refused"]
            print(f"  {attribute:18} " + ", ".join(f"{s} {n}" for s, n in sorted(outcome.items()))
                  + (f"  (refused: {', '.join(names)})" if names else ""))

    disagreements = {name: r for name, r in results.items() if r["status"] == "disagree"}
    print(f"\ndisagreements ({len(disagreements)}):")
    for name, r in sorted(disagreements.items()):
        print(f"  {name}: " + "; ".join(r["mismatches"]))

    if arguments.json:
        with open(arguments.json, "w") as f:
            json.dump({"onnx": onnx.__version__, "results": {
                name: dict(results[name], **({"probes": probes[name]} if name in probes else {}),
                           inputDims=by_test[name].input_dims, watched=by_test[name].watched,
                           roles=by_test[name].roles, outputs=[d for _, d in by_test[name].outputs],
                           operators=by_test[name].operators)
                for name in sorted(results)}}, f, indent=1, sort_keys=True)
    if arguments.write_fixtures:
        write_fixtures(tests, results)
        print(f"\nwrote {len(tests)} fixtures and manifest.json to {os.path.relpath(FIXTURES, ROOT)}")
    return 1 if disagreements else 0


if __name__ == "__main__":
    sys.exit(main())
