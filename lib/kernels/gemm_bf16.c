/*
 * bfloat16 dense products (gemm_bf16.h).  On x86-64 with GCC the kernels
 * use AVX512-BF16 through a target attribute, chosen at run time by
 * gr_bf16_available(); elsewhere, plain loops compute the same products
 * (correct, slow), so callers never reach an instruction the CPU lacks.
 */
#include "kernels/gemm_bf16.h"

#include "kernels/gemm_amx.h"

#include <string.h>

static inline uint16_t to_bf16(float f)
{
    uint32_t b;
    memcpy(&b, &f, sizeof b);
    b += 0x7fffu + ((b >> 16) & 1u); /* round to nearest even */
    return (uint16_t)(b >> 16);
}

static inline float from_bf16(uint16_t h)
{
    uint32_t b = (uint32_t)h << 16;
    float f;
    memcpy(&f, &b, sizeof f);
    return f;
}

int gr_bf16_width_ok(size_t d) { return d == 16 || d == 32 || d == 48 || d == 64; }

static void pack_items_plain(uint16_t *dst, const float *x, size_t n, size_t d)
{
    const size_t P = d / 2, npan = (n + 15) / 16;
    for (size_t pan = 0; pan < npan; pan++)
        for (size_t p = 0; p < P; p++) {
            uint16_t *o = dst + (pan * P + p) * 32;
            for (size_t j = 0; j < 16; j++) {
                size_t i = pan * 16 + j;
                o[2 * j] = i < n ? to_bf16(x[i * d + 2 * p]) : 0;
                o[2 * j + 1] = i < n ? to_bf16(x[i * d + 2 * p + 1]) : 0;
            }
        }
}

static void row_pairs_plain(uint16_t *dst, const float *x, size_t n, size_t d)
{
    for (size_t q = 0; q < (n + 1) / 2; q++)
        for (size_t j = 0; j < d; j++) {
            dst[(q * d + j) * 2] = to_bf16(x[2 * q * d + j]);
            dst[(q * d + j) * 2 + 1] = 2 * q + 1 < n ? to_bf16(x[(2 * q + 1) * d + j]) : 0;
        }
}

/* ---- plain versions: the reference, and the path without AVX512-BF16 ---- */

static void rows_plain(uint16_t *dst, size_t ld, const float *src, size_t lds, size_t rows, size_t n)
{
    for (size_t r = 0; r < rows; r++)
        for (size_t i = 0; i < ld; i++) dst[r * ld + i] = i < n ? to_bf16(src[r * lds + i]) : 0;
}

static void col_pairs_plain(uint32_t *dst, size_t ld, const float *g, size_t ldg, size_t r, size_t n)
{
    for (size_t p = 0; p < (r + 1) / 2; p++)
        for (size_t i = 0; i < n; i++) {
            uint32_t lo = to_bf16(g[2 * p * ldg + i]), hi = 2 * p + 1 < r ? to_bf16(g[(2 * p + 1) * ldg + i]) : 0;
            dst[p * ld + i] = lo | hi << 16;
        }
}

static void scores_plain(float *s, const uint16_t *u, size_t nu, const uint16_t *items, size_t n, size_t d)
{
    const size_t P = d / 2;
    for (size_t a = 0; a < nu; a++)
        for (size_t i = 0; i < n; i++) {
            const uint16_t *o = items + (i / 16) * P * 32 + (i % 16) * 2;
            float acc = 0.0f;
            for (size_t p = 0; p < P; p++)
                acc += from_bf16(o[p * 32]) * from_bf16(u[a * d + 2 * p]) +
                       from_bf16(o[p * 32 + 1]) * from_bf16(u[a * d + 2 * p + 1]);
            s[a * n + i] = acc;
        }
}

static void rows_gemm_plain(float *y, const uint16_t *g, size_t ldg, const uint16_t *x, size_t r, size_t n, size_t d)
{
    for (size_t a = 0; a < r; a++)
        for (size_t j = 0; j < d; j++) {
            float acc = 0.0f;
            for (size_t q = 0; q < (n + 1) / 2; q++)
                acc += from_bf16(x[(q * d + j) * 2]) * from_bf16(g[a * ldg + 2 * q]) +
                       from_bf16(x[(q * d + j) * 2 + 1]) * from_bf16(g[a * ldg + 2 * q + 1]);
            y[a * d + j] = acc;
        }
}

static void tacc_plain(float *y, const uint32_t *g, size_t ld, const uint16_t *x, size_t r, size_t n, size_t d)
{
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < d; j++) {
            float acc = y[i * d + j];
            for (size_t p = 0; p < (r + 1) / 2; p++) {
                uint32_t w = g[p * ld + i];
                acc += from_bf16(x[(p * d + j) * 2]) * from_bf16((uint16_t)w) +
                       from_bf16(x[(p * d + j) * 2 + 1]) * from_bf16((uint16_t)(w >> 16));
            }
            y[i * d + j] = acc;
        }
}

/* 0 keeps the products off the AMX tiles (gr_bf16_allow_amx) */
static int amx_allowed = 1;

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 11
#define HAVE_AVX512_BF16 1
#include <immintrin.h>

#define BF16_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512bf16")))

int gr_bf16_available(void)
{
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512bf16") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq");
}

static inline uint32_t pair_at(const uint16_t *p)
{
    uint32_t w;
    memcpy(&w, p, sizeof w);
    return w;
}

BF16_TARGET static inline __m512bh bh_load(const uint16_t *p) { return (__m512bh)_mm512_loadu_si512((const void *)p); }

BF16_TARGET static inline __m512bh bh_splat(uint32_t w) { return (__m512bh)_mm512_set1_epi32((int)w); }

BF16_TARGET static void rows_avx(uint16_t *dst, size_t ld, const float *src, size_t lds, size_t rows, size_t n)
{
    for (size_t r = 0; r < rows; r++) {
        const float *s = src + r * lds;
        uint16_t *o = dst + r * ld;
        size_t i = 0;
        for (; i + 32 <= n; i += 32)
            _mm512_storeu_si512((void *)(o + i), (__m512i)_mm512_cvtne2ps_pbh(_mm512_loadu_ps(s + i + 16), _mm512_loadu_ps(s + i)));
        for (; i < ld; i++) o[i] = i < n ? to_bf16(s[i]) : 0;
    }
}

BF16_TARGET static void col_pairs_avx(uint32_t *dst, size_t ld, const float *g, size_t ldg, size_t r, size_t n)
{
    /* word 2k from the first row's element k, word 2k + 1 from the second's */
    uint16_t order[32];
    for (int k = 0; k < 16; k++) {
        order[2 * k] = (uint16_t)k;
        order[2 * k + 1] = (uint16_t)(16 + k);
    }
    const __m512i idx = _mm512_loadu_si512((const void *)order);
    for (size_t p = 0; p < (r + 1) / 2; p++) {
        const float *a = g + 2 * p * ldg, *b = 2 * p + 1 < r ? g + (2 * p + 1) * ldg : NULL;
        uint32_t *o = dst + p * ld;
        size_t i = 0;
        for (; i + 16 <= n; i += 16) {
            __m512 va = _mm512_loadu_ps(a + i), vb = b ? _mm512_loadu_ps(b + i) : _mm512_setzero_ps();
            __m512i c = (__m512i)_mm512_cvtne2ps_pbh(vb, va);
            _mm512_storeu_si512((void *)(o + i), _mm512_permutexvar_epi16(idx, c));
        }
        for (; i < n; i++) o[i] = (uint32_t)to_bf16(a[i]) | (uint32_t)(b ? to_bf16(b[i]) : 0) << 16;
    }
}

/* The panels of 16 items: each panel's rows converted as gr_bf16_rows
 * converts them (16 x d/2 pairs, in order), then each pair position p
 * gathered across the 16 rows into one vector of the panel. */
BF16_TARGET static void pack_items_avx(uint16_t *dst, const float *x, size_t n, size_t d)
{
    const size_t P = d / 2, npan = (n + 15) / 16;
    uint32_t rows[16 * 32]; /* d <= 64 */
    int idx[16];
    for (int j = 0; j < 16; j++) idx[j] = j * (int)P;
    const __m512i at = _mm512_loadu_si512((const void *)idx);
    for (size_t pan = 0; pan < npan; pan++) {
        size_t i0 = pan * 16, m = n - i0 < 16 ? n - i0 : 16;
        rows_avx((uint16_t *)rows, d, x + i0 * d, d, m, d);
        if (m < 16) memset(rows + m * P, 0, (16 - m) * P * sizeof *rows);
        uint32_t *o = (uint32_t *)dst + pan * P * 16;
        for (size_t p = 0; p < P; p++)
            _mm512_storeu_si512((void *)(o + p * 16), _mm512_i32gather_epi32(at, (const void *)(rows + p), 4));
    }
}

BF16_TARGET static inline void put(float *dst, __m512 v, size_t w)
{
    if (w >= 16) _mm512_storeu_ps(dst, v);
    else _mm512_mask_storeu_ps(dst, (__mmask16)((1u << w) - 1), v);
}

/* R users x Q panels of 16 items. */
#define SCORE_TILE(R, Q)                                                                                  \
    BF16_TARGET static inline __attribute__((always_inline)) void score_##R##x##Q(                        \
        float *s, const uint16_t *u, const uint16_t *items, size_t n, size_t d, size_t pan)             \
    {                                                                                                     \
        const size_t P = d / 2;                                                                           \
        __m512 acc[R][Q];                                                                                 \
        for (int b = 0; b < R; b++)                                                                       \
            for (int q = 0; q < Q; q++) acc[b][q] = _mm512_setzero_ps();                                  \
        for (size_t p = 0; p < P; p++) {                                                                  \
            __m512bh v[Q];                                                                                \
            for (int q = 0; q < Q; q++) v[q] = bh_load(items + ((pan + (size_t)q) * P + p) * 32);         \
            for (int b = 0; b < R; b++) {                                                                 \
                __m512bh w = bh_splat(pair_at(u + (size_t)b * d + 2 * p));                                \
                for (int q = 0; q < Q; q++) acc[b][q] = _mm512_dpbf16_ps(acc[b][q], v[q], w);             \
            }                                                                                             \
        }                                                                                                 \
        for (int q = 0; q < Q; q++) {                                                                     \
            size_t i = (pan + (size_t)q) * 16;                                                            \
            if (i >= n) break;                                                                            \
            for (int b = 0; b < R; b++) put(s + (size_t)b * n + i, acc[b][q], n - i);                     \
        }                                                                                                 \
    }

SCORE_TILE(4, 4)
SCORE_TILE(4, 1)
SCORE_TILE(1, 4)
SCORE_TILE(1, 1)

BF16_TARGET static void scores_avx(float *s, const uint16_t *u, size_t nu, const uint16_t *items, size_t n, size_t d)
{
    const size_t npan = (n + 15) / 16, nu4 = nu & ~(size_t)3;
    size_t pan = 0;
    for (; pan + 4 <= npan; pan += 4) {
        for (size_t a = 0; a < nu4; a += 4) score_4x4(s + a * n, u + a * d, items, n, d, pan);
        for (size_t a = nu4; a < nu; a++) score_1x4(s + a * n, u + a * d, items, n, d, pan);
    }
    for (; pan < npan; pan++) {
        for (size_t a = 0; a < nu4; a += 4) score_4x1(s + a * n, u + a * d, items, n, d, pan);
        for (size_t a = nu4; a < nu; a++) score_1x1(s + a * n, u + a * d, items, n, d, pan);
    }
}

/* R rows of Y = G X over item pairs, d = 16 V. */
#define ROWS_TILE(R, V)                                                                                   \
    BF16_TARGET static inline __attribute__((always_inline)) void rows_##R##x##V(                         \
        float *y, const uint16_t *g, size_t ldg, const uint16_t *x, size_t n)                           \
    {                                                                                                     \
        const size_t d = 16 * V;                                                                          \
        __m512 acc[R][V];                                                                                 \
        for (int b = 0; b < R; b++)                                                                       \
            for (int v = 0; v < V; v++) acc[b][v] = _mm512_setzero_ps();                                  \
        for (size_t q = 0; q < (n + 1) / 2; q++) {                                                        \
            __m512bh xv[V];                                                                               \
            for (int v = 0; v < V; v++) xv[v] = bh_load(x + (q * d + 16 * (size_t)v) * 2);               \
            for (int b = 0; b < R; b++) {                                                                 \
                __m512bh w = bh_splat(pair_at(g + (size_t)b * ldg + 2 * q));                              \
                for (int v = 0; v < V; v++) acc[b][v] = _mm512_dpbf16_ps(acc[b][v], xv[v], w);            \
            }                                                                                             \
        }                                                                                                 \
        for (int b = 0; b < R; b++)                                                                       \
            for (int v = 0; v < V; v++) _mm512_storeu_ps(y + (size_t)b * d + 16 * (size_t)v, acc[b][v]); \
    }

/* R items of Y += G^T X over user pairs, d = 16 V. */
#define TACC_TILE(R, V)                                                                                   \
    BF16_TARGET static inline __attribute__((always_inline)) void tacc_##R##x##V(                         \
        float *y, const uint32_t *g, size_t ld, const uint16_t *x, size_t r)                            \
    {                                                                                                     \
        const size_t d = 16 * V;                                                                          \
        __m512 acc[R][V];                                                                                 \
        for (int b = 0; b < R; b++)                                                                       \
            for (int v = 0; v < V; v++) acc[b][v] = _mm512_loadu_ps(y + (size_t)b * d + 16 * (size_t)v); \
        for (size_t p = 0; p < (r + 1) / 2; p++) {                                                        \
            __m512bh xv[V];                                                                               \
            for (int v = 0; v < V; v++) xv[v] = bh_load(x + (p * d + 16 * (size_t)v) * 2);               \
            for (int b = 0; b < R; b++) {                                                                 \
                __m512bh w = bh_splat(g[p * ld + (size_t)b]);                                             \
                for (int v = 0; v < V; v++) acc[b][v] = _mm512_dpbf16_ps(acc[b][v], xv[v], w);            \
            }                                                                                             \
        }                                                                                                 \
        for (int b = 0; b < R; b++)                                                                       \
            for (int v = 0; v < V; v++) _mm512_storeu_ps(y + (size_t)b * d + 16 * (size_t)v, acc[b][v]); \
    }

#define WIDTH(V)                                                                                          \
    ROWS_TILE(4, V)                                                                                       \
    ROWS_TILE(1, V)                                                                                       \
    TACC_TILE(4, V)                                                                                       \
    TACC_TILE(1, V)                                                                                       \
    BF16_TARGET static void rows_avx_##V(float *y, const uint16_t *g, size_t ldg, const uint16_t *x, size_t r, \
                                         size_t n)                                                        \
    {                                                                                                     \
        size_t a = 0;                                                                                     \
        for (; a + 4 <= r; a += 4) rows_4x##V(y + a * 16 * V, g + a * ldg, ldg, x, n);                   \
        for (; a < r; a++) rows_1x##V(y + a * 16 * V, g + a * ldg, ldg, x, n);                            \
    }                                                                                                     \
    BF16_TARGET static void tacc_avx_##V(float *y, const uint32_t *g, size_t ld, const uint16_t *x, size_t r, \
                                         size_t n)                                                        \
    {                                                                                                     \
        size_t i = 0;                                                                                     \
        for (; i + 4 <= n; i += 4) tacc_4x##V(y + i * 16 * V, g + i, ld, x, r);                           \
        for (; i < n; i++) tacc_1x##V(y + i * 16 * V, g + i, ld, x, r);                                   \
    }

WIDTH(1)
WIDTH(2)
WIDTH(3)
WIDTH(4)

static int avx_state = -1; /* benign race: every thread computes the same value */

static int use_avx(void)
{
    if (avx_state < 0) avx_state = gr_bf16_available();
    return avx_state;
}

void gr_bf16_force_plain(int plain) { avx_state = plain ? 0 : gr_bf16_available(); }

/* The AMX tiles serve the products where the AVX512-BF16 path would. */
static int use_amx(void) { return use_avx() && amx_allowed && gr_amx_available(); }
#else
int gr_bf16_available(void) { return 0; }
void gr_bf16_force_plain(int plain) { (void)plain; }
static int use_amx(void) { return 0; }
#endif

void gr_bf16_allow_amx(int allow) { amx_allowed = allow != 0; }

int gr_bf16_amx(void) { return use_amx(); }

void gr_bf16_rows(uint16_t *dst, size_t ld, const float *src, size_t lds, size_t rows, size_t n)
{
#ifdef HAVE_AVX512_BF16
    if (use_avx()) {
        rows_avx(dst, ld, src, lds, rows, n);
        return;
    }
#endif
    rows_plain(dst, ld, src, lds, rows, n);
}

void gr_bf16_pack_col_pairs(uint32_t *dst, size_t ld, const float *g, size_t ldg, size_t r, size_t n)
{
#ifdef HAVE_AVX512_BF16
    if (use_avx()) {
        col_pairs_avx(dst, ld, g, ldg, r, n);
        return;
    }
#endif
    col_pairs_plain(dst, ld, g, ldg, r, n);
}

void gr_bf16_pack_row_pairs(uint16_t *dst, const float *x, size_t n, size_t d)
{
#ifdef HAVE_AVX512_BF16
    /* the row pairs of x are the column pairs of its transpose's layout:
     * word j of pair q holds (x[2q][j], x[2q + 1][j]) */
    if (use_avx()) {
        col_pairs_avx((uint32_t *)(void *)dst, d, x, d, n, d);
        return;
    }
#endif
    row_pairs_plain(dst, x, n, d);
}

void gr_bf16_pack_items(uint16_t *dst, const float *x, size_t n, size_t d)
{
#ifdef HAVE_AVX512_BF16
    if (use_avx() && gr_bf16_width_ok(d)) {
        pack_items_avx(dst, x, n, d);
        return;
    }
#endif
    pack_items_plain(dst, x, n, d);
}

void gr_bf16_scores(float *s, const uint16_t *u, size_t nu, const uint16_t *items, size_t n, size_t d)
{
#ifdef HAVE_AVX512_BF16
    if (use_amx() && gr_amx_fits(d, nu)) {
        gr_amx_scores(s, u, nu, items, n, d);
        return;
    }
    if (use_avx() && gr_bf16_width_ok(d)) {
        scores_avx(s, u, nu, items, n, d);
        return;
    }
#endif
    scores_plain(s, u, nu, items, n, d);
}

void gr_bf16_gemm_rows(float *y, const uint16_t *g, size_t ldg, const uint16_t *x, size_t r, size_t n, size_t d)
{
#ifdef HAVE_AVX512_BF16
    if (use_amx() && gr_amx_fits(d, r)) {
        gr_amx_gemm_rows(y, g, ldg, x, r, n, d);
        return;
    }
    if (use_avx()) {
        switch (d) {
        case 16: rows_avx_1(y, g, ldg, x, r, n); return;
        case 32: rows_avx_2(y, g, ldg, x, r, n); return;
        case 48: rows_avx_3(y, g, ldg, x, r, n); return;
        case 64: rows_avx_4(y, g, ldg, x, r, n); return;
        default: break;
        }
    }
#endif
    rows_gemm_plain(y, g, ldg, x, r, n, d);
}

void gr_bf16_gemm_tacc(float *y, const uint32_t *g, size_t ld, const uint16_t *x, size_t r, size_t n, size_t d)
{
#ifdef HAVE_AVX512_BF16
    if (use_amx() && gr_amx_fits(d, n)) {
        gr_amx_gemm_tacc(y, g, ld, x, r, n, d);
        return;
    }
    if (use_avx()) {
        switch (d) {
        case 16: tacc_avx_1(y, g, ld, x, r, n); return;
        case 32: tacc_avx_2(y, g, ld, x, r, n); return;
        case 48: tacc_avx_3(y, g, ld, x, r, n); return;
        case 64: tacc_avx_4(y, g, ld, x, r, n); return;
        default: break;
        }
    }
#endif
    tacc_plain(y, g, ld, x, r, n, d);
}
