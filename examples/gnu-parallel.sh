#!/usr/bin/env bash
# Tags JSON lines on every core of one machine with GNU parallel: standard input is cut into
# blocks of whole lines, each block goes to its own `squeezechat tag` on one thread, and
# --keep-order writes the blocks' outputs in input order. The output is byte for byte what one
# `squeezechat tag --input jsonl` process writes for the same input, because a text's result
# does not depend on the other texts it was batched with.
#
#   examples/gnu-parallel.sh < reviews.jsonl > tagged.jsonl
#
# Environment: SQUEEZECHAT (the binary; default: squeezechat on PATH), JOBS (default: the cores),
# BLOCK (input per job, default 1M), TEXT_FIELD (default: text).
# A record that cannot be read is reported with its line number within its block; the exit
# status is then the number of blocks that had one (GNU parallel counts failed jobs).
set -euo pipefail
squeezechat=${SQUEEZECHAT:-squeezechat}
jobs=${JOBS:-$(nproc)}
exec parallel --will-cite --pipe --keep-order --block "${BLOCK:-1M}" --jobs "$jobs" \
    "$(printf '%q' "$squeezechat")" tag --input jsonl --text-field "$(printf '%q' "${TEXT_FIELD:-text}")" --threads 1
