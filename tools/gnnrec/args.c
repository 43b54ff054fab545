/* Command-line parsing and error printing. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cli_usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("gnnrec: error: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return EXIT_USAGE;
}

int cli_lib_error(const char *what)
{
    fprintf(stderr, "gnnrec: error: %s: %s (%s)\n", what, gr_last_error(), gr_status_name(gr_last_error_code()));
    return EXIT_FAIL;
}

static int is_switch(const char *name, const char *switches)
{
    size_t n = strlen(name);
    for (const char *p = switches; p && *p;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == n && strncmp(p, name, n) == 0) return 1;
        p = e ? e + 1 : NULL;
    }
    return 0;
}

int cli_parse(cli_args *a, int argc, char **argv, const char *switches)
{
    memset(a, 0, sizeof *a);
    for (int k = 0; k < argc; k++) {
        const char *s = argv[k];
        if (strncmp(s, "--", 2) != 0 || s[2] == '\0') return cli_usage_error("unexpected argument '%s'", s);
        if (a->n == 128) return cli_usage_error("too many arguments");
        const char *name = s + 2, *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        if (len >= sizeof a->names[0]) return cli_usage_error("flag '%s' too long", s);
        memcpy(a->names[a->n], name, len);
        a->names[a->n][len] = '\0';
        a->key[a->n] = a->names[a->n];
        if (is_switch(a->names[a->n], switches)) {
            if (eq) return cli_usage_error("flag --%s takes no value", a->names[a->n]);
            a->val[a->n] = NULL;
        } else if (eq) {
            a->val[a->n] = eq + 1;
        } else {
            if (k + 1 >= argc) return cli_usage_error("flag --%s needs a value", a->names[a->n]);
            a->val[a->n] = argv[++k];
        }
        a->n++;
    }
    return EXIT_OK;
}

static int find(cli_args *a, const char *key)
{
    int found = -1;
    for (int k = 0; k < a->n; k++) {
        if (strcmp(a->key[k], key) == 0) {
            a->used[k] = 1;
            found = k; /* the last occurrence wins */
        }
    }
    return found;
}

const char *cli_get(cli_args *a, const char *key)
{
    int k = find(a, key);
    return k < 0 ? NULL : a->val[k];
}

int cli_has(cli_args *a, const char *key) { return find(a, key) >= 0; }

int cli_long(cli_args *a, const char *key, long *out, long lo, long hi)
{
    const char *v = cli_get(a, key);
    if (!v) return EXIT_OK;
    char *end;
    errno = 0;
    long x = strtol(v, &end, 10);
    if (end == v || *end || errno || x < lo || x > hi)
        return cli_usage_error("--%s: expected an integer in [%ld, %ld], got '%s'", key, lo, hi, v);
    *out = x;
    return EXIT_OK;
}

int cli_double(cli_args *a, const char *key, double *out)
{
    const char *v = cli_get(a, key);
    if (!v) return EXIT_OK;
    char *end;
    errno = 0;
    double x = strtod(v, &end);
    if (end == v || *end || errno || !isfinite(x)) return cli_usage_error("--%s: expected a number, got '%s'", key, v);
    *out = x;
    return EXIT_OK;
}

int cli_check_unused(cli_args *a, const char *cmd)
{
    for (int k = 0; k < a->n; k++)
        if (!a->used[k]) return cli_usage_error("unknown flag --%s for 'gnnrec %s' (see gnnrec %s --help)", a->key[k], cmd, cmd);
    return EXIT_OK;
}

int cli_parse_ks(const char *text, int *ks, size_t cap, size_t *nk)
{
    *nk = 0;
    const char *p = text;
    while (*p) {
        char *end;
        errno = 0;
        long k = strtol(p, &end, 10);
        if (end == p || errno || k < 1 || k > 1000000) return cli_usage_error("--k: bad cut-off list '%s'", text);
        if (*nk == cap) return cli_usage_error("--k: at most %zu cut-offs", cap);
        ks[(*nk)++] = (int)k;
        p = end;
        if (*p == ',') p++;
        else if (*p) return cli_usage_error("--k: bad cut-off list '%s'", text);
    }
    return *nk ? EXIT_OK : cli_usage_error("--k: empty cut-off list");
}
