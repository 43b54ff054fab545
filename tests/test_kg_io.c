/* Knowledge graphs: triple and dictionary readers, errors, indexes, the user-item builder, writing. */
#include <gnnrec.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixtures.h"
#include "graph/graph.h"
#include "kg/kg.h"

static int64_t ent(const gr_kg *kg, const char *name)
{
    int64_t id = -1;
    ck_assert_int_eq(gr_kg_entity_id(&id, kg, name), GR_OK);
    return id;
}

static int64_t rel(const gr_kg *kg, const char *name)
{
    int64_t id = -1;
    ck_assert_int_eq(gr_kg_relation_id(&id, kg, name), GR_OK);
    return id;
}

START_TEST(triples_load_by_name)
{
    char *dir = fx_tmpdir();
    char *train = fx_write(dir, "train.txt", "a\tlikes\tb\r\nb\tlikes\tc\n\n a x \tis a\tb\na\tlikes\tb\n");
    char *test = fx_write(dir, "test.txt", "a\tlikes\tc\nzz\tlikes\ta\na\tnew_rel\tb\n");
    gr_kg *kg, *te;
    ck_assert_int_eq(gr_kg_load(&kg, train, NULL), GR_OK);
    ck_assert_uint_eq(gr_kg_num_triples(kg), 3); /* the repeated triple is kept once */
    ck_assert_uint_eq(gr_kg_num_entities(kg), 4);  /* "a", "b", "c", " a x " */
    ck_assert_uint_eq(gr_kg_num_relations(kg), 2);
    ck_assert_str_eq(gr_kg_entity_name(kg, ent(kg, " a x ")), " a x "); /* tab-separated names keep spaces */
    ck_assert_int_eq(gr_kg_contains(kg, ent(kg, "a"), rel(kg, "likes"), ent(kg, "b")), 1);
    ck_assert_int_eq(gr_kg_contains(kg, ent(kg, "b"), rel(kg, "likes"), ent(kg, "a")), 0);
    ck_assert_int_eq(gr_kg_contains(kg, ent(kg, " a x "), rel(kg, "is a"), ent(kg, "b")), 1);
    int64_t id;
    ck_assert_int_eq(gr_kg_entity_id(&id, kg, "zz"), GR_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(gr_last_error(), "zz"));
    ck_assert_ptr_null(gr_kg_entity_name(kg, 99));
    /* test triples in the training id space: unknown names are skipped and counted */
    ck_assert_int_eq(gr_kg_load_like(&te, kg, test), GR_OK);
    ck_assert_uint_eq(gr_kg_num_triples(te), 1);
    ck_assert_uint_eq(gr_kg_num_skipped(te), 2);
    ck_assert_int_eq(gr_kg_contains(te, ent(kg, "a"), rel(kg, "likes"), ent(kg, "c")), 1);
    size_t n;
    int64_t h[4], r[4], t[4];
    ck_assert_int_eq(gr_kg_triples(&n, kg, h, r, t, 4), GR_OK);
    ck_assert_uint_eq(n, 3);
    for (size_t k = 1; k < n; k++) ck_assert(h[k - 1] < h[k] || (h[k - 1] == h[k] && (r[k - 1] < r[k] || t[k - 1] < t[k])));
    /* space-separated files work too */
    char *spaces = fx_write(dir, "spaces.txt", "a  likes b\n");
    gr_kg *sp;
    ck_assert_int_eq(gr_kg_load(&sp, spaces, NULL), GR_OK);
    ck_assert_uint_eq(gr_kg_num_triples(sp), 1);
    gr_kg_free(sp);
    gr_kg_free(te);
    gr_kg_free(kg);
    fx_rmtree(dir);
    free(dir);
    free(train);
    free(test);
    free(spaces);
}
END_TEST

START_TEST(dictionaries_fix_ids)
{
    char *dir = fx_tmpdir();
    char *e = fx_write(dir, "entities.dict", "2\tc\n0\ta\n1\tb\n3\tunused\n");
    char *r = fx_write(dir, "relations.dict", "0\tlikes\n");
    char *train = fx_write(dir, "train.txt", "a\tlikes\tb\nc\tlikes\ta\n");
    gr_kg *kg;
    ck_assert_int_eq(gr_kg_load(&kg, train, NULL), GR_OK);
    ck_assert_uint_eq(gr_kg_num_entities(kg), 4); /* every entity of the dictionary */
    ck_assert_int_eq(ent(kg, "c"), 2);
    ck_assert_int_eq(ent(kg, "unused"), 3);
    ck_assert_int_eq(gr_kg_contains(kg, 2, 0, 0), 1);
    gr_kg_free(kg);
    /* without dictionaries: ids in order of appearance */
    gr_kg_load_options o = GR_KG_LOAD_OPTIONS_INIT;
    o.dicts = 0;
    ck_assert_int_eq(gr_kg_load(&kg, train, &o), GR_OK);
    ck_assert_int_eq(ent(kg, "c"), 2);
    ck_assert_int_eq(ent(kg, "a"), 0);
    ck_assert_uint_eq(gr_kg_num_entities(kg), 3);
    gr_kg_free(kg);
    /* a version-1 struct has no comm: what follows it is not read */
    o.version = 1;
    o.comm = &o;
    ck_assert_int_eq(gr_kg_load(&kg, train, &o), GR_OK);
    ck_assert_uint_eq(gr_kg_num_entities(kg), 3);
    gr_kg_free(kg);
    o.version = 3;
    ck_assert_int_eq(gr_kg_load(&kg, train, &o), GR_EINVAL);
    fx_rmtree(dir);
    free(dir);
    free(e);
    free(r);
    free(train);
}
END_TEST

/* Loading `text` as a triple file (with the given dictionaries) fails with
 * GR_EFORMAT and a message holding each of the expected parts. */
static void expect_error(const char *text, const char *edict, const char *rdict, int code, const char *part1,
                         const char *part2)
{
    char *dir = fx_tmpdir();
    char *path = fx_write(dir, "bad.txt", text);
    char *e = edict ? fx_write(dir, "entities.dict", edict) : NULL;
    char *r = rdict ? fx_write(dir, "relations.dict", rdict) : NULL;
    gr_kg *kg = NULL;
    ck_assert_int_eq(gr_kg_load(&kg, path, NULL), code);
    ck_assert_ptr_null(kg);
    ck_assert_msg(strstr(gr_last_error(), part1) != NULL, "'%s' lacks '%s'", gr_last_error(), part1);
    ck_assert_msg(strstr(gr_last_error(), part2) != NULL, "'%s' lacks '%s'", gr_last_error(), part2);
    fx_rmtree(dir);
    free(dir);
    free(path);
    free(e);
    free(r);
}

START_TEST(bad_input_names_file_line_and_field)
{
    expect_error("a\tr\tb\na\tr\n", NULL, NULL, GR_EFORMAT, "bad.txt:2:", "expected 3 fields");
    expect_error("a\tr\tb\na\tr\tb\tc\n", NULL, NULL, GR_EFORMAT, "bad.txt:2:", "found 4");
    expect_error("\n\na\t\tb\n", NULL, NULL, GR_EFORMAT, "bad.txt:3:", "field 'relation': empty");
    expect_error("a\tr\t\n", NULL, NULL, GR_EFORMAT, "bad.txt:1:", "field 'tail': empty");
    expect_error("a\tr\tb\na\tr\tq\n", "0\ta\n1\tb\n", NULL, GR_EFORMAT, "bad.txt:2: field 'tail'", "'q' is not in");
    expect_error("a\tr\tb\n", "0\ta\n1\tb\n", "0\ts\n", GR_EFORMAT, "bad.txt:1: field 'relation'", "'r'");
    expect_error("a\tr\tb\n", "0\ta\nx\tb\n", NULL, GR_EFORMAT, "entities.dict:2: field 'id'", "'x'");
    expect_error("a\tr\tb\n", "0\ta\n-1\tb\n", NULL, GR_EFORMAT, "entities.dict:2: field 'id'", "'-1'");
    expect_error("a\tr\tb\n", "0\ta\n1\ta\n", NULL, GR_EFORMAT, "entities.dict:2: field 'name'", "twice");
    expect_error("a\tr\tb\n", "0\ta\n0\tb\n", NULL, GR_EFORMAT, "entities.dict:2: field 'id'", "twice");
    expect_error("a\tr\tb\n", "0\ta\n2\tb\n", NULL, GR_EFORMAT, "entities.dict:2: field 'id'", "ids 0..1");
    expect_error("a\tr\tb\n", "0\ta\n1\t\n", NULL, GR_EFORMAT, "entities.dict:2: field 'name'", "empty");
    expect_error("a\tr\tb\n", "0\ta\tb\n", NULL, GR_EFORMAT, "entities.dict:1:", "expected 2 fields");
    expect_error("\n\n", NULL, NULL, GR_ESTATE, "bad.txt", "no triples");
    gr_kg *kg = NULL;
    ck_assert_int_eq(gr_kg_load(&kg, "/nonexistent/triples.txt", NULL), GR_EIO);
    ck_assert_ptr_nonnull(strstr(gr_last_error(), "/nonexistent/triples.txt"));
    ck_assert_int_eq(gr_kg_load(NULL, "x", NULL), GR_EINVAL);
    gr_kg_load_options o = GR_KG_LOAD_OPTIONS_INIT;
    o.version = 99;
    ck_assert_int_eq(gr_kg_load(&kg, "x", &o), GR_EINVAL);
}
END_TEST

/* The CSR ranges and lookups agree with a scan of the triples. */
START_TEST(indexes_agree_with_a_scan)
{
    enum { N = 3000, E = 60, R = 5 };
    gr_kg *kg = fx_random_kg(N, E, R, 3);
    static uint8_t has[E][R][E];
    memset(has, 0, sizeof has);
    for (size_t k = 0; k < kg->n; k++) has[kg->h[k]][kg->r[k]][kg->t[k]] = 1;
    size_t distinct = 0;
    for (int a = 0; a < E; a++)
        for (int b = 0; b < R; b++)
            for (int c = 0; c < E; c++) distinct += has[a][b][c];
    ck_assert_uint_eq(distinct, kg->n);
    for (int32_t a = 0; a < (int32_t)kg->n_ent; a++) {
        for (int32_t b = 0; b < R; b++) {
            int64_t lo, hi, lo2, hi2;
            gr_kg_tail_range(kg, a, b, &lo, &hi);
            gr_kg_head_range(kg, a, b, &lo2, &hi2);
            size_t nt = 0, nh = 0;
            for (int32_t c = 0; c < (int32_t)kg->n_ent; c++) {
                nt += has[a][b][c];
                nh += has[c][b][a];
                ck_assert_int_eq(gr_kg_has(kg, a, b, c), has[a][b][c]);
            }
            ck_assert_int_eq(hi - lo, (int64_t)nt);
            ck_assert_int_eq(hi2 - lo2, (int64_t)nh);
            for (int64_t k = lo; k < hi; k++) ck_assert(has[a][b][kg->t[k]]);
            for (int64_t k = lo2; k < hi2; k++) ck_assert(has[kg->th[k]][b][a]);
        }
    }
    gr_kg_free(kg);
}
END_TEST

/* A user-item graph with metadata as a knowledge graph. */
START_TEST(user_item_graph_becomes_triples)
{
    int64_t u[] = { 1, 1, 2, 2, 3 }, it[] = { 10, 20, 10, 30, 30 };
    float r[] = { 5, 2, 4, 4, 1 };
    gr_graph *g;
    ck_assert_int_eq(gr_graph_from_edges(&g, u, it, r, NULL, 5, 0), GR_OK);
    /* metadata as the MovieLens readers attach it */
    gr_catalog *c = g->cat;
    char *genres[] = { "unknown", "Drama", "Comedy" };
    ck_assert_int_eq(gr_catalog_set_genres(c, genres, 3), GR_OK);
    int32_t i10 = gr_graph_item_index(g, 10), i20 = gr_graph_item_index(g, 20), i30 = gr_graph_item_index(g, 30);
    c->genres[i10] = 2 | 4;
    c->genres[i20] = 1; /* only "unknown": no genre triple */
    c->genres[i30] = 4;
    c->year[i10] = 1995;
    c->year[i30] = 1979;
    int32_t u1 = gr_graph_user_index(g, 1);
    c->age[u1] = 24;
    c->gender[u1] = 'F';
    gr_kg *kg;
    ck_assert_int_eq(gr_kg_from_graph(&kg, g, 4.0, GR_KG_SIDE_ALL), GR_OK);
    int64_t liked = rel(kg, "liked"), genre = rel(kg, "has_genre"), decade = rel(kg, "released_in");
    ck_assert_int_eq(gr_kg_contains(kg, ent(kg, "user:1"), liked, ent(kg, "movie:10")), 1);
    ck_assert_int_eq(gr_kg_contains(kg, ent(kg, "user:1"), liked, ent(kg, "movie:20")), 0); /* rated 2 < 4 */
    ck_assert_int_eq(gr_kg_contains(kg, ent(kg, "user:2"), liked, ent(kg, "movie:30")), 1);
    ck_assert_int_eq(gr_kg_contains(kg, ent(kg, "movie:10"), genre, ent(kg, "genre:Drama")), 1);
    ck_assert_int_eq(gr_kg_contains(kg, ent(kg, "movie:10"), genre, ent(kg, "genre:Comedy")), 1);
    ck_assert_int_eq(gr_kg_contains(kg, ent(kg, "movie:10"), decade, ent(kg, "decade:1990s")), 1);
    ck_assert_int_eq(gr_kg_contains(kg, ent(kg, "movie:30"), decade, ent(kg, "decade:1970s")), 1);
    ck_assert_int_eq(gr_kg_contains(kg, ent(kg, "user:1"), rel(kg, "has_age_group"), ent(kg, "age:18-24")), 1);
    ck_assert_int_eq(gr_kg_contains(kg, ent(kg, "user:1"), rel(kg, "has_gender"), ent(kg, "gender:F")), 1);
    int64_t id;
    ck_assert_int_eq(gr_kg_entity_id(&id, kg, "genre:unknown"), GR_ENOTFOUND);
    /* users first, then items, in the graph's order */
    ck_assert_int_eq(ent(kg, "user:1"), u1);
    ck_assert_int_eq(ent(kg, "movie:10"), (int64_t)gr_graph_num_users(g) + i10);
    /* 3 liked + 3 genres + 2 decades + 2 demographics */
    ck_assert_uint_eq(gr_kg_num_triples(kg), 10);
    gr_kg_free(kg);
    /* without side relations: the liked edges alone */
    ck_assert_int_eq(gr_kg_from_graph(&kg, g, 0, GR_KG_SIDE_NONE), GR_OK);
    ck_assert_uint_eq(gr_kg_num_triples(kg), 5);
    gr_kg_free(kg);
    ck_assert_int_eq(gr_kg_from_graph(&kg, g, 0, 1u << 10), GR_EINVAL);
    /* min_rating as gr_graph_from_edges() takes it: a finite number >= 0 */
    ck_assert_int_eq(gr_kg_from_graph(&kg, g, NAN, GR_KG_SIDE_NONE), GR_EINVAL);
    ck_assert_ptr_nonnull(strstr(gr_last_error(), "min_rating"));
    ck_assert_int_eq(gr_kg_from_graph(&kg, g, -1, GR_KG_SIDE_NONE), GR_EINVAL);
    ck_assert_int_eq(gr_kg_from_graph(&kg, g, INFINITY, GR_KG_SIDE_NONE), GR_EINVAL);
    gr_graph_free(g);
}
END_TEST

/* Loading n bytes (NUL bytes allowed) as a triple file, with an entity
 * dictionary of m bytes when edict is not NULL, fails with GR_EFORMAT and
 * a message holding both parts. */
static void expect_bytes_error(const char *text, size_t n, const char *edict, size_t m, const char *part1,
                               const char *part2)
{
    char *dir = fx_tmpdir();
    char *path = fx_write_bytes(dir, "bad.txt", text, n);
    char *e = edict ? fx_write_bytes(dir, "entities.dict", edict, m) : NULL;
    gr_kg *kg = NULL;
    ck_assert_int_eq(gr_kg_load(&kg, path, NULL), GR_EFORMAT);
    ck_assert_ptr_null(kg);
    ck_assert_msg(strstr(gr_last_error(), part1) != NULL, "'%s' lacks '%s'", gr_last_error(), part1);
    ck_assert_msg(strstr(gr_last_error(), part2) != NULL, "'%s' lacks '%s'", gr_last_error(), part2);
    fx_rmtree(dir);
    free(dir);
    free(path);
    free(e);
}

/* Names that a written file could not give back are errors, in files and
 * in the calls that take names. */
START_TEST(names_that_cannot_round_trip_are_rejected)
{
    /* a NUL inside a name that begins like an earlier one */
    static const char nul[] = "ab\tr\tc\nab\0x\tr\tc\n";
    expect_bytes_error(nul, sizeof nul - 1, NULL, 0, "bad.txt:2:", "NUL byte");
    static const char dict[] = "0\tab\n1\tab\0c\n";
    expect_bytes_error("ab\tr\tab\n", 8, dict, sizeof dict - 1, "entities.dict:2:", "NUL byte");
    /* a name of blanks alone */
    expect_error("a\tr\tb\n  \tr\tb\n", NULL, NULL, GR_EFORMAT, "bad.txt:2: field 'head'", "blank");
    expect_error("a\tr\tb\n", "0\ta\n1\t \n", NULL, GR_EFORMAT, "entities.dict:2: field 'name'", "blank");
    /* a byte order mark starts the first line only when it is one */
    expect_error("a\tr\tb\n\xEF\xBB\xBFx\tr\tb\n", NULL, NULL, GR_EFORMAT, "bad.txt:2: field 'head'", "byte order mark");

    const char *h[] = { "a", "b\tc" }, *r[] = { "r", "r" }, *t[] = { "x", "y" };
    gr_kg *kg = NULL, *like = NULL;
    ck_assert_int_eq(gr_kg_from_names(&kg, NULL, h, r, t, 2), GR_EINVAL);
    ck_assert_ptr_null(kg);
    ck_assert_msg(strstr(gr_last_error(), "triple 1: field 'head'") && strstr(gr_last_error(), "tab"), "%s", gr_last_error());
    const char *r2[] = { "r", "line\nbreak" };
    ck_assert_int_eq(gr_kg_from_names(&kg, NULL, t, r2, t, 2), GR_EINVAL);
    ck_assert_msg(strstr(gr_last_error(), "triple 1: field 'relation'") && strstr(gr_last_error(), "line feed"), "%s",
                  gr_last_error());
    const char *t2[] = { "x", "y\r" };
    ck_assert_int_eq(gr_kg_from_names(&kg, NULL, t, r, t2, 2), GR_EINVAL);
    ck_assert_msg(strstr(gr_last_error(), "triple 1: field 'tail'") && strstr(gr_last_error(), "carriage return"), "%s",
                  gr_last_error());
    const char *t3[] = { "x", "" };
    ck_assert_int_eq(gr_kg_from_names(&kg, NULL, t, r, t3, 2), GR_EINVAL);
    ck_assert_msg(strstr(gr_last_error(), "triple 1: field 'tail'") && strstr(gr_last_error(), "empty"), "%s", gr_last_error());
    const char *t4[] = { "x", "\xEF\xBB\xBFy" };
    ck_assert_int_eq(gr_kg_from_names(&kg, NULL, t, r, t4, 2), GR_EINVAL);
    ck_assert_msg(strstr(gr_last_error(), "byte order mark"), "%s", gr_last_error());
    const char *t5[] = { "x", "   " };
    ck_assert_int_eq(gr_kg_from_names(&kg, NULL, t, r, t5, 2), GR_EINVAL);
    ck_assert_msg(strstr(gr_last_error(), "blank"), "%s", gr_last_error());
    /* in an existing id space such a name is an error too, not an unknown name */
    ck_assert_int_eq(gr_kg_from_names(&like, NULL, t, r, t, 2), GR_OK);
    ck_assert_int_eq(gr_kg_from_names(&kg, like, h, r, t, 2), GR_EINVAL);
    ck_assert_ptr_null(kg);
    gr_kg_free(like);
}
END_TEST

/* Whatever names gr_kg_from_names accepts, gr_kg_write writes and
 * gr_kg_load reads back, name for name and triple for triple. */
START_TEST(every_accepted_name_round_trips)
{
    static const char *const names[] = { "plain", " lead", "trail ", "in side", "#hash", "x:y", "\xC3\xA9t\xC3\xA9",
                                          "a\xEF\xBB\xBF", "'q\"", "0", "-", "\\t", "\xFF\xFE" };
    enum { N = sizeof names / sizeof names[0] };
    const char *h[N], *r[N], *t[N];
    for (int k = 0; k < N; k++) {
        h[k] = names[(k + 1) % N];
        r[k] = names[(k + 3) % N];
        t[k] = names[(k + 7) % N];
    }
    gr_kg *kg, *back;
    ck_assert_int_eq(gr_kg_from_names(&kg, NULL, h, r, t, N), GR_OK);
    char *dir = fx_tmpdir(), *path = fx_path(dir, "all.txt");
    ck_assert_int_eq(gr_kg_write(kg, path), GR_OK);
    ck_assert_int_eq(gr_kg_load(&back, path, NULL), GR_OK);
    ck_assert_uint_eq(gr_kg_num_triples(back), gr_kg_num_triples(kg));
    ck_assert_uint_eq(gr_kg_num_entities(back), gr_kg_num_entities(kg));
    ck_assert_uint_eq(gr_kg_num_relations(back), gr_kg_num_relations(kg));
    for (int k = 0; k < N; k++)
        ck_assert_int_eq(gr_kg_contains(back, ent(back, h[k]), rel(back, r[k]), ent(back, t[k])), 1);
    gr_kg_free(kg);
    gr_kg_free(back);
    fx_rmtree(dir);
    free(dir);
    free(path);
}
END_TEST

/* A dictionary's ids are checked against its number of names before
 * anything is sized by them. */
START_TEST(dictionary_ids_beyond_the_file_are_rejected)
{
    expect_error("a\tr\tb\n", "0\ta\n1\tb\n3000000\tc\n", NULL, GR_EFORMAT, "entities.dict:3: field 'id'", "0..2");
    expect_error("a\tr\tb\n", "0\ta\n\n2147483646\tb\n", NULL, GR_EFORMAT, "entities.dict:3: field 'id'", "0..1");
    expect_error("a\tr\tb\n", "0\ta\n1\tb\n", "7\tr\n", GR_EFORMAT, "relations.dict:1: field 'id'", "0..0");
    expect_error("a\tr\tb\n", "0\ta\n1\tb\n", "2147483647\tr\n", GR_EFORMAT, "relations.dict:1: field 'id'", "'2147483647'");
}
END_TEST

/* Metadata values become entity names whole, or not at all. */
START_TEST(metadata_values_become_whole_names)
{
    int64_t u[] = { 1, 2 }, it[] = { 10, 20 };
    gr_graph *g;
    ck_assert_int_eq(gr_graph_from_edges(&g, u, it, NULL, NULL, 2, 0), GR_OK);
    gr_catalog *c = g->cat;
    /* two long genre names that differ only after 600 bytes */
    char a[700], b[700];
    memset(a, 'x', 699);
    a[699] = '\0';
    memcpy(b, a, sizeof b);
    a[650] = 'a';
    b[650] = 'b';
    char *genres[] = { a, b };
    ck_assert_int_eq(gr_catalog_set_genres(c, genres, 2), GR_OK);
    c->genres[gr_graph_item_index(g, 10)] = 1;
    c->genres[gr_graph_item_index(g, 20)] = 2;
    gr_kg *kg;
    ck_assert_int_eq(gr_kg_from_graph(&kg, g, 0, GR_KG_SIDE_GENRE), GR_OK);
    char name[720];
    snprintf(name, sizeof name, "genre:%s", a);
    int64_t ga = ent(kg, name);
    snprintf(name, sizeof name, "genre:%s", b);
    ck_assert_int_ne(ent(kg, name), ga);
    gr_kg_free(kg);
    /* a genre name that a written graph could not give back */
    char *bad[] = { "Film\tNoir", "Drama" };
    ck_assert_int_eq(gr_catalog_set_genres(c, bad, 2), GR_OK);
    kg = NULL;
    ck_assert_int_eq(gr_kg_from_graph(&kg, g, 0, GR_KG_SIDE_GENRE), GR_EFORMAT);
    ck_assert_ptr_null(kg);
    ck_assert_msg(strstr(gr_last_error(), "genre") && strstr(gr_last_error(), "holds a tab"), "%s", gr_last_error());
    gr_graph_free(g);
}
END_TEST

START_TEST(written_triples_read_back)
{
    char *dir = fx_tmpdir();
    const char *h[] = { "x", "y", "y" }, *r[] = { "p", "q", "p" }, *t[] = { "y", "x", "z" };
    gr_kg *kg, *back;
    ck_assert_int_eq(gr_kg_from_names(&kg, NULL, h, r, t, 3), GR_OK);
    char *path = fx_path(dir, "out.txt");
    ck_assert_int_eq(gr_kg_write(kg, path), GR_OK);
    ck_assert_int_eq(gr_kg_load(&back, path, NULL), GR_OK);
    ck_assert_uint_eq(gr_kg_num_triples(back), 3);
    for (int k = 0; k < 3; k++)
        ck_assert_int_eq(gr_kg_contains(back, ent(back, h[k]), rel(back, r[k]), ent(back, t[k])), 1);
    /* an unwritable destination fails cleanly and leaves nothing behind */
    char *bad = fx_path(dir, "missing/out.txt");
    ck_assert_int_eq(gr_kg_write(kg, bad), GR_EIO);
    gr_kg_free(kg);
    gr_kg_free(back);
    fx_rmtree(dir);
    free(dir);
    free(path);
    free(bad);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("kg_io");
    TCase *tc = tcase_create("kg_io");
    tcase_add_test(tc, triples_load_by_name);
    tcase_add_test(tc, dictionaries_fix_ids);
    tcase_add_test(tc, bad_input_names_file_line_and_field);
    tcase_add_test(tc, indexes_agree_with_a_scan);
    tcase_add_test(tc, user_item_graph_becomes_triples);
    tcase_add_test(tc, written_triples_read_back);
    tcase_add_test(tc, names_that_cannot_round_trip_are_rejected);
    tcase_add_test(tc, every_accepted_name_round_trips);
    tcase_add_test(tc, dictionary_ids_beyond_the_file_are_rejected);
    tcase_add_test(tc, metadata_values_become_whole_names);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return fx_run(suite()); }
