"""Golden files for the Swift safetensors reader and writer, from the reference `safetensors`.

Writes, into the folder given as the argument:

  reference.safetensors  tensors of every dtype the reader converts (F32, F16 with subnormals,
                         signed zeros, infinities, NaN and its maximum, BF16, F64 including
                         values that round or overflow in float32, I8 with per-row `_scale`
                         tensors of shape (rows,) and (rows, 1)), a 0-d scalar, an empty tensor,
                         a 3-d tensor, an I64 tensor (valid, but not readable as Float), and
                         float32 values for the writer's F16 rounding to be checked against.
  reference.json         for each tensor: dtype, shape and the values the reader must return,
                         computed here in float32 ("floats"; "int8" and "dequantized" for I8).
                         Non-finite values are the strings "nan", "inf", "-inf".
  writer_expected.safetensors
                         what the reference writer produces for the tensors SafeTensorsWriterTests
                         writes; the Swift writer must produce the same bytes.

    python tools/make_safetensors_fixtures.py Tests/SqueezeBERTTests/Fixtures/safetensors

With --verify FILE it instead checks that a file written by the Swift SafeTensorsWriter loads with
the reference reader and holds the writer test's tensors:

    SQUEEZECHAT_WRITER_OUTPUT=build/swift.safetensors swift test --filter SafeTensorsWriterTests
    python tools/make_safetensors_fixtures.py --verify build/swift.safetensors
"""
import argparse
import json
import math
from pathlib import Path

import numpy as np
import torch
from safetensors import safe_open
from safetensors.numpy import load_file as load_numpy, save as save_numpy_bytes, save_file as save_numpy
from safetensors.torch import save_file as save_torch


def from_bits(bits, dtype):
    """A tensor of `dtype` with the given 16-bit patterns."""
    return torch.tensor(np.array(bits, dtype=np.uint16).view(np.int16)).view(dtype)


F16_BITS = [
    0x0000, 0x8000,          # +0, -0
    0x0001, 0x8001, 0x03FF,  # smallest subnormal, its negative, largest subnormal
    0x0400, 0x3C00, 0x3555,  # smallest normal, 1, ~1/3
    0xC000, 0x7BFF, 0xFBFF,  # -2, max (65504), -max
    0x7C00, 0xFC00,          # +inf, -inf
    0x7E00, 0xFE01,          # quiet NaN, negative NaN with payload
]

BF16_BITS = [
    0x3F80, 0x3EAB, 0xC020,  # 1, ~1/3, -2.5
    0x7F7F, 0x0001, 0x8000,  # max, smallest subnormal, -0
    0x7F80, 0x7FC0,          # +inf, NaN
]

F64_VALUES = [
    0.1, -1.5, 1 / 3,        # round to nearest float32
    1e300, -1e300,           # overflow to +-inf
    1e-50,                   # underflow to 0
    2.0 ** -149,             # smallest float32 subnormal, exact
    3.4028235677973366e38,   # halfway between float32 max and 2^128: ties to even = inf
]

# float32 values the Swift writer rounds to F16; expected bits come from numpy (checked against torch).
F16_ROUNDING_SOURCE = [
    0.1, 1 / 3, -2.5, 65504.0,
    65519.99609375,          # just below the max's upper halfway point: rounds to max
    65520.0,                 # halfway above max: ties to even = inf
    1e6, -1e6,               # overflow to +-inf
    2.0 ** -24,              # smallest subnormal, exact
    2.0 ** -25,              # halfway to the smallest subnormal: ties to even = 0
    3 * 2.0 ** -25,          # 1.5 subnormal units: ties to even = 2 units
    2.0 ** -26,              # below half a unit: 0
    1 + 2.0 ** -11,          # halfway between 1 and the next half: ties to even = 1
    1 + 3 * 2.0 ** -11,      # halfway, rounds up to even
    6.1e-5,                  # between largest subnormal and smallest normal
    -0.0, math.inf, -math.inf, math.nan, 1e-10,
]


def reference_tensors():
    """The tensors of reference.safetensors, as torch tensors."""
    i8_weight = torch.tensor([[-128, -1, 0, 1], [127, 64, -64, 3], [5, -7, 9, -11]], dtype=torch.int8)
    i8_column = torch.tensor([[1, -2, 3], [-4, 5, 127]], dtype=torch.int8)
    return {
        "f32.matrix": torch.tensor([[1.0, -2.5, math.pi], [-0.0, 1e-40, 3.4028234663852886e38]],
                                   dtype=torch.float32),
        "f16.specials": from_bits(F16_BITS, torch.float16),
        "bf16.values": from_bits(BF16_BITS, torch.bfloat16),
        "f64.values": torch.tensor(F64_VALUES, dtype=torch.float64),
        "i8.weight": i8_weight,
        "i8.weight_scale": torch.tensor([0.5, 0.0125, 2.0], dtype=torch.float32),
        "i8.column": i8_column,
        "i8.column_scale": torch.tensor([[0.1], [3.0]], dtype=torch.float16),
        "scalar": torch.tensor(2.5, dtype=torch.float32),
        "empty": torch.zeros((0, 4), dtype=torch.float32),
        "cube": (torch.arange(24, dtype=torch.float32) * 0.25 - 1).reshape(2, 3, 4),
        "position_ids": torch.arange(4, dtype=torch.int64).reshape(1, 4),
        "f16.rounding_source": torch.tensor(F16_ROUNDING_SOURCE, dtype=torch.float32),
    }


def rounded_to_f16(values):
    """float32 values rounded to float16 by numpy, after checking torch rounds them the same."""
    source = np.array(values, dtype=np.float32)
    with np.errstate(over="ignore"):
        half = source.astype(np.float16)
    from_torch = torch.tensor(source).half().numpy()
    same = (half.view(np.uint16) == from_torch.view(np.uint16)) | (np.isnan(half) & np.isnan(from_torch))
    assert same.all(), "numpy and torch disagree on float16 rounding"
    return half


def writer_tensors():
    """The tensors SafeTensorsWriterTests writes, built from the reference tensors, as numpy."""
    source = reference_tensors()
    return {
        "weight": source["f32.matrix"].numpy(),
        "half": rounded_to_f16(F16_ROUNDING_SOURCE),
        "quant": source["i8.weight"].numpy(),
        "quant_scale": source["i8.weight_scale"].numpy(),
        "scalar": source["scalar"].numpy(),
        "empty": np.zeros((0,), dtype=np.float16),
        'odd/"name"\\ü!': np.array([7, -8], dtype=np.int8),
    }


WRITER_METADATA = {"format": "pt"}


def encode_floats(array):
    """float32 values as JSON numbers, with non-finite values as strings."""
    def encode(x):
        x = float(x)
        if math.isnan(x):
            return "nan"
        if math.isinf(x):
            return "inf" if x > 0 else "-inf"
        return x
    return [encode(x) for x in np.asarray(array, dtype=np.float32).reshape(-1)]


def expectations(tensors):
    """reference.json's "tensors": what the Swift reader must return for each tensor."""
    dtype_names = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16",
                   torch.float64: "F64", torch.int8: "I8", torch.int64: "I64"}
    expected = {}
    for name, tensor in tensors.items():
        entry = {"dtype": dtype_names[tensor.dtype], "shape": list(tensor.shape)}
        if tensor.dtype in (torch.float32, torch.float16, torch.bfloat16):
            entry["floats"] = encode_floats(tensor.float().numpy())
        elif tensor.dtype == torch.float64:
            with np.errstate(over="ignore"):
                entry["floats"] = encode_floats(tensor.numpy().astype(np.float32))
        elif tensor.dtype == torch.int8:
            entry["int8"] = tensor.reshape(-1).tolist()
            scale = tensors[name + "_scale"].float().numpy().reshape(-1)
            quantised = tensor.numpy().astype(np.float32).reshape(tensor.shape[0], -1)
            entry["dequantized"] = encode_floats(quantised * scale[:, None])
        expected[name] = entry
    return expected


def make(folder):
    folder.mkdir(parents=True, exist_ok=True)
    tensors = reference_tensors()
    # The committed fixtures carry this path (where the script lived when they were made); keep it so
    # that a rerun writes the same bytes.
    metadata = {"format": "pt", "source": "training/make_safetensors_fixtures.py"}
    save_torch(tensors, str(folder / "reference.safetensors"), metadata=metadata)
    tensor_lines = [f"  {json.dumps(name)}: {json.dumps(entry)}" for name, entry in expectations(tensors).items()]
    (folder / "reference.json").write_text(
        f'{{\n "metadata": {json.dumps(metadata)},\n "tensors": {{\n' + ",\n".join(tensor_lines) + "\n }\n}\n")
    save_numpy(writer_tensors(), str(folder / "writer_expected.safetensors"), metadata=WRITER_METADATA)
    for path in sorted(folder.iterdir()):
        print(f"{path}: {path.stat().st_size} bytes")


def verify(path):
    """Checks a file written by the Swift SafeTensorsWriter against the writer test's tensors."""
    loaded = load_numpy(str(path))
    with safe_open(str(path), framework="numpy") as handle:
        assert handle.metadata() == WRITER_METADATA, f"metadata {handle.metadata()}"
    expected = writer_tensors()
    assert sorted(loaded) == sorted(expected), f"names {sorted(loaded)}"
    for name, want in expected.items():
        got = loaded[name]
        assert got.dtype == want.dtype and got.shape == want.shape, f"{name}: {got.dtype}{got.shape}"
        assert got.tobytes() == want.tobytes(), f"{name}: values differ"
    identical = Path(path).read_bytes() == save_numpy_bytes(expected, metadata=WRITER_METADATA)
    print(f"{path}: read by safetensors, {len(loaded)} tensors match; "
          f"bytes {'identical to' if identical else 'differ from'} the reference writer's")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folder", nargs="?", type=Path, help="where to write the fixtures")
    parser.add_argument("--verify", type=Path, help="check a file written by the Swift writer")
    arguments = parser.parse_args()
    if arguments.verify:
        verify(arguments.verify)
    elif arguments.folder:
        make(arguments.folder)
    else:
        parser.error("give the output folder, or --verify FILE")


if __name__ == "__main__":
    main()
