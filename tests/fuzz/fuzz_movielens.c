/*
 * gr_graph_load() on a MovieLens directory with its metadata: the input
 * is a file set (fuzz_util.h) written under the file names of one
 * MovieLens release (100K; 1M with FUZZ_ML1M; latest with FUZZ_MLLATEST); then the
 * metadata accessors over every user and item, and the node features
 * built from the metadata.
 */
#include <string.h>

#include <gnnrec.h>

#include "fuzz_util.h"

#if defined(FUZZ_ML1M)
static const char *const files[] = { "ratings.dat", "movies.dat", "users.dat" };
#elif defined(FUZZ_MLLATEST)
static const char *const files[] = { "ratings.csv", "movies.csv" };
#else
static const char *const files[] = { "u.data", "u.item", "u.user", "u.genre", "u.occupation" };
#endif

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    gr_set_num_threads(1);
    return 0;
}

static void walk_items(const gr_graph *g)
{
    for (size_t i = 0; i < gr_graph_num_items(g) && i < 512; i++) {
        int64_t id;
        if (gr_graph_item_id(&id, g, i) != GR_OK) continue;
        const char *title = gr_graph_item_title(g, id);
        volatile size_t len = title ? strlen(title) : 0;
        (void)len;
        (void)gr_graph_item_year(g, id);
        (void)gr_graph_item_genres(g, id);
    }
    char names[256] = "";
    size_t used = 0;
    for (size_t k = 0; k < gr_graph_num_genres(g); k++) {
        const char *name = gr_graph_genre_name(g, k);
        size_t len = name ? strlen(name) : 0;
        if (!name || used + len + 2 > sizeof names) continue;
        if (used) names[used++] = ',';
        memcpy(names + used, name, len + 1);
        used += len;
    }
    uint64_t mask;
    if (used && gr_graph_genre_mask(&mask, g, names) != GR_OK) fz_touch_error();
}

static void walk_users(const gr_graph *g)
{
    for (size_t u = 0; u < gr_graph_num_users(g) && u < 512; u++) {
        int64_t id;
        if (gr_graph_user_id(&id, g, u) != GR_OK) continue;
        int age;
        char gender;
        const char *occupation;
        if (gr_graph_user_info(g, id, &age, &gender, &occupation) == GR_OK && occupation) {
            volatile size_t len = strlen(occupation);
            (void)len;
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!fz_dir()) return 0;
    fz_write_set(files, sizeof files / sizeof *files, data, size);
    gr_graph *g = NULL;
    if (gr_graph_load(&g, fz_dir(), NULL) != GR_OK) {
        fz_touch_error();
        return 0;
    }
    fz_note_loaded();
    walk_items(g);
    walk_users(g);
    fz_features(g);
    gr_graph_free(g);
    return 0;
}
