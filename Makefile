# npusim — plain Makefile. `make` builds build/npusim and build/libnpusim.a.
# `make demo` and `make test` first install missing Debian packages (scripts/deps.sh).
CC      ?= cc
CFLAGS  ?= -O2 -g
WARN    := -std=c11 -Wall -Wextra -Wshadow -Wno-missing-field-initializers -D_DEFAULT_SOURCE
ifeq ($(CI),true)
WARN    += -Werror
endif
INC     := -Isrc -Iinclude -Icli -Ibuild/gen
LDLIBS  := -lcjson -lsqlite3 -lm
BUILD   := build

SRC     := $(wildcard src/*.c)
OBJ     := $(SRC:src/%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/presets_gen.o $(BUILD)/obj/html_gen.o
CLI_SRC := $(wildcard cli/*.c)
CLI_OBJ := $(CLI_SRC:cli/%.c=$(BUILD)/obj/cli_%.o)
TESTS   := $(patsubst tests/%.c,$(BUILD)/tests/%,$(wildcard tests/test_*.c))
PRESETS := presets/memory.json $(sort $(wildcard presets/hw/*.json)) $(sort $(wildcard presets/model/*.json))

.PHONY: all deps demo test unit golden check-accuracy browser report-img fuzz-replay bench asan fuzz fuzz-build clean FORCE
all: $(BUILD)/npusim

# The version: VERSION, with `git describe` appended when git can tell it (a
# build without git still works). Rewritten only when it changes.
$(BUILD)/gen/version.h: VERSION FORCE
	@mkdir -p $(@D)
	@g=$$(git describe --always --dirty 2>/dev/null || true); \
	printf '#define NPUSIM_VERSION "%s"\n#define NPUSIM_GIT "%s"\n' "$$(cat VERSION)" "$$g" >$@.tmp; \
	if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi

$(BUILD)/embed: tools/embed.c
	@mkdir -p $(@D)
	$(CC) -O1 -o $@ $<

$(BUILD)/gen/presets_gen.c: $(BUILD)/embed $(PRESETS)
	@mkdir -p $(@D)
	$(BUILD)/embed $@ presets/memory.json -- $(sort $(wildcard presets/hw/*.json)) -- $(sort $(wildcard presets/model/*.json))

$(BUILD)/obj/presets_gen.o: $(BUILD)/gen/presets_gen.c src/npu_preset.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(WARN) $(INC) -c -o $@ $<

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

$(BUILD)/obj/html_gen.o: $(BUILD)/gen/html_gen.c src/npu_html_assets.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(WARN) $(INC) -c -o $@ $<

$(BUILD)/obj/%.o: src/%.c $(wildcard src/*.h)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(WARN) $(INC) -c -o $@ $<

$(BUILD)/obj/cli_%.o: cli/%.c $(wildcard src/*.h cli/*.h include/*.h) $(BUILD)/gen/version.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(WARN) $(INC) -c -o $@ $<

$(BUILD)/libnpusim.a: $(OBJ)
	ar rcs $@ $^

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
FUZZ_CLI    := $(CLI_SRC:cli/%.c=$(FB)/obj/cli_%.o)

$(FB)/obj/%.o: src/%.c $(wildcard src/*.h)
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

test:
	@sh scripts/deps.sh test
	@$(MAKE) --no-print-directory all unit golden check-accuracy fuzz-replay browser

bench: deps
	@$(MAKE) --no-print-directory all $(BENCHES)
	@set -e; for b in $(BENCHES); do echo "== $$b"; ./$$b; done

asan: deps
	@$(MAKE) --no-print-directory clean
	@$(MAKE) --no-print-directory CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer" \
		LDLIBS="-lcjson -lsqlite3 -lm -fsanitize=address,undefined" all unit golden fuzz-replay

clean:
	rm -rf $(BUILD)
