/*
 * User and item ids on the command line and in the output: integers, or
 * in a model whose ids are names (gr_ids), the names themselves.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* The name of a user (item 0) or an item (1), or NULL. */
static const char *name_of(const gr_graph *g, int item, int64_t id)
{
    return item ? gr_graph_item_name(g, id) : gr_graph_user_name(g, id);
}

int cli_id(int64_t *id, const gr_graph *g, const char *flag, const char *text)
{
    if (gr_graph_has_names(g)) {
        if (gr_name_id(id, text) != GR_OK) return cli_usage_error("--%s: %s", flag, gr_last_error());
        return EXIT_OK;
    }
    char *end;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (!cli_is_integer(text) || errno || *end) return cli_usage_error("--%s: expected a decimal integer id (the model's ids are integers), got '%s'", flag, text);
    *id = v;
    return EXIT_OK;
}

int cli_known_id(int64_t *id, const gr_graph *g, int item, const char *flag, const char *text)
{
    int rc = cli_id(id, g, flag, text);
    if (rc || !gr_graph_has_names(g)) return rc;
    /* the library knows the id alone; the name says more */
    const char *name = name_of(g, item, *id);
    if (!name) return cli_usage_error("--%s: no %s '%s' in the model", flag, item ? "item" : "user", text);
    return EXIT_OK;
}

size_t cli_split_list(char *text, char **fields)
{
    size_t n = 0;
    fields[n++] = text;
    for (char *p = text; *p; p++) {
        if (*p == '\\' && p[1]) p++;
        else if (*p == ',') {
            *p = '\0';
            fields[n++] = p + 1;
        }
    }
    return n;
}

char *cli_last_unescaped(char *field, char c)
{
    char *last = NULL;
    for (char *p = field; *p; p++) {
        if (*p == '\\' && p[1]) p++;
        else if (*p == c) last = p;
    }
    return last;
}

void cli_unescape(char *field)
{
    char *out = field;
    for (const char *p = field; *p; p++) {
        if (*p == '\\' && p[1]) p++;
        *out++ = *p;
    }
    *out = '\0';
}

int cli_list_fields(char **copy, char ***fields, size_t *n, const char *flag, const char *text)
{
    *fields = NULL;
    *n = 0;
    if (!*text) return cli_usage_error("--%s: empty list", flag);
    size_t cap = 1;
    for (const char *p = text; *p; p++) cap += *p == ',';
    *copy = strdup(text);
    *fields = malloc(cap * sizeof **fields);
    if (!*copy || !*fields) return cli_usage_error("out of memory");
    *n = cli_split_list(*copy, *fields);
    for (size_t k = 0; k < *n; k++)
        if (!(*fields)[k][0]) return cli_usage_error("--%s: empty item in the list '%s'", flag, text);
    return EXIT_OK;
}

int cli_id_list(int64_t **ids, size_t *n, const gr_graph *g, int known, const char *flag, const char *text)
{
    /* an empty history says nothing about the user: every score would be 0 */
    if (!*text) return cli_usage_error("--%s: give at least one item id (--%s ID,ID,...)", flag, flag);
    char *copy = NULL, **fields;
    size_t nf;
    int rc = cli_list_fields(&copy, &fields, &nf, flag, text);
    *ids = rc ? NULL : malloc(nf * sizeof **ids);
    *n = 0;
    if (!rc && !*ids) rc = cli_usage_error("out of memory");
    for (size_t k = 0; !rc && k < nf; k++) {
        cli_unescape(fields[k]);
        rc = known ? cli_known_id(&(*ids)[*n], g, 1, flag, fields[k]) : cli_id(&(*ids)[*n], g, flag, fields[k]);
        ++*n;
    }
    free(copy);
    free(fields);
    if (rc) {
        free(*ids);
        *ids = NULL;
        *n = 0;
    }
    return rc;
}

const char *cli_id_text(char *buf, size_t cap, const gr_graph *g, int item, int64_t id)
{
    const char *name = name_of(g, item, id);
    if (name) return name;
    snprintf(buf, cap, "%lld", (long long)id);
    return buf;
}

void cli_json_name(json_out *obj, const gr_graph *g, int item, int64_t id)
{
    const char *name = name_of(g, item, id);
    if (!name) return;
    json_append(obj, ", \"name\": ");
    json_append_string(obj, name);
}

void cli_json_id(json_out *j, const char *key, const gr_graph *g, int item, int64_t id)
{
    /* a name's id needs all 63 bits: printed as an integer, never a double */
    char num[32], key_name[64];
    snprintf(num, sizeof num, "%lld", (long long)id);
    json_raw(j, key, num);
    const char *name = name_of(g, item, id);
    snprintf(key_name, sizeof key_name, "%s_name", key);
    if (name) json_str(j, key_name, name);
}
