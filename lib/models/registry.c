/* The model kinds this build knows: their model ops and their trainers. */
#include "models/ease.h"
#include "models/filter.h"
#include "models/graphsage.h"
#include "models/kg_model.h"
#include "models/lightgcn.h"
#include "models/model.h"
#include "train/trainer.h"

extern const gr_kind_trainer gr_lightgcn_trainer;
extern const gr_kind_trainer gr_mf_trainer;
extern const gr_kind_trainer gr_graphsage_trainer;
extern const gr_kind_trainer gr_transe_trainer, gr_distmult_trainer, gr_rotate_trainer, gr_complex_trainer;
extern const gr_kind_trainer gr_gfcf_trainer, gr_cheby_trainer, gr_ease_trainer;

const gr_model_ops *gr_model_ops_of(int kind)
{
    switch (kind) {
    case GR_MODEL_LIGHTGCN: return &gr_lightgcn_ops;
    case GR_MODEL_MF: return &gr_mf_ops;
    case GR_MODEL_GRAPHSAGE: return &gr_graphsage_ops;
    case GR_MODEL_TRANSE:
    case GR_MODEL_DISTMULT:
    case GR_MODEL_ROTATE:
    case GR_MODEL_COMPLEX: return &gr_kg_model_ops[kind - GR_MODEL_TRANSE];
    case GR_MODEL_GFCF: return &gr_gfcf_ops;
    case GR_MODEL_CHEBY: return &gr_cheby_ops;
    case GR_MODEL_EASE: return &gr_ease_ops;
    default: return NULL;
    }
}

const gr_kind_trainer *gr_kind_trainer_of(int kind)
{
    switch (kind) {
    case GR_MODEL_LIGHTGCN: return &gr_lightgcn_trainer;
    case GR_MODEL_MF: return &gr_mf_trainer;
    case GR_MODEL_GRAPHSAGE: return &gr_graphsage_trainer;
    case GR_MODEL_TRANSE: return &gr_transe_trainer;
    case GR_MODEL_DISTMULT: return &gr_distmult_trainer;
    case GR_MODEL_ROTATE: return &gr_rotate_trainer;
    case GR_MODEL_COMPLEX: return &gr_complex_trainer;
    case GR_MODEL_GFCF: return &gr_gfcf_trainer;
    case GR_MODEL_CHEBY: return &gr_cheby_trainer;
    case GR_MODEL_EASE: return &gr_ease_trainer;
    default: return NULL;
    }
}
