/*
 * Ids that are names: a dataset whose user or item fields are strings
 * (usernames, SKUs, UUIDs) gives each name the 63-bit id gr_name_hash()
 * makes of its bytes, so that every file, every MPI rank and every later
 * update maps a name to the same id without a shared dictionary.  A table
 * keeps each id's name, and two names with one id are an error, never a
 * silent merge.
 */
#ifndef GR_CORE_NAMES_H
#define GR_CORE_NAMES_H

#include <stddef.h>
#include <stdint.h>

#include "core/idmap.h"

/* Longest name kept, in bytes (longer fields are an error). */
#define GR_NAME_MAX 1024

/* The id of the name s[0..n): FNV-1a over the bytes, then the SplitMix64
 * finaliser, the top bit cleared (0 .. 2^63-1).  Stable across versions
 * and platforms: saved models and other programs rely on it. */
int64_t gr_name_hash(const char *s, size_t n);
/* The bytes of a name as the readers take a field: name trimmed of
 * leading and trailing blanks and tabs; *n is 0 for a blank name. */
const char *gr_name_span(const char *name, size_t *n);

typedef struct gr_names {
    gr_idmap ids;  /* id -> slot */
    char **name;   /* slot -> name, NUL-terminated */
    size_t cap;
} gr_names;

void gr_names_init(gr_names *t);
void gr_names_free(gr_names *t);
/* Record that `id` is the name s[0..n).  An id held under another name is
 * GR_EFORMAT naming both (the caller prefixes where it was found). */
int gr_names_add(gr_names *t, int64_t id, const char *s, size_t n);
/* The name of id, or NULL. */
const char *gr_names_find(const gr_names *t, int64_t id);

#endif
