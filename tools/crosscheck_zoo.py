#!/usr/bin/env python3
"""Checks every zoo spec in specs/ against the real network in PyTorch.

Not part of CI (it needs torch and torchvision): run by hand after `swift build -c release` with
`python3 tools/crosscheck_zoo.py [NAME ...]`. For each spec it builds the model (torchvision's, or a small
definition here for the networks torchvision lacks), runs a zero input of the spec's size, and compares
in execution order every convolution's, transposed convolution's and linear layer's output shape, parameter
count and MACs (bias excluded) with netcalc's conv/dwconv/deconv/fc rows, plus the network's total
parameters, non-trainable values (batch-norm running statistics), MACs and final output shape. A name not
listed in MODELS is looked up in torchvision.models (and torchvision.models.segmentation, built with 21
classes and no auxiliary head).
"""
import json, subprocess, sys
import torch
import torch.nn as nn
import torchvision.models as tvm

NETCALC = ".build/release/netcalc"

def mobilenet_v1():
    def conv_bn(i, o, s):
        return [nn.Conv2d(i, o, 3, s, 1, bias=False), nn.BatchNorm2d(o), nn.ReLU(inplace=True)]
    def dw(i, o, s):
        return [nn.Conv2d(i, i, 3, s, 1, groups=i, bias=False), nn.BatchNorm2d(i), nn.ReLU(inplace=True),
                nn.Conv2d(i, o, 1, bias=False), nn.BatchNorm2d(o), nn.ReLU(inplace=True)]
    cfg = [(32, 64, 1), (64, 128, 2), (128, 128, 1), (128, 256, 2), (256, 256, 1), (256, 512, 2)] + \
          [(512, 512, 1)] * 5 + [(512, 1024, 2), (1024, 1024, 1)]
    layers = conv_bn(3, 32, 2)
    for i, o, s in cfg:
        layers += dw(i, o, s)
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(1024, 1000))

class SEBottleneck(nn.Module):
    def __init__(self, inplanes, planes, stride, downsample):
        super().__init__()
        w, c = planes, planes * 4
        self.body = nn.Sequential(
            nn.Conv2d(inplanes, w, 1, bias=False), nn.BatchNorm2d(w), nn.ReLU(),
            nn.Conv2d(w, w, 3, stride, 1, bias=False), nn.BatchNorm2d(w), nn.ReLU(),
            nn.Conv2d(w, c, 1, bias=False), nn.BatchNorm2d(c))
        self.se = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(c, c // 16), nn.ReLU(),
                                nn.Linear(c // 16, c), nn.Sigmoid())
        self.down = nn.Sequential(nn.Conv2d(inplanes, c, 1, stride, bias=False), nn.BatchNorm2d(c)) \
            if downsample else None
    def forward(self, x):
        y = self.body(x)
        y = y * self.se(y)[:, :, None, None]
        return torch.relu(y + (self.down(x) if self.down is not None else x))

def se_resnet50():
    layers = [nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(3, 2, 1)]
    inplanes = 64
    for planes, blocks, stride in [(64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2)]:
        for b in range(blocks):
            layers.append(SEBottleneck(inplanes, planes, stride if b == 0 else 1, b == 0))
            inplanes = planes * 4
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(2048, 1000))

class UNet(nn.Module):
    """The U-Net paper's network (Ronneberger et al., 2015, Fig. 1): valid 3x3 convs with ReLU, 2x2 max pools,
    2x2 stride-2 up-convolutions halving the channels, the contracting path's map centre-cropped and
    concatenated before the upsampled one, a 1x1 conv to 2 classes; biases, no batch norm. 572 -> 388."""
    def __init__(self, depth=1, classes=2):
        super().__init__()
        def double(i, o):
            return nn.Sequential(nn.Conv2d(i, o, 3), nn.ReLU(inplace=True), nn.Conv2d(o, o, 3), nn.ReLU(inplace=True))
        widths = [64, 128, 256, 512, 1024]
        self.down = nn.ModuleList(double(i, o) for i, o in zip([depth] + widths[:-1], widths))
        self.pool = nn.MaxPool2d(2)
        self.ups = nn.ModuleList(nn.ConvTranspose2d(2 * c, c, 2, stride=2) for c in reversed(widths[:-1]))
        self.convs = nn.ModuleList(double(2 * c, c) for c in reversed(widths[:-1]))
        self.classify = nn.Conv2d(64, classes, 1)
    def forward(self, x):
        skips = []
        for i, level in enumerate(self.down):
            x = level(self.pool(x) if i else x)
            skips.append(x)
        skips.pop()
        for up, conv in zip(self.ups, self.convs):
            x = up(x)
            skip = skips.pop()
            top, left = (skip.shape[2] - x.shape[2]) // 2, (skip.shape[3] - x.shape[3]) // 2
            skip = skip[:, :, top:top + x.shape[2], left:left + x.shape[3]]
            x = conv(torch.cat([skip, x], 1))
        return self.classify(x)

MODELS = {
    "alexnet_torchvision": lambda: tvm.alexnet(),
    "vgg16_bn": lambda: tvm.vgg16_bn(),
    "resnet18": lambda: tvm.resnet18(), "resnet34": lambda: tvm.resnet34(), "resnet50": lambda: tvm.resnet50(),
    "resnet101": lambda: tvm.resnet101(), "resnet152": lambda: tvm.resnet152(),
    "resnext50_32x4d": lambda: tvm.resnext50_32x4d(), "wide_resnet50_2": lambda: tvm.wide_resnet50_2(),
    "googlenet": lambda: tvm.googlenet(aux_logits=False, init_weights=False),
    "inception_v3": lambda: tvm.inception_v3(aux_logits=False, init_weights=False),
    "mobilenet_v1": mobilenet_v1, "mobilenet_v2": lambda: tvm.mobilenet_v2(),
    "squeezenet1_0": lambda: tvm.squeezenet1_0(), "squeezenet1_1": lambda: tvm.squeezenet1_1(),
    "densenet121": lambda: tvm.densenet121(), "se_resnet50": se_resnet50,
    "efficientnet_b0": lambda: tvm.efficientnet_b0(),
    "unet": UNet,
}

# Modules whose rows netcalc lists after all the others, where a spec's merge cannot follow torch's order:
# LRASPPHead computes low_classifier(low) + high_classifier(x), but the spec's ADD runs its first branch (the
# rest of the backbone and the high branch, high_classifier last) before its second (low_classifier).
RUN_LAST = {"lraspp_mobilenet_v3_large": ("classifier.low_classifier",)}

def build(name):
    """The model for a spec name: MODELS first, then torchvision's classification and segmentation zoo."""
    if name in MODELS:
        return MODELS[name]()
    if hasattr(tvm.segmentation, name):
        return getattr(tvm.segmentation, name)(weights=None, weights_backbone=None, num_classes=21, aux_loss=False)
    return getattr(tvm, name)(weights=None)

def final_output(model, shape):
    """The model's output for a zero input, as [W, H, D] (a segmentation model's 'out')."""
    model.eval()
    with torch.no_grad():
        out = model(torch.zeros(1, shape[2], shape[1], shape[0]))
    if isinstance(out, dict):
        out = out["out"]
    out = list(out.shape)
    return [out[3], out[2], out[1]] if len(out) == 4 else [1, 1, out[1]]

def non_trainable(model):
    """Batch-norm running means and variances (num_batches_tracked is not a value of the network)."""
    return sum(b.numel() for n, b in model.named_buffers() if n.endswith(("running_mean", "running_var")))

def torch_layers(model, shape, last=()):
    """(output [W, H, D], params, MACs) of every Conv2d, ConvTranspose2d and Linear in execution order, the
    modules named in `last` moved to the end."""
    rows = []
    def hook(name):
        def record(module, inputs, output):
            out = list(output.shape)
            if isinstance(module, nn.Conv2d):
                macs = output.numel() * module.in_channels // module.groups * module.kernel_size[0] * module.kernel_size[1]
                shape = [out[3], out[2], out[1]]
            elif isinstance(module, nn.ConvTranspose2d):
                # Every input value is multiplied by a k x k x (C_out / groups) slice of the weights.
                macs = inputs[0].numel() * module.kernel_size[0] * module.kernel_size[1] * module.out_channels // module.groups
                shape = [out[3], out[2], out[1]]
            else:
                # A Linear on channels-last features (ConvNeXt) acts at every position: a 1x1 convolution.
                macs = output.numel() // module.out_features * module.in_features * module.out_features
                shape = [out[2], out[1], out[3]] if len(out) == 4 else [1, 1, out[1]]
            rows.append((name, (shape, sum(p.numel() for p in module.parameters()), macs)))
        return record
    handles = [module.register_forward_hook(hook(name)) for name, module in model.named_modules()
               if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear))]
    final_output(model, shape)
    for handle in handles:  # a later forward pass must not append to rows again
        handle.remove()
    return [row for name, row in rows if name not in last] + [row for name, row in rows if name in last]

def check(name):
    doc = json.loads(subprocess.run([NETCALC, "--format", "json", f"specs/{name}.net"],
                                    capture_output=True, text=True).stdout)
    if doc["errors"] or not doc["networks"]:
        return f"{name}: netcalc reports errors {doc['errors'][:1]}"
    net = doc["networks"][0]
    mine = [(r["output"], r["params"], r["macs"]) for r in net["layers"] if r["op"] in ("conv", "dwconv", "deconv", "fc")]
    model = build(name)
    theirs = torch_layers(model, net["input"], RUN_LAST.get(name, ()))
    total = sum(p.numel() for p in model.parameters())
    fixed = non_trainable(model)
    problems = []
    if net["totals"]["params"] != total:
        problems.append(f"params {net['totals']['params']:,} vs torch {total:,}")
    if net["totals"]["nonTrainable"] != fixed:
        problems.append(f"non-trainable {net['totals']['nonTrainable']:,} vs torch {fixed:,}")
    output = final_output(model, net["input"])
    if net["layers"][-1]["output"] != output:
        problems.append(f"output {net['layers'][-1]['output']} vs torch {output}")
    if len(mine) != len(theirs):
        problems.append(f"{len(mine)} conv/deconv/fc rows vs torch {len(theirs)}")
    for i, (a, b) in enumerate(zip(mine, theirs)):
        if a[0] != b[0] or a[1] != b[1] or a[2] != b[2]:
            problems.append(f"conv/deconv/fc row {i}: netcalc {a} vs torch {b}")
            break
    macs = sum(r[2] for r in theirs)
    if not problems and net["totals"]["macs"] != macs:
        problems.append(f"MACs {net['totals']['macs']:,} vs torch {macs:,}")
    status = "OK" if not problems else "MISMATCH " + "; ".join(problems)
    return f"{name}: {status} ({len(theirs)} conv/deconv/fc layers, {total:,} params, {macs:,} MACs)"

if __name__ == "__main__":
    import os
    zoo = [n for n in MODELS] + sorted(f[:-4] for f in os.listdir("specs") if f.endswith(".net"))
    # specs/alexnet.net is the notes' AlexNet (227 input, no torchvision twin): alexnet_torchvision is.
    names = sys.argv[1:] or [n for n in dict.fromkeys(zoo) if n != "alexnet"
                             and (n in MODELS or hasattr(tvm, n) or hasattr(tvm.segmentation, n))]
    results = [check(n) for n in names]
    print("\n".join(results))
    sys.exit(0 if all(": OK" in r for r in results) else 1)
