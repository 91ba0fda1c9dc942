#!/usr/bin/env python3
"""Renders netcalc's SVG figure and HTML page of several specs to PNG with headless Chromium, to look at.

    python3 tools/render_figures.py [--out DIR] [--scale S] [--docs] [SPEC ...]

Builds netcalc (swift build) unless --netcalc PATH is given, writes SPEC.svg, SPEC.html, SPEC.svg.png and
SPEC.html.png for each spec (default: alexnet vgg16 resnet18 resnet152 googlenet resnet50 unet, those present
in specs/) into DIR (default: /tmp/netcalc-figures), and with --docs also copies the README's figures into docs/.
Needs Debian's `chromium` package (apt-get install chromium); Pillow, when present, trims the page's
empty bottom. Exits 2 when Chromium is missing: CI does not need this script.
"""
import argparse, os, pathlib, re, shutil, subprocess, sys, tempfile

root = pathlib.Path(__file__).resolve().parent.parent
DEFAULT_SPECS = ["alexnet", "vgg16", "resnet18", "resnet152", "googlenet", "resnet50", "unet"]
# The README shows these (PNG files in docs/).
DOCS = {"alexnet": "docs/figure_alexnet.png", "resnet18": "docs/figure_resnet18.png",
        "unet": "docs/figure_unet.png", "googlenet": "docs/figure_googlenet.png"}


def chromium():
    for name in ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"]:
        path = shutil.which(name)
        if path:
            return path
    return None


def screenshot(browser, source, png, width, height, scale, dark):
    profile = tempfile.mkdtemp(prefix="netcalc-chromium-")
    try:
        args = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                "--no-first-run", "--disable-extensions", "--user-data-dir=" + profile,
                f"--force-device-scale-factor={scale}", f"--window-size={int(width)},{int(height)}",
                "--default-background-color=00000000", f"--screenshot={png}"]
        if dark:
            args.append("--force-dark-mode")
            args.append("--blink-settings=preferredColorScheme=0")
        args.append(pathlib.Path(source).resolve().as_uri())
        subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=180)
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def svg_size(path):
    head = pathlib.Path(path).read_text(encoding="utf-8")[:2000]
    match = re.search(r'<svg[^>]*\swidth="([\d.]+)"[^>]*\sheight="([\d.]+)"', head)
    return float(match.group(1)), float(match.group(2))


def trim(png):
    """Cuts the page's empty bottom off (Pillow needed; without it the shot stays as it is)."""
    try:
        from PIL import Image, ImageChops
    except ImportError:
        return
    image = Image.open(png).convert("RGB")
    background = Image.new("RGB", image.size, image.getpixel((image.width - 1, image.height - 1)))
    box = ImageChops.difference(image, background).getbbox()
    if box:
        image.crop((0, 0, image.width, min(image.height, box[3] + 24))).save(png, optimize=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("specs", nargs="*")
    parser.add_argument("--out", default="/tmp/netcalc-figures")
    parser.add_argument("--netcalc")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--dark", action="store_true", help="render with the dark colour scheme")
    parser.add_argument("--docs", action="store_true", help="copy the README's figures into docs/")
    options = parser.parse_args()
    browser = chromium()
    if not browser:
        print("render_figures: Chromium is not installed (apt-get install chromium)", file=sys.stderr)
        return 2
    netcalc = options.netcalc
    if not netcalc:
        subprocess.run(["swift", "build"], cwd=root, check=True)
        netcalc = str(root / ".build/debug/netcalc")
    out = pathlib.Path(options.out)
    out.mkdir(parents=True, exist_ok=True)
    specs = options.specs or [name for name in DEFAULT_SPECS if (root / f"specs/{name}.net").exists()]
    for name in specs:
        spec = pathlib.Path(f"specs/{name}.net") if not name.endswith(".net") else pathlib.Path(name)
        stem = spec.stem
        for fmt in ["svg", "html"]:
            target = out / f"{stem}.{fmt}"
            with open(target, "w", encoding="utf-8") as handle:
                subprocess.run([netcalc, "--format", fmt, str(spec)], cwd=root, check=True, stdout=handle)
            png = out / f"{stem}.{fmt}.png"
            if fmt == "svg":
                width, height = svg_size(target)
                screenshot(browser, target, png, width, height, options.scale, options.dark)
            else:
                screenshot(browser, target, png, 1280, 16000, options.scale, options.dark)
                trim(png)
            print(png)
        if options.docs and stem in DOCS:
            shutil.copyfile(out / f"{stem}.svg.png", root / DOCS[stem])
            print(root / DOCS[stem])
    return 0


if __name__ == "__main__":
    sys.exit(main())
