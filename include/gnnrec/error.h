/*
 * gnnrec/error.h - status codes and the per-thread last error.
 *
 * Every function that can fail returns one of these codes.  The library
 * never prints, never exits and never aborts on bad input: it records a
 * message naming what was wrong (the file, the line, the field, the id)
 * in thread-local storage and returns the code.
 */
#ifndef GNNREC_ERROR_H
#define GNNREC_ERROR_H

#include "common.h"

GR_BEGIN_DECLS

typedef enum gr_status {
    GR_OK = 0,
    GR_EINVAL = -1,        /* invalid argument: NULL handle, bad option value */
    GR_ENOMEM = -2,        /* allocation failed */
    GR_EIO = -3,           /* a file could not be opened, read or written */
    GR_EFORMAT = -4,       /* malformed input: the message names file:line and field */
    GR_ERANGE = -5,        /* an index, size or k out of range */
    GR_ENOTFOUND = -6,     /* unknown user or item id */
    GR_ECORRUPT = -7,      /* model file truncated or checksum mismatch */
    GR_EVERSION = -8,      /* file written by an incompatible version */
    GR_ESTATE = -9,        /* not valid now: empty graph, missing data, ... */
    GR_EUNSUPPORTED = -10, /* the model kind does not support this call */
    GR_ECANCELLED = -11    /* a progress callback asked to stop */
} gr_status;

/*
 * The message of the last failed call on this thread, or "" if none failed
 * since the last gr_error_clear().  The pointer stays valid until the next
 * failing call on the same thread.
 */
GR_API const char *gr_last_error(void);

/* The status code of the last failed call on this thread (GR_OK if none). */
GR_API int gr_last_error_code(void);

/* Forget the last error of this thread. */
GR_API void gr_error_clear(void);

/* A constant name for a status code: "GR_EFORMAT", ...; "GR_UNKNOWN" otherwise. */
GR_API const char *gr_status_name(int status);

GR_END_DECLS

#endif
