/* Triple sets: building the sorted arrays and both CSR indexes, lookups, accessors. */
#include "kg/kg.h"

#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/mem.h"

gr_kg_vocab *gr_kg_vocab_new(void)
{
    gr_kg_vocab *v = gr_zalloc(1, sizeof *v);
    if (!v) return NULL;
    v->refs = 1;
    gr_strmap_init(&v->ent);
    gr_strmap_init(&v->rel);
    return v;
}

gr_kg_vocab *gr_kg_vocab_ref(gr_kg_vocab *v)
{
    __atomic_add_fetch(&v->refs, 1, __ATOMIC_RELAXED);
    return v;
}

void gr_kg_vocab_unref(gr_kg_vocab *v)
{
    if (!v || __atomic_sub_fetch(&v->refs, 1, __ATOMIC_ACQ_REL) != 0) return;
    gr_strmap_free(&v->ent);
    gr_strmap_free(&v->rel);
    free(v);
}

gr_kg *gr_kg_ref(const gr_kg *kg)
{
    gr_kg *w = (gr_kg *)kg;
    __atomic_add_fetch(&w->refs, 1, __ATOMIC_RELAXED);
    return w;
}

void gr_kg_free(gr_kg *kg)
{
    if (!kg || __atomic_sub_fetch(&kg->refs, 1, __ATOMIC_ACQ_REL) != 0) return;
    free(kg->h);
    free(kg->r);
    free(kg->t);
    free(kg->hptr);
    free(kg->tr);
    free(kg->th);
    free(kg->tptr);
    gr_kg_vocab_unref(kg->vocab);
    free(kg);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Sort keys (a * nb + b) * nc + c and drop repeats; returns the new count. */
static size_t sort_unique(uint64_t *key, size_t n)
{
    qsort(key, n, sizeof *key, cmp_u64);
    size_t m = 0;
    for (size_t k = 0; k < n; k++)
        if (m == 0 || key[m - 1] != key[k]) key[m++] = key[k];
    return m;
}

/* Row pointers of a sorted first-coordinate array. */
static void fill_ptr(int64_t *ptr, const int32_t *first, size_t n, size_t rows)
{
    memset(ptr, 0, (rows + 1) * sizeof *ptr);
    for (size_t k = 0; k < n; k++) ptr[first[k] + 1]++;
    for (size_t e = 0; e < rows; e++) ptr[e + 1] += ptr[e];
}

static int alloc_arrays(gr_kg *kg, size_t n)
{
    size_t m = n ? n : 1;
    kg->h = gr_alloc(m, sizeof *kg->h);
    kg->r = gr_alloc(m, sizeof *kg->r);
    kg->t = gr_alloc(m, sizeof *kg->t);
    kg->tr = gr_alloc(m, sizeof *kg->tr);
    kg->th = gr_alloc(m, sizeof *kg->th);
    kg->hptr = gr_alloc(kg->n_ent + 1, sizeof *kg->hptr);
    kg->tptr = gr_alloc(kg->n_ent + 1, sizeof *kg->tptr);
    return kg->h && kg->r && kg->t && kg->tr && kg->th && kg->hptr && kg->tptr ? GR_OK : GR_ENOMEM;
}

/* Both orders from the unique keys of the (h, r, t) order. */
static int index_triples(gr_kg *kg, uint64_t *key)
{
    const uint64_t ne = kg->n_ent, nr = kg->n_rel;
    int32_t *tt = gr_alloc(kg->n ? kg->n : 1, sizeof *tt);
    if (!tt) return GR_ENOMEM;
    for (size_t k = 0; k < kg->n; k++) {
        uint64_t x = key[k];
        kg->t[k] = (int32_t)(x % ne);
        kg->r[k] = (int32_t)(x / ne % nr);
        kg->h[k] = (int32_t)(x / ne / nr);
        key[k] = ((uint64_t)kg->t[k] * nr + (uint64_t)kg->r[k]) * ne + (uint64_t)kg->h[k];
    }
    fill_ptr(kg->hptr, kg->h, kg->n, kg->n_ent);
    qsort(key, kg->n, sizeof *key, cmp_u64);
    for (size_t k = 0; k < kg->n; k++) {
        uint64_t x = key[k];
        kg->th[k] = (int32_t)(x % ne);
        kg->tr[k] = (int32_t)(x / ne % nr);
        tt[k] = (int32_t)(x / ne / nr);
    }
    fill_ptr(kg->tptr, tt, kg->n, kg->n_ent);
    free(tt);
    return GR_OK;
}

int gr_kg_build(gr_kg **out, gr_kg_vocab *v, const int32_t *h, const int32_t *r, const int32_t *t, size_t n,
                size_t skipped)
{
    gr_kg *kg = gr_zalloc(1, sizeof *kg);
    if (!kg) return GR_ENOMEM;
    kg->refs = 1;
    kg->vocab = gr_kg_vocab_ref(v);
    kg->n_ent = v->ent.n;
    kg->n_rel = v->rel.n ? v->rel.n : 1;
    kg->skipped = skipped;
    uint64_t *key = gr_alloc(n ? n : 1, sizeof *key);
    int rc = key ? GR_OK : GR_ENOMEM;
    if (rc == GR_OK && (double)kg->n_ent * (double)kg->n_ent * (double)kg->n_rel >= 1.8e19)
        rc = gr_err(GR_ERANGE, "%zu entities x %zu relations are too many to index", kg->n_ent, kg->n_rel);
    for (size_t k = 0; rc == GR_OK && k < n; k++)
        key[k] = ((uint64_t)h[k] * kg->n_rel + (uint64_t)r[k]) * kg->n_ent + (uint64_t)t[k];
    if (rc == GR_OK) kg->n = sort_unique(key, n);
    if (rc == GR_OK) rc = alloc_arrays(kg, kg->n);
    if (rc == GR_OK) rc = index_triples(kg, key);
    free(key);
    if (rc != GR_OK) {
        gr_kg_free(kg);
        return rc;
    }
    *out = kg;
    return GR_OK;
}

/* First position in [lo, hi) of a sorted run whose (a, b) pair is >= (ka, kb). */
static int64_t lower2(const int32_t *a, const int32_t *b, int64_t lo, int64_t hi, int32_t ka, int32_t kb)
{
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (a[mid] < ka || (a[mid] == ka && b[mid] < kb)) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

void gr_kg_tail_range(const gr_kg *kg, int32_t h, int32_t r, int64_t *lo, int64_t *hi)
{
    if (h < 0 || (size_t)h >= kg->n_ent) {
        *lo = *hi = 0;
        return;
    }
    int64_t a = kg->hptr[h], b = kg->hptr[h + 1];
    *lo = lower2(kg->r, kg->t, a, b, r, INT32_MIN);
    *hi = lower2(kg->r, kg->t, *lo, b, r + 1, INT32_MIN);
}

void gr_kg_head_range(const gr_kg *kg, int32_t t, int32_t r, int64_t *lo, int64_t *hi)
{
    if (t < 0 || (size_t)t >= kg->n_ent) {
        *lo = *hi = 0;
        return;
    }
    int64_t a = kg->tptr[t], b = kg->tptr[t + 1];
    *lo = lower2(kg->tr, kg->th, a, b, r, INT32_MIN);
    *hi = lower2(kg->tr, kg->th, *lo, b, r + 1, INT32_MIN);
}

const int32_t *gr_kg_answers(const gr_kg *kg, int32_t anchor, int32_t r, int head, int64_t *lo, int64_t *hi)
{
    if (head) {
        gr_kg_head_range(kg, anchor, r, lo, hi);
        return kg->th;
    }
    gr_kg_tail_range(kg, anchor, r, lo, hi);
    return kg->t;
}

int gr_kg_has(const gr_kg *kg, int32_t h, int32_t r, int32_t t)
{
    if (h < 0 || (size_t)h >= kg->n_ent) return 0;
    int64_t b = kg->hptr[h + 1];
    int64_t k = lower2(kg->r, kg->t, kg->hptr[h], b, r, t);
    return k < b && kg->r[k] == r && kg->t[k] == t;
}

int gr_kg_union(gr_kg **out, const gr_kg *const *kgs, size_t n)
{
    if (n == 0) return gr_err(GR_EINVAL, "union of no graphs");
    size_t total = 0;
    for (size_t k = 0; k < n; k++) {
        if (kgs[k]->vocab != kgs[0]->vocab) return gr_err(GR_EINVAL, "the graphs do not share one id space: load them with gr_kg_load_like()");
        total += kgs[k]->n;
    }
    int32_t *h = gr_alloc(total + 1, sizeof *h), *r = gr_alloc(total + 1, sizeof *r), *t = gr_alloc(total + 1, sizeof *t);
    int rc = h && r && t ? GR_OK : GR_ENOMEM;
    size_t m = 0;
    for (size_t k = 0; rc == GR_OK && k < n; k++) {
        memcpy(h + m, kgs[k]->h, kgs[k]->n * sizeof *h);
        memcpy(r + m, kgs[k]->r, kgs[k]->n * sizeof *r);
        memcpy(t + m, kgs[k]->t, kgs[k]->n * sizeof *t);
        m += kgs[k]->n;
    }
    if (rc == GR_OK) rc = gr_kg_build(out, kgs[0]->vocab, h, r, t, m, 0);
    free(h);
    free(r);
    free(t);
    return rc;
}

/* ---- public accessors ---- */

size_t gr_kg_num_entities(const gr_kg *kg) { return kg ? kg->n_ent : 0; }
size_t gr_kg_num_relations(const gr_kg *kg) { return kg ? kg->vocab->rel.n : 0; }
size_t gr_kg_num_triples(const gr_kg *kg) { return kg ? kg->n : 0; }
size_t gr_kg_num_skipped(const gr_kg *kg) { return kg ? kg->skipped : 0; }

const char *gr_kg_entity_name(const gr_kg *kg, int64_t id)
{
    return kg && id >= 0 && (size_t)id < kg->n_ent ? kg->vocab->ent.names[id] : NULL;
}

const char *gr_kg_relation_name(const gr_kg *kg, int64_t id)
{
    return kg && id >= 0 && (size_t)id < kg->vocab->rel.n ? kg->vocab->rel.names[id] : NULL;
}

static int id_of(int64_t *id, const gr_strmap *m, size_t n, const char *name, const char *what)
{
    if (!id || !name) return gr_err(GR_EINVAL, "gr_kg_%s_id: NULL argument", what);
    int32_t k = gr_strmap_find(m, name, strlen(name));
    if (k < 0 || (size_t)k >= n) return gr_err(GR_ENOTFOUND, "unknown %s '%s'", what, name);
    *id = k;
    return GR_OK;
}

int gr_kg_entity_id(int64_t *id, const gr_kg *kg, const char *name)
{
    if (!kg) return gr_err(GR_EINVAL, "gr_kg_entity_id: NULL graph");
    return id_of(id, &kg->vocab->ent, kg->n_ent, name, "entity");
}

int gr_kg_relation_id(int64_t *id, const gr_kg *kg, const char *name)
{
    if (!kg) return gr_err(GR_EINVAL, "gr_kg_relation_id: NULL graph");
    return id_of(id, &kg->vocab->rel, kg->vocab->rel.n, name, "relation");
}

int gr_kg_triples(size_t *count, const gr_kg *kg, int64_t *heads, int64_t *relations, int64_t *tails, size_t cap)
{
    if (!count || !kg) return gr_err(GR_EINVAL, "gr_kg_triples: NULL argument");
    size_t n = kg->n < cap ? kg->n : cap;
    for (size_t k = 0; k < n; k++) {
        if (heads) heads[k] = kg->h[k];
        if (relations) relations[k] = kg->r[k];
        if (tails) tails[k] = kg->t[k];
    }
    *count = kg->n;
    return GR_OK;
}

int gr_kg_contains(const gr_kg *kg, int64_t head, int64_t relation, int64_t tail)
{
    if (!kg || head < 0 || tail < 0 || relation < 0 || (size_t)relation >= kg->n_rel || head > INT32_MAX || tail > INT32_MAX)
        return 0;
    return gr_kg_has(kg, (int32_t)head, (int32_t)relation, (int32_t)tail);
}

/* ---- triple buffers ---- */

int gr_triple_buf_push(gr_triple_buf *b, int32_t h, int32_t r, int32_t t)
{
    void **const arrays[] = { (void **)&b->h, (void **)&b->r, (void **)&b->t };
    const size_t sizes[] = { sizeof *b->h, sizeof *b->r, sizeof *b->t };
    GR_TRY(gr_reserve_each(arrays, sizes, 3, &b->cap, b->n + 1));
    b->h[b->n] = h;
    b->r[b->n] = r;
    b->t[b->n] = t;
    b->n++;
    return GR_OK;
}

void gr_triple_buf_free(gr_triple_buf *b)
{
    free(b->h);
    free(b->r);
    free(b->t);
    memset(b, 0, sizeof *b);
}
