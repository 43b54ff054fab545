/* Checkpoints of a fit: the shared file, and LightGCN / MF's state (train/checkpoint.h). */
#include "train/checkpoint.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
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
    int kg = t->kind >= GR_MODEL_TRANSE && t->kind <= GR_MODEL_COMPLEX;
    if (t->kind != GR_MODEL_LIGHTGCN && t->kind != GR_MODEL_MF && !kg)
        return gr_err(GR_EUNSUPPORTED,
                      "checkpoint %s: %s fits cannot checkpoint (LightGCN, MF, TransE, DistMult, RotatE and ComplEx can)",
                      t->ckpt_path, gr_model_kind_name(t->kind));
    if (gr_search_wanted(t))
        return gr_err(GR_EUNSUPPORTED, "checkpoint %s: a fit with a settings search (budget) cannot checkpoint",
                      t->ckpt_path);
    return GR_OK;
}

int gr_ckpt_refit_begin(gr_trainer *t, char **saved)
{
    *saved = t->ckpt_path;
    if (!t->ckpt_path) return GR_OK;
    static const char suffix[] = ".refit";
    size_t n = strlen(t->ckpt_path);
    char *path = gr_alloc(n + sizeof suffix, 1);
    if (!path) return GR_ENOMEM;
    memcpy(path, t->ckpt_path, n);
    memcpy(path + n, suffix, sizeof suffix);
    t->ckpt_path = path;
    return GR_OK;
}

void gr_ckpt_refit_end(gr_trainer *t, char *saved)
{
    if (t->ckpt_path != saved) free(t->ckpt_path);
    t->ckpt_path = saved;
}

/* Settings that do not change what a fit computes, and may differ on
 * resume (`shard`: how the ranks exchange rows, the same model). */
static int free_setting(const gr_opt_spec *s)
{
    return s->key == GR_OPT_THREADS || s->key == GR_OPT_TIME_LIMIT || strcmp(s->name, "shard") == 0;
}

/* ---- what the file was made from ---- */

gr_ckpt_data gr_ckpt_graph_data(const gr_graph *g, int valid)
{
    gr_ckpt_data id = { { 0, 0, 0, 0 },
                        valid ? "another validation graph" : "another training graph",
                        valid ? "a validation graph" : "a training graph",
                        { "users", "items", "interactions" } };
    if (g) {
        id.id[0] = gr_graph_fingerprint(g);
        id.id[1] = g->n_users;
        id.id[2] = g->n_items;
        id.id[3] = g->n_edges;
    }
    return id;
}

static void put_double(gr_writer *w, double v) { gr_writer_bytes(w, &v, sizeof v); }

static void write_id(gr_writer *w, const gr_trainer *t, size_t n, size_t d, const gr_ckpt_data data[2])
{
    gr_writer_begin(w, TAG_ID);
    gr_writer_u64(w, (uint64_t)t->kind);
    gr_writer_u64(w, n);
    gr_writer_u64(w, d);
    uint64_t ids[2][4];
    memcpy(ids[0], data[0].id, sizeof ids[0]);
    memcpy(ids[1], data[1].id, sizeof ids[1]);
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

/* The file's record of the data (there: fingerprint and sizes) against the
 * fit's; the sizes tell whether the data is missing on one side. */
static int data_differs(const char *path, const uint64_t there[4], const gr_ckpt_data *here)
{
    const uint64_t *h = here->id;
    if (!memcmp(there, h, sizeof here->id)) return GR_OK;
    if (!there[1] || !h[1])
        return gr_err(GR_EINVAL, "checkpoint %s: made %s %s, this fit has %s", path, there[1] ? "with" : "without",
                      here->some, h[1] ? "one" : "none");
    return gr_err(GR_EINVAL,
                  "checkpoint %s: made from %s (%llu %s, %llu %s, %llu %s there; %llu, %llu, %llu here%s)", path,
                  here->other, (unsigned long long)there[1], here->units[0], (unsigned long long)there[2],
                  here->units[1], (unsigned long long)there[3], here->units[2], (unsigned long long)h[1],
                  (unsigned long long)h[2], (unsigned long long)h[3],
                  !memcmp(there + 1, h + 1, 3 * sizeof *h) ? ", the same sizes, other contents" : "");
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

static int check_id(gr_reader *r, const gr_trainer *t, size_t n, size_t d, const gr_ckpt_data data[2])
{
    uint64_t kind = 0, fn = 0, fd = 0;
    GR_TRY(gr_reader_section(r, TAG_ID));
    GR_TRY(gr_reader_u64(r, &kind));
    GR_TRY(gr_reader_u64(r, &fn));
    GR_TRY(gr_reader_u64(r, &fd));
    if (kind != (uint64_t)t->kind) {
        const char *name = kind < 1000 ? gr_model_kind_name((int)kind) : NULL;
        return gr_err(GR_EINVAL, "checkpoint %s: made by a %s fit, this is a %s fit", r->path, name ? name : "unknown",
                      gr_model_kind_name(t->kind));
    }
    uint64_t there[2][4];
    GR_TRY(gr_reader_bytes(r, there, sizeof there));
    GR_TRY(data_differs(r->path, there[0], &data[0]));
    GR_TRY(data_differs(r->path, there[1], &data[1]));
    GR_TRY(check_settings(r, t));
    if (fn != n || fd != d)
        return gr_reader_fail(r, "parameters of %llu x %llu, the fit has %zu x %zu", (unsigned long long)fn,
                              (unsigned long long)fd, n, d);
    return GR_OK;
}

/* ---- the loop's state ---- */

static void write_head(gr_writer *w, const gr_trainer *t, size_t n, size_t d, const gr_ckpt_data data[2],
                       const gr_ckpt_loop *ls)
{
    write_id(w, t, n, d, data);
    gr_writer_begin(w, TAG_LOOP);
    gr_writer_bytes(w, ls, sizeof *ls);
    gr_writer_end(w);
}

static int read_head(gr_reader *r, const gr_trainer *t, size_t n, size_t d, const gr_ckpt_data data[2],
                     gr_ckpt_loop *ls)
{
    if (r->kind != CKPT_KIND) return gr_err(GR_EFORMAT, "%s: a gnnrec model file, not a checkpoint", r->path);
    GR_TRY(check_id(r, t, n, d, data));
    GR_TRY(gr_reader_section(r, TAG_LOOP));
    GR_TRY(gr_reader_bytes(r, ls, sizeof *ls));
    if (ls->epoch > INT32_MAX || ls->best_epoch > ls->epoch || ls->adam_t < 0)
        return gr_reader_fail(r, "epoch counters out of range");
    return GR_OK;
}

int gr_ckpt_due(const gr_trainer *t, int on, int epoch, int stop)
{
    return on && (stop || epoch % t->ckpt_every == 0);
}

void gr_ckpt_loop_save(gr_ckpt_loop *ls, const gr_fit_loop *L, int epoch, int stop, int64_t adam_t)
{
    gr_trainer *t = L->t;
    /* a fit the caller or the clock cut short goes on when resumed; one
     * that ran its epochs or stopped early by itself has ended */
    int cut = stop && gr_dist_any(gr_dist_of(t), t->stopped_by_caller || t->stopped_by_time);
    *ls = (gr_ckpt_loop){ (uint64_t)epoch,
                          (uint64_t)(epoch >= (int)gr_opt(t, GR_OPT_EPOCHS) || (stop && !cut)),
                          (uint64_t)L->best_epoch,
                          (uint64_t)L->evals_since_best,
                          L->best_valid,
                          L->last_loss,
                          t->stat_best_epoch,
                          t->stat_best_valid,
                          adam_t };
}

void gr_ckpt_loop_restore(const gr_ckpt_loop *ls, gr_fit_loop *L, int *epoch, int *done)
{
    gr_trainer *t = L->t;
    L->epoch = (int)ls->epoch;
    L->best_epoch = (int)ls->best_epoch;
    L->evals_since_best = (int)ls->evals_since_best;
    L->best_valid = ls->best_valid;
    L->last_loss = ls->last_loss;
    t->stat_epochs = (double)ls->epoch;
    t->stat_loss = ls->last_loss;
    t->stat_best_epoch = ls->stat_best_epoch;
    t->stat_best_valid = ls->stat_best_valid;
    *epoch = (int)ls->epoch;
    *done = ls->finished != 0;
}

/* ---- the state of a LightGCN / MF fit ---- */

/* A table of n x d floats: every row on every rank, or with sharded
 * each rank's rows [lo, hi) at rows. */
static void out_table(gr_ckpt_out *o, const float *rows, const gr_ckpt *c, int sharded)
{
    gr_ckpt_out_rows(o, rows, c->n, c->d * sizeof *rows, sharded);
}

/* sharded: the ranks hold their rows of the moments (and, as best_rows
 * and params_rows say, of the best and of the parameters); e0 and best
 * point at the rows the rank holds. */
static void write_state(gr_ckpt_out *o, const gr_ckpt *c, const float *e0, const float *best, int sharded)
{
    gr_ckpt_out_begin(o, TAG_PARAMS);
    out_table(o, e0, c, sharded && c->params_rows);
    gr_ckpt_out_end(o);
    if (best) {
        gr_ckpt_out_begin(o, TAG_BEST);
        out_table(o, best, c, sharded && c->best_rows);
        gr_ckpt_out_end(o);
    }
    gr_ckpt_out_begin(o, TAG_ADAM);
    out_table(o, c->adam->m, c, sharded);
    out_table(o, c->adam->v, c, sharded);
    gr_ckpt_out_end(o);
    if (c->order) {
        gr_ckpt_out_begin(o, TAG_ORDER);
        gr_ckpt_out_bytes(o, c->order, c->n_order * sizeof *c->order);
        gr_ckpt_out_end(o);
    }
}

/* What read_state fills: c's buffers, sharded as the write was. */
typedef struct lgcn_in {
    gr_ckpt *c;
    int sharded;
} lgcn_in;

static void read_state(gr_ckpt_in *in, void *ctx, const gr_ckpt_loop *ls)
{
    const lgcn_in *li = ctx;
    gr_ckpt *c = li->c;
    const int sharded = li->sharded;
    const size_t row = c->d * sizeof *c->e0;
    gr_ckpt_in_section(in, TAG_PARAMS);
    if (sharded && c->params_rows) gr_ckpt_in_rows(in, c->e0 + c->lo * c->d, c->n, row, 1);
    else gr_ckpt_in_bytes(in, c->e0, c->n * row);
    if (c->best) {
        gr_ckpt_in_section(in, TAG_BEST);
        gr_ckpt_in_rows(in, c->best, c->n, row, sharded && c->best_rows);
    }
    gr_ckpt_in_section(in, TAG_ADAM);
    gr_ckpt_in_rows(in, c->adam->m, c->n, row, sharded);
    gr_ckpt_in_rows(in, c->adam->v, c->n, row, sharded);
    c->adam->t = ls->adam_t;
    if (c->order) {
        gr_ckpt_in_section(in, TAG_ORDER);
        gr_ckpt_in_bytes(in, c->order, c->n_order * sizeof *c->order);
        for (size_t k = 0; k < c->n_order; k++)
            if (c->order[k] >= c->n_order) {
                gr_ckpt_in_fail(in, "edge %zu out of range", k);
                break;
            }
    }
}

/* ---- reading: rank 0 reads, the others receive what they hold ---- */

/* Whether the file exists (on rank 0): a missing file starts afresh, any
 * other trouble is for the reader to report. */
static int file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 || errno != ENOENT;
}

void gr_ckpt_in_section(gr_ckpt_in *in, uint32_t tag)
{
    if (in->r && in->rc == GR_OK && in->xrc == GR_OK) in->rc = gr_reader_section(in->r, tag);
}

/* Before each table: a failure so far on any rank (rank 0's reading, a
 * check) stops the reads on every rank, with the lowest failing rank's
 * message.  Collective. */
static int in_go_on(gr_ckpt_in *in)
{
    if (in->xrc == GR_OK) in->xrc = gr_dist_agree(in->dist, in->rc);
    return in->xrc == GR_OK;
}

int gr_ckpt_in_peek(gr_ckpt_in *in, uint32_t tag)
{
    if (!in_go_on(in)) return 0;
    int32_t here = in->r && gr_reader_peek(in->r, tag);
    in->xrc = gr_dist_bcast_bytes(in->dist, &here, sizeof here);
    return in->xrc == GR_OK && here;
}

void gr_ckpt_in_bytes(gr_ckpt_in *in, void *p, size_t n)
{
    if (in->r && in->rc == GR_OK && in->xrc == GR_OK) in->rc = gr_reader_bytes(in->r, p, n);
    if (in_go_on(in)) in->xrc = gr_dist_bcast_bytes(in->dist, p, n);
}

/* The next count rows of the table being read, from rank 0's reader
 * (gr_ckpt_in_rows checked that they are there). */
static int rows_in_reader(void *ctx, void *rows, size_t count)
{
    gr_ckpt_in *in = ctx;
    return gr_reader_bytes(in->r, rows, count * in->row_bytes);
}

void gr_ckpt_in_rows(gr_ckpt_in *in, void *rows, size_t nrows, size_t row_bytes, int sharded)
{
    if (!sharded) {
        gr_ckpt_in_bytes(in, rows, nrows * row_bytes);
        return;
    }
    /* a short table fails before any rank takes a row of it */
    if (in->r && in->rc == GR_OK && in->xrc == GR_OK && in->r->end - in->r->pos < nrows * row_bytes)
        in->rc = gr_reader_fail(in->r, "%zu rows of %zu bytes wanted", nrows, row_bytes);
    if (!in_go_on(in)) return;
    in->row_bytes = row_bytes;
    in->xrc = gr_dist_rows_from_root(in->dist, rows, nrows, row_bytes, rows_in_reader, in);
}

void gr_ckpt_in_fail(gr_ckpt_in *in, const char *fmt, ...)
{
    if (in->rc != GR_OK) return;
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    in->rc = in->r ? gr_reader_fail(in->r, "%s", msg) : gr_err(GR_ECORRUPT, "%s: %s", in->path, msg);
}

int gr_ckpt_in_agree(gr_ckpt_in *in, int rc)
{
    if (in->xrc == GR_OK) in->xrc = gr_dist_agree(in->dist, rc);
    return in->xrc;
}

/* ---- resuming and writing, for every kind ---- */

int gr_ckpt_load(const gr_trainer *t, size_t n, size_t d, const gr_ckpt_data data[2], gr_ckpt_read_fn read,
                 void *ctx, gr_ckpt_loop *ls, int *present)
{
    gr_dist *dist = gr_dist_of(t);
    const int root = !dist || dist->rank == 0;
    gr_reader r;
    memset(&r, 0, sizeof r);
    int32_t here = root ? file_exists(t->ckpt_path) : 0;
    int rc = root && here ? gr_reader_open(&r, t->ckpt_path) : GR_OK;
    if (rc == GR_OK && root && here) rc = read_head(&r, t, n, d, data, ls);
    rc = gr_dist_agree(dist, rc);
    /* whether there is a file, and the loop's state, to every rank */
    if (rc == GR_OK) rc = gr_dist_bcast_bytes(dist, &here, sizeof here);
    if (rc == GR_OK && here) rc = gr_dist_bcast_bytes(dist, ls, sizeof *ls);
    *present = rc == GR_OK && here;
    if (*present) {
        gr_ckpt_in in = { root ? &r : NULL, dist, t->ckpt_path, GR_OK, GR_OK, 0 };
        read(&in, ctx, ls);
        if (in.r && in.rc == GR_OK && in.xrc == GR_OK) in.rc = gr_reader_unchanged(in.r);
        rc = in.xrc != GR_OK ? in.xrc : gr_dist_agree(dist, in.rc);
    }
    gr_reader_close(&r);
    return rc;
}

void gr_ckpt_out_begin(gr_ckpt_out *o, uint32_t tag)
{
    if (o->w) gr_writer_begin(o->w, tag);
}

void gr_ckpt_out_end(gr_ckpt_out *o)
{
    if (o->w) gr_writer_end(o->w);
}

void gr_ckpt_out_bytes(gr_ckpt_out *o, const void *p, size_t n)
{
    if (o->w) gr_writer_bytes(o->w, p, n);
}

static void rows_to_writer(void *ctx, const void *rows, size_t count)
{
    const gr_ckpt_out *o = ctx;
    gr_writer_bytes(o->w, rows, count * o->row_bytes);
}

void gr_ckpt_out_rows(gr_ckpt_out *o, const void *rows, size_t nrows, size_t row_bytes, int sharded)
{
    if (!sharded) {
        gr_ckpt_out_bytes(o, rows, nrows * row_bytes);
        return;
    }
    if (o->rc != GR_OK) return;
    o->row_bytes = row_bytes;
    o->rc = gr_dist_rows_to_root(o->dist, rows, nrows, row_bytes, rows_to_writer, o);
}

int gr_ckpt_save(const gr_trainer *t, size_t n, size_t d, const gr_ckpt_data data[2], const gr_ckpt_loop *ls,
                 gr_ckpt_write_fn write, const void *ctx)
{
    gr_dist *dist = gr_dist_of(t);
    const int root = !dist || dist->rank == 0;
    gr_writer w;
    int rc = root ? gr_writer_open(&w, t->ckpt_path, CKPT_KIND) : GR_OK;
    if (rc != GR_OK) gr_err_prefix("writing the checkpoint");
    /* the other ranks learn whether there is a file to stream rows into */
    GR_TRY(gr_dist_agree(dist, rc));
    gr_ckpt_out o = { root ? &w : NULL, dist, GR_OK, 0 };
    if (root) write_head(&w, t, n, d, data, ls);
    write(&o, ctx);
    if (o.rc != GR_OK) {
        /* a failed exchange: its status is every rank's already */
        if (root) gr_writer_abort(&w);
        gr_err_prefix("writing the checkpoint");
        return o.rc;
    }
    rc = root ? gr_writer_commit(&w) : GR_OK;
    if (rc != GR_OK) gr_err_prefix("writing the checkpoint");
    return gr_dist_agree(dist, rc);
}

/* ---- LightGCN / MF ---- */

static void ckpt_data(gr_ckpt_data data[2], const gr_trainer *t, const gr_ckpt *c)
{
    data[0] = gr_ckpt_graph_data(c->g, 0);
    data[1] = gr_ckpt_graph_data(t->valid, 1);
}

/* Whether c's row tables are written and read a rank's rows at a time:
 * where any rank is short of rows.  The same choice on every rank, also
 * where one rank happens to own every row, and the same for the write and
 * the resume.  Collective. */
static int rows_sharded(const gr_trainer *t, const gr_ckpt *c)
{
    return gr_dist_any(gr_dist_of(t), c->hi - c->lo != c->n);
}

int gr_ckpt_resume(gr_ckpt *c, gr_fit_loop *L, int *epoch, int *done)
{
    gr_trainer *t = L->t;
    *epoch = 0;
    *done = 0;
    if (!c->on) return GR_OK;
    gr_ckpt_data data[2];
    ckpt_data(data, t, c);
    gr_ckpt_loop ls;
    int present = 0;
    lgcn_in li = { c, rows_sharded(t, c) };
    GR_TRY(gr_ckpt_load(t, c->n, c->d, data, read_state, &li, &ls, &present));
    if (present) gr_ckpt_loop_restore(&ls, L, epoch, done);
    return GR_OK;
}

typedef struct lgcn_out {
    const gr_ckpt *c;
    int sharded;
} lgcn_out;

static void write_lgcn(gr_ckpt_out *o, const void *ctx)
{
    const lgcn_out *lo = ctx;
    const gr_ckpt *c = lo->c;
    const float *e0 = lo->sharded && c->params_rows ? c->e0 + c->lo * c->d : c->e0;
    write_state(o, c, e0, c->best, lo->sharded);
}

int gr_ckpt_epoch(gr_ckpt *c, const gr_fit_loop *L, int epoch, int stop)
{
    gr_trainer *t = L->t;
    if (!gr_ckpt_due(t, c->on, epoch, stop)) return GR_OK;
    gr_ckpt_loop ls;
    gr_ckpt_loop_save(&ls, L, epoch, stop, c->adam->t);
    gr_ckpt_data data[2];
    ckpt_data(data, t, c);
    lgcn_out o = { c, rows_sharded(t, c) };
    return gr_ckpt_save(t, c->n, c->d, data, &ls, write_lgcn, &o);
}
