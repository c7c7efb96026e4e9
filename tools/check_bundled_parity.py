"""Logit and embedding parity: a SqueezeBERT folder (the bundled int8 one, or float32) in transformers
vs the Swift engine.

Dequantises the folder's I8 tensors with their `<name>_scale` and any `<name>_smooth`
(export.load_dequantised; float32 tensors pass through), loads the float32 state dict into `SqueezeBertForSequenceClassification`
with the folder's own config (or, for a folder with a sentiment branch, into training/forked.py's
reference), and compares its logits with `squeezechat tag --by line --format
jsonl --logits`, and its mean-pooled last hidden state with `squeezechat embed`, on the same texts.
Works for grouped folders (distill.py's student) as for the G=1 one.

    swift build -c release
    python tools/check_bundled_parity.py --squeezechat .build/release/squeezechat \
        --model Sources/DefaultModel/squeezechat-sentiment --sst2 DATA/sst2/train.tsv

Prints the largest absolute logit and embedding differences; exits 1 when either is above 1e-4.
"""
import argparse
import json
import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import torch
from transformers import BertTokenizerFast

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "training"))  # common.py, forked.py
from common import mean_pool
from forked import load_model

HAND_WRITTEN = [
    "What a wonderful, warm and funny film.", "This was a complete waste of time.", "It is a movie.",
    "Café naïve résumé — über cool 😀", "Numbers 3.14, 1,000,000 and 42%.", "I'm not sure how I feel.",
    "How do I activate my new card?",
]


def engine_values(binary: Path, arguments: list[str], texts: list[str], key: str) -> np.ndarray:
    """Runs `squeezechat ARGUMENTS` on the texts (one a line) and returns field `key` of its JSONL rows."""
    run = subprocess.run([str(binary), *arguments], input="\n".join(texts) + "\n",
                         capture_output=True, text=True, check=True)
    rows = [json.loads(line) for line in run.stdout.splitlines()]
    assert [row["text"] for row in rows] == texts, f"`{arguments[0]}` read different texts"
    return np.array([row[key] for row in rows], dtype=np.float64)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--squeezechat", type=Path, required=True)
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--sst2", type=Path, required=True)
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--kernels", default="avx2", choices=["avx2", "avx512"],
                        help="the engine's float kernels (the integer ones quantise activations by design)")
    args = parser.parse_args()

    rng = random.Random(11)
    rows = [line.split("\t")[0] for line in args.sst2.read_text(encoding="utf-8").splitlines()[1:]]
    texts = HAND_WRITTEN + rng.sample(rows, args.count - len(HAND_WRITTEN))
    model = load_model(args.model)
    tokenizer = BertTokenizerFast(str(args.model / "vocab.txt"), do_lower_case=True)
    with torch.no_grad():
        batch = tokenizer(texts, padding=True, truncation=True, max_length=128, return_tensors="pt")
        if hasattr(model, "sentiment_branch"):
            hidden, _, logits = model(batch["input_ids"], batch["attention_mask"])
        else:
            out = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"], output_hidden_states=True)
            hidden, logits = out.hidden_states[-1], out.logits
        reference = logits.numpy()
        pooled = mean_pool(hidden, batch["attention_mask"]).numpy()

    # fp32 on the float kernels: the stored int8 weights widened (any smoothing divided back out), as
    # the reference computes; the integer unit (avx512-vnni) quantises activations too, by design.
    kernels = ["--precision", "fp32", "--kernels", args.kernels]
    swift = engine_values(args.squeezechat, ["tag", "--model", str(args.model), "--by", "line", "--format", "jsonl",
                                              "--logits", *kernels], texts, "logits")
    difference = np.abs(swift - reference.astype(np.float64))
    print(f"{len(texts)} texts: max |logit diff| {difference.max():.3g}, mean {difference.mean():.3g}")

    embedded = engine_values(args.squeezechat, ["embed", "--model", str(args.model), *kernels], texts, "embedding")
    gap = np.abs(embedded - pooled.astype(np.float64))
    print(f"{len(texts)} texts: max |mean-pooled embedding diff| {gap.max():.3g}, mean {gap.mean():.3g}")
    return 0 if difference.max() <= 1e-4 and gap.max() <= 1e-4 else 1


if __name__ == "__main__":
    sys.exit(main())
