/* Checkpoints of a knowledge-graph fit (train/kg_checkpoint.h). */
#include "train/kg_checkpoint.h"

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

/* A parameter table: its entity rows (each rank's own with sharded),
 * then its relation rows, which every rank takes. */
static void read_params(gr_ckpt_in *in, uint32_t tag, gr_kg_params *p, size_t n_ent, int sharded)
{
    gr_ckpt_in_section(in, tag);
    gr_ckpt_in_rows(in, p->ent, n_ent, p->L * sizeof *p->ent, sharded);
    gr_ckpt_in_bytes(in, p->rel, p->n_rel * p->LR * sizeof *p->rel);
    /* the derived tables (RotatE's cosines and sines) follow the relations */
    gr_kg_params_refresh(p);
}

/* Each of the n rows (global rows first, first + 1, ...) last moved at a
 * step in [0, step]. */
static void check_steps(gr_ckpt_in *in, const int64_t *last, size_t n, size_t first, int64_t step, const char *what)
{
    for (size_t k = 0; k < n; k++)
        if (last[k] < 0 || last[k] > step) {
            gr_ckpt_in_fail(in, "%s row %zu last moved at step %lld", what, first + k, (long long)last[k]);
            return;
        }
}

/* The best parameters' tables, made before they are read: this rank's
 * entity rows (sharded) or every row. */
static int best_tables(gr_kg_ckpt *c)
{
    const gr_kg_params *p = c->p;
    if (!c->sharded) return gr_kg_params_copy(c->best, p);
    if (c->best->ent) return GR_OK;
    return gr_kg_params_init(c->best, p->kind, p->dim, c->hi - c->lo, p->n_rel, p->gamma);
}

static void read_kg(gr_ckpt_in *in, void *ctx, const gr_ckpt_loop *ls)
{
    gr_kg_ckpt *c = ctx;
    gr_kg_params *p = c->p;
    const size_t n = p->n_ent, row = p->L * sizeof *c->m_ent, nr = p->n_rel * p->LR * sizeof *c->m_rel;
    read_params(in, TAG_ENT, p, n, 0);
    /* the best parameters are there once a validation improved */
    if (gr_ckpt_in_peek(in, TAG_BEST)) {
        if (!c->best) gr_ckpt_in_fail(in, "best parameters of a fit that does not validate");
        else if (gr_ckpt_in_agree(in, best_tables(c)) == GR_OK) read_params(in, TAG_BEST, c->best, n, c->sharded);
    }
    gr_ckpt_in_section(in, TAG_ADAM);
    gr_ckpt_in_rows(in, c->m_ent, n, row, c->sharded);
    gr_ckpt_in_rows(in, c->v_ent, n, row, c->sharded);
    gr_ckpt_in_bytes(in, c->m_rel, nr);
    gr_ckpt_in_bytes(in, c->v_rel, nr);
    gr_ckpt_in_section(in, TAG_LAST);
    gr_ckpt_in_rows(in, c->last_ent, n, sizeof *c->last_ent, c->sharded);
    check_steps(in, c->last_ent, c->hi - c->lo, c->lo, ls->adam_t, "entity");
    gr_ckpt_in_bytes(in, c->last_rel, p->n_rel * sizeof *c->last_rel);
    check_steps(in, c->last_rel, p->n_rel, 0, ls->adam_t, "relation");
    gr_ckpt_in_bytes(in, c->lr, sizeof *c->lr);
    *c->step = ls->adam_t;
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
    /* with `shard` each rank takes its slices of the entities' rows */
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
