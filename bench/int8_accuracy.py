"""What the int8 integer kernels cost in accuracy on a bundled model, against the same model in fp32.

    python training/common.py --data DATA --out build/eval        # the held-out TSVs, once
    python bench/int8_accuracy.py --data DATA --eval build/eval [--binary ...] [--model dense] [--float FOLDER]

Runs the model three ways: fp32 (`--precision fp32`: the stored int8 weights widened to floats),
int8 on the float kernels (`--kernels avx512` or avx2: weights int8, activations float) and int8 on
the integer unit (`--kernels avx512-vnni`: activations quantised per row too; skipped on CPUs
without AVX-512 VNNI). For each it prints SST-2 held-out sentences, TweetEval's report half (three
classes, and positive vs negative), Banking77 test through the chat's classifier and the chat's
own intents cross-validated (`eval chat`); then the cosine between each way's sentence embeddings
and the reference's, on the held-out SST-2 sentences and Banking77 test (mean and worst text).

The reference is fp32 on the same folder, or with `--float FOLDER` the float model the folder was
exported from (training's W/forked or W/student-c), run first as its own column with the folder's
heads: an encoding that moves the stored weights (smoothing quantises them afresh) is then judged
against the model rather than against itself.
"""
import argparse
import atexit
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np


def run(binary: str, *args: str) -> str:
    return subprocess.run([binary, *args], check=True, capture_output=True, text=True).stdout


def texts_of(path: Path) -> list[str]:
    if path.suffix == ".jsonl":
        return [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines() if line]
    return [line.split("\t")[0] for line in path.read_text(encoding="utf-8").splitlines()[1:] if line]


def embeddings(binary: str, way: list[str], texts: list[str]) -> np.ndarray:
    out = subprocess.run([binary, "embed", "--normalize", *way], input="\n".join(texts) + "\n",
                         check=True, capture_output=True, text=True).stdout
    return np.array([json.loads(line)["embedding"] for line in out.splitlines()], dtype=np.float64)


BUNDLED = {"dense": "squeezechat-sentiment", "grouped": "squeezechat-sentiment-grouped"}


def with_heads(float_folder: Path, model: str) -> str:
    """A temporary folder holding `float_folder`'s weights (linked) and vocabulary, with its
    config.json's squeezechat section (heads, band, branch) taken from `model`, a folder or a
    bundled model's short name."""
    folder = Path(__file__).resolve().parent.parent / "Sources/DefaultModel" / BUNDLED[model] if model in BUNDLED \
        else Path(model)
    out = Path(tempfile.mkdtemp(prefix="int8-accuracy-float-"))
    atexit.register(shutil.rmtree, out, True)
    config = json.loads((float_folder / "config.json").read_text())
    config["squeezechat"] = json.loads((folder / "config.json").read_text())["squeezechat"]
    (out / "config.json").write_text(json.dumps(config, indent=2))
    shutil.copyfile(float_folder / "vocab.txt", out / "vocab.txt")
    (out / "model.safetensors").symlink_to((float_folder / "model.safetensors").resolve())
    return str(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", default=".build/release/squeezechat")
    parser.add_argument("--model", default="dense", help="a model folder or a bundled model's short name")
    parser.add_argument("--data", type=Path, required=True, help="the data folder (banking77/)")
    parser.add_argument("--eval", type=Path, required=True, help="the folder training/common.py wrote the TSVs to")
    parser.add_argument("--float", type=Path, help="the float model the folder encodes, as the reference")
    args = parser.parse_args()
    if args.float:
        missing = [name for name in ("config.json", "model.safetensors", "vocab.txt") if not (args.float / name).is_file()]
        if missing:
            parser.error(f"--float {args.float}: not a model folder (no {', '.join(missing)})")
    kernels = run(args.binary, "bench", "--help")
    floats = "avx512" if "avx512-vnni here" in kernels or "avx512 here" in kernels else "avx2"
    model = ["--model", args.model]
    ways = {"fp32": [*model, "--precision", "fp32", "--kernels", floats], f"int8 ({floats})": [*model, "--kernels", floats]}
    if "avx512-vnni here" in kernels:
        ways["int8 (avx512-vnni)"] = [*model, "--kernels", "avx512-vnni"]
    if args.float:
        ways = {"float model": ["--model", with_heads(args.float, args.model), "--precision", "fp32",
                                "--kernels", floats], **ways}
    banking = args.data / "banking77"
    print("| measure | " + " | ".join(ways) + " |")
    print("|---|" + "---:|" * len(ways))
    for name, tsv in (("SST-2 held-out sentences", "sst2-held-out-sentences.tsv"),
                      ("TweetEval report half, 3 classes", "tweets-report-half.tsv"),
                      ("TweetEval report half, positive vs negative", "tweets-report-polar.tsv")):
        cells = [json.loads(run(args.binary, "eval", "sentiment", "--data", str(args.eval / tsv), "--json", *way))["accuracy"]
                 for way in ways.values()]
        print(f"| {name} | " + " | ".join(f"{100 * c:.2f}%" for c in cells) + " |")
        sys.stdout.flush()
    cells = [json.loads(run(args.binary, "eval", "intents", "--train", str(banking / "train.jsonl"),
                            "--test", str(banking / "test.jsonl"), "--json", *way)) for way in ways.values()]
    print("| Banking77 test, in-scope accuracy | " + " | ".join(f"{100 * c['accuracy']:.2f}%" for c in cells) + " |")
    cells = [json.loads(run(args.binary, "eval", "chat", "--json", *way)) for way in ways.values()]
    print("| the chat's intents, cross-validated in-scope | "
          + " | ".join(f"{100 * c['inscope_accuracy']:.2f}%" for c in cells) + " |")
    print("| the chat's intents, out-of-scope recall | "
          + " | ".join(f"{100 * c['oos_recall']:.2f}%" for c in cells) + " |")
    for name, path in (("SST-2 held-out sentences", args.eval / "sst2-held-out-sentences.tsv"),
                       ("Banking77 test", banking / "test.jsonl")):
        texts = texts_of(path)
        (first, reference_flags), *others = ways.items()
        reference = embeddings(args.binary, reference_flags, texts)
        for way, flags in others:
            cosines = (reference * embeddings(args.binary, flags, texts)).sum(1)
            print(f"{name}, {len(texts)} texts, {way} vs {first}: cosine mean {cosines.mean():.5f}, worst {cosines.min():.5f}")


if __name__ == "__main__":
    try:
        main()
    except subprocess.CalledProcessError as failure:
        message = ((failure.stderr or "").strip().splitlines() or [f"exit status {failure.returncode}"])[0]
        raise SystemExit(f"error: {' '.join(map(str, failure.cmd[:3]))}: {message}")
