"""Golden tensors for the Swift encoder, from Hugging Face transformers.

Builds small randomly initialised models with a fixed seed, saves each as a model folder
(config.json, model.safetensors, vocab.txt), runs a batch of texts of unequal lengths and a
single text through them, and writes every intermediate the Swift tests check:
the embeddings output and every layer's output (the last of them is the last hidden state), the
pooled output, the
masked-mean sentence embedding (raw and L2-normalised) and, for classifiers, the logits.

Forked models (a sentiment branch in config.json's "squeezechat" section) are saved as the plain
SqueezeBertModel tensors plus `sentiment_branch.*`; their hidden states and mean embeddings are the
ordinary layers', `pooled` and `logits` the branch's, all from the reference below.

    python tools/make_model_fixtures.py Tests/SqueezeBERTTests/Fixtures/models

Parameters are perturbed away from transformers' tiny default initialisation (std 0.02, LayerNorm
1/0) so that every layer visibly changes the activations and a wrong kernel cannot hide.
"""
import argparse
import json
import shutil
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file
from transformers import (BertConfig, BertForSequenceClassification, BertModel, BertTokenizer,
                          SqueezeBertConfig, SqueezeBertForSequenceClassification, SqueezeBertModel)
from transformers.models.squeezebert.modeling_squeezebert import SqueezeBertModule

SEED = 1234

WORDS = """the a an and or but if of to in on at by for with from is are was were be been it this that
these those i you he she we they me him her us them my your our their not no yes very really so too
good great bad awful terrible excellent wonderful boring fun funny movie film story plot actor acting
music scene scenes love hate like dislike best worst ever never always again hello hi thanks thank
please help bank card money account transfer balance what why how when where who which can could would
should will do does did done make made time day week cafe naive run running runs ran play played
playing un ##able ##ing ##ed ##s ##ly ##er ##est ##ness ##ful""".split()

TEXTS_BATCH = [
    "Hello, world! This movie was really good.",
    "I hate it.",
    "Why can't I transfer money from my account to my card? It was declined again and again.",
    "Café naïve: unplayable, runs and ran!",
]
TEXT_SINGLE = ["The best film I have seen this week, with wonderful music and great acting."]


def write_vocab(path: Path) -> None:
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    chars = [chr(c) for c in range(33, 127)]
    lower = [c for c in chars if not c.isupper()]
    tokens = specials + lower + ["##" + c for c in lower if c.isalnum()] + WORDS
    seen, ordered = set(), []
    for token in tokens:
        if token not in seen:
            seen.add(token)
            ordered.append(token)
    path.write_text("\n".join(ordered) + "\n", encoding="utf-8")


def perturb(model: torch.nn.Module) -> None:
    """Draws every parameter from a wider distribution than the default initialisation."""
    generator = torch.Generator().manual_seed(SEED)
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            noise = torch.randn(parameter.shape, generator=generator)
            if "LayerNorm" in name or "layernorm" in name:
                parameter.copy_((1.0 if name.endswith("weight") else 0.0) + 0.1 * noise)
            elif name.endswith("bias"):
                parameter.copy_(0.05 * noise)
            else:
                parameter.copy_(0.08 * noise)


def masked_mean(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    weights = mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)


def run_case(model, tokenizer, texts, encoder_of) -> dict:
    batch = tokenizer(texts, padding=True, return_tensors="pt")
    with torch.no_grad():
        output = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"],
                       output_hidden_states=True)
    encoder = encoder_of(model)
    with torch.no_grad():
        base = encoder(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"])
    tensors = {
        "input_ids": batch["input_ids"].to(torch.float32),  # exact for small ids; one dtype to read
        "attention_mask": batch["attention_mask"].to(torch.float32),
        "pooled": base.pooler_output,
        "mean_embedding": masked_mean(base.last_hidden_state, batch["attention_mask"]),
    }
    tensors["mean_embedding_normalized"] = torch.nn.functional.normalize(tensors["mean_embedding"], p=2, dim=1)
    for index, hidden in enumerate(output.hidden_states):
        tensors[f"hidden_states.{index}"] = hidden
    if hasattr(output, "logits"):
        tensors["logits"] = output.logits
        tensors["probabilities"] = torch.softmax(output.logits, dim=-1)
    return {name: tensor.contiguous() for name, tensor in tensors.items()}


GROUP_KEYS = {"q_groups", "k_groups", "v_groups", "post_attention_groups", "intermediate_groups", "output_groups"}


class ForkedReference(torch.nn.Module):
    """A forked SqueezeBERT built from transformers' own modules: the trunk's layers 0..<F shared,
    layers F..<N continuing to the last hidden state, and N - F branch layers (`SqueezeBertModule`,
    groups of their own) fed layer F-1's output, then the branch's pooler (dense + tanh on the first
    token) and classifier."""

    def __init__(self, config: SqueezeBertConfig, from_layer: int, branch_groups: dict):
        super().__init__()
        self.from_layer = from_layer
        self.branch_groups = branch_groups
        self.trunk = SqueezeBertModel(config)
        branch_config = SqueezeBertConfig(**{**config.to_dict(), **branch_groups})
        count = config.num_hidden_layers - from_layer
        self.branch_layers = torch.nn.ModuleList(SqueezeBertModule(branch_config) for _ in range(count))
        self.branch_pooler = torch.nn.Linear(config.hidden_size, config.hidden_size)
        self.branch_classifier = torch.nn.Linear(config.hidden_size, config.num_labels)

    def forward(self, input_ids, attention_mask):
        """(hidden states of the ordinary path, embeddings first; pooled; logits)."""
        mask = self.trunk.get_extended_attention_mask(attention_mask, input_ids.shape)
        hidden = self.trunk.embeddings(input_ids=input_ids)
        states = [hidden]
        x = hidden.permute(0, 2, 1)  # the layers take (B, C, T)
        for index, layer in enumerate(self.trunk.encoder.layers):
            if index == self.from_layer:
                fork = x
            x = layer(x, mask, False)["feature_map"]
            states.append(x.permute(0, 2, 1))
        for layer in self.branch_layers:
            fork = layer(fork, mask, False)["feature_map"]
        first = fork.permute(0, 2, 1)[:, 0]
        pooled = torch.tanh(self.branch_pooler(first))
        return states, pooled, self.branch_classifier(pooled)

    def used_parameters(self) -> int:
        """Parameters the engine loads: the trunk's pooler, if stored, is not one of them."""
        unused = sum(p.numel() for p in self.trunk.pooler.parameters())
        return sum(p.numel() for p in self.parameters()) - unused

    def save(self, folder: Path, keep_trunk_pooler: bool) -> None:
        """The folder format: SqueezeBertModel's own files plus `sentiment_branch.*` tensors and the
        branch's section in config.json."""
        self.trunk.save_pretrained(folder, safe_serialization=True)
        tensors = load_file(str(folder / "model.safetensors"))
        if not keep_trunk_pooler:
            tensors = {k: v for k, v in tensors.items() if not k.startswith("pooler.")}
        for j, layer in enumerate(self.branch_layers):
            for name, value in layer.state_dict().items():
                tensors[f"sentiment_branch.encoder.layers.{j}.{name}"] = value
        for part, module in (("pooler.dense", self.branch_pooler), ("classifier", self.branch_classifier)):
            tensors[f"sentiment_branch.{part}.weight"] = module.weight.detach()
            tensors[f"sentiment_branch.{part}.bias"] = module.bias.detach()
        save_file({k: v.contiguous() for k, v in tensors.items()}, str(folder / "model.safetensors"),
                  metadata={"format": "pt"})
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        section = {"from_layer": self.from_layer,
                   "note": "layers from_layer.. duplicated as sentiment_branch.*, fed layer from_layer-1's output; "
                           "the logits come from the branch, the embeddings from the ordinary layers"}
        if self.branch_groups:
            section["groups"] = self.branch_groups
        config["squeezechat"] = {"sentiment_branch": section}
        (folder / "config.json").write_text(json.dumps(config, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def run_forked_case(model: ForkedReference, tokenizer, texts) -> dict:
    batch = tokenizer(texts, padding=True, return_tensors="pt")
    with torch.no_grad():
        states, pooled, logits = model(batch["input_ids"], batch["attention_mask"])
        # The ordinary path is exactly the plain trunk: what transformers users load.
        plain = model.trunk(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"])
    assert torch.equal(plain.last_hidden_state, states[-1])
    tensors = {
        "input_ids": batch["input_ids"].to(torch.float32),
        "attention_mask": batch["attention_mask"].to(torch.float32),
        "pooled": pooled,
        "mean_embedding": masked_mean(states[-1], batch["attention_mask"]),
        "logits": logits,
        "probabilities": torch.softmax(logits, dim=-1),
    }
    tensors["mean_embedding_normalized"] = torch.nn.functional.normalize(tensors["mean_embedding"], p=2, dim=1)
    for index, hidden in enumerate(states):
        tensors[f"hidden_states.{index}"] = hidden
    return {name: tensor.contiguous() for name, tensor in tensors.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="folder for the model folders and reference tensors")
    args = parser.parse_args()
    if args.out.exists():
        shutil.rmtree(args.out)
    args.out.mkdir(parents=True)
    vocab_path = args.out / "vocab.txt"
    write_vocab(vocab_path)
    vocab_size = len(vocab_path.read_text(encoding="utf-8").splitlines())

    squeeze_common = dict(vocab_size=vocab_size, hidden_size=64, num_hidden_layers=2, num_attention_heads=4,
                          intermediate_size=256, max_position_embeddings=40, embedding_size=64,
                          q_groups=4, k_groups=4, v_groups=4, post_attention_groups=1,
                          intermediate_groups=4, output_groups=4, hidden_act="gelu")
    labels = {0: "negative", 1: "neutral", 2: "positive"}
    models = {
        # The paper's grouping, bare encoder (keys without prefix).
        "tiny-squeezebert": (SqueezeBertModel(SqueezeBertConfig(**squeeze_common)), lambda m: m),
        # Classification head: "transformer." prefix, classifier.*, and an embeddings LayerNorm eps
        # that differs from the 1e-12 the reference hard-codes inside the layers.
        "tiny-squeezebert-classifier": (
            SqueezeBertForSequenceClassification(SqueezeBertConfig(
                **squeeze_common, layer_norm_eps=1e-5, num_labels=3, id2label=labels,
                label2id={v: k for k, v in labels.items()})),
            lambda m: m.transformer),
        # A BERT-style encoder: Linear layers, run as SqueezeBERT with every group count 1.
        "tiny-bert": (BertModel(BertConfig(vocab_size=vocab_size, hidden_size=32, num_hidden_layers=2,
                                           num_attention_heads=4, intermediate_size=64,
                                           max_position_embeddings=40, layer_norm_eps=1e-6)),
                      lambda m: m),
        "tiny-bert-classifier": (
            BertForSequenceClassification(BertConfig(
                vocab_size=vocab_size, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                intermediate_size=64, max_position_embeddings=40, num_labels=2,
                id2label={0: "negative", 1: "positive"}, label2id={"negative": 0, "positive": 1})),
            lambda m: m.bert),
    }
    forked = {
        # Three layers, the last one duplicated (F = 2), the trunk's grouping; the trunk's own
        # pooler stays in the file and must not be what `pooled` comes from.
        "tiny-forked": (dict(num_hidden_layers=3), 2, {}, {0: "negative", 1: "positive"}, True),
        # Two branch layers (F = 1) cut differently from the trunk, intermediate into more groups
        # than any trunk product; no trunk pooler.
        "tiny-forked-regrouped": (
            dict(num_hidden_layers=3), 1,
            {"q_groups": 1, "k_groups": 2, "post_attention_groups": 2, "intermediate_groups": 8, "output_groups": 1},
            labels, False),
    }
    summary = {}
    for name, (model, encoder_of) in models.items():
        torch.manual_seed(SEED)
        perturb(model)
        model.eval()
        folder = args.out / name
        model.save_pretrained(folder, safe_serialization=True)
        shutil.copy(vocab_path, folder / "vocab.txt")
        tokenizer = BertTokenizer(str(folder / "vocab.txt"), do_lower_case=True)
        for case, texts in (("batch", TEXTS_BATCH), ("single", TEXT_SINGLE)):
            tensors = run_case(model, tokenizer, texts, encoder_of)
            save_file(tensors, str(folder / f"reference-{case}.safetensors"))
        summary[name] = {"texts": {"batch": TEXTS_BATCH, "single": TEXT_SINGLE},
                         "parameters": sum(p.numel() for p in model.parameters())}
    for name, (shape, from_layer, branch_groups, names, keep_pooler) in forked.items():
        assert set(branch_groups) <= GROUP_KEYS
        config = SqueezeBertConfig(**{**squeeze_common, **shape}, num_labels=len(names), id2label=names,
                                   label2id={v: k for k, v in names.items()})
        torch.manual_seed(SEED)
        model = ForkedReference(config, from_layer, branch_groups)
        perturb(model)
        model.eval()
        folder = args.out / name
        model.save(folder, keep_pooler)
        shutil.copy(vocab_path, folder / "vocab.txt")
        tokenizer = BertTokenizer(str(folder / "vocab.txt"), do_lower_case=True)
        for case, texts in (("batch", TEXTS_BATCH), ("single", TEXT_SINGLE)):
            save_file(run_forked_case(model, tokenizer, texts), str(folder / f"reference-{case}.safetensors"))
        summary[name] = {"texts": {"batch": TEXTS_BATCH, "single": TEXT_SINGLE},
                         "parameters": model.used_parameters()}
    vocab_path.unlink()
    (args.out / "cases.json").write_text(json.dumps(summary, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {len(models) + len(forked)} model folders to {args.out}")


if __name__ == "__main__":
    main()
