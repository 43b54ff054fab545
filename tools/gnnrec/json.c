/* One-line JSON output for --json. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

void json_append(json_out *j, const char *text)
{
    size_t n = strlen(text);
    if (j->len + n + 1 > j->cap) {
        size_t cap = j->cap ? j->cap : 256;
        while (cap < j->len + n + 1) cap *= 2;
        char *b = realloc(j->buf, cap);
        if (!b) return; /* the line is cut; the program reports nothing worse */
        j->buf = b;
        j->cap = cap;
    }
    memcpy(j->buf + j->len, text, n + 1);
    j->len += n;
}

void json_append_string(json_out *j, const char *s)
{
    char esc[8];
    json_append(j, "\"");
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') {
            esc[0] = '\\';
            esc[1] = (char)*p;
            esc[2] = 0;
        } else if (*p < 0x20) {
            snprintf(esc, sizeof esc, "\\u%04x", *p);
        } else {
            esc[0] = (char)*p;
            esc[1] = 0;
        }
        json_append(j, esc);
    }
    json_append(j, "\"");
}

void json_begin(json_out *j)
{
    memset(j, 0, sizeof *j);
    json_append(j, "{");
}

static void key(json_out *j, const char *k)
{
    if (j->items++) json_append(j, ", ");
    json_append_string(j, k);
    json_append(j, ": ");
}

void json_num(json_out *j, const char *k, double v)
{
    char num[64];
    key(j, k);
    if (!isfinite(v)) snprintf(num, sizeof num, "null");
    else if (v == floor(v) && fabs(v) < 1e15) snprintf(num, sizeof num, "%.0f", v);
    else snprintf(num, sizeof num, "%.6g", v);
    json_append(j, num);
}

void json_str(json_out *j, const char *k, const char *v)
{
    key(j, k);
    if (v) json_append_string(j, v);
    else json_append(j, "null");
}

void json_raw(json_out *j, const char *k, const char *raw)
{
    key(j, k);
    json_append(j, raw);
}

void json_end_print(json_out *j)
{
    json_append(j, "}");
    if (j->buf) puts(j->buf);
    free(j->buf);
    memset(j, 0, sizeof *j);
}
