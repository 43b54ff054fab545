/* A size-k min-heap over (score, index): most candidates fail one
 * comparison with the root, so selection is close to a linear scan. */
#include "kernels/topk.h"

#include <math.h>

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

size_t gr_topk(int32_t *idx, float *val, const float *scores, size_t n, size_t k)
{
    float *hv = val;
    size_t m = 0;
    for (size_t i = 0; i < n && k > 0; i++) {
        float s = scores[i];
        if (!(s > -INFINITY)) continue;
        if (m < k) {
            hv[m] = s;
            idx[m] = (int32_t)i;
            sift_up(idx, hv, m);
            m++;
        } else if (better(s, (int32_t)i, hv[0], idx[0])) {
            hv[0] = s;
            idx[0] = (int32_t)i;
            sift_down(idx, hv, m, 0);
        }
    }
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
    return m;
}
