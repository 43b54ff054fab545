/*
 * Map between external 64-bit ids and dense indices 0..n-1 (in order of
 * first appearance), over a core/slots.h table.
 */
#ifndef GR_CORE_IDMAP_H
#define GR_CORE_IDMAP_H

#include <stddef.h>
#include <stdint.h>

#include "core/slots.h"

typedef struct gr_idmap {
    int64_t *ids;    /* dense index -> external id */
    size_t n, cap;   /* ids in use / allocated */
    gr_slots slots;  /* hash table of dense indices */
} gr_idmap;

void gr_idmap_init(gr_idmap *m);
void gr_idmap_free(gr_idmap *m);
/* Dense index of id, adding it when new.  -1 on allocation failure (error set). */
int32_t gr_idmap_intern(gr_idmap *m, int64_t id);
/* Dense index of id, or -1 when absent. */
int32_t gr_idmap_find(const gr_idmap *m, int64_t id);
/* Deep copy.  GR_OK or GR_ENOMEM. */
int gr_idmap_copy(gr_idmap *dst, const gr_idmap *src);
/* Rebuild the hash table from ids[0..n) (after the ids were read from a file).
 * GR_EFORMAT if an id repeats. */
int gr_idmap_rebuild(gr_idmap *m);

#endif
