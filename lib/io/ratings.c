#include "io/ratings.h"

#include <gnnrec/graph.h>
#include <string.h>

#include "core/err.h"
#include "core/names.h"
#include "io/text.h"

/* How the fields of a line are separated. */
enum split_kind { SPLIT_BLANKS, SPLIT_CHAR, SPLIT_DCOLON, SPLIT_CSV };

enum { COL_USER, COL_ITEM, COL_RATING, COL_TS, NCOLS };
static const char *const col_name[NCOLS] = { "user", "item", "rating", "timestamp" };

/* More fields than any interaction file has; extra ones are only counted. */
#define MAX_FIELDS 32
/* Lines the format sniffer looks at. */
#define SNIFF_LINES 32

typedef struct layout {
    int split;      /* a split_kind */
    char sep;       /* separator of SPLIT_CHAR */
    size_t nfields; /* fields every line must have */
    int col[NCOLS]; /* field of each column, -1 when the file lacks it */
} layout;

typedef struct loader {
    gr_lines r;
    const char *path;
    gr_edges *out;
    layout lay;
    int have_layout; /* lay is known (fixed formats, or after the first line) */
    int csv_header;  /* the first line must be a header (GR_FORMAT_CSV) */
    int comments;    /* lines starting with '#' are skipped (GR_FORMAT_DELIMITED) */
    size_t layout_line; /* line the layout came from (a header or the first row), 0 before */
    int names;       /* ids: 1 names, 0 integers, -1 not known before the first row (GR_IDS_AUTO) */
    int first_row_only; /* stop once the layout and the kind of ids are known */
} loader;

/* ---- errors ------------------------------------------------------------ */

static int field_error(const loader *ld, int col, int why, const char *text)
{
    const char *want = col == COL_RATING ? "a number" : "an integer";
    if (why == GR_NUM_RANGE)
        return gr_err(GR_EFORMAT, "%s:%zu: field '%s': value out of range: '%.40s'", ld->path,
                      ld->r.line, col_name[col], text);
    return gr_err(GR_EFORMAT, "%s:%zu: field '%s': expected %s, got '%.40s'", ld->path, ld->r.line,
                  col_name[col], want, text);
}

/* "user, item, rating" for the columns of a layout, in field order. */
static void describe_columns(char *buf, size_t cap, const layout *l)
{
    buf[0] = '\0';
    for (size_t f = 0; f < l->nfields; f++) {
        const char *name = "other";
        for (int c = 0; c < NCOLS; c++)
            if (l->col[c] == (int)f) name = col_name[c];
        size_t used = strlen(buf);
        snprintf(buf + used, cap - used, "%s%s", f ? ", " : "", name);
    }
}

static int count_error(const loader *ld, size_t got)
{
    char cols[256];
    describe_columns(cols, sizeof cols, &ld->lay);
    return gr_err(GR_EFORMAT, "%s:%zu: too %s fields: expected %zu (%s), got %zu", ld->path,
                  ld->r.line, got < ld->lay.nfields ? "few" : "many", ld->lay.nfields, cols, got);
}

/* ---- fields ------------------------------------------------------------ */

/* CSV fields of one line in a single pass that marks the commas and
 * hands the line, still untouched, to the full splitter at a quote
 * (quoted numbers are rare). */
static size_t split_commas(char *line, char **f)
{
    size_t n = 1;
    f[0] = line;
    for (char *p = line; *p; p++) {
        if (*p == '"') return gr_split_csv(line, f, MAX_FIELDS);
        if (*p != ',') continue;
        if (n < MAX_FIELDS) f[n] = p + 1;
        n++;
    }
    for (size_t k = 1; k < n && k < MAX_FIELDS; k++) f[k][-1] = '\0';
    return n;
}

static size_t split(const layout *l, char *line, char **f)
{
    switch (l->split) {
    case SPLIT_CHAR: return gr_split_char(line, l->sep, f, MAX_FIELDS);
    case SPLIT_DCOLON: return gr_split_str(line, "::", f, MAX_FIELDS);
    case SPLIT_CSV: return split_commas(line, f);
    default: return gr_split_blanks(line, f, MAX_FIELDS);
    }
}

static int parse_int(const loader *ld, int col, const char *s, int64_t *v)
{
    int rc = gr_parse_i64(s, v);
    return rc == GR_NUM_OK ? GR_OK : field_error(ld, col, rc, s);
}

/* The id of a name field: its hash, its name kept (gr_names_add, which
 * refuses an over-long name and a name that another name's id already
 * stands for, naming both). */
static int name_id(const loader *ld, int col, const char *field, int64_t *v)
{
    size_t n;
    const char *s = gr_name_span(field, &n);
    if (n == 0) return gr_err(GR_EFORMAT, "%s:%zu: field '%s': empty name", ld->path, ld->r.line, col_name[col]);
    *v = gr_name_hash(s, n);
    int rc = gr_names_add(col == COL_USER ? ld->out->user_names : ld->out->item_names, *v, s, n);
    if (rc != GR_OK) gr_err_prefix("%s:%zu: field '%s'", ld->path, ld->r.line, col_name[col]);
    return rc;
}

static int parse_id(const loader *ld, int col, const char *s, int64_t *v)
{
    return ld->names == 1 ? name_id(ld, col, s, v) : parse_int(ld, col, s, v);
}

/* GR_IDS_AUTO: the first row's user and item fields decide whether the
 * file's ids are integers or names. */
static int decide_ids(loader *ld, const char *user, const char *item)
{
    if (ld->names >= 0) return GR_OK;
    int64_t v;
    ld->names = gr_parse_i64(user, &v) != GR_NUM_OK || (item && gr_parse_i64(item, &v) != GR_NUM_OK);
    return ld->names ? gr_edges_use_names(ld->out) : GR_OK;
}

static int parse_rating(const loader *ld, const char *s, float *v)
{
    int rc = gr_parse_f32(s, v);
    return rc == GR_NUM_OK ? GR_OK : field_error(ld, COL_RATING, rc, s);
}

/* One data line of a columnar format, split into f[0..nf). */
static int take_row(loader *ld, char **f, size_t nf)
{
    const layout *l = &ld->lay;
    if (nf == (size_t)-1)
        return gr_err(GR_EFORMAT, "%s:%zu: unterminated quoted field", ld->path, ld->r.line);
    if (nf != l->nfields) return count_error(ld, nf);
    int64_t user, item, ts = 0;
    float rating = 1.0f;
    GR_TRY(decide_ids(ld, f[l->col[COL_USER]], f[l->col[COL_ITEM]]));
    GR_TRY(parse_id(ld, COL_USER, f[l->col[COL_USER]], &user));
    GR_TRY(parse_id(ld, COL_ITEM, f[l->col[COL_ITEM]], &item));
    if (l->col[COL_RATING] >= 0) GR_TRY(parse_rating(ld, f[l->col[COL_RATING]], &rating));
    if (l->col[COL_TS] >= 0) GR_TRY(parse_int(ld, COL_TS, f[l->col[COL_TS]], &ts));
    return gr_edges_push(ld->out, user, item, rating, ts);
}

/* ---- layouts ----------------------------------------------------------- */

static void positional(layout *l, size_t nfields)
{
    l->nfields = nfields;
    for (int c = 0; c < NCOLS; c++) l->col[c] = (size_t)c < nfields ? c : -1;
}

static int ascii_ieq(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        char x = *a >= 'A' && *a <= 'Z' ? (char)(*a + 32) : *a;
        char y = *b >= 'A' && *b <= 'Z' ? (char)(*b + 32) : *b;
        if (x != y) return 0;
    }
    return *a == *b;
}

/* The column a header name stands for, or -1. */
static int column_of_name(const char *name)
{
    static const char *const names[NCOLS][8] = {
        { "userid", "user_id", "user", "uid", NULL },
        { "movieid", "movie_id", "itemid", "item_id", "item", "movie", "iid", NULL },
        { "rating", "score", NULL },
        { "timestamp", "time", "ts", NULL },
    };
    for (int c = 0; c < NCOLS; c++)
        for (int k = 0; names[c][k]; k++)
            if (ascii_ieq(name, names[c][k])) return c;
    return -1;
}

/* Columns from a header line; 0 when it names no user and item column. */
static int map_header(layout *l, char **f, size_t nf)
{
    for (int c = 0; c < NCOLS; c++) l->col[c] = -1;
    l->nfields = nf;
    for (size_t i = 0; i < nf && i < MAX_FIELDS; i++) {
        int c = column_of_name(gr_trim(f[i]));
        if (c >= 0 && l->col[c] < 0) l->col[c] = (int)i;
    }
    return l->col[COL_USER] >= 0 && l->col[COL_ITEM] >= 0;
}

static int all_numbers(char **f, size_t nf)
{
    double d;
    for (size_t i = 0; i < nf && i < MAX_FIELDS; i++)
        if (gr_parse_f64(f[i], &d) != GR_NUM_OK) return 0;
    return nf > 0;
}

/* The separator of a generic delimited line: the first of tab, ';' and
 * ',' that it holds, else 0 (runs of blanks). */
static char pick_sep(const char *line)
{
    if (strchr(line, '\t')) return '\t';
    if (strchr(line, ';')) return ';';
    if (strchr(line, ',')) return ',';
    return 0;
}

static void set_split(layout *l, char sep)
{
    l->sep = sep;
    l->split = sep == 0 ? SPLIT_BLANKS : sep == ',' ? SPLIT_CSV : SPLIT_CHAR;
}

static int any_number(char **f, size_t nf)
{
    double d;
    for (size_t i = 0; i < nf && i < MAX_FIELDS; i++)
        if (gr_parse_f64(f[i], &d) == GR_NUM_OK) return 1;
    return 0;
}

static int csv_header(loader *ld, char *line)
{
    char *f[MAX_FIELDS];
    char copy[256];
    snprintf(copy, sizeof copy, "%s", line);
    size_t nf = split(&ld->lay, line, f);
    if (nf != (size_t)-1 && !any_number(f, nf) && map_header(&ld->lay, f, nf)) return GR_OK;
    return gr_err(GR_EFORMAT,
                  "%s:%zu: expected a header line such as 'userId,movieId,rating,timestamp', got '%.60s'",
                  ld->path, ld->r.line, copy);
}

/*
 * The first line of a generic delimited file fixes its separator and
 * columns.  It is a header only when none of its fields is a number and
 * it names the user and item columns; a line of names alone that names
 * neither is an error.  Any other line is the first data line, with the
 * columns user, item [, rating [, timestamp]], and a malformed one fails
 * on line 1 like any data line (it is never taken for a header).  The
 * line is split in place into f[0..*nf); *header tells which it was.
 */
static int delimited_layout(loader *ld, char *line, char **f, size_t *nf, int *header)
{
    layout *l = &ld->lay;
    char copy[256];
    snprintf(copy, sizeof copy, "%s", line);
    set_split(l, pick_sep(line));
    *nf = split(l, line, f);
    *header = 0;
    if (*nf == (size_t)-1)
        return gr_err(GR_EFORMAT, "%s:%zu: unterminated quoted field", ld->path, ld->r.line);
    if (!any_number(f, *nf)) {
        *header = 1;
        if (map_header(l, f, *nf)) return GR_OK;
        /* a row of names alone is data only where ids are names */
        if (ld->names != 1)
            return gr_err(GR_EFORMAT, "%s:%zu: not a header: names no user and item columns (such as userId and movieId): '%.60s'"
                          " (a file without a header whose ids are names loads with ids=names, --ids names)",
                          ld->path, ld->r.line, copy);
        *header = 0;
    }
    if (*nf < 2 || *nf > NCOLS)
        return gr_err(GR_EFORMAT, "%s:%zu: too %s fields: expected 2 to 4 (user, item[, rating[, timestamp]]), got %zu",
                      ld->path, ld->r.line, *nf < 2 ? "few" : "many", *nf);
    positional(l, *nf);
    return GR_OK;
}

/* ---- readers ----------------------------------------------------------- */

static int is_comment(const char *line)
{
    while (*line == ' ' || *line == '\t') line++;
    return *line == '#';
}

/* The first line that is neither blank nor a comment: a header, or the
 * first data line (taken as a row). */
static int first_line(loader *ld, char *line)
{
    ld->have_layout = 1;
    ld->layout_line = ld->r.line;
    if (ld->csv_header) return csv_header(ld, line);
    char *f[MAX_FIELDS];
    size_t nf;
    int header;
    GR_TRY(delimited_layout(ld, line, f, &nf, &header));
    /* the line was split in place: parse it from its fields */
    return header ? GR_OK : take_row(ld, f, nf);
}

static int read_rows(loader *ld)
{
    char *line, *f[MAX_FIELDS];
    size_t len;
    int rc;
    while ((rc = gr_lines_next(&ld->r, &line, &len)) > 0) {
        if (gr_is_blank(line) || (ld->comments && is_comment(line))) continue;
        /* in a part of a file, the layout is known already, and the part
         * that holds the line it came from reads that line as the whole
         * file's reader does */
        if (!ld->have_layout || ld->r.line == ld->layout_line) {
            GR_TRY(first_line(ld, line));
            if (ld->first_row_only && ld->names >= 0) break;
            continue;
        }
        GR_TRY(take_row(ld, f, split(&ld->lay, line, f)));
        if (ld->first_row_only && ld->names >= 0) break;
    }
    return rc;
}

/* The next blank-separated token of *p, NUL-terminated in place. */
static char *next_token(char **p)
{
    char *s = *p;
    while (*s == ' ' || *s == '\t') s++;
    if (!*s) return NULL;
    char *tok = s;
    while (*s && *s != ' ' && *s != '\t') s++;
    if (*s) *s++ = '\0';
    *p = s;
    return tok;
}

/* A copy of the next blank-separated token of p, cut to cap - 1 bytes
 * (enough to tell an integer), or "" at the end of the line. */
static void peek_token(char *buf, size_t cap, const char *p)
{
    while (*p == ' ' || *p == '\t') p++;
    size_t n = 0;
    while (p[n] && p[n] != ' ' && p[n] != '\t' && n + 1 < cap) n++;
    memcpy(buf, p, n);
    buf[n] = '\0';
}

/* "user item item ...": a line per user, any number of items. */
static int read_adjacency(loader *ld)
{
    char *line, *tok;
    size_t len;
    int rc;
    while ((rc = gr_lines_next(&ld->r, &line, &len)) > 0) {
        char *p = line;
        if (!(tok = next_token(&p))) continue;
        int64_t user, item;
        if (ld->names < 0) {
            char first[32];
            peek_token(first, sizeof first, p);
            GR_TRY(decide_ids(ld, tok, first[0] ? first : NULL));
        }
        GR_TRY(parse_id(ld, COL_USER, tok, &user));
        while ((tok = next_token(&p))) {
            GR_TRY(parse_id(ld, COL_ITEM, tok, &item));
            GR_TRY(gr_edges_push(ld->out, user, item, 1.0f, 0));
        }
        if (ld->first_row_only) break;
    }
    return rc;
}

static void fixed_layout(loader *ld, int format)
{
    layout *l = &ld->lay;
    positional(l, NCOLS);
    ld->have_layout = 1;
    if (format == GR_FORMAT_ML1M) {
        l->split = SPLIT_DCOLON;
    } else if (format == GR_FORMAT_ML100K) {
        /* u.data is tab separated; blanks also admit space-separated copies */
        l->split = SPLIT_BLANKS;
    } else {
        set_split(l, format == GR_FORMAT_CSV ? ',' : 0);
        ld->have_layout = 0;
        ld->csv_header = format == GR_FORMAT_CSV;
        ld->comments = format == GR_FORMAT_DELIMITED;
    }
}

static int loader_init(loader *ld, gr_edges *out, const char *path, int format, int ids)
{
    memset(ld, 0, sizeof *ld);
    ld->path = path;
    ld->out = out;
    fixed_layout(ld, format);
    /* edges appended to named ones are named too; MovieLens's own formats
     * hold integers unless told otherwise */
    int movielens = format == GR_FORMAT_ML100K || format == GR_FORMAT_ML1M;
    ld->names = ids == GR_IDS_NAMES || out->user_names ? 1 : ids == GR_IDS_INTEGERS || movielens ? 0 : -1;
    return ld->names == 1 ? gr_edges_use_names(out) : GR_OK;
}

/* Read the lines of ld->r (open) and close it. */
static int read_open(loader *ld, int format)
{
    int rc = format == GR_FORMAT_ADJACENCY ? read_adjacency(ld) : read_rows(ld);
    gr_lines_close(&ld->r);
    if (rc == GR_OK && format != GR_FORMAT_ADJACENCY) {
        ld->out->has_rating = ld->lay.col[COL_RATING] >= 0;
        ld->out->has_ts = ld->lay.col[COL_TS] >= 0;
    }
    return rc;
}

static int read_file(gr_edges *out, const char *path, int format, int ids)
{
    loader ld;
    GR_TRY(loader_init(&ld, out, path, format, ids));
    GR_TRY(gr_lines_open(&ld.r, path));
    return read_open(&ld, format);
}

int gr_read_interactions(gr_edges *out, const char *path, int format, int ids)
{
    if (!out || !path) return gr_err(GR_EINVAL, "read interactions: NULL argument");
    char found[4096];
    if (gr_is_dir(path)) {
        int dir_format = GR_FORMAT_AUTO;
        GR_TRY(gr_find_ratings_file(found, sizeof found, &dir_format, path));
        path = found;
        if (format == GR_FORMAT_AUTO) format = dir_format;
    }
    if (format == GR_FORMAT_AUTO) GR_TRY(gr_detect_format(&format, path));
    if (format < GR_FORMAT_ADJACENCY || format > GR_FORMAT_DELIMITED)
        return gr_err(GR_EINVAL, "%s: unknown format %d", path, format);
    size_t n0 = out->n;
    int had_rating = out->has_rating, had_ts = out->has_ts, had_names = out->user_names != NULL;
    out->has_rating = out->has_ts = 0;
    int rc = read_file(out, path, format, ids);
    if (rc == GR_OK && out->n == n0) rc = gr_err(GR_EFORMAT, "%s: no interactions", path);
    if (rc != GR_OK) {
        if (!had_names) gr_edges_drop_names(out); /* a later read decides anew */
        out->n = n0;
        out->has_rating = had_rating;
        out->has_ts = had_ts;
        return rc;
    }
    /* edges appended to others carry ratings only if all of them do */
    if (n0 > 0) {
        out->has_rating &= had_rating;
        out->has_ts &= had_ts;
    }
    return GR_OK;
}

/*
 * What the whole file's reader knows once it is past the file's first
 * row, which may lie in another part: the layout of a header-led format
 * (delimited, CSV), from the first line that is neither blank nor a
 * comment, and with GR_IDS_AUTO whether the ids are names, from the
 * first row.  Read the file from its start up to there, as the whole
 * file's reader would (the row is dropped here: the part that holds it
 * reads it again).
 */
static int from_start(loader *ld, int format)
{
    if ((ld->have_layout || format == GR_FORMAT_ADJACENCY) && ld->names >= 0) return GR_OK;
    gr_edges scratch;
    gr_edges_init(&scratch);
    loader first = *ld;
    first.out = &scratch;
    first.first_row_only = 1;
    int rc = gr_edges_use_names(&scratch);
    if (rc == GR_OK) rc = gr_lines_open(&first.r, ld->path);
    if (rc == GR_OK) rc = format == GR_FORMAT_ADJACENCY ? read_adjacency(&first) : read_rows(&first);
    gr_lines_close(&first.r);
    gr_edges_free(&scratch);
    if (rc < 0) return rc;
    if (format != GR_FORMAT_ADJACENCY) {
        ld->lay = first.lay;
        ld->layout_line = first.layout_line;
        ld->have_layout = 1;
    }
    /* a file without rows reads as integers: its parts hold none either */
    ld->names = first.names == 1;
    return ld->names ? gr_edges_use_names(ld->out) : GR_OK;
}

int gr_read_interactions_part(gr_edges *out, const char *path, int format, int ids, uint64_t begin, uint64_t end,
                              size_t lines_before)
{
    if (!out || !path) return gr_err(GR_EINVAL, "read interactions: NULL argument");
    if (format < GR_FORMAT_ADJACENCY || format > GR_FORMAT_DELIMITED)
        return gr_err(GR_EINVAL, "%s: unknown format %d", path, format);
    loader ld;
    GR_TRY(loader_init(&ld, out, path, format, ids));
    GR_TRY(from_start(&ld, format));
    GR_TRY(gr_lines_open_part(&ld.r, path, begin, end, lines_before));
    size_t n0 = out->n;
    int rc = read_open(&ld, format);
    if (rc != GR_OK) out->n = n0;
    return rc;
}

/* ---- detection --------------------------------------------------------- */

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && memcmp(s + n - k, suffix, k) == 0;
}

/* The format a file name implies, or GR_FORMAT_AUTO. */
static int format_of_name(const char *base)
{
    if (strcmp(base, "u.data") == 0) return GR_FORMAT_ML100K;
    /* the 100K folds: u1.base ... u5.test, ua.base, ub.test */
    if (base[0] == 'u' && (ends_with(base, ".base") || ends_with(base, ".test")))
        return GR_FORMAT_ML100K;
    if (strcmp(base, "ratings.dat") == 0) return GR_FORMAT_ML1M;
    if (strcmp(base, "ratings.csv") == 0) return GR_FORMAT_CSV;
    return GR_FORMAT_AUTO;
}

/* What the first lines of a file look like. */
typedef struct sniff {
    size_t lines;
    char sep;               /* separator of the first line (pick_sep) */
    size_t min_nf, max_nf;  /* field counts */
    int all_int;            /* every field an integer */
    int col3_rating;        /* every third field a number in [0, 10] */
    int col4_time;          /* every fourth field an integer >= 1e8 */
} sniff;

/* Fields as the sniffer sees them: tabs count as blanks, so that a tab in
 * a blank-separated list does not hide its numbers. */
static size_t sniff_split(char sep, char *line, char **f)
{
    layout l;
    set_split(&l, sep == '\t' ? 0 : sep);
    return split(&l, line, f);
}

static void sniff_fields(sniff *s, char **f, size_t nf)
{
    if (nf == (size_t)-1) nf = 0;
    if (s->lines++ == 0 || nf < s->min_nf) s->min_nf = nf;
    if (nf > s->max_nf) s->max_nf = nf;
    int64_t v;
    double d;
    for (size_t i = 0; i < nf && i < MAX_FIELDS; i++)
        if (gr_parse_i64(f[i], &v) != GR_NUM_OK) s->all_int = 0;
    if (nf >= 3 && !(gr_parse_f64(f[2], &d) == GR_NUM_OK && d >= 0 && d <= 10)) s->col3_rating = 0;
    if (nf >= 4 && !(gr_parse_i64(f[3], &v) == GR_NUM_OK && v >= 100000000)) s->col4_time = 0;
}

/* Decide among the whitespace, tab, comma and ';' separated formats. */
static int sniff_decide(const sniff *s, int txt)
{
    if (s->sep == ',' || s->sep == ';') return GR_FORMAT_DELIMITED;
    /* an adjacency list has as many fields as the user has items */
    if (s->min_nf != s->max_nf || s->max_nf > 4) return GR_FORMAT_ADJACENCY;
    if (s->sep == '\t') return s->max_nf == 4 ? GR_FORMAT_ML100K : GR_FORMAT_DELIMITED;
    if (s->max_nf <= 2) return txt ? GR_FORMAT_ADJACENCY : GR_FORMAT_DELIMITED;
    if (!s->all_int) return GR_FORMAT_DELIMITED;
    /* all integers, 3 or 4 per line: ratings and timestamps tell them apart */
    if (s->col3_rating && (s->max_nf == 4 ? s->col4_time : !txt)) return GR_FORMAT_DELIMITED;
    return GR_FORMAT_ADJACENCY;
}

/* What the first line's fields alone tell: a header is CSV or a delimited
 * file; GR_FORMAT_AUTO when more lines must be seen. */
static int sniff_first(sniff *s, char **f, size_t nf)
{
    if (nf == (size_t)-1 || all_numbers(f, nf)) return GR_FORMAT_AUTO;
    /* a header (no number: CSV with a comma), or a row whose ids are names */
    if (s->sep == ',' && !any_number(f, nf)) return GR_FORMAT_CSV;
    layout header;
    if (s->sep != 0 || map_header(&header, f, nf)) return GR_FORMAT_DELIMITED;
    /* blank-separated names: an adjacency list, or user item [rating [time]]
     * rows, which the next lines tell apart as they do for integers */
    return GR_FORMAT_AUTO;
}

static int sniff_file(int *format, const char *path, int txt)
{
    gr_lines r;
    GR_TRY(gr_lines_open(&r, path));
    sniff s = { 0, 0, 0, 0, 1, 1, 1 };
    char *line;
    size_t len;
    int rc = 0, fmt = GR_FORMAT_AUTO;
    while (fmt == GR_FORMAT_AUTO && s.lines < SNIFF_LINES && (rc = gr_lines_next(&r, &line, &len)) > 0) {
        if (gr_is_blank(line) || is_comment(line)) continue;
        if (s.lines == 0 && strstr(line, "::")) {
            fmt = GR_FORMAT_ML1M;
            break;
        }
        /* the first line's separator splits every line, each split once */
        if (s.lines == 0) s.sep = pick_sep(line);
        char *f[MAX_FIELDS];
        size_t nf = sniff_split(s.sep, line, f);
        if (s.lines == 0 && (fmt = sniff_first(&s, f, nf)) != GR_FORMAT_AUTO) break;
        sniff_fields(&s, f, nf);
    }
    gr_lines_close(&r);
    if (rc < 0) return rc;
    if (fmt == GR_FORMAT_AUTO && s.lines == 0) return gr_err(GR_EFORMAT, "%s: no interactions", path);
    *format = fmt != GR_FORMAT_AUTO ? fmt : sniff_decide(&s, txt);
    return GR_OK;
}

int gr_detect_format(int *format, const char *path)
{
    if (!format || !path) return gr_err(GR_EINVAL, "detect format: NULL argument");
    if (gr_is_dir(path)) {
        char found[4096];
        return gr_find_ratings_file(found, sizeof found, format, path);
    }
    const char *base = gr_path_base(path);
    int fmt = format_of_name(base);
    if (fmt != GR_FORMAT_AUTO) {
        /* a named file must still exist, as the reader will need it */
        if (!gr_is_file(path)) {
            gr_lines r;
            GR_TRY(gr_lines_open(&r, path));
            gr_lines_close(&r);
        }
        *format = fmt;
        return GR_OK;
    }
    return sniff_file(format, path, ends_with(base, ".txt"));
}

int gr_find_ratings_file(char *buf, size_t cap, int *format, const char *dir)
{
    static const struct {
        const char *name;
        int format;
    } known[] = { { "u.data", GR_FORMAT_ML100K },
                  { "ratings.dat", GR_FORMAT_ML1M },
                  { "ratings.csv", GR_FORMAT_CSV } };
    if (!buf || !format || !dir) return gr_err(GR_EINVAL, "find ratings file: NULL argument");
    for (size_t k = 0; k < sizeof known / sizeof known[0]; k++) {
        GR_TRY(gr_path_join(buf, cap, dir, known[k].name));
        if (gr_is_file(buf)) {
            *format = known[k].format;
            return GR_OK;
        }
    }
    buf[0] = '\0';
    return gr_err(GR_ENOTFOUND, "%s: no u.data, ratings.dat or ratings.csv in this directory", dir);
}
