/* Metadata readers: u.item/u.genre, movies.dat, movies.csv, u.user,
 * users.dat, years, finding the files, the real ML-100K metadata. */
#include <gnnrec.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixtures.h"
#include "io/metadata.h"
#include "io/text.h"

static char *tmp;

static void setup(void) { tmp = fx_tmpdir(); }

static void teardown(void)
{
    fx_rmtree(tmp);
    free(tmp);
}

/* tmp/name */
static const char *at(const char *name)
{
    static char buf[4200];
    snprintf(buf, sizeof buf, "%s/%s", tmp, name);
    return buf;
}

static const gr_item_info *item(const gr_item_table *t, int64_t id)
{
    for (size_t k = 0; k < t->n; k++)
        if (t->v[k].id == id) return &t->v[k];
    ck_abort_msg("item %lld missing", (long long)id);
    return NULL;
}

static int genre_index(const gr_item_table *t, const char *name)
{
    for (size_t g = 0; g < t->n_genres; g++)
        if (strcmp(t->genre[g], name) == 0) return (int)g;
    return -1;
}

/* Mask of a '|'-separated list of genre names of t. */
static uint64_t mask_of(const gr_item_table *t, const char *names)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", names);
    uint64_t m = 0;
    for (char *s = strtok(buf, "|"); s; s = strtok(NULL, "|")) {
        int g = genre_index(t, s);
        ck_assert_msg(g >= 0, "no genre %s", s);
        m |= 1ULL << g;
    }
    return m;
}

static void assert_error(int rc, int code, const char *name, const char *msg)
{
    char want[4400];
    snprintf(want, sizeof want, "%s%s", at(name), msg);
    ck_assert_int_eq(rc, code);
    ck_assert_str_eq(gr_last_error(), want);
}

/* ---- items ------------------------------------------------------------- */

#define FLAGS_TOY "|0|0|0|1|1|1|0|0|0|0|0|0|0|0|0|0|0|0|0"
#define FLAGS_DRAMA "|0|0|0|0|0|0|0|0|1|0|0|0|0|0|0|0|0|0|0"
#define FLAGS_NONE "|1|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0"

static const char *uitem_text =
    "1|Toy Story (1995)|01-Jan-1995||http://us.imdb.com/M/title-exact?Toy%20Story%20(1995)" FLAGS_TOY "\n"
    "543|Mis\xE9rables, Les (1995)|01-Jan-1995||http://x" FLAGS_DRAMA "\r\n"
    "267|unknown||||1|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0\n"
    "1128|Heidi Fleiss: Hollywood Madam (1995) |09-Feb-1996||http://x" FLAGS_DRAMA "\n"
    "1358|The Deadly Cure (V)|16-Sep-1996||" FLAGS_DRAMA "\n"
    "\n";

START_TEST(reads_uitem_with_standard_genres)
{
    char *p = fx_write(tmp, "u.item", uitem_text);
    gr_item_table t;
    ck_assert_int_eq(gr_read_items(&t, p), GR_OK);
    ck_assert_uint_eq(t.n, 5);
    ck_assert_uint_eq(t.n_genres, 19);
    ck_assert_str_eq(t.genre[0], "unknown");
    ck_assert_str_eq(t.genre[4], "Children's");
    ck_assert_str_eq(t.genre[18], "Western");
    const gr_item_info *it = item(&t, 1);
    ck_assert_str_eq(it->title, "Toy Story (1995)");
    ck_assert_int_eq(it->year, 1995);
    ck_assert_uint_eq(it->genres, mask_of(&t, "Animation|Children's|Comedy"));
    /* latin-1 becomes UTF-8 */
    ck_assert_str_eq(item(&t, 543)->title, "Mis\xC3\xA9rables, Les (1995)");
    ck_assert_int_eq(item(&t, 267)->year, 0);
    ck_assert_uint_eq(item(&t, 267)->genres, 1);
    /* trailing blanks are dropped; the year is the title's, not the date's */
    ck_assert_str_eq(item(&t, 1128)->title, "Heidi Fleiss: Hollywood Madam (1995)");
    ck_assert_int_eq(item(&t, 1128)->year, 1995);
    /* no year in the title: the release date gives it */
    ck_assert_int_eq(item(&t, 1358)->year, 1996);
    gr_item_table_free(&t);
    free(p);
}
END_TEST

START_TEST(reads_uitem_with_ugenre_beside)
{
    free(fx_write(tmp, "u.genre", "none|0\nFun|1\nSad|2\n\n"));
    char *p = fx_write(tmp, "u.item", "7|Film (2001)|01-Jan-2001|||0|1|1\n8|Other (1999)||||1|0|0\n");
    gr_item_table t;
    ck_assert_int_eq(gr_read_items(&t, p), GR_OK);
    ck_assert_uint_eq(t.n_genres, 3);
    ck_assert_str_eq(t.genre[1], "Fun");
    ck_assert_uint_eq(item(&t, 7)->genres, 6);
    ck_assert_uint_eq(item(&t, 8)->genres, 1);
    gr_item_table_free(&t);
    /* u.item lines must have one flag per genre of u.genre */
    free(fx_write(tmp, "u.item", "7|Film (2001)|01-Jan-2001|||0|1\n"));
    assert_error(gr_read_items(&t, p), GR_EFORMAT, "u.item",
                 ":1: too few fields: expected 8 (id, title, dates, URL and 3 genre flags), got 7");
    ck_assert_uint_eq(t.n, 0);
    ck_assert_ptr_null(t.v);
    free(fx_write(tmp, "u.genre", "none|0\nFun|2\n"));
    assert_error(gr_read_items(&t, p), GR_EFORMAT, "u.genre",
                 ":2: field 'index': expected the genres numbered 0, 1, 2, ... in order, got '2'");
    free(p);
}
END_TEST

START_TEST(reads_movies_dat)
{
    char *p = fx_write(tmp, "movies.dat",
                       "1::Toy Story (1995)::Animation|Children's|Comedy\r\n"
                       "2::Jumanji (1995)::Adventure|Children's|Fantasy\r\n"
                       "73::Mis\xE9rables, Les (1995)::Drama|Musical\r\n"
                       "3952::Contender, The (2000)::Drama|Thriller\r\n"
                       "9::Odd::Title (1999)::Action\r\n");
    gr_item_table t;
    ck_assert_int_eq(gr_read_items(&t, p), GR_OK);
    ck_assert_uint_eq(t.n, 5);
    /* genres in order of first appearance */
    static const char *const want[] = { "Animation", "Children's", "Comedy", "Adventure", "Fantasy",
                                        "Drama",     "Musical",    "Thriller", "Action" };
    ck_assert_uint_eq(t.n_genres, 9);
    for (size_t g = 0; g < 9; g++) ck_assert_str_eq(t.genre[g], want[g]);
    ck_assert_uint_eq(item(&t, 1)->genres, 7);
    ck_assert_str_eq(item(&t, 73)->title, "Mis\xC3\xA9rables, Les (1995)");
    ck_assert_int_eq(item(&t, 3952)->year, 2000);
    ck_assert_str_eq(item(&t, 9)->title, "Odd::Title (1999)");
    ck_assert_uint_eq(item(&t, 9)->genres, mask_of(&t, "Action"));
    gr_item_table_free(&t);
    free(p);
}
END_TEST

START_TEST(reads_movies_csv)
{
    char *p = fx_write(tmp, "movies.csv",
                       "movieId,title,genres\r\n"
                       "1,Toy Story (1995),Adventure|Animation|Children|Comedy|Fantasy\r\n"
                       "11,\"American President, The (1995)\",Comedy|Drama|Romance\r\n"
                       "1926,\"\"\"Great Performances\"\" Cats (1998)\",Musical\r\n"
                       "5,Am\xC3\xA9lie (Fabuleux destin d'Am\xC3\xA9lie Poulain) (2001),Comedy|Romance\r\n"
                       "6,Fawlty Towers (1975-1979),Comedy\r\n"
                       "7,Babylon 5,Sci-Fi\r\n"
                       "8,\"Two\nLines (2010)\",(no genres listed)\r\n"
                       "9,The Big Bang Theory (2007-),Comedy\r\n");
    gr_item_table t;
    ck_assert_int_eq(gr_read_items(&t, p), GR_OK);
    ck_assert_uint_eq(t.n, 8);
    ck_assert_str_eq(t.genre[2], "Children");
    ck_assert_str_eq(item(&t, 11)->title, "American President, The (1995)");
    ck_assert_uint_eq(item(&t, 11)->genres, mask_of(&t, "Comedy|Drama|Romance"));
    ck_assert_str_eq(item(&t, 1926)->title, "\"Great Performances\" Cats (1998)");
    ck_assert_int_eq(item(&t, 1926)->year, 1998);
    /* UTF-8 stays UTF-8 */
    ck_assert_str_eq(item(&t, 5)->title, "Am\xC3\xA9lie (Fabuleux destin d'Am\xC3\xA9lie Poulain) (2001)");
    ck_assert_int_eq(item(&t, 6)->year, 1975);
    ck_assert_int_eq(item(&t, 7)->year, 0);
    ck_assert_str_eq(item(&t, 8)->title, "Two\nLines (2010)");
    ck_assert_uint_eq(item(&t, 8)->genres, 0);
    ck_assert_int_eq(item(&t, 9)->year, 2007);
    ck_assert_int_eq(genre_index(&t, "(no genres listed)"), -1);
    gr_item_table_free(&t);
    free(p);
}
END_TEST

START_TEST(more_than_64_genres_are_an_error)
{
    char text[8192] = "movieId,title,genres\n";
    for (int k = 0; k < 70; k++) {
        size_t n = strlen(text);
        snprintf(text + n, sizeof text - n, "%d,Film %d (2000),G%d|Common\n", k + 1, k, k);
    }
    char *p = fx_write(tmp, "movies.csv", text);
    gr_item_table t;
    /* G63 on line 65 would be the 65th genre: a mask holds 64 */
    assert_error(gr_read_items(&t, p), GR_EFORMAT, "movies.csv",
                 ":65: field 'genres': 'G63' would be genre 65, and at most 64 distinct genres are supported");
    ck_assert_uint_eq(t.n, 0);
    ck_assert_uint_eq(t.n_genres, 0);
    /* 64 exactly are fine; later spellings that differ in case are the same genre */
    char *q = strstr(text, "64,Film 63");
    strcpy(q, "64,Film 63 (2000),COMMON|g0\n");
    free(fx_write(tmp, "movies.csv", text));
    ck_assert_int_eq(gr_read_items(&t, p), GR_OK);
    ck_assert_uint_eq(t.n, 64);
    ck_assert_uint_eq(t.n_genres, 64);
    ck_assert_str_eq(t.genre[1], "Common");
    ck_assert_uint_eq(item(&t, 64)->genres, 3);
    gr_item_table_free(&t);
    free(p);
}
END_TEST

/* Every genre of u.genre must be reachable by name: a name listed twice
 * (matched ignoring case, as gr_graph_genre_mask matches) is an error. */
START_TEST(ugenre_names_are_distinct)
{
    char *p = fx_write(tmp, "u.item", "7|Film (2001)|01-Jan-2001|||0|1|1\n");
    gr_item_table t;
    free(fx_write(tmp, "u.genre", "none|0\nFun|1\nFun|2\n"));
    assert_error(gr_read_items(&t, p), GR_EFORMAT, "u.genre", ":3: field 'genre': 'Fun' appears twice (genre 1 is 'Fun')");
    free(fx_write(tmp, "u.genre", "none|0\nFun|1\n\nfUN|2\n"));
    assert_error(gr_read_items(&t, p), GR_EFORMAT, "u.genre", ":4: field 'genre': 'fUN' appears twice (genre 1 is 'Fun')");
    free(fx_write(tmp, "u.genre", "none|0\n |1\nSad|2\n"));
    assert_error(gr_read_items(&t, p), GR_EFORMAT, "u.genre", ":2: field 'genre': empty");
    free(fx_write(tmp, "u.genre", "none|0\nFun,Sad|1\nSad|2\n"));
    assert_error(gr_read_items(&t, p), GR_EFORMAT, "u.genre",
                 ":2: field 'genre': 'Fun,Sad' holds a comma (genre lists are comma-separated)");
    ck_assert_uint_eq(t.n_genres, 0);
    free(p);
    p = fx_write(tmp, "movies.dat", "1::A (1995)::Drama|Fun,Sad\n");
    assert_error(gr_read_items(&t, p), GR_EFORMAT, "movies.dat",
                 ":1: field 'genres': 'Fun,Sad' holds a comma (genre lists are comma-separated)");
    free(p);
}
END_TEST

START_TEST(item_errors_name_file_line_and_field)
{
    static const struct {
        const char *name, *text, *msg;
    } cases[] = {
        { "movies.dat", "1::A (1995)::Drama\nx::B (1996)::Drama\n", ":2: field 'id': expected an integer, got 'x'" },
        { "movies.dat", "1::A (1995)\n", ":1: too few fields: expected 3 (id, title, genres), got 2" },
        { "movies.dat", "1::A (1995)::Drama\n1::B (1996)::Drama\n", ":2: field 'id': id 1 appears twice" },
        { "movies.csv", "movieId,title,genres\n1,A, The (1995),Drama\n",
          ":2: too many fields: expected 3 (movieId, title, genres), got 4" },
        { "movies.csv", "movieId,title,genres\n1,\"A\" (1995),Drama\n", ":2: malformed quoted field" },
        { "movies.csv", "movieId,title,genres\n\n\n1.5,A,Drama\n", ":4: field 'movieId': expected an integer, got '1.5'" },
        { "movies.csv", "movieId,title,genres\n1,\"A\nB\",Drama\n2,\"open,Drama\n",
          ":4: malformed quoted field" },
        { "u.item", "1|A (1995)|01-Jan-1995||" FLAGS_TOY "\n2|B||" FLAGS_TOY "\n",
          ":2: too few fields: expected 24 (id, title, dates, URL and 19 genre flags), got 23" },
        { "u.item", "1|A (1995)|01-Jan-1995||" FLAGS_TOY "\n2|B||||x|0|0|1|1|1|0|0|0|0|0|0|0|0|0|0|0|0|0\n",
          ":2: field 'genres': expected 0 or 1, got 'x'" },
        { "movies.dat", "", ": no items" },
        { "movies.csv", "movieId,title,genres\n", ": no items" },
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        char *p = fx_write(tmp, cases[k].name, cases[k].text);
        gr_item_table t;
        int rc = gr_read_items(&t, p);
        char want[4400];
        snprintf(want, sizeof want, "%s%s", p, cases[k].msg);
        ck_assert_msg(rc == GR_EFORMAT, "case %zu: status %d", k, rc);
        ck_assert_msg(strcmp(gr_last_error(), want) == 0, "case %zu: '%s'", k, gr_last_error());
        ck_assert_uint_eq(t.n, 0);
        ck_assert_uint_eq(t.n_genres, 0);
        free(p);
    }
    gr_item_table t;
    assert_error(gr_read_items(&t, at("movies.dat.missing")), GR_EIO, "movies.dat.missing",
                 ": cannot open: No such file or directory");
    assert_error(gr_read_items(&t, at("sub/u.item")), GR_EIO, "sub/u.item", ": cannot open: No such file or directory");
    ck_assert_int_eq(gr_read_items(NULL, "x"), GR_EINVAL);
}
END_TEST

START_TEST(detects_item_formats_by_content)
{
    gr_item_table t;
    char *p = fx_write(tmp, "items", "1::A (1995)::Drama\n");
    ck_assert_int_eq(gr_read_items(&t, p), GR_OK);
    ck_assert_str_eq(t.genre[0], "Drama");
    gr_item_table_free(&t);
    free(p);
    p = fx_write(tmp, "items2", "1|A, The (1995)|01-Jan-1995||" FLAGS_TOY "\n");
    ck_assert_int_eq(gr_read_items(&t, p), GR_OK);
    ck_assert_uint_eq(t.n_genres, 19);
    gr_item_table_free(&t);
    free(p);
    p = fx_write(tmp, "items3", "movieId,title,genres\n1,A (1995),Drama|Crime\n");
    ck_assert_int_eq(gr_read_items(&t, p), GR_OK);
    ck_assert_uint_eq(t.n_genres, 2);
    gr_item_table_free(&t);
    free(p);
}
END_TEST

START_TEST(years_from_titles)
{
    static const struct {
        const char *title;
        int year;
    } cases[] = {
        { "Toy Story (1995)", 1995 },    { "Heidi (1995) ", 1995 },     { "Fawlty Towers (1975-1979)", 1975 },
        { "Big Bang (2007-)", 2007 },    { "Babylon 5", 0 },            { "Land (1995) (V)", 0 },
        { "(1995)", 1995 },              { "x (95)", 0 },               { "x (19a5)", 0 },
        { "", 0 },                       { "x (0000)", 0 },             { "x (1999-20x0)", 0 },
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++)
        ck_assert_msg(gr_title_year(cases[k].title) == cases[k].year, "'%s' gave %d", cases[k].title,
                      gr_title_year(cases[k].title));
}
END_TEST

/* ---- users ------------------------------------------------------------- */

static const gr_user_info *user(const gr_user_table *t, int64_t id)
{
    for (size_t k = 0; k < t->n; k++)
        if (t->v[k].id == id) return &t->v[k];
    ck_abort_msg("user %lld missing", (long long)id);
    return NULL;
}

static const char *occupation(const gr_user_table *t, int64_t id)
{
    int k = user(t, id)->occupation;
    ck_assert_int_ge(k, 0);
    ck_assert_int_lt(k, (int)t->n_occupations);
    return t->occupation[k];
}

START_TEST(reads_uuser)
{
    char *p = fx_write(tmp, "u.user", "1|24|M|technician|85711\r\n2|53|F|other|94043\r\n3|23|M|writer|32067\r\n"
                                      "4|24|M|technician|\r\n");
    gr_user_table t;
    ck_assert_int_eq(gr_read_users(&t, p), GR_OK);
    ck_assert_uint_eq(t.n, 4);
    ck_assert_int_eq(user(&t, 2)->age, 53);
    ck_assert_int_eq(user(&t, 2)->gender, 'F');
    ck_assert_str_eq(user(&t, 2)->zip, "94043");
    ck_assert_ptr_null(user(&t, 4)->zip);
    /* occupations in order of first appearance */
    ck_assert_uint_eq(t.n_occupations, 3);
    ck_assert_str_eq(t.occupation[0], "technician");
    ck_assert_str_eq(occupation(&t, 3), "writer");
    ck_assert_int_eq(user(&t, 4)->occupation, 0);
    gr_user_table_free(&t);
    /* with u.occupation beside: its order, and unlisted names added */
    free(fx_write(tmp, "u.occupation", "administrator\nartist\nother\ntechnician\n"));
    ck_assert_int_eq(gr_read_users(&t, p), GR_OK);
    ck_assert_uint_eq(t.n_occupations, 5);
    ck_assert_str_eq(occupation(&t, 1), "technician");
    ck_assert_int_eq(user(&t, 1)->occupation, 3);
    ck_assert_str_eq(t.occupation[4], "writer");
    gr_user_table_free(&t);
    free(p);
}
END_TEST

START_TEST(reads_users_dat)
{
    char *p = fx_write(tmp, "users.dat", "1::F::1::10::48067\n2::M::56::16::70072\n6040::M::25::6::11106\n"
                                         "7::M::35::0::55117-2345\n8::F::45::20::M5V 2T6\n");
    gr_user_table t;
    ck_assert_int_eq(gr_read_users(&t, p), GR_OK);
    ck_assert_uint_eq(t.n, 5);
    ck_assert_uint_eq(t.n_occupations, 21);
    ck_assert_int_eq(user(&t, 1)->age, 1);
    ck_assert_int_eq(user(&t, 1)->gender, 'F');
    ck_assert_str_eq(occupation(&t, 1), "K-12 student");
    ck_assert_str_eq(occupation(&t, 2), "self-employed");
    ck_assert_int_eq(user(&t, 2)->age, 56);
    ck_assert_str_eq(occupation(&t, 6040), "doctor/health care");
    ck_assert_str_eq(occupation(&t, 7), "other");
    ck_assert_str_eq(occupation(&t, 8), "writer");
    ck_assert_str_eq(user(&t, 8)->zip, "M5V 2T6");
    for (int k = 0; k < GR_ML1M_OCCUPATIONS; k++) ck_assert_str_eq(t.occupation[k], gr_ml1m_occupations[k]);
    ck_assert_str_eq(gr_ml1m_occupations[4], "college/grad student");
    ck_assert_str_eq(gr_ml1m_occupations[17], "technician/engineer");
    gr_user_table_free(&t);
    free(p);
}
END_TEST

START_TEST(user_errors_name_file_line_and_field)
{
    static const struct {
        const char *name, *text, *msg;
    } cases[] = {
        { "users.dat", "1::F::1::10::48067\n2::X::56::16::70072\n", ":2: field 'gender': expected M or F, got 'X'" },
        { "users.dat", "1::F::1::21::48067\n", ":1: field 'occupation': expected a code from 0 to 20, got '21'" },
        { "users.dat", "1::F::1::-1::48067\n", ":1: field 'occupation': expected a code from 0 to 20, got '-1'" },
        { "users.dat", "1::F::old::1::48067\n", ":1: field 'age': expected an age code (1, 18, 25, 35, 45, 50 or 56), got 'old'" },
        { "users.dat", "1::F::1::1::4\n2::M::30::1::4\n", ":2: field 'age': expected an age code (1, 18, 25, 35, 45, 50 or 56), got '30'" },
        { "users.dat", "1::F::0::1::4\n", ":1: field 'age': expected an age code (1, 18, 25, 35, 45, 50 or 56), got '0'" },
        { "u.user", "1|201|M|technician|85711\n", ":1: field 'age': expected an integer from 0 to 200, got '201'" },
        { "users.dat", "1::F::1::1\n", ":1: too few fields: expected 5 (id, gender, age, occupation, zip), got 4" },
        { "u.user", "1|24|M|technician|85711|x\n", ":1: too many fields: expected 5 (id, age, gender, occupation, zip), got 6" },
        { "u.user", "1|24|M|technician|85711\r\n1|25|F|other|1\r\n", ":2: field 'id': id 1 appears twice" },
        { "u.user", "u1|24|M|technician|85711\n", ":1: field 'id': expected an integer, got 'u1'" },
        { "u.user", "\n\n", ": no users" },
        { "people", "1,2,3\n", ": not a u.user or users.dat file" },
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        char *p = fx_write(tmp, cases[k].name, cases[k].text);
        gr_user_table t;
        int rc = gr_read_users(&t, p);
        char want[4400];
        snprintf(want, sizeof want, "%s%s", p, cases[k].msg);
        ck_assert_msg(rc == GR_EFORMAT, "case %zu: status %d", k, rc);
        ck_assert_msg(strcmp(gr_last_error(), want) == 0, "case %zu: '%s'", k, gr_last_error());
        ck_assert_uint_eq(t.n, 0);
        ck_assert_ptr_null(t.occupation);
        free(p);
    }
    gr_user_table t;
    assert_error(gr_read_users(&t, at("users.dat.gone")), GR_EIO, "users.dat.gone",
                 ": cannot open: No such file or directory");
}
END_TEST

/* Occupations are int16 indices: the 32768th distinct one is an error
 * (the graph could be saved but never loaded again otherwise). */
START_TEST(at_most_32767_occupations)
{
    size_t cap = 40000 * 32;
    char *text = malloc(cap);
    size_t used = 0;
    for (int k = 1; k <= 32768; k++) used += (size_t)snprintf(text + used, cap - used, "%d|30|M|job%d|1\n", k, k);
    char *p = fx_write(tmp, "u.user", text);
    gr_user_table t;
    assert_error(gr_read_users(&t, p), GR_EFORMAT, "u.user",
                 ":32768: field 'occupation': 'job32768' would be occupation 32768, and at most 32767 are supported");
    /* the same limit counts u.occupation beside the file */
    free(fx_write(tmp, "u.occupation", "a\nb\n"));
    free(fx_write(tmp, "u.user", "1|30|M|b|1\n2|30|F|c|1\n"));
    ck_assert_int_eq(gr_read_users(&t, p), GR_OK);
    ck_assert_uint_eq(t.n_occupations, 3);
    ck_assert_int_eq(t.v[0].occupation, 1);
    gr_user_table_free(&t);
    free(p);
    free(text);
}
END_TEST

/* ---- finding ----------------------------------------------------------- */

START_TEST(finds_metadata_beside_data)
{
    char items[4200], users[4200];
    gr_find_metadata(items, users, sizeof items, tmp);
    ck_assert_str_eq(items, "");
    ck_assert_str_eq(users, "");
    free(fx_write(tmp, "u.data", "1\t2\t3\t4\n"));
    free(fx_write(tmp, "u.item", "x"));
    free(fx_write(tmp, "u.user", "x"));
    free(fx_write(tmp, "movies.dat", "x"));
    free(fx_write(tmp, "movies.csv", "x"));
    free(fx_write(tmp, "users.dat", "x"));
    gr_find_metadata(items, users, sizeof items, tmp);
    ck_assert_str_eq(items, at("u.item"));
    ck_assert_str_eq(users, at("u.user"));
    gr_find_metadata(items, users, sizeof items, at("u1.base"));
    ck_assert_str_eq(items, at("u.item"));
    gr_find_metadata(items, users, sizeof items, at("ratings.dat"));
    ck_assert_str_eq(items, at("movies.dat"));
    ck_assert_str_eq(users, at("users.dat"));
    gr_find_metadata(items, users, sizeof items, at("ratings.csv"));
    ck_assert_str_eq(items, at("movies.csv"));
    /* a buffer too small for the path gets "" */
    gr_find_metadata(items, users, 8, at("ratings.csv"));
    ck_assert_str_eq(items, "");
    ck_assert_str_eq(users, "");
    /* a file in the current directory */
    gr_find_metadata(items, users, sizeof items, "no-such-ratings.csv");
    ck_assert_str_eq(items, "");
}
END_TEST

/* ---- real data --------------------------------------------------------- */

START_TEST(reads_the_real_ml100k_metadata)
{
    const char *dir = fx_data_dir("ml100k");
    if (!dir) return;
    char items[4200], users[4200];
    gr_find_metadata(items, users, sizeof items, dir);
    ck_assert_ptr_nonnull(strstr(items, "/u.item"));
    ck_assert_ptr_nonnull(strstr(users, "/u.user"));
    gr_item_table t;
    ck_assert_int_eq(gr_read_items(&t, items), GR_OK);
    ck_assert_uint_eq(t.n, 1682);
    ck_assert_uint_eq(t.n_genres, 19);
    ck_assert_str_eq(t.genre[15], "Sci-Fi");
    const gr_item_info *toy = item(&t, 1);
    ck_assert_str_eq(toy->title, "Toy Story (1995)");
    ck_assert_int_eq(toy->year, 1995);
    ck_assert_uint_eq(toy->genres, mask_of(&t, "Animation|Children's|Comedy"));
    ck_assert_str_eq(item(&t, 543)->title, "Mis\xC3\xA9rables, Les (1995)");
    size_t dated = 0;
    for (size_t k = 0; k < t.n; k++) {
        ck_assert(gr_utf8_valid(t.v[k].title, strlen(t.v[k].title)));
        dated += t.v[k].year >= 1900 && t.v[k].year <= 1998;
    }
    ck_assert_uint_eq(dated, 1681); /* all but "unknown" */
    gr_item_table_free(&t);
    gr_user_table u;
    ck_assert_int_eq(gr_read_users(&u, users), GR_OK);
    ck_assert_uint_eq(u.n, 943);
    ck_assert_uint_eq(u.n_occupations, 21);
    ck_assert_str_eq(u.occupation[0], "administrator");
    ck_assert_int_eq(user(&u, 1)->age, 24);
    ck_assert_int_eq(user(&u, 1)->gender, 'M');
    ck_assert_str_eq(occupation(&u, 1), "technician");
    ck_assert_str_eq(user(&u, 1)->zip, "85711");
    gr_user_table_free(&u);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("io_metadata");
    TCase *tc = tcase_create("metadata");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, reads_uitem_with_standard_genres);
    tcase_add_test(tc, reads_uitem_with_ugenre_beside);
    tcase_add_test(tc, reads_movies_dat);
    tcase_add_test(tc, reads_movies_csv);
    tcase_add_test(tc, more_than_64_genres_are_an_error);
    tcase_add_test(tc, ugenre_names_are_distinct);
    tcase_add_test(tc, item_errors_name_file_line_and_field);
    tcase_add_test(tc, detects_item_formats_by_content);
    tcase_add_test(tc, years_from_titles);
    tcase_add_test(tc, reads_uuser);
    tcase_add_test(tc, reads_users_dat);
    tcase_add_test(tc, user_errors_name_file_line_and_field);
    tcase_add_test(tc, at_most_32767_occupations);
    tcase_add_test(tc, finds_metadata_beside_data);
    tcase_add_test(tc, reads_the_real_ml100k_metadata);
    suite_add_tcase(s, tc);
    return fx_run(s);
}
