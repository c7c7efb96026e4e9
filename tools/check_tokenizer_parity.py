#!/usr/bin/env python3
"""At-scale parity of the Swift tokenizer with Hugging Face's BertTokenizer on real data.

What this is for: the fixtures (make_tokenizer_fixtures.py) probe edge cases with a toy vocabulary;
this checks whole data sets with a real one. It writes one JSON line per text,
{"source": ..., "text": ..., "ids": [...], "offsets": [[start, end], ...]}, with the ids of the slow
`BertTokenizer(vocab, do_lower_case=True)` (full length, [CLS] and [SEP] included, no truncation)
and, where comparable, `BertTokenizerFast`'s offsets. With --run-swift it then runs the Swift test
that re-tokenises every line and reports the exact match rate and its throughput. It is not part of CI: the data and the vocabulary stay outside the
repository, and the JSON lines go wherever OUT says (not into the repository).

Usage:
  check_tokenizer_parity.py --vocab VOCAB_TXT --data DATA_DIR --out OUT.jsonl [--run-swift [--scratch-path DIR]]

With --random N it adds N seeded strings drawn from all of Unicode and the vocabulary's characters.

DATA_DIR holds sst2/train.tsv (sentence<TAB>label, with a header), banking77/train.jsonl and
banking77/test.jsonl ({"text", "intent"}); tweeteval/val.tsv (sentence<TAB>label) is used when
present, for its emoji and other non-ASCII text.
"""

import argparse
import json
import os
import random
import subprocess
import sys
import time

from transformers import BertTokenizer, BertTokenizerFast

from make_tokenizer_fixtures import offsets_comparable


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


def random_texts(count, seed, vocab_path):
    """Seeded strings drawn from all of Unicode, the vocabulary's own characters, whitespace,
    combining marks and special tokens: the data sets above are nearly all ASCII."""
    rng = random.Random(seed)
    with open(vocab_path, encoding="utf-8") as f:
        vocab_chars = sorted({c for line in f for c in line.rstrip("\n").removeprefix("##")})
    marks = [chr(c) for c in range(0x300, 0x370)] + ["\u0f39", "\U0001d165", "\U0001d16d", "\u3099"]
    spaces = [" ", "  ", "\t", "\n", "\r\n", "\u00a0", "\u3000", "\u2028", "\u200b", "\x00", "\x85"]
    specials = ["[MASK]", "[CLS]", "[SEP]", "[PAD]", "[UNK]", "[mask]"]

    def any_code_point():
        while True:
            value = rng.choice([rng.randint(0x80, 0x2FFF), rng.randint(0x3000, 0xFFFF), rng.randint(0x10000, 0x10FFFF)])
            if not 0xD800 <= value <= 0xDFFF:
                return chr(value)

    texts = []
    for _ in range(count):
        parts = []
        for _ in range(rng.randint(1, 20)):
            kind = rng.random()
            if kind < 0.45:
                word = "".join(rng.choice(vocab_chars) for _ in range(rng.randint(1, 8)))
                parts.append(word.upper() if rng.random() < 0.2 else word)
            elif kind < 0.65:
                parts.append(any_code_point())
            elif kind < 0.75:
                parts.append(rng.choice(vocab_chars) + "".join(rng.choice(marks) for _ in range(rng.randint(1, 3))))
            elif kind < 0.80:
                parts.append(rng.choice(specials))
            else:
                parts.append(rng.choice(spaces))
        texts.append("".join(parts))
    return texts


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--vocab", required=True, help="vocab.txt of an uncased BERT-family model")
    parser.add_argument("--data", required=True, help="folder with sst2/, banking77/ (and tweeteval/)")
    parser.add_argument("--out", required=True, help="where to write the JSON lines")
    parser.add_argument("--random", type=int, default=0, metavar="N",
                        help="also N seeded random Unicode strings")
    parser.add_argument("--seed", type=int, default=1, help="seed for --random")
    parser.add_argument("--run-swift", action="store_true", help="then run the Swift parity test on them")
    parser.add_argument("--scratch-path", help="SwiftPM build folder for --run-swift (default: .build)")
    args = parser.parse_args()

    tokenizer = BertTokenizer(args.vocab, do_lower_case=True)
    tokenizer.model_max_length = 10**9  # full length: no warning, no truncation
    fast = BertTokenizerFast(vocab_file=args.vocab, do_lower_case=True)
    fast.model_max_length = 10**9
    named = list(sources(args.data))
    if args.random:
        named.append(("random", random_texts(args.random, args.seed, args.vocab)))
    rows = 0
    start = time.perf_counter()
    with open(args.out, "w", encoding="utf-8") as out:
        for name, texts in named:
            with_offsets = 0
            for text in texts:
                ids = tokenizer(text)["input_ids"]
                row = {"source": name, "text": text, "ids": ids}
                # Offsets only where the fast tokenizer's are comparable (see make_tokenizer_fixtures.py).
                if offsets_comparable(fast, text, ids):
                    row["offsets"] = [list(pair) for pair in fast(text, return_offsets_mapping=True)["offset_mapping"]]
                    with_offsets += 1
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
            rows += len(texts)
            print(f"{name}: {len(texts)} rows, {with_offsets} with offsets")
    elapsed = time.perf_counter() - start
    print(f"wrote {rows} rows to {args.out} in {elapsed:.0f} s")

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
