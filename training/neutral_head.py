"""Fit the neutral head of an exported model folder and store it in its config.json.

The sentiment head is binary (SST-2 has no neutral class); the uncertainty band (neutral when the
top probability is below tau) was the first answer to "when is a text neutral?", and it is weak on
tweets: a confident-sounding statement of fact is neutral to a reader but not to a binary head.
The neutral head is a logistic regression that asks the question directly, from what the one
encoder pass already has: the normalised mean-pooled sentence embedding (384 values) plus the
binary head's margin m = logit(positive) - logit(negative) and |m|.

    P(neutral) = sigmoid(w . embedding + a |m| + b m + c);   neutral when P(neutral) > above

The direction of a non-neutral text still comes from the binary head, so SST-2 decisions do not
change. Data: the tune half of TweetEval val (common.tweet_halves, 1,000 tweets, the same half
that chose tau) fits w, a, b, c (C chosen by 5-fold cross-validation on that half) and `above`
(best 3-class macro-F1 on that half); the report half is only reported on, band and head alike.

    python training/neutral_head.py --model Sources/DefaultModel/squeezechat-sentiment \
        --data DATA --out build/neutral_head.json [--write]

--write adds `"neutral_head": {"weights", "abs_margin", "margin", "bias", "above"}` to the
folder's config.json `squeezechat` section (the Swift SentimentAnalyzer prefers it to the band).
"""
import argparse
import json
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import cross_val_score
from transformers import BertTokenizerFast

from common import encode, read_tsv, tweet_halves
from evaluate import TWEET_LABELS, tweet_metrics
from forked import load_model

MARGIN_SCALE = 10.0  # margins are up to ~10: scaled to the embedding's range for the regulariser
GRID = np.round(np.arange(0.20, 0.80, 0.01), 2)


def features(embeddings: np.ndarray, logits: np.ndarray) -> np.ndarray:
    margin = (logits[:, 1] - logits[:, 0])[:, None] / MARGIN_SCALE
    return np.hstack([embeddings, np.abs(margin), margin])


def three_way(p_neutral: np.ndarray, p_positive: np.ndarray, above: float) -> np.ndarray:
    """0 negative, 1 neutral, 2 positive."""
    return np.where(p_neutral > above, 1, np.where(p_positive >= 0.5, 2, 0))


def head_metrics(p_neutral, p_positive, gold, above) -> dict:
    predicted = three_way(p_neutral, p_positive, above)
    return {"n": int(len(gold)), "accuracy_3class": float((predicted == gold).mean()),
            "macro_f1_3class": float(f1_score(gold, predicted, average="macro", labels=[0, 1, 2])),
            "neutral_predicted": float((predicted == 1).mean())}


def head_arguments(description: str) -> argparse.Namespace:
    """The command line every head-fitting script shares."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--model", type=Path, required=True, help="exported folder (export.py), int8 or float")
    parser.add_argument("--data", type=Path, required=True, help="the data folder")
    parser.add_argument("--out", type=Path, required=True, help="the report, as JSON")
    parser.add_argument("--write", action="store_true", help="store the head in the folder's config.json")
    return parser.parse_args()


def load_folder(folder: Path):
    """(config.json's path, its contents, the model as transformers runs it, the tokenizer) of an exported folder."""
    config_path = folder / "config.json"
    model = load_model(folder)
    tokenizer = BertTokenizerFast(str(folder / "vocab.txt"), do_lower_case=True)
    return config_path, json.loads(config_path.read_text()), model, tokenizer


def store_head(config_path: Path, config: dict, key: str, head: LogisticRegression, dims: int,
               margin_terms: list[str], extra: dict, note_key: str, note: str) -> None:
    """Writes a fitted head into config.json's `squeezechat` section as the Swift reader expects:
    `weights` (the embedding's), one weight per margin term (undoing MARGIN_SCALE), `bias`, `extra`."""
    w = head.coef_[0]
    config.setdefault("squeezechat", {})[key] = {
        "weights": [round(float(v), 7) for v in w[:dims]],
        **{term: float(w[dims + i] / MARGIN_SCALE) for i, term in enumerate(margin_terms)},
        "bias": float(head.intercept_[0]), **extra}
    config["squeezechat"][note_key] = note
    config_path.write_text(json.dumps(config, indent=2, sort_keys=True) + "\n")
    print(f"{config_path}: {key} written")


def main() -> None:
    args = head_arguments(__doc__.splitlines()[0])
    config_path, config, model, tokenizer = load_folder(args.model)
    tweets = read_tsv(args.data / "tweeteval/val.tsv")
    gold = np.array([TWEET_LABELS.index(label) for _, label in tweets])
    tune, report = tweet_halves(len(tweets))
    embeddings, logits = encode(model, tokenizer, [text for text, _ in tweets])
    x = features(embeddings, logits)
    p_positive = 1 / (1 + np.exp(-(logits[:, 1] - logits[:, 0])))
    neutral = (gold == 1).astype(int)

    scores = {c: float(cross_val_score(LogisticRegression(C=c, max_iter=5000), x[tune], neutral[tune], cv=5,
                                       scoring="neg_log_loss").mean()) for c in (0.3, 1.0, 3.0, 10.0)}
    c = max(scores, key=scores.get)
    head = LogisticRegression(C=c, max_iter=5000).fit(x[tune], neutral[tune])
    p_neutral = head.predict_proba(x)[:, 1]
    f1s = [head_metrics(p_neutral[tune], p_positive[tune], gold[tune], t)["macro_f1_3class"] for t in GRID]
    above = float(GRID[int(np.argmax(f1s))])
    tau = config.get("squeezechat", {}).get("neutral_below")
    report_data = {
        "C": c, "cross_validated_log_loss": scores, "above": above,
        "head_tune_half": head_metrics(p_neutral[tune], p_positive[tune], gold[tune], above),
        "head_report_half": head_metrics(p_neutral[report], p_positive[report], gold[report], above),
    }
    if tau is not None:
        report_data["band_report_half"] = tweet_metrics(p_positive[report], gold[report], tau)
    args.out.write_text(json.dumps(report_data, indent=2) + "\n")
    print(json.dumps(report_data, indent=2))

    if args.write:
        store_head(config_path, config, "neutral_head", head, embeddings.shape[1], ["abs_margin", "margin"],
                   {"above": above}, "note",
                   "binary head; neutral when sigmoid(weights . mean-pooled normalised embedding + abs_margin * |m| "
                   "+ margin * m + bias) > above, m = logit(positive) - logit(negative); neutral_below is the older "
                   "uncertainty band, used when neutral_head is absent")


if __name__ == "__main__":
    main()
