# Shared helpers of the golden CLI scripts (tests/golden*.sh), sourced as
#   . "$(dirname "$0")/lib_golden.sh"
# with the npusim binary as $1. Each script ends with `finish NAME`.
NPUSIM=${1:-build/npusim}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

# numbers and strings from npusim's pretty JSON: top level (json_num, json_str),
# one level down (json_num2)
json_num() { sed -n "s/^\t\"$2\":[[:space:]]*\([-0-9.e+]*\),*$/\1/p" "$1" | head -1; }
json_num2() { sed -n "s/^\t\t\"$2\":[[:space:]]*\([-0-9.e+]*\),*$/\1/p" "$1" | head -1; }
json_str() { sed -n "s/^\t\"$2\":[[:space:]]*\"\([^\"]*\)\",*$/\1/p" "$1" | head -1; }

# Every command runs under a time limit: a hang is a failure (exit 124), not a stuck test.
LIMIT=${GOLDEN_TIMEOUT:-300}
expect_ok() { # name, command...: exit 0; output in $T/out, $T/err
    name=$1; shift
    if timeout $LIMIT "$@" >"$T/out" 2>"$T/err"; then ok; else bad "$name: exit $? $(head -c 300 "$T/err")"; fi
}
expect_err() { # name, stderr substring, command...: exit 2 with exactly one line on stderr
    name=$1; want=$2; shift 2
    timeout $LIMIT "$@" >"$T/out" 2>"$T/err"; rc=$?
    lines=$(wc -l <"$T/err")
    if [ $rc -eq 2 ] && [ "$lines" -eq 1 ] && grep -q -- "$want" "$T/err"; then ok
    else bad "$name: rc=$rc lines=$lines stderr=$(cat "$T/err")"; fi
}
expect_grep() { # name, pattern, file
    if grep -q -- "$2" "$3"; then ok; else bad "$1: no '$2' in output"; fi
}
check() { # name, awk condition
    if awk "BEGIN{exit !($2)}"; then ok; else bad "$1: $2"; fi
}
finish() { # name: the summary line and the exit status
    echo "$1: $pass passed, $fail failed"
    [ $fail -eq 0 ]
}
