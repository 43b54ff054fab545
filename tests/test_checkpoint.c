/* Checkpoints of a fit (gr_trainer_set_checkpoint): a fit stopped part-way
 * and resumed gives the uninterrupted fit's model, bit for bit, with each
 * schedule; a checkpoint of other settings, another graph or a damaged file
 * is refused, naming the file; a failed write leaves no file. */
#include <gnnrec.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <dirent.h>

#include "fixtures.h"

static fx_planted P;

static void setup(void) { fx_planted_make(&P, 240, 160, 4, 16, 7); }
static void teardown(void) { fx_planted_free(&P); }

/* Whether two models have the same user and item vectors, bit for bit. */
static int same_model(const gr_model *a, const gr_model *b)
{
    if (!fx_same_user_vectors(a, b)) return 0;
    size_t ni = gr_graph_num_items(gr_model_graph(a)), d = gr_model_dim(a);
    float *x = malloc(ni * d * sizeof *x), *y = malloc(ni * d * sizeof *y);
    ck_assert_int_eq(gr_model_item_vectors(x, ni, d, a), GR_OK);
    ck_assert_int_eq(gr_model_item_vectors(y, ni, d, b), GR_OK);
    int same = memcmp(x, y, ni * d * sizeof *x) == 0;
    free(x);
    free(y);
    return same;
}

/* A small trainer for kind and mode, validating on P.test when valid. */
static gr_trainer *small_trainer(int kind, const char *mode, int valid)
{
    gr_trainer *t = fx_trainer(kind, "dim", "8", "threads", "1", "mode", mode, "seed", "5", NULL);
    if (!strcmp(mode, "paper")) fx_set(t, "epochs", "7", "batch", "256", "sampling", "edge", "lr", "0.01", NULL);
    else fx_set(t, "epochs", "24", "eval_every", "3", "patience", "3", NULL);
    if (!strcmp(mode, "sampled")) fx_set(t, "negatives", "64", NULL);
    if (valid) ck_assert_int_eq(gr_trainer_set_validation(t, P.test), GR_OK);
    return t;
}

/* Uninterrupted, then stopped after epoch `at` and resumed (twice: the
 * second time on the finished checkpoint): the same model each time. */
static void check_resume(int kind, const char *mode, int valid, int at, int every)
{
    char *dir = fx_tmpdir(), *path = fx_path(dir, "run.ckpt");
    gr_trainer *t = small_trainer(kind, mode, valid);
    gr_model *whole = NULL, *part = NULL, *resumed = NULL, *again = NULL;
    ck_assert_int_eq(gr_trainer_fit(&whole, t, P.train), GR_OK);
    double epochs = fx_stat(t, GR_STAT_EPOCHS), best = fx_stat(t, GR_STAT_BEST_EPOCH), loss = fx_stat(t, GR_STAT_LOSS);
    /* (held out: the statistics are the refit's) */
    if (valid) ck_assert_msg(epochs > at, "%s: the run must be longer than the stop (%g epochs)", mode, epochs);

    fx_stopper s = { at, 0 };
    ck_assert_int_eq(gr_trainer_set_checkpoint(t, path, every), GR_OK);
    ck_assert_int_eq(gr_trainer_set_progress(t, fx_stop_at, &s), GR_OK);
    ck_assert_int_eq(gr_trainer_fit(&part, t, P.train), GR_OK);
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);

    s.at = 0;
    s.calls = 0;
    ck_assert_int_eq(gr_trainer_fit(&resumed, t, P.train), GR_OK);
    ck_assert_msg(same_model(whole, resumed), "%s: the resumed fit differs from the uninterrupted one", mode);
    ck_assert_double_eq(fx_stat(t, GR_STAT_EPOCHS), epochs);
    ck_assert_double_eq(fx_stat(t, GR_STAT_BEST_EPOCH), best);
    /* the model is the best validated parameters: the last loss tells
     * whether the last epochs ran alike */
    ck_assert_double_eq(fx_stat(t, GR_STAT_LOSS), loss);
    /* the resumed fit ran only the epochs after the stop (of the fit on the
     * held-out part: the refit after it runs its own) */
    if (valid) ck_assert_int_eq(s.calls, (int)epochs - at);

    /* the checkpoint of a fit that ended gives its model at once */
    s.calls = 0;
    ck_assert_int_eq(gr_trainer_fit(&again, t, P.train), GR_OK);
    ck_assert(same_model(whole, again));
    if (valid) ck_assert_int_eq(s.calls, 0);
    ck_assert_double_eq(fx_stat(t, GR_STAT_BEST_EPOCH), best);

    gr_model_free(whole);
    gr_model_free(part);
    gr_model_free(resumed);
    gr_model_free(again);
    gr_trainer_free(t);
    free(path);
    fx_rmtree(dir);
    free(dir);
}

START_TEST(paper_resumes_bit_for_bit)
{
    check_resume(GR_MODEL_LIGHTGCN, "paper", 1, 3, 2); /* stopped between two writes */
    check_resume(GR_MODEL_MF, "paper", 1, 4, 1);
}
END_TEST

START_TEST(fast_resumes_bit_for_bit)
{
    check_resume(GR_MODEL_LIGHTGCN, "fast", 1, 7, 5);
    check_resume(GR_MODEL_MF, "fast", 1, 10, 1);
}
END_TEST

START_TEST(sampled_resumes_bit_for_bit)
{
    check_resume(GR_MODEL_LIGHTGCN, "sampled", 1, 8, 4);
    check_resume(GR_MODEL_MF, "sampled", 1, 5, 2);
}
END_TEST

START_TEST(held_out_fit_resumes)
{
    /* without validation data, stopped in the fit on the held-out part:
     * it resumes, and the refit after it runs (refit_resumes: stopped in
     * the refit) */
    check_resume(GR_MODEL_LIGHTGCN, "fast", 0, 6, 3);
}
END_TEST

/* Stops the fit at its `at`-th epoch of all (0: never), counting the
 * held-out fit's epochs and then the refit's. */
static int stop_at_call(void *data, int epoch, double loss, double seconds, double valid)
{
    (void)epoch, (void)loss, (void)seconds, (void)valid;
    fx_stopper *s = data;
    return ++s->calls == s->at;
}

static double info_of(const gr_model *m, const char *key)
{
    double v;
    ck_assert_int_eq(gr_model_info(&v, m, key), GR_OK);
    return v;
}

/*
 * Without validation data, stopped part-way through the refit on all the
 * data: the resumed fit reads the chosen epoch from the held-out fit's
 * finished checkpoint and goes on with the refit from its own file
 * (PATH.refit), running only the refit's remaining epochs, and ends with
 * the uninterrupted fit's model.
 */
START_TEST(refit_resumes)
{
    char *dir = fx_tmpdir(), *path = fx_path(dir, "run.ckpt"), *refit_path = fx_path(dir, "run.ckpt.refit");
    gr_trainer *t = small_trainer(GR_MODEL_LIGHTGCN, "fast", 0);
    fx_set(t, "holdout_final", "refit", NULL);
    fx_stopper s = { 0, 0 };
    ck_assert_int_eq(gr_trainer_set_progress(t, stop_at_call, &s), GR_OK);
    gr_model *whole = NULL, *part = NULL, *resumed = NULL;
    ck_assert_int_eq(gr_trainer_fit(&whole, t, P.train), GR_OK);
    const int held = (int)info_of(whole, "holdout_epochs"), chosen = (int)info_of(whole, "valid_epoch");
    ck_assert_double_eq(info_of(whole, "refit"), 1);
    ck_assert_int_eq(s.calls, held + chosen);
    ck_assert_msg(chosen >= 2, "the refit must be long enough to stop in (%d epochs)", chosen);
    double best = fx_stat(t, GR_STAT_BEST_EPOCH), loss = fx_stat(t, GR_STAT_LOSS);

    const int at = chosen / 2;
    s = (fx_stopper){ held + at, 0 };
    ck_assert_int_eq(gr_trainer_set_checkpoint(t, path, 2), GR_OK);
    ck_assert_int_eq(gr_trainer_fit(&part, t, P.train), GR_OK);
    struct stat st;
    ck_assert_int_eq(stat(refit_path, &st), 0);
    ck_assert(!same_model(whole, part));

    s = (fx_stopper){ 0, 0 };
    ck_assert_msg(gr_trainer_fit(&resumed, t, P.train) == GR_OK, "%s", gr_last_error());
    ck_assert_int_eq(s.calls, chosen - at);
    ck_assert_msg(same_model(whole, resumed), "the resumed refit differs from the uninterrupted one");
    ck_assert_double_eq(info_of(resumed, "valid_epoch"), chosen);
    ck_assert_double_eq(info_of(resumed, "refit"), 1);
    ck_assert_double_eq(fx_stat(t, GR_STAT_BEST_EPOCH), best);
    ck_assert_double_eq(fx_stat(t, GR_STAT_LOSS), loss);

    gr_model_free(whole);
    gr_model_free(part);
    gr_model_free(resumed);
    gr_trainer_free(t);
    free(path);
    free(refit_path);
    fx_rmtree(dir);
    free(dir);
}
END_TEST

/* A checkpoint made by a fast LightGCN fit of P.train, stopped at epoch 4. */
static void make_checkpoint(const char *path)
{
    gr_trainer *t = small_trainer(GR_MODEL_LIGHTGCN, "fast", 1);
    fx_stopper s = { 4, 0 };
    gr_model *m = NULL;
    ck_assert_int_eq(gr_trainer_set_checkpoint(t, path, 2), GR_OK);
    ck_assert_int_eq(gr_trainer_set_progress(t, fx_stop_at, &s), GR_OK);
    ck_assert_int_eq(gr_trainer_fit(&m, t, P.train), GR_OK);
    gr_model_free(m);
    gr_trainer_free(t);
}

/* A fit of t on g with the checkpoint at path fails with code, its message
 * naming the file and containing `what`. */
static void refused(gr_trainer *t, const gr_graph *g, const char *path, int code, const char *what)
{
    gr_model *m = NULL;
    ck_assert_int_eq(gr_trainer_set_checkpoint(t, path, 2), GR_OK);
    int rc = gr_trainer_fit(&m, t, g);
    ck_assert_msg(rc == code, "expected %d, got %d: %s", code, rc, gr_last_error());
    ck_assert_ptr_null(m);
    ck_assert_msg(strstr(gr_last_error(), path), "the message names the file: %s", gr_last_error());
    ck_assert_msg(strstr(gr_last_error(), what), "the message says '%s': %s", what, gr_last_error());
}

START_TEST(other_settings_or_graphs_are_refused)
{
    char *dir = fx_tmpdir(), *path = fx_path(dir, "run.ckpt");
    make_checkpoint(path);
    gr_trainer *t = small_trainer(GR_MODEL_LIGHTGCN, "fast", 1);
    fx_set(t, "lr", "0.25", NULL);
    refused(t, P.train, path, GR_EINVAL, "'lr'");
    gr_trainer_free(t);
    /* the thread count may change */
    t = small_trainer(GR_MODEL_LIGHTGCN, "fast", 1);
    fx_set(t, "threads", "2", NULL);
    gr_model *m = NULL;
    ck_assert_int_eq(gr_trainer_set_checkpoint(t, path, 2), GR_OK);
    ck_assert_int_eq(gr_trainer_fit(&m, t, P.train), GR_OK);
    gr_model_free(m);
    gr_trainer_free(t);
    /* another training graph; no validation graph; another kind */
    t = small_trainer(GR_MODEL_LIGHTGCN, "fast", 1);
    refused(t, P.all, path, GR_EINVAL, "training graph");
    ck_assert_int_eq(gr_trainer_set_validation(t, NULL), GR_OK);
    fx_set(t, "holdout", "0", NULL);
    refused(t, P.train, path, GR_EINVAL, "validation graph");
    gr_trainer_free(t);
    t = small_trainer(GR_MODEL_MF, "fast", 1);
    refused(t, P.train, path, GR_EINVAL, "made by a lightgcn fit");
    gr_trainer_free(t);
    free(path);
    fx_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(damaged_checkpoints_are_refused)
{
    char *dir = fx_tmpdir(), *path = fx_path(dir, "run.ckpt");
    make_checkpoint(path);
    size_t n;
    unsigned char *b = fx_read_bytes(path, &n);
    gr_trainer *t = small_trainer(GR_MODEL_LIGHTGCN, "fast", 1);
    /* truncated */
    free(fx_write_bytes(dir, "run.ckpt", b, n / 2));
    refused(t, P.train, path, GR_ECORRUPT, "truncated");
    /* a flipped byte in the parameters */
    b[n / 2] ^= 0x40;
    free(fx_write_bytes(dir, "run.ckpt", b, n));
    refused(t, P.train, path, GR_ECORRUPT, "checksum");
    /* not a gnnrec file at all; a model file */
    free(fx_write(dir, "run.ckpt", "epoch 3\n"));
    refused(t, P.train, path, GR_EFORMAT, "magic");
    gr_model *m = NULL;
    ck_assert_int_eq(gr_trainer_set_checkpoint(t, NULL, 0), GR_OK);
    ck_assert_int_eq(gr_trainer_fit(&m, t, P.train), GR_OK);
    ck_assert_int_eq(gr_model_save(m, path), GR_OK);
    gr_model_free(m);
    refused(t, P.train, path, GR_EFORMAT, "not a checkpoint");
    free(b);
    gr_trainer_free(t);
    free(path);
    fx_rmtree(dir);
    free(dir);
}
END_TEST

static size_t entries(const char *dir)
{
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    size_t n = 0;
    for (struct dirent *e; (e = readdir(d));) n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    closedir(d);
    return n;
}

START_TEST(failed_writes_leave_no_file)
{
    char *dir = fx_tmpdir(), *missing = fx_path(dir, "no/such/dir/run.ckpt"), *sub = fx_path(dir, "taken");
    gr_trainer *t = small_trainer(GR_MODEL_LIGHTGCN, "fast", 1);
    gr_model *m = NULL;
    ck_assert_int_eq(gr_trainer_set_checkpoint(t, missing, 5), GR_OK);
    ck_assert_int_eq(gr_trainer_fit(&m, t, P.train), GR_EIO);
    ck_assert_ptr_null(m);
    ck_assert_msg(strstr(gr_last_error(), missing), "%s", gr_last_error());
    ck_assert_uint_eq(entries(dir), 0);
    /* a directory where the file would go: the write fails, nothing is left beside it */
    ck_assert_int_eq(mkdir(sub, 0700), 0);
    refused(t, P.train, sub, GR_EIO, sub);
    ck_assert_uint_eq(entries(dir), 1);
    ck_assert_uint_eq(entries(sub), 0);
    gr_trainer_free(t);
    free(missing);
    free(sub);
    fx_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(other_kinds_and_bad_arguments)
{
    gr_trainer *t = fx_trainer(GR_MODEL_EASE, NULL);
    gr_model *m = NULL;
    ck_assert_int_eq(gr_trainer_set_checkpoint(t, "/nonexistent/ck", 1), GR_OK);
    ck_assert_int_eq(gr_trainer_fit(&m, t, P.train), GR_EUNSUPPORTED);
    ck_assert_int_eq(gr_trainer_set_checkpoint(t, NULL, 0), GR_OK);
    gr_trainer_free(t);
    t = small_trainer(GR_MODEL_LIGHTGCN, "fast", 1);
    ck_assert_int_eq(gr_trainer_set_checkpoint(t, "x", 0), GR_EINVAL);
    ck_assert_int_eq(gr_trainer_set_checkpoint(t, "", 1), GR_EINVAL);
    ck_assert_int_eq(gr_trainer_set_checkpoint(NULL, "x", 1), GR_EINVAL);
    fx_set(t, "budget", "1", NULL);
    ck_assert_int_eq(gr_trainer_set_checkpoint(t, "/nonexistent/ck", 1), GR_OK);
    ck_assert_int_eq(gr_trainer_fit(&m, t, P.train), GR_EUNSUPPORTED);
    gr_trainer_free(t);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("checkpoint");
    TCase *c = tcase_create("checkpoint");
    tcase_add_checked_fixture(c, setup, teardown);
    tcase_add_test(c, paper_resumes_bit_for_bit);
    tcase_add_test(c, fast_resumes_bit_for_bit);
    tcase_add_test(c, sampled_resumes_bit_for_bit);
    tcase_add_test(c, held_out_fit_resumes);
    tcase_add_test(c, refit_resumes);
    tcase_add_test(c, other_settings_or_graphs_are_refused);
    tcase_add_test(c, damaged_checkpoints_are_refused);
    tcase_add_test(c, failed_writes_leave_no_file);
    tcase_add_test(c, other_kinds_and_bad_arguments);
    suite_add_tcase(s, c);
    return fx_run(s);
}
