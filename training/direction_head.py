"""Fit the direction head of an exported model folder and store it in its config.json.

The binary head was fine-tuned on SST-2 movie-review phrases only, and on tweets its direction
(positive or negative, for tweets that are not neutral) is 13-14 points less accurate than on
SST-2 sentences. The direction head re-reads the same encoder pass for a broader audience: a
logistic regression over the normalised mean-pooled sentence embedding (384 values) and the binary
margin m = logit(positive) - logit(negative), fitted on both domains at once:

    P(positive) = sigmoid(w . embedding + a m + b)

Data, none of it reported on: the non-neutral tweets of TweetEval val's tune half (the half that
also fits the neutral head, common.tweet_halves) and SST-2's 3,000 held-out selection phrases
(common.held_out_views; never trained on by the encoder). C and the tweets' sample weight are
chosen by 5-fold cross-validation on those rows, scoring the mean of the two domains' accuracies.
Reported: the tweet report half (binary on non-neutral tweets, and 3-class with the neutral head)
and the 872 held-out SST-2 sentences, with and without the head.

    python training/direction_head.py --model Sources/DefaultModel/squeezechat-sentiment \
        --data DATA --out build/direction_head.json [--write]

--write adds `"direction_head": {"weights", "margin", "bias"}` to the folder's config.json
`squeezechat` section; the Swift SentimentAnalyzer then takes P(positive) from it.
"""
import json

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from common import encode, held_out_views, read_tsv, sst2_split, tweet_halves
from evaluate import TWEET_LABELS
from neutral_head import (MARGIN_SCALE, features as neutral_features, head_arguments, head_metrics, load_folder,
                          store_head)

C_GRID = (0.3, 1.0, 3.0, 10.0)
TWEET_WEIGHTS = (1.0, 2.0, 3.0)


def features(embeddings: np.ndarray, logits: np.ndarray) -> np.ndarray:
    margin = (logits[:, 1] - logits[:, 0])[:, None] / MARGIN_SCALE
    return np.hstack([embeddings, margin])


def choose(x: np.ndarray, y: np.ndarray, tweet: np.ndarray) -> tuple[dict, dict]:
    """(best {C, tweet_weight}, every setting's cross-validated mean of the two domains' accuracies)."""
    folds = StratifiedKFold(5, shuffle=True, random_state=0)
    scores = {}
    for weight in TWEET_WEIGHTS:
        for c in C_GRID:
            fold_scores = []
            for fit, held in folds.split(x, tweet * 2 + y):
                head = LogisticRegression(C=c, max_iter=5000).fit(
                    x[fit], y[fit], sample_weight=np.where(tweet[fit], weight, 1.0))
                right = head.predict(x[held]) == y[held]
                fold_scores.append(np.mean([right[tweet[held] == d].mean() for d in (True, False)]))
            scores[f"C={c},tweet_weight={weight}"] = (float(np.mean(fold_scores)), {"C": c, "tweet_weight": weight})
    best = max(scores.values(), key=lambda s: s[0])[1]
    return best, {k: round(v[0], 5) for k, v in scores.items()}


def main() -> None:
    args = head_arguments(__doc__.splitlines()[0])
    config_path, config, model, tokenizer = load_folder(args.model)

    tweets = read_tsv(args.data / "tweeteval/val.tsv")
    gold = np.array([TWEET_LABELS.index(label) for _, label in tweets])  # 0 negative, 1 neutral, 2 positive
    tune, report = tweet_halves(len(tweets))
    selection, sentences = held_out_views(sst2_split(args.data / "sst2/train.tsv")[1])
    tweet_embeddings, tweet_logits = encode(model, tokenizer, [text for text, _ in tweets])
    selection_embeddings, selection_logits = encode(model, tokenizer, [text for text, _ in selection])
    sentence_embeddings, sentence_logits = encode(model, tokenizer, [text for text, _ in sentences])

    polar_tune = tune[gold[tune] != 1]
    x = np.vstack([features(tweet_embeddings[polar_tune], tweet_logits[polar_tune]),
                   features(selection_embeddings, selection_logits)])
    y = np.concatenate([(gold[polar_tune] == 2).astype(int), [label for _, label in selection]])
    tweet = np.concatenate([np.ones(len(polar_tune), bool), np.zeros(len(selection), bool)])
    best, scores = choose(x, y, tweet)
    head = LogisticRegression(C=best["C"], max_iter=5000).fit(
        x, y, sample_weight=np.where(tweet, best["tweet_weight"], 1.0))

    def p_positive(embeddings, logits, with_head: bool) -> np.ndarray:
        if with_head:
            return head.predict_proba(features(embeddings, logits))[:, 1]
        return 1 / (1 + np.exp(-(logits[:, 1] - logits[:, 0])))

    polar_report = report[gold[report] != 1]
    sentence_gold = np.array([label for _, label in sentences])
    neutral = config.get("squeezechat", {}).get("neutral_head")
    results = {}
    for name, with_head in (("binary_head", False), ("direction_head", True)):
        tweets_p = p_positive(tweet_embeddings, tweet_logits, with_head)
        row = {
            "sst2_held_out_sentences": float(((p_positive(sentence_embeddings, sentence_logits, with_head) >= 0.5)
                                              == sentence_gold).mean()),
            "tweets_report_binary": float(((tweets_p[polar_report] >= 0.5) == (gold[polar_report] == 2)).mean()),
        }
        if neutral is not None:
            w = np.array(neutral["weights"] + [neutral["abs_margin"] * MARGIN_SCALE, neutral["margin"] * MARGIN_SCALE])
            z = neutral_features(tweet_embeddings, tweet_logits) @ w + neutral["bias"]
            p_neutral = 1 / (1 + np.exp(-z))
            row["tweets_report_3class"] = head_metrics(p_neutral[report], tweets_p[report], gold[report], neutral["above"])
        row["gap_points"] = round(100 * (row["sst2_held_out_sentences"] - row["tweets_report_binary"]), 2)
        results[name] = row
    report_data = {"chosen": best, "cross_validated_mean_domain_accuracy": scores,
                   "fit_rows": {"tweets": int(tweet.sum()), "sst2_selection_phrases": int((~tweet).sum())},
                   "report_rows": {"tweets_binary": int(len(polar_report)), "tweets_3class": int(len(report)),
                                   "sst2_sentences": int(len(sentences))}, **results}
    args.out.write_text(json.dumps(report_data, indent=2) + "\n")
    print(json.dumps(report_data, indent=2))

    if args.write:
        store_head(config_path, config, "direction_head", head, tweet_embeddings.shape[1], ["margin"], {},
                   "direction_note",
                   "P(positive) = sigmoid(weights . mean-pooled normalised embedding + margin * m + bias), "
                   "m = logit(positive) - logit(negative); without direction_head, softmax of the logits")


if __name__ == "__main__":
    main()
