/*
 * The body of the KG kernels, included by kg_score.c once per instruction
 * set with KG_SUFFIX (the name suffix), KG_V and KG_VI (the float and int
 * vectors of KG_W lanes that the set holds in one register: gr_v16 with
 * AVX-512, gr_v8 with AVX2), KG_LOAD, KG_STORE, KG_SPLAT and KG_HSUM on
 * them, KG_RSQRT / KG_SQRT (reciprocal square root estimate and exact
 * root), KG_FMA (a * b + c, fused where the instruction set has it: ISO
 * C mode does not contract a * b + c on its own) and KG_FNMA (c - a * b,
 * fused likewise: fma(-a, b, c) without the negation) defined; it
 * undefines them at its end.
 */
#define KG_CAT2(a, b) a##b
#define KG_CAT(a, b) KG_CAT2(a, b)
#define KG_FN(name) KG_CAT(name, KG_SUFFIX)

#define KG_TQ 4  /* queries per register tile */
#define KG_TC 2  /* candidates per register tile of the scores */
#define KG_NB 64 /* candidates per cache block */

/* Added to every squared modulus fed to the root estimates, so that zero
 * padding gives a finite estimate (its distance term tiny * 1e15 = 1e-15,
 * lost in any lane's sum of real terms) instead of 0 * inf. */
#define KG_TINY 1e-30f

static inline __attribute__((always_inline)) KG_V KG_FN(kg_abs)(KG_V x)
{
    return (KG_V)((KG_VI)x & 0x7fffffff);
}

/* w with the sign of d, and 0 where d is 0 (the zero padding stays zero). */
static inline __attribute__((always_inline)) KG_V KG_FN(kg_signed)(KG_V d, float w)
{
    KG_VI sw = ((KG_VI)d & (int)0x80000000u) ^ (KG_VI)KG_SPLAT(w);
    return (KG_V)(sw & (d != 0));
}

/* One (query, candidate) chunk of KG_W dimensions, added to acc. */
static inline __attribute__((always_inline)) KG_V KG_FN(kg_cell)(int op, int precision, const float *q,
                                                                    const float *c, size_t half, KG_V acc)
{
    /* differences taken as candidate - query (the same magnitudes), so
     * the query rows can be the subtrahend, which x86 reads from memory */
    KG_V a = KG_LOAD(q), b = KG_LOAD(c);
    switch (op) {
    case GR_KG_DOT: return KG_FMA(a, b, acc);
    case GR_KG_L1: return acc + KG_FN(kg_abs)(b - a);
    case GR_KG_L2: {
        KG_V d = b - a;
        return KG_FMA(d, d, acc);
    }
    default: {
        KG_V dr = b - a, di = KG_LOAD(c + half) - KG_LOAD(q + half);
        if (precision == GR_KG_EXACT) return acc + KG_SQRT(KG_FMA(di, di, dr * dr));
        /* the root as s times the estimate of 1 / sqrt(s); KG_TINY rides
         * in the first multiply-add instead of an add of its own */
        KG_V s = KG_FMA(di, di, KG_FMA(dr, dr, KG_SPLAT(KG_TINY)));
        return KG_FMA(s, KG_RSQRT(s), acc);
    }
    }
}

static inline __attribute__((always_inline)) void KG_FN(kg_score_op)(int op, int precision, float *S, size_t lds,
                                                                      const float *Q, size_t nq, const float *C,
                                                                      size_t nc, size_t L)
{
    const size_t span = op == GR_KG_CMOD ? L / 2 : L, half = L / 2;
    for (size_t n0 = 0; n0 < nc; n0 += KG_NB) {
        size_t n1 = n0 + KG_NB < nc ? n0 + KG_NB : nc;
        for (size_t b0 = 0; b0 < nq; b0 += KG_TQ) {
            const float *q[KG_TQ];
            for (size_t i = 0; i < KG_TQ; i++) q[i] = Q + (b0 + i < nq ? b0 + i : b0) * L;
            for (size_t n = n0; n < n1; n += KG_TC) {
                const float *c[KG_TC];
                for (size_t j = 0; j < KG_TC; j++) c[j] = C + (n + j < n1 ? n + j : n) * L;
                KG_V acc[KG_TQ][KG_TC];
                for (size_t i = 0; i < KG_TQ; i++)
                    for (size_t j = 0; j < KG_TC; j++) acc[i][j] = KG_SPLAT(0.0f);
                for (size_t k = 0; k < span; k += KG_W)
                    for (size_t i = 0; i < KG_TQ; i++)
                        for (size_t j = 0; j < KG_TC; j++)
                            acc[i][j] = KG_FN(kg_cell)(op, precision, q[i] + k, c[j] + k, half, acc[i][j]);
                for (size_t i = 0; i < KG_TQ && b0 + i < nq; i++)
                    for (size_t j = 0; j < KG_TC && n + j < n1; j++) S[(b0 + i) * lds + n + j] = KG_HSUM(acc[i][j]);
            }
        }
    }
}

static void KG_FN(gr_kg_score_)(int op, int precision, float *S, size_t lds, const float *Q, size_t nq, const float *C, size_t nc,
                         size_t L)
{
    switch (op) {
    case GR_KG_DOT: KG_FN(kg_score_op)(GR_KG_DOT, GR_KG_FAST, S, lds, Q, nq, C, nc, L); break;
    case GR_KG_L1: KG_FN(kg_score_op)(GR_KG_L1, GR_KG_FAST, S, lds, Q, nq, C, nc, L); break;
    case GR_KG_L2: KG_FN(kg_score_op)(GR_KG_L2, GR_KG_FAST, S, lds, Q, nq, C, nc, L); break;
    default:
        if (precision == GR_KG_EXACT) KG_FN(kg_score_op)(GR_KG_CMOD, GR_KG_EXACT, S, lds, Q, nq, C, nc, L);
        else KG_FN(kg_score_op)(GR_KG_CMOD, GR_KG_FAST, S, lds, Q, nq, C, nc, L);
    }
}

/*
 * One query tile's pass over a cache block of candidates, for one chunk of
 * dimensions: q, qi hold the tile's query chunk, g, gi collect its
 * gradient, cp and gcp the block's candidates and their gradient.  full:
 * the tile has KG_TQ queries (a constant in the call, so the common case
 * loads its weights without testing each query's index).
 */
static inline __attribute__((always_inline)) void KG_FN(kg_grad_tile)(int op, int full, size_t tq,
                                                                       const float *const *wr, size_t n0,
                                                                       size_t n1, const KG_V *q, const KG_V *qi,
                                                                       KG_V *g, KG_V *gi, KG_V (*cp)[2],
                                                                       KG_V (*gcp)[2])
{
    for (size_t n = n0; n < n1; n++) {
        /* skipped when every weight is +-0 (a NaN is not):
         * the bits less the sign, in integers; a float
         * comparison compiles to a compare, a parity test and
         * a conditional move per weight for its NaN case */
        float w[KG_TQ];
        uint32_t nonzero = 0;
        for (size_t i = 0; i < KG_TQ; i++) {
            uint32_t bits;
            w[i] = full || i < tq ? wr[i][n] : 0.0f;
            memcpy(&bits, &w[i], sizeof bits);
            nonzero |= bits << 1;
        }
        if (!nonzero) continue;
        KG_V c = cp[n - n0][0], gc = KG_SPLAT(0.0f), gci = gc;
        KG_V ci = op == GR_KG_CMOD ? cp[n - n0][1] : c;
        for (size_t i = 0; i < KG_TQ; i++) {
            KG_V d = q[i] - c;
            switch (op) {
            case GR_KG_DOT: {
                KG_V wv = KG_SPLAT(w[i]);
                g[i] = KG_FMA(wv, c, g[i]);
                gc = KG_FMA(wv, q[i], gc);
                break;
            }
            case GR_KG_L1: {
                KG_V s = KG_FN(kg_signed)(d, w[i]);
                g[i] += s;
                gc -= s;
                break;
            }
            case GR_KG_L2: {
                KG_V w2 = KG_SPLAT(2.0f * w[i]);
                g[i] = KG_FMA(w2, d, g[i]);
                gc = KG_FNMA(w2, d, gc);
                break;
            }
            default: {
                KG_V di = qi[i] - ci;
                KG_V m = KG_FMA(di, di, KG_FMA(d, d, KG_SPLAT(KG_TINY)));
                KG_V f = w[i] * KG_RSQRT(m);
                g[i] = KG_FMA(f, d, g[i]);
                gi[i] = KG_FMA(f, di, gi[i]);
                gc = KG_FNMA(f, d, gc);
                gci = KG_FNMA(f, di, gci);
            }
            }
        }
        gcp[n - n0][0] += gc;
        if (op == GR_KG_CMOD) gcp[n - n0][1] += gci;
    }
}

/*
 * Gradient of one cell with weight w: the part for the query (added to
 * gq, gqi) and, negated for the distance ops, for the candidate.  For DOT
 * the query part is w c and the candidate part w q, so both are returned.
 */
static inline __attribute__((always_inline)) void KG_FN(kg_grad_op)(int op, float *gQ, float *gC, const float *W,
                                                                     size_t ldw, const float *Q, size_t nq,
                                                                     const float *C, size_t nc, size_t L, size_t k0,
                                                                     size_t k1)
{
    const size_t half = L / 2;
    /* The block's candidate vectors of one chunk of dimensions, and their
     * gradient, copied next to each other: rows of a power-of-two length
     * (RotatE's 1,024 floats) put a chunk of every candidate in the same
     * L1 set, and the loop below visits 64 of them per query tile. */
    KG_V cp[KG_NB][2], gcp[KG_NB][2];
    for (size_t n0 = 0; n0 < nc; n0 += KG_NB) {
        size_t n1 = n0 + KG_NB < nc ? n0 + KG_NB : nc;
        for (size_t k = k0; k < k1; k += KG_W) {
            for (size_t n = n0; n < n1; n++) {
                cp[n - n0][0] = KG_LOAD(C + n * L + k);
                gcp[n - n0][0] = KG_LOAD(gC + n * L + k);
                if (op == GR_KG_CMOD) {
                    cp[n - n0][1] = KG_LOAD(C + n * L + k + half);
                    gcp[n - n0][1] = KG_LOAD(gC + n * L + k + half);
                }
            }
            for (size_t b0 = 0; b0 < nq; b0 += KG_TQ) {
                size_t tq = nq - b0 < KG_TQ ? nq - b0 : KG_TQ;
                KG_V q[KG_TQ], qi[KG_TQ], g[KG_TQ], gi[KG_TQ];
                for (size_t i = 0; i < KG_TQ; i++) {
                    const float *row = Q + (b0 + (i < tq ? i : 0)) * L + k;
                    q[i] = KG_LOAD(row);
                    qi[i] = op == GR_KG_CMOD ? KG_LOAD(row + half) : q[i];
                    g[i] = gi[i] = KG_SPLAT(0.0f);
                }
                const float *wr[KG_TQ];
                for (size_t i = 0; i < KG_TQ; i++) wr[i] = W + (b0 + (i < tq ? i : 0)) * ldw;
                if (tq == KG_TQ) KG_FN(kg_grad_tile)(op, 1, tq, wr, n0, n1, q, qi, g, gi, cp, gcp);
                else KG_FN(kg_grad_tile)(op, 0, tq, wr, n0, n1, q, qi, g, gi, cp, gcp);
                for (size_t i = 0; i < tq; i++) {
                    float *row = gQ + (b0 + i) * L + k;
                    KG_STORE(row, KG_LOAD(row) + g[i]);
                    if (op == GR_KG_CMOD) KG_STORE(row + half, KG_LOAD(row + half) + gi[i]);
                }
            }
            for (size_t n = n0; n < n1; n++) {
                KG_STORE(gC + n * L + k, gcp[n - n0][0]);
                if (op == GR_KG_CMOD) KG_STORE(gC + n * L + k + half, gcp[n - n0][1]);
            }
        }
    }
}

static void KG_FN(gr_kg_grad_)(int op, float *gQ, float *gC, const float *W, size_t ldw, const float *Q, size_t nq,
                        const float *C, size_t nc, size_t L, size_t k0, size_t k1)
{
    switch (op) {
    case GR_KG_DOT: KG_FN(kg_grad_op)(GR_KG_DOT, gQ, gC, W, ldw, Q, nq, C, nc, L, k0, k1); break;
    case GR_KG_L1: KG_FN(kg_grad_op)(GR_KG_L1, gQ, gC, W, ldw, Q, nq, C, nc, L, k0, k1); break;
    case GR_KG_L2: KG_FN(kg_grad_op)(GR_KG_L2, gQ, gC, W, ldw, Q, nq, C, nc, L, k0, k1); break;
    default: KG_FN(kg_grad_op)(GR_KG_CMOD, gQ, gC, W, ldw, Q, nq, C, nc, L, k0, k1);
    }
}

#undef KG_TQ
#undef KG_TC
#undef KG_NB
#undef KG_TINY
#undef KG_SUFFIX
#undef KG_V
#undef KG_VI
#undef KG_W
#undef KG_LOAD
#undef KG_STORE
#undef KG_SPLAT
#undef KG_HSUM
#undef KG_SQRT
#undef KG_RSQRT
#undef KG_FMA
#undef KG_FNMA
