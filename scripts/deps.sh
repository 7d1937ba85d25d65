#!/bin/sh
# Install the Debian packages npusim needs, only those missing (run as root on
# Debian; prints what it would need otherwise). `deps.sh mpi` adds OpenMPI for
# build/npusim-mpi (make mpi, issue 13).
set -e
need=""
pkgs="gcc make libcjson-dev libcmocka-dev libsqlite3-dev sqlite3"
[ "$1" = mpi ] && pkgs="openmpi-bin libopenmpi-dev"
for p in $pkgs; do
    dpkg -s "$p" >/dev/null 2>&1 || need="$need $p"
done
[ -z "$need" ] && exit 0
echo "installing:$need"
if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need >/dev/null
else
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need >/dev/null
fi
