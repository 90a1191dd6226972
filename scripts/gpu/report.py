#!/usr/bin/env python3
"""Turns what scripts/gpu/h100.sh brought back (its OUT folder) into the markdown tables of docs/benchmarks.md.

usage: scripts/gpu/report.py OUT_DIR [--json FILE]

Reads OUT_DIR/log.txt, cuda-tests.log, bench-neuron-*.json and results.tar.gz (speed runs: epoch 2 of 2 is the measured
one, epoch 1 holds the warm-up; accuracy runs: metrics.csv per epoch). Prints markdown; --json also writes the numbers.
Targets checked: LIF cascade K=4 fused forward+backward <= 0.5 ms (issue 4); a multi-threshold run at T = 1 reaching
>= 92.8 % test accuracy within 15 epochs, at >= 12,000 img/s solo (issue 3).
"""
import csv
import io
import json
import re
import sys
import tarfile
from pathlib import Path


def read_tar(out: Path) -> dict:
    files = {}
    p = out / "results.tar.gz"
    if p.exists():
        with tarfile.open(p) as t:
            for m in t.getmembers():
                if m.isfile():
                    files[m.name] = t.extractfile(m).read().decode("utf-8", "replace")
    return files


def gpu_peak(text: str) -> int:
    vals = [int(float(x)) for x in re.findall(r"^gpu\s+([0-9.]+)", text, re.M)]
    return max(vals) if vals else 0


def main() -> int:
    args = sys.argv[1:]
    if not args or args[0].startswith("-"):
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    out = Path(args[0])
    json_path = Path(args[args.index("--json") + 1]) if "--json" in args else None
    files = read_tar(out)
    result = {}
    lines = []

    log = (out / "log.txt").read_text() if (out / "log.txt").exists() else ""
    machine = next((l for l in log.splitlines() if "H100" in l or "H200" in l or "NVIDIA" in l), "not recorded")
    lines += [f"Machine: {machine.strip()}", ""]

    tests = (out / "cuda-tests.log").read_text() if (out / "cuda-tests.log").exists() else ""
    total = re.findall(r"Total: \d+, Errors: \d+, Failed: \d+, Skipped: \d+[^\n]*", tests)
    result["gpu_tests"] = total[-1] if total else None
    lines += ["### GPU tests (tests/MtSnn.Gpu.Tests)", "", f"`{total[-1] if total else 'no summary line'}`", ""]
    for l in re.findall(r"^\s*(\S+ \[(?:FAIL|SKIP)\])", tests, re.M):
        lines.append(f"- {l}")
    timings = re.findall(r"^.*median [0-9.]+ ms.*$", tests, re.M)
    if timings:
        lines += ["", "Timing report of the tests (autograd path):", ""] + [f"    {t.strip()}" for t in timings]
    lines.append("")

    for bench in sorted(out.glob("bench-neuron-*.json")):
        b = json.loads(bench.read_text())
        target = None
        result[bench.stem] = b
        lines += [f"### Neuron kernels, `mtsnn bench neuron` ({b.get('device')}, {b.get('dtype', 'float32')})", "",
                  f"Copy bandwidth in the same run: {b['copy_gbps']:.0f} GB/s (read + write).", "",
                  "| case | T | N | fused ms (store H) | back-to-back ms | recompute-H ms | autograd ms | ns/neuron-step | GB/s | reference ms | speed-up |",
                  "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for c in b["cases"]:
            f = lambda k, fmt="{:.3f}": fmt.format(c[k]) if c.get(k) is not None else "-"
            lines.append(f"| {c['name']} | {c['T']} | {c['N']} | {f('fused_ms')} | {f('fused_pipelined_ms')} | {f('fused_recompute_ms')} | {f('fused_autograd_ms')} | "
                         f"{f('ns_per_neuron_step', '{:.4f}')} | {f('gbps', '{:.0f}')} | {f('reference_ms', '{:.2f}')} | {f('speedup', '{:.1f}x')} |")
            if c["name"].startswith("lif-cascade") and c["T"] == 8 and c["N"] == 1 << 22:
                ms = min(x for x in (c.get("fused_ms"), c.get("fused_pipelined_ms"), c.get("fused_recompute_ms")) if x is not None)
                result["kernel_target_met"] = ms <= 0.5
                target = f"Target LIF cascade K=4, T=8, N=2^22 <= 0.5 ms: {'met' if ms <= 0.5 else 'missed'} ({ms:.3f} ms)."
        if target:
            lines += ["", target]
        lines.append("")

    speed = {}
    for name, text in files.items():
        m = re.match(r"runs/speed/([^/]+)-(auto|reference)/summary.json$", name)
        if m:
            s = json.loads(text)
            h = s["history"][-1]
            mem = gpu_peak(files.get(name.replace("summary.json", "gpu-memory.txt"), ""))
            speed[(m.group(1), m.group(2))] = {"img_per_s": h["img_per_s"], "epoch": h["epoch"], "gpu_memory_mib": mem}
    if speed:
        result["speed"] = {f"{k[0]}/{k[1]}": v for k, v in sorted(speed.items())}
        lines += ["### Training speed, solo runs (epoch 2 of 2, batch 128; fused = automatic dispatch, reference = composed neuron)", "",
                  "| run | reference img/s | fused img/s | fused / reference | GPU memory peak, reference → fused (MiB) |",
                  "|---|---:|---:|---:|---|"]
        for run in sorted({k[0] for k in speed}):
            r, f = speed.get((run, "reference")), speed.get((run, "auto"))
            ratio = f"{f['img_per_s'] / r['img_per_s']:.2f}x" if r and f else "-"
            lines.append(f"| {run} | {r['img_per_s']:.0f} | " if r else f"| {run} | - | ")
            lines[-1] += f"{f['img_per_s']:.0f} | {ratio} | " if f else "- | - | "
            lines[-1] += f"{r['gpu_memory_mib'] if r else '-'} → {f['gpu_memory_mib'] if f else '-'} |"
        lines.append("")

    acc = {}
    for name, text in files.items():
        m = re.match(r"runs/acc/([^/]+)/metrics.csv$", name)
        if m:
            acc[m.group(1)] = list(csv.DictReader(io.StringIO(text)))
    if acc:
        runs = sorted(acc)
        result["accuracy"] = {r: [float(x["test_acc"]) for x in acc[r]] for r in runs}
        epochs = max(len(v) for v in acc.values())
        lines += ["### Fashion-MNIST, PLIF net, 15 epochs (the four runs trained at the same time on the one GPU; their img/s are shared-GPU numbers)", "",
                  "| epoch | " + " | ".join(runs) + " |", "|---:|" + "---:|" * len(runs)]
        for e in range(epochs):
            cells = [f"{100 * float(acc[r][e]['test_acc']):.2f} % ({float(acc[r][e]['img_per_s']):.0f} img/s)" if e < len(acc[r]) else "-" for r in runs]
            lines.append(f"| {e + 1} | " + " | ".join(cells) + " |")
        best = {r: max(float(x["test_acc"]) for x in acc[r]) for r in runs}
        lines += ["", "Best: " + ", ".join(f"{r} {100 * best[r]:.2f} %" for r in runs), ""]
        mt = {r: best[r] for r in runs if r.endswith("t1") and not r.startswith("single")}
        if mt:
            top = max(mt, key=mt.get)
            solo = speed.get((top, "auto"), {}).get("img_per_s")
            result["accuracy_target_met"] = mt[top] >= 0.928
            result["speed_target_met"] = solo is not None and solo >= 12000
            lines.append(f"Target MT at T=1 >= 92.8 %: {'met' if mt[top] >= 0.928 else 'missed'} ({top} {100 * mt[top]:.2f} %, "
                         f"{len(acc[top])} epochs); >= 12,000 img/s solo: "
                         + (f"{'met' if solo >= 12000 else 'missed'} ({solo:.0f} img/s)" if solo else "not measured"))
            lines.append("")

    print("\n".join(lines))
    if json_path:
        json_path.write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
