/*
 * Knowledge-graph embedding models: what TransE, DistMult, RotatE and
 * ComplEx share.  A kind contributes how a query vector is built from an
 * anchor entity and a relation (and the gradient of that), after which
 * every kind scores a query against candidate entities with one of the
 * dense kernels of kernels/kg_score.h:
 *   tail query (h, r, ?): q = f(e_h, r),  score(t) = g(q, e_t)
 *   head query (?, r, t): q = f'(e_t, r), score(h) = g(q, e_h)
 * which holds for all four because a relation either translates or
 * rotates (TransE, RotatE: the head query is the inverse map of the tail)
 * or multiplies (DistMult, ComplEx: the score is trilinear).
 */
#ifndef GR_MODELS_KG_MODEL_H
#define GR_MODELS_KG_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "kg/kg.h"
#include "models/model.h"

typedef struct gr_kg_params gr_kg_params;

typedef struct gr_kg_kind {
    int kind;
    int complex;  /* entity rows hold real parts, then imaginary parts */
    int distance; /* score = gamma - distance; otherwise the kernel's dot product */
    /* Relation row length for a padded entity half / row. */
    size_t (*rel_len)(size_t L);
    /* q = the query of anchor entity e and relation r; head: a head query. */
    void (*query)(const gr_kg_params *p, int32_t e, int32_t r, int head, float *q);
    /* Add the gradient of the query (gq, given q) to the anchor's row ge and the relation's row gr. */
    void (*query_grad)(const gr_kg_params *p, int32_t e, int32_t r, int head, const float *q, const float *gq, float *ge,
                       float *gr);
    /* Floats per relation of tables derived from the relation parameters
     * (RotatE: cosines and sines), and their computation; 0 / NULL: none. */
    size_t (*aux_len)(size_t L);
    void (*refresh)(gr_kg_params *p);
} gr_kg_kind;

struct gr_kg_params {
    const gr_kg_kind *kind;
    int op;            /* a gr_kg_op */
    size_t dim;        /* real dimensions, or complex ones for complex kinds */
    size_t width;      /* floats of an entity vector: dim, or 2 dim */
    size_t L;          /* padded entity row: a multiple of 16 (complex: two padded halves) */
    size_t LR;         /* padded relation row */
    size_t n_ent, n_rel;
    float *ent;        /* n_ent x L */
    float *rel;        /* n_rel x LR */
    float *aux;        /* n_rel x LA, derived from rel by gr_kg_params_refresh() */
    size_t LA;
    float gamma;       /* margin of the distance kinds */
    float phase_scale; /* RotatE: phase = relation parameter x phase_scale */
};

extern const gr_kg_kind gr_transe_l1_kind, gr_transe_l2_kind, gr_distmult_kind, gr_rotate_kind, gr_complex_kind;

/* The kind of a model kind (TransE by its norm: 1 or 2).  NULL when not a KG kind. */
const gr_kg_kind *gr_kg_kind_of(int kind, int norm);

/* Allocate zeroed parameters of a kind for n_ent entities and n_rel relations. */
int gr_kg_params_init(gr_kg_params *p, const gr_kg_kind *k, size_t dim, size_t n_ent, size_t n_rel, float gamma);
void gr_kg_params_free(gr_kg_params *p);
/* Recompute the tables derived from the relation parameters; call after every change of p->rel. */
void gr_kg_params_refresh(gr_kg_params *p);
/* Copy src into dst (allocated here when dst->ent is NULL).  GR_ENOMEM. */
int gr_kg_params_copy(gr_kg_params *dst, const gr_kg_params *src);
/* Entity rows [src_row, src_row + rows) of src into rows [dst_row, dst_row
 * + rows) of dst (allocated, of src's kind and sizes but its number of
 * entity rows), with every relation, the derived tables, gamma and the
 * phase scale: the copy between a whole table and a rank's slice of it. */
void gr_kg_params_copy_rows(gr_kg_params *dst, size_t dst_row, const gr_kg_params *src, size_t src_row, size_t rows);

/* Score from the kernel's value: gamma - d (gamma - sqrt(d) for L2), or the dot product. */
static inline float gr_kg_score_of(const gr_kg_params *p, float v)
{
    if (!p->kind->distance) return v;
    return p->gamma - (p->op == 2 /* GR_KG_L2 */ ? __builtin_sqrtf(v > 0 ? v : 0) : v);
}

/* State of a KG model: its parameters and the triples it was trained on. */
typedef struct gr_kg_state {
    gr_kg_params p;
    gr_kg *kg;
    int norm; /* TransE: 1 or 2; 0 for other kinds */
} gr_kg_state;

extern const gr_model_ops gr_kg_model_ops[4]; /* TransE, DistMult, RotatE, ComplEx */

/*
 * A finished model from trained parameters (taken over, freed on failure
 * too) and the training triples.  When kg was built from a user-item
 * graph, `graph` is that graph and the model recommends items; otherwise
 * graph may be NULL and the model has no users or items.
 */
int gr_kg_model_new(gr_model **out, int kind, gr_kg_params *p, int norm, const gr_kg *kg, const gr_graph *graph);

/* The state of a KG model, or NULL. */
const gr_kg_state *gr_kg_state_of(const gr_model *m);

#endif
