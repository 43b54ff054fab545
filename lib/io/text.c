#include "io/text.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/err.h"
#include "core/mem.h"

/* Large enough that reading a 600 MB ratings.csv takes few system calls. */
#define READER_BUF (1u << 20)

/* ---- line reader ------------------------------------------------------- */

/* A buffer of cap bytes; fill() doubles it for longer lines. */
static int lines_init(gr_lines *r, FILE *fp, const char *path, size_t cap)
{
    memset(r, 0, sizeof *r);
    r->fp = fp;
    r->path = path;
    r->buf = gr_alloc(cap, 1);
    if (!r->buf) return GR_ENOMEM;
    r->cap = cap;
    return GR_OK;
}

int gr_lines_init(gr_lines *r, FILE *fp, const char *path) { return lines_init(r, fp, path, READER_BUF); }

int gr_lines_open(gr_lines *r, const char *path)
{
    memset(r, 0, sizeof *r);
    FILE *fp = fopen(path, "rb");
    if (!fp) return gr_err(GR_EIO, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    int have_st = fstat(fileno(fp), &st) == 0;
    if (have_st && S_ISDIR(st.st_mode)) {
        fclose(fp);
        return gr_err(GR_EIO, "%s: cannot open: %s", path, strerror(EISDIR));
    }
    /* the reader's own buffer is large; a second copy through stdio's is waste */
    setvbuf(fp, NULL, _IONBF, 0);
    /* a smaller file gets a buffer of its size (and the byte fill() keeps
     * spare): metadata files are a few kilobytes */
    size_t cap = READER_BUF;
    if (have_st && S_ISREG(st.st_mode) && st.st_size >= 0 && (uintmax_t)st.st_size < READER_BUF)
        cap = (size_t)st.st_size + 2;
    int rc = lines_init(r, fp, path, cap);
    r->owns_fp = 1;
    if (rc != GR_OK) gr_lines_close(r);
    return rc;
}

int gr_lines_open_part(gr_lines *r, const char *path, uint64_t begin, uint64_t end, size_t lines_before)
{
    GR_TRY(gr_lines_open(r, path));
    if (fseeko(r->fp, (off_t)begin, SEEK_SET) != 0) {
        int e = errno;
        gr_lines_close(r);
        return gr_err(GR_EIO, "%s: cannot seek to byte %llu: %s", path, (unsigned long long)begin, strerror(e));
    }
    r->limited = 1;
    r->left = end > begin ? end - begin : 0;
    r->line = lines_before;
    return GR_OK;
}

/* Bytes of a part scanned per read. */
#define PART_BUF (1u << 20)

/* Just after the first newline at or after offset o, or size when none. */
static int line_start_after(uint64_t *out, FILE *fp, const char *path, uint64_t o, uint64_t size, char *buf)
{
    if (fseeko(fp, (off_t)o, SEEK_SET) != 0) return gr_err(GR_EIO, "%s: cannot seek: %s", path, strerror(errno));
    while (o < size) {
        size_t got = fread(buf, 1, PART_BUF, fp);
        if (got == 0) return gr_err(GR_EIO, "%s: cannot read: %s", path, ferror(fp) ? strerror(errno) : "file shrank");
        const char *nl = memchr(buf, '\n', got);
        if (nl) {
            *out = o + (uint64_t)(nl - buf) + 1;
            return GR_OK;
        }
        o += got;
    }
    *out = size;
    return GR_OK;
}

/* Lines in [begin, end): its newlines, and a last line without one. */
static int count_lines(size_t *lines, FILE *fp, const char *path, uint64_t begin, uint64_t end, char *buf)
{
    *lines = 0;
    if (begin >= end) return GR_OK;
    if (fseeko(fp, (off_t)begin, SEEK_SET) != 0) return gr_err(GR_EIO, "%s: cannot seek: %s", path, strerror(errno));
    char last = '\n';
    for (uint64_t at = begin; at < end;) {
        size_t want = end - at < PART_BUF ? (size_t)(end - at) : PART_BUF;
        size_t got = fread(buf, 1, want, fp);
        if (got == 0) return gr_err(GR_EIO, "%s: cannot read: %s", path, ferror(fp) ? strerror(errno) : "file shrank");
        for (const char *p = buf, *stop = buf + got; (p = memchr(p, '\n', (size_t)(stop - p))) != NULL; p++) (*lines)++;
        last = buf[got - 1];
        at += got;
    }
    if (last != '\n') (*lines)++;
    return GR_OK;
}

int gr_file_part(const char *path, int part, int parts, uint64_t *begin, uint64_t *end, size_t *lines)
{
    if (parts < 1 || part < 0 || part >= parts) return gr_err(GR_EINVAL, "file part %d of %d", part, parts);
    FILE *fp = fopen(path, "rb");
    if (!fp) return gr_err(GR_EIO, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fileno(fp), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(fp);
        return gr_err(GR_EIO, "%s: cannot read in parts: not a regular file", path);
    }
    setvbuf(fp, NULL, _IONBF, 0);
    char *buf = gr_alloc(PART_BUF, 1);
    if (!buf) {
        fclose(fp);
        return GR_ENOMEM;
    }
    uint64_t size = (uint64_t)st.st_size;
    /* size * part may overflow for huge files: split the product */
    uint64_t lo = size / (uint64_t)parts * (uint64_t)part + size % (uint64_t)parts * (uint64_t)part / (uint64_t)parts;
    uint64_t hi = size / (uint64_t)parts * (uint64_t)(part + 1) + size % (uint64_t)parts * (uint64_t)(part + 1) / (uint64_t)parts;
    int rc = GR_OK;
    *begin = 0;
    *end = size;
    if (part > 0) rc = line_start_after(begin, fp, path, lo, size, buf);
    if (rc == GR_OK && part < parts - 1) rc = line_start_after(end, fp, path, hi, size, buf);
    if (rc == GR_OK) rc = count_lines(lines, fp, path, *begin, *end, buf);
    free(buf);
    fclose(fp);
    return rc;
}

void gr_lines_close(gr_lines *r)
{
    if (r->owns_fp && r->fp) fclose(r->fp);
    free(r->buf);
    free(r->rec);
    memset(r, 0, sizeof *r);
}

/*
 * Text holds no NUL byte: every reader would end a line or a field there
 * and take what follows for something else.  The error names the line
 * and column of the first one; the unread bytes start at buf[0].
 */
static int nul_error(const gr_lines *r, const char *nul)
{
    size_t line = r->line + 1;
    const char *start = r->buf, *nl;
    while ((nl = memchr(start, '\n', (size_t)(nul - start))) != NULL) {
        line++;
        start = nl + 1;
    }
    return gr_err(GR_EFORMAT, "%s:%zu: NUL byte at column %zu (a text file holds none)", r->path, line,
                  (size_t)(nul - start) + 1);
}

/* Move the unread bytes to the front, grow when a line fills the buffer,
 * and read more.  The new bytes are checked for NULs here, once per
 * buffer rather than once per line. */
static int fill(gr_lines *r)
{
    size_t left = r->end - r->pos;
    if (r->pos > 0) memmove(r->buf, r->buf + r->pos, left);
    r->pos = 0;
    r->end = left;
    if (r->end + 1 >= r->cap) {
        if (r->cap > SIZE_MAX / 2) return gr_err(GR_ENOMEM, "%s: line too long", r->path);
        char *b = gr_realloc(r->buf, r->cap * 2, 1);
        if (!b) return GR_ENOMEM;
        r->buf = b;
        r->cap *= 2;
    }
    size_t want = r->cap - 1 - r->end;
    if (r->limited && want > r->left) want = (size_t)r->left;
    size_t got = want ? fread(r->buf + r->end, 1, want, r->fp) : 0;
    if (r->limited) r->left -= got;
    const char *nul = got ? memchr(r->buf + r->end, '\0', got) : NULL;
    r->end += got;
    if (nul) return nul_error(r, nul);
    if (got < want) {
        if (ferror(r->fp)) return gr_err(GR_EIO, "%s: cannot read: %s", r->path, strerror(errno));
        r->eof = 1;
    }
    if (r->limited && r->left == 0) r->eof = 1;
    return GR_OK;
}

static int deliver(gr_lines *r, char *start, size_t n, char **line, size_t *len)
{
    start[n] = '\0';
    if (n > 0 && start[n - 1] == '\r') start[--n] = '\0';
    if (++r->line == 1 && n >= 3 && memcmp(start, "\xEF\xBB\xBF", 3) == 0) {
        start += 3;
        n -= 3;
    }
    *line = start;
    *len = n;
    return 1;
}

int gr_lines_next(gr_lines *r, char **line, size_t *len)
{
    for (;;) {
        char *start = r->buf + r->pos;
        char *nl = memchr(start, '\n', r->end - r->pos);
        if (nl) {
            size_t n = (size_t)(nl - start);
            r->pos += n + 1;
            return deliver(r, start, n, line, len);
        }
        if (r->eof) {
            if (r->pos == r->end) return 0;
            size_t n = r->end - r->pos;
            r->pos = r->end;
            /* fill() always leaves one spare byte for this NUL */
            return deliver(r, start, n, line, len);
        }
        GR_TRY(fill(r));
    }
}

/* 1 when the CSV text s ends inside a quoted field. */
static int csv_open_quote(const char *s)
{
    int in = 0, at_start = 1;
    for (; *s; s++) {
        if (in) {
            if (*s == '"') {
                if (s[1] == '"') s++;
                else in = 0;
            }
        } else if (*s == '"' && at_start) {
            in = 1;
        }
        if (!in) at_start = *s == ',';
    }
    return in;
}

static int rec_append(gr_lines *r, size_t at, const char *s, size_t n)
{
    GR_TRY(gr_reserve((void **)&r->rec, &r->rec_cap, at + n + 1, 1));
    memcpy(r->rec + at, s, n);
    r->rec[at + n] = '\0';
    return GR_OK;
}

int gr_lines_next_record(gr_lines *r, char **rec, size_t *len)
{
    char *line;
    size_t n;
    int rc = gr_lines_next(r, &line, &n);
    if (rc <= 0) return rc;
    r->rec_line = r->line;
    if (!csv_open_quote(line)) {
        *rec = line;
        *len = n;
        return 1;
    }
    /* the next read may move the buffer: the record is built in its own */
    size_t used = 0;
    GR_TRY(rec_append(r, 0, line, n));
    used = n;
    while (csv_open_quote(r->rec)) {
        rc = gr_lines_next(r, &line, &n);
        if (rc < 0) return rc;
        if (rc == 0) break; /* the splitter reports the open quote */
        GR_TRY(rec_append(r, used, "\n", 1));
        GR_TRY(rec_append(r, used + 1, line, n));
        used += n + 1;
    }
    *rec = r->rec;
    *len = used;
    return 1;
}

/* ---- fields ------------------------------------------------------------ */

static int is_blank_char(char c) { return c == ' ' || c == '\t'; }

int gr_is_blank(const char *s)
{
    for (; *s; s++)
        if (!is_blank_char(*s) && *s != '\r' && *s != '\n') return 0;
    return 1;
}

char *gr_trim(char *s)
{
    while (is_blank_char(*s)) s++;
    size_t n = strlen(s);
    while (n > 0 && is_blank_char(s[n - 1])) s[--n] = '\0';
    return s;
}

size_t gr_split_char(char *s, char sep, char **f, size_t max)
{
    /* fields are short: a plain loop beats a strchr call per field */
    size_t n = 1;
    if (max) f[0] = s;
    for (; *s; s++) {
        if (*s != sep) continue;
        *s = '\0';
        if (n < max) f[n] = s + 1;
        n++;
    }
    return n;
}

size_t gr_split_str(char *s, const char *sep, char **f, size_t max)
{
    size_t n = 0, k = strlen(sep);
    for (;;) {
        if (n < max) f[n] = s;
        n++;
        char *q = strstr(s, sep);
        if (!q) return n;
        *q = '\0';
        s = q + k;
    }
}

size_t gr_split_blanks(char *s, char **f, size_t max)
{
    size_t n = 0;
    for (;;) {
        while (is_blank_char(*s)) s++;
        if (!*s) return n;
        if (n < max) f[n] = s;
        n++;
        while (*s && !is_blank_char(*s)) s++;
        if (!*s) return n;
        *s++ = '\0';
    }
}

/* Unquote the quoted field at s in place; *next gets what follows it
 * (a comma or the end).  NULL when malformed. */
static char *csv_quoted(char *s, char **next)
{
    char *w = s, *p = s + 1;
    for (;;) {
        if (*p == '\0') return NULL;
        if (*p == '"') {
            if (p[1] != '"') break;
            p++;
        }
        *w++ = *p++;
    }
    p++; /* the closing quote */
    if (*p != ',' && *p != '\0') return NULL;
    *next = p;
    return w;
}

size_t gr_split_csv(char *s, char **f, size_t max)
{
    size_t n = 0;
    for (;;) {
        if (n < max) f[n] = s;
        n++;
        char *next;
        if (*s == '"') {
            char *w = csv_quoted(s, &next);
            if (!w) return (size_t)-1;
            /* w is before next: ending the field cannot clobber the comma */
            char end = *next;
            *w = '\0';
            if (!end) return n;
            s = next + 1;
            continue;
        }
        next = strchr(s, ',');
        if (!next) return n;
        *next = '\0';
        s = next + 1;
    }
}

/* ---- numbers ----------------------------------------------------------- */

static const char *skip_blanks(const char *s)
{
    while (is_blank_char(*s)) s++;
    return s;
}

int gr_parse_i64(const char *s, int64_t *out)
{
    s = skip_blanks(s);
    int neg = *s == '-';
    if (*s == '-' || *s == '+') s++;
    if (*s < '0' || *s > '9') return GR_NUM_SYNTAX;
    while (*s == '0' && s[1] >= '0' && s[1] <= '9') s++;
    /* up to 19 digits fit in a uint64 without wrapping: no check per digit */
    uint64_t v = 0;
    int digits = 0;
    for (; *s >= '0' && *s <= '9'; s++, digits++)
        if (digits < 19) v = v * 10 + (uint64_t)(*s - '0');
    if (*skip_blanks(s)) return GR_NUM_SYNTAX;
    uint64_t limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    if (digits > 19 || v > limit) return GR_NUM_RANGE;
    /* -(2^63) has no positive int64; form it without overflow */
    *out = neg ? (v ? -(int64_t)(v - 1) - 1 : 0) : (int64_t)v;
    return GR_NUM_OK;
}

static const double pow10_exact[] = {
    1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

/* Digits of a decimal mantissa: at most 19 significant ones are kept in
 * *mant, the others only shift the decimal exponent *exp10. */
static const char *scan_mantissa(const char *s, uint64_t *mant, long *exp10, int *digits)
{
    int kept = 0;
    for (; *s >= '0' && *s <= '9'; s++, (*digits)++) {
        if (kept < 19) {
            *mant = *mant * 10 + (uint64_t)(*s - '0');
            kept += *mant != 0;
        } else {
            (*exp10)++;
        }
    }
    if (*s != '.') return s;
    for (s++; *s >= '0' && *s <= '9'; s++, (*digits)++) {
        if (kept < 19) {
            *mant = *mant * 10 + (uint64_t)(*s - '0');
            kept += *mant != 0;
            (*exp10)--;
        }
    }
    return s;
}

static const char *scan_exponent(const char *s, long *exp10, int *ok)
{
    if (*s != 'e' && *s != 'E') return s;
    s++;
    int neg = *s == '-';
    if (*s == '-' || *s == '+') s++;
    if (*s < '0' || *s > '9') {
        *ok = 0;
        return s;
    }
    long e = 0;
    for (; *s >= '0' && *s <= '9'; s++)
        if (e < 100000) e = e * 10 + (*s - '0');
    *exp10 += neg ? -e : e;
    return s;
}

static double scale10(uint64_t mant, long e)
{
    if (mant == 0) return 0.0;
    /* Clinger's fast path: both operands exact, one rounding */
    if (mant <= (1ULL << 53) && e >= -22 && e <= 22)
        return e >= 0 ? (double)mant * pow10_exact[e] : (double)mant / pow10_exact[-e];
    if (e > 400) return HUGE_VAL;
    if (e < -400) return 0.0;
    return (double)((long double)mant * powl(10.0L, (long double)e));
}

int gr_parse_f64(const char *s, double *out)
{
    s = skip_blanks(s);
    int neg = *s == '-';
    if (*s == '-' || *s == '+') s++;
    uint64_t mant = 0;
    long exp10 = 0;
    int digits = 0, ok = 1;
    s = scan_mantissa(s, &mant, &exp10, &digits);
    if (digits == 0) return GR_NUM_SYNTAX;
    s = scan_exponent(s, &exp10, &ok);
    if (!ok || *skip_blanks(s)) return GR_NUM_SYNTAX;
    double v = scale10(mant, exp10);
    if (isinf(v)) return GR_NUM_RANGE;
    *out = neg ? -v : v;
    return GR_NUM_OK;
}

int gr_parse_f32(const char *s, float *out)
{
    double d;
    int rc = gr_parse_f64(s, &d);
    if (rc != GR_NUM_OK) return rc;
    if (fabs(d) > 3.4028234663852886e38) return GR_NUM_RANGE;
    *out = (float)d;
    return GR_NUM_OK;
}

/* ---- text encoding ----------------------------------------------------- */

/* Length of the well-formed UTF-8 sequence at s (at most n bytes), 0 if
 * malformed. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t len;
    unsigned lo = 0x80, hi = 0xBF;
    if (c < 0x80) return 1;
    if (c >= 0xC2 && c <= 0xDF) len = 2;
    else if (c >= 0xE0 && c <= 0xEF) len = 3;
    else if (c >= 0xF0 && c <= 0xF4) len = 4;
    else return 0;
    /* the second byte's range rules out overlongs, surrogates, > U+10FFFF */
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
    if (len > n || s[1] < lo || s[1] > hi) return 0;
    for (size_t i = 2; i < len; i++)
        if ((s[i] & 0xC0) != 0x80) return 0;
    return len;
}

int gr_utf8_valid(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        size_t k = utf8_seq(p + i, n - i);
        if (k == 0) return 0;
        i += k;
    }
    return 1;
}

char *gr_to_utf8(const char *s, size_t n)
{
    if (gr_utf8_valid(s, n)) {
        char *d = gr_alloc(n + 1, 1);
        if (!d) return NULL;
        memcpy(d, s, n);
        d[n] = '\0';
        return d;
    }
    char *d = gr_alloc(2 * n + 1, 1);
    if (!d) return NULL;
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x80) {
            d[j++] = (char)c;
        } else {
            d[j++] = (char)(0xC0 | (c >> 6));
            d[j++] = (char)(0x80 | (c & 0x3F));
        }
    }
    d[j] = '\0';
    return d;
}

/* ---- paths ------------------------------------------------------------- */

const char *gr_path_base(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

int gr_is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int gr_is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && !S_ISDIR(st.st_mode);
}

int gr_path_join(char *buf, size_t cap, const char *dir, const char *name)
{
    size_t dn = strlen(dir);
    const char *sep = dn > 0 && dir[dn - 1] != '/' ? "/" : "";
    int n = snprintf(buf, cap, "%s%s%s", dir, sep, name);
    if (n < 0 || (size_t)n >= cap) return gr_err(GR_EINVAL, "%s/%s: path too long", dir, name);
    return GR_OK;
}

int gr_path_dir(char *buf, size_t cap, const char *path)
{
    const char *slash = strrchr(path, '/');
    size_t n = slash ? (size_t)(slash - path) : 1;
    const char *src = slash ? path : ".";
    if (slash == path) n = 1; /* a file in the root directory */
    if (n >= cap) return gr_err(GR_EINVAL, "%s: path too long", path);
    memcpy(buf, src, n);
    buf[n] = '\0';
    return GR_OK;
}

/* ---- messages ---------------------------------------------------------- */

int gr_field_error(const char *path, size_t line, const char *field, const char *want, const char *got)
{
    return gr_err(GR_EFORMAT, "%s:%zu: field '%s': expected %s, got '%.40s'", path, line, field, want, got);
}

int gr_count_error(const char *path, size_t line, size_t want, const char *names, size_t got)
{
    return gr_err(GR_EFORMAT, "%s:%zu: too %s fields: expected %zu (%s), got %zu", path, line,
                  got < want ? "few" : "many", want, names, got);
}
