/* Filters of gr_rec_options: versioned reading, item lists, application. */
#include "recommend/filter.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "core/sorted.h"
#include "core/err.h"
#include "core/mem.h"
#include "kernels/topk.h"

/* The size of the struct a caller of each version passes. */
static size_t options_size(unsigned int version)
{
    return version >= 2 ? sizeof(gr_rec_options) : offsetof(gr_rec_options, exclude_items);
}

static int check_options(const gr_rec_options *o)
{
    if (o->year_min && o->year_max && o->year_min > o->year_max)
        return gr_err(GR_EINVAL, "year range %d..%d is empty", o->year_min, o->year_max);
    if (o->has_min_score && isnan(o->min_score)) return gr_err(GR_EINVAL, "min_score is NaN");
    if (o->n_exclude_items && !o->exclude_items)
        return gr_err(GR_EINVAL, "gr_rec_options.exclude_items is NULL with n_exclude_items = %zu", o->n_exclude_items);
    if (o->n_only_items && !o->only_items)
        return gr_err(GR_EINVAL, "gr_rec_options.only_items is NULL with n_only_items = %zu", o->n_only_items);
    return GR_OK;
}

/* Ids the model does not know are skipped: a catalogue may list items
 * newer than the model, which it could not recommend anyway. */
static int map_lists(gr_rec_filter *f, const gr_model *m)
{
    const gr_rec_options *o = &f->o;
    if (o->only_items) {
        f->allowed = gr_zalloc(m->n_items ? m->n_items : 1, 1);
        if (!f->allowed) return GR_ENOMEM;
        for (size_t k = 0; k < o->n_only_items; k++) {
            int32_t i = gr_graph_item_index(m->graph, o->only_items[k]);
            if (i >= 0 && (size_t)i < m->n_items) f->allowed[i] = 1;
        }
    }
    if (o->n_exclude_items) {
        f->excluded = gr_alloc(o->n_exclude_items, sizeof *f->excluded);
        if (!f->excluded) return GR_ENOMEM;
        for (size_t k = 0; k < o->n_exclude_items; k++) {
            int32_t i = gr_graph_item_index(m->graph, o->exclude_items[k]);
            if (i >= 0 && (size_t)i < m->n_items) f->excluded[f->n_excluded++] = i;
        }
        /* ascending, so that a part of a row finds its own by bisection */
        qsort(f->excluded, f->n_excluded, sizeof *f->excluded, gr_cmp_i32);
    }
    return GR_OK;
}

int gr_rec_filter_init(gr_rec_filter *f, const gr_model *m, const gr_rec_options *opts)
{
    gr_rec_options defaults = GR_REC_OPTIONS_INIT;
    memset(f, 0, sizeof *f);
    f->o = defaults;
    if (opts) {
        if (opts->version < 1 || opts->version > GR_REC_OPTIONS_VERSION)
            return gr_err(GR_EINVAL, "gr_rec_options.version %u not supported (1..%d)", opts->version,
                          GR_REC_OPTIONS_VERSION);
        memcpy(&f->o, opts, options_size(opts->version));
    }
    f->predictions = 1;
    f->clamp = gr_model_rating_clamp(m);
    GR_TRY(check_options(&f->o));
    int rc = map_lists(f, m);
    if (rc != GR_OK) gr_rec_filter_free(f);
    return rc;
}

void gr_rec_filter_free(gr_rec_filter *f)
{
    free(f->allowed);
    free(f->excluded);
    f->allowed = NULL;
    f->excluded = NULL;
    f->n_excluded = 0;
}

void gr_rec_filter_apply_part(const gr_rec_filter *f, const gr_model *m, float *scores, size_t i0, size_t w)
{
    const gr_rec_options *o = &f->o;
    const gr_catalog *c = m->graph->cat;
    gr_mask_sorted_run(scores, f->excluded, gr_first_at_least(f->excluded, f->n_excluded, i0), f->n_excluded, i0, w);
    if (!f->allowed && !o->genres && !o->year_min && !o->year_max && !o->has_min_score && !o->least)
        return; /* the loop below would keep every score as it is */
    for (size_t j = 0; j < w; j++) {
        size_t i = i0 + j;
        float s = scores[j];
        if (!(s > -INFINITY)) continue;
        int keep = !f->allowed || f->allowed[i];
        if (o->genres && !(c->genres[i] & o->genres)) keep = 0;
        if (o->year_min && c->year[i] < o->year_min) keep = 0;
        if (o->year_max && (c->year[i] == 0 || c->year[i] > o->year_max)) keep = 0;
        if (o->has_min_score && (f->predictions ? gr_clamp_rating(&f->clamp, s) : s) < o->min_score) keep = 0;
        scores[j] = !keep ? -INFINITY : o->least ? -s : s;
    }
}

void gr_rec_filter_apply(const gr_rec_filter *f, const gr_model *m, float *scores)
{
    gr_rec_filter_apply_part(f, m, scores, 0, m->n_items);
}

size_t gr_rec_filter_emit(const gr_rec_filter *f, const gr_model *m, int32_t *idx, float *val, size_t n,
                          int64_t *items, float *out_scores)
{
    gr_topk_sort(idx, val, n);
    for (size_t r = 0; r < n; r++) {
        items[r] = m->graph->cat->items.ids[idx[r]];
        float v = f->o.least ? -val[r] : val[r];
        if (out_scores) out_scores[r] = f->predictions ? gr_clamp_rating(&f->clamp, v) : v;
    }
    return n;
}

size_t gr_rec_filter_select(const gr_rec_filter *f, const gr_model *m, float *scores, size_t k, int32_t *idx,
                            float *val, int64_t *items, float *out_scores)
{
    gr_rec_filter_apply(f, m, scores);
    size_t n = gr_topk_push(idx, val, 0, scores, 0, m->n_items, k);
    return gr_rec_filter_emit(f, m, idx, val, n, items, out_scores);
}
