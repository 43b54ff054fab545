/* Thread-local last error. */
#include "core/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define GR_ERR_MAX 1024

static _Thread_local char err_msg[GR_ERR_MAX];
static _Thread_local int err_code;

int gr_err(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err_msg, sizeof err_msg, fmt, ap);
    va_end(ap);
    err_code = code;
    return code;
}

void gr_err_prefix(const char *fmt, ...)
{
    char old[GR_ERR_MAX];
    memcpy(old, err_msg, sizeof old);
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(err_msg, sizeof err_msg, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof err_msg - 2) return;
    size_t used = (size_t)n;
    /* the message is cut rather than overflowing */
    size_t room = sizeof err_msg - used - 2;
    size_t len = strnlen(old, room);
    memcpy(err_msg + used, ": ", 2);
    memcpy(err_msg + used + 2, old, len);
    err_msg[used + 2 + len] = '\0';
}

const char *gr_last_error(void) { return err_msg; }

int gr_last_error_code(void) { return err_code; }

void gr_error_clear(void)
{
    err_msg[0] = '\0';
    err_code = GR_OK;
}

const char *gr_status_name(int status)
{
    switch (status) {
    case GR_OK: return "GR_OK";
    case GR_EINVAL: return "GR_EINVAL";
    case GR_ENOMEM: return "GR_ENOMEM";
    case GR_EIO: return "GR_EIO";
    case GR_EFORMAT: return "GR_EFORMAT";
    case GR_ERANGE: return "GR_ERANGE";
    case GR_ENOTFOUND: return "GR_ENOTFOUND";
    case GR_ECORRUPT: return "GR_ECORRUPT";
    case GR_EVERSION: return "GR_EVERSION";
    case GR_ESTATE: return "GR_ESTATE";
    case GR_EUNSUPPORTED: return "GR_EUNSUPPORTED";
    case GR_ECANCELLED: return "GR_ECANCELLED";
    default: return "GR_UNKNOWN";
    }
}
