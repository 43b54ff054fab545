/* Command-line parsing and error printing. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

void cli_print_help(const char *usage, const cli_flag_doc *rows, size_t n)
{
    fputs(usage, stdout);
    for (size_t k = 0; k < n; k++) {
        const cli_flag_doc *r = &rows[k];
        if (!r->flag) {
            printf("%s\n", r->text);
            continue;
        }
        char left[64];
        snprintf(left, sizeof left, "--%s%s%s", r->flag, r->arg ? " " : "", r->arg ? r->arg : "");
        if (strlen(left) > 24 && r->text) printf("  %s\n  %-24s  %s\n", left, "", r->text);
        else printf("  %-24s  %s\n", left, r->text ? r->text : "");
    }
}

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

/* Length of the plain decimal number at the start of s: [+-]digits, and
 * with `fraction` also .digits and an exponent.  strtol and strtod also take
 * leading blanks, hex ("0x10"), "inf" and "nan"; a command line that says
 * one of those almost certainly means something else. */
static size_t decimal_length(const char *s, int fraction)
{
    const char *p = s;
    if (*p == '+' || *p == '-') p++;
    const char *digits = p;
    while (isdigit((unsigned char)*p)) p++;
    int whole = p > digits;
    if (!fraction) return whole ? (size_t)(p - s) : 0;
    int part = 0;
    if (*p == '.') {
        const char *f = ++p;
        while (isdigit((unsigned char)*p)) p++;
        part = p > f;
    }
    if (!whole && !part) return 0;
    if (*p == 'e' || *p == 'E') {
        const char *e = p + 1;
        if (*e == '+' || *e == '-') e++;
        const char *ed = e;
        while (isdigit((unsigned char)*e)) e++;
        if (e > ed) p = e;
    }
    return (size_t)(p - s);
}

int cli_is_integer(const char *s) { return *s && decimal_length(s, 0) == strlen(s); }

int cli_is_number(const char *s) { return *s && decimal_length(s, 1) == strlen(s); }

int cli_long(cli_args *a, const char *key, long *out, long lo, long hi)
{
    const char *v = cli_get(a, key);
    if (!v) return EXIT_OK;
    char *end;
    errno = 0;
    long x = cli_is_integer(v) ? strtol(v, &end, 10) : 0;
    if (!cli_is_integer(v) || errno || x < lo || x > hi)
        return cli_usage_error("--%s: expected a decimal integer in [%ld, %ld], got '%s'", key, lo, hi, v);
    *out = x;
    return EXIT_OK;
}

int cli_double(cli_args *a, const char *key, double *out)
{
    const char *v = cli_get(a, key);
    if (!v) return EXIT_OK;
    char *end;
    errno = 0;
    double x = cli_is_number(v) ? strtod(v, &end) : NAN;
    if (errno || !isfinite(x)) return cli_usage_error("--%s: expected a decimal number, got '%s'", key, v);
    *out = x;
    return EXIT_OK;
}

int cli_check_list(const char *flag, const char *text)
{
    if (!*text) return cli_usage_error("--%s: empty list", flag);
    size_t n = strlen(text);
    if (text[0] == ',' || text[n - 1] == ',' || strstr(text, ",,"))
        return cli_usage_error("--%s: empty item in the list '%s'", flag, text);
    return EXIT_OK;
}

int cli_reject(cli_args *a, const char *const *flags, size_t n, const char *why)
{
    for (size_t k = 0; k < n; k++)
        if (cli_has(a, flags[k])) return cli_usage_error("--%s does not apply %s", flags[k], why);
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
    int rc = cli_check_list("k", text);
    if (rc) return rc;
    for (const char *p = text; *p;) {
        size_t len = decimal_length(p, 0);
        char *end;
        errno = 0;
        long k = len ? strtol(p, &end, 10) : 0;
        if (!len || (p[len] && p[len] != ',') || errno || k < 1 || k > 1000000)
            return cli_usage_error("--k: expected cut-offs 1..1000000 separated by commas, got '%s'", text);
        if (*nk == cap) return cli_usage_error("--k: at most %zu cut-offs", cap);
        ks[(*nk)++] = (int)k;
        p += len;
        if (*p == ',') p++;
    }
    return EXIT_OK;
}

int cli_check_k(long k, size_t catalogue, const char *what)
{
    if (k >= 1 && (size_t)k <= catalogue) return EXIT_OK;
    return cli_usage_error("--k %ld: there are %zu %s; give --k 1..%zu", k, catalogue, what, catalogue);
}
