/*
 * quickstart: from nothing to recommendations with the C API.
 *
 *   cc quickstart.c $(pkg-config --cflags --libs gnnrec) -o quickstart
 *   ./quickstart [WORKDIR]
 *
 * Writes a synthetic MovieLens-format dataset into WORKDIR/data, splits it,
 * trains LightGCN with validation-based early stopping, evaluates on the
 * held-out test part, prints the top-10 items of user 1 with their titles
 * and saves the model to WORKDIR/model.gnr (see newuser.c for what a
 * serving program does with it).
 */
#include <gnnrec.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Report a failed call with the library's message and leave. */
static int fail(const char *what)
{
    fprintf(stderr, "quickstart: %s: %s (%s)\n", what, gr_last_error(), gr_status_name(gr_last_error_code()));
    return 1;
}

static int on_epoch(void *user_data, int epoch, double loss, double seconds, double valid_ndcg)
{
    (void)user_data;
    if (!isnan(valid_ndcg)) printf("  epoch %3d  loss %.4f  valid ndcg@20 %.4f  (%.2f s)\n", epoch, loss, valid_ndcg, seconds);
    return 0; /* non-zero would stop training */
}

static void print_genres(const gr_graph *g, int64_t item)
{
    uint64_t mask = gr_graph_item_genres(g, item);
    const char *sep = "";
    for (size_t b = 0; b < gr_graph_num_genres(g); b++)
        if (mask >> b & 1) {
            printf("%s%s", sep, gr_graph_genre_name(g, b));
            sep = "|";
        }
}

static int train_and_report(const char *model_path, gr_graph *train, gr_graph *valid, gr_graph *test)
{
    gr_trainer *t = NULL;
    gr_model *m = NULL;
    int rc = 1;
    if (gr_trainer_new(&t, GR_MODEL_LIGHTGCN) != GR_OK) return fail("gr_trainer_new");
    /* settings by name, as a configuration file would give them */
    if (gr_trainer_set(t, "dim", "32") || gr_trainer_set(t, "epochs", "40") || gr_trainer_set(t, "lr", "0.005") ||
        gr_trainer_set(t, "eval_every", "5") || gr_trainer_set(t, "patience", "3")) {
        rc = fail("gr_trainer_set");
        goto out;
    }
    gr_trainer_set_validation(t, valid);
    gr_trainer_set_progress(t, on_epoch, NULL);
    printf("training LightGCN on %zu interactions\n", gr_graph_num_edges(train));
    if (gr_trainer_fit(&m, t, train) != GR_OK) {
        rc = fail("gr_trainer_fit");
        goto out;
    }
    double best_epoch = 0, seconds = 0;
    gr_trainer_stat(&best_epoch, t, GR_STAT_BEST_EPOCH);
    gr_trainer_stat(&seconds, t, GR_STAT_SECONDS);
    printf("kept the parameters of epoch %.0f (%.2f s)\n", best_epoch, seconds);

    const int ks[] = { 10, 20 };
    double metrics[2 * GR_METRIC_COUNT];
    size_t users = 0;
    if (gr_eval_ranking(metrics, &users, m, train, test, ks, 2) != GR_OK) {
        rc = fail("gr_eval_ranking");
        goto out;
    }
    for (int c = 0; c < 2; c++)
        printf("test @%d over %zu users: recall %.4f  ndcg %.4f  hit %.4f\n", ks[c], users,
               metrics[c * GR_METRIC_COUNT + GR_METRIC_RECALL], metrics[c * GR_METRIC_COUNT + GR_METRIC_NDCG],
               metrics[c * GR_METRIC_COUNT + GR_METRIC_HIT]);

    const int64_t user = 1;
    int64_t items[10];
    float scores[10];
    size_t n = 0;
    if (gr_model_recommend(&n, m, user, 10, NULL, items, scores) != GR_OK) {
        rc = fail("gr_model_recommend");
        goto out;
    }
    const gr_graph *g = gr_model_graph(m); /* borrowed: lives as long as m */
    printf("top-10 for user %lld:\n", (long long)user);
    for (size_t r = 0; r < n; r++) {
        const char *title = gr_graph_item_title(g, items[r]);
        printf("  %2zu. %-40s %7.4f  ", r + 1, title ? title : "(untitled)", scores[r]);
        print_genres(g, items[r]);
        printf("\n");
    }
    if (gr_model_save(m, model_path) != GR_OK) {
        rc = fail("gr_model_save");
        goto out;
    }
    printf("saved the model to %s\n", model_path);
    rc = 0;
out:
    gr_model_free(m);
    gr_trainer_free(t);
    return rc;
}

int main(int argc, char **argv)
{
    const char *work = argc > 1 ? argv[1] : "gnnrec-quickstart";
    char data[4096], model_path[4096];
    snprintf(data, sizeof data, "%s/data", work);
    snprintf(model_path, sizeof model_path, "%s/model.gnr", work);
    printf("gnnrec %s (headers %s)\n", gr_version_string(), GR_VERSION_STRING);

    gr_synth_options so = GR_SYNTH_OPTIONS_INIT; /* 500 users, 800 movies */
    if (gr_synth_write(data, &so) != GR_OK) return fail("gr_synth_write");
    printf("wrote a synthetic dataset to %s\n", data);

    gr_graph *all = NULL, *train = NULL, *valid = NULL, *test = NULL;
    if (gr_graph_load(&all, data, NULL) != GR_OK) return fail("gr_graph_load");
    printf("loaded %zu users, %zu items, %zu ratings, %zu genres\n", gr_graph_num_users(all), gr_graph_num_items(all),
           gr_graph_num_edges(all), gr_graph_num_genres(all));

    gr_split_options sp = GR_SPLIT_OPTIONS_INIT; /* per user: 80% train, 10% valid, 10% test */
    int rc = gr_graph_split(&train, &valid, &test, all, &sp) == GR_OK ? 0 : fail("gr_graph_split");
    gr_graph_free(all);
    if (rc == 0) rc = train_and_report(model_path, train, valid, test);
    gr_graph_free(train);
    gr_graph_free(valid);
    gr_graph_free(test);
    return rc;
}
