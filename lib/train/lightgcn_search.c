/*
 * What a time budget searches for LightGCN and MF (train/search.h), by
 * schedule: the fast schedule's step size, L2 weight and number of steps;
 * the sampled schedule's step size, temperature and number of steps; the
 * paper schedule's learning rate, L2 weight and negatives.  A new
 * schedule adds its rows with its mode.  Starting values are the
 * schedules' defaults (train/lightgcn_train.h); the fast schedule's L2
 * weight and LightGCN's sampled temperature start from their values sized
 * to the graph the trials fit (gr_lgcn_size_defaults), the tables' values
 * being their floors.
 */
#include "train/lightgcn_train.h"
#include "train/search.h"

/* The rows of a kind whose fast schedule starts from FAST_LR and FAST_REG
 * and whose sampled one from TEMPERATURE (LightGCN's or MF's defaults). */
#define SCHEDULE_DIMS(FAST_LR, FAST_REG, TEMPERATURE)                                                                \
    { "lr", "mode", GR_MODE_FAST, FAST_LR, 2, 0 },                                                                   \
    { "reg", "mode", GR_MODE_FAST, FAST_REG, 3.1623, 1e-4 },                                                         \
    { "epochs", "mode", GR_MODE_FAST, GR_LGCN_FAST_STEPS, 2, 0 },                                                    \
    { "lr", "mode", GR_MODE_SAMPLED, GR_LGCN_SAMPLED_LR, 2, 0 },                                                     \
    { "temperature", "mode", GR_MODE_SAMPLED, TEMPERATURE, 2, 0 },                                                   \
    { "epochs", "mode", GR_MODE_SAMPLED, GR_LGCN_SAMPLED_STEPS, 2, 0 },                                              \
    { "lr", "mode", GR_MODE_PAPER, 1e-3, 2, 0 },                                                                     \
    { "reg", "mode", GR_MODE_PAPER, 1e-4, 3.1623, 1e-6 },                                                            \
    { "negatives", "mode", GR_MODE_PAPER, 1, 2, 0 }

static const gr_search_dim lgcn_dims[] = { SCHEDULE_DIMS(GR_LGCN_FAST_LR, GR_LGCN_FAST_REG,
                                                         GR_LGCN_SAMPLED_TEMPERATURE) };
static const gr_search_dim mf_dims[] = { SCHEDULE_DIMS(GR_MF_FAST_LR, GR_MF_FAST_REG, GR_MF_SAMPLED_TEMPERATURE) };

const gr_search_table gr_lightgcn_search = { GR_MODEL_LIGHTGCN, lgcn_dims, sizeof lgcn_dims / sizeof lgcn_dims[0] };
const gr_search_table gr_mf_search = { GR_MODEL_MF, mf_dims, sizeof mf_dims / sizeof mf_dims[0] };
