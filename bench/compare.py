"""Side-by-side latency of the Swift engine, ONNX Runtime and PyTorch on identical model folders.

    python bench/compare.py [--binary .build/release/squeezechat] [--rounds 3]

Builds the random-weight folders of bench/models.py (SqueezeBERT 6L/384/12H/1536 with groups
4/4/4/1/4/4, and its dense all-MiniLM-L6-v2-shaped twin), exports each to ONNX, checks that the
three runtimes give the same mean-pooled embeddings for a few texts, then times batch 1 x 16 and
64 tokens and batch 32 x 32 tokens at 1 and 2 threads: Swift at fp32 and int8 (weights quantised
at load, on the fastest kernels: the integer unit where the CPU has AVX-512 VNNI), ONNX Runtime at
fp32 and int8 (`quantize_dynamic` with QInt8 weights, u8 activations quantised at run time: its
MatMul nodes, so the dense model's projections; the SqueezeBERT export's grouped Conv nodes stay
fp32), PyTorch at fp32. Every round runs each runtime once per case, interleaved, so a busy
machine slows them alike; the table reports the median over rounds of each runtime's median
latency and Swift's ratios to ONNX Runtime. With int8 on the integer unit it also reports the
GOP/s the projections reach against this core's vpdpbusd peak, timed in the same run. Finally it
times Swift's start-up (process start to first printed embedding, wall clock) and peak memory.
"""
import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import onnxruntime as ort
import torch
from transformers import AutoModel, BertTokenizer

sys.path.insert(0, str(Path(__file__).parent))
import models  # noqa: E402

THREADS = [1, 2]
TEXTS = ["hello there, how are you today?", "I would like to transfer money to my savings account",
         "the film was long but the music was wonderful"]


def export(folder: Path) -> Path:
    path = folder / "model.onnx"
    if path.exists():
        return path
    model = AutoModel.from_pretrained(folder).eval()
    ids = torch.ones(1, 16, dtype=torch.long)
    mask = torch.ones(1, 16, dtype=torch.long)
    with torch.no_grad():
        torch.onnx.export(model, (ids, mask), str(path), input_names=["input_ids", "attention_mask"],
                          output_names=["last_hidden_state"], opset_version=17, dynamo=False,
                          dynamic_axes={"input_ids": {0: "b", 1: "t"}, "attention_mask": {0: "b", 1: "t"},
                                        "last_hidden_state": {0: "b", 1: "t"}})
    return path


def quantized(path: Path) -> Path:
    """ONNX Runtime's dynamic int8 quantisation of an export (QInt8 weights, per tensor)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic
    out = path.with_name("model.int8.onnx")
    if not out.exists():
        quantize_dynamic(str(path), str(out), weight_type=QuantType.QInt8)
    return out


def projection_macs(folder: Path) -> int:
    """Multiply-adds per token of the encoder's six projections per layer (grouped ones divided)."""
    config = json.loads((folder / "config.json").read_text())
    C, I, L = config["hidden_size"], config["intermediate_size"], config["num_hidden_layers"]
    groups = {key: config.get(key, 1) for key in ("q_groups", "k_groups", "v_groups", "post_attention_groups",
                                                  "intermediate_groups", "output_groups")}
    return L * (C * C * (1 / groups["q_groups"] + 1 / groups["k_groups"] + 1 / groups["v_groups"]
                         + 1 / groups["post_attention_groups"])
                + C * I * (1 / groups["intermediate_groups"] + 1 / groups["output_groups"]))


def integer_peak_gops(binary: str, folder: Path) -> float | None:
    """This core's int8 peak as `squeezechat bench` times it (a register-only vpdpbusd loop), or None."""
    out = subprocess.run([binary, "bench", "--model", str(folder), "--seq", "8", "--batch", "1", "--threads", "1",
                          "--precision", "int8", "--min-time", "0.05"], check=True, capture_output=True, text=True).stdout
    line = next((line for line in out.splitlines() if line.startswith("int8 peak")), None)
    return float(line.split(":")[1].split()[0]) if line else None


def session(path: Path, threads: int) -> ort.InferenceSession:
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def inputs(batch: int, tokens: int):
    rng = np.random.default_rng(batch * 1000 + tokens)
    ids = rng.integers(1000, 30522, size=(batch, tokens), dtype=np.int64)
    ids[:, 0], ids[:, -1] = 101, 102
    return ids, np.ones_like(ids)


def timed(fn, seconds: float, min_runs: int = 10) -> float:
    for _ in range(3):
        fn()
    times, start = [], time.perf_counter()
    while len(times) < min_runs or time.perf_counter() - start < seconds:
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def swift_bench(binary: str, folder: Path, batch: int, tokens: int, seconds: float, kernels: str | None) -> dict:
    """p50 ms per (precision, thread count), and the matrix kernels the engine ran."""
    out = subprocess.run([binary, "bench", "--model", str(folder), "--seq", str(tokens), "--batch", str(batch),
                          "--threads", ",".join(map(str, THREADS)), "--precision", "fp32,int8",
                          "--min-time", str(seconds), "--json", *(["--kernels", kernels] if kernels else [])],
                         check=True, capture_output=True, text=True).stdout
    results = json.loads(out)["results"]
    return {(r["precision"], r["threads"]): r["p50_ms"] for r in results}, results[0]["kernels"]


def mean_pool(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    weights = mask[..., None].astype(np.float32)
    return (hidden * weights).sum(1) / weights.sum(1)


def agreement(binary: str, folder: Path, onnx_path: Path) -> dict:
    tokenizer = BertTokenizer(str(folder / "vocab.txt"), do_lower_case=True)
    batch = tokenizer(TEXTS, padding=True, return_tensors="np")
    ids, mask = batch["input_ids"].astype(np.int64), batch["attention_mask"].astype(np.int64)
    ort_hidden = session(onnx_path, 1).run(None, {"input_ids": ids, "attention_mask": mask})[0]
    model = AutoModel.from_pretrained(folder).eval()
    with torch.no_grad():
        torch_hidden = model(input_ids=torch.from_numpy(ids), attention_mask=torch.from_numpy(mask)).last_hidden_state.numpy()
    out = subprocess.run([binary, "embed", "--model", str(folder), *TEXTS], check=True, capture_output=True, text=True).stdout
    swift = np.array([json.loads(line)["embedding"] for line in out.splitlines()], dtype=np.float32)
    reference = mean_pool(torch_hidden, mask)
    return {"ort_vs_torch": float(np.abs(mean_pool(ort_hidden, mask) - reference).max()),
            "swift_vs_torch": float(np.abs(swift - reference).max())}


def startup(binary: str, folder: Path, repeats: int = 5) -> tuple[float, float]:
    """Median wall time of a whole `squeezechat embed` process (start to exit, so an upper bound on
    process start to first embedding), and the peak RSS (VmHWM) `bench` reports for batch 1 x 16.
    (os.wait4's ru_maxrss would count this Python parent's memory, inherited across fork.)"""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run([binary, "embed", "--model", str(folder), "hello world"], check=True, stdout=subprocess.DEVNULL)
        times.append((time.perf_counter() - start) * 1000)
    out = subprocess.run([binary, "bench", "--model", str(folder), "--seq", "16", "--batch", "1", "--threads", "1",
                          "--min-time", "0.2", "--json"], check=True, capture_output=True, text=True).stdout
    return statistics.median(times), json.loads(out)["peak_rss_mb"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", default=".build/release/squeezechat")
    parser.add_argument("--models", type=Path, default=Path("bench/models"))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=1.0, help="timed seconds per runtime, case and round")
    parser.add_argument("--cases", default="1x16,1x64,32x32", help="batch x tokens cases, comma-separated")
    parser.add_argument("--kernels", choices=["avx2", "avx512", "avx512-vnni"],
                        help="the engine's matrix kernels (default: the fastest this CPU has)")
    args = parser.parse_args()
    if not Path(args.binary).is_file():
        raise SystemExit(f"error: {args.binary}: no such file (build it with `swift build -c release`)")
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "?")
    print(f"machine: {cpu}, {os.cpu_count()} cores; {platform.platform()}")
    print(f"onnxruntime {ort.__version__}, torch {torch.__version__}; load average {os.getloadavg()[0]:.1f}")
    cases = [tuple(int(v) for v in case.split("x")) for case in args.cases.split(",")]
    folders = {kind: models.make(args.models, kind) for kind in ("squeezebert-6l", "minilm-6l")}
    for kind, folder in folders.items():
        print(f"{kind}: max |embedding difference| vs PyTorch", json.dumps(agreement(args.binary, folder, export(folder))))
    rows, swift_kernels = [], set()
    runtimes = ("swift", "swift_int8", "ort", "ort_int8", "torch")
    for kind, folder in folders.items():
        sessions = {(precision, n): session(path, n) for n in THREADS
                    for precision, path in (("fp32", folder / "model.onnx"), ("int8", quantized(folder / "model.onnx")))}
        model = AutoModel.from_pretrained(folder).eval()
        for batch, tokens in cases:
            ids, mask = inputs(batch, tokens)
            feeds = {"input_ids": ids, "attention_mask": mask}
            tids, tmask = torch.from_numpy(ids), torch.from_numpy(mask)
            samples = {(name, n): [] for name in runtimes for n in THREADS}
            for _ in range(args.rounds):
                p50s, kernels = swift_bench(args.binary, folder, batch, tokens, args.seconds, args.kernels)
                swift_kernels.add(kernels)
                for (precision, n), p50 in p50s.items():
                    samples[("swift" if precision == "fp32" else "swift_int8", n)].append(p50)
                for n in THREADS:
                    samples[("ort", n)].append(timed(lambda: sessions[("fp32", n)].run(None, feeds), args.seconds))
                    samples[("ort_int8", n)].append(timed(lambda: sessions[("int8", n)].run(None, feeds), args.seconds))
                    torch.set_num_threads(n)
                    with torch.no_grad():
                        samples[("torch", n)].append(timed(lambda: model(input_ids=tids, attention_mask=tmask), args.seconds))
            for n in THREADS:
                med = {name: statistics.median(samples[(name, n)]) for name in runtimes}
                rows.append((kind, batch, tokens, n, med))
    print(f"\nSwift matrix kernels: {', '.join(sorted(swift_kernels))}")
    print("| model | batch x tokens | threads | Swift fp32 | Swift int8 | ORT fp32 | ORT int8 | PyTorch fp32 "
          "| Swift / ORT, fp32 | Swift / ORT, int8 | Swift int8 speed-up | Swift int8 seq/s | ORT int8 seq/s |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for kind, batch, tokens, n, med in rows:
        print(f"| {kind} | {batch} x {tokens} | {n} | {med['swift']:.2f} | {med['swift_int8']:.2f} | {med['ort']:.2f} | "
              f"{med['ort_int8']:.2f} | {med['torch']:.2f} | {med['swift'] / med['ort']:.2f} | "
              f"{med['swift_int8'] / med['ort_int8']:.2f} | {med['swift'] / med['swift_int8']:.2f}x | "
              f"{batch / med['swift_int8'] * 1000:.0f} | {batch / med['ort_int8'] * 1000:.0f} |")
    swift16 = {(k, n): m["swift"] for k, b, t, n, m in rows if b == 1 and t == 16}
    for n in THREADS if swift16 else []:
        print(f"grouped vs dense in Swift, fp32, 1 x 16, {n} thread(s): "
              f"{swift16[('minilm-6l', n)] / swift16[('squeezebert-6l', n)]:.2f}x faster")
    peak = integer_peak_gops(args.binary, folders["minilm-6l"])
    if peak:
        print(f"\nint8 peak of one core (vpdpbusd loop, timed now): {peak:.0f} GOP/s. The projections' int8 work "
              "(2 x multiply-adds) over Swift's whole int8 latency, one thread:")
        for kind, batch, tokens, n, med in rows:
            if n == 1:
                gops = 2 * projection_macs(folders[kind]) * batch * tokens / (med["swift_int8"] / 1000) / 1e9
                print(f"  {kind} {batch} x {tokens}: {gops:.0f} GOP/s, {gops / peak:.0%} of peak")
    for kind, folder in folders.items():
        ms, rss = startup(args.binary, folder)
        print(f"{kind}: start-up, process start to first embedding (wall of a whole `embed`, median of 5) "
              f"{ms:.0f} ms; peak RSS {rss:.0f} MB")
    print(f"load average at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    try:
        main()
    except subprocess.CalledProcessError as failure:  # e.g. --kernels avx512 on a CPU without it
        message = ((failure.stderr or "").strip().splitlines() or [f"exit status {failure.returncode}"])[0]
        raise SystemExit(f"error: {' '.join(map(str, failure.cmd[:2]))}: {message}")
