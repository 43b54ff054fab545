/*
 * The calls that parse caller text: gr_trainer_set() (settings by name,
 * values from text), gr_model_kind_from_name() and gr_graph_genre_mask().
 * The input's first byte picks the model kind of the trainer; the rest is
 * lines of name=value.  Each line also goes, whole, to the name parsers.
 */
#include <stdlib.h>
#include <string.h>

#include <gnnrec.h>

#include "fuzz_util.h"

#define KINDS 7

static gr_graph *genres; /* a graph with the MovieLens genre list */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    gr_set_num_threads(1);
    gr_synth_options o = GR_SYNTH_OPTIONS_INIT;
    o.users = 4;
    o.items = 8;
    o.ratings_per_user = 2;
    const char *dir = fz_dir();
    if (dir && gr_synth_write(dir, &o) == GR_OK) gr_graph_load(&genres, dir, NULL);
    return 0;
}

/* 1 when the line is not a setting or sets one. */
static int one_line(gr_trainer *t, char *line)
{
    int kind;
    uint64_t mask;
    (void)gr_model_kind_from_name(&kind, line);
    if (genres) (void)gr_graph_genre_mask(&mask, genres, line);
    char *eq = strchr(line, '=');
    if (!eq) return 1;
    *eq = '\0';
    if (gr_trainer_set(t, line, eq + 1) == GR_OK) return 1;
    fz_touch_error();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    gr_trainer *t = NULL;
    if (gr_trainer_new(&t, 1 + (data[0] + KINDS - 1) % KINDS) != GR_OK) return 0; /* byte k picks kind k */
    char *text = malloc(size);
    if (!text) {
        gr_trainer_free(t);
        return 0;
    }
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';
    int all = 1;
    for (char *line = text, *next; line; line = next) {
        next = strchr(line, '\n');
        if (next) *next++ = '\0';
        all &= one_line(t, line);
    }
    if (all) fz_note_loaded();
    free(text);
    gr_trainer_free(t);
    return 0;
}
