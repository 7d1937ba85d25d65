/* driver — replays inputs through a harness without libFuzzer, so `make test`
 * (any compiler) and `make asan` run the seed corpus and every committed
 * reproducer (tests/fuzz/regress/) on each build. Usage: driver FILE... */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv) {
    if (!freopen("/dev/null", "w", stdout)) return 1; /* the CLI harness prints reports */
    for (int i = 1; i < argc; i++) {
        FILE *f = fopen(argv[i], "rb");
        if (!f) {
            fprintf(stderr, "driver: cannot open %s\n", argv[i]);
            return 1;
        }
        static uint8_t buf[1 << 20];
        size_t n = fread(buf, 1, sizeof buf, f);
        fclose(f);
        LLVMFuzzerTestOneInput(buf, n);
    }
    fprintf(stderr, "replayed %d inputs\n", argc - 1);
    return 0;
}
