#!/usr/bin/env python3
"""Cross-checks netcalc against PyTorch on random chains of CONV/POOL/FC/BN/activation layers, and the
module `--emit pytorch` writes for each chain against netcalc's output shape and parameter count.

Not part of CI (it needs torch): run by hand with `python3 tools/crosscheck_pytorch.py [COUNT] [SEED]`
after `swift build -c release`. Each random network is analyzed with `--rounding floor --format json`
(pools sometimes tagged `ceil`, checked against `ceil_mode=True`), then built in PyTorch and run on a
zero input; every layer's output shape and every layer's parameter count must agree.
"""
import json, random, subprocess, sys
import torch
import torch.nn as nn

NETCALC = ".build/release/netcalc"

def pair(rng, low, high, square_bias=0.7):
    a = rng.randint(low, high)
    return (a, a) if rng.random() < square_bias else (a, rng.randint(low, high))

def text(p):  # (width, height) -> "3" or "3x5"
    return str(p[0]) if p[0] == p[1] else f"{p[0]}x{p[1]}"

def random_network(rng):
    w, h = pair(rng, 8, 96)
    d = rng.randint(1, 16)
    spec = [f"INPUT[{w}x{h}x{d}]"]
    torch_layers = []  # (module or None, flatten-before)
    flat = False
    for _ in range(rng.randint(1, 10)):
        choice = rng.random()
        if flat or choice < 0.12:
            k = rng.randint(1, 64)
            bias = rng.random() < 0.8
            spec.append(f"FC({k}{'' if bias else ',nobias'})")
            torch_layers.append(("fc", k, bias))
            flat = True
            continue
        if choice < 0.5:
            k = rng.randint(1, 32)
            f = pair(rng, 1, 7)
            s = pair(rng, 1, 3)
            p = (rng.randint(0, f[0] // 2), rng.randint(0, f[1] // 2))
            p = (p[0], p[0]) if rng.random() < 0.7 else p
            dil = rng.choice([1, 1, 1, 2])
            groups = rng.choice([g for g in (1, 2, 4) if d % g == 0 and k * g % g == 0])
            k = k * groups
            bias = rng.random() < 0.8
            spec.append(f"CONV({k},{text(f)},s={text(s)},p={text(p)},d{dil},g{groups}{'' if bias else ',nobias'})")
            torch_layers.append(("conv", d, k, f, s, p, dil, groups, bias))
            d = k
        elif choice < 0.7:
            f = pair(rng, 1, 4)
            s = pair(rng, 1, 3) if rng.random() < 0.5 else f
            p = (rng.randint(0, f[0] // 2), rng.randint(0, f[1] // 2))
            ceil = rng.random() < 0.3
            kind = rng.choice(["MAXPOOL", "AVGPOOL"])
            spec.append(f"{kind}({text(f)},s={text(s)},p={text(p)}{',ceil' if ceil else ''})")
            torch_layers.append((kind.lower(), f, s, p, ceil))
        elif choice < 0.8:
            spec.append("BN")
            torch_layers.append(("bn", d))
        elif choice < 0.85:
            spec.append("GAP")
            torch_layers.append(("gap",))
        else:
            act = rng.choice(["RELU", "RELU6", "SIGMOID", "TANH", "GELU", "SILU", "HARDSWISH", "ELU", "LEAKYRELU"])
            spec.append(act)
            torch_layers.append(("act", act))
    return " -> ".join(spec), (d, torch_layers)

def build(input_depth, layers, input_shape):
    mods = []
    x = torch.zeros(1, input_shape[2], input_shape[1], input_shape[0])
    torch.set_grad_enabled(False)
    shapes, params = [], []
    for layer in layers:
        kind = layer[0]
        if kind == "fc":
            x = x.flatten(1)
            m = nn.Linear(x.shape[1], layer[1], bias=layer[2])
        elif kind == "conv":
            _, din, k, f, s, p, dil, g, bias = layer
            m = nn.Conv2d(x.shape[1], k, (f[1], f[0]), (s[1], s[0]), (p[1], p[0]), dil, g, bias)
        elif kind in ("maxpool", "avgpool"):
            _, f, s, p, ceil = layer
            cls = nn.MaxPool2d if kind == "maxpool" else nn.AvgPool2d
            m = cls((f[1], f[0]), (s[1], s[0]), (p[1], p[0]), ceil_mode=ceil)
        elif kind == "bn":
            m = nn.BatchNorm2d(x.shape[1]).eval()
        elif kind == "gap":
            m = nn.AdaptiveAvgPool2d(1)
        else:
            m = nn.ReLU()
        x = m(x)
        out = list(x.shape)
        shapes.append([out[3], out[2], out[1]] if len(out) == 4 else [1, 1, out[1]])
        params.append(sum(t.numel() for t in m.parameters()))
    return shapes, params

def main():
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    rng = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 1)
    checked = skipped = contract = 0
    for n in range(count):
        spec, (_, layers) = random_network(rng)
        run = subprocess.run([NETCALC, "--rounding", "floor", "--format", "json", "-e", spec],
                             capture_output=True, text=True)
        result = json.loads(run.stdout)
        input_shape = [int(v) for v in spec[6:spec.index("]")].split("x")]
        try:
            shapes, params = build(input_shape[2], layers, input_shape)
            torch_ok = True
        except RuntimeError:
            torch_ok = False
        if not result["networks"]:
            if torch_ok and "larger than its padded input" in run.stderr and ",ceil)" in spec:
                # PyTorch's ceil_mode lets a window hang past a too-small input; DESIGN.md makes that an error.
                contract += 1
                continue
            if torch_ok:
                print("netcalc rejected a network PyTorch accepts:", spec, run.stderr, sep="\n")
                sys.exit(1)
            skipped += 1
            continue
        if not torch_ok:
            print("PyTorch rejected a network netcalc accepts:", spec, sep="\n")
            sys.exit(1)
        rows = result["networks"][0]["layers"][1:]
        got_shapes = [r["output"] for r in rows]
        got_params = [r["params"] for r in rows]
        if got_shapes != shapes or got_params != params:
            print("MISMATCH:", spec, "netcalc:", got_shapes, got_params, "torch:", shapes, params, sep="\n")
            sys.exit(1)
        # The module netcalc emits must build, run and agree too.
        code = subprocess.run([NETCALC, "--rounding", "floor", "--emit", "pytorch", "-e", spec],
                              capture_output=True, text=True).stdout
        scope = {"__name__": "emitted"}
        exec(code, scope)
        model = next(v for k, v in scope.items() if k.startswith("Net_"))().eval()
        with torch.no_grad():
            y = model(torch.zeros(1, input_shape[2], input_shape[1], input_shape[0]))
        if [y.shape[3], y.shape[2], y.shape[1]] != got_shapes[-1] or \
                sum(p.numel() for p in model.parameters()) != result["networks"][0]["totals"]["params"]:
            print("EMIT MISMATCH:", spec, list(y.shape), got_shapes[-1], sep="\n")
            sys.exit(1)
        checked += 1
    print(f"{checked} networks agree with PyTorch ({skipped} rejected by both, "
          f"{contract} accepted by PyTorch's ceil_mode but errors by DESIGN.md)")

if __name__ == "__main__":
    main()
