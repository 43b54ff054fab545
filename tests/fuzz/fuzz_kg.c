/*
 * gr_kg_load() on a triple file with its entity and relation
 * dictionaries, then gr_kg_load_like() of a second triple file: the input
 * is a file set (fuzz_util.h) of train.txt, entities.dict, relations.dict
 * and valid.txt; missing dictionaries number names in order of
 * appearance.  Then the name and id accessors.
 */
#include <stdlib.h>
#include <string.h>

#include <gnnrec.h>

#include "fuzz_util.h"

static const char *const files[] = { "train.txt", "entities.dict", "relations.dict", "valid.txt" };

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    gr_set_num_threads(1);
    return 0;
}

/* Names to ids and back, and the sorted triples. */
static void walk(const gr_kg *kg)
{
    for (size_t e = 0; e < gr_kg_num_entities(kg) && e < 512; e++) {
        const char *name = gr_kg_entity_name(kg, (int64_t)e);
        int64_t id;
        if (name && gr_kg_entity_id(&id, kg, name) != GR_OK) fz_touch_error();
    }
    for (size_t r = 0; r < gr_kg_num_relations(kg) && r < 512; r++) {
        const char *name = gr_kg_relation_name(kg, (int64_t)r);
        int64_t id;
        if (name && gr_kg_relation_id(&id, kg, name) != GR_OK) fz_touch_error();
    }
    size_t n = gr_kg_num_triples(kg) < 4096 ? gr_kg_num_triples(kg) : 0, count;
    if (n) {
        int64_t *h = malloc(n * sizeof *h);
        if (h) gr_kg_triples(&count, kg, h, NULL, NULL, n);
        if (h && count) (void)gr_kg_contains(kg, h[0], 0, h[0]);
        free(h);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!fz_dir()) return 0;
    fz_write_set(files, sizeof files / sizeof *files, data, size);
    gr_kg *kg = NULL;
    if (gr_kg_load(&kg, fz_path("train.txt"), NULL) != GR_OK) {
        fz_touch_error();
        return 0;
    }
    fz_note_loaded();
    walk(kg);
    gr_kg *valid = NULL;
    if (gr_kg_load_like(&valid, kg, fz_path("valid.txt")) == GR_OK) walk(valid);
    else fz_touch_error();
    gr_kg_free(valid);
    gr_kg_free(kg);
    return 0;
}
