"""Shared helpers for the training recipe: data readers, the fixed held-out split, and encoding.

Every script takes the data folder as an argument (DATA below: sst2/, tweeteval/, banking77/); none of
it is copied into the repository. The held-out split is a pure function of the file and the seed, so every script that
calls `sst2_split` sees the same rows.
"""
import csv
import json
import time
from pathlib import Path

import numpy as np
import torch

HOLDOUT_SENTENCES = 872  # the size of GLUE's SST-2 dev set; with their families about 10,000 rows
HOLDOUT_SEED = 20261123
SELECTION_ROWS = 3000
TWEET_SEED = 7
LABELS = ["negative", "positive"]


def read_tsv(path: Path) -> list[tuple[str, str]]:
    """`sentence<TAB>label` rows, header skipped (the files are one record a line, no quoting)."""
    rows = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle):
            line = line.rstrip("\n")
            if number == 0 and line.startswith("sentence\t"):
                continue
            sentence, label = line.rsplit("\t", 1)
            rows.append((sentence, label))
    return rows


def sst2_split(path: Path) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
    """(train, held_out): a fixed held-out split of sst2/train.tsv by sentence family.

    SST-2 train is phrase-level: each review sentence comes with its sub-phrases as separate rows,
    so a split over rows puts nearly every held-out sentence beside its own phrases in training
    (measured: 82 of 1,350 held-out sentences were clean). Here the unit is a family: a root
    sentence (a row inside no longer row) with every row that is a word-aligned substring of it.
    HOLDOUT_SENTENCES seeded roots are held out with their whole families, so no training row
    occurs inside a held-out sentence. Phrases shared with training sentences ("the film") go to
    the held-out side.
    """
    rows = [(s, int(l)) for s, l in read_tsv(path)]
    words = [tuple(s.split()) for s, _ in rows]
    by_words: dict[tuple[str, ...], list[int]] = {}
    for index, w in enumerate(words):
        by_words.setdefault(w, []).append(index)
    inside = {w[a:b] for w in words for a in range(len(w)) for b in range(a + 1, len(w) + 1) if b - a < len(w)}
    roots = sorted({w for w in words if w not in inside})
    held: set[int] = set()
    for root in np.random.default_rng(HOLDOUT_SEED).permutation(len(roots))[:HOLDOUT_SENTENCES]:
        w = roots[root]
        for a in range(len(w)):
            for b in range(a + 1, len(w) + 1):
                held.update(by_words.get(w[a:b], ()))
    train = [rows[i] for i in range(len(rows)) if i not in held]
    held_out = [rows[i] for i in sorted(held)]
    return train, held_out


def held_out_views(held_out: list[tuple[str, int]]) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
    """(selection, sentences) of a family split's held-out rows.

    sentences: the root sentences (held-out rows inside no other held-out row), the report set,
    SST-2-dev-like. selection: SELECTION_ROWS seeded held-out phrases that are not roots, on which
    training scripts pick checkpoints, so that the report set never chooses anything.
    """
    words = [tuple(s.split()) for s, _ in held_out]
    inside = {w[a:b] for w in words for a in range(len(w)) for b in range(a + 1, len(w) + 1) if b - a < len(w)}
    sentences = [row for row, w in zip(held_out, words) if w not in inside]
    phrases = [row for row, w in zip(held_out, words) if w in inside]
    picked = np.random.default_rng(HOLDOUT_SEED).permutation(len(phrases))[:SELECTION_ROWS]
    return [phrases[i] for i in sorted(picked)], sentences


def tweet_halves(count: int) -> tuple[np.ndarray, np.ndarray]:
    """(tune, report) row indices: a fixed seeded half of tweeteval/val.tsv chooses the neutral band,
    the other half reports on it."""
    order = np.random.default_rng(TWEET_SEED).permutation(count)
    return np.sort(order[:count // 2]), np.sort(order[count // 2:])


def read_banking(path: Path) -> list[tuple[str, str]]:
    with open(path, encoding="utf-8") as handle:
        return [(row["text"], row["intent"]) for row in map(json.loads, handle)]


def mean_pool(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """(B,T,C), (B,T) -> (B,C): masked mean over the real tokens, as sentence-transformers pools."""
    mask = mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)


@torch.no_grad()
def encode(model, tokenizer, texts: list[str], batch_size: int = 128, max_length: int = 128):
    """(normalised mean-pooled embeddings (N,C), classifier logits (N,L) or None) for a Bert*/SqueezeBert* model
    or a forked one (forked.py).

    Texts are sorted by length so batches pad little; results come back in input order.
    """
    model.eval()
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    embeddings, logits = [None] * len(texts), [None] * len(texts)
    base = getattr(model, "bert", None) or getattr(model, "transformer", None) or model
    head = getattr(model, "classifier", None) or getattr(model, "sentiment_branch", None)
    for start in range(0, len(order), batch_size):
        chunk = order[start:start + batch_size]
        batch = tokenizer([texts[i] for i in chunk], padding=True, truncation=True,
                          max_length=max_length, return_tensors="pt")
        if hasattr(model, "sentiment_branch"):  # forked.ForkedSqueezeBert: its own top gives the logits
            hidden, _, scores = model(batch["input_ids"], batch["attention_mask"])
        else:
            out = base(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"])
            hidden = out.last_hidden_state
            scores = head(out.pooler_output) if head is not None else None
        pooled = torch.nn.functional.normalize(mean_pool(hidden, batch["attention_mask"]), dim=-1)
        for j, i in enumerate(chunk):
            embeddings[i] = pooled[j].numpy()
            if scores is not None:
                logits[i] = scores[j].numpy()
    return np.stack(embeddings), (np.stack(logits) if head is not None else None)


def keep_to_budget(plan: dict, step: int, minutes: float, started: float, steps_started: float,
                   warmup: float, log) -> None:
    """`--minutes` for a training loop: shrinks plan["total"] (and plan["warm"]) so that the run ends
    within `minutes` of `started`. At step 30 the plan is fitted to the measured rate since
    `steps_started` (with 10% left for evaluations); past the limit the current step becomes the last."""
    if not minutes:
        return
    if step == 30:
        rate = (time.time() - steps_started) / 30
        fits = 30 + int((minutes * 60 - (time.time() - started)) / rate * 0.9)
        if fits < plan["total"]:
            plan["total"] = fits
            plan["warm"] = min(plan["warm"], max(1, int(fits * warmup)))
        print(json.dumps({"planned_steps": plan["total"], "s_per_step": round(rate, 3)}), file=log, flush=True)
    if time.time() - started > minutes * 60:
        plan["total"] = step + 1  # out of time: this is the last step, evaluated after it


if __name__ == "__main__":
    # Writes the held-out views as `sentence<TAB>label` files (for `squeezechat eval sentiment`).
    import argparse
    parser = argparse.ArgumentParser(description="write the held-out views as TSV: SST-2 held-out sentences and "
                                     "selection phrases, TweetEval's report half (3-class) and its non-neutral rows (0/1)")
    parser.add_argument("--data", type=Path, required=True, help="the data folder")
    parser.add_argument("--out", type=Path, required=True, help="folder for sst2-held-out-sentences.tsv, sst2-selection.tsv, "
                        "tweets-report-half.tsv, tweets-report-polar.tsv")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    selection, sentences = held_out_views(sst2_split(args.data / "sst2/train.tsv")[1])
    tweets = read_tsv(args.data / "tweeteval/val.tsv")
    report = [tweets[i] for i in tweet_halves(len(tweets))[1]]
    polar = [(s, int(l == "positive")) for s, l in report if l != "neutral"]
    for name, rows in (("sst2-held-out-sentences.tsv", sentences), ("sst2-selection.tsv", selection),
                       ("tweets-report-half.tsv", report), ("tweets-report-polar.tsv", polar)):
        (args.out / name).write_text("sentence\tlabel\n" + "".join(f"{s}\t{l}\n" for s, l in rows), encoding="utf-8")
        print(f"{args.out / name}: {len(rows)} rows")
