"""How much int8 weights change sentence embeddings of a real model (all-MiniLM-L6-v2 by default).

    python bench/int8_accuracy.py [--binary ...] [--model DIR]

Embeds sentences with `squeezechat embed --normalize` at fp32 and int8 and prints the cosine of
each pair, the largest element difference, and whether nearest neighbours among the sentences
stay the same.
"""
import argparse
import json
import subprocess
from pathlib import Path

import numpy as np

import models

SENTENCES = [
    "How do I transfer money to another account?", "I want to send money to my friend's bank account.",
    "My card was declined at the shop.", "Why was my payment refused?", "What is the weather like today?",
    "Will it rain tomorrow in London?", "The movie was boring and far too long.", "I loved the film's music.",
    "Can you recommend a good restaurant nearby?", "Where can I get something to eat around here?",
    "How do I reset my password?", "I forgot my login details.", "Tell me a joke.",
    "What time does the store open on Sunday?", "The plot made no sense at all.", "Hello!",
]


def embed(binary: str, folder: Path, precision: str) -> np.ndarray:
    out = subprocess.run([binary, "embed", "--model", str(folder), "--normalize", "--precision", precision, *SENTENCES],
                         check=True, capture_output=True, text=True).stdout
    return np.array([json.loads(line)["embedding"] for line in out.splitlines()], dtype=np.float64)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", default=".build/release/squeezechat")
    parser.add_argument("--model", type=Path, default=None)
    args = parser.parse_args()
    folder = args.model or models.minilm_folder()
    a, b = embed(args.binary, folder, "fp32"), embed(args.binary, folder, "int8")
    cosines = (a * b).sum(1)
    same_neighbour = sum(int(np.argsort(-(a @ a.T)[i])[1] == np.argsort(-(b @ b.T)[i])[1]) for i in range(len(a)))
    print(f"{folder.name}: cosine(fp32, int8) min {cosines.min():.5f} mean {cosines.mean():.5f}; "
          f"max |difference| {np.abs(a - b).max():.4f} (normalised embeddings); "
          f"nearest neighbour unchanged for {same_neighbour}/{len(a)} sentences")


if __name__ == "__main__":
    main()
