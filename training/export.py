"""Export a SqueezeBERT folder (convert.py's output) as the bundled int8 model folder.

Every matrix (2-D and 3-D tensors: the embedding tables, the six Conv1d weights of every layer,
the pooler and the classifier) is stored as int8 with one float32 scale per output row,
symmetric: `W[row] ~= q[row] * scale[row]`, `scale = max|W[row]| / 127`, `q` in [-127, 127]. The
scale is the tensor `<name>_scale` of shape (rows,), which is how the Swift engine's
SafeTensorsFile reads I8 tensors. LayerNorm parameters and biases stay float32.

    python training/export.py --model build/squeezebert --out Sources/DefaultModel/squeezechat-sentiment \
        --neutral-band 0.96

config.json gains a `squeezechat` section (ignored by transformers) holding the neutral band: a
text is neutral when its top binary probability is below `neutral_below`. `load_dequantised`
turns a folder back into a float32 state dict that transformers can load.

With `--smooth-alpha A --data DATA` every encoder projection is smoothed per input channel before
it is quantised (smoothing.py): its weights are stored times the factors, which are stored as
`<name>_smooth`, and the engine's integer unit divides its inputs by them. `--heads-from FOLDER`
keeps the heads fitted on another export of the same model (the recipe fits them on the plain
int8 export, so that an encoding chosen for the integer unit does not move them).
"""
import argparse
import json
import shutil
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

SCALE = "_scale"
SMOOTH = "_smooth"


def quantise(weight: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(q int8, scale float32 (rows,)) with weight ~= q * scale[row]."""
    rows = weight.reshape(weight.shape[0], -1).double()
    peak = rows.abs().amax(dim=1)
    scale = torch.where(peak > 0, peak / 127, torch.ones_like(peak))
    q = torch.round(rows / scale[:, None]).clamp(-127, 127).to(torch.int8)
    return q.reshape(weight.shape), scale.float()


def export_state(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    out = {}
    for name, tensor in state.items():
        if tensor.dim() >= 2:
            out[name], out[name + SCALE] = quantise(tensor.float())
        else:
            out[name] = tensor.float().contiguous()
    return out


def load_dequantised(folder: Path) -> dict[str, torch.Tensor]:
    """A float32 state dict from a folder whose I8 tensors carry `<name>_scale` (and, when smoothed,
    `<name>_smooth`, divided back out of each input channel)."""
    state = load_file(str(folder / "model.safetensors"))
    out = {}
    for name, tensor in state.items():
        if name.endswith((SCALE, SMOOTH)) and name.rsplit("_", 1)[0] in state:
            continue
        if tensor.dtype == torch.int8:
            scale = state[name + SCALE].float().reshape(-1)
            shape = [tensor.shape[0]] + [1] * (tensor.dim() - 1)
            out[name] = tensor.float() * scale.reshape(shape)
            if name + SMOOTH in state:
                out[name] = unsmoothed(out[name], state[name + SMOOTH].float())
        else:
            out[name] = tensor.float()
    return out


def unsmoothed(weight: torch.Tensor, factors: torch.Tensor) -> torch.Tensor:
    """A (N, K/G[, 1]) weight with input channel c (over all groups) divided by factors[c]."""
    columns = weight.shape[1]
    groups = factors.numel() // columns
    per_row = factors.reshape(groups, 1, columns).expand(groups, weight.shape[0] // groups, columns)
    return weight / per_row.reshape(weight.shape[0], columns, *([1] * (weight.dim() - 2)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, required=True, help="float32 SqueezeBERT folder (convert.py)")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--neutral-band", type=float, required=True,
                        help="neutral when the top probability of the binary head is below this")
    parser.add_argument("--smooth-alpha", type=float,
                        help="smooth every encoder projection's inputs with this migration strength (0-1)")
    parser.add_argument("--data", type=Path, help="the data folder, for --smooth-alpha's calibration texts")
    parser.add_argument("--heads-from", type=Path,
                        help="an exported folder whose squeezechat section (heads, band) this one keeps")
    args = parser.parse_args()
    if args.smooth_alpha is not None and (args.data is None or not 0 <= args.smooth_alpha <= 1):
        parser.error("--smooth-alpha takes a value in [0, 1] and needs --data")
    heads = None
    if args.heads_from:  # read before anything is written, so a bad folder leaves --out as it was
        try:
            heads = json.loads((args.heads_from / "config.json").read_text())["squeezechat"]
        except (OSError, ValueError, KeyError, TypeError) as problem:
            parser.error(f"--heads-from {args.heads_from / 'config.json'}: no squeezechat section to keep ({problem})")

    args.out.mkdir(parents=True, exist_ok=True)
    state = load_file(str(args.model / "model.safetensors"))
    chosen = {}
    if args.smooth_alpha is not None:
        from smoothing import calibration_texts, smooth_state
        state, chosen = smooth_state(state, args.model, calibration_texts(args.data), args.smooth_alpha)
    tensors = export_state(state)
    tensors.update({name + SMOOTH: factors.contiguous() for name, factors in chosen.items()})
    save_file(tensors, str(args.out / "model.safetensors"), metadata={"format": "pt"})
    config = json.loads((args.model / "config.json").read_text())
    config["squeezechat"] = {
        **config.get("squeezechat", {}),  # a sentiment branch (forked.py) stays described
        "neutral_below": args.neutral_band,
        "neutral_label": "neutral",
        "note": "binary head; a text is neutral when its top probability is below neutral_below",
    }
    if heads is not None:
        config["squeezechat"].update(heads)
    (args.out / "config.json").write_text(json.dumps(config, indent=2, sort_keys=True) + "\n")
    shutil.copyfile(args.model / "vocab.txt", args.out / "vocab.txt")
    size = sum(f.stat().st_size for f in args.out.iterdir())
    print(f"{args.out}: {size / 1e6:.2f} MB ({size} bytes)")


if __name__ == "__main__":
    main()
