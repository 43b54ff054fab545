/*
 * Synthetic MovieLens-format datasets with planted taste structure.
 *
 * Each user has favourite genres; items of those genres are chosen more
 * often (weighted by a power-law popularity) and rated higher.  Age,
 * gender and occupation are drawn from the favourite genres, so user
 * features predict tastes for users without ratings.  Every draw comes
 * from a counter-based stream keyed by the seed, so one seed gives the
 * same files on every machine.
 */
#include <gnnrec/graph.h>
#include <gnnrec/synth.h>

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/err.h"
#include "core/mem.h"
#include "core/rng.h"
#include "io/atomic_file.h"
#include "io/metadata.h"

/* Genres are those of MovieLens 1M: gr_ml100k_genres[1..18]. */
#define N_GENRES 18
#define NO_GENRE 255

/* Who likes a genre: drawn into the demographics of its fans. */
typedef struct genre_profile {
    double weight; /* share of items and of fans */
    int age;       /* mean age of fans */
    double male;   /* share of male fans */
    int occ[2];    /* typical occupations (ML-1M codes) */
} genre_profile;

static const genre_profile profiles[N_GENRES] = {
    { 2.0, 27, 0.78, { 12, 17 } }, /* Action */
    { 1.2, 30, 0.66, { 17, 7 } },  /* Adventure */
    { 0.6, 14, 0.50, { 10, 4 } },  /* Animation */
    { 0.7, 12, 0.48, { 10, 9 } },  /* Children's */
    { 3.0, 24, 0.52, { 4, 14 } },  /* Comedy */
    { 1.0, 36, 0.66, { 11, 7 } },  /* Crime */
    { 0.5, 46, 0.50, { 1, 15 } },  /* Documentary */
    { 3.0, 40, 0.40, { 1, 20 } },  /* Drama */
    { 0.6, 21, 0.56, { 4, 2 } },   /* Fantasy */
    { 0.3, 56, 0.62, { 13, 20 } }, /* Film-Noir */
    { 0.8, 22, 0.62, { 4, 19 } },  /* Horror */
    { 0.5, 50, 0.30, { 9, 13 } },  /* Musical */
    { 0.6, 45, 0.45, { 20, 13 } }, /* Mystery */
    { 1.5, 31, 0.25, { 9, 3 } },   /* Romance */
    { 1.0, 29, 0.82, { 12, 15 } }, /* Sci-Fi */
    { 1.8, 33, 0.60, { 7, 17 } },  /* Thriller */
    { 0.5, 55, 0.86, { 13, 18 } }, /* War */
    { 0.4, 58, 0.80, { 13, 8 } },  /* Western */
};

/* The 100K occupation names, and the one each ML-1M code is written as. */
static const char *const occ100k[] = {
    "administrator", "artist",     "doctor",   "educator",   "engineer",  "entertainment",
    "executive",     "healthcare", "homemaker", "lawyer",    "librarian", "marketing",
    "none",          "other",      "programmer", "retired",  "salesman",  "scientist",
    "student",       "technician", "writer",
};
static const int occ1m_to_100k[GR_ML1M_OCCUPATIONS] = {
    13, 3, 1, 0, 18, 16, 7, 6, 13, 8, 18, 9, 14, 15, 11, 17, 5, 4, 19, 12, 20,
};

/* Streams of the random draws: one for items, one per user. */
enum { STREAM_ITEMS = 1, STREAM_USERS = 1000 };

typedef struct sitem {
    uint8_t g[2]; /* genres; g[1] is NO_GENRE for single-genre items */
    int year;
    double pop;     /* popularity weight */
    double quality; /* shifts every rating of the item */
} sitem;

typedef struct suser {
    uint8_t fav[3], nfav;
    int age;
    char gender;
    int occ; /* ML-1M code */
    unsigned zip;
    size_t degree;
    double bias;
} suser;

typedef struct synth {
    gr_synth_options o;
    sitem *item;
    suser *user;
    /* items of genre g: gitem[gstart[g] .. gstart[g+1]) with cumulative
     * popularity gcum over the same range; cum over all items */
    size_t gstart[N_GENRES + 1];
    uint32_t *gitem;
    double *gcum, *cum;
    uint32_t *mark; /* mark[i] == user + 1: item i already chosen */
} synth;

/* ---- draws ------------------------------------------------------------- */

static int draw_genre(gr_rng *r)
{
    double total = 0;
    for (int g = 0; g < N_GENRES; g++) total += profiles[g].weight;
    double x = gr_rng_unit(r) * total;
    for (int g = 0; g < N_GENRES; g++) {
        x -= profiles[g].weight;
        if (x < 0) return g;
    }
    return N_GENRES - 1;
}

/* Index of the first cum[k] > x in cum[0, n) (the weighted draw). */
static size_t upper_bound(const double *cum, size_t n, double x)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cum[mid] > x) hi = mid;
        else lo = mid + 1;
    }
    return lo < n ? lo : n - 1;
}

/* ---- items ------------------------------------------------------------- */

static void make_items(synth *s, uint32_t *perm)
{
    size_t n = s->o.items;
    gr_rng r = gr_rng_make(s->o.seed, STREAM_ITEMS);
    for (size_t i = 0; i < n; i++) perm[i] = (uint32_t)i;
    /* popularity by rank of a random permutation: Zipf with exponent 1.1,
     * which gives the top tenth of items about 40% of ratings, as in ML-100K */
    for (size_t i = n - 1; i > 0; i--) {
        size_t j = gr_rng_below(&r, (uint32_t)(i + 1));
        uint32_t t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
    }
    for (size_t i = 0; i < n; i++) {
        sitem *it = &s->item[i];
        it->g[0] = (uint8_t)draw_genre(&r);
        it->g[1] = NO_GENRE;
        if (gr_rng_unit(&r) < 0.45) {
            int g = draw_genre(&r);
            if (g != it->g[0]) it->g[1] = (uint8_t)g;
        }
        /* more recent films are more numerous */
        it->year = 2020 - (int)(71.0 * pow(gr_rng_unit(&r), 1.6));
        if (it->year < 1950) it->year = 1950;
        it->pop = pow((double)perm[i] + 1.0, -1.1);
        it->quality = 0.35 * gr_rng_normal(&r);
    }
}

/* Per-genre item lists with cumulative popularity, for weighted draws. */
static void index_genres(synth *s)
{
    size_t n = s->o.items, count[N_GENRES] = { 0 };
    for (size_t i = 0; i < n; i++)
        for (int k = 0; k < 2; k++)
            if (s->item[i].g[k] != NO_GENRE) count[s->item[i].g[k]]++;
    s->gstart[0] = 0;
    for (int g = 0; g < N_GENRES; g++) s->gstart[g + 1] = s->gstart[g] + count[g];
    size_t fill[N_GENRES];
    memcpy(fill, s->gstart, sizeof fill);
    for (size_t i = 0; i < n; i++)
        for (int k = 0; k < 2; k++)
            if (s->item[i].g[k] != NO_GENRE) s->gitem[fill[s->item[i].g[k]]++] = (uint32_t)i;
    for (int g = 0; g < N_GENRES; g++) {
        double acc = 0;
        for (size_t k = s->gstart[g]; k < s->gstart[g + 1]; k++) s->gcum[k] = acc += s->item[s->gitem[k]].pop;
    }
    double acc = 0;
    for (size_t i = 0; i < n; i++) s->cum[i] = acc += s->item[i].pop;
}

/* ---- users ------------------------------------------------------------- */

static void draw_favourites(suser *u, gr_rng *r)
{
    double x = gr_rng_unit(r);
    int want = x < 0.3 ? 1 : x < 0.75 ? 2 : 3;
    u->nfav = 0;
    for (int tries = 0; u->nfav < want && tries < 50; tries++) {
        int g = draw_genre(r), dup = 0;
        for (int k = 0; k < u->nfav; k++) dup |= u->fav[k] == g;
        if (!dup) u->fav[u->nfav++] = (uint8_t)g;
    }
}

/* Demographics follow the favourite genres, with noise. */
static void draw_demographics(suser *u, gr_rng *r)
{
    double age = 0, male = 0;
    for (int k = 0; k < u->nfav; k++) {
        age += profiles[u->fav[k]].age;
        male += profiles[u->fav[k]].male;
    }
    age = age / u->nfav + 6.0 * gr_rng_normal(r);
    u->age = age < 7 ? 7 : age > 73 ? 73 : (int)lround(age);
    u->gender = gr_rng_unit(r) < male / u->nfav ? 'M' : 'F';
    if (gr_rng_unit(r) < 0.6) {
        const genre_profile *p = &profiles[u->fav[gr_rng_below(r, u->nfav)]];
        u->occ = p->occ[gr_rng_below(r, 2)];
    } else {
        u->occ = (int)gr_rng_below(r, GR_ML1M_OCCUPATIONS);
    }
    u->zip = 10000 + gr_rng_below(r, 90000);
}

/* Heavy-tailed degree with mean about ratings_per_user. */
static size_t draw_degree(const gr_synth_options *o, gr_rng *r)
{
    const double sigma = 0.8;
    double d = (double)o->ratings_per_user * exp(sigma * gr_rng_normal(r) - 0.5 * sigma * sigma);
    size_t lo = o->items < 5 ? o->items : 5;
    if (d < (double)lo) return lo;
    if (d > (double)o->items) return o->items;
    return (size_t)lround(d);
}

static void make_users(synth *s)
{
    for (size_t u = 0; u < s->o.users; u++) {
        gr_rng r = gr_rng_make(s->o.seed, STREAM_USERS + 2 * (uint64_t)u);
        suser *us = &s->user[u];
        draw_favourites(us, &r);
        draw_demographics(us, &r);
        us->degree = draw_degree(&s->o, &r);
        us->bias = 0.3 * gr_rng_normal(&r);
    }
}

/* ---- ratings ----------------------------------------------------------- */

/* A not yet chosen item: mostly of a favourite genre, by popularity. */
static uint32_t choose_item(synth *s, const suser *u, uint32_t stamp, gr_rng *r)
{
    for (int tries = 0; tries < 64; tries++) {
        size_t i;
        int g = u->fav[gr_rng_below(r, u->nfav)];
        size_t a = s->gstart[g], n = s->gstart[g + 1] - a;
        if (gr_rng_unit(r) < 0.8 && n > 0) {
            double x = gr_rng_unit(r) * s->gcum[a + n - 1];
            i = s->gitem[a + upper_bound(s->gcum + a, n, x)];
        } else {
            double x = gr_rng_unit(r) * s->cum[s->o.items - 1];
            i = upper_bound(s->cum, s->o.items, x);
        }
        if (s->mark[i] != stamp) return (uint32_t)i;
    }
    /* a user who has rated most of the catalogue: take the next free item */
    size_t i = gr_rng_below(r, (uint32_t)s->o.items);
    while (s->mark[i] == stamp) i = (i + 1) % s->o.items;
    return (uint32_t)i;
}

static int rate(const sitem *it, const suser *u, gr_rng *r)
{
    int match = 0;
    for (int k = 0; k < u->nfav; k++) match |= it->g[0] == u->fav[k] || it->g[1] == u->fav[k];
    double x = (match ? 4.1 : 2.4) + it->quality + u->bias + 0.75 * gr_rng_normal(r);
    long v = lround(x);
    return v < 1 ? 1 : v > 5 ? 5 : (int)v;
}

/* Write the ratings of every user, user after user, in time order. */
static void write_ratings(synth *s, gr_afile *f, int format)
{
    const char *fmt = format == GR_FORMAT_ML1M ? "%zu::%u::%d::%lld\n" : "%zu\t%u\t%d\t%lld\n";
    for (size_t u = 0; u < s->o.users; u++) {
        const suser *us = &s->user[u];
        gr_rng r = gr_rng_make(s->o.seed, STREAM_USERS + 2 * (uint64_t)u + 1);
        uint32_t stamp = (uint32_t)(u + 1);
        long long t = 880000000LL + gr_rng_below(&r, 3 * 365 * 86400);
        for (size_t k = 0; k < us->degree; k++) {
            uint32_t i = choose_item(s, us, stamp, &r);
            s->mark[i] = stamp;
            t += 60 + gr_rng_below(&r, 3 * 86400);
            gr_afile_printf(f, fmt, u + 1, (unsigned)i + 1, rate(&s->item[i], us, &r), t);
        }
    }
}

/* ---- metadata files ---------------------------------------------------- */

/* Titles in MovieLens style; a few carry an article after a comma, quotes
 * or a latin-1 accent (written as the single byte 0xE9, as in ML-100K and
 * ML-1M), so that readers meet those cases. */
static void write_title(gr_afile *f, size_t id, int year)
{
    if (id % 53 == 7) gr_afile_printf(f, "Synthetic Film %zu, The (%d)", id, year);
    else if (id % 61 == 11) gr_afile_printf(f, "\"Synthetic\" Film %zu (%d)", id, year);
    else if (id % 67 == 13) gr_afile_printf(f, "Film Synth\xE9tique %zu (%d)", id, year);
    else gr_afile_printf(f, "Synthetic Film %zu (%d)", id, year);
}

static void write_uitem(synth *s, gr_afile *f)
{
    for (size_t i = 0; i < s->o.items; i++) {
        const sitem *it = &s->item[i];
        gr_afile_printf(f, "%zu|", i + 1);
        write_title(f, i + 1, it->year);
        gr_afile_printf(f, "|01-Jan-%d||http://example.org/film/%zu", it->year, i + 1);
        /* flag 0 is "unknown", flags 1..18 the genres */
        for (int g = -1; g < N_GENRES; g++)
            gr_afile_printf(f, "|%d", g >= 0 && (it->g[0] == g || it->g[1] == g));
        gr_afile_printf(f, "\n");
    }
}

static void write_movies_dat(synth *s, gr_afile *f)
{
    for (size_t i = 0; i < s->o.items; i++) {
        const sitem *it = &s->item[i];
        gr_afile_printf(f, "%zu::", i + 1);
        write_title(f, i + 1, it->year);
        gr_afile_printf(f, "::%s", gr_ml100k_genres[it->g[0] + 1]);
        if (it->g[1] != NO_GENRE) gr_afile_printf(f, "|%s", gr_ml100k_genres[it->g[1] + 1]);
        gr_afile_printf(f, "\n");
    }
}

static void write_uuser(synth *s, gr_afile *f)
{
    for (size_t u = 0; u < s->o.users; u++) {
        const suser *us = &s->user[u];
        gr_afile_printf(f, "%zu|%d|%c|%s|%05u\n", u + 1, us->age, us->gender,
                        occ100k[occ1m_to_100k[us->occ]], us->zip);
    }
}

/* The ML-1M age group of an age. */
static int age_group(int age)
{
    static const int lower[] = { 56, 50, 45, 35, 25, 18 };
    for (size_t k = 0; k < sizeof lower / sizeof lower[0]; k++)
        if (age >= lower[k]) return lower[k];
    return 1;
}

static void write_users_dat(synth *s, gr_afile *f)
{
    for (size_t u = 0; u < s->o.users; u++) {
        const suser *us = &s->user[u];
        gr_afile_printf(f, "%zu::%c::%d::%d::%05u\n", u + 1, us->gender, age_group(us->age), us->occ,
                        us->zip);
    }
}

static void write_ugenre(gr_afile *f)
{
    for (int g = 0; g < GR_ML100K_GENRES; g++) gr_afile_printf(f, "%s|%d\n", gr_ml100k_genres[g], g);
    gr_afile_printf(f, "\n");
}

static void write_uoccupation(gr_afile *f)
{
    for (size_t k = 0; k < sizeof occ100k / sizeof occ100k[0]; k++) gr_afile_printf(f, "%s\n", occ100k[k]);
}

/* ---- files ------------------------------------------------------------- */

#define MAX_FILES 5

static const char *const names_100k[] = { "u.data", "u.item", "u.user", "u.genre", "u.occupation" };
static const char *const names_1m[] = { "ratings.dat", "movies.dat", "users.dat" };

static int open_all(gr_afile *f, size_t n, const char *dir, const char *const *names)
{
    for (size_t k = 0; k < n; k++) {
        size_t len = strlen(dir) + strlen(names[k]) + 2;
        char *p = gr_alloc(len, 1);
        if (!p) return GR_ENOMEM;
        snprintf(p, len, "%s/%s", dir, names[k]);
        int rc = gr_afile_open(&f[k], p);
        free(p);
        GR_TRY(rc);
    }
    return GR_OK;
}

static void write_all(synth *s, gr_afile *f)
{
    if (s->o.format == GR_FORMAT_ML1M) {
        write_ratings(s, &f[0], GR_FORMAT_ML1M);
        write_movies_dat(s, &f[1]);
        write_users_dat(s, &f[2]);
    } else {
        write_ratings(s, &f[0], GR_FORMAT_ML100K);
        write_uitem(s, &f[1]);
        write_uuser(s, &f[2]);
        write_ugenre(&f[3]);
        write_uoccupation(&f[4]);
    }
}

static int write_files(synth *s, const char *dir)
{
    int is_1m = s->o.format == GR_FORMAT_ML1M;
    size_t n = is_1m ? 3 : 5;
    gr_afile f[MAX_FILES];
    memset(f, 0, sizeof f);
    int rc = open_all(f, n, dir, is_1m ? names_1m : names_100k);
    if (rc == GR_OK) write_all(s, f);
    for (size_t k = 0; k < n; k++) {
        if (rc == GR_OK) rc = gr_afile_commit(&f[k]);
        else gr_afile_abort(&f[k]);
    }
    return rc;
}

/* mkdir -p */
static int make_dir(const char *dir)
{
    char *p = gr_strdup(dir);
    if (!p) return GR_ENOMEM;
    int rc = GR_OK;
    for (char *q = p + 1;; q++) {
        if (*q != '/' && *q != '\0') continue;
        char c = *q;
        *q = '\0';
        if (mkdir(p, 0777) != 0 && errno != EEXIST) {
            rc = gr_err(GR_EIO, "%s: cannot create directory: %s", p, strerror(errno));
            break;
        }
        *q = c;
        if (!c) break;
    }
    free(p);
    if (rc == GR_OK) {
        struct stat st;
        if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
            rc = gr_err(GR_EIO, "%s: cannot create directory: %s", dir, strerror(ENOTDIR));
    }
    return rc;
}

/* ---- entry ------------------------------------------------------------- */

static int check_options(const gr_synth_options *o)
{
    if (o->version < 1 || o->version > GR_SYNTH_OPTIONS_VERSION)
        return gr_err(GR_EINVAL, "synth: options version %u unknown (initialise with GR_SYNTH_OPTIONS_INIT)",
                      o->version);
    if (o->users < 2 || o->users > 100000000)
        return gr_err(GR_EINVAL, "synth: users must be from 2 to 100000000, got %zu", o->users);
    if (o->items < 2 || o->items > 10000000)
        return gr_err(GR_EINVAL, "synth: items must be from 2 to 10000000, got %zu", o->items);
    if (o->ratings_per_user < 1 || o->ratings_per_user > o->items)
        return gr_err(GR_EINVAL, "synth: ratings_per_user must be from 1 to items (%zu), got %zu", o->items,
                      o->ratings_per_user);
    if (o->format != GR_FORMAT_ML100K && o->format != GR_FORMAT_ML1M)
        return gr_err(GR_EINVAL, "synth: format must be GR_FORMAT_ML100K or GR_FORMAT_ML1M, got %d", o->format);
    return GR_OK;
}

static void synth_free(synth *s)
{
    free(s->item);
    free(s->user);
    free(s->gitem);
    free(s->gcum);
    free(s->cum);
    free(s->mark);
}

static int synth_alloc(synth *s)
{
    size_t ni = s->o.items;
    s->item = gr_alloc(ni, sizeof *s->item);
    s->user = gr_alloc(s->o.users, sizeof *s->user);
    s->gitem = gr_alloc(2 * ni, sizeof *s->gitem);
    s->gcum = gr_alloc(2 * ni, sizeof *s->gcum);
    s->cum = gr_alloc(ni, sizeof *s->cum);
    s->mark = gr_zalloc(ni, sizeof *s->mark);
    return s->item && s->user && s->gitem && s->gcum && s->cum && s->mark ? GR_OK : GR_ENOMEM;
}

int gr_synth_write(const char *dir, const gr_synth_options *opts)
{
    static const gr_synth_options defaults = GR_SYNTH_OPTIONS_INIT;
    if (!dir || !*dir) return gr_err(GR_EINVAL, "synth: no directory given");
    synth s;
    memset(&s, 0, sizeof s);
    s.o = opts ? *opts : defaults;
    GR_TRY(check_options(&s.o));
    GR_TRY(make_dir(dir));
    int rc = synth_alloc(&s);
    if (rc == GR_OK) {
        /* gitem doubles as the permutation scratch before it is filled */
        make_items(&s, s.gitem);
        index_genres(&s);
        make_users(&s);
        rc = write_files(&s, dir);
    }
    synth_free(&s);
    return rc;
}
