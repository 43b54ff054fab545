/*
 * newuser: what a serving program does with a saved model.
 *
 *   cc newuser.c $(pkg-config --cflags --libs gnnrec) -o newuser
 *   ./newuser MODEL
 *
 * Loads a model (quickstart.c writes one), recommends for a user who is
 * not in the model from three items they liked (fold-in, no retraining),
 * filters by genre and year, lists similar items, and shows how an error
 * reads: the status code and the library's message.
 */
#include <gnnrec.h>
#include <stdio.h>

static int fail(const char *what)
{
    fprintf(stderr, "newuser: %s: %s (%s)\n", what, gr_last_error(), gr_status_name(gr_last_error_code()));
    return 1;
}

static void print_list(const gr_graph *g, const int64_t *items, const float *scores, size_t n)
{
    for (size_t r = 0; r < n; r++) {
        const char *title = gr_graph_item_title(g, items[r]);
        printf("  %2zu. %-40s %4d  %.4f\n", r + 1, title ? title : "(untitled)", gr_graph_item_year(g, items[r]),
               scores[r]);
    }
}

/* The first n items (in id order) that carry the genres in mask. */
static size_t items_of_genre(int64_t *out, size_t n, const gr_graph *g, uint64_t mask)
{
    size_t got = 0;
    for (size_t i = 0; i < gr_graph_num_items(g) && got < n; i++) {
        int64_t id;
        if (gr_graph_item_id(&id, g, i) == GR_OK && (gr_graph_item_genres(g, id) & mask)) out[got++] = id;
    }
    return got;
}

static int demo(const gr_model *m)
{
    const gr_graph *g = gr_model_graph(m);
    uint64_t action = 0, comedy = 0;
    if (gr_graph_genre_mask(&action, g, "Action") != GR_OK) return fail("gr_graph_genre_mask");
    if (gr_graph_genre_mask(&comedy, g, "Comedy") != GR_OK) return fail("gr_graph_genre_mask");

    int64_t liked[3];
    size_t n_liked = items_of_genre(liked, 3, g, action);
    printf("a new user liked:");
    for (size_t i = 0; i < n_liked; i++) printf(" %lld", (long long)liked[i]);
    printf("\n");

    int64_t items[5];
    float scores[5];
    size_t n = 0;
    if (gr_model_recommend_liked(&n, m, liked, n_liked, 5, NULL, items, scores) != GR_OK)
        return fail("gr_model_recommend_liked");
    printf("top-5 for them, folded in without retraining:\n");
    print_list(g, items, scores, n);

    gr_rec_options o = GR_REC_OPTIONS_INIT;
    o.genres = comedy;
    o.year_min = 1990;
    if (gr_model_recommend_liked(&n, m, liked, n_liked, 5, &o, items, scores) != GR_OK)
        return fail("gr_model_recommend_liked");
    printf("their top-5 comedies from 1990 on:\n");
    print_list(g, items, scores, n);

    if (n_liked > 0) {
        if (gr_model_similar_items(&n, m, liked[0], 5, NULL, items, scores) != GR_OK)
            return fail("gr_model_similar_items");
        printf("the 5 items most similar to %lld:\n", (long long)liked[0]);
        print_list(g, items, scores, n);
    }

    /* An unknown user is an error with a code and a message, not a crash. */
    int rc = gr_model_recommend(&n, m, 987654321, 5, NULL, items, scores);
    printf("asking for an unknown user: %s: %s\n", gr_status_name(rc), gr_last_error());
    return rc == GR_ENOTFOUND ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: newuser MODEL\n");
        return 2;
    }
    gr_model *m = NULL;
    if (gr_model_load(&m, argv[1]) != GR_OK) return fail("gr_model_load");
    printf("loaded a %s model: %zu users, %zu items, dim %zu\n", gr_model_kind_name(gr_model_kind_of(m)),
           gr_graph_num_users(gr_model_graph(m)), gr_graph_num_items(gr_model_graph(m)), gr_model_dim(m));
    int rc = demo(m);
    gr_model_free(m);
    return rc;
}
