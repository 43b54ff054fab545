/*
 * Loading over MPI (docs/distributed.md, "Loading"), run by meson under
 * `mpirun -np 2` and `mpirun -np 4 --oversubscribe`: each rank reads its
 * own byte range of a generated file, and the graph every rank ends with
 * must be the one a load alone gives (same ids, same edges, same flags);
 * a bad line in rank 1's range must give every rank the same error, naming
 * the line by its number in the whole file.  Check runs the tests in this
 * process (CK_NOFORK): MPI does not survive fork.
 */
#include <gnnrec.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dist/dist.h"
#include "graph/graph.h"
#include "fixtures.h"
#include "fx_mpi.h"

static int rank, size;
static char dir[4096];

/* Whether every rank passes the same value. */
static int same_everywhere(uint64_t v)
{
    uint64_t lo, hi;
    MPI_Allreduce(&v, &lo, 1, MPI_UINT64_T, MPI_MIN, MPI_COMM_WORLD);
    MPI_Allreduce(&v, &hi, 1, MPI_UINT64_T, MPI_MAX, MPI_COMM_WORLD);
    return lo == hi;
}

/* Rank 0 writes the file; every rank gets its path once it is there. */
static char *shared_file(const char *name, const char *text)
{
    char *path = fx_path(dir, name);
    if (rank == 0) free(fx_write(dir, name, text));
    MPI_Barrier(MPI_COMM_WORLD);
    return path;
}

static gr_load_options options(int with_comm, MPI_Comm *world)
{
    gr_load_options o = GR_LOAD_OPTIONS_INIT;
    o.metadata = 0;
    o.comm = with_comm ? world : NULL;
    return o;
}

static uint64_t hash_graph(const gr_graph *g)
{
    size_t n = gr_graph_num_edges(g);
    int64_t *u = malloc((n + 1) * sizeof *u), *i = malloc((n + 1) * sizeof *i), *t = malloc((n + 1) * sizeof *t);
    float *r = malloc((n + 1) * sizeof *r);
    ck_assert_int_eq(gr_graph_edges(g, u, i, r, t, n), GR_OK);
    uint64_t h = gr_dist_hash_bytes(1469598103934665603ULL, u, n * sizeof *u);
    h = gr_dist_hash_bytes(h, i, n * sizeof *i);
    h = gr_dist_hash_bytes(h, r, n * sizeof *r);
    h = gr_dist_hash_bytes(h, t, n * sizeof *t);
    free(u);
    free(i);
    free(r);
    free(t);
    return h;
}

/* The same graph: sizes, flags, the ids of every index, every edge. */
static void assert_same_graph(const gr_graph *a, const gr_graph *b)
{
    ck_assert_uint_eq(gr_graph_num_users(a), gr_graph_num_users(b));
    ck_assert_uint_eq(gr_graph_num_items(a), gr_graph_num_items(b));
    ck_assert_uint_eq(gr_graph_num_edges(a), gr_graph_num_edges(b));
    ck_assert_uint_eq(gr_graph_num_skipped(a), gr_graph_num_skipped(b));
    ck_assert_int_eq(gr_graph_has_ratings(a), gr_graph_has_ratings(b));
    ck_assert_int_eq(gr_graph_has_timestamps(a), gr_graph_has_timestamps(b));
    for (size_t k = 0; k < gr_graph_num_users(a); k++) {
        int64_t x, y;
        gr_graph_user_id(&x, a, k);
        gr_graph_user_id(&y, b, k);
        ck_assert_msg(x == y, "user index %zu: id %lld alone, %lld over %d ranks", k, (long long)x, (long long)y, size);
        const char *na = gr_graph_user_name(a, x), *nb = gr_graph_user_name(b, y);
        ck_assert(na == nb || (na && nb && strcmp(na, nb) == 0));
    }
    for (size_t k = 0; k < gr_graph_num_items(a); k++) {
        int64_t x, y;
        gr_graph_item_id(&x, a, k);
        gr_graph_item_id(&y, b, k);
        ck_assert_msg(x == y, "item index %zu: id %lld alone, %lld over %d ranks", k, (long long)x, (long long)y, size);
        const char *na = gr_graph_item_name(a, x), *nb = gr_graph_item_name(b, y);
        ck_assert(na == nb || (na && nb && strcmp(na, nb) == 0));
    }
    ck_assert_int_eq(gr_graph_has_names(a), gr_graph_has_names(b));
    ck_assert(hash_graph(a) == hash_graph(b));
    ck_assert(same_everywhere(hash_graph(b)));
    /* the same columns held: none of ratings that are all 1 */
    ck_assert_int_eq(a->ui.val != NULL, b->ui.val != NULL);
    ck_assert_int_eq(a->ui.ts != NULL, b->ui.ts != NULL);
}

/* Load path alone and over the ranks; the two graphs must be equal.
 * Returns the distributed one. */
static gr_graph *check_load(const char *path, int format, double min_rating)
{
    MPI_Comm world = MPI_COMM_WORLD;
    gr_load_options alone = options(0, &world), dist = options(1, &world);
    alone.format = dist.format = format;
    alone.min_rating = dist.min_rating = min_rating;
    gr_graph *one = NULL, *many = NULL;
    ck_assert_msg(gr_graph_load(&one, path, &alone) == GR_OK, "%s", gr_last_error());
    ck_assert_msg(gr_graph_load(&many, path, &dist) == GR_OK, "rank %d: %s", rank, gr_last_error());
    assert_same_graph(one, many);
    gr_graph_free(one);
    return many;
}

/* A random text file: `lines` lines made by line(k, buf). */
static char *generate(size_t lines, void (*line)(size_t, uint64_t *, char *, size_t), const char *head, const char *eol)
{
    size_t cap = 1 << 16, len = 0;
    char *text = malloc(cap), one[4096];
    uint64_t s = 12345;
    text[0] = '\0';
    if (head) len += (size_t)snprintf(text, cap, "%s%s", head, eol);
    for (size_t k = 0; k < lines; k++) {
        line(k, &s, one, sizeof one);
        size_t n = strlen(one) + strlen(eol);
        while (len + n + 1 > cap) text = realloc(text, cap *= 2);
        len += (size_t)snprintf(text + len, cap - len, "%s%s", one, eol);
    }
    return text;
}

static uint64_t next(uint64_t *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return *s >> 33;
}

/* Users with 0 to 80 items (blank lines among them): lines of very
 * different lengths, ids far from dense. */
static void adjacency_line(size_t k, uint64_t *s, char *buf, size_t cap)
{
    size_t n = next(s) % 81, at = 0;
    if (k % 17 == 5) {
        buf[0] = '\0';
        return;
    }
    at += (size_t)snprintf(buf, cap, "%llu", (unsigned long long)(1000 + next(s) % 5000));
    for (size_t q = 0; q < n; q++) at += (size_t)snprintf(buf + at, cap - at, " %llu", (unsigned long long)(next(s) % 3000 * 7));
}

static void rating_line_tab(size_t k, uint64_t *s, char *buf, size_t cap)
{
    (void)k;
    snprintf(buf, cap, "%llu\t%llu\t%llu\t%llu", (unsigned long long)(next(s) % 700), (unsigned long long)(next(s) % 900),
             (unsigned long long)(1 + next(s) % 5), (unsigned long long)(880000000 + next(s) % 1000000));
}

static void rating_line_csv(size_t k, uint64_t *s, char *buf, size_t cap)
{
    (void)k;
    snprintf(buf, cap, "%llu,%llu,%.1f,%llu", (unsigned long long)(next(s) % 700), (unsigned long long)(next(s) % 900),
             0.5 * (double)(1 + next(s) % 10), (unsigned long long)(1100000000 + next(s) % 1000000));
}

static void rating_line_dcolon(size_t k, uint64_t *s, char *buf, size_t cap)
{
    (void)k;
    snprintf(buf, cap, "%llu::%llu::%llu::%llu", (unsigned long long)(1 + next(s) % 600), (unsigned long long)(1 + next(s) % 800),
             (unsigned long long)(1 + next(s) % 5), (unsigned long long)(970000000 + next(s) % 1000000));
}

START_TEST(adjacency_lines_of_varied_length)
{
    char *text = generate(3000, adjacency_line, NULL, "\n");
    char *path = shared_file("train.txt", text);
    gr_graph *g = check_load(path, GR_FORMAT_AUTO, 0);
    ck_assert_uint_gt(gr_graph_num_edges(g), 10000);
    gr_graph_free(g);
    free(path);
    free(text);
}
END_TEST

START_TEST(ml100k_tab_separated)
{
    char *text = generate(5000, rating_line_tab, NULL, "\n");
    char *path = shared_file("u.data", text);
    gr_graph_free(check_load(path, GR_FORMAT_AUTO, 0));
    /* dropping low ratings before the exchange leaves the same graph */
    gr_graph_free(check_load(path, GR_FORMAT_AUTO, 4));
    free(path);
    free(text);
}
END_TEST

/* Ratings of 1 hold no column, over the ranks as alone; one other value,
 * in the last rank's part, makes every rank hold and send its column (and
 * the same for timestamps of 0 in the parsed edges). */
START_TEST(default_ratings_hold_no_column)
{
    const size_t lines = 4000;
    char *text = malloc(lines * 32 + 1), *at = text;
    for (size_t k = 0; k < lines; k++)
        at += sprintf(at, "%zu\t%zu\t%d\t%d\n", k % 300, (k * 7) % 500, k + 1 == lines ? 5 : 1, k + 1 == lines ? 9 : 0);
    char *path = shared_file("u.data", text);
    gr_graph *g = check_load(path, GR_FORMAT_AUTO, 0);
    ck_assert(gr_graph_has_ratings(g) && gr_graph_has_timestamps(g));
    ck_assert(g->ui.val && g->ui.ts);
    gr_graph_free(g);
    free(path);
    text[strlen(text) - 4] = '1', text[strlen(text) - 2] = '0';
    path = shared_file("u.data", text);
    g = check_load(path, GR_FORMAT_AUTO, 0);
    ck_assert(gr_graph_has_ratings(g) && gr_graph_has_timestamps(g));
    ck_assert(!g->ui.val);
    gr_graph_free(g);
    free(path);
    free(text);
}
END_TEST

/* A header, Windows line ends, and no newline after the last line. */
START_TEST(csv_with_header_crlf_no_final_newline)
{
    char *text = generate(4000, rating_line_csv, "userId,movieId,rating,timestamp", "\r\n");
    text[strlen(text) - 2] = '\0';
    char *path = shared_file("ratings.csv", text);
    gr_graph *g = check_load(path, GR_FORMAT_AUTO, 0);
    ck_assert(gr_graph_has_ratings(g) && gr_graph_has_timestamps(g));
    gr_graph_free(g);
    free(path);
    free(text);
}
END_TEST

/* Ids that are names, a header, and names a part's first row shares with
 * other parts: every rank ends with every name. */
static void rating_line_names(size_t k, uint64_t *s, char *buf, size_t cap)
{
    (void)k;
    snprintf(buf, cap, "user-%llu,sku %llu,%llu", (unsigned long long)(next(s) % 300), (unsigned long long)(next(s) % 400),
             (unsigned long long)(1 + next(s) % 5));
}

START_TEST(names_over_ranks)
{
    char *text = generate(3000, rating_line_names, "user,item,rating", "\n");
    char *path = shared_file("names.csv", text);
    gr_graph *g = check_load(path, GR_FORMAT_AUTO, 0);
    ck_assert(gr_graph_has_names(g));
    int64_t id;
    ck_assert_int_eq(gr_name_id(&id, "sku 7"), GR_OK);
    ck_assert_str_eq(gr_graph_item_name(g, id), "sku 7");
    gr_graph_free(g);
    free(path);
    free(text);
}
END_TEST

START_TEST(ml1m_double_colon)
{
    char *text = generate(3000, rating_line_dcolon, NULL, "\n");
    char *path = shared_file("ratings.dat", text);
    gr_graph_free(check_load(path, GR_FORMAT_AUTO, 0));
    free(path);
    free(text);
}
END_TEST

/* Comments, blank lines and a header of a generic delimited file, which
 * fix its layout wherever the parts begin. */
START_TEST(delimited_with_comments_and_header)
{
    char *body = generate(2000, rating_line_csv, NULL, "\n");
    size_t n = strlen(body) + 200;
    char *text = malloc(n);
    snprintf(text, n, "# ratings\n\n   \nuser;item;score;ts\n%s", body);
    for (char *p = text + 20; *p; p++)
        if (*p == ',') *p = ';';
    char *path = shared_file("ratings.txt", text);
    gr_graph_free(check_load(path, GR_FORMAT_DELIMITED, 0));
    free(path);
    free(text);
    free(body);
}
END_TEST

/* Fewer lines than ranks: some ranks read nothing. */
START_TEST(fewer_lines_than_ranks)
{
    char *one = shared_file("one.txt", "7 1 2 3\n");
    gr_graph_free(check_load(one, GR_FORMAT_ADJACENCY, 0));
    char *two = shared_file("two.txt", "9 4 5\r\n8 5");
    gr_graph_free(check_load(two, GR_FORMAT_ADJACENCY, 0));
    char *tab = shared_file("one.tsv", "3\t4\t5\t881250949");
    gr_graph_free(check_load(tab, GR_FORMAT_ML100K, 0));
    free(one);
    free(two);
    free(tab);
}
END_TEST

/* The test file in the id space of the train file. */
START_TEST(load_like_over_ranks)
{
    char *train_text = generate(3000, rating_line_tab, NULL, "\n");
    char *train = shared_file("u1.base", train_text);
    char *test = shared_file("u1.test", strchr(train_text + strlen(train_text) / 3, '\n') + 1);
    MPI_Comm world = MPI_COMM_WORLD;
    gr_load_options alone = options(0, &world), dist = options(1, &world);
    gr_graph *base = NULL, *one = NULL, *many = NULL;
    ck_assert_int_eq(gr_graph_load(&base, train, &alone), GR_OK);
    char *extra = shared_file("extra.tsv", "100000\t1\t5\t881250949\n1\t100000\t5\t881250949\n");
    ck_assert_int_eq(gr_graph_load_like(&one, base, test, &alone), GR_OK);
    ck_assert_msg(gr_graph_load_like(&many, base, test, &dist) == GR_OK, "%s", gr_last_error());
    assert_same_graph(one, many);
    gr_graph_free(one);
    gr_graph_free(many);
    /* unknown ids are skipped and counted alike */
    ck_assert_int_eq(gr_graph_load_like(&one, base, extra, &dist), GR_ESTATE);
    gr_graph_free(base);
    free(train_text);
    free(train);
    free(test);
    free(extra);
}
END_TEST

/* Every rank returns rc and the same message, which contains `what`. */
static void same_error(int rc, int code, const char *what)
{
    ck_assert_msg(rc == code, "rank %d: status %d (%s), expected %d", rank, rc, gr_last_error(), code);
    ck_assert_msg(strstr(gr_last_error(), what) != NULL, "rank %d: '%s' does not hold '%s'", rank, gr_last_error(), what);
    const char *msg = gr_last_error();
    ck_assert(same_everywhere(gr_dist_hash_bytes(1469598103934665603ULL, msg, strlen(msg))));
}

/* Lines of 16 bytes: line L starts at byte 16 (L - 1), in the middle of
 * rank 1's range for L = 1.5 N / size. */
static void fixed_line(size_t k, uint64_t *s, char *buf, size_t cap)
{
    (void)s;
    snprintf(buf, cap, "%5zu\t%4zu\t4\t12", 10000 + k % 90000 % 10000, k % 1000);
}

static void bad_line_in_rank_1(const char *name, const char *bad, const char *field)
{
    const size_t lines = 1200, bad_at = lines * 3 / (2 * (size_t)size); /* 0-based */
    char *text = generate(lines, fixed_line, NULL, "\n");
    memcpy(text + 16 * bad_at, bad, 15);
    char *path = shared_file(name, text);
    MPI_Comm world = MPI_COMM_WORLD;
    gr_load_options alone = options(0, &world), dist = options(1, &world);
    gr_graph *g = NULL;
    ck_assert_int_eq(gr_graph_load(&g, path, &alone), GR_EFORMAT);
    char want[1200], line_at[4200];
    snprintf(want, sizeof want, "rank 1 of %d: %s", size, gr_last_error());
    snprintf(line_at, sizeof line_at, "%s:%zu: field '%s'", path, bad_at + 1, field);
    ck_assert_msg(strstr(want, line_at) != NULL, "'%s' does not name '%s'", want, line_at);
    same_error(gr_graph_load(&g, path, &dist), GR_EFORMAT, want);
    ck_assert_ptr_null(g);
    free(path);
    free(text);
}

START_TEST(bad_item_in_rank_1_range)
{
    bad_line_in_rank_1("bad.tsv", "10001\tx234\t4\t12", "item");
}
END_TEST

START_TEST(bad_rating_in_rank_1_range)
{
    bad_line_in_rank_1("bad2.tsv", "10001\t1234\t?\t12", "rating");
}
END_TEST

/* A version-1 struct has no comm: whatever follows it is not read. */
START_TEST(version_1_options_load_alone)
{
    char *path = shared_file("v1.txt", "1 2 3\n4 5\n");
    gr_load_options o = GR_LOAD_OPTIONS_INIT;
    o.version = 1;
    o.comm = &o; /* not a communicator: must be ignored */
    gr_graph *g = NULL;
    ck_assert_int_eq(gr_graph_load(&g, path, &o), GR_OK);
    ck_assert_uint_eq(gr_graph_num_edges(g), 3);
    gr_graph_free(g);
    free(path);
}
END_TEST

/* ---- triple files (gr_kg_load with a communicator) ---- */

/* Every id's name and every triple of a and b are the same. */
static void assert_same_kg(const gr_kg *a, const gr_kg *b)
{
    ck_assert_uint_eq(gr_kg_num_entities(a), gr_kg_num_entities(b));
    ck_assert_uint_eq(gr_kg_num_relations(a), gr_kg_num_relations(b));
    ck_assert_uint_eq(gr_kg_num_triples(a), gr_kg_num_triples(b));
    for (size_t k = 0; k < gr_kg_num_entities(a); k++)
        ck_assert_str_eq(gr_kg_entity_name(a, (int64_t)k), gr_kg_entity_name(b, (int64_t)k));
    for (size_t k = 0; k < gr_kg_num_relations(a); k++)
        ck_assert_str_eq(gr_kg_relation_name(a, (int64_t)k), gr_kg_relation_name(b, (int64_t)k));
    size_t n = gr_kg_num_triples(a), got;
    int64_t *x = malloc(6 * n * sizeof *x);
    ck_assert_int_eq(gr_kg_triples(&got, a, x, x + n, x + 2 * n, n), GR_OK);
    ck_assert_int_eq(gr_kg_triples(&got, b, x + 3 * n, x + 4 * n, x + 5 * n, n), GR_OK);
    ck_assert(memcmp(x, x + 3 * n, 3 * n * sizeof *x) == 0);
    free(x);
}

/* Triples over 300 entities and 7 relations, tab or space separated,
 * blank lines and repeats among them. */
static void triple_line(size_t k, uint64_t *s, char *buf, size_t cap)
{
    if (k % 23 == 7) {
        snprintf(buf, cap, "%s", k % 2 ? "" : "  ");
        return;
    }
    unsigned h = (unsigned)(next(s) % 300), r = (unsigned)(next(s) % 7), t = (unsigned)(next(s) % 300);
    if (k % 5 == 1) snprintf(buf, cap, "e%u r%u e%u", h, r, t);
    else snprintf(buf, cap, "e%u\tr%u\te%u", h, r, t);
}

/* The graph a load alone gives, loaded over the ranks: the same on every rank. */
static gr_kg *check_kg_load(const char *path, const gr_kg_load_options *base)
{
    MPI_Comm world = MPI_COMM_WORLD;
    gr_kg_load_options alone = *base, dist = *base;
    alone.comm = NULL;
    dist.comm = &world;
    gr_kg *one = NULL, *many = NULL;
    ck_assert_msg(gr_kg_load(&one, path, &alone) == GR_OK, "%s", gr_last_error());
    ck_assert_msg(gr_kg_load(&many, path, &dist) == GR_OK, "rank %d: %s", rank, gr_last_error());
    assert_same_kg(one, many);
    size_t n = gr_kg_num_triples(many);
    ck_assert(same_everywhere(n));
    gr_kg_free(one);
    return many;
}

START_TEST(triples_over_ranks)
{
    gr_kg_load_options o = GR_KG_LOAD_OPTIONS_INIT;
    o.dicts = 0;
    /* ids in order of first appearance; also a file of fewer lines than ranks, without its last newline */
    const size_t lines[2] = { 3000, 2 };
    for (int k = 0; k < 2; k++) {
        char *text = generate(lines[k], triple_line, NULL, k ? "\r\n" : "\n");
        if (k) text[strlen(text) - 2] = '\0';
        char name[32];
        snprintf(name, sizeof name, "triples%d.txt", k);
        char *path = shared_file(name, text);
        gr_kg *kg = check_kg_load(path, &o);
        if (k == 0) ck_assert_uint_gt(gr_kg_num_triples(kg), 2000);
        gr_kg_free(kg);
        free(path);
        free(text);
    }
}
END_TEST

/* With dictionaries (read whole by every rank) the ids are theirs. */
START_TEST(triples_over_ranks_with_dicts)
{
    char *ents = malloc(300 * 16), *rels = malloc(7 * 16);
    size_t at = 0;
    for (unsigned k = 0; k < 300; k++) at += (size_t)snprintf(ents + at, 16, "%u\te%u\n", k, (k * 7) % 300);
    at = 0;
    for (unsigned k = 0; k < 7; k++) at += (size_t)snprintf(rels + at, 16, "%u\tr%u\n", k, 6 - k);
    char *ep = shared_file("ents.dict", ents), *rp = shared_file("rels.dict", rels);
    char *text = generate(3000, triple_line, NULL, "\n");
    char *path = shared_file("dict_triples.txt", text);
    gr_kg_load_options o = GR_KG_LOAD_OPTIONS_INIT;
    o.entities_path = ep;
    o.relations_path = rp;
    gr_kg *kg = check_kg_load(path, &o);
    int64_t id;
    ck_assert_int_eq(gr_kg_entity_id(&id, kg, "e7"), GR_OK);
    ck_assert_int_eq(id, 1);
    /* only the entities named by the dictionary: the relations grow */
    o.relations_path = NULL;
    gr_kg_free(kg);
    kg = check_kg_load(path, &o);
    gr_kg_free(kg);
    free(text);
    free(path);
    free(ep);
    free(rp);
    free(ents);
    free(rels);
}
END_TEST

/* Validation triples over 330 entities and 8 relations: some name an
 * entity or a relation the training triples do not have. */
static void valid_triple_line(size_t k, uint64_t *s, char *buf, size_t cap)
{
    (void)k;
    unsigned h = (unsigned)(next(s) % 330), r = (unsigned)(next(s) % 8), t = (unsigned)(next(s) % 330);
    snprintf(buf, cap, "e%u\tr%u\te%u", h, r, t);
}

/* gr_kg_load_like_ext over the ranks: the triples and the skipped count a
 * load alone gives, on every rank; also a file of fewer lines than ranks. */
START_TEST(triples_like_over_ranks)
{
    char *text = generate(3000, triple_line, NULL, "\n");
    char *path = shared_file("like_train.txt", text);
    gr_kg_load_options o = GR_KG_LOAD_OPTIONS_INIT;
    o.dicts = 0;
    gr_kg *train = NULL;
    ck_assert_msg(gr_kg_load(&train, path, &o) == GR_OK, "%s", gr_last_error());
    const size_t lines[2] = { 900, 1 };
    for (int k = 0; k < 2; k++) {
        char *vtext = generate(lines[k], valid_triple_line, NULL, "\n"), name[32];
        snprintf(name, sizeof name, "like_valid%d.txt", k);
        char *vpath = shared_file(name, vtext);
        MPI_Comm world = MPI_COMM_WORLD;
        gr_kg_load_options dist = o;
        dist.comm = &world;
        gr_kg *one = NULL, *many = NULL;
        ck_assert_msg(gr_kg_load_like(&one, train, vpath) == GR_OK, "%s", gr_last_error());
        ck_assert_msg(gr_kg_load_like_ext(&many, train, vpath, &dist) == GR_OK, "rank %d: %s", rank, gr_last_error());
        assert_same_kg(one, many);
        ck_assert_uint_eq(gr_kg_num_skipped(one), gr_kg_num_skipped(many));
        if (k == 0) ck_assert_uint_gt(gr_kg_num_skipped(many), 50);
        ck_assert(same_everywhere(gr_kg_num_triples(many) * 1000003u + gr_kg_num_skipped(many)));
        gr_kg_free(one);
        gr_kg_free(many);
        free(vpath);
        free(vtext);
    }
    gr_kg_free(train);
    free(path);
    free(text);
}
END_TEST

/* A bad line in rank 1's range: every rank fails with its message, the
 * line numbered as in the whole file. */
START_TEST(bad_triple_in_rank_1_range)
{
    const size_t lines = 1200, bad_at = lines * 3 / (2 * (size_t)size);
    char *text = generate(lines, triple_line, NULL, "\n");
    /* line bad_at + 1: find its start */
    char *p = text;
    for (size_t k = 0; k < bad_at; k++) p = strchr(p, '\n') + 1;
    char *eol = strchr(p, '\n');
    memset(p, 'x', (size_t)(eol - p));
    char *path = shared_file("bad_triples.txt", text);
    MPI_Comm world = MPI_COMM_WORLD;
    gr_kg_load_options o = GR_KG_LOAD_OPTIONS_INIT;
    o.dicts = 0;
    gr_kg *kg = NULL;
    ck_assert_int_eq(gr_kg_load(&kg, path, &o), GR_EFORMAT);
    char want[1200], line_at[4200];
    snprintf(want, sizeof want, "%s", gr_last_error());
    snprintf(line_at, sizeof line_at, "%s:%zu: expected 3 fields", path, bad_at + 1);
    ck_assert_msg(strstr(want, line_at) != NULL, "'%s' does not name '%s'", want, line_at);
    o.comm = &world;
    same_error(gr_kg_load(&kg, path, &o), GR_EFORMAT, want);
    ck_assert_ptr_null(kg);
    free(path);
    free(text);
}
END_TEST

static void setup(void)
{
    if (rank == 0) {
        char *d = fx_tmpdir();
        snprintf(dir, sizeof dir, "%s", d);
        free(d);
    }
    MPI_Bcast(dir, sizeof dir, MPI_CHAR, 0, MPI_COMM_WORLD);
}

static void teardown(void)
{
    MPI_Barrier(MPI_COMM_WORLD);
    if (rank == 0) fx_rmtree(dir);
}

int main(int argc, char **argv)
{
    if (fx_mpi_start(&argc, &argv, &rank, &size)) return FX_SKIP;
    Suite *s = suite_create("dist_load");
    TCase *tc = tcase_create("dist_load");
    tcase_set_timeout(tc, 300);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, adjacency_lines_of_varied_length);
    tcase_add_test(tc, ml100k_tab_separated);
    tcase_add_test(tc, default_ratings_hold_no_column);
    tcase_add_test(tc, csv_with_header_crlf_no_final_newline);
    tcase_add_test(tc, ml1m_double_colon);
    tcase_add_test(tc, names_over_ranks);
    tcase_add_test(tc, delimited_with_comments_and_header);
    tcase_add_test(tc, fewer_lines_than_ranks);
    tcase_add_test(tc, load_like_over_ranks);
    tcase_add_test(tc, bad_item_in_rank_1_range);
    tcase_add_test(tc, bad_rating_in_rank_1_range);
    tcase_add_test(tc, version_1_options_load_alone);
    tcase_add_test(tc, triples_over_ranks);
    tcase_add_test(tc, triples_over_ranks_with_dicts);
    tcase_add_test(tc, triples_like_over_ranks);
    tcase_add_test(tc, bad_triple_in_rank_1_range);
    suite_add_tcase(s, tc);
    return fx_mpi_run(s, rank);
}
