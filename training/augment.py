"""Conversational and contrastive training sentences, built from SST-2's training rows and their labels.

SST-2 is third-person movie-review phrases; the chat hears people write about themselves ("i'm
feeling a bit down today") and weigh two things against each other ("the battery is great but the
screen cracked"), where the clause after "but" decides. Both are built here from the training side
of the fixed split (common.sst2_split), so no held-out sentence or phrase takes part, and every
label is an SST-2 label:

- contrast: two training phrases of opposite labels joined by a connective whose second clause
  decides ("A, but B", "although A, B", ...); the label is B's. As many again are joined by "and"
  with equal labels, so that the model does not learn "a connective means the second clause's
  label is the opposite of the first's".
- first person: a training phrase that describes ("is X", "feels X", "seems X") with X its label
  turned into a statement about the writer ("i am X", "i'm feeling X today", ...).

A pure function of the training rows and the seed:

    python training/augment.py --data DATA --out W/augmented.tsv    # to look at them
"""
import argparse
import random
from pathlib import Path

from common import sst2_split

SEED = 20261206
CONTRAST = ["{a}, but {b}", "{a} but {b}", "{a}. however, {b}", "although {a}, {b}", "{a}, yet {b}",
            "{a}. still, {b}", "{a}; on the other hand, {b}", "sure, {a}, but {b}"]
AGREEING = ["{a} and {b}", "{a}, and {b}", "{a}. also, {b}", "{a}; plus {b}"]
DESCRIBING = ("is ", "was ", "feels ", "seems ", "looks ", "are ", "were ")
FIRST_PERSON = ["i am {x}", "i'm feeling {x} today", "honestly, i feel {x}", "i was {x}", "to be honest i'm {x}",
                "i feel {x} right now", "i've been {x} all week", "today i'm {x}", "i'm just {x}", "i feel {x}"]


def clauses(rows: list[tuple[str, int]], low: int, high: int) -> dict[int, list[str]]:
    """Training phrases of low..high words by label, without a trailing full stop."""
    by_label: dict[int, list[str]] = {0: [], 1: []}
    for text, label in rows:
        words = text.split()
        if low <= len(words) <= high:
            by_label[label].append(text.strip().rstrip(" .!"))
    return by_label


def contrast_rows(rows, count: int, rng: random.Random) -> list[tuple[str, int]]:
    by_label = clauses(rows, 3, 14)
    out = []
    for index in range(count):
        template = rng.choice(CONTRAST)
        b_label = index % 2
        a, b = rng.choice(by_label[1 - b_label]), rng.choice(by_label[b_label])
        out.append((template.format(a=a, b=b), b_label))
    for index in range(count // 2):
        label = index % 2
        a, b = rng.choice(by_label[label]), rng.choice(by_label[label])
        out.append((rng.choice(AGREEING).format(a=a, b=b), label))
    return out


def first_person_rows(rows, count: int, rng: random.Random) -> list[tuple[str, int]]:
    described: dict[int, list[str]] = {0: [], 1: []}
    for text, label in rows:
        for lead in DESCRIBING:
            if text.startswith(lead):
                rest = text[len(lead):].strip().rstrip(" .!")
                if 1 <= len(rest.split()) <= 6:
                    described[label].append(rest)
    out = []
    for index in range(count):
        label = index % 2
        out.append((rng.choice(FIRST_PERSON).format(x=rng.choice(described[label])), label))
    return out


def first_of_each_text(rows: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """rows without repeats: the first row of each text, in order."""
    seen, unique = set(), []
    for text, label in rows:
        if text not in seen:
            seen.add(text)
            unique.append((text, label))
    return unique


def augmented(train: list[tuple[str, int]], contrast: int = 12000, first_person: int = 8000) -> list[tuple[str, int]]:
    """The built rows (text, label) from the training side of the split, fixed by SEED."""
    rng = random.Random(SEED)
    return first_of_each_text(contrast_rows(train, contrast, rng) + first_person_rows(train, first_person, rng))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="the data folder")
    parser.add_argument("--out", type=Path, required=True, help="sentence<TAB>label file to write")
    args = parser.parse_args()
    rows = augmented(sst2_split(args.data / "sst2/train.tsv")[0])
    args.out.write_text("sentence\tlabel\n" + "".join(f"{s}\t{l}\n" for s, l in rows), encoding="utf-8")
    print(f"{args.out}: {len(rows)} rows")


if __name__ == "__main__":
    main()
