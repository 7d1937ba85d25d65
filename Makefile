# npusim — plain Makefile. `make` builds build/npusim and build/libnpusim.a.
# `make demo` and `make test` first install missing Debian packages (scripts/deps.sh).
CC      ?= cc
CFLAGS  ?= -O2 -g
WARN    := -std=c11 -Wall -Wextra -Wshadow -Wno-missing-field-initializers -D_DEFAULT_SOURCE
ifeq ($(CI),true)
WARN    += -Werror
endif
INC     := -Isrc -Iinclude -Icli -Ibuild/gen
LDLIBS  := -lcjson -lm
BUILD   := build

SRC     := $(wildcard src/*.c)
OBJ     := $(SRC:src/%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/presets_gen.o
CLI_SRC := $(wildcard cli/*.c)
CLI_OBJ := $(CLI_SRC:cli/%.c=$(BUILD)/obj/cli_%.o)
TESTS   := $(patsubst tests/%.c,$(BUILD)/tests/%,$(wildcard tests/test_*.c))
PRESETS := presets/memory.json $(sort $(wildcard presets/hw/*.json)) $(sort $(wildcard presets/model/*.json)) \
           $(sort $(wildcard presets/engine/*.json))

.PHONY: all deps demo test unit golden check-accuracy bench asan clean FORCE
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
	$(BUILD)/embed $@ presets/memory.json -- $(sort $(wildcard presets/hw/*.json)) -- $(sort $(wildcard presets/model/*.json)) \
		-- $(sort $(wildcard presets/engine/*.json))

$(BUILD)/obj/presets_gen.o: $(BUILD)/gen/presets_gen.c src/npu_preset.h
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

test: deps
	@$(MAKE) --no-print-directory all unit golden check-accuracy

bench: deps
	@$(MAKE) --no-print-directory all $(BENCHES)
	@set -e; for b in $(BENCHES); do echo "== $$b"; ./$$b; done

asan: deps
	@$(MAKE) --no-print-directory clean
	@$(MAKE) --no-print-directory CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer" \
		LDLIBS="-lcjson -lm -fsanitize=address,undefined" all unit golden

clean:
	rm -rf $(BUILD)
