#!/usr/bin/env bash
# Builds the libFuzzer binary (coverage-guided, address sanitizer on) and fuzzes one target for SECONDS.
#   fuzz/run.sh TARGET SECONDS [extra libFuzzer flags]
# Targets: tokenizer safetensors config model-folder intents splitter input embedding-cache classifier-cache
# The committed seeds in fuzz/corpus/TARGET are read, never written; inputs the fuzzer finds go to
# fuzz/.build/corpus/TARGET, crashes to fuzz/.build/findings/TARGET. Replay a crash with
#   SQUEEZECHAT_FUZZ_TARGET=TARGET fuzz/.build/debug/squeezechat-fuzz CRASH_FILE
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
target="${1:?usage: fuzz/run.sh TARGET SECONDS}"
seconds="${2:?usage: fuzz/run.sh TARGET SECONDS}"
shift 2
[ -d "$here/corpus/$target" ] || { echo "no seed corpus $here/corpus/$target" >&2; exit 2; }
# One combined -sanitize flag: given as two (as `swift build --sanitize` does), the driver keeps
# only the last and the code gets no coverage instrumentation. The C targets get both too.
flags=(--package-path "$here" -Xswiftc -sanitize=fuzzer,address -Xcc -fsanitize=fuzzer-no-link,address)
mkdir -p "$here/.build"
if ! swift build "${flags[@]}" > "$here/.build/build.log" 2>&1; then
    grep -v "warning: Cannot export local symbol" "$here/.build/build.log" >&2
    exit 1
fi
binary="$(swift build "${flags[@]}" --show-bin-path)/squeezechat-fuzz"
mkdir -p "$here/.build/corpus/$target" "$here/.build/findings/$target"
export SQUEEZECHAT_FUZZ_TARGET="$target" ASAN_OPTIONS="detect_leaks=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
# Leak checks stay off: ncurses keeps its screen for the life of the process by design.
exec "$binary" "$here/.build/corpus/$target" "$here/corpus/$target" \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 -detect_leaks=0 \
    -artifact_prefix="$here/.build/findings/$target/" -print_final_stats=1 "$@"
