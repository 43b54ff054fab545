/*
 * Files written atomically: the data goes to a temporary file in the
 * destination's directory, which is flushed to disk and renamed over the
 * destination on commit.  A crash or error leaves the old file untouched.
 * Only a regular file (or nothing) is replaced: a symbolic link, a
 * directory, a FIFO, a socket or a device node at the destination is
 * GR_EIO at open and again at commit, and stays as it was.  The file gets
 * the permissions of any new file of the process (0666 less its umask,
 * which is never changed), and its descriptors are closed on exec.
 */
#ifndef GR_IO_ATOMIC_FILE_H
#define GR_IO_ATOMIC_FILE_H

#include <stdio.h>

typedef struct gr_afile {
    FILE *fp;
    char *path; /* destination */
    char *tmp;  /* temporary file beside it */
    int failed; /* a write failed: commit will refuse */
    int dir_fd; /* the directory, synced after the rename, when has_dir */
    int has_dir; /* zero in a zeroed gr_afile: nothing to close */
} gr_afile;

/* Create the temporary file.  GR_EIO names the path (also when the
 * destination is not a regular file). */
int gr_afile_open(gr_afile *f, const char *path);
/* Write n bytes; remembers failures for commit. */
void gr_afile_write(gr_afile *f, const void *data, size_t n);
/* printf into the file. */
void gr_afile_printf(gr_afile *f, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Flush, sync and rename over the destination; on any failure (also a
 * destination that is no longer a regular file) remove the temporary file
 * and return GR_EIO.  Always releases f. */
int gr_afile_commit(gr_afile *f);
/* Remove the temporary file and release f. */
void gr_afile_abort(gr_afile *f);

#endif
