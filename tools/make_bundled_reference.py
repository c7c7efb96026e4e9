"""The bundled models' outputs in PyTorch, as committed fixtures for the engine's tests.

Loads each folder of `Sources/DefaultModel` (the default and the grouped student) with
training/forked.py's reference (the int8 weights dequantised, float32 arithmetic) and writes, for a
few hand-written texts, the logits and the mean-pooled (unnormalised) sentence embedding, one file
per model (FOLDER.json):

    python tools/make_bundled_reference.py Tests/SqueezeBERTTests/Fixtures/bundled

Rerun it whenever a bundled model changes; `BundledModelTests` compares the engine (float
kernels, so that activations are not quantised) with it within 1e-4.
"""
import json
import sys
from pathlib import Path

import torch
from transformers import BertTokenizerFast

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "training"))  # common.py, forked.py
from common import mean_pool
from forked import load_model

FOLDERS = [ROOT / "Sources/DefaultModel/squeezechat-sentiment", ROOT / "Sources/DefaultModel/squeezechat-sentiment-grouped"]
TEXTS = [
    "What a wonderful, warm and funny film.", "This was a complete waste of time.", "It is a movie.",
    "I'm feeling a bit down today", "The battery is great but the screen cracked on day two.",
    "How do I activate my new card?", "Café naïve résumé — über cool 😀", "ok",
]


def main() -> None:
    for folder in FOLDERS:
        write_reference(folder, Path(sys.argv[1]) / f"{folder.name}.json")


def write_reference(folder: Path, out: Path) -> None:
    model = load_model(folder)
    tokenizer = BertTokenizerFast(str(folder / "vocab.txt"), do_lower_case=True)
    batch = tokenizer(TEXTS, padding=True, truncation=True, max_length=128, return_tensors="pt")
    with torch.no_grad():
        if hasattr(model, "sentiment_branch"):
            hidden, _, logits = model(batch["input_ids"], batch["attention_mask"])
        else:
            result = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"], output_hidden_states=True)
            hidden, logits = result.hidden_states[-1], result.logits
        embeddings = mean_pool(hidden, batch["attention_mask"])
    cases = [{"text": text, "logits": [round(float(v), 7) for v in logits[i]],
              "embedding": [round(float(v), 7) for v in embeddings[i]]} for i, text in enumerate(TEXTS)]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"model": folder.name, "cases": cases}, indent=1) + "\n", encoding="utf-8")
    print(f"{out}: {len(cases)} texts")


if __name__ == "__main__":
    main()
