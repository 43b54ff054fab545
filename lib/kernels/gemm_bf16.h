/*
 * The dense products of the full-softmax objective in bfloat16 with
 * float accumulation (AVX512-BF16 dot products: two multiply-adds per
 * lane and instruction, twice the float rate).  Inputs are packed so that
 * the two values a dot product pairs are adjacent:
 *   scores  S = U I^T      pairs along the embedding (U rows as they are,
 *                          items in panels of 16, gr_bf16_pack_items)
 *   rows    Y = G X        pairs along the items (G rows as they are,
 *                          X in row pairs, gr_bf16_pack_row_pairs)
 *   tacc    Y += G^T X     pairs along the users (G in column pairs,
 *                          gr_bf16_pack_col_pairs; X in row pairs)
 * d must be 16, 32, 48 or 64.  Conversions round to nearest even.
 * Single-threaded, like gemm.h.
 */
#ifndef GR_KERNELS_GEMM_BF16_H
#define GR_KERNELS_GEMM_BF16_H

#include <stddef.h>
#include <stdint.h>

/* 1 when the running CPU has AVX512-BF16 and the build can use it. */
int gr_bf16_available(void);
/* Whether the bf16 kernels handle width d. */
int gr_bf16_width_ok(size_t d);
/* For tests: 1 runs the plain loops even where AVX512-BF16 exists. */
void gr_bf16_force_plain(int plain);
/* Whether the products run on AMX tile units (gemm_amx.h) where the CPU
 * has them: gr_bf16_amx() says whether they do now; for tests and
 * benchmarks, gr_bf16_allow_amx(0) keeps them on AVX512-BF16 alone. */
int gr_bf16_amx(void);
void gr_bf16_allow_amx(int allow);

/* Rows with padding: elements [n, ld) of each row are zero.  ld even. */
void gr_bf16_rows(uint16_t *dst, size_t ld, const float *src, size_t lds, size_t rows, size_t n);
/* Item panels for scores: dst holds ceil(n/16) panels of d/2 x 16 pairs. */
void gr_bf16_pack_items(uint16_t *dst, const float *x, size_t n, size_t d);
/* Row pairs: dst[(q * d + j) * 2 + e] = x[(2q + e) * d + j], a missing
 * last row as zeros; ceil(n/2) * d pairs. */
void gr_bf16_pack_row_pairs(uint16_t *dst, const float *x, size_t n, size_t d);
/* Column pairs of G (r x n, row stride ldg): dst[p * ld + i] holds
 * (G[2p][i], G[2p+1][i]) for p < ceil(r/2), i < n; ld >= n. */
void gr_bf16_pack_col_pairs(uint32_t *dst, size_t ld, const float *g, size_t ldg, size_t r, size_t n);

/* S[u * n + i] = <U_u, I_i> for nu users (U: bf16 rows of d) and n items
 * (packed by gr_bf16_pack_items). */
void gr_bf16_scores(float *s, const uint16_t *u, size_t nu, const uint16_t *items, size_t n, size_t d);
/* Y[r x d] = G X: G bf16 rows of stride ldg (>= n rounded up to even, zero
 * padded), X packed by gr_bf16_pack_row_pairs (n rows). */
void gr_bf16_gemm_rows(float *y, const uint16_t *g, size_t ldg, const uint16_t *x, size_t r, size_t n, size_t d);
/* Y[n x d] += G^T X: G packed by gr_bf16_pack_col_pairs (r rows, stride
 * ld), X by gr_bf16_pack_row_pairs (r rows). */
void gr_bf16_gemm_tacc(float *y, const uint32_t *g, size_t ld, const uint16_t *x, size_t r, size_t n, size_t d);

#endif
