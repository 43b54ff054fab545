/* Sorted arrays of dense indices: ordering, bisection, and the run of them
 * that falls in a range. */
#ifndef GR_CORE_SORTED_H
#define GR_CORE_SORTED_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

/* qsort's comparison of two int32_t, ascending. */
static inline int gr_cmp_i32(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

/* The position of the first of v[0..n) (ascending) that is >= x; n if none. */
static inline size_t gr_first_at_least(const int32_t *v, size_t n, size_t x)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if ((size_t)v[mid] < x) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

/* From position at of the ascending v[0..n), where no earlier index is
 * i0 or more: the indices below i0 + w set part[index - i0] to -INFINITY
 * (part holds the scores of items i0 .. i0 + w - 1).  Returns the position
 * after them, where the next part's run starts. */
static inline size_t gr_mask_sorted_run(float *part, const int32_t *v, size_t at, size_t n, size_t i0, size_t w)
{
    for (; at < n && (size_t)v[at] < i0 + w; at++) part[(size_t)v[at] - i0] = -INFINITY;
    return at;
}

#endif
