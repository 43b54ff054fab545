/*
 * Map between names and dense indices 0..n-1 (in order of first
 * appearance), for the entities and relations of a knowledge graph, whose
 * ids are strings ("00260881", "_hypernym", "user:12"), over a
 * core/slots.h table; names are copied.
 */
#ifndef GR_KG_STRMAP_H
#define GR_KG_STRMAP_H

#include <stddef.h>
#include <stdint.h>

#include "core/slots.h"

typedef struct gr_strmap {
    char **names;   /* dense index -> name */
    size_t n, cap;
    gr_slots slots; /* hash table of dense indices */
} gr_strmap;

/*
 * Why the len bytes at name cannot be an entity or relation name ("empty",
 * "holds a tab", ...), or NULL when they can.  Names travel through tab-separated text (gr_kg_write,
 * dictionaries), so a name must read back as it was written: it is not
 * empty, holds no NUL, tab, line feed or carriage return, is not made of
 * spaces alone, and does not begin with a byte order mark (U+FEFF, which
 * the line reader drops at the start of a file).
 */
const char *gr_strmap_name_problem(const char *name, size_t len);

void gr_strmap_init(gr_strmap *m);
void gr_strmap_free(gr_strmap *m);
/* Dense index of the first len bytes of name, adding them when new.  -1 on
 * allocation failure or a name gr_strmap_name_problem() refuses (error
 * set, GR_EFORMAT naming the name). */
int32_t gr_strmap_intern(gr_strmap *m, const char *name, size_t len);
/* Dense index of the first len bytes of name, or -1 (also for names
 * holding a NUL, which no entry has). */
int32_t gr_strmap_find(const gr_strmap *m, const char *name, size_t len);
/* Set index `idx` to `name` while loading a dictionary (id<TAB>name): the
 * map is grown to idx + 1 entries, unset entries stay NULL (the caller
 * bounds idx first).  GR_EFORMAT when idx is already set, the name is
 * already present or refused by gr_strmap_name_problem() (the message
 * says which); the caller adds the file and line. */
int gr_strmap_put(gr_strmap *m, int32_t idx, const char *name, size_t len);

#endif
