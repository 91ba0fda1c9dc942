#!/usr/bin/env python3
"""Prints every convolution, transposed convolution and Linear row of one zoo model, as PyTorch runs it, in
netcalc's order and units, so it can be diffed against netcalc's conv/dwconv/deconv/fc rows.

    python3 tools/zoo_torch_table.py NAME [--input WxH...xC] [--tsv]

NAME is a spec name (specs/NAME.net); the model is built as tools/crosscheck_zoo.py builds it. The input
size is the first INPUT[...] of specs/NAME.net (INPUT[N] is 1x1xN; two sizes are a 1-D input L x C, three a
2-D one W x H x D, four a 3-D one W x H x T x C), or --input. netcalc itself is not run. Each row: its number,
the output in netcalc's order (spatial axes reversed from PyTorch's, channels last), params, MACs (bias
excluded), and the PyTorch module's name and kind; then the totals. --tsv prints output, params and MACs
alone, tab-separated, one row a line: the same three columns as

    netcalc --format json specs/NAME.net | python3 -c 'import json,sys; [print("x".join(map(str, r["output"])),
        r["params"], r["macs"], sep="\\t") for r in json.load(sys.stdin)["networks"][0]["layers"]
        if r["op"] in ("conv", "dwconv", "deconv", "fc")]'
"""
import argparse, os, re, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import crosscheck_zoo as zoo  # noqa: E402

def spec_input(name):
    """The first INPUT[...] size of specs/NAME.net, comments skipped, as netcalc's shape list."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    try:
        with open(os.path.join(root, "specs", f"{name}.net"), encoding="utf-8") as f:
            text = "\n".join(line.split("#")[0] for line in f)
    except OSError as error:
        sys.exit(f"cannot read specs/{name}.net ({error.strerror}); give --input")
    m = re.search(r"INPUT\s*\[([^\]]*)\]", text, re.I)
    if not m:
        sys.exit(f"specs/{name}.net has no INPUT[...]; give --input")
    return parse_size(m.group(1))

def parse_size(text):
    sizes = [int(v) for v in re.split(r"\s*[xX]\s*", text.strip())]
    return [1, 1] + sizes if len(sizes) == 1 else sizes

def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("name")
    parser.add_argument("--input", help="the input size, as the spec writes it (16000x1, 224x224x3, 112x112x16x3)")
    parser.add_argument("--tsv", action="store_true", help="output, params and MACs only, tab-separated")
    args = parser.parse_args()
    shape = parse_size(args.input) if args.input else spec_input(args.name)
    model = zoo.build(args.name)
    rows = zoo.named_torch_layers(model, shape, zoo.RUN_LAST.get(args.name, ()))
    modules = dict(model.named_modules())
    if args.tsv:
        for name, (out, params, macs) in rows:
            print("x".join(map(str, out)), params, macs, sep="\t")
        return
    print(f"{args.name}: input {'x'.join(map(str, shape))}, {len(rows)} conv/deconv/fc rows (PyTorch {zoo.torch.__version__})")
    print(f"{'#':>4}  {'output':<16} {'params':>12} {'MACs':>18}  module")
    for i, (name, (out, params, macs)) in enumerate(rows, 1):
        module = modules[name]
        kind = type(module).__name__
        detail = (f"{kind}({module.in_channels}, {module.out_channels}, k={tuple(module.kernel_size)}, "
                  f"s={tuple(module.stride)}, p={tuple(module.padding)}"
                  + (f", d={tuple(module.dilation)}" if any(d != 1 for d in module.dilation) else "")
                  + (f", g={module.groups}" if module.groups != 1 else "")
                  + (", bias" if module.bias is not None else "") + ")"
                  if hasattr(module, "kernel_size") else
                  f"{kind}({module.in_features}, {module.out_features}{', bias' if module.bias is not None else ''})")
        print(f"{i:>4}  {'x'.join(map(str, out)):<16} {params:>12,} {macs:>18,}  {name}: {detail}")
    total = sum(p.numel() for p in model.parameters())
    print(f"params {total:,} (conv/deconv/fc rows {sum(r[1][1] for r in rows):,}); "
          f"non-trainable {zoo.non_trainable(model):,}; MACs {sum(r[1][2] for r in rows):,}; "
          f"output {'x'.join(map(str, zoo.final_output(model, shape)))}")

if __name__ == "__main__":
    main()
