#include "fixtures.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *fx_tmpdir(void)
{
    const char *base = getenv("TMPDIR");
    char *tmpl = malloc(4096);
    snprintf(tmpl, 4096, "%s/gnnrec-test-XXXXXX", base && *base ? base : "/tmp");
    ck_assert_ptr_nonnull(mkdtemp(tmpl));
    return tmpl;
}

void fx_rmtree(const char *dir)
{
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "warning: could not remove %s\n", dir);
}

char *fx_path(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    snprintf(p, n, "%s/%s", dir, name);
    return p;
}

char *fx_write(const char *dir, const char *name, const char *text)
{
    char *p = fx_path(dir, name);
    FILE *f = fopen(p, "wb");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
    return p;
}

char *fx_write_bytes(const char *dir, const char *name, const void *data, size_t n)
{
    char *p = fx_path(dir, name);
    FILE *f = fopen(p, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(data, 1, n, f), n);
    fclose(f);
    return p;
}

unsigned char *fx_read_bytes(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    fseek(f, 0, SEEK_END);
    *n = (size_t)ftell(f);
    rewind(f);
    unsigned char *b = malloc(*n);
    ck_assert_uint_eq(fread(b, 1, *n, f), *n);
    fclose(f);
    return b;
}

const char *fx_data_dir(const char *sub)
{
    static char buf[4096];
    const char *env = getenv("GNNREC_DATA");
    const char *base = env && *env ? env : GNNREC_SHARED_DATA;
    snprintf(buf, sizeof buf, "%s/%s", base, sub);
    struct stat st;
    if (stat(buf, &st) != 0) {
        printf("SKIP: %s not found (set GNNREC_DATA to the directory holding %s)\n", buf, sub);
        return NULL;
    }
    return buf;
}

int fx_run(Suite *s)
{
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}

#include <stdarg.h>

#include "core/rng.h"
#include "eval/ranking.h"
#include "graph/graph.h"
#include "kg/kg.h"
#include "kernels/spmm.h"
#include "models/lightgcn.h"

void fx_planted_make(fx_planted *p, size_t users, size_t items, size_t groups, size_t per_user, uint64_t seed)
{
    size_t n = users * per_user;
    int64_t *u = malloc(n * sizeof *u), *it = malloc(n * sizeof *it);
    int64_t *ts = malloc(n * sizeof *ts);
    float *r = malloc(n * sizeof *r);
    gr_rng rng = gr_rng_make(seed, 77);
    size_t per_group = items / groups;
    for (size_t a = 0; a < users; a++) {
        size_t g = a % groups;
        for (size_t k = 0; k < per_user; k++) {
            size_t e = a * per_user + k;
            int own = gr_rng_unit(&rng) < 0.9;
            size_t grp = own ? g : gr_rng_below(&rng, (uint32_t)groups);
            /* squaring a uniform favours the low (popular) ranks of the group */
            double x = gr_rng_unit(&rng);
            size_t rank = (size_t)(x * x * (double)per_group);
            u[e] = (int64_t)(1000 + a);
            it[e] = (int64_t)(5000 + grp * per_group + rank);
            r[e] = own ? 5.0f : 2.0f;
            ts[e] = (int64_t)(1000000 + e);
        }
    }
    ck_assert_int_eq(gr_graph_from_edges(&p->all, u, it, r, ts, n, 0), GR_OK);
    gr_split_options so = GR_SPLIT_OPTIONS_INIT;
    so.valid_ratio = 0;
    so.test_ratio = 0.2;
    so.seed = seed;
    ck_assert_int_eq(gr_graph_split(&p->train, NULL, &p->test, p->all, &so), GR_OK);
    free(u);
    free(it);
    free(ts);
    free(r);
}

void fx_planted_free(fx_planted *p)
{
    gr_graph_free(p->all);
    gr_graph_free(p->train);
    gr_graph_free(p->test);
}

double fx_popularity_recall(const gr_graph *train, const gr_graph *test, int k)
{
    size_t ni = train->n_items, stride = (ni + 15) & ~(size_t)15;
    float *uv = calloc(train->n_users, sizeof *uv);
    float *it = calloc(stride, sizeof *it);
    for (size_t u = 0; u < train->n_users; u++) uv[u] = 1.0f;
    for (size_t i = 0; i < ni; i++) it[i] = (float)gr_csr_degree(&train->iu, i);
    /* at width 1 the transposed items are their rows too */
    gr_rank_source src = { train->n_users, ni, 1, uv, it, stride, NULL, train->cat, NULL, it, 0, 0, 0 };
    double out[GR_METRIC_COUNT];
    ck_assert_int_eq(gr_rank_eval(out, NULL, &src, train, test, &k, 1), GR_OK);
    free(uv);
    free(it);
    return out[GR_METRIC_RECALL];
}

static void vset(gr_trainer *t, va_list ap)
{
    for (const char *name; (name = va_arg(ap, const char *)) != NULL;) {
        const char *value = va_arg(ap, const char *);
        if (gr_trainer_set(t, name, value) != GR_OK)
            ck_abort_msg("setting %s=%s: %s", name, value, gr_last_error());
    }
}

gr_trainer *fx_trainer(int kind, ...)
{
    gr_trainer *t;
    ck_assert_int_eq(gr_trainer_new(&t, kind), GR_OK);
    va_list ap;
    va_start(ap, kind);
    vset(t, ap);
    va_end(ap);
    return t;
}

void fx_set(gr_trainer *t, ...)
{
    va_list ap;
    va_start(ap, t);
    vset(t, ap);
    va_end(ap);
}

double fx_stat(const gr_trainer *t, int stat)
{
    double v;
    ck_assert_int_eq(gr_trainer_stat(&v, t, stat), GR_OK);
    return v;
}

int fx_stop_at(void *data, int epoch, double loss, double seconds, double valid)
{
    (void)loss, (void)seconds, (void)valid;
    fx_stopper *s = data;
    s->calls++;
    return s->at > 0 && epoch >= s->at;
}

int fx_same_user_vectors(const gr_model *a, const gr_model *b)
{
    size_t nu = gr_graph_num_users(gr_model_graph(a)), d = gr_model_dim(a);
    if (gr_graph_num_users(gr_model_graph(b)) != nu || gr_model_dim(b) != d) return 0;
    float *x = malloc(nu * d * sizeof *x), *y = malloc(nu * d * sizeof *y);
    ck_assert_int_eq(gr_model_user_vectors(x, nu, d, a), GR_OK);
    ck_assert_int_eq(gr_model_user_vectors(y, nu, d, b), GR_OK);
    int same = memcmp(x, y, nu * d * sizeof *x) == 0;
    free(x);
    free(y);
    return same;
}

gr_kg *fx_random_kg(size_t n, unsigned entities, unsigned relations, uint64_t seed)
{
    char(*names)[3][12] = malloc(n * sizeof *names);
    const char **h = malloc(n * sizeof *h), **r = malloc(n * sizeof *r), **tl = malloc(n * sizeof *tl);
    gr_rng rng = gr_rng_make(seed, 1);
    for (size_t k = 0; k < n; k++) {
        snprintf(names[k][0], sizeof names[k][0], "e%u", gr_rng_below(&rng, entities));
        snprintf(names[k][1], sizeof names[k][1], "r%u", gr_rng_below(&rng, relations));
        snprintf(names[k][2], sizeof names[k][2], "e%u", gr_rng_below(&rng, entities));
        h[k] = names[k][0];
        r[k] = names[k][1];
        tl[k] = names[k][2];
    }
    gr_kg *kg;
    ck_assert_int_eq(gr_kg_from_names(&kg, NULL, h, r, tl, n), GR_OK);
    free(names);
    free(h);
    free(r);
    free(tl);
    return kg;
}

void fx_propagate_whole(const struct gr_spmat *a, const float *e0, float *out, size_t d, int layers, float *item_fold,
                        size_t first_item, int xb)
{
    const size_t n = a->n, nd = n * d + 1;
    float *f[2] = { malloc(nd * sizeof(float)), malloc(nd * sizeof(float)) };
    uint16_t *b[2] = { malloc(nd * sizeof(uint16_t)), malloc(nd * sizeof(uint16_t)) };
    ck_assert(f[0] && f[1] && b[0] && b[1]);
    memcpy(out, e0, n * d * sizeof *out);
    if (xb) gr_to_bf16_rows(b[0], e0, n, d);
    const float *cur = e0;
    for (int k = 0; k < layers; k++) {
        if (item_fold) gr_lightgcn_fold_layer(item_fold, cur + first_item * d, (n - first_item) * d, k);
        const float scale = k == layers - 1 ? 1.0f / (float)(layers + 1) : 1.0f;
        if (xb) gr_spmm_bf16(a, b[k % 2], b[(k + 1) % 2], out, scale, d);
        else gr_spmm_scaled(a, cur, f[k % 2], out, scale, d);
        cur = f[k % 2];
    }
    free(f[0]);
    free(f[1]);
    free(b[0]);
    free(b[1]);
}
