/* The model kinds this build knows: their model ops and their trainers. */
#include "models/graphsage.h"
#include "models/lightgcn.h"
#include "models/model.h"
#include "train/trainer.h"

extern const gr_kind_trainer gr_lightgcn_trainer;
extern const gr_kind_trainer gr_mf_trainer;
extern const gr_kind_trainer gr_graphsage_trainer;

const gr_model_ops *gr_model_ops_of(int kind)
{
    switch (kind) {
    case GR_MODEL_LIGHTGCN: return &gr_lightgcn_ops;
    case GR_MODEL_MF: return &gr_mf_ops;
    case GR_MODEL_GRAPHSAGE: return &gr_graphsage_ops;
    default: return NULL;
    }
}

const gr_kind_trainer *gr_kind_trainer_of(int kind)
{
    switch (kind) {
    case GR_MODEL_LIGHTGCN: return &gr_lightgcn_trainer;
    case GR_MODEL_MF: return &gr_mf_trainer;
    case GR_MODEL_GRAPHSAGE: return &gr_graphsage_trainer;
    default: return NULL;
    }
}
