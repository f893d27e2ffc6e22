#!/usr/bin/env bash
# Builds the libFuzzer targets and runs each one in turn (never two at
# once) for SECONDS (default 60):
#
#   tests/fuzz/run.sh [SECONDS] [TARGET...]
#
# TARGET is essay, json_body, search_query, cursor or query_params (all
# when none is named). Each runs with its dictionary, -max_len for its
# input, -rss_limit_mb=2048, one job, a scratch copy of its seeds as the
# first corpus directory (build/fuzz/work/TARGET: new inputs go there) and
# its seed directory, read only, second; artifacts (crash-*, leak-*,
# timeout-*, oom-*) go to build/fuzz/artifacts/TARGET/, the log to
# build/fuzz/logs/TARGET.log. Per target it prints executions, exec/s,
# coverage, the corpus size and new artifacts; the last line is
# "N passed, N failed" (a target passes when it ran its time with no
# crash, leak, timeout or out-of-memory). Exits 1 if any failed.
#
# FUZZ_CC: the clang to build with (default clang; it must have libFuzzer).
# Extra libFuzzer flags: FUZZ_FLAGS="-seed=1 -only_ascii=1".
set -u
cd "$(dirname "$0")/../.."

ALL=(essay sentences citation json_body search_query cursor query_params)
secs=60
if [ $# -gt 0 ] && [[ $1 =~ ^[0-9]+$ ]]; then
    secs=$1
    shift
fi
if [ $# -gt 0 ]; then
    targets=("$@")
else
    targets=("${ALL[@]}")
fi
for t in "${targets[@]}"; do
    case " ${ALL[*]} " in
    *" $t "*) ;;
    *)
        echo "run.sh: unknown target '$t' (targets: ${ALL[*]})" >&2
        echo "0 passed, 1 failed"
        exit 2
        ;;
    esac
done

seeds_of() { if [ "$1" = essay ]; then echo tests/fuzz/corpus; else echo "tests/fuzz/corpus-$1"; fi; }
max_len_of() {
    case $1 in
    essay) echo 8192 ;;        # the seeds are trimmed essays; longer only slows it
    sentences) echo 4096 ;;    # one paragraph (the longest seed is about 1 KB)
    citation) echo 1024 ;;     # one endnote (the longest seed is about 300 bytes)
    json_body) echo 32768 ;;   # a whole GET article (the largest seed is 31 KB)
    search_query) echo 2048 ;; # the server passes at most 1000 bytes of q
    cursor) echo 4608 ;;       # cursors are at most 4096 characters
    query_params) echo 4096 ;; # a request target and a few headers
    esac
}

# Build everything first: a build failure fails every target.
bins=()
for t in "${targets[@]}"; do bins+=("build/fuzz/fuzz_$t"); done
if ! make -s -f tests/fuzz/fuzz.mk FUZZ_CC="${FUZZ_CC:-clang}" -j2 "${bins[@]}"; then
    echo "build failed"
    echo "0 passed, ${#targets[@]} failed"
    exit 1
fi

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
[ -s tests/lsan.supp ] && export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tests/lsan.supp}

count() { find "$1" -maxdepth 1 -type f 2>/dev/null | wc -l; }

pass=0
fail=0
for t in "${targets[@]}"; do
    seeds=$(seeds_of "$t")
    work=build/fuzz/work/$t
    art=build/fuzz/artifacts/$t
    log=build/fuzz/logs/$t.log
    rm -rf "$work"
    mkdir -p "$work" "$art" build/fuzz/logs
    cp -p "$seeds"/* "$work"/ 2>/dev/null
    before=$(count "$work")
    stamp=$(mktemp)
    echo "== fuzz_$t: ${secs}s, seeds $seeds ($(count "$seeds") files), log $log"
    # libFuzzer stops itself after -max_total_time; timeout is the safety net
    # (a hang in the initial corpus, a stuck process).
    # shellcheck disable=SC2086
    timeout -k 30 $((secs + 300)) "build/fuzz/fuzz_$t" \
        -max_total_time="$secs" -dict="tests/fuzz/$t.dict" -max_len="$(max_len_of "$t")" \
        -rss_limit_mb=2048 -timeout=30 -print_final_stats=1 -artifact_prefix="$art/" \
        ${FUZZ_FLAGS:-} "$work" "$seeds" >"$log" 2>&1
    rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
    rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log" | tail -n 1)
    status=$(grep -E '^#[0-9]+.*cov: ' "$log" | tail -n 1)
    cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$status")
    ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$status")
    after=$(count "$work")
    new_art=$(find "$art" -maxdepth 1 -type f -newer "$stamp" \
        \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) | sort)
    rm -f "$stamp"
    nart=$(grep -c . <<<"$new_art")
    printf '   executions %s, %s exec/s, cov %s, ft %s, corpus %s files (%s new), peak RSS %s MB, crashes %s\n' \
        "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "$after" "$((after - before))" "${rss:-?}" "$nart"
    if [ "$rc" -eq 0 ] && [ "$nart" -eq 0 ]; then
        echo "ok   fuzz_$t"
        pass=$((pass + 1))
    else
        echo "FAIL fuzz_$t (exit $rc)"
        [ -n "$new_art" ] && sed 's/^/     artifact: /' <<<"$new_art"
        # The report: from the sanitizer's or the CHECK's first line.
        grep -n -m 1 -E '^==[0-9]+==ERROR|invariant violated|runtime error|ERROR: libFuzzer' "$log" |
            cut -d: -f1 | while read -r line; do sed -n "$((line > 3 ? line - 3 : 1)),$((line + 40))p" "$log"; done |
            sed 's/^/     /'
        fail=$((fail + 1))
    fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
