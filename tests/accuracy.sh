#!/bin/sh
# Checks against real measurements: the public H100 set in ../shared/validation
# (docs/accuracy.md). Thresholds are the targets of issue 3; do not loosen them.
NPUSIM=${1:-build/npusim}
V=${NPUSIM_VALIDATION:-../shared/validation/h100-sxm}
if [ ! -d "$V" ]; then
    echo "accuracy: $V not found (it lies beside the repository); skipped"
    exit 0
fi
pass=0
fail=0
run() { # file, max MAPE %
    if $NPUSIM validate "$V/$1" --max-mape "$2" >/tmp/npusim-acc.$$ 2>&1; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1))
        echo "FAIL: $1 above $2% MAPE"
    fi
    tail -1 /tmp/npusim-acc.$$ | sed "s|^overall|$1|"
    rm -f /tmp/npusim-acc.$$
}
run gemm.csv 7
run attention.csv 10
run bandwidth.csv 5
run model.csv 5
run . 6
echo "accuracy: $pass passed, $fail failed"
[ $fail -eq 0 ]
