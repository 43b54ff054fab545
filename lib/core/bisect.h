/* Bisection in sorted index arrays. */
#ifndef GR_CORE_BISECT_H
#define GR_CORE_BISECT_H

#include <stddef.h>
#include <stdint.h>

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

#endif
