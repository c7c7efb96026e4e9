"""Does the grouped student still hold the teacher's intent neighbourhoods, only in another basis?

Fits a ridge regression from the student's mean-pooled hidden states (the last layer, or several
layers side by side) to the teacher's normalised sentence embeddings on unlabelled text (a corpus
file, SST-2 train and Banking77 train; never the intent examples), then scores the projected
student embeddings on the chat's intent examples: 1-nearest-neighbour accuracy and 5-fold
cross-validated logistic regression (C = 10, as the chat's classifier), beside the teacher and the
plain student. It does not (docs/training-log.md).

    python experiments/probe_projection.py --teacher build/finetuned --student build/student7e/bert-layout \\
        --permutation build/student7e/permutation.json \\
        --intents intents --corpus build/corpus.txt.gz --data DATA
"""
import argparse
import gzip
import random
import sys
from pathlib import Path

import numpy as np
import torch
import yaml
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score
from transformers import AutoTokenizer, BertModel

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "training"))  # common.py
from common import mean_pool, read_banking, read_tsv


def intent_examples(folder: Path) -> tuple[list[str], np.ndarray]:
    rows = []
    for path in sorted(folder.glob("*.yaml")):
        try:
            intents = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("intents") or []
            rows += [(str(example), intent["name"]) for intent in intents for example in intent["examples"]]
        except (yaml.YAMLError, AttributeError, KeyError, TypeError) as error:
            raise SystemExit(f"error: {path}: not an intent file ({type(error).__name__}: {error})".splitlines()[0])
    if not rows:
        raise SystemExit(f"error: {folder}: no intents with examples")
    return [text for text, _ in rows], np.array([label for _, label in rows])


@torch.no_grad()
def pooled_layers(folder: Path, texts: list[str], layers: list[int]) -> dict[int, np.ndarray]:
    """Mean-pooled hidden states after each of `layers` (0 = embeddings), (N, C) each."""
    tokenizer, model = AutoTokenizer.from_pretrained(folder), BertModel.from_pretrained(folder).eval()
    out = {layer: [] for layer in layers}
    for start in range(0, len(texts), 128):
        batch = tokenizer(texts[start:start + 128], padding=True, truncation=True, max_length=64, return_tensors="pt")
        hidden = model(**batch, output_hidden_states=True).hidden_states
        for layer in layers:
            out[layer].append(mean_pool(hidden[layer], batch["attention_mask"]).numpy())
    return {layer: np.concatenate(parts) for layer, parts in out.items()}


def normalise(x: np.ndarray) -> np.ndarray:
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for name in ("--teacher", "--student", "--intents", "--corpus", "--data"):
        parser.add_argument(name, type=Path, required=True)
    parser.add_argument("--permutation", type=Path,
                        help="the student's permutation.json (distill.py): its residual channels are the teacher's "
                             "reordered, so its own embedding is compared through that order")
    parser.add_argument("--fit-rows", type=int, default=13000, help="unlabelled texts the projection is fitted on")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    for path in (args.teacher, args.student, args.intents, args.data):
        if not path.is_dir():
            raise SystemExit(f"error: {path}: no such folder")
    for path in [args.corpus] + ([args.permutation] if args.permutation else []):
        if not path.is_file():
            raise SystemExit(f"error: {path}: no such file")
    torch.set_num_threads(2)
    texts, labels = intent_examples(args.intents)
    excluded = set(texts)
    corpus = [line.strip() for line in gzip.open(args.corpus, "rt", encoding="utf-8") if line.strip() not in excluded]
    sst = [text for text, _ in read_tsv(args.data / "sst2" / "train.tsv")]
    bank = [text for text, _ in read_banking(args.data / "banking77" / "train.jsonl")]
    rng = random.Random(args.seed)
    share = args.fit_rows // 13
    fit = rng.sample(corpus, min(6 * share, len(corpus))) + rng.sample(sst, 4 * share) + rng.sample(bank, 3 * share)

    def one_nn(x: np.ndarray) -> float:
        x = normalise(x)
        similarity = x @ x.T
        np.fill_diagonal(similarity, -1)
        return float((labels[similarity.argmax(1)] == labels).mean())

    def regression(x: np.ndarray) -> float:
        folds = StratifiedKFold(5, shuffle=True, random_state=args.seed)
        return float(cross_val_score(LogisticRegression(C=10, max_iter=300), normalise(x), labels, cv=folds).mean())

    target_fit = normalise(pooled_layers(args.teacher, fit, [6])[6])
    teacher = normalise(pooled_layers(args.teacher, texts, [6])[6])
    print(f"{len(fit)} fit texts, {len(texts)} intent examples")
    print(f"teacher: 1-NN {one_nn(teacher):.3f}, LR {regression(teacher):.3f}")
    layers = [3, 4, 5, 6]
    student_fit, student = pooled_layers(args.student, fit, layers), pooled_layers(args.student, texts, layers)
    line = f"student: 1-NN {one_nn(student[6]):.3f}, LR {regression(student[6]):.3f}"
    if args.permutation:
        import json
        residual = json.loads(args.permutation.read_text())["residual"]
        line += f", cosine to the teacher {float((normalise(student[6]) * teacher[:, residual]).sum(1).mean()):.3f}"
    print(line)
    for combination in ([6], [4, 6], [3, 4, 5, 6]):
        x_fit = np.concatenate([student_fit[layer] for layer in combination], 1)
        x = np.concatenate([student[layer] for layer in combination], 1)
        mean, scale = x_fit.mean(0), x_fit.std(0) + 1e-6
        x_fit, x = (x_fit - mean) / scale, (x - mean) / scale
        for strength in (1.0, 10.0, 100.0):
            ridge = strength * len(x_fit) * 1e-3 * np.eye(x_fit.shape[1])
            projected = x @ np.linalg.solve(x_fit.T @ x_fit + ridge, x_fit.T @ target_fit)
            cosine = float((normalise(projected) * teacher).sum(1).mean())
            print(f"layers {combination}, ridge {strength:g}: cosine to the teacher {cosine:.3f}, "
                  f"1-NN {one_nn(projected):.3f}, LR {regression(projected):.3f}")


if __name__ == "__main__":
    main()
