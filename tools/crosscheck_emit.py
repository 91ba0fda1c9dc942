#!/usr/bin/env python3
"""Checks the module `netcalc --emit pytorch` writes against netcalc's own numbers: for every spec in
specs/ (or the files given), and for random specs built from parametric blocks, the module must run in
PyTorch and its __main__ must print, for each network, netcalc's output volume and parameter count.

Not part of CI (it needs torch; the Swift tests run the same check over specs/ when torch imports):
run by hand after `swift build -c release`:

  python3 tools/crosscheck_emit.py                  every spec in specs/
  python3 tools/crosscheck_emit.py FILE ...         those files (specs or Caffe prototxts)
  python3 tools/crosscheck_emit.py --random N SEED  N random block specs

A random spec defines two to four blocks with zero to three parameters, each a chain of convolutions
(the channels, the kernel, the stride and the padding taken from the parameters: `CONV(2*c,k,s=s,p=(k-1)/2)`,
`p=same`), depthwise convolutions, pools (floor and ceil), batch norms, activations, repetitions whose count
is a parameter (`[unit(c)]*n`), merges (ADD of two transformed branches, CONCAT(ID | ...) that grows the
channels, MUL by a squeeze-and-excitation branch of 1x1 convolutions or of linear layers), linear layers
followed by layers that need four dimensions again, and uses of the blocks defined before it; then one or
two networks use them with random arguments. Specs netcalc rejects (a size that does not fit) are
counted apart. The exit status is 1 if any module fails or disagrees.
"""
import contextlib, glob, io, json, os, random, subprocess, sys, warnings

NETCALC = ".build/release/netcalc"
warnings.filterwarnings("ignore")


def netcalc(args, stdin=None):
    return subprocess.run([NETCALC] + args, capture_output=True, text=True, input=stdin)


def expected(report):
    """The lines the emitted __main__ must print, from netcalc's JSON report."""
    return [f"{n['name']}: output {'x'.join(map(str, n['layers'][-1]['output']))}, params {n['totals']['params']}"
            for n in report["networks"]]


def run_module(code):
    """The lines the module's __main__ prints, or the exception it raises."""
    import torch  # noqa: F401  (imported once, before the first module)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(code, "<emitted>", "exec"), {"__name__": "__main__"})
    return printed.getvalue().strip().splitlines()


def check(args, stdin=None):
    """("agree" | "rejected" | a failure's kind, detail) for one input."""
    report = json.loads(netcalc(["--format", "json"] + args, stdin).stdout)
    if report["errors"] or not report["networks"]:
        return "rejected", (report["errors"] or [{"message": "no network"}])[0]["message"]
    code = netcalc(["--emit", "pytorch"] + args, stdin).stdout
    try:
        got = run_module(code)
    except Exception as e:  # the emitted code is under test: anything it raises is a finding
        return f"fails: {type(e).__name__}", f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"
    want = expected(report)
    return ("agree", "") if got == want else ("disagrees", f"module prints {got}; netcalc: {want}")


# MARK: Random block specs

def random_block(rng, name, earlier):
    """A block definition: its text and its parameters."""
    params = rng.sample(["c", "k", "s", "n", "w", "m"], rng.randint(0, 3))
    c = "c" if "c" in params else str(rng.choice([4, 8, 12]))
    k = "k" if "k" in params else str(rng.choice([1, 3, 5]))
    s = "s" if "s" in params else str(rng.choice([1, 1, 2]))
    n = "n" if "n" in params else str(rng.choice([1, 2, 3]))
    parts = []
    for _ in range(rng.randint(1, 5)):
        kind = rng.choice(["conv", "conv", "dw", "bn", "act", "pool", "add", "concat", "se", "fc", "rep", "use"])
        if kind == "conv":
            pad = rng.choice([f"p=({k}-1)/2", "p=same", "p1", "p0"]) if k != "1" else "p0"
            parts.append(f"CONV({rng.choice([c, f'2*{c}', f'{c}+4'])},{k},s={s},{pad}{rng.choice(['', ',nobias'])})")
        elif kind == "dw":
            parts.append(f"DWCONV(3,s={s},p1,nobias)")
        elif kind == "bn":
            parts.append("BN")
        elif kind == "act":
            parts.append(rng.choice(["RELU", "SILU", "HARDSWISH", "SIGMOID"]))
        elif kind == "pool":
            parts.append(rng.choice(["POOL(3,s2,p1)", "POOL(2)", "POOL(3,s2,ceil)", "AVGPOOL(3,s1,p1)"]))
        elif kind == "add":
            parts.append(f"ADD(CONV({c},1) | CONV({c},3,p1) -> BN)")
        elif kind == "concat":
            parts.append(f"CONCAT(ID | CONV({c},3,p1) -> RELU)")
        elif kind == "se":
            inner = rng.choice([f"GAP -> CONV({c},1) -> RELU -> CONV({c},1) -> SIGMOID",
                                f"GAP -> FC({c}) -> RELU -> FC({c}) -> SIGMOID"])
            parts.append(f"CONV({c},1) -> MUL(ID | {inner})")
        elif kind == "fc":
            parts.append(f"GAP -> FC({c}) -> RELU -> {rng.choice(['BN', 'CONV(' + c + ',1)', 'FC(' + c + ')'])}")
        elif kind == "rep":
            parts.append(f"[{rng.choice([f'CONV({c},3,p1) -> RELU', f'CONCAT(ID | CONV({c},1))', 'BN -> RELU'])}]*{n}")
        elif kind == "use" and earlier:
            other, arity = rng.choice(earlier)
            args = [rng.choice([c, k, s, n, "2", "1", f"{c}*2"]) for _ in range(arity)]
            parts.append(f"{other}({', '.join(args)})" if arity else other)
    if not parts:
        parts = ["RELU"]
    header = f"{name}({', '.join(params)})" if params else name
    return f"{header} = {' -> '.join(parts)}", params


def random_spec(rng):
    lines = ["@rounding floor"]
    blocks = []
    for index in range(rng.randint(2, 4)):
        name = f"b{index}"
        text, params = random_block(rng, name, blocks)
        lines.append(text)
        blocks.append((name, len(params)))
    for net in range(rng.randint(1, 2)):
        chain = [f"INPUT[{rng.randint(24, 64)}x{rng.randint(24, 64)}x{rng.randint(1, 8)}]"]
        for _ in range(rng.randint(1, 6)):
            name, arity = rng.choice(blocks)
            args = [str(rng.choice([1, 2, 3, 4, 8])) for _ in range(arity)]
            use = f"{name}({', '.join(args)})" if arity else name
            chain.append(rng.choice([use, use, f"[{use}]*{rng.randint(2, 3)}", "CONV(8,3,p1)", "RELU"]))
        lines.append(f"net{net} = " + " -> ".join(chain))
    return "\n".join(lines) + "\n"


def main():
    args = sys.argv[1:]
    tally, shown = {}, 0
    if args[:1] == ["--random"]:
        count = int(args[1]) if len(args) > 1 else 200
        rng = random.Random(int(args[2]) if len(args) > 2 else 1)
        cases = [("random", random_spec(rng)) for _ in range(count)]
    else:
        cases = [(path, None) for path in (args or sorted(glob.glob("specs/*.net")))]
    for number, (label, text) in enumerate(cases):
        key, detail = check(["-"], text) if text is not None else check([label])
        tally[key] = tally.get(key, 0) + 1
        if key not in ("agree", "rejected"):
            print(f"#{number} {label}: {key}: {detail}")
            if text is not None and shown < 5:
                shown += 1
                print("  spec:\n    " + text.strip().replace("\n", "\n    "))
            sys.stdout.flush()
    agree = tally.get("agree", 0)
    print(f"{agree} of {len(cases) - tally.get('rejected', 0)} inputs netcalc accepts: the emitted module prints "
          f"netcalc's output and parameter count ({tally.get('rejected', 0)} rejected by netcalc)")
    failures = {k: v for k, v in tally.items() if k not in ("agree", "rejected")}
    for key, value in sorted(failures.items()):
        print(f"  {value:5d}  {key}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
