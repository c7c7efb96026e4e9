"""Where per-row int8 activation quantisation costs a dense BERT its embedding, and what per-channel
smoothing would buy: a PyTorch simulation of the engine's integer unit.

    python experiments/activation_quant_error.py --model W/trunk-bert --texts build/eval/sst2-held-out-sentences.tsv

Each projection's input is quantised per row (token) to u8 with a scale and zero point, as
`int8_quantize_rows` does for a dense product, and dequantised; the error is the mean and worst
1 - cosine of the mean-pooled, normalised sentence embedding against the unquantised model, over
the first --count texts. It reports: every projection quantised; each kind alone; each input's
per-channel peak against its median channel; and SmoothQuant's migration (divide input channel j
by s_j, multiply the weights' column j by s_j, s_j = peak_j^alpha / weight peak_j^(1 - alpha)) with
the smoothed weights requantised to int8 per output row, as a re-export from stored int8 weights
would, and left in float.
"""
import argparse
from pathlib import Path

import torch
from transformers import BertModel, BertTokenizerFast

KINDS = {"query": "attention.self.query", "key": "attention.self.key", "value": "attention.self.value",
         "post-attention": "attention.output.dense", "intermediate": "intermediate.dense", "output": "output.dense"}


def kind_of(name: str) -> str:
    for kind, suffix in KINDS.items():
        if name.endswith(suffix) and not (kind == "output" and "attention" in name):
            return kind
    raise ValueError(name)


def quantize_rows(x: torch.Tensor) -> torch.Tensor:
    """u8 per row with a zero point (0 exact), dequantised."""
    lo = torch.minimum(x.amin(-1, keepdim=True), torch.zeros(1))
    hi = torch.maximum(x.amax(-1, keepdim=True), torch.zeros(1))
    scale = (hi - lo).clamp_min(1e-8) / 255
    zero = torch.round(-lo / scale)
    return (torch.clamp(torch.round(x / scale) + zero, 0, 255) - zero) * scale


def quantize_weight_rows(w: torch.Tensor) -> torch.Tensor:
    scale = w.abs().amax(1, keepdim=True).clamp_min(1e-12) / 127
    return torch.round(w / scale).clamp(-127, 127) * scale


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, required=True, help="a BERT folder (e.g. convert.py --from-squeezebert)")
    parser.add_argument("--texts", type=Path, required=True, help="a sentence<TAB>label file with a header")
    parser.add_argument("--count", type=int, default=300)
    args = parser.parse_args()
    torch.set_num_threads(1)
    tokenizer = BertTokenizerFast.from_pretrained(str(args.model))
    model = BertModel.from_pretrained(str(args.model)).eval()
    texts = [line.split("\t")[0] for line in args.texts.read_text(encoding="utf-8").splitlines()[1:args.count + 1]]
    batch = tokenizer(texts, padding=True, truncation=True, max_length=64, return_tensors="pt")
    mask = batch["attention_mask"].unsqueeze(-1).float()
    linears = [(name, module, kind_of(name)) for name, module in model.encoder.named_modules()
               if isinstance(module, torch.nn.Linear)]

    def embed() -> torch.Tensor:
        with torch.no_grad():
            hidden = model(**batch).last_hidden_state
        return torch.nn.functional.normalize((hidden * mask).sum(1) / mask.sum(1), dim=-1)

    reference = embed()

    def error(kinds: set, smooth: dict | None = None) -> str:
        hooks = []
        for name, module, kind in linears:
            if kind in kinds:
                s = smooth.get(name) if smooth else None
                hooks.append(module.register_forward_pre_hook(
                    lambda _, inputs, s=s: (quantize_rows(inputs[0]),) if s is None
                    else (quantize_rows(inputs[0] / s) * s,)))
        distance = 1 - (embed() * reference).sum(-1)
        for hook in hooks:
            hook.remove()
        return f"mean 1 - cosine {float(distance.mean()):.2e}, worst {float(distance.max()):.2e}"

    print("every projection quantised:", error(set(KINDS)))
    for kind in KINDS:
        print(f"{kind} alone:", error({kind}))
    peaks = {}
    hooks = [module.register_forward_pre_hook(
        lambda _, inputs, name=name: peaks.__setitem__(name, torch.maximum(
            peaks.get(name, torch.zeros(inputs[0].shape[-1])), inputs[0].abs().amax((0, 1)))))
        for name, module, _ in linears]
    embed()
    for hook in hooks:
        hook.remove()
    for name, _, kind in linears:
        if kind in ("query", "post-attention", "intermediate", "output"):
            p = peaks[name]
            print(f"{name} input: peak channel {float(p.max()):.1f}, median channel {float(p.median()):.2f} "
                  f"({float(p.max() / p.median()):.1f}x)")
    original = {name: module.weight.data.clone() for name, module, _ in linears}
    for alpha in (0.5, 0.7):
        for requantised in (False, True):
            smooth = {}
            for name, module, _ in linears:
                w = original[name]
                smooth[name] = (peaks[name].clamp_min(1e-5) ** alpha / w.abs().amax(0).clamp_min(1e-5) ** (1 - alpha))
                if requantised:  # x/s times (W s) requantised, written as x times that over s
                    module.weight.data = quantize_weight_rows(w * smooth[name]) / smooth[name]
            label = "weights requantised to int8" if requantised else "weights in float"
            print(f"smoothed, alpha {alpha}, {label}:", error(set(KINDS), smooth))
            for name, module, _ in linears:
                module.weight.data = original[name].clone()


if __name__ == "__main__":
    main()
