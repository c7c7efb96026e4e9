"""Golden tensors for the Swift encoder, from Hugging Face transformers.

Builds small randomly initialised models with a fixed seed, saves each as a model folder
(config.json, model.safetensors, vocab.txt), runs a batch of texts of unequal lengths and a
single text through them, and writes every intermediate the Swift tests check:
the embeddings output and every layer's output (the last of them is the last hidden state), the
pooled output, the
masked-mean sentence embedding (raw and L2-normalised) and, for classifiers, the logits.

Forked models (a sentiment branch in config.json's "squeezechat" section) are saved as the plain
SqueezeBertModel tensors plus `sentiment_branch.*`; their hidden states and mean embeddings are the
ordinary layers', `pooled` and `logits` the branch's, all from training/forked.py.

    python tools/make_model_fixtures.py Tests/SqueezeBERTTests/Fixtures/models

Parameters are perturbed away from transformers' tiny default initialisation (std 0.02, LayerNorm
1/0) so that every layer visibly changes the activations and a wrong kernel cannot hide.
"""
import argparse
import json
import shutil
import sys
from pathlib import Path

import torch
from safetensors.torch import save_file
from transformers import (BertConfig, BertForSequenceClassification, BertModel, BertTokenizer,
                          SqueezeBertConfig, SqueezeBertForSequenceClassification, SqueezeBertModel)

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "training"))
from forked import ForkedSqueezeBert, load_model  # noqa: E402  (the forked model's reference)

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


class Forked:
    """A tiny forked SqueezeBERT through training/forked.py, the engine's PyTorch reference:
    `ForkedSqueezeBert` built, perturbed and saved as a folder, then loaded back with `load_model`,
    whose forward gives the goldens."""

    def __init__(self, config: SqueezeBertConfig, folder: Path):
        model = ForkedSqueezeBert(config)
        perturb(model)
        config.architectures = ["SqueezeBertModel"]
        config.save_pretrained(str(folder))
        save_file({k: v.contiguous() for k, v in model.folder_state().items()}, str(folder / "model.safetensors"),
                  metadata={"format": "pt"})
        self.model = load_model(folder)
        # The engine never reads the trunk's pooler.
        self.parameters = (sum(p.numel() for p in self.model.parameters())
                           - sum(p.numel() for p in self.model.trunk.pooler.parameters()))

    def run_case(self, tokenizer, texts) -> dict:
        batch = tokenizer(texts, padding=True, return_tensors="pt")
        with torch.no_grad():
            last, pooled, logits = self.model(batch["input_ids"], batch["attention_mask"])
            # The ordinary path is the plain trunk, as transformers users load it: every layer's output.
            plain = self.model.trunk(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"],
                                     output_hidden_states=True)
        assert torch.equal(plain.last_hidden_state, last)
        tensors = {
            "input_ids": batch["input_ids"].to(torch.float32),
            "attention_mask": batch["attention_mask"].to(torch.float32),
            "pooled": pooled,
            "mean_embedding": masked_mean(last, batch["attention_mask"]),
            "logits": logits,
            "probabilities": torch.softmax(logits, dim=-1),
        }
        tensors["mean_embedding_normalized"] = torch.nn.functional.normalize(tensors["mean_embedding"], p=2, dim=1)
        for index, hidden in enumerate(plain.hidden_states):
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
        # Three layers, the last one duplicated (F = 2), the trunk's grouping.
        "tiny-forked": (2, {}, {0: "negative", 1: "positive"}),
        # Two branch layers (F = 1) cut differently from the trunk, intermediate into more groups
        # than any trunk product.
        "tiny-forked-regrouped": (
            1, {"q_groups": 1, "k_groups": 2, "post_attention_groups": 2, "intermediate_groups": 8, "output_groups": 1},
            labels),
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
    for name, (from_layer, branch_groups, names) in forked.items():
        section = {"from_layer": from_layer,
                   "note": "layers from_layer.. are duplicated: encoder.layers give the sentence embedding, "
                           "sentiment_branch.encoder.layers with its pooler and classifier the logits"}
        if branch_groups:
            section["groups"] = branch_groups
        config = SqueezeBertConfig(**{**squeeze_common, "num_hidden_layers": 3}, num_labels=len(names),
                                   id2label=names, label2id={v: k for k, v in names.items()},
                                   squeezechat={"sentiment_branch": section})
        folder = args.out / name
        fixture = Forked(config, folder)
        shutil.copy(vocab_path, folder / "vocab.txt")
        tokenizer = BertTokenizer(str(folder / "vocab.txt"), do_lower_case=True)
        for case, texts in (("batch", TEXTS_BATCH), ("single", TEXT_SINGLE)):
            save_file(fixture.run_case(tokenizer, texts), str(folder / f"reference-{case}.safetensors"))
        summary[name] = {"texts": {"batch": TEXTS_BATCH, "single": TEXT_SINGLE}, "parameters": fixture.parameters}
    vocab_path.unlink()
    (args.out / "cases.json").write_text(json.dumps(summary, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {len(models) + len(forked)} model folders to {args.out}")


if __name__ == "__main__":
    main()
