/* Collective checks around a distributed fit (dist_train.h). */
#include "dist/dist_train.h"

#include <string.h>

#include "core/err.h"

uint64_t gr_graph_fingerprint(const gr_graph *g)
{
    if (!g) return 0;
    uint64_t h = gr_dist_hash_bytes(0xcbf29ce484222325ULL, &g->n_users, sizeof g->n_users);
    h = gr_dist_hash_bytes(h, &g->n_items, sizeof g->n_items);
    h = gr_dist_hash_bytes(h, g->ui.ptr, (g->n_users + 1) * sizeof *g->ui.ptr);
    return gr_dist_hash_bytes(h, g->ui.col, g->n_edges * sizeof *g->ui.col);
}

/* Every setting but the thread count, which each rank may choose for its host. */
static uint64_t hash_settings(const gr_trainer *t)
{
    uint64_t h = gr_dist_hash_bytes(0xcbf29ce484222325ULL, &t->kind, sizeof t->kind);
    for (size_t k = 0; k < t->n_opts; k++)
        if (t->spec[k].key != GR_OPT_THREADS) h = gr_dist_hash_bytes(h, &t->val[k], sizeof t->val[k]);
    return h;
}

/* The kinds whose fits split their work over ranks: the schedules' steps,
 * or the graph filters' and EASE's products with R (their users' rows). */
static int gr_dist_trains(int kind)
{
    return kind == GR_MODEL_LIGHTGCN || kind == GR_MODEL_MF || (kind >= GR_MODEL_TRANSE && kind <= GR_MODEL_COMPLEX) ||
           kind == GR_MODEL_GFCF || kind == GR_MODEL_CHEBY || kind == GR_MODEL_EASE;
}

int gr_dist_fit_begin(gr_trainer *t, const gr_graph *train, int rc)
{
    gr_dist *d = gr_dist_of(t);
    if (!d) return rc;
    if (rc == GR_OK && !gr_dist_trains(t->kind))
        rc = gr_err(GR_EUNSUPPORTED,
                    "distributed training of %s models is not available (LightGCN, MF, TransE, DistMult, RotatE, "
                    "ComplEx, GF-CF, Cheby and EASE are)",
                    gr_model_kind_name(t->kind));
    GR_TRY(gr_dist_agree(d, rc));
    d->bytes_sent = 0;
    uint64_t settings = hash_settings(t), graphs[2] = { gr_graph_fingerprint(train), gr_graph_fingerprint(t->valid) };
    GR_TRY(gr_dist_check_same(d, &settings, 1, "trainer settings"));
    GR_TRY(gr_dist_check_same(d, &graphs[0], 1, "training graphs"));
    return gr_dist_check_same(d, &graphs[1], 1, "validation graphs");
}

int gr_dist_fit_end(gr_trainer *t, int rc, gr_model **out)
{
    gr_dist *d = gr_dist_of(t);
    if (!d) return rc;
    int made = rc == GR_OK;
    rc = gr_dist_agree(d, rc);
    if (rc != GR_OK) {
        if (made) gr_model_free(*out);
        *out = NULL;
        return rc;
    }
    gr_model_set_info(*out, "ranks", d->size);
    gr_model_set_info(*out, "dist_bytes_sent", d->bytes_sent);
    return GR_OK;
}

int gr_dist_same_params(gr_dist *d, const float *x, size_t n)
{
    if (!d) return GR_OK;
    uint64_t h = gr_dist_hash_floats(x, n);
    int rc = gr_dist_check_same(d, &h, 1, "parameters");
    if (rc == GR_EINVAL) rc = gr_err(GR_ESTATE, "the ranks ended training with different parameters");
    return rc;
}

uint64_t gr_triples_fingerprint(const int32_t *h, const int32_t *r, const int32_t *tail, size_t n)
{
    uint64_t f = gr_dist_hash_bytes(0xcbf29ce484222325ULL, &n, sizeof n);
    f = gr_dist_hash_bytes(f, h, n * sizeof *h);
    f = gr_dist_hash_bytes(f, r, n * sizeof *r);
    return gr_dist_hash_bytes(f, tail, n * sizeof *tail);
}

int gr_dist_check_kg(const gr_trainer *t, const int32_t *h, const int32_t *r, const int32_t *tail, size_t n)
{
    gr_dist *d = gr_dist_of(t);
    if (!d) return GR_OK;
    uint64_t settings = hash_settings(t), triples = gr_triples_fingerprint(h, r, tail, n);
    GR_TRY(gr_dist_check_same(d, &settings, 1, "trainer settings"));
    return gr_dist_check_same(d, &triples, 1, "training triples");
}

int gr_dist_collect_rows(gr_dist *d, float *buf, const float *own, size_t nrows, size_t width)
{
    size_t lo, hi;
    gr_dist_rows(d, nrows, &lo, &hi);
    memcpy(buf + lo * width, own, (hi - lo) * width * sizeof *buf);
    return gr_dist_allgather_rows(d, buf, nrows, width);
}
