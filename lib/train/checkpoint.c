/* Checkpoints of a LightGCN / MF fit (train/checkpoint.h). */
#include "train/checkpoint.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/err.h"
#include "core/mem.h"
#include "dist/dist_train.h"
#include "io/model_file.h"
#include "models/model.h"
#include "train/search.h"

#define CKPT_KIND GR_FOURCC('C', 'K', 'P', 'T')
#define TAG_ID GR_FOURCC('C', 'K', 'I', 'D')     /* kind, shape, graphs, settings */
#define TAG_LOOP GR_FOURCC('C', 'K', 'L', 'P')   /* epochs, counters, Adam's step count */
#define TAG_PARAMS GR_FOURCC('C', 'K', 'P', 'A') /* e0 */
#define TAG_BEST GR_FOURCC('C', 'K', 'B', 'E')   /* best validated parameters (when validating) */
#define TAG_ADAM GR_FOURCC('C', 'K', 'A', 'D')   /* first, then second moments of all n rows */
#define TAG_ORDER GR_FOURCC('C', 'K', 'O', 'R')  /* the BPR sampler's edge order */

int gr_ckpt_supported(const gr_trainer *t)
{
    if (!t->ckpt_path) return GR_OK;
    if (t->kind != GR_MODEL_LIGHTGCN && t->kind != GR_MODEL_MF)
        return gr_err(GR_EUNSUPPORTED, "checkpoint %s: %s fits cannot checkpoint (LightGCN and MF can)", t->ckpt_path,
                      gr_model_kind_name(t->kind));
    if (gr_search_wanted(t))
        return gr_err(GR_EUNSUPPORTED, "checkpoint %s: a fit with a settings search (budget) cannot checkpoint",
                      t->ckpt_path);
    return GR_OK;
}

/* Settings that do not change what a fit computes, and may differ on
 * resume (`shard`: how the ranks exchange rows, the same model). */
static int free_setting(const gr_opt_spec *s)
{
    return s->key == GR_OPT_THREADS || s->key == GR_OPT_TIME_LIMIT || strcmp(s->name, "shard") == 0;
}

/* ---- what the file was made from ---- */

typedef struct graph_id {
    uint64_t hash, users, items, edges;
} graph_id;

static graph_id graph_id_of(const gr_graph *g)
{
    graph_id id = { 0, 0, 0, 0 };
    if (g) id = (graph_id){ gr_graph_fingerprint(g), g->n_users, g->n_items, g->n_edges };
    return id;
}

static void put_double(gr_writer *w, double v) { gr_writer_bytes(w, &v, sizeof v); }

static void write_id(gr_writer *w, const gr_trainer *t, const gr_ckpt *c)
{
    gr_writer_begin(w, TAG_ID);
    gr_writer_u64(w, (uint64_t)t->kind);
    gr_writer_u64(w, c->n);
    gr_writer_u64(w, c->d);
    graph_id ids[2] = { graph_id_of(c->g), graph_id_of(t->valid) };
    gr_writer_bytes(w, ids, sizeof ids);
    uint64_t count = 0;
    for (size_t k = 0; k < t->n_opts; k++) count += !free_setting(&t->spec[k]);
    gr_writer_u64(w, count);
    for (size_t k = 0; k < t->n_opts; k++) {
        if (free_setting(&t->spec[k])) continue;
        gr_writer_string(w, t->spec[k].name);
        put_double(w, t->val[k]);
    }
    gr_writer_end(w);
}

static int read_double(gr_reader *r, double *v) { return gr_reader_bytes(r, v, sizeof *v); }

static int graph_differs(const char *path, const char *which, const graph_id *there, const graph_id *here)
{
    if (!memcmp(there, here, sizeof *here)) return GR_OK;
    if (!there->users || !here->users)
        return gr_err(GR_EINVAL, "checkpoint %s: made %s a validation graph, this fit has %s", path,
                      there->users ? "with" : "without", here->users ? "one" : "none");
    return gr_err(GR_EINVAL,
                  "checkpoint %s: made from another %s graph (%llu users, %llu items, %llu interactions there; %llu, "
                  "%llu, %llu here%s)",
                  path, which, (unsigned long long)there->users, (unsigned long long)there->items,
                  (unsigned long long)there->edges, (unsigned long long)here->users, (unsigned long long)here->items,
                  (unsigned long long)here->edges,
                  there->users == here->users && there->items == here->items && there->edges == here->edges
                      ? ", the same sizes, other interactions"
                      : "");
}

/* The file's settings against t's: the first difference, by name. */
static int check_settings(gr_reader *r, const gr_trainer *t)
{
    uint64_t count = 0;
    GR_TRY(gr_reader_u64(r, &count));
    for (uint64_t q = 0; q < count; q++) {
        char *name = NULL;
        double there = 0;
        int rc = gr_reader_string(r, &name);
        if (rc == GR_OK && !name) rc = gr_reader_fail(r, "a setting without a name");
        if (rc == GR_OK) rc = read_double(r, &there);
        if (rc != GR_OK) {
            free(name);
            return rc;
        }
        int k = gr_opt_index(t, name);
        if (k < 0) rc = gr_err(GR_EINVAL, "checkpoint %s: made with setting '%s', which %s fits lack", r->path, name,
                               gr_model_kind_name(t->kind));
        else if (memcmp(&there, &t->val[k], sizeof there) != 0)
            rc = gr_err(GR_EINVAL, "checkpoint %s: made with other settings: '%s' is %.17g there, %.17g here", r->path,
                        name, there, t->val[k]);
        free(name);
        GR_TRY(rc);
    }
    uint64_t here = 0;
    for (size_t k = 0; k < t->n_opts; k++) here += !free_setting(&t->spec[k]);
    if (here != count)
        return gr_err(GR_EINVAL, "checkpoint %s: made with %llu settings, this fit has %llu (another library version?)",
                      r->path, (unsigned long long)count, (unsigned long long)here);
    return GR_OK;
}

static int check_id(gr_reader *r, const gr_trainer *t, const gr_ckpt *c)
{
    uint64_t kind = 0, n = 0, d = 0;
    GR_TRY(gr_reader_section(r, TAG_ID));
    GR_TRY(gr_reader_u64(r, &kind));
    GR_TRY(gr_reader_u64(r, &n));
    GR_TRY(gr_reader_u64(r, &d));
    if (kind != (uint64_t)t->kind) {
        const char *name = kind < 1000 ? gr_model_kind_name((int)kind) : NULL;
        return gr_err(GR_EINVAL, "checkpoint %s: made by a %s fit, this is a %s fit", r->path, name ? name : "unknown",
                      gr_model_kind_name(t->kind));
    }
    graph_id there[2], here[2] = { graph_id_of(c->g), graph_id_of(t->valid) };
    GR_TRY(gr_reader_bytes(r, there, sizeof there));
    GR_TRY(graph_differs(r->path, "training", &there[0], &here[0]));
    GR_TRY(graph_differs(r->path, "validation", &there[1], &here[1]));
    GR_TRY(check_settings(r, t));
    if (n != c->n || d != c->d)
        return gr_reader_fail(r, "parameters of %llu x %llu, the fit has %zu x %zu", (unsigned long long)n,
                              (unsigned long long)d, c->n, c->d);
    return GR_OK;
}

/* ---- the state ---- */

/* The loop's counters and the statistics a resumed fit reports. */
typedef struct loop_state {
    uint64_t epoch, finished, best_epoch, evals_since_best;
    double best_valid, last_loss, stat_best_epoch, stat_best_valid;
    int64_t adam_t;
} loop_state;

static void write_state(gr_writer *w, const gr_ckpt *c, const loop_state *ls, const float *m, const float *v)
{
    gr_writer_begin(w, TAG_LOOP);
    gr_writer_bytes(w, ls, sizeof *ls);
    gr_writer_end(w);
    gr_writer_begin(w, TAG_PARAMS);
    gr_writer_floats(w, c->e0, c->n * c->d);
    gr_writer_end(w);
    if (c->best) {
        gr_writer_begin(w, TAG_BEST);
        gr_writer_floats(w, c->best, c->n * c->d);
        gr_writer_end(w);
    }
    gr_writer_begin(w, TAG_ADAM);
    gr_writer_floats(w, m, c->n * c->d);
    gr_writer_floats(w, v, c->n * c->d);
    gr_writer_end(w);
    if (c->order) {
        gr_writer_begin(w, TAG_ORDER);
        gr_writer_i32s(w, (const int32_t *)c->order, c->n_order);
        gr_writer_end(w);
    }
}

/* Rows [lo, hi) of the next n x d floats of the section. */
static int read_rows(gr_reader *r, float *dst, size_t n, size_t d, size_t lo, size_t hi)
{
    if (r->end - r->pos < n * d * sizeof *dst) return gr_reader_fail(r, "%zu x %zu floats wanted", n, d);
    r->pos += lo * d * sizeof *dst;
    GR_TRY(gr_reader_floats(r, dst, (hi - lo) * d));
    r->pos += (n - hi) * d * sizeof *dst;
    return GR_OK;
}

static int read_state(gr_reader *r, gr_ckpt *c, loop_state *ls)
{
    const size_t nd = c->n * c->d;
    GR_TRY(gr_reader_section(r, TAG_LOOP));
    GR_TRY(gr_reader_bytes(r, ls, sizeof *ls));
    if (ls->epoch > INT32_MAX || ls->best_epoch > ls->epoch || ls->adam_t < 0)
        return gr_reader_fail(r, "epoch counters out of range");
    GR_TRY(gr_reader_section(r, TAG_PARAMS));
    GR_TRY(gr_reader_floats(r, c->e0, nd));
    if (c->best) {
        GR_TRY(gr_reader_section(r, TAG_BEST));
        GR_TRY(gr_reader_floats(r, c->best, nd));
    }
    GR_TRY(gr_reader_section(r, TAG_ADAM));
    GR_TRY(read_rows(r, c->adam->m, c->n, c->d, c->lo, c->hi));
    GR_TRY(read_rows(r, c->adam->v, c->n, c->d, c->lo, c->hi));
    c->adam->t = ls->adam_t;
    if (c->order) {
        GR_TRY(gr_reader_section(r, TAG_ORDER));
        GR_TRY(gr_reader_i32s(r, (int32_t *)c->order, c->n_order));
        for (size_t k = 0; k < c->n_order; k++)
            if (c->order[k] >= c->n_order) return gr_reader_fail(r, "edge %zu out of range", k);
    }
    return GR_OK;
}

/* ---- reading: rank 0 reads, every rank parses the same bytes ---- */

/* Whether the file exists (on rank 0): a missing file starts afresh, any
 * other trouble is for the reader to report. */
static int file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 || errno != ENOENT;
}

/* The checkpoint's bytes on every rank into *r; *present 0 when there is
 * no file.  Collective. */
static int open_everywhere(gr_reader *r, gr_dist *dist, const char *path, int *present)
{
    const int root = !dist || dist->rank == 0;
    memset(r, 0, sizeof *r);
    uint64_t here = root ? (uint64_t)file_exists(path) : 0, flags[1] = { 0 };
    int rc = root && here ? gr_reader_open(r, path) : GR_OK;
    rc = gr_dist_agree(dist, rc);
    if (rc != GR_OK) return rc;
    if (!dist || dist->size == 1) {
        *present = (int)here;
        return GR_OK;
    }
    uint64_t *all = gr_alloc((size_t)dist->size, sizeof *all);
    if (!all) return gr_dist_agree(dist, GR_ENOMEM);
    rc = gr_dist_allgather_u64(dist, root ? r->size + here * ((uint64_t)1 << 63) : 0, all);
    flags[0] = all[0];
    *present = (int)(flags[0] >> 63);
    size_t size = (size_t)(flags[0] & ~((uint64_t)1 << 63));
    if (rc == GR_OK && *present) {
        /* only rank 0 sends: a broadcast of its bytes */
        for (int q = 1; q < dist->size; q++) all[q] = 0;
        all[0] = size;
        unsigned char *data = root ? r->data : gr_alloc(size ? size : 1, 1);
        rc = gr_dist_agree(dist, data ? GR_OK : GR_ENOMEM);
        if (rc == GR_OK) rc = gr_dist_allgather_bytes(dist, data, data, all);
        if (!root && rc == GR_OK) rc = gr_reader_open_bytes(r, path, data, size);
        else if (!root) free(data);
        rc = gr_dist_agree(dist, rc);
    }
    free(all);
    return rc;
}

int gr_ckpt_resume(gr_ckpt *c, gr_fit_loop *L, int *epoch, int *done)
{
    gr_trainer *t = L->t;
    *epoch = 0;
    *done = 0;
    if (!c->on) return GR_OK;
    gr_dist *dist = gr_dist_of(t);
    gr_reader r;
    int present = 0;
    int rc = open_everywhere(&r, dist, t->ckpt_path, &present);
    if (rc != GR_OK || !present) {
        gr_reader_close(&r);
        return rc;
    }
    loop_state ls;
    if (r.kind != CKPT_KIND) rc = gr_err(GR_EFORMAT, "%s: a gnnrec model file, not a checkpoint", t->ckpt_path);
    if (rc == GR_OK) rc = check_id(&r, t, c);
    if (rc == GR_OK) rc = read_state(&r, c, &ls);
    gr_reader_close(&r);
    /* every rank parsed the same bytes: only an allocation can differ */
    rc = gr_dist_agree(dist, rc);
    if (rc != GR_OK) return rc;
    L->epoch = (int)ls.epoch;
    L->best_epoch = (int)ls.best_epoch;
    L->evals_since_best = (int)ls.evals_since_best;
    L->best_valid = ls.best_valid;
    L->last_loss = ls.last_loss;
    t->stat_epochs = (double)ls.epoch;
    t->stat_loss = ls.last_loss;
    t->stat_best_epoch = ls.stat_best_epoch;
    t->stat_best_valid = ls.stat_best_valid;
    *epoch = (int)ls.epoch;
    *done = ls.finished != 0;
    return GR_OK;
}

/* ---- writing: the moments gathered, rank 0 writes ---- */

/* All n rows of the moments on every rank (the sharded driver's ranks own
 * rows [lo, hi) of them): into *m and *v, malloc'ed when gathered. */
static int full_moments(const gr_ckpt *c, gr_dist *dist, float **m, float **v)
{
    const size_t d = c->d, nd = c->n * d;
    *m = c->adam->m;
    *v = c->adam->v;
    if (c->hi - c->lo == c->n) return GR_OK;
    float *fm = gr_alloc_floats(nd ? nd : 1), *fv = gr_alloc_floats(nd ? nd : 1);
    int rc = fm && fv ? GR_OK : GR_ENOMEM;
    rc = gr_dist_agree(dist, rc);
    if (rc == GR_OK) {
        memcpy(fm + c->lo * d, c->adam->m, (c->hi - c->lo) * d * sizeof *fm);
        memcpy(fv + c->lo * d, c->adam->v, (c->hi - c->lo) * d * sizeof *fv);
        rc = gr_dist_allgather_rows(dist, fm, c->n, d);
        if (rc == GR_OK) rc = gr_dist_allgather_rows(dist, fv, c->n, d);
    }
    *m = fm;
    *v = fv;
    return rc;
}

static int write_file(const gr_trainer *t, const gr_ckpt *c, const loop_state *ls, const float *m, const float *v)
{
    gr_writer w;
    int rc = gr_writer_open(&w, t->ckpt_path, CKPT_KIND);
    if (rc == GR_OK) {
        write_id(&w, t, c);
        write_state(&w, c, ls, m, v);
        rc = gr_writer_commit(&w);
    }
    if (rc != GR_OK) gr_err_prefix("writing the checkpoint");
    return rc;
}

int gr_ckpt_epoch(gr_ckpt *c, const gr_fit_loop *L, int epoch, int stop)
{
    gr_trainer *t = L->t;
    if (!c->on || !(stop || epoch % t->ckpt_every == 0)) return GR_OK;
    gr_dist *dist = gr_dist_of(t);
    /* a fit the caller or the clock cut short goes on when resumed; one
     * that ran its epochs or stopped early by itself has ended */
    int cut = stop && gr_dist_any(dist, t->stopped_by_caller || t->stopped_by_time);
    loop_state ls = { (uint64_t)epoch,
                      (uint64_t)(epoch >= (int)gr_opt(t, GR_OPT_EPOCHS) || (stop && !cut)),
                      (uint64_t)L->best_epoch,
                      (uint64_t)L->evals_since_best,
                      L->best_valid,
                      L->last_loss,
                      t->stat_best_epoch,
                      t->stat_best_valid,
                      c->adam->t };
    float *m = NULL, *v = NULL;
    int rc = full_moments(c, dist, &m, &v);
    if (rc == GR_OK && (!dist || dist->rank == 0)) rc = write_file(t, c, &ls, m, v);
    if (m != c->adam->m) free(m);
    if (v != c->adam->v) free(v);
    return gr_dist_agree(dist, rc);
}
