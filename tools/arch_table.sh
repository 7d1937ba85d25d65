#!/bin/sh
# Regenerate the per-preset table of docs/accuracy-architectures.md: every
# hardware preset's batch-1 decode and 8192-token prefill next to the streaming
# floor and the compute peak. Usage: sh tools/arch_table.sh [MODEL]  (after `make`)
set -e
cd "$(dirname "$0")/.."
[ -f build/libnpusim.a ] || make -s build/libnpusim.a
mkdir -p build/tools
# CFLAGS/LDLIBS from make when it runs us (make asan builds the library with sanitizers)
${CC:-cc} ${CFLAGS:--O2} -std=c11 -Isrc -Iinclude -o build/tools/arch_table tools/arch_table.c build/libnpusim.a ${LDLIBS:--lcjson -lm}
./build/tools/arch_table "${1:-llama3-8b}"
