/* Rating metrics over the edges of a test graph. */
#include <math.h>
#include <stdlib.h>

#include "core/err.h"
#include "core/threads.h"
#include "eval/ranking.h"
#include "kernels/dense.h"
#include "models/model.h"

int gr_eval_rating(double *rmse, double *mae, const gr_model *m, const gr_graph *test)
{
    if (!rmse || !mae || !m || !test) return gr_err(GR_EINVAL, "gr_eval_rating: NULL argument");
    if (!test->has_ratings) return gr_err(GR_ESTATE, "gr_eval_rating: the test graph has no ratings");
    if (test->cat != m->graph->cat) return gr_err(GR_EINVAL, "the test graph is not in the model's id space: load it with gr_graph_load_like()");
    if (m->ops && m->ops->score_items) return gr_err(GR_EUNSUPPORTED, "gr_eval_rating: %s models do not predict ratings", gr_model_kind_name(m->kind));
    gr_rating_clamp clamp = gr_model_rating_clamp(m);
    double se = 0.0, ae = 0.0;
    long nu = (long)test->n_users;
#pragma omp parallel for schedule(static) reduction(+ : se, ae) num_threads(gr_threads())
    for (long u = 0; u < nu; u++) {
        const float *uv = m->user_vec + (size_t)u * m->dim;
        float base = (m->user_bias ? m->user_bias[u] : 0.0f) + m->global_bias;
        for (int64_t k = test->ui.ptr[u]; k < test->ui.ptr[u + 1]; k++) {
            int32_t i = test->ui.col[k];
            double pred = gr_clamp_rating(&clamp, base + gr_dot(uv, m->item_vec + (size_t)i * m->dim, m->dim) +
                                                       (m->item_bias ? m->item_bias[i] : 0.0f));
            double err = pred - gr_csr_val(&test->ui, k);
            se += err * err;
            ae += fabs(err);
        }
    }
    if (test->n_edges == 0) return gr_err(GR_ESTATE, "gr_eval_rating: the test graph has no edges");
    *rmse = sqrt(se / (double)test->n_edges);
    *mae = ae / (double)test->n_edges;
    return GR_OK;
}
