"""The accuracy cost of int8: the float32 SqueezeBERT folder vs the exported int8 folder.

Both run in transformers' SqueezeBertForSequenceClassification (the int8 one dequantised with
export.load_dequantised) on the SST-2 held-out split and TweetEval val, full forward passes (no
cache: quantisation touches every layer).

    python training/quant_eval.py --fp32 build/squeezebert --int8 Sources/DefaultModel/squeezechat-sentiment \
        --data DATA --out build/quant.json [--banking]
"""
import argparse
import json
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file
from transformers import BertTokenizerFast

from common import encode, held_out_views, read_banking, read_tsv, sst2_split, tweet_halves
from evaluate import TWEET_LABELS, banking_accuracy, softmax, tweet_metrics
from export import load_dequantised
from forked import load_model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fp32", type=Path, required=True)
    parser.add_argument("--int8", type=Path, required=True)
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--banking", action="store_true",
                        help="also the Banking77 embedding check (logistic regression, train -> test) for both")
    args = parser.parse_args()

    selection, sentences = held_out_views(sst2_split(args.data / "sst2/train.tsv")[1])
    tweets = read_tsv(args.data / "tweeteval/val.tsv")
    tweet_gold = np.array([TWEET_LABELS.index(l) for _, l in tweets])
    _, report_rows = tweet_halves(len(tweets))
    tau = json.loads((args.int8 / "config.json").read_text())["squeezechat"]["neutral_below"]
    tokenizer = BertTokenizerFast(str(args.int8 / "vocab.txt"), do_lower_case=True)
    held_out = sentences + selection
    gold = np.array([l for _, l in held_out])
    full = np.arange(len(held_out)) < len(sentences)
    report = {"neutral_band_tau": tau}
    for name, state in [("fp32", load_file(str(args.fp32 / "model.safetensors"))), ("int8", load_dequantised(args.int8))]:
        model = load_model(args.fp32, state)
        _, held_logits = encode(model, tokenizer, [s for s, _ in held_out])
        # Only the report half of TweetEval: the half that chose the band is not a measurement.
        _, tweet_logits = encode(model, tokenizer, [tweets[i][0] for i in report_rows])
        predicted = softmax(held_logits)[:, 1] >= 0.5
        p_tweets = softmax(tweet_logits)[:, 1]
        report[name] = {
            "sst2_held_out_sentences_accuracy": float((predicted[full] == gold[full]).mean()),
            "sst2_selection_phrases_accuracy": float((predicted[~full] == gold[~full]).mean()),
            "tweeteval_report_half": tweet_metrics(p_tweets, tweet_gold[report_rows], tau),
        }
        if args.banking:
            train_embeddings, _ = encode(model, tokenizer, [t for t, _ in read_banking(args.data / "banking77/train.jsonl")])
            test_embeddings, _ = encode(model, tokenizer, [t for t, _ in read_banking(args.data / "banking77/test.jsonl")])
            report[name]["banking77_lr_accuracy"] = banking_accuracy(train_embeddings, test_embeddings, args.data)
        print(name, json.dumps(report[name]), flush=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
