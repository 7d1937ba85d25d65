/* pngcheck — is a screenshot a picture, not a blank page?
 *
 *   pngcheck FILE.png MIN_COLOURS MIN_INK_PERCENT
 *
 * Decodes an 8-bit RGB or RGBA, non-interlaced PNG (what headless Chromium's
 * --screenshot writes) with zlib, counts its distinct RGB colours and the
 * share of pixels that differ from the most common colour (the background),
 * prints both, and exits 1 when either is below its minimum (2 on a file it
 * cannot read). A blank or single-colour page has 1 colour and 0% ink; a page
 * of text only has few colours (grey-level anti-aliasing); charts add many. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static uint32_t be32(const unsigned char *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int fail(const char *path, const char *why) {
    fprintf(stderr, "pngcheck: %s: %s\n", path, why);
    return 2;
}

static int paeth(int a, int b, int c) {
    int p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c);
    return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/* Undo the PNG row filters in place; `raw` holds h rows of 1 + stride bytes. */
static int unfilter(unsigned char *raw, uint32_t h, size_t stride, int bpp) {
    for (uint32_t y = 0; y < h; y++) {
        unsigned char *row = raw + y * (stride + 1), *cur = row + 1;
        const unsigned char *prev = y ? raw + (y - 1) * (stride + 1) + 1 : NULL;
        for (size_t i = 0; i < stride; i++) {
            int a = i >= (size_t)bpp ? cur[i - bpp] : 0, b = prev ? prev[i] : 0;
            int c = prev && i >= (size_t)bpp ? prev[i - bpp] : 0;
            switch (row[0]) {
            case 0: break;
            case 1: cur[i] = (unsigned char)(cur[i] + a); break;
            case 2: cur[i] = (unsigned char)(cur[i] + b); break;
            case 3: cur[i] = (unsigned char)(cur[i] + (a + b) / 2); break;
            case 4: cur[i] = (unsigned char)(cur[i] + paeth(a, b, c)); break;
            default: return -1;
            }
        }
    }
    return 0;
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: pngcheck FILE.png MIN_COLOURS MIN_INK_PERCENT\n");
        return 2;
    }
    const char *path = argv[1];
    long min_colours = atol(argv[2]);
    double min_ink = atof(argv[3]);
    FILE *f = fopen(path, "rb");
    if (!f) return fail(path, "cannot open");
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *buf = n > 0 ? malloc((size_t)n) : NULL;
    if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) return fail(path, "cannot read");
    fclose(f);
    if (n < 33 || memcmp(buf, "\x89PNG\r\n\x1a\n", 8) != 0) return fail(path, "not a PNG");
    uint32_t w = 0, h = 0;
    int depth = 0, ctype = 0, interlace = 0;
    unsigned char *idat = malloc((size_t)n);
    size_t nidat = 0;
    for (long p = 8; p + 12 <= n;) {
        uint32_t len = be32(buf + p);
        const unsigned char *type = buf + p + 4, *data = buf + p + 8;
        if (p + 12 + (long)len > n) return fail(path, "truncated chunk");
        if (!memcmp(type, "IHDR", 4)) {
            w = be32(data), h = be32(data + 4), depth = data[8], ctype = data[9], interlace = data[12];
        } else if (!memcmp(type, "IDAT", 4)) {
            memcpy(idat + nidat, data, len);
            nidat += len;
        } else if (!memcmp(type, "IEND", 4)) break;
        p += 12 + (long)len;
    }
    if (depth != 8 || (ctype != 2 && ctype != 6) || interlace) return fail(path, "not 8-bit RGB/RGBA non-interlaced");
    int bpp = ctype == 6 ? 4 : 3;
    size_t stride = (size_t)w * bpp;
    uLongf rawlen = (uLongf)((stride + 1) * h);
    unsigned char *raw = malloc(rawlen);
    if (!raw || uncompress(raw, &rawlen, idat, nidat) != Z_OK || rawlen != (stride + 1) * h)
        return fail(path, "bad image data");
    if (unfilter(raw, h, stride, bpp)) return fail(path, "bad row filter");
    /* distinct colours: one bit per 24-bit colour; pixel counts per colour for
     * the background in a second pass over a small table of the common ones */
    unsigned char *seen = calloc(1 << 21, 1);
    uint32_t *count = calloc(1 << 24, sizeof *count);
    if (!seen || !count) return fail(path, "out of memory");
    long colours = 0;
    for (uint32_t y = 0; y < h; y++) {
        const unsigned char *px = raw + y * (stride + 1) + 1;
        for (uint32_t x = 0; x < w; x++, px += bpp) {
            uint32_t c = (uint32_t)px[0] << 16 | (uint32_t)px[1] << 8 | px[2];
            if (!(seen[c >> 3] & (1 << (c & 7)))) seen[c >> 3] |= (unsigned char)(1 << (c & 7)), colours++;
            count[c]++;
        }
    }
    uint32_t bg = 0;
    for (uint32_t c = 1; c < (1u << 24); c++)
        if (count[c] > count[bg]) bg = c;
    double ink = 100.0 * (1.0 - (double)count[bg] / ((double)w * h));
    printf("%s: %ux%u, %ld distinct colours, %.1f%% ink (background #%06x)\n", path, w, h, colours, ink, bg);
    free(buf), free(idat), free(raw), free(seen), free(count);
    return colours >= min_colours && ink >= min_ink ? 0 : 1;
}
