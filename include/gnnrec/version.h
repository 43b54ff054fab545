/*
 * gnnrec/version.h - library version.
 *
 * The macros give the version of the headers a program was compiled
 * against; gr_version() gives the version of the library it runs with.
 * See docs/versioning.md for what each component promises.
 */
#ifndef GNNREC_VERSION_H
#define GNNREC_VERSION_H

#include "common.h"

#define GR_VERSION_MAJOR 0
#define GR_VERSION_MINOR 1
#define GR_VERSION_PATCH 0
#define GR_VERSION_STRING "0.1.0"
/* MAJOR*10000 + MINOR*100 + PATCH, for numeric comparisons. */
#define GR_VERSION_NUMBER \
    (GR_VERSION_MAJOR * 10000 + GR_VERSION_MINOR * 100 + GR_VERSION_PATCH)

GR_BEGIN_DECLS

/* The runtime library's version as GR_VERSION_NUMBER would spell it. */
GR_API int gr_version(void);
/* The runtime library's version as "MAJOR.MINOR.PATCH"; static storage. */
GR_API const char *gr_version_string(void);

GR_END_DECLS

#endif
