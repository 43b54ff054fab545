/* The users' tags (tags.csv) as a genome-shaped table: the tf-idf cells,
 * the vocabulary, every malformed-input error, and the reduction and its
 * saved projection on them. */
#include <gnnrec.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixtures.h"

/* Five movies.  "dark" on 10 (twice, two spellings) and 20; "funny, sad"
 * (quoted) on 10, 20, 30; "once" only on 40 (no column); movie 40 then has
 * no row; "Space" on 30 and 50. */
static const char *const TAGS_CSV =
    "userId,movieId,tag,timestamp\n"
    "1,10,dark,1139045764\n"
    "2,10, Dark ,1139045765\n"
    "1,20,dark,1139045766\n"
    "3,10,\"funny, sad\",1139045767\n"
    "3,20,\"FUNNY, sad\",1139045768\n"
    "4,30,\"funny, sad\",1139045769\n"
    "4,40,once,1139045770\n"
    "5,30,Space,1139045771\n"
    "5,50,space,1139045772\n";

static gr_genome *read_tags(const char *text, size_t max_tags, int want)
{
    char *dir = fx_tmpdir(), *path = fx_write(dir, "tags.csv", text);
    gr_genome *gn = (gr_genome *)1;
    ck_assert_int_eq(gr_genome_read_tags(&gn, path, max_tags), want);
    if (want != GR_OK) ck_assert_ptr_null(gn);
    free(path);
    fx_rmtree(dir);
    free(dir);
    return gn;
}

START_TEST(tf_idf_rows_in_genome_shape)
{
    gr_genome *gn = read_tags(TAGS_CSV, 100, GR_OK);
    ck_assert_uint_eq(gr_genome_n_tags(gn), 3);
    ck_assert_uint_eq(gr_genome_n_movies(gn), 4); /* 10, 20, 30, 50 */
    float row[3];
    ck_assert_int_eq(gr_genome_scores(row, 3, gn, 40), GR_ENOTFOUND);
    /* columns: "funny, sad" (3 movies) first, then "dark" and "space" (2 each) in order of appearance */
    ck_assert_int_eq(gr_genome_scores(row, 3, gn, 10), GR_OK);
    double m = 5, funny = log1p(1) * log(m / 3), dark = log1p(2) * log(m / 2);
    ck_assert_float_eq_tol(row[0], funny / dark, 1e-6);
    ck_assert_float_eq_tol(row[1], 1.0, 1e-6);
    ck_assert_float_eq(row[2], 0.0f);
    ck_assert_int_eq(gr_genome_scores(row, 3, gn, 50), GR_OK);
    ck_assert_float_eq(row[0], 0.0f);
    ck_assert_float_eq(row[2], 1.0f);
    /* a column id names the tag text, whatever its case and blanks */
    int64_t id0, id1;
    ck_assert_int_eq(gr_genome_tag_id(&id0, gn, 1), GR_OK);
    gr_genome_free(gn);
    gn = read_tags("userId,movieId,tag,timestamp\n1,1,DARK,0\n2,2,dark  ,0\n", 100, GR_OK);
    ck_assert_int_eq(gr_genome_tag_id(&id1, gn, 0), GR_OK);
    ck_assert_int_eq(id0, id1);
    ck_assert_int_ge(id1, 0);
    gr_genome_free(gn);
    /* max_tags keeps the tags of the most movies */
    gn = read_tags(TAGS_CSV, 1, GR_OK);
    ck_assert_uint_eq(gr_genome_n_tags(gn), 1);
    ck_assert_uint_eq(gr_genome_n_movies(gn), 3);
    ck_assert_int_eq(gr_genome_scores(row, 1, gn, 30), GR_OK);
    ck_assert_float_eq(row[0], 1.0f);
    gr_genome_free(gn);
}
END_TEST

static void expect_error(const char *text, const char *want)
{
    read_tags(text, 100, GR_EFORMAT);
    if (!strstr(gr_last_error(), want)) ck_abort_msg("error '%s' lacks '%s'", gr_last_error(), want);
}

START_TEST(errors_name_file_line_and_field)
{
    const char *h = "userId,movieId,tag,timestamp\n1,1,a,0\n";
    char buf[256];
    static const char *const cases[][2] = {
        { "2,1,a\n", "tags.csv:3: too few fields: expected 4 (userId,movieId,tag,timestamp), got 3" },
        { "2,1,a,0,9\n", "tags.csv:3: too many fields" },
        { "x,1,a,0\n", "tags.csv:3: field 'userId': expected a non-negative integer id, got 'x'" },
        { "-2,1,a,0\n", "tags.csv:3: field 'userId'" },
        { "2,1.5,a,0\n", "tags.csv:3: field 'movieId': expected a non-negative integer id, got '1.5'" },
        { "2,1, ,0\n", "tags.csv:3: field 'tag': expected a tag" },
        { "2,1,a,yesterday\n", "tags.csv:3: field 'timestamp': expected an integer (Unix seconds), got 'yesterday'" },
        { "2,1,\"a,0\n", "tags.csv:3: unterminated quoted field" },
        { "2,1,\"a\"b,0\n", "tags.csv:3: unterminated quoted field" },
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        snprintf(buf, sizeof buf, "%s%s", h, cases[k][0]);
        expect_error(buf, cases[k][1]);
    }
    expect_error("userId,movieId,tag,timestamp\n", "tags.csv: no tag applications");
    expect_error("userId,movieId,tag,timestamp\n1,1,a,0\n1,2,b,0\n", "tags.csv: no tag is applied to two movies or more");
    gr_genome *gn = (gr_genome *)1;
    ck_assert_int_eq(gr_genome_read_tags(&gn, "/nonexistent-dir/tags.csv", 10), GR_EIO);
    ck_assert_ptr_null(gn);
    ck_assert_ptr_nonnull(strstr(gr_last_error(), "tags.csv"));
    ck_assert_int_eq(gr_genome_read_tags(&gn, "/nonexistent-dir/tags.csv", 0), GR_EINVAL);
    ck_assert_int_eq(gr_genome_read_tags(NULL, "tags.csv", 10), GR_EINVAL);
}
END_TEST

/* Items 0..n-1, each tagged with its group's tags: the block separates the
 * groups, and the saved projection gives the same rows. */
START_TEST(reduction_and_saved_projection)
{
    enum { N = 60, GROUPS = 3 };
    char *dir = fx_tmpdir(), *path = fx_path(dir, "tags.csv");
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    fputs("userId,movieId,tag,timestamp\n", f);
    for (int i = 0; i < N; i++)
        for (int t = 0; t < 4; t++) fprintf(f, "%d,%d,\"group %d, tag %d\",%d\n", i % 7, i, i % GROUPS, t, 1000 + i);
    fclose(f);
    gr_genome *gn;
    ck_assert_int_eq(gr_genome_read_tags(&gn, path, 64), GR_OK);
    ck_assert_uint_eq(gr_genome_n_tags(gn), GROUPS * 4);
    int64_t u[N], it[N];
    for (int i = 0; i < N; i++) u[i] = i % 5, it[i] = i;
    gr_graph *g;
    ck_assert_int_eq(gr_graph_from_edges(&g, u, it, NULL, NULL, N, 0), GR_OK);
    ck_assert_int_eq(gr_genome_fit(gn, g, 2, 1, NULL), GR_OK);
    float x[N * 2];
    ck_assert_int_eq(gr_features_genome(x, N, 2, gn, g), GR_OK);
    /* items of one group share a row; different groups differ */
    for (int i = GROUPS; i < N; i++) {
        ck_assert_float_eq_tol(x[i * 2], x[(i % GROUPS) * 2], 1e-5);
        ck_assert_float_eq_tol(x[i * 2 + 1], x[(i % GROUPS) * 2 + 1], 1e-5);
    }
    ck_assert_float_gt(fabsf(x[0] - x[2]) + fabsf(x[1] - x[3]), 0.5f);
    char *pp = fx_path(dir, "tags.gnrp");
    gr_genome *lp;
    ck_assert_int_eq(gr_genome_save(gn, pp), GR_OK);
    ck_assert_int_eq(gr_genome_load(&lp, pp), GR_OK);
    float scores[GROUPS * 4], r1[2], r2[2];
    ck_assert_int_eq(gr_genome_scores(scores, GROUPS * 4, gn, 4), GR_OK);
    ck_assert_int_eq(gr_genome_project(r1, 2, gn, scores, GROUPS * 4), GR_OK);
    ck_assert_int_eq(gr_genome_project(r2, 2, lp, scores, GROUPS * 4), GR_OK);
    ck_assert_int_eq(memcmp(r1, r2, sizeof r1), 0);
    ck_assert_float_eq_tol(r1[0], x[4 * 2], 1e-5);
    for (size_t c = 0; c < GROUPS * 4; c++) {
        int64_t a, b;
        ck_assert_int_eq(gr_genome_tag_id(&a, gn, c), GR_OK);
        ck_assert_int_eq(gr_genome_tag_id(&b, lp, c), GR_OK);
        ck_assert_int_eq(a, b);
    }
    gr_genome_free(lp);
    gr_genome_free(gn);
    gr_graph_free(g);
    free(pp);
    free(path);
    fx_rmtree(dir);
    free(dir);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("tags");
    TCase *tc = tcase_create("tags");
    tcase_add_test(tc, tf_idf_rows_in_genome_shape);
    tcase_add_test(tc, errors_name_file_line_and_field);
    tcase_add_test(tc, reduction_and_saved_projection);
    suite_add_tcase(s, tc);
    return fx_run(s);
}
