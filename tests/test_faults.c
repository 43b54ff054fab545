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

#include "core/mem.h"
#include "fixtures.h"

static fx_planted P;

static void setup(void) { fx_planted_make(&P, 120, 90, 4, 12, 11); }
static void teardown(void) { fx_planted_free(&P); }

/* The n to try after n: every one of the first 256, then sparser. */
static long next_n(long n) { return n < 256 ? n + 1 : n * 5 / 4; }

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
    if (mode) fx_set(t, "mode", mode, NULL);
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

START_TEST(fits_fail_cleanly)
{
    static const struct {
        int kind;
        const char *mode, *holdout;
    } fits[] = {
        { GR_MODEL_LIGHTGCN, "fast", NULL },  { GR_MODEL_LIGHTGCN, "sampled", NULL }, { GR_MODEL_LIGHTGCN, "paper", NULL },
        { GR_MODEL_LIGHTGCN, "fast", "0" },   { GR_MODEL_MF, "fast", NULL },          { GR_MODEL_GRAPHSAGE, NULL, NULL },
        { GR_MODEL_TRANSE, NULL, NULL },      { GR_MODEL_ROTATE, NULL, NULL },        { GR_MODEL_GFCF, NULL, NULL },
        { GR_MODEL_CHEBY, NULL, NULL },       { GR_MODEL_EASE, NULL, NULL },
    };
    fit_fails(fits[_i].kind, fits[_i].mode, fits[_i].holdout);
}
END_TEST

/* What model_calls_fail runs on a model. */
typedef struct model_call {
    const gr_model *m;
    const char *path;
    int64_t user, liked[3], users[4];
    const gr_graph *test;
} model_call;

enum { CALL_RECOMMEND, CALL_LIKED, CALL_SIMILAR, CALL_BATCH, CALL_EVAL, CALL_SAVE, CALL_LOAD, N_CALLS };

static const char *const call_names[N_CALLS] = { "recommend", "recommend_liked", "similar_items", "recommend_batch",
                                                 "eval_ranking", "save", "load" };

/* Call `call` of c; a loaded model into *loaded. */
static int run_call(int call, const model_call *c, gr_model **loaded)
{
    size_t n, counts[4], users;
    int64_t items[4 * 10];
    float scores[4 * 10];
    double metrics[GR_METRIC_COUNT];
    const int ks[1] = { 10 };
    switch (call) {
    case CALL_RECOMMEND: return gr_model_recommend(&n, c->m, c->user, 10, NULL, items, scores);
    case CALL_LIKED: return gr_model_recommend_liked(&n, c->m, c->liked, 3, 10, NULL, items, scores);
    case CALL_SIMILAR: return gr_model_similar_items(&n, c->m, c->liked[0], 10, NULL, items, scores);
    case CALL_BATCH: return gr_model_recommend_batch(counts, c->m, c->users, 4, 10, NULL, items, scores);
    case CALL_EVAL: return gr_eval_ranking(metrics, &users, c->m, NULL, c->test, ks, 1);
    case CALL_SAVE: return gr_model_save(c->m, c->path);
    default: return gr_model_load(loaded, c->path);
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
    model_call c = { .m = m, .path = path, .test = P.test };
    ck_assert_int_eq(gr_graph_user_id(&c.user, P.train, 0), GR_OK);
    for (size_t j = 0; j < 3; j++) ck_assert_int_eq(gr_graph_item_id(&c.liked[j], P.train, j), GR_OK);
    for (size_t j = 0; j < 4; j++) ck_assert_int_eq(gr_graph_user_id(&c.users[j], P.train, 7 * j), GR_OK);
    for (int call = 0; call < N_CALLS; call++) {
        long calls;
        int rc;
        gr_model *loaded = NULL;
        COUNT_CALLS(calls, rc, run_call(call, &c, &loaded));
        gr_model_free(loaded);
        if (rc == GR_EUNSUPPORTED) continue;
        ck_assert_msg(rc == GR_OK, "%s %s: %s", gr_model_kind_name(kind), call_names[call], gr_last_error());
        for (long k = 0; k < calls; k = next_n(k)) {
            loaded = NULL;
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
        }
        printf("%s %s: %ld allocations, each failing in turn\n", gr_model_kind_name(kind), call_names[call], calls);
    }
    free(saved);
    fx_rmtree(dir);
    free(path);
    free(dir);
    gr_model_free(m);
}

/* Loading a graph from its file, each allocation failing in turn. */
START_TEST(graph_load_fails_cleanly)
{
    char *dir = fx_tmpdir(), *path = fx_path(dir, "train.txt");
    ck_assert_int_eq(gr_graph_write(P.train, path, GR_FORMAT_ADJACENCY), GR_OK);
    gr_graph *g = NULL;
    long calls;
    int rc;
    COUNT_CALLS(calls, rc, gr_graph_load(&g, path, NULL));
    ck_assert_msg(rc == GR_OK, "%s", gr_last_error());
    gr_graph_free(g);
    for (long k = 0; k < calls; k = next_n(k)) {
        g = NULL;
        gr_mem_fail_after(k);
        rc = gr_graph_load(&g, path, NULL);
        gr_mem_fail_after(-1);
        ck_assert_msg(rc == GR_ENOMEM && g == NULL, "allocation %ld of %ld failed: %d (%s)", k, calls, rc,
                      gr_last_error());
    }
    printf("gr_graph_load: %ld allocations, each failing in turn\n", calls);
    fx_rmtree(dir);
    free(path);
    free(dir);
}
END_TEST

START_TEST(model_calls_fail_cleanly)
{
    static const int kinds[] = { GR_MODEL_LIGHTGCN, GR_MODEL_GRAPHSAGE, GR_MODEL_ROTATE, GR_MODEL_GFCF, GR_MODEL_EASE };
    model_calls_fail(kinds[_i]);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("faults");
    TCase *tc = tcase_create("faults");
    tcase_set_timeout(tc, 600);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_loop_test(tc, fits_fail_cleanly, 0, 11);
    tcase_add_loop_test(tc, model_calls_fail_cleanly, 0, 5);
    tcase_add_test(tc, graph_load_fails_cleanly);
    suite_add_tcase(s, tc);
    return fx_run(s);
}
