#!/bin/sh
# The C API as a user gets it (`make api-test`): `make install` into a
# temporary prefix; the example (examples/api_example.c) compiled with
# pkg-config against the installed shared library, and again statically; its
# figures equal the command line's for the same chip, stock and edited by
# file; the .so exports exactly the header's functions, has its soname, and
# imports nothing that prints to stdout or exits; `make uninstall` removes
# what install put there.
#   sh tests/api_install.sh BUILD_DIR
B=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
. "$ROOT/tests/lib_golden.sh" "$B/npusim"
P=$T/prefix
MAKE=${MAKE:-make}

# --- install ---
if env -u MAKEFLAGS -u MFLAGS $MAKE --no-print-directory install PREFIX="$P" >"$T/install.log" 2>&1; then ok
else bad "make install: $(tail -3 "$T/install.log")"; fi
for f in bin/npusim lib/libnpusim.a lib/libnpusim.so lib/libnpusim.so.1 include/npusim.h lib/pkgconfig/npusim.pc; do
    if [ -e "$P/$f" ]; then ok; else bad "install: no $P/$f"; fi
done
export PKG_CONFIG_PATH="$P/lib/pkgconfig"
if [ "$(pkg-config --modversion npusim)" = "$(cat VERSION)" ]; then ok; else bad "pkg-config version $(pkg-config --modversion npusim)"; fi

# --- the example, dynamically linked against the installed library ---
# shellcheck disable=SC2046
if cc -std=c11 -Wall -Wextra -Werror examples/api_example.c $(pkg-config --cflags --libs npusim) \
    -Wl,-rpath,"$(pkg-config --variable=libdir npusim)" -o "$T/example" 2>"$T/cc.log"; then ok
else bad "example does not build: $(head -5 "$T/cc.log")"; fi
if ldd "$T/example" | grep -q "libnpusim.so.1 => $P/lib/libnpusim.so.1"; then ok
else bad "example is not linked to the installed library: $(ldd "$T/example" | grep npusim)"; fi
expect_ok "example runs" "$T/example"
cp "$T/out" "$T/example.out"

# its figures are the command line's: stock chip, and the edit as a file
"$B/npusim" run --model llama3-8b --hw h100-sxm --phase decode --batch 64 --ctx 4096 --dtype fp8 --json >"$T/stock.json"
"$B/npusim" show hw h100-sxm | sed 's/"stacks":\t5,/"stacks":\t6,/; s/"capacity_gb":\t80,/"capacity_gb":\t96,/' >"$T/six.json"
if grep -q '"stacks":	6,' "$T/six.json" && grep -q '"capacity_gb":	96,' "$T/six.json"; then ok; else bad "edited chip file"; fi
"$B/npusim" run --model llama3-8b --hw "$T/six.json" --phase decode --batch 64 --ctx 4096 --dtype fp8 --json >"$T/six.out"
want5=$(printf '%.6f' "$(json_num "$T/stock.json" latency_ms)")
want6=$(printf '%.6f' "$(json_num "$T/six.out" latency_ms)")
got5=$(sed -n 's/.*, 5 stacks: \([0-9.]*\) ms.*/\1/p' "$T/example.out")
got6=$(sed -n 's/.*, 6 stacks: \([0-9.]*\) ms.*/\1/p' "$T/example.out")
if [ -n "$got5" ] && [ "$got5" = "$want5" ]; then ok; else bad "example 5 stacks: '$got5' ms, the CLI says $want5"; fi
if [ -n "$got6" ] && [ "$got6" = "$want6" ]; then ok; else bad "example 6 stacks: '$got6' ms, the CLI says $want6"; fi
check "six stacks are faster" "$want6 < $want5"
expect_grep "example: a rejected edit names the field" "rejected: .*field 'stacks' is 0" "$T/example.out"
# the library's version is the program's
v=$("$P/bin/npusim" --version | sed 's/^npusim //')
expect_grep "example prints the version npusim --version prints" "^libnpusim $v (API 1" "$T/example.out"

# --- the same example linked statically ---
# shellcheck disable=SC2046
if cc -std=c11 -Wall -Wextra -Werror examples/api_example.c $(pkg-config --cflags npusim) "$P/lib/libnpusim.a" \
    $(pkg-config --static --libs-only-l npusim | sed 's/-lnpusim//') -o "$T/example-static" 2>"$T/cc.log"; then ok
else bad "static example does not build: $(head -5 "$T/cc.log")"; fi
expect_ok "static example runs" "$T/example-static"
if cmp -s "$T/out" "$T/example.out"; then ok; else bad "static and shared examples differ"; fi

# --- the shared library's interface ---
so="$P/lib/libnpusim.so.1"
if readelf -d "$so" | grep -q 'SONAME.*\[libnpusim.so.1\]'; then ok; else bad "soname: $(readelf -d "$so" | grep SONAME)"; fi
nm -D --defined-only "$so" | awk '{print $3}' | sort >"$T/exported"
sed -n 's/^NPUSIM_API [^(]*[ *]\(npusim_[a-z_]*\)(.*/\1/p' include/npusim.h | sort >"$T/declared"
if [ -s "$T/declared" ] && cmp -s "$T/exported" "$T/declared"; then ok
else bad "exported symbols differ from the header's: $(diff "$T/declared" "$T/exported" | grep '^[<>]' | head -5 | tr '\n' ' ')"; fi
# the library never prints to stdout and never exits (errors are returned)
nm -D --undefined-only "$so" | awk '{print $2}' | sed 's/@.*//' >"$T/imports"
for s in printf puts putchar vprintf stdout exit _exit; do
    if grep -qx "$s" "$T/imports"; then bad "libnpusim.so imports $s"; else ok; fi
done

# --- uninstall ---
if env -u MAKEFLAGS -u MFLAGS $MAKE --no-print-directory uninstall PREFIX="$P" >"$T/uninstall.log" 2>&1; then ok
else bad "make uninstall: $(tail -3 "$T/uninstall.log")"; fi
left=$(find "$P" -type f -o -type l)
if [ -z "$left" ]; then ok; else bad "uninstall left: $left"; fi

finish "api (installed C library)"
