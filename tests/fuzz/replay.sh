#!/usr/bin/env bash
# Replays the fuzz targets' seed corpora deterministically and without
# libFuzzer: builds build/fuzz/fuzz_TARGET-replay for each target (the
# target with replay_main.c as its main, under ASan + UBSan +
# LeakSanitizer; tests/fuzz/fuzz.mk) and runs it on every file: all of a
# target's files in one process, and when that fails each file alone, so
# that one bad input does not hide the others and is named.
#
#   tests/fuzz/replay.sh                   every target, every seed
#   tests/fuzz/replay.sh TARGET...         these targets' seeds
#   tests/fuzz/replay.sh FILE...           these files, each through the
#                                          target whose corpus holds it
#                                          (corpus/ → essay, corpus-X/ → X;
#                                          any other file → essay)
#   tests/fuzz/replay.sh -t TARGET FILE... these files through TARGET
#
# Targets: essay (corpus/), json_body, search_query, cursor, query_params
# (corpus-NAME/). Prints one line per file and, last, "N passed, N failed"
# (the format tests/run.sh adds up); exits 1 if any file failed or a build
# failed. FUZZ_CC: the clang to build with (default clang).
set -u
cd "$(dirname "$0")/../.."

ALL=(essay sentences citation json_body search_query cursor query_params)
is_target() { case " ${ALL[*]} " in *" $1 "*) return 0 ;; esac; return 1; }
seeds_of() { if [ "$1" = essay ]; then echo tests/fuzz/corpus; else echo "tests/fuzz/corpus-$1"; fi; }
target_of_file() {
    local d
    d=$(basename "$(dirname "$1")")
    case $d in
    corpus-*) if is_target "${d#corpus-}"; then echo "${d#corpus-}"; else echo essay; fi ;;
    *) echo essay ;;
    esac
}

# (target, file) pairs to replay.
jobs_t=()
jobs_f=()
add_target() {
    local f
    for f in "$(seeds_of "$1")"/*; do
        [ -f "$f" ] || continue
        jobs_t+=("$1")
        jobs_f+=("$f")
    done
}
if [ $# -eq 0 ]; then
    for t in "${ALL[@]}"; do add_target "$t"; done
elif [ "$1" = "-t" ]; then
    if [ $# -lt 2 ] || ! is_target "$2"; then
        echo "replay.sh: -t needs a target (${ALL[*]})" >&2
        echo "0 passed, 1 failed"
        exit 2
    fi
    t=$2
    shift 2
    for f in "$@"; do
        jobs_t+=("$t")
        jobs_f+=("$f")
    done
else
    for a in "$@"; do
        if is_target "$a"; then
            add_target "$a"
        else
            jobs_t+=("$(target_of_file "$a")")
            jobs_f+=("$a")
        fi
    done
fi

# Build the replay binaries the jobs need.
needed=()
for t in "${ALL[@]}"; do
    for u in "${jobs_t[@]}"; do
        if [ "$u" = "$t" ]; then
            needed+=("build/fuzz/fuzz_$t-replay")
            break
        fi
    done
done
if [ ${#needed[@]} -eq 0 ]; then
    echo "replay.sh: nothing to replay" >&2
    echo "0 passed, 1 failed"
    exit 1
fi
if ! make -s -f tests/fuzz/fuzz.mk FUZZ_CC="${FUZZ_CC:-clang}" -j2 "${needed[@]}"; then
    echo "build of ${needed[*]} failed"
    echo "0 passed, 1 failed"
    exit 1
fi

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:halt_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
[ -s tests/lsan.supp ] && export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tests/lsan.supp}

# One process per target first (starting one costs more than most
# inputs); if it fails (a CHECK, a sanitizer report, a leak found at exit),
# every file of that target again in a process of its own, to name the bad
# ones and still check the rest.
pass=0
fail=0
out=$(mktemp)
trap 'rm -f "$out"' EXIT
one() { # target file: runs it alone, prints the verdict
    if ("build/fuzz/fuzz_$1-replay" "$2"; exit $?) >"$out" 2>&1 && grep -qxF "ok $2" "$out"; then
        echo "ok   $1 $2"
        pass=$((pass + 1))
    else
        echo "FAIL $1 $2"
        sed 's/^/     /' "$out" | head -n 60
        fail=$((fail + 1))
    fi
}
for t in "${ALL[@]}"; do
    files=()
    for k in "${!jobs_f[@]}"; do [ "${jobs_t[$k]}" = "$t" ] && files+=("${jobs_f[$k]}"); done
    [ ${#files[@]} -eq 0 ] && continue
    if ("build/fuzz/fuzz_$t-replay" "${files[@]}"; exit $?) >"$out" 2>&1 &&
        [ "$(grep -c '^ok ' "$out")" -eq ${#files[@]} ]; then
        for f in "${files[@]}"; do echo "ok   $t $f"; done
        pass=$((pass + ${#files[@]}))
    else
        for f in "${files[@]}"; do one "$t" "$f"; done
    fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
