/* Train / valid / test splits of a graph, reproducible for a seed. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/mem.h"
#include "core/rng.h"
#include "graph/graph.h"

enum { PART_TRAIN = 0, PART_VALID = 1, PART_TEST = 2 };


/* How many of n edges go to a part of share `ratio`, rounding to nearest. */
static size_t share(size_t n, double ratio) { return (size_t)floor((double)n * ratio + 0.5); }

static int label_user_ratio(uint8_t *part, const gr_graph *g, const gr_split_options *o)
{
    size_t maxdeg = 0;
    for (size_t u = 0; u < g->n_users; u++)
        if (gr_csr_degree(&g->ui, u) > maxdeg) maxdeg = gr_csr_degree(&g->ui, u);
    int64_t *idx = gr_alloc(maxdeg ? maxdeg : 1, sizeof *idx);
    if (!idx) return GR_ENOMEM;
    for (size_t u = 0; u < g->n_users; u++) {
        size_t d = gr_csr_degree(&g->ui, u);
        if (d < 2) continue;
        for (size_t k = 0; k < d; k++) idx[k] = g->ui.ptr[u] + (int64_t)k;
        gr_rng_shuffle(idx, d, o->seed, u);
        size_t nt = share(d, o->test_ratio), nv = share(d, o->valid_ratio);
        /* keep at least one edge of the user in train */
        while (nt + nv >= d) {
            if (nv > 0) nv--;
            else nt--;
        }
        for (size_t k = 0; k < nt; k++) part[idx[k]] = PART_TEST;
        for (size_t k = nt; k < nt + nv; k++) part[idx[k]] = PART_VALID;
    }
    free(idx);
    return GR_OK;
}

static int label_random(uint8_t *part, const gr_graph *g, const gr_split_options *o)
{
    int64_t *idx = gr_alloc(g->n_edges, sizeof *idx);
    if (!idx) return GR_ENOMEM;
    for (size_t k = 0; k < g->n_edges; k++) idx[k] = (int64_t)k;
    gr_rng_shuffle(idx, g->n_edges, o->seed, UINT64_MAX);
    size_t nt = share(g->n_edges, o->test_ratio), nv = share(g->n_edges, o->valid_ratio);
    if (nt + nv > g->n_edges) nv = g->n_edges - nt;
    for (size_t k = 0; k < nt; k++) part[idx[k]] = PART_TEST;
    for (size_t k = nt; k < nt + nv; k++) part[idx[k]] = PART_VALID;
    free(idx);
    return GR_OK;
}

/* Position of the latest edge of row u not yet labelled, ties broken by the larger item index. */
static int64_t latest(const gr_graph *g, const uint8_t *part, size_t u)
{
    int64_t best = -1;
    for (int64_t k = g->ui.ptr[u]; k < g->ui.ptr[u + 1]; k++) {
        if (part[k] != PART_TRAIN) continue;
        const int64_t tk = gr_csr_ts(&g->ui, k), tb = best < 0 ? 0 : gr_csr_ts(&g->ui, best);
        if (best < 0 || tk > tb || (tk == tb && g->ui.col[k] > g->ui.col[best])) best = k;
    }
    return best;
}

static int label_leave_one_out(uint8_t *part, const gr_graph *g, int want_valid)
{
    size_t need = want_valid ? 3 : 2;
    for (size_t u = 0; u < g->n_users; u++) {
        if (gr_csr_degree(&g->ui, u) < need) continue;
        part[latest(g, part, u)] = PART_TEST;
        if (want_valid) part[latest(g, part, u)] = PART_VALID;
    }
    return GR_OK;
}

static int check_split(const gr_graph *g, const gr_split_options *o, gr_graph **train, gr_graph **valid,
                       gr_graph **test)
{
    if (!g || !train || !test) return gr_err(GR_EINVAL, "gr_graph_split: NULL argument");
    if (o->version < 1 || o->version > GR_SPLIT_OPTIONS_VERSION)
        return gr_err(GR_EINVAL, "gr_split_options.version %u not supported", o->version);
    if (o->method < GR_SPLIT_USER_RATIO || o->method > GR_SPLIT_RANDOM)
        return gr_err(GR_EINVAL, "gr_split_options.method %d is not a gr_split_method", o->method);
    int ratios = o->method != GR_SPLIT_LEAVE_ONE_OUT;
    if (ratios && (!(o->test_ratio > 0) || !(o->valid_ratio >= 0) || !(o->test_ratio + o->valid_ratio < 1)))
        return gr_err(GR_EINVAL, "split ratios must satisfy test_ratio > 0, valid_ratio >= 0, sum < 1 (got %g, %g)",
                      o->test_ratio, o->valid_ratio);
    if (ratios && o->valid_ratio > 0 && !valid)
        return gr_err(GR_EINVAL, "gr_graph_split: valid_ratio %g > 0 needs a valid out-parameter", o->valid_ratio);
    return GR_OK;
}

/* Each part asked for gets at least one edge: an empty valid or test graph
 * would make the evaluation that follows meaningless, and it would fail
 * much later with a message far from the cause. */
static int check_parts(const uint8_t *part, const gr_graph *g, const gr_split_options *o, int want_valid)
{
    size_t count[3] = { 0, 0, 0 };
    for (size_t k = 0; k < g->n_edges; k++) count[part[k]]++;
    static const char *const name[3] = { "train", "validation", "test" };
    const char *why = o->method == GR_SPLIT_LEAVE_ONE_OUT ? "leave-one-out needs users with at least 2 edges (3 with validation)"
                      : o->method == GR_SPLIT_USER_RATIO ? "per-user ratios round to 0 edges for every user: too few edges per user"
                                                         : "the ratio rounds to 0 edges: too few edges";
    for (int p = PART_TRAIN; p <= PART_TEST; p++)
        if ((p != PART_VALID || want_valid) && count[p] == 0)
            return gr_err(GR_ESTATE, "gr_graph_split: the %s part of %zu edges would be empty (%s)", name[p], g->n_edges,
                          p == PART_TRAIN ? "nothing left to train on" : why);
    return GR_OK;
}

int gr_graph_split(gr_graph **train, gr_graph **valid, gr_graph **test, const gr_graph *g, const gr_split_options *opts)
{
    gr_split_options defaults = GR_SPLIT_OPTIONS_INIT;
    if (!opts) opts = &defaults;
    GR_TRY(check_split(g, opts, train, valid, test));
    int want_valid = valid != NULL && (opts->method == GR_SPLIT_LEAVE_ONE_OUT || opts->valid_ratio > 0);
    uint8_t *part = gr_zalloc(g->n_edges ? g->n_edges : 1, 1);
    if (!part) return GR_ENOMEM;
    int rc;
    switch (opts->method) {
    case GR_SPLIT_USER_RATIO: rc = label_user_ratio(part, g, opts); break;
    case GR_SPLIT_RANDOM: rc = label_random(part, g, opts); break;
    default: rc = label_leave_one_out(part, g, want_valid); break;
    }
    if (rc == GR_OK) rc = check_parts(part, g, opts, want_valid);
    gr_graph *tr = NULL, *va = NULL, *te = NULL;
    if (rc == GR_OK) rc = gr_graph_subset(&tr, g, part, PART_TRAIN);
    if (rc == GR_OK && want_valid) rc = gr_graph_subset(&va, g, part, PART_VALID);
    if (rc == GR_OK) rc = gr_graph_subset(&te, g, part, PART_TEST);
    free(part);
    if (rc != GR_OK) {
        gr_graph_free(tr);
        gr_graph_free(va);
        gr_graph_free(te);
        return rc;
    }
    *train = tr;
    if (valid) *valid = va;
    *test = te;
    return GR_OK;
}
