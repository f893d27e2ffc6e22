# tests/lib.sh — the assertions the shell suites share. Source it, call
# check NAME COMMAND... for each test, and end with report.
pass=0
fail=0
check() { # check NAME COMMAND...: passes when the command succeeds
    local name=$1
    shift
    if "$@"; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1))
        echo "FAIL $name"
    fi
}
report() { # the closing line; exit status 1 if anything failed
    echo "$pass passed, $fail failed"
    [ "$fail" -eq 0 ]
}
listening_base() { # listening_base OUT PID: the base URL essayd prints in OUT once it listens on
    # 127.0.0.1 (waits up to 10 s); fails if process PID exits first or never says it.
    local out=$1 pid=$2 base
    for _ in $(seq 200); do
        base=$(sed -n 's/^essayd: listening on \(http:\/\/127\.0\.0\.1:[0-9]*\)$/\1/p' "$out")
        if [ -n "$base" ]; then
            echo "$base"
            return 0
        fi
        kill -0 "$pid" 2>/dev/null || return 1
        sleep 0.05
    done
    return 1
}
