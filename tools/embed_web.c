/* embed_web — build-time generator for the HTML report (src/npu_html.c): turns
 * the page's own files (src/html/: script, style, Vega specs) and Debian's Vega
 * modules (libjs-vega) into a C source file, so a report needs no file and no
 * network at run time.
 *
 *   embed_web OUT.c VEGA_DIR AMD_SHIM.js VEGA_INDEX.js -- FILE...
 *
 * Debian ships Vega as separate UMD modules (vega-util.min.js, vega-view.min.js,
 * ...) whose browser-global fallback overwrites `vega` in each module, so they
 * are loaded through their AMD branch instead: each module is wrapped in
 *   (function(define){ <module> })(__npuDef("vega-util"));
 * AMD_SHIM.js defines __npuDef/__npuReq (a lazy resolver) and VEGA_INDEX.js
 * assembles the `vega` object the page uses. When VEGA_DIR lacks the modules
 * the generated npu_html_vega_js is "" and reports say Vega is missing.
 *
 * Every text is checked for what would end an inline <script>: "</script" is
 * written as "<\/script" (legal in JS strings, regexes and comments); "<!--"
 * stops the build. '?' is written as "\?" so no trigraph can form. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Vega modules the report needs (no geo, no hierarchy), file stem and AMD name. */
static const char *const modules[][2] = {
    {"vega-util", "vega-util"},
    {"vega-canvas", "vega-canvas"},
    {"vega-time", "vega-time"},
    {"vega-format", "vega-format"},
    {"vega-loader", "vega-loader"},
    {"vega-dataflow", "vega-dataflow"},
    {"vega-statistics", "vega-statistics"},
    {"vega-scale", "vega-scale"},
    {"vega-scenegraph", "vega-scenegraph"},
    {"vega-expression", "vega-expression"},
    {"vega-event-selector", "vega-event-selector"},
    {"vega-selection", "vega-selections"}, /* Debian's file name; upstream's package name */
    {"vega-functions", "vega-functions"},
    {"vega-runtime", "vega-runtime"},
    {"vega-parser", "vega-parser"},
    {"vega-transforms", "vega-transforms"},
    {"vega-view-transforms", "vega-view-transforms"},
    {"vega-encode", "vega-encode"},
    {"vega-view", "vega-view"},
};

static char *slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 1 << 16, n = 0;
    char *s = malloc(cap);
    for (size_t k; s && (k = fread(s + n, 1, cap - n - 1, f)) > 0;) {
        n += k;
        if (n + 1 == cap) s = realloc(s, cap *= 2);
    }
    fclose(f);
    if (!s) return NULL;
    s[n] = 0;
    *len = n;
    return s;
}

static void die(const char *what, const char *path) {
    fprintf(stderr, "embed_web: %s: %s\n", path, what);
    exit(1);
}

/* The text as a C string literal (continued over lines), minus source-map lines,
 * with the inline-script hazards handled. */
static void emit(FILE *out, const char *path, const char *s, size_t n) {
    int col = 0;
    fputc('"', out);
    for (size_t i = 0; i < n; i++) {
        if ((i == 0 || s[i - 1] == '\n') && strncmp(s + i, "//# sourceMappingURL=", 21) == 0) {
            while (i < n && s[i] != '\n') i++;
            continue;
        }
        if (s[i] == '<' && strncmp(s + i, "<!--", 4) == 0) die("contains \"<!--\", which an inline script cannot hold", path);
        if (s[i] == '<' && i + 8 <= n && s[i + 1] == '/' && strncasecmp(s + i + 2, "script", 6) == 0) {
            fputs("<\\\\/", out); /* C "\\/" -> JS "\/" */
            i += 1;
            col += 4;
            continue;
        }
        unsigned char c = (unsigned char)s[i];
        if (c == '\n') {
            fputs("\\n\"\n\"", out);
            col = 0;
            continue;
        }
        if (c == '"' || c == '\\' || c == '?') fputc('\\', out), fputc(c, out);
        else if (c < 32 || c > 126) fprintf(out, "\\%03o", c);
        else fputc(c, out);
        if (++col > 160) fputs("\"\n\"", out), col = 0;
    }
    fputc('"', out);
}

static void emit_file(FILE *out, const char *path) {
    size_t n;
    char *s = slurp(path, &n);
    if (!s) die("cannot read", path);
    emit(out, path, s, n);
    free(s);
}

static void emit_vega(FILE *out, const char *dir, const char *shim, const char *index) {
    char path[4096];
    for (size_t i = 0; i < sizeof modules / sizeof modules[0]; i++) {
        snprintf(path, sizeof path, "%s/%s.min.js", dir, modules[i][0]);
        FILE *f = fopen(path, "rb");
        if (!f) {
            fprintf(stderr, "embed_web: %s missing: reports will say Vega is not built in (apt install libjs-vega)\n", path);
            fputs("const char npu_html_vega_js[] = \"\";\n\n", out);
            return;
        }
        fclose(f);
    }
    fputs("const char npu_html_vega_js[] =\n\"/* Vega (BSD-3-Clause, University of Washington Interactive Data Lab), "
          "from Debian's libjs-vega modules, loaded through npusim's AMD shim. */\\n\"\n",
          out);
    emit_file(out, shim);
    fputc('\n', out);
    for (size_t i = 0; i < sizeof modules / sizeof modules[0]; i++) {
        snprintf(path, sizeof path, "%s/%s.min.js", dir, modules[i][0]);
        fprintf(out, "\"(function(define){\\n\"\n");
        emit_file(out, path);
        fprintf(out, "\n\"\\n})(__npuDef(\\\"%s\\\"));\\n\"\n", modules[i][1]);
    }
    emit_file(out, index);
    fputs(";\n\n", out);
}

int main(int argc, char **argv) {
    if (argc < 6 || strcmp(argv[5], "--") != 0) {
        fprintf(stderr, "usage: embed_web OUT.c VEGA_DIR AMD_SHIM.js VEGA_INDEX.js -- FILE...\n");
        return 1;
    }
    FILE *out = fopen(argv[1], "w");
    if (!out) die("cannot write", argv[1]);
    fputs("/* Generated by tools/embed_web.c from src/html/ and libjs-vega: do not edit. */\n"
          "#include \"npu_html_assets.h\"\n\n",
          out);
    emit_vega(out, argv[2], argv[3], argv[4]);
    fputs("const npu_html_asset npu_html_assets[] = {\n", out);
    for (int i = 6; i < argc; i++) {
        const char *base = strrchr(argv[i], '/');
        fprintf(out, "  {\"%s\",\n", base ? base + 1 : argv[i]);
        emit_file(out, argv[i]);
        fputs("},\n", out);
    }
    fprintf(out, "};\nconst int npu_html_assets_count = %d;\n", argc - 6);
    return fclose(out) != 0;
}
