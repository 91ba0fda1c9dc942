#!/usr/bin/env python3
"""Measures what PyTorch really spends on memory, for issue 22's framework memory model: per network and batch,
the bytes autograd keeps between forward and backward.

Not part of CI (it needs torch and torchvision). Run: `python3 tools/crosscheck_memory.py [NAME ...] [--batches 1,4,8]`,
or `python3 tools/crosscheck_memory.py NAME --layers` for what each leaf module keeps at batch 1.

- kept: every tensor autograd saves for backward, caught with torch.autograd.graph.saved_tensors_hooks during
  the forward pass, counted once per storage (in-place layers share their input's storage; a parameter or
  buffer saved by a layer is the model's, not an activation, and is left out), in bytes.
- training peak: one step of SGD with momentum (forward, cross-entropy loss, backward, optimizer step) after a
  first step, gradients set to None before it; the CPU allocator's own events ([memory] records of
  torch.profiler with profile_memory=True, one per allocation and free with its signed size) summed in time
  order give the most bytes held above what was alive before the step (weights, momentum, the input batch).
  With --shim the same figure comes from the C heap's own count (tools/alloc_peak.c, preloaded; the script
  builds it with gcc and runs itself again), for networks whose profiler records outgrow the machine (U-Net at 8).
- inference peak: one forward pass in eval mode under torch.no_grad(), measured the same way, plus weights,
  buffers and the input.
netcalc's figures come from `netcalc --format json --memory pytorch --batch B specs/NAME.net` (keptBytes,
trainingPeakBytes, inferencePeakBytes). The bars are the issue's: kept within 0.5%, training peak within 5%,
inference peak within 10%. Exit status 1 when a figure is outside its bar.
"""
import json, os, subprocess, sys
import torch
import torchvision.models as tvm
import contextlib

# --amp: mixed precision, PyTorch's autocast on CPU (bfloat16, the CPU's half type; netcalc's --amp counts
# 2-byte activations, as fp16 on a GPU). Set from the command line below.
AMP = False

def autocast():
    return torch.autocast("cpu", dtype=torch.bfloat16) if AMP else contextlib.nullcontext()

NETCALC = os.environ.get("NETCALC", ".build/release/netcalc")
SIZES = {"unet": (1, 572, 572)}

def build(name):
    if name == "unet":
        sys.path.insert(0, "tools")
        from crosscheck_zoo import UNet
        return UNet()
    return getattr(tvm, name)(weights=None)

def model_storages(model):
    """The storages of the model's own tensors: parameters and buffers (batch norm's running statistics), which
    a layer may save for its backward but which are the model's, counted with its weights."""
    return {t.untyped_storage().data_ptr() for t in list(model.parameters()) + list(model.buffers())}

def kept_bytes(model, x):
    """Bytes autograd saves during the forward pass, once per storage, the model's parameters and buffers left out."""
    parameters = model_storages(model)
    storages = {}
    def pack(tensor):
        storage = tensor.untyped_storage()
        pointer = storage.data_ptr()
        if pointer not in parameters:
            storages[pointer] = max(storages.get(pointer, 0), storage.nbytes())
        return tensor
    with autocast(), torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        out = model(x)
    return sum(storages.values()), out

# --shim: the C heap's own count (tools/alloc_peak.c, preloaded) instead of the profiler's events; the same
# figure, without the profiler's records of every allocation, which for U-Net at batch 8 outgrow 23 GiB.
SHIM = None

def start_shim():
    """Builds tools/alloc_peak.c and runs this script again with it preloaded, once; returns its functions."""
    import ctypes
    library = "/tmp/netcalc_alloc_peak.so"
    if os.environ.get("LD_PRELOAD") != library:
        subprocess.run(["gcc", "-O2", "-shared", "-fPIC", "-o", library, "tools/alloc_peak.c"], check=True)
        os.execve(sys.executable, [sys.executable] + sys.argv, dict(os.environ, LD_PRELOAD=library))
    shim = ctypes.CDLL(library)
    shim.alloc_peak_live.restype = shim.alloc_peak_peak.restype = ctypes.c_longlong
    return shim

def allocator_peak(run):
    """The most bytes the CPU allocator holds while `run()` goes, above what it held before, and where: the
    allocator's own events ([memory] in torch.profiler's records, one per allocation and free, each with its
    signed size), summed in time order. Blocks allocated before the profiler started are live throughout
    (their frees are not reported), so callers add what they know is alive before."""
    if SHIM is not None:
        SHIM.alloc_peak_reset()
        before = SHIM.alloc_peak_live()
        run()
        return SHIM.alloc_peak_peak() - before, SHIM.alloc_peak_live() - before, "(not known with --shim)"
    from torch.profiler import profile, ProfilerActivity
    with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof:
        run()
    events = prof.profiler.kineto_results.events()
    memory = sorted((e for e in events if e.name() == "[memory]"), key=lambda e: e.start_ns())
    live = peak = 0
    when = None
    for event in memory:
        live += event.nbytes()
        if live > peak:
            peak, when = live, event.start_ns()
    ops = sorted((e for e in events if e.name() != "[memory]" and when is not None and e.start_ns() <= when <= e.end_ns()
                  and not e.name().startswith("[")), key=lambda e: e.start_ns())
    where = next((e.name() for e in ops if "Backward" in e.name() and not e.name().startswith("autograd::")),
                 ops[0].name() if ops else "")
    return peak, live, where

def loss_of(name, out):
    """Cross-entropy on the logits, per pixel for U-Net's map: small beside the activations either way."""
    if out.dim() == 4:
        target = torch.zeros(out.shape[0], *out.shape[2:], dtype=torch.long)
    else:
        target = torch.zeros(out.shape[0], dtype=torch.long)
    return torch.nn.functional.cross_entropy(out, target)

def parameter_bytes(model):
    return sum(p.numel() * p.element_size() for p in model.parameters())

def training_peak(model, name, x):
    """The peak of one training step with SGD and momentum: forward, loss, backward, optimizer step. One step
    runs first, so that the momentum buffers exist (as in every step after the first); gradients are set to None
    before the measured step (PyTorch's default), so they are allocated during backward. Alive before the step:
    weights, momentum (one copy of the weights) and the input batch."""
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    def step():
        with autocast():
            out = model(x)
            loss = loss_of(name, out)
        loss.backward()
        optimizer.step()
    optimizer.zero_grad(set_to_none=True)
    step()
    optimizer.zero_grad(set_to_none=True)
    peak, end, where = allocator_peak(step)
    before = 2 * parameter_bytes(model) + x.numel() * x.element_size()
    return before + peak, where

def inference_peak(model, x):
    """The peak of one forward pass in eval mode without autograd: weights and the input, and the allocator's
    peak above them."""
    model.eval()
    with torch.no_grad(), autocast():
        model(x)
        peak, _, where = allocator_peak(lambda: model(x))
    model.train()
    return parameter_bytes(model) + x.numel() * x.element_size() + peak, where

def measure(name, batch, peaks=True):
    """Kept bytes, training peak and inference peak of one network at one batch, with where each peak falls."""
    torch.manual_seed(0)
    model = build(name)
    model.train()
    size = SIZES.get(name, (3, 224, 224))
    x = torch.randn(batch, *size)
    kept, out = kept_bytes(model, x)
    del out
    if not peaks:
        return kept, None, None, None, None
    train, train_where = training_peak(model, name, x)
    infer, infer_where = inference_peak(model, x)
    return kept, train, train_where, infer, infer_where

def kept_by_layer(model, x):
    """What autograd saves during each leaf module's forward, once per storage (the first module to save a
    storage owns it), parameters left out: [(module name, type, input bytes, output bytes, kept bytes)]. The
    facts issue 22's facets state (a convolution keeps its input, an in-place ReLU its output, max pooling
    its input and int64 indices, ...) are read off this table."""
    parameters = model_storages(model)
    seen = set()
    rows = []
    current = []
    def pack(tensor):
        storage = tensor.untyped_storage()
        pointer = storage.data_ptr()
        if pointer not in parameters and pointer not in seen and current:
            seen.add(pointer)
            current[-1][4] += storage.nbytes()
        return tensor
    def start(name):
        def enter(module, inputs):
            size = sum(t.numel() * t.element_size() for t in inputs if torch.is_tensor(t))
            current.append([name, type(module).__name__, size, 0, 0])
        return enter
    def finish(module, inputs, output):
        row = current.pop()
        row[3] = output.numel() * output.element_size() if torch.is_tensor(output) else 0
        rows.append(tuple(row))
    leaves = [(n, m) for n, m in model.named_modules() if not list(m.children())]
    handles = [m.register_forward_pre_hook(start(n)) for n, m in leaves] + [m.register_forward_hook(finish) for _, m in leaves]
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        model(x)
    for handle in handles:
        handle.remove()
    return rows

def netcalc(name, batch):
    """netcalc's totals for the spec at a batch under the PyTorch model (a dict; empty when it has none)."""
    run = subprocess.run([NETCALC, "--format", "json", "--memory", "pytorch", "--batch", str(batch)]
                         + (["--amp"] if AMP else []) + [f"specs/{name}.net"], capture_output=True, text=True)
    try:
        return json.loads(run.stdout)["networks"][0]["totals"]
    except (ValueError, KeyError, IndexError):
        return {}

if __name__ == "__main__":
    if "--layers" in sys.argv:
        # Per leaf module of one network at batch 1: input, output and kept bytes, and kept / input.
        name = [a for a in sys.argv[1:] if not a.startswith("--")][0]
        torch.manual_seed(0)
        model = build(name).train()
        x = torch.randn(1, *SIZES.get(name, (3, 224, 224)))
        print("| module | type | input bytes | output bytes | kept bytes | kept / input |")
        print("|---|---|---:|---:|---:|---:|")
        for module, kind, read, written, kept in kept_by_layer(model, x):
            print(f"| {module} | {kind} | {read:,} | {written:,} | {kept:,} | {kept / read if read else 0:.3f} |")
        sys.exit(0)
    # Options: --batches 1,4,8; --save FILE writes the measurements as JSON; --measured FILE reads them back
    # instead of measuring (PyTorch's figures do not change with netcalc's code, and take minutes to make).
    def option(flag):
        return sys.argv[sys.argv.index(flag) + 1] if flag in sys.argv else None
    values = {option(f) for f in ("--batches", "--save", "--measured")}
    AMP = "--amp" in sys.argv
    if "--shim" in sys.argv:
        SHIM = start_shim()
    args = [a for a in sys.argv[1:] if not a.startswith("--") and a not in values]
    batches = [int(b) for b in (option("--batches") or "1,4,8").split(",")]
    names = args or ["vgg16", "resnet18", "resnet50", "mobilenet_v2", "densenet121", "efficientnet_b0", "convnext_tiny", "unet"]
    measured = json.load(open(option("--measured"))) if option("--measured") else {}
    # The bars: kept bytes within 0.5%, the training peak within 5%, the inference peak within 10%.
    bars = {"kept": 0.005, "train": 0.05, "infer": 0.10}
    print("| network | batch | kept: PyTorch / netcalc | training peak: PyTorch / netcalc (netcalc's layer) | inference peak: PyTorch / netcalc | |")
    print("|---|---:|---:|---:|---:|---|")
    failures = 0
    for name in names:
        for batch in batches:
            key = f"{name}/{batch}" + ("/amp" if AMP else "")
            if key not in measured:
                kept, train, train_where, infer, infer_where = measure(name, batch)
                measured[key] = {"kept": kept, "train": train, "trainWhere": train_where, "infer": infer, "inferWhere": infer_where}
            m = measured[key]
            totals = netcalc(name, batch)
            ours = {"kept": totals.get("keptBytes"), "train": totals.get("trainingPeakBytes"), "infer": totals.get("inferencePeakBytes")}
            cells, bad = [], []
            for what in ("kept", "train", "infer"):
                if ours[what] is None:
                    cells.append(f"{m[what] / 1e6:,.1f} MB / none")
                    bad.append(what)
                    continue
                off = ours[what] / m[what] - 1
                cells.append(f"{m[what] / 1e6:,.1f} / {ours[what] / 1e6:,.1f} MB ({off:+.2%})")
                if abs(off) > bars[what]:
                    bad.append(what)
            cells[1] += f" {totals.get('trainingPeakLayer', '')}; PyTorch's in {m['trainWhere']}"
            failures += bool(bad)
            print(f"| {name} | {batch} | " + " | ".join(cells) + f" | {'OK' if not bad else 'off: ' + ', '.join(bad)} |", flush=True)
    if option("--save"):
        json.dump(measured, open(option("--save"), "w"), indent=1)
    print(f"{len(names) * len(batches) - failures} of {len(names) * len(batches)} within the bars (kept 0.5%, training peak 5%, inference peak 10%)")
    sys.exit(1 if failures else 0)
