#!/bin/sh
# depgraph.sh [SRC_DIR] — check that the modules of src/ form an acyclic graph.
#
# A module is a .c/.h pair (npu_cost.c + npu_cost.h = "npu_cost"). Every
# `#include "npu_X.h"` in a module's files is an edge module -> npu_X. C calls
# only what a declaration it can see names, and a module sees declarations only
# through its include edges (direct or transitive), so an acyclic include graph
# also means no call cycle between modules. Prints the edges with -v; exits 1
# naming a cycle's modules when there is one.
dir=${1:-src}
[ "$1" = "-v" ] && { dir=src; verbose=1; }
[ "$2" = "-v" ] && verbose=1
edges=$(for f in "$dir"/npu_*.c "$dir"/npu_*.h; do
    m=$(basename "$f" | sed 's/\.[ch]$//')
    sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\(npu_[a-z0-9_]*\)\.h".*/\1/p' "$f" |
        while read -r d; do [ "$d" != "$m" ] && echo "$m $d"; done
done | sort -u)
[ -n "$verbose" ] && echo "$edges"
n=$(echo "$edges" | wc -l)
if ! out=$(echo "$edges" | tsort 2>&1 >/dev/null) || [ -n "$out" ]; then
    echo "depgraph: include cycle among the modules of $dir:" >&2
    echo "$out" | sed -n 's/^tsort: //p' | grep -v "input contains a loop" | sed 's/^/  /' >&2
    exit 1
fi
echo "depgraph: $n include edges between the modules of $dir, no cycle"
