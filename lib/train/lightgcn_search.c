/*
 * What a time budget searches for LightGCN and MF (train/search.h), by
 * schedule: the fast schedule's step size, L2 weight and number of steps;
 * the sampled schedule's step size, temperature and number of steps; the
 * paper schedule's learning rate, L2 weight and negatives.  A new
 * schedule adds its rows with its mode.  Starting values are the
 * schedules' defaults (train/lightgcn_train.h).
 */
#include "train/lightgcn_train.h"
#include "train/search.h"

static const gr_search_dim lgcn_dims[] = {
    { "lr", GR_MODE_FAST, GR_LGCN_FAST_LR, 2, 0 },
    { "reg", GR_MODE_FAST, GR_LGCN_FAST_REG, 3.1623, 1e-4 },
    { "epochs", GR_MODE_FAST, GR_LGCN_FAST_STEPS, 2, 0 },
    { "lr", GR_MODE_SAMPLED, GR_LGCN_SAMPLED_LR, 2, 0 },
    { "temperature", GR_MODE_SAMPLED, GR_LGCN_SAMPLED_TEMPERATURE, 2, 0 },
    { "epochs", GR_MODE_SAMPLED, GR_LGCN_SAMPLED_STEPS, 2, 0 },
    { "lr", GR_MODE_PAPER, 1e-3, 2, 0 },
    { "reg", GR_MODE_PAPER, 1e-4, 3.1623, 1e-6 },
    { "negatives", GR_MODE_PAPER, 1, 2, 0 },
};

const gr_search_table gr_lightgcn_search = { GR_MODEL_LIGHTGCN, lgcn_dims, sizeof lgcn_dims / sizeof lgcn_dims[0] };
const gr_search_table gr_mf_search = { GR_MODEL_MF, lgcn_dims, sizeof lgcn_dims / sizeof lgcn_dims[0] };
