/* Interaction readers: every format, detection, errors, the real data. */
#include <gnnrec.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/idmap.h"
#include "core/names.h"
#include "dist/dist.h"
#include "fixtures.h"
#include "io/ratings.h"
#include "io/text.h"

static char *tmp;

static void setup(void) { tmp = fx_tmpdir(); }

static void teardown(void)
{
    fx_rmtree(tmp);
    free(tmp);
}

/* Read `text` written to tmp/name with `format` and `ids`; returns the status. */
static int read_text_ids(gr_edges *e, const char *name, const char *text, int format, int ids)
{
    char *p = fx_write(tmp, name, text);
    int rc = gr_read_interactions(e, p, format, ids);
    free(p);
    return rc;
}

static int read_text(gr_edges *e, const char *name, const char *text, int format)
{
    return read_text_ids(e, name, text, format, GR_IDS_AUTO);
}

static void assert_edge(const gr_edges *e, size_t k, int64_t u, int64_t i, float r, int64_t ts)
{
    ck_assert_uint_lt(k, e->n);
    ck_assert_int_eq(e->user[k], u);
    ck_assert_int_eq(e->item[k], i);
    ck_assert_float_eq(gr_edges_rating(e, k), r);
    ck_assert_int_eq(gr_edges_ts(e, k), ts);
}

/* The message of the last error, checked to be exactly `want`. */
static void assert_error(int rc, int code, const char *want)
{
    ck_assert_int_eq(rc, code);
    ck_assert_str_eq(gr_last_error(), want);
}

/* tmp/name, for building expected messages. */
static const char *at(const char *name)
{
    static char buf[4200];
    snprintf(buf, sizeof buf, "%s/%s", tmp, name);
    return buf;
}

/* ---- formats ----------------------------------------------------------- */

START_TEST(reads_adjacency_lists)
{
    gr_edges e;
    gr_edges_init(&e);
    ck_assert_int_eq(read_text(&e, "train.txt", "0 5 7 9\n1 5\n\n2\n3 8 9 10 11 12\n", GR_FORMAT_ADJACENCY), GR_OK);
    ck_assert_uint_eq(e.n, 9);
    assert_edge(&e, 0, 0, 5, 1.0f, 0);
    assert_edge(&e, 2, 0, 9, 1.0f, 0);
    assert_edge(&e, 3, 1, 5, 1.0f, 0);
    assert_edge(&e, 4, 3, 8, 1.0f, 0);
    assert_edge(&e, 8, 3, 12, 1.0f, 0);
    ck_assert_int_eq(e.has_rating, 0);
    ck_assert_int_eq(e.has_ts, 0);
    /* implicit edges hold the ids alone */
    ck_assert_ptr_null(e.rating);
    ck_assert_ptr_null(e.ts);
    gr_edges_free(&e);
    /* CRLF, tabs and trailing blanks */
    gr_edges_init(&e);
    ck_assert_int_eq(read_text(&e, "t.txt", "0\t1 2 \r\n1 3\r\n", GR_FORMAT_AUTO), GR_OK);
    ck_assert_uint_eq(e.n, 3);
    assert_edge(&e, 2, 1, 3, 1.0f, 0);
    gr_edges_free(&e);
}
END_TEST

START_TEST(reads_ml100k)
{
    gr_edges e;
    gr_edges_init(&e);
    ck_assert_int_eq(read_text(&e, "u.data", "196\t242\t3\t881250949\n186\t302\t3\t891717742\n\n22\t377\t1\t878887116\n",
                               GR_FORMAT_AUTO),
                     GR_OK);
    ck_assert_uint_eq(e.n, 3);
    assert_edge(&e, 0, 196, 242, 3.0f, 881250949);
    assert_edge(&e, 2, 22, 377, 1.0f, 878887116);
    ck_assert_int_eq(e.has_rating, 1);
    ck_assert_int_eq(e.has_ts, 1);
    gr_edges_free(&e);
    gr_edges_init(&e);
    ck_assert_int_eq(read_text(&e, "u1.base", "1\t1\t5\t874965758\r\n1\t2\t3\t876893171\r\n", GR_FORMAT_AUTO), GR_OK);
    ck_assert_uint_eq(e.n, 2);
    assert_edge(&e, 1, 1, 2, 3.0f, 876893171);
    gr_edges_free(&e);
}
END_TEST

START_TEST(reads_ml1m)
{
    gr_edges e;
    gr_edges_init(&e);
    ck_assert_int_eq(read_text(&e, "ratings.dat", "1::1193::5::978300760\r\n1::661::3::978302109\r\n6040::1097::4::956715648",
                               GR_FORMAT_AUTO),
                     GR_OK);
    ck_assert_uint_eq(e.n, 3);
    assert_edge(&e, 0, 1, 1193, 5.0f, 978300760);
    assert_edge(&e, 2, 6040, 1097, 4.0f, 956715648);
    ck_assert_int_eq(e.has_rating, 1);
    ck_assert_int_eq(e.has_ts, 1);
    gr_edges_free(&e);
}
END_TEST

START_TEST(reads_csv)
{
    gr_edges e;
    gr_edges_init(&e);
    ck_assert_int_eq(read_text(&e, "ratings.csv",
                               "userId,movieId,rating,timestamp\n1,296,5.0,1147880044\n1,306,3.5,1147868817\n"
                               "162541,\"50872\",4.5,\"1240953372\"\n",
                               GR_FORMAT_AUTO),
                     GR_OK);
    ck_assert_uint_eq(e.n, 3);
    assert_edge(&e, 0, 1, 296, 5.0f, 1147880044);
    assert_edge(&e, 1, 1, 306, 3.5f, 1147868817);
    assert_edge(&e, 2, 162541, 50872, 4.5f, 1240953372);
    ck_assert_int_eq(e.has_rating, 1);
    ck_assert_int_eq(e.has_ts, 1);
    gr_edges_free(&e);
    /* columns are found by name, CRLF and a byte order mark are fine */
    gr_edges_init(&e);
    ck_assert_int_eq(read_text(&e, "r.csv", "\xEF\xBB\xBFtimestamp,rating,movieId,userId\r\n99,0.5,7,3\r\n",
                               GR_FORMAT_CSV),
                     GR_OK);
    assert_edge(&e, 0, 3, 7, 0.5f, 99);
    gr_edges_free(&e);
    /* without rating and timestamp columns */
    gr_edges_init(&e);
    ck_assert_int_eq(read_text(&e, "r.csv", "userId,movieId\n3,7\n", GR_FORMAT_CSV), GR_OK);
    assert_edge(&e, 0, 3, 7, 1.0f, 0);
    ck_assert_int_eq(e.has_rating, 0);
    ck_assert_int_eq(e.has_ts, 0);
    gr_edges_free(&e);
}
END_TEST

START_TEST(reads_delimited)
{
    static const struct {
        const char *text;
        size_t n;
        int has_rating, has_ts;
        int64_t u, i;
        float r;
        int64_t ts;
    } cases[] = {
        { "1,10\n2,20\n", 2, 0, 0, 2, 20, 1.0f, 0 },
        { "user;item;rating\r\n1;10;4.5\r\n2;20;2\r\n", 2, 1, 0, 2, 20, 2.0f, 0 },
        { "1 10 4 100\n2 20 5 200\n", 2, 1, 1, 2, 20, 5.0f, 200 },
        { "1\t10\t3.5\n2\t20\t1.5\n", 2, 1, 0, 2, 20, 1.5f, 0 },
        { "1, 10, 4\n2, 20, 3\n", 2, 1, 0, 2, 20, 3.0f, 0 },
        { "# user item\n1 10\n\n2 20\n", 2, 0, 0, 2, 20, 1.0f, 0 },
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        gr_edges e;
        gr_edges_init(&e);
        ck_assert_msg(read_text(&e, "d.txt", cases[k].text, GR_FORMAT_DELIMITED) == GR_OK, "case %zu: %s", k,
                      gr_last_error());
        ck_assert_uint_eq(e.n, cases[k].n);
        ck_assert_int_eq(e.has_rating, cases[k].has_rating);
        ck_assert_int_eq(e.has_ts, cases[k].has_ts);
        assert_edge(&e, e.n - 1, cases[k].u, cases[k].i, cases[k].r, cases[k].ts);
        gr_edges_free(&e);
    }
}
END_TEST

START_TEST(appends_and_keeps_flags_honest)
{
    gr_edges e;
    gr_edges_init(&e);
    ck_assert_int_eq(read_text(&e, "u.data", "1\t2\t3\t4\n", GR_FORMAT_AUTO), GR_OK);
    ck_assert_int_eq(read_text(&e, "ratings.dat", "5::6::4::8\n", GR_FORMAT_AUTO), GR_OK);
    ck_assert_uint_eq(e.n, 2);
    ck_assert_int_eq(e.has_rating, 1);
    /* adjacency edges have no ratings: the union has none either */
    ck_assert_int_eq(read_text(&e, "a.txt", "9 10 11\n", GR_FORMAT_ADJACENCY), GR_OK);
    ck_assert_uint_eq(e.n, 4);
    ck_assert_int_eq(e.has_rating, 0);
    ck_assert_int_eq(e.has_ts, 0);
    gr_edges_free(&e);
}
END_TEST

/* A column is held from its first value other than the default, the
 * edges before it reading the default. */
START_TEST(columns_are_held_from_their_first_value)
{
    gr_edges e;
    gr_edges_init(&e);
    for (int64_t k = 0; k < 40; k++) ck_assert_int_eq(gr_edges_push(&e, k, k + 1, 1.0f, 0), GR_OK);
    ck_assert_ptr_null(e.rating);
    ck_assert_ptr_null(e.ts);
    ck_assert_int_eq(gr_edges_push(&e, 40, 41, 4.5f, 0), GR_OK);
    ck_assert_ptr_nonnull(e.rating);
    ck_assert_ptr_null(e.ts);
    ck_assert_int_eq(gr_edges_push(&e, 41, 42, 1.0f, 77), GR_OK);
    ck_assert_ptr_nonnull(e.ts);
    for (int64_t k = 42; k < 100; k++) ck_assert_int_eq(gr_edges_push(&e, k, k + 1, 2.0f, k), GR_OK);
    ck_assert_uint_eq(e.n, 100);
    for (size_t k = 0; k < e.n; k++) {
        const float r = k < 40 ? 1.0f : k == 40 ? 4.5f : k == 41 ? 1.0f : 2.0f;
        const int64_t ts = k < 41 ? 0 : k == 41 ? 77 : (int64_t)k;
        assert_edge(&e, k, (int64_t)k, (int64_t)k + 1, r, ts);
    }
    /* a column held directly keeps what was pushed, and grows with the rest */
    gr_edges f;
    gr_edges_init(&f);
    ck_assert_int_eq(gr_edges_hold_ratings(&f), GR_OK);
    ck_assert_int_eq(gr_edges_reserve(&f, 3), GR_OK);
    for (int64_t k = 0; k < 3; k++) ck_assert_int_eq(gr_edges_push(&f, k, k, 1.0f, 0), GR_OK);
    ck_assert_ptr_nonnull(f.rating);
    ck_assert_float_eq(f.rating[2], 1.0f);
    gr_edges_free(&f);
    gr_edges_free(&e);
}
END_TEST

/* ---- errors ------------------------------------------------------------ */

START_TEST(missing_file_is_an_io_error)
{
    gr_edges e;
    gr_edges_init(&e);
    const char *p = at("nope/u.data");
    char want[4300];
    snprintf(want, sizeof want, "%s: cannot open: No such file or directory", p);
    assert_error(gr_read_interactions(&e, p, GR_FORMAT_AUTO, GR_IDS_AUTO), GR_EIO, want);
    assert_error(gr_read_interactions(&e, p, GR_FORMAT_ML100K, GR_IDS_AUTO), GR_EIO, want);
    p = at("nope.txt");
    snprintf(want, sizeof want, "%s: cannot open: No such file or directory", p);
    assert_error(gr_read_interactions(&e, p, GR_FORMAT_AUTO, GR_IDS_AUTO), GR_EIO, want);
    ck_assert_uint_eq(e.n, 0);
    ck_assert_int_eq(gr_read_interactions(NULL, p, 0, GR_IDS_AUTO), GR_EINVAL);
    ck_assert_int_eq(gr_read_interactions(&e, NULL, 0, GR_IDS_AUTO), GR_EINVAL);
    ck_assert_int_eq(read_text(&e, "x.txt", "1 2\n", 99), GR_EINVAL);
    gr_edges_free(&e);
}
END_TEST

START_TEST(malformed_lines_name_file_line_and_field)
{
    static const struct {
        const char *name, *text;
        int format;
        const char *msg; /* after "PATH:" */
    } cases[] = {
        { "u.data", "1\t2\t3\t4\n1\t2\tx\t4\n", 0, "2: field 'rating': expected a number, got 'x'" },
        { "u.data", "1\t2\t3\t4\r\n\r\nu\t2\t3\t4\r\n", 0, "3: field 'user': expected an integer, got 'u'" },
        { "u.data", "1\t2.5\t3\t4\n", 0, "1: field 'item': expected an integer, got '2.5'" },
        { "u.data", "1\t2\t3\t4z\n", 0, "1: field 'timestamp': expected an integer, got '4z'" },
        { "u.data", "1\t2\tnan\t4\n", 0, "1: field 'rating': expected a number, got 'nan'" },
        { "u.data", "1\t2\t3\n", 0, "1: too few fields: expected 4 (user, item, rating, timestamp), got 3" },
        { "u.data", "1\t2\t3\t4\t5\n", 0, "1: too many fields: expected 4 (user, item, rating, timestamp), got 5" },
        { "u.data", "99999999999999999999\t2\t3\t4\n", 0,
          "1: field 'user': value out of range: '99999999999999999999'" },
        { "ratings.dat", "1::2::3::4\n1::2::3\n", 0, "2: too few fields: expected 4 (user, item, rating, timestamp), got 3" },
        { "ratings.dat", "1::2::inf::4\n", 0, "1: field 'rating': expected a number, got 'inf'" },
        { "ratings.csv", "userId,movieId,rating,timestamp\n1,2,3.5,4\n1,2,,4\n", 0,
          "3: field 'rating': expected a number, got ''" },
        { "ratings.csv", "userId,movieId,rating,timestamp\n1,2,3.5\n", 0,
          "2: too few fields: expected 4 (user, item, rating, timestamp), got 3" },
        { "ratings.csv", "userId,movieId,rating,timestamp\n1,\"2,3.5,4\n", 0, "2: unterminated quoted field" },
        { "ratings.csv", "1,2,3.5,4\n", 0,
          "1: expected a header line such as 'userId,movieId,rating,timestamp', got '1,2,3.5,4'" },
        { "ratings.csv", "userId,movieId,3.5,4\n1,2,3.5,4\n", 0,
          "1: expected a header line such as 'userId,movieId,rating,timestamp', got 'userId,movieId,3.5,4'" },
        { "ratings.csv", "a,b,c\n1,2,3\n", 0,
          "1: expected a header line such as 'userId,movieId,rating,timestamp', got 'a,b,c'" },
        { "train.txt", "0 1 2\n1 3 x\n", GR_FORMAT_ADJACENCY, "2: field 'item': expected an integer, got 'x'" },
        { "train.txt", "0 1 2\n-x 3\n", GR_FORMAT_ADJACENCY, "2: field 'user': expected an integer, got '-x'" },
        { "d.csv", "1,2,3,4,5\n", GR_FORMAT_DELIMITED,
          "1: too many fields: expected 2 to 4 (user, item[, rating[, timestamp]]), got 5" },
        { "d.csv", "1\n", GR_FORMAT_DELIMITED, "1: too few fields: expected 2 to 4 (user, item[, rating[, timestamp]]), got 1" },
        { "d.csv", "1,2,3\n4,5\n", GR_FORMAT_DELIMITED, "2: too few fields: expected 3 (user, item, rating), got 2" },
        { "d.csv", "user,item\n1,2\n3,4.5\n", GR_FORMAT_DELIMITED, "3: field 'item': expected an integer, got '4.5'" },
        /* a malformed first line is an error there, not a header */
        { "d.tsv", "1\tx\t5\n2\t3\t4\n", 0, "1: field 'item': expected an integer, got 'x'" },
        { "d.txt", "1;x;5\n2;3;4\n", GR_FORMAT_DELIMITED, "1: field 'item': expected an integer, got 'x'" },
        { "d.txt", "user\titem\t5\n2\t3\t4\n", GR_FORMAT_DELIMITED, "1: field 'user': expected an integer, got 'user'" },
        { "d.txt", "1.5\t2\n", GR_FORMAT_DELIMITED, "1: field 'user': expected an integer, got '1.5'" },
        { "d.txt", "a\tb\tc\n1\t2\t3\n", GR_FORMAT_DELIMITED,
          "1: not a header: names no user and item columns (such as userId and movieId): 'a\tb\tc'"
          " (a file without a header whose ids are names loads with ids=names, --ids names)" },
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        gr_edges e;
        gr_edges_init(&e);
        /* edges already there stay, and nothing is appended */
        ck_assert_int_eq(gr_edges_push(&e, 77, 88, 2.5f, 99), GR_OK);
        e.has_rating = e.has_ts = 1;
        char want[4400];
        snprintf(want, sizeof want, "%s:%s", at(cases[k].name), cases[k].msg);
        /* integer ids: with GR_IDS_AUTO a first row of names is data (names_as_ids) */
        int rc = read_text_ids(&e, cases[k].name, cases[k].text, cases[k].format, GR_IDS_INTEGERS);
        ck_assert_msg(rc == GR_EFORMAT, "case %zu: status %d", k, rc);
        ck_assert_msg(strcmp(gr_last_error(), want) == 0, "case %zu: '%s'", k, gr_last_error());
        ck_assert_uint_eq(e.n, 1);
        assert_edge(&e, 0, 77, 88, 2.5f, 99);
        ck_assert_int_eq(e.has_rating, 1);
        ck_assert_int_eq(e.has_ts, 1);
        gr_edges_free(&e);
    }
}
END_TEST

static int64_t hash_of(const char *name) { return gr_name_hash(name, strlen(name)); }

/* The name edge k's user and item have, as the tables keep them. */
static void assert_named_edge(const gr_edges *e, size_t k, const char *user, const char *item)
{
    ck_assert_int_eq(e->user[k], hash_of(user));
    ck_assert_int_eq(e->item[k], hash_of(item));
    ck_assert_str_eq(gr_names_find(e->user_names, e->user[k]), user);
    ck_assert_str_eq(gr_names_find(e->item_names, e->item[k]), item);
}

/* Ids that are names: found from the first row, or asked for; each the
 * hash of its trimmed name; kept in the tables. */
START_TEST(names_as_ids)
{
    gr_edges e;
    gr_edges_init(&e);
    /* a header, then names: the first row decides */
    ck_assert_int_eq(read_text(&e, "a.csv", "user,item,rating\nalice, sku-1 ,5\nbob,sku-2,3\nalice,17,4\n", 0), GR_OK);
    ck_assert_uint_eq(e.n, 3);
    assert_named_edge(&e, 0, "alice", "sku-1");
    assert_named_edge(&e, 2, "alice", "17"); /* "17" is a name here, not 17 */
    ck_assert_int_ne(e.item[2], 17);
    ck_assert_float_eq(gr_edges_rating(&e, 1), 3.0f);
    gr_edges_free(&e);
    /* no header, tab separated, a UUID */
    gr_edges_init(&e);
    ck_assert_int_eq(read_text(&e, "b.tsv", "9b2f6c1e-0d4e-4f7a-8c1b-3e5d7a9f0b12\tB000X\t4\n", 0), GR_OK);
    assert_named_edge(&e, 0, "9b2f6c1e-0d4e-4f7a-8c1b-3e5d7a9f0b12", "B000X");
    gr_edges_free(&e);
    /* adjacency lists of names */
    gr_edges_init(&e);
    ck_assert_int_eq(read_text(&e, "c.txt", "ann x y\nbo y\n", GR_FORMAT_ADJACENCY), GR_OK);
    ck_assert_uint_eq(e.n, 3);
    assert_named_edge(&e, 1, "ann", "y");
    assert_named_edge(&e, 2, "bo", "y");
    gr_edges_free(&e);
    /* detected: blank-separated names are adjacency lists, or rows with ratings */
    gr_edges_init(&e);
    ck_assert_int_eq(read_text(&e, "adj.txt", "ann x y z\nbo y\n", GR_FORMAT_AUTO), GR_OK);
    ck_assert_uint_eq(e.n, 4);
    assert_named_edge(&e, 3, "bo", "y");
    gr_edges_free(&e);
    gr_edges_init(&e);
    ck_assert_int_eq(read_text(&e, "rows.txt", "ann x 5\nbo y 3\n", GR_FORMAT_AUTO), GR_OK);
    ck_assert_uint_eq(e.n, 2);
    ck_assert_float_eq(gr_edges_rating(&e, 1), 3.0f);
    gr_edges_free(&e);
    /* asked for: integers are names, and a first line of names alone is a row */
    gr_edges_init(&e);
    ck_assert_int_eq(read_text_ids(&e, "d.csv", "ann,x\n17,42\n", GR_FORMAT_DELIMITED, GR_IDS_NAMES), GR_OK);
    ck_assert_uint_eq(e.n, 2);
    assert_named_edge(&e, 0, "ann", "x");
    assert_named_edge(&e, 1, "17", "42");
    gr_edges_free(&e);
    /* integers asked for, or decided by the first row: a later name fails */
    gr_edges_init(&e);
    ck_assert_int_eq(read_text(&e, "e.csv", "1,2\n3,x\n", GR_FORMAT_DELIMITED), GR_EFORMAT);
    ck_assert(strstr(gr_last_error(), "e.csv:2: field 'item': expected an integer, got 'x'") != NULL);
    ck_assert(e.user_names == NULL);
    ck_assert_int_eq(read_text_ids(&e, "f.csv", "u,2\n", GR_FORMAT_DELIMITED, GR_IDS_INTEGERS), GR_EFORMAT);
    /* a failed read leaves no tables: the next read decides anew */
    ck_assert_int_eq(read_text(&e, "g.csv", "u,2,5\n3,,1\n", GR_FORMAT_DELIMITED), GR_EFORMAT);
    ck_assert(strstr(gr_last_error(), "g.csv:2: field 'item': empty name") != NULL);
    ck_assert(e.user_names == NULL && e.n == 0);
    /* MovieLens's own formats hold integers */
    ck_assert_int_eq(read_text(&e, "u.data", "u1\t2\t3\t4\n", 0), GR_EFORMAT);
    /* edges appended to named ones are named */
    ck_assert_int_eq(read_text(&e, "h.csv", "ann,x,1\n", GR_FORMAT_DELIMITED), GR_OK);
    ck_assert_int_eq(read_text(&e, "i.csv", "5,6,1\n", GR_FORMAT_DELIMITED), GR_OK);
    assert_named_edge(&e, 1, "5", "6");
    gr_edges_free(&e);
}
END_TEST

/* Two names with one id are an error naming both, never one merged node.
 * No two short names share a 63-bit hash, so the table is given one id
 * twice by hand. */
START_TEST(name_collisions_are_errors)
{
    gr_names t;
    gr_names_init(&t);
    ck_assert_int_eq(gr_names_add(&t, 5, "alice", 5), GR_OK);
    ck_assert_int_eq(gr_names_add(&t, 5, "alice", 5), GR_OK);
    ck_assert_int_eq(gr_names_add(&t, 5, "bob", 3), GR_EFORMAT);
    ck_assert(strstr(gr_last_error(), "'alice' and 'bob' have the same id 5") != NULL);
    ck_assert_str_eq(gr_names_find(&t, 5), "alice");
    ck_assert(gr_names_find(&t, 6) == NULL);
    char big[GR_NAME_MAX + 2];
    memset(big, 'a', sizeof big);
    ck_assert_int_eq(gr_names_add(&t, 7, big, sizeof big), GR_EFORMAT);
    gr_names_free(&t);
    /* the hash is fixed: models and other programs depend on it */
    ck_assert_int_eq(hash_of("alice"), gr_name_hash("alice", 5));
    ck_assert_int_ge(hash_of(""), 0);
    ck_assert_int_ne(hash_of("a"), hash_of("b"));
}
END_TEST

/* "1\t2\t5\t100\0\t7" is not a 4-field row: a NUL byte fails the file. */
START_TEST(nul_bytes_fail_the_file)
{
    static const char row[] = "1\t2\t5\t100\n1\t2\t5\t100\0\t7\n";
    static const char *const names[] = { "u.data", "r.tsv", "ratings.dat", "ratings.csv", "train.txt" };
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
        char *p = fx_write_bytes(tmp, names[k], row, sizeof row - 1);
        gr_edges e;
        gr_edges_init(&e);
        char want[4400];
        snprintf(want, sizeof want, "%s:2: NUL byte at column 10 (a text file holds none)", at(names[k]));
        assert_error(gr_read_interactions(&e, p, 0, GR_IDS_AUTO), GR_EFORMAT, want);
        ck_assert_uint_eq(e.n, 0);
        gr_edges_free(&e);
        free(p);
    }
}
END_TEST

/* A path too long for the loader's buffers is an error, never cut short
 * to a prefix that could name another file. */
START_TEST(long_paths_are_not_cut)
{
    char *p = fx_write(tmp, "u.data", "1\t2\t3\t4\n");
    size_t n = strlen(p);
    char *longer = malloc(n + 5000);
    memcpy(longer, p, n);
    memset(longer + n, '/', 4990); /* the same file, spelled too long */
    longer[n] = '\0';
    memmove(longer + 4990, longer, n + 1);
    memset(longer, '/', 4990);
    gr_graph *g = NULL;
    ck_assert_int_eq(gr_graph_load(&g, longer, NULL), GR_EIO); /* the system's limit */
    gr_load_options o = GR_LOAD_OPTIONS_INIT;
    o.items_path = longer;
    ck_assert_int_eq(gr_graph_load(&g, p, &o), GR_EINVAL);
    ck_assert_ptr_nonnull(strstr(gr_last_error(), "path longer than"));
    o.items_path = NULL;
    o.users_path = longer;
    ck_assert_int_eq(gr_graph_load(&g, p, &o), GR_EINVAL);
    ck_assert_ptr_null(g);
    ck_assert_int_eq(gr_graph_load(&g, p, NULL), GR_OK);
    gr_graph_free(g);
    free(longer);
    free(p);
}
END_TEST

START_TEST(empty_files_have_no_interactions)
{
    static const struct {
        const char *name, *text;
        int format;
    } cases[] = {
        { "u.data", "", 0 },         { "ratings.dat", "\n\n", 0 },
        { "ratings.csv", "userId,movieId,rating,timestamp\n", 0 },
        { "train.txt", "0\n1\n", GR_FORMAT_ADJACENCY }, { "x.txt", " \r\n", 0 },
        { "d.txt", "", GR_FORMAT_DELIMITED },
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        gr_edges e;
        gr_edges_init(&e);
        char want[4400];
        snprintf(want, sizeof want, "%s: no interactions", at(cases[k].name));
        assert_error(read_text(&e, cases[k].name, cases[k].text, cases[k].format), GR_EFORMAT, want);
        ck_assert_uint_eq(e.n, 0);
        gr_edges_free(&e);
    }
}
END_TEST

/* ---- detection --------------------------------------------------------- */

START_TEST(detects_formats)
{
    static const struct {
        const char *name, *text;
        int format;
    } cases[] = {
        { "u.data", "1 2 3 4\n", GR_FORMAT_ML100K },
        { "u1.base", "1\t2\t3\t4\n", GR_FORMAT_ML100K },
        { "ua.test", "1\t2\t3\t4\n", GR_FORMAT_ML100K },
        { "ratings.dat", "1::2::3::4\n", GR_FORMAT_ML1M },
        { "ratings.csv", "userId,movieId,rating,timestamp\n", GR_FORMAT_CSV },
        /* by content */
        { "r10m.dat", "1::122::5::838985046\n", GR_FORMAT_ML1M },
        { "data", "\n196\t242\t3\t881250949\n186\t302\t3\t891717742\n", GR_FORMAT_ML100K },
        { "mine.csv", "userId,movieId,rating,timestamp\n1,2,3.5,4\n", GR_FORMAT_CSV },
        { "mine.csv", "1,2,3.5\n", GR_FORMAT_DELIMITED },
        { "mine.tsv", "user\titem\n1\t2\n", GR_FORMAT_DELIMITED },
        { "mine.tsv", "1\t2\t3\n", GR_FORMAT_DELIMITED },
        { "mine", "1;2;3;4\n", GR_FORMAT_DELIMITED },
        { "train.txt", "0 1 2 3 4 5\n1 7\n", GR_FORMAT_ADJACENCY },
        { "train.txt", "0 1 2\n1 7 8\n", GR_FORMAT_ADJACENCY },
        { "train.txt", "0 1\n1 7\n", GR_FORMAT_ADJACENCY },
        { "pairs", "0 1\n1 7\n", GR_FORMAT_DELIMITED },
        { "triples", "1 10 4\n2 11 5\n", GR_FORMAT_DELIMITED },
        { "triples", "1 10 40\n2 11 50\n", GR_FORMAT_ADJACENCY },
        { "rated.txt", "1 10 4 881250949\n2 11 5 881250950\n", GR_FORMAT_DELIMITED },
        { "rated.txt", "1 10 4.5\n2 11 5\n", GR_FORMAT_DELIMITED },
        { "adj.txt", "1 10 4 8\n2 11 5 9\n", GR_FORMAT_ADJACENCY },
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        char *p = fx_write(tmp, cases[k].name, cases[k].text);
        int format = -1;
        ck_assert_msg(gr_detect_format(&format, p) == GR_OK, "case %zu: %s", k, gr_last_error());
        ck_assert_msg(format == cases[k].format, "case %zu (%s): detected %d", k, cases[k].name, format);
        free(p);
    }
    int format;
    /* a first line longer than any fixed buffer: its fields are read whole
     * (a copy cut at 1,023 bytes held the name alone, no number, and was
     * taken for a CSV header) */
    char long_row[1100];
    memset(long_row, 'n', 1020);
    snprintf(long_row + 1020, sizeof long_row - 1020, ",item,5\nu2,item,4\n");
    char *p = fx_write(tmp, "long.csv", long_row);
    format = -1;
    ck_assert_msg(gr_detect_format(&format, p) == GR_OK, "%s", gr_last_error());
    ck_assert_int_eq(format, GR_FORMAT_DELIMITED);
    free(p);
    p = fx_write(tmp, "empty.txt", "\n\n");
    char want[4400];
    snprintf(want, sizeof want, "%s: no interactions", p);
    assert_error(gr_detect_format(&format, p), GR_EFORMAT, want);
    free(p);
    ck_assert_int_eq(gr_detect_format(&format, at("missing.txt")), GR_EIO);
    ck_assert_int_eq(gr_detect_format(&format, at("u.data")), GR_OK);
    unlink(at("u.data"));
    ck_assert_int_eq(gr_detect_format(&format, at("u.data")), GR_EIO);
}
END_TEST

START_TEST(finds_ratings_in_directories)
{
    char buf[4200];
    int format = -1;
    ck_assert_int_eq(gr_find_ratings_file(buf, sizeof buf, &format, tmp), GR_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(gr_last_error(), tmp));
    free(fx_write(tmp, "ratings.csv", "userId,movieId,rating,timestamp\n1,2,3.5,4\n"));
    ck_assert_int_eq(gr_find_ratings_file(buf, sizeof buf, &format, tmp), GR_OK);
    ck_assert_str_eq(buf, at("ratings.csv"));
    ck_assert_int_eq(format, GR_FORMAT_CSV);
    free(fx_write(tmp, "ratings.dat", "1::2::3::4\n5::6::7::8\n"));
    ck_assert_int_eq(gr_find_ratings_file(buf, sizeof buf, &format, tmp), GR_OK);
    ck_assert_int_eq(format, GR_FORMAT_ML1M);
    ck_assert_int_eq(gr_find_ratings_file(buf, 8, &format, tmp), GR_EINVAL);
    /* a directory can be read directly */
    gr_edges e;
    gr_edges_init(&e);
    ck_assert_int_eq(gr_read_interactions(&e, tmp, GR_FORMAT_AUTO, GR_IDS_AUTO), GR_OK);
    ck_assert_uint_eq(e.n, 2);
    ck_assert_int_eq(gr_detect_format(&format, tmp), GR_OK);
    ck_assert_int_eq(format, GR_FORMAT_ML1M);
    gr_edges_free(&e);
}
END_TEST

/* ---- real data --------------------------------------------------------- */

static size_t distinct(const int64_t *v, size_t n)
{
    gr_idmap m;
    gr_idmap_init(&m);
    for (size_t k = 0; k < n; k++) gr_idmap_intern(&m, v[k]);
    size_t d = m.n;
    gr_idmap_free(&m);
    return d;
}

START_TEST(reads_the_real_ml100k)
{
    const char *dir = fx_data_dir("ml100k");
    if (!dir) return;
    char p[4200];
    snprintf(p, sizeof p, "%s/u.data", dir);
    gr_edges e;
    gr_edges_init(&e);
    ck_assert_int_eq(gr_read_interactions(&e, p, GR_FORMAT_AUTO, GR_IDS_AUTO), GR_OK);
    ck_assert_uint_eq(e.n, 100000);
    ck_assert_uint_eq(distinct(e.user, e.n), 943);
    ck_assert_uint_eq(distinct(e.item, e.n), 1682);
    assert_edge(&e, 0, 196, 242, 3.0f, 881250949);
    ck_assert_int_eq(e.has_rating, 1);
    ck_assert_int_eq(e.has_ts, 1);
    double sum = 0;
    for (size_t k = 0; k < e.n; k++) sum += gr_edges_rating(&e, k);
    ck_assert_double_eq_tol(sum / (double)e.n, 3.52986, 1e-4);
    gr_edges_free(&e);
    gr_edges_init(&e);
    snprintf(p, sizeof p, "%s/u1.base", dir);
    ck_assert_int_eq(gr_read_interactions(&e, p, GR_FORMAT_AUTO, GR_IDS_AUTO), GR_OK);
    snprintf(p, sizeof p, "%s/u1.test", dir);
    ck_assert_int_eq(gr_read_interactions(&e, p, GR_FORMAT_AUTO, GR_IDS_AUTO), GR_OK);
    ck_assert_uint_eq(e.n, 100000);
    gr_edges_free(&e);
}
END_TEST

START_TEST(reads_the_real_ml1m_m1)
{
    const char *dir = fx_data_dir("ml1m_m1");
    if (!dir) return;
    char p[4200];
    snprintf(p, sizeof p, "%s/train.txt", dir);
    int format;
    ck_assert_int_eq(gr_detect_format(&format, p), GR_OK);
    ck_assert_int_eq(format, GR_FORMAT_ADJACENCY);
    gr_edges e;
    gr_edges_init(&e);
    ck_assert_int_eq(gr_read_interactions(&e, p, GR_FORMAT_AUTO, GR_IDS_AUTO), GR_OK);
    ck_assert_uint_eq(e.n, 796244);
    ck_assert_uint_eq(distinct(e.user, e.n), 6022);
    ck_assert_int_eq(e.has_rating, 0);
    assert_edge(&e, 0, 0, 148, 1.0f, 0);
    gr_edges_free(&e);
}
END_TEST

/* Read path in `parts` parts (gr_file_part), each numbered from the lines
 * of the parts before it, appending to e. */
static int read_in_parts(gr_edges *e, const char *path, int format, int parts)
{
    size_t before = 0;
    for (int p = 0; p < parts; p++) {
        uint64_t begin, end;
        size_t lines;
        ck_assert_int_eq(gr_file_part(path, p, parts, &begin, &end, &lines), GR_OK);
        int rc = gr_read_interactions_part(e, path, format, GR_IDS_AUTO, begin, end, before);
        if (rc != GR_OK) return rc;
        before += lines;
    }
    return GR_OK;
}

/* The parts of a file, read one after another, give what the whole file
 * gives: every line in exactly one part, whatever the line ends, a byte
 * order mark, a missing last newline, a header or a line longer than a
 * part; and errors name the line by its number in the whole file. */
START_TEST(parts_read_what_the_whole_file_holds)
{
    static const struct {
        const char *name, *text;
        int format;
    } files[] = {
        { "a.txt", "1 2 3 4\n\n5 6\n7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25\n9 1\n", GR_FORMAT_ADJACENCY },
        { "b.txt", "\xEF\xBB\xBF" "1 2\r\n3 4 5\r\n\r\n6 7", GR_FORMAT_ADJACENCY },
        { "ratings.csv", "userId,movieId,rating,timestamp\r\n1,2,3.5,1100000000\r\n2,3,4,1100000001\r\n3,1,1,1100000002",
          GR_FORMAT_CSV },
        { "d.txt", "# c\n\nuser;item;rating\n1;2;3\n2;2;4\n3;1;5\n", GR_FORMAT_DELIMITED },
        { "e.txt", "1\t2\t3\n2\t3\t4\n", GR_FORMAT_DELIMITED },
        { "u.data", "1\t2\t3\t881250949\n", GR_FORMAT_ML100K },
        /* names: the first row (after the header) decides for every part */
        { "n.csv", "user,item,rating\nalice,sku-1,5\n2,3,4\nbob,sku-1,3\ncarol,4,1\n", GR_FORMAT_CSV },
        { "n.txt", "ann x y\n\nbo y 3\n7 x\n", GR_FORMAT_ADJACENCY },
    };
    for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
        char *path = fx_write(tmp, files[f].name, files[f].text);
        gr_edges whole;
        gr_edges_init(&whole);
        ck_assert_int_eq(gr_read_interactions(&whole, path, files[f].format, GR_IDS_AUTO), GR_OK);
        for (int parts = 1; parts <= 9; parts++) {
            gr_edges e;
            gr_edges_init(&e);
            ck_assert_msg(read_in_parts(&e, path, files[f].format, parts) == GR_OK, "%s", gr_last_error());
            ck_assert_msg(e.n == whole.n, "%s in %d parts: %zu edges, %zu whole", files[f].name, parts, e.n, whole.n);
            ck_assert(!memcmp(e.user, whole.user, e.n * sizeof *e.user) && !memcmp(e.item, whole.item, e.n * sizeof *e.item));
            for (size_t k = 0; k < e.n; k++)
                ck_assert(gr_edges_rating(&e, k) == gr_edges_rating(&whole, k) && gr_edges_ts(&e, k) == gr_edges_ts(&whole, k));
            ck_assert_int_eq(e.has_rating, whole.has_rating);
            ck_assert_int_eq(e.has_ts, whole.has_ts);
            ck_assert_int_eq(e.user_names != NULL, whole.user_names != NULL);
            for (size_t k = 0; whole.user_names && k < e.n; k++) {
                ck_assert_str_eq(gr_names_find(e.user_names, e.user[k]), gr_names_find(whole.user_names, e.user[k]));
                ck_assert_str_eq(gr_names_find(e.item_names, e.item[k]), gr_names_find(whole.item_names, e.item[k]));
            }
            gr_edges_free(&e);
        }
        gr_edges_free(&whole);
        free(path);
    }
    char *bad = fx_write(tmp, "bad.txt", "1 2\n3 4\n5 6\n7 x\n9 10\n");
    gr_edges e;
    gr_edges_init(&e);
    ck_assert_int_eq(read_in_parts(&e, bad, GR_FORMAT_ADJACENCY, 3), GR_EFORMAT);
    ck_assert_msg(strstr(gr_last_error(), "bad.txt:4: field 'item'") != NULL, "%s", gr_last_error());
    gr_edges_free(&e);
    free(bad);
}
END_TEST

/* A communicator in the load options needs MPI: refused without it (and
 * before MPI_Init in an MPI build); version-1 options never read it. */
START_TEST(load_with_comm_needs_mpi)
{
    char *path = fx_write(tmp, "c.txt", "1 2 3\n");
    gr_load_options o = GR_LOAD_OPTIONS_INIT;
    int not_a_comm = 0;
    o.comm = &not_a_comm;
    gr_graph *g = NULL;
    ck_assert_int_eq(gr_graph_load(&g, path, &o), gr_dist_available() ? GR_ESTATE : GR_EUNSUPPORTED);
    ck_assert_ptr_null(g);
    ck_assert_msg(strstr(gr_last_error(), gr_dist_available() ? "gr_load_options.comm" : "no MPI support"), "%s",
                  gr_last_error());
    o.version = 1;
    ck_assert_int_eq(gr_graph_load(&g, path, &o), GR_OK);
    gr_graph_free(g);
    free(path);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("io_ratings");
    TCase *tc = tcase_create("ratings");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, reads_adjacency_lists);
    tcase_add_test(tc, reads_ml100k);
    tcase_add_test(tc, reads_ml1m);
    tcase_add_test(tc, reads_csv);
    tcase_add_test(tc, reads_delimited);
    tcase_add_test(tc, appends_and_keeps_flags_honest);
    tcase_add_test(tc, columns_are_held_from_their_first_value);
    tcase_add_test(tc, missing_file_is_an_io_error);
    tcase_add_test(tc, malformed_lines_name_file_line_and_field);
    tcase_add_test(tc, nul_bytes_fail_the_file);
    tcase_add_test(tc, names_as_ids);
    tcase_add_test(tc, name_collisions_are_errors);
    tcase_add_test(tc, long_paths_are_not_cut);
    tcase_add_test(tc, empty_files_have_no_interactions);
    tcase_add_test(tc, detects_formats);
    tcase_add_test(tc, finds_ratings_in_directories);
    tcase_add_test(tc, reads_the_real_ml100k);
    tcase_add_test(tc, reads_the_real_ml1m_m1);
    tcase_add_test(tc, parts_read_what_the_whole_file_holds);
    tcase_add_test(tc, load_with_comm_needs_mpi);
    suite_add_tcase(s, tc);
    return fx_run(s);
}
