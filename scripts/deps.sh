#!/bin/sh
# Install the Debian packages npusim needs, only those missing (run as root on
# Debian; prints what it would need otherwise).
#   deps.sh        what the build needs
#   deps.sh test   + what `make test` needs beyond the build: a headless browser
#                  for the HTML report (chromium), zlib for its screenshot
#                  checker, jq for expected counts
#   deps.sh fuzz   + what `make fuzz` needs: clang and the compiler-rt runtimes
#                  that hold libFuzzer and the sanitizers (libclang-rt-N-dev,
#                  N = clang's major version)
set -e
pkgs="gcc make libcjson-dev libcmocka-dev libsqlite3-dev libjs-vega"
[ "$1" = test ] && pkgs="$pkgs chromium zlib1g-dev jq"
[ "$1" = fuzz ] && pkgs="$pkgs clang"
install() {
    need=""
    for p in "$@"; do
        dpkg -s "$p" >/dev/null 2>&1 || need="$need $p"
    done
    [ -z "$need" ] && return 0
    echo "installing:$need"
    if [ "$(id -u)" = 0 ]; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need >/dev/null
    else
        sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need >/dev/null
    fi
}
install $pkgs
if [ "$1" = fuzz ]; then
    v=$(clang --version | sed -n 's/.*clang version \([0-9]*\)\..*/\1/p' | head -1)
    install "libclang-rt-$v-dev"
fi
