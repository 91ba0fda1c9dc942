#!/usr/bin/env python3
"""Cross-checks netcalc against PyTorch on random chains of layers, and the module `--emit pytorch` writes
for each chain against netcalc's output shape and parameter count.

Not part of CI (it needs torch): run by hand with `python3 tools/crosscheck_pytorch.py [COUNT] [SEED]`
after `swift build -c release`. Each random network is analyzed with `--rounding floor --format json`,
then built in PyTorch and run on a zero input; every layer's output shape and parameter count must agree,
and the module `--emit pytorch` writes for it must run and print netcalc's output and parameter count.

What it draws (a chain of 1 to 12 layers on an INPUT of 8..96 x 8..96 x 1..16), each layer next to the
PyTorch module it is checked against:
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
A network netcalc rejects (JSON `errors` non-empty) must make PyTorch raise, at the same layer, and the
other way round; the one known exception (a `ceil` pool whose window is larger than its padded input:
PyTorch's ceil_mode accepts it, netcalc makes it an error) is counted apart. For ADAPTIVE*POOL layers
the receptive field is checked too: rf = rf_in + (largest window - 1)*jump_in, the windows taken from
PyTorch's own adaptive pooling of one-hot inputs. Every disagreement is printed with its spec (and, for
the first few of each kind, a shrunk spec that still shows it); the exit status is 1 if there was any.
"""
import contextlib, io, json, random, re, subprocess, sys, warnings
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

class Scale(nn.Module):
    def __init__(self, channels, bias):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(channels, 1, 1))
        self.bias = nn.Parameter(torch.zeros(channels, 1, 1)) if bias else None

    def forward(self, x):
        return x * self.weight if self.bias is None else x * self.weight + self.bias

class ChannelsLastLayerNorm(nn.LayerNorm):
    def forward(self, x):
        return super().forward(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)

class Crop(nn.Module):
    def __init__(self, w, h):
        super().__init__()
        self.w, self.h = w, h

    def forward(self, x):
        if self.h > x.shape[2] or self.w > x.shape[3]:  # the generator draws crops within the input
            raise RuntimeError(f"crop {self.w}x{self.h} of a {x.shape[3]}x{x.shape[2]} input")
        top, left = (x.shape[2] - self.h) // 2, (x.shape[3] - self.w) // 2
        return x[:, :, top:top + self.h, left:left + self.w]

class Slice(nn.Module):
    def __init__(self, start, end):
        super().__init__()
        self.start, self.end = start, end

    def forward(self, x):
        return x[:, self.start:self.end]

class Linear4d(nn.Linear):
    def forward(self, x):
        return super().forward(x.flatten(1)).reshape(x.shape[0], -1, 1, 1)

ACTS = {"RELU": nn.ReLU, "RELU6": nn.ReLU6, "SIGMOID": nn.Sigmoid, "TANH": nn.Tanh, "GELU": nn.GELU,
        "SILU": nn.SiLU, "HARDSWISH": nn.Hardswish, "ELU": nn.ELU, "LEAKYRELU": nn.LeakyReLU,
        "HARDSIGMOID": nn.Hardsigmoid, "MISH": nn.Mish, "SWISH": nn.SiLU, "DROPPATH": nn.Identity}

def module(layer, x):
    kind, c = layer[0], x.shape[1]
    if kind == "fc":
        return Linear4d(x[0].numel(), layer[1], bias=layer[2])
    if kind == "conv":
        _, k, f, s, p, dil, g, bias = layer
        return nn.Conv2d(c, k, (f[1], f[0]), (s[1], s[0]), (p[1], p[0]), dil, g, bias)
    if kind in ("maxpool", "avgpool"):
        _, f, s, p, ceil = layer
        cls = nn.MaxPool2d if kind == "maxpool" else nn.AvgPool2d
        return cls((f[1], f[0]), (s[1], s[0]), (p[1], p[0]), ceil_mode=ceil)
    if kind == "bn":
        return nn.BatchNorm2d(c).eval()
    if kind == "gap":
        return nn.AdaptiveAvgPool2d(1)
    if kind == "act":
        return ACTS[layer[1]]()
    if kind == "prelu":
        return nn.PReLU(c if layer[1] else 1)
    if kind == "upsample":
        _, how, v, mode = layer
        extra = {"align_corners": False} if mode == "bilinear" else {}
        if how == "scale":
            return nn.Upsample(scale_factor=(float(v[1]), float(v[0])), mode=mode, **extra)
        return nn.Upsample(size=(v[1], v[0]), mode=mode, **extra)
    if kind == "pixelshuffle":
        return nn.PixelShuffle(layer[1])
    if kind == "adaptiveavgpool":
        return nn.AdaptiveAvgPool2d((layer[1][1], layer[1][0]))
    if kind == "adaptivemaxpool":
        return nn.AdaptiveMaxPool2d((layer[1][1], layer[1][0]))
    if kind == "layernorm":
        return ChannelsLastLayerNorm(c)
    if kind == "groupnorm":
        return nn.GroupNorm(layer[1], c)
    if kind == "instancenorm":
        return nn.InstanceNorm2d(c, affine=layer[1]).eval()
    if kind == "scale":
        return Scale(c, layer[1])
    if kind == "pad":
        return nn.ZeroPad2d(layer[1])
    if kind == "crop":
        return Crop(*layer[1])
    if kind == "slice":
        return Slice(layer[1], layer[2])
    if kind == "shuffle":
        return nn.ChannelShuffle(layer[1])
    raise AssertionError(kind)

def build(layers, input_shape):
    """Every layer's output [W, H, D] and params; or the index of the layer PyTorch rejects and why."""
    x = torch.zeros(1, input_shape[2], input_shape[1], input_shape[0])
    shapes, params = [], []
    for i, layer in enumerate(layers):
        try:
            m = module(layer, x)
            x = m(x)
        except (RuntimeError, ValueError) as e:
            return None, None, (i, f"{type(e).__name__}: {str(e).splitlines()[0]}")
        shapes.append([x.shape[3], x.shape[2], x.shape[1]])
        params.append(sum(p.numel() for p in m.parameters()))
    return shapes, params, None

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

def netcalc(args, spec):
    return subprocess.run([NETCALC, "--rounding", "floor"] + args + ["-e", spec], capture_output=True, text=True)

def check(parts, layers):
    """(key, detail): key "agree", "both", "contract" or a disagreement's kind; detail says what differs."""
    spec = " -> ".join(parts)
    result = json.loads(netcalc(["--format", "json"], spec).stdout)
    input_shape = [int(v) for v in parts[0][6:-1].split("x")]
    shapes, params, torch_error = build(layers, input_shape)
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
            return "both", message
        if contract and at < torch_at:
            return "contract", message
        first_side = (f"netcalc first: {parts[at].split('(')[0]}: {pattern(first['message'])}" if at is not None and at < torch_at
                      else f"PyTorch first: {parts[torch_at].split('(')[0]}: {pattern(torch_error[1])}")
        return (f"both reject, at different layers, {first_side}",
                f"netcalc at layer {at}: {message}; PyTorch at layer {torch_at}: {parts[torch_at]}: {torch_error[1]}")
    if torch_error is not None:
        i, why = torch_error
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
    for i, (layer, row) in enumerate(zip(layers, rows[1:])):
        if layer[0] in ("adaptiveavgpool", "adaptivemaxpool"):
            before = rows[i]
            want = [before["receptiveField"][a] + (largest_window(layer[0], before["output"][a], row["output"][a]) - 1)
                    * before["jump"][a] for a in (0, 1)]
            if row["receptiveField"] != want:
                return (f"rf: {layer[0]}", f"layer {i + 1} {parts[i + 1]} on {before['output']}: netcalc rf "
                        f"{row['receptiveField']}, PyTorch's windows give {want}")
    # The module netcalc emits must build, run and agree too: its __main__ prints the output and the
    # parameter count, as netcalc's numbers.
    code = netcalc(["--emit", "pytorch"], spec).stdout
    printed = io.StringIO()
    try:
        with contextlib.redirect_stdout(printed):
            exec(compile(code, "<emitted>", "exec"), {"__name__": "__main__"})
    except Exception as e:  # the emitted code is under test here: anything it raises is a finding
        return f"emit fails: {type(e).__name__}", f"{type(e).__name__}: {e}"
    want = (f"{result['networks'][0]['name']}: output {'x'.join(map(str, got_shapes[-1]))}, "
            f"params {result['networks'][0]['totals']['params']}")
    if printed.getvalue().strip() != want:
        return "emit mismatch", f"emitted module prints {printed.getvalue().strip()!r}; netcalc: {want!r}"
    for part in parts[1:]:
        CHECKED[part.split("(")[0]] = CHECKED.get(part.split("(")[0], 0) + 1
    return "agree", ""

CHECKED = {}  # layers, by keyword, in the networks that agree (ADAPTIVE*POOL's receptive fields included)

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
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    rng = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 1)
    tally, found = {}, {}
    for n in range(count):
        parts, layers = random_network(rng)
        key, detail = check(parts, layers)
        tally[key] = tally.get(key, 0) + 1
        if key in ("agree", "both", "contract"):
            continue
        spec = " -> ".join(parts)
        print(f"#{n} {key}\n  spec: {spec}\n  {detail}")
        found.setdefault(key, 0)
        if found[key] < SHRINK_PER_KIND:
            found[key] += 1
            saved = dict(CHECKED)
            print(f"  shrunk: {shrink(parts, layers, key)}")
            CHECKED.clear()
            CHECKED.update(saved)
        sys.stdout.flush()
    print(f"{tally.get('agree', 0)} networks agree with PyTorch ({tally.get('both', 0)} rejected by both at the same "
          f"layer, {tally.get('contract', 0)} accepted by PyTorch's ceil_mode but errors in netcalc)")
    print("layers checked, by keyword: " + ", ".join(f"{k} {v}" for k, v in sorted(CHECKED.items())))
    disagreements = {k: v for k, v in tally.items() if k not in ("agree", "both", "contract")}
    print(f"{sum(disagreements.values())} disagreements" + "".join(f"\n  {v:5d}  {k}" for k, v in sorted(disagreements.items())))
    sys.exit(1 if disagreements else 0)

if __name__ == "__main__":
    main()
