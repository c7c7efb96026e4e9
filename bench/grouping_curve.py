"""How much accuracy each grouped cut gives up for its speed, against the dense default: a table and an SVG.

    python training/common.py --data DATA --out build/eval          # the held-out TSVs, once
    python bench/grouping_curve.py --data DATA --eval build/eval --out docs/grouping-curve \
        --cut "paper's grouping=grouped" --cut "feed-forward pair, 4 groups=W/ffn4" ...

Each --cut is LABEL=FOLDER (a model folder, or a bundled model's short name). For each one, side by
side with --dense (default: the bundled dense default):
- speed: `squeezechat bench --compare DENSE CUT --seq 16 --threads 1 --json`, so the ratio is
  measured in one run at the same precision (the folders' own, int8 for the bundled models);
  --rounds runs of it, the one with the median ratio kept;
- `eval chat --model CUT`: in-scope accuracy and out-of-scope recall on the shipped intents;
- `eval sentiment` on the 872 held-out SST-2 sentences;
- `eval intents` on Banking77 test, and with 15 intents held out (in-scope, out-of-scope recall).

ONNX Runtime's point: its dynamic int8 (QInt8 weights, the BERT-form export; bench/compare.py)
on a folder of the dense default's trunk shape (bench/models/minilm-6l: timings do not depend on
weight values), timed in this process interleaved with `bench --model DENSE`, as a ratio to the
engine's dense default. It runs the same trunk, so it is drawn at the dense default's chat figure.

Writes OUT.json (every figure and the commands' raw output), OUT.svg (the chat's in-scope accuracy
and SST-2 against time relative to the dense default) and prints the markdown table.
"""
import argparse
import json
import math
import os
import statistics
import subprocess
import sys
from html import escape
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import compare  # noqa: E402
import models  # noqa: E402


def run_json(binary: str, *args: str) -> dict:
    """A squeezechat command's --json output; its own one-line error, and exit 1, when it fails."""
    run = subprocess.run([binary, *args, "--json"], capture_output=True, text=True)
    if run.returncode != 0:
        raise SystemExit(run.stderr.strip() or f"error: {binary} {' '.join(args)} exited with {run.returncode}")
    return json.loads(run.stdout)


def figures(binary: str, model: str, data: Path, eval_dir: Path) -> dict:
    banking = ["--train", str(data / "banking77/train.jsonl"), "--test", str(data / "banking77/test.jsonl")]
    chat = run_json(binary, "eval", "chat", "--model", model)
    sst2 = run_json(binary, "eval", "sentiment", "--model", model, "--data", str(eval_dir / "sst2-held-out-sentences.tsv"))
    intents = run_json(binary, "eval", "intents", "--model", model, *banking)
    held_out = run_json(binary, "eval", "intents", "--model", model, *banking, "--holdout-intents", "15")
    return {"chat_in_scope": chat["inscope_accuracy"], "chat_oos_recall": chat["oos_recall"],
            "sst2": sst2["accuracy"], "banking77": intents["inscope_accuracy"],
            "banking77_holdout_in_scope": held_out["inscope_accuracy"], "banking77_holdout_oos_recall": held_out["oos_recall"]}


def speed(binary: str, dense: str, cut: str, seconds: float, rounds: int) -> dict:
    """The round with the median ratio of `rounds` bench --compare runs (each times both models)."""
    records = [run_json(binary, "bench", "--compare", dense, cut, "--seq", "16", "--threads", "1",
                        "--min-time", str(seconds)) for _ in range(rounds)]
    record = sorted(records, key=lambda r: r["cases"][0]["latency_ratio"])[rounds // 2]
    case = record["cases"][0]
    return {"dense_p50_ms": case["a_p50_ms"], "p50_ms": case["b_p50_ms"], "ratio": case["latency_ratio"],
            "ratios": [r["cases"][0]["latency_ratio"] for r in records],
            "flops_ratio": case["flops_ratio"], "dense": shape(record["a"]), **shape(record["b"])}


def shape(side: dict) -> dict:
    branch = side.get("sentiment_branch")
    return {"groups": groups_text(side["groups"]),
            "branch": f'{branch["layers"]} layer, {groups_text(branch["groups"])}' if branch else "none"}


def groups_text(groups: dict) -> str:
    return "/".join(str(groups[key]) for key in ("q", "k", "v", "post_attention", "intermediate", "output"))


def ort_ratio(binary: str, dense: str, models_dir: Path, seconds: float, rounds: int) -> dict:
    """ONNX Runtime int8 on the dense trunk's shape over the engine's dense default, 1 x 16, one thread."""
    folder = models.make(models_dir, "minilm-6l")
    session = compare.session(compare.quantized(compare.export(folder)), 1)
    ids, mask = compare.inputs(1, 16)
    ort_ms, engine_ms = [], []
    for _ in range(rounds):
        ort_ms.append(compare.timed(lambda: session.run(None, {"input_ids": ids, "attention_mask": mask}), seconds))
        result = run_json(binary, "bench", "--model", dense, "--seq", "16", "--batch", "1", "--threads", "1",
                          "--min-time", str(seconds))["results"][0]
        engine_ms.append(result["p50_ms"])
    ort, engine = statistics.median(ort_ms), statistics.median(engine_ms)
    return {"ort_int8_p50_ms": ort, "dense_p50_ms": engine, "ratio": ort / engine}


def svg(points: list[dict], dense: dict, ort: dict, bound: float) -> str:
    """Two panels, accuracy against time relative to the dense default; the dense default at (1, its figure)."""
    width, height, pad = 440, 330, 58
    panels = [("chat_in_scope", "eval chat: in-scope accuracy"), ("sst2", "SST-2, 872 held-out sentences")]
    xs = [p["speed"]["ratio"] for p in points] + [1.0, ort["ratio"]]
    x_lo, x_hi = 0.0, math.ceil(max(xs) * 4 + 0.5) / 4
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{2 * width}" height="{height + 30}" '
           f'font-family="sans-serif" font-size="11">', '<rect width="100%" height="100%" fill="white"/>']
    for index, (key, title) in enumerate(panels):
        left = index * width
        values = [p["figures"][key] for p in points] + [dense[key]]
        y_lo = min(values) - 0.02
        y_hi = max(values) + 0.02
        def x(v): return left + pad + (v - x_lo) / (x_hi - x_lo) * (width - pad - 20)
        def y(v): return height - pad + 20 - (v - y_lo) / (y_hi - y_lo) * (height - pad - 20)
        out.append(f'<text x="{left + width / 2}" y="16" text-anchor="middle" font-size="13">{escape(title)}</text>')
        out.append(f'<line x1="{x(x_lo)}" y1="{y(y_lo)}" x2="{x(x_hi)}" y2="{y(y_lo)}" stroke="black"/>')
        out.append(f'<line x1="{x(x_lo)}" y1="{y(y_lo)}" x2="{x(x_lo)}" y2="{y(y_hi)}" stroke="black"/>')
        for i in range(int(round(x_hi / 0.25)) + 1):
            out.append(f'<text x="{x(i * 0.25):.1f}" y="{y(y_lo) + 15:.1f}" text-anchor="middle">{i * 0.25:.2f}</text>')
        for i in range(6):
            a = y_lo + (y_hi - y_lo) * i / 5
            out.append(f'<text x="{x(x_lo) - 6:.1f}" y="{y(a) + 4:.1f}" text-anchor="end">{100 * a:.1f}%</text>')
        out.append(f'<text x="{left + width / 2}" y="{height + 24}" text-anchor="middle">'
                   'time to encode a 16-token turn / the dense default\'s (one thread, same run)</text>')
        # the targets: at most `bound` of the dense default's time, at most a point below its figure
        out.append(f'<line x1="{x(bound):.1f}" y1="{y(y_lo):.1f}" x2="{x(bound):.1f}" y2="{y(y_hi):.1f}" '
                   'stroke="#888" stroke-dasharray="4 3"/>')
        out.append(f'<text x="{x(bound) + 4:.1f}" y="{y(y_hi) + 10:.1f}" fill="#666">{bound:g}x</text>')
        out.append(f'<line x1="{x(x_lo):.1f}" y1="{y(dense[key] - 0.01):.1f}" x2="{x(x_hi):.1f}" '
                   f'y2="{y(dense[key] - 0.01):.1f}" stroke="#888" stroke-dasharray="4 3"/>')
        out.append(f'<text x="{x(x_lo) + 4:.1f}" y="{y(dense[key] - 0.01) + 13:.1f}" fill="#666">'
                   'a point under the dense default</text>')
        out.append(f'<circle cx="{x(1.0):.1f}" cy="{y(dense[key]):.1f}" r="5" fill="black"/>')
        out.append(f'<text x="{x(1.0) - 8:.1f}" y="{y(dense[key]) - 8:.1f}" text-anchor="end">dense default</text>')
        placed = [(x(1.0) - 8 - 6.2 * len("dense default"), x(1.0) - 8, y(dense[key]) - 8)]
        for p in points:
            px, py = x(p["speed"]["ratio"]), y(p["figures"][key])
            out.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="5" fill="#1f77b4"/>')
            out.append(label(p["label"], px, py, placed))
        ox = x(ort["ratio"])
        if key == "chat_in_scope":  # ONNX Runtime runs the same trunk, whose embeddings are the chat's
            out.append(f'<rect x="{ox - 5:.1f}" y="{y(dense[key]) - 5:.1f}" width="10" height="10" fill="#d62728"/>')
            out.append(f'<text x="{ox:.1f}" y="{y(dense[key]) - 10:.1f}" text-anchor="middle" fill="#d62728">'
                       'ONNX Runtime int8, dense trunk</text>')
        else:
            out.append(f'<line x1="{ox:.1f}" y1="{y(y_lo):.1f}" x2="{ox:.1f}" y2="{y(y_hi):.1f}" stroke="#d62728"/>')
            out.append(f'<text x="{ox - 4:.1f}" y="{y(y_lo) - 6:.1f}" text-anchor="end" fill="#d62728">'
                       'ONNX Runtime int8, dense trunk</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def label(text: str, px: float, py: float, placed: list) -> str:
    """The point's label to its right, or else below, above or to its left: the first place that
    does not overlap a label already placed (about 6.2 px a character at 11 px)."""
    width = 6.2 * len(text)
    for x0, y0 in ((px + 8, py + 4), (px + 8, py + 18), (px + 8, py - 10), (px - 8 - width, py + 4)):
        if all(x0 + width < a or x0 > b or abs(y0 - ly) > 13 for a, b, ly in placed):
            break
    placed.append((x0, x0 + width, y0))
    return f'<text x="{x0:.1f}" y="{y0:.1f}">{escape(text)}</text>'


def table(points: list[dict], dense: dict, ort: dict) -> str:
    def pct(v): return "n/a" if v is None else f"{100 * v:.2f}%"
    rows = [("groups: q/k/v/post/int/out", lambda p: p["speed"]["groups"]),
            ("sentiment branch", lambda p: p["speed"]["branch"]),
            ("16-token turn, one thread: p50 (dense default's in the same run)",
             lambda p: f'{p["speed"]["p50_ms"]:.3f} ms ({p["speed"]["dense_p50_ms"]:.3f})'),
            ("time / dense default's", lambda p: f'{p["speed"]["ratio"]:.3f}x'),
            ("`eval chat`: in-scope", lambda p: pct(p["figures"]["chat_in_scope"])),
            ("`eval chat`: out-of-scope recall", lambda p: pct(p["figures"]["chat_oos_recall"])),
            ("SST-2, 872 held-out sentences", lambda p: pct(p["figures"]["sst2"])),
            ("Banking77", lambda p: pct(p["figures"]["banking77"])),
            ("Banking77, 15 intents held out: in-scope", lambda p: pct(p["figures"]["banking77_holdout_in_scope"])),
            ("Banking77, 15 intents held out: out-of-scope recall",
             lambda p: pct(p["figures"]["banking77_holdout_oos_recall"]))]
    dense_point = {"label": "dense default", "figures": dense, "speed": points[0]["speed"]["dense"]}
    lines = ["| | " + " | ".join(p["label"] for p in [dense_point, *points]) + " |",
             "|---|" + "---:|" * (len(points) + 1)]
    for name, cell in rows:
        first = "1x" if name.startswith("time") else "" if "p50" in name else None
        dense_cell = first if first is not None else cell(dense_point)
        lines.append(f"| {name} | {dense_cell} | " + " | ".join(cell(p) for p in points) + " |")
    lines.append(f"\nONNX Runtime int8 on the dense trunk's shape: {ort['ort_int8_p50_ms']:.3f} ms against the dense "
                 f"default's {ort['dense_p50_ms']:.3f} ms ({ort['ratio']:.3f}x), 1 x 16, one thread, interleaved.")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", default=".build/release/squeezechat")
    parser.add_argument("--data", type=Path, required=True, help="the data folder (banking77/)")
    parser.add_argument("--eval", type=Path, required=True, help="the folder training/common.py wrote the TSVs to")
    parser.add_argument("--dense", default="dense", help="the reference: a folder or a bundled model's short name")
    parser.add_argument("--cut", action="append", required=True, metavar="LABEL=FOLDER")
    parser.add_argument("--models", type=Path, default=Path("bench/models"), help="bench/compare.py's folders")
    parser.add_argument("--seconds", type=float, default=3.0, help="timed seconds per model and case")
    parser.add_argument("--rounds", type=int, default=3, help="bench --compare runs per cut (the median ratio's is kept)")
    parser.add_argument("--bound", type=float, default=0.6, help="the speed target, drawn as a dashed line")
    parser.add_argument("--out", type=Path, required=True, help="writes OUT.json and OUT.svg")
    args = parser.parse_args()
    if not Path(args.binary).is_file():
        raise SystemExit(f"error: {args.binary}: no such file (build it with `swift build -c release`)")
    cuts = []
    for item in args.cut:
        label, sep, folder = item.partition("=")
        if not sep or not label or not folder:
            raise SystemExit(f"error: --cut {item!r}: expected LABEL=FOLDER")
        cuts.append((label, folder))
    print(f"load average {os.getloadavg()[0]:.1f}", file=sys.stderr)
    dense = figures(args.binary, args.dense, args.data, args.eval)
    points = []
    for label, folder in cuts:
        print(f"{label}: {folder}", file=sys.stderr)
        points.append({"label": label, "folder": folder, "speed": speed(args.binary, args.dense, folder, args.seconds, args.rounds),
                       "figures": figures(args.binary, folder, args.data, args.eval)})
    ort = ort_ratio(args.binary, args.dense, args.models, args.seconds, args.rounds)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.with_suffix(".json").write_text(json.dumps({"dense": dense, "cuts": points, "ort": ort}, indent=2) + "\n")
    args.out.with_suffix(".svg").write_text(svg(points, dense, ort, args.bound))
    print(table(points, dense, ort))


if __name__ == "__main__":
    main()
