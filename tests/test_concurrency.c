/*
 * Models are immutable once built and may be used from many threads
 * (include/gnnrec/model.h).  These tests load many models from many
 * threads at once and recommend from them, and from one shared model,
 * concurrently, checking every answer against one computed up front; CI
 * runs them under ThreadSanitizer (.ci/run).
 *
 * OpenMP: libgomp is not built with ThreadSanitizer, so the barriers of a
 * parallel region are invisible to it and every region would report
 * races that are not there.  The fits here run with one OpenMP thread
 * (gr_set_num_threads(1)), and the TSan run sets OMP_NUM_THREADS=1 so that
 * the test's own threads also run the library's regions inline: what TSan
 * then sees is the library's sharing of state across the caller's threads.
 * Other builds run the same test with OpenMP's default thread count.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnnrec.h>

#include "fixtures.h"

#define THREADS 8
#define ROUNDS 6
#define USERS 4
#define K 10
#define KINDS 3

static const int kinds[KINDS] = { GR_MODEL_LIGHTGCN, GR_MODEL_GRAPHSAGE, GR_MODEL_ROTATE };

/* Expected answers of one model file. */
typedef struct expect {
    char *path;
    int64_t users[USERS];
    size_t n[USERS];
    int64_t items[USERS][K];
    float scores[USERS][K];
    int64_t similar[K];
    size_t n_similar;
} expect;

typedef struct shared {
    expect files[KINDS];
    const gr_model *model; /* one model every thread uses */
    const char *dir;
    int failures;          /* answers that differed (written under lock) */
    pthread_mutex_t lock;
} shared;

static void report(shared *s, const char *what, int thread)
{
    pthread_mutex_lock(&s->lock);
    if (s->failures++ < 10) fprintf(stderr, "thread %d: %s\n", thread, what);
    pthread_mutex_unlock(&s->lock);
}

static void train_and_save(expect *e, int kind, const gr_graph *train, const char *dir)
{
    gr_trainer *t;
    ck_assert_int_eq(gr_trainer_new(&t, kind), GR_OK);
    ck_assert_int_eq(gr_trainer_set(t, "dim", "8"), GR_OK);
    ck_assert_int_eq(gr_trainer_set(t, "epochs", "2"), GR_OK);
    ck_assert_int_eq(gr_trainer_set(t, "threads", "1"), GR_OK);
    gr_model *m;
    ck_assert_msg(gr_trainer_fit(&m, t, train) == GR_OK, "%s", gr_last_error());
    char name[32];
    snprintf(name, sizeof name, "%s.gnr", gr_model_kind_name(kind));
    e->path = fx_path(dir, name);
    ck_assert_int_eq(gr_model_save(m, e->path), GR_OK);
    gr_model_free(m);
    gr_trainer_free(t);
}

/* The answers of a model, computed once on this thread. */
static void expect_of(expect *e, const gr_model *m)
{
    const gr_graph *g = gr_model_graph(m);
    for (size_t u = 0; u < USERS; u++) {
        ck_assert_int_eq(gr_graph_user_id(&e->users[u], g, u * 7), GR_OK);
        ck_assert_int_eq(gr_model_recommend(&e->n[u], m, e->users[u], K, NULL, e->items[u], e->scores[u]), GR_OK);
        ck_assert_uint_eq(e->n[u], K);
    }
    float scores[K];
    int64_t item;
    ck_assert_int_eq(gr_graph_item_id(&item, g, 3), GR_OK);
    ck_assert_int_eq(gr_model_similar_items(&e->n_similar, m, item, K, NULL, e->similar, scores), GR_OK);
}

/* 1 when m gives e's answers. */
static int same_answers(const expect *e, const gr_model *m)
{
    int64_t items[K], similar[K], item;
    float scores[K];
    size_t n;
    for (size_t u = 0; u < USERS; u++) {
        if (gr_model_recommend(&n, m, e->users[u], K, NULL, items, scores) != GR_OK || n != e->n[u]) return 0;
        if (memcmp(items, e->items[u], n * sizeof *items) != 0 || memcmp(scores, e->scores[u], n * sizeof *scores) != 0)
            return 0;
    }
    if (gr_graph_item_id(&item, gr_model_graph(m), 3) != GR_OK) return 0;
    if (gr_model_similar_items(&n, m, item, K, NULL, similar, scores) != GR_OK || n != e->n_similar) return 0;
    return memcmp(similar, e->similar, n * sizeof *similar) == 0;
}

typedef struct worker {
    shared *s;
    int id;
    pthread_t thread;
} worker;

static void *work(void *arg)
{
    worker *w = arg;
    shared *s = w->s;
    char missing[4096], what[4200];
    snprintf(missing, sizeof missing, "%s/missing-%d.gnr", s->dir, w->id);
    for (int round = 0; round < ROUNDS; round++) {
        const expect *e = &s->files[(w->id + round) % KINDS];
        gr_model *m = NULL;
        if (gr_model_load(&m, e->path) != GR_OK) {
            snprintf(what, sizeof what, "load %s: %s", e->path, gr_last_error());
            report(s, what, w->id);
            continue;
        }
        if (!same_answers(e, m)) report(s, "a loaded model answered differently", w->id);
        if (!same_answers(&s->files[0], s->model)) report(s, "the shared model answered differently", w->id);
        gr_model_free(m);
        /* the error message is per thread: it names this thread's file */
        gr_model *none = NULL;
        if (gr_model_load(&none, missing) == GR_OK || !strstr(gr_last_error(), missing))
            report(s, "the error message of a failed load is not this thread's", w->id);
    }
    return NULL;
}

START_TEST(models_load_and_recommend_from_many_threads)
{
    gr_set_num_threads(1);
    fx_planted pl;
    fx_planted_make(&pl, 120, 150, 3, 12, 11);
    char *dir = fx_tmpdir();
    shared s;
    memset(&s, 0, sizeof s);
    pthread_mutex_init(&s.lock, NULL);
    s.dir = dir;
    for (int k = 0; k < KINDS; k++) {
        train_and_save(&s.files[k], kinds[k], pl.train, dir);
        gr_model *m;
        ck_assert_int_eq(gr_model_load(&m, s.files[k].path), GR_OK);
        expect_of(&s.files[k], m);
        gr_model_free(m);
    }
    gr_model *common;
    ck_assert_int_eq(gr_model_load(&common, s.files[0].path), GR_OK);
    s.model = common;

    worker w[THREADS];
    for (int k = 0; k < THREADS; k++) {
        w[k].s = &s;
        w[k].id = k;
        ck_assert_int_eq(pthread_create(&w[k].thread, NULL, work, &w[k]), 0);
    }
    for (int k = 0; k < THREADS; k++) pthread_join(w[k].thread, NULL);
    ck_assert_msg(s.failures == 0, "%d answers differed across threads", s.failures);

    gr_model_free(common);
    for (int k = 0; k < KINDS; k++) free(s.files[k].path);
    pthread_mutex_destroy(&s.lock);
    fx_planted_free(&pl);
    fx_rmtree(dir);
    free(dir);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("concurrency");
    TCase *tc = tcase_create("models");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, models_load_and_recommend_from_many_threads);
    suite_add_tcase(s, tc);
    return fx_run(s);
}
