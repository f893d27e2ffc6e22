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
