/* Graph building, queries, errors, writing, and splits. */
#include <gnnrec.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixtures.h"
#include "graph/graph.h"

START_TEST(edges_fold_filter_and_map)
{
    int64_t u[] = { 7, 7, 9, 7, 9, 3 }, it[] = { 100, 200, 100, 100, 300, 300 };
    float r[] = { 4, 2, 5, 3, 1, 5 };
    int64_t ts[] = { 1, 2, 3, 4, 5, 6 };
    gr_graph *g;
    ck_assert_int_eq(gr_graph_from_edges(&g, u, it, r, ts, 6, 0), GR_OK);
    ck_assert_uint_eq(gr_graph_num_users(g), 3);
    ck_assert_uint_eq(gr_graph_num_items(g), 3);
    ck_assert_uint_eq(gr_graph_num_edges(g), 5); /* (7,100) folded */
    ck_assert_int_eq(gr_graph_has_ratings(g), 1);
    int64_t items[8];
    float rat[8];
    size_t n;
    ck_assert_int_eq(gr_graph_user_items(&n, g, 7, items, rat, 8), GR_OK);
    ck_assert_uint_eq(n, 2);
    ck_assert_int_eq(items[0], 100);
    ck_assert_float_eq(rat[0], 3); /* the last rating of a repeated pair wins */
    ck_assert_int_eq(items[1], 200);
    ck_assert_int_eq(gr_graph_item_users(&n, g, 300, items, rat, 1), GR_OK);
    ck_assert_uint_eq(n, 2); /* full count even with a small buffer */
    ck_assert_int_eq(items[0], 9);
    ck_assert_int_eq(gr_graph_user_items(&n, g, 12345, items, rat, 8), GR_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(gr_last_error(), "12345"));
    int64_t id;
    ck_assert_int_eq(gr_graph_user_id(&id, g, 0), GR_OK);
    ck_assert_int_eq(id, 7);
    ck_assert_int_eq(gr_graph_user_id(&id, g, 3), GR_ERANGE);
    gr_graph_free(g);
    /* threshold: only ratings >= 4 become edges */
    ck_assert_int_eq(gr_graph_from_edges(&g, u, it, r, ts, 6, 4.0), GR_OK);
    ck_assert_uint_eq(gr_graph_num_edges(g), 3); /* (9,100,5) (3,300,5) and (7,100,4) then (7,100,3) dropped */
    /* each kept edge keeps its own rating and timestamp past the dropped ones */
    int64_t eu[3], ei[3], et[3];
    float er[3];
    ck_assert_int_eq(gr_graph_edges(g, eu, ei, er, et, 3), GR_OK);
    const int64_t want_u[] = { 7, 9, 3 }, want_i[] = { 100, 100, 300 }, want_t[] = { 1, 3, 6 };
    const float want_r[] = { 4, 5, 5 };
    for (int k = 0; k < 3; k++) {
        ck_assert_int_eq(eu[k], want_u[k]);
        ck_assert_int_eq(ei[k], want_i[k]);
        ck_assert_float_eq(er[k], want_r[k]);
        ck_assert_int_eq(et[k], want_t[k]);
    }
    gr_graph_free(g);
}
END_TEST

START_TEST(bad_arguments_are_errors_not_crashes)
{
    gr_graph *g = NULL;
    int64_t u[] = { 1 }, it[] = { 2 };
    float r[] = { 1 };
    ck_assert_int_eq(gr_graph_from_edges(NULL, u, it, NULL, NULL, 1, 0), GR_EINVAL);
    ck_assert_int_eq(gr_graph_from_edges(&g, NULL, it, NULL, NULL, 1, 0), GR_EINVAL);
    ck_assert_int_eq(gr_graph_from_edges(&g, u, it, NULL, NULL, 0, 0), GR_ESTATE);
    ck_assert_int_eq(gr_graph_from_edges(&g, u, it, r, NULL, 1, 2.0), GR_ESTATE);
    r[0] = NAN;
    ck_assert_int_eq(gr_graph_from_edges(&g, u, it, r, NULL, 1, 0), GR_EINVAL);
    ck_assert_ptr_null(g);
    ck_assert_int_eq(gr_graph_load(&g, "/no/such/file.txt", NULL), GR_EIO);
    ck_assert_ptr_nonnull(strstr(gr_last_error(), "/no/such/file.txt"));
    ck_assert_uint_eq(gr_graph_num_users(NULL), 0);
    gr_graph_free(NULL);
    gr_load_options o = GR_LOAD_OPTIONS_INIT;
    o.version = 99;
    ck_assert_int_eq(gr_graph_load(&g, "x", &o), GR_EINVAL);
}
END_TEST

START_TEST(like_graphs_share_ids_and_skip_unknown)
{
    int64_t u[] = { 1, 2 }, it[] = { 10, 20 };
    gr_graph *g, *h;
    ck_assert_int_eq(gr_graph_from_edges(&g, u, it, NULL, NULL, 2, 0), GR_OK);
    int64_t u2[] = { 1, 3, 2 }, it2[] = { 20, 10, 30 };
    ck_assert_int_eq(gr_graph_from_edges_like(&h, g, u2, it2, NULL, NULL, 3, 0), GR_OK);
    ck_assert_uint_eq(gr_graph_num_edges(h), 1);
    ck_assert_uint_eq(gr_graph_num_skipped(h), 2);
    ck_assert_uint_eq(gr_graph_num_users(h), 2);
    gr_graph_free(h);
    /* the edge kept after the first skipped one keeps its rating */
    float r4[] = { 2, 4, 5 };
    int64_t u4[] = { 3, 2, 1 }, it4[] = { 10, 20, 10 };
    ck_assert_int_eq(gr_graph_from_edges_like(&h, g, u4, it4, r4, NULL, 3, 0), GR_OK);
    int64_t hu[2], hi[2];
    float hr[2];
    ck_assert_int_eq(gr_graph_edges(h, hu, hi, hr, NULL, 2), GR_OK);
    ck_assert_int_eq(hu[0], 1);
    ck_assert_int_eq(hi[0], 10);
    ck_assert_float_eq(hr[0], 5);
    ck_assert_int_eq(hu[1], 2);
    ck_assert_int_eq(hi[1], 20);
    ck_assert_float_eq(hr[1], 4);
    gr_graph_free(h);
    int64_t u3[] = { 3 }, it3[] = { 30 };
    ck_assert_int_eq(gr_graph_from_edges_like(&h, g, u3, it3, NULL, NULL, 1, 0), GR_ESTATE);
    gr_graph_free(g);
}
END_TEST

START_TEST(write_and_load_round_trip)
{
    fx_planted p;
    fx_planted_make(&p, 40, 60, 3, 10, 1);
    char *dir = fx_tmpdir();
    char *path = fx_path(dir, "train.txt");
    ck_assert_int_eq(gr_graph_write(p.train, path, GR_FORMAT_ADJACENCY), GR_OK);
    gr_graph *g;
    ck_assert_int_eq(gr_graph_load(&g, path, NULL), GR_OK);
    ck_assert_uint_eq(gr_graph_num_edges(g), gr_graph_num_edges(p.train));
    size_t ne = gr_graph_num_edges(g);
    int64_t *a = malloc(ne * 2 * sizeof *a), *b = malloc(ne * 2 * sizeof *b);
    ck_assert_int_eq(gr_graph_edges(g, a, a + ne, NULL, NULL, ne), GR_OK);
    ck_assert_int_eq(gr_graph_edges(p.train, b, b + ne, NULL, NULL, ne), GR_OK);
    /* same edge set: both are user-major, items ascending by dense index; compare as sets */
    long long sa = 0, sb = 0;
    for (size_t k = 0; k < ne; k++) {
        sa += a[k] * 100003 + a[ne + k];
        sb += b[k] * 100003 + b[ne + k];
    }
    ck_assert_int_eq(sa, sb);
    ck_assert_int_eq(gr_graph_edges(g, a, a + ne, NULL, NULL, ne - 1), GR_ERANGE);
    ck_assert_int_eq(gr_graph_write(g, path, 42), GR_EINVAL);
    free(a);
    free(b);
    gr_graph_free(g);
    free(path);
    fx_rmtree(dir);
    free(dir);
    fx_planted_free(&p);
}
END_TEST

/* A file of 30 named users with 6 of 40 named items each (user k, items
 * k..k+5 mod 40), from user `first` on. */
static char *names_file(const char *dir, const char *name, int first, int users)
{
    char text[16384];
    size_t at = (size_t)snprintf(text, sizeof text, "user,item,rating\n");
    for (int u = first; u < first + users; u++)
        for (int j = 0; j < 6; j++)
            at += (size_t)snprintf(text + at, sizeof text - at, "user-%02d,B00%03d,%d\n", u, (u + j) % 40, 1 + (u + j) % 5);
    return fx_write(dir, name, text);
}

static int64_t id_of(const char *name)
{
    int64_t id = -1;
    ck_assert_int_eq(gr_name_id(&id, name), GR_OK);
    return id;
}

/* Ids that are names, through a load, a test file loaded like it, the
 * written edges, a saved model and an update. */
START_TEST(names_through_load_like_write_models_and_updates)
{
    char *dir = fx_tmpdir(), *path = names_file(dir, "train.csv", 0, 30);
    gr_graph *g, *h;
    ck_assert_int_eq(gr_graph_load(&g, path, NULL), GR_OK);
    ck_assert_int_eq(gr_graph_has_names(g), 1);
    ck_assert_uint_eq(gr_graph_num_users(g), 30);
    ck_assert_uint_eq(gr_graph_num_items(g), 35);
    ck_assert_str_eq(gr_graph_user_name(g, id_of("user-07")), "user-07");
    ck_assert_str_eq(gr_graph_item_name(g, id_of(" B00012\t")), "B00012"); /* trimmed as the reader trims */
    ck_assert(gr_graph_user_name(g, id_of("user-99")) == NULL);
    size_t n = 0;
    ck_assert_int_eq(gr_graph_user_items(&n, g, id_of("user-07"), NULL, NULL, 0), GR_OK);
    ck_assert_uint_eq(n, 6);
    /* a knowledge graph of it names its users and items */
    gr_kg *kg;
    ck_assert_int_eq(gr_kg_from_graph(&kg, g, 0, 0), GR_OK);
    ck_assert_str_eq(gr_kg_entity_name(kg, 0), "user:user-00");
    ck_assert_str_eq(gr_kg_entity_name(kg, 30), "movie:B00000");
    gr_kg_free(kg);
    /* a test file: the graph's names, the unknown ones skipped */
    char *test = names_file(dir, "test.csv", 25, 10);
    ck_assert_int_eq(gr_graph_load_like(&h, g, test, NULL), GR_OK);
    ck_assert_uint_eq(gr_graph_num_edges(h), 5 * 6);
    ck_assert_uint_eq(gr_graph_num_skipped(h), 5 * 6);
    gr_graph_free(h);
    gr_load_options o = GR_LOAD_OPTIONS_INIT;
    o.ids = GR_IDS_INTEGERS;
    ck_assert_int_eq(gr_graph_load_like(&h, g, test, &o), GR_EINVAL);
    /* written and read back with names */
    char *out = fx_path(dir, "written.tsv");
    ck_assert_int_eq(gr_graph_write(g, out, GR_FORMAT_ML100K), GR_OK);
    o.ids = GR_IDS_NAMES;
    o.format = GR_FORMAT_DELIMITED;
    ck_assert_int_eq(gr_graph_load(&h, out, &o), GR_OK);
    ck_assert_uint_eq(gr_graph_num_edges(h), gr_graph_num_edges(g));
    ck_assert_str_eq(gr_graph_user_name(h, id_of("user-29")), "user-29");
    gr_graph_free(h);
    /* metadata files key by integers */
    o = (gr_load_options)GR_LOAD_OPTIONS_INIT;
    o.items_path = path;
    ck_assert_int_eq(gr_graph_load(&h, path, &o), GR_EINVAL);
    /* a model keeps the names; an update adds new ones */
    gr_trainer *t;
    gr_model *m, *m2, *m3;
    ck_assert_int_eq(gr_trainer_new(&t, GR_MODEL_MF), GR_OK);
    gr_trainer_set(t, "epochs", "2");
    gr_trainer_set(t, "dim", "8");
    gr_trainer_set(t, "threads", "1");
    ck_assert_int_eq(gr_trainer_fit(&m, t, g), GR_OK);
    char *mpath = fx_path(dir, "m.gnnrec");
    ck_assert_int_eq(gr_model_save(m, mpath), GR_OK);
    ck_assert_int_eq(gr_model_load(&m2, mpath), GR_OK);
    ck_assert_int_eq(gr_graph_has_names(gr_model_graph(m2)), 1);
    ck_assert_str_eq(gr_graph_item_name(gr_model_graph(m2), id_of("B00033")), "B00033");
    char *more = fx_write(dir, "more.csv", "newbie,B00001,5\nuser-03,NEW-1,4\n");
    ck_assert_int_eq(gr_graph_load(&h, more, NULL), GR_OK);
    ck_assert_int_eq(gr_model_update(&m3, m2, h, t), GR_OK);
    const gr_graph *g3 = gr_model_graph(m3);
    ck_assert_str_eq(gr_graph_user_name(g3, id_of("newbie")), "newbie");
    ck_assert_str_eq(gr_graph_item_name(g3, id_of("NEW-1")), "NEW-1");
    ck_assert_str_eq(gr_graph_user_name(g3, id_of("user-03")), "user-03");
    gr_model_free(m3);
    gr_graph_free(h);
    /* integer ids do not mix with names */
    int64_t iu[] = { 1 }, ii[] = { 2 };
    ck_assert_int_eq(gr_graph_from_edges(&h, iu, ii, NULL, NULL, 1, 0), GR_OK);
    ck_assert_int_eq(gr_graph_has_names(h), 0);
    ck_assert(gr_graph_user_name(h, 1) == NULL);
    ck_assert_int_eq(gr_model_update(&m3, m2, h, t), GR_EINVAL);
    gr_graph_free(h);
    gr_model_free(m2);
    gr_model_free(m);
    gr_trainer_free(t);
    /* a name with a blank cannot be written in blank-separated formats */
    char *blank = fx_write(dir, "blank.csv", "ann lee,x,1\n");
    ck_assert_int_eq(gr_graph_load(&h, blank, NULL), GR_OK);
    ck_assert_str_eq(gr_graph_user_name(h, id_of("ann lee")), "ann lee");
    ck_assert_int_eq(gr_graph_write(h, out, GR_FORMAT_ADJACENCY), GR_EINVAL);
    gr_graph_free(h);
    /* names from arrays: the ids and names a file of them gives */
    const char *nu[] = { "ann", " bob ", "ann" }, *ni[] = { "x", "y", "y" };
    ck_assert_int_eq(gr_graph_from_named_edges(&h, nu, ni, NULL, NULL, 3, 0), GR_OK);
    ck_assert_int_eq(gr_graph_has_names(h), 1);
    ck_assert_uint_eq(gr_graph_num_edges(h), 3);
    ck_assert_str_eq(gr_graph_user_name(h, id_of("bob")), "bob");
    gr_graph *k;
    const char *ku[] = { "ann", "zed" }, *ki[] = { "y", "x" };
    ck_assert_int_eq(gr_graph_from_named_edges_like(&k, h, ku, ki, NULL, NULL, 2, 0), GR_OK);
    ck_assert_uint_eq(gr_graph_num_edges(k), 1);
    ck_assert_uint_eq(gr_graph_num_skipped(k), 1);
    gr_graph_free(k);
    const char *bad[] = { "ann", NULL };
    ck_assert_int_eq(gr_graph_from_named_edges(&k, bad, ni, NULL, NULL, 2, 0), GR_EINVAL);
    ck_assert(strstr(gr_last_error(), "edge 1: the user name is NULL") != NULL);
    gr_graph_free(h);
    ck_assert_int_eq(gr_graph_from_edges(&h, iu, ii, NULL, NULL, 1, 0), GR_OK);
    ck_assert_int_eq(gr_graph_from_named_edges_like(&k, h, ku, ki, NULL, NULL, 2, 0), GR_EINVAL);
    gr_graph_free(h);
    int64_t id;
    ck_assert_int_eq(gr_name_id(&id, ""), GR_EINVAL);
    ck_assert_int_eq(gr_name_id(&id, NULL), GR_EINVAL);
    ck_assert_int_eq(gr_name_id(NULL, "a"), GR_EINVAL);
    ck_assert_int_eq(gr_graph_has_names(NULL), 0);
    gr_graph_free(g);
    free(blank);
    free(more);
    free(mpath);
    free(out);
    free(test);
    free(path);
    fx_rmtree(dir);
    free(dir);
}
END_TEST

static size_t count_user(const gr_graph *g, int64_t user)
{
    size_t n = 0;
    if (gr_graph_user_items(&n, g, user, NULL, NULL, 0) != GR_OK) return 0;
    return n;
}

START_TEST(user_ratio_split_partitions_each_user)
{
    fx_planted p;
    fx_planted_make(&p, 50, 80, 4, 20, 2);
    gr_split_options o = GR_SPLIT_OPTIONS_INIT;
    o.valid_ratio = 0.1;
    o.test_ratio = 0.2;
    gr_graph *tr, *va, *te, *tr2, *va2, *te2;
    ck_assert_int_eq(gr_graph_split(&tr, &va, &te, p.all, &o), GR_OK);
    ck_assert_uint_eq(gr_graph_num_edges(tr) + gr_graph_num_edges(va) + gr_graph_num_edges(te), gr_graph_num_edges(p.all));
    for (size_t k = 0; k < gr_graph_num_users(p.all); k++) {
        int64_t id;
        gr_graph_user_id(&id, p.all, k);
        size_t all = count_user(p.all, id);
        ck_assert_uint_ge(count_user(tr, id), 1);
        ck_assert_uint_eq(count_user(te, id), (size_t)(all * 0.2 + 0.5));
    }
    /* same seed, same split; another seed, another split */
    ck_assert_int_eq(gr_graph_split(&tr2, &va2, &te2, p.all, &o), GR_OK);
    size_t ne = gr_graph_num_edges(te);
    int64_t *a = malloc(2 * ne * sizeof *a), *b = malloc(2 * ne * sizeof *b);
    gr_graph_edges(te, a, a + ne, NULL, NULL, ne);
    gr_graph_edges(te2, b, b + ne, NULL, NULL, ne);
    ck_assert_int_eq(memcmp(a, b, 2 * ne * sizeof *a), 0);
    gr_graph_free(tr2);
    gr_graph_free(va2);
    gr_graph_free(te2);
    o.seed = 43;
    ck_assert_int_eq(gr_graph_split(&tr2, &va2, &te2, p.all, &o), GR_OK);
    gr_graph_edges(te2, b, b + ne, NULL, NULL, ne);
    ck_assert_int_ne(memcmp(a, b, 2 * ne * sizeof *a), 0);
    free(a);
    free(b);
    gr_graph_free(tr2);
    gr_graph_free(va2);
    gr_graph_free(te2);
    gr_graph_free(tr);
    gr_graph_free(va);
    gr_graph_free(te);
    fx_planted_free(&p);
}
END_TEST

/* part holds exactly one edge of user, to item. */
static void check_one_item(const gr_graph *part, int64_t user, int64_t item)
{
    int64_t items[4];
    size_t n;
    ck_assert_int_eq(gr_graph_user_items(&n, part, user, items, NULL, 4), GR_OK);
    ck_assert_uint_eq(n, 1);
    ck_assert_int_eq(items[0], item);
}

START_TEST(leave_one_out_takes_the_latest)
{
    int64_t u[] = { 1, 1, 1, 1, 2, 2 }, it[] = { 10, 11, 12, 13, 10, 11 }, ts[] = { 5, 9, 7, 1, 3, 4 };
    gr_graph *g, *tr, *va, *te;
    ck_assert_int_eq(gr_graph_from_edges(&g, u, it, NULL, ts, 6, 0), GR_OK);
    gr_split_options o = GR_SPLIT_OPTIONS_INIT;
    o.method = GR_SPLIT_LEAVE_ONE_OUT;
    ck_assert_int_eq(gr_graph_split(&tr, &va, &te, g, &o), GR_OK);
    check_one_item(te, 1, 11);
    check_one_item(va, 1, 12);
    /* user 2 has too few edges to give any away */
    ck_assert_uint_eq(count_user(tr, 2), 2);
    ck_assert_uint_eq(count_user(te, 2), 0);
    gr_graph_free(tr);
    gr_graph_free(va);
    gr_graph_free(te);
    o.test_ratio = 0;
    o.method = GR_SPLIT_RANDOM;
    ck_assert_int_eq(gr_graph_split(&tr, &va, &te, g, &o), GR_EINVAL);
    gr_graph_free(g);
}
END_TEST

/* Without timestamps a graph reports none and gives 0 for each edge; a
 * leave-one-out split then takes the largest item index (the documented
 * tie-break; indices follow first appearance: 12, 10, 13, 11). */
/* The build consumes its input: the edges are empty on return, the graph
 * holds what they held (a repeated pair keeps its last rating). */
START_TEST(build_consumes_its_edges)
{
    gr_edges e;
    gr_edges_init(&e);
    const int64_t u[] = { 5, 3, 5, 3 }, it[] = { 9, 9, 8, 9 };
    const float r[] = { 2.0f, 1.0f, 4.0f, 3.0f };
    for (int k = 0; k < 4; k++) ck_assert_int_eq(gr_edges_push(&e, u[k], it[k], r[k], 100 + k), GR_OK);
    e.has_rating = e.has_ts = 1;
    gr_catalog *cat = gr_catalog_new();
    ck_assert_ptr_nonnull(cat);
    gr_graph *g;
    ck_assert_int_eq(gr_graph_build(&g, cat, &e, 0.0, 1), GR_OK);
    ck_assert_uint_eq(e.n, 0);
    ck_assert(!e.user && !e.item && !e.rating && !e.ts);
    gr_edges_free(&e);
    ck_assert_uint_eq(g->n_edges, 3);
    /* user 5 is dense 0: items 9 (dense 0) and 8 (dense 1) */
    ck_assert_float_eq(gr_csr_val(&g->ui, g->ui.ptr[0]), 2.0f);
    ck_assert_int_eq(gr_csr_ts(&g->ui, g->ui.ptr[0] + 1), 102);
    /* user 3, item 9: the last of its two edges */
    ck_assert_float_eq(gr_csr_val(&g->ui, g->ui.ptr[1]), 3.0f);
    ck_assert_int_eq(gr_csr_ts(&g->ui, g->ui.ptr[1]), 103);
    gr_graph_free(g);
    gr_catalog_unref(cat);
}
END_TEST

START_TEST(graphs_without_timestamps)
{
    int64_t u[] = { 1, 1, 1, 1 }, it[] = { 12, 10, 13, 11 }, ts[4] = { 7, 7, 7, 7 };
    gr_graph *g;
    ck_assert_int_eq(gr_graph_from_edges(&g, u, it, NULL, NULL, 4, 0), GR_OK);
    ck_assert_int_eq(gr_graph_has_timestamps(g), 0);
    ck_assert_int_eq(gr_graph_edges(g, NULL, NULL, NULL, ts, 4), GR_OK);
    for (int k = 0; k < 4; k++) ck_assert_int_eq(ts[k], 0);
    gr_split_options o = GR_SPLIT_OPTIONS_INIT;
    o.method = GR_SPLIT_LEAVE_ONE_OUT;
    gr_graph *tr, *va, *te;
    ck_assert_int_eq(gr_graph_split(&tr, &va, &te, g, &o), GR_OK);
    check_one_item(te, 1, 11);
    check_one_item(va, 1, 13);
    ck_assert_int_eq(gr_graph_has_timestamps(tr), 0);
    gr_graph_free(tr);
    gr_graph_free(va);
    gr_graph_free(te);
    gr_graph_free(g);
}
END_TEST

START_TEST(split_defaults_and_empty_parts)
{
    fx_planted p;
    fx_planted_make(&p, 30, 40, 2, 10, 3);
    gr_graph *tr, *va, *te;
    /* NULL options are the defaults: 10% validation, 10% test per user */
    ck_assert_int_eq(gr_graph_split(&tr, &va, &te, p.all, NULL), GR_OK);
    ck_assert_uint_gt(gr_graph_num_edges(va), 0);
    ck_assert_uint_gt(gr_graph_num_edges(te), 0);
    ck_assert_uint_eq(gr_graph_num_edges(tr) + gr_graph_num_edges(va) + gr_graph_num_edges(te), gr_graph_num_edges(p.all));
    gr_graph_free(tr);
    gr_graph_free(va);
    gr_graph_free(te);
    fx_planted_free(&p);
    /* one edge cannot give a test and a validation part */
    int64_t u[] = { 1 }, it[] = { 10 };
    gr_graph *g;
    ck_assert_int_eq(gr_graph_from_edges(&g, u, it, NULL, NULL, 1, 0), GR_OK);
    gr_split_options o = GR_SPLIT_OPTIONS_INIT;
    for (int method = GR_SPLIT_USER_RATIO; method <= GR_SPLIT_RANDOM; method++) {
        o.method = method;
        tr = va = te = NULL;
        ck_assert_int_eq(gr_graph_split(&tr, &va, &te, g, &o), GR_ESTATE);
        ck_assert_ptr_nonnull(strstr(gr_last_error(), "would be empty"));
        ck_assert_ptr_null(tr);
    }
    /* a random split of one edge leaves nothing to train on */
    o.method = GR_SPLIT_RANDOM;
    o.valid_ratio = 0;
    o.test_ratio = 0.9;
    ck_assert_int_eq(gr_graph_split(&tr, NULL, &te, g, &o), GR_ESTATE);
    ck_assert_ptr_nonnull(strstr(gr_last_error(), "train part"));
    gr_graph_free(g);
}
END_TEST

START_TEST(random_split_sizes)
{
    fx_planted p;
    fx_planted_make(&p, 30, 40, 2, 10, 3);
    gr_split_options o = GR_SPLIT_OPTIONS_INIT;
    o.method = GR_SPLIT_RANDOM;
    o.valid_ratio = 0.25;
    o.test_ratio = 0.25;
    gr_graph *tr, *va, *te;
    ck_assert_int_eq(gr_graph_split(&tr, &va, &te, p.all, &o), GR_OK);
    size_t ne = gr_graph_num_edges(p.all);
    ck_assert_uint_eq(gr_graph_num_edges(te), (size_t)(ne * 0.25 + 0.5));
    ck_assert_uint_eq(gr_graph_num_edges(tr) + gr_graph_num_edges(va) + gr_graph_num_edges(te), ne);
    gr_graph_free(tr);
    gr_graph_free(va);
    gr_graph_free(te);
    fx_planted_free(&p);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("graph");
    TCase *tc = tcase_create("graph");
    tcase_add_test(tc, edges_fold_filter_and_map);
    tcase_add_test(tc, graphs_without_timestamps);
    tcase_add_test(tc, build_consumes_its_edges);
    tcase_add_test(tc, bad_arguments_are_errors_not_crashes);
    tcase_add_test(tc, like_graphs_share_ids_and_skip_unknown);
    tcase_add_test(tc, write_and_load_round_trip);
    tcase_add_test(tc, names_through_load_like_write_models_and_updates);
    tcase_add_test(tc, user_ratio_split_partitions_each_user);
    tcase_add_test(tc, leave_one_out_takes_the_latest);
    tcase_add_test(tc, random_split_sizes);
    tcase_add_test(tc, split_defaults_and_empty_parts);
    suite_add_tcase(s, tc);
    return fx_run(s);
}
