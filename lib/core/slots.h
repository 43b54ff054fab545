/*
 * The index half of an open-addressing hash table, shared by the id maps
 * (core/idmap.h) and the name maps (kg/strmap.h): a power-of-two array of
 * dense indices (-1 = empty) probed linearly.  The owner keeps the keys,
 * hashes them and compares them; keeping the table at most half full keeps
 * probe runs short.
 */
#ifndef GR_CORE_SLOTS_H
#define GR_CORE_SLOTS_H

#include <stddef.h>
#include <stdint.h>

typedef struct gr_slots {
    int32_t *at; /* dense index, or -1 */
    size_t n;    /* power of two, or 0 before the first key */
} gr_slots;

/* Replace the table by `n` (a power of two) empty slots.  GR_OK or GR_ENOMEM,
 * the old table kept on failure. */
int gr_slots_reset(gr_slots *s, size_t n);
void gr_slots_free(gr_slots *s);
/* The smallest table (64 or more slots) that holds `keys` at most half full. */
size_t gr_slots_size_for(size_t keys);
/* Deep copy into an uninitialised dst.  GR_OK or GR_ENOMEM. */
int gr_slots_copy(gr_slots *dst, const gr_slots *src);

/* The hash of a byte string for the tables keyed by names: FNV-1a, then a
 * 64-bit finaliser so that the low bits, which pick the slot, mix too. */
static inline uint64_t gr_slots_hash_bytes(const char *s, size_t len)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t k = 0; k < len; k++) h = (h ^ (unsigned char)s[k]) * 0x100000001b3ULL;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    return h ^ (h >> 33);
}

/* First slot of the probe run for hash h, and the next one. */
static inline size_t gr_slots_first(const gr_slots *s, uint64_t h) { return (size_t)h & (s->n - 1); }
static inline size_t gr_slots_next(const gr_slots *s, size_t at) { return (at + 1) & (s->n - 1); }

/* Store idx in the first empty slot of h's probe run. */
static inline void gr_slots_place(gr_slots *s, uint64_t h, int32_t idx)
{
    size_t at = gr_slots_first(s, h);
    while (s->at[at] >= 0) at = gr_slots_next(s, at);
    s->at[at] = idx;
}

#endif
