"""Measure a fine-tuned model against the untouched teacher: sentiment and embeddings, before and after.

    python training/evaluate.py --cache build/cache.pt --model build/finetuned --out build/metrics.json

Uses cache.py's frozen-bottom states (the fine-tuned model shares the teacher's frozen bottom,
which this checks), so every number here is the float32 model:
- SST-2 held-out sentence families (common.sst2_split, never trained on): accuracy on the 872
  held-out sentences (the SST-2-dev-like report set) and on the 3,000 held-out phrases that pick
  checkpoints.
- TweetEval val: the neutral band tau (neutral when the top binary probability < tau) is chosen
  on a fixed half (best 3-class macro-F1) and reported on the other half: 3-class accuracy and
  macro-F1, and binary accuracy on the non-neutral rows.
- Banking77: logistic regression on the normalised sentence embeddings, fit on train, scored on
  test, for the teacher and for the model.
"Before" is the teacher with a logistic-regression head on its frozen sentence embeddings (fit on
SST-2 train minus the held-out rows): the best a frozen encoder gives without fine-tuning.
"""
import argparse
import json
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from transformers import BertForSequenceClassification

from cache import TopLayers, load_cache
from common import read_banking, read_tsv, tweet_halves

TWEET_LABELS = ["negative", "neutral", "positive"]


def softmax(logits: np.ndarray) -> np.ndarray:
    e = np.exp(logits - logits.max(1, keepdims=True))
    return e / e.sum(1, keepdims=True)


def three_way(p_positive: np.ndarray, tau: float) -> np.ndarray:
    """0 negative, 1 neutral, 2 positive from the binary head's positive probability."""
    top = np.maximum(p_positive, 1 - p_positive)
    return np.where(top < tau, 1, np.where(p_positive >= 0.5, 2, 0))


def tweet_metrics(p_positive: np.ndarray, gold: np.ndarray, tau: float) -> dict:
    predicted = three_way(p_positive, tau)
    polar = gold != 1
    return {
        "n": int(len(gold)), "accuracy_3class": float((predicted == gold).mean()),
        "macro_f1_3class": float(f1_score(gold, predicted, average="macro", labels=[0, 1, 2])),
        "neutral_predicted": float((predicted == 1).mean()),
        "binary_accuracy_on_non_neutral": float(((p_positive[polar] >= 0.5) == (gold[polar] == 2)).mean()),
        "n_non_neutral": int(polar.sum()),
    }


def sentiment_report(p_sentences: np.ndarray, p_selection: np.ndarray, p_tweets: np.ndarray, sets: dict, data: Path) -> dict:
    """p_*: positive probabilities for the cached held-out sentences, selection phrases and tweets."""
    tweets = read_tsv(data / "tweeteval/val.tsv")
    tweet_gold = np.array([TWEET_LABELS.index(l) for _, l in tweets])
    tune_rows, report_rows = tweet_halves(len(tweets))
    grid = np.round(np.arange(0.50, 1.0, 0.01), 2)
    scores = [tweet_metrics(p_tweets[tune_rows], tweet_gold[tune_rows], t)["macro_f1_3class"] for t in grid]
    tau = float(grid[int(np.argmax(scores))])
    def accuracy(p: np.ndarray, name: str) -> dict:
        gold = sets[name]["labels"].numpy()
        return {"n": int(len(gold)), "accuracy": float(((p >= 0.5) == gold).mean())}
    return {
        "sst2_held_out_sentences": accuracy(p_sentences, "sst2_sentences"),
        "sst2_selection_phrases": accuracy(p_selection, "sst2_selection"),
        "neutral_band_tau": tau,
        "tweeteval_tune_half": tweet_metrics(p_tweets[tune_rows], tweet_gold[tune_rows], tau),
        "tweeteval_report_half": tweet_metrics(p_tweets[report_rows], tweet_gold[report_rows], tau),
        "tweeteval_report_half_no_band": tweet_metrics(p_tweets[report_rows], tweet_gold[report_rows], 0.0),
    }


def banking_accuracy(train: np.ndarray, test: np.ndarray, data: Path) -> float:
    y_train = [i for _, i in read_banking(data / "banking77/train.jsonl")]
    y_test = np.array([i for _, i in read_banking(data / "banking77/test.jsonl")])
    classifier = LogisticRegression(C=10.0, max_iter=3000).fit(train, y_train)
    return float((classifier.predict(test) == y_test).mean())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, required=True)
    parser.add_argument("--model", type=Path, default=None, help="finetune.py's output; omit for the 'before' numbers only")
    parser.add_argument("--data", type=Path, required=True, help="the data folder")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--skip-banking-teacher", action="store_true")
    args = parser.parse_args()

    cache = load_cache(args.cache)
    sets = cache["sets"]
    target = {name: s["target"].float().numpy() for name, s in sets.items()}
    report = {}
    if args.model is None:
        head = LogisticRegression(C=10.0, max_iter=2000).fit(target["sst2_train"], sets["sst2_train"]["labels"].numpy())
        report["before_teacher_lr_head"] = sentiment_report(
            *(head.predict_proba(target[name])[:, 1] for name in ("sst2_sentences", "sst2_selection", "tweeteval")),
            sets, args.data)
        report["banking77_teacher"] = banking_accuracy(target["banking_train"], target["banking_test"], args.data)
    else:
        model = BertForSequenceClassification.from_pretrained(str(args.model), attn_implementation="eager").eval()
        k = cache["train_layers"]
        teacher = load_file(str(Path(cache["teacher"]) / "model.safetensors"))
        frozen = model.config.num_hidden_layers - k
        for name, tensor in model.bert.state_dict().items():
            if name.startswith("embeddings.") or any(name.startswith(f"encoder.layer.{i}.") for i in range(frozen)):
                if name in teacher and not torch.equal(teacher[name], tensor):
                    raise SystemExit(f"{name} differs from the teacher: the cached bottom does not apply")
        top = TopLayers(model, k).eval()
        outputs = {name: top.run_split(s, "cpu") for name, s in sets.items() if name != "sst2_train"}
        report["after"] = sentiment_report(
            *(softmax(outputs[name][0])[:, 1] for name in ("sst2_sentences", "sst2_selection", "tweeteval")),
            sets, args.data)
        report["embedding_cosine_to_teacher"] = {
            name: float((outputs[name][1] * target[name]).sum(1).mean()) for name in outputs}
        report["banking77_model"] = banking_accuracy(outputs["banking_train"][1], outputs["banking_test"][1], args.data)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
