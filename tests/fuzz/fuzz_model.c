/*
 * gr_model_load() on a model file, then the calls that read what it
 * holds: recommendations for a known user, for a new user, similar
 * items, scores, and for knowledge-graph kinds triple scores and
 * explanations.  Every section carries a CRC-32, so a mutated file mostly
 * fails its checksum; each input is therefore loaded twice, as it is and
 * with its checksums recomputed, which takes the mutation past the
 * checksums into the section parsers.
 */
#include <stdlib.h>
#include <string.h>

#include <gnnrec.h>

#include "fuzz_util.h"
#include "io/crc32.h"

#define HEADER 24
#define SECTION 24

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    gr_set_num_threads(1);
    return 0;
}

static void put_u32(uint8_t *p, uint32_t v)
{
    for (int k = 0; k < 4; k++) p[k] = (uint8_t)(v >> (8 * k));
}

static uint64_t get_u64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int k = 7; k >= 0; k--) v = v << 8 | p[k];
    return v;
}

/* Recompute the header's and every whole section's checksums
 * (docs/model-format.md); a section running past the end is left as is. */
static void repair(uint8_t *d, size_t size)
{
    if (size < HEADER) return;
    put_u32(d + 20, gr_crc32(0, d, 20));
    size_t pos = HEADER;
    while (size - pos >= SECTION) {
        uint64_t len = get_u64(d + pos + 8);
        if (len > size - pos - SECTION) return;
        put_u32(d + pos + 16, gr_crc32(0, d + pos + SECTION, (size_t)len));
        put_u32(d + pos + 20, gr_crc32(0, d + pos, 20));
        pos += SECTION + (size_t)len;
    }
}

static void use_kg(const gr_model *m, int64_t user, int64_t item)
{
    const gr_kg *kg;
    if (gr_model_kg(&kg, m) != GR_OK) return;
    float s;
    (void)gr_model_score_triple(&s, m, 0, 0, 0);
    gr_explanation paths[4];
    size_t n;
    (void)gr_model_explain(&n, m, user, item, paths, 4);
}

static void use(const gr_model *m)
{
    const gr_graph *g = gr_model_graph(m);
    int64_t user = 0, item = 0, items[8];
    float scores[8];
    size_t n, k = gr_graph_num_items(g) < 8 ? gr_graph_num_items(g) : 8;
    double v;
    (void)gr_model_info(&v, m, "dim");
    if (gr_graph_num_items(g) > 0 && gr_graph_item_id(&item, g, 0) == GR_OK) {
        (void)gr_model_similar_items(&n, m, item, k, NULL, items, scores);
        (void)gr_model_recommend_liked(&n, m, &item, 1, k, NULL, items, scores);
    }
    if (gr_graph_num_users(g) > 0 && gr_graph_user_id(&user, g, 0) == GR_OK) {
        (void)gr_model_recommend(&n, m, user, k, NULL, items, scores);
        (void)gr_model_score(scores, m, user, item);
    }
    use_kg(m, user, item);
}

static void load(const uint8_t *data, size_t size, int first)
{
    const char *path = fz_write("model.gnr", data, size);
    gr_model *m = NULL;
    if (!path) return;
    if (gr_model_load(&m, path) == GR_OK) {
        if (first) fz_note_loaded();
        use(m);
    } else {
        fz_touch_error();
    }
    gr_model_free(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    load(data, size, 1);
    uint8_t *copy = malloc(size ? size : 1);
    if (!copy) return 0;
    memcpy(copy, data, size);
    repair(copy, size);
    if (memcmp(copy, data, size) != 0) load(copy, size, 0);
    free(copy);
    return 0;
}
