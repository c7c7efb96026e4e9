"""Conversational sentences labelled by sentiment lexicons from PyPI, for the sentiment branch.

SST-2 is film-review phrases, and augment.py's built sentences inherit its words. The chat hears
people write about themselves and the things they bought or use ("my card was declined", "i've
been so lonely lately"), in words a film review rarely holds. Here such sentences are built from
two lexicons that ship in registry packages, never from the held-out sets or the smoke checks:

- VADER's lexicon (vaderSentiment: 7,500 words, each rated -4..4 by ten people) gives a word's
  polarity; only words rated clearly (|mean| >= MIN_VALENCE) and consistently (std <= MAX_STD)
  are used.
- TextBlob's part-of-speech lexicon (textblob/en/en-lexicon.txt) says which of those words are
  adjectives (JJ), participles (VBN) or past-tense verbs (VBD), so that templates stay grammatical.

Subjects come from the data folder's training rows: "my X" in Banking77's training questions (a
customer's things) and "the X is/was" in SST-2's training phrases. The templates:

- feelings: "i'm feeling really lonely today" (label: the adjective's sign);
- things: "my transfer was painless", "my card failed again" (the adjective's or verb's sign);
- negated praise: "i'm not happy with my refund", "the app is not reliable", "nobody helped"
  (negative);
- contrast: two of the above of opposite labels, "A, but B" (B's label); as many lists of two or
  three clauses of one label joined by "and" ("A, B, and C"), so a connective alone decides nothing.

A pure function of the lexicons, the training rows and the seed:

    python training/lexicon_sentences.py --data DATA --out W/lexicon.tsv    # to look at them
"""
import argparse
import importlib.util
import json
import random
import re
from pathlib import Path

from augment import first_of_each_text
from common import sst2_split

SEED = 20261207
MIN_VALENCE = 1.2
MAX_STD = 1.1
DEGREE = ["", "", "so ", "really ", "a bit ", "pretty ", "very ", "kind of ", "quite ", "totally "]
WHEN = ["", "", "", " today", " right now", " lately", " this week", " tonight", " again", " this morning"]
FEELING = ["i'm {d}{a}{w}", "i am {d}{a}{w}", "i feel {d}{a}{w}", "i'm feeling {d}{a}{w}",
           "i've been {d}{a}{w}", "honestly i feel {d}{a}{w}", "i was {d}{a}{w}", "we are {d}{a}{w}",
           "i've been feeling {d}{a}{w}", "feeling {d}{a}{w}"]
STATE = ["{s} is {d}{a}", "{s} was {d}{a}", "{s} seems {d}{a}", "{s} looks {d}{a}", "{s} arrived {a}",
         "{s} has been {d}{a}{w}", "{s} turned out {d}{a}"]
EVENT = ["{s} {v}{w}", "{s} {v} last month", "{s} {v} after a week", "{s} just {v}", "i {v} {s}{w}",
         "honestly, i {v} {s}", "i {v} {s} yesterday", "we {v} {s}{w}"]
NEGATED = ["i'm not {a} with {s}", "{s} is not {a}", "{s} wasn't {a}", "i'm not {a}{w}",
           "i don't feel {a}{w}", "{s} isn't very {a}", "nobody {v}", "no one {v}{w}", "{s} never {v}",
           "nobody {v} {s}", "they never {v}"]
BUT = ["{a}, but {b}", "{a} but {b}", "{a}. however, {b}", "although {a}, {b}", "{a}, yet {b}",
       "{a}; then again, {b}", "{a}. sadly, {b}", "{a}. luckily, {b}"]
AND = ["{a} and {b}", "{a}, and {b}", "{a}. also, {b}", "{a}, {b}, and {c}", "{a}; {b}; {c}"]


def package_folder(name: str) -> Path:
    """An installed package's folder, found without importing it (textblob would import nltk)."""
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        raise SystemExit(f"lexicon_sentences.py: the {name} package is not installed "
                         "(pip install -r training/requirements.txt)")
    return Path(spec.origin).parent


def part_of_speech() -> dict[str, str]:
    """word -> its first Penn tag in TextBlob's lexicon."""
    tags = {}
    tag_file = package_folder("textblob") / "en" / "en-lexicon.txt"
    for line in tag_file.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) >= 2:
            tags.setdefault(parts[0], parts[1])
    return tags


def lexicon_words() -> dict[str, dict[int, list[str]]]:
    """{'adjective' | 'verb': {label: words}} from VADER's ratings and TextBlob's tags."""
    tags = part_of_speech()
    words = {"adjective": {0: [], 1: []}, "verb": {0: [], 1: []}}
    vader_file = package_folder("vaderSentiment") / "vader_lexicon.txt"
    for line in vader_file.read_text(encoding="utf-8").splitlines():
        word, mean, std = line.split("\t")[:3]
        if not word.isalpha() or abs(float(mean)) < MIN_VALENCE or float(std) > MAX_STD:
            continue
        label = int(float(mean) > 0)
        if tags.get(word) in ("JJ", "VBN"):
            words["adjective"][label].append(word)
        elif tags.get(word) == "VBD":
            words["verb"][label].append(word)
    return words


def subjects(train: list[tuple[str, int]], banking_texts: list[str]) -> list[str]:
    """Noun phrases a person talks about: "my X" from Banking77, "the X" from SST-2 phrases."""
    tags, found = part_of_speech(), set()
    for text in banking_texts:
        found.update("my " + noun for noun in re.findall(r"\bmy ([a-z]{3,})\b", text.lower()))
    for text, _ in train:
        found.update(re.findall(r"^(the [a-z]{3,}) (?:is|was) ", text))
    return sorted(phrase for phrase in found if tags.get(phrase.split()[1]) in ("NN", "NNS"))


def build(train: list[tuple[str, int]], banking_texts: list[str], count: int = 24000) -> list[tuple[str, int]]:
    """The built rows (text, label), fixed by SEED; half single clauses, half joined ones."""
    rng = random.Random(SEED)
    words, things = lexicon_words(), subjects(train, banking_texts)

    def clause(label: int) -> str:
        kind = rng.random()
        d, w, s = rng.choice(DEGREE), rng.choice(WHEN), rng.choice(things)
        if kind < 0.3:
            return rng.choice(FEELING).format(d=d, a=rng.choice(words["adjective"][label]), w=w)
        if kind < 0.6 or not words["verb"][label]:
            return rng.choice(STATE).format(s=s, d=d, a=rng.choice(words["adjective"][label]), w=w)
        if kind < 0.85 or label == 1:  # negated praise stands for a negative clause
            return rng.choice(EVENT).format(s=s, v=rng.choice(words["verb"][label]), w=w)
        return rng.choice(NEGATED).format(s=s, a=rng.choice(words["adjective"][1]), v=rng.choice(words["verb"][1]), w=w)

    rows = []
    for index in range(count):
        label, shape = index % 2, index % 4 // 2  # alternate labels; single and joined in turn
        if shape == 0:
            rows.append((clause(label), label))
        elif rng.random() < 0.5:
            rows.append((rng.choice(BUT).format(a=clause(1 - label), b=clause(label)), label))
        else:
            rows.append((rng.choice(AND).format(a=clause(label), b=clause(label), c=clause(label)), label))
    return first_of_each_text(rows)


def lexicon_rows(data: Path, train: list[tuple[str, int]] | None = None) -> list[tuple[str, int]]:
    """build() from a data folder (the training side of the SST-2 split, Banking77's training questions)."""
    train = train if train is not None else sst2_split(data / "sst2/train.tsv")[0]
    with open(data / "banking77/train.jsonl", encoding="utf-8") as handle:
        banking = [json.loads(line)["text"] for line in handle if line.strip()]
    return build(train, banking)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="the data folder")
    parser.add_argument("--out", type=Path, required=True, help="sentence<TAB>label file to write")
    args = parser.parse_args()
    rows = lexicon_rows(args.data)
    args.out.write_text("sentence\tlabel\n" + "".join(f"{s}\t{l}\n" for s, l in rows), encoding="utf-8")
    words = lexicon_words()
    print(f"{args.out}: {len(rows)} rows; adjectives {len(words['adjective'][0])} negative, "
          f"{len(words['adjective'][1])} positive; verbs {len(words['verb'][0])} / {len(words['verb'][1])}")


if __name__ == "__main__":
    main()
