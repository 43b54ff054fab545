/* Metric definitions for one ranked list (docs: gnnrec/eval.h). */
#include <math.h>
#include <stdlib.h>

#include "core/err.h"
#include "core/mem.h"
#include "core/sorted.h"
#include "eval/ranking.h"

static int contains(const int32_t *sorted, size_t n, int32_t x)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (sorted[mid] < x) lo = mid + 1;
        else hi = mid;
    }
    return lo < n && sorted[lo] == x;
}

void gr_list_metrics(double *out, const int32_t *ranked, size_t n_ranked, const int32_t *rel, size_t n_rel, int k)
{
    for (int m = 0; m < GR_METRIC_COUNT; m++) out[m] = 0.0;
    if (n_rel == 0 || k < 1) return;
    size_t kk = (size_t)k, hits = 0;
    double dcg = 0.0, idcg = 0.0, rr = 0.0;
    for (size_t r = 0; r < kk && r < n_ranked; r++) {
        if (!contains(rel, n_rel, ranked[r])) continue;
        hits++;
        dcg += 1.0 / log2((double)r + 2.0);
        if (rr == 0.0) rr = 1.0 / ((double)r + 1.0);
    }
    for (size_t r = 0; r < kk && r < n_rel; r++) idcg += 1.0 / log2((double)r + 2.0);
    out[GR_METRIC_RECALL] = (double)hits / (double)n_rel;
    out[GR_METRIC_PRECISION] = (double)hits / (double)kk;
    out[GR_METRIC_NDCG] = dcg / idcg;
    out[GR_METRIC_HIT] = hits > 0;
    out[GR_METRIC_MRR] = rr;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* A ranked list that names an item twice would count it as two hits (recall
 * above 1); no ranking produces one, so it is a caller's mistake. */
static int check_no_repeats(const int64_t *ranked, size_t n)
{
    int64_t *sorted = gr_alloc(n + 1, sizeof *sorted);
    if (!sorted) return GR_ENOMEM;
    for (size_t r = 0; r < n; r++) sorted[r] = ranked[r];
    qsort(sorted, n, sizeof *sorted, cmp_i64);
    int64_t repeated = 0;
    int found = 0;
    for (size_t r = 1; r < n && !found; r++)
        if (sorted[r] == sorted[r - 1]) {
            repeated = sorted[r];
            found = 1;
        }
    free(sorted);
    if (!found) return GR_OK;
    size_t first = 0, second = 0;
    while (ranked[first] != repeated) first++;
    for (second = first + 1; ranked[second] != repeated; second++) {}
    return gr_err(GR_EINVAL, "gr_metrics_of_list: ranked[%zu] repeats id %lld of ranked[%zu]; a ranked list names each item once",
                  second, (long long)repeated, first);
}

/* The public form maps arbitrary ids to dense positions in a private index. */
int gr_metrics_of_list(double *out, const int64_t *ranked, size_t n_ranked, const int64_t *relevant, size_t n_relevant,
                       int k)
{
    if (!out || (n_ranked && !ranked) || (n_relevant && !relevant))
        return gr_err(GR_EINVAL, "gr_metrics_of_list: NULL argument");
    if (k < 1) return gr_err(GR_ERANGE, "gr_metrics_of_list: k must be >= 1, got %d", k);
    GR_TRY(check_no_repeats(ranked, n_ranked));
    int32_t *rk = gr_alloc(n_ranked + 1, sizeof *rk);
    int32_t *rel = gr_alloc(n_relevant + 1, sizeof *rel);
    if (!rk || !rel) {
        free(rk);
        free(rel);
        return GR_ENOMEM;
    }
    /* positions in relevant[] stand for ids; ranked ids absent from it get -1 */
    for (size_t r = 0; r < n_ranked; r++) {
        rk[r] = -1;
        for (size_t j = 0; j < n_relevant; j++) {
            if (relevant[j] == ranked[r]) {
                rk[r] = (int32_t)j;
                break;
            }
        }
    }
    for (size_t j = 0; j < n_relevant; j++) {
        rel[j] = (int32_t)j;
        for (size_t i = 0; i < j; i++)
            if (relevant[i] == relevant[j]) rel[j] = (int32_t)i; /* repeated ids count once */
    }
    qsort(rel, n_relevant, sizeof *rel, gr_cmp_i32);
    size_t n_unique = 0;
    for (size_t j = 0; j < n_relevant; j++)
        if (n_unique == 0 || rel[n_unique - 1] != rel[j]) rel[n_unique++] = rel[j];
    gr_list_metrics(out, rk, n_ranked, rel, n_unique, k);
    free(rk);
    free(rel);
    return GR_OK;
}
