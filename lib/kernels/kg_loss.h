/*
 * The loss of one knowledge-graph query over its row of N shared
 * negatives, and each negative's weight in the gradient: the per-row work
 * between the score kernel and the gradient kernel of a training step.
 * Each row is one query's, so callers split rows between threads and the
 * results do not depend on the thread count.  Single-threaded.
 */
#ifndef GR_KERNELS_KG_LOSS_H
#define GR_KERNELS_KG_LOSS_H

#include <stddef.h>
#include <stdint.h>

/* How a kernel value v becomes a score. */
typedef enum gr_kg_score_form {
    GR_KG_FORM_DOT = 0,  /* s = v                            (DistMult, ComplEx) */
    GR_KG_FORM_DIST = 1, /* s = gamma - v                    (TransE L1, RotatE) */
    GR_KG_FORM_SQRT = 2  /* s = gamma - sqrt(max(v, 1e-20))  (TransE L2: v is the squared distance) */
} gr_kg_score_form;

/* sc[n] = the score of kernel value v[n], ds[n] = d sc[n] / d v[n], n < N. */
void gr_kg_row_scores(int form, float gamma, float *sc, float *ds, const float *v, size_t N);

/*
 * The self-adversarial negative loss of one query (RotatE's):
 * sum_n p_n (max(s_n, 0) + log(1 + e^-|s_n|)), that is -sum_n p_n log
 * sigmoid(-s_n), with p = softmax(alpha s) over the negatives whose mask
 * byte is 0 (treated as constants); returned unscaled.  w[n] = half p_n
 * sigmoid(s_n) ds[n] (0 for masked ones), the gradient weight of each
 * cell.  e holds N floats of scratch.
 */
float gr_kg_adversarial_row(float *w, float *e, const float *sc, const float *ds, const uint8_t *mask, size_t N,
                            float alpha, float half);

/*
 * The margin ranking loss of one query: the mean over the unmasked
 * negatives of max(0, margin - s_pos + s_n), with m = margin - s_pos.
 * w[n] = scale ds[n] / count for the active terms (0 otherwise); *dsp =
 * d loss / d s_pos, unscaled.
 */
float gr_kg_margin_row(float *w, float *dsp, const float *sc, const float *ds, const uint8_t *mask, size_t N, float m,
                       float scale);

/*
 * The sampled softmax cross-entropy of one query: -log of the positive's
 * share, e^sp / (e^sp + sum_n e^(s_n + shift)), over the negatives whose
 * mask byte is 0.  shift corrects for how the negatives were drawn (log
 * of the candidates over the draws for uniform draws, so that the sum
 * estimates the full softmax's; 0: none).  w[n] = scale p_n ds[n] (0 for
 * masked ones), p_n a negative's share; *dsp = d loss / d s_pos, unscaled
 * (the positive's share - 1).
 */
float gr_kg_softmax_row(float *w, float *dsp, const float *sc, const float *ds, const uint8_t *mask, size_t N, float sp,
                        float shift, float scale);

#endif
