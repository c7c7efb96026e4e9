"""Banking77 as an out-of-scope benchmark with known and unseen topics (the chat's out-of-scope vote).

Holds out 30 intents (seeded): the train rows of the first 15 become out-of-scope examples
(intent "oos", the "known" topics); the other 15 are dropped from train ("unseen"). Each test
file has the 47 kept intents' test rows plus one group's test rows labelled "oos":

    python tools/oos_split.py --data DATA --out build/oos
    .build/release/squeezechat eval intents --train build/oos/train.jsonl --test build/oos/test-known.jsonl
    .build/release/squeezechat eval intents --train build/oos/train.jsonl --test build/oos/test-unseen.jsonl \\
        --no-out-of-scope-vote
"""
import argparse
import json
import random
import sys
from pathlib import Path


def read(path: Path) -> list[dict]:
    try:
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    except (OSError, json.JSONDecodeError) as error:
        raise SystemExit(f"error: {path}: {error}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="the data folder (banking77/)")
    parser.add_argument("--out", type=Path, required=True, help="output folder")
    parser.add_argument("--per-group", type=int, default=15, help="intents in each of the two held-out groups")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    train = read(args.data / "banking77" / "train.jsonl")
    test = read(args.data / "banking77" / "test.jsonl")
    names = sorted({row["intent"] for row in train})
    if 2 * args.per_group >= len(names):
        parser.error(f"--per-group {args.per_group}: only {len(names)} intents")
    random.Random(args.seed).shuffle(names)
    known, unseen = set(names[:args.per_group]), set(names[args.per_group:2 * args.per_group])

    args.out.mkdir(parents=True, exist_ok=True)
    with open(args.out / "train.jsonl", "w", encoding="utf-8") as handle:
        for row in train:
            if row["intent"] not in unseen:
                intent = "oos" if row["intent"] in known else row["intent"]
                handle.write(json.dumps({"text": row["text"], "intent": intent}) + "\n")
    for name, group in (("known", known), ("unseen", unseen)):
        with open(args.out / f"test-{name}.jsonl", "w", encoding="utf-8") as handle:
            for row in test:
                if row["intent"] in known | unseen:
                    if row["intent"] in group:
                        handle.write(json.dumps({"text": row["text"], "intent": "oos"}) + "\n")
                else:
                    handle.write(json.dumps(row) + "\n")
    print(f"{args.out}: known {sorted(known)}; unseen {sorted(unseen)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
