"""The bundled sentiment model over a file of lines through transformers and ONNX Runtime, for
`tag`'s throughput to stand beside: lines per second and the labels' agreement with `tag`.

    python bench/tag_baselines.py LINES.txt [--model Sources/DefaultModel/squeezechat-sentiment]
        [--squeezechat .build/release/squeezechat] [--threads 2] [--batch-size 32]

Loads the folder's int8 weights dequantised to float32 into `SqueezeBertForSequenceClassification`
and runs (1) transformers' `TextClassificationPipeline` over the lines, (2) the same model exported to
ONNX through ONNX Runtime at fp32 and (3) at int8 (`quantize_dynamic`, QInt8 weights), each with the
same batch size and thread count, then (4) `squeezechat tag --by line --format tsv` on the file.
Wall time covers tokenisation, the model and the labels, after one warm-up batch, not loading. The Python runtimes give the
classifier's own positive/negative label; `tag` adds the model's neutral and direction heads, so
its labels are compared on the lines it does not call neutral.
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import onnxruntime as ort
import torch
from transformers import (BertTokenizerFast, SqueezeBertConfig, SqueezeBertForSequenceClassification,
                          TextClassificationPipeline)

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "training"))  # export.py
from export import load_dequantised


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lines", type=Path, help="one text a line")
    parser.add_argument("--model", type=Path, default=Path("Sources/DefaultModel/squeezechat-sentiment"))
    parser.add_argument("--squeezechat", default=".build/release/squeezechat")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=32)
    args = parser.parse_args()
    texts = [line.rstrip("\n") for line in args.lines.read_text(encoding="utf-8").splitlines()]
    torch.set_num_threads(args.threads)
    config = SqueezeBertConfig.from_pretrained(str(args.model))
    model = SqueezeBertForSequenceClassification(config).eval()
    model.load_state_dict(load_dequantised(args.model), strict=False)
    tokenizer = BertTokenizerFast(str(args.model / "vocab.txt"), do_lower_case=True)
    labels = [config.id2label[i] for i in range(config.num_labels)]
    results = {}

    pipeline = TextClassificationPipeline(model=model, tokenizer=tokenizer, device=-1)
    pipeline(texts[:args.batch_size], batch_size=args.batch_size, truncation=True, max_length=128)  # warm-up
    start = time.perf_counter()
    out = pipeline(texts, batch_size=args.batch_size, truncation=True, max_length=128)
    results["transformers pipeline, fp32"] = (time.perf_counter() - start, [o["label"] for o in out])

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.onnx"
        ids = torch.ones(1, 16, dtype=torch.long)
        with torch.no_grad():
            torch.onnx.export(model, (ids, torch.ones_like(ids)), str(path), input_names=["input_ids", "attention_mask"],
                              output_names=["logits"], opset_version=17, dynamo=False,
                              dynamic_axes={"input_ids": {0: "b", 1: "t"}, "attention_mask": {0: "b", 1: "t"},
                                            "logits": {0: "b"}})
        from onnxruntime.quantization import QuantType, quantize_dynamic
        quantize_dynamic(str(path), str(path.with_name("model.int8.onnx")), weight_type=QuantType.QInt8)
        for name, onnx in (("ONNX Runtime, fp32", path), ("ONNX Runtime, int8", path.with_name("model.int8.onnx"))):
            options = ort.SessionOptions()
            options.intra_op_num_threads, options.inter_op_num_threads = args.threads, 1
            session = ort.InferenceSession(str(onnx), options, providers=["CPUExecutionProvider"])
            warm = tokenizer(texts[:args.batch_size], padding=True, truncation=True, max_length=128, return_tensors="np")
            session.run(None, {"input_ids": warm["input_ids"].astype(np.int64),
                               "attention_mask": warm["attention_mask"].astype(np.int64)})
            start, predicted = time.perf_counter(), []
            for first in range(0, len(texts), args.batch_size):
                batch = tokenizer(texts[first:first + args.batch_size], padding=True, truncation=True, max_length=128,
                                  return_tensors="np")
                logits = session.run(None, {"input_ids": batch["input_ids"].astype(np.int64),
                                            "attention_mask": batch["attention_mask"].astype(np.int64)})[0]
                predicted += [labels[i] for i in logits.argmax(1)]
            results[name] = (time.perf_counter() - start, predicted)

    start = time.perf_counter()
    tagged = subprocess.run([args.squeezechat, "tag", "--model", str(args.model), "--by", "line", "--format", "tsv",
                             "--threads", str(args.threads), str(args.lines)], check=True, capture_output=True,
                            text=True).stdout.splitlines()[1:]
    swift_seconds = time.perf_counter() - start  # the whole process, model load included
    swift_labels = [row.split("\t")[1] for row in tagged]
    print(f"{len(texts)} lines of {args.lines.name}, {args.threads} thread(s), batch {args.batch_size}; "
          f"load average {os.getloadavg()[0]:.1f}")
    print("| runtime | seconds | lines/s | label agreement with tag (its non-neutral lines) |")
    print("|---|---:|---:|---:|")
    polar = [i for i, label in enumerate(swift_labels) if label != "neutral"]
    for name, (seconds, predicted) in results.items():
        agree = sum(predicted[i] == swift_labels[i] for i in polar) / max(len(polar), 1)
        print(f"| {name} | {seconds:.1f} | {len(texts) / seconds:.0f} | {agree:.1%} |")
    print(f"| squeezechat tag (process start to exit) | {swift_seconds:.1f} | {len(texts) / swift_seconds:.0f} | |")


if __name__ == "__main__":
    main()
