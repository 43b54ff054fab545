/*
 * A knowledge graph grown by the triples of another with names of its own:
 * the id space of an updated model (gr_model_update_kg).
 */
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/mem.h"
#include "kg/kg.h"

/* Every name of `from` into `to`, in from's order; ids[k] is name k's id in to. */
static int intern_all(int32_t *ids, gr_strmap *to, const gr_strmap *from, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        if (!from->names[k]) return gr_err(GR_EINVAL, "entity or relation id %zu has no name", k);
        ids[k] = gr_strmap_intern(to, from->names[k], strlen(from->names[k]));
        if (ids[k] < 0) return GR_ENOMEM; /* the names were accepted once: only memory can fail */
    }
    return GR_OK;
}

int gr_kg_grow(gr_kg **out, const gr_kg *base, const gr_kg *added)
{
    *out = NULL;
    gr_kg_vocab *v = gr_kg_vocab_new();
    size_t ne = added->n_ent, nr = added->vocab->rel.n, n = base->n + added->n;
    int32_t *ent = gr_alloc(ne + 1, sizeof *ent), *rel = gr_alloc(nr + 1, sizeof *rel);
    int32_t *h = gr_alloc(n + 1, sizeof *h), *r = gr_alloc(n + 1, sizeof *r), *t = gr_alloc(n + 1, sizeof *t);
    int32_t *base_ids = gr_alloc(base->n_ent + base->vocab->rel.n + 1, sizeof *base_ids);
    int rc = v && ent && rel && h && r && t && base_ids ? GR_OK : GR_ENOMEM;
    /* base's names keep their ids: they are interned first, in order */
    if (rc == GR_OK) rc = intern_all(base_ids, &v->ent, &base->vocab->ent, base->n_ent);
    if (rc == GR_OK) rc = intern_all(base_ids, &v->rel, &base->vocab->rel, base->vocab->rel.n);
    if (rc == GR_OK) rc = intern_all(ent, &v->ent, &added->vocab->ent, ne);
    if (rc == GR_OK) rc = intern_all(rel, &v->rel, &added->vocab->rel, nr);
    if (rc == GR_OK) {
        memcpy(h, base->h, base->n * sizeof *h);
        memcpy(r, base->r, base->n * sizeof *r);
        memcpy(t, base->t, base->n * sizeof *t);
        for (size_t k = 0; k < added->n; k++) {
            h[base->n + k] = ent[added->h[k]];
            r[base->n + k] = rel[added->r[k]];
            t[base->n + k] = ent[added->t[k]];
        }
        rc = gr_kg_build(out, v, h, r, t, n, 0);
    }
    if (v) gr_kg_vocab_unref(v);
    free(ent);
    free(rel);
    free(h);
    free(r);
    free(t);
    free(base_ids);
    return rc;
}
