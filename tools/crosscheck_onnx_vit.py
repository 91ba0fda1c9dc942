#!/usr/bin/env python3
"""Checks netcalc's reading of vision-transformer ONNX exports against onnxruntime, node by node.

Not part of CI (it needs torch, timm, torchvision, onnx and onnxruntime). Run from the repository root after
`swift build`:

    python3 tools/crosscheck_onnx_vit.py [--opsets 17,13,18] [--models vit_tiny_patch16_224,...]

For each model (timm `vit_tiny_patch16_224` and `deit_small_patch16_224`, torchvision `vit_b_16`) and opset, it
builds the model with random weights (seeded; every parameter is then perturbed a little, so that no two
initializers are equal: the legacy exporter merges equal initializers and feeds the copies through Identity
nodes, which a trained model never shows), puts it in eval mode, exports it with the legacy exporter
(`dynamo=False`) at batch 1, input 1x3x224x224, into a temporary folder, and compares:

1. shapes: every node output is added as a graph output and onnxruntime runs the model on random values;
   each netcalc row named after a node (`NAME`, or `NAME:i` for output i of a Split) must have the shape of
   that node's output, laid out as netcalc lays it out: a TENSOROP row (JSON op `tensor`) drops a leading
   batch of 1, takes the last dim as the channels and the others as spatial axes, width first (more than
   three multiplied into the outermost); any other row is channels first, [N, C, S1..Sk] -> [Sk..S1, C].
   Nodes without a row (Identity, Cast, Dropout of data; constant arithmetic folded) are counted apart.
2. params: the values of the distinct float tensors stored in the file (initializers and Constant nodes'
   values) of more than one value. One-value floats (an epsilon, sqrt(d)) are arguments and integer
   tensors are shapes and indices: neither is a parameter. This is netcalc's rule (Import/ONNX/
   ONNXTensors.swift), which also follows a tensor through Identity/Cast/Reshape/Expand/... of constants.
3. MACs: the sum over Conv (output values x C_in/groups x kernel), Gemm (M x K x N) and MatMul (batch x M x
   K x N over the broadcast batch dims, two activations included) nodes, from onnxruntime's shapes; biases
   excluded.
It prints one line per model and opset and exits 1 if anything disagrees.

    python3 tools/crosscheck_onnx_vit.py --write-fixtures

writes the test fixtures instead: two small vision transformers, 2 blocks at a 32x32 input with random
(perturbed) weights, exported at opset 17 with their weights stripped (every tensor keeps its name, dims
and type; only integer tensors of at most 64 values and float tensors of at most 4 keep their data, which
is all netcalc reads), as Tests/NetCalcTests/Fixtures/onnx/vit_tiny_2block.onnx (timm's VisionTransformer,
embed dim 48, 3 heads) and vit_torchvision_2block.onnx (torchvision's, hidden dim 32, 2 heads), each with
NAME.reference.json: the params, MACs and number of node outputs the comparison above checked on the
unstripped file.
"""
import argparse
import json
import math
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx
import onnxruntime as ort
import torch

NETCALC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".build", "debug", "netcalc")
MODELS = ["vit_tiny_patch16_224", "deit_small_patch16_224", "vit_b_16"]


def build(name):
    torch.manual_seed(0)
    if name == "vit_b_16":
        import torchvision
        model = torchvision.models.vit_b_16(weights=None)
    else:
        import timm
        model = timm.create_model(name, pretrained=False)
    model.eval()
    generator = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.add_(torch.randn(parameter.shape, generator=generator) * 0.01)
    return model


def export(name, opset, folder):
    path = os.path.join(folder, f"{name}_opset{opset}.onnx")
    torch.onnx.export(build(name), torch.randn(1, 3, 224, 224), path, opset_version=opset, dynamo=False)
    return path


def tensors_of(model):
    """Every stored tensor by name: initializers and Constant nodes' values."""
    stored = {t.name: t for t in model.graph.initializer}
    for node in model.graph.node:
        if node.op_type == "Constant":
            for attribute in node.attribute:
                if attribute.name == "value":
                    stored[node.output[0]] = attribute.t
    return stored


FLOATS = {onnx.TensorProto.FLOAT, onnx.TensorProto.DOUBLE, onnx.TensorProto.FLOAT16, onnx.TensorProto.BFLOAT16}


def reference_params(model):
    return sum(math.prod(t.dims) for t in tensors_of(model).values()
               if t.data_type in FLOATS and math.prod(t.dims) > 1)


def run_shapes(model):
    """The dims of every node output, from onnxruntime."""
    inferred = onnx.shape_inference.infer_shapes(model)
    types = {v.name: v for v in list(inferred.graph.value_info) + list(inferred.graph.output)}
    existing = {o.name for o in model.graph.output}
    wanted = [o for node in model.graph.node if node.op_type != "Constant" for o in node.output if o and o not in existing]
    for name in wanted:
        model.graph.output.append(types.get(name) or onnx.helper.make_empty_tensor_value_info(name))
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    feeds = {i.name: np.random.rand(*[d if isinstance(d, int) else 1 for d in i.shape]).astype(np.float32)
             for i in session.get_inputs()}
    names = [o.name for o in session.get_outputs()]
    return {n: list(v.shape) for n, v in zip(names, session.run(names, feeds))}


def reference_macs(model, shapes):
    stored = {name: list(t.dims) for name, t in tensors_of(model).items()}
    dims = lambda name: shapes.get(name, stored.get(name))
    total = 0
    for node in model.graph.node:
        if node.op_type == "Conv":
            out, w = dims(node.output[0]), dims(node.input[1])
            total += math.prod(out) * math.prod(w[1:])
        elif node.op_type == "Gemm":
            a, b = dims(node.input[0]), dims(node.input[1])
            attrs = {x.name: x.i for x in node.attribute}
            m, k = (a[1], a[0]) if attrs.get("transA") else (a[0], a[1])
            n = b[0] if attrs.get("transB") else b[1]
            total += m * k * n
        elif node.op_type == "MatMul":
            a, b = dims(node.input[0]), dims(node.input[1])
            a2 = [1] + a if len(a) == 1 else a
            b2 = b + [1] if len(b) == 1 else b
            batch = np.broadcast_shapes(tuple(a2[:-2]), tuple(b2[:-2]))
            total += math.prod(batch) * a2[-2] * a2[-1] * b2[-1]
    return total


def netcalc_layout(dims, op):
    if op == "tensor":
        item = dims[1:] if len(dims) > 1 and dims[0] == 1 else list(dims)
        item = item or [1]
        depth, rest = item[-1], item[:-1] or [1]
        if len(rest) > 3:
            rest = [math.prod(rest[:-2])] + rest[-2:]
        return list(reversed(rest)) + [depth]
    if len(dims) == 2:
        return None  # a vector: netcalc writes it at the network's rank
    return list(reversed(dims[2:])) + [dims[1]]


def check(name, opset, folder, path=None, quiet=False):
    path = path or export(name, opset, folder)
    model = onnx.load(path)
    params = reference_params(model)
    shapes = run_shapes(onnx.load(path))
    macs = reference_macs(model, shapes)
    result = subprocess.run([NETCALC, path, "--format", "json"], capture_output=True, text=True)
    if result.returncode != 0:
        print(f"{name} opset {opset}: netcalc refused: {result.stderr.strip()[:400]}")
        return False
    network = json.loads(result.stdout)["networks"][0]
    rows = {row["name"]: row for row in network["layers"]}
    compared = agreeing = without_row = 0
    problems = []
    for node in model.graph.node:
        if node.op_type == "Constant":
            continue
        outputs = [o for o in node.output if o]
        found = False
        for index, output in enumerate(outputs):
            row = rows.get(node.name if len(node.output) == 1 else f"{node.name}:{index}") or \
                (rows.get(node.name) if index == 0 else None)
            if row is None:
                continue
            found = True
            compared += 1
            expected = netcalc_layout(shapes[output], row["op"])
            if expected is None or expected == row["output"] or (expected is None and math.prod(shapes[output]) == math.prod(row["output"])):
                agreeing += 1
            else:
                problems.append(f"{node.name} ({node.op_type}): onnxruntime {shapes[output]} -> {expected}, netcalc {row['output']}")
        if not found:
            without_row += 1
    totals = network["totals"]
    ok = totals["params"] == params and totals["macs"] == macs and not problems
    if quiet:
        return ok, {"params": params, "macs": macs, "node_outputs_compared": compared, "output": rows[network["layers"][-1]["name"]]["output"]}
    print(f"{name} opset {opset}: params netcalc {totals['params']:,} reference {params:,}; MACs netcalc {totals['macs']:,} "
          f"reference {macs:,}; node outputs compared {compared}, agreeing {agreeing}; nodes without a row {without_row} "
          f"of {sum(1 for n in model.graph.node if n.op_type != 'Constant')}; {'OK' if ok else 'DISAGREES'}")
    for problem in problems[:10]:
        print("   ", problem)
    return ok


FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "NetCalcTests", "Fixtures", "onnx")


def small_models():
    import timm.models.vision_transformer as vt
    import torchvision.models.vision_transformer as tv
    torch.manual_seed(0)
    yield "vit_tiny_2block", vt.VisionTransformer(img_size=32, patch_size=8, embed_dim=48, depth=2, num_heads=3,
                                                  num_classes=10)
    torch.manual_seed(0)
    yield "vit_torchvision_2block", tv.VisionTransformer(image_size=32, patch_size=8, num_layers=2, num_heads=2,
                                                         hidden_dim=32, mlp_dim=64, num_classes=10)


def strip(model):
    def strip_tensor(t):
        count = math.prod(t.dims)
        keep = count <= 4 if t.data_type in FLOATS else count <= 64
        if not keep:
            for field in ("raw_data", "float_data", "int32_data", "int64_data", "double_data", "uint64_data", "string_data"):
                t.ClearField(field)
    for t in model.graph.initializer:
        strip_tensor(t)
    for node in model.graph.node:
        node.ClearField("doc_string")
        for a in node.attribute:
            if a.name == "value" and a.type == onnx.AttributeProto.TENSOR:
                strip_tensor(a.t)
    return model


def write_fixtures(folder):
    for name, model in small_models():
        model.eval()
        generator = torch.Generator().manual_seed(1)
        with torch.no_grad():
            for parameter in model.parameters():
                parameter.add_(torch.randn(parameter.shape, generator=generator) * 0.01)
        full = os.path.join(folder, name + ".onnx")
        torch.onnx.export(model, torch.randn(1, 3, 32, 32), full, opset_version=17, dynamo=False)
        ok, expected = check(name, 17, folder, path=full, quiet=True)
        expected["torch_params"] = sum(p.numel() for p in model.parameters())
        if not ok:
            sys.exit(f"{name}: netcalc disagrees with the reference: {expected}")
        stripped = strip(onnx.load(full))
        target = os.path.join(FIXTURES, name + ".onnx")
        onnx.save(stripped, target)
        with open(os.path.join(FIXTURES, name + ".reference.json"), "w") as out:
            json.dump(expected, out, indent=2, sort_keys=True)
            out.write("\n")
        print(f"wrote {target} ({os.path.getsize(target):,} bytes): {expected}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--opsets", default="17")
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--write-fixtures", action="store_true")
    arguments = parser.parse_args()
    if arguments.write_fixtures:
        with tempfile.TemporaryDirectory() as folder:
            write_fixtures(folder)
        return
    ok = True
    with tempfile.TemporaryDirectory() as folder:
        for opset in [int(x) for x in arguments.opsets.split(",")]:
            for name in arguments.models.split(","):
                try:
                    ok = check(name, opset, folder) and ok
                except Exception as error:  # the exporter's refusal (timm's attention needs opset 14)
                    print(f"{name} opset {opset}: not exported: {type(error).__name__}: {str(error).splitlines()[0][:200]}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
