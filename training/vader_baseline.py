"""The lexicon baseline on the same rows as the bundled model: VADER (vaderSentiment, MIT).

    python training/vader_baseline.py --data DATA --out build/vader.json

VADER's compound score in [-1, 1] with its authors' thresholds: positive >= 0.05, negative <= -0.05,
neutral between. Reported like evaluate.py reports the model:
- SST-2 held-out sentences (common.held_out_views, 872): positive vs negative by the sign of the
  compound score (ties, 0, count as wrong: VADER abstains there);
- TweetEval val report half (common.tweet_halves): 3-class accuracy and macro-F1 with the
  thresholds, and the binary decision on the non-neutral tweets.
"""
import argparse
import json
from pathlib import Path

import numpy as np
from sklearn.metrics import f1_score
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from common import held_out_views, read_tsv, sst2_split, tweet_halves

TWEET_LABELS = ["negative", "neutral", "positive"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="the data folder")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()

    vader = SentimentIntensityAnalyzer()
    compound = lambda text: vader.polarity_scores(text)["compound"]
    _, sentences = held_out_views(sst2_split(args.data / "sst2/train.tsv")[1])
    scores = np.array([compound(s) for s, _ in sentences])
    gold = np.array([l for _, l in sentences])
    sst2 = float(((scores > 0) & (gold == 1) | (scores < 0) & (gold == 0)).mean())

    tweets = read_tsv(args.data / "tweeteval/val.tsv")
    _, report_rows = tweet_halves(len(tweets))
    tweet_scores = np.array([compound(tweets[i][0]) for i in report_rows])
    tweet_gold = np.array([TWEET_LABELS.index(tweets[i][1]) for i in report_rows])
    predicted = np.where(tweet_scores >= 0.05, 2, np.where(tweet_scores <= -0.05, 0, 1))
    polar = tweet_gold != 1
    report = {
        "sst2_held_out_sentences": {"n": int(len(gold)), "accuracy": sst2,
                                    "zero_compound": int((scores == 0).sum())},
        "tweeteval_report_half": {
            "n": int(len(tweet_gold)), "accuracy_3class": float((predicted == tweet_gold).mean()),
            "macro_f1_3class": float(f1_score(tweet_gold, predicted, average="macro", labels=[0, 1, 2])),
            "binary_accuracy_on_non_neutral": float(((tweet_scores[polar] > 0) == (tweet_gold[polar] == 2)).mean()),
            "n_non_neutral": int(polar.sum()),
        },
    }
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
