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
#include "dist/dist.h"
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

/* The lines of in (opened with status rc), parsed into b. */
static int read_lines(gr_triple_buf *b, const resolver *z, gr_lines *in, int rc, const char *path)
{
    int got = 0;
    char *line;
    size_t len;
    while (rc == GR_OK && (got = gr_lines_next(in, &line, &len)) == 1)
        if (!gr_is_blank(line)) rc = read_line(b, z, line, len, path, in->line);
    if (rc == GR_OK && got < 0) rc = got;
    gr_lines_close(in);
    return rc;
}

static int read_triples(gr_triple_buf *b, const resolver *z, const char *path)
{
    gr_lines in;
    int rc = gr_lines_open(&in, path);
    return read_lines(b, z, &in, rc, path);
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

/* ---- reading over a communicator (docs/distributed.md, "Loading") ---- */

/*
 * Each rank parses the lines of its byte range of the file (gr_file_part)
 * into ids of a vocabulary of its own: a dictionary's names are copied
 * into it first, so their ids are the dictionary's; a growing map takes
 * the names in order of first appearance in the part.  The ranks then
 * exchange those first-seen names in rank order, and every rank interns
 * them into the shared vocabulary in that order: rank order is file order,
 * so the ids are those of first appearance in the whole file, as a single
 * process gives them.  Each rank maps its triples to those ids and the
 * ranks exchange the triples (3 x 4 bytes each), in file order again.
 */

/* A map of a rank's own, with the names of `fixed` (a dictionary) first. */
static int local_map(gr_strmap *local, const gr_strmap *fixed, int mode)
{
    for (size_t k = 0; mode == NAMES_FIXED && k < fixed->n; k++)
        if (gr_strmap_intern(local, fixed->names[k], strlen(fixed->names[k])) < 0) return gr_last_error_code();
    return GR_OK;
}

/* This rank's lines, parsed with local ids; lines numbered as in the whole file. */
static int read_part(gr_triple_buf *b, const resolver *z, const char *path, gr_dist *d)
{
    uint64_t begin = 0, end = 0, before = 0;
    size_t lines = 0;
    GR_TRY(gr_dist_agree(d, gr_file_part(path, d->rank, d->size, &begin, &end, &lines)));
    GR_TRY(gr_dist_exscan_u64(d, lines, &before));
    gr_lines in;
    int rc = gr_lines_open_part(&in, path, begin, end, (size_t)before);
    return gr_dist_agree(d, read_lines(b, z, &in, rc, path));
}

/* Every rank's part of a column, concatenated in rank order. */
static int gather(gr_dist *d, const void *mine, void *all, const uint64_t *counts, size_t width, uint64_t *bytes)
{
    for (int r = 0; r < d->size; r++) bytes[r] = counts[r] * width;
    return gr_dist_allgather_bytes(d, mine, all, bytes);
}

/*
 * The names a growing map (global) learns from every rank's part, in rank
 * order; ids[k] the global id of this rank's local name k.  Collective.
 */
static int merge_names(gr_strmap *global, const gr_strmap *local, int32_t *ids, gr_dist *d)
{
    uint64_t size = 0;
    for (size_t k = 0; k < local->n; k++) size += strlen(local->names[k]) + 1;
    char *mine = gr_alloc(size ? size : 1, 1), *all = NULL;
    uint64_t *counts = gr_alloc((size_t)d->size, sizeof *counts), total = 0;
    int rc = gr_dist_agree(d, mine && counts ? GR_OK : GR_ENOMEM);
    if (rc == GR_OK) rc = gr_dist_allgather_u64(d, size, counts);
    for (int r = 0; rc == GR_OK && r < d->size; r++) total += counts[r];
    if (rc == GR_OK) rc = gr_dist_agree(d, (all = gr_alloc(total ? total : 1, 1)) ? GR_OK : GR_ENOMEM);
    if (rc == GR_OK) {
        char *w = mine;
        for (size_t k = 0; k < local->n; k++) w = stpcpy(w, local->names[k]) + 1;
        rc = gr_dist_allgather_bytes(d, mine, all, counts);
    }
    /* every rank interns every rank's names, in rank order: the same map everywhere */
    const char *s = all;
    for (int r = 0; rc == GR_OK && r < d->size; r++) {
        const char *stop = s + counts[r];
        for (size_t k = 0; rc == GR_OK && s < stop; k++) {
            size_t len = strlen(s);
            int32_t id = gr_strmap_intern(global, s, len);
            if (id < 0) rc = gr_last_error_code();
            else if (r == d->rank) ids[k] = id;
            s += len + 1;
        }
    }
    free(mine);
    free(all);
    free(counts);
    return gr_dist_agree(d, rc);
}

/* b's local ids to the shared ones (ids), in place. */
static void relabel(int32_t *v, size_t n, const int32_t *ids)
{
    for (size_t k = 0; ids && k < n; k++) v[k] = ids[v[k]];
}

/* Every rank's triples to every rank, in rank order, into all. */
static int exchange_triples(gr_triple_buf *all, const gr_triple_buf *mine, gr_dist *d)
{
    uint64_t *counts = gr_alloc((size_t)d->size, sizeof *counts), *bytes = gr_alloc((size_t)d->size, sizeof *bytes);
    int rc = gr_dist_agree(d, counts && bytes ? GR_OK : GR_ENOMEM);
    if (rc == GR_OK) rc = gr_dist_allgather_u64(d, mine->n, counts);
    size_t total = 0;
    for (int r = 0; rc == GR_OK && r < d->size; r++) total += counts[r];
    memset(all, 0, sizeof *all);
    if (rc == GR_OK) {
        all->h = gr_alloc(total ? total : 1, sizeof *all->h);
        all->r = gr_alloc(total ? total : 1, sizeof *all->r);
        all->t = gr_alloc(total ? total : 1, sizeof *all->t);
        rc = gr_dist_agree(d, all->h && all->r && all->t ? GR_OK : GR_ENOMEM);
    }
    if (rc == GR_OK) rc = gather(d, mine->h, all->h, counts, sizeof *all->h, bytes);
    if (rc == GR_OK) rc = gather(d, mine->r, all->r, counts, sizeof *all->r, bytes);
    if (rc == GR_OK) rc = gather(d, mine->t, all->t, counts, sizeof *all->t, bytes);
    all->n = all->cap = total;
    free(counts);
    free(bytes);
    return rc;
}

/* The triples of path read in parts over d into b, in z's (shared) ids. */
static int read_triples_parts(gr_triple_buf *b, const resolver *z, const char *path, gr_dist *d)
{
    gr_kg_vocab *lv = gr_kg_vocab_new();
    gr_triple_buf mine;
    memset(&mine, 0, sizeof mine);
    int32_t *ent_ids = NULL, *rel_ids = NULL;
    int rc = lv ? local_map(&lv->ent, &z->v->ent, z->ent_mode) : GR_ENOMEM;
    if (rc == GR_OK) rc = local_map(&lv->rel, &z->v->rel, z->rel_mode);
    resolver lz = *z;
    lz.v = lv;
    rc = gr_dist_agree(d, rc);
    if (rc == GR_OK) rc = read_part(&mine, &lz, path, d);
    if (rc == GR_OK && z->ent_mode == NAMES_GROW) {
        ent_ids = gr_alloc(lv->ent.n ? lv->ent.n : 1, sizeof *ent_ids);
        rc = gr_dist_agree(d, ent_ids ? GR_OK : GR_ENOMEM);
        if (rc == GR_OK) rc = merge_names(&z->v->ent, &lv->ent, ent_ids, d);
    }
    if (rc == GR_OK && z->rel_mode == NAMES_GROW) {
        rel_ids = gr_alloc(lv->rel.n ? lv->rel.n : 1, sizeof *rel_ids);
        rc = gr_dist_agree(d, rel_ids ? GR_OK : GR_ENOMEM);
        if (rc == GR_OK) rc = merge_names(&z->v->rel, &lv->rel, rel_ids, d);
    }
    if (rc == GR_OK) {
        relabel(mine.h, mine.n, ent_ids);
        relabel(mine.t, mine.n, ent_ids);
        relabel(mine.r, mine.n, rel_ids);
        rc = exchange_triples(b, &mine, d);
    }
    free(ent_ids);
    free(rel_ids);
    gr_triple_buf_free(&mine);
    if (lv) gr_kg_vocab_unref(lv);
    return rc;
}

/* The options of a call that passes none. */
static const gr_kg_load_options default_options = GR_KG_LOAD_OPTIONS_INIT;

/* The options' version checked, and the communicator they name (version 2
 * on) duplicated into *d; NULL: alone. */
static int open_comm(gr_dist **d, const gr_kg_load_options *o)
{
    *d = NULL;
    if (o->version < 1 || o->version > GR_KG_LOAD_OPTIONS_VERSION)
        return gr_err(GR_EINVAL, "gr_kg_load_options.version %u not supported", o->version);
    void *comm = o->version >= 2 ? o->comm : NULL;
    int rc = comm ? gr_dist_new(d, comm) : GR_OK;
    if (rc == GR_ESTATE) return gr_err(rc, "gr_kg_load_options.comm: MPI is not initialised (call MPI_Init first)");
    return rc;
}

/* Building may fail on one rank alone: then it fails on every rank, and
 * no rank keeps a graph.  d NULL: rc. */
static int agree_built(gr_dist *d, int rc, gr_kg **out)
{
    if (!d) return rc;
    int all = gr_dist_agree(d, rc);
    if (rc == GR_OK && all != GR_OK) {
        gr_kg_free(*out);
        *out = NULL;
    }
    return all;
}

int gr_kg_load(gr_kg **out, const char *path, const gr_kg_load_options *opts)
{
    const gr_kg_load_options *o = opts ? opts : &default_options;
    if (!out || !path) return gr_err(GR_EINVAL, "gr_kg_load: NULL argument");
    gr_dist *d;
    GR_TRY(open_comm(&d, o));
    gr_kg_vocab *v = gr_kg_vocab_new();
    resolver z = { v, NAMES_GROW, NAMES_GROW, 0, 0, NULL, NULL, GR_EFORMAT };
    char ebuf[4096], rbuf[4096];
    gr_triple_buf b;
    memset(&b, 0, sizeof b);
    int rc = v ? load_dicts(v, &z, path, o, ebuf, rbuf, sizeof ebuf) : GR_ENOMEM;
    /* with a communicator: a rank that could not read the dictionaries stops them all */
    if (d) rc = gr_dist_agree(d, rc);
    if (rc == GR_OK) rc = d ? read_triples_parts(&b, &z, path, d) : read_triples(&b, &z, path);
    if (rc == GR_OK && b.n == 0) rc = gr_err(GR_ESTATE, "%s: no triples", path);
    if (rc == GR_OK) rc = gr_kg_build(out, v, b.h, b.r, b.t, b.n, 0);
    rc = agree_built(d, rc, out);
    gr_triple_buf_free(&b);
    if (v) gr_kg_vocab_unref(v);
    gr_dist_free(d);
    return rc;
}

/* The triples of path in like's ids, read in parts over d: each rank its
 * byte range, then every rank all of them, in file order, and the number
 * skipped in every range. */
static int read_like_parts(gr_triple_buf *b, const resolver *z, const char *path, gr_dist *d)
{
    gr_triple_buf mine;
    memset(&mine, 0, sizeof mine);
    int rc = read_part(&mine, z, path, d);
    uint64_t *skipped = rc == GR_OK ? gr_alloc((size_t)d->size, sizeof *skipped) : NULL;
    if (rc == GR_OK) rc = gr_dist_agree(d, skipped ? GR_OK : GR_ENOMEM);
    if (rc == GR_OK) rc = gr_dist_allgather_u64(d, (uint64_t)mine.skipped, skipped);
    if (rc == GR_OK) rc = exchange_triples(b, &mine, d);
    for (int r = 0; rc == GR_OK && r < d->size; r++) b->skipped += (size_t)skipped[r];
    free(skipped);
    gr_triple_buf_free(&mine);
    return rc;
}

int gr_kg_load_like_ext(gr_kg **out, const gr_kg *like, const char *path, const gr_kg_load_options *opts)
{
    const gr_kg_load_options *o = opts ? opts : &default_options;
    if (!out || !like || !path) return gr_err(GR_EINVAL, "gr_kg_load_like: NULL argument");
    gr_dist *d;
    GR_TRY(open_comm(&d, o));
    resolver z = { like->vocab, NAMES_SKIP, NAMES_SKIP, like->n_ent, like->vocab->rel.n, NULL, NULL, GR_EFORMAT };
    gr_triple_buf b;
    memset(&b, 0, sizeof b);
    int rc = d ? read_like_parts(&b, &z, path, d) : read_triples(&b, &z, path);
    if (rc == GR_OK) rc = gr_kg_build(out, like->vocab, b.h, b.r, b.t, b.n, b.skipped);
    rc = agree_built(d, rc, out);
    gr_triple_buf_free(&b);
    gr_dist_free(d);
    return rc;
}

int gr_kg_load_like(gr_kg **out, const gr_kg *like, const char *path)
{
    return gr_kg_load_like_ext(out, like, path, NULL);
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
