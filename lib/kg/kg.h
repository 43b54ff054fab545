/*
 * Knowledge graphs: an id space of named entities and relations shared by
 * the graphs of one dataset, and triple sets stored sorted by (head,
 * relation, tail) with a CSR index by head, plus a copy sorted by (tail,
 * relation, head) with a CSR index by tail.  The tails of a (head,
 * relation) query are one contiguous range, found by binary search.
 */
#ifndef GR_KG_KG_H
#define GR_KG_KG_H

#include <gnnrec/kg.h>
#include <stddef.h>
#include <stdint.h>

#include "kg/strmap.h"

/* Reference counted; it grows only while the first graph of a dataset is
 * built and is read-only afterwards. */
typedef struct gr_kg_vocab {
    int refs;
    gr_strmap ent, rel;
} gr_kg_vocab;

gr_kg_vocab *gr_kg_vocab_new(void);
gr_kg_vocab *gr_kg_vocab_ref(gr_kg_vocab *v);
void gr_kg_vocab_unref(gr_kg_vocab *v);

/* Where a graph built from a user-item graph keeps its users and items. */
typedef struct gr_kg_ui {
    size_t n_users, n_items; /* users are entities 0..n_users-1, items follow */
    int32_t liked;           /* the relation of user-item edges */
} gr_kg_ui;

struct gr_kg {
    int refs;
    gr_kg_vocab *vocab;
    size_t n_ent, n_rel; /* the id space at build time */
    size_t n, skipped;
    int32_t *h, *r, *t;    /* sorted by (h, r, t), unique */
    int64_t *hptr;         /* n_ent + 1: triples of head e are [hptr[e], hptr[e+1]) */
    int32_t *tr, *th;      /* relations and heads sorted by (t, r, h) */
    int64_t *tptr;         /* n_ent + 1, over tr/th */
    int has_ui;
    gr_kg_ui ui;
};

/*
 * A graph over vocab v from n triples in dense ids (checked by the caller
 * to be inside v).  Repeated triples are kept once.  Takes a reference on
 * v.  skipped is recorded as given.
 */
int gr_kg_build(gr_kg **out, gr_kg_vocab *v, const int32_t *h, const int32_t *r, const int32_t *t, size_t n,
                size_t skipped);

gr_kg *gr_kg_ref(const gr_kg *kg);

/* Triples in dense ids, collected before gr_kg_build(); zero-initialise. */
typedef struct gr_triple_buf {
    size_t n, cap;
    int32_t *h, *r, *t;
    size_t skipped; /* triples left out by the reader (unknown names) */
} gr_triple_buf;

/* Appends (h, r, t), growing the buffer geometrically.  GR_ENOMEM leaves it as it was. */
int gr_triple_buf_push(gr_triple_buf *b, int32_t h, int32_t r, int32_t t);

void gr_triple_buf_free(gr_triple_buf *b);

/* The range [*lo, *hi) of kg->t holding the tails of (h, r). */
void gr_kg_tail_range(const gr_kg *kg, int32_t h, int32_t r, int64_t *lo, int64_t *hi);
/* The range [*lo, *hi) of kg->th holding the heads of (r, t). */
void gr_kg_head_range(const gr_kg *kg, int32_t t, int32_t r, int64_t *lo, int64_t *hi);
/*
 * The known answers of a query: the heads of (?, r, anchor) when head is
 * set, else the tails of (anchor, r, ?).  Returns the ids array they lie
 * in, at [*lo, *hi).
 */
const int32_t *gr_kg_answers(const gr_kg *kg, int32_t anchor, int32_t r, int head, int64_t *lo, int64_t *hi);
/* Whether (h, r, t) is a triple of kg. */
int gr_kg_has(const gr_kg *kg, int32_t h, int32_t r, int32_t t);

/*
 * The union of base's triples and added's, added's given by its own names
 * (its own id space), in a new id space: base's entities and relations
 * first, at the same ids, then the names only added has, in added's
 * order.  GR_ENOMEM.
 */
int gr_kg_grow(gr_kg **out, const gr_kg *base, const gr_kg *added);

/* The union of n graphs of one id space (a filter index).  GR_EINVAL when
 * the id spaces differ. */
int gr_kg_union(gr_kg **out, const gr_kg *const *kgs, size_t n);

#endif
