/* Internal error reporting: set the thread-local message and return the code. */
#ifndef GR_CORE_ERR_H
#define GR_CORE_ERR_H

#include <gnnrec/error.h>

#if defined(__GNUC__)
#define GR_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define GR_PRINTF(a, b)
#endif

/* Record `code` with a printf-style message for gr_last_error(); returns code. */
int gr_err(int code, const char *fmt, ...) GR_PRINTF(2, 3);

/* Prefix the current message with "context: " (e.g. the file being read). */
void gr_err_prefix(const char *fmt, ...) GR_PRINTF(1, 2);

/* Return early with the status of a call that failed. */
#define GR_TRY(expr)                      \
    do {                                  \
        int gr_try_rc_ = (expr);          \
        if (gr_try_rc_ != 0) return gr_try_rc_; \
    } while (0)

#endif
