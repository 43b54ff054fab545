/*
 * Tag-genome item features (gnnrec/features.h): the genome's relevance
 * rows of a graph's items, centred and reduced by the library's truncated
 * SVD (linalg/tsvd.h).  The genome is dense, so it is handed to the SVD as
 * a CSR holding every entry: the SpMM then streams the rows like a dense
 * GEMV block, and the library keeps one SVD.
 */
#include <gnnrec/features.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/threads.h"
#include "core/err.h"
#include "core/mem.h"
#include "graph/graph.h"
#include "io/genome.h"
#include "io/tags.h"
#include "io/model_file.h"
#include "io/text.h"
#include "kernels/matmul.h"
#include "linalg/tsvd.h"

struct gr_genome {
    gr_genome_table t;
    gr_idmap movies;  /* movie id -> row of t.score */
    size_t dim, ldp;  /* fitted width; row stride of proj */
    float *proj;      /* n_tags x ldp: centred relevances -> reduced row */
    float *offset;    /* dim: -mean . proj, so a row is scores . proj + offset */
};

/* A genome around a table read by `read` (the genome files or tags.csv). */
static int wrap_table(gr_genome **out, int rc, gr_genome *gn)
{
    for (size_t i = 0; rc == GR_OK && i < gn->t.n_movies; i++)
        if (gr_idmap_intern(&gn->movies, gn->t.movie[i]) < 0) rc = GR_ENOMEM;
    if (rc != GR_OK) {
        gr_genome_free(gn);
        return rc;
    }
    *out = gn;
    return GR_OK;
}

static gr_genome *new_genome(void)
{
    gr_genome *gn = gr_zalloc(1, sizeof *gn);
    if (gn) gr_idmap_init(&gn->movies);
    return gn;
}

int gr_genome_read(gr_genome **out, const char *dir)
{
    if (!out || !dir) return gr_err(GR_EINVAL, "gr_genome_read: NULL argument");
    *out = NULL;
    char scores[4096], tags[4096];
    GR_TRY(gr_path_join(scores, sizeof scores, dir, "genome-scores.csv"));
    GR_TRY(gr_path_join(tags, sizeof tags, dir, "genome-tags.csv"));
    gr_genome *gn = new_genome();
    if (!gn) return GR_ENOMEM;
    return wrap_table(out, gr_read_genome(&gn->t, scores, tags), gn);
}

int gr_genome_read_tags(gr_genome **out, const char *path, size_t max_tags)
{
    if (!out || !path) return gr_err(GR_EINVAL, "gr_genome_read_tags: NULL argument");
    *out = NULL;
    if (max_tags == 0) return gr_err(GR_EINVAL, "gr_genome_read_tags: max_tags 0");
    gr_genome *gn = new_genome();
    if (!gn) return GR_ENOMEM;
    return wrap_table(out, gr_read_tags(&gn->t, path, max_tags), gn);
}

void gr_genome_free(gr_genome *gn)
{
    if (!gn) return;
    gr_genome_table_free(&gn->t);
    gr_idmap_free(&gn->movies);
    free(gn->proj);
    free(gn->offset);
    free(gn);
}

size_t gr_genome_n_tags(const gr_genome *gn) { return gn ? gn->t.n_tags : 0; }
size_t gr_genome_n_movies(const gr_genome *gn) { return gn ? gn->t.n_movies : 0; }
size_t gr_genome_dim(const gr_genome *gn) { return gn ? gn->dim : 0; }

int gr_genome_tag_id(int64_t *id, const gr_genome *gn, size_t c)
{
    if (!id || !gn) return gr_err(GR_EINVAL, "gr_genome_tag_id: NULL argument");
    if (c >= gn->t.n_tags) return gr_err(GR_ERANGE, "gr_genome_tag_id: column %zu of %zu", c, gn->t.n_tags);
    *id = gn->t.tag[c];
    return GR_OK;
}

int gr_genome_scores(float *out, size_t n_tags, const gr_genome *gn, int64_t movie)
{
    if (!out || !gn) return gr_err(GR_EINVAL, "gr_genome_scores: NULL argument");
    if (n_tags != gn->t.n_tags) return gr_err(GR_EINVAL, "gr_genome_scores: %zu tags given, the genome has %zu", n_tags, gn->t.n_tags);
    int32_t r = gr_idmap_find(&gn->movies, movie);
    if (r < 0) return gr_err(GR_ENOTFOUND, "gr_genome_scores: movie %lld has no genome scores", (long long)movie);
    memcpy(out, gn->t.score + (size_t)r * n_tags, n_tags * sizeof *out);
    return GR_OK;
}

/* Genome rows of g's items: rows[k] is the genome row of the k-th item of
 * g that has one; returns their count. */
static size_t genome_rows(int32_t *rows, const gr_genome *gn, const gr_graph *g)
{
    size_t n = 0;
    for (size_t i = 0; i < g->n_items; i++) {
        int32_t r = gr_idmap_find(&gn->movies, g->cat->items.ids[i]);
        if (r >= 0) rows[n++] = r;
    }
    return n;
}

/* The centred n x t matrix as a CSR with every entry, and its transpose. */
static int dense_csr(gr_spmat *a, gr_spmat *at, const float *x, size_t n, size_t t)
{
    memset(a, 0, sizeof *a);
    memset(at, 0, sizeof *at);
    gr_spmat *m[2] = { a, at };
    size_t rows[2] = { n, t }, cols[2] = { t, n };
    for (int k = 0; k < 2; k++) {
        m[k]->n = rows[k];
        m[k]->nnz = n * t;
        m[k]->ptr = gr_alloc(rows[k] + 1, sizeof *m[k]->ptr);
        m[k]->col = gr_alloc(n * t, sizeof *m[k]->col);
        m[k]->val = gr_alloc(n * t, sizeof *m[k]->val);
        if (!m[k]->ptr || !m[k]->col || !m[k]->val) return GR_ENOMEM;
        for (size_t r = 0; r <= rows[k]; r++) m[k]->ptr[r] = (int64_t)(r * cols[k]);
        for (size_t r = 0; r < rows[k]; r++)
            for (size_t c = 0; c < cols[k]; c++) {
                m[k]->col[r * cols[k] + c] = (int32_t)c;
                m[k]->val[r * cols[k] + c] = k == 0 ? x[r * t + c] : x[c * t + r];
            }
        GR_TRY(gr_spmat_balance(m[k], 64));
    }
    return GR_OK;
}

/* Centre the selected rows: x (n x t) = rows - mean, mean (t doubles). */
static void centre(float *x, double *mean, const gr_genome *gn, const int32_t *rows, size_t n)
{
    size_t t = gn->t.n_tags;
    for (size_t c = 0; c < t; c++) mean[c] = 0.0;
    for (size_t k = 0; k < n; k++)
        for (size_t c = 0; c < t; c++) mean[c] += gn->t.score[(size_t)rows[k] * t + c];
    for (size_t c = 0; c < t; c++) mean[c] /= (double)n;
    for (size_t k = 0; k < n; k++)
        for (size_t c = 0; c < t; c++) x[k * t + c] = (float)(gn->t.score[(size_t)rows[k] * t + c] - mean[c]);
}

/* proj = V * s with s = sqrt(n dim / sum sigma^2): mean column variance 1. */
static int store_projection(gr_genome *gn, const float *v, const float *sigma, const double *mean, size_t n, size_t dim)
{
    size_t t = gn->t.n_tags, ldp = gr_gemm_stride(dim);
    double ss = 0.0;
    for (size_t j = 0; j < dim; j++) ss += (double)sigma[j] * sigma[j];
    float s = ss > 0.0 ? (float)sqrt((double)n * (double)dim / ss) : 0.0f;
    float *proj = gr_alloc_floats(t * ldp), *offset = gr_alloc_floats(dim);
    if (!proj || !offset) {
        free(proj);
        free(offset);
        return GR_ENOMEM;
    }
    for (size_t c = 0; c < t; c++)
        for (size_t j = 0; j < dim; j++) proj[c * ldp + j] = v[c * dim + j] * s;
    for (size_t j = 0; j < dim; j++) {
        double o = 0.0;
        for (size_t c = 0; c < t; c++) o -= mean[c] * proj[c * ldp + j];
        offset[j] = (float)o;
    }
    free(gn->proj);
    free(gn->offset);
    gn->proj = proj;
    gn->offset = offset;
    gn->dim = dim;
    gn->ldp = ldp;
    return GR_OK;
}

int gr_genome_fit(gr_genome *gn, const gr_graph *g, size_t dim, uint64_t seed, float *sigma)
{
    if (!gn || !g) return gr_err(GR_EINVAL, "gr_genome_fit: NULL argument");
    if (dim == 0) return gr_err(GR_EINVAL, "gr_genome_fit: dim 0");
    size_t t = gn->t.n_tags;
    int32_t *rows = gr_alloc(g->n_items ? g->n_items : 1, sizeof *rows);
    if (!rows) return GR_ENOMEM;
    size_t n = genome_rows(rows, gn, g);
    if (n == 0) {
        free(rows);
        return gr_err(GR_EINVAL, "gr_genome_fit: no item of the graph has genome scores");
    }
    size_t k = dim < t ? dim : t;
    if (k > n) k = n;
    float *x = gr_alloc_floats(n * t), *v = gr_alloc_floats(t * k), *sg = gr_alloc_floats(k);
    double *mean = gr_alloc(t, sizeof *mean);
    gr_spmat a, at;
    int rc = x && v && sg && mean ? GR_OK : GR_ENOMEM;
    if (rc == GR_OK) {
        centre(x, mean, gn, rows, n);
        rc = dense_csr(&a, &at, x, n, t);
        gr_tsvd_options o = { 16, 6, seed, NULL };
        if (rc == GR_OK) rc = gr_tsvd(v, sg, &a, &at, n, t, k, &o);
        gr_spmat_free(&a);
        gr_spmat_free(&at);
    }
    if (rc == GR_OK) rc = store_projection(gn, v, sg, mean, n, k);
    if (rc == GR_OK && sigma)
        for (size_t j = 0; j < dim; j++) sigma[j] = j < k ? sg[j] : 0.0f;
    free(rows);
    free(x);
    free(v);
    free(sg);
    free(mean);
    return rc;
}

int gr_genome_project(float *out, size_t dim, const gr_genome *gn, const float *scores, size_t n_tags)
{
    if (!out || !gn || !scores) return gr_err(GR_EINVAL, "gr_genome_project: NULL argument");
    if (!gn->proj) return gr_err(GR_EINVAL, "gr_genome_project: the genome has no fitted projection");
    if (dim != gn->dim || n_tags != gn->t.n_tags)
        return gr_err(GR_EINVAL, "gr_genome_project: %zu -> %zu given, the projection is %zu -> %zu", n_tags, dim, gn->t.n_tags, gn->dim);
    for (size_t c = 0; c < n_tags; c++)
        if (!(scores[c] >= 0.0f && scores[c] <= 1.0f))
            return gr_err(GR_EINVAL, "gr_genome_project: relevance %zu is %g, not in [0, 1]", c, (double)scores[c]);
    gr_gemm_nn(out, dim, scores, n_tags, gn->proj, gn->ldp, gn->offset, 1, n_tags, dim);
    return GR_OK;
}

int gr_features_genome(float *out, size_t rows, size_t dim, const gr_genome *gn, const gr_graph *g)
{
    if (!out || !gn || !g) return gr_err(GR_EINVAL, "gr_features_genome: NULL argument");
    if (!gn->proj) return gr_err(GR_EINVAL, "gr_features_genome: the genome has no fitted projection");
    if (rows != g->n_items || dim != gn->dim)
        return gr_err(GR_EINVAL, "gr_features_genome: %zu x %zu given, the graph's genome block is %zu x %zu", rows, dim, g->n_items, gn->dim);
    size_t t = gn->t.n_tags;
    #pragma omp parallel for schedule(static) num_threads(gr_threads())
    for (size_t i = 0; i < rows; i++) {
        int32_t r = gr_idmap_find(&gn->movies, g->cat->items.ids[i]);
        if (r < 0) memset(out + i * dim, 0, dim * sizeof *out);
        else gr_gemm_nn(out + i * dim, dim, gn->t.score + (size_t)r * t, t, gn->proj, gn->ldp, gn->offset, 1, t, dim);
    }
    return GR_OK;
}

/* ---- the projection file ------------------------------------------------ */

/* The container of model files (docs/model-format.md) with its own kind, so
 * gr_model_load() refuses it by name; sections: tag ids, projection. */
#define GENOME_KIND GR_FOURCC('G', 'N', 'M', 'E')
#define TAG_TAGS GR_FOURCC('G', 'T', 'A', 'G')
#define TAG_PROJ GR_FOURCC('G', 'P', 'R', 'J')

int gr_genome_save(const gr_genome *gn, const char *path)
{
    if (!gn || !path) return gr_err(GR_EINVAL, "gr_genome_save: NULL argument");
    if (!gn->proj) return gr_err(GR_EINVAL, "gr_genome_save: the genome has no fitted projection");
    gr_writer w;
    GR_TRY(gr_writer_open(&w, path, GENOME_KIND));
    size_t t = gn->t.n_tags, d = gn->dim;
    gr_writer_begin(&w, TAG_TAGS);
    gr_writer_u64(&w, t);
    gr_writer_i64s(&w, gn->t.tag, t);
    gr_writer_end(&w);
    gr_writer_begin(&w, TAG_PROJ);
    gr_writer_u64(&w, d);
    for (size_t c = 0; c < t; c++) gr_writer_floats(&w, gn->proj + c * gn->ldp, d);
    gr_writer_floats(&w, gn->offset, d);
    gr_writer_end(&w);
    return gr_writer_commit(&w);
}

static int load_projection(gr_genome *gn, gr_reader *r)
{
    uint64_t t, d;
    GR_TRY(gr_reader_section(r, TAG_TAGS));
    GR_TRY(gr_reader_u64(r, &t));
    if (t == 0 || t > (r->end - r->pos) / sizeof(int64_t)) return gr_reader_fail(r, "%llu tags", (unsigned long long)t);
    gn->t.n_tags = (size_t)t;
    gn->t.tag = gr_alloc(t, sizeof *gn->t.tag);
    if (!gn->t.tag) return GR_ENOMEM;
    GR_TRY(gr_reader_i64s(r, gn->t.tag, t));
    GR_TRY(gr_reader_section(r, TAG_PROJ));
    GR_TRY(gr_reader_u64(r, &d));
    if (d == 0 || d > t || (t + 1) * d > (r->end - r->pos) / sizeof(float))
        return gr_reader_fail(r, "projection of %llu tags to %llu columns", (unsigned long long)t, (unsigned long long)d);
    gn->dim = (size_t)d;
    gn->ldp = gr_gemm_stride(gn->dim);
    gn->proj = gr_alloc_floats(t * gn->ldp);
    gn->offset = gr_alloc_floats(d);
    if (!gn->proj || !gn->offset) return GR_ENOMEM;
    for (size_t c = 0; c < t; c++) GR_TRY(gr_reader_floats(r, gn->proj + c * gn->ldp, d));
    GR_TRY(gr_reader_floats(r, gn->offset, d));
    for (size_t k = 0; k < t * gn->ldp; k++)
        if (!isfinite(gn->proj[k])) return gr_reader_fail(r, "a projection weight is not a number");
    return GR_OK;
}

int gr_genome_load(gr_genome **out, const char *path)
{
    if (!out || !path) return gr_err(GR_EINVAL, "gr_genome_load: NULL argument");
    *out = NULL;
    gr_reader r;
    int rc = gr_reader_open(&r, path);
    if (rc == GR_OK && r.kind != GENOME_KIND) rc = gr_err(GR_EFORMAT, "%s: not a genome projection file", path);
    gr_genome *gn = rc == GR_OK ? new_genome() : NULL;
    if (rc == GR_OK && !gn) rc = GR_ENOMEM;
    if (rc == GR_OK) rc = load_projection(gn, &r);
    if (rc == GR_OK) rc = gr_reader_unchanged(&r);
    gr_reader_close(&r);
    if (rc != GR_OK) {
        gr_genome_free(gn);
        return rc;
    }
    *out = gn;
    return GR_OK;
}
