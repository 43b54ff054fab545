/* Synthetic datasets: files readable by the readers, deterministic,
 * planted structure, option checks. */
#include <gnnrec.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/idmap.h"
#include "fixtures.h"
#include "io/metadata.h"
#include "io/ratings.h"
#include "io/text.h"

static char *tmp;

static void setup(void) { tmp = fx_tmpdir(); }

static void teardown(void)
{
    fx_rmtree(tmp);
    free(tmp);
}

static char *sub(const char *name) { return fx_path(tmp, name); }

static int same_file(const char *dir1, const char *dir2, const char *name)
{
    char *a = fx_path(dir1, name), *b = fx_path(dir2, name);
    size_t na, nb;
    unsigned char *x = fx_read_bytes(a, &na), *y = fx_read_bytes(b, &nb);
    int same = na == nb && memcmp(x, y, na) == 0;
    free(x);
    free(y);
    free(a);
    free(b);
    return same;
}

static size_t popcount(uint64_t m)
{
    size_t c = 0;
    for (; m; m &= m - 1) c++;
    return c;
}

/* Ratings in order: users ascending, timestamps increasing per user,
 * degrees within [min(5, items), items], ratings whole stars 1..5. */
static void check_edges(const gr_edges *e, const gr_synth_options *o)
{
    ck_assert_int_eq(e->has_rating, 1);
    ck_assert_int_eq(e->has_ts, 1);
    size_t lo = o->items < 5 ? o->items : 5, start = 0, users = 0;
    gr_idmap seen;
    gr_idmap_init(&seen);
    for (size_t k = 0; k <= e->n; k++) {
        if (k < e->n && k > start && e->user[k] == e->user[start]) {
            ck_assert_int_gt(gr_edges_ts(e, k), gr_edges_ts(e, k - 1));
            continue;
        }
        if (k > 0) {
            size_t deg = k - start;
            ck_assert_uint_ge(deg, lo);
            ck_assert_uint_le(deg, o->items);
            users++;
            /* no item twice for one user */
            gr_idmap_free(&seen);
            gr_idmap_init(&seen);
            for (size_t j = start; j < k; j++) ck_assert_int_ge(gr_idmap_intern(&seen, e->item[j]), 0);
            ck_assert_uint_eq(seen.n, deg);
        }
        if (k == e->n) break;
        if (k > 0) ck_assert_int_gt(e->user[k], e->user[start]);
        start = k;
    }
    gr_idmap_free(&seen);
    ck_assert_uint_eq(users, o->users);
    for (size_t k = 0; k < e->n; k++) {
        ck_assert(gr_edges_rating(e, k) >= 1.0f && gr_edges_rating(e, k) <= 5.0f && gr_edges_rating(e, k) == (float)(int)gr_edges_rating(e, k));
        ck_assert(e->item[k] >= 1 && e->item[k] <= (int64_t)o->items);
    }
}

START_TEST(writes_a_readable_ml100k_dataset)
{
    gr_synth_options o = GR_SYNTH_OPTIONS_INIT;
    char *dir = sub("nested/ml100k");
    ck_assert_int_eq(gr_synth_write(dir, NULL), GR_OK);
    gr_edges e;
    gr_edges_init(&e);
    ck_assert_int_eq(gr_read_interactions(&e, dir, GR_FORMAT_AUTO, GR_IDS_AUTO), GR_OK);
    check_edges(&e, &o);
    ck_assert_uint_gt(e.n, 500 * 50);
    ck_assert_uint_lt(e.n, 500 * 70);
    gr_edges_free(&e);

    char items[4200], users[4200];
    gr_find_metadata(items, users, sizeof items, dir);
    ck_assert_ptr_nonnull(strstr(items, "/u.item"));
    gr_item_table t;
    ck_assert_int_eq(gr_read_items(&t, items), GR_OK);
    ck_assert_uint_eq(t.n, 800);
    ck_assert_uint_eq(t.n_genres, GR_ML100K_GENRES);
    for (size_t k = 0; k < t.n; k++) {
        const gr_item_info *it = &t.v[k];
        ck_assert_int_eq(it->id, (int64_t)k + 1);
        ck_assert(it->year >= 1950 && it->year <= 2020);
        ck_assert(popcount(it->genres) >= 1 && popcount(it->genres) <= 2);
        ck_assert(!(it->genres & 1)); /* "unknown" is never used */
        ck_assert(gr_utf8_valid(it->title, strlen(it->title)));
    }
    ck_assert_ptr_nonnull(strstr(t.v[6].title, "Synthetic Film 7, The ("));
    ck_assert_ptr_nonnull(strstr(t.v[10].title, "\"Synthetic\" Film 11 ("));
    ck_assert_ptr_nonnull(strstr(t.v[12].title, "Film Synth\xC3\xA9tique 13 ("));
    gr_item_table_free(&t);

    gr_user_table u;
    ck_assert_int_eq(gr_read_users(&u, users), GR_OK);
    ck_assert_uint_eq(u.n, 500);
    ck_assert_uint_eq(u.n_occupations, 21); /* those of u.occupation */
    for (size_t k = 0; k < u.n; k++) {
        ck_assert(u.v[k].age >= 7 && u.v[k].age <= 73);
        ck_assert(u.v[k].gender == 'M' || u.v[k].gender == 'F');
        ck_assert(u.v[k].occupation >= 0 && u.v[k].occupation < 21);
        ck_assert_uint_eq(strlen(u.v[k].zip), 5);
    }
    gr_user_table_free(&u);
    free(dir);
}
END_TEST

START_TEST(writes_a_readable_ml1m_dataset)
{
    gr_synth_options o = GR_SYNTH_OPTIONS_INIT;
    o.format = GR_FORMAT_ML1M;
    o.users = 300;
    o.items = 400;
    o.ratings_per_user = 30;
    char *dir = sub("ml1m");
    ck_assert_int_eq(gr_synth_write(dir, &o), GR_OK);
    char *p = fx_path(dir, "ratings.dat");
    int format;
    ck_assert_int_eq(gr_detect_format(&format, p), GR_OK);
    ck_assert_int_eq(format, GR_FORMAT_ML1M);
    gr_edges e;
    gr_edges_init(&e);
    ck_assert_int_eq(gr_read_interactions(&e, p, GR_FORMAT_AUTO, GR_IDS_AUTO), GR_OK);
    check_edges(&e, &o);
    gr_edges_free(&e);
    free(p);

    char items[4200], users[4200];
    gr_find_metadata(items, users, sizeof items, dir);
    ck_assert_ptr_nonnull(strstr(items, "/movies.dat"));
    ck_assert_ptr_nonnull(strstr(users, "/users.dat"));
    gr_item_table t;
    ck_assert_int_eq(gr_read_items(&t, items), GR_OK);
    ck_assert_uint_eq(t.n, 400);
    ck_assert_uint_le(t.n_genres, 18);
    ck_assert_uint_ge(t.n_genres, 15);
    for (size_t g = 0; g < t.n_genres; g++) {
        int known = 0;
        for (size_t k = 1; k < GR_ML100K_GENRES; k++) known |= strcmp(t.genre[g], gr_ml100k_genres[k]) == 0;
        ck_assert_msg(known, "genre %s", t.genre[g]);
    }
    ck_assert_ptr_nonnull(strstr(t.v[12].title, "Film Synth\xC3\xA9tique 13 ("));
    for (size_t k = 0; k < t.n; k++) ck_assert(t.v[k].year >= 1950 && t.v[k].year <= 2020);
    gr_item_table_free(&t);

    gr_user_table u;
    ck_assert_int_eq(gr_read_users(&u, users), GR_OK);
    ck_assert_uint_eq(u.n, 300);
    static const int groups[] = { 1, 18, 25, 35, 45, 50, 56 };
    for (size_t k = 0; k < u.n; k++) {
        int ok = 0;
        for (size_t g = 0; g < 7; g++) ok |= u.v[k].age == groups[g];
        ck_assert_msg(ok, "age %d", u.v[k].age);
    }
    gr_user_table_free(&u);
    free(dir);
}
END_TEST

START_TEST(same_seed_same_files)
{
    gr_synth_options o = GR_SYNTH_OPTIONS_INIT;
    o.users = 200;
    o.items = 300;
    char *a = sub("a"), *b = sub("b"), *c = sub("c");
    ck_assert_int_eq(gr_synth_write(a, &o), GR_OK);
    ck_assert_int_eq(gr_synth_write(b, &o), GR_OK);
    o.seed = 43;
    ck_assert_int_eq(gr_synth_write(c, &o), GR_OK);
    static const char *const names[] = { "u.data", "u.item", "u.user", "u.genre", "u.occupation" };
    for (size_t k = 0; k < 5; k++) ck_assert_msg(same_file(a, b, names[k]), "%s differs", names[k]);
    ck_assert(!same_file(a, c, "u.data"));
    ck_assert(!same_file(a, c, "u.user"));
    /* writing again over a dataset replaces it with the same files */
    o.seed = 42;
    ck_assert_int_eq(gr_synth_write(c, &o), GR_OK);
    ck_assert(same_file(a, c, "u.data"));
    /* the two formats carry the same ratings */
    o.format = GR_FORMAT_ML1M;
    ck_assert_int_eq(gr_synth_write(c, &o), GR_OK);
    gr_edges x, y;
    gr_edges_init(&x);
    gr_edges_init(&y);
    char *pa = fx_path(a, "u.data"), *pc = fx_path(c, "ratings.dat");
    ck_assert_int_eq(gr_read_interactions(&x, pa, 0, GR_IDS_AUTO), GR_OK);
    ck_assert_int_eq(gr_read_interactions(&y, pc, 0, GR_IDS_AUTO), GR_OK);
    ck_assert_uint_eq(x.n, y.n);
    for (size_t k = 0; k < x.n; k++) {
        ck_assert(x.user[k] == y.user[k] && x.item[k] == y.item[k]);
        ck_assert(gr_edges_rating(&x, k) == gr_edges_rating(&y, k) && gr_edges_ts(&x, k) == gr_edges_ts(&y, k));
    }
    gr_edges_free(&x);
    gr_edges_free(&y);
    free(pa);
    free(pc);
    free(a);
    free(b);
    free(c);
}
END_TEST

/* Statistics of the planted structure, from the files alone. */
START_TEST(plants_tastes_popularity_and_demographics)
{
    gr_synth_options o = GR_SYNTH_OPTIONS_INIT;
    o.users = 2000;
    char *dir = sub("s");
    ck_assert_int_eq(gr_synth_write(dir, &o), GR_OK);
    gr_edges e;
    gr_edges_init(&e);
    ck_assert_int_eq(gr_read_interactions(&e, dir, 0, GR_IDS_AUTO), GR_OK);
    char items[4200], users[4200];
    gr_find_metadata(items, users, sizeof items, dir);
    gr_item_table t;
    gr_user_table u;
    ck_assert_int_eq(gr_read_items(&t, items), GR_OK);
    ck_assert_int_eq(gr_read_users(&u, users), GR_OK);

    /* each user's most rated genre is rated higher than the rest */
    double in_sum = 0, out_sum = 0, age_young = 0, age_old = 0;
    size_t in_n = 0, out_n = 0, young = 0, old = 0;
    int g_kids = -1, g_old[3] = { -1, -1, -1 };
    for (size_t g = 0; g < t.n_genres; g++) {
        if (!strcmp(t.genre[g], "Children's")) g_kids = (int)g;
        if (!strcmp(t.genre[g], "War")) g_old[0] = (int)g;
        if (!strcmp(t.genre[g], "Western")) g_old[1] = (int)g;
        if (!strcmp(t.genre[g], "Film-Noir")) g_old[2] = (int)g;
    }
    for (size_t s = 0, k = 0; s < e.n; s = k) {
        size_t count[64] = { 0 };
        for (k = s; k < e.n && e.user[k] == e.user[s]; k++)
            for (size_t g = 0; g < t.n_genres; g++) count[g] += t.v[e.item[k] - 1].genres >> g & 1;
        size_t top = 0;
        for (size_t g = 1; g < t.n_genres; g++)
            if (count[g] > count[top]) top = g;
        for (size_t j = s; j < k; j++) {
            if (t.v[e.item[j] - 1].genres >> top & 1) in_sum += gr_edges_rating(&e, j), in_n++;
            else out_sum += gr_edges_rating(&e, j), out_n++;
        }
        int age = u.v[e.user[s] - 1].age;
        if ((int)top == g_kids) age_young += age, young++;
        if ((int)top == g_old[0] || (int)top == g_old[1] || (int)top == g_old[2]) age_old += age, old++;
    }
    ck_assert_uint_gt(in_n, out_n / 4);
    ck_assert_double_gt(in_sum / (double)in_n - out_sum / (double)out_n, 0.8);
    /* fans of children's films are younger than fans of war, western and noir */
    ck_assert_uint_gt(young, 10);
    ck_assert_uint_gt(old, 10);
    ck_assert_double_gt(age_old / (double)old - age_young / (double)young, 15.0);

    /* popularity is skewed: the top 10% of items get over a third of ratings */
    size_t *deg = calloc(t.n, sizeof *deg);
    for (size_t k = 0; k < e.n; k++) deg[e.item[k] - 1]++;
    size_t top_sum = 0;
    for (size_t r = 0; r < t.n / 10; r++) {
        size_t best = 0;
        for (size_t i = 1; i < t.n; i++)
            if (deg[i] > deg[best]) best = i;
        top_sum += deg[best];
        deg[best] = 0;
    }
    ck_assert_uint_gt(top_sum * 3, e.n);
    free(deg);
    gr_item_table_free(&t);
    gr_user_table_free(&u);
    gr_edges_free(&e);
    free(dir);
}
END_TEST

START_TEST(tiny_catalogues)
{
    static const size_t sizes[][3] = { { 2, 2, 1 }, { 3, 5, 5 }, { 2, 7, 7 } };
    for (size_t k = 0; k < 3; k++) {
        gr_synth_options o = GR_SYNTH_OPTIONS_INIT;
        o.users = sizes[k][0];
        o.items = sizes[k][1];
        o.ratings_per_user = sizes[k][2];
        char *dir = sub("tiny");
        ck_assert_int_eq(gr_synth_write(dir, &o), GR_OK);
        gr_edges e;
        gr_edges_init(&e);
        ck_assert_int_eq(gr_read_interactions(&e, dir, 0, GR_IDS_AUTO), GR_OK);
        check_edges(&e, &o);
        gr_edges_free(&e);
        free(dir);
    }
}
END_TEST

START_TEST(rejects_bad_options)
{
    static const struct {
        size_t users, items, per_user;
        int format;
        unsigned version;
        const char *msg;
    } cases[] = {
        { 1, 800, 60, GR_FORMAT_ML100K, 1, "synth: users must be from 2 to 100000000, got 1" },
        { 500, 1, 1, GR_FORMAT_ML100K, 1, "synth: items must be from 2 to 10000000, got 1" },
        { 500, 800, 0, GR_FORMAT_ML100K, 1, "synth: ratings_per_user must be from 1 to items (800), got 0" },
        { 500, 800, 801, GR_FORMAT_ML100K, 1, "synth: ratings_per_user must be from 1 to items (800), got 801" },
        { 500, 800, 60, GR_FORMAT_CSV, 1, "synth: format must be GR_FORMAT_ML100K or GR_FORMAT_ML1M, got 4" },
        { 500, 800, 60, GR_FORMAT_ML100K, 0,
          "synth: options version 0 unknown (initialise with GR_SYNTH_OPTIONS_INIT)" },
    };
    char *dir = sub("never");
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        gr_synth_options o = GR_SYNTH_OPTIONS_INIT;
        o.users = cases[k].users;
        o.items = cases[k].items;
        o.ratings_per_user = cases[k].per_user;
        o.format = cases[k].format;
        o.version = cases[k].version;
        ck_assert_int_eq(gr_synth_write(dir, &o), GR_EINVAL);
        ck_assert_str_eq(gr_last_error(), cases[k].msg);
    }
    ck_assert(!gr_is_dir(dir));
    ck_assert_int_eq(gr_synth_write(NULL, NULL), GR_EINVAL);
    ck_assert_int_eq(gr_synth_write("", NULL), GR_EINVAL);
    free(dir);
}
END_TEST

START_TEST(reports_unwritable_directories)
{
    char *file = fx_write(tmp, "plain", "x");
    char *dir = fx_path(file, "data");
    ck_assert_int_eq(gr_synth_write(dir, NULL), GR_EIO);
    ck_assert_ptr_nonnull(strstr(gr_last_error(), "plain"));
    ck_assert_ptr_nonnull(strstr(gr_last_error(), "cannot create directory"));
    ck_assert_int_eq(gr_synth_write(file, NULL), GR_EIO);
    ck_assert_ptr_nonnull(strstr(gr_last_error(), "Not a directory"));
    free(dir);
    free(file);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("synth");
    TCase *tc = tcase_create("synth");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, writes_a_readable_ml100k_dataset);
    tcase_add_test(tc, writes_a_readable_ml1m_dataset);
    tcase_add_test(tc, same_seed_same_files);
    tcase_add_test(tc, plants_tastes_popularity_and_demographics);
    tcase_add_test(tc, tiny_catalogues);
    tcase_add_test(tc, rejects_bad_options);
    tcase_add_test(tc, reports_unwritable_directories);
    suite_add_tcase(s, tc);
    return fx_run(s);
}
