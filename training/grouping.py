"""Grouped-student helpers: block-diagonal masks, the channel permutation that puts as much
weight mass as possible inside the blocks a grouped convolution keeps, and applying it to a BERT.

This file works on BERT-layout state dicts (Linear weight is (N out, K in)); distill.py trains in
that layout and convert.py writes the grouped SqueezeBERT folder. It is not a model: no forward pass
lives here except the activation statistics.

Dimension letters: C hidden (384), I intermediate (1536), H heads (12), D head size (C/H),
L layers, G groups of a projection. A SqueezeBERT Conv1d with G groups maps input block g
(K/G contiguous channels) to output block g (N/G contiguous channels); as a Linear weight that is
`block_mask(N, K, G)`.

The permutation (exact for the dense model: same logits, hidden states permuted):
- one global permutation P of the C residual channels: embeddings (columns), every LayerNorm,
  q/k/v and intermediate input columns, attention-output and FFN-output rows, pooler input columns;
- per layer, a permutation of the H heads: q/k/v rows (D at a time) and attention-output columns;
- per layer, a free permutation of the I intermediate channels: intermediate rows and FFN-output
  columns.
It is chosen by coordinate ascent: with the other choices fixed, each one is an exact balanced
assignment (scipy's linear_sum_assignment), so the kept mass never decreases; it starts from the
identity, so it is never worse than no permutation.
"""
import numpy as np
import torch
from scipy.optimize import linear_sum_assignment

# distill.py's and convert.py's group keys -> the BERT Linear inside encoder.layer.N.
PROJECTIONS = {
    "q_groups": "attention.self.query",
    "k_groups": "attention.self.key",
    "v_groups": "attention.self.value",
    "post_attention_groups": "attention.output.dense",
    "intermediate_groups": "intermediate.dense",
    "output_groups": "output.dense",
}
SHORT = {"q_groups": "q", "k_groups": "k", "v_groups": "v", "post_attention_groups": "post",
         "intermediate_groups": "intermediate", "output_groups": "output"}


def block_mask(n: int, k: int, groups: int) -> torch.Tensor:
    """(N, K) float mask: 1 where output row n and input column k are in the same group."""
    rows = torch.arange(n) // (n // groups)
    cols = torch.arange(k) // (k // groups)
    return (rows[:, None] == cols[None, :]).float()


def prefix_of(state: dict) -> str:
    """"bert." for a BertForSequenceClassification state dict, "" for a BertModel one."""
    return "bert." if "bert.embeddings.word_embeddings.weight" in state else ""


def layer_count(state: dict) -> int:
    p = prefix_of(state)
    return 1 + max(int(key[len(p):].split(".")[2]) for key in state if key.startswith(p + "encoder.layer."))


def residual_groups(groups: dict[str, int]) -> int:
    """The one group count that partitions the residual stream (q/k/v/intermediate input, output rows)."""
    counts = {groups[key] for key in ("q_groups", "k_groups", "v_groups", "intermediate_groups", "output_groups")}
    counts.discard(1)
    if len(counts) > 1:
        raise ValueError(f"the permutation needs one group count on the residual stream, got {sorted(counts)}")
    if groups["post_attention_groups"] not in (1, *counts):
        raise ValueError("post_attention_groups must be 1 or the residual group count")
    return counts.pop() if counts else 1


# ---- mass ------------------------------------------------------------------------------------

def masses(state: dict, rms: dict | None, power: float = 1.0) -> list[dict[str, np.ndarray]]:
    """Per layer, |W| of each projection (N, K), times the RMS of its input channel when `rms` is given
    (activation_rms), to the power `power`: the quantity the permutation keeps inside the blocks."""
    p, out = prefix_of(state), []
    for layer in range(layer_count(state)):
        entry = {}
        for key, module in PROJECTIONS.items():
            weight = state[f"{p}encoder.layer.{layer}.{module}.weight"].detach().abs().double().cpu().numpy()
            if rms is not None:
                weight = weight * rms[layer][key][None, :]
            entry[key] = weight if power == 1 else weight ** power
        out.append(entry)
    return out


def kept_fractions(mass: list[dict[str, np.ndarray]], groups: dict[str, int]) -> dict[str, float]:
    """Per projection type, mass inside the diagonal blocks / total mass, summed over layers."""
    out = {}
    for key in PROJECTIONS:
        kept = total = 0.0
        for entry in mass:
            a = entry[key]
            kept += float((a * block_mask(*a.shape, groups[key]).numpy()).sum())
            total += float(a.sum())
        out[SHORT[key]] = kept / total
    return out


@torch.no_grad()
def activation_rms(model, tokenizer, texts: list[str], max_length: int = 64, batch_size: int = 32) -> list[dict]:
    """Per layer, the RMS over real tokens of each projection's input channels (numpy (K,) per key),
    from the dense teacher (a BertForSequenceClassification or BertModel)."""
    base = getattr(model, "bert", model)
    sums = [{key: None for key in PROJECTIONS} for _ in base.encoder.layer]
    count = 0
    hooks, current = [], {}

    def recorder(layer, key):
        def hook(module, inputs):
            x = inputs[0][current["mask"]]  # (real tokens, K)
            square = (x.double() ** 2).sum(0).cpu().numpy()
            sums[layer][key] = square if sums[layer][key] is None else sums[layer][key] + square
        return hook

    for i, layer in enumerate(base.encoder.layer):
        for key, module in PROJECTIONS.items():
            hooks.append(layer.get_submodule(module).register_forward_pre_hook(recorder(i, key)))
    try:
        model.eval()
        for start in range(0, len(texts), batch_size):
            batch = tokenizer(texts[start:start + batch_size], padding=True, truncation=True,
                              max_length=max_length, return_tensors="pt").to(next(model.parameters()).device)
            current["mask"] = batch["attention_mask"].bool()
            count += int(current["mask"].sum())
            base(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"])
    finally:
        for hook in hooks:
            hook.remove()
    return [{key: np.sqrt(value / max(count, 1)) for key, value in layer.items()} for layer in sums]


# ---- the permutation search -------------------------------------------------------------------

def balanced_assignment(gain: np.ndarray) -> np.ndarray:
    """gain (items, G) -> group per item, each group getting items/G of them, maximising total gain."""
    items, groups = gain.shape
    capacity = items // groups
    columns = np.repeat(np.arange(groups), capacity)  # slot -> group
    rows, slots = linear_sum_assignment(gain[:, columns], maximize=True)
    out = np.empty(items, dtype=np.int64)
    out[rows] = columns[slots]
    return out


def one_hot(assignment: np.ndarray, groups: int) -> np.ndarray:
    out = np.zeros((len(assignment), groups))
    out[np.arange(len(assignment)), assignment] = 1
    return out


def search(mass: list[dict[str, np.ndarray]], groups: dict[str, int], heads: int,
           iterations: int = 8) -> tuple[dict, list[float]]:
    """Coordinate ascent over (residual groups, per-layer head groups, per-layer intermediate groups).

    Returns ({"residual": (C,), "heads": [(H,)] * L, "intermediate": [(I,)] * L} group assignments,
    the objective after each round). Only the grouped projections count: q/k/v rows are grouped by
    head (H/G heads per group), so q, k and v share their head assignment. A grouped post-attention
    projection (1 in the paper's grouping) is cut but not optimised for.
    """
    G = residual_groups(groups)
    C = mass[0]["q_groups"].shape[1]
    I = mass[0]["intermediate_groups"].shape[0]
    D = C // heads
    qkv = [key for key in ("q_groups", "k_groups", "v_groups") if groups[key] > 1]
    if qkv and heads % G:
        raise ValueError(f"{heads} heads cannot be split into {G} q/k/v groups")
    use_int, use_out = groups["intermediate_groups"] > 1, groups["output_groups"] > 1
    residual = np.arange(C) // (C // G)
    head_groups = [np.arange(heads) // (heads // G) for _ in mass]
    inter = [np.arange(I) // (I // G) for _ in mass]

    def objective() -> float:
        r = one_hot(residual, G)
        total = 0.0
        for l, entry in enumerate(mass):
            rows = one_hot(np.repeat(head_groups[l], D), G)
            for key in qkv:
                total += float(((entry[key] @ r) * rows).sum())
            ig = one_hot(inter[l], G)
            if use_int:
                total += float(((entry["intermediate_groups"] @ r) * ig).sum())
            if use_out:
                total += float(((entry["output_groups"].T @ r) * ig).sum())
        return total

    history = [objective()]
    for _ in range(iterations):
        r = one_hot(residual, G)
        for l, entry in enumerate(mass):
            if qkv:  # heads: gain of head h in group g = its rows' mass on residual block g
                per_row = sum(entry[key] @ r for key in qkv)  # (C rows, G)
                head_groups[l] = balanced_assignment(per_row.reshape(heads, D, G).sum(1))
            if use_int or use_out:
                gain = np.zeros((I, G))
                if use_int:
                    gain += entry["intermediate_groups"] @ r
                if use_out:
                    gain += entry["output_groups"].T @ r
                inter[l] = balanced_assignment(gain)
        gain = np.zeros((C, G))
        for l, entry in enumerate(mass):
            rows = one_hot(np.repeat(head_groups[l], D), G)
            for key in qkv:
                gain += entry[key].T @ rows
            ig = one_hot(inter[l], G)
            if use_int:
                gain += entry["intermediate_groups"].T @ ig
            if use_out:
                gain += entry["output_groups"] @ ig
        residual = balanced_assignment(gain)
        history.append(objective())
        if history[-1] <= history[-2] * (1 + 1e-9):
            break
    return {"residual": residual, "heads": head_groups, "intermediate": inter}, history


def orders(assignment: dict, head_size: int) -> dict:
    """Group assignments -> index orders (new position i holds old index order[i]): group 0's
    channels first, each group in its original order."""
    def order(groups_of):
        return np.argsort(groups_of, kind="stable")
    heads = [order(h) for h in assignment["heads"]]
    return {
        "residual": order(assignment["residual"]),
        "heads": heads,
        "head_channels": [np.concatenate([np.arange(h * head_size, (h + 1) * head_size) for h in hs]) for hs in heads],
        "intermediate": [order(i) for i in assignment["intermediate"]],
    }


def permute_state(state: dict, order: dict) -> dict:
    """The BERT state dict with every permutation applied; the model computes the same function
    with its hidden states' channels reordered by order["residual"]."""
    p = prefix_of(state)
    P = torch.as_tensor(order["residual"])
    out = dict(state)

    def take(name, dim, index):
        out[name] = state[name].index_select(dim, torch.as_tensor(index)).contiguous()

    for table in ("word_embeddings", "position_embeddings", "token_type_embeddings"):
        take(f"{p}embeddings.{table}.weight", 1, P)
    for leaf in ("weight", "bias"):
        take(f"{p}embeddings.LayerNorm.{leaf}", 0, P)
    for layer in range(layer_count(state)):
        base = f"{p}encoder.layer.{layer}."
        heads = torch.as_tensor(order["head_channels"][layer])
        inter = torch.as_tensor(order["intermediate"][layer])
        for module in ("attention.self.query", "attention.self.key", "attention.self.value"):
            out[base + module + ".weight"] = state[base + module + ".weight"][heads][:, P].contiguous()
            take(base + module + ".bias", 0, heads)
        out[base + "attention.output.dense.weight"] = state[base + "attention.output.dense.weight"][P][:, heads].contiguous()
        out[base + "intermediate.dense.weight"] = state[base + "intermediate.dense.weight"][inter][:, P].contiguous()
        take(base + "intermediate.dense.bias", 0, inter)
        out[base + "output.dense.weight"] = state[base + "output.dense.weight"][P][:, inter].contiguous()
        for name in ("attention.output.dense.bias", "attention.output.LayerNorm.weight", "attention.output.LayerNorm.bias",
                     "output.dense.bias", "output.LayerNorm.weight", "output.LayerNorm.bias"):
            take(base + name, 0, P)
    if f"{p}pooler.dense.weight" in state:
        take(f"{p}pooler.dense.weight", 1, P)  # the pooler reads the residual; its output is not permuted
    return out
