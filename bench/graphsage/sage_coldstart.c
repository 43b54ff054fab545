/*
 * sage_coldstart: how well GraphSAGE ranks movies it has never seen.
 *
 *   sage_coldstart --data DIR [--cold-share 0.1] [--cold-seed 1] [--valid]
 *                  [--k 10,20] [KEY=VALUE ...]
 *
 * DIR is a MovieLens directory with metadata (ml100k: u.data, u.item,
 * u.user).  A share of the rated movies is held out entirely: none of
 * their ratings is in the training graph, and they are never negatives.
 * A GraphSAGE model (BPR unless KEY=VALUE says otherwise) is trained on the
 * rest; each held-out movie then gets its vector from its genres and year
 * alone (gr_model_new_item_vector()), and for every user who rated held-out
 * movies, all held-out movies are ranked by score.  Relevant: the held-out
 * movies the user rated.  Baselines on the same candidates:
 *   genre popularity  - the mean training popularity of the movie's genres
 *   genre affinity    - the user's training share of each genre, summed over
 *                       the movie's genres (personalised, content only)
 *   oracle popularity - the held-out movies' true rating counts (uses the
 *                       answers: a bound for any non-personalised ranking)
 *   random            - the expectation over random orders
 * With --valid the held-out movies are another share of the training movies
 * (the real held-out ones stay out of everything), for choosing settings.
 */
#include <gnnrec.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXK 8

typedef struct opts {
    const char *data;
    double share;
    long seed;
    int valid;
    int ks[MAXK];
    size_t nk;
    int nset;
    char *set[64];
} opts;

static int usage(void)
{
    fputs("usage: sage_coldstart --data DIR [--cold-share R] [--cold-seed S] [--valid] [--k 10,20] [KEY=VALUE ...]\n", stderr);
    return 2;
}

static int parse(opts *o, int argc, char **argv)
{
    memset(o, 0, sizeof *o);
    o->share = 0.1;
    o->seed = 1;
    o->ks[0] = 10;
    o->ks[1] = 20;
    o->nk = 2;
    for (int a = 1; a < argc; a++) {
        const char *s = argv[a];
        int more = a + 1 < argc;
        if (!strcmp(s, "--data") && more) o->data = argv[++a];
        else if (!strcmp(s, "--cold-share") && more) o->share = atof(argv[++a]);
        else if (!strcmp(s, "--cold-seed") && more) o->seed = atol(argv[++a]);
        else if (!strcmp(s, "--valid")) o->valid = 1;
        else if (!strcmp(s, "--k") && more) {
            o->nk = 0;
            for (char *p = argv[++a]; *p && o->nk < MAXK;) {
                o->ks[o->nk++] = (int)strtol(p, &p, 10);
                if (*p == ',') p++;
            }
        } else if (strchr(s, '=') && s[0] != '-' && o->nset < 64) o->set[o->nset++] = argv[a];
        else return usage();
    }
    return o->data && o->share > 0 && o->share < 1 ? 0 : usage();
}

static int fail(const char *what)
{
    fprintf(stderr, "sage_coldstart: %s: %s\n", what, gr_last_error());
    return 1;
}

/* A pseudo-random order of 0..n-1 from a seed (xorshift, Fisher-Yates). */
static void shuffle(size_t *v, size_t n, uint64_t seed)
{
    uint64_t x = seed * 0x9e3779b97f4a7c15ULL + 1;
    for (size_t k = 0; k < n; k++) v[k] = k;
    for (size_t k = n; k > 1; k--) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        size_t j = (size_t)(x % k), t = v[k - 1];
        v[k - 1] = v[j];
        v[j] = t;
    }
}

/* Dense index of an item id (ids sorted once for binary search). */
typedef struct id_index {
    size_t n;
    int64_t *id;
    size_t *k;
} id_index;

static id_index *sorted_items;

static int by_id(const void *a, const void *b)
{
    int64_t x = sorted_items->id[*(const size_t *)a], y = sorted_items->id[*(const size_t *)b];
    return (x > y) - (x < y);
}

static void index_items(id_index *x, const gr_graph *g)
{
    x->n = gr_graph_num_items(g);
    x->id = malloc(x->n * sizeof *x->id);
    x->k = malloc(x->n * sizeof *x->k);
    for (size_t k = 0; k < x->n; k++) {
        gr_graph_item_id(&x->id[k], g, k);
        x->k[k] = k;
    }
    sorted_items = x;
    qsort(x->k, x->n, sizeof *x->k, by_id);
}

static size_t dense_item(const id_index *x, int64_t id)
{
    size_t lo = 0, hi = x->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (x->id[x->k[mid]] < id) lo = mid + 1;
        else hi = mid;
    }
    return x->k[lo];
}

/* The edges of the whole dataset, in external ids. */
typedef struct edges {
    size_t n;
    int64_t *u, *i, *ts;
    float *r;
} edges;

static int read_edges(edges *e, const gr_graph *g)
{
    e->n = gr_graph_num_edges(g);
    e->u = malloc(e->n * sizeof *e->u);
    e->i = malloc(e->n * sizeof *e->i);
    e->ts = malloc(e->n * sizeof *e->ts);
    e->r = malloc(e->n * sizeof *e->r);
    if (!e->u || !e->i || !e->ts || !e->r) return 1;
    return gr_graph_edges(g, e->u, e->i, e->r, e->ts, e->n) != GR_OK;
}

/*
 * Mark the held-out items: cold[k] = 1 for the evaluated ones; with valid,
 * the real held-out ones are 2 (left out of training and evaluation).
 */
static void choose_cold(uint8_t *cold, const gr_graph *all, const opts *o)
{
    size_t ni = gr_graph_num_items(all), nrated = 0, *order = malloc(ni * sizeof *order);
    int64_t *rated = malloc(ni * sizeof *rated);
    for (size_t k = 0; k < ni; k++) {
        int64_t id;
        size_t deg;
        gr_graph_item_id(&id, all, k);
        gr_graph_item_users(&deg, all, id, NULL, NULL, 0);
        cold[k] = 0;
        if (deg > 0) rated[nrated++] = (int64_t)k;
    }
    shuffle(order, nrated, (uint64_t)o->seed);
    size_t nc = (size_t)floor((double)nrated * o->share + 0.5);
    for (size_t k = 0; k < nc; k++) cold[rated[order[k]]] = o->valid ? 2 : 1;
    if (o->valid)
        for (size_t k = nc; k < 2 * nc && k < nrated; k++) cold[rated[order[k]]] = 1;
    free(order);
    free(rated);
}

typedef struct scorer {
    const char *name;
    double sum[MAXK][GR_METRIC_COUNT];
} scorer;

static void add_list(scorer *s, const int64_t *cand, const float *score, size_t nc, const int64_t *rel, size_t nr,
                     const opts *o)
{
    /* rank candidates by score, ties by id */
    int64_t *ranked = malloc(nc * sizeof *ranked);
    size_t *idx = malloc(nc * sizeof *idx);
    for (size_t k = 0; k < nc; k++) idx[k] = k;
    for (size_t a = 1; a < nc; a++)
        for (size_t b = a; b > 0 && (score[idx[b]] > score[idx[b - 1]] ||
                                     (score[idx[b]] == score[idx[b - 1]] && cand[idx[b]] < cand[idx[b - 1]]));
             b--) {
            size_t t = idx[b];
            idx[b] = idx[b - 1];
            idx[b - 1] = t;
        }
    for (size_t k = 0; k < nc; k++) ranked[k] = cand[idx[k]];
    for (size_t q = 0; q < o->nk; q++) {
        double m[GR_METRIC_COUNT];
        gr_metrics_of_list(m, ranked, nc, rel, nr, o->ks[q]);
        for (int j = 0; j < GR_METRIC_COUNT; j++) s->sum[q][j] += m[j];
    }
    free(ranked);
    free(idx);
}

static void configure(gr_trainer *t, const opts *o)
{
    gr_trainer_set(t, "objective", "bpr");
    for (int k = 0; k < o->nset; k++) {
        char name[64];
        const char *eq = strchr(o->set[k], '=');
        snprintf(name, sizeof name, "%.*s", (int)(eq - o->set[k]), o->set[k]);
        if (gr_trainer_set(t, name, eq + 1) != GR_OK) fprintf(stderr, "sage_coldstart: %s\n", gr_last_error());
    }
}

static int on_epoch(void *ud, int epoch, double loss, double seconds, double metric)
{
    (void)ud;
    (void)metric;
    fprintf(stderr, "epoch %3d  loss %.5f  %7.1fs\n", epoch, loss, seconds);
    return 0;
}

int main(int argc, char **argv)
{
    opts o;
    if (parse(&o, argc, argv)) return 2;
    gr_graph *all = NULL, *train = NULL;
    if (gr_graph_load(&all, o.data, NULL) != GR_OK) return fail("loading");
    size_t ni = gr_graph_num_items(all), nu = gr_graph_num_users(all), ng = gr_graph_num_genres(all);
    uint8_t *cold = malloc(ni);
    choose_cold(cold, all, &o);
    id_index ix;
    index_items(&ix, all);
    edges e;
    if (read_edges(&e, all)) return fail("reading edges");
    /* training edges: those of the movies that stay */
    size_t nt = 0;
    edges tr = { 0, malloc(e.n * sizeof(int64_t)), malloc(e.n * sizeof(int64_t)), malloc(e.n * sizeof(int64_t)),
                 malloc(e.n * sizeof(float)) };
    for (size_t k = 0; k < e.n; k++) {
        if (cold[dense_item(&ix, e.i[k])]) continue;
        tr.u[nt] = e.u[k];
        tr.i[nt] = e.i[k];
        tr.ts[nt] = e.ts[k];
        tr.r[nt] = e.r[k];
        nt++;
    }
    if (gr_graph_from_edges_like(&train, all, tr.u, tr.i, tr.r, tr.ts, nt, 0) != GR_OK) return fail("training graph");
    gr_trainer *t;
    gr_trainer_new(&t, GR_MODEL_GRAPHSAGE);
    gr_trainer_set(t, "holdout", "0"); /* a fixed number of epochs on all the data */
    configure(t, &o);
    gr_trainer_set_progress(t, on_epoch, NULL);
    gr_model *m;
    if (gr_trainer_fit(&m, t, train) != GR_OK) return fail("training");
    size_t d = gr_model_dim(m);
    /* candidates: the evaluated held-out movies, with their model scores' ingredients */
    size_t nc = 0;
    int64_t *cand = malloc(ni * sizeof *cand);
    float *ivec = malloc(ni * d * sizeof *ivec), *ibias = malloc(ni * sizeof *ibias);
    double *gpop = calloc(ng + 1, sizeof *gpop), *gcount = calloc(ng + 1, sizeof *gcount);
    double *oracle = calloc(ni, sizeof *oracle);
    for (size_t k = 0; k < ni; k++) {
        int64_t id;
        gr_graph_item_id(&id, all, k);
        uint64_t gm = gr_graph_item_genres(all, id);
        size_t deg = 0;
        gr_graph_item_users(&deg, train, id, NULL, NULL, 0);
        for (size_t g = 0; g < ng; g++)
            if (!cold[k] && (gm >> g & 1)) {
                gpop[g] += (double)deg;
                gcount[g] += 1;
            }
        if (cold[k] != 1) continue;
        gr_new_item it = GR_NEW_ITEM_INIT;
        it.genres = gm;
        it.year = gr_graph_item_year(all, id);
        if (gr_model_new_item_vector(ivec + nc * d, d, &ibias[nc], m, &it) != GR_OK) return fail("new item vector");
        gr_graph_item_users(&deg, all, id, NULL, NULL, 0);
        oracle[nc] = (double)deg;
        cand[nc++] = id;
    }
    scorer sc[5] = { { "graphsage", { { 0 } } }, { "genre popularity", { { 0 } } }, { "genre affinity", { { 0 } } },
                     { "oracle popularity", { { 0 } } }, { "random", { { 0 } } } };
    float *score = malloc(nc * sizeof *score), *uv = malloc(d * sizeof *uv);
    int64_t *rel = malloc(ni * sizeof *rel), *items = malloc(ni * sizeof *items);
    double *share = malloc((ng + 1) * sizeof *share);
    size_t users = 0;
    for (size_t uk = 0; uk < nu; uk++) {
        int64_t uid;
        size_t deg = 0, nr = 0;
        gr_graph_user_id(&uid, all, uk);
        gr_graph_user_items(&deg, all, uid, items, NULL, ni);
        for (size_t k = 0; k < deg; k++)
            if (cold[dense_item(&ix, items[k])] == 1) rel[nr++] = items[k];
        if (nr == 0) continue;
        users++;
        gr_model_user_vector(uv, d, m, uid);
        for (size_t c = 0; c < nc; c++) {
            float s = ibias[c];
            for (size_t j = 0; j < d; j++) s += uv[j] * ivec[c * d + j];
            score[c] = s;
        }
        add_list(&sc[0], cand, score, nc, rel, nr, &o);
        for (size_t c = 0; c < nc; c++) {
            uint64_t gm = gr_graph_item_genres(all, cand[c]);
            double s = 0, n = 0;
            for (size_t g = 0; g < ng; g++)
                if (gm >> g & 1) {
                    s += gcount[g] > 0 ? gpop[g] / gcount[g] : 0;
                    n++;
                }
            score[c] = (float)(n > 0 ? s / n : 0);
        }
        add_list(&sc[1], cand, score, nc, rel, nr, &o);
        /* the user's genre shares among the training items */
        size_t tdeg = 0;
        gr_graph_user_items(&tdeg, train, uid, items, NULL, ni);
        for (size_t g = 0; g < ng; g++) share[g] = 0;
        for (size_t k = 0; k < tdeg; k++) {
            uint64_t gm = gr_graph_item_genres(all, items[k]);
            for (size_t g = 0; g < ng; g++) share[g] += (double)(gm >> g & 1) / (double)(tdeg ? tdeg : 1);
        }
        for (size_t c = 0; c < nc; c++) {
            uint64_t gm = gr_graph_item_genres(all, cand[c]);
            double s = 0;
            for (size_t g = 0; g < ng; g++) s += (gm >> g & 1) ? share[g] : 0;
            score[c] = (float)s;
        }
        add_list(&sc[2], cand, score, nc, rel, nr, &o);
        for (size_t c = 0; c < nc; c++) score[c] = (float)oracle[c];
        add_list(&sc[3], cand, score, nc, rel, nr, &o);
        /* random order, in expectation: each rank holds a relevant movie with probability nr / nc */
        for (size_t q = 0; q < o.nk; q++) {
            double kk = o.ks[q] < (int)nc ? o.ks[q] : (double)nc, dcg = 0, idcg = 0;
            for (int r = 0; r < (int)kk; r++) dcg += ((double)nr / (double)nc) / log2(r + 2.0);
            for (int r = 0; r < (int)kk && r < (int)nr; r++) idcg += 1 / log2(r + 2.0);
            sc[4].sum[q][GR_METRIC_RECALL] += kk / (double)nc;
            sc[4].sum[q][GR_METRIC_NDCG] += dcg / idcg;
        }
    }
    printf("{\"held_out_movies\": %zu, \"users\": %zu, \"training_edges\": %zu, \"valid\": %d", nc, users, nt, o.valid);
    for (int s = 0; s < 5; s++)
        for (size_t q = 0; q < o.nk; q++)
            printf(", \"%s recall@%d\": %.4f, \"%s ndcg@%d\": %.4f", sc[s].name, o.ks[q], sc[s].sum[q][GR_METRIC_RECALL] / (double)users,
                   sc[s].name, o.ks[q], sc[s].sum[q][GR_METRIC_NDCG] / (double)users);
    printf("}\n");
    return 0;
}
