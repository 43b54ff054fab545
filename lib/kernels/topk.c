/* A size-k min-heap over (score, index): most candidates fail one
 * comparison with the root, made sixteen at a time, so selection is close
 * to a linear scan of vector loads. */
#include "kernels/topk.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "kernels/simd.h"

/* a ranks before b */
static inline int better(float sa, int32_t ia, float sb, int32_t ib) { return sa > sb || (sa == sb && ia < ib); }

static void sift_down(int32_t *hi, float *hv, size_t n, size_t p)
{
    for (;;) {
        size_t c = 2 * p + 1, w = p;
        if (c < n && better(hv[w], hi[w], hv[c], hi[c])) w = c;
        if (c + 1 < n && better(hv[w], hi[w], hv[c + 1], hi[c + 1])) w = c + 1;
        if (w == p) return;
        float tv = hv[p];
        int32_t ti = hi[p];
        hv[p] = hv[w];
        hi[p] = hi[w];
        hv[w] = tv;
        hi[w] = ti;
        p = w;
    }
}

static void sift_up(int32_t *hi, float *hv, size_t c)
{
    while (c > 0) {
        size_t p = (c - 1) / 2;
        if (!better(hv[p], hi[p], hv[c], hi[c])) return;
        float tv = hv[p];
        int32_t ti = hi[p];
        hv[p] = hv[c];
        hi[p] = hi[c];
        hv[c] = tv;
        hi[c] = ti;
        c = p;
    }
}

/* Whether any of p[0..16) is above t (NaN is not): one vector compare in
 * place of sixteen branches. */
static inline int any_above16(const float *p, float t)
{
    const gr_v8 tv = gr_splat8(t);
    gr_v8i m = (gr_v8i)(gr_load8(p) > tv) | (gr_v8i)(gr_load8(p + 8) > tv);
    uint64_t w[4];
    memcpy(w, &m, sizeof w);
    return (w[0] | w[1] | w[2] | w[3]) != 0;
}

/*
 * Continue a heap of m <= k candidates with scores[0..n), the candidates
 * base .. base + n - 1, which follow every candidate seen so far: fill the
 * heap to k, then scan the rest.  Once the heap is full, every entry in it
 * has a lower index than the candidate, so a candidate ranks before the
 * root only when its score is strictly higher (a tie keeps the root, the
 * lower index), and -INFINITY or NaN never is: sixteen scores at a time
 * are tested against the root's, and only a group holding a higher one is
 * looked at score by score.  Feeding a row in consecutive parts therefore
 * builds the heap one pass over the whole row builds.
 */
GR_INLINE size_t topk_heap_body(int32_t *idx, float *hv, size_t m, const float *scores, size_t base, size_t n,
                                size_t k)
{
    size_t i = 0;
    for (; i < n && m < k; i++) {
        float s = scores[i];
        if (!(s > -INFINITY)) continue;
        hv[m] = s;
        idx[m] = (int32_t)(base + i);
        sift_up(idx, hv, m);
        m++;
    }
    if (m < k) return m;
    while (i < n) {
        if (i + 16 <= n && !any_above16(scores + i, hv[0])) {
            i += 16;
            continue;
        }
        for (size_t end = i + 16 < n ? i + 16 : n; i < end; i++)
            if (scores[i] > hv[0]) {
                hv[0] = scores[i];
                idx[0] = (int32_t)(base + i);
                sift_down(idx, hv, m, 0);
            }
    }
    return m;
}

GR_KERNEL static size_t topk_heap(int32_t *idx, float *hv, size_t m, const float *scores, size_t base, size_t n,
                                  size_t k)
{
    return topk_heap_body(idx, hv, m, scores, base, n, k);
}

size_t gr_topk_push(int32_t *idx, float *heap, size_t m, const float *scores, size_t base, size_t n, size_t k)
{
    return k > 0 ? topk_heap(idx, heap, m, scores, base, n, k) : 0;
}

void gr_topk_sort(int32_t *idx, float *heap, size_t m)
{
    float *hv = heap;
    /* heap sort: move the worst to the end, repeatedly */
    for (size_t e = m; e > 1; e--) {
        float tv = hv[0];
        int32_t ti = idx[0];
        hv[0] = hv[e - 1];
        idx[0] = idx[e - 1];
        hv[e - 1] = tv;
        idx[e - 1] = ti;
        sift_down(idx, hv, e - 1, 0);
    }
}

size_t gr_topk(int32_t *idx, float *val, const float *scores, size_t n, size_t k)
{
    size_t m = gr_topk_push(idx, val, 0, scores, 0, n, k);
    gr_topk_sort(idx, val, m);
    return m;
}
