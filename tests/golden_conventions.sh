#!/bin/sh
# Conventions of issue 14 (item 5) that hold through the API: the version the
# program prints is the release, tables state their units, and a long run
# shows its progress on a terminal (and only there). The progress comes from
# the library's callback (npusim_ctx_set_progress) through the program.
. "$(dirname "$0")/lib_golden.sh"
ROOT=$(cd "$(dirname "$0")/.." && pwd)

expect_ok "--version" $NPUSIM --version
expect_grep "--version is the release" "^npusim $(cat "$ROOT/VERSION")\( (git [0-9a-f].*)\)\{0,1\}$" "$T/out"

# units in the headers of the size-sweep table (and the single-size one)
expect_ok "op allreduce sweep" $NPUSIM op allreduce --hw h100-sxm --chips 8 --bytes 1K..64K
expect_grep "sweep header units" "size(B) *time(us) *algbw(GB/s) *busbw(GB/s)" "$T/out"
expect_ok "op allreduce" $NPUSIM op allreduce --hw h100-sxm --chips 8 --bytes 64K
expect_grep "single size units" "busbw .* GB/s" "$T/out"

# progress: a serve run of a second or more under a pseudo-terminal (script(1))
# draws a bar on stderr; with stderr not a terminal it stays silent
LONG="serve --model llama3-8b --hw h100-sxm --rate 50 --input 256 --output 32 --requests 400000"
if timeout $LIMIT script -qec "$NPUSIM $LONG >/dev/null" /dev/null >"$T/tty" 2>&1; then ok; else bad "serve under a tty: $(tail -c 300 "$T/tty")"; fi
expect_grep "progress bar on a terminal" "serve \[#" "$T/tty"
expect_grep "progress nears the end" "\] *9[0-9]%" "$T/tty"
if grep -q "$(printf '\033\\[K')" "$T/tty"; then ok; else bad "the bar is not cleared at the end"; fi
expect_ok "serve without a tty" $NPUSIM $LONG
if [ ! -s "$T/err" ]; then ok; else bad "progress written when stderr is not a terminal: $(head -c 200 "$T/err")"; fi

finish "golden (conventions)"
