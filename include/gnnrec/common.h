/*
 * gnnrec/common.h - definitions shared by every public header.
 *
 * Conventions used throughout the API:
 *  - Functions return an int status: GR_OK (0) on success, a negative
 *    gr_status code on failure.  On failure gr_last_error() describes what
 *    was wrong; out-parameters are left untouched (handles stay NULL).
 *  - The out-parameter comes first (libgit2 style): gr_graph_load(&g, ...).
 *  - Handles are opaque; their layout is not part of the ABI.
 *  - Buffers passed in are owned by the caller; strings returned as
 *    `const char *` are owned by the handle they came from and live as long
 *    as it does.
 *  - External ids (users, items) are 64-bit integers, as in every MovieLens
 *    release; dense internal indices never appear in the API.
 */
#ifndef GNNREC_COMMON_H
#define GNNREC_COMMON_H

#include <stddef.h>
#include <stdint.h>

#if defined(_WIN32) && defined(GNNREC_BUILDING)
#define GR_API __declspec(dllexport)
#elif defined(__GNUC__)
#define GR_API __attribute__((visibility("default")))
#else
#define GR_API
#endif

#ifdef __cplusplus
#define GR_BEGIN_DECLS extern "C" {
#define GR_END_DECLS }
#else
#define GR_BEGIN_DECLS
#define GR_END_DECLS
#endif

#endif
