# npusim — plain Makefile. `make` builds build/npusim, build/libnpusim.a and
# build/libnpusim.so (the C API of include/npusim.h); `make install PREFIX=...`
# installs them with the header and npusim.pc. `make demo` and `make test`
# first install missing Debian packages (scripts/deps.sh).
CC      ?= cc
CFLAGS  ?= -O2 -g
WARN    := -std=c11 -Wall -Wextra -Wshadow -Wno-missing-field-initializers -D_DEFAULT_SOURCE
ifeq ($(CI),true)
WARN    += -Werror
endif
LDLIBS  := -lcjson -lsqlite3 -lm -pthread -fopenmp
BUILD   := build
INC     := -Isrc -Iinclude -Icli -I$(BUILD)/gen
# Library objects serve the .a and the .so: position-independent, and only the
# public API (NPUSIM_API in include/npusim.h) visible outside the .so.
LIBFLAGS := -fPIC -fvisibility=hidden

# The library: src/ and the command layer of cli/ (the option table, its
# parsers and the commands, which npusim_call runs). The npusim program is
# cli/main.c and cli/client.c on top of the API.
SRC     := $(wildcard src/*.c)
PROG_SRC := cli/main.c cli/client.c
CMD_SRC := $(filter-out $(PROG_SRC),$(wildcard cli/*.c))
OBJ     := $(SRC:src/%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/presets_gen.o $(BUILD)/obj/html_gen.o \
           $(CMD_SRC:cli/%.c=$(BUILD)/obj/cli_%.o)
CLI_SRC := $(PROG_SRC)
CLI_OBJ := $(CLI_SRC:cli/%.c=$(BUILD)/obj/cli_%.o)
API_MAJOR := $(shell sed -n 's/^\#define NPUSIM_API_VERSION_MAJOR //p' include/npusim.h)
API_MINOR := $(shell sed -n 's/^\#define NPUSIM_API_VERSION_MINOR //p' include/npusim.h)
SONAME  := libnpusim.so.$(API_MAJOR)
TESTS   := $(patsubst tests/%.c,$(BUILD)/tests/%,$(wildcard tests/test_*.c))
PRESETS := presets/memory.json $(sort $(wildcard presets/hw/*.json)) $(sort $(wildcard presets/model/*.json)) \
           $(sort $(wildcard presets/engine/*.json))

.PHONY: all deps demo test unit golden check-accuracy browser report-img fuzz-replay api-test python-test bench asan \
	fuzz fuzz-build install uninstall clean FORCE deps-mpi mpi check-mpi
all: $(BUILD)/npusim $(BUILD)/libnpusim.so

# The version: VERSION, with `git describe` appended when git can tell it (a
# build without git still works). Rewritten only when it changes.
$(BUILD)/gen/version.h: VERSION FORCE
	@mkdir -p $(@D)
	@g=$$(git describe --always --dirty 2>/dev/null || true); \
	printf '#define NPUSIM_VERSION "%s"\n#define NPUSIM_GIT "%s"\n' "$$(cat VERSION)" "$$g" >$@.tmp; \
	if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi

# The compiler and flags the objects were built with, rewritten only when they change:
# every object depends on it, so `make` after `make asan` (or the other way) rebuilds
# instead of linking sanitizer objects without the sanitizer runtime.
$(BUILD)/gen/flags: FORCE
	@mkdir -p $(@D)
	@printf '%s\n' "$(CC) $(CFLAGS) $(LIBFLAGS) $(WARN) $(LDLIBS)" >$@.tmp; \
	if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi

HDRS := $(wildcard src/*.h cli/*.h include/*.h) $(BUILD)/gen/flags

$(BUILD)/embed: tools/embed.c
	@mkdir -p $(@D)
	$(CC) -O1 -o $@ $<

$(BUILD)/gen/presets_gen.c: $(BUILD)/embed $(PRESETS)
	@mkdir -p $(@D)
	$(BUILD)/embed $@ presets/memory.json -- $(sort $(wildcard presets/hw/*.json)) -- $(sort $(wildcard presets/model/*.json)) \
		-- $(sort $(wildcard presets/engine/*.json))

$(BUILD)/obj/presets_gen.o: $(BUILD)/gen/presets_gen.c src/npu_preset.h $(BUILD)/gen/flags
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LIBFLAGS) $(WARN) $(INC) -c -o $@ $<

# The HTML report (src/npu_html.c, issue 14): the page's files and Debian's Vega
# modules (libjs-vega) embedded at build time; without them reports say so.
VEGA_DIR    ?= /usr/share/javascript/vega
HTML_SHIM   := src/html/vega_amd.js src/html/vega_index.js
HTML_ASSETS := $(filter-out $(HTML_SHIM),$(sort $(wildcard src/html/*.js src/html/*.css src/html/*.json)))

$(BUILD)/embed_web: tools/embed_web.c
	@mkdir -p $(@D)
	$(CC) -O1 -o $@ $<

$(BUILD)/gen/html_gen.c: $(BUILD)/embed_web $(HTML_SHIM) $(HTML_ASSETS) $(wildcard $(VEGA_DIR)/vega-*.min.js)
	@mkdir -p $(@D)
	$(BUILD)/embed_web $@ $(VEGA_DIR) $(HTML_SHIM) -- $(HTML_ASSETS)

$(BUILD)/obj/html_gen.o: $(BUILD)/gen/html_gen.c src/npu_html_assets.h $(BUILD)/gen/flags
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LIBFLAGS) $(WARN) $(INC) -c -o $@ $<

$(BUILD)/obj/%.o: src/%.c $(HDRS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LIBFLAGS) $(WARN) $(INC) -c -o $@ $<

$(BUILD)/obj/cli_%.o: cli/%.c $(HDRS) $(BUILD)/gen/version.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LIBFLAGS) $(WARN) $(INC) -c -o $@ $<

# sweep (issue 13): OpenMP threads in the evaluator only (an explicit rule wins
# over the pattern); its pragmas sit under _OPENMP, so builds without -fopenmp
# (the clang fuzz build) run it on one thread and link without the runtime
$(BUILD)/obj/npu_sweep.o: src/npu_sweep.c $(HDRS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LIBFLAGS) $(WARN) -fopenmp $(INC) -c -o $@ $<

$(BUILD)/libnpusim.a: $(OBJ)
	@rm -f $@
	ar rcs $@ $^

# soname libnpusim.so.MAJOR (the API's major version, include/npusim.h)
$(BUILD)/libnpusim.so: $(OBJ)
	$(CC) $(CFLAGS) -shared -Wl,-soname,$(SONAME) -Wl,--no-undefined -o $@ $(OBJ) $(LDLIBS)
	ln -sf libnpusim.so $(BUILD)/$(SONAME)

$(BUILD)/npusim: $(CLI_OBJ) $(BUILD)/libnpusim.a
	$(CC) $(CFLAGS) -o $@ $(CLI_OBJ) $(BUILD)/libnpusim.a $(LDLIBS)

$(BUILD)/tests/%: tests/%.c $(BUILD)/libnpusim.a tests/testutil.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(WARN) $(INC) -Itests -o $@ $< $(BUILD)/libnpusim.a $(LDLIBS) -lcmocka

BENCHES := $(patsubst bench/%.c,$(BUILD)/benches/%,$(wildcard bench/*.c))
$(BUILD)/benches/%: bench/%.c $(BUILD)/libnpusim.a
	@mkdir -p $(@D)
	$(CC) -O2 $(WARN) $(INC) -o $@ $< $(BUILD)/libnpusim.a $(LDLIBS)

# ---- fuzzing (tests/fuzz, docs/reliability.md) ----
# Replay: every harness, built with $(CC) and a tiny main (tests/fuzz/driver.c),
# runs the seed corpus and the committed reproducers on each `make test` and
# under `make asan`: no clang needed.
FUZZERS := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_SEEDS = hw:presets/hw model:presets/model model:tests/data/hf validate:data/validation/h100-sxm
CLI_LIB_OBJ := $(filter-out $(BUILD)/obj/cli_main.o,$(CLI_OBJ)) $(BUILD)/obj/cli_main_lib.o

$(BUILD)/obj/cli_main_lib.o: cli/main.c $(wildcard src/*.h cli/*.h include/*.h) $(BUILD)/gen/version.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(WARN) $(INC) -Dmain=npusim_cli_main -c -o $@ $<

$(BUILD)/replay/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/driver.c tests/fuzz/fuzz.h $(CLI_LIB_OBJ) $(BUILD)/libnpusim.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(WARN) $(INC) -o $@ $< tests/fuzz/driver.c $(CLI_LIB_OBJ) $(BUILD)/libnpusim.a $(LDLIBS)

fuzz-replay: $(FUZZERS:%=$(BUILD)/replay/fuzz_%)
	@set -e; for h in $(FUZZERS); do \
	    files=$$(for d in $$(echo "$(FUZZ_SEEDS)" | tr ' ' '\n' | sed -n "s/^$$h://p") tests/fuzz/seeds/$$h tests/fuzz/regress/$$h; do \
	        [ -d $$d ] && find $$d -type f; done | sort); \
	    [ -n "$$files" ] || { echo "fuzz-replay $$h: no inputs found"; exit 1; }; \
	    printf 'fuzz-replay %s: ' $$h; ./$(BUILD)/replay/fuzz_$$h $$files; done

# Campaign: libFuzzer + ASan + UBSan with Debian's clang, in build/fuzz.
# FUZZ_SECONDS per harness (default 60); CI runs a short one (.ci/run).
FUZZ_CC     ?= clang
FUZZ_SAN    := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS := -O1 -g $(FUZZ_SAN)
FB          := $(BUILD)/fuzz
FUZZ_OBJ    := $(SRC:src/%.c=$(FB)/obj/%.o) $(FB)/obj/presets_gen.o $(FB)/obj/html_gen.o
FUZZ_CLI    := $(CMD_SRC:cli/%.c=$(FB)/obj/cli_%.o) $(CLI_SRC:cli/%.c=$(FB)/obj/cli_%.o)

$(FB)/obj/%.o: src/%.c $(wildcard src/*.h cli/*.h include/*.h)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link $(WARN) $(INC) -c -o $@ $<

$(FB)/obj/presets_gen.o: $(BUILD)/gen/presets_gen.c src/npu_preset.h
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(WARN) $(INC) -c -o $@ $<

$(FB)/obj/html_gen.o: $(BUILD)/gen/html_gen.c src/npu_html_assets.h
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(WARN) $(INC) -c -o $@ $<

$(FB)/obj/cli_%.o: cli/%.c $(wildcard src/*.h cli/*.h include/*.h) $(BUILD)/gen/version.h
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link $(WARN) $(INC) -Dmain=npusim_cli_main -c -o $@ $<

$(FB)/libnpusim.a: $(FUZZ_OBJ) $(FUZZ_CLI)
	@rm -f $@
	ar rcs $@ $^

$(FB)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(FB)/libnpusim.a
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer $(WARN) $(INC) -o $@ $< $(FB)/libnpusim.a $(LDLIBS)

fuzz-build:
	@sh scripts/deps.sh fuzz
	@$(MAKE) --no-print-directory $(FUZZERS:%=$(FB)/fuzz_%)

fuzz: fuzz-build
	@sh tests/fuzz/run.sh $(FUZZERS)

deps:
	@sh scripts/deps.sh

# sweep over MPI ranks (issue 13): build/npusim-mpi is the npusim program with
# an MPI build of cli/cmd_sweep.c (Debian OpenMPI's mpicc), which takes the place
# of the library's at link time; tests/mpi_sweep.sh checks it equals one process
MPICC ?= mpicc
deps-mpi:
	@sh scripts/deps.sh mpi

mpi: deps-mpi
	@$(MAKE) --no-print-directory $(BUILD)/npusim-mpi

$(BUILD)/obj-mpi/cli_cmd_sweep.o: cli/cmd_sweep.c $(wildcard src/*.h cli/*.h include/*.h) $(BUILD)/gen/version.h
	@mkdir -p $(@D)
	$(MPICC) $(CFLAGS) $(WARN) -DNPU_MPI $(INC) -c -o $@ $<

$(BUILD)/npusim-mpi: $(CLI_OBJ) $(BUILD)/obj-mpi/cli_cmd_sweep.o $(BUILD)/libnpusim.a
	$(MPICC) $(CFLAGS) -o $@ $^ $(LDLIBS)

check-mpi: mpi all
	@sh tests/mpi_sweep.sh $(BUILD)/npusim $(BUILD)/npusim-mpi

$(FB)/fuzz_%: LDLIBS := -lcjson -lsqlite3 -lm -pthread

demo: deps
	@$(MAKE) --no-print-directory all
	./$(BUILD)/npusim run --model llama3-8b --hw h100-sxm --phase e2e --batch 8 --input 1024 --output 256

unit: $(TESTS)
	@set -e; for t in $(TESTS); do echo "== $$t"; ./$$t; done

golden: all
	@set -e; for g in tests/golden*.sh; do sh $$g $(BUILD)/npusim; done

check-accuracy: all
	@sh tests/accuracy.sh $(BUILD)/npusim

# The report in a real headless browser (Debian chromium): tests/browser/run.sh.
BROWSER_TOOLS := $(BUILD)/tests/browser/pagecheck $(BUILD)/tests/browser/pngcheck
$(BUILD)/tests/browser/%: tests/browser/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(WARN) -o $@ $< -lz

browser: all $(BROWSER_TOOLS)
	@sh tests/browser/run.sh $(BUILD)/npusim $(BUILD)/tests/browser

# The screenshots docs/ shows (docs/img/report-*.png), from the same pages.
report-img: all $(BROWSER_TOOLS)
	@sh tests/browser/run.sh $(BUILD)/npusim $(BUILD)/tests/browser docs/img


# The C API as a user gets it: `make install` into a temporary prefix, the
# example compiled with pkg-config against the installed library and run, the
# exported symbols (tests/api_install.sh).
api-test: all
	@sh tests/api_install.sh $(BUILD)

# The Python package as a user gets it: a venv that sees Debian's pandas,
# matplotlib and pytest, `pip install ./python` (offline: an in-tree build
# backend, python/pyproject.toml; --no-index proves it needs no index), then
# its tests (from the repository root, so the installed package is the one
# imported) and the example figure.
PYTHON ?= /usr/bin/python3
VENV   := $(BUILD)/venv
PIP    := $(VENV)/bin/pip --disable-pip-version-check --no-input
python-test: all
	@rm -rf $(VENV)
	$(PYTHON) -m venv --system-site-packages $(VENV)
	$(PIP) install -q --no-index ./python
	NPUSIM_CLI=$(abspath $(BUILD)/npusim) $(VENV)/bin/python -m pytest -q -p no:cacheprovider python/tests
	$(VENV)/bin/python examples/latency_throughput.py $(BUILD)/latency-throughput.png

test:
	@sh scripts/deps.sh test
	@$(MAKE) --no-print-directory all unit golden check-accuracy fuzz-replay browser api-test python-test check-mpi

# ---- install ----
PREFIX  ?= /usr/local
LIBDIR  ?= $(PREFIX)/lib
INCDIR  ?= $(PREFIX)/include
BINDIR  ?= $(PREFIX)/bin
PCDIR   ?= $(LIBDIR)/pkgconfig
VERSION := $(shell cat VERSION)

$(BUILD)/npusim.pc: VERSION FORCE
	@printf 'prefix=%s\nlibdir=%s\nincludedir=%s\n\nName: npusim\nDescription: %s\nVersion: %s\nLibs: -L$${libdir} -lnpusim\nLibs.private: -lcjson -lsqlite3 -lm -pthread -lgomp\nCflags: -I$${includedir}\n' \
		'$(PREFIX)' '$(LIBDIR)' '$(INCDIR)' 'predict LLM inference on AI chips from their datasheets (C API)' '$(VERSION)' >$@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi

install: all $(BUILD)/npusim.pc
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCDIR) $(DESTDIR)$(PCDIR)
	install -m 755 $(BUILD)/npusim $(DESTDIR)$(BINDIR)/npusim
	install -m 644 $(BUILD)/libnpusim.a $(DESTDIR)$(LIBDIR)/libnpusim.a
	install -m 755 $(BUILD)/libnpusim.so $(DESTDIR)$(LIBDIR)/$(SONAME).$(API_MINOR)
	ln -sf $(SONAME).$(API_MINOR) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libnpusim.so
	install -m 644 include/npusim.h $(DESTDIR)$(INCDIR)/npusim.h
	install -m 644 $(BUILD)/npusim.pc $(DESTDIR)$(PCDIR)/npusim.pc

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/npusim $(DESTDIR)$(LIBDIR)/libnpusim.a $(DESTDIR)$(LIBDIR)/libnpusim.so \
		$(DESTDIR)$(LIBDIR)/$(SONAME) $(DESTDIR)$(LIBDIR)/$(SONAME).$(API_MINOR) $(DESTDIR)$(INCDIR)/npusim.h \
		$(DESTDIR)$(PCDIR)/npusim.pc

bench: deps
	@$(MAKE) --no-print-directory all $(BENCHES)
	@set -e; for b in $(BENCHES); do echo "== $$b"; ./$$b; done

asan: deps
	@$(MAKE) --no-print-directory clean
	@$(MAKE) --no-print-directory CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer" \
		LDLIBS="-lcjson -lsqlite3 -lm -pthread -fopenmp -fsanitize=address,undefined" all unit golden fuzz-replay

clean:
	rm -rf $(BUILD)
