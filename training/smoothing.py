"""Per-input-channel smoothing of a model's projections for the engine's integer unit (SmoothQuant's
migration, Xiao et al. 2023), applied by export.py before it quantises.

The engine quantises each product's input rows to 8 bits with one step per row (and group). A
LayerNorm output has a few channels 3-16x wider than the median one, and those set every row's
step, so the narrow channels keep few levels (experiments/activation_quant_error.py). Smoothing
divides input channel c by a factor f_c and multiplies the weights' column c by it, which leaves
the product unchanged in exact arithmetic and moves part of the outliers into the weights, whose
int8 rows have a step of their own:

    f_c = peak|x_c| ^ alpha / peak|W[:, c]| ^ (1 - alpha)

with peak|x_c| measured on calibration texts (training rows, never the held-out ones) and the
weight peak over every output channel reading input c (for the query, key and value, which read
one input, over all three, so that they share one factor and one quantisation of it). The folder
stores the smoothed weights quantised, plus the factors as `<name>_smooth`; the engine divides
each input by them as it quantises, and `export.load_dequantised` divides them back out of the
weights for transformers.
"""
from pathlib import Path

import torch
from transformers import BertTokenizerFast

SMOOTH = "_smooth"
# The three projections of one layer that read its input, by their name's end.
SHARED_INPUT = ("attention.query.weight", "attention.key.weight", "attention.value.weight")


def projections(model: torch.nn.Module) -> dict[str, torch.nn.Conv1d]:
    """Every encoder layer's pointwise convolution, by its weight's name in a forked folder (the
    trunk's without a prefix, the sentiment branch's under its own)."""
    found = {}
    for name, module in model.named_modules():
        if isinstance(module, torch.nn.Conv1d) and ".layers." in name:
            for prefix in ("trunk.", "transformer."):
                name = name.removeprefix(prefix)
            found[name + ".weight"] = module
    return found


def input_peaks(folder: Path, texts: list[str], batch_size: int = 64, max_length: int = 128) -> dict[str, torch.Tensor]:
    """peak |input channel| of every projection over the real tokens of `texts`, by weight name."""
    from forked import load_model  # forked imports export, which imports this module

    model = load_model(folder)
    tokenizer = BertTokenizerFast.from_pretrained(str(folder))
    convs = projections(model)
    peaks: dict[str, torch.Tensor] = {}
    mask = None

    def record(name):
        def hook(_, inputs):
            x = inputs[0].abs() * mask  # (B, C, T); padding zeroed
            peak = x.amax(dim=(0, 2))
            peaks[name] = torch.maximum(peaks[name], peak) if name in peaks else peak
        return hook

    hooks = [conv.register_forward_pre_hook(record(name)) for name, conv in convs.items()]
    with torch.no_grad():
        for start in range(0, len(texts), batch_size):
            batch = tokenizer(texts[start:start + batch_size], padding=True, truncation=True, max_length=max_length,
                              return_tensors="pt")
            mask = batch["attention_mask"][:, None, :].float()
            model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"])
    for hook in hooks:
        hook.remove()
    return peaks


def column_peaks(weight: torch.Tensor, inputs: int) -> torch.Tensor:
    """peak |W[:, c]| for each of the `inputs` input channels of a (N, K/G, 1) grouped weight."""
    rows = weight.reshape(weight.shape[0], -1).abs()
    groups = inputs // rows.shape[1]
    return rows.reshape(groups, -1, rows.shape[1]).amax(dim=1).reshape(-1)


def factors(state: dict[str, torch.Tensor], peaks: dict[str, torch.Tensor], alpha: float) -> dict[str, torch.Tensor]:
    """f per projection weight name, shared by each layer's query, key and value."""
    weight_peaks = {name: column_peaks(state[name].float(), peaks[name].numel()) for name in peaks}
    out = {}
    for name in peaks:
        suffix = next((end for end in SHARED_INPUT if name.endswith(end)), None)
        siblings = [name[:-len(suffix)] + end for end in SHARED_INPUT] if suffix else [name]
        w = torch.stack([weight_peaks[s] for s in siblings]).amax(0).clamp_min(1e-5)
        x = peaks[name].clamp_min(1e-5)
        out[name] = (x ** alpha / w ** (1 - alpha)).float()
    return out


def smooth_state(state: dict[str, torch.Tensor], folder: Path, texts: list[str], alpha: float
                 ) -> tuple[dict[str, torch.Tensor], dict[str, torch.Tensor]]:
    """(the state with every projection's input channels multiplied into its weights, the factors
    by weight name)."""
    # A plain classifier folder may store its encoder under `transformer.`.
    key = lambda name: name if name in state else "transformer." + name
    chosen = factors(state, {key(name): peak for name, peak in input_peaks(folder, texts).items()}, alpha)
    smoothed = dict(state)
    for name, f in chosen.items():
        weight = state[name].float()
        groups = f.numel() // weight.shape[1]
        per_row = f.reshape(groups, 1, weight.shape[1]).expand(groups, weight.shape[0] // groups, weight.shape[1])
        smoothed[name] = weight * per_row.reshape(weight.shape[0], weight.shape[1], *([1] * (weight.dim() - 2)))
    return smoothed, chosen


def calibration_texts(data: Path, count: int = 512) -> list[str]:
    """Training rows only: `count` SST-2 training phrases of at least five words and `count`
    Banking77 training questions, each a fixed random draw."""
    from common import read_banking, sst2_split

    generator = torch.Generator().manual_seed(0)
    train, _ = sst2_split(data / "sst2" / "train.tsv")
    phrases = [text for text, _ in train if len(text.split()) >= 5]
    banking = [text for text, _ in read_banking(data / "banking77" / "train.jsonl")]
    pick = lambda rows: [rows[i] for i in torch.randperm(len(rows), generator=generator)[:count].tolist()]
    return pick(phrases) + pick(banking)
