/*
 * gnnrec.h - graph-neural-network recommendation.
 *
 * Include this header to get the whole public API:
 *   gnnrec/error.h      status codes and gr_last_error()
 *   gnnrec/version.h    version macros and gr_version()
 *   gnnrec/graph.h      interaction graphs, loaders, metadata, splits
 *   gnnrec/model.h      models: kinds, save/load, scores, vectors
 *   gnnrec/trainer.h    training settings and gr_trainer_fit()
 *   gnnrec/eval.h       ranking and rating metrics
 *   gnnrec/recommend.h  top-K, filters, similar items, fold-in
 *   gnnrec/synth.h      synthetic MovieLens-format datasets
 *   gnnrec/features.h   node features (GraphSAGE) and cold start
 *   gnnrec/kg.h         knowledge graphs, KG embeddings, link prediction, explanations
 */
#ifndef GNNREC_H
#define GNNREC_H

#include "gnnrec/common.h"
#include "gnnrec/error.h"
#include "gnnrec/version.h"
#include "gnnrec/graph.h"
#include "gnnrec/model.h"
#include "gnnrec/trainer.h"
#include "gnnrec/eval.h"
#include "gnnrec/recommend.h"
#include "gnnrec/synth.h"
#include "gnnrec/features.h"
#include "gnnrec/kg.h"

#endif
