/*
 * The bfloat16 products of gemm_bf16.h on AMX tile units (Intel Xeon
 * since Sapphire Rapids): one TDPBF16PS multiplies a 16 x 32 bfloat16
 * tile by a 32 x 16 one into 16 x 16 float sums, 8,192 multiply-adds
 * where an AVX512-BF16 dot product does 32.  The operands are the packed
 * layouts gemm_bf16.h already makes (the pairs it packs are the tiles'
 * layout), so callers pack as before; gemm_bf16.c routes its products
 * here when gr_amx_available() and gr_amx_fits() say so, and the results
 * are those products' to float rounding (the sums are added in another
 * order).
 */
#ifndef GR_KERNELS_GEMM_AMX_H
#define GR_KERNELS_GEMM_AMX_H

#include <stddef.h>
#include <stdint.h>

/*
 * 1 when the CPU has AMX-TILE and AMX-BF16 and the kernel lets this
 * process use the tile registers.  Linux grants them per process on
 * request (arch_prctl ARCH_REQ_XCOMP_PERM), which the first call makes:
 * the grant enlarges the state saved on a signal for threads that use
 * tiles, and the kernel refuses it when a thread's alternate signal stack
 * is too small for that, in which case the answer is 0 and the products
 * stay on AVX512-BF16.  Read once; thread-safe.
 */
int gr_amx_available(void);

/* 1 when the CPU has AMX-TILE and AMX-BF16 (and the AVX-512 the kernels'
 * transposes use), whether or not the process holds the tile state; asks
 * the system for nothing. */
int gr_amx_cpu(void);

/* Whether the tile kernels take a product of width d whose tile-row
 * dimension (users for scores and rows, items for tacc) is m: d 32 or 64,
 * and m at least 16 (a last partial tile is laid over rows already
 * computed instead of past the end of the operands). */
int gr_amx_fits(size_t d, size_t m);

/* The products, with gemm_bf16.h's operands and contracts. */
void gr_amx_scores(float *s, const uint16_t *u, size_t nu, const uint16_t *items, size_t n, size_t d);
void gr_amx_gemm_rows(float *y, const uint16_t *g, size_t ldg, const uint16_t *x, size_t r, size_t n, size_t d);
void gr_amx_gemm_tacc(float *y, const uint32_t *g, size_t ld, const uint16_t *x, size_t r, size_t n, size_t d);

#endif
