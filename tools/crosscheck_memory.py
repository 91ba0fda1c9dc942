#!/usr/bin/env python3
"""Measures what PyTorch really spends on memory, for issue 22's framework memory model: per network and batch,
the bytes autograd keeps between forward and backward.

Not part of CI (it needs torch and torchvision). Run: `python3 tools/crosscheck_memory.py [NAME ...] [--batches 1,4,8]`.

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

def netcalc(name, batch):
    doc = json.loads(subprocess.run([NETCALC, "--format", "json", "--batch", str(batch), f"specs/{name}.net"],
                                    capture_output=True, text=True).stdout)
    totals = doc["networks"][0]["totals"]
    return totals["forwardBytes"] + totals["backwardBytes"]

if __name__ == "__main__":
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
