#!/usr/bin/env python3
"""Writes the hostile ONNX models of issue 25 (part B): the inputs bench/RESULTS.md times and the shapes the
regression tests and fuzz regressions are made of. Needs the `onnx` package; not part of CI (the tests build
their models in Swift, and the fuzz regressions are committed files).

    python3 tools/hostile_onnx.py rewrite N OUT.onnx   # N MaxPools with asymmetric pads, each writing 'y' again
    python3 tools/hostile_onnx.py nested N OUT.onnx    # N merges nested inside each other's branches
    python3 tools/hostile_onnx.py fan N OUT.onnx       # one Concat of N branches (a Relu each)
    python3 tools/hostile_onnx.py fan-spec N OUT.net   # the same merge as a spec: CONCAT(RELU | ... N times)
    python3 tools/hostile_onnx.py reshapes N OUT.onnx  # N Reshapes to the same dims, each with a Relu
    python3 tools/hostile_onnx.py refolds N OUT.onnx   # N times [1,C,H,W] -> [1,C,H*W] -> [1,C,H,W] -> Conv
    python3 tools/hostile_onnx.py regressions DIR      # the small cases, as Fuzz/regressions/ holds them
"""
import os
import sys
import numpy as np
from onnx import helper, numpy_helper, TensorProto, save


def model(nodes, inputs, initializers=(), name="hostile"):
    output = helper.make_tensor_value_info(nodes[-1].output[0], TensorProto.FLOAT, None)
    graph = helper.make_graph(nodes, name, inputs, [output], initializer=list(initializers))
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="hostile_onnx.py")


def image(channels=1, size=8):
    return helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, channels, size, size])


def rewrite(count):
    """Every node writes the tensor name 'y' again; asymmetric pads make each a PAD and a POOL, whose
    made-up tensor names ('y/pad', 'y/pad#2', ...) must not collide."""
    nodes = []
    for index in range(count):
        nodes.append(helper.make_node("MaxPool", ["x" if index == 0 else "y"], ["y"], name=f"pool{index}",
                                      kernel_shape=[2, 2], pads=[0, 0, 1, 1]))
    return model(nodes, [image()])


def nested(depth):
    """r1 = Relu(x), ..., rN = Relu(r(N-1)); mN = Add(rN, r(N-1)), m(N-1) = Add(mN, r(N-2)), ..., m1 = Add(m2, x):
    each Add's branches hold the next one, N merges deep."""
    nodes = []
    for index in range(1, depth + 1):
        nodes.append(helper.make_node("Relu", ["x" if index == 1 else f"r{index - 1}"], [f"r{index}"], name=f"relu{index}"))
    previous = f"r{depth}"
    for index in range(depth, 0, -1):
        skip = "x" if index == 1 else f"r{index - 1}"
        nodes.append(helper.make_node("Add", [previous, skip], [f"m{index}"], name=f"add{index}"))
        previous = f"m{index}"
    return model(nodes, [image()])


def fan(count):
    """x read by N Relus, all concatenated: one merge of N branches."""
    nodes = [helper.make_node("Relu", ["x"], [f"b{index}"], name=f"relu{index}") for index in range(count)]
    nodes.append(helper.make_node("Concat", [f"b{index}" for index in range(count)], ["y"], name="concat", axis=1))
    return model(nodes, [image(size=1)])


def reshapes(count):
    """N Reshapes of data (to its own dims) at a batch of 1, each followed by a Relu: each Reshape may start
    ONNX's shape rules, so the importer tries it as an attempt it can take back. A copy of its state to go
    back to made every change copy every tensor known so far (quadratic); a journal of the attempt's
    changes made it linear (bench/RESULTS.md, issue 25 B)."""
    same = numpy_helper.from_array(np.array([1, 2, 4, 4], dtype=np.int64), "same")
    nodes = []
    previous = "x"
    for index in range(count):
        nodes.append(helper.make_node("Reshape", [previous, "same"], [f"r{index}"], name=f"r{index}"))
        nodes.append(helper.make_node("Relu", [f"r{index}"], [f"a{index}"], name=f"a{index}"))
        previous = f"a{index}"
    return model(nodes, [image(channels=2, size=4)], [same])


def refolds(count):
    """N times: a patch embedding's Reshape [1, C, H, W] -> [1, C, H*W] and back, then a Conv, which makes
    the tensor channels first again: it went over every tensor known (quadratic), and now looks up the layer
    writing it and the names standing for it."""
    inits = [numpy_helper.from_array(np.array([1, 2, 16], dtype=np.int64), "flat"),
             numpy_helper.from_array(np.array([1, 2, 4, 4], dtype=np.int64), "back"), empty("w", [2, 2, 1, 1])]
    nodes = []
    previous = "x"
    for index in range(count):
        nodes.append(helper.make_node("Reshape", [previous, "flat"], [f"f{index}"], name=f"flat{index}"))
        nodes.append(helper.make_node("Reshape", [f"f{index}", "back"], [f"b{index}"], name=f"back{index}"))
        nodes.append(helper.make_node("Conv", [f"b{index}", "w"], [f"c{index}"], name=f"conv{index}"))
        previous = f"c{index}"
    return model(nodes, [image(channels=2, size=4)], inits)


def fan_spec(count):
    """`fan = INPUT[1x1x1] -> CONCAT(RELU | RELU | ...)`: one merge of N branches, as a spec."""
    return "fan = INPUT[1x1x1] -> CONCAT(" + " | ".join(["RELU"] * count) + ")\n"


ESCAPE = "\x1b[2J\x1b]0;pwned\x07"
FORMULAS = ["=HYPERLINK(\"http://x\")", "+1", "-2", "@SUM(A1)", "\t=1", "\r=1", "  =1", "=" + ESCAPE]


def hostile_names():
    """Names that start as spreadsheet formulas do or hold escape sequences, in the graph's name, scopes,
    nodes and tensors, with merges reading them: no terminal escape, no formula in any output."""
    nodes = []
    branches = []
    for index, name in enumerate(FORMULAS):
        nodes.append(helper.make_node("Relu", ["x"], [f"{name}t{index}"], name=f"/{name}scope{ESCAPE}/{name}relu{index}"))
        branches.append(f"{name}t{index}")
    nodes.append(helper.make_node("Concat", branches, ["c"], name="=cat" + ESCAPE, axis=1))
    nodes.append(helper.make_node("Conv", ["c", "w"], ["d"], name=ESCAPE + "conv"))
    nodes.append(helper.make_node("Add", ["d", "x"], ["y"], name="+add" + ESCAPE))
    return model(nodes, [image(channels=3)], [empty("w", [3, 3 * len(FORMULAS), 1, 1])], name="=net" + ESCAPE)


def caffe_hostile_names():
    """The same names as a Caffe model's layers, tops and bottoms, an Eltwise and a Concat reading them."""
    def quoted(text):
        return '"' + "".join(c if " " <= c <= "~" and c not in '"\\' else "\\%03o" % ord(c) for c in text) + '"'
    lines = ["name: " + quoted("=net" + ESCAPE), 'input: "data"', "input_shape { dim: 1 dim: 3 dim: 8 dim: 8 }"]
    tops = []
    for index, name in enumerate(FORMULAS):
        top = f"{name}t{index}"
        lines.append(f'layer {{ name: {quoted(name + "relu" + str(index))} type: "ReLU" bottom: "data" top: {quoted(top)} }}')
        tops.append(top)
    bottoms = " ".join("bottom: " + quoted(top) for top in tops)
    lines.append(f'layer {{ name: {quoted("=cat" + ESCAPE)} type: "Concat" {bottoms} top: "c" }}')
    lines.append('layer { name: "conv" type: "Convolution" bottom: "c" top: "d" convolution_param { num_output: 3 kernel_size: 1 } }')
    lines.append(f'layer {{ name: {quoted("+sum" + ESCAPE)} type: "Eltwise" bottom: "d" bottom: "data" top: "y" }}')
    return "\n".join(lines) + "\n"


def empty(name, dims):
    """A float initializer of those dims and no data (a stripped weight)."""
    return TensorProto(name=name, data_type=TensorProto.FLOAT, dims=dims)


def dropped_constant_count_overflow():
    """Input [1, 2^62, 1, 1] and two Adds of a per-channel constant: the count of the constants' values
    that are not parameters, 2^62 a node, was summed unchecked (exit 132)."""
    big = 2 ** 62
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, big, 1, 1])
    nodes = [helper.make_node("Add", ["x", "c"], ["a0"], name="add0"),
             helper.make_node("Add", ["a0", "c"], ["a1"], name="add1"),
             helper.make_node("Relu", ["a1"], ["y"], name="relu")]
    return model(nodes, [x], [empty("c", [big, 1, 1])])


def batchnorm_statistics_overflow():
    """A batch norm followed by ONNX's shape rules, its mean and variance 2^62 values each: their sum
    trapped."""
    big = 2 ** 62
    shape = numpy_helper.from_array(np.array([1, 3, 16], dtype=np.int64), "shape")
    nodes = [helper.make_node("Reshape", ["x", "shape"], ["t"], name="reshape"),
             helper.make_node("BatchNormalization", ["t", "s", "b", "m", "v"], ["y"], name="bn")]
    return model(nodes, [image(channels=3, size=4)], [shape] + [empty(name, [big]) for name in "sbmv"])


def reducesum_int64_overflow():
    """ReduceSum of int64 constants past Int.max: summed as Doubles, converted back with a trap."""
    values = numpy_helper.from_array(np.array([2 ** 62] * 3, dtype=np.int64), "values")
    nodes = [helper.make_node("ReduceSum", ["values"], ["s"], name="sum", keepdims=0),
             helper.make_node("Reshape", ["x", "s"], ["y"], name="reshape")]
    return model(nodes, [image()], [values])


def filter_larger_than_input():
    """A Conv whose 3x3 filter is larger than its 2x2 input: the error names the node (node 1 'Conv_3'
    (Conv)), where it gave FILE:1:1:, an empty source line and a lone caret."""
    nodes = [helper.make_node("Relu", ["x"], ["r"], name="relu"), helper.make_node("Conv", ["r", "w"], ["y"], name="Conv_3")]
    return model(nodes, [image(channels=3, size=2)], [empty("w", [4, 3, 3, 3])])


REGRESSIONS = {
    "onnx-dropped-constant-count-overflow.onnx": dropped_constant_count_overflow,
    "onnx-batchnorm-statistics-overflow.onnx": batchnorm_statistics_overflow,
    "onnx-reducesum-int64-overflow.onnx": reducesum_int64_overflow,
    "onnx-rewritten-name-asymmetric-pads-4000.onnx": lambda: rewrite(4000),
    "onnx-nested-merges-4000.onnx": lambda: nested(4000),
    "onnx-formula-and-escape-names.onnx": hostile_names,
    "onnx-error-names-its-node.onnx": filter_larger_than_input,
    "onnx-reshapes-4000.onnx": lambda: reshapes(4000),
    "onnx-refolds-2000.onnx": lambda: refolds(2000),
}


if __name__ == "__main__":
    kind = sys.argv[1]
    if kind == "regressions":
        for name, make in REGRESSIONS.items():
            save(make(), os.path.join(sys.argv[2], name))
        with open(os.path.join(sys.argv[2], "huge-pytorch-merge-of-50000-branches.net"), "w") as file:
            file.write(fan_spec(50000))
        with open(os.path.join(sys.argv[2], "caffe-formula-and-escape-names.prototxt"), "w") as file:
            file.write(caffe_hostile_names())
    elif kind == "fan-spec":
        with open(sys.argv[3], "w") as file:
            file.write(fan_spec(int(sys.argv[2])))
    else:
        makers = {"rewrite": rewrite, "nested": nested, "fan": fan, "reshapes": reshapes, "refolds": refolds}
        save(makers[kind](int(sys.argv[2])), sys.argv[3])
