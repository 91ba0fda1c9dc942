#!/usr/bin/env python3
"""Checks netcalc's reading of vision-model ONNX exports against onnxruntime, node by node.

Not part of CI (it needs torch, timm, torchvision, onnx, onnxscript and onnxruntime). Run from the repository root
after `swift build`:

    python3 tools/crosscheck_onnx_models.py [--models swin_t,levit_128s] [--exporters legacy,dynamo]
                                            [--opsets 13,14,15,16,17,18] [--cache DIR]

Models: timm `vit_tiny_patch16_224`, `deit_small_patch16_224`, `levit_128s`, `mobilevit_xxs`, `efficientformer_l1`,
`convnextv2_atto`, `resnest14d`, `tf_efficientnet_b0`, `nfnet_l0`; torchvision `vit_b_16`, `swin_t`, `maxvit_t`,
`resnet18`, `efficientnet_b0`. Each is built with random weights (seeded; every parameter and buffer is then perturbed
a little, so that no two initializers are equal: the legacy exporter merges equal initializers behind Identity nodes,
which a trained model never shows), put in eval mode and exported at batch 1 (1x3x224x224, or the model's own input
size) with the legacy exporter (`dynamo=False`) at each opset asked, and with the dynamo exporter (`dynamo=True`) at its
default opset. Then:

1. shapes: every node output is added as a graph output and onnxruntime runs the model on random values; each netcalc
   row named after a node (`NAME`, or `NAME:i` for output i of a Split) must have the shape of that node's output, laid
   out as netcalc lays it out: a TENSOROP row (JSON op `tensor`) drops a leading batch of 1, takes the last dim as the
   channels and the others as spatial axes, width first (more than three multiplied into the outermost); another row
   is channels first ([N, C, S1..Sk] -> [Sk..S1, C]) or, when that does not match, channels last ([N, H, W, C] ->
   [W, H, C], the rows after a permute to NHWC); a 2-D [N, F] row is a vector of F. Nodes without a row (Identity,
   Cast, Dropout of data; constants folded; elementwise arithmetic with a constant) are counted apart.
2. params (netcalc's params plus its non-trainable values, a batch norm's running statistics): the values of the distinct float tensors stored in the file (initializers and Constant nodes' values) of
   more than one value. One-value floats (an epsilon, sqrt(d)) are arguments and integer tensors are shapes and
   indices: neither is a parameter.
3. MACs: the sum over Conv and ConvTranspose (output or input values x C/groups x kernel), Gemm (M x K x N), MatMul
   (batch x M x K x N over the broadcast batch dims, two activations included) and Einsum (the product of the sizes of
   every distinct index letter: one multiply-accumulate per term of the contraction) nodes, from onnxruntime's shapes;
   biases excluded.

It prints one line per model, exporter and opset (agree, DISAGREES, netcalc refused, or not exported with the
exporter's reason) and exits 1 if netcalc disagrees or refuses.

    python3 tools/crosscheck_onnx_models.py --write-fixtures

writes the test fixtures of this script (see FIXTURE_MODELS) into Tests/NetCalcTests/Fixtures/onnx/, weights
stripped (only integer tensors of at most 64 values, float tensors of at most 4 and float tensors of at most 4096
holding one repeated value, an exporter's fill, keep their data), each with
NAME.reference.json: the params, MACs and node outputs compared that the check above gave on the unstripped file.
"""
import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import warnings

import numpy as np
import onnx
import onnx.numpy_helper
import onnxruntime as ort
import torch

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
NETCALC = os.path.join(ROOT, ".build", "debug", "netcalc")
FIXTURES = os.path.join(ROOT, "Tests", "NetCalcTests", "Fixtures", "onnx")
TORCHVISION = ["vit_b_16", "swin_t", "maxvit_t", "resnet18", "efficientnet_b0"]
TIMM = ["vit_tiny_patch16_224", "deit_small_patch16_224", "levit_128s", "mobilevit_xxs", "efficientformer_l1",
        "convnextv2_atto", "resnest14d", "tf_efficientnet_b0", "nfnet_l0"]
MODELS = TORCHVISION + TIMM


def perturb(model):
    """Seeded small noise on every parameter and floating buffer, so that no two initializers are equal."""
    generator = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for tensor in list(model.parameters()) + [b for b in model.buffers() if b.is_floating_point()]:
            tensor.add_(torch.randn(tensor.shape, generator=generator) * 0.01)
    return model


def build(name):
    torch.manual_seed(0)
    if name in TORCHVISION:
        import torchvision
        model = getattr(torchvision.models, name)(weights=None)
        size = 224
    else:
        import timm
        model = timm.create_model(name, pretrained=False)
        size = model.pretrained_cfg.get("input_size", (3, 224, 224))[-1] if hasattr(model, "pretrained_cfg") else 224
    model.eval()
    return perturb(model), (1, 3, size, size)


def export(model, shape, path, exporter, opset):
    x = torch.randn(*shape)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if exporter == "legacy":
            torch.onnx.export(model, (x,), path, opset_version=opset, dynamo=False)
        else:
            program = torch.onnx.export(model, (x,), dynamo=True, verbose=False)
            program.save(path)
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
    """The distinct float tensors of more than one value: a tensor whose values are a permutation of another's (a
    weight the exporter also stored reshaped or transposed, as weight standardization's) counts once, and one of a
    single repeated value (the zeros or ones of an operation the exporter folded) is no parameter."""
    total = 0
    seen = set()
    for t in tensors_of(model).values():
        count = math.prod(t.dims)
        if t.data_type not in FLOATS or count <= 1:
            continue
        values = np.sort(onnx.numpy_helper.to_array(t).ravel())
        if values[0] == values[-1]:
            continue
        key = (count, values.tobytes())
        if key not in seen:
            seen.add(key)
            total += count
    return total


def run_shapes(model):
    """The dims of every node output, from onnxruntime."""
    existing = {o.name for o in model.graph.output}
    wanted = [o for node in model.graph.node if node.op_type != "Constant" for o in node.output if o and o not in existing]
    for name in wanted:
        model.graph.output.append(onnx.helper.make_empty_tensor_value_info(name))
    del model.graph.value_info[:]
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    session = ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
    feeds = {i.name: np.random.rand(*[d if isinstance(d, int) else 1 for d in i.shape]).astype(np.float32)
             for i in session.get_inputs()}
    names = [o.name for o in session.get_outputs()]
    return {n: list(np.shape(v)) for n, v in zip(names, session.run(names, feeds))}


def einsum_macs(equation, operands):
    left = equation.replace(" ", "").split("->")[0].split(",")
    if len(left) < 2:
        return 0
    sizes = {}
    for term, dims in zip(left, operands):
        if "..." in term:
            ellipsis = len(dims) - (len(term) - 3)
            term = term.replace("...", "".join(chr(0x100 + i) for i in range(ellipsis)))
            # broadcast ellipsis dims: right-aligned, largest wins
        for letter, size in zip(term, dims):
            sizes[letter] = max(sizes.get(letter, 1), size)
    return math.prod(sizes.values())


def reference_macs(model, shapes):
    stored = {name: list(t.dims) for name, t in tensors_of(model).items()}
    dims = lambda name: shapes.get(name, stored.get(name))
    total = 0
    for node in model.graph.node:
        attrs = {a.name: a for a in node.attribute}
        if node.op_type == "Conv":
            out, w = dims(node.output[0]), dims(node.input[1])
            total += math.prod(out) * math.prod(w[1:])
        elif node.op_type == "ConvTranspose":
            x, w = dims(node.input[0]), dims(node.input[1])
            total += math.prod(x) * math.prod(w[1:])
        elif node.op_type == "Gemm":
            a, b = dims(node.input[0]), dims(node.input[1])
            m, k = (a[1], a[0]) if "transA" in attrs and attrs["transA"].i else (a[0], a[1])
            n = b[0] if "transB" in attrs and attrs["transB"].i else b[1]
            total += m * k * n
        elif node.op_type == "MatMul":
            a, b = dims(node.input[0]), dims(node.input[1])
            a2 = [1] + a if len(a) == 1 else a
            b2 = b + [1] if len(b) == 1 else b
            batch = np.broadcast_shapes(tuple(a2[:-2]), tuple(b2[:-2]))
            total += math.prod(batch) * a2[-2] * a2[-1] * b2[-1]
        elif node.op_type == "Einsum":
            total += einsum_macs(attrs["equation"].s.decode(), [dims(i) for i in node.input])
    return total


def layouts(dims, op):
    """The netcalc shapes a node output of these ONNX dims may have."""
    if op == "tensor":
        item = dims[1:] if len(dims) > 1 and dims[0] == 1 else list(dims)
        item = item or [1]
        depth, rest = item[-1], item[:-1] or [1]
        if len(rest) > 3:
            rest = [math.prod(rest[:-2])] + rest[-2:]
        found = [list(reversed(rest)) + [depth]]
        if 3 <= len(dims) <= 5 and dims[0] == 1:
            found.append(list(reversed(dims[2:])) + [dims[1]])  # restated channels first for a CNN layer reading it
        return found
    if len(dims) == 2:
        return "vector", dims[1]
    found = [list(reversed(dims[2:])) + [dims[1]]]
    if len(dims) == 4:
        found.append([dims[2], dims[1], dims[3]])
    return found


def agrees(dims, row):
    expected = layouts(dims, row["op"])
    if isinstance(expected, tuple):
        return row["output"][-1] == expected[1] and all(x == 1 for x in row["output"][:-1])
    return row["output"] in expected


def check(label, path, quiet=False):
    model = onnx.load(path)
    params = reference_params(model)
    shapes = run_shapes(onnx.load(path))
    macs = reference_macs(model, shapes)
    result = subprocess.run([NETCALC, path, "--format", "json"], capture_output=True, text=True)
    if result.returncode != 0:
        message = " | ".join(result.stderr.strip().splitlines()[:3])[:600]
        print(f"{label}: netcalc REFUSED: {message}", flush=True)
        return False, None
    network = json.loads(result.stdout)["networks"][0]
    rows = {row["name"]: row for row in network["layers"]}
    compared = agreeing = without_row = patterns = 0
    problems = []
    nodes = [n for n in model.graph.node if n.op_type != "Constant"]
    for node in nodes:
        outputs = [o for o in node.output if o]
        found = False
        for index, output in enumerate(outputs):
            row = rows.get(node.name if len(outputs) == 1 else f"{node.name}:{index}") or \
                (rows.get(node.name) if index == 0 else None)
            if row is None or output not in shapes:
                continue
            found = True
            if node.op_type == "ReduceMean" and row["op"] == "layernorm":
                patterns += 1  # a written-out layer norm: one row named after its first node, the norm's output
                continue
            compared += 1
            if agrees(shapes[output], row):
                agreeing += 1
            else:
                problems.append(f"{node.name} ({node.op_type}): onnxruntime {shapes[output]}, netcalc {row['output']} ({row['op']})")
        if not found:
            without_row += 1
    totals = network["totals"]
    stored = totals["params"] + totals["nonTrainable"]
    ok = stored == params and totals["macs"] == macs and not problems
    figures = {"params": params, "macs": macs, "node_outputs_compared": compared, "agreeing": agreeing,
               "output": network["layers"][-1]["output"]}
    if not quiet:
        print(f"{label}: params netcalc {stored:,} reference {params:,}; MACs netcalc {totals['macs']:,} "
              f"reference {macs:,}; node outputs compared {compared}, agreeing {agreeing}; nodes without a row "
              f"{without_row} of {len(nodes)}{f', written-out layer norms {patterns}' if patterns else ''}; {'agree' if ok else 'DISAGREES'}", flush=True)
        for problem in problems[:12]:
            print("   ", problem, flush=True)
    return ok, figures


def run(name, exporter, opset, cache, cached_only=False):
    label = f"{name} {exporter}" + (f" opset {opset}" if exporter == "legacy" else "")
    path = os.path.join(cache, f"{name}_{exporter}{opset if exporter == 'legacy' else ''}.onnx")
    if not os.path.exists(path):
        if cached_only:
            return None
        try:
            model, shape = build(name)
            export(model, shape, path, exporter, opset)
        except Exception as error:
            if os.path.exists(path):
                os.remove(path)
            reason = (str(error).strip().splitlines() or [""])[0][:300]
            print(f"{label}: not exported: {type(error).__name__}: {reason}", flush=True)
            return None
    if exporter == "dynamo":
        label += f" (opset {onnx.load(path, load_external_data=False).opset_import[0].version})"
    return check(label, path)[0]


# Small models for the test fixtures: name -> (builder, input shape, exporter, opset).
def _swin():
    from torchvision.models.swin_transformer import SwinTransformer
    return SwinTransformer(patch_size=[4, 4], embed_dim=16, depths=[2, 2], num_heads=[2, 4], window_size=[4, 4],
                           num_classes=10)


def _levit():
    import timm
    return timm.create_model("levit_128s", pretrained=False, img_size=64, num_classes=10, embed_dim=(32, 48, 64),
                             key_dim=8, num_heads=(2, 3, 4), depth=(1, 1, 1))


def _nfnet():
    import timm.layers
    class Tiny(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.stem = timm.layers.ScaledStdConv2d(3, 8, 3, stride=2, padding=1)
            self.conv = timm.layers.ScaledStdConv2d(8, 16, 3, padding=1)
            self.head = torch.nn.Linear(16, 10)

        def forward(self, x):
            x = torch.nn.functional.gelu(self.stem(x))
            x = torch.nn.functional.gelu(self.conv(x))
            return self.head(x.mean((2, 3)))
    return Tiny()


def _swin_dynamo():
    from torchvision.models.swin_transformer import SwinTransformer
    # 96 channels at the head: the as_strided Gather's 96 indices are more than netcalc decodes (64).
    # Two blocks in the first stage: the second's shifted-window mask, whose region numbers dynamo stores as
    # float tensors of one repeated value (no parameters).
    return SwinTransformer(patch_size=[4, 4], embed_dim=48, depths=[2, 1], num_heads=[2, 4], window_size=[4, 4],
                           num_classes=10)


def _nfnet_dynamo():
    import timm.layers
    class Tiny(torch.nn.Module):
        """Weights large enough that dynamo keeps their standardization in the graph; 96 filters, so that the
        batch norm's zero bias has more values than netcalc decodes with the graph."""
        def __init__(self):
            super().__init__()
            self.stem = timm.layers.ScaledStdConv2d(3, 16, 3, stride=2, padding=1)
            self.conv = timm.layers.ScaledStdConv2d(16, 96, 3, padding=1)
            self.head = torch.nn.Linear(96, 10)

        def forward(self, x):
            x = torch.nn.functional.gelu(self.stem(x))
            x = torch.nn.functional.gelu(self.conv(x))
            return self.head(x.mean((2, 3)))
    return Tiny()


def _levit_dynamo():
    import timm
    # 196 tokens: bias tables gathered to 196x196x2, too large for dynamo to fold, so the graph keeps its GatherND.
    return timm.create_model("levit_128s", pretrained=False, img_size=224, num_classes=10, embed_dim=(32, 48, 64),
                             key_dim=8, num_heads=(2, 3, 4), depth=(1, 1, 1))


def _dynamo_vit():
    import timm.models.vision_transformer as vt
    return vt.VisionTransformer(img_size=32, patch_size=8, embed_dim=48, depth=1, num_heads=3, num_classes=10)


FIXTURE_MODELS = {
    "swin_2stage": (_swin, (1, 3, 32, 32), "legacy", 17),
    "levit_small": (_levit, (1, 3, 64, 64), "legacy", 17),
    "nfnet_wstd": (_nfnet, (1, 3, 32, 32), "legacy", 17),
    "vit_tiny_dynamo": (_dynamo_vit, (1, 3, 32, 32), "dynamo", None),
    "swin_dynamo": (_swin_dynamo, (1, 3, 32, 32), "dynamo", None),
    "levit_dynamo": (_levit_dynamo, (1, 3, 224, 224), "dynamo", None),
    "nfnet_dynamo": (_nfnet_dynamo, (1, 3, 32, 32), "dynamo", None),
}


def strip(model):
    """Weights stripped (see the docstring); node outputs renamed `t0`, `t1`, ... (the graph's outputs and the node
    names kept), so that a graph of a thousand nodes stays small."""
    keep = {o.name for o in model.graph.output} | {i.name for i in model.graph.input} | {t.name for t in model.graph.initializer}
    renamed = {}
    for node in model.graph.node:
        for index, name in enumerate(node.output):
            if name and name not in keep:
                renamed[name] = f"t{len(renamed)}"
                node.output[index] = renamed[name]
    for node in model.graph.node:
        for index, name in enumerate(node.input):
            if name in renamed:
                node.input[index] = renamed[name]

    def strip_tensor(t):
        count = math.prod(t.dims)
        keep = count <= 4 if t.data_type in FLOATS else count <= 64
        if not keep and t.data_type in FLOATS and count <= 4096:
            values = onnx.numpy_helper.to_array(t).ravel()
            keep = bool(values.size) and values.min() == values.max()  # a fill the exporter wrote: no weight
        if not keep:
            for field in ("raw_data", "float_data", "int32_data", "int64_data", "double_data", "uint64_data", "string_data"):
                t.ClearField(field)
    for t in model.graph.initializer:
        strip_tensor(t)
    del model.graph.value_info[:]
    for node in model.graph.node:
        node.ClearField("doc_string")
        node.ClearField("metadata_props")  # dynamo's stack traces and module paths, most of a small file
        for a in node.attribute:
            if a.name == "value" and a.type == onnx.AttributeProto.TENSOR:
                strip_tensor(a.t)
    return model


def write_fixtures(folder, only):
    for name, (make, shape, exporter, opset) in FIXTURE_MODELS.items():
        if only and name not in only:
            continue
        torch.manual_seed(0)
        model = perturb(make().eval())
        full = os.path.join(folder, name + ".onnx")
        export(model, shape, full, exporter, opset)
        ok, expected = check(name, full, quiet=True)
        if not ok:
            check(name, full)
            sys.exit(f"{name}: netcalc disagrees with the reference: {expected}")
        expected["torch_params"] = sum(p.numel() for p in model.parameters())
        del expected["agreeing"]
        stripped = strip(onnx.load(full))
        target = os.path.join(FIXTURES, name + ".onnx")
        onnx.save(stripped, target)
        with open(os.path.join(FIXTURES, name + ".reference.json"), "w") as out:
            json.dump(expected, out, indent=2, sort_keys=True)
            out.write("\n")
        print(f"wrote {target} ({os.path.getsize(target):,} bytes): {expected}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--exporters", default="legacy,dynamo")
    parser.add_argument("--opsets", default="13,14,15,16,17,18")
    parser.add_argument("--cache", help="a folder to keep the exports in between runs")
    parser.add_argument("--cached-only", action="store_true", help="check only the exports already in --cache")
    parser.add_argument("--write-fixtures", nargs="?", const="", default=None,
                        help="write the test fixtures (optionally only these, comma-separated)")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        if arguments.write_fixtures is not None:
            write_fixtures(temporary, [x for x in arguments.write_fixtures.split(",") if x])
            return
        cache = arguments.cache or temporary
        ok = True
        for name in arguments.models.split(","):
            for exporter in arguments.exporters.split(","):
                for opset in ([int(x) for x in arguments.opsets.split(",")] if exporter == "legacy" else [None]):
                    ok = run(name, exporter, opset, cache, arguments.cached_only) is not False and ok
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
