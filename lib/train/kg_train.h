/*
 * Training of knowledge-graph embeddings.  Each mini-batch holds B
 * queries, a triple with its tail or its head hidden, and N negative
 * entities that all queries of the batch share, so that scoring the
 * negatives is one dense B x N kernel (kernels/kg_score.h) instead of B
 * gathers.  Negatives that are known answers of a query are masked for
 * that query (filtered sampling).  The loss is RotatE's self-adversarial
 * negative sampling loss or the margin ranking loss; parameters move by
 * lazy Adam on the rows the batch touched.
 */
#ifndef GR_TRAIN_KG_TRAIN_H
#define GR_TRAIN_KG_TRAIN_H

#include <stddef.h>
#include <stdint.h>

#include "kg/kg.h"
#include "models/kg_model.h"
#include "train/checkpoint.h"
#include "train/trainer.h"

enum { GR_KG_LOSS_ADVERSARIAL = 0, GR_KG_LOSS_MARGIN = 1, GR_KG_LOSS_SOFTMAX = 2 };
enum { GR_KG_SAMPLE_FILTERED = 0, GR_KG_SAMPLE_UNIFORM = 1 };
enum { GR_KG_LR_CONSTANT = 0, GR_KG_LR_STEP = 1, GR_KG_LR_COSINE = 2 };

typedef struct gr_kg_settings {
    int kind, norm, loss, sampling, schedule, epochs;
    int subsampling;   /* weight triples by 1 / sqrt(frequency of their patterns), as the reference code */
    int adam_catch_up; /* apply the momentum of dense Adam to rows a batch skips */
    int precision; /* roots of the negative scores: GR_KG_FAST (training) or GR_KG_EXACT (gradient checks) */
    int shard;     /* under a communicator: each rank keeps the entities' Adam state and best rows of its slice */
    size_t dim, batch, negatives, valid_sample;
    size_t neg_share; /* queries that share one set of negatives (0: the whole batch) */
    double lr, reg, gamma, adv_temp, margin, init_range;
    uint64_t seed;
    /* checkpoints (train/kg_checkpoint.h): whether this fit writes and
     * resumes the trainer's file (not an inner refit), and what it
     * validates on (the trainer's validation graph unless the caller says) */
    int checkpoint;
    gr_ckpt_data ckpt_valid;
    /* initial parameters of a warm start, of the trained graph's sizes and
     * these settings' kind and dim (gr_model_update_kg); NULL: random */
    const gr_kg_params *warm;
} gr_kg_settings;

void gr_kg_settings_of(gr_kg_settings *s, const gr_trainer *t);

/* Validation of the current parameters: a metric where higher is better;
 * *rc its status, agreed over the ranks (the fit stops on a failure). */
typedef double (*gr_kg_validate_fn)(void *ctx, const gr_kg_params *p, int *rc);

/*
 * Initialise p (randomly, or from s->warm) and train it on the triples of
 * kg with the trainer's epoch loop.  With validate, the parameters of the best validation are
 * what p holds at the end.
 */
int gr_kg_train(gr_kg_params *p, gr_trainer *t, const gr_kg_settings *s, const gr_kg *kg, gr_kg_validate_fn validate,
                void *ctx);

/* Random initial parameters (p allocated by gr_kg_params_init). */
void gr_kg_init_params(gr_kg_params *p, const gr_kg_settings *s);

/*
 * The loss of one batch (B queries, each triple << 1 | head, against the
 * negatives neg[0..groups x s->negatives), groups of s->neg_share queries)
 * and its gradient as dense tables shaped
 * like p->ent and p->rel (refreshing p's derived tables first).  For
 * checking gradients; NaN when out of memory.
 */
double gr_kg_loss_grad(float *g_ent, float *g_rel, gr_kg_params *p, const gr_kg_settings *s, const gr_kg *kg,
                       const uint32_t *queries, size_t B, const int32_t *neg);

/* Record the settings in a trained model. */
void gr_kg_record_info(gr_model *m, const gr_trainer *t, const gr_kg_settings *s);

/* Epochs of an update's warm-started schedule unless the caller sets them
 * (gr_model_update_kg, and the warm continuation of a held-out fit): on
 * WN18RR's validation, 4 reached 98.8% (RotatE) and 98.7% (DistMult) of a
 * full refit's MRR in 3% and 10% of its time, 2 epochs 95.6% and 95.3%
 * (docs/kg.md, "Updating a model"). */
#define GR_KG_UPDATE_EPOCHS 4

/*
 * The entities of p that have no triple in `seen` (a part of g sharing
 * its id space) placed from their neighbours in g, as an update places
 * its new entities (train/kg_update.c): a held-out fit has not trained
 * the rows of entities only its held-out triples name.
 */
int gr_kg_place_unseen(gr_kg_params *p, const gr_kg *g, const gr_kg *seen);

/*
 * gr_model_update of a KG model of a user-item graph, `graph` the grown
 * user-item graph (train/update.c): the knowledge graph of graph, built
 * as m's fit built its own (m's like_rating and side_info, t's
 * like_rating where the caller set it), m's entity rows moved to the
 * entities of the same names (users, items, genres, decades, demographic
 * values), the new entities at random as in a fit, then 8 warm-started
 * epochs.  t is of m's kind; its settings are restored.
 */
int gr_kg_update_graph(gr_model **out, const gr_model *m, const gr_graph *graph, gr_trainer *t);

#endif
