/* Reader of genome-tags.csv and genome-scores.csv (genome.h). */
#include "io/genome.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/idmap.h"
#include "core/mem.h"
#include "io/text.h"

/* One file being read, for messages. */
typedef struct genome_reader {
    gr_lines r;
    const char *path;
    size_t line;
} genome_reader;

static int field_error(const genome_reader *g, const char *field, const char *want, const char *got)
{
    return gr_field_error(g->path, g->line, field, want, got);
}

static int count_error(const genome_reader *g, size_t want, const char *names, size_t got)
{
    return gr_count_error(g->path, g->line, want, names, got);
}

/* The next CSV record split into exactly `want` fields; 0 at the end.  The
 * header line (the first, when its first field is not a number) is skipped. */
static int next_fields(genome_reader *g, char **f, size_t want, const char *names)
{
    for (;;) {
        char *rec;
        size_t len;
        int rc = gr_lines_next_record(&g->r, &rec, &len);
        if (rc <= 0) return rc;
        g->line = g->r.rec_line;
        if (gr_is_blank(rec)) continue;
        size_t n = gr_split_csv(rec, f, want + 1);
        if (n == (size_t)-1) return gr_err(GR_EFORMAT, "%s:%zu: unterminated quoted field", g->path, g->line);
        int64_t probe;
        if (g->line == 1 && gr_parse_i64(f[0], &probe) != GR_NUM_OK) continue;
        if (n != want) return count_error(g, want, names, n);
        return 1;
    }
}

static int parse_id(const genome_reader *g, const char *field, const char *s, int64_t *id)
{
    if (gr_parse_i64(s, id) != GR_NUM_OK || *id < 0) return field_error(g, field, "a non-negative integer id", s);
    return GR_OK;
}

/* genome-tags.csv: the tag ids, in file order, each once. */
static int read_tags(gr_genome_table *t, gr_idmap *tags, const char *path)
{
    genome_reader g = { .path = path };
    GR_TRY(gr_lines_open(&g.r, path));
    char *f[3];
    int rc;
    while ((rc = next_fields(&g, f, 2, "tagId,tag")) == 1) {
        int64_t id;
        if ((rc = parse_id(&g, "tagId", f[0], &id)) != GR_OK) break;
        if (gr_is_blank(f[1])) {
            rc = field_error(&g, "tag", "a tag name", f[1]);
            break;
        }
        if (gr_idmap_find(tags, id) >= 0) {
            rc = gr_err(GR_EFORMAT, "%s:%zu: field 'tagId': tag %lld repeats", path, g.line, (long long)id);
            break;
        }
        if (gr_idmap_intern(tags, id) < 0) {
            rc = GR_ENOMEM;
            break;
        }
    }
    gr_lines_close(&g.r);
    if (rc < 0) return rc;
    if (tags->n == 0) return gr_err(GR_EFORMAT, "%s: no tags", path);
    t->n_tags = tags->n;
    t->tag = gr_alloc(tags->n, sizeof *t->tag);
    if (!t->tag) return GR_ENOMEM;
    memcpy(t->tag, tags->ids, tags->n * sizeof *t->tag);
    return GR_OK;
}

/* Room for the row of movie index `row`, new rows filled with NaN (unset). */
static int ensure_row(gr_genome_table *t, size_t *cap_rows, size_t row)
{
    if (row < *cap_rows) return GR_OK;
    size_t cap = *cap_rows ? 2 * *cap_rows : 256;
    float *s = gr_realloc(t->score, cap * t->n_tags, sizeof *s);
    if (!s) return GR_ENOMEM;
    for (size_t k = *cap_rows * t->n_tags; k < cap * t->n_tags; k++) s[k] = NAN;
    t->score = s;
    *cap_rows = cap;
    return GR_OK;
}

static int score_line(genome_reader *g, gr_genome_table *t, gr_idmap *movies, const gr_idmap *tags, size_t *cap_rows,
                      char **f)
{
    int64_t movie, tag;
    double rel;
    GR_TRY(parse_id(g, "movieId", f[0], &movie));
    GR_TRY(parse_id(g, "tagId", f[1], &tag));
    if (gr_parse_f64(f[2], &rel) != GR_NUM_OK || !(rel >= 0.0 && rel <= 1.0))
        return field_error(g, "relevance", "a number in [0, 1]", f[2]);
    int32_t col = gr_idmap_find(tags, tag);
    if (col < 0) return gr_err(GR_EFORMAT, "%s:%zu: field 'tagId': tag %lld is not in genome-tags.csv", g->path, g->line, (long long)tag);
    int32_t row = gr_idmap_intern(movies, movie);
    if (row < 0) return GR_ENOMEM;
    GR_TRY(ensure_row(t, cap_rows, (size_t)row));
    float *cell = &t->score[(size_t)row * t->n_tags + (size_t)col];
    if (!isnan(*cell))
        return gr_err(GR_EFORMAT, "%s:%zu: movie %lld, tag %lld repeats", g->path, g->line, (long long)movie, (long long)tag);
    *cell = (float)rel;
    return GR_OK;
}

/* Every movie must have a relevance for every tag. */
static int check_complete(const gr_genome_table *t, const char *path)
{
    for (size_t i = 0; i < t->n_movies; i++)
        for (size_t c = 0; c < t->n_tags; c++)
            if (isnan(t->score[i * t->n_tags + c]))
                return gr_err(GR_EFORMAT, "%s: movie %lld has no relevance for tag %lld", path, (long long)t->movie[i],
                              (long long)t->tag[c]);
    return GR_OK;
}

static int read_scores(gr_genome_table *t, const gr_idmap *tags, const char *path)
{
    genome_reader g = { .path = path };
    GR_TRY(gr_lines_open(&g.r, path));
    gr_idmap movies;
    gr_idmap_init(&movies);
    size_t cap_rows = 0;
    char *f[4];
    int rc;
    while ((rc = next_fields(&g, f, 3, "movieId,tagId,relevance")) == 1)
        if ((rc = score_line(&g, t, &movies, tags, &cap_rows, f)) != GR_OK) break;
    gr_lines_close(&g.r);
    if (rc == 0 && movies.n == 0) rc = gr_err(GR_EFORMAT, "%s: no scores", path);
    if (rc == 0) {
        t->n_movies = movies.n;
        t->movie = gr_alloc(movies.n, sizeof *t->movie);
        if (!t->movie) rc = GR_ENOMEM;
        else memcpy(t->movie, movies.ids, movies.n * sizeof *t->movie);
    }
    gr_idmap_free(&movies);
    return rc < 0 ? rc : check_complete(t, path);
}

int gr_read_genome(gr_genome_table *out, const char *scores_path, const char *tags_path)
{
    memset(out, 0, sizeof *out);
    gr_idmap tags;
    gr_idmap_init(&tags);
    int rc = read_tags(out, &tags, tags_path);
    if (rc == GR_OK) rc = read_scores(out, &tags, scores_path);
    gr_idmap_free(&tags);
    if (rc != GR_OK) gr_genome_table_free(out);
    return rc;
}

void gr_genome_table_free(gr_genome_table *t)
{
    free(t->movie);
    free(t->tag);
    free(t->score);
    memset(t, 0, sizeof *t);
}
