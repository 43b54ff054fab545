/*
 * Out of memory everywhere: each allocation of a call fails in turn
 * (gr_mem_fail_after, lib/core/mem.h), and the call must return GR_ENOMEM
 * with a message and nothing half-made — no crash, no model, no leak
 * (the sanitizer builds run this suite), and a model file that a failed
 * save leaves as it was.  Every allocation of the first 256 fails once,
 * then one in 1.25 times more.
 */
#include <check.h>
#include <gnnrec.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/mem.h"
#include "fixtures.h"

static fx_planted P;

static void setup(void) { fx_planted_make(&P, 120, 90, 4, 12, 11); }
static void teardown(void) { fx_planted_free(&P); }

/* The n to try after n: every one of the first 256, then sparser. */
static long next_n(long n) { return n < 256 ? n + 1 : n * 5 / 4; }
/* Sparser, for an update that makes many allocations (GraphSAGE's, a KG
 * model's: each one trains): every one of the first 64, then a geometric
 * sample, so that the sanitizer builds stay in time. */
static long next_sparse(long n) { return n < 64 ? n + 1 : n * 9 / 8; }

/* The allocations a call makes (run once, counted). */
#define COUNT_CALLS(calls, rc, call)                                                                                   \
    do {                                                                                                               \
        gr_mem_fail_after(LONG_MAX);                                                                                   \
        rc = (call);                                                                                                   \
        calls = LONG_MAX - gr_mem_fail_after(-1);                                                                      \
    } while (0)

/* A trainer of kind with few epochs and one thread (its allocations are
 * counted over all threads: one thread makes them the same every run). */
static gr_trainer *small_trainer(int kind, const char *mode, const char *holdout)
{
    gr_trainer *t = fx_trainer(kind, "threads", "1", "seed", "3", NULL);
    if (kind != GR_MODEL_GFCF && kind != GR_MODEL_CHEBY && kind != GR_MODEL_EASE)
        fx_set(t, "epochs", "2", "dim", "8", NULL);
    if (mode) fx_set(t, kind == GR_MODEL_EASE ? "gram" : "mode", mode, NULL); /* EASE: the Gram matrix inverted */
    if (holdout) fx_set(t, "holdout", holdout, NULL);
    return t;
}

/* gr_trainer_fit of kind/mode, its allocations failing in turn. */
static void fit_fails(int kind, const char *mode, const char *holdout)
{
    gr_trainer *t = small_trainer(kind, mode, holdout);
    gr_model *m = NULL;
    long calls, failed = 0;
    int rc;
    COUNT_CALLS(calls, rc, gr_trainer_fit(&m, t, P.train));
    ck_assert_msg(rc == GR_OK, "%s", gr_last_error());
    gr_model_free(m);
    for (long n = 0; n < calls; n = next_n(n)) {
        m = NULL;
        gr_mem_fail_after(n);
        rc = gr_trainer_fit(&m, t, P.train);
        gr_mem_fail_after(-1);
        ck_assert_msg(rc == GR_ENOMEM && m == NULL && gr_last_error()[0],
                      "%s %s holdout %s: allocation %ld of %ld failed: %d (%s)", gr_model_kind_name(kind),
                      mode ? mode : "-", holdout ? holdout : "-", n, calls, rc, gr_last_error());
        failed++;
    }
    printf("%s %s holdout %s: %ld allocations, %ld failed in turn\n", gr_model_kind_name(kind), mode ? mode : "-",
           holdout ? holdout : "default", calls, failed);
    ck_assert_int_gt(failed, 0);
    gr_trainer_free(t);
}

/* The fits fits_fail_cleanly runs (mode: EASE's gram) */
static const struct {
    int kind;
    const char *mode, *holdout;
} fit_cases[] = {
    { GR_MODEL_LIGHTGCN, "fast", NULL },  { GR_MODEL_LIGHTGCN, "sampled", NULL }, { GR_MODEL_LIGHTGCN, "paper", NULL },
    { GR_MODEL_LIGHTGCN, "fast", "0" },   { GR_MODEL_MF, "fast", NULL },          { GR_MODEL_GRAPHSAGE, NULL, NULL },
    { GR_MODEL_TRANSE, NULL, NULL },      { GR_MODEL_ROTATE, NULL, NULL },        { GR_MODEL_GFCF, NULL, NULL },
    { GR_MODEL_CHEBY, NULL, NULL },       { GR_MODEL_EASE, "items", NULL },       { GR_MODEL_EASE, "users", NULL },
};

START_TEST(fits_fail_cleanly)
{
    fit_fails(fit_cases[_i].kind, fit_cases[_i].mode, fit_cases[_i].holdout);
}
END_TEST

/* What model_calls_fail runs on a model. */
typedef struct model_call {
    const gr_model *m;
    const char *path;
    int64_t user, liked[3], users[4];
    const gr_graph *test;
    gr_trainer *update; /* the update's: one epoch (or step), so a call stays cheap under the sanitizers */
} model_call;

enum {
    CALL_RECOMMEND,
    CALL_LIKED,
    CALL_SIMILAR,
    CALL_SIMILAR_USERS,
    CALL_BATCH,
    CALL_FOLD_IN,
    CALL_EXPLAIN,
    CALL_EVAL,
    CALL_PREDICT_LINKS,
    CALL_UPDATE,
    CALL_SAVE,
    CALL_LOAD,
    N_CALLS
};

static const char *const call_names[N_CALLS] = { "recommend",    "recommend_liked", "similar_items", "similar_users",
                                                 "recommend_batch", "fold_in",      "explain_items", "eval_ranking",
                                                 "predict_links", "update",         "save",          "load" };

/* Call `call` of c; a model it makes (loaded, updated) into *made. */
static int run_call(int call, const model_call *c, gr_model **made)
{
    size_t n, counts[4], users;
    int64_t items[4 * 10];
    float scores[4 * 10], total, vec[64];
    double metrics[GR_METRIC_COUNT];
    gr_contribution parts[10];
    const int ks[1] = { 10 };
    switch (call) {
    case CALL_RECOMMEND: return gr_model_recommend(&n, c->m, c->user, 10, NULL, items, scores);
    case CALL_LIKED: return gr_model_recommend_liked(&n, c->m, c->liked, 3, 10, NULL, items, scores);
    case CALL_SIMILAR: return gr_model_similar_items(&n, c->m, c->liked[0], 10, NULL, items, scores);
    case CALL_SIMILAR_USERS: return gr_model_similar_users(&n, c->m, c->user, 10, items, scores);
    case CALL_BATCH: return gr_model_recommend_batch(counts, c->m, c->users, 4, 10, NULL, items, scores);
    case CALL_FOLD_IN: return gr_model_fold_in(vec, 8, c->m, c->liked, 3);
    case CALL_EXPLAIN: return gr_model_explain_items(&n, &total, c->m, c->user, c->liked[1], parts, 10);
    case CALL_UPDATE: return gr_model_update(made, c->m, c->test, c->update);
    /* a loaded model has an id space of its own: its training edges as the test */
    case CALL_EVAL: return gr_eval_ranking(metrics, &users, c->m, NULL, gr_model_graph(c->m), ks, 1);
    /* a KG model's (entity 0, relation 0, ?); the other kinds have none */
    case CALL_PREDICT_LINKS: return gr_model_predict_links(&n, c->m, 0, 0, GR_LP_TAILS, 10, 1, items, scores);
    case CALL_SAVE: return gr_model_save(c->m, c->path);
    default: return gr_model_load(made, c->path);
    }
}

/* The calls on a model of kind, their allocations failing in turn (the
 * calls a kind does not have are left out); a failed save leaves the
 * file it would replace. */
static void model_calls_fail(int kind)
{
    gr_trainer *t = small_trainer(kind, NULL, "0");
    gr_model *m = NULL;
    ck_assert_msg(gr_trainer_fit(&m, t, P.train) == GR_OK, "%s", gr_last_error());
    gr_trainer_free(t);
    char *dir = fx_tmpdir(), *path = fx_path(dir, "m.gnr");
    ck_assert_int_eq(gr_model_save(m, path), GR_OK);
    size_t size0;
    unsigned char *saved = fx_read_bytes(path, &size0);
    gr_model_free(m);
    /* each call on a model just loaded, whose tables made on first use
     * (gr_model_items_t) are not made yet: their allocations fail too */
    model_call c = { .path = path, .test = P.test, .update = small_trainer(kind, NULL, "0") };
    if (kind != GR_MODEL_GFCF && kind != GR_MODEL_CHEBY && kind != GR_MODEL_EASE) fx_set(c.update, "epochs", "1", NULL);
    ck_assert_int_eq(gr_graph_user_id(&c.user, P.train, 0), GR_OK);
    for (size_t j = 0; j < 3; j++) ck_assert_int_eq(gr_graph_item_id(&c.liked[j], P.train, j), GR_OK);
    for (size_t j = 0; j < 4; j++) ck_assert_int_eq(gr_graph_user_id(&c.users[j], P.train, 7 * j), GR_OK);
    for (int call = 0; call < N_CALLS; call++) {
        long calls;
        int rc;
        gr_model *loaded = NULL;
        ck_assert_int_eq(gr_model_load(&m, path), GR_OK);
        c.m = m;
        COUNT_CALLS(calls, rc, run_call(call, &c, &loaded));
        gr_model_free(loaded);
        gr_model_free(m);
        /* what a kind does not have (a knowledge-graph model's fold-in,
         * explanations of other kinds than LightGCN and MF, ...) */
        if (rc == GR_EUNSUPPORTED || (rc == GR_EINVAL && call == CALL_FOLD_IN)) continue;
        ck_assert_msg(rc == GR_OK, "%s %s: %s", gr_model_kind_name(kind), call_names[call], gr_last_error());
        long failed = 0;
        const int sparse = call == CALL_UPDATE && calls > 200;
        for (long k = 0; k < calls; k = sparse ? next_sparse(k) : next_n(k), failed++) {
            loaded = NULL;
            ck_assert_int_eq(gr_model_load(&m, path), GR_OK);
            c.m = m;
            gr_mem_fail_after(k);
            rc = run_call(call, &c, &loaded);
            gr_mem_fail_after(-1);
            ck_assert_msg(rc == GR_ENOMEM && loaded == NULL && gr_last_error()[0],
                          "%s %s: allocation %ld of %ld failed: %d (%s)", gr_model_kind_name(kind), call_names[call], k,
                          calls, rc, gr_last_error());
            size_t size;
            unsigned char *now = fx_read_bytes(path, &size);
            ck_assert_msg(size == size0 && memcmp(now, saved, size) == 0, "a failed %s changed %s", call_names[call], path);
            free(now);
            /* the model a failed call leaves answers the same call */
            if (call != CALL_SAVE) {
                ck_assert_msg(run_call(call, &c, &loaded) == GR_OK, "%s %s after a failure: %s", gr_model_kind_name(kind),
                              call_names[call], gr_last_error());
                gr_model_free(loaded);
            }
            gr_model_free(m);
        }
        printf("%s %s: %ld allocations, %ld failed in turn\n", gr_model_kind_name(kind), call_names[call], calls, failed);
    }
    gr_trainer_free(c.update);
    free(saved);
    fx_rmtree(dir);
    free(path);
    free(dir);
}

/* What data_calls_fail runs. */
enum { DATA_GRAPH_LOAD, DATA_SPLIT, DATA_KG_LOAD, DATA_ML100K, DATA_NAMES, N_DATA };
static const char *const data_names[N_DATA] = { "gr_graph_load", "gr_graph_split", "gr_kg_load",
                                                "gr_graph_load (ML-100K with metadata)",
                                                "gr_graph_load (ids that are names)" };

/* A CSV file whose ids are names, in dir. */
static char *names_csv(const char *dir)
{
    char text[8192];
    size_t at = (size_t)snprintf(text, sizeof text, "user,item,rating\n");
    for (int u = 0; u < 40; u++)
        for (int j = 0; j < 5; j++)
            at += (size_t)snprintf(text + at, sizeof text - at, "user-%d,sku-%d,%d\n", u, (u * 7 + j) % 50, 1 + j);
    return fx_write(dir, "names.csv", text);
}

/* The u.data of a generated ML-100K directory (u.item, u.user, u.genre
 * beside it), in dir. */
static char *ml100k(const char *dir)
{
    gr_synth_options o = GR_SYNTH_OPTIONS_INIT;
    o.users = 60;
    o.items = 80;
    o.ratings_per_user = 12;
    o.format = GR_FORMAT_ML100K;
    char *sub = fx_path(dir, "ml100k");
    ck_assert_int_eq(gr_synth_write(sub, &o), GR_OK);
    char *path = fx_path(sub, "u.data");
    free(sub);
    return path;
}

/* Data call `call` on the files in dir; what it makes is freed, and
 * *made says whether anything was made. */
static int run_data(int call, const char *const *paths, int *made)
{
    gr_graph *g = NULL, *tr = NULL, *va = NULL, *te = NULL;
    gr_kg *kg = NULL;
    int rc = call == DATA_SPLIT    ? gr_graph_split(&tr, &va, &te, P.all, NULL)
             : call == DATA_KG_LOAD ? gr_kg_load(&kg, paths[call], NULL)
                                    : gr_graph_load(&g, paths[call], NULL);
    *made = g || tr || va || te || kg;
    gr_graph_free(g);
    gr_graph_free(tr);
    gr_graph_free(va);
    gr_graph_free(te);
    gr_kg_free(kg);
    return rc;
}

/* Loading a graph and triples from their files and splitting a graph,
 * each allocation failing in turn. */
START_TEST(data_calls_fail_cleanly)
{
    char *dir = fx_tmpdir(), *graph_path = fx_path(dir, "train.txt"), *kg_path = fx_path(dir, "triples.txt");
    ck_assert_int_eq(gr_graph_write(P.train, graph_path, GR_FORMAT_ADJACENCY), GR_OK);
    gr_kg *kg = fx_random_kg(400, 60, 5, 9);
    ck_assert_int_eq(gr_kg_write(kg, kg_path), GR_OK);
    gr_kg_free(kg);
    char *ml_path = ml100k(dir), *names_path = names_csv(dir);
    const char *paths[N_DATA] = { graph_path, NULL, kg_path, ml_path, names_path };
    for (int call = 0; call < N_DATA; call++) {
        long calls;
        int rc, made;
        COUNT_CALLS(calls, rc, run_data(call, paths, &made));
        ck_assert_msg(rc == GR_OK && made, "%s: %s", data_names[call], gr_last_error());
        for (long k = 0; k < calls; k = next_n(k)) {
            gr_mem_fail_after(k);
            rc = run_data(call, paths, &made);
            gr_mem_fail_after(-1);
            ck_assert_msg(rc == GR_ENOMEM && !made, "%s: allocation %ld of %ld failed: %d (%s)", data_names[call], k,
                          calls, rc, gr_last_error());
        }
        printf("%s: %ld allocations, each failing in turn\n", data_names[call], calls);
    }
    fx_rmtree(dir);
    free(graph_path);
    free(kg_path);
    free(ml_path);
    free(names_path);
    free(dir);
}
END_TEST

/* A fit writing a checkpoint every epoch, each allocation failing in
 * turn: GR_ENOMEM, and a checkpoint file, where one is left, that the
 * same fit resumes from to the uninterrupted run's model. */
START_TEST(checkpointed_fits_fail_cleanly)
{
    static const int kinds[] = { GR_MODEL_LIGHTGCN, GR_MODEL_TRANSE };
    char *dir = fx_tmpdir(), *ck = fx_path(dir, "fit.ckpt");
    gr_trainer *t = small_trainer(kinds[_i], NULL, "0");
    fx_set(t, "epochs", "3", NULL);
    ck_assert_int_eq(gr_trainer_set_checkpoint(t, ck, 1), GR_OK);
    gr_model *m = NULL, *whole = NULL;
    long calls, resumed = 0;
    int rc;
    COUNT_CALLS(calls, rc, gr_trainer_fit(&whole, t, P.train));
    ck_assert_msg(rc == GR_OK, "%s", gr_last_error());
    for (long k = 0; k < calls; k = next_n(k)) {
        unlink(ck);
        gr_mem_fail_after(k);
        rc = gr_trainer_fit(&m, t, P.train);
        gr_mem_fail_after(-1);
        ck_assert_msg(rc == GR_ENOMEM && m == NULL, "%s: allocation %ld of %ld failed: %d (%s)",
                      gr_model_kind_name(kinds[_i]), k, calls, rc, gr_last_error());
        if (access(ck, F_OK) != 0) continue;
        /* the run stopped part-way resumes to the whole run's model */
        ck_assert_msg(gr_trainer_fit(&m, t, P.train) == GR_OK, "%s", gr_last_error());
        ck_assert(fx_same_user_vectors(m, whole));
        gr_model_free(m);
        m = NULL;
        resumed++;
    }
    printf("%s with a checkpoint: %ld allocations, each failing in turn, %ld resumed\n", gr_model_kind_name(kinds[_i]),
           calls, resumed);
    gr_model_free(whole);
    gr_trainer_free(t);
    fx_rmtree(dir);
    free(ck);
    free(dir);
}
END_TEST

START_TEST(model_calls_fail_cleanly)
{
    static const int kinds[] = { GR_MODEL_LIGHTGCN, GR_MODEL_GRAPHSAGE, GR_MODEL_ROTATE, GR_MODEL_GFCF, GR_MODEL_EASE };
    model_calls_fail(kinds[_i]);
}
END_TEST

/* gr_model_update_kg of a model trained on triples, each allocation
 * failing in turn: GR_ENOMEM, no model, and the model given unchanged. */
START_TEST(kg_updates_fail_cleanly)
{
    gr_kg *base = fx_random_kg(400, 60, 5, 9), *added = fx_random_kg(40, 70, 6, 10);
    gr_trainer *t = small_trainer(GR_MODEL_ROTATE, NULL, "0");
    gr_model *m, *up = NULL;
    ck_assert_int_eq(gr_kg_fit(&m, t, base, NULL), GR_OK);
    float before, after;
    ck_assert_int_eq(gr_model_score_triple(&before, m, 1, 2, 3), GR_OK);
    long calls, failed = 0;
    int rc;
    COUNT_CALLS(calls, rc, gr_model_update_kg(&up, m, added, t));
    ck_assert_msg(rc == GR_OK, "%s", gr_last_error());

    gr_model_free(up);
    for (long n = 0; n < calls; n = next_n(n)) {
        up = NULL;
        gr_mem_fail_after(n);
        rc = gr_model_update_kg(&up, m, added, t);
        gr_mem_fail_after(-1);
        ck_assert_msg(rc == GR_ENOMEM && up == NULL && gr_last_error()[0], "allocation %ld of %ld failed: %d (%s)", n,
                      calls, rc, gr_last_error());
        failed++;
    }
    ck_assert_int_eq(gr_model_score_triple(&after, m, 1, 2, 3), GR_OK);
    ck_assert(before == after);
    printf("rotate update by triples: %ld allocations, %ld failed in turn\n", calls, failed);
    ck_assert_int_gt(failed, 0);
    gr_model_free(m);
    gr_trainer_free(t);
    gr_kg_free(base);
    gr_kg_free(added);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("faults");
    TCase *tc = tcase_create("faults");
    tcase_set_timeout(tc, 600);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_loop_test(tc, fits_fail_cleanly, 0, sizeof fit_cases / sizeof fit_cases[0]);
    tcase_add_loop_test(tc, model_calls_fail_cleanly, 0, 5);
    tcase_add_test(tc, data_calls_fail_cleanly);
    tcase_add_test(tc, kg_updates_fail_cleanly);
    tcase_add_loop_test(tc, checkpointed_fits_fail_cleanly, 0, 2);
    suite_add_tcase(s, tc);
    return fx_run(s);
}
