"""Average the weights of distill.py runs that share one permutation (a "model soup", issue 7).

Runs resumed from one another (--resume) keep the same channel orders and the same block-diagonal
cut, so their students live in one weight space: the mean of their weights is again a grouped
student (off-block weights stay exactly zero). Soups of fine-tuned runs often match the best of
their parents; the one measured here (student7b + student7c) landed between them. Writes --out as distill.py would (grouped SqueezeBERT folder, bert-layout/, permutation.json)
and checks the export's parity the same way.

    python average.py --runs ../build/student7b ../build/student7c --data ../../shared/data \\
        --out ../build/student7s
"""
import argparse
import json
import shutil
import sys
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

from common import held_out_views, sst2_split
from convert import parse_groups
from distill import export


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=Path, nargs="+", required=True, help="distill.py output folders")
    parser.add_argument("--data", type=Path, required=True, help="the shared data folder (sst2/)")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--groups", type=parse_groups, default=parse_groups("4,4,4,1,4,4"))
    args = parser.parse_args()
    if len(args.runs) < 2:
        parser.error("--runs needs two or more folders")

    orders = []
    for run in args.runs:
        path = run / "permutation.json"
        if not path.is_file() or not (run / "bert-layout" / "model.safetensors").is_file():
            print(f"average.py: {run}: not a distill.py output (permutation.json, bert-layout/)", file=sys.stderr)
            return 1
        saved = json.loads(path.read_text())
        orders.append([saved["residual"], saved["heads"], saved["intermediate"]])
    if any(order != orders[0] for order in orders[1:]):
        print("average.py: the runs were permuted differently; their weights cannot be averaged", file=sys.stderr)
        return 1

    states = [load_file(str(run / "bert-layout" / "model.safetensors")) for run in args.runs]
    if any(state.keys() != states[0].keys() for state in states[1:]):
        print("average.py: the runs' bert-layout/ tensors differ in names", file=sys.stderr)
        return 1
    mean = {name: torch.stack([state[name].float() for state in states]).mean(0).to(states[0][name].dtype)
            for name in states[0]}

    bert_dir = args.out / "bert-layout"
    shutil.copytree(args.runs[0] / "bert-layout", bert_dir, dirs_exist_ok=True)
    save_file(mean, str(bert_dir / "model.safetensors"), metadata={"format": "pt"})
    shutil.copyfile(args.runs[0] / "permutation.json", args.out / "permutation.json")
    held_out, _ = held_out_views(sst2_split(args.data / "sst2" / "train.tsv")[1])
    worst = export(bert_dir, args.out, args.groups, held_out, "cpu")
    print(json.dumps({"runs": [str(run) for run in args.runs], "export_parity": worst, "out": str(args.out)}))
    return 0 if worst["logits"] <= 1e-4 else 1


if __name__ == "__main__":
    sys.exit(main())
