"""Two or more engine binaries and ONNX Runtime's int8, interleaved round by round, on one case.

    python bench/interleaved.py 32x32 --threads 1 --rounds 9 OLD_BINARY .build/release/squeezechat
    python bench/interleaved.py g1x16 --threads 1 --rounds 7 OLD_BINARY NEW_BINARY   # g: squeezebert-6l

For judging a kernel change on a shared machine: each round runs every binary's `bench` (fp32 and
int8, `--min-time 0.6`) and then ONNX Runtime's dynamic int8 export (bench/compare.py's session and
inputs) on the same folder, so load that comes and goes slows all of them alike. Prints every
round, the medians, each binary's int8 / ORT int8 ratio (of the medians, and the median of the
per-round ratios) and its fp32 / int8 speed-up. Needs the folders and exports compare.py makes.
"""
import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import compare  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("case", help="BATCHxTOKENS on minilm-6l, or gBATCHxTOKENS on squeezebert-6l")
    parser.add_argument("binaries", nargs="+")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--models", type=Path, default=Path("bench/models"))
    args = parser.parse_args()
    kind, case = ("squeezebert-6l", args.case[1:]) if args.case.startswith("g") else ("minilm-6l", args.case)
    batch, tokens = map(int, case.split("x"))
    folder = args.models / kind
    session = compare.session(compare.quantized(compare.export(folder)), args.threads)
    ids, mask = compare.inputs(batch, tokens)
    feeds = {"input_ids": ids, "attention_mask": mask}
    int8 = {b: [] for b in args.binaries}
    fp32 = {b: [] for b in args.binaries}
    ort = []
    for _ in range(args.rounds):
        for binary in args.binaries:
            out = subprocess.run([binary, "bench", "--model", str(folder), "--seq", str(tokens), "--batch", str(batch),
                                  "--threads", str(args.threads), "--precision", "fp32,int8", "--min-time", "0.6",
                                  "--json"], check=True, capture_output=True, text=True).stdout
            p50 = {r["precision"]: r["p50_ms"] for r in json.loads(out)["results"]}
            int8[binary].append(p50["int8"])
            fp32[binary].append(p50["fp32"])
        ort.append(compare.timed(lambda: session.run(None, feeds), 0.6))
    o = statistics.median(ort)
    print(f"{kind} {batch} x {tokens}, {args.threads} thread(s): ORT int8 {o:.2f} ms, rounds {[round(v, 1) for v in ort]}")
    for binary in args.binaries:
        m, f = statistics.median(int8[binary]), statistics.median(fp32[binary])
        per_round = statistics.median(a / b for a, b in zip(int8[binary], ort))
        print(f"  {binary}: int8 {m:.2f} ms, rounds {[round(v, 1) for v in int8[binary]]}; int8 / ORT int8 {m / o:.3f} "
              f"(per round {per_round:.3f}); fp32 {f:.2f} ms, fp32 / int8 {f / m:.2f}x")


if __name__ == "__main__":
    main()
