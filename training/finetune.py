"""Fine-tune all-MiniLM-L6-v2 for sentiment while keeping its sentence embeddings.

One encoder pass must serve both jobs in squeezechat: the classifier head (pooled [CLS] ->
classifier, as SqueezeBertForSequenceClassification has it) gives sentiment, and the normalised
mean-pooled last hidden state is the sentence embedding for intent matching and retrieval. So the
loss is

    cross-entropy(classifier logits, SST-2 label)                        on SST-2 rows
  + lambda * (1 - cos(student embedding, frozen teacher embedding))     on SST-2 AND Banking77 train rows

Budget recipe (what fits two shared CPU cores in an hour): the bottom `6 - K` layers and the
embeddings stay frozen, so their output is computed once per text and cached (cache.py), and only
the top K layers, the pooler and the classifier train. With `cache.py --train-layers 6` all six
layers train (only the embedding tables stay frozen): slow on a CPU, fine on a GPU. The student
trains in BERT layout (Linear is faster than Conv1d); convert.py turns the result into the
SqueezeBERT folder exactly.

The held-out SST-2 sentence families (common.py) are never trained on; 3,000 of their phrases pick
the checkpoint, and the 872 held-out sentences are only reported.
Banking77 *test* is never trained on.

    python training/cache.py --data DATA --out build/cache.pt --train-layers 6
    python training/finetune.py --cache build/cache.pt --out build/finetuned --lr 5e-5 --lam 20 --epochs 3 \
        --eval-every 400 --threads 1

For a forked model's sentiment branch (forked.py) the top K layers train alone for sentiment:
`cache.py --train-layers 2`, then `--lam 0 --extra 0`, with `--mix sst2_augmented` (augment.py)
and `--kd` (teacher_logits.py: a stronger model's logits, distilled at `--temperature`).

Writes a BertForSequenceClassification folder to --out (the best held-out checkpoint) and a log
of every step window and evaluation to --out/log.jsonl.
"""
import argparse
import json
import random
import time
from pathlib import Path

import numpy as np
import torch
from transformers import BertForSequenceClassification, BertTokenizerFast

from common import LABELS, keep_to_budget, read_tsv, tweet_halves
from cache import TopLayers, load_cache


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, required=True, help="cache.py's output")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--epochs", type=float, default=1.0)
    parser.add_argument("--max-steps", type=int, default=0, help="stop after this many steps (0: epochs decide)")
    parser.add_argument("--minutes", type=float, default=0,
                        help="time budget: after 30 steps the schedule is shortened to end within it (0: none)")
    parser.add_argument("--batch", type=int, default=32, help="SST-2 rows per step")
    parser.add_argument("--extra", type=int, default=16, help="Banking77 train rows per step (embedding loss only)")
    parser.add_argument("--lr", type=float, default=5e-5)
    parser.add_argument("--warmup", type=float, default=0.06)
    parser.add_argument("--lam", type=float, default=10.0, help="weight of the embedding-keeping loss")
    parser.add_argument("--mix", action="append", default=[],
                        help="another labelled cached set trained beside sst2_train (e.g. sst2_augmented); repeatable")
    parser.add_argument("--tweets", type=Path, default=None,
                        help="tweeteval/val.tsv: its tune half's non-neutral tweets train too (the report half never)")
    parser.add_argument("--tweet-repeat", type=int, default=1, help="times each of those tweets is seen an epoch")
    parser.add_argument("--select-after", type=float, default=0.0,
                        help="keep no checkpoint before this fraction of the steps (the selection phrases are film "
                             "reviews and cannot judge what a --mix set teaches; 0.5 of 2 epochs: each row seen once)")
    parser.add_argument("--kd", type=Path, default=None,
                        help="teacher_logits.py's output: distil its logits (KL at --temperature) beside the labels")
    parser.add_argument("--kd-weight", type=float, default=0.5, help="weight of the distillation term; the labels get 1 - it")
    parser.add_argument("--temperature", type=float, default=2.0)
    parser.add_argument("--ema", type=float, default=0.0,
                        help="evaluate and keep an exponential moving average of the trained weights with this decay "
                             "(0: the weights as trained)")
    parser.add_argument("--eval-every", type=int, default=400)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--threads", type=int, default=0)
    args = parser.parse_args()

    if args.threads:
        torch.set_num_threads(args.threads)
    random.seed(args.seed)
    torch.manual_seed(args.seed)
    cache = load_cache(args.cache)
    teacher_dir = cache["teacher"]
    student = BertForSequenceClassification.from_pretrained(
        teacher_dir, num_labels=2, id2label=dict(enumerate(LABELS)),
        label2id={name: i for i, name in enumerate(LABELS)}, attn_implementation="eager")
    top = TopLayers(student, cache["train_layers"]).to(args.device)
    for name, p in student.named_parameters():
        p.requires_grad_(False)
    for p in top.parameters():
        p.requires_grad_(True)

    missing = [name for name in args.mix if name not in cache["sets"]]
    if missing:
        raise SystemExit(f"finetune.py: {args.cache} has no set {', '.join(missing)} "
                         f"(cache.py --add-to adds it; sets there: {', '.join(cache['sets'])})")
    sst = cache["sets"]["sst2_train"]
    teacher_logits = None
    if args.kd:
        kd = torch.load(args.kd, weights_only=False)
        # A set the teacher did not score (lexicon_built: the film-review teacher knows its words no
        # better than the labels do) learns from its labels alone: NaN rows.
        teacher_logits = torch.cat([kd["sets"][name] if name in kd["sets"] else
                                    torch.full((len(cache["sets"][name]["states"]), 2), float("nan"))
                                    for name in ["sst2_train", *args.mix]])
    for name in args.mix:  # one pool: a batch may hold rows of any labelled set
        extra = cache["sets"][name]
        sst = {"states": sst["states"] + extra["states"], "labels": torch.cat([sst["labels"], extra["labels"]]),
               "target": torch.cat([sst["target"], extra["target"]])}
    assert teacher_logits is None or len(teacher_logits) == len(sst["states"]), "--kd logits do not match the sets"
    if args.tweets:  # the cache holds every tweet in file order; only the tune half's polar ones train
        tweets, cached = read_tsv(args.tweets), cache["sets"]["tweeteval"]
        rows = [i for i in tweet_halves(len(tweets))[0] if tweets[i][1] != "neutral"] * args.tweet_repeat
        labels = torch.tensor([int(tweets[i][1] == "positive") for i in rows])
        sst = {"states": sst["states"] + [cached["states"][i] for i in rows], "labels": torch.cat([sst["labels"], labels]),
               "target": torch.cat([sst["target"], cached["target"][rows]])}
        if teacher_logits is not None:  # no teacher logits for tweets (NaN): those rows learn from the label alone
            teacher_logits = torch.cat([teacher_logits, torch.full((len(rows), teacher_logits.shape[1]), float("nan"))])
    bank = cache["sets"]["banking_train"]
    selection = cache["sets"]["sst2_selection"]
    sentences = cache["sets"]["sst2_sentences"]
    # Length buckets: consecutive indices in length order form a batch, batches are shuffled.
    def buckets(split, size):
        order = sorted(range(len(split["states"])), key=lambda i: split["states"][i].shape[0])
        chunks = [order[i:i + size] for i in range(0, len(order), size)]
        random.shuffle(chunks)
        return chunks

    steps_per_epoch = len(sst["states"]) // args.batch
    total = args.max_steps or int(steps_per_epoch * args.epochs)
    optimizer = torch.optim.AdamW([p for p in top.parameters()], lr=args.lr, weight_decay=0.01)
    plan = {"total": total, "warm": max(1, int(total * args.warmup))}
    # Linear warm-up then linear decay to zero at plan["total"], which --minutes may shorten.
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: min(
        (s + 1) / plan["warm"], max(0.0, (plan["total"] - s) / max(1, plan["total"] - plan["warm"]))))

    args.out.mkdir(parents=True, exist_ok=True)
    log = open(args.out / "log.jsonl", "a", encoding="utf-8")
    print(json.dumps({"start": time.strftime("%H:%M:%S"), "steps": total, **{k: str(v) for k, v in vars(args).items()}}), file=log, flush=True)

    # The moving average smooths the last steps' noise out of the kept weights; evaluation and saving
    # swap it in and back.
    trained = [p for p in top.parameters()]
    average = [p.detach().clone() for p in trained] if args.ema else None

    def swap_average() -> None:
        for p, a in zip(trained, average):
            held = p.detach().clone()
            p.data.copy_(a)
            a.copy_(held)

    def evaluate() -> tuple[float, float, float]:
        """(selection accuracy, selection embedding cosine to the teacher, held-out sentence accuracy).
        Only the first picks checkpoints; the sentences are logged to show the course, never to choose."""
        top.eval()
        logits, embeddings = top.run_split(selection, args.device)
        cos = float((embeddings * selection["target"].numpy()).sum(1).mean())
        sentence_logits, _ = top.run_split(sentences, args.device)
        top.train()
        return (float((logits.argmax(1) == selection["labels"].numpy()).mean()), cos,
                float((sentence_logits.argmax(1) == sentences["labels"].numpy()).mean()))

    sst_batches, bank_batches = [], []
    best, started, running = -1.0, time.time(), []
    top.train()
    step = -1
    while step + 1 < plan["total"]:
        step += 1
        keep_to_budget(plan, step, args.minutes, started, started, args.warmup, log)
        if not sst_batches:
            sst_batches = buckets(sst, args.batch)
        if args.extra and not bank_batches:
            bank_batches = buckets(bank, args.extra)
        rows = sst_batches.pop()
        logits, mine = top.forward_batch(sst, rows, args.device, with_logits=True)
        labels = sst["labels"][rows].to(args.device)
        ce = torch.nn.functional.cross_entropy(logits, labels)
        if teacher_logits is not None:
            T = args.temperature
            taught = teacher_logits[rows].to(args.device).float()
            known = ~taught.isnan().any(-1)
            soft = torch.nn.functional.softmax(taught.nan_to_num() / T, dim=-1)
            kl = torch.nn.functional.kl_div(torch.nn.functional.log_softmax(logits / T, dim=-1), soft,
                                            reduction="none").sum(-1) * T * T
            per_row = torch.nn.functional.cross_entropy(logits, labels, reduction="none")
            ce = torch.where(known, (1 - args.kd_weight) * per_row + args.kd_weight * kl, per_row).mean()
        target = sst["target"][rows].to(args.device).float()
        cos_terms = [(mine * target).sum(-1)]
        if args.extra:
            extra = bank_batches.pop()
            _, bank_mine = top.forward_batch(bank, extra, args.device, with_logits=False)
            cos_terms.append((bank_mine * bank["target"][extra].to(args.device).float()).sum(-1))
        cos = torch.cat(cos_terms).mean()
        loss = ce + args.lam * (1 - cos)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(top.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        if average is not None:
            with torch.no_grad():
                for a, p in zip(average, trained):
                    a.lerp_(p.detach(), 1 - args.ema)
        running.append((ce.item(), cos.item(), (logits.argmax(1) == labels).float().mean().item()))

        if (step + 1) % 50 == 0:
            ce_m, cos_m, acc_m = np.mean(running, axis=0)
            running = []
            rate = (time.time() - started) / (step + 1)
            print(json.dumps({"step": step + 1, "ce": round(ce_m, 4), "cos": round(cos_m, 5), "train_acc": round(acc_m, 4),
                              "s_per_step": round(rate, 3), "eta_min": round(rate * (plan["total"] - step - 1) / 60, 1)}), file=log, flush=True)
        if (step + 1) % args.eval_every == 0 or step + 1 == plan["total"]:
            if average is not None:
                swap_average()
            accuracy, held_cos, sentence_accuracy = evaluate()
            print(json.dumps({"step": step + 1, "held_out_acc": round(accuracy, 4), "held_out_cos": round(held_cos, 5),
                              "held_out_sentences_acc": round(sentence_accuracy, 4), "time": time.strftime("%H:%M:%S")}),
                  file=log, flush=True)
            if accuracy > best and step + 1 >= args.select_after * plan["total"]:
                best = accuracy
                student.save_pretrained(args.out)
                BertTokenizerFast.from_pretrained(teacher_dir).save_pretrained(args.out)
                (args.out / "best.json").write_text(json.dumps({"step": step + 1, "held_out_acc": accuracy, "held_out_cos": held_cos,
                                                                "held_out_sentences_acc": sentence_accuracy}) + "\n")
            if average is not None:
                swap_average()
    print(json.dumps({"done": time.strftime("%H:%M:%S"), "best_held_out_acc": best, "minutes": round((time.time() - started) / 60, 1)}), file=log, flush=True)


if __name__ == "__main__":
    main()
