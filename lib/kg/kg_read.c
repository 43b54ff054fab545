/*
 * Readers of triple files ("head<TAB>relation<TAB>tail") and of the
 * entities.dict / relations.dict files ("id<TAB>name") that fix the ids of
 * published benchmarks.  Errors name file:line and the field.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/err.h"
#include "core/mem.h"
#include "io/text.h"
#include "kg/kg.h"

/* The fields of one line, pointing into the line (not terminated). */
typedef struct fields {
    int n;
    const char *p[4];
    size_t len[4];
} fields;

/* Split on tabs when the line has one (names may hold spaces), else on runs of spaces. */
static void split_line(fields *f, const char *s, size_t len)
{
    while (len > 0 && (s[len - 1] == '\n' || s[len - 1] == '\r')) len--;
    f->n = 0;
    int tabs = memchr(s, '\t', len) != NULL;
    size_t k = 0;
    while (k < len) {
        if (!tabs) {
            while (k < len && s[k] == ' ') k++;
            if (k == len) break;
        }
        size_t start = k;
        while (k < len && s[k] != (tabs ? '\t' : ' ')) k++;
        if (f->n < 4) {
            f->p[f->n] = s + start;
            f->len[f->n] = k - start;
        }
        f->n++;
        if (tabs && k < len) {
            k++;
            if (k == len) { /* a trailing tab ends an empty last field */
                if (f->n < 4) {
                    f->p[f->n] = s + k;
                    f->len[f->n] = 0;
                }
                f->n++;
            }
        }
    }
}

/* ---- dictionaries ---- */

/* One "id<TAB>name" line; name points into the entry's own copy. */
typedef struct dict_entry {
    int32_t id;
    size_t line;
    char *name;
    size_t len;
} dict_entry;

typedef struct dict_lines {
    dict_entry *v;
    size_t n, cap;
} dict_lines;

static void dict_lines_free(dict_lines *d)
{
    for (size_t k = 0; k < d->n; k++) free(d->v[k].name);
    free(d->v);
}

/* Parse one non-blank line into a new entry of d. */
static int dict_line(dict_lines *d, const char *line, size_t len, const char *path, size_t lineno)
{
    fields fd;
    split_line(&fd, line, len);
    if (fd.n != 2) return gr_err(GR_EFORMAT, "%s:%zu: expected 2 fields (id, name), found %d", path, lineno, fd.n);
    char num[32], *end;
    size_t nl = fd.len[0] < sizeof num - 1 ? fd.len[0] : sizeof num - 1;
    memcpy(num, fd.p[0], nl);
    num[nl] = '\0';
    errno = 0;
    long v = strtol(num, &end, 10);
    if (nl == 0 || *end || errno || v < 0 || v >= INT32_MAX || fd.len[0] != nl)
        return gr_err(GR_EFORMAT, "%s:%zu: field 'id': '%.*s' is not an id in 0..%d", path, lineno, (int)fd.len[0], fd.p[0],
                      INT32_MAX - 1);
    const char *why = gr_strmap_name_problem(fd.p[1], fd.len[1]);
    if (why) return gr_err(GR_EFORMAT, "%s:%zu: field 'name': %s", path, lineno, why);
    GR_TRY(gr_reserve((void **)&d->v, &d->cap, d->n + 1, sizeof *d->v));
    dict_entry *e = &d->v[d->n];
    e->name = gr_alloc(fd.len[1] + 1, 1);
    if (!e->name) return GR_ENOMEM;
    memcpy(e->name, fd.p[1], fd.len[1]);
    e->name[fd.len[1]] = '\0';
    e->len = fd.len[1];
    e->id = (int32_t)v;
    e->line = lineno;
    d->n++;
    return GR_OK;
}

static int read_dict_lines(dict_lines *d, const char *path, const char *what)
{
    gr_lines in;
    int rc = gr_lines_open(&in, path), got = 0;
    if (rc != GR_OK) {
        gr_err_prefix("%s dictionary", what);
        return rc;
    }
    char *line;
    size_t len;
    while (rc == GR_OK && (got = gr_lines_next(&in, &line, &len)) == 1)
        if (!gr_is_blank(line)) rc = dict_line(d, line, len, path, in.line);
    if (rc == GR_OK && got < 0) rc = got;
    gr_lines_close(&in);
    if (rc == GR_OK && d->n == 0) rc = gr_err(GR_EFORMAT, "%s: no %s", path, what);
    return rc;
}

/*
 * A dictionary of n names has the ids 0..n-1, each once.  The ids are
 * checked against n before the map is sized by them, so that a short
 * file with a huge id fails at once instead of allocating for it.
 */
static int read_dict(gr_strmap *m, const char *path, const char *what)
{
    dict_lines d = { NULL, 0, 0 };
    int rc = read_dict_lines(&d, path, what);
    for (size_t k = 0; rc == GR_OK && k < d.n; k++) {
        const dict_entry *e = &d.v[k];
        if ((size_t)e->id >= d.n)
            rc = gr_err(GR_EFORMAT, "%s:%zu: field 'id': %d is out of range: %zu names take the ids 0..%zu, each once", path,
                        e->line, (int)e->id, d.n, d.n - 1);
        else if ((size_t)e->id < m->n && m->names[e->id])
            rc = gr_err(GR_EFORMAT, "%s:%zu: field 'id': %d appears twice", path, e->line, (int)e->id);
        else if (gr_strmap_find(m, e->name, e->len) >= 0)
            rc = gr_err(GR_EFORMAT, "%s:%zu: field 'name': '%s' appears twice", path, e->line, e->name);
        else if ((rc = gr_strmap_put(m, e->id, e->name, e->len)) != GR_OK)
            gr_err_prefix("%s:%zu", path, e->line);
    }
    dict_lines_free(&d);
    return rc;
}

static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* dir-of(path)/name into buf; 0 when it does not fit. */
static int beside(char *buf, size_t cap, const char *path, const char *name)
{
    const char *slash = strrchr(path, '/');
    size_t dl = slash ? (size_t)(slash - path + 1) : 0;
    if (dl + strlen(name) + 1 > cap) return 0;
    memcpy(buf, path, dl);
    strcpy(buf + dl, name);
    return 1;
}

/* ---- triples ---- */

/* How names map to ids: grow the map, fail on unknown names, or skip the triple. */
enum { NAMES_GROW = 0, NAMES_FIXED = 1, NAMES_SKIP = 2 };

typedef struct resolver {
    gr_kg_vocab *v;
    int ent_mode, rel_mode;
    size_t n_ent, n_rel; /* known ids in the skip and fixed modes */
    const char *ent_src, *rel_src; /* dictionaries named in errors */
    int bad_name;        /* the status of a name that cannot be one: GR_EFORMAT
                            in files, GR_EINVAL for caller arrays */
} resolver;

/* The id of a field, or -1 with *rc set (error) or unset (skip). */
static int32_t resolve(const resolver *z, int rel, const char *name, size_t len, int *rc, const char *where,
                       const char *field)
{
    gr_strmap *m = rel ? &z->v->rel : &z->v->ent;
    int mode = rel ? z->rel_mode : z->ent_mode;
    /* checked in every mode: such a name is an error, never an unknown name */
    const char *why = gr_strmap_name_problem(name, len);
    if (why) {
        *rc = gr_err(z->bad_name, "%s: field '%s': %s", where, field, why);
        return -1;
    }
    if (mode == NAMES_GROW) {
        int32_t id = gr_strmap_intern(m, name, len);
        if (id < 0) *rc = gr_last_error_code();
        return id;
    }
    int32_t id = gr_strmap_find(m, name, len);
    size_t known = rel ? z->n_rel : z->n_ent;
    if (id >= 0 && (size_t)id < known) return id;
    if (mode == NAMES_FIXED)
        *rc = gr_err(GR_EFORMAT, "%s: field '%s': %s '%.*s' is not in %s", where, field, rel ? "relation" : "entity", (int)len,
                     name, rel ? z->rel_src : z->ent_src);
    return -1;
}

static int read_line(gr_triple_buf *b, const resolver *z, const char *line, size_t len, const char *path, size_t lineno)
{
    static const char *const names[3] = { "head", "relation", "tail" };
    char where[512];
    snprintf(where, sizeof where, "%s:%zu", path, lineno);
    fields fd;
    split_line(&fd, line, len);
    if (fd.n != 3) return gr_err(GR_EFORMAT, "%s: expected 3 fields (head, relation, tail), found %d", where, fd.n);
    int32_t id[3];
    int rc = GR_OK, skip = 0;
    for (int k = 0; k < 3; k++) {
        id[k] = resolve(z, k == 1, fd.p[k], fd.len[k], &rc, where, names[k]);
        if (rc != GR_OK) return rc;
        if (id[k] < 0) skip = 1;
    }
    if (skip) {
        b->skipped++;
        return GR_OK;
    }
    return gr_triple_buf_push(b, id[0], id[1], id[2]);
}

static int read_triples(gr_triple_buf *b, const resolver *z, const char *path)
{
    gr_lines in;
    int rc = gr_lines_open(&in, path), got = 0;
    char *line;
    size_t len;
    while (rc == GR_OK && (got = gr_lines_next(&in, &line, &len)) == 1)
        if (!gr_is_blank(line)) rc = read_line(b, z, line, len, path, in.line);
    if (rc == GR_OK && got < 0) rc = got;
    gr_lines_close(&in);
    return rc;
}

static int load_dicts(gr_kg_vocab *v, resolver *z, const char *path, const gr_kg_load_options *o, char *ebuf, char *rbuf,
                      size_t cap)
{
    const char *ep = o->entities_path, *rp = o->relations_path;
    if (!ep && o->dicts && beside(ebuf, cap, path, "entities.dict") && exists(ebuf)) ep = ebuf;
    if (!rp && o->dicts && beside(rbuf, cap, path, "relations.dict") && exists(rbuf)) rp = rbuf;
    if (ep) {
        GR_TRY(read_dict(&v->ent, ep, "entity"));
        z->ent_mode = NAMES_FIXED;
        z->n_ent = v->ent.n;
        z->ent_src = ep;
    }
    if (rp) {
        GR_TRY(read_dict(&v->rel, rp, "relation"));
        z->rel_mode = NAMES_FIXED;
        z->n_rel = v->rel.n;
        z->rel_src = rp;
    }
    return GR_OK;
}

int gr_kg_load(gr_kg **out, const char *path, const gr_kg_load_options *opts)
{
    gr_kg_load_options defaults = GR_KG_LOAD_OPTIONS_INIT;
    const gr_kg_load_options *o = opts ? opts : &defaults;
    if (!out || !path) return gr_err(GR_EINVAL, "gr_kg_load: NULL argument");
    if (o->version < 1 || o->version > GR_KG_LOAD_OPTIONS_VERSION)
        return gr_err(GR_EINVAL, "gr_kg_load_options.version %u not supported", o->version);
    gr_kg_vocab *v = gr_kg_vocab_new();
    if (!v) return GR_ENOMEM;
    resolver z = { v, NAMES_GROW, NAMES_GROW, 0, 0, NULL, NULL, GR_EFORMAT };
    char ebuf[4096], rbuf[4096];
    gr_triple_buf b;
    memset(&b, 0, sizeof b);
    int rc = load_dicts(v, &z, path, o, ebuf, rbuf, sizeof ebuf);
    if (rc == GR_OK) rc = read_triples(&b, &z, path);
    if (rc == GR_OK && b.n == 0) rc = gr_err(GR_ESTATE, "%s: no triples", path);
    if (rc == GR_OK) rc = gr_kg_build(out, v, b.h, b.r, b.t, b.n, 0);
    gr_triple_buf_free(&b);
    gr_kg_vocab_unref(v);
    return rc;
}

int gr_kg_load_like(gr_kg **out, const gr_kg *like, const char *path)
{
    if (!out || !like || !path) return gr_err(GR_EINVAL, "gr_kg_load_like: NULL argument");
    resolver z = { like->vocab, NAMES_SKIP, NAMES_SKIP, like->n_ent, like->vocab->rel.n, NULL, NULL, GR_EFORMAT };
    gr_triple_buf b;
    memset(&b, 0, sizeof b);
    int rc = read_triples(&b, &z, path);
    if (rc == GR_OK) rc = gr_kg_build(out, like->vocab, b.h, b.r, b.t, b.n, b.skipped);
    gr_triple_buf_free(&b);
    return rc;
}

int gr_kg_from_names(gr_kg **out, const gr_kg *like, const char *const *heads, const char *const *relations,
                     const char *const *tails, size_t n)
{
    if (!out || (n && (!heads || !relations || !tails))) return gr_err(GR_EINVAL, "gr_kg_from_names: NULL argument");
    gr_kg_vocab *v = like ? gr_kg_vocab_ref(like->vocab) : gr_kg_vocab_new();
    if (!v) return GR_ENOMEM;
    int mode = like ? NAMES_SKIP : NAMES_GROW;
    resolver z = { v, mode, mode, like ? like->n_ent : 0, v->rel.n, NULL, NULL, GR_EINVAL };
    gr_triple_buf b;
    memset(&b, 0, sizeof b);
    int rc = GR_OK;
    for (size_t k = 0; rc == GR_OK && k < n; k++) {
        const char *s[3] = { heads[k], relations[k], tails[k] };
        static const char *const names[3] = { "head", "relation", "tail" };
        char where[64];
        snprintf(where, sizeof where, "triple %zu", k);
        int32_t id[3];
        int skip = 0;
        for (int f = 0; rc == GR_OK && f < 3; f++) {
            if (!s[f]) {
                rc = gr_err(GR_EINVAL, "%s: field '%s': NULL", where, names[f]);
                break;
            }
            id[f] = resolve(&z, f == 1, s[f], strlen(s[f]), &rc, where, names[f]);
            if (id[f] < 0) skip = 1;
        }
        if (rc == GR_OK && skip) b.skipped++;
        else if (rc == GR_OK) rc = gr_triple_buf_push(&b, id[0], id[1], id[2]);
    }
    if (rc == GR_OK && !like && b.n == 0) rc = gr_err(GR_ESTATE, "gr_kg_from_names: no triples");
    if (rc == GR_OK) rc = gr_kg_build(out, v, b.h, b.r, b.t, b.n, b.skipped);
    gr_triple_buf_free(&b);
    gr_kg_vocab_unref(v);
    return rc;
}
