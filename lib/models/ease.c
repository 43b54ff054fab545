/* EASE as a model kind: scoring by rows of B, fold-in, state (ease.h). */
#include "models/ease.h"

#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/mem.h"
#include "io/model_file.h"
#include "models/item_rows.h"

static gr_ease_state *state_of(const gr_model *m) { return (gr_ease_state *)m->state; }

double gr_ease_bytes(size_t n_users, size_t n_items, int by_users)
{
    double n2 = (double)n_items * (double)n_items, u2 = (double)n_users * (double)n_users;
    /* while a trial inverts: its Gram matrix and the triangular inverse in
     * double, and during a validation search the best B so far (after the
     * inverse: the matrix, the new B and the best, less); the users' way
     * inverts K (with as much scratch) beside the best B, then holds K^-1
     * while it builds the new B beside the best one */
    if (!by_users) return n2 * (8.0 + 8.0 + 4.0);
    double inverting = u2 * (8.0 + 8.0) + n2 * 4.0, building = u2 * 8.0 + n2 * (4.0 + 4.0);
    return inverting > building ? inverting : building;
}

static int ease_score_users(const gr_model *m, const int32_t *rows, size_t nb, float *scores)
{
    gr_item_rows_users(state_of(m)->b, m->graph, rows, nb, scores);
    return GR_OK;
}

/* Sorted like a known user's row, so the sums agree to the bit. */
static int ease_score_liked(const gr_model *m, const int32_t *items, size_t n, float *scores)
{
    int32_t *sorted = gr_item_rows_sorted(items, n);
    if (!sorted) return GR_ENOMEM;
    gr_item_rows_sum(state_of(m)->b, m->n_items, sorted, n, scores);
    free(sorted);
    return GR_OK;
}

static int ease_save(const gr_model *m, gr_writer *w)
{
    gr_writer_u64(w, m->n_items);
    gr_writer_floats(w, state_of(m)->b, m->n_items * m->n_items);
    return GR_OK;
}

static int ease_load(gr_model *m, gr_reader *r)
{
    gr_ease_state *st = gr_zalloc(1, sizeof *st);
    if (!st) return GR_ENOMEM;
    m->state = st;
    uint64_t n;
    GR_TRY(gr_reader_u64(r, &n));
    if (n != m->n_items) return gr_reader_fail(r, "EASE matrix of %llu items, the model has %zu", (unsigned long long)n, m->n_items);
    if ((double)n * (double)n * 4.0 > (double)(r->end - r->pos)) return gr_reader_fail(r, "EASE matrix exceeds the section");
    st->b = gr_alloc_floats(m->n_items * m->n_items);
    if (!st->b) return GR_ENOMEM;
    return gr_reader_floats(r, st->b, m->n_items * m->n_items);
}

static void ease_free(gr_model *m)
{
    gr_ease_state *st = state_of(m);
    if (!st) return;
    free(st->b);
    free(st);
    m->state = NULL;
}

const gr_model_ops gr_ease_ops = {
    GR_MODEL_EASE, NULL, NULL, ease_save, ease_load, NULL, ease_free, ease_score_users, ease_score_liked, NULL,
};

int gr_ease_model(gr_model **out, const gr_graph *train, float *b, double lambda)
{
    gr_model *m = NULL;
    int rc = gr_model_create(&m, GR_MODEL_EASE, train, 0, 0, 0);
    gr_ease_state *st = rc == GR_OK ? gr_zalloc(1, sizeof *st) : NULL;
    if (rc == GR_OK && !st) rc = GR_ENOMEM;
    if (rc != GR_OK) {
        free(b);
        gr_model_free(m);
        return rc;
    }
    st->b = b;
    m->state = st;
    gr_model_set_info(m, "lambda", lambda);
    rc = gr_model_finish(m);
    if (rc != GR_OK) {
        gr_model_free(m);
        return rc;
    }
    *out = m;
    return GR_OK;
}
