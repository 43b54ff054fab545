/*
 * Text input helpers shared by the readers of interaction and metadata
 * files: a buffered line reader, field splitters, strict number parsers,
 * latin-1 to UTF-8 conversion and small path helpers.
 *
 * None of them depends on the C locale: numbers always use '.' as the
 * decimal point, and character classes are ASCII.
 */
#ifndef GR_IO_TEXT_H
#define GR_IO_TEXT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* ---- line reader ------------------------------------------------------- */

/*
 * Reads a file line by line through one large buffer that grows for long
 * lines, so that reading costs no allocation per line.  Lines end in LF or
 * CRLF; the last line may lack its end.  A UTF-8 byte order mark at the
 * start of the file is skipped.  A NUL byte anywhere is an error: every
 * reader would cut the line there.
 */
typedef struct gr_lines {
    FILE *fp;
    int owns_fp;      /* opened by gr_lines_open: closed by gr_lines_close */
    const char *path; /* for messages; borrowed */
    char *buf;
    size_t cap;       /* bytes allocated for buf (one kept for a NUL) */
    size_t pos, end;  /* unread bytes are buf[pos, end) */
    int eof;          /* fp returned end of file */
    size_t line;      /* 1-based number of the line last returned */
    char *rec;        /* record buffer of gr_lines_next_record */
    size_t rec_cap;
    size_t rec_line;  /* line on which the last record began */
    int limited;      /* read at most `left` more bytes (a part of a file) */
    uint64_t left;
} gr_lines;

/* Open `path` for reading.  GR_EIO "PATH: cannot open: strerror". */
int gr_lines_open(gr_lines *r, const char *path);
/* Read from an open stream, which the reader does not close. */
int gr_lines_init(gr_lines *r, FILE *fp, const char *path);
/*
 * A part of a file, for a distributed load where each rank reads its own
 * byte range (docs/distributed.md): the lines whose first byte lies in
 * [begin, end) of `path`, numbered as in the whole file (lines_before is
 * the number of lines in front of begin).  A byte order mark is skipped
 * only at offset 0.
 */
int gr_lines_open_part(gr_lines *r, const char *path, uint64_t begin, uint64_t end, size_t lines_before);

/*
 * Part `part` of `parts` of a file, split at line boundaries: the byte
 * offset o = size * part / parts, moved forward to just after the first
 * newline at or after o (except for part 0, which starts at 0); the part
 * ends where the next one begins, so it finishes the line that crosses
 * its end, and every line belongs to exactly one part.  A line longer than
 * a part leaves the parts it covers empty.  *lines is the number of lines
 * in the part (a last line without its newline counts).  GR_EIO.
 */
int gr_file_part(const char *path, int part, int parts, uint64_t *begin, uint64_t *end, size_t *lines);

/* Release the buffers (and the file when the reader opened it). */
void gr_lines_close(gr_lines *r);

/*
 * The next line, without its end, NUL-terminated in place.  The pointer
 * stays valid until the next call.  Returns 1 with a line, 0 at the end of
 * the file, or GR_EIO / GR_ENOMEM (error set, naming the path), or
 * GR_EFORMAT "PATH:LINE: NUL byte at column C" when the bytes read hold a
 * NUL (reported as soon as it is read, possibly before the lines in front
 * of it are returned).
 */
int gr_lines_next(gr_lines *r, char **line, size_t *len);

/*
 * The next CSV record: like gr_lines_next, but a line that leaves a quoted
 * field open is joined with the following lines (RFC 4180 allows line
 * breaks inside quotes), with "\n" between them.  r->rec_line is the line
 * on which the record began.
 */
int gr_lines_next_record(gr_lines *r, char **rec, size_t *len);

/* ---- fields ------------------------------------------------------------ */

/* 1 when s holds only spaces, tabs and line ends. */
int gr_is_blank(const char *s);

/* GR_EFORMAT "path:line: field 'field': expected want, got 'got'" (got cut
 * at 40 bytes): the message of a field that does not parse. */
int gr_field_error(const char *path, size_t line, const char *field, const char *want, const char *got);
/* GR_EFORMAT "path:line: too few|many fields: expected want (names), got n". */
int gr_count_error(const char *path, size_t line, size_t want, const char *names, size_t got);
/* Remove spaces and tabs at both ends, in place; returns the new start. */
char *gr_trim(char *s);

/*
 * Split s in place at every `sep` character (empty fields kept).  The
 * first `max` field starts are stored in f; the return value is the number
 * of fields, which may exceed max.
 */
size_t gr_split_char(char *s, char sep, char **f, size_t max);
/* The same with a separator string such as "::". */
size_t gr_split_str(char *s, const char *sep, char **f, size_t max);
/* Split at runs of spaces and tabs; leading and trailing blanks make no
 * empty fields. */
size_t gr_split_blanks(char *s, char **f, size_t max);
/*
 * Split one CSV record at commas, in place, following RFC 4180: a field
 * that begins with '"' runs to the next lone '"', and "" inside it stands
 * for one quote.  Returns the number of fields as gr_split_char does, or
 * (size_t)-1 when a quoted field is not closed or its closing quote is
 * followed by something other than a comma.
 */
size_t gr_split_csv(char *s, char **f, size_t max);

/* ---- numbers ----------------------------------------------------------- */

enum {
    GR_NUM_OK = 0,
    GR_NUM_SYNTAX = -1, /* not a number, or garbage after it */
    GR_NUM_RANGE = -2   /* a number, but too large for the type */
};

/*
 * Parse a whole field as a decimal int64: optional blanks, optional sign,
 * digits, optional blanks, end.  Anything else is GR_NUM_SYNTAX; a value
 * beyond int64 is GR_NUM_RANGE.
 */
int gr_parse_i64(const char *s, int64_t *out);
/*
 * Parse a whole field as a finite decimal number: [sign] digits [. digits]
 * [e [sign] digits], with blanks allowed around it.  "nan", "inf" and hex
 * floats are GR_NUM_SYNTAX; a value that overflows a double is
 * GR_NUM_RANGE.  Numbers of at most 15 significant digits and exponents
 * within 10^22 (every rating and timestamp) are converted exactly.
 */
int gr_parse_f64(const char *s, double *out);
/* gr_parse_f64 narrowed to float: GR_NUM_RANGE when beyond float. */
int gr_parse_f32(const char *s, float *out);

/* ---- text encoding ----------------------------------------------------- */

/* 1 when the n bytes of s are well-formed UTF-8 (no overlongs, no
 * surrogates), else 0. */
int gr_utf8_valid(const char *s, size_t n);
/*
 * A malloc'ed UTF-8 copy of the n bytes of s: a copy when they are valid
 * UTF-8 already, else every byte is read as latin-1 (MovieLens 100K and 1M
 * files are latin-1).  NULL with GR_ENOMEM set when out of memory.
 */
char *gr_to_utf8(const char *s, size_t n);

/* ---- paths ------------------------------------------------------------- */

/* The part of path after its last '/'. */
const char *gr_path_base(const char *path);
/* 1 when path names a directory. */
int gr_is_dir(const char *path);
/* 1 when path names something that exists and is not a directory. */
int gr_is_file(const char *path);
/* Write "dir/name" into buf; GR_EINVAL (naming the path) when cap is too
 * small. */
int gr_path_join(char *buf, size_t cap, const char *dir, const char *name);
/* Write the directory part of path ("." when it has none) into buf;
 * GR_EINVAL when cap is too small. */
int gr_path_dir(char *buf, size_t cap, const char *path);

#endif
