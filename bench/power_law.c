#include "power_law.h"

#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/rng.h"
#include "graph/catalog.h"
#include "graph/graph.h"

/* User degrees: Pareto(alpha) above the minimum, scaled to the edge total
 * and capped at a quarter of the items. */
static int64_t *user_degrees(const bench_graph_spec *s)
{
    size_t n = s->users, cap = s->items / 4 > s->min_user_degree ? s->items / 4 : s->items;
    double *w = malloc(n * sizeof *w);
    int64_t *deg = malloc(n * sizeof *deg);
    if (!w || !deg) {
        free(w);
        free(deg);
        return NULL;
    }
    for (size_t u = 0; u < n; u++) w[u] = pow(1.0 - gr_unit(gr_hash3(s->seed, 1, u)), -1.0 / s->user_alpha);
    double lo = 0.0, hi = (double)s->edges;
    for (int it = 0; it < 100; it++) {
        double scale = 0.5 * (lo + hi), total = 0.0;
        for (size_t u = 0; u < n; u++) {
            double d = fmin((double)cap, fmax((double)s->min_user_degree, w[u] * scale));
            total += floor(d);
        }
        if (total < (double)s->edges) lo = scale;
        else hi = scale;
    }
    size_t total = 0;
    for (size_t u = 0; u < n; u++) {
        deg[u] = (int64_t)floor(fmin((double)cap, fmax((double)s->min_user_degree, w[u] * lo)));
        total += (size_t)deg[u];
    }
    /* hand the rounding remainder to users below the cap, one each */
    for (size_t u = 0; total < s->edges && u < n; u++)
        if ((size_t)deg[u] < cap) deg[u]++, total++;
    free(w);
    return deg;
}

/* Cumulative item popularity over a random permutation of item ids, so
 * that popularity does not follow the id order. */
static double *item_cdf(const bench_graph_spec *s, int32_t *perm)
{
    size_t n = s->items;
    double *cdf = malloc(n * sizeof *cdf);
    if (!cdf) return NULL;
    for (size_t i = 0; i < n; i++) perm[i] = (int32_t)i;
    gr_rng r = gr_rng_make(s->seed, 2);
    for (size_t i = n; i > 1; i--) {
        size_t j = gr_rng_below(&r, (uint32_t)i);
        int32_t t = perm[i - 1];
        perm[i - 1] = perm[j];
        perm[j] = t;
    }
    double acc = 0.0;
    for (size_t i = 0; i < n; i++) cdf[i] = acc += pow((double)i + 10.0, -s->item_zipf);
    for (size_t i = 0; i < n; i++) cdf[i] /= acc;
    return cdf;
}

static size_t draw_rank(const double *cdf, size_t n, double x)
{
    size_t lo = 0, hi = n - 1;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (cdf[mid] < x) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

static int cmp_i32(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return x < y ? -1 : x > y;
}

/* The items of user u, distinct and sorted: popularity draws, then a
 * uniform sweep if rejections pile up (users with very many items). */
static void fill_user(const bench_graph_spec *s, const double *cdf, const int32_t *perm, size_t u, int32_t *out,
                      size_t deg, int32_t *stamp)
{
    size_t got = 0;
    uint64_t c = 0;
    while (got < deg && c < 20 * (uint64_t)deg + 100) {
        int32_t i = perm[draw_rank(cdf, s->items, gr_unit(gr_hash3(s->seed, 3 + (uint64_t)u, c++)))];
        if (stamp[i] != (int32_t)u) {
            stamp[i] = (int32_t)u;
            out[got++] = i;
        }
    }
    for (size_t i = 0; got < deg && i < s->items; i++)
        if (stamp[i] != (int32_t)u) {
            stamp[i] = (int32_t)u;
            out[got++] = (int32_t)i;
        }
    qsort(out, deg, sizeof *out, cmp_i32);
}

static int fail(const char *what)
{
    fprintf(stderr, "power-law graph: %s: %s\n", what, gr_last_error());
    return -1;
}

int bench_power_law_graph(gr_graph **out, const bench_graph_spec *s)
{
    int32_t *perm = malloc(s->items * sizeof *perm);
    int64_t *deg = user_degrees(s);
    double *cdf = perm ? item_cdf(s, perm) : NULL;
    gr_csr ui = { 0 };
    ui.nrows = s->users;
    ui.ptr = gr_alloc(s->users + 1, sizeof *ui.ptr);
    if (!perm || !deg || !cdf || !ui.ptr) return fail("allocation");
    ui.ptr[0] = 0;
    for (size_t u = 0; u < s->users; u++) ui.ptr[u + 1] = ui.ptr[u] + deg[u];
    size_t nnz = (size_t)ui.ptr[s->users];
    ui.col = gr_alloc(nnz, sizeof *ui.col);
    /* implicit feedback: every rating 1, no column (as the library builds it) */
    if (!ui.col) return fail("allocation");
    int nt = omp_get_max_threads();
    int32_t *stamps = malloc((size_t)nt * s->items * sizeof *stamps);
    if (!stamps) return fail("allocation");
    for (size_t k = 0; k < (size_t)nt * s->items; k++) stamps[k] = -1;
    long nu = (long)s->users;
#pragma omp parallel for schedule(dynamic, 256)
    for (long u = 0; u < nu; u++) {
        int32_t *stamp = stamps + (size_t)omp_get_thread_num() * s->items;
        fill_user(s, cdf, perm, (size_t)u, ui.col + ui.ptr[u], (size_t)deg[u], stamp);
    }
    free(stamps);
    free(cdf);
    free(perm);
    free(deg);
    gr_catalog *cat = gr_catalog_new();
    if (!cat) return fail("catalog");
    for (size_t u = 0; u < s->users; u++)
        if (gr_catalog_add_user(cat, (int64_t)u) < 0) return fail("catalog");
    for (size_t i = 0; i < s->items; i++)
        if (gr_catalog_add_item(cat, (int64_t)i) < 0) return fail("catalog");
    int rc = gr_graph_from_csr(out, cat, &ui, 0);
    gr_catalog_unref(cat);
    return rc == GR_OK ? 0 : fail("graph");
}

int bench_train_graph(gr_graph **out, const char *dir, const bench_graph_spec *spec)
{
    if (!dir) return bench_power_law_graph(out, spec);
    char path[4200];
    snprintf(path, sizeof path, "%s/train.txt", dir);
    if (gr_graph_load(out, path, NULL) == GR_OK) return 0;
    fprintf(stderr, "%s\n", gr_last_error());
    return -1;
}
