#!/usr/bin/env python3
"""Measures what PyTorch really spends on memory, for issue 22's framework memory model: per network and batch,
the bytes autograd keeps between forward and backward.

Not part of CI (it needs torch and torchvision). Run: `python3 tools/crosscheck_memory.py [NAME ...] [--batches 1,4,8]`,
or `python3 tools/crosscheck_memory.py NAME --layers` for what each leaf module keeps at batch 1.

- kept: every tensor autograd saves for backward, caught with torch.autograd.graph.saved_tensors_hooks during
  the forward pass, counted once per storage (in-place layers share their input's storage; a parameter saved
  by a layer is a weight, not an activation, and is left out), in bytes.
netcalc's own figure is printed beside it for the notes' model (forward + backward bytes) from
`netcalc --format json specs/NAME.net --batch B`. The training and inference peaks (the allocator's events of
a real step) are still to be measured here: the first attempt, summing torch.profiler's operator events,
counted children twice and is left out.
"""
import json, subprocess, sys
import torch
import torchvision.models as tvm

NETCALC = ".build/release/netcalc"
SIZES = {"unet": (1, 572, 572)}

def build(name):
    if name == "unet":
        sys.path.insert(0, "tools")
        from crosscheck_zoo import UNet
        return UNet()
    return getattr(tvm, name)(weights=None)

def kept_bytes(model, x):
    """Bytes autograd saves during the forward pass, once per storage, parameters left out."""
    parameters = {p.untyped_storage().data_ptr() for p in model.parameters()}
    storages = {}
    def pack(tensor):
        storage = tensor.untyped_storage()
        pointer = storage.data_ptr()
        if pointer not in parameters:
            storages[pointer] = max(storages.get(pointer, 0), storage.nbytes())
        return tensor
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        out = model(x)
    return sum(storages.values()), out

def measure(name, batch):
    torch.manual_seed(0)
    model = build(name)
    model.train()
    size = SIZES.get(name, (3, 224, 224))
    x = torch.randn(batch, *size)
    kept, out = kept_bytes(model, x)
    del out
    return kept

def kept_by_layer(model, x):
    """What autograd saves during each leaf module's forward, once per storage (the first module to save a
    storage owns it), parameters left out: [(module name, type, input bytes, output bytes, kept bytes)]. The
    facts issue 22's facets state (a convolution keeps its input, an in-place ReLU its output, max pooling
    its input and int64 indices, ...) are read off this table."""
    parameters = {p.untyped_storage().data_ptr() for p in model.parameters()}
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
    doc = json.loads(subprocess.run([NETCALC, "--format", "json", "--batch", str(batch), f"specs/{name}.net"],
                                    capture_output=True, text=True).stdout)
    totals = doc["networks"][0]["totals"]
    return totals["forwardBytes"] + totals["backwardBytes"]

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
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    batches = [1, 4, 8]
    if "--batches" in sys.argv:
        batches = [int(b) for b in sys.argv[sys.argv.index("--batches") + 1].split(",")]
        args = [a for a in args if a != sys.argv[sys.argv.index("--batches") + 1]]
    names = args or ["vgg16", "resnet18", "resnet50", "mobilenet_v2", "densenet121", "efficientnet_b0", "convnext_tiny", "unet"]
    print("| network | batch | autograd keeps | netcalc forward + backward (the notes' model) |")
    print("|---|---:|---:|---:|")
    for name in names:
        for batch in batches:
            kept = measure(name, batch)
            notes = netcalc(name, batch)
            print(f"| {name} | {batch} | {kept / 1e6:,.1f} MB | {notes / 1e6:,.1f} MB |", flush=True)
