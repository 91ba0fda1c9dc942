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

Networks of every rank: netcalc's JSON gives a 1-D network's shapes as [L, C], a 2-D one's as [W, H, D] and
a 3-D one's as [W, H, T, C]; the zero input is built as PyTorch's (1, C, L), (1, D, H, W) or (1, C, T, H, W),
and every output shape is turned back into netcalc's order (the spatial axes reversed, the channels last).
Conv1d/2d/3d, ConvTranspose1d/2d/3d and Linear layers are compared, their MACs exact with the bias left out.

Transformers: each attention module (nn.MultiheadAttention, timm's Attention, Swin's ShiftedWindowAttention) is compared with netcalc's
`attention` row: its output, its params, and its MACs counted by torch.utils.flop_counter over the matmuls it
runs (the projections, Q*K^T and A*V; FLOPs / 2), the Linear layers inside it left out. A Linear applied to
tokens (N, L, C) is netcalc's per-token `linear` row, [L, K]; a shape is compared without its leading 1s
(the head's (1, 1000) is netcalc's 1x1000 sequence). Where a model folds more than the batch into the batch
axis (MobileViT's (B*P, N, C) sequences of patches), the volumes are compared.
"""
import json, subprocess, sys
import torch
import torch.nn as nn
import torchvision.models as tvm
import torchvision.models.video as tvv
from torch.utils.flop_counter import FlopCounterMode

def timm_model(name):
    """A timm model with random weights (timm is needed for these specs only)."""
    import timm
    return lambda: timm.create_model(name, pretrained=False)

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

class M5(nn.Module):
    """M5 of Dai et al. 2017 ("Very deep convolutional neural networks for raw waveforms", Table 1) as
    specs/m5.net writes it: a 1-D conv of 80 taps, stride 4, 128 filters, then convs of 3 taps with 128, 256
    and 512 filters, each conv with bias, followed by batch norm and ReLU and a max pool of 4; global average
    pooling and a Linear layer to the 10 UrbanSound8K classes (softmax left out). The paper gives no padding;
    the convs are padded as TensorFlow's SAME (for 16000 samples 38 on each side of the first conv, 1 for the
    others), as the Keras reimplementation philipperemy/very-deep-convnets-raw-waveforms pads them."""
    def __init__(self, classes=10):
        super().__init__()
        def unit(i, o, k, s, p):
            return [nn.Conv1d(i, o, k, s, p), nn.BatchNorm1d(o), nn.ReLU(inplace=True), nn.MaxPool1d(4)]
        self.features = nn.Sequential(*unit(1, 128, 80, 4, 38), *unit(128, 128, 3, 1, 1),
                                      *unit(128, 256, 3, 1, 1), *unit(256, 512, 3, 1, 1))
        self.fc = nn.Linear(512, classes)
    def forward(self, x):
        return self.fc(self.features(x).mean(2))

class Chomp1d(nn.Module):
    """locuslab/TCN's Chomp1d: drops the last `chomp` positions, so a conv padded on both sides is causal."""
    def __init__(self, chomp):
        super().__init__()
        self.chomp = chomp
    def forward(self, x):
        return x[:, :, :-self.chomp].contiguous()

class TemporalBlock(nn.Module):
    """locuslab/TCN's TemporalBlock (Bai, Kolter & Koltun 2018) without weight_norm: twice a dilated Conv1d
    padded (k-1)*d on both sides, Chomp1d, ReLU, Dropout; a 1x1 conv on the shortcut when the channels
    change; ReLU after the sum."""
    def __init__(self, i, o, k, d, dropout):
        super().__init__()
        p = (k - 1) * d
        self.net = nn.Sequential(nn.Conv1d(i, o, k, padding=p, dilation=d), Chomp1d(p), nn.ReLU(), nn.Dropout(dropout),
                                 nn.Conv1d(o, o, k, padding=p, dilation=d), Chomp1d(p), nn.ReLU(), nn.Dropout(dropout))
        self.downsample = nn.Conv1d(i, o, 1) if i != o else None
        self.relu = nn.ReLU()
    def forward(self, x):
        out = self.net(x)
        return self.relu(out + (x if self.downsample is None else self.downsample(x)))

class TCN(nn.Module):
    """locuslab/TCN's sequential-MNIST model (mnist_pixel/pmnist_test.py defaults): 784 steps of 1 channel,
    8 levels of 25 channels, kernel 7, dilation 2**level, dropout 0.05, a Linear layer on the last step."""
    def __init__(self, inputs=1, classes=10, channels=(25,) * 8, k=7, dropout=0.05):
        super().__init__()
        widths = [inputs] + list(channels)
        self.tcn = nn.Sequential(*(TemporalBlock(widths[i], widths[i + 1], k, 2 ** i, dropout) for i in range(len(channels))))
        self.linear = nn.Linear(channels[-1], classes)
    def forward(self, x):
        return self.linear(self.tcn(x)[:, :, -1])

class UNet3D(nn.Module):
    """3-D U-Net (Cicek et al. 2016, Fig. 2) as specs/unet3d.net writes it: valid 3x3x3 convs with bias, each
    followed by BatchNorm3d and ReLU; analysis levels 3->32->64, 64->64->128, 128->128->256, 256->256->512
    with 2x2x2 max pools between; 2x2x2 stride-2 up-convolutions (with bias) keeping the channels; the
    analysis path's map centre-cropped and concatenated before the upsampled one; two 3x3x3 convs; a 1x1x1
    conv to 3 labels. 132x132x116x3 in, 44x44x28x3 out."""
    def __init__(self, channels=3, classes=3):
        super().__init__()
        def double(i, m, o):
            return nn.Sequential(nn.Conv3d(i, m, 3), nn.BatchNorm3d(m), nn.ReLU(inplace=True),
                                 nn.Conv3d(m, o, 3), nn.BatchNorm3d(o), nn.ReLU(inplace=True))
        self.down = nn.ModuleList([double(channels, 32, 64), double(64, 64, 128), double(128, 128, 256), double(256, 256, 512)])
        self.pool = nn.MaxPool3d(2)
        self.ups = nn.ModuleList(nn.ConvTranspose3d(c, c, 2, stride=2) for c in (512, 256, 128))
        self.convs = nn.ModuleList(double(c + c // 2, c // 2, c // 2) for c in (512, 256, 128))
        self.classify = nn.Conv3d(64, classes, 1)
    def forward(self, x):
        skips = []
        for i, level in enumerate(self.down):
            x = level(self.pool(x) if i else x)
            skips.append(x)
        skips.pop()
        for up, conv in zip(self.ups, self.convs):
            x = up(x)
            skip = skips.pop()
            at = [(a - b) // 2 for a, b in zip(skip.shape[2:], x.shape[2:])]
            skip = skip[:, :, at[0]:at[0] + x.shape[2], at[1]:at[1] + x.shape[3], at[2]:at[2] + x.shape[4]]
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
    "r3d_18": lambda: tvv.r3d_18(), "mc3_18": lambda: tvv.mc3_18(), "r2plus1d_18": lambda: tvv.r2plus1d_18(),
    "s3d": lambda: tvv.s3d(),
    "m5": M5, "tcn": TCN, "unet3d": UNet3D,
    "vit_b_16": lambda: tvm.vit_b_16(), "deit_small": timm_model("deit_small_patch16_224"),
    "convnextv2_atto": timm_model("convnextv2_atto"), "mobilevit_xxs": timm_model("mobilevit_xxs"),
}

def is_attention(module):
    """An attention module: PyTorch's, or one with a qkv projection whose class name ends in Attention (timm's
    Attention, torchvision's ShiftedWindowAttention)."""
    return isinstance(module, nn.MultiheadAttention) or (type(module).__name__.endswith("Attention") and hasattr(module, "qkv"))

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

def zero_input(shape):
    """A zero batch of one for netcalc's input shape: [L, C] (1-D), [W, H, D] (2-D) or [W, H, T, C] (3-D),
    in PyTorch's order (1, C, *spatial axes reversed)."""
    return torch.zeros(1, shape[-1], *reversed(shape[:-1]))

def netcalc_shape(out, rank):
    """A PyTorch output shape (batch first) in netcalc's order for a network of `rank` spatial axes: the
    spatial axes reversed and the channels last; a (batch, features) tensor is 1 x ... x 1 x features."""
    if len(out) == 2:
        return [1] * rank + [out[1]]
    return list(reversed(out[2:])) + [out[1]]

def final_output(model, shape):
    """The model's output for a zero input, in netcalc's order (a segmentation model's 'out')."""
    model.eval()
    with torch.no_grad():
        out = model(zero_input(shape))
    if isinstance(out, dict):
        out = out["out"]
    return netcalc_shape(list(out.shape), len(shape) - 1)

def non_trainable(model):
    """Batch-norm running means and variances (num_batches_tracked is not a value of the network)."""
    return sum(b.numel() for n, b in model.named_buffers() if n.endswith(("running_mean", "running_var")))

CONVS = (nn.Conv1d, nn.Conv2d, nn.Conv3d)
TRANSPOSED = (nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d)

def named_torch_layers(model, shape, last=()):
    """(module name, (output in netcalc's order, params, MACs)) of every convolution, transposed convolution
    (1-D, 2-D or 3-D) and Linear layer in execution order, the modules named in `last` moved to the end.
    MACs leave the bias out."""
    rank = len(shape) - 1
    rows = []
    counters = {}
    def start(name):
        def enter(module, inputs):
            counters[name] = FlopCounterMode(display=False)
            counters[name].__enter__()
        return enter
    def hook(name):
        def record(module, inputs, output):
            if is_attention(module):
                counter = counters.pop(name)
                counter.__exit__(None, None, None)
                out = list((output[0] if isinstance(output, tuple) else output).shape)
                rows.append((name, (token_shape(out), sum(p.numel() for p in module.parameters()),
                                    counter.get_total_flops() // 2)))
                return
            if any(name.startswith(outer + ".") for outer in attention_names):
                return  # counted with its attention module
            out = list(output.shape)
            window = 1
            for k in getattr(module, "kernel_size", ()):
                window *= k
            if isinstance(module, CONVS):
                macs = output.numel() * module.in_channels // module.groups * window
                shape = netcalc_shape(out, rank)
            elif isinstance(module, TRANSPOSED):
                # Every input value is multiplied by a window x (C_out / groups) slice of the weights.
                macs = inputs[0].numel() * window * module.out_channels // module.groups
                shape = netcalc_shape(out, rank)
            else:
                # A Linear on channels-last features (ConvNeXt) acts at every position: a 1x1 convolution.
                macs = output.numel() // module.out_features * module.in_features * module.out_features
                shape = [1] * rank + [out[1]] if len(out) == 2 else token_shape(out)
            rows.append((name, (shape, sum(p.numel() for p in module.parameters()), macs)))
        return record
    attention_names = [name for name, module in model.named_modules() if is_attention(module)]
    handles = [module.register_forward_hook(hook(name)) for name, module in model.named_modules()
               if isinstance(module, CONVS + TRANSPOSED + (nn.Linear,)) or is_attention(module)]
    handles += [module.register_forward_pre_hook(start(name)) for name, module in model.named_modules()
                if is_attention(module)]
    # Autograd on: nn.MultiheadAttention's fused inference path, whose matmuls flop counting cannot see, is off.
    model.eval()
    model(zero_input(shape))
    for handle in handles:  # a later forward pass must not append to rows again
        handle.remove()
    return [row for row in rows if row[0] not in last] + [row for row in rows if row[0] in last]

def torch_layers(model, shape, last=()):
    """(output [W, H, D] or the rank's order, params, MACs) of every conv, transposed conv and Linear in
    execution order, the modules named in `last` moved to the end."""
    return [row for name, row in named_torch_layers(model, shape, last)]

def token_shape(out):
    """A channels-last output (N, ..., C) in netcalc's order; when the batch axis holds more than the batch
    (MobileViT's (B*P, N, C): its patches' sequences), only the volume can be compared: ("volume", n)."""
    if out[0] != 1:
        volume = 1
        for size in out:
            volume *= size
        return ("volume", volume)
    return list(reversed(out[1:-1])) + [out[-1]]

def same_shape(mine, theirs):
    """netcalc's shape against torch's, without leading 1s, or by volume where torch folded the batch."""
    if isinstance(theirs, tuple):
        volume = 1
        for size in mine:
            volume *= size
        return volume == theirs[1]
    return unpadded(mine) == unpadded(theirs)

def unpadded(shape):
    """A shape without its leading 1s: a vector is the same at every rank."""
    shape = list(shape)
    while len(shape) > 1 and shape[0] == 1:
        shape = shape[1:]
    return shape

def check(name):
    doc = json.loads(subprocess.run([NETCALC, "--format", "json", f"specs/{name}.net"],
                                    capture_output=True, text=True).stdout)
    if doc["errors"] or not doc["networks"]:
        return f"{name}: netcalc reports errors {doc['errors'][:1]}"
    net = doc["networks"][0]
    mine = [(r["output"], r["params"], r["macs"]) for r in net["layers"]
            if r["op"] in ("conv", "dwconv", "deconv", "fc", "linear", "attention")]
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
    if unpadded(net["layers"][-1]["output"]) != unpadded(output):
        problems.append(f"output {net['layers'][-1]['output']} vs torch {output}")
    if len(mine) != len(theirs):
        problems.append(f"{len(mine)} conv/deconv/fc rows vs torch {len(theirs)}")
    for i, (a, b) in enumerate(zip(mine, theirs)):
        if not same_shape(a[0], b[0]) or a[1] != b[1] or a[2] != b[2]:
            problems.append(f"conv/deconv/fc row {i}: netcalc {a} vs torch {b}")
            break
    macs = sum(r[2] for r in theirs)
    if not problems and net["totals"]["macs"] != macs:
        problems.append(f"MACs {net['totals']['macs']:,} vs torch {macs:,}")
    status = "OK" if not problems else "MISMATCH " + "; ".join(problems)
    return f"{name}: {status} ({len(theirs)} conv/deconv/fc layers, {total:,} params, {macs:,} MACs)"

if __name__ == "__main__":
    import os, importlib.util
    zoo = [n for n in MODELS] + sorted(f[:-4] for f in os.listdir("specs") if f.endswith(".net"))
    # specs/alexnet.net is the notes' AlexNet (227 input, no torchvision twin): alexnet_torchvision is.
    names = sys.argv[1:] or [n for n in dict.fromkeys(zoo) if n != "alexnet"
                             and (n in MODELS or hasattr(tvm, n) or hasattr(tvm.segmentation, n))]
    timm_specs = ("deit_small", "convnextv2_atto", "mobilevit_xxs")
    names = [n for n in names if not (n in timm_specs and importlib.util.find_spec("timm") is None)]
    results = [check(n) for n in names]
    print("\n".join(results))
    sys.exit(0 if all(": OK" in r for r in results) else 1)
