/* Checkpoints of knowledge-graph fits (gr_trainer_set_checkpoint on
 * TransE, DistMult, RotatE, ComplEx): a fit stopped part-way and resumed
 * gives the uninterrupted fit's model, bit for bit; a checkpoint of other
 * settings, other triples or a damaged file is refused, naming the file. */
#include <gnnrec.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fixtures.h"
#include "models/kg_model.h"

static gr_kg *train_kg, *valid_kg;
static fx_planted P;

/* 600 random triples over 50 entities and 4 relations, and 60 more in
 * the same id space (names the training triples lack are skipped). */
static void setup(void)
{
    train_kg = fx_random_kg(600, 50, 4, 11);
    char names[60][3][12];
    const char *h[60], *r[60], *t[60];
    for (int k = 0; k < 60; k++) {
        snprintf(names[k][0], 12, "e%d", (k * 7) % 50);
        snprintf(names[k][1], 12, "r%d", k % 4);
        snprintf(names[k][2], 12, "e%d", (k * 13 + 5) % 50);
        h[k] = names[k][0];
        r[k] = names[k][1];
        t[k] = names[k][2];
    }
    ck_assert_int_eq(gr_kg_from_names(&valid_kg, train_kg, h, r, t, 60), GR_OK);
    fx_planted_make(&P, 60, 40, 3, 8, 7);
}

static void teardown(void)
{
    gr_kg_free(train_kg);
    gr_kg_free(valid_kg);
    fx_planted_free(&P);
}

/* Whether two KG models hold the same parameters, bit for bit. */
static int same_params(const gr_model *a, const gr_model *b)
{
    const gr_kg_params *p = &gr_kg_state_of(a)->p, *q = &gr_kg_state_of(b)->p;
    if (p->n_ent != q->n_ent || p->n_rel != q->n_rel || p->L != q->L || p->LR != q->LR) return 0;
    return !memcmp(p->ent, q->ent, p->n_ent * p->L * sizeof *p->ent) &&
           !memcmp(p->rel, q->rel, p->n_rel * p->LR * sizeof *p->rel);
}

/* A small trainer of kind; catch_up: lazy Adam's catch-up steps (rows
 * that remember the step that last moved them). */
static gr_trainer *small_trainer(int kind, int catch_up)
{
    gr_trainer *t = fx_trainer(kind, "dim", "8", "batch", "128", "negatives", "16", "lr", "0.02", "epochs", "9",
                               "eval_every", "2", "patience", "3", "threads", "1", "seed", "5", NULL);
    if (catch_up) fx_set(t, "adam_catch_up", "1", NULL);
    return t;
}

/* The fit of t: on the triples (valid: with the validation triples,
 * else a held-out share), or on the user-item graph P.train (graph). */
static int fit(gr_model **m, gr_trainer *t, int valid, int graph)
{
    if (graph) return gr_trainer_fit(m, t, P.train);
    return gr_kg_fit(m, t, train_kg, valid ? valid_kg : NULL);
}

/* Uninterrupted, then stopped after epoch `at` and resumed, then resumed
 * again from the finished checkpoint: the same model each time. */
static void check_resume(int kind, int catch_up, int valid, int graph, int at, int every)
{
    char *dir = fx_tmpdir(), *path = fx_path(dir, "kg.ckpt");
    gr_trainer *t = small_trainer(kind, catch_up);
    if (graph && valid) ck_assert_int_eq(gr_trainer_set_validation(t, P.test), GR_OK);
    gr_model *whole = NULL, *part = NULL, *resumed = NULL, *again = NULL;
    ck_assert_int_eq(fit(&whole, t, valid, graph), GR_OK);
    double epochs = fx_stat(t, GR_STAT_EPOCHS), best = fx_stat(t, GR_STAT_BEST_EPOCH), loss = fx_stat(t, GR_STAT_LOSS);
    if (valid) ck_assert_msg(epochs > at, "%s: the run must be longer than the stop (%g epochs)",
                             gr_model_kind_name(kind), epochs);

    fx_stopper s = { at, 0 };
    ck_assert_int_eq(gr_trainer_set_checkpoint(t, path, every), GR_OK);
    ck_assert_int_eq(gr_trainer_set_progress(t, fx_stop_at, &s), GR_OK);
    ck_assert_msg(fit(&part, t, valid, graph) == GR_OK, "%s", gr_last_error());
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);

    s.at = 0;
    s.calls = 0;
    ck_assert_msg(fit(&resumed, t, valid, graph) == GR_OK, "%s", gr_last_error());
    ck_assert_msg(same_params(whole, resumed), "%s: the resumed fit differs from the uninterrupted one",
                  gr_model_kind_name(kind));
    ck_assert_double_eq(fx_stat(t, GR_STAT_EPOCHS), epochs);
    ck_assert_double_eq(fx_stat(t, GR_STAT_BEST_EPOCH), best);
    ck_assert_double_eq(fx_stat(t, GR_STAT_LOSS), loss);
    /* only the epochs after the stop ran (a held-out fit's refit runs its own) */
    if (valid) ck_assert_int_eq(s.calls, (int)epochs - at);

    s.calls = 0;
    ck_assert_int_eq(fit(&again, t, valid, graph), GR_OK);
    ck_assert(same_params(whole, again));
    if (valid) ck_assert_int_eq(s.calls, 0);

    gr_model_free(whole);
    gr_model_free(part);
    gr_model_free(resumed);
    gr_model_free(again);
    gr_trainer_free(t);
    free(path);
    fx_rmtree(dir);
    free(dir);
}

START_TEST(transe_resumes_bit_for_bit)
{
    check_resume(GR_MODEL_TRANSE, 0, 1, 0, 3, 2); /* stopped between two writes */
    check_resume(GR_MODEL_TRANSE, 1, 1, 0, 5, 1); /* rows behind on their Adam steps */
}
END_TEST

START_TEST(rotate_resumes_bit_for_bit)
{
    check_resume(GR_MODEL_ROTATE, 0, 1, 0, 4, 3);
    check_resume(GR_MODEL_ROTATE, 1, 1, 0, 1, 1);
}
END_TEST

START_TEST(held_out_and_graph_fits_resume)
{
    /* without validation triples, stopped in the fit on the held-out
     * share: it resumes and the refit runs (refit_resumes: stopped in the
     * refit) */
    check_resume(GR_MODEL_COMPLEX, 0, 0, 0, 3, 2);
    /* a KG kind on a user-item graph, validating on P.test */
    check_resume(GR_MODEL_DISTMULT, 1, 1, 1, 4, 2);
}
END_TEST

/* Stops the fit at its `at`-th epoch of all, the held-out fit's and then
 * the refit's (0: never). */
static int stop_at_call(void *data, int epoch, double loss, double seconds, double valid)
{
    (void)epoch, (void)loss, (void)seconds, (void)valid;
    fx_stopper *s = data;
    return ++s->calls == s->at;
}

/* Without validation triples, stopped part-way through the refit: the
 * resumed fit keeps the chosen epoch, resumes the refit (PATH.refit) and
 * ends with the uninterrupted fit's parameters. */
START_TEST(refit_resumes)
{
    char *dir = fx_tmpdir(), *path = fx_path(dir, "kg.ckpt");
    gr_trainer *t = small_trainer(GR_MODEL_TRANSE, 0);
    fx_set(t, "holdout_final", "refit", NULL);
    fx_stopper s = { 0, 0 };
    ck_assert_int_eq(gr_trainer_set_progress(t, stop_at_call, &s), GR_OK);
    gr_model *whole = NULL, *part = NULL, *resumed = NULL;
    ck_assert_int_eq(fit(&whole, t, 0, 0), GR_OK);
    double held, chosen, refit;
    ck_assert_int_eq(gr_model_info(&held, whole, "holdout_epochs"), GR_OK);
    ck_assert_int_eq(gr_model_info(&chosen, whole, "valid_epoch"), GR_OK);
    ck_assert_int_eq(gr_model_info(&refit, whole, "refit"), GR_OK);
    ck_assert_double_eq(refit, 1);
    ck_assert_int_eq(s.calls, (int)(held + chosen));
    ck_assert_msg(chosen >= 2, "the refit must be long enough to stop in (%g epochs)", chosen);

    const int at = (int)chosen / 2;
    s = (fx_stopper){ (int)held + at, 0 };
    ck_assert_int_eq(gr_trainer_set_checkpoint(t, path, 1), GR_OK);
    ck_assert_int_eq(fit(&part, t, 0, 0), GR_OK);
    ck_assert(!same_params(whole, part));

    s = (fx_stopper){ 0, 0 };
    ck_assert_msg(fit(&resumed, t, 0, 0) == GR_OK, "%s", gr_last_error());
    ck_assert_int_eq(s.calls, (int)chosen - at);
    ck_assert_msg(same_params(whole, resumed), "the resumed refit differs from the uninterrupted one");
    ck_assert_int_eq(gr_model_info(&refit, resumed, "valid_epoch"), GR_OK);
    ck_assert_double_eq(refit, chosen);

    gr_model_free(whole);
    gr_model_free(part);
    gr_model_free(resumed);
    gr_trainer_free(t);
    free(path);
    fx_rmtree(dir);
    free(dir);
}
END_TEST

/* A checkpoint of a TransE fit stopped after epoch 4. */
static void make_checkpoint(const char *path)
{
    gr_trainer *t = small_trainer(GR_MODEL_TRANSE, 0);
    fx_stopper s = { 4, 0 };
    gr_model *m = NULL;
    ck_assert_int_eq(gr_trainer_set_checkpoint(t, path, 2), GR_OK);
    ck_assert_int_eq(gr_trainer_set_progress(t, fx_stop_at, &s), GR_OK);
    ck_assert_int_eq(gr_kg_fit(&m, t, train_kg, valid_kg), GR_OK);
    gr_model_free(m);
    gr_trainer_free(t);
}

static void refused(gr_trainer *t, const gr_kg *train, const gr_kg *valid, const char *path, int code, const char *what)
{
    gr_model *m = NULL;
    ck_assert_int_eq(gr_trainer_set_checkpoint(t, path, 2), GR_OK);
    int rc = gr_kg_fit(&m, t, train, valid);
    ck_assert_msg(rc == code, "expected %d, got %d: %s", code, rc, gr_last_error());
    ck_assert_ptr_null(m);
    ck_assert_msg(strstr(gr_last_error(), path), "the message names the file: %s", gr_last_error());
    ck_assert_msg(strstr(gr_last_error(), what), "the message says '%s': %s", what, gr_last_error());
}

START_TEST(other_settings_or_triples_are_refused)
{
    char *dir = fx_tmpdir(), *path = fx_path(dir, "kg.ckpt");
    make_checkpoint(path);
    gr_trainer *t = small_trainer(GR_MODEL_TRANSE, 0);
    fx_set(t, "lr", "0.03", NULL);
    refused(t, train_kg, valid_kg, path, GR_EINVAL, "'lr'");
    gr_trainer_free(t);
    /* the thread count may change */
    t = small_trainer(GR_MODEL_TRANSE, 0);
    fx_set(t, "threads", "2", NULL);
    gr_model *m = NULL;
    ck_assert_int_eq(gr_trainer_set_checkpoint(t, path, 2), GR_OK);
    ck_assert_int_eq(gr_kg_fit(&m, t, train_kg, valid_kg), GR_OK);
    gr_model_free(m);
    gr_trainer_free(t);
    make_checkpoint(path);
    /* other training triples; no validation triples; another kind */
    t = small_trainer(GR_MODEL_TRANSE, 0);
    gr_kg *other = fx_random_kg(600, 50, 4, 12);
    refused(t, other, NULL, path, GR_EINVAL, "other training triples");
    gr_kg_free(other);
    fx_set(t, "holdout", "0", NULL);
    refused(t, train_kg, NULL, path, GR_EINVAL, "made with validation triples, this fit has none");
    gr_trainer_free(t);
    t = small_trainer(GR_MODEL_ROTATE, 0);
    refused(t, train_kg, valid_kg, path, GR_EINVAL, "made by a transe fit");
    gr_trainer_free(t);
    free(path);
    fx_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(damaged_checkpoints_are_refused)
{
    char *dir = fx_tmpdir(), *path = fx_path(dir, "kg.ckpt");
    make_checkpoint(path);
    size_t n;
    unsigned char *b = fx_read_bytes(path, &n);
    gr_trainer *t = small_trainer(GR_MODEL_TRANSE, 0);
    free(fx_write_bytes(dir, "kg.ckpt", b, n / 2));
    refused(t, train_kg, valid_kg, path, GR_ECORRUPT, "truncated");
    b[n / 2] ^= 0x40;
    free(fx_write_bytes(dir, "kg.ckpt", b, n));
    refused(t, train_kg, valid_kg, path, GR_ECORRUPT, "checksum");
    /* a model file is not a checkpoint */
    gr_model *m = NULL;
    ck_assert_int_eq(gr_trainer_set_checkpoint(t, NULL, 0), GR_OK);
    ck_assert_int_eq(gr_kg_fit(&m, t, train_kg, valid_kg), GR_OK);
    ck_assert_int_eq(gr_model_save(m, path), GR_OK);
    gr_model_free(m);
    refused(t, train_kg, valid_kg, path, GR_EFORMAT, "not a checkpoint");
    /* a file that cannot be written */
    char *missing = fx_path(dir, "no/such/dir/kg.ckpt");
    refused(t, train_kg, valid_kg, missing, GR_EIO, missing);
    free(missing);
    free(b);
    gr_trainer_free(t);
    free(path);
    fx_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(a_settings_search_cannot_checkpoint)
{
    gr_trainer *t = small_trainer(GR_MODEL_TRANSE, 0);
    fx_set(t, "budget", "1", NULL);
    refused(t, train_kg, valid_kg, "/nonexistent/kg.ckpt", GR_EUNSUPPORTED, "settings search");
    gr_trainer_free(t);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("kg_checkpoint");
    TCase *c = tcase_create("kg_checkpoint");
    tcase_add_checked_fixture(c, setup, teardown);
    tcase_add_test(c, transe_resumes_bit_for_bit);
    tcase_add_test(c, rotate_resumes_bit_for_bit);
    tcase_add_test(c, held_out_and_graph_fits_resume);
    tcase_add_test(c, refit_resumes);
    tcase_add_test(c, other_settings_or_triples_are_refused);
    tcase_add_test(c, damaged_checkpoints_are_refused);
    tcase_add_test(c, a_settings_search_cannot_checkpoint);
    suite_add_tcase(s, c);
    return fx_run(s);
}
