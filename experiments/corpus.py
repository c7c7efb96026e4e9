"""Build a varied English distillation corpus for distill.py --corpus.

The student had only seen movie-review phrases and banking questions, and its embeddings fell
furthest behind the teacher's on chat turns (out-of-scope detection). This gathers two kinds of
unlabelled text the teacher then labels:

- Debian's `fortunes` package (apt-get install fortunes): about 15,000 quotations, jokes, riddles,
  dialogue and definitions. Entries are split into sentences and packed into chunks of at most
  --max-chars; attribution lines ("-- Author") and ASCII art are dropped.
- The chat's own intent examples (intents/*.yaml: every `examples` list), repeated --intents-repeat
  times, since they are few and they are the text the chat's classifier is trained on.

One text a line, deduplicated (before repetition), shuffled with --seed, gzipped:

    apt-get install fortunes
    python experiments/corpus.py --fortunes /usr/share/games/fortunes --intents intents \\
        --intents-repeat 5 --out build/corpus.txt.gz
"""
import argparse
import gzip
import random
import re
import sys
from pathlib import Path

import yaml

# Not English prose: pictures and the collection of untranslated quotations.
SKIPPED_FORTUNE_FILES = {"ascii-art", "translate-me"}
# After . ! or ? (or one of them and a closing quote), before a capital or an opening quote.
SENTENCE_END = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][\"']))\s+(?=[\"'(A-Z])")
ATTRIBUTION = re.compile(r"^\s*(--|- |~~)")


def fortune_entries(folder: Path) -> list[str]:
    """Each `%`-separated entry of every fortune file, attributions dropped, whitespace collapsed."""
    files = sorted(p for p in folder.iterdir()
                   if p.is_file() and p.suffix == "" and p.name not in SKIPPED_FORTUNE_FILES)
    if not files:
        raise SystemExit(f"error: {folder}: no fortune files (apt-get install fortunes)")
    entries = []
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        for entry in text.split("\n%\n"):
            lines = [line for line in entry.splitlines() if not ATTRIBUTION.match(line)]
            joined = " ".join(" ".join(lines).split())
            if joined and looks_like_prose(joined):
                entries.append(joined)
    return entries


def looks_like_prose(text: str) -> bool:
    """Mostly letters and spaces: drops ASCII art, tables and code."""
    wordy = sum(c.isalpha() or c == " " for c in text)
    return len(text) >= 12 and wordy / len(text) >= 0.85


def chunks(text: str, max_chars: int) -> list[str]:
    """Sentences packed greedily into pieces of at most `max_chars` (a longer sentence stands alone)."""
    out, current = [], ""
    for sentence in SENTENCE_END.split(text):
        if current and len(current) + 1 + len(sentence) > max_chars:
            out.append(current)
            current = sentence
        else:
            current = f"{current} {sentence}" if current else sentence
    if current:
        out.append(current)
    return out


def intent_examples(folder: Path) -> list[str]:
    """Every string in an `examples` list anywhere in intents/*.yaml."""
    files = sorted(folder.glob("*.yaml"))
    if not files:
        raise SystemExit(f"error: {folder}: no *.yaml intent files")
    found = []

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "examples" and isinstance(value, list):
                    found.extend(str(v).strip() for v in value if str(v).strip())
                else:
                    walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for path in files:
        try:
            walk(yaml.safe_load(path.read_text(encoding="utf-8")))
        except yaml.YAMLError as error:
            raise SystemExit(f"error: {path}: not valid YAML ({str(error).splitlines()[0]})")
    return found


def unique(texts: list[str]) -> list[str]:
    seen, out = set(), []
    for text in texts:
        key = text.lower()
        if key not in seen:
            seen.add(key)
            out.append(text)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fortunes", type=Path, default=Path("/usr/share/games/fortunes"),
                        help="the fortune files' folder (Debian package `fortunes`)")
    parser.add_argument("--intents", type=Path, required=True, help="the repository's intents/ folder")
    parser.add_argument("--intents-repeat", type=int, default=5, help="times each intent example appears")
    parser.add_argument("--max-chars", type=int, default=200, help="longest chunk of a fortune")
    parser.add_argument("--out", type=Path, required=True, help="output file (.txt.gz)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if args.intents_repeat < 0 or args.max_chars < 20:
        parser.error("--intents-repeat must be 0 or more and --max-chars at least 20")
    if not args.fortunes.is_dir():
        print(f"error: {args.fortunes}: not a folder (apt-get install fortunes)", file=sys.stderr)
        return 1

    fortunes = unique([piece for entry in fortune_entries(args.fortunes) for piece in chunks(entry, args.max_chars)])
    examples = unique(intent_examples(args.intents))
    texts = fortunes + examples * args.intents_repeat
    random.Random(args.seed).shuffle(texts)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(args.out, "wt", encoding="utf-8") as handle:
        for text in texts:
            handle.write(text.replace("\n", " ") + "\n")
    print(f"{args.out}: {len(texts)} texts ({len(fortunes)} fortune pieces, "
          f"{len(examples)} intent examples x {args.intents_repeat})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
