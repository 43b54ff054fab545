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

/*
 * The whole file into r->data.  Only a regular file has a size to trust:
 * a directory, FIFO or device is GR_EIO before anything is sized (opened
 * without blocking, so that a FIFO does not wait for a writer).
 */
static int read_all(gr_reader *r, const char *path)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) return gr_err(GR_EIO, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    int rc = GR_OK;
    if (fstat(fd, &st) != 0) rc = gr_err(GR_EIO, "%s: cannot stat: %s", path, strerror(errno));
    else if (S_ISDIR(st.st_mode)) rc = gr_err(GR_EIO, "%s: is a directory, not a model file", path);
    else if (!S_ISREG(st.st_mode)) rc = gr_err(GR_EIO, "%s: not a regular file (a model file is read whole)", path);
    else if ((uint64_t)st.st_size > (uint64_t)(SIZE_MAX / 2)) rc = gr_err(GR_EIO, "%s: file too large", path);
    if (rc == GR_OK) {
        r->size = (size_t)st.st_size;
        r->data = gr_alloc(r->size ? r->size : 1, 1);
        if (!r->data) rc = GR_ENOMEM;
    }
    size_t got = 0;
    while (rc == GR_OK && got < r->size) {
        ssize_t k = read(fd, r->data + got, r->size - got);
        if (k < 0 && errno == EINTR) continue;
        if (k < 0) rc = gr_err(GR_EIO, "%s: cannot read: %s", path, strerror(errno));
        else if (k == 0) rc = gr_err(GR_EIO, "%s: read %zu of %zu bytes", path, got, r->size);
        else got += (size_t)k;
    }
    close(fd);
    return rc;
}

/* Walk all sections once: every header and payload checksum must match
 * and the file must end with END. */
static int verify_sections(gr_reader *r)
{
    size_t off = HEADER_SIZE;
    for (;;) {
        if (r->size - off < SECTION_HEADER_SIZE) return gr_reader_fail(r, "file truncated at byte %zu", off);
        const unsigned char *h = r->data + off;
        memcpy(&r->tag, h, 4);
        if (get32(h + 20) != gr_crc32(0, h, 20)) return gr_reader_fail(r, "section header checksum mismatch at byte %zu", off);
        uint64_t len = get64(h + 8);
        if (len > r->size - off - SECTION_HEADER_SIZE) return gr_reader_fail(r, "file truncated (section of %llu bytes)", (unsigned long long)len);
        if (get32(h + 16) != gr_crc32(0, h + SECTION_HEADER_SIZE, (size_t)len)) return gr_reader_fail(r, "checksum mismatch");
        off += SECTION_HEADER_SIZE + (size_t)len;
        if (get32(h) == TAG_END) break;
    }
    if (off != r->size) return gr_reader_fail(r, "%zu bytes after the END section", r->size - off);
    r->tag = 0;
    return GR_OK;
}

int gr_reader_open(gr_reader *r, const char *path)
{
    memset(r, 0, sizeof *r);
    r->path = path;
    GR_TRY(read_all(r, path));
    return gr_reader_open_bytes(r, path, r->data, r->size);
}

int gr_reader_open_bytes(gr_reader *r, const char *path, unsigned char *data, size_t size)
{
    memset(r, 0, sizeof *r);
    r->path = path;
    r->data = data;
    r->size = size;
    if (r->size < 8 || memcmp(r->data, GR_MODEL_MAGIC, 8) != 0)
        return gr_err(GR_EFORMAT, "%s: not a gnnrec model file (bad magic)", path);
    if (r->size < HEADER_SIZE) return gr_reader_fail(r, "file truncated in the header");
    if (get32(r->data + 20) != gr_crc32(0, r->data, 20)) return gr_reader_fail(r, "header checksum mismatch");
    uint32_t version = get32(r->data + 8);
    if (version != GR_MODEL_FORMAT_VERSION)
        return gr_err(GR_EVERSION, "%s: model format version %u, this library reads version %u", path, version,
                      GR_MODEL_FORMAT_VERSION);
    r->kind = get32(r->data + 12);
    GR_TRY(verify_sections(r));
    r->next = HEADER_SIZE;
    return GR_OK;
}

void gr_reader_close(gr_reader *r)
{
    free(r->data);
    r->data = NULL;
}

int gr_reader_peek(const gr_reader *r, uint32_t tag) { return get32(r->data + r->next) == tag; }

int gr_reader_section(gr_reader *r, uint32_t tag)
{
    const unsigned char *h = r->data + r->next;
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
    if (n) memcpy(p, r->data + r->pos, n);
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
    memcpy(str, r->data + r->pos, n);
    str[n] = '\0';
    r->pos += n;
    *s = str;
    return GR_OK;
}
