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

/* Recommending, saving and loading a model of kind, their allocations
 * failing in turn; a failed save leaves the file it would replace. */
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
    int64_t user, items[10], liked[3];
    float scores[10];
    ck_assert_int_eq(gr_graph_user_id(&user, P.train, 0), GR_OK);
    for (size_t j = 0; j < 3; j++) ck_assert_int_eq(gr_graph_item_id(&liked[j], P.train, j), GR_OK);
    for (int call = 0; call < 4; call++) {
        long calls;
        int rc;
        size_t n = 0;
        gr_model *loaded = NULL;
#define CALL                                                                                                           \
    (call == 0   ? gr_model_recommend(&n, m, user, 10, NULL, items, scores)                                            \
     : call == 1 ? gr_model_recommend_liked(&n, m, liked, 3, 10, NULL, items, scores)                                  \
     : call == 2 ? gr_model_save(m, path)                                                                              \
                 : gr_model_load(&loaded, path))
        COUNT_CALLS(calls, rc, CALL);
        /* the knowledge-graph kinds cannot fold in a new user */
        if (call == 1 && rc == GR_EUNSUPPORTED) continue;
        ck_assert_msg(rc == GR_OK, "%s", gr_last_error());
        gr_model_free(loaded);
        for (long k = 0; k < calls; k = next_n(k)) {
            loaded = NULL;
            gr_mem_fail_after(k);
            rc = CALL;
            gr_mem_fail_after(-1);
            ck_assert_msg(rc == GR_ENOMEM && loaded == NULL && gr_last_error()[0],
                          "%s call %d: allocation %ld of %ld failed: %d (%s)", gr_model_kind_name(kind), call, k, calls,
                          rc, gr_last_error());
            size_t size;
            unsigned char *now = fx_read_bytes(path, &size);
            ck_assert_msg(size == size0 && memcmp(now, saved, size) == 0, "a failed call changed %s", path);
            free(now);
        }
#undef CALL
    }
    free(saved);
    fx_rmtree(dir);
    free(path);
    free(dir);
    gr_model_free(m);
}

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
    suite_add_tcase(s, tc);
    return fx_run(s);
}
