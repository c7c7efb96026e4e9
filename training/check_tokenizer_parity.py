#!/usr/bin/env python3
"""At-scale parity of the Swift tokenizer with Hugging Face's BertTokenizer on real data.

What this is for: the fixtures (make_tokenizer_fixtures.py) probe edge cases with a toy vocabulary;
this checks whole data sets with a real one. It writes one JSON line per text,
{"source": ..., "text": ..., "ids": [...]}, with the ids of the slow
`BertTokenizer(vocab, do_lower_case=True)` (full length, [CLS] and [SEP] included, no truncation),
then, with --run-swift, runs the Swift test that re-tokenises every line and reports the exact
match rate and its throughput. It is not part of CI: the data and the vocabulary stay outside the
repository, and the JSON lines go wherever OUT says (not into the repository).

Usage:
  check_tokenizer_parity.py --vocab VOCAB_TXT --data DATA_DIR --out OUT.jsonl [--run-swift [--scratch-path DIR]]

DATA_DIR holds sst2/train.tsv (sentence<TAB>label, with a header), banking77/train.jsonl and
banking77/test.jsonl ({"text", "intent"}); tweeteval/val.tsv (sentence<TAB>label) is used when
present, for its emoji and other non-ASCII text.
"""

import argparse
import json
import os
import subprocess
import sys
import time

from transformers import BertTokenizer


def read_tsv(path):
    """The first column of a sentence<TAB>label file with a header."""
    with open(path, encoding="utf-8", newline="") as f:
        lines = f.read().split("\n")
    return [line.rsplit("\t", 1)[0] for line in lines[1:] if line]


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line)["text"] for line in f if line.strip()]


def sources(data):
    found = [
        ("sst2/train", read_tsv, os.path.join(data, "sst2", "train.tsv")),
        ("banking77/train", read_jsonl, os.path.join(data, "banking77", "train.jsonl")),
        ("banking77/test", read_jsonl, os.path.join(data, "banking77", "test.jsonl")),
        ("tweeteval/val", read_tsv, os.path.join(data, "tweeteval", "val.tsv")),
    ]
    for name, reader, path in found:
        if os.path.exists(path):
            yield name, reader(path)
        elif not name.startswith("tweeteval"):
            sys.exit(f"{path}: not found")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--vocab", required=True, help="vocab.txt of an uncased BERT-family model")
    parser.add_argument("--data", required=True, help="folder with sst2/, banking77/ (and tweeteval/)")
    parser.add_argument("--out", required=True, help="where to write the JSON lines")
    parser.add_argument("--run-swift", action="store_true", help="then run the Swift parity test on them")
    parser.add_argument("--scratch-path", help="SwiftPM build folder for --run-swift (default: .build)")
    args = parser.parse_args()

    tokenizer = BertTokenizer(args.vocab, do_lower_case=True)
    tokenizer.model_max_length = 10**9  # full length: no warning, no truncation
    rows = 0
    start = time.perf_counter()
    with open(args.out, "w", encoding="utf-8") as out:
        for name, texts in sources(args.data):
            for text in texts:
                ids = tokenizer(text)["input_ids"]
                out.write(json.dumps({"source": name, "text": text, "ids": ids}, ensure_ascii=False) + "\n")
            rows += len(texts)
            print(f"{name}: {len(texts)} rows")
    elapsed = time.perf_counter() - start
    print(f"wrote {rows} rows to {args.out}; Hugging Face slow tokenizer: {rows / elapsed:.0f} rows/s")

    if args.run_swift:
        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        env = dict(os.environ, SQUEEZECHAT_PARITY_DATA=os.path.abspath(args.out),
                   SQUEEZECHAT_PARITY_VOCAB=os.path.abspath(args.vocab))
        command = ["swift", "test", "-c", "release", "-Xswiftc", "-enable-testing", "--filter", "TokenizerParity"]
        if args.scratch_path:
            command += ["--scratch-path", args.scratch_path]
        sys.exit(subprocess.call(command, cwd=root, env=env))


if __name__ == "__main__":
    main()
