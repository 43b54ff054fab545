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

/* A parameter table's entity rows (each rank's own with sharded, the
 * best's under `shard`), then its relation rows, which every rank holds. */
static void write_params(gr_ckpt_out *o, uint32_t tag, const gr_kg_params *p, size_t n_ent, int sharded)
{
    gr_ckpt_out_begin(o, tag);
    gr_ckpt_out_rows(o, p->ent, n_ent, p->L * sizeof *p->ent, sharded);
    gr_ckpt_out_bytes(o, p->rel, p->n_rel * p->LR * sizeof *p->rel);
    gr_ckpt_out_end(o);
}

static void write_kg(gr_ckpt_out *o, const void *ctx)
{
    const gr_kg_ckpt *c = ctx;
    const gr_kg_params *p = c->p;
    const size_t n = p->n_ent, row = p->L * sizeof *c->m_ent, nr = p->n_rel * p->LR * sizeof *c->m_rel;
    write_params(o, TAG_ENT, p, n, 0);
    if (c->best && c->best->ent) write_params(o, TAG_BEST, c->best, n, c->sharded);
    gr_ckpt_out_begin(o, TAG_ADAM);
    gr_ckpt_out_rows(o, c->m_ent, n, row, c->sharded);
    gr_ckpt_out_rows(o, c->v_ent, n, row, c->sharded);
    gr_ckpt_out_bytes(o, c->m_rel, nr);
    gr_ckpt_out_bytes(o, c->v_rel, nr);
    gr_ckpt_out_end(o);
    gr_ckpt_out_begin(o, TAG_LAST);
    gr_ckpt_out_rows(o, c->last_ent, n, sizeof *c->last_ent, c->sharded);
    gr_ckpt_out_bytes(o, c->last_rel, p->n_rel * sizeof *c->last_rel);
    gr_ckpt_out_bytes(o, c->lr, sizeof *c->lr);
    gr_ckpt_out_end(o);
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
 * read, and a view of the state that points at them (a write streams the
 * slices, write_kg). */
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

/* The whole tables of c's state (the read allocates the best's itself).
 * Agreed over the ranks. */
static int whole_init(whole_tables *W, const gr_kg_ckpt *c, gr_dist *d)
{
    memset(W, 0, sizeof *W);
    const gr_kg_params *p = c->p;
    W->m = gr_alloc_floats(p->n_ent * p->L + 1);
    W->v = gr_alloc_floats(p->n_ent * p->L + 1);
    W->last = gr_zalloc(p->n_ent + 1, sizeof *W->last);
    int rc = W->m && W->v && W->last ? GR_OK : GR_ENOMEM;
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
        int rc = whole_init(&W, c, d);
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
    return gr_ckpt_save(L->t, c->p->n_ent, c->p->L, data, &ls, write_kg, c);
}
