#!/bin/sh
# Issue 13: a sweep split over 2 MPI ranks (build/npusim-mpi, rank 0 gathers and
# writes) equals the single-process run, for SQLite and CSV, also resumed.
# Usage: sh tests/mpi_sweep.sh build/npusim build/npusim-mpi
. "$(dirname "$0")/lib_golden.sh"
MPI=${2:-build/npusim-mpi}
EX="$(dirname "$0")/../examples"
[ -x "$MPI" ] || { bad "$MPI is missing (make mpi)"; finish mpi_sweep; exit 1; }
command -v mpirun >/dev/null || { bad "mpirun is missing (Debian openmpi-bin)"; finish mpi_sweep; exit 1; }
# as root, OpenMPI needs both variables; a container may lack a network interface for TCP
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
# expect_ok runs its command under timeout: a command, not a shell function
RUN2="mpirun -np 2 --oversubscribe $MPI"

cat >"$T/grid.json" <<'JSON'
{ "base": {"hw": "rngd", "model": "llama3-8b", "dtype": "fp8", "kv_dtype": "fp8"},
  "axes": {"hw.memory.technology": ["hbm3e-skhynix", "hbm3e-samsung-shinebolt", "hbm3"],
           "hw.memory.stacks": {"from": 2, "to": 8, "step": 1},
           "hw.matrix.units": {"from": 4, "to": 16, "step": 4},
           "hw.process.node": ["tsmc-n5", "samsung-sf3"]},
  "workloads": [{"phase": "decode", "batch": 64, "ctx": 4096}, {"phase": "e2e", "batch": 8, "input": 512, "output": 128}],
  "objectives": {"usd_per_mtok": "min", "tokens_per_s_per_chip": "max"} }
JSON
for spec in "$T/grid.json" "$EX/sweep_hbm.json"; do
    sp=$(basename "$spec" .json)
    expect_ok "$sp single" $NPUSIM sweep "$spec" --out "$T/$sp-1.sqlite"
    expect_ok "$sp 2 ranks" $RUN2 sweep "$spec" --out "$T/$sp-2.sqlite" --commit-every 7
    sqlite3 "$T/$sp-1.sqlite" 'SELECT * FROM points ORDER BY id' >"$T/a.txt"
    sqlite3 "$T/$sp-2.sqlite" 'SELECT * FROM points ORDER BY id' >"$T/b.txt"
    [ -s "$T/a.txt" ] && cmp -s "$T/a.txt" "$T/b.txt" && ok || bad "$sp: 2 MPI ranks differ from one process"
    expect_ok "$sp csv single" $NPUSIM sweep "$spec" --out "$T/$sp-1.csv"
    expect_ok "$sp csv 2 ranks" $RUN2 sweep "$spec" --out "$T/$sp-2.csv" --commit-every 5
    cmp -s "$T/$sp-1.csv" "$T/$sp-2.csv" && ok || bad "$sp: 2 MPI ranks write another CSV"
done
# both ranks did work: with blocks of 7 points, rank 1 owns every other block
rows=$(sqlite3 "$T/grid-2.sqlite" 'SELECT count(*) FROM points')
check "grid rows" "$rows == 3 * 7 * 4 * 2 * 2"
# resume under MPI: a first single-process run stopped after some points
expect_ok "partial" $NPUSIM sweep "$T/grid.json" --out "$T/part.sqlite" --commit-every 10
sqlite3 "$T/part.sqlite" 'DELETE FROM points WHERE point >= 60 AND point < 130'
expect_ok "resume on 2 ranks" $RUN2 sweep "$T/grid.json" --out "$T/part.sqlite" --resume --commit-every 9
sqlite3 "$T/part.sqlite" 'SELECT * FROM points ORDER BY id' >"$T/c.txt"
sqlite3 "$T/grid-1.sqlite" 'SELECT * FROM points ORDER BY id' >"$T/a.txt"
cmp -s "$T/a.txt" "$T/c.txt" && ok || bad "resumed on 2 ranks differs from the clean run"
# a spec error is one line and exit 2 from every rank, not a hang
echo '{"base": {"hw": "rngd"}}' >"$T/bad.json"
$RUN2 sweep "$T/bad.json" --out "$T/bad.sqlite" >"$T/out" 2>"$T/err"; rc=$?
[ $rc -ne 0 ] && [ $rc -ne 124 ] && grep -q "needs 'hw' and 'model'" "$T/err" && ok || bad "spec error under MPI: rc=$rc $(head -3 "$T/err")"
finish mpi_sweep
