# npusim — plain Makefile. `make` builds build/npusim and build/libnpusim.a.
# `make demo` and `make test` first install missing Debian packages (scripts/deps.sh).
CC      ?= cc
CFLAGS  ?= -O2 -g
WARN    := -std=c11 -Wall -Wextra -Wshadow -Wno-missing-field-initializers -D_DEFAULT_SOURCE
ifeq ($(CI),true)
WARN    += -Werror
endif
INC     := -Isrc -Iinclude -Icli -Ibuild/gen
LDLIBS  := -lcjson -lm -lsqlite3 -fopenmp
BUILD   := build

SRC     := $(wildcard src/*.c)
OBJ     := $(SRC:src/%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/presets_gen.o
CLI_SRC := $(wildcard cli/*.c)
CLI_OBJ := $(CLI_SRC:cli/%.c=$(BUILD)/obj/cli_%.o)
TESTS   := $(patsubst tests/%.c,$(BUILD)/tests/%,$(wildcard tests/test_*.c))
PRESETS := presets/memory.json $(sort $(wildcard presets/hw/*.json)) $(sort $(wildcard presets/model/*.json))

.PHONY: all deps demo test unit golden check-accuracy bench asan clean deps-mpi mpi check-mpi
all: $(BUILD)/npusim

$(BUILD)/embed: tools/embed.c
	@mkdir -p $(@D)
	$(CC) -O1 -o $@ $<

$(BUILD)/gen/presets_gen.c: $(BUILD)/embed $(PRESETS)
	@mkdir -p $(@D)
	$(BUILD)/embed $@ presets/memory.json -- $(sort $(wildcard presets/hw/*.json)) -- $(sort $(wildcard presets/model/*.json))

$(BUILD)/obj/presets_gen.o: $(BUILD)/gen/presets_gen.c src/npu_preset.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(WARN) $(INC) -c -o $@ $<

$(BUILD)/obj/%.o: src/%.c $(wildcard src/*.h)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(WARN) $(INC) -c -o $@ $<

# sweep (issue 13): OpenMP threads in the evaluator only (an explicit rule wins over the pattern)
$(BUILD)/obj/npu_sweep.o: src/npu_sweep.c $(wildcard src/*.h)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(WARN) -fopenmp $(INC) -c -o $@ $<

$(BUILD)/obj/cli_%.o: cli/%.c $(wildcard src/*.h cli/*.h include/*.h)
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

# sweep over MPI ranks (issue 13): build/npusim-mpi, the CLI with cmd_sweep built by mpicc
MPICC ?= mpicc
deps-mpi:
	@sh scripts/deps.sh mpi

mpi: deps-mpi
	@$(MAKE) --no-print-directory $(BUILD)/npusim-mpi

$(BUILD)/obj-mpi/cli_cmd_sweep.o: cli/cmd_sweep.c $(wildcard src/*.h cli/*.h include/*.h)
	@mkdir -p $(@D)
	$(MPICC) $(CFLAGS) $(WARN) -DNPU_MPI $(INC) -c -o $@ $<

$(BUILD)/npusim-mpi: $(filter-out $(BUILD)/obj/cli_cmd_sweep.o,$(CLI_OBJ)) $(BUILD)/obj-mpi/cli_cmd_sweep.o $(BUILD)/libnpusim.a
	$(MPICC) $(CFLAGS) -o $@ $^ $(LDLIBS)

check-mpi: mpi all
	@sh tests/mpi_sweep.sh $(BUILD)/npusim $(BUILD)/npusim-mpi

demo: deps
	@$(MAKE) --no-print-directory all
	./$(BUILD)/npusim run --model llama3-8b --hw h100-sxm --phase e2e --batch 8 --input 1024 --output 256

unit: $(TESTS)
	@set -e; for t in $(TESTS); do echo "== $$t"; ./$$t; done

golden: all
	@set -e; for g in tests/golden*.sh; do sh $$g $(BUILD)/npusim; done

check-accuracy: all
	@sh tests/accuracy.sh $(BUILD)/npusim

test: deps deps-mpi
	@$(MAKE) --no-print-directory all unit golden check-accuracy check-mpi

bench: deps
	@$(MAKE) --no-print-directory all $(BENCHES)
	@set -e; for b in $(BENCHES); do echo "== $$b"; ./$$b; done

asan: deps
	@$(MAKE) --no-print-directory clean
	@$(MAKE) --no-print-directory CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer" \
		LDLIBS="-lcjson -lm -lsqlite3 -fopenmp -fsanitize=address,undefined" all unit golden

clean:
	rm -rf $(BUILD)
