/* Built-in node features: column layout, rating statistics, row encoding. */
#include "features/features.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/mem.h"
#include "core/threads.h"
#include "io/model_file.h"

/* ---- statistics ---- */

/*
 * Hour of day and day of week (Monday 0) of a Unix time in seconds, UTC.
 * Any int64 is valid: the remainder is taken before anything is
 * multiplied, so INT64_MIN and INT64_MAX cannot overflow.
 */
static void hour_and_day(int64_t ts, int *hour, int *day)
{
    int64_t days = ts / 86400, secs = ts % 86400;
    if (secs < 0) { /* C rounds towards zero: step back one whole day */
        secs += 86400;
        days -= 1;
    }
    *hour = (int)(secs / 3600);
    /* 1970-01-01 was a Thursday; |days| < 2^47, so days + 3 fits */
    int64_t dow = (days + 3) % 7;
    *day = (int)(dow < 0 ? dow + 7 : dow);
}

void gr_node_stats_add(gr_node_stats *st, double rating, int64_t ts, int has_ts, int sign)
{
    float s = (float)sign;
    st->n += sign;
    st->sum += sign * rating;
    st->sumsq += sign * rating * rating;
    if (!has_ts) return;
    int hour, day;
    hour_and_day(ts, &hour, &day);
    st->hour[hour] += s;
    st->day[day] += s;
}

void gr_node_stats_of(gr_node_stats *st, const gr_graph *g, int type, size_t v)
{
    memset(st, 0, sizeof *st);
    const gr_csr *m = type == GR_NODE_USER ? &g->ui : &g->iu;
    int has_ts = type == GR_NODE_USER && g->has_ts && m->ts;
    for (int64_t k = m->ptr[v]; k < m->ptr[v + 1]; k++) gr_node_stats_add(st, gr_csr_val(m, k), has_ts ? m->ts[k] : 0, has_ts, 1);
}

/* ---- fitting the encoder ---- */

typedef struct moments {
    double n, s, s2;
} moments;

static void put(moments *m, double x)
{
    m->n += 1;
    m->s += x;
    m->s2 += x * x;
}

static void set_scale(gr_feat_spec *sp, int type, int col, const moments *m)
{
    double mean = m->n > 0 ? m->s / m->n : 0.0;
    double var = m->n > 1 ? m->s2 / m->n - mean * mean : 0.0;
    sp->mean[type][col] = mean;
    sp->std[type][col] = var > 1e-12 ? sqrt(var) : 1.0;
}

static void fit_user_scales(gr_feat_spec *sp, const gr_graph *g)
{
    moments age = { 0 }, cnt = { 0 }, mean = { 0 }, spread = { 0 };
    for (size_t u = 0; u < g->n_users; u++) {
        if (g->cat->age[u] >= 0) put(&age, g->cat->age[u]);
        gr_node_stats st;
        gr_node_stats_of(&st, g, GR_NODE_USER, u);
        if (st.n < 1) continue;
        put(&cnt, log1p(st.n));
        put(&mean, st.sum / st.n - sp->mu);
        if (st.n >= 2) {
            double m = st.sum / st.n;
            put(&spread, sqrt(fmax(st.sumsq / st.n - m * m, 0.0)));
        }
    }
    set_scale(sp, GR_NODE_USER, GR_FC_AGE, &age);
    set_scale(sp, GR_NODE_USER, GR_FC_COUNT, &cnt);
    set_scale(sp, GR_NODE_USER, GR_FC_MEAN, &mean);
    set_scale(sp, GR_NODE_USER, GR_FC_SPREAD, &spread);
}

static void fit_item_scales(gr_feat_spec *sp, const gr_graph *g)
{
    moments year = { 0 }, cnt = { 0 }, mean = { 0 };
    for (size_t i = 0; i < g->n_items; i++) {
        if (g->cat->year[i] > 0) put(&year, g->cat->year[i]);
        size_t deg = gr_csr_degree(&g->iu, i);
        if (deg == 0) continue;
        double s = 0;
        for (int64_t k = g->iu.ptr[i]; k < g->iu.ptr[i + 1]; k++) s += gr_csr_val(&g->iu, k);
        put(&cnt, log1p((double)deg));
        put(&mean, s / (double)deg - sp->mu);
    }
    set_scale(sp, GR_NODE_ITEM, GR_FC_YEAR, &year);
    set_scale(sp, GR_NODE_ITEM, GR_FC_COUNT, &cnt);
    set_scale(sp, GR_NODE_ITEM, GR_FC_MEAN, &mean);
}

static int any_demographics(const gr_catalog *c)
{
    for (size_t u = 0; u < c->users.n; u++)
        if (c->age[u] >= 0 || c->gender[u] || c->occupation[u] >= 0) return 1;
    return 0;
}

static int any_year(const gr_catalog *c)
{
    for (size_t i = 0; i < c->items.n; i++)
        if (c->year[i] > 0) return 1;
    return 0;
}

static void set_dims(gr_feat_spec *sp)
{
    sp->dim[GR_NODE_USER] = (sp->demographics ? 2 + sp->n_occupations : 0) + 1 + (sp->ratings ? 2 : 0) +
                            (sp->timestamps ? GR_FEAT_HOURS + GR_FEAT_DAYS : 0);
    sp->dim[GR_NODE_ITEM] = sp->n_genres + (sp->years ? 1 : 0) + 1 + (sp->ratings ? 1 : 0);
}

int gr_feat_spec_fit(gr_feat_spec *sp, const gr_graph *g)
{
    memset(sp, 0, sizeof *sp);
    for (int t = 0; t < 2; t++)
        for (int c = 0; c < GR_FC_N; c++) sp->std[t][c] = 1.0;
    sp->demographics = any_demographics(g->cat);
    sp->n_occupations = sp->demographics ? g->cat->n_occupations : 0;
    sp->ratings = g->has_ratings;
    sp->timestamps = g->has_ts && g->ui.ts != NULL;
    sp->n_genres = g->cat->n_genres;
    sp->years = any_year(g->cat);
    double s = 0;
    for (size_t k = 0; k < g->n_edges; k++) s += gr_csr_val(&g->ui, k);
    sp->mu = g->n_edges ? s / (double)g->n_edges : 0.0;
    fit_user_scales(sp, g);
    fit_item_scales(sp, g);
    set_dims(sp);
    return GR_OK;
}

/* ---- encoding ---- */

static float scaled(const gr_feat_spec *sp, int type, int col, double x)
{
    return (float)((x - sp->mean[type][col]) / sp->std[type][col]);
}

void gr_feat_user_row(const gr_feat_spec *sp, float *row, int age, char gender, int occupation, const gr_node_stats *st)
{
    const int T = GR_NODE_USER;
    size_t c = 0;
    memset(row, 0, sp->dim[T] * sizeof *row);
    if (sp->demographics) {
        row[c++] = age >= 0 ? scaled(sp, T, GR_FC_AGE, age) : 0.0f;
        row[c++] = gender == 'M' ? 1.0f : gender == 'F' ? -1.0f : 0.0f;
        if (occupation >= 0 && (size_t)occupation < sp->n_occupations) row[c + (size_t)occupation] = 1.0f;
        c += sp->n_occupations;
    }
    row[c++] = scaled(sp, T, GR_FC_COUNT, log1p(st->n));
    if (sp->ratings) {
        double m = st->n >= 1 ? st->sum / st->n : 0.0;
        row[c++] = st->n >= 1 ? scaled(sp, T, GR_FC_MEAN, m - sp->mu) : 0.0f;
        row[c++] = st->n >= 2 ? scaled(sp, T, GR_FC_SPREAD, sqrt(fmax(st->sumsq / st->n - m * m, 0.0))) : 0.0f;
    }
    if (sp->timestamps && st->n >= 1) {
        for (int h = 0; h < GR_FEAT_HOURS; h++) row[c + (size_t)h] = (float)(st->hour[h] / st->n);
        for (int d = 0; d < GR_FEAT_DAYS; d++) row[c + GR_FEAT_HOURS + (size_t)d] = (float)(st->day[d] / st->n);
    }
}

void gr_feat_item_row(const gr_feat_spec *sp, float *row, uint64_t genres, int year, const gr_node_stats *st)
{
    const int T = GR_NODE_ITEM;
    size_t c = 0;
    memset(row, 0, sp->dim[T] * sizeof *row);
    for (size_t gi = 0; gi < sp->n_genres; gi++) row[c++] = (genres >> gi) & 1 ? 1.0f : 0.0f;
    if (sp->years) row[c++] = year > 0 ? scaled(sp, T, GR_FC_YEAR, year) : 0.0f;
    row[c++] = scaled(sp, T, GR_FC_COUNT, log1p(st->n));
    if (sp->ratings) row[c++] = st->n >= 1 ? scaled(sp, T, GR_FC_MEAN, st->sum / st->n - sp->mu) : 0.0f;
}

void gr_feat_node_row(const gr_feat_spec *sp, float *row, const gr_graph *g, int type, size_t v, const gr_node_stats *st)
{
    const gr_catalog *c = g->cat;
    if (type == GR_NODE_USER) gr_feat_user_row(sp, row, c->age[v], c->gender[v], c->occupation[v], st);
    else gr_feat_item_row(sp, row, c->genres[v], c->year[v], st);
}

float *gr_feat_matrix(const gr_feat_spec *sp, const gr_graph *g, int type)
{
    size_t n = type == GR_NODE_USER ? g->n_users : g->n_items, d = sp->dim[type];
    float *x = gr_alloc_floats(n * d + 1);
    if (!x) return NULL;
    long nn = (long)n;
#pragma omp parallel for schedule(static) num_threads(gr_threads())
    for (long v = 0; v < nn; v++) {
        gr_node_stats st;
        gr_node_stats_of(&st, g, type, (size_t)v);
        gr_feat_node_row(sp, x + (size_t)v * d, g, type, (size_t)v, &st);
    }
    return x;
}

/* ---- the encoder in model files ---- */

static uint64_t bits_of(double x)
{
    uint64_t b;
    memcpy(&b, &x, sizeof b);
    return b;
}

static double double_of(uint64_t b)
{
    double x;
    memcpy(&x, &b, sizeof x);
    return x;
}

void gr_feat_spec_save(const gr_feat_spec *sp, gr_writer *w)
{
    uint64_t head[6] = { (uint64_t)sp->demographics, sp->n_occupations, (uint64_t)sp->ratings,
                         (uint64_t)sp->timestamps,   sp->n_genres,      (uint64_t)sp->years };
    for (int k = 0; k < 6; k++) gr_writer_u64(w, head[k]);
    gr_writer_u64(w, bits_of(sp->mu));
    for (int t = 0; t < 2; t++)
        for (int c = 0; c < GR_FC_N; c++) {
            gr_writer_u64(w, bits_of(sp->mean[t][c]));
            gr_writer_u64(w, bits_of(sp->std[t][c]));
        }
}

int gr_feat_spec_load(gr_feat_spec *sp, gr_reader *r)
{
    memset(sp, 0, sizeof *sp);
    uint64_t head[7];
    for (int k = 0; k < 7; k++) GR_TRY(gr_reader_u64(r, &head[k]));
    if (head[0] > 1 || head[1] > 32767 || head[2] > 1 || head[3] > 1 || head[4] > 64 || head[5] > 1)
        return gr_reader_fail(r, "feature encoder out of range");
    sp->demographics = (int)head[0];
    sp->n_occupations = head[1];
    sp->ratings = (int)head[2];
    sp->timestamps = (int)head[3];
    sp->n_genres = head[4];
    sp->years = (int)head[5];
    sp->mu = double_of(head[6]);
    for (int t = 0; t < 2; t++)
        for (int c = 0; c < GR_FC_N; c++) {
            uint64_t a, b;
            GR_TRY(gr_reader_u64(r, &a));
            GR_TRY(gr_reader_u64(r, &b));
            sp->mean[t][c] = double_of(a);
            sp->std[t][c] = double_of(b);
            if (!isfinite(sp->mean[t][c]) || !(sp->std[t][c] > 0) || !isfinite(sp->std[t][c]))
                return gr_reader_fail(r, "feature scale out of range");
        }
    set_dims(sp);
    return GR_OK;
}
