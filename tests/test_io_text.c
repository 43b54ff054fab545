/* Text helpers: line reader, splitters, number parsers, UTF-8, paths. */
#include <gnnrec.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "fixtures.h"
#include "io/text.h"

/* Read every line of `text` (written to a file) and join them with '/'. */
static char *lines_of(const char *text, size_t *nlines)
{
    char *dir = fx_tmpdir();
    char *p = fx_write(dir, "f.txt", text);
    gr_lines r;
    ck_assert_int_eq(gr_lines_open(&r, p), GR_OK);
    char *out = calloc(1, strlen(text) + 64), *line;
    size_t len, n = 0;
    int rc;
    while ((rc = gr_lines_next(&r, &line, &len)) > 0) {
        ck_assert_uint_eq(len, strlen(line));
        ck_assert_uint_eq(r.line, n + 1);
        if (n++) strcat(out, "/");
        strcat(out, line);
    }
    ck_assert_int_eq(rc, 0);
    gr_lines_close(&r);
    fx_rmtree(dir);
    free(dir);
    free(p);
    *nlines = n;
    return out;
}

START_TEST(reader_splits_lines)
{
    static const struct {
        const char *text, *joined;
        size_t n;
    } cases[] = {
        { "a\nb\nc\n", "a/b/c", 3 },
        { "a\r\nb\r\nc\r\n", "a/b/c", 3 },
        { "a\nb", "a/b", 2 },           /* no end on the last line */
        { "a\r\n\r\nb\r", "a//b", 3 }, /* blank lines are returned */
        { "", "", 0 },
        { "\n", "", 1 },
        { "\xEF\xBB\xBFx,y\n", "x,y", 1 }, /* byte order mark skipped */
        { "a\rb\n", "a\rb", 1 },           /* a lone CR is text */
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        size_t n;
        char *s = lines_of(cases[k].text, &n);
        ck_assert_str_eq(s, cases[k].joined);
        ck_assert_uint_eq(n, cases[k].n);
        free(s);
    }
}
END_TEST

START_TEST(reader_handles_long_lines)
{
    /* lines longer than the 1 MiB buffer, between short ones */
    size_t big = 3u << 20;
    char *text = malloc(2 * big + 64);
    strcpy(text, "first\n");
    size_t at = strlen(text);
    memset(text + at, 'x', big);
    at += big;
    memcpy(text + at, "\r\nmid\n", 6);
    at += 6;
    memset(text + at, 'y', big);
    at += big;
    strcpy(text + at, "\nlast");
    char *dir = fx_tmpdir();
    char *p = fx_write(dir, "long.txt", text);
    gr_lines r;
    ck_assert_int_eq(gr_lines_open(&r, p), GR_OK);
    char *line;
    size_t len;
    ck_assert_int_eq(gr_lines_next(&r, &line, &len), 1);
    ck_assert_str_eq(line, "first");
    ck_assert_int_eq(gr_lines_next(&r, &line, &len), 1);
    ck_assert_uint_eq(len, big);
    ck_assert(line[0] == 'x' && line[big - 1] == 'x' && line[big] == '\0');
    ck_assert_int_eq(gr_lines_next(&r, &line, &len), 1);
    ck_assert_str_eq(line, "mid");
    ck_assert_int_eq(gr_lines_next(&r, &line, &len), 1);
    ck_assert_uint_eq(len, big);
    ck_assert_int_eq(gr_lines_next(&r, &line, &len), 1);
    ck_assert_str_eq(line, "last");
    ck_assert_uint_eq(r.line, 5);
    ck_assert_int_eq(gr_lines_next(&r, &line, &len), 0);
    gr_lines_close(&r);
    free(text);
    free(p);
    fx_rmtree(dir);
    free(dir);
}
END_TEST

/* Read the n bytes of text as lines until an error; returns the status and
 * the number of lines returned before it. */
static int read_bytes(const char *text, size_t n, size_t *returned)
{
    char *dir = fx_tmpdir();
    char *p = fx_write_bytes(dir, "f.txt", text, n);
    gr_lines r;
    ck_assert_int_eq(gr_lines_open(&r, p), GR_OK);
    char *line;
    size_t len;
    int rc;
    *returned = 0;
    while ((rc = gr_lines_next(&r, &line, &len)) > 0) (*returned)++;
    gr_lines_close(&r);
    fx_rmtree(dir);
    free(dir);
    free(p);
    return rc;
}

/* A NUL byte would cut a line for every reader: it is an error naming the
 * line and column, however long the line and wherever the buffer ends. */
START_TEST(reader_rejects_nul_bytes)
{
    static const char row[] = "1\t2\t5\t100\0\t7\n";
    size_t got;
    ck_assert_int_eq(read_bytes(row, sizeof row - 1, &got), GR_EFORMAT);
    ck_assert_uint_eq(got, 0);
    ck_assert_ptr_nonnull(strstr(gr_last_error(), "f.txt:1: NUL byte at column 10"));
    static const char third[] = "a\r\n\nbc\0\n";
    ck_assert_int_eq(read_bytes(third, sizeof third - 1, &got), GR_EFORMAT);
    ck_assert_ptr_nonnull(strstr(gr_last_error(), "f.txt:3: NUL byte at column 3"));
    /* a NUL after several buffers' worth of lines, and one at the very end */
    size_t big = (5u << 20) / 2 + 7, lines = big / 10;
    char *text = malloc(big + 2);
    for (size_t k = 0; k < lines; k++) memcpy(text + 10 * k, "123456789\n", 10);
    memcpy(text + 10 * lines, "xy\0", 3);
    ck_assert_int_eq(read_bytes(text, 10 * lines + 3, &got), GR_EFORMAT);
    char want[64];
    snprintf(want, sizeof want, ":%zu: NUL byte at column 3", lines + 1);
    ck_assert_msg(strstr(gr_last_error(), want) != NULL, "%s", gr_last_error());
    /* a line of NULs longer than the buffer fails before the buffer grows */
    memset(text, 0, big);
    ck_assert_int_eq(read_bytes(text, big, &got), GR_EFORMAT);
    ck_assert_ptr_nonnull(strstr(gr_last_error(), "f.txt:1: NUL byte at column 1"));
    free(text);
}
END_TEST

START_TEST(reader_reports_missing_files)
{
    gr_lines r;
    ck_assert_int_eq(gr_lines_open(&r, "/nonexistent/dir/u.data"), GR_EIO);
    ck_assert_str_eq(gr_last_error(), "/nonexistent/dir/u.data: cannot open: No such file or directory");
    char *dir = fx_tmpdir();
    ck_assert_int_eq(gr_lines_open(&r, dir), GR_EIO);
    ck_assert_ptr_nonnull(strstr(gr_last_error(), "Is a directory"));
    /* a stream that fails to read is an I/O error naming the path */
    FILE *fp = fopen(dir, "rb");
    ck_assert_ptr_nonnull(fp);
    ck_assert_int_eq(gr_lines_init(&r, fp, "the-dir"), GR_OK);
    char *line;
    size_t len;
    ck_assert_int_eq(gr_lines_next(&r, &line, &len), GR_EIO);
    ck_assert_str_eq(gr_last_error(), "the-dir: cannot read: Is a directory");
    gr_lines_close(&r);
    fclose(fp);
    fx_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(reader_joins_quoted_records)
{
    char *dir = fx_tmpdir();
    char *p = fx_write(dir, "m.csv",
                       "id,title\r\n1,\"two\r\nlines, \"\"quoted\"\"\"\r\n2,say \"hi\"\r\n3,\"open\n");
    gr_lines r;
    ck_assert_int_eq(gr_lines_open(&r, p), GR_OK);
    char *rec, *f[4];
    size_t len;
    ck_assert_int_eq(gr_lines_next_record(&r, &rec, &len), 1);
    ck_assert_str_eq(rec, "id,title");
    ck_assert_int_eq(gr_lines_next_record(&r, &rec, &len), 1);
    ck_assert_uint_eq(r.rec_line, 2);
    ck_assert_uint_eq(len, strlen(rec));
    ck_assert_uint_eq(gr_split_csv(rec, f, 4), 2);
    ck_assert_str_eq(f[1], "two\nlines, \"quoted\"");
    /* a quote inside an unquoted field opens nothing */
    ck_assert_int_eq(gr_lines_next_record(&r, &rec, &len), 1);
    ck_assert_uint_eq(r.rec_line, 4);
    ck_assert_str_eq(rec, "2,say \"hi\"");
    /* an open quote runs to the end of the file and is malformed */
    ck_assert_int_eq(gr_lines_next_record(&r, &rec, &len), 1);
    ck_assert_uint_eq(r.rec_line, 5);
    ck_assert_uint_eq(gr_split_csv(rec, f, 4), (size_t)-1);
    ck_assert_int_eq(gr_lines_next_record(&r, &rec, &len), 0);
    gr_lines_close(&r);
    free(p);
    fx_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(splitters)
{
    char *f[8];
    char a[] = "1\t2\t\t4";
    ck_assert_uint_eq(gr_split_char(a, '\t', f, 8), 4);
    ck_assert_str_eq(f[0], "1");
    ck_assert_str_eq(f[2], "");
    ck_assert_str_eq(f[3], "4");
    char b[] = "1::Toy Story (1995)::Animation|Comedy";
    ck_assert_uint_eq(gr_split_str(b, "::", f, 8), 3);
    ck_assert_str_eq(f[1], "Toy Story (1995)");
    ck_assert_str_eq(f[2], "Animation|Comedy");
    char c[] = "  1 \t 2   3  ";
    ck_assert_uint_eq(gr_split_blanks(c, f, 8), 3);
    ck_assert_str_eq(f[0], "1");
    ck_assert_str_eq(f[2], "3");
    char d[] = "   ";
    ck_assert_uint_eq(gr_split_blanks(d, f, 8), 0);
    /* more fields than room: counted, not stored */
    char e[] = "a,b,c,d,e";
    ck_assert_uint_eq(gr_split_char(e, ',', f, 2), 5);
    ck_assert_str_eq(f[1], "b");
    char g[] = "x";
    ck_assert_uint_eq(gr_split_char(g, ',', f, 8), 1);
    char t[] = " \t padded\t ";
    ck_assert_str_eq(gr_trim(t), "padded");
    ck_assert(gr_is_blank(" \t\r"));
    ck_assert(!gr_is_blank(" x"));
}
END_TEST

START_TEST(csv_splitter_follows_rfc4180)
{
    char *f[8];
    char a[] = "1,\"American President, The (1995)\",Comedy|Drama|Romance";
    ck_assert_uint_eq(gr_split_csv(a, f, 8), 3);
    ck_assert_str_eq(f[0], "1");
    ck_assert_str_eq(f[1], "American President, The (1995)");
    ck_assert_str_eq(f[2], "Comedy|Drama|Romance");
    char b[] = "\"\"\"Great Performances\"\" Cats (1998)\",Musical";
    ck_assert_uint_eq(gr_split_csv(b, f, 8), 2);
    ck_assert_str_eq(f[0], "\"Great Performances\" Cats (1998)");
    char c[] = ",\"\",";
    ck_assert_uint_eq(gr_split_csv(c, f, 8), 3);
    ck_assert_str_eq(f[0], "");
    ck_assert_str_eq(f[1], "");
    ck_assert_str_eq(f[2], "");
    char d[] = "\"a\",\"b,c\"";
    ck_assert_uint_eq(gr_split_csv(d, f, 8), 2);
    ck_assert_str_eq(f[0], "a");
    ck_assert_str_eq(f[1], "b,c");
    char bad1[] = "1,\"unterminated";
    ck_assert_uint_eq(gr_split_csv(bad1, f, 8), (size_t)-1);
    char bad2[] = "1,\"closed\"junk,2";
    ck_assert_uint_eq(gr_split_csv(bad2, f, 8), (size_t)-1);
}
END_TEST

START_TEST(integers_are_strict)
{
    int64_t v = 0;
    ck_assert_int_eq(gr_parse_i64("42", &v), GR_NUM_OK);
    ck_assert_int_eq(v, 42);
    ck_assert_int_eq(gr_parse_i64(" -17\t", &v), GR_NUM_OK);
    ck_assert_int_eq(v, -17);
    ck_assert_int_eq(gr_parse_i64("+5", &v), GR_NUM_OK);
    ck_assert_int_eq(v, 5);
    ck_assert_int_eq(gr_parse_i64("9223372036854775807", &v), GR_NUM_OK);
    ck_assert(v == INT64_MAX);
    ck_assert_int_eq(gr_parse_i64("-9223372036854775808", &v), GR_NUM_OK);
    ck_assert(v == INT64_MIN);
    ck_assert_int_eq(gr_parse_i64("9223372036854775808", &v), GR_NUM_RANGE);
    ck_assert_int_eq(gr_parse_i64("-9223372036854775809", &v), GR_NUM_RANGE);
    ck_assert_int_eq(gr_parse_i64("123456789012345678901234", &v), GR_NUM_RANGE);
    static const char *const bad[] = { "", " ", "-", "+", "12x", "1 2", "1.0", "1e3", "0x10", "x", "--1" };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++)
        ck_assert_msg(gr_parse_i64(bad[k], &v) == GR_NUM_SYNTAX, "accepted '%s'", bad[k]);
}
END_TEST

START_TEST(floats_are_strict_and_exact)
{
    double d = 0;
    static const struct {
        const char *s;
        double v;
    } good[] = { { "3.5", 3.5 },   { "-0.25", -0.25 }, { "1e3", 1000 },    { ".5", 0.5 },
                 { "5.", 5 },      { " 4 ", 4 },       { "0.1", 0.1 },     { "2.5E-3", 2.5e-3 },
                 { "+7", 7 },      { "0", 0 },         { "1e-400", 0 },    { "881250949", 881250949 }};
    for (size_t k = 0; k < sizeof good / sizeof good[0]; k++) {
        ck_assert_msg(gr_parse_f64(good[k].s, &d) == GR_NUM_OK, "rejected '%s'", good[k].s);
        ck_assert_msg(d == good[k].v, "'%s' gave %.17g", good[k].s, d);
    }
    static const char *const bad[] = { "",  "nan", "NaN", "inf", "-inf", "Infinity", "0x1p3", "1.2.3",
                                       "1e", "1e+", "e5", ".",   "-",    "3,5",      "4 stars" };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++)
        ck_assert_msg(gr_parse_f64(bad[k], &d) == GR_NUM_SYNTAX, "accepted '%s'", bad[k]);
    /* long mantissas are rounded once more than strtod would: within ulps */
    ck_assert_int_eq(gr_parse_f64("123456789012345678901234567890", &d), GR_NUM_OK);
    ck_assert_double_eq_tol(d, 1.2345678901234568e29, 1e15);
    ck_assert_int_eq(gr_parse_f64("1e400", &d), GR_NUM_RANGE);
    float f;
    ck_assert_int_eq(gr_parse_f32("4.5", &f), GR_NUM_OK);
    ck_assert(f == 4.5f);
    ck_assert_int_eq(gr_parse_f32("1e39", &f), GR_NUM_RANGE);
    /* agrees with strtod (this test runs in the C locale): exactly for
     * short numbers, within an ulp for long ones */
    gr_rng r = gr_rng_make(7, 0);
    char buf[64];
    for (int k = 0; k < 20000; k++) {
        double x = (gr_rng_unit(&r) - 0.5) * pow(10.0, (int)gr_rng_below(&r, 40) - 20);
        int digits = k % 2 ? 17 : 1 + (int)gr_rng_below(&r, 15);
        snprintf(buf, sizeof buf, "%.*g", digits, x);
        double want = strtod(buf, NULL);
        ck_assert_int_eq(gr_parse_f64(buf, &d), GR_NUM_OK);
        if (digits <= 15 && fabs(want) > 1e-7 && fabs(want) < 1e7)
            ck_assert_msg(d == want, "%s gave %.17g", buf, d);
        else
            ck_assert_msg(fabs(d - want) <= 8 * fabs(want) * 0x1p-52, "%s gave %.17g", buf, d);
    }
}
END_TEST

START_TEST(latin1_becomes_utf8)
{
    const char *latin = "Mis\xE9rables, Les (1995)";
    ck_assert(!gr_utf8_valid(latin, strlen(latin)));
    char *u = gr_to_utf8(latin, strlen(latin));
    ck_assert_str_eq(u, "Mis\xC3\xA9rables, Les (1995)");
    ck_assert(gr_utf8_valid(u, strlen(u)));
    /* valid UTF-8 is kept as it is */
    char *v = gr_to_utf8(u, strlen(u));
    ck_assert_str_eq(v, u);
    free(u);
    free(v);
    const char *jp = "\xE5\x8D\x83\xE3\x81\xA8\xE5\x8D\x83\xE5\xB0\x8B (2001)";
    ck_assert(gr_utf8_valid(jp, strlen(jp)));
    char *w = gr_to_utf8("\xFF\xA0", 2);
    ck_assert_str_eq(w, "\xC3\xBF\xC2\xA0");
    free(w);
    /* overlong, surrogate and truncated sequences are not UTF-8 */
    ck_assert(!gr_utf8_valid("\xC0\xAF", 2));
    ck_assert(!gr_utf8_valid("\xED\xA0\x80", 3));
    ck_assert(!gr_utf8_valid("\xE2\x82", 2));
    ck_assert(!gr_utf8_valid("\xF4\x90\x80\x80", 4));
    ck_assert(gr_utf8_valid("\xF0\x9F\x8E\xAC", 4));
}
END_TEST

START_TEST(paths)
{
    char buf[64];
    ck_assert_str_eq(gr_path_base("/a/b/u.data"), "u.data");
    ck_assert_str_eq(gr_path_base("u.data"), "u.data");
    ck_assert_int_eq(gr_path_dir(buf, sizeof buf, "/a/b/u.data"), GR_OK);
    ck_assert_str_eq(buf, "/a/b");
    ck_assert_int_eq(gr_path_dir(buf, sizeof buf, "u.data"), GR_OK);
    ck_assert_str_eq(buf, ".");
    ck_assert_int_eq(gr_path_dir(buf, sizeof buf, "/u.data"), GR_OK);
    ck_assert_str_eq(buf, "/");
    ck_assert_int_eq(gr_path_join(buf, sizeof buf, "/a/", "u.item"), GR_OK);
    ck_assert_str_eq(buf, "/a/u.item");
    ck_assert_int_eq(gr_path_join(buf, sizeof buf, "/a", "u.item"), GR_OK);
    ck_assert_str_eq(buf, "/a/u.item");
    ck_assert_int_eq(gr_path_join(buf, 8, "/a", "u.item"), GR_EINVAL);
    ck_assert(gr_is_dir("/"));
    ck_assert(!gr_is_file("/"));
    ck_assert(!gr_is_file("/nonexistent"));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("io_text");
    TCase *tc = tcase_create("text");
    tcase_add_test(tc, reader_splits_lines);
    tcase_add_test(tc, reader_handles_long_lines);
    tcase_add_test(tc, reader_reports_missing_files);
    tcase_add_test(tc, reader_rejects_nul_bytes);
    tcase_add_test(tc, reader_joins_quoted_records);
    tcase_add_test(tc, splitters);
    tcase_add_test(tc, csv_splitter_follows_rfc4180);
    tcase_add_test(tc, integers_are_strict);
    tcase_add_test(tc, floats_are_strict_and_exact);
    tcase_add_test(tc, latin1_becomes_utf8);
    tcase_add_test(tc, paths);
    suite_add_tcase(s, tc);
    return fx_run(s);
}
