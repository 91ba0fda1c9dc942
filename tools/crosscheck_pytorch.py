#!/usr/bin/env python3
"""Cross-checks netcalc against PyTorch on random chains of layers, and the module `--emit pytorch` writes
for each chain against netcalc's output shape and parameter count.

Not part of CI (it needs torch): run by hand with
`python3 tools/crosscheck_pytorch.py [COUNT] [SEED] [--rank 1|2|3|all] [--layout whd|chw|hwc]` after
`swift build -c release`. `--layout chw` writes each INPUT as PyTorch does (C, H, W) and runs netcalc with
`--layout chw`, so that the numbers checked are those of a spec written in PyTorch's order.
COUNT networks (200 by default) are drawn, with `--rank all` (the default) a third each of 1-D, 2-D and
3-D networks, taken in turn (network n has rank 1, 2, 3 for n mod 3 = 0, 1, 2); each rank draws from its
own generator, the 2-D one seeded with SEED exactly as before, so `--rank 2` draws and prints what this
script did when it drew images only. Each random network is analyzed with `--rounding floor --format
json`, then built in PyTorch and run on a zero input; every layer's output shape, parameter count and MACs
must agree (MACs: a convolution's output values times its weights per output, a transposed convolution's
input values times its weights per input, a Linear layer's weights; 0 for every other module; bias left
out), and the module `--emit pytorch` writes for it must run and print netcalc's output and parameter count
(and, run again on a batch of two, keep the batch axis and give the same output).

2-D: a chain of 1 to 12 layers on an INPUT of 8..96 x 8..96 x 1..16, each layer next to the PyTorch
module it is checked against:
  CONV(K,F,sS,pP,dD,gG[,nobias])        nn.Conv2d
  MAXPOOL/AVGPOOL(F,sS,pP[,ceil])       nn.MaxPool2d / nn.AvgPool2d (ceil_mode for `ceil`)
  FC(K[,nobias])                        flatten, nn.Linear, viewed as (N, K, 1, 1); any layer may follow
  BN, GAP                               nn.BatchNorm2d (eval), nn.AdaptiveAvgPool2d(1)
  RELU RELU6 SIGMOID TANH GELU SILU HARDSWISH ELU LEAKYRELU HARDSIGMOID MISH SWISH, DROPPATH(0.1)
                                        the nn activation of the same name (SWISH: nn.SiLU), nn.Identity
  PRELU, PRELU(per_channel)             nn.PReLU(1), nn.PReLU(D)
  UPSAMPLE(S), UPSAMPLE(SxT), UPSAMPLE(size=WxH), each nearest (default or written) or bilinear
                                        nn.Upsample(scale_factor=(T, S) or size=(H, W), mode=...,
                                        align_corners=False for bilinear)
  PIXELSHUFFLE(r)                       nn.PixelShuffle(r); r*r mostly divides the depth, sometimes not
  ADAPTIVEAVGPOOL/ADAPTIVEMAXPOOL(N or WxH), sizes both below and above the input's
                                        nn.AdaptiveAvgPool2d((H, W)) / nn.AdaptiveMaxPool2d((H, W))
  LAYERNORM                             nn.LayerNorm(D) applied channels-last
  GROUPNORM(G)                          nn.GroupNorm(G, D); G mostly divides D, sometimes not
  INSTANCENORM, INSTANCENORM(affine)    nn.InstanceNorm2d(D, affine=False / True)
  SCALE, SCALE(bias)                    a per-channel multiplier (and bias) defined here
  PAD(P), PAD(l,r,t,b)                  nn.ZeroPad2d((l, r, t, b))
  CROP(N or WxH), at most the input     x[:, :, top:top+h, left:left+w], top = (H-h)//2, left = (W-w)//2
  SLICE(start,end), 0 <= start < end <= D  x[:, start:end]
  SHUFFLE(G)                            nn.ChannelShuffle(G); G mostly divides D, sometimes not
1-D (INPUT[L x C], L 8..160, C 1..16) and 3-D (INPUT[W x H x T x C], W and H 4..24, T 2..12, C 1..8):
a chain of 1 to 10 layers; sizes are drawn per axis in netcalc's order (L; W x H x T), written as one
number when they are all equal (and sometimes in full, `3x3x3`), and given to PyTorch reversed (T, H, W):
  CONV(K,F,s=S,p=P,d=D,gG[,nobias])     nn.Conv1d / nn.Conv3d
  DWCONV(F,s=S,p=P,d=D[,m=M][,nobias])  nn.Conv1d / nn.Conv3d with groups = C
  DECONV(K,F,s=S,p=P[,nobias])          nn.ConvTranspose1d / 3d(C, K, F, S, P), netcalc's `pytorch` mapping
  DECONV(K,F,s=S,p=same|valid)          same: TensorFlow's transposed SAME, output W*S (nn.ConvTranspose
                                        with no padding, its output cropped at (F-S)//2, or zero-padded at
                                        the end when F < S); valid: nn.ConvTranspose with no padding
  MAXPOOL(F,s=S,p=P[,d=D][,ceil]), AVGPOOL(F,s=S,p=P[,ceil])
                                        nn.MaxPool1d/3d (dilation too), nn.AvgPool1d/3d (ceil_mode for `ceil`)
  p=same, p=valid (CONV, DWCONV, the pools)  TensorFlow's: the unpadded module after F.pad of the padding
                                        SAME needs for ceil(W/S) (the smaller half first, -inf for MAXPOOL);
                                        VALID is no padding
  FC(K[,nobias]), FLATTEN               flatten then nn.Linear, viewed as (N, K, 1...); flatten alone
  BN, GAP                               nn.BatchNorm1d/3d (eval), nn.AdaptiveAvgPool1d/3d(1)
  ADAPTIVEAVGPOOL/ADAPTIVEMAXPOOL(sizes) nn.AdaptiveAvgPool1d/3d, nn.AdaptiveMaxPool1d/3d
  LAYERNORM, GROUPNORM(G), INSTANCENORM[(affine)], SCALE[(bias)], PRELU[(per_channel)]
                                        nn.LayerNorm(C) channels-last, nn.GroupNorm, nn.InstanceNorm1d/3d,
                                        a per-channel multiplier, nn.PReLU
  the activations above and SOFTMAX     nn.Softmax(dim=1)
  UPSAMPLE(S or SxTxU), UPSAMPLE(size=...), nearest or bilinear
                                        nn.Upsample(scale_factor= / size=, mode nearest or linear /
                                        trilinear, align_corners=False)
  PAD(P), PAD(l,r), PAD(l,r,t,b,front,back)  nn.ConstantPad1d / 3d(sides, 0)
  CROP(sizes), CROP(sizes,o=OFFSETS)    the centre ((in - size)//2 on each axis) or from the offsets; an
                                        offset crop sometimes runs past the input's end (both must reject)
  SLICE(start,end), SHUFFLE(G)          x[:, start:end], nn.ChannelShuffle(G)
(The 2-D draws are as they were: no DWCONV, DECONV, FLATTEN, SOFTMAX or p=same there. The MACs, the
receptive-field formulas and the batch of two are checked at every rank.)
A network netcalc rejects (JSON `errors` non-empty) must make PyTorch raise, at the same layer, and the
other way round. Three known differences are counted apart, not as disagreements: a `ceil` pool whose
window is larger than its padded input (PyTorch's ceil_mode accepts it, netcalc makes it an error); a 3-D
AVGPOOL whose input is smaller than its window before padding (nn.AvgPool3d alone refuses it; netcalc, as
PyTorch's other pools, takes the window on the padded input); and a DECONV whose output size would be 0
(nn.ConvTranspose2d/3d give an empty tensor, netcalc an error). For ADAPTIVE*POOL layers
the receptive field is checked too, on every axis: rf = rf_in + (largest window - 1)*jump_in, the windows
taken from PyTorch's own adaptive pooling of one-hot inputs; for CONV, DWCONV, POOL and DECONV the
receptive field and jump are checked on every axis against README's formulas (rf_in + (Fe-1)*jump_in
and jump_in*S; DECONV rf_in + (ceil(F/S)-1)*jump_in and max(1, jump_in//S)), which catches axes mixed
up, not a different convention. Every disagreement is printed with its spec (and, for the first few of
each kind, a shrunk spec that still shows it); outside `--rank 2` each is tagged with its rank. The exit
status is 1 if there was any.
"""
import argparse, contextlib, io, json, random, re, subprocess, sys, warnings
import torch
import torch.nn as nn

NETCALC = ".build/release/netcalc"
GROW_LIMIT = 128  # UPSAMPLE, PIXELSHUFFLE, PAD and ADAPTIVE*POOL keep W and H below this where they can
SHRINK_PER_KIND = 3  # disagreements of one kind shrunk to a minimal spec

warnings.filterwarnings("ignore")  # e.g. InstanceNorm2d's note on its running stats
torch.set_grad_enabled(False)

def pair(rng, low, high, square_bias=0.7):
    a = rng.randint(low, high)
    return (a, a) if rng.random() < square_bias else (a, rng.randint(low, high))

def text(p):  # (width, height) -> "3" or "3x5"
    return str(p[0]) if p[0] == p[1] else f"{p[0]}x{p[1]}"

def divisors(n):
    return [g for g in range(1, n + 1) if n % g == 0]

def groups_for(rng, d):
    """A group count that divides d most of the time, and sometimes one that does not."""
    others = [g for g in range(2, d + 3) if d % g]
    if others and rng.random() < 0.15:
        return rng.choice(others)
    return rng.choice(divisors(d))

class Tracker:
    """The shape the chain has so far, by this script's own arithmetic: only used to draw arguments that
    fit (crops, slices, groups). Sizes below 1 are clamped, the network being rejected by then anyway."""

    def __init__(self, w, h, d):
        self.w, self.h, self.d = w, h, d

    def window(self, size, f, s, p, dil=1, ceil=False):
        span = size + 2 * p - dil * (f - 1) - 1
        if not ceil:
            return max(1, span // s + 1)
        out = -(-span // s) + 1
        if (out - 1) * s >= size + p:
            out -= 1
        return max(1, out)

def room(size, factor_max):
    """The largest factor (<= factor_max) that keeps size*factor below GROW_LIMIT, at least 1."""
    return max(1, min(factor_max, GROW_LIMIT // size))

def grow_size(rng, size):
    """An output size below or above size, below GROW_LIMIT when size is."""
    if rng.random() < 0.5:
        return rng.randint(1, size)
    return rng.randint(size, max(size, min(2 * size + 3, GROW_LIMIT)))

KINDS = [  # (kind, weight) of a layer drawn where the chain is not flat
    ("fc", 8), ("conv", 25), ("pool", 12), ("bn", 5), ("gap", 3), ("act", 7),
    ("upsample", 6), ("pixelshuffle", 4), ("adaptive", 6), ("layernorm", 3), ("groupnorm", 3),
    ("instancenorm", 3), ("scale", 3), ("prelu", 3), ("newact", 3), ("pad", 4), ("crop", 4),
    ("slice", 3), ("shuffle", 3),
]
OLD_ACTS = ["RELU", "RELU6", "SIGMOID", "TANH", "GELU", "SILU", "HARDSWISH", "ELU", "LEAKYRELU"]
NEW_ACTS = ["HARDSIGMOID", "MISH", "SWISH", "DROPPATH(0.1)"]

def random_layer(rng, t, flat):
    """One layer's spec text and reference tuple; updates the tracker t."""
    kind = "fc" if flat and rng.random() < 0.5 else rng.choices([k for k, _ in KINDS], [w for _, w in KINDS])[0]
    if kind == "fc":
        k = rng.randint(1, 64)
        bias = rng.random() < 0.8
        t.w, t.h, t.d = 1, 1, k
        return f"FC({k}{'' if bias else ',nobias'})", ("fc", k, bias)
    if kind == "conv":
        k = rng.randint(1, 32)
        f = pair(rng, 1, 7)
        s = pair(rng, 1, 3)
        p = (rng.randint(0, f[0] // 2), rng.randint(0, f[1] // 2))
        p = (p[0], p[0]) if rng.random() < 0.7 else p
        dil = rng.choice([1, 1, 1, 2])
        groups = rng.choice([g for g in (1, 2, 4) if t.d % g == 0])
        k = k * groups
        bias = rng.random() < 0.8
        t.w, t.h, t.d = t.window(t.w, f[0], s[0], p[0], dil), t.window(t.h, f[1], s[1], p[1], dil), k
        return (f"CONV({k},{text(f)},s={text(s)},p={text(p)},d{dil},g{groups}{'' if bias else ',nobias'})",
                ("conv", k, f, s, p, dil, groups, bias))
    if kind == "pool":
        f = pair(rng, 1, 4)
        s = pair(rng, 1, 3) if rng.random() < 0.5 else f
        p = (rng.randint(0, f[0] // 2), rng.randint(0, f[1] // 2))
        ceil = rng.random() < 0.3
        name = rng.choice(["MAXPOOL", "AVGPOOL"])
        t.w, t.h = t.window(t.w, f[0], s[0], p[0], 1, ceil), t.window(t.h, f[1], s[1], p[1], 1, ceil)
        return f"{name}({text(f)},s={text(s)},p={text(p)}{',ceil' if ceil else ''})", (name.lower(), f, s, p, ceil)
    if kind == "bn":
        return "BN", ("bn",)
    if kind == "gap":
        t.w = t.h = 1
        return "GAP", ("gap",)
    if kind == "act":
        act = rng.choice(OLD_ACTS)
        return act, ("act", act)
    if kind == "newact":
        act = rng.choice(NEW_ACTS)
        return act, ("act", act.split("(")[0])
    if kind == "prelu":
        per_channel = rng.random() < 0.5
        return ("PRELU(per_channel)" if per_channel else "PRELU"), ("prelu", per_channel)
    if kind == "upsample":
        mode = rng.choice(["", "", ",nearest", ",bilinear", ",bilinear"])
        if rng.random() < 0.65:
            s = pair(rng, 1, 3, 0.6)
            s = (min(s[0], room(t.w, 3)), min(s[1], room(t.h, 3)))
            t.w, t.h = t.w * s[0], t.h * s[1]
            return f"UPSAMPLE({text(s)}{mode})", ("upsample", "scale", s, mode.lstrip(",") or "nearest")
        size = (grow_size(rng, t.w), grow_size(rng, t.h))
        t.w, t.h = size
        return f"UPSAMPLE(size={size[0]}x{size[1]}{mode})", ("upsample", "size", size, mode.lstrip(",") or "nearest")
    if kind == "pixelshuffle":
        fits = [r for r in (1, 2, 3, 4) if t.d % (r * r) == 0 and r <= room(max(t.w, t.h), 4)]
        r = rng.choice(fits) if rng.random() < 0.75 else rng.randint(2, 4)
        if t.d % (r * r) == 0:
            t.w, t.h, t.d = t.w * r, t.h * r, t.d // (r * r)
        return f"PIXELSHUFFLE({r})", ("pixelshuffle", r)
    if kind == "adaptive":
        name = rng.choice(["ADAPTIVEAVGPOOL", "ADAPTIVEMAXPOOL"])
        size = (grow_size(rng, t.w), grow_size(rng, t.h))
        if rng.random() < 0.3:
            size = (size[0], size[0])
        t.w, t.h = size
        return f"{name}({size[0]}x{size[1]})" if rng.random() < 0.5 or size[0] != size[1] else f"{name}({size[0]})", \
            (name.lower(), size)
    if kind == "layernorm":
        return "LAYERNORM", ("layernorm",)
    if kind == "groupnorm":
        g = groups_for(rng, t.d)
        return f"GROUPNORM({g})", ("groupnorm", g)
    if kind == "instancenorm":
        affine = rng.random() < 0.5
        return ("INSTANCENORM(affine)" if affine else "INSTANCENORM"), ("instancenorm", affine)
    if kind == "scale":
        bias = rng.random() < 0.5
        return ("SCALE(bias)" if bias else "SCALE"), ("scale", bias)
    if kind == "pad":
        if rng.random() < 0.5:
            p = rng.randint(0, 3)
            sides = (p, p, p, p)
            spec = f"PAD({p})"
        else:
            sides = tuple(rng.randint(0, 3) for _ in range(4))
            spec = f"PAD({','.join(map(str, sides))})"
        t.w, t.h = t.w + sides[0] + sides[1], t.h + sides[2] + sides[3]
        return spec, ("pad", sides)
    if kind == "crop":
        size = (rng.randint(1, t.w), rng.randint(1, t.h))
        if rng.random() < 0.3:
            size = (min(size), min(size))
        t.w, t.h = size
        return f"CROP({text(size)})", ("crop", size)
    if kind == "slice":
        start = rng.randint(0, t.d - 1)
        end = rng.randint(start + 1, t.d)
        t.d = end - start
        return f"SLICE({start},{end})", ("slice", start, end)
    if kind == "shuffle":
        g = groups_for(rng, t.d)
        return f"SHUFFLE({g})", ("shuffle", g)
    raise AssertionError(kind)

def random_network(rng):
    w, h = pair(rng, 8, 96)
    d = rng.randint(1, 16)
    t = Tracker(w, h, d)
    parts, layers = [f"INPUT[{w}x{h}x{d}]"], []
    flat = False
    for _ in range(rng.randint(1, 12)):
        spec, layer = random_layer(rng, t, flat)
        flat = layer[0] == "fc"
        parts.append(spec)
        layers.append(layer)
    return parts, layers

# 1-D and 3-D networks. Sizes are tuples in netcalc's order (L; W, H, T); PyTorch gets them reversed.
ND_LIMITS = {  # per rank: the input's spatial ranges, its depth's, largest filter, stride and GROW_LIMIT per axis
    1: {"input": [(8, 160)], "depth": (1, 16), "filter": (9,), "stride": (3,), "grow": (256,)},
    3: {"input": [(4, 24), (4, 24), (2, 12)], "depth": (1, 8), "filter": (5, 5, 3), "stride": (2, 2, 2),
        "grow": (48, 48, 24)},
}

def sizes(rng, rank, low, highs, same_bias=0.7):
    """One size per axis, each in low..highs[axis]; all equal (to the smallest high's range) most of the time."""
    if rng.random() < same_bias:
        a = rng.randint(low, min(highs))
        return (a,) * rank
    return tuple(rng.randint(low, h) for h in highs)

def text_nd(v, rng=None):
    """(3, 3, 3) -> "3" (or, sometimes, "3x3x3"), (3, 5, 1) -> "3x5x1"."""
    if len(set(v)) == 1 and not (rng and len(v) > 1 and rng.random() < 0.2):
        return str(v[0])
    return "x".join(map(str, v))

class TrackerN:
    """Tracker's shape for any rank: spatial sizes (netcalc's order) and depth."""

    def __init__(self, spatial, d):
        self.s, self.d = list(spatial), d

    window = Tracker.window

    def window_nd(self, size, f, s, p, axis, dil=1, ceil=False):
        """window along one axis, p a tuple of paddings or TensorFlow's "same" / "valid"."""
        if p == "same":
            return -(-size // s)
        return self.window(size, f, s, 0 if p == "valid" else p[axis], dil, ceil)

KINDS_ND = [
    ("fc", 6), ("flatten", 2), ("conv", 20), ("dwconv", 4), ("deconv", 8), ("pool", 12), ("bn", 5), ("gap", 3),
    ("act", 7), ("upsample", 6), ("adaptive", 6), ("layernorm", 3), ("groupnorm", 3), ("instancenorm", 3),
    ("scale", 3), ("prelu", 3), ("newact", 3), ("pad", 4), ("crop", 5), ("slice", 3), ("shuffle", 3),
]
NEW_ACTS_ND = NEW_ACTS + ["SOFTMAX"]

def random_layer_nd(rng, t, flat, rank):
    """One layer of a 1-D or 3-D chain: its spec text and reference tuple; updates the tracker t."""
    lim = ND_LIMITS[rank]
    kind = "fc" if flat and rng.random() < 0.5 else rng.choices([k for k, _ in KINDS_ND], [w for _, w in KINDS_ND])[0]
    r = range(rank)
    if kind in ("fc", "flatten"):
        if kind == "flatten":
            k = t.d
            for v in t.s:
                k *= v
            t.s, t.d = [1] * rank, k
            return "FLATTEN", ("flatten",)
        k = rng.randint(1, 64)
        bias = rng.random() < 0.8
        t.s, t.d = [1] * rank, k
        return f"FC({k}{'' if bias else ',nobias'})", ("fc", k, bias)
    if kind in ("conv", "dwconv"):
        f = sizes(rng, rank, 1, lim["filter"])
        s = sizes(rng, rank, 1, lim["stride"])
        p = sizes(rng, rank, 0, [v // 2 for v in f], 0.7) if rng.random() < 0.8 else (0,) * rank
        p = tuple(min(a, b // 2) for a, b in zip(p, f))
        roll = rng.random()
        p = "same" if roll < 0.1 else "valid" if roll < 0.15 else p
        dil = sizes(rng, rank, 1, (2,) * rank, 0.6) if rng.random() < 0.25 else (1,) * rank
        bias = rng.random() < 0.8
        if kind == "conv":
            groups = rng.choice([g for g in (1, 2, 4) if t.d % g == 0])
            k = rng.randint(1, 16) * groups
            head = f"CONV({k},{text_nd(f, rng)}"
            layer = ("conv", k, f, s, p, dil, groups, bias)
        else:
            m = rng.choice([1, 1, 1, 2])
            k = t.d * m
            head = f"DWCONV({text_nd(f, rng)}" + (f",m={m}" if m > 1 else "")
            layer = ("conv", k, f, s, p, dil, t.d, bias)
        t.s = [t.window_nd(t.s[a], f[a], s[a], p, a, dil[a]) for a in r]
        t.d = k
        spec = head + f",s={text_nd(s, rng)},p={p if isinstance(p, str) else text_nd(p, rng)}"
        if dil != (1,) * rank:
            spec += f",d={text_nd(dil, rng)}"
        if kind == "conv":
            spec += f",g{groups}"
        return spec + ("" if bias else ",nobias") + ")", layer
    if kind == "deconv":
        k = rng.randint(1, 16)
        f = sizes(rng, rank, 1, [min(x, 4) for x in lim["filter"]])
        s = sizes(rng, rank, 1, (3,) * rank if rank == 1 else (2, 2, 2))
        bias = rng.random() < 0.8
        roll = rng.random()
        if roll < 0.1:
            p = "same"
        elif roll < 0.2:
            p = "valid"
        else:
            p = sizes(rng, rank, 0, list(f), 0.7)
        for a in r:
            if p == "same":
                t.s[a] = t.s[a] * s[a]
            else:
                t.s[a] = max(1, (t.s[a] - 1) * s[a] + f[a] - 2 * (0 if p == "valid" else p[a]))
        t.d = k
        ptext = p if isinstance(p, str) else text_nd(p, rng)
        return (f"DECONV({k},{text_nd(f, rng)},s={text_nd(s, rng)},p={ptext}{'' if bias else ',nobias'})",
                ("deconv", k, f, s, p, bias))
    if kind == "pool":
        f = sizes(rng, rank, 1, (4,) * rank if rank == 1 else (3, 3, 2))
        s = sizes(rng, rank, 1, (3,) * rank if rank == 1 else (2, 2, 2)) if rng.random() < 0.5 else f
        name = rng.choice(["MAXPOOL", "AVGPOOL"])
        dil = (1,) * rank
        if name == "MAXPOOL" and rng.random() < 0.2:
            dil = sizes(rng, rank, 1, (2,) * rank, 0.6)
        # Up to half the window, sometimes up to half its dilated extent (PyTorch refuses more than half
        # the window as written).
        half = [(d * (v - 1) + 1) // 2 if rng.random() < 0.2 else v // 2 for v, d in zip(f, dil)]
        p = tuple(rng.randint(0, h) for h in half) if rng.random() < 0.5 else (0,) * rank
        roll = rng.random()
        p = "same" if roll < 0.1 else "valid" if roll < 0.15 else p
        ceil = rng.random() < 0.3 and not isinstance(p, str)
        t.s = [t.window_nd(t.s[a], f[a], s[a], p, a, dil[a], ceil) for a in r]
        spec = f"{name}({text_nd(f, rng)},s={text_nd(s, rng)},p={p if isinstance(p, str) else text_nd(p, rng)}"
        if dil != (1,) * rank:
            spec += f",d={text_nd(dil, rng)}"
        return spec + f"{',ceil' if ceil else ''})", (name.lower(), f, s, p, ceil, dil)
    if kind == "bn":
        return "BN", ("bn",)
    if kind == "gap":
        t.s = [1] * rank
        return "GAP", ("gap",)
    if kind == "act":
        act = rng.choice(OLD_ACTS)
        return act, ("act", act)
    if kind == "newact":
        act = rng.choice(NEW_ACTS_ND)
        return act, ("act", act.split("(")[0])
    if kind == "prelu":
        per_channel = rng.random() < 0.5
        return ("PRELU(per_channel)" if per_channel else "PRELU"), ("prelu", per_channel)
    if kind == "upsample":
        mode = rng.choice(["", "", ",nearest", ",bilinear", ",bilinear"])
        how = mode.lstrip(",") or "nearest"
        if rng.random() < 0.65:
            s = sizes(rng, rank, 1, (3,) * rank, 0.6)
            s = tuple(min(s[a], max(1, min(3, lim["grow"][a] // t.s[a]))) for a in r)
            t.s = [t.s[a] * s[a] for a in r]
            return f"UPSAMPLE({text_nd(s, rng)}{mode})", ("upsample", "scale", s, how)
        size = tuple(grow_size_to(rng, t.s[a], lim["grow"][a]) for a in r)
        t.s = list(size)
        return f"UPSAMPLE(size={text_nd(size, rng)}{mode})", ("upsample", "size", size, how)
    if kind == "adaptive":
        name = rng.choice(["ADAPTIVEAVGPOOL", "ADAPTIVEMAXPOOL"])
        size = tuple(grow_size_to(rng, t.s[a], lim["grow"][a]) for a in r)
        if rng.random() < 0.3:
            size = (size[0],) * rank
        t.s = list(size)
        return f"{name}({text_nd(size, rng)})", (name.lower(), size)
    if kind == "layernorm":
        return "LAYERNORM", ("layernorm",)
    if kind == "groupnorm":
        g = groups_for(rng, t.d)
        return f"GROUPNORM({g})", ("groupnorm", g)
    if kind == "instancenorm":
        affine = rng.random() < 0.5
        return ("INSTANCENORM(affine)" if affine else "INSTANCENORM"), ("instancenorm", affine)
    if kind == "scale":
        bias = rng.random() < 0.5
        return ("SCALE(bias)" if bias else "SCALE"), ("scale", bias)
    if kind == "pad":
        if rng.random() < 0.5:
            p = rng.randint(0, 3)
            sides = (p,) * (2 * rank)
            spec = f"PAD({p})"
        else:
            sides = tuple(rng.randint(0, 3) for _ in range(2 * rank))
            spec = f"PAD({','.join(map(str, sides))})"
        t.s = [t.s[a] + sides[2 * a] + sides[2 * a + 1] for a in r]
        return spec, ("pad", sides)
    if kind == "crop":
        size = tuple(rng.randint(1, t.s[a]) for a in r)
        if rng.random() < 0.3:
            size = (min(size),) * rank
        if rng.random() < 0.5:
            t.s = list(size)
            return f"CROP({text_nd(size, rng)})", ("crop", size, None)
        offset = tuple(rng.randint(0, t.s[a] - size[a]) for a in r)
        if rng.random() < 0.3:
            offset = (min(offset),) * rank
        if rng.random() < 0.1:  # past the end: both must reject
            a = rng.randrange(rank)
            offset = offset[:a] + (t.s[a] - size[a] + rng.randint(1, 3),) + offset[a + 1:]
        t.s = list(size)
        return f"CROP({text_nd(size, rng)},o={text_nd(offset, rng)})", ("crop", size, offset)
    if kind == "slice":
        start = rng.randint(0, t.d - 1)
        end = rng.randint(start + 1, t.d)
        t.d = end - start
        return f"SLICE({start},{end})", ("slice", start, end)
    if kind == "shuffle":
        g = groups_for(rng, t.d)
        return f"SHUFFLE({g})", ("shuffle", g)
    raise AssertionError(kind)

def grow_size_to(rng, size, limit):
    """As grow_size, with a limit of the axis's own."""
    if rng.random() < 0.5:
        return rng.randint(1, max(1, size))
    return rng.randint(size, max(size, min(2 * size + 3, limit)))

def random_network_nd(rng, rank):
    lim = ND_LIMITS[rank]
    spatial = tuple(rng.randint(lo, hi) for lo, hi in lim["input"])
    if rank == 3 and rng.random() < 0.5:  # square frames
        spatial = (spatial[0], spatial[0], spatial[2])
    d = rng.randint(*lim["depth"])
    t = TrackerN(spatial, d)
    parts, layers = ["INPUT[" + "x".join(map(str, spatial + (d,))) + "]"], []
    flat = False
    for _ in range(rng.randint(1, 10)):
        spec, layer = random_layer_nd(rng, t, flat, rank)
        flat = layer[0] in ("fc", "flatten")
        parts.append(spec)
        layers.append(layer)
    return parts, layers

class Scale(nn.Module):
    def __init__(self, channels, bias, rank=2):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(channels, *[1] * rank))
        self.bias = nn.Parameter(torch.zeros(channels, *[1] * rank)) if bias else None

    def forward(self, x):
        return x * self.weight if self.bias is None else x * self.weight + self.bias

class ChannelsLastLayerNorm(nn.LayerNorm):
    def forward(self, x):
        return super().forward(x.movedim(1, -1)).movedim(-1, 1)

class Crop(nn.Module):
    def __init__(self, w, h):
        super().__init__()
        self.w, self.h = w, h

    def forward(self, x):
        if self.h > x.shape[2] or self.w > x.shape[3]:  # the generator draws crops within the input
            raise RuntimeError(f"crop {self.w}x{self.h} of a {x.shape[3]}x{x.shape[2]} input")
        top, left = (x.shape[2] - self.h) // 2, (x.shape[3] - self.w) // 2
        return x[:, :, top:top + self.h, left:left + self.w]

class CropN(nn.Module):
    """size (netcalc's order) from the centre, (in - size)//2 on each axis, or from fixed offsets."""

    def __init__(self, size, offset):
        super().__init__()
        self.size, self.offset = size, offset

    def forward(self, x):
        for a, size in enumerate(self.size):
            dim = x.dim() - 1 - a
            start = self.offset[a] if self.offset else (x.shape[dim] - size) // 2
            if size > x.shape[dim] or start + size > x.shape[dim]:
                raise RuntimeError(f"crop {size} from {start} of {x.shape[dim]} along axis {a}")
            x = x.narrow(dim, start, size)
        return x

class Slice(nn.Module):
    def __init__(self, start, end):
        super().__init__()
        self.start, self.end = start, end

    def forward(self, x):
        return x[:, self.start:self.end]

class Linear4d(nn.Linear):
    def forward(self, x):
        return super().forward(x.flatten(1)).reshape(x.shape[0], -1, *[1] * (x.dim() - 2))

class FlattenNd(nn.Module):
    def forward(self, x):
        return x.flatten(1).reshape(x.shape[0], -1, *[1] * (x.dim() - 2))

class TFSame(nn.Module):
    """TensorFlow's SAME before an unpadded window module: output ceil(W/S) on each axis, the padding
    needed split with its smaller half before the input."""

    def __init__(self, inner, f, s, dil, value):
        super().__init__()
        self.inner, self.f, self.s, self.dil, self.value = inner, f, s, dil, value

    def forward(self, x):
        pad = []
        for a, (f, s, d) in enumerate(zip(self.f, self.s, self.dil)):
            size = x.shape[x.dim() - 1 - a]
            total = max(0, (-(-size // s) - 1) * s + d * (f - 1) + 1 - size)
            pad += [total // 2, total - total // 2]
        return self.inner(nn.functional.pad(x, pad, value=self.value))

class DeconvSame(nn.Module):
    """TensorFlow's transposed convolution with SAME padding: output W*S on each axis, the unpadded
    transposed convolution's output cropped from (F-S)//2, or zero-padded at the end when F < S."""

    def __init__(self, c, k, f, s, bias):
        super().__init__()
        self.s = s
        self.deconv = getattr(nn, f"ConvTranspose{len(f)}d")(c, k, rev(f), rev(s), bias=bias)

    def forward(self, x):
        y = self.deconv(x)
        for a, s in enumerate(self.s):
            dim = y.dim() - 1 - a
            want, full = x.shape[dim] * s, y.shape[dim]
            if full >= want:
                y = y.narrow(dim, (full - want) // 2, want)
            else:
                pad = [0] * (2 * (y.dim() - 2))
                pad[2 * a + 1] = want - full
                y = nn.functional.pad(y, pad)
        return y

ACTS = {"RELU": nn.ReLU, "RELU6": nn.ReLU6, "SIGMOID": nn.Sigmoid, "TANH": nn.Tanh, "GELU": nn.GELU,
        "SILU": nn.SiLU, "HARDSWISH": nn.Hardswish, "ELU": nn.ELU, "LEAKYRELU": nn.LeakyReLU,
        "HARDSIGMOID": nn.Hardsigmoid, "MISH": nn.Mish, "SWISH": nn.SiLU, "DROPPATH": nn.Identity,
        "SOFTMAX": lambda: nn.Softmax(dim=1)}

def rev(v):
    """netcalc's per-axis sizes (W, H, T) as PyTorch's (T, H, W); an int stays."""
    return tuple(reversed(v)) if isinstance(v, tuple) else v

def module(layer, x):
    kind, c, rank = layer[0], x.shape[1], x.dim() - 2
    nd = lambda name: getattr(nn, f"{name}{rank}d")
    if kind == "fc":
        return Linear4d(x[0].numel(), layer[1], bias=layer[2])
    if kind == "flatten":
        return FlattenNd()
    if kind == "conv":
        _, k, f, s, p, dil, g, bias = layer
        if isinstance(p, str):
            conv = nd("Conv")(c, k, rev(f), rev(s), 0, rev(dil), g, bias)
            return TFSame(conv, f, s, dil, 0.0) if p == "same" else conv
        return nd("Conv")(c, k, rev(f), rev(s), rev(p), rev(dil), g, bias)
    if kind == "deconv":
        _, k, f, s, p, bias = layer
        if p == "same":
            return DeconvSame(c, k, f, s, bias)
        return nd("ConvTranspose")(c, k, rev(f), rev(s), 0 if p == "valid" else rev(p), bias=bias)
    if kind in ("maxpool", "avgpool"):
        _, f, s, p, ceil = layer[:5]
        dil = layer[5] if len(layer) > 5 else None
        pad = 0 if isinstance(p, str) else rev(p)
        if kind == "avgpool":
            pool = nd("AvgPool")(rev(f), rev(s), pad, ceil_mode=ceil)
        else:
            pool = nd("MaxPool")(rev(f), rev(s), pad, *((rev(dil),) if dil else ()), ceil_mode=ceil)
        if p == "same":
            return TFSame(pool, f, s, dil or (1,) * len(f), float("-inf") if kind == "maxpool" else 0.0)
        return pool
    if kind == "bn":
        return nd("BatchNorm")(c).eval()
    if kind == "gap":
        return nd("AdaptiveAvgPool")(1)
    if kind == "act":
        return ACTS[layer[1]]()
    if kind == "prelu":
        return nn.PReLU(c if layer[1] else 1)
    if kind == "upsample":
        _, how, v, mode = layer
        if mode == "bilinear":
            mode = ["linear", "bilinear", "trilinear"][rank - 1]
        extra = {"align_corners": False} if mode != "nearest" else {}
        if how == "scale":
            return nn.Upsample(scale_factor=tuple(float(a) for a in rev(v)), mode=mode, **extra)
        return nn.Upsample(size=rev(v), mode=mode, **extra)
    if kind == "pixelshuffle":
        return nn.PixelShuffle(layer[1])
    if kind == "adaptiveavgpool":
        return nd("AdaptiveAvgPool")(rev(layer[1]))
    if kind == "adaptivemaxpool":
        return nd("AdaptiveMaxPool")(rev(layer[1]))
    if kind == "layernorm":
        return ChannelsLastLayerNorm(c)
    if kind == "groupnorm":
        return nn.GroupNorm(layer[1], c)
    if kind == "instancenorm":
        return nd("InstanceNorm")(c, affine=layer[1]).eval()
    if kind == "scale":
        return Scale(c, layer[1], rank)
    if kind == "pad":
        return nn.ZeroPad2d(layer[1]) if rank == 2 else nd("ConstantPad")(layer[1], 0.0)
    if kind == "crop":
        return Crop(*layer[1]) if rank == 2 else CropN(*layer[1:])
    if kind == "slice":
        return Slice(layer[1], layer[2])
    if kind == "shuffle":
        return nn.ChannelShuffle(layer[1])
    raise AssertionError(kind)

def reference_macs(m, x, y):
    """MACs by PyTorch's modules, bias left out: a convolution's output values times the weights each
    reads, a transposed convolution's input values times the weights each feeds, a Linear's weights."""
    macs = 0
    for sub in m.modules():
        if isinstance(sub, nn.modules.conv._ConvTransposeNd):
            macs += x.numel() * sub.weight[0].numel()
        elif isinstance(sub, nn.modules.conv._ConvNd):
            macs += y.numel() * sub.weight[0].numel()
        elif isinstance(sub, nn.Linear):
            macs += sub.weight.numel()
    return macs

EMPTY = "empty output"  # PyTorch's answer for an output size of 0: a tensor with no values

def build(layers, input_shape):
    """Every layer's output (netcalc's order: spatial sizes, then depth), params and MACs; or the index of
    the layer PyTorch rejects and why."""
    x = torch.zeros(1, input_shape[-1], *reversed(input_shape[:-1]))
    shapes, params, macs = [], [], []
    for i, layer in enumerate(layers):
        try:
            m = module(layer, x)
            y = m(x)
        except (RuntimeError, ValueError) as e:
            return None, None, None, (i, f"{type(e).__name__}: {str(e).splitlines()[0]}")
        if y.numel() == 0:  # nn.ConvTranspose2d/3d give an output size of 0 where netcalc makes it an error
            return None, None, None, (i, f"{EMPTY}: {list(y.shape)}")
        shapes.append([*reversed(y.shape[2:]), y.shape[1]])
        params.append(sum(p.numel() for p in m.parameters()))
        macs.append(reference_macs(m, x, y))
        x = y
    return shapes, params, macs, None

_windows = {}
def largest_window(kind, size_in, size_out):
    """The largest window PyTorch's adaptive pooling uses along one axis, from pooling one-hot inputs."""
    key = (kind, size_in, size_out)
    if key not in _windows:
        eye = torch.eye(size_in).unsqueeze(0)  # channel c is one at position c
        pool = nn.functional.adaptive_avg_pool1d if kind == "adaptiveavgpool" else nn.functional.adaptive_max_pool1d
        _windows[key] = int((pool(eye, size_out)[0] != 0).sum(0).max())
    return _windows[key]

def pattern(message):
    return re.sub(r"\d+", "N", message)[:110]

def layer_at(parts, column):
    """The index in parts of the layer a 1-based column of the joined spec falls in."""
    start = 0
    for i, part in enumerate(parts):
        if column - 1 < start + len(part) + 4:
            return i
        start += len(part) + 4
    return len(parts) - 1

LAYOUT = "whd"  # --layout: the order the INPUT is written in, and netcalc is told to read and write

def in_layout(sizes, layout):
    """Sizes in netcalc's order (spatial width first, then depth) written in a layout's order."""
    spatial, depth = list(sizes[:-1]), sizes[-1]
    return {"whd": spatial + [depth], "chw": [depth] + spatial[::-1], "hwc": spatial[::-1] + [depth]}[layout]

def from_layout(sizes, layout):
    """The inverse of in_layout: a layout's sizes back in netcalc's order."""
    if layout == "chw":
        return list(sizes[1:])[::-1] + [sizes[0]]
    if layout == "hwc":
        return list(sizes[:-1])[::-1] + [sizes[-1]]
    return list(sizes)

def netcalc(args, spec):
    if LAYOUT != "whd":  # the same network, its INPUT written as PyTorch (chw) or Keras (hwc) writes it
        head, rest = spec.split("]", 1)
        sizes = [int(v) for v in head[len("INPUT["):].split("x")]
        spec = "INPUT[" + "x".join(map(str, in_layout(sizes, LAYOUT))) + "]" + rest
        args = ["--layout", LAYOUT] + args
    return subprocess.run([NETCALC, "--rounding", "floor"] + args + ["-e", spec], capture_output=True, text=True)

def window_rf(layer, before):
    """README's receptive field and jump of a CONV, DWCONV, POOL or DECONV row, from the row before; None
    for other layers."""
    kind = layer[0]
    if kind not in ("conv", "maxpool", "avgpool", "deconv"):
        return None
    rank = len(before["receptiveField"])
    f, s = (layer[1], layer[2]) if kind in ("maxpool", "avgpool") else (layer[2], layer[3])
    if rank == 2 and kind == "conv" and isinstance(layer[5], int):  # the 2-D draws: one dilation
        dil = (layer[5],) * 2
    elif kind in ("maxpool", "avgpool"):
        dil = layer[5] if len(layer) > 5 else (1,) * rank
    elif kind == "conv":
        dil = layer[5]
    rf, jump = [], []
    for a in range(rank):
        r_in, j_in = before["receptiveField"][a], before["jump"][a]
        if kind == "deconv":
            rf.append(r_in + (-(-f[a] // s[a]) - 1) * j_in)
            jump.append(max(1, j_in // s[a]))
        else:
            rf.append(r_in + dil[a] * (f[a] - 1) * j_in)
            jump.append(j_in * s[a])
    return rf, jump

def avgpool3d(parts, torch_error):
    """PyTorch's AvgPool3d (alone of the pools) refuses an input smaller than its window before padding;
    netcalc takes the window on the padded input, as for every other pool and rank."""
    i, why = torch_error
    return parts[i + 1].startswith("AVGPOOL") and "smaller than kernel size" in why

def check(parts, layers):
    """(key, detail): key "agree", "both", "contract" or a disagreement's kind; detail says what differs."""
    spec = " -> ".join(parts)
    result = json.loads(netcalc(["--format", "json"], spec).stdout)
    for network in result["networks"]:
        for row in network["layers"]:
            row["output"] = from_layout(row["output"], LAYOUT)
    input_shape = [int(v) for v in parts[0][6:-1].split("x")]
    shapes, params, macs, torch_error = build(layers, input_shape)
    errors = [e for e in result["errors"] if e["severity"] == "error"]
    if errors:
        first = min(errors, key=lambda e: (e.get("line") or 0, e.get("column") or 0))
        at = layer_at(parts, first["column"]) if first.get("column") else None
        message = f"{parts[at] if at is not None else '?'}: {first['message']}"
        contract = "larger than its padded input" in first["message"] and at is not None and parts[at].endswith(",ceil)")
        if torch_error is None:
            if contract:
                return "contract", message
            return f"only netcalc rejects: {pattern(first['message'])}", f"netcalc: {message}; PyTorch accepts"
        torch_at = torch_error[0] + 1
        if torch_at == at:
            return "empty" if torch_error[1].startswith(EMPTY) else "both", message
        if contract and at < torch_at:
            return "contract", message
        if avgpool3d(parts, torch_error) and (at is None or torch_at < at):
            return "avgpool3d", f"PyTorch at layer {torch_at}: {parts[torch_at]}: {torch_error[1]}; netcalc at layer {at}: {message}"
        first_side = (f"netcalc first: {parts[at].split('(')[0]}: {pattern(first['message'])}" if at is not None and at < torch_at
                      else f"PyTorch first: {parts[torch_at].split('(')[0]}: {pattern(torch_error[1])}")
        return (f"both reject, at different layers, {first_side}",
                f"netcalc at layer {at}: {message}; PyTorch at layer {torch_at}: {parts[torch_at]}: {torch_error[1]}")
    if torch_error is not None:
        i, why = torch_error
        if avgpool3d(parts, torch_error):
            return "avgpool3d", f"PyTorch at layer {i + 1}: {parts[i + 1]}: {why}; netcalc accepts"
        return (f"only PyTorch rejects: {parts[i + 1].split('(')[0]}: {pattern(why)}",
                f"PyTorch at layer {i + 1}: {parts[i + 1]}: {why}; netcalc accepts")
    rows = result["networks"][0]["layers"]
    got_shapes = [r["output"] for r in rows[1:]]
    got_params = [r["params"] for r in rows[1:]]
    for i, (gs, gp, ts, tp) in enumerate(zip(got_shapes, got_params, shapes, params)):
        if gs != ts or gp != tp:
            return (f"mismatch: {parts[i + 1].split('(')[0]}",
                    f"layer {i + 1} {parts[i + 1]}: netcalc {gs} params {gp}, PyTorch {ts} params {tp}")
    if len(got_shapes) != len(shapes):
        return "mismatch: layer count", f"netcalc {len(got_shapes)} layers, PyTorch {len(shapes)}"
    for i, (row, tm) in enumerate(zip(rows[1:], macs)):
        if row["macs"] != tm:
            return (f"MACs: {parts[i + 1].split('(')[0]}",
                    f"layer {i + 1} {parts[i + 1]} on {rows[i]['output']}: netcalc MACs {row['macs']}, PyTorch's modules {tm}")
    for i, (layer, row) in enumerate(zip(layers, rows[1:])):
        before = rows[i]
        if layer[0] in ("adaptiveavgpool", "adaptivemaxpool"):
            want = [before["receptiveField"][a] + (largest_window(layer[0], before["output"][a], row["output"][a]) - 1)
                    * before["jump"][a] for a in range(len(before["receptiveField"]))]
            if row["receptiveField"] != want:
                return (f"rf: {layer[0]}", f"layer {i + 1} {parts[i + 1]} on {before['output']}: netcalc rf "
                        f"{row['receptiveField']}, PyTorch's windows give {want}")
        formula = window_rf(layer, before)
        if formula and (row["receptiveField"], row["jump"]) != formula:
            return (f"rf (README formula): {parts[i + 1].split('(')[0]}",
                    f"layer {i + 1} {parts[i + 1]} after rf {before['receptiveField']} jump {before['jump']}: netcalc rf "
                    f"{row['receptiveField']} jump {row['jump']}, the formula gives rf {formula[0]} jump {formula[1]}")
    # The module netcalc emits must build, run and agree too: its __main__ prints the output and the
    # parameter count, as netcalc's numbers.
    code = netcalc(["--emit", "pytorch"], spec).stdout
    printed = io.StringIO()
    namespace = {"__name__": "__main__"}
    try:
        with contextlib.redirect_stdout(printed):
            exec(compile(code, "<emitted>", "exec"), namespace)
    except Exception as e:  # the emitted code is under test here: anything it raises is a finding
        return f"emit fails: {type(e).__name__}", f"{type(e).__name__}: {e}"
    want = (f"{result['networks'][0]['name']}: output {'x'.join(map(str, got_shapes[-1]))}, "
            f"params {result['networks'][0]['totals']['params']}")
    if printed.getvalue().strip() != want:
        return "emit mismatch", f"emitted module prints {printed.getvalue().strip()!r}; netcalc: {want!r}"
    # Its __main__ runs one image; a batch of two must keep its batch axis (a module that broadcasts its
    # parameters against the batch prints the right sizes for one image and fails or grows for two).
    call = re.search(r'summarize\("[^"]*", (\w+)\(\), \(([\d, ]*)\)\)', code)
    if not call:
        return "emit: no summarize(...) call found", "the batch of two cannot be run"
    try:
        model = namespace[call.group(1)]().eval()
        y = model(torch.zeros(2, *[int(v) for v in call.group(2).replace(" ", "").split(",") if v]))
    except Exception as e:
        return f"emit fails on a batch of 2: {type(e).__name__}", f"{type(e).__name__}: {e}"
    rank = len(input_shape) - 1
    got = [*reversed(y.shape[2:]), y.shape[1]] if y.dim() > 2 else [1] * rank + [y.shape[1]]
    if y.shape[0] != 2 or got != got_shapes[-1]:
        return "emit mismatch on a batch of 2", f"emitted module gives {list(y.shape)} for a batch of 2; netcalc: {got_shapes[-1]}"
    checked = CHECKED.setdefault(len(input_shape) - 1, {})
    for part in parts[1:]:
        checked[part.split("(")[0]] = checked.get(part.split("(")[0], 0) + 1
    return "agree", ""

KNOWN = ("agree", "both", "contract", "avgpool3d", "empty")  # outcomes that are not disagreements
CHECKED = {}  # rank -> layers, by keyword, in the networks that agree (receptive fields and MACs included)

def shrink(parts, layers, key):
    """Drops layers one at a time while the network still shows the same kind of disagreement."""
    changed = True
    while changed:
        changed = False
        for i in range(len(layers) - 1, -1, -1):
            p, l = parts[:i + 1] + parts[i + 2:], layers[:i] + layers[i + 1:]
            if l and check(p, l)[0] == key:
                parts, layers, changed = p, l, True
    return " -> ".join(parts)

def main():
    parser = argparse.ArgumentParser(description="Cross-checks netcalc against PyTorch on random networks.")
    parser.add_argument("count", nargs="?", type=int, default=200, help="networks to draw (200)")
    parser.add_argument("seed", nargs="?", type=int, default=1, help="random seed (1)")
    parser.add_argument("--rank", choices=["1", "2", "3", "all"], default="all",
                        help="draw 1-D, 2-D or 3-D networks only, or a third of each in turn (all, the default)")
    parser.add_argument("--layout", choices=["whd", "chw", "hwc"], default="whd",
                        help="write each INPUT in this order and run netcalc with --layout (whd, the default: "
                             "netcalc's own order, no --layout)")
    args = parser.parse_args()
    global LAYOUT
    LAYOUT = args.layout
    ranks = [1, 2, 3] if args.rank == "all" else [int(args.rank)]
    # Each rank draws from its own generator; the 2-D one is seeded as this script always seeded it.
    rngs = {1: random.Random(f"{args.seed}-1D"), 2: random.Random(args.seed), 3: random.Random(f"{args.seed}-3D")}
    tagged = ranks != [2]  # keys and reports say the rank unless every network is 2-D (the old output)
    tally, found, by_rank = {}, {}, {}
    for n in range(args.count):
        rank = ranks[n % len(ranks)]
        parts, layers = random_network(rngs[2]) if rank == 2 else random_network_nd(rngs[rank], rank)
        key, detail = check(parts, layers)
        counts = by_rank.setdefault(rank, {})
        counts[key if key in KNOWN else "disagree"] = counts.get(key if key in KNOWN else "disagree", 0) + 1
        if key not in KNOWN and tagged:
            key = f"{rank}-D {key}"
        tally[key] = tally.get(key, 0) + 1
        if key in KNOWN:
            continue
        spec = " -> ".join(parts)
        print(f"#{n} {key}\n  spec: {spec}\n  {detail}")
        found.setdefault(key, 0)
        if found[key] < SHRINK_PER_KIND:
            found[key] += 1
            saved = {r: dict(v) for r, v in CHECKED.items()}
            print(f"  shrunk: {shrink(parts, layers, key.split('-D ', 1)[1] if tagged else key)}")
            CHECKED.clear()
            CHECKED.update(saved)
        sys.stdout.flush()
    print(f"{tally.get('agree', 0)} networks agree with PyTorch ({tally.get('both', 0)} rejected by both at the same "
          f"layer, {tally.get('contract', 0)} accepted by PyTorch's ceil_mode but errors in netcalc)")
    if tagged:
        print(f"{tally.get('avgpool3d', 0)} accepted by netcalc but refused by PyTorch's AvgPool3d (its input smaller "
              f"than its window before padding), {tally.get('empty', 0)} errors in netcalc where PyTorch gives an empty "
              f"tensor (a transposed convolution's output size 0)")
        for rank in ranks:
            c = by_rank.get(rank, {})
            print(f"{rank}-D: {sum(c.values())} networks, {c.get('agree', 0)} agree, {c.get('both', 0)} rejected by both, "
                  f"{c.get('contract', 0)} ceil_mode, {c.get('avgpool3d', 0)} AvgPool3d, {c.get('empty', 0)} empty, "
                  f"{c.get('disagree', 0)} disagree")
    merged = {}
    for checked in CHECKED.values():
        for k, v in checked.items():
            merged[k] = merged.get(k, 0) + v
    print("layers checked, by keyword: " + ", ".join(f"{k} {v}" for k, v in sorted(merged.items())))
    if tagged:
        for rank in ranks:
            print(f"  {rank}-D: " + ", ".join(f"{k} {v}" for k, v in sorted(CHECKED.get(rank, {}).items())))
    disagreements = {k: v for k, v in tally.items() if k not in KNOWN}
    print(f"{sum(disagreements.values())} disagreements" + "".join(f"\n  {v:5d}  {k}" for k, v in sorted(disagreements.items())))
    sys.exit(1 if disagreements else 0)

if __name__ == "__main__":
    main()
