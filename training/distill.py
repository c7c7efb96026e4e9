"""Distil a grouped SqueezeBERT student from a fine-tuned BERT teacher .

Student: the teacher's shape (6 layers, hidden 384, 12 heads, intermediate 1536 for
all-MiniLM-L6-v2) with grouped position-wise convolutions, by default the paper's q/k/v 4,
post-attention 1, intermediate 4, output 4. Recipe:

1. Permute channels before cutting (grouping.py): one global permutation of the residual channels,
   per layer a head permutation and a free intermediate permutation, chosen so that the diagonal
   blocks the cut keeps hold as much activation-weighted (--permutation act) or plain |w|
   (--permutation abs) weight mass as possible. Exact for the dense teacher: the permuted teacher
   gives the same logits (checked on every run, and alone with --check-permutation), so the
   permuted teacher is the teacher from then on and the student's hidden states are compared in
   its channel order.
2. Cut gradually: the student starts as the permuted teacher, every grouped projection's weights
   outside the diagonal blocks are multiplied by alpha, ramped 1 -> 0 over the first --ramp (40%)
   of the steps as (1 - step/ramp_steps)^3, then 0 (--cut hard: 0 from the start).
3. Loss: --kl-weight (1) * KL(teacher || student) on the logits at temperature T (times T^2) + --hidden-weight * MSE over all
   hidden states (embeddings output and every layer, real tokens) + --cos-weight * (1 - cosine of
   the mean-pooled sentence embeddings), since the same encoder serves intents and retrieval.
   Optional: --sim-weight * MSE between the batch's student and teacher embedding similarity
   matrices, and --label-weight * cross-entropy on the SST-2 rows' gold labels.

The student trains in BERT layout with masked dense Linear weights (once the cut is complete, as
G block products), then convert.py writes the grouped SqueezeBERT folder; its logits are checked against the masked
student (<= 1e-4) in SqueezeBertForSequenceClassification, or the script exits 1.

Texts: SST-2 train minus the fixed held-out split (common.sst2_split), Banking77 train, and any
--corpus files (one text per line, .gz allowed); the teacher labels all of them. The held-out
split is the evaluation: student accuracy, agreement with the teacher, embedding cosine.

    python training/distill.py --teacher build/finetuned --data DATA --out build/student \\
        --epochs 4 --batch 128 --lr 1e-4 --device cuda
    python training/distill.py --teacher build/finetuned --data DATA --check-permutation
    python training/export.py --model build/student --out build/student-int8 --neutral-band 0.96

--resume PREVIOUS_OUT continues a previous run: its fully cut student (bert-layout/) trains on
against the teacher permuted by the orders in its permutation.json (the permutation is checked
again), with the cut complete from the first step.

--teacher may also be a SqueezeBERT folder whose groups are all 1, such as the bundled model
(Sources/DefaultModel/squeezechat-sentiment, int8, dequantised here): it is converted back to BERT
exactly. A teacher folder without a classifier (raw all-MiniLM-L6-v2) gets a freshly initialised,
seeded head: for smoke tests of the plumbing only.

Writes to --out: the grouped SqueezeBERT folder (config.json, model.safetensors, vocab.txt),
bert-layout/ (the masked student as BertForSequenceClassification), permutation.json (orders and
kept mass), log.jsonl and best.json.
"""
import argparse
import gzip
import json
import random
import shutil
import signal
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.torch import load_file, save_file
from transformers import BertForSequenceClassification, BertTokenizerFast, SqueezeBertForSequenceClassification

import grouping
from common import LABELS, held_out_views, keep_to_budget, mean_pool, read_banking, sst2_split
from convert import VERIFY, bert_from_squeezebert, convert_state, parse_groups, squeezebert_config


# ---- the masked student ------------------------------------------------------------------------

class Cut:
    """The factor on off-diagonal weights, shared by every masked projection: 1 uncut, 0 cut."""
    alpha = 1.0


class MaskedLinear(torch.nn.Linear):
    """A Linear whose weights outside the G diagonal blocks are scaled by `cut.alpha`.

    weight is (N, K); the state dict keys are a Linear's, so save_pretrained writes a plain BERT.
    """

    def __init__(self, linear: torch.nn.Linear, groups: int, cut: Cut):
        super().__init__(linear.in_features, linear.out_features, device=linear.weight.device)
        self.weight, self.bias = linear.weight, linear.bias
        self.register_buffer("mask", grouping.block_mask(self.out_features, self.in_features, groups)
                             .to(linear.weight.device), persistent=False)
        self.cut = cut
        self.groups = groups

    def forward(self, x):
        if self.cut.alpha == 1.0:
            return F.linear(x, self.weight, self.bias)
        if self.cut.alpha == 0.0:
            return self.grouped(x)
        scale = self.mask if self.cut.alpha == 0.0 else self.mask + (1 - self.mask) * self.cut.alpha
        return F.linear(x, self.weight * scale, self.bias)

    def grouped(self, x):
        """The fully cut product as G block products: the same function and the same gradients
        as the masked one (off-diagonal weights get none), at 1/G of the FLOPs, which on a CPU
        makes the steps after the ramp about twice as fast."""
        G, N, K = self.groups, self.out_features, self.in_features
        Ng, Kg = N // G, K // G
        blocks = torch.stack([self.weight[g * Ng:(g + 1) * Ng, g * Kg:(g + 1) * Kg] for g in range(G)])
        y = torch.einsum("...gk,gnk->...gn", x.unflatten(-1, (G, Kg)), blocks)
        return y.flatten(-2) + self.bias

    @torch.no_grad()
    def bake(self):
        """Zero the weights outside the blocks (the hard cut, made permanent)."""
        self.weight.mul_(self.mask)


def mask_student(model, groups: dict[str, int], cut: Cut) -> list[MaskedLinear]:
    """Replaces every grouped projection of `model` (BertForSequenceClassification) by a MaskedLinear."""
    masked = []
    for layer in model.bert.encoder.layer:
        for key, module in grouping.PROJECTIONS.items():
            if groups[key] == 1:
                continue
            parent_name, _, leaf = module.rpartition(".")
            parent = layer.get_submodule(parent_name)
            replacement = MaskedLinear(getattr(parent, leaf), groups[key], cut)
            setattr(parent, leaf, replacement)
            masked.append(replacement)
    return masked


def cut_factor(step: int, ramp_steps: int) -> float:
    """Cubic ramp 1 -> 0 over `ramp_steps`, then 0."""
    if step >= ramp_steps:
        return 0.0
    return (1 - step / ramp_steps) ** 3


# ---- data -----------------------------------------------------------------------------------------

def read_corpus(path: Path) -> list[str]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8", errors="replace") as handle:
        return [line.strip() for line in handle if line.strip()]


def batches(texts: list[str], size: int, rng: random.Random) -> list[list[str]]:
    """Shuffled, then sorted by length inside windows of 50 batches so batches pad little."""
    order = texts[:]
    rng.shuffle(order)
    window = size * 50
    out = []
    for start in range(0, len(order), window):
        chunk = sorted(order[start:start + window], key=len)
        out += [chunk[i:i + size] for i in range(0, len(chunk), size)]
    rng.shuffle(out)
    return out


# ---- teacher and checks ---------------------------------------------------------------------------

def load_teacher(folder: Path, seed: int):
    """(BertForSequenceClassification with the binary sentiment head, whether the head is fresh).

    A BERT folder without a classifier gets a fresh seeded head; a SqueezeBERT folder with every
    group 1 (the bundled model, int8 dequantised) is converted back to BERT (convert.py)."""
    if json.loads((folder / "config.json").read_text()).get("model_type") == "squeezebert":
        model = bert_from_squeezebert(folder)
        if not isinstance(model, BertForSequenceClassification):
            raise ValueError(f"{folder}: a SqueezeBERT teacher needs its classifier")
        return model, False
    keys = load_file(str(folder / "model.safetensors")).keys()
    fresh = "classifier.weight" not in keys
    torch.manual_seed(seed)
    model = BertForSequenceClassification.from_pretrained(
        str(folder), num_labels=2, id2label=dict(enumerate(LABELS)),
        label2id={name: i for i, name in enumerate(LABELS)})
    return model.eval(), fresh


def run(model, batch, hidden_states=True):
    return model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"],
                 output_hidden_states=hidden_states)


@torch.no_grad()
def permutation_error(teacher, permuted, tokenizer, texts, order, device) -> dict:
    """Largest |difference| in logits, and in hidden states after reordering the teacher's channels."""
    batch = tokenizer(texts, padding=True, truncation=True, max_length=128, return_tensors="pt").to(device)
    a, b = run(teacher, batch), run(permuted, batch)
    mask = batch["attention_mask"].bool()
    P = torch.as_tensor(order["residual"], device=device)
    hidden = max((x[..., P][mask] - y[mask]).abs().max().item() for x, y in zip(a.hidden_states, b.hidden_states))
    return {"logits": (a.logits - b.logits).abs().max().item(), "hidden": hidden}


def permute_teacher(teacher, tokenizer, args, perm_texts: list[str], check_texts: list[str]):
    """(the permuted teacher, the orders, a report: kept mass before and after per projection type,
    the search's objective by round, and the permuted teacher's max |difference| from the teacher)."""
    started = time.time()
    config, device = teacher.config, next(teacher.parameters()).device
    state = {k: v.detach().cpu().clone() for k, v in teacher.state_dict().items()}
    rms = grouping.activation_rms(teacher, tokenizer, perm_texts, args.max_length) if args.permutation == "act" else None

    def kept(weights, activations) -> dict:
        out = {"abs": grouping.kept_fractions(grouping.masses(weights, None, args.mass_power), args.groups)}
        if activations is not None:
            out["act"] = grouping.kept_fractions(grouping.masses(weights, activations, args.mass_power), args.groups)
        return out

    if args.permutation == "none":
        identity = {"residual": np.zeros(config.hidden_size, dtype=np.int64),
                    "heads": [np.zeros(config.num_attention_heads, dtype=np.int64)] * config.num_hidden_layers,
                    "intermediate": [np.zeros(config.intermediate_size, dtype=np.int64)] * config.num_hidden_layers}
        assignment, history = identity, []
    else:
        assignment, history = grouping.search(grouping.masses(state, rms, args.mass_power), args.groups,
                                              config.num_attention_heads)
    order = grouping.orders(assignment, config.hidden_size // config.num_attention_heads)
    permuted_state = grouping.permute_state(state, order)
    # The activations' RMS, reordered like the channels they describe.
    rms_after = None if rms is None else [{
        key: layer_rms[key][order["residual"] if key in ("q_groups", "k_groups", "v_groups", "intermediate_groups")
                            else order["head_channels"][l] if key == "post_attention_groups"
                            else order["intermediate"][l]]
        for key in grouping.PROJECTIONS} for l, layer_rms in enumerate(rms)]
    permuted = BertForSequenceClassification(config).to(device).eval()
    permuted.load_state_dict(permuted_state)
    report = {"permutation": args.permutation, "mass_power": args.mass_power, "groups": args.groups,
              "kept_before": kept(state, rms), "kept_after": kept(permuted_state, rms_after),
              "objective_by_round": history,
              "max_abs_diff_permuted_teacher": permutation_error(teacher, permuted, tokenizer, check_texts, order, device),
              "seconds": round(time.time() - started, 1)}
    return permuted, order, report


@torch.no_grad()
def resume_teacher(teacher, tokenizer, folder: Path, check_texts: list[str]):
    """The teacher permuted as a previous run (`folder`/permutation.json) permuted it, so that a
    student saved by that run (`folder`/bert-layout) can go on learning from it."""
    saved = json.loads((folder / "permutation.json").read_text())
    head_size = teacher.config.hidden_size // teacher.config.num_attention_heads
    heads = [np.array(h) for h in saved["heads"]]
    order = {"residual": np.array(saved["residual"]), "heads": heads,
             "head_channels": [np.concatenate([np.arange(h * head_size, (h + 1) * head_size) for h in hs]) for hs in heads],
             "intermediate": [np.array(i) for i in saved["intermediate"]]}
    state = {k: v.detach().cpu().clone() for k, v in teacher.state_dict().items()}
    permuted = BertForSequenceClassification(teacher.config).to(next(teacher.parameters()).device).eval()
    permuted.load_state_dict(grouping.permute_state(state, order))
    device = next(teacher.parameters()).device
    report = {**{k: v for k, v in saved.items() if k not in ("residual", "heads", "intermediate")},
              "resumed_from": str(folder),
              "max_abs_diff_permuted_teacher": permutation_error(teacher, permuted, tokenizer, check_texts, order, device)}
    return permuted, order, report


# ---- main -----------------------------------------------------------------------------------------

def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--teacher", type=Path, help="BertForSequenceClassification folder (finetune.py); "
                        "not needed with --export-only")
    parser.add_argument("--data", type=Path, required=True, help="the data folder (sst2/, banking77/)")
    parser.add_argument("--banking-repeat", type=int, default=1,
                        help="Banking77 train texts appear this many times an epoch (intent-style text is 13%% of it once)")
    parser.add_argument("--corpus", type=Path, nargs="*", default=[], help="extra unlabelled text, one per line (.gz ok)")
    parser.add_argument("--out", type=Path, help="output folder (required unless --check-permutation)")
    parser.add_argument("--groups", type=parse_groups, default=parse_groups("4,4,4,1,4,4"),
                        help="q,k,v,post,intermediate,output group counts (default 4,4,4,1,4,4)")
    parser.add_argument("--permutation", choices=["act", "abs", "none"], default="act",
                        help="mass the permutation keeps: activation-weighted |w|, plain |w|, or no permutation")
    parser.add_argument("--mass-power", type=float, default=1.0,
                        help="mass is (weighted |w|)^p: 1 sums magnitudes, 2 sums energy (reported the same way)")
    parser.add_argument("--perm-texts", type=int, default=512, help="SST-2 + Banking77 texts for the activation RMS")
    parser.add_argument("--check-permutation", action="store_true",
                        help="only permute the teacher, check its logits (<= 1e-4), print the kept mass, exit")
    parser.add_argument("--export-only", action="store_true",
                        help="only (re)write the grouped folder from --out/bert-layout and check its parity")
    parser.add_argument("--resume", type=Path, help="a previous run's --out: go on training its fully cut student "
                        "(bert-layout/) against the teacher permuted as that run permuted it; the cut stays complete")
    parser.add_argument("--cut", choices=["gradual", "hard"], default="gradual")
    parser.add_argument("--ramp", type=float, default=0.4, help="fraction of the steps over which the cut ramps")
    parser.add_argument("--temperature", type=float, default=2.0)
    parser.add_argument("--hidden-weight", type=float, default=1.0, help="weight of the hidden-state MSE")
    parser.add_argument("--kl-weight", type=float, default=1.0,
                        help="weight of the KL on the sentiment logits (lower: more of the student for the embeddings)")
    parser.add_argument("--sim-weight", type=float, default=0.0,
                        help="weight of the MSE between the batch's student and teacher embedding similarity matrices")
    parser.add_argument("--label-weight", type=float, default=0.0,
                        help="weight of cross-entropy on the SST-2 rows' gold labels (0: teacher only)")
    parser.add_argument("--cos-weight", type=float, default=1.0, help="weight of the sentence-embedding cosine loss")
    parser.add_argument("--epochs", type=float, default=4.0)
    parser.add_argument("--max-steps", type=int, default=0, help="stop after this many steps (0: epochs decide)")
    parser.add_argument("--minutes", type=float, default=0,
                        help="time budget: after 30 steps the schedule (and the ramp) shrink to end within it (0: none)")
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--max-length", type=int, default=64)
    parser.add_argument("--lr", type=float, default=1e-4)
    parser.add_argument("--warmup", type=float, default=0.06)
    parser.add_argument("--eval-every", type=int, default=500)
    parser.add_argument("--eval-rows", type=int, default=0, help="held-out selection phrases to evaluate on (0: all 3,000)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--threads", type=int, default=0)
    args = parser.parse_args()
    if not args.check_permutation and args.out is None:
        parser.error("--out is required unless --check-permutation")
    if args.kl_weight < 0:
        parser.error("--kl-weight must be 0 or more")
    if args.banking_repeat < 1:
        parser.error("--banking-repeat must be 1 or more")
    if not args.export_only and args.teacher is None:
        parser.error("--teacher is required unless --export-only")

    if args.threads:
        torch.set_num_threads(args.threads)
    if args.export_only:
        held_out, _ = held_out_views(sst2_split(args.data / "sst2" / "train.tsv")[1])
        worst = export(args.out / "bert-layout", args.out, args.groups, held_out, args.device)
        print(json.dumps({"export_parity": worst, "out": str(args.out)}))
        return 0 if worst["logits"] <= 1e-4 else 1
    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)
    device = args.device

    sst_train, held_out_families = sst2_split(args.data / "sst2" / "train.tsv")
    # Checkpoints are picked on the selection phrases; the held-out sentences stay a report set.
    held_out, _ = held_out_views(held_out_families)
    banking = [text for text, _ in read_banking(args.data / "banking77" / "train.jsonl")]
    corpus = [line for path in args.corpus for line in read_corpus(path)]
    texts = [s for s, _ in sst_train] + banking * args.banking_repeat + corpus
    gold_labels = {s: label for s, label in sst_train}
    if args.eval_rows:
        held_out = held_out[:args.eval_rows]

    teacher, fresh_head = load_teacher(args.teacher, args.seed)
    teacher.to(device)
    tokenizer = BertTokenizerFast.from_pretrained(str(args.teacher))
    config = teacher.config
    started = time.time()

    # 1. The permutation, checked on the dense teacher.
    perm_texts = rng.sample([s for s, _ in sst_train], args.perm_texts // 2) + rng.sample(banking, args.perm_texts // 2)
    check_texts = VERIFY + [s for s, _ in held_out[:24]]
    if args.resume:
        permuted, order, report = resume_teacher(teacher, tokenizer, args.resume, check_texts)
        args.cut = "hard"  # the saved student is already block-diagonal
    else:
        permuted, order, report = permute_teacher(teacher, tokenizer, args, perm_texts, check_texts)
    report["fresh_head"] = fresh_head
    error = report["max_abs_diff_permuted_teacher"]
    print(json.dumps(report))
    if error["logits"] > 1e-4:
        print(f"distill.py: the permuted teacher's logits differ by {error['logits']:.3g} (> 1e-4)", file=sys.stderr)
        return 1
    if args.check_permutation:
        return 0
    if fresh_head:
        print("distill.py: the teacher has no classifier; a fresh seeded head stands in (smoke tests only)",
              file=sys.stderr)

    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "permutation.json").write_text(json.dumps({
        **report, "residual": order["residual"].tolist(), "heads": [h.tolist() for h in order["heads"]],
        "intermediate": [i.tolist() for i in order["intermediate"]]}) + "\n")
    log = open(args.out / "log.jsonl", "a", encoding="utf-8")
    print(json.dumps({"start": time.strftime("%H:%M:%S"), "texts": len(texts), "corpus_texts": len(corpus),
                      **{k: str(v) for k, v in vars(args).items()}}), file=log, flush=True)

    # 2. The student: the permuted teacher with masked grouped projections. The permuted teacher
    # is the teacher from here on (same logits, hidden states in the student's channel order).
    teacher = permuted
    for p in teacher.parameters():
        p.requires_grad_(False)
    torch.manual_seed(args.seed)
    student = BertForSequenceClassification(config).to(device)
    student.load_state_dict(permuted.state_dict() if not args.resume else
                            BertForSequenceClassification.from_pretrained(str(args.resume / "bert-layout")).state_dict())
    cut = Cut()
    masked = mask_student(student, args.groups, cut)

    steps_per_epoch = max(1, len(texts) // args.batch)
    total = args.max_steps or int(steps_per_epoch * args.epochs)
    plan = {"total": total, "warm": max(1, int(total * args.warmup))}
    optimizer = torch.optim.AdamW(student.parameters(), lr=args.lr, weight_decay=0.01)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: min(
        (s + 1) / plan["warm"], max(0.0, (plan["total"] - s) / max(1, plan["total"] - plan["warm"]))))

    @torch.no_grad()
    def evaluate() -> dict:
        student.eval()
        correct = agree = 0
        cosines = []
        for start in range(0, len(held_out), 128):
            rows = held_out[start:start + 128]
            batch = tokenizer([s for s, _ in rows], padding=True, truncation=True, max_length=128,
                              return_tensors="pt").to(device)
            s_out, t_out = run(student, batch), run(teacher, batch)
            labels = torch.tensor([l for _, l in rows], device=device)
            correct += int((s_out.logits.argmax(1) == labels).sum())
            agree += int((s_out.logits.argmax(1) == t_out.logits.argmax(1)).sum())
            mask = batch["attention_mask"]
            cosines.append(F.cosine_similarity(mean_pool(s_out.hidden_states[-1], mask),
                                               mean_pool(t_out.hidden_states[-1], mask), dim=-1).cpu())
        student.train()
        n = max(len(held_out), 1)
        return {"held_out_acc": correct / n, "teacher_agreement": agree / n,
                "held_out_cos": float(torch.cat(cosines).mean())}

    # Ctrl-C (or SIGINT) ends training after the current step: the last evaluation, the save and
    # the export still run, so an interrupted run is a finished, shorter one. A second one aborts.
    stop = {"requested": False}
    def finish_early(signum, frame):
        stop["requested"] = True
        signal.signal(signal.SIGINT, signal.default_int_handler)
        print(json.dumps({"interrupted_at": time.strftime("%H:%M:%S")}), file=log, flush=True)
    signal.signal(signal.SIGINT, finish_early)

    teacher_eval = None
    best, running, queue, step = -1.0, [], [], -1
    train_started = time.time()
    student.train()
    while step + 1 < plan["total"]:
        step += 1
        keep_to_budget(plan, step, args.minutes, started, train_started, args.warmup, log)
        if stop["requested"]:
            plan["total"] = min(plan["total"], step + 1)
        if step <= 30:  # the plan is final after keep_to_budget's step-30 fit; an interrupt keeps the ramp
            ramp_steps = max(1, int(plan["total"] * args.ramp))
        cut.alpha = 0.0 if args.cut == "hard" else cut_factor(step, ramp_steps)
        if not queue:
            queue = batches(texts, args.batch, rng)
        rows = queue.pop()
        batch = tokenizer(rows, padding=True, truncation=True, max_length=args.max_length,
                          return_tensors="pt").to(device)
        with torch.no_grad():
            t_out = run(teacher, batch)
        s_out = run(student, batch)
        kl, mse, cos, sim = distillation_terms(s_out, t_out, batch["attention_mask"], args.temperature)
        loss = args.kl_weight * kl + args.hidden_weight * mse + args.cos_weight * (1 - cos) + args.sim_weight * sim
        if args.label_weight:
            # Gold SST-2 labels where the row has one (-100: Banking77 and corpus text, ignored).
            gold = torch.tensor([gold_labels.get(text, -100) for text in rows], device=device)
            if (gold >= 0).any():
                loss = loss + args.label_weight * F.cross_entropy(s_out.logits, gold)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(student.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        running.append((kl.item(), mse.item(), cos.item()))

        if (step + 1) % 50 == 0 or step + 1 == plan["total"]:
            kl_m, mse_m, cos_m = np.mean(running, axis=0)
            running = []
            rate = (time.time() - train_started) / (step + 1)
            print(json.dumps({"step": step + 1, "alpha": round(cut.alpha, 4), "kl": round(kl_m, 4), "mse": round(mse_m, 5),
                              "cos": round(cos_m, 5), "s_per_step": round(rate, 3),
                              "eta_min": round(rate * (plan["total"] - step - 1) / 60, 1)}), file=log, flush=True)
        if (step + 1) % args.eval_every == 0 or step + 1 == plan["total"]:
            if teacher_eval is None:
                teacher_eval = {"teacher_held_out_acc": sum(
                    int(l == p) for (_, l), p in zip(held_out, predict(teacher, tokenizer, held_out, device))) / max(len(held_out), 1)}
                print(json.dumps(teacher_eval), file=log, flush=True)
            metrics = evaluate()
            print(json.dumps({"step": step + 1, "alpha": cut.alpha, **metrics, "time": time.strftime("%H:%M:%S")}),
                  file=log, flush=True)
            # Only a fully cut student is a grouped model; earlier checkpoints are not candidates.
            if cut.alpha == 0.0 and metrics["held_out_acc"] > best:
                best = metrics["held_out_acc"]
                save_bert_layout(student, masked, tokenizer, args.out / "bert-layout")
                (args.out / "best.json").write_text(json.dumps({"step": step + 1, **metrics, **teacher_eval}) + "\n")

    if best < 0:  # too few steps for the ramp to finish: cut now so there is a grouped model to export
        cut.alpha = 0.0
        metrics = evaluate()
        save_bert_layout(student, masked, tokenizer, args.out / "bert-layout")
        (args.out / "best.json").write_text(json.dumps({"step": step + 1, **metrics, "cut_at_end": True}) + "\n")
        best = metrics["held_out_acc"]

    # 3. Export the best fully cut checkpoint as a grouped SqueezeBERT folder, and check it.
    worst = export(args.out / "bert-layout", args.out, args.groups, held_out, device)
    print(json.dumps({"done": time.strftime("%H:%M:%S"), "best_held_out_acc": best, "export_parity": worst,
                      "minutes": round((time.time() - started) / 60, 1)}), file=log, flush=True)
    print(json.dumps({"best_held_out_acc": best, "export_parity": worst, "out": str(args.out)}))
    return 0 if worst["logits"] <= 1e-4 else 1


def distillation_terms(s_out, t_out, attention_mask, T: float):
    """(KL at temperature T times T^2, MSE over every hidden state on real tokens, mean cosine of the
    mean-pooled last hidden states, MSE between the batch's embedding similarity matrices) between
    student and teacher outputs. The last is the geometry nearest-example matching and the
    out-of-scope threshold rely on, beyond each text's own cosine to its teacher embedding."""
    kl = F.kl_div(F.log_softmax(s_out.logits / T, -1), F.log_softmax(t_out.logits / T, -1),
                  log_target=True, reduction="batchmean") * T * T
    real = attention_mask.bool()
    mse = torch.stack([F.mse_loss(s[real], t[real]) for s, t in zip(s_out.hidden_states, t_out.hidden_states)]).mean()
    s_emb = mean_pool(s_out.hidden_states[-1], attention_mask)
    t_emb = mean_pool(t_out.hidden_states[-1], attention_mask)
    cos = F.cosine_similarity(s_emb, t_emb, dim=-1).mean()
    s_emb, t_emb = F.normalize(s_emb, dim=-1), F.normalize(t_emb, dim=-1)
    sim = F.mse_loss(s_emb @ s_emb.T, t_emb @ t_emb.T)
    return kl, mse, cos, sim


@torch.no_grad()
def predict(model, tokenizer, rows, device) -> list[int]:
    out = []
    for start in range(0, len(rows), 128):
        batch = tokenizer([s for s, _ in rows[start:start + 128]], padding=True, truncation=True, max_length=128,
                          return_tensors="pt").to(device)
        out += run(model, batch, hidden_states=False).logits.argmax(1).tolist()
    return out


def save_bert_layout(student, masked: list[MaskedLinear], tokenizer, folder: Path) -> None:
    """Writes the fully cut student as a plain BertForSequenceClassification (off-block weights zero)."""
    for module in masked:
        module.bake()
    student.save_pretrained(str(folder))
    tokenizer.save_pretrained(str(folder))


@torch.no_grad()
def export(bert_dir: Path, out: Path, groups: dict[str, int], held_out, device) -> dict:
    """bert-layout/ -> grouped SqueezeBERT folder in `out`; max |difference| of logits, hidden states
    and mean-pooled embeddings between the two in transformers."""
    bert = BertForSequenceClassification.from_pretrained(str(bert_dir)).to(device).eval()
    state = load_file(str(bert_dir / "model.safetensors"))
    labels = [bert.config.id2label[i] for i in range(len(bert.config.id2label))]
    squeezebert_config(bert.config, labels, groups).save_pretrained(str(out))
    save_file(convert_state(state, groups), str(out / "model.safetensors"), metadata={"format": "pt"})
    shutil.copyfile(bert_dir / "vocab.txt", out / "vocab.txt")
    squeeze = SqueezeBertForSequenceClassification.from_pretrained(str(out)).to(device).eval()
    tokenizer = BertTokenizerFast.from_pretrained(str(bert_dir))
    texts = VERIFY + [s for s, _ in held_out[:56]]
    batch = tokenizer(texts, padding=True, truncation=True, max_length=128, return_tensors="pt").to(device)
    a, b = run(bert, batch), run(squeeze, batch)
    mask = batch["attention_mask"]
    hidden = max((x[mask.bool()] - y[mask.bool()]).abs().max().item() for x, y in zip(a.hidden_states, b.hidden_states))
    embedding = (mean_pool(a.hidden_states[-1], mask) - mean_pool(b.hidden_states[-1], mask)).abs().max().item()
    return {"texts": len(texts), "logits": (a.logits - b.logits).abs().max().item(), "hidden": hidden,
            "embedding": embedding}


if __name__ == "__main__":
    sys.exit(main())
