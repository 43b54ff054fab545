/* Helpers shared by the unit tests: temporary directories, small files, small graphs. */
#ifndef GR_TESTS_FIXTURES_H
#define GR_TESTS_FIXTURES_H

#include <check.h>
#include <stddef.h>
#include <stdint.h>

/* A fresh temporary directory (removed with its files by fx_rmtree). */
char *fx_tmpdir(void);
/* Remove a directory tree made by fx_tmpdir. */
void fx_rmtree(const char *dir);
/* dir/name, malloc'ed. */
char *fx_path(const char *dir, const char *name);
/* Write text to dir/name; returns the malloc'ed path. */
char *fx_write(const char *dir, const char *name, const char *text);
/* Write n bytes (which may include NUL bytes) to dir/name; returns the path. */
char *fx_write_bytes(const char *dir, const char *name, const void *data, size_t n);
/* The whole file at path (malloc'd; *n its size); fails the test when unreadable. */
unsigned char *fx_read_bytes(const char *path, size_t *n);
/* The shared data directory (GNNREC_DATA or ../shared/data), or NULL when
 * `sub` is absent under it; prints a visible SKIP line in that case. */
const char *fx_data_dir(const char *sub);
/* Run a suite; returns the process exit status (0 pass, 1 fail). */
int fx_run(Suite *s);

/* Exit status meson treats as "skipped". */
#define FX_SKIP 77

#endif

#include <gnnrec.h>

/*
 * A planted-taste interaction graph in memory: users and items fall into
 * `groups` groups; each user rates `per_user` items, 90% from its own group
 * (popular items more often).  Splits into train/test per user (20% test).
 */
typedef struct fx_planted {
    gr_graph *all, *train, *test;
} fx_planted;

void fx_planted_make(fx_planted *p, size_t users, size_t items, size_t groups, size_t per_user, uint64_t seed);
void fx_planted_free(fx_planted *p);
/* Recall@k of ranking items by training popularity (the baseline to beat). */
double fx_popularity_recall(const gr_graph *train, const gr_graph *test, int k);

/*
 * A trainer of `kind` with the given settings: name, value pairs of
 * gr_trainer_set() ending with NULL, each asserted to be accepted:
 *     fx_trainer(GR_MODEL_LIGHTGCN, "dim", "16", "threads", "1", NULL)
 */
gr_trainer *fx_trainer(int kind, ...);
/* More settings on t, the same way. */
void fx_set(gr_trainer *t, ...);
/*
 * The reference LightGCN propagation over a whole normalised adjacency a
 * (gr_norm_adj): out = (1 / (K + 1)) sum_k A^k e0, each layer a product
 * of the whole matrix into a buffer of its own; item_fold (NULL or items
 * x d) receives the item rows' fold of layers 0 .. K-1 (rows from
 * first_item).  With xb (not 0, gr_spmm_bf16_ok(d)) the layers are held in
 * bfloat16 and summed in float, as the trainers' bfloat16 propagation does.
 */
struct gr_spmat;
void fx_propagate_whole(const struct gr_spmat *a, const float *e0, float *out, size_t d, int layers, float *item_fold,
                        size_t first_item, int xb);
/* Whether two models have bit-for-bit the same user vectors. */
int fx_same_user_vectors(const gr_model *a, const gr_model *b);
/* A trainer statistic (gr_trainer_stat); fails the test when it has none. */
double fx_stat(const gr_trainer *t, int stat);

/* A progress callback (gr_trainer_set_progress) that counts the epochs it
 * sees in `calls` and stops the fit after epoch `at` (0: never). */
typedef struct fx_stopper {
    int at, calls;
} fx_stopper;
int fx_stop_at(void *data, int epoch, double loss, double seconds, double valid);

/* n random triples "eH rR eT" over `entities` entities and `relations`
 * relations (uniform, seeded; duplicates merged by gr_kg_from_names). */
gr_kg *fx_random_kg(size_t n, unsigned entities, unsigned relations, uint64_t seed);
