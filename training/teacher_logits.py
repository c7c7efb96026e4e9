"""A sentiment teacher's logits on every training row, for finetune.py --kd.

One or more model folders (float32 or int8, plain or forked: forked.load_model); with several, their
logits are averaged (an ensemble). Rows are cache.py's labelled training sets in cache order:
sst2_train and sst2_augmented. Each teacher's accuracy on the 3,000 selection phrases is printed
(and the ensemble's), so a teacher is judged on rows no training step has seen.

    python training/teacher_logits.py --data DATA --model Sources/DefaultModel/squeezechat-sentiment \
        --out W/teacher-logits.pt
"""
import argparse
from pathlib import Path

import numpy as np
import torch
from transformers import BertTokenizerFast

from augment import augmented
from common import encode, held_out_views, sst2_split
from forked import load_model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="the data folder")
    parser.add_argument("--model", type=Path, action="append", required=True, help="a teacher folder; repeatable")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--threads", type=int, default=0)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)

    train, held_out = sst2_split(args.data / "sst2/train.tsv")
    selection, _ = held_out_views(held_out)
    sets = {"sst2_train": train, "sst2_augmented": augmented(train), "sst2_selection": selection}
    summed = {name: 0.0 for name in sets}
    for folder in args.model:
        model = load_model(folder)
        tokenizer = BertTokenizerFast(str(folder / "vocab.txt"), do_lower_case=True)
        for name, rows in sets.items():
            _, logits = encode(model, tokenizer, [text for text, _ in rows])
            summed[name] = summed[name] + logits
        gold = np.array([label for _, label in selection])
        accuracy = float((summed["sst2_selection"].argmax(1) == gold).mean())
        print(f"{folder}: ensemble so far {accuracy:.4f} on the selection phrases", flush=True)
    out = {"models": [str(f) for f in args.model],
           "sets": {name: torch.tensor(value / len(args.model)) for name, value in summed.items()}}
    torch.save(out, args.out)
    print(f"{args.out}: {', '.join(f'{name} {len(rows)}' for name, rows in sets.items())}")


if __name__ == "__main__":
    main()
