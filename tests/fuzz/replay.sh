#!/usr/bin/env bash
# Replays the fuzz corpus through the fuzz target, deterministically and
# without libFuzzer: builds build/fuzz_replay (the target with
# replay_main.c as its main, under ASan + UBSan + LeakSanitizer) and runs
# it once per file, so one bad input does not hide the others.
#
#   tests/fuzz/replay.sh              every file in tests/fuzz/corpus/
#   tests/fuzz/replay.sh FILE...      just these files
#
# Prints one line per file and, last, "N passed, N failed" (the format
# tests/run.sh adds up); exits 1 if any file failed or the build failed.
set -u
cd "$(dirname "$0")/../.."

CC=${FUZZ_CC:-clang}
BIN=build/fuzz_replay
SOURCES="src/essay_parse.c src/sentences.c src/citations.c src/dates.c src/text.c"
PKGS_CFLAGS="jansson sqlite3 libmicrohttpd libpsl libcurl libcrypto"
PKGS_LIBS="libpsl libcurl libcrypto"

mkdir -p build
# fuzzer-no-link: the same coverage instrumentation as the fuzzer build,
# but no libFuzzer main (replay_main.c provides one).
# shellcheck disable=SC2046,SC2086
if ! "$CC" -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -g -O1 -fno-omit-frame-pointer \
    -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all \
    -Iinclude -Ibuild/gen $(pkg-config --cflags $PKGS_CFLAGS) \
    tests/fuzz/replay_main.c tests/fuzz/fuzz_essay.c $SOURCES \
    -o "$BIN" $(pkg-config --libs $PKGS_LIBS); then
    echo "build of $BIN failed"
    echo "0 passed, 1 failed"
    exit 1
fi

if [ $# -gt 0 ]; then
    files=("$@")
else
    files=()
    for f in tests/fuzz/corpus/*; do
        [ -f "$f" ] && files+=("$f")
    done
fi

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:halt_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
[ -f tests/lsan.supp ] && export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tests/lsan.supp}

pass=0
fail=0
out=$(mktemp)
trap 'rm -f "$out"' EXIT
for f in "${files[@]}"; do
    if "$BIN" "$f" >"$out" 2>&1 && grep -qxF "ok $f" "$out"; then
        echo "ok   $f"
        pass=$((pass + 1))
    else
        echo "FAIL $f"
        sed 's/^/     /' "$out" | head -n 60
        fail=$((fail + 1))
    fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
