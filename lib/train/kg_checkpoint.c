/* Checkpoints of a knowledge-graph fit (train/kg_checkpoint.h). */
#include "train/kg_checkpoint.h"

#include <string.h>

#include "core/err.h"
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

int gr_kg_ckpt_resume(gr_kg_ckpt *c, gr_fit_loop *L, int *epoch, int *done)
{
    *epoch = 0;
    *done = 0;
    if (!c->on) return GR_OK;
    gr_ckpt_data data[2];
    ckpt_data(data, c);
    gr_ckpt_loop ls;
    int present = 0;
    GR_TRY(gr_ckpt_load(L->t, c->p->n_ent, c->p->L, data, read_kg, c, &ls, &present));
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
