/*
 * The gnnrec model file (docs/model-format.md): a header, then sections,
 * each with its own length and CRC-32, then an END section.  Little-endian.
 * The writer streams sections into an atomic file; the reader verifies
 * every checksum, then reads the sections by offset through bounds-checked
 * cursors.
 */
#ifndef GR_IO_MODEL_FILE_H
#define GR_IO_MODEL_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "io/atomic_file.h"

#define GR_MODEL_MAGIC "\x89GNNREC\n"
#define GR_MODEL_FORMAT_VERSION 1u

#define GR_FOURCC(a, b, c, d) ((uint32_t)(a) | (uint32_t)(b) << 8 | (uint32_t)(c) << 16 | (uint32_t)(d) << 24)

typedef struct gr_writer {
    gr_afile f;
    long section_start; /* file offset of the open section's header, -1 if none */
    uint64_t length;
    uint32_t crc;
    uint32_t tag;
} gr_writer;

int gr_writer_open(gr_writer *w, const char *path, uint32_t kind);
void gr_writer_begin(gr_writer *w, uint32_t tag);
void gr_writer_end(gr_writer *w);
void gr_writer_bytes(gr_writer *w, const void *p, size_t n);
void gr_writer_u64(gr_writer *w, uint64_t v);
void gr_writer_i64s(gr_writer *w, const int64_t *v, size_t n);
void gr_writer_i32s(gr_writer *w, const int32_t *v, size_t n);
void gr_writer_floats(gr_writer *w, const float *v, size_t n);
/* Length-prefixed string; NULL is written as length UINT32_MAX. */
void gr_writer_string(gr_writer *w, const char *s);
/* Write the END section and commit the file atomically. */
int gr_writer_commit(gr_writer *w);
void gr_writer_abort(gr_writer *w);

/* The reader's buffer of small reads, bytes. */
#define GR_READER_BUF (256u * 1024u)

/*
 * A model file read by offset: gr_reader_open checks the header and every
 * section's checksum in one pass, a buffer at a time, and the sections are
 * then read again as they are taken, straight into the caller's tables.
 * No copy of the whole file is held, so a model or a checkpoint is loaded
 * in the memory of its tables.  The file is kept open, so a file replaced
 * by a rename (as gr_writer commits) is read whole from the file that was
 * checked; one written in place meanwhile (cp onto it) is caught by
 * gr_reader_unchanged, which a reader calls once it has read what it
 * needs.
 */
typedef struct gr_reader {
    const char *path;
    int fd, is_open;
    size_t size;
    uint32_t kind;
    /* the current section */
    uint32_t tag;
    size_t pos, end;
    size_t next; /* offset of the next section header */
    /* the read buffer: bytes [buf_off, buf_off + buf_len) of the file */
    unsigned char *buf;
    size_t buf_off, buf_len;
    int64_t stamp[3]; /* size and modification time at open */
} gr_reader;

/* Open path, read and check the header and every section's checksum.  The
 * reader is closed again on failure (gr_reader_close may still be called). */
int gr_reader_open(gr_reader *r, const char *path);
/* GR_EIO naming the file when it was written since gr_reader_open (its
 * size or modification time differ): what was read may mix two versions. */
int gr_reader_unchanged(const gr_reader *r);
/* Close the file; also for a zeroed reader that was never opened. */
void gr_reader_close(gr_reader *r);
/* Position on the next section; GR_ECORRUPT when it is not `tag`. */
int gr_reader_section(gr_reader *r, uint32_t tag);
/* Whether the next section is `tag` (without moving). */
int gr_reader_peek(gr_reader *r, uint32_t tag);
int gr_reader_bytes(gr_reader *r, void *p, size_t n);
int gr_reader_u64(gr_reader *r, uint64_t *v);
int gr_reader_i64s(gr_reader *r, int64_t *v, size_t n);
int gr_reader_i32s(gr_reader *r, int32_t *v, size_t n);
int gr_reader_floats(gr_reader *r, float *v, size_t n);
/* A malloc'ed string or NULL (written as NULL); GR_ECORRUPT when malformed. */
int gr_reader_string(gr_reader *r, char **s);
/* Fail with GR_ECORRUPT and a message naming the file and section. */
int gr_reader_fail(gr_reader *r, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

#endif
