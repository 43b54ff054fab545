/* The public feature calls: built-in matrices, caller matrices for a trainer, a model's features. */
#include <gnnrec/features.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/mem.h"
#include "features/features.h"
#include "models/graphsage.h"
#include "train/trainer.h"

static int check_type(int type, const char *fn)
{
    if (type != GR_NODE_USER && type != GR_NODE_ITEM)
        return gr_err(GR_EINVAL, "%s: node type %d is neither GR_NODE_USER nor GR_NODE_ITEM", fn, type);
    return GR_OK;
}

int gr_features_dim(size_t *dim, const gr_graph *g, int type)
{
    if (!dim || !g) return gr_err(GR_EINVAL, "gr_features_dim: NULL argument");
    GR_TRY(check_type(type, "gr_features_dim"));
    gr_feat_spec s;
    GR_TRY(gr_feat_spec_fit(&s, g));
    *dim = s.dim[type];
    return GR_OK;
}

int gr_features_compute(float *out, size_t rows, size_t dim, const gr_graph *g, int type)
{
    if (!out || !g) return gr_err(GR_EINVAL, "gr_features_compute: NULL argument");
    GR_TRY(check_type(type, "gr_features_compute"));
    gr_feat_spec s;
    GR_TRY(gr_feat_spec_fit(&s, g));
    size_t n = type == GR_NODE_USER ? g->n_users : g->n_items;
    if (rows != n || dim != s.dim[type])
        return gr_err(GR_EINVAL, "gr_features_compute: %zu x %zu given, the graph's features are %zu x %zu", rows, dim, n, s.dim[type]);
    float *x = gr_feat_matrix(&s, g, type);
    if (!x) return GR_ENOMEM;
    memcpy(out, x, n * dim * sizeof *out);
    free(x);
    return GR_OK;
}

int gr_trainer_set_features(gr_trainer *t, int type, const float *x, size_t rows, size_t dim)
{
    if (!t) return gr_err(GR_EINVAL, "gr_trainer_set_features: NULL trainer");
    GR_TRY(check_type(type, "gr_trainer_set_features"));
    if (t->kind != GR_MODEL_GRAPHSAGE)
        return gr_err(GR_EUNSUPPORTED, "gr_trainer_set_features: %s models take no node features", gr_model_kind_name(t->kind));
    if (x && (rows == 0 || dim == 0)) return gr_err(GR_EINVAL, "gr_trainer_set_features: %zu x %zu matrix", rows, dim);
    float *copy = NULL;
    if (x) {
        if (rows > SIZE_MAX / dim) return gr_err(GR_EINVAL, "gr_trainer_set_features: %zu x %zu overflows", rows, dim);
        for (size_t k = 0; k < rows * dim; k++)
            if (!isfinite(x[k])) return gr_err(GR_EINVAL, "feature (%zu, %zu) is not a finite number", k / dim, k % dim);
        copy = gr_alloc(rows * dim, sizeof *copy);
        if (!copy) return GR_ENOMEM;
        memcpy(copy, x, rows * dim * sizeof *copy);
    }
    free(t->feat[type]);
    t->feat[type] = copy;
    t->feat_rows[type] = x ? rows : 0;
    t->feat_dim[type] = x ? dim : 0;
    return GR_OK;
}

static int sage_state(const gr_sage_state **s, const gr_model *m, int type, const char *fn)
{
    if (!m) return gr_err(GR_EINVAL, "%s: NULL model", fn);
    GR_TRY(check_type(type, fn));
    if (m->kind != GR_MODEL_GRAPHSAGE || !m->state)
        return gr_err(GR_EUNSUPPORTED, "%s: %s models have no node features", fn, gr_model_kind_name(m->kind));
    *s = (const gr_sage_state *)m->state;
    return GR_OK;
}

int gr_model_feature_dim(size_t *dim, const gr_model *m, int type)
{
    if (!dim) return gr_err(GR_EINVAL, "gr_model_feature_dim: NULL argument");
    const gr_sage_state *s = NULL;
    GR_TRY(sage_state(&s, m, type, "gr_model_feature_dim"));
    *dim = s->arch.feat[type];
    return GR_OK;
}

int gr_model_features(float *out, size_t rows, size_t dim, const gr_model *m, int type)
{
    if (!out) return gr_err(GR_EINVAL, "gr_model_features: NULL argument");
    const gr_sage_state *s = NULL;
    GR_TRY(sage_state(&s, m, type, "gr_model_features"));
    if (rows != s->arch.n[type] || dim != s->arch.feat[type])
        return gr_err(GR_EINVAL, "gr_model_features: %zu x %zu given, the model's features are %zu x %zu", rows, dim,
                      s->arch.n[type], s->arch.feat[type]);
    if (dim) memcpy(out, s->feat[type], rows * dim * sizeof *out);
    return GR_OK;
}
