#!/usr/bin/env python3
"""Pastes real netcalc output into README.md from docs/README.template.md. Run after `swift build`."""
import json, pathlib, subprocess
root = pathlib.Path(__file__).resolve().parent.parent
netcalc = str(root / ".build/debug/netcalc")
def run(args, stdin=None, stream="stdout"):
    p = subprocess.run([netcalc] + args, input=stdin, capture_output=True, text=True, cwd=root)
    return (p.stdout if stream == "stdout" else p.stderr).rstrip("\n")
alex224 = (root / "specs/alexnet.net").read_text().replace("227x227x3", "224x224x3")
rows = []
for spec in sorted((root / "specs").glob("*.net")):
    doc = json.loads(run(["--format", "json", f"specs/{spec.name}"]))
    for net in doc["networks"]:
        t = net["totals"]
        rows.append(f"| `{spec.name}` | {t['params']:,} | {t['macs']:,} |")
text = (root / "docs/README.template.md").read_text()
text = text.replace("{{ALEX}}", run(["specs/alexnet.net"]))
text = text.replace("{{ERR}}", run([], stdin=alex224, stream="stderr"))
text = text.replace("{{FLOOR}}", "\n".join(run(["--rounding", "floor"], stdin="INPUT[7x7x1] -> CONV(1,3,s3)").splitlines()[:6]))
text = text.replace("{{SPECS}}", "\n".join(rows))
basic = """\
basic(c) = ADD(CONV(c,3,p1,nobias) -> BN -> RELU -> CONV(c,3,p1,nobias) -> BN | ID) -> RELU
INPUT[56x56x64] -> basic(64)"""
text = text.replace("{{BASIC_SPEC}}", basic)
text = text.replace("{{BASIC}}", "\n".join(run(["-e", basic]).splitlines()[:11]))
homework = """INPUT[227x227x3]
  -> CONV(96,11,s4,p0) {55x55x96, params: 34,848}
  -> POOL(3,s2)        {27x27x96, memory: 280K, bytes: 273KB}
  -> CONV(256,5,p2)    {23x23x256}"""
text = text.replace("{{HOMEWORK_SPEC}}", homework)
text = text.replace("{{HOMEWORK}}", run(["check", "-"], stdin=homework).replace("<stdin>", "homework.net"))
text = text.replace("{{FORMS_SPEC}}", "\n".join(l for l in (root / "specs/homework/answer_forms.net").read_text().splitlines() if not l.startswith("#")))
text = text.replace("{{FORMS}}", run(["check", "specs/homework/answer_forms.net"]))
text = text.replace("{{FOLLOW_SPEC}}", "\n".join(l for l in (root / "specs/homework/vgg16_student.net").read_text().splitlines() if not l.startswith("#")))
text = text.replace("{{FOLLOW}}", run(["check", "specs/homework/vgg16_student.net"]))
klass = "Tests/NetCalcTests/Golden/check/class"
text = text.replace("{{CLASS}}", run(["check", "--key", f"{klass}/key.net"] + [f"{klass}/{n}.net" for n in ["alice", "bob", "carol", "dave"]]).replace(klass + "/", ""))
text = text.replace("{{QUIZ}}", run(["quiz", "--seed", "4", "--template", "alexnet-conv1"]))
explain = run(["--explain", "specs/alexnet.net"]).split("worked formulas")[1].strip().splitlines()
text = text.replace("{{EXPLAIN}}", "\n".join(explain[4:12]))
text = text.replace("{{BARS}}", "\n".join(run(["--columns", "layer,output,memory,mem%,params,params%", "specs/vgg16.net"]).splitlines()[2:25]))
def fit(args):
    return "\n".join(run(args).split("\n\n")[-1].splitlines())
text = text.replace("{{FIT_VGG}}", fit(["--fit", "12GiB", "specs/vgg16.net"]))
text = text.replace("{{FIT_VGG_NOTES}}", fit(["--fit", "12GiB", "--memory", "notes", "specs/vgg16.net"]))
text = text.replace("{{FIT_RESNET}}", fit(["--fit", "24GiB", "specs/resnet50.net"]))
text = text.replace("{{FIT_RESNET_AMP}}", fit(["--fit", "24GiB", "--amp", "specs/resnet50.net"]))
text = text.replace("{{MEMORY_RESNET}}", run(["--memory", "pytorch", "--batch", "8", "specs/resnet50.net"]).split("\ntotals\n")[1].rstrip())
text = text.replace("{{CAFFE}}", run(["docs/examples/tiny.prototxt"]))
text = text.replace("{{CAFFE_SPEC}}", run(["--emit", "spec", "docs/examples/tiny.prototxt"]))
text = text.replace("{{DEPTH1}}", run(["--depth", "1", "--columns", "index,layer,output,params,macs,spec", "specs/resnet50.net"]))
text = text.replace("{{SUMMARY}}", run(["--summary", "specs/densenet121.net"]))
text = text.replace("{{COLUMNS}}", "\n".join(run(["--columns", "layer,input,output,kernel,macs,macs%,spec", "specs/alexnet_groups.net"]).splitlines()[:16]))
def pytorch_excerpt():
    """ResNet-50's Bottleneck and Stage classes and its network's constructor, as --emit pytorch writes them."""
    code = run(["--emit", "pytorch", "specs/resnet50.net"])
    classes = {block.split("(")[0]: "class " + block.rstrip() for block in code.split("\nclass ")[1:]}
    network = classes["Resnet50"].split("\n\n    def forward")[0]
    lines = "\n\n\n".join([classes["Bottleneck"], classes["Stage"], network]).splitlines()
    return "\n".join("  " + line if line else "" for line in lines)
text = text.replace("{{PYTORCH}}", pytorch_excerpt())
text = text.replace("{{LAYOUT}}", "\n".join(run(["--layout", "chw", "--columns", "layer,output,params", "-e", "INPUT[3x227x227] -> CONV(96,11,s4) -> POOL(3,s2)"]).splitlines()[:7]))
(root / "README.md").write_text(text)
