#!/usr/bin/env python3
"""Runs the real Caffe deploy files of ../shared/caffe-wild as PyTorch networks and compares every
row netcalc gives with PyTorch's: the output's values per item, the learned values, and the MACs of
the convolutions and inner products.

Caffe cannot be installed here, so each layer is re-implemented with PyTorch's operators by the
semantics of the repository that defines it (BVLC Caffe, caffe-segnet's BN and Upsample, the
depthwise and ShuffleChannel forks, SENet's Axpy, SSD's Permute and PriorBox). The layers run on a
random input: shapes come from PyTorch computing them, not from formulas, except PriorBox, whose
boxes are generated here as SSD's prior_box_layer.cpp does. Layers netcalc leaves out (Python,
ROIPooling, DetectionOutput) are left out here too.

    python3 tools/crosscheck_caffe_wild.py [--netcalc .build/debug/netcalc] [FILE ...]
"""

import argparse
import json
import math
import os
import re
import subprocess
import sys

import torch
import torch.nn.functional as F

WILD = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "caffe-wild")
# The files that do not give their input's size, and the size their repositories use.
INPUT_SHAPES = {
    "segnet_inference.prototxt": "1,3,360,480",  # CamVid, SegNet-Tutorial's README
    "openpose_coco_pose_deploy_linevec.prototxt": "1,3,368,368",  # OpenPose's default net resolution
}


def parse(text):
    """A small protobuf text format reader: a list of (name, value) pairs, messages as lists."""
    tokens = re.findall(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|[{}:]|[^\s{}:"\'#]+|#[^\n]*', text)
    tokens = [t for t in tokens if not t.startswith("#")]
    position = 0

    def message():
        nonlocal position
        fields = []
        while position < len(tokens) and tokens[position] != "}":
            name = tokens[position]
            position += 1
            if tokens[position] == ":":
                position += 1
            if tokens[position] == "{":
                position += 1
                value = message()
                position += 1
            else:
                value = tokens[position]
                position += 1
                if value[0] in "\"'":
                    value = value[1:-1]
            fields.append((name, value))
        return fields

    return message()


def get(fields, name, default=None):
    for key, value in fields:
        if key == name:
            return value
    return default


def every(fields, name):
    return [value for key, value in fields if key == name]


def number(value, default=None):
    if value is None:
        return default
    return float(value) if re.search(r"[.eE]", value) and not value.startswith("0x") else int(value)


class Net:
    """Executes a deploy file layer by layer, recording each row's output and learned values."""

    def __init__(self, root, input_shape):
        self.blobs = {}
        self.rows = {}
        self.left_out = set()
        names = every(root, "input")
        shapes = [[int(d) for d in every(s, "dim")] for s in every(root, "input_shape")]
        dims = [int(d) for d in every(root, "input_dim")]
        if names:
            first = shapes[0] if shapes else dims[:4]
            self.blobs[names[0]] = torch.randn(*(input_shape or first))
        self.layers = every(root, "layer") + every(root, "layers")

    def record(self, name, tensor, params=0, macs=0):
        self.rows[name] = (tensor[0].numel(), params, macs)

    def run(self):
        for layer in self.layers:
            if any(get(rule, "phase") == "TRAIN" for rule in every(layer, "include")):
                continue
            kind = get(layer, "type")
            name = get(layer, "name")
            bottoms = every(layer, "bottom")
            tops = every(layer, "top")
            if kind in ("Input", "DenseImageData"):
                if tops[0] not in self.blobs:
                    shape = [int(d) for d in every(get(get(layer, "input_param", []), "shape", []), "dim")]
                    self.blobs[tops[0]] = torch.randn(*self.input_shape_for(shape))
                continue
            if kind in ("Python", "ROIPooling", "DetectionOutput") or any(b in self.left_out or b not in self.blobs for b in bottoms):
                self.left_out.update(tops)
                continue
            x = [self.blobs[b] for b in bottoms]
            outputs = self.apply(kind, name, layer, x, tops)
            for top, value in zip(tops, outputs):
                self.blobs[top] = value

    def input_shape_for(self, shape):
        return self.override or shape

    def apply(self, kind, name, layer, x, tops):
        c = x[0].shape[1]
        if kind in ("Convolution", "ConvolutionDepthwise", "Deconvolution"):
            p = get(layer, "convolution_param", [])
            out = int(get(p, "num_output"))
            k = int(get(p, "kernel_size", 0)) or (int(get(p, "kernel_h")), int(get(p, "kernel_w")))
            s = int(get(p, "stride", 1))
            pad = int(get(p, "pad", 0))
            area = k * k if isinstance(k, int) else k[0] * k[1]
            d = int(get(p, "dilation", 1))
            g = c if kind == "ConvolutionDepthwise" else int(get(p, "group", 1))
            bias = get(p, "bias_term", "true") != "false"
            if kind == "Deconvolution":
                module = torch.nn.ConvTranspose2d(c, out, k, s, pad, bias=bias, groups=g)
                y = module(x[0])
                macs = x[0][0].numel() * out // g * area
            else:
                module = torch.nn.Conv2d(c, out, k, s, pad, d, g, bias)
                y = module(x[0])
                macs = y[0].numel() * (c // g) * area
            self.record(name, y, sum(t.numel() for t in module.parameters()), macs)
            return [y]
        if kind == "Pooling":
            p = get(layer, "pooling_param", [])
            if get(p, "global_pooling") == "true":
                y = x[0].mean((2, 3), keepdim=True) if get(p, "pool") == "AVE" else x[0].amax((2, 3), keepdim=True)
                self.record(name, y)
                return [y]
            k, s, pad = int(get(p, "kernel_size")), int(get(p, "stride", 1)), int(get(p, "pad", 0))
            if get(p, "pool", "MAX") == "MAX":
                y, mask = F.max_pool2d(x[0], k, s, pad, ceil_mode=True, return_indices=True)
            else:
                y = F.avg_pool2d(x[0], k, s, pad, ceil_mode=True)
                mask = None
            self.record(name, y)
            if len(tops) == 2:
                self.record(f"{name}:{tops[1]}", mask)
                return [y, mask]
            return [y]
        if kind == "InnerProduct":
            p = get(layer, "inner_product_param", [])
            out = int(get(p, "num_output"))
            flat = x[0].flatten(1)
            module = torch.nn.Linear(flat.shape[1], out, bias=get(p, "bias_term", "true") != "false")
            y = module(flat)
            self.record(name, y, sum(t.numel() for t in module.parameters()), flat.shape[1] * out)
            return [y]
        if kind in ("ReLU", "Dropout", "Sigmoid", "Softmax") and kind != "Softmax":
            slope = number(get(get(layer, "relu_param", []), "negative_slope"), 0)
            y = {"ReLU": lambda t: F.leaky_relu(t, slope), "Dropout": lambda t: t, "Sigmoid": torch.sigmoid}[kind](x[0])
            self.record(name, y)
            return [y]
        if kind == "Softmax":
            axis = int(get(get(layer, "softmax_param", []), "axis", 1))
            y = F.softmax(x[0], axis)
            self.record(name, y)
            return [y]
        if kind == "PReLU":
            module = torch.nn.PReLU(c)
            y = module(x[0])
            self.record(name, y, c)
            return [y]
        if kind == "BatchNorm":  # mean, variance and Caffe's scale factor: 2C + 1, none trained
            y = F.batch_norm(x[0], torch.zeros(c), torch.ones(c))
            self.record(name, y, 2 * c + 1)
            return [y]
        if kind == "Scale":  # a scale per channel, and a bias with bias_term
            bias = get(get(layer, "scale_param", []), "bias_term") == "true"
            y = x[0] * torch.randn(1, c, 1, 1) + (torch.randn(1, c, 1, 1) if bias else 0)
            self.record(name, y, c * (2 if bias else 1))
            return [y]
        if kind == "BN":  # caffe-segnet's BN: a learned scale and shift per channel
            y = x[0] * torch.randn(1, c, 1, 1) + torch.randn(1, c, 1, 1)
            self.record(name, y, 2 * c)
            return [y]
        if kind == "Eltwise":
            operation = get(get(layer, "eltwise_param", []), "operation", "SUM")
            y = x[0]
            for other in x[1:]:
                y = {"SUM": torch.add, "PROD": torch.mul, "MAX": torch.maximum}[operation](y, other)
            self.record(name, y)
            return [y]
        if kind == "Concat":
            axis = int(get(get(layer, "concat_param", []), "axis", 1))
            y = torch.cat(x, axis)
            self.record(name, y)
            return [y]
        if kind == "Crop":
            p = get(layer, "crop_param", [])
            axis = int(get(p, "axis", 2))
            offsets = [int(o) for o in every(p, "offset")] or [0]
            y = x[0]
            for i in range(axis, x[0].dim()):
                o = offsets[0] if len(offsets) == 1 else offsets[i - axis]
                y = y.narrow(i, o, x[1].shape[i])
            self.record(name, y)
            return [y]
        if kind == "Reshape":
            dims = [int(d) for d in every(get(get(layer, "reshape_param", []), "shape", []), "dim")]
            dims = [x[0].shape[i] if d == 0 else d for i, d in enumerate(dims)]
            y = x[0].reshape(dims)
            self.record(name, y)
            return [y]
        if kind == "Permute":
            order = [int(o) for o in every(get(layer, "permute_param", []), "order")]
            y = x[0].permute(order + [i for i in range(x[0].dim()) if i not in order])
            self.record(name, y)
            return [y]
        if kind == "Flatten":
            y = x[0].flatten(int(get(get(layer, "flatten_param", []), "axis", 1)))
            self.record(name, y)
            return [y]
        if kind == "PriorBox":
            y = prior_boxes(get(layer, "prior_box_param", []), x[0].shape[2:], x[1].shape[2:])
            self.record(name, y)
            return [y]
        if kind == "Upsample":  # caffe-segnet's: values put back where the pooling mask says
            p = get(layer, "upsample_param", [])
            size = (int(get(p, "upsample_h")), int(get(p, "upsample_w"))) if get(p, "upsample_h") else None
            scale = int(get(p, "scale", 2))
            y = F.max_unpool2d(x[0], x[1], scale, scale, output_size=size)
            self.record(name, y)
            return [y]
        if kind == "ShuffleChannel":
            g = int(get(get(layer, "shuffle_channel_param", []), "group"))
            y = torch.nn.ChannelShuffle(g)(x[0])
            self.record(name, y)
            return [y]
        if kind == "Axpy":  # SENet's: a * x + y
            y = x[0] * x[1] + x[2]
            self.record(name, y)
            return [y]
        raise SystemExit(f"{name}: the crosscheck does not run {kind}")


def prior_boxes(p, feature, image):
    """SSD's PriorBox (weiliu89/caffe prior_box_layer.cpp): the boxes, then their variances."""
    mins = [float(v) for v in every(p, "min_size")]
    maxs = [float(v) for v in every(p, "max_size")]
    ratios = [1.0]
    for r in (float(v) for v in every(p, "aspect_ratio")):
        if any(abs(r - q) < 1e-6 for q in ratios):
            continue
        ratios.append(r)
        if get(p, "flip", "true") == "true":
            ratios.append(1 / r)
    boxes = []
    h, w = feature
    for _ in range(h * w):
        for i, m in enumerate(mins):
            boxes.append((m, m))
            if maxs:
                boxes.append((math.sqrt(m * maxs[i]),) * 2)
            for r in ratios[1:]:
                boxes.append((m * math.sqrt(r), m / math.sqrt(r)))
    values = torch.zeros(1, 2, len(boxes) * 4)
    return values


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--netcalc", default=".build/debug/netcalc")
    parser.add_argument("files", nargs="*")
    arguments = parser.parse_args()
    files = arguments.files or sorted(os.path.join(WILD, f) for f in os.listdir(WILD) if f.endswith(".prototxt"))
    failures = 0
    torch.manual_seed(0)
    for path in files:
        base = os.path.basename(path)
        shape = INPUT_SHAPES.get(base)
        command = [arguments.netcalc, "--format", "json"] + (["--input-shape", shape] if shape else []) + [path]
        result = subprocess.run(command, capture_output=True, text=True)
        network = json.loads(result.stdout)["networks"][0]
        with open(path) as handle:
            net = Net(parse(handle.read()), [int(d) for d in shape.split(",")] if shape else None)
        net.override = [int(d) for d in shape.split(",")] if shape else None
        with torch.no_grad():
            net.run()
        mismatches = []
        for row in network["layers"][1:]:
            name = row["name"]
            if name not in net.rows:
                mismatches.append(f"{name}: not run by the crosscheck")
                continue
            values, params, macs = net.rows[name]
            netcalc_values = math.prod(row["output"])
            netcalc_params = row["params"] + row["nonTrainable"]
            if values != netcalc_values or params != netcalc_params or (macs and macs != row["macs"]):
                mismatches.append(f"{name}: PyTorch {values} values, {params} params, {macs} MACs; "
                                  f"netcalc {netcalc_values}, {netcalc_params}, {row['macs']}")
        extra = set(net.rows) - {row["name"] for row in network["layers"]}
        mismatches += [f"{name}: run by the crosscheck, not a netcalc row" for name in sorted(extra)]
        totals = network["totals"]
        left = [layer["name"] for layer in network.get("leftOut", [])]
        status = "agree" if not mismatches else f"{len(mismatches)} DISAGREE"
        print(f"{base}: {len(network['layers']) - 1} rows {status}; params {totals['params']:,} "
              f"(+{totals['nonTrainable']:,} non-trainable), MACs {totals['macs']:,}"
              + (f"; partial, left out: {', '.join(left)}" if left else ""))
        for line in mismatches[:10]:
            print("   ", line)
        failures += bool(mismatches)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
