#include "io/atomic_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/err.h"
#include "core/mem.h"
#include "core/rng.h"

/*
 * Whether `path` may be replaced: only a regular file (or nothing) is.
 * A symbolic link is refused rather than replaced by a file or written
 * through (a link to elsewhere would let a save land outside the
 * directory the caller named); a directory, FIFO, socket or device node
 * is refused as well, so that saving to /dev/full cannot replace the
 * device with a file.
 */
static int check_target(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0) return GR_OK; /* nothing there yet, or the directory fails to open later */
    if (S_ISREG(st.st_mode)) return GR_OK;
    if (S_ISLNK(st.st_mode))
        return gr_err(GR_EIO, "%s: is a symbolic link; refusing to replace it (save to the file it points to)", path);
    if (S_ISDIR(st.st_mode)) return gr_err(GR_EIO, "%s: is a directory; refusing to replace it", path);
    return gr_err(GR_EIO, "%s: not a regular file (a device, FIFO or socket); refusing to replace it", path);
}

/* The directory of path, opened for the fsync after the rename (-1 when
 * it cannot be: that sync is best effort); buf holds strlen(path) + 2. */
static int open_dir(const char *path, char *buf)
{
    strcpy(buf, path);
    char *slash = strrchr(buf, '/');
    if (slash == buf) slash[1] = '\0';
    else if (slash) *slash = '\0';
    else strcpy(buf, ".");
    return open(buf, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

/*
 * A new file path.tmp.XXXXXX (6 hex digits, drawn until a name is free;
 * tmp holds cap >= strlen(path) + 16 bytes), open for writing and closed
 * on exec.  Created with mode 0666, so that the kernel applies the umask
 * as to any new file: reading the umask would mean setting it, which
 * changes it for every thread of the process for that moment.
 */
static int create_beside(char *tmp, size_t cap, const char *path)
{
    static _Atomic unsigned long drawn;
    for (int tries = 0; tries < 64; tries++) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        uint64_t h = gr_hash3((uint64_t)getpid(), atomic_fetch_add(&drawn, 1),
                              (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec);
        snprintf(tmp, cap, "%s.tmp.%06llx", path, (unsigned long long)(h & 0xffffff));
        int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd >= 0 || errno != EEXIST) return fd;
    }
    return -1; /* errno: EEXIST */
}

int gr_afile_open(gr_afile *f, const char *path)
{
    memset(f, 0, sizeof *f);
    GR_TRY(check_target(path));
    size_t n = strlen(path);
    f->path = gr_strdup(path);
    f->tmp = gr_alloc(n + 16, 1);
    if (!f->path || !f->tmp) {
        gr_afile_abort(f);
        return GR_ENOMEM;
    }
    /* everything the commit needs is had now: it allocates nothing */
    f->dir_fd = open_dir(path, f->tmp);
    f->has_dir = f->dir_fd >= 0;
    int fd = create_beside(f->tmp, n + 16, path);
    if (fd < 0) {
        int e = errno;
        free(f->tmp);
        f->tmp = NULL;
        gr_afile_abort(f);
        return gr_err(GR_EIO, "%s: cannot create file: %s", path, strerror(e));
    }
    f->fp = fdopen(fd, "wb");
    if (!f->fp) {
        int e = errno;
        close(fd);
        gr_afile_abort(f);
        return gr_err(GR_EIO, "%s: cannot open: %s", path, strerror(e));
    }
    return GR_OK;
}

void gr_afile_write(gr_afile *f, const void *data, size_t n)
{
    if (f->failed || n == 0) return;
    if (fwrite(data, 1, n, f->fp) != n) f->failed = errno ? errno : EIO;
}

void gr_afile_printf(gr_afile *f, const char *fmt, ...)
{
    if (f->failed) return;
    va_list ap;
    va_start(ap, fmt);
    if (vfprintf(f->fp, fmt, ap) < 0) f->failed = errno ? errno : EIO;
    va_end(ap);
}

int gr_afile_commit(gr_afile *f)
{
    int e = f->failed;
    if (!e && fflush(f->fp) != 0) e = errno;
    if (!e && fsync(fileno(f->fp)) != 0) e = errno;
    if (fclose(f->fp) != 0 && !e) e = errno;
    f->fp = NULL;
    /* checked again just before the rename: the path may have changed since open */
    if (!e && check_target(f->path) != GR_OK) {
        int rc = gr_last_error_code();
        gr_afile_abort(f);
        return rc;
    }
    if (!e && rename(f->tmp, f->path) != 0) e = errno;
    if (e) {
        int rc = gr_err(GR_EIO, "%s: cannot write: %s", f->path, strerror(e));
        gr_afile_abort(f);
        return rc;
    }
    if (f->has_dir) (void)fsync(f->dir_fd);
    free(f->tmp);
    f->tmp = NULL;
    gr_afile_abort(f);
    return GR_OK;
}

void gr_afile_abort(gr_afile *f)
{
    if (f->fp) fclose(f->fp);
    if (f->tmp) unlink(f->tmp);
    free(f->tmp);
    free(f->path);
    if (f->has_dir) close(f->dir_fd);
    memset(f, 0, sizeof *f);
}
