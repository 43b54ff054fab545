/* Dense kernels: scoring blocks of users against all items, small vector ops. */
#ifndef GR_KERNELS_DENSE_H
#define GR_KERNELS_DENSE_H

#include <stddef.h>

/* dst[k * ldd + i] = src[i * lds + k] for i < rows, k < cols; columns
 * rows..ldd of dst are zeroed.  ldd >= rows.  The transposes of the
 * library (gr_transpose, gr_transpose_padded) are this one. */
void gr_transpose_strided(float *dst, size_t ldd, const float *src, size_t lds, size_t rows, size_t cols);
/* dst[k * stride + i] = src[i * d + k] for i < rows; columns rows..stride
 * are zeroed.  stride >= rows. */
void gr_transpose(float *dst, const float *src, size_t rows, size_t d, size_t stride);

/*
 * out[u * n_items + i] = <U[u], item i> (+ bias[i] when bias is not NULL)
 * for nu users, where items are given transposed (it: d x stride, as made
 * by gr_transpose).  Single-threaded; callers parallelise over user blocks.
 * It reads columns 0 .. n_items rounded up to 16 of it, so a range of the
 * items from a multiple of 16 (it + i0, bias + i0, n_items of them) is
 * scored with the same bits as in the whole.
 */
void gr_score_block(float *out, const float *U, size_t nu, const float *it, size_t n_items, size_t stride,
                    size_t d, const float *bias);
/* The stride of n items transposed for gr_score_block: n rounded up to 16. */
static inline size_t gr_score_stride(size_t n) { return (n + 15) & ~(size_t)15; }

/*
 * out[u * n + j] = <U[u], x[j]> (+ bias[j] when bias is not NULL) for nu
 * users and n items given as rows (x: n x d), with the bits of
 * gr_score_block: the items need no transpose.  The users are given
 * transposed, ut: d x ldu with ldu a multiple of 8 and ldu >= nu, columns
 * nu..ldu zero (gr_transpose_strided makes it).  Single-threaded.
 */
void gr_score_rows(float *out, const float *ut, size_t ldu, size_t nu, const float *x, size_t n, size_t d,
                   const float *bias);

/*
 * Whether blocks of users are scored faster from the items' rows
 * (gr_score_rows) than from the transposed items (gr_score_block), at
 * width d: with the narrow kernels (8 x 8 tiles, the items' rows read in
 * order) and d <= 64, where a part's rows (GR_SCORE_PART of them, or a
 * sampled block's 2,048 draws) stay in L2 while each group of 8 users
 * reads them.  The same bits either way.
 */
int gr_score_rows_preferred(size_t d);

/*
 * The item vectors in the layouts a caller holds: rows (n_items x d) and
 * transposed (d x stride, gr_transpose's layout).  Either may be NULL, not
 * both.
 */
typedef struct gr_item_layouts {
    const float *rows, *t;
    size_t stride;
} gr_item_layouts;

/*
 * Whether a block of users is scored against these items from their rows:
 * always when they are not held transposed, never when they are not held
 * as rows, and otherwise where gr_score_rows_preferred(d).  A caller that
 * gets 1 hands gr_score_part its users transposed.
 */
int gr_score_from_rows(const gr_item_layouts *items, size_t d);

/*
 * A block of nu users to score: their rows (u: nu x d), and where the
 * scores are taken from the item rows (gr_score_from_rows) the same
 * transposed (ut: d x ldu, gr_score_rows's layout; NULL otherwise).
 */
typedef struct gr_user_block {
    const float *u, *ut;
    size_t ldu, nu;
} gr_user_block;

/*
 * out (nu x n) = the scores of the block against the items [i0, i0 + n)
 * (+ bias[j] for the item i0 + j when bias is not NULL): gr_score_rows
 * from the item rows when the block has its users transposed,
 * gr_score_block from the transposed items otherwise (i0 then a multiple
 * of 16).  The same bits either way.  Single-threaded.
 */
void gr_score_part(float *out, const gr_user_block *users, const gr_item_layouts *items, size_t i0, size_t n,
                   size_t d, const float *bias);

/* Items scored at a time where a block of users' whole rows would not stay
 * in cache (full-ranking evaluation, batch recommendation): 64 users' scores
 * of a part are 256 KB.  A multiple of 16. */
#define GR_SCORE_PART 1024

float gr_dot(const float *a, const float *b, size_t d);

#endif
