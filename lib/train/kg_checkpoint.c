/* Checkpoints of a knowledge-graph fit (train/kg_checkpoint.h). */
#include "train/kg_checkpoint.h"

#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/mem.h"
#include "dist/dist.h"
#include "dist/dist_train.h"

#define TAG_ENT GR_FOURCC('C', 'K', 'K', 'E')   /* entity, then relation parameters */
#define TAG_BEST GR_FOURCC('C', 'K', 'K', 'B')  /* best validated entity, relation parameters */
#define TAG_ADAM GR_FOURCC('C', 'K', 'K', 'A')  /* m, v of the entities, then of the relations */
#define TAG_LAST GR_FOURCC('C', 'K', 'K', 'L')  /* last step of each entity, relation; last lr */

gr_ckpt_data gr_kg_ckpt_data(const gr_kg *kg, int valid)
{
    gr_ckpt_data id = { { 0, 0, 0, 0 },
                        valid ? "other validation triples" : "other training triples",
                        valid ? "validation triples" : "training triples",
                        { "entities", "relations", "triples" } };
    if (kg) {
        id.id[0] = gr_triples_fingerprint(kg->h, kg->r, kg->t, kg->n);
        id.id[1] = kg->n_ent;
        id.id[2] = kg->n_rel;
        id.id[3] = kg->n;
    }
    return id;
}

static void ckpt_data(gr_ckpt_data data[2], const gr_kg_ckpt *c)
{
    data[0] = gr_kg_ckpt_data(c->kg, 0);
    data[1] = c->valid;
}

static void write_params(gr_writer *w, uint32_t tag, const gr_kg_params *p)
{
    gr_writer_begin(w, tag);
    gr_writer_floats(w, p->ent, p->n_ent * p->L);
    gr_writer_floats(w, p->rel, p->n_rel * p->LR);
    gr_writer_end(w);
}

static void write_kg(gr_writer *w, const void *ctx)
{
    const gr_kg_ckpt *c = ctx;
    const gr_kg_params *p = c->p;
    const size_t ne = p->n_ent * p->L, nr = p->n_rel * p->LR;
    write_params(w, TAG_ENT, p);
    if (c->best && c->best->ent) write_params(w, TAG_BEST, c->best);
    gr_writer_begin(w, TAG_ADAM);
    gr_writer_floats(w, c->m_ent, ne);
    gr_writer_floats(w, c->v_ent, ne);
    gr_writer_floats(w, c->m_rel, nr);
    gr_writer_floats(w, c->v_rel, nr);
    gr_writer_end(w);
    gr_writer_begin(w, TAG_LAST);
    gr_writer_i64s(w, c->last_ent, p->n_ent);
    gr_writer_i64s(w, c->last_rel, p->n_rel);
    gr_writer_bytes(w, c->lr, sizeof *c->lr);
    gr_writer_end(w);
}

static int read_params(gr_reader *r, uint32_t tag, gr_kg_params *p)
{
    GR_TRY(gr_reader_section(r, tag));
    GR_TRY(gr_reader_floats(r, p->ent, p->n_ent * p->L));
    GR_TRY(gr_reader_floats(r, p->rel, p->n_rel * p->LR));
    /* the derived tables (RotatE's cosines and sines) follow the relations */
    gr_kg_params_refresh(p);
    return GR_OK;
}

static int read_steps(gr_reader *r, int64_t *last, size_t n, int64_t step)
{
    GR_TRY(gr_reader_i64s(r, last, n));
    for (size_t k = 0; k < n; k++)
        if (last[k] < 0 || last[k] > step) return gr_reader_fail(r, "row %zu last moved at step %lld", k, (long long)last[k]);
    return GR_OK;
}

static int read_kg(gr_reader *r, void *ctx, const gr_ckpt_loop *ls)
{
    gr_kg_ckpt *c = ctx;
    gr_kg_params *p = c->p;
    const size_t ne = p->n_ent * p->L, nr = p->n_rel * p->LR;
    GR_TRY(read_params(r, TAG_ENT, p));
    if (gr_reader_peek(r, TAG_BEST)) {
        /* the best parameters are there once a validation improved */
        if (!c->best) return gr_reader_fail(r, "best parameters of a fit that does not validate");
        GR_TRY(gr_kg_params_copy(c->best, p));
        GR_TRY(read_params(r, TAG_BEST, c->best));
    }
    GR_TRY(gr_reader_section(r, TAG_ADAM));
    GR_TRY(gr_reader_floats(r, c->m_ent, ne));
    GR_TRY(gr_reader_floats(r, c->v_ent, ne));
    GR_TRY(gr_reader_floats(r, c->m_rel, nr));
    GR_TRY(gr_reader_floats(r, c->v_rel, nr));
    GR_TRY(gr_reader_section(r, TAG_LAST));
    GR_TRY(read_steps(r, c->last_ent, p->n_ent, ls->adam_t));
    GR_TRY(read_steps(r, c->last_rel, p->n_rel, ls->adam_t));
    GR_TRY(gr_reader_bytes(r, c->lr, sizeof *c->lr));
    *c->step = ls->adam_t;
    return GR_OK;
}

/* With `shard`: whole tables standing in for the slices while a file is
 * written or read, and a view of the state that points at them. */
typedef struct whole_tables {
    gr_kg_ckpt view;
    gr_kg_params best;
    float *m, *v;
    int64_t *last;
} whole_tables;

static void whole_free(whole_tables *W)
{
    free(W->m);
    free(W->v);
    free(W->last);
    gr_kg_params_free(&W->best);
}

/* The whole tables of c's state (the best's allocated when with_best;
 * a read allocates them itself).  Agreed over the ranks. */
static int whole_init(whole_tables *W, const gr_kg_ckpt *c, gr_dist *d, int with_best)
{
    memset(W, 0, sizeof *W);
    const gr_kg_params *p = c->p;
    W->m = gr_alloc_floats(p->n_ent * p->L + 1);
    W->v = gr_alloc_floats(p->n_ent * p->L + 1);
    W->last = gr_zalloc(p->n_ent + 1, sizeof *W->last);
    int rc = W->m && W->v && W->last ? GR_OK : GR_ENOMEM;
    if (rc == GR_OK && with_best) rc = gr_kg_params_init(&W->best, p->kind, p->dim, p->n_ent, p->n_rel, p->gamma);
    W->view = *c;
    W->view.m_ent = W->m;
    W->view.v_ent = W->v;
    W->view.last_ent = W->last;
    W->view.best = c->best ? &W->best : NULL;
    W->view.sharded = 0;
    W->view.lo = 0;
    W->view.hi = p->n_ent;
    return gr_dist_agree(d, rc);
}

/* The ranks' slices into the whole tables, on every rank.  Collective. */
static int gather_slices(whole_tables *W, const gr_kg_ckpt *c, gr_dist *d)
{
    const gr_kg_params *p = c->p;
    const size_t L = p->L, own = c->hi - c->lo;
    memcpy(W->m + c->lo * L, c->m_ent, own * L * sizeof *W->m);
    memcpy(W->v + c->lo * L, c->v_ent, own * L * sizeof *W->v);
    memcpy(W->last + c->lo, c->last_ent, own * sizeof *W->last);
    int rc = gr_dist_allgather_rows(d, W->m, p->n_ent, L);
    if (rc == GR_OK) rc = gr_dist_allgather_rows(d, W->v, p->n_ent, L);
    if (rc == GR_OK) rc = gr_dist_allgather_rows_bytes(d, W->last, p->n_ent, sizeof *W->last);
    if (rc == GR_OK && W->best.ent) {
        gr_kg_params_copy_rows(&W->best, c->lo, c->best, 0, own);
        rc = gr_dist_allgather_rows(d, W->best.ent, p->n_ent, L);
    }
    return rc;
}

/* This rank's slices of the whole tables a resume read.  Agreed. */
static int keep_slices(gr_kg_ckpt *c, const whole_tables *W, gr_dist *d)
{
    const gr_kg_params *p = c->p;
    const size_t L = p->L, own = c->hi - c->lo;
    memcpy(c->m_ent, W->m + c->lo * L, own * L * sizeof *c->m_ent);
    memcpy(c->v_ent, W->v + c->lo * L, own * L * sizeof *c->v_ent);
    memcpy(c->last_ent, W->last + c->lo, own * sizeof *c->last_ent);
    int rc = GR_OK;
    if (W->best.ent) {
        if (!c->best->ent) rc = gr_kg_params_init(c->best, p->kind, p->dim, own, p->n_rel, p->gamma);
        if (rc == GR_OK) gr_kg_params_copy_rows(c->best, 0, &W->best, c->lo, own);
    }
    return gr_dist_agree(d, rc);
}

int gr_kg_ckpt_resume(gr_kg_ckpt *c, gr_fit_loop *L, int *epoch, int *done)
{
    *epoch = 0;
    *done = 0;
    if (!c->on) return GR_OK;
    gr_ckpt_data data[2];
    ckpt_data(data, c);
    gr_ckpt_loop ls;
    int present = 0;
    if (!c->sharded) {
        GR_TRY(gr_ckpt_load(L->t, c->p->n_ent, c->p->L, data, read_kg, c, &ls, &present));
    } else {
        gr_dist *d = gr_dist_of(L->t);
        whole_tables W;
        int rc = whole_init(&W, c, d, 0);
        if (rc == GR_OK) rc = gr_ckpt_load(L->t, c->p->n_ent, c->p->L, data, read_kg, &W.view, &ls, &present);
        if (rc == GR_OK && present) rc = keep_slices(c, &W, d);
        whole_free(&W);
        GR_TRY(rc);
    }
    if (present) gr_ckpt_loop_restore(&ls, L, epoch, done);
    return GR_OK;
}

int gr_kg_ckpt_epoch(gr_kg_ckpt *c, const gr_fit_loop *L, int epoch, int stop)
{
    if (!gr_ckpt_due(L->t, c->on, epoch, stop)) return GR_OK;
    gr_ckpt_loop ls;
    gr_ckpt_loop_save(&ls, L, epoch, stop, *c->step);
    gr_ckpt_data data[2];
    ckpt_data(data, c);
    if (!c->sharded) return gr_ckpt_save(L->t, c->p->n_ent, c->p->L, data, &ls, write_kg, c);
    gr_dist *d = gr_dist_of(L->t);
    whole_tables W;
    int rc = whole_init(&W, c, d, c->best && c->best->ent);
    if (rc == GR_OK) rc = gather_slices(&W, c, d);
    if (rc == GR_OK) rc = gr_ckpt_save(L->t, c->p->n_ent, c->p->L, data, &ls, write_kg, &W.view);
    whole_free(&W);
    return rc;
}
