/*
 * Reading one interaction file over a communicator: each rank parses the
 * lines of its own byte range and the ranks exchange the parsed edges in
 * binary (raw user id, raw item id, and the rating and timestamp when the
 * file has them), so no rank reads the text of another's part.
 */
#include "graph/load_dist.h"

#include <gnnrec/graph.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/mem.h"
#include "core/names.h"
#include "io/ratings.h"
#include "io/text.h"

/* Drop, in place, what the graph builder would drop (map_edges): fewer
 * bytes to exchange, the same graph. */
static void drop_below(gr_edges *e, double min_rating)
{
    if (!(min_rating > 0)) return;
    size_t w = 0;
    for (size_t k = 0; k < e->n; k++) {
        if (!(gr_edges_rating(e, k) >= min_rating)) continue;
        e->user[w] = e->user[k];
        e->item[w] = e->item[k];
        if (e->rating) e->rating[w] = e->rating[k];
        if (e->ts) e->ts[w] = e->ts[k];
        w++;
    }
    e->n = w;
}

/* This rank's part of the file, parsed. */
static int read_part(gr_edges *mine, const char *path, int format, int ids, gr_dist *d)
{
    uint64_t begin = 0, end = 0, before = 0;
    size_t lines = 0;
    int rc = format == GR_FORMAT_AUTO ? gr_detect_format(&format, path) : GR_OK;
    if (rc == GR_OK) rc = gr_file_part(path, d->rank, d->size, &begin, &end, &lines);
    GR_TRY(gr_dist_agree(d, rc));
    /* global line numbers: the lines of the parts in front of this one */
    GR_TRY(gr_dist_exscan_u64(d, lines, &before));
    return gr_dist_agree(d, gr_read_interactions_part(mine, path, format, ids, begin, end, (size_t)before));
}

/* One column of every rank's edges, concatenated in rank order. */
static int gather_column(gr_dist *d, const void *mine, void *all, const uint64_t *counts, size_t width,
                         uint64_t *bytes)
{
    for (int r = 0; r < d->size; r++) bytes[r] = counts[r] * width;
    return gr_dist_allgather_bytes(d, mine, all, bytes);
}

static int hold_both(int (*hold)(gr_edges *), gr_edges *mine, gr_edges *all)
{
    int rc = hold(mine);
    return rc == GR_OK ? hold(all) : rc;
}

static int alloc_all(gr_edges *all, size_t total)
{
    gr_edges_init(all);
    int rc = gr_edges_reserve(all, total ? total : 1);
    if (rc != GR_OK) gr_edges_free(all);
    return rc;
}

/* Every rank's edges to every rank: the ids always, a rating or
 * timestamp column only where some rank's part held one (a value other
 * than the default), as the whole file read alone would hold it.  A rank
 * whose part held only defaults holds the column here, so that every rank
 * sends it. */
static int exchange(gr_edges *all, gr_edges *mine, const uint64_t *counts, size_t total, gr_dist *d)
{
    const int ratings = gr_dist_any(d, mine->rating != NULL), stamps = gr_dist_any(d, mine->ts != NULL);
    uint64_t *bytes = gr_alloc((size_t)d->size, sizeof *bytes);
    int rc = bytes ? alloc_all(all, total) : GR_ENOMEM;
    if (rc == GR_OK && ratings) rc = hold_both(gr_edges_hold_ratings, mine, all);
    if (rc == GR_OK && stamps) rc = hold_both(gr_edges_hold_ts, mine, all);
    rc = gr_dist_agree(d, rc);
    if (rc == GR_OK) rc = gather_column(d, mine->user, all->user, counts, sizeof *all->user, bytes);
    if (rc == GR_OK) rc = gather_column(d, mine->item, all->item, counts, sizeof *all->item, bytes);
    if (rc == GR_OK && ratings) rc = gather_column(d, mine->rating, all->rating, counts, sizeof *all->rating, bytes);
    if (rc == GR_OK && stamps) rc = gather_column(d, mine->ts, all->ts, counts, sizeof *all->ts, bytes);
    free(bytes);
    if (rc != GR_OK) {
        gr_edges_free(all);
        return rc;
    }
    all->n = total;
    all->has_rating = mine->has_rating;
    all->has_ts = mine->has_ts;
    return GR_OK;
}

/* ---- names ---- */

/* A table's names as records: the id (8 bytes), then the name and its NUL. */
static int pack_names(const gr_names *t, char **out, uint64_t *size)
{
    size_t n = 0;
    for (size_t k = 0; k < t->ids.n; k++) n += 8 + strlen(t->name[k]) + 1;
    char *buf = gr_alloc(n ? n : 1, 1), *p = buf;
    if (!buf) return GR_ENOMEM;
    for (size_t k = 0; k < t->ids.n; k++) {
        size_t len = strlen(t->name[k]) + 1;
        memcpy(p, &t->ids.ids[k], 8);
        memcpy(p + 8, t->name[k], len);
        p += 8 + len;
    }
    *out = buf;
    *size = n;
    return GR_OK;
}

static int unpack_names(gr_names *t, const char *p, const char *end, const char *path)
{
    while (p < end) {
        int64_t id;
        memcpy(&id, p, 8);
        size_t len = strlen(p + 8);
        int rc = gr_names_add(t, id, p + 8, len);
        if (rc != GR_OK) {
            gr_err_prefix("%s", path);
            return rc;
        }
        p += 8 + len + 1;
    }
    return GR_OK;
}

/* Every rank's names of one side into `all` (whose names these are): each
 * rank's table holds the names its part read, and a name two parts read
 * comes twice, the same. */
static int gather_names(gr_names *all, const gr_names *mine, const char *path, gr_dist *d)
{
    char *buf = NULL, *every = NULL;
    uint64_t size = 0, total = 0;
    uint64_t *sizes = gr_alloc((size_t)d->size, sizeof *sizes);
    int rc = sizes ? pack_names(mine, &buf, &size) : GR_ENOMEM;
    rc = gr_dist_agree(d, rc);
    if (rc == GR_OK) rc = gr_dist_allgather_u64(d, size, sizes);
    for (int r = 0; rc == GR_OK && r < d->size; r++) total += sizes[r];
    if (rc == GR_OK) rc = gr_dist_agree(d, (every = gr_alloc(total ? total : 1, 1)) ? GR_OK : GR_ENOMEM);
    if (rc == GR_OK) rc = gr_dist_allgather_bytes(d, buf, every, sizes);
    if (rc == GR_OK) rc = gr_dist_agree(d, unpack_names(all, every, every + total, path));
    free(every);
    free(buf);
    free(sizes);
    return rc;
}

/* With ids that are names (every rank decided alike, from the file's first
 * row), every rank's names to every rank. */
static int exchange_names(gr_edges *all, const gr_edges *mine, const char *path, gr_dist *d)
{
    if (!mine->user_names) return GR_OK;
    int rc = gr_dist_agree(d, gr_edges_use_names(all));
    if (rc == GR_OK) rc = gather_names(all->user_names, mine->user_names, path, d);
    if (rc == GR_OK) rc = gather_names(all->item_names, mine->item_names, path, d);
    return rc;
}

/* The edges each rank read (before dropping) and keeps, and the sums. */
static int count_edges(gr_dist *d, size_t read, size_t kept, uint64_t *counts, size_t *total, uint64_t *nread)
{
    uint64_t *raw = gr_alloc((size_t)d->size, sizeof *raw);
    int rc = gr_dist_agree(d, raw ? GR_OK : GR_ENOMEM);
    if (rc == GR_OK) rc = gr_dist_allgather_u64(d, read, raw);
    if (rc == GR_OK) rc = gr_dist_allgather_u64(d, kept, counts);
    uint64_t nkept = 0;
    *nread = 0;
    for (int r = 0; rc == GR_OK && r < d->size; r++) {
        *nread += raw[r];
        nkept += counts[r];
    }
    free(raw);
    *total = (size_t)nkept;
    return rc;
}

int gr_read_edges_parts(gr_edges *all, const char *path, int format, int ids, double min_rating, gr_dist *d)
{
    gr_edges mine;
    gr_edges_init(&mine);
    gr_edges_init(all);
    uint64_t *counts = gr_alloc((size_t)d->size, sizeof *counts);
    int rc = gr_dist_agree(d, counts ? GR_OK : GR_ENOMEM);
    if (rc == GR_OK) rc = read_part(&mine, path, format, ids, d);
    size_t read = mine.n, total = 0;
    uint64_t nread = 0;
    if (rc == GR_OK) drop_below(&mine, min_rating);
    if (rc == GR_OK) rc = count_edges(d, read, mine.n, counts, &total, &nread);
    /* as gr_read_interactions: a file without any is malformed */
    if (rc == GR_OK && nread == 0) rc = gr_err(GR_EFORMAT, "%s: no interactions", path);
    if (rc == GR_OK) rc = exchange(all, &mine, counts, total, d);
    if (rc == GR_OK && (rc = exchange_names(all, &mine, path, d)) != GR_OK) gr_edges_free(all);
    gr_edges_free(&mine);
    free(counts);
    return rc;
}
