#include "io/model_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/err.h"
#include "core/mem.h"
#include "io/crc32.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the model file code assumes a little-endian host"
#endif

#define HEADER_SIZE 24
#define SECTION_HEADER_SIZE 24
#define TAG_END GR_FOURCC('E', 'N', 'D', ' ')

static void put32(unsigned char *p, uint32_t v) { memcpy(p, &v, 4); }
static void put64(unsigned char *p, uint64_t v) { memcpy(p, &v, 8); }
static uint32_t get32(const unsigned char *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t get64(const unsigned char *p) { uint64_t v; memcpy(&v, p, 8); return v; }

/* ---- writer ---- */

int gr_writer_open(gr_writer *w, const char *path, uint32_t kind)
{
    memset(w, 0, sizeof *w);
    w->section_start = -1;
    GR_TRY(gr_afile_open(&w->f, path));
    unsigned char h[HEADER_SIZE] = { 0 };
    memcpy(h, GR_MODEL_MAGIC, 8);
    put32(h + 8, GR_MODEL_FORMAT_VERSION);
    put32(h + 12, kind);
    put32(h + 16, 0);
    put32(h + 20, gr_crc32(0, h, 20));
    gr_afile_write(&w->f, h, sizeof h);
    return GR_OK;
}

static void section_header(unsigned char *h, uint32_t tag, uint64_t length, uint32_t crc)
{
    memset(h, 0, SECTION_HEADER_SIZE);
    put32(h, tag);
    put64(h + 8, length);
    put32(h + 16, crc);
    put32(h + 20, gr_crc32(0, h, 20));
}

void gr_writer_begin(gr_writer *w, uint32_t tag)
{
    unsigned char h[SECTION_HEADER_SIZE];
    w->section_start = ftell(w->f.fp);
    if (w->section_start < 0) w->f.failed = errno ? errno : EIO;
    w->tag = tag;
    w->length = 0;
    w->crc = 0;
    section_header(h, tag, 0, 0); /* patched by gr_writer_end */
    gr_afile_write(&w->f, h, sizeof h);
}

void gr_writer_end(gr_writer *w)
{
    if (w->f.failed || w->section_start < 0) return;
    unsigned char h[SECTION_HEADER_SIZE];
    section_header(h, w->tag, w->length, w->crc);
    long here = ftell(w->f.fp);
    if (here < 0 || fseek(w->f.fp, w->section_start, SEEK_SET) != 0) {
        w->f.failed = errno ? errno : EIO;
        return;
    }
    gr_afile_write(&w->f, h, sizeof h);
    if (fseek(w->f.fp, here, SEEK_SET) != 0) w->f.failed = errno ? errno : EIO;
    w->section_start = -1;
}

void gr_writer_bytes(gr_writer *w, const void *p, size_t n)
{
    if (n == 0) return;
    gr_afile_write(&w->f, p, n);
    w->crc = gr_crc32(w->crc, p, n);
    w->length += n;
}

void gr_writer_u64(gr_writer *w, uint64_t v) { gr_writer_bytes(w, &v, 8); }
void gr_writer_i64s(gr_writer *w, const int64_t *v, size_t n) { gr_writer_bytes(w, v, n * 8); }
void gr_writer_i32s(gr_writer *w, const int32_t *v, size_t n) { gr_writer_bytes(w, v, n * 4); }
void gr_writer_floats(gr_writer *w, const float *v, size_t n) { gr_writer_bytes(w, v, n * 4); }

void gr_writer_string(gr_writer *w, const char *s)
{
    uint32_t n = s ? (uint32_t)strlen(s) : UINT32_MAX;
    gr_writer_bytes(w, &n, 4);
    if (s) gr_writer_bytes(w, s, n);
}

int gr_writer_commit(gr_writer *w)
{
    gr_writer_begin(w, TAG_END);
    gr_writer_end(w);
    return gr_afile_commit(&w->f);
}

void gr_writer_abort(gr_writer *w) { gr_afile_abort(&w->f); }

/* ---- reader ---- */

int gr_reader_fail(gr_reader *r, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    char tag[5] = { 0 };
    memcpy(tag, &r->tag, 4);
    return gr_err(GR_ECORRUPT, "%s: section '%s': %s", r->path, tag[0] ? tag : "header", msg);
}

/* What a write in place changes: the size and the modification time
 * (not the status-change time, which a rename over the file also moves). */
static void stamp(int64_t out[3], const struct stat *st)
{
    out[0] = (int64_t)st->st_size;
    out[1] = (int64_t)st->st_mtim.tv_sec;
    out[2] = (int64_t)st->st_mtim.tv_nsec;
}

/*
 * Open path for reading.  Only a regular file has a size to trust: a
 * directory, FIFO or device is GR_EIO before anything is sized (opened
 * without blocking, so that a FIFO does not wait for a writer).
 */
static int open_file(gr_reader *r, const char *path)
{
    r->fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (r->fd < 0) return gr_err(GR_EIO, "%s: cannot open: %s", path, strerror(errno));
    r->is_open = 1;
    struct stat st;
    if (fstat(r->fd, &st) != 0) return gr_err(GR_EIO, "%s: cannot stat: %s", path, strerror(errno));
    if (S_ISDIR(st.st_mode)) return gr_err(GR_EIO, "%s: is a directory, not a model file", path);
    if (!S_ISREG(st.st_mode)) return gr_err(GR_EIO, "%s: not a regular file (a model file is read by offset)", path);
    if ((uint64_t)st.st_size > (uint64_t)(SIZE_MAX / 2)) return gr_err(GR_EIO, "%s: file too large", path);
    r->size = (size_t)st.st_size;
    stamp(r->stamp, &st);
    r->buf = gr_alloc(GR_READER_BUF, 1);
    return r->buf ? GR_OK : GR_ENOMEM;
}

/* n bytes at offset off of the file into p (off + n <= size).  A short
 * read means the file shrank since it was sized: GR_EIO. */
static int read_at(const gr_reader *r, size_t off, void *p, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t k = pread(r->fd, (char *)p + got, n - got, (off_t)(off + got));
        if (k < 0 && errno == EINTR) continue;
        if (k < 0) return gr_err(GR_EIO, "%s: cannot read: %s", r->path, strerror(errno));
        if (k == 0) return gr_err(GR_EIO, "%s: read %zu of %zu bytes at byte %zu", r->path, got, n, off);
        got += (size_t)k;
    }
    return GR_OK;
}

/* n bytes at offset off into p through the read buffer: small reads (a
 * catalogue's ids and titles are read one by one) cost a copy, not a
 * system call; a read of half the buffer or more goes straight to p. */
static int fetch(gr_reader *r, size_t off, void *p, size_t n)
{
    if (off >= r->buf_off && n <= r->buf_len && off - r->buf_off <= r->buf_len - n) {
        if (n) memcpy(p, r->buf + (off - r->buf_off), n);
        return GR_OK;
    }
    if (n >= GR_READER_BUF / 2) return read_at(r, off, p, n);
    size_t len = r->size - off < GR_READER_BUF ? r->size - off : GR_READER_BUF;
    r->buf_len = 0;
    GR_TRY(read_at(r, off, r->buf, len));
    r->buf_off = off;
    r->buf_len = len;
    memcpy(p, r->buf, n);
    return GR_OK;
}

/* CRC-32 of the n bytes at offset off, read a buffer at a time. */
static int crc_at(gr_reader *r, size_t off, size_t n, uint32_t *crc)
{
    *crc = 0;
    r->buf_len = 0;
    for (size_t at = 0; at < n; at += GR_READER_BUF) {
        size_t k = n - at < GR_READER_BUF ? n - at : GR_READER_BUF;
        GR_TRY(read_at(r, off + at, r->buf, k));
        *crc = gr_crc32(*crc, r->buf, k);
    }
    return GR_OK;
}

/* Walk all sections once: every header and payload checksum must match
 * and the file must end with END. */
static int verify_sections(gr_reader *r)
{
    size_t off = HEADER_SIZE;
    for (;;) {
        if (r->size - off < SECTION_HEADER_SIZE) return gr_reader_fail(r, "file truncated at byte %zu", off);
        unsigned char h[SECTION_HEADER_SIZE];
        GR_TRY(read_at(r, off, h, sizeof h));
        memcpy(&r->tag, h, 4);
        if (get32(h + 20) != gr_crc32(0, h, 20)) return gr_reader_fail(r, "section header checksum mismatch at byte %zu", off);
        uint64_t len = get64(h + 8);
        if (len > r->size - off - SECTION_HEADER_SIZE) return gr_reader_fail(r, "file truncated (section of %llu bytes)", (unsigned long long)len);
        uint32_t crc;
        GR_TRY(crc_at(r, off + SECTION_HEADER_SIZE, (size_t)len, &crc));
        if (get32(h + 16) != crc) return gr_reader_fail(r, "checksum mismatch");
        off += SECTION_HEADER_SIZE + (size_t)len;
        if (get32(h) == TAG_END) break;
    }
    if (off != r->size) return gr_reader_fail(r, "%zu bytes after the END section", r->size - off);
    r->tag = 0;
    return GR_OK;
}

static int check_header(gr_reader *r)
{
    unsigned char h[HEADER_SIZE];
    size_t n = r->size < HEADER_SIZE ? r->size : HEADER_SIZE;
    GR_TRY(read_at(r, 0, h, n));
    if (n < 8 || memcmp(h, GR_MODEL_MAGIC, 8) != 0)
        return gr_err(GR_EFORMAT, "%s: not a gnnrec model file (bad magic)", r->path);
    if (n < HEADER_SIZE) return gr_reader_fail(r, "file truncated in the header");
    if (get32(h + 20) != gr_crc32(0, h, 20)) return gr_reader_fail(r, "header checksum mismatch");
    uint32_t version = get32(h + 8);
    if (version != GR_MODEL_FORMAT_VERSION)
        return gr_err(GR_EVERSION, "%s: model format version %u, this library reads version %u", r->path, version,
                      GR_MODEL_FORMAT_VERSION);
    r->kind = get32(h + 12);
    return GR_OK;
}

int gr_reader_open(gr_reader *r, const char *path)
{
    memset(r, 0, sizeof *r);
    r->path = path;
    int rc = open_file(r, path);
    if (rc == GR_OK) rc = check_header(r);
    if (rc == GR_OK) rc = verify_sections(r);
    r->next = HEADER_SIZE;
    if (rc != GR_OK) gr_reader_close(r);
    return rc;
}

void gr_reader_close(gr_reader *r)
{
    if (r->is_open) close(r->fd);
    r->is_open = 0;
    free(r->buf);
    r->buf = NULL;
}

int gr_reader_unchanged(const gr_reader *r)
{
    struct stat st;
    if (fstat(r->fd, &st) != 0) return gr_err(GR_EIO, "%s: cannot stat: %s", r->path, strerror(errno));
    int64_t now[3];
    stamp(now, &st);
    if (memcmp(now, r->stamp, sizeof now) != 0)
        return gr_err(GR_EIO, "%s: the file was written while it was being read (a model file is replaced by a rename, "
                      "as gr_model_save does, not rewritten in place)", r->path);
    return GR_OK;
}

int gr_reader_peek(gr_reader *r, uint32_t tag)
{
    unsigned char t[4];
    return r->size - r->next >= 4 && fetch(r, r->next, t, 4) == GR_OK && get32(t) == tag;
}

int gr_reader_section(gr_reader *r, uint32_t tag)
{
    unsigned char h[SECTION_HEADER_SIZE];
    GR_TRY(fetch(r, r->next, h, sizeof h));
    r->tag = get32(h);
    if (r->tag != tag) {
        char want[5] = { 0 };
        memcpy(want, &tag, 4);
        return gr_reader_fail(r, "expected section '%s'", want);
    }
    r->pos = r->next + SECTION_HEADER_SIZE;
    r->end = r->pos + (size_t)get64(h + 8);
    r->next = r->end;
    return GR_OK;
}

int gr_reader_bytes(gr_reader *r, void *p, size_t n)
{
    if (n > r->end - r->pos) return gr_reader_fail(r, "%zu bytes wanted, %zu left", n, r->end - r->pos);
    GR_TRY(fetch(r, r->pos, p, n));
    r->pos += n;
    return GR_OK;
}

int gr_reader_u64(gr_reader *r, uint64_t *v) { return gr_reader_bytes(r, v, 8); }

static int array_bytes(gr_reader *r, size_t n, size_t size, size_t *bytes)
{
    if (n > (r->end - r->pos) / size) return gr_reader_fail(r, "array of %zu elements exceeds the section", n);
    *bytes = n * size;
    return GR_OK;
}

int gr_reader_i64s(gr_reader *r, int64_t *v, size_t n)
{
    size_t b = 0;
    GR_TRY(array_bytes(r, n, 8, &b));
    return gr_reader_bytes(r, v, b);
}

int gr_reader_i32s(gr_reader *r, int32_t *v, size_t n)
{
    size_t b = 0;
    GR_TRY(array_bytes(r, n, 4, &b));
    return gr_reader_bytes(r, v, b);
}

int gr_reader_floats(gr_reader *r, float *v, size_t n)
{
    size_t b = 0;
    GR_TRY(array_bytes(r, n, 4, &b));
    return gr_reader_bytes(r, v, b);
}

int gr_reader_string(gr_reader *r, char **s)
{
    uint32_t n = 0;
    *s = NULL;
    GR_TRY(gr_reader_bytes(r, &n, 4));
    if (n == UINT32_MAX) return GR_OK;
    if (n > r->end - r->pos) return gr_reader_fail(r, "string of %u bytes exceeds the section", n);
    char *str = gr_alloc((size_t)n + 1, 1);
    if (!str) return GR_ENOMEM;
    int rc = gr_reader_bytes(r, str, n);
    if (rc != GR_OK) {
        free(str);
        return rc;
    }
    str[n] = '\0';
    *s = str;
    return GR_OK;
}
