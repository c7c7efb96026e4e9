#!/usr/bin/env python3
"""Writes the fuzzers' seed corpora under fuzz/corpus/TARGET: small, hand-made inputs that reach
each parser's main paths (valid files and near misses). Standard library only; rerun to regenerate."""
import json
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def put(target, name, data, kind="corpus"):
    folder = os.path.join(HERE, kind, target)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode("utf-8"))


def safetensors(tensors, metadata=None):
    """tensors: name -> (dtype, shape, raw bytes)."""
    header, blob = {}, b""
    if metadata is not None:
        header["__metadata__"] = metadata
    for name, (dtype, shape, raw) in tensors.items():
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(blob), len(blob) + len(raw)]}
        blob += raw
    text = json.dumps(header).encode()
    return struct.pack("<Q", len(text)) + text + blob


def f32(values):
    return struct.pack("<%df" % len(values), *values)


def fnv1a(data, seed=0xCBF29CE484222325):
    h = seed
    for b in data:
        h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def cache_file(magic, key, payload):
    body = struct.pack("<QQQ", magic, key, len(payload)) + f32(payload)
    return body + struct.pack("<Q", fnv1a(body))


EMBEDDINGS_MAGIC = 0x31454D425A515153
CLASSIFIER_MAGIC = 0x31434C435A515153

# Tokenizer and sentence splitter: text of every kind.
texts = {
    "plain": "I love this movie. It was great!",
    "abbreviations": "Dr. Smith met Mr. J. R. R. Tolkien at 3.14 p.m. on Jan. 5th... Really?! Yes.",
    "unicode": "Café naïve résumé — 中文日本 😀👍🏽 \u05e9\u05dc\u05d5\u05dd e\u0301\u0301\u0301",
    "controls": "tab\there\r\nnul\x00byte \x1b[31mred\x1b[0m \u200b\u200d\ufeff",
    "quotes": "\"Stop!\" she said. (Really.) 'Yes.' [Done.]",
    "empty": "",
    "spaces": "   \t\n\n  ",
    "long-word": "supercalifragilisticexpialidocious" * 8,
    "punctuation": "!!!???...,,,;;;:::---///",
}
for name, text in texts.items():
    put("tokenizer", name, text)
    put("splitter", name, text)
put("tokenizer", "invalid-utf8", b"ok \xff\xfe \xc3( \xe2\x82 end")
put("splitter", "invalid-utf8", b"One. \xff Two.\xc0")

# Safetensors files.
put("safetensors", "f32", safetensors({"w": ("F32", [2, 2], f32([1, 2, 3, 4]))}, {"format": "pt"}))
put("safetensors", "i8-scaled", safetensors({
    "q": ("I8", [2, 3], bytes([1, 2, 3, 253, 254, 255])),
    "q_scale": ("F32", [2], f32([0.5, 0.25])),
}))
put("safetensors", "i8-smoothed", safetensors({
    "q": ("I8", [2, 3], bytes([1, 2, 3, 253, 254, 255])),
    "q_scale": ("F32", [2], f32([0.5, 0.25])),
    "q_smooth": ("F32", [3], f32([1.0, 2.0, 0.5])),
}))
put("safetensors", "i8-smoothing-not-positive", safetensors({
    "q": ("I8", [2, 3], bytes([1, 2, 3, 253, 254, 255])),
    "q_scale": ("F32", [2], f32([0.5, 0.25])),
    "q_smooth": ("F32", [4], f32([1.0, 0.0, -1.0, 2.0])),
}))
put("safetensors", "half", safetensors({
    "h": ("F16", [2], struct.pack("<2e", 1.5, -2.0)),
    "b": ("BF16", [1], b"\x80\x3f"),
    "d": ("F64", [1], struct.pack("<d", 3.0)),
}))
put("safetensors", "empty-tensor", safetensors({"e": ("F32", [0, 4], b"")}))
put("safetensors", "scalar", safetensors({"s": ("F32", [], f32([7]))}))
put("safetensors", "header-only", struct.pack("<Q", 2) + b"{}")

# config.json.
squeezebert = {
    "architectures": ["SqueezeBertForSequenceClassification"], "model_type": "squeezebert",
    "vocab_size": 30528, "hidden_size": 768, "num_hidden_layers": 12, "num_attention_heads": 12,
    "intermediate_size": 3072, "max_position_embeddings": 512, "type_vocab_size": 2,
    "hidden_act": "gelu", "layer_norm_eps": 1e-12, "q_groups": 4, "k_groups": 4, "v_groups": 4,
    "post_attention_groups": 1, "intermediate_groups": 4, "output_groups": 4,
    "id2label": {"0": "negative", "1": "positive"}, "label2id": {"negative": 0, "positive": 1},
    "squeezechat": {"sentiment": {"labels": ["negative", "positive"]}},
}
bert = {"model_type": "bert", "vocab_size": 20, "hidden_size": 4, "num_hidden_layers": 1,
        "num_attention_heads": 1, "intermediate_size": 8, "max_position_embeddings": 8,
        "type_vocab_size": 2, "hidden_act": "gelu", "layer_norm_eps": 1e-12}
put("config", "squeezebert", json.dumps(squeezebert, indent=2))
put("config", "bert", json.dumps(bert))
put("config", "wrong-types", json.dumps({**bert, "hidden_size": "4", "num_hidden_layers": 1.5}))
put("config", "huge", json.dumps({**bert, "hidden_size": 10**9, "vocab_size": 10**12}))
put("config", "escapes", '{"model_type": "bert\\u0000\\ud83d\\ude00", "a": [1e999, -0.0, 1E-400, null, true]}')

# A whole tiny BERT folder: config, vocabulary and every weight (hidden 4, one layer, one head).
vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "a", "tiny", "test", "##s", ".", "!"]
vocab += ["w%d" % i for i in range(20 - len(vocab))]
C, I, V, P, T = 4, 8, 20, 8, 2
def dense(name, n, k):
    return {name + ".weight": ("F32", [n, k], f32([0.01 * ((i % 7) - 3) for i in range(n * k)])),
            name + ".bias": ("F32", [n], f32([0.0] * n))}
def norm(name, c):
    return {name + ".weight": ("F32", [c], f32([1.0] * c)), name + ".bias": ("F32", [c], f32([0.0] * c))}
weights = {
    "embeddings.word_embeddings.weight": ("F32", [V, C], f32([0.1 * (i % 5) for i in range(V * C)])),
    "embeddings.position_embeddings.weight": ("F32", [P, C], f32([0.01 * i for i in range(P * C)])),
    "embeddings.token_type_embeddings.weight": ("F32", [T, C], f32([0.0] * (T * C))),
}
weights.update(norm("embeddings.LayerNorm", C))
base = "encoder.layer.0."
for part in ["attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense"]:
    weights.update(dense(base + part, C, C))
weights.update(dense(base + "intermediate.dense", I, C))
weights.update(dense(base + "output.dense", C, I))
weights.update(norm(base + "attention.output.LayerNorm", C))
weights.update(norm(base + "output.LayerNorm", C))
separator = b"\n====\n"
vocab_text = "\n".join(vocab) + "\n"
put("model-folder", "tiny-bert", json.dumps(bert).encode() + separator + vocab_text.encode() + separator + safetensors(weights))
missing = dict(weights)
del missing[base + "output.dense.weight"]
put("model-folder", "missing-tensor", json.dumps(bert).encode() + separator + vocab_text.encode() + separator + safetensors(missing))
# The same folder stored int8 with its projections smoothed, as training/export.py --smooth-alpha writes.
def int8_smoothed(name, n, k):
    codes = bytes(((i % 7) - 3) & 0xFF for i in range(n * k))
    return {name + ".weight": ("I8", [n, k], codes), name + ".weight_scale": ("F32", [n], f32([0.01] * n)),
            name + ".weight_smooth": ("F32", [k], f32([0.5 + 0.25 * (c % 4) for c in range(k)])),
            name + ".bias": ("F32", [n], f32([0.0] * n))}
smoothed = dict(weights)
for part, n, k in [("attention.self.query", C, C), ("attention.self.key", C, C), ("attention.self.value", C, C),
                   ("attention.output.dense", C, C), ("intermediate.dense", I, C), ("output.dense", C, I)]:
    smoothed.update(int8_smoothed(base + part, n, k))
put("model-folder", "tiny-bert-int8-smoothed",
    json.dumps(bert).encode() + separator + vocab_text.encode() + separator + safetensors(smoothed))
put("model-folder", "groups-do-not-divide", json.dumps({**bert, "model_type": "squeezebert", "q_groups": 3}).encode()
    + separator + vocab_text.encode() + separator + safetensors(weights))

# Intent files, YAML and JSON.
put("intents", "yaml", """intents:
  - name: greeting
    examples: [hi, hello there, "good morning"]
    responses: ["Hello!"]
    when_negative: ["Hello. Rough day?"]
    when_positive: ["Hello! Good to see you cheerful."]
  - name: thanks
    examples:
      - thank you
      - thanks a lot
    responses: [You're welcome.]
out_of_scope:
  examples: [what's the weather tomorrow]
  responses: ["I can't help with that."]
  threshold: 0.5
""")
put("intents", "json", json.dumps({"intents": [{"name": "bye", "examples": ["bye", "see you"], "responses": ["Bye!"]}],
                                    "out_of_scope": {"examples": ["stocks"], "responses": ["No idea."]}}))
put("intents", "anchors", "base: &b [hi, hey]\nintents:\n  - name: a\n    examples: *b\n    responses: *b\n")
put("intents", "duplicate", "intents:\n  - name: a\n    examples: [x]\n    responses: [y]\n  - name: a\n    examples: [z]\n    responses: [w]\n")
put("intents", "bad-indent", "intents:\n  - name: a\n   examples: [x\n")
put("intents", "empty", "intents: []\n")
put("intents", "conversation", """intents:
  - name: joke
    title: a joke
    examples: [tell me a joke, make me laugh]
    responses: ["A joke.", "Another joke."]
    explanation: ["Because you asked for one."]
    follow_ups:
      - examples: [another one, one more]
        answer: previous
        lifespan: 2
  - name: user_name
    examples: [call me sam, my name is ana]
    responses: ["Nice to meet you, {name}!", "Nice to meet you!"]
    slots:
      name: ["call me {name}", "my name is {name}"]
follow_ups:
  - examples: ["why?", how come]
    answer: explanation
    lifespan: 1
clarify: {gap: 0.05, band: 0.1}
out_of_scope:
  examples: [what's the weather tomorrow]
  responses: ["I can't help with that."]
  topics:
    - name: cooking
      examples: [how do i make pancakes, a recipe for soup]
      responses: ["I can't help with recipes."]
""")

# Terminal input: keys, escape sequences, bracketed pastes and mouse wheel reports.
put("input", "typing", "hello world\x7f\x7fd\r")
put("input", "arrows", "abc\x1b[D\x1b[D\x1b[C\x1b[H\x1b[F\x1b[3~\x1b[5~\x1b[6~\x1bOA\x1bOB")
put("input", "paste", "\x1b[200~pasted\r\nline two \x1b[31mred\x1b[0m\x1b[201~ after")
put("input", "unterminated-paste", "\x1b[200~never ends \xf0\x9f\x98\x80")
put("input", "controls", "word one two\x17\x15\x19\x14\x01\x05\x0b\x02\x06")
put("input", "wheel", "\x1b[M`!!\x1b[Ma!!\x1b[<64;10;5M\x1b[<65;10;5M")
put("input", "utf8", "caf\xc3\xa9 \xe4\xb8\xad \xf0\x9f\x91\x8d\xf0\x9f\x8f\xbd \xff\xfe".encode("latin-1"))
put("input", "meta", "\x1bb\x1bf\x1bd\x1b\x7f\x1b")

# Caches: the fuzz entry reads the dimensions (embeddings) or the shape (classifier) from the
# key's low byte, so these well-formed files reach the decoders.
put("embedding-cache", "two-entries", cache_file(EMBEDDINGS_MAGIC, 3, [1.0, 0.0, 0.1, 0.2, 0.3, 2.0, 0.0, 0.4, 0.5, 0.6]))
put("embedding-cache", "empty", cache_file(EMBEDDINGS_MAGIC, 3, []))
put("embedding-cache", "bad-checksum", cache_file(EMBEDDINGS_MAGIC, 3, [1.0])[:-1] + b"\x00")
shape = 2 + 3 * 8  # two dimensions, three classes
put("classifier-cache", "calibrated", cache_file(CLASSIFIER_MAGIC, shape, [0.5, 0.9, 0.8] + [0.1, 0.2, 0.3] + [0.01 * i for i in range(6)]))
put("classifier-cache", "no-oos-recall", cache_file(CLASSIFIER_MAGIC, shape, [0.5, 0.9, -1] + [0.0] * 9))
put("classifier-cache", "wrong-count", cache_file(CLASSIFIER_MAGIC, shape, [0.5]))

# Regressions: inputs that once crashed a parser, replayed by `swift test` (fuzz/regressions).
# A value count forged so that four times it wraps around to the real size, with a valid
# checksum: the reader trapped on the overflow before it compared the count with the file's size.
forged = bytearray(cache_file(EMBEDDINGS_MAGIC, 4, [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]))
forged[16:24] = struct.pack("<Q", (1 << 62) + 6)
forged[-8:] = struct.pack("<Q", fnv1a(bytes(forged[:-8])))
put("embedding-cache", "count-overflow", bytes(forged), kind="regressions")
