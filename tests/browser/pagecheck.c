/* pagecheck — did a report page load and draw in the browser?
 *
 *   pagecheck DOM.html CHARTS [CHART:MARK=N | CHART:MARK>=N]...
 *
 * DOM.html is the page as headless Chromium serialises it after running its
 * scripts (--dump-dom). Checks, each printed, exit 1 if any fails:
 *   - the page script ran to its end (data-rendered="yes" on <html>);
 *   - no error was collected: no data-errors attribute, #npusim-errors empty
 *     (the page records uncaught errors, console.error and console.warn there,
 *     and Vega reports a bad spec through them);
 *   - exactly CHARTS chart sections, every one with data-status="ok";
 *   - in chart CHART, the Vega SVG mark groups named MARK (<g class="mark-TYPE
 *     role-mark MARK">, summed over facets) hold N items (or at least N). */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;

static void report(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void report(bool ok, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    printf("  %s ", ok ? "ok  " : "FAIL");
    vprintf(fmt, ap);
    putchar('\n');
    va_end(ap);
    failures += !ok;
}

/* The <html ...> start tag. */
static char *html_tag(const char *dom) {
    const char *s = strstr(dom, "<html");
    const char *e = s ? strchr(s, '>') : NULL;
    if (!s || !e) return NULL;
    char *t = malloc((size_t)(e - s) + 2);
    memcpy(t, s, (size_t)(e - s) + 1);
    t[e - s + 1] = 0;
    return t;
}

/* Items of the element whose start tag ends at `p` (just past its '>'): its
 * direct child elements, up to its end tag. */
static long children(const char *p) {
    long n = 0;
    int depth = 0;
    while ((p = strchr(p, '<'))) {
        if (p[1] == '/') {
            if (--depth < 0) return n;
        } else if (p[1] != '!') {
            const char *e = strchr(p, '>');
            if (!e) return n;
            if (depth == 0) n++;
            if (e[-1] != '/') depth++;
        }
        p++;
    }
    return n;
}

/* Items of mark `mark` inside the chart section `chart`; -1 if the section is missing. */
static long count_marks(const char *dom, const char *chart, const char *mark, int *groups) {
    char key[256];
    snprintf(key, sizeof key, "<section class=\"chart\" id=\"%s\"", chart);
    const char *s = strstr(dom, key);
    if (!s) return -1;
    const char *end = strstr(s, "</section>");
    if (!end) end = s + strlen(s);
    snprintf(key, sizeof key, " role-mark %s\"", mark);
    long n = 0;
    *groups = 0;
    for (const char *p = s; (p = strstr(p, key)) && p < end; p++) {
        const char *gt = strchr(p, '>');
        if (!gt) break;
        n += children(gt + 1);
        (*groups)++;
    }
    return n;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: pagecheck DOM.html CHARTS [CHART:MARK=N|CHART:MARK>=N]...\n");
        return 2;
    }
    FILE *f = fopen(argv[1], "rb");
    if (!f) {
        fprintf(stderr, "pagecheck: cannot open %s\n", argv[1]);
        return 2;
    }
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *dom = malloc((size_t)len + 1);
    if (!dom || fread(dom, 1, (size_t)len, f) != (size_t)len) return 2;
    dom[len] = 0;
    fclose(f);
    printf("%s\n", argv[1]);

    char *tag = html_tag(dom);
    report(tag && strstr(tag, "data-rendered=\"yes\""), "page script ran to its end");
    report(tag && !strstr(tag, "data-errors="), "no error collected (data-errors on <html>)");
    free(tag);
    const char *pre = strstr(dom, "<pre id=\"npusim-errors\"");
    const char *pre_end = pre ? strchr(pre, '>') : NULL;
    bool empty = pre_end && strncmp(pre_end + 1, "</pre>", 6) == 0;
    report(empty, "#npusim-errors is empty");
    if (!empty && pre_end) {
        const char *e = strstr(pre_end, "</pre>");
        printf("       errors: %.*s\n", e ? (int)(e - pre_end - 1) : 300, pre_end + 1);
    }

    long charts = 0, ok = 0;
    for (const char *p = dom; (p = strstr(p, "<section class=\"chart\" id=\"")); p++) {
        charts++;
        const char *gt = strchr(p, '>');
        const char *st = strstr(p, "data-status=\"ok\"");
        if (st && gt && st < gt) ok++;
        else {
            char id[128] = "";
            sscanf(p + 27, "%127[^\"]", id);
            report(false, "chart %s did not draw (data-status not ok)", id);
        }
    }
    long want = atol(argv[2]);
    report(charts == want && ok == want, "%ld of %ld chart sections drawn, %ld expected", ok, charts, want);

    for (int i = 3; i < argc; i++) {
        char chart[128], mark[128];
        long n;
        bool at_least = strstr(argv[i], ">=") != NULL;
        if (sscanf(argv[i], at_least ? "%127[^:]:%127[^>]>=%ld" : "%127[^:]:%127[^=]=%ld", chart, mark, &n) != 3) {
            fprintf(stderr, "pagecheck: bad expectation '%s' (CHART:MARK=N or CHART:MARK>=N)\n", argv[i]);
            return 2;
        }
        int groups = 0;
        long got = count_marks(dom, chart, mark, &groups);
        char what[300];
        snprintf(what, sizeof what, "%s: %s items", chart, mark);
        if (at_least) report(got >= n && groups > 0, "%s: %ld, at least %ld expected", what, got, n);
        else report(got == n && groups > 0, "%s: %ld, %ld expected", what, got, n);
    }
    free(dom);
    return failures ? 1 : 0;
}
