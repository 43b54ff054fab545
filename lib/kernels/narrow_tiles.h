/*
 * Row tiles of the narrow kernels (kernels/cpu.h, gr_simd_wide() false):
 * a tile is up to GR_NARROW_TILE rows by 16 columns in gr_v8 halves, 12
 * of AVX2's 16 registers summing.  The rows of a block are cut into tiles
 * as evenly as they go (32 rows: 5, 5, 6, 5, 5, 6), so that no tile is
 * left with a row or two whose sums wait on the multiply-add's latency,
 * and each tile's height is a constant of its own copy of the tile
 * function, so that its sums stay in registers.  The gradient products
 * (gemm.c) and the score tiles (dense.c) cut their rows this way.
 */
#ifndef GR_KERNELS_NARROW_TILES_H
#define GR_KERNELS_NARROW_TILES_H

#include <stddef.h>

#define GR_NARROW_TILE 6

/* How many tiles n rows are cut into. */
static inline size_t gr_narrow_tiles(size_t n)
{
    return (n + GR_NARROW_TILE - 1) / GR_NARROW_TILE;
}

/* Tile t of the tiles that cut n rows: its first row and its height. */
static inline size_t gr_narrow_tile_rows(size_t n, size_t tiles, size_t t, size_t *first)
{
    *first = n * t / tiles;
    return n * (t + 1) / tiles - *first;
}

/* CALL(h) with the height h (1 to GR_NARROW_TILE) as a constant. */
#define GR_BY_NARROW_HEIGHT(h, CALL)       \
    switch (h) {                           \
    case 1: CALL(1); break;                \
    case 2: CALL(2); break;                \
    case 3: CALL(3); break;                \
    case 4: CALL(4); break;                \
    case 5: CALL(5); break;                \
    default: CALL(GR_NARROW_TILE); break;  \
    }

#endif
