/* Reader of tags.csv into a movies x tags tf-idf table (tags.h). */
#include "io/tags.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/idmap.h"
#include "core/mem.h"
#include "core/slots.h"
#include "io/text.h"

/* The applications read so far: one (movie index, tag index) pair each. */
typedef struct tag_pairs {
    uint64_t *key; /* movie << 32 | tag */
    size_t n, cap;
    gr_idmap movies, tags; /* movie id, tag hash -> dense index */
} tag_pairs;

/* The column id of a tag: the hash of its trimmed, lower-cased text. */
static int64_t tag_hash(char *tag)
{
    char *s = gr_trim(tag);
    for (char *c = s; *c; c++)
        if (*c >= 'A' && *c <= 'Z') *c = (char)(*c - 'A' + 'a');
    return (int64_t)(gr_slots_hash_bytes(s, strlen(s)) >> 1);
}

static int parse_record(tag_pairs *p, const char *path, size_t line, char **f)
{
    int64_t user, movie, ts;
    if (gr_parse_i64(f[0], &user) != GR_NUM_OK || user < 0)
        return gr_field_error(path, line, "userId", "a non-negative integer id", f[0]);
    if (gr_parse_i64(f[1], &movie) != GR_NUM_OK || movie < 0)
        return gr_field_error(path, line, "movieId", "a non-negative integer id", f[1]);
    if (gr_is_blank(f[2])) return gr_field_error(path, line, "tag", "a tag", f[2]);
    if (gr_parse_i64(f[3], &ts) != GR_NUM_OK) return gr_field_error(path, line, "timestamp", "an integer (Unix seconds)", f[3]);
    int32_t m = gr_idmap_intern(&p->movies, movie), t = gr_idmap_intern(&p->tags, tag_hash(f[2]));
    if (m < 0 || t < 0) return GR_ENOMEM;
    if (p->n == p->cap) {
        size_t cap = p->cap ? 2 * p->cap : 4096;
        uint64_t *k = gr_realloc(p->key, cap, sizeof *k);
        if (!k) return GR_ENOMEM;
        p->key = k;
        p->cap = cap;
    }
    p->key[p->n++] = (uint64_t)m << 32 | (uint32_t)t;
    return GR_OK;
}

static int read_pairs(tag_pairs *p, const char *path)
{
    gr_lines r;
    GR_TRY(gr_lines_open(&r, path));
    char *rec, *f[5];
    size_t len;
    int rc;
    while ((rc = gr_lines_next_record(&r, &rec, &len)) == 1) {
        size_t line = r.rec_line;
        if (gr_is_blank(rec)) continue;
        size_t n = gr_split_csv(rec, f, 5);
        if (n == (size_t)-1) {
            rc = gr_err(GR_EFORMAT, "%s:%zu: unterminated quoted field", path, line);
            break;
        }
        int64_t probe;
        if (line == 1 && gr_parse_i64(f[0], &probe) != GR_NUM_OK) continue; /* the header */
        if (n != 4) {
            rc = gr_count_error(path, line, 4, "userId,movieId,tag,timestamp", n);
            break;
        }
        if ((rc = parse_record(p, path, line, f)) != GR_OK) break;
    }
    gr_lines_close(&r);
    if (rc < 0) return rc;
    return p->n ? GR_OK : gr_err(GR_EFORMAT, "%s: no tag applications", path);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* col[t]: the column of tag t, or -1; returns the number of columns.  The
 * order (more movies first, then the tag seen first) is a sort of keys
 * (~df << 32 | t), so it needs no comparison state. */
static size_t vocabulary(int32_t *col, const size_t *df, size_t n_tags, size_t max_tags)
{
    uint64_t *order = malloc((n_tags ? n_tags : 1) * sizeof *order);
    size_t n = 0;
    if (!order) return (size_t)-1;
    for (size_t t = 0; t < n_tags; t++) {
        col[t] = -1;
        if (df[t] >= 2) order[n++] = (uint64_t)(UINT32_MAX - (uint32_t)df[t]) << 32 | (uint32_t)t;
    }
    qsort(order, n, sizeof *order, cmp_u64);
    if (n > max_tags) n = max_tags;
    for (size_t c = 0; c < n; c++) col[(uint32_t)order[c]] = (int32_t)c;
    free(order);
    return n;
}

/* The table from the sorted pairs: runs of one (movie, tag) are counts. */
static int build_table(gr_genome_table *out, const tag_pairs *p, size_t max_tags, const char *path)
{
    size_t nt = p->tags.n, nm = p->movies.n;
    size_t *df = gr_zalloc(nt ? nt : 1, sizeof *df);
    int32_t *col = gr_alloc(nt ? nt : 1, sizeof *col), *row = gr_alloc(nm, sizeof *row);
    int rc = df && col && row ? GR_OK : GR_ENOMEM;
    for (size_t k = 0; rc == GR_OK && k < p->n; k++)
        if (k == 0 || p->key[k] != p->key[k - 1]) df[(uint32_t)p->key[k]]++;
    size_t v = rc == GR_OK ? vocabulary(col, df, nt, max_tags) : 0;
    if (rc == GR_OK && v == (size_t)-1) rc = GR_ENOMEM;
    if (rc == GR_OK && v == 0) rc = gr_err(GR_EFORMAT, "%s: no tag is applied to two movies or more", path);
    /* rows: the movies with a column tag, in order of first appearance */
    size_t n = 0;
    for (size_t m = 0; rc == GR_OK && m < nm; m++) row[m] = -1;
    for (size_t k = 0; rc == GR_OK && k < p->n; k++) {
        size_t m = (size_t)(p->key[k] >> 32);
        if (col[(uint32_t)p->key[k]] >= 0 && row[m] < 0) row[m] = 0;
    }
    for (size_t m = 0; rc == GR_OK && m < nm; m++)
        if (row[m] == 0) row[m] = (int32_t)++n; /* 1-based while counting */
    if (rc == GR_OK) {
        out->n_movies = n;
        out->n_tags = v;
        out->movie = gr_alloc(n, sizeof *out->movie);
        out->tag = gr_alloc(v, sizeof *out->tag);
        out->score = gr_zalloc(n * v, sizeof *out->score);
        if (!out->movie || !out->tag || !out->score) rc = GR_ENOMEM;
    }
    for (size_t m = 0; rc == GR_OK && m < nm; m++)
        if (row[m] > 0) out->movie[--row[m]] = p->movies.ids[m];
    for (size_t t = 0; rc == GR_OK && t < nt; t++)
        if (col[t] >= 0) out->tag[col[t]] = p->tags.ids[t];
    double movies = (double)nm;
    for (size_t k = 0; rc == GR_OK && k < p->n;) {
        size_t e = k;
        while (e < p->n && p->key[e] == p->key[k]) e++;
        uint32_t t = (uint32_t)p->key[k];
        int32_t r = row[p->key[k] >> 32];
        if (col[t] >= 0 && r >= 0)
            out->score[(size_t)r * v + (size_t)col[t]] = (float)(log1p((double)(e - k)) * log(movies / (double)df[t]));
        k = e;
    }
    for (size_t r = 0; rc == GR_OK && r < n; r++) {
        float *x = out->score + r * v, top = 0.0f;
        for (size_t c = 0; c < v; c++) top = x[c] > top ? x[c] : top;
        for (size_t c = 0; c < v && top > 0.0f; c++) x[c] /= top;
    }
    free(df);
    free(col);
    free(row);
    return rc;
}

int gr_read_tags(gr_genome_table *out, const char *path, size_t max_tags)
{
    memset(out, 0, sizeof *out);
    if (max_tags == 0) return gr_err(GR_EINVAL, "%s: max_tags 0", path);
    tag_pairs p;
    memset(&p, 0, sizeof p);
    gr_idmap_init(&p.movies);
    gr_idmap_init(&p.tags);
    int rc = read_pairs(&p, path);
    if (rc == GR_OK) {
        qsort(p.key, p.n, sizeof *p.key, cmp_u64);
        rc = build_table(out, &p, max_tags, path);
    }
    free(p.key);
    gr_idmap_free(&p.movies);
    gr_idmap_free(&p.tags);
    if (rc != GR_OK) gr_genome_table_free(out);
    return rc;
}
