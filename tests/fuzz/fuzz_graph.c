/*
 * gr_graph_load() on one interaction file in the format FUZZ_FORMAT (a
 * gr_format; GR_FORMAT_AUTO detects it from the lines), then
 * gr_graph_load_like() of the same file into the graph's id space, and
 * the accessors and the built-in node features over what was loaded.
 * The input's size picks how ids are read (gr_ids), so that mutations
 * explore names and the choice between names and integers.
 */
#include <stdlib.h>

#include <gnnrec.h>

#include "fuzz_util.h"

#ifndef FUZZ_FORMAT
#define FUZZ_FORMAT GR_FORMAT_AUTO
#endif

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    gr_set_num_threads(1);
    return 0;
}

/* Every user's items and every item's users, through the public calls. */
static void walk(const gr_graph *g)
{
    int64_t buf[64];
    for (size_t u = 0; u < gr_graph_num_users(g) && u < 256; u++) {
        int64_t id;
        size_t count;
        if (gr_graph_user_id(&id, g, u) != GR_OK) continue;
        gr_graph_user_items(&count, g, id, buf, NULL, 64);
        if (gr_graph_has_names(g) && !gr_graph_user_name(g, id)) abort(); /* every id of a named graph has its name */
    }
    for (size_t i = 0; i < gr_graph_num_items(g) && i < 256; i++) {
        int64_t id;
        size_t count;
        if (gr_graph_item_id(&id, g, i) != GR_OK) continue;
        gr_graph_item_users(&count, g, id, buf, NULL, 64);
        if (gr_graph_has_names(g) && !gr_graph_item_name(g, id)) abort();
    }
    size_t n = gr_graph_num_edges(g) < 4096 ? gr_graph_num_edges(g) : 0;
    if (n) {
        int64_t *users = malloc(n * sizeof *users);
        if (users) gr_graph_edges(g, users, NULL, NULL, NULL, n);
        free(users);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fz_write("interactions.txt", data, size);
    if (!path) return 0;
    gr_load_options opts = GR_LOAD_OPTIONS_INIT;
    opts.format = FUZZ_FORMAT;
    opts.metadata = 0;
    /* names, or the choice between them and integers (which covers the
     * integers' errors): a seed loads either way */
    opts.ids = size % 2 ? GR_IDS_NAMES : GR_IDS_AUTO;
    gr_graph *g = NULL;
    if (gr_graph_load(&g, path, &opts) != GR_OK) {
        fz_touch_error();
        return 0;
    }
    fz_note_loaded();
    walk(g);
    fz_features(g);
    gr_graph *like = NULL;
    if (gr_graph_load_like(&like, g, path, &opts) == GR_OK) walk(like);
    else fz_touch_error();
    gr_graph_free(like);
    gr_graph_free(g);
    return 0;
}
