#!/usr/bin/env python3
"""Writes the ONNX test fixtures of the ONNX reader: torchvision models exported to ONNX with their weights
stripped, each with the numbers a correct reader must report, plus a few tiny hand-made files.

Not part of CI (it needs torch, torchvision, onnx, onnxruntime and, for the opset-21 exports, onnxscript):
run by hand from the repository root with

    python3 tools/export_onnx.py [NAME ...]      # no NAME: every fixture; NAME: a file stem of MODELS
                                                  # below, or `handmade` for the tiny hand-made files

It writes Tests/NetCalcTests/Fixtures/onnx/NAME.onnx and NAME.expected.json, and copies each .onnx (and
.expected.json) to /tmp/onnx-fixtures/ as soon as it is written. Exports are deterministic up to the
exporter's version (the random initialization is seeded); other versions of torch or onnx may change node
names, the ops chosen and the bytes, not params, MACs or shapes.

For each model in MODELS:
  * it is built with weights=None (segmentation: weights_backbone=None, num_classes=21), put in eval mode,
    and every parameter and batch-norm statistic is perturbed a little (seeded). Untrained values repeat
    (every batch-norm bias 0, every layer scale 1e-6), and the legacy exporter then merges the equal
    initializers into one, feeding the others through Identity nodes, which a trained model never shows.
  * it is exported at a 1x3xHxW input (224, 299 for inception_v3; the video networks r3d_18, mc3_18 and
    r2plus1d_18 at 1x3x16x112x112; m5, defined in tools/crosscheck_zoo.py, at its spec's input, 1x1x16000)
    at the opset given, with the legacy
    TorchScript exporter (`dynamo=False`, opsets up to 20) or with torch.export (`dynamo=True`, needed for
    opset 21; it needs onnxscript). In eval mode both fold every batch norm that follows a convolution into
    it (DenseNet's norm1 and transition batch norms come before their convolutions and stay); `resnet18_train` is exported with
    TrainingMode.TRAINING (BatchNormalization with training_mode=1 and three outputs) and `resnet18_bn`
    with TrainingMode.PRESERVE of an eval model (inference BatchNormalization nodes, nothing folded).
  * onnx's shape inference is run on the original (unstripped) model and on the stripped one; both must
    give every tensor the same shape. The shapes it leaves unknown (those that only evaluating arithmetic
    on Shape nodes gives: ShuffleNet's channel split, an opset-9 Upsample's scales) are taken from running
    the original model on zeros with onnxruntime, which must also agree with every inferred shape; the
    graph's output must have PyTorch's output shape, and the MACs summed over the graph PyTorch's.
  * the weights are stripped: every tensor (initializer, or `value` of a Constant node) keeps its name,
    dims and data_type and loses its data (raw_data, float_data, int32_data, int64_data, double_data,
    uint64_data, string_data), except integer (non-float) tensors of at most 64 elements (Reshape shapes,
    axes, pads, split sizes, Slice starts and ends, Resize sizes) and float tensors of at most 4 elements
    (Clip bounds, Pow exponents, Div/Mul/Add constants, Resize scales), which the reader needs and keep
    their data. Node metadata_props and doc_string are dropped (the dynamo exporter writes a stack trace
    for every node: 80% of a file's bytes); the graph's value_info is kept. onnx.checker.check_model is
    run on the original model; it refuses a tensor without data ("should contain one and only one value
    field"), so the stripped file is only checked to load with onnx.load and to infer the same shapes.

NAME.expected.json (numbers from the original model and graph, shapes as [W, H, C], [W, H, T, C] for a video's
(N, C, T, H, W), or [1, 1, C] for a vector):
  opset                   the default domain's opset
  input                   {"name", "shape"}: the graph's input and its [W, H, C] (batch 1)
  output                  the graph's output shape
  params_in_file          elements of the constant tensors (initializers, Constant nodes, followed through
                          Identity/Transpose/Reshape/Squeeze/Unsqueeze/Cast/Flatten of constants) that are
                          learned parameters: Conv/ConvTranspose weight and bias, Gemm B and C, a MatMul's
                          constant operand, BatchNormalization/InstanceNormalization/LayerNormalization/
                          GroupNormalization scale and bias, PRelu slope, and float constants of more than
                          one element read by a Mul/Add/Sub/Div whose other operand is computed from the
                          input's values (ConvNeXt's layer scale, the scale and bias of a LayerNorm written
                          out before opset 17, a MatMul's bias; not a constant in the arithmetic on a Shape
                          node's output, like the 2 floats of an opset-9 Upsample's scales); each tensor
                          counted once
  nontrainable_in_file    elements of BatchNormalization means and variances
  initializer_elements_total  elements of every initializer (dims product), for reference
  torch_params            sum of p.numel() over the PyTorch model's parameters
  torch_nontrainable      elements of the PyTorch model's batch-norm running means and variances
  macs                    multiply-accumulates of every Conv1d/2d/3d (output elements x C_in/groups x kernel
                          elements), ConvTranspose1d/2d/3d (input elements x C_out/groups x kernel elements)
                          and Linear (in x out x positions), bias excluded, from forward hooks on the PyTorch model; the same sum
                          computed from the ONNX graph (the `layers` below) must agree
  batchnorm_folded        true when the PyTorch model has batch norms and at least one of them is not a
                          BatchNormalization node of the file (folded into its convolution)
  batchnorm_nodes, torch_batchnorm_layers   the counts behind batchnorm_folded
  conv_layers             number of Conv nodes
  nodes_by_op_type        {op_type: count}
  shapes_not_inferred     how many tensors' shapes onnx's shape inference could not give (see above): a
                          reader must evaluate Shape/Gather/Slice/Concat/Cast/Div/Mul on constants there
  exporter, training_mode how the file was made
  layers                  every Conv/ConvTranspose/Gemm/MatMul node in file order: name, op, output
                          [W, H, C] (a MatMul on channels-last [1, H, W, C] features: [W, H, C]), params
                          (its own constant inputs, a MatMul's bias is in the Add that follows) and macs
  shapes                  every tensor of the graph (input, node outputs) with its ONNX dims (N, C, H, W
                          order), from shape inference completed by onnxruntime (see above)
"""
import copy, io, json, os, re, shutil, sys, warnings
from collections import Counter

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
import torch
import torch.nn as nn
import torchvision.models as tvm

OUT = "Tests/NetCalcTests/Fixtures/onnx"
COPY = "/tmp/onnx-fixtures"

# (file stem, torchvision name, input size, opset, exporter, training mode, build keyword arguments); the input
# size is H = W for an image, the spatial sizes (T, H, W) of a video (3 channels both), or a list, the whole
# input (C, *spatial sizes) without the batch; a name of tools/crosscheck_zoo.py's own MODELS (m5) is
# built from its definition there
EVAL, TRAIN, PRESERVE = "eval", "train", "preserve"
MODELS = [
    ("resnet18", "resnet18", 224, 17, "legacy", EVAL, {}),
    ("resnet18_train", "resnet18", 224, 17, "legacy", TRAIN, {}),
    ("resnet18_bn", "resnet18", 224, 17, "legacy", PRESERVE, {}),
    ("resnet50", "resnet50", 224, 17, "legacy", EVAL, {}),
    ("mobilenet_v2", "mobilenet_v2", 224, 11, "legacy", EVAL, {}),            # Clip with min/max inputs
    ("mobilenet_v2_opset10", "mobilenet_v2", 224, 10, "legacy", EVAL, {}),    # Clip with min/max attributes
    ("mobilenet_v3_small", "mobilenet_v3_small", 224, 17, "legacy", EVAL, {}),
    ("googlenet", "googlenet", 224, 17, "legacy", EVAL, {"aux_logits": False, "init_weights": False}),
    ("inception_v3", "inception_v3", 299, 17, "legacy", EVAL, {"aux_logits": False, "init_weights": False}),
    ("densenet121", "densenet121", 224, 17, "legacy", EVAL, {}),
    ("efficientnet_b0", "efficientnet_b0", 224, 21, "dynamo", EVAL, {}),
    ("squeezenet1_1", "squeezenet1_1", 224, 11, "legacy", EVAL, {}),
    ("vgg11", "vgg11", 224, 17, "legacy", EVAL, {}),
    ("shufflenet_v2_x0_5", "shufflenet_v2_x0_5", 224, 17, "legacy", EVAL, {}),
    ("convnext_tiny", "convnext_tiny", 224, 17, "legacy", EVAL, {}),          # LayerNormalization
    ("convnext_tiny_opset11", "convnext_tiny", 224, 11, "legacy", EVAL, {}),  # layer norm written out
    ("convnext_tiny_opset21", "convnext_tiny", 224, 21, "dynamo", EVAL, {}),  # Gelu
    ("regnet_y_400mf", "regnet_y_400mf", 224, 21, "dynamo", EVAL, {}),
    ("lraspp_mobilenet_v3_large", "lraspp_mobilenet_v3_large", 224, 17, "legacy", EVAL, {}),  # Resize
    ("lraspp_mobilenet_v3_large_opset9", "lraspp_mobilenet_v3_large", 224, 9, "legacy", EVAL, {}),  # Upsample
    # A video network: input 1x3x16x112x112 (T, H, W given), Conv3d; batch norms kept so that the file's
    # parameters are PyTorch's (33,371,472, the same as specs/r3d_18.net).
    ("r3d_18", "r3d_18", (16, 112, 112), 17, "legacy", PRESERVE, {}),
    ("mc3_18", "mc3_18", (16, 112, 112), 17, "legacy", PRESERVE, {}),
    ("r2plus1d_18", "r2plus1d_18", (16, 112, 112), 17, "legacy", PRESERVE, {}),
    ("s3d", "s3d", (16, 224, 224), 17, "legacy", PRESERVE, {}),
    # Zoo networks torchvision lacks, built from tools/crosscheck_zoo.py's definitions at the input of their
    # spec (a list: the full (C, *spatial) input): M5 (Conv1d, 16000 samples).
    ("m5", "m5", [1, 16000], 17, "legacy", PRESERVE, {}),
    # TCN (locuslab/TCN, [1, 784]): its Chomp1d exports as a Slice of the length axis, read as CROP with an
    # offset; 3-D U-Net ([3, 116, 132, 132]): the centre crop of its skips is a Slice of every spatial axis.
    ("tcn", "tcn", [1, 784], 17, "legacy", PRESERVE, {}),
    ("unet3d", "unet3d", [3, 116, 132, 132], 17, "legacy", PRESERVE, {}),
]

FLOAT_TYPES = {TensorProto.FLOAT, TensorProto.DOUBLE, TensorProto.FLOAT16, TensorProto.BFLOAT16}
DATA_FIELDS = ("raw_data", "float_data", "int32_data", "int64_data", "double_data", "uint64_data", "string_data")
PASS_THROUGH = {"Identity", "Transpose", "Reshape", "Squeeze", "Unsqueeze", "Cast", "Flatten"}


class SegmentationOutput(nn.Module):
    """A segmentation model returning its 'out' tensor instead of a dict."""
    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, x):
        return self.model(x)["out"]


def build(name, kwargs):
    if not hasattr(tvm, name) and not hasattr(tvm.video, name) and not hasattr(tvm.segmentation, name):
        import crosscheck_zoo  # tools/crosscheck_zoo.py's own definitions (M5, TCN, UNet3D)
        return crosscheck_zoo.MODELS[name](**kwargs)
    if hasattr(tvm.video, name):
        return getattr(tvm.video, name)(weights=None, **kwargs)
    if hasattr(tvm.segmentation, name):
        return SegmentationOutput(getattr(tvm.segmentation, name)(weights=None, weights_backbone=None,
                                                                  num_classes=21, **kwargs))
    return getattr(tvm, name)(weights=None, **kwargs)


def perturb(model, seed=0):
    """Makes every parameter and batch-norm statistic distinct, as in a trained model (see the docstring)."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for _, p in model.named_parameters():
            p.add_(torch.randn(p.shape, generator=g) * 0.01 * (p.abs().mean() + 1e-3))
        for n, b in model.named_buffers():
            if n.endswith("running_mean"):
                b.add_(torch.randn(b.shape, generator=g) * 0.1)
            elif n.endswith("running_var"):
                b.mul_(torch.rand(b.shape, generator=g) + 0.5)


def export(model, x, opset, exporter, mode):
    """The exported ModelProto, weights included."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if exporter == "dynamo":
            assert mode == EVAL
            return torch.onnx.export(model, (x,), None, opset_version=opset, dynamo=True, verbose=False,
                                     input_names=["input"], output_names=["output"]).model_proto
        training = {EVAL: torch.onnx.TrainingMode.EVAL, TRAIN: torch.onnx.TrainingMode.TRAINING,
                    PRESERVE: torch.onnx.TrainingMode.PRESERVE}[mode]
        f = io.BytesIO()
        torch.onnx.export(model, (x,), f, opset_version=opset, dynamo=False, training=training,
                          input_names=["input"], output_names=["output"])
        model.eval()
        return onnx.load_from_string(f.getvalue())


def keeps_data(t):
    n = int(np.prod(t.dims)) if len(t.dims) else 1
    return n <= 4 if t.data_type in FLOAT_TYPES else n <= 64


def strip_tensor(t):
    if not keeps_data(t):
        for field in DATA_FIELDS:
            t.ClearField(field)


def strip(model):
    s = copy.deepcopy(model)
    for t in s.graph.initializer:
        strip_tensor(t)
    for node in s.graph.node:
        node.ClearField("metadata_props")  # the dynamo exporter's stack traces: most of a file's bytes
        node.ClearField("doc_string")
        for a in node.attribute:
            if a.name == "value" and a.type == onnx.AttributeProto.TENSOR:
                strip_tensor(a.t)
    return s


def opset_of(model):
    return next(o.version for o in model.opset_import if o.domain in ("", "ai.onnx"))


def inferred_shapes(model):
    """{tensor name: dims} of the graph's inputs and of every node output, from onnx's shape inference (an
    unknown dimension is a string or None, an unknown shape None), and {tensor name: elem_type}."""
    m = onnx.shape_inference.infer_shapes(model, strict_mode=True, data_prop=True)
    infos = {v.name: v for v in list(m.graph.input) + list(m.graph.value_info) + list(m.graph.output)}
    shapes, types = {}, {}
    names = [i.name for i in m.graph.input] + [o for n in m.graph.node for o in n.output if o]
    for name in names:
        v = infos.get(name)
        if v is not None and v.type.tensor_type.elem_type:
            types[name] = v.type.tensor_type.elem_type
        if v is None or not v.type.tensor_type.HasField("shape"):
            shapes[name] = None
            continue
        shapes[name] = [d.dim_value if d.HasField("dim_value") else (d.dim_param or None)
                        for d in v.type.tensor_type.shape.dim]
    return shapes, types


def known(dims):
    return dims is not None and all(isinstance(d, int) for d in dims)


def run_shapes(model, types):
    """{tensor name: dims} of every node output whose type is known, from running the model on zeros with
    onnxruntime (shape inference leaves unknown what only evaluating Shape arithmetic gives: ShuffleNet's
    channel split, an Upsample's scales)."""
    import onnxruntime as ort
    m = copy.deepcopy(model)
    have = {o.name for o in m.graph.output}
    for node in m.graph.node:
        for o in node.output:
            if o and o not in have and o in types:
                m.graph.output.append(helper.make_tensor_value_info(o, types[o], None))
                have.add(o)
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    session = ort.InferenceSession(m.SerializeToString(), options, providers=["CPUExecutionProvider"])
    init_names = {t.name for t in m.graph.initializer}
    feed = {}
    for i in m.graph.input:
        if i.name not in init_names:
            feed[i.name] = np.zeros([d.dim_value for d in i.type.tensor_type.shape.dim], np.float32)
    values = session.run(None, feed)
    return {o.name: list(v.shape) for o, v in zip(session.get_outputs(), values)}


def graph_shapes(model):
    """(every tensor's dims, how many of them shape inference alone does not give): shape inference, the
    unknown ones completed (and the known ones checked) by onnxruntime."""
    shapes, types = inferred_shapes(model)
    try:
        ran = run_shapes(model, types)
    except Exception:
        if all(known(d) for d in shapes.values()):
            return shapes, 0  # onnxruntime cannot run it (BatchNormalization training_mode=1)
        raise
    missing = 0
    for name, dims in shapes.items():
        if name in ran:
            if known(dims):
                assert dims == ran[name], f"{name}: inferred {dims}, ran {ran[name]}"
            else:
                shapes[name] = ran[name]
                missing += 1
    assert all(known(d) for d in shapes.values()), [n for n, d in shapes.items() if not known(d)][:5]
    return shapes, missing


def whc(dims):
    """netcalc's order of ONNX dims: [W, H, C] of (N, C, H, W), [W, H, T, C] of (N, C, T, H, W), [L, C] of
    (N, C, L), [1, 1, C] of (N, C)."""
    if dims is None:
        return None
    if len(dims) in (3, 4, 5):
        return list(reversed(dims[2:])) + [dims[1]]
    if len(dims) == 2:
        return [1, 1, dims[1]]
    return list(dims)


def numel(dims):
    return int(np.prod(dims)) if len(dims) else 1


def constants(graph):
    """{name: TensorProto} of the initializers and Constant node tensors."""
    c = {t.name: t for t in graph.initializer}
    for node in graph.node:
        if node.op_type == "Constant":
            for a in node.attribute:
                if a.name == "value" and a.type == onnx.AttributeProto.TENSOR:
                    c[node.output[0]] = a.t
    return c


def uses(graph, name, const_names, seen=None):
    """(node, input index) of every node reading constant `name`, followed through pass-through ops whose
    other inputs are constants too."""
    result = []
    for node in graph.node:
        for i, inp in enumerate(node.input):
            if inp != name:
                continue
            if node.op_type in PASS_THROUGH and all(j == i or x == "" or x in const_names
                                                    for j, x in enumerate(node.input)):
                for out in node.output:
                    result += uses(graph, out, const_names)
            else:
                result.append((node, i))
    return result


def activations(graph):
    """Names of the tensors computed from the graph's input values: not constants, not what a Shape or Size
    node derives from a tensor's dimensions (Upsample scales, Slice ends)."""
    init = {t.name for t in graph.initializer}
    live = {i.name for i in graph.input if i.name not in init}
    for node in graph.node:
        if node.op_type not in ("Shape", "Size") and any(x in live for x in node.input):
            live.update(o for o in node.output if o)
    return live


def classify(graph):
    """(params, nontrainable, per-constant roles) of the graph's constant tensors (see the docstring)."""
    consts = constants(graph)
    live = activations(graph)
    names = set(consts)
    params = nontrainable = 0
    roles = {}
    for name, t in consts.items():
        n = numel(t.dims)
        role = None
        for node, i in uses(graph, name, names):
            op = node.op_type
            if (op in ("Conv", "ConvTranspose") and i in (1, 2)) or (op == "Gemm" and i in (1, 2)) or \
               op == "MatMul" or (op == "PRelu" and i == 1) or \
               (op in ("InstanceNormalization", "LayerNormalization", "GroupNormalization") and i in (1, 2)) or \
               (op == "BatchNormalization" and i in (1, 2)) or \
               (op in ("Mul", "Add", "Sub", "Div") and t.data_type in FLOAT_TYPES and n > 1 and
                any(x in live for x in node.input)):
                role = "param"
            elif op == "BatchNormalization" and i in (3, 4):
                role = role or "nontrainable"
        if role == "param":
            params += n
        elif role == "nontrainable":
            nontrainable += n
        if role:
            roles[name] = role
    return params, nontrainable, roles


def onnx_layers(graph, shapes):
    """Every Conv/ConvTranspose/Gemm/MatMul node: name, op, output [W, H, C], own constant params, MACs."""
    consts = constants(graph)

    def source(name):  # the constant behind pass-through nodes, if any
        producers = {o: n for n in graph.node for o in n.output}
        while name not in consts and name in producers and producers[name].op_type in PASS_THROUGH:
            name = producers[name].input[0]
        return consts.get(name)

    rows = []
    for node in graph.node:
        op = node.op_type
        if op not in ("Conv", "ConvTranspose", "Gemm", "MatMul"):
            continue
        out = shapes[node.output[0]]
        params = sum(numel(source(x).dims) for x in node.input[1:] if x and source(x) is not None)
        if op == "Conv":
            w = shapes.get(node.input[1]) or list(source(node.input[1]).dims)
            macs = numel(out) * numel(w[1:])
            shape = whc(out)
        elif op == "ConvTranspose":
            w = shapes.get(node.input[1]) or list(source(node.input[1]).dims)
            macs = numel(shapes[node.input[0]]) * numel(w[1:])
            shape = whc(out)
        elif op == "Gemm":
            a = shapes[node.input[0]]
            trans_a = next((at.i for at in node.attribute if at.name == "transA"), 0)
            macs = numel(out) * (a[0] if trans_a else a[1])
            shape = whc(out)
        else:
            k = (shapes.get(node.input[1]) or list(source(node.input[1]).dims))[-2]
            macs = numel(out) * k
            shape = [out[2], out[1], out[3]] if len(out) == 4 else whc(out)
        rows.append({"name": node.name, "op": op, "output": shape, "params": params, "macs": macs})
    return rows


def torch_numbers(model, x):
    """(params, non-trainable, MACs, output [W, H, C], batch-norm layers) of the PyTorch model."""
    macs = []

    def hook(module, inputs, output):
        kernel = int(np.prod(module.kernel_size)) if hasattr(module, "kernel_size") else 1
        if isinstance(module, (nn.Conv1d, nn.Conv2d, nn.Conv3d)):
            macs.append(output.numel() * module.in_channels // module.groups * kernel)
        elif isinstance(module, (nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d)):
            macs.append(inputs[0].numel() * kernel * module.out_channels // module.groups)
        else:
            macs.append(output.numel() // module.out_features * module.in_features * module.out_features)

    handles = [m.register_forward_hook(hook) for m in model.modules()
               if isinstance(m, (nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.ConvTranspose1d, nn.ConvTranspose2d,
                                 nn.ConvTranspose3d, nn.Linear))]
    model.eval()
    with torch.no_grad():
        out = model(x)
    for h in handles:
        h.remove()
    params = sum(p.numel() for p in model.parameters())
    fixed = sum(b.numel() for n, b in model.named_buffers() if n.endswith(("running_mean", "running_var")))
    bns = sum(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in model.modules())
    return params, fixed, sum(macs), whc(list(out.shape)), bns


def expected(model_proto, stripped, torch_info):
    """The expected.json dictionary; checks the stripped file against the original on the way."""
    g = model_proto.graph
    shapes, missing = graph_shapes(model_proto)
    assert inferred_shapes(model_proto)[0] == inferred_shapes(stripped)[0], "the stripped file infers other shapes"
    params, fixed, _ = classify(g)
    assert classify(stripped.graph)[:2] == (params, fixed)
    layers = onnx_layers(g, shapes)
    t_params, t_fixed, t_macs, t_out, t_bns = torch_info
    macs = sum(r["macs"] for r in layers)
    assert macs == t_macs, f"ONNX MACs {macs} vs torch {t_macs}"
    out = whc(shapes[g.output[0].name])
    assert out == t_out, f"ONNX output {out} vs torch {t_out}"
    ops = Counter(n.op_type for n in g.node)
    bn_nodes = ops.get("BatchNormalization", 0)
    init_names = {t.name for t in g.initializer}
    real_inputs = [i for i in g.input if i.name not in init_names]
    return {
        "opset": opset_of(model_proto),
        "input": {"name": real_inputs[0].name, "shape": whc(shapes[real_inputs[0].name])},
        "output": out,
        "params_in_file": params,
        "nontrainable_in_file": fixed,
        "initializer_elements_total": sum(numel(t.dims) for t in g.initializer),
        "torch_params": t_params,
        "torch_nontrainable": t_fixed,
        "macs": t_macs,
        "batchnorm_folded": t_bns > 0 and bn_nodes < t_bns,
        "batchnorm_nodes": bn_nodes,
        "torch_batchnorm_layers": t_bns,
        "conv_layers": ops.get("Conv", 0),
        "nodes_by_op_type": dict(sorted(ops.items())),
        "shapes_not_inferred": missing,
        "layers": layers,
        "shapes": shapes,
    }


def dumps(doc):
    """JSON with one line per layer and per shape."""
    text = json.dumps(doc, indent=2)
    # Put every innermost list and every layer object on one line.
    text = re.sub(r"\[\s+([^\[\]{}]*?)\s+\]", lambda m: "[" + re.sub(r"\s*\n\s*", " ", m.group(1)) + "]", text)
    text = re.sub(r"\{\s+(\"name\"[^{}]*?)\s+\}", lambda m: "{" + re.sub(r"\s*\n\s*", " ", m.group(1)) + "}", text)
    assert json.loads(text) == doc
    return text + "\n"


def write(stem, model_proto, doc):
    path = os.path.join(OUT, stem + ".onnx")
    onnx.save(model_proto, path)
    onnx.load(path, load_external_data=False)  # it must load back
    os.makedirs(COPY, exist_ok=True)
    shutil.copy(path, COPY)
    if doc is not None:
        jpath = os.path.join(OUT, stem + ".expected.json")
        with open(jpath, "w") as f:
            f.write(dumps(doc))
        shutil.copy(jpath, COPY)
    return os.path.getsize(path)


def export_model(stem, name, size, opset, exporter, mode, kwargs):
    torch.manual_seed(0)
    model = build(name, kwargs).eval()
    perturb(model)
    if isinstance(size, list):
        x = torch.zeros(1, *size)
    else:
        x = torch.zeros(1, 3, *size) if isinstance(size, tuple) else torch.zeros(1, 3, size, size)
    torch_info = torch_numbers(model, x)
    original = export(model, x, opset, exporter, mode)
    assert opset_of(original) == opset
    onnx.checker.check_model(original)
    stripped = strip(original)
    try:
        onnx.checker.check_model(stripped)
    except onnx.checker.ValidationError:
        pass  # expected: "should contain one and only one value field" for a tensor without data
    doc = expected(original, stripped, torch_info)
    # Every folded batch norm follows a convolution without bias: its 2C parameters became the C values of
    # the convolution's bias, and its statistics are gone.
    consts = constants(original.graph)
    bn_channels = sum(m.num_features for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm))
    kept = sum(numel(consts[n.input[1]].dims) for n in original.graph.node if n.op_type == "BatchNormalization")
    assert doc["params_in_file"] == doc["torch_params"] - (bn_channels - kept), "params do not add up"
    assert doc["nontrainable_in_file"] == 2 * kept
    doc["exporter"] = "torch.onnx.export(dynamo=True)" if exporter == "dynamo" else "torch.onnx.export(dynamo=False)"
    doc["training_mode"] = {EVAL: "EVAL", TRAIN: "TRAINING", PRESERVE: "PRESERVE"}[mode]
    nbytes = write(stem, stripped, doc)
    print(f"{stem}: opset {opset}, {nbytes / 1024:.1f} KB, batchnorm folded {doc['batchnorm_folded']} "
          f"({doc['batchnorm_nodes']} BatchNormalization nodes), {doc['params_in_file']:,} params in file, "
          f"{doc['torch_params']:,} torch params, {doc['macs']:,} MACs", flush=True)


# ---- hand-made files -------------------------------------------------------------------------------------

def tiny_conv():
    """input 1x3x8x8, Conv 4 filters 3x3 pad 1 with bias, Relu, MaxPool 2, Flatten, Gemm to 10. Its weights
    are kept (as float_data, not raw_data) and the model is checked and run-free valid."""
    rng = np.random.default_rng(0)
    w = rng.standard_normal((4, 3, 3, 3)).astype(np.float32)
    b = rng.standard_normal(4).astype(np.float32)
    fw = rng.standard_normal((10, 64)).astype(np.float32)
    fb = rng.standard_normal(10).astype(np.float32)
    inits = [helper.make_tensor(n, TensorProto.FLOAT, a.shape, a.flatten().tolist())
             for n, a in (("conv.weight", w), ("conv.bias", b), ("fc.weight", fw), ("fc.bias", fb))]
    nodes = [
        helper.make_node("Conv", ["input", "conv.weight", "conv.bias"], ["conv"], name="conv",
                         kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[1, 1]),
        helper.make_node("Relu", ["conv"], ["relu"], name="relu"),
        helper.make_node("MaxPool", ["relu"], ["pool"], name="pool", kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Flatten", ["pool"], ["flat"], name="flatten", axis=1),
        helper.make_node("Gemm", ["flat", "fc.weight", "fc.bias"], ["output"], name="fc", transB=1),
    ]
    graph = helper.make_graph(nodes, "tiny_conv",
                              [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, 8, 8])],
                              [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 10])], inits)
    model = helper.make_model(graph, producer_name="NetCalc tools/export_onnx.py",
                              opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model, full_check=True)

    torch_model = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                                nn.Linear(64, 10))
    with torch.no_grad():
        for p, a in zip(torch_model.parameters(), (w, b, fw, fb)):
            p.copy_(torch.from_numpy(a))
    doc = expected(model, model, torch_numbers(torch_model, torch.zeros(1, 3, 8, 8)))
    assert doc["params_in_file"] == 762 and doc["macs"] == 256 * 27 + 640
    doc["exporter"] = "onnx.helper (hand-made)"
    doc["training_mode"] = None
    return model, doc


def unsupported_op():
    """input 1x3x8x8, Conv 4 filters 3x3 pad 1, then an Einsum (nchw,kc->nkhw with an 8x4 matrix)."""
    w = numpy_helper.from_array(np.zeros((4, 3, 3, 3), np.float32), "conv.weight")
    m = numpy_helper.from_array(np.zeros((8, 4), np.float32), "mix")
    nodes = [
        helper.make_node("Conv", ["input", "conv.weight"], ["conv"], name="conv", kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        helper.make_node("Einsum", ["conv", "mix"], ["output"], name="mix_channels", equation="nchw,kc->nkhw"),
    ]
    graph = helper.make_graph(nodes, "unsupported_op",
                              [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, 8, 8])],
                              [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 8, 8, 8])], [w, m])
    model = helper.make_model(graph, producer_name="NetCalc tools/export_onnx.py",
                              opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model, full_check=True)  # with data; stripped like the exported files below
    for t in model.graph.initializer:
        t.ClearField("raw_data")
    return model


def external_data():
    """tiny_conv's graph, the Conv weight stored in an external file that does not exist."""
    model, _ = tiny_conv()
    model.graph.name = "external_data"
    t = next(t for t in model.graph.initializer if t.name == "conv.weight")
    t.ClearField("float_data")
    t.data_location = TensorProto.EXTERNAL
    for k, v in (("location", "external_data.weights.bin"), ("offset", "0"), ("length", str(4 * 108))):
        e = t.external_data.add()
        e.key, e.value = k, v
    # (onnx.checker refuses it: it looks for the file)
    return model


def handmade():
    model, doc = tiny_conv()
    print(f"tiny_conv: {write('tiny_conv', model, doc)} bytes")
    print(f"unsupported_op: {write('unsupported_op', unsupported_op(), None)} bytes")
    ext = external_data()
    print(f"external_data: {write('external_data', ext, None)} bytes")
    try:
        onnx.load(os.path.join(OUT, "external_data.onnx"))  # loads external data by default: must fail
        raise AssertionError("external_data.onnx loaded its absent external file")
    except AssertionError:
        raise
    except Exception:
        pass
    onnx.load(os.path.join(OUT, "external_data.onnx"), load_external_data=False)

    data = model.SerializeToString()
    cut = len(data) // 2
    path = os.path.join(OUT, "truncated.onnx")
    with open(path, "wb") as f:
        f.write(data[:cut])
    try:
        onnx.load(path)
        raise AssertionError("truncated.onnx still loads")
    except AssertionError:
        raise
    except Exception:
        pass
    shutil.copy(path, COPY)
    print(f"truncated: {cut} of {len(data)} bytes of tiny_conv.onnx")


def main(names):
    os.makedirs(OUT, exist_ok=True)
    os.makedirs(COPY, exist_ok=True)
    failed = []
    if not names or "handmade" in names:
        handmade()
    for row in MODELS:
        if names and row[0] not in names:
            continue
        try:
            export_model(*row)
        except Exception as e:  # report and go on with the others
            failed.append(row[0])
            print(f"{row[0]}: FAILED: {type(e).__name__}: {e}", flush=True)
    if failed:
        print("failed:", ", ".join(failed))
        sys.exit(1)


if __name__ == "__main__":
    main(sys.argv[1:])
