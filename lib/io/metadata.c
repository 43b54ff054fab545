#include "io/metadata.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/err.h"
#include "core/idmap.h"
#include "core/mem.h"
#include "io/text.h"

const char *const gr_ml100k_genres[GR_ML100K_GENRES] = {
    "unknown", "Action",   "Adventure", "Animation", "Children's", "Comedy",  "Crime",
    "Documentary", "Drama", "Fantasy",  "Film-Noir", "Horror",     "Musical", "Mystery",
    "Romance", "Sci-Fi",   "Thriller",  "War",       "Western",
};

const char *const gr_ml1m_occupations[GR_ML1M_OCCUPATIONS] = {
    "other",          "academic/educator",   "artist",           "clerical/admin",
    "college/grad student", "customer service", "doctor/health care", "executive/managerial",
    "farmer",         "homemaker",           "K-12 student",     "lawyer",
    "programmer",     "retired",             "sales/marketing",  "scientist",
    "self-employed",  "technician/engineer", "tradesman/craftsman", "unemployed",
    "writer",
};

enum item_kind { ITEMS_UITEM, ITEMS_DAT, ITEMS_CSV };
enum user_kind { USERS_UUSER, USERS_DAT };

/* The state of one metadata file being read. */
typedef struct meta_reader {
    gr_lines r;
    const char *path;
    gr_idmap seen; /* ids read so far, to reject repeats */
    size_t line;   /* line that messages name: where the record began */
} meta_reader;

/* More fields than a u.item line has (5 + at most 64 genre flags). */
#define MAX_FIELDS 72

static int line_error(const meta_reader *m, const char *what)
{
    return gr_err(GR_EFORMAT, "%s:%zu: %s", m->path, m->line, what);
}

static int field_error(const meta_reader *m, const char *field, const char *want, const char *got)
{
    return gr_field_error(m->path, m->line, field, want, got);
}

static int count_error(const meta_reader *m, size_t want, const char *names, size_t got)
{
    return gr_count_error(m->path, m->line, want, names, got);
}

static int meta_open(meta_reader *m, const char *path)
{
    memset(m, 0, sizeof *m);
    m->path = path;
    gr_idmap_init(&m->seen);
    return gr_lines_open(&m->r, path);
}

static void meta_close(meta_reader *m)
{
    gr_lines_close(&m->r);
    gr_idmap_free(&m->seen);
}

/* Parse an id and check that it is new. */
static int parse_new_id(meta_reader *m, const char *field, const char *s, int64_t *id)
{
    if (gr_parse_i64(s, id) != GR_NUM_OK) return field_error(m, field, "an integer", s);
    size_t before = m->seen.n;
    if (gr_idmap_intern(&m->seen, *id) < 0) return gr_last_error_code();
    if (m->seen.n == before)
        return gr_err(GR_EFORMAT, "%s:%zu: field '%s': id %lld appears twice", m->path, m->line,
                      field, (long long)*id);
    return GR_OK;
}

/* ---- years ------------------------------------------------------------- */

static int four_digits(const char *s)
{
    for (int i = 0; i < 4; i++)
        if (s[i] < '0' || s[i] > '9') return -1;
    return (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
}

int gr_title_year(const char *title)
{
    size_t n = strlen(title);
    while (n > 0 && (title[n - 1] == ' ' || title[n - 1] == '\t')) n--;
    if (n < 6 || title[n - 1] != ')') return 0;
    /* "(YYYY)", "(YYYY-)" and "(YYYY-YYYY)" */
    const char *open = NULL;
    if (title[n - 6] == '(') open = title + n - 6;
    else if (n >= 7 && title[n - 7] == '(' && title[n - 2] == '-') open = title + n - 7;
    else if (n >= 11 && title[n - 11] == '(' && title[n - 6] == '-' && four_digits(title + n - 5) >= 0)
        open = title + n - 11;
    int year = open ? four_digits(open + 1) : -1;
    return year > 0 ? year : 0;
}

/* The year of a u.item release date such as "01-Jan-1995"; 0 if none. */
static int date_year(const char *date)
{
    size_t n = strlen(date);
    if (n < 4) return 0;
    int year = four_digits(date + n - 4);
    return year > 0 ? year : 0;
}

/* ---- item tables ------------------------------------------------------- */

void gr_item_table_free(gr_item_table *t)
{
    if (!t) return;
    for (size_t i = 0; i < t->n; i++) free(t->v[i].title);
    free(t->v);
    for (size_t g = 0; g < t->n_genres; g++) free(t->genre[g]);
    memset(t, 0, sizeof *t);
}

/*
 * Genre names must each be reachable by gr_graph_genre_mask(), which takes
 * a comma-separated list and matches names ignoring case: a name with a
 * comma is an error, and names that differ only in case are one genre.
 * `utf8` is the name as stored.  GR_OK or GR_EFORMAT naming field.
 */
static int check_genre_name(const meta_reader *m, const char *field, const char *utf8)
{
    if (!*utf8) return gr_err(GR_EFORMAT, "%s:%zu: field '%s': empty", m->path, m->line, field);
    if (strchr(utf8, ','))
        return gr_err(GR_EFORMAT, "%s:%zu: field '%s': '%.40s' holds a comma (genre lists are comma-separated)", m->path,
                      m->line, field, utf8);
    return GR_OK;
}

/* The genre called utf8 (ignoring case), or -1. */
static int find_genre(const gr_item_table *t, const char *utf8)
{
    for (size_t g = 0; g < t->n_genres; g++)
        if (strcasecmp(t->genre[g], utf8) == 0) return (int)g;
    return -1;
}

/* The bit of genre `name` of a genre list, added when new.  A 65th
 * distinct genre is an error: masks hold 64. */
static int genre_bit(const meta_reader *m, gr_item_table *t, const char *name, int *bit)
{
    char *utf8 = gr_to_utf8(name, strlen(name));
    if (!utf8) return GR_ENOMEM;
    *bit = find_genre(t, utf8);
    int rc = *bit >= 0 ? GR_OK : check_genre_name(m, "genres", utf8);
    if (rc == GR_OK && *bit < 0 && t->n_genres == GR_MAX_GENRES)
        rc = gr_err(GR_EFORMAT, "%s:%zu: field 'genres': '%.40s' would be genre %d, and at most %d distinct genres are supported",
                    m->path, m->line, utf8, GR_MAX_GENRES + 1, GR_MAX_GENRES);
    if (rc != GR_OK || *bit >= 0) {
        free(utf8);
        return rc;
    }
    t->genre[t->n_genres] = utf8;
    *bit = (int)t->n_genres++;
    return GR_OK;
}

/* Genre mask of "A|B|C"; "(no genres listed)" and "" are no genre.  The
 * list is walked name by name, however many names it repeats. */
static int parse_genre_list(const meta_reader *m, gr_item_table *t, char *s, uint64_t *mask)
{
    *mask = 0;
    s = gr_trim(s);
    if (!*s || strcmp(s, "(no genres listed)") == 0) return GR_OK;
    for (char *next; s; s = next) {
        next = strchr(s, '|');
        if (next) *next++ = '\0';
        char *name = gr_trim(s);
        if (!*name) continue;
        int bit;
        GR_TRY(genre_bit(m, t, name, &bit));
        *mask |= 1ULL << bit;
    }
    return GR_OK;
}

/* Append an item; the title is copied (as UTF-8) from `title`. */
static int push_item(gr_item_table *t, int64_t id, char *title, int year, uint64_t genres)
{
    title = gr_trim(title);
    char *copy = gr_to_utf8(title, strlen(title));
    if (!copy) return GR_ENOMEM;
    if (gr_reserve((void **)&t->v, &t->cap, t->n + 1, sizeof *t->v) != GR_OK) {
        free(copy);
        return GR_ENOMEM;
    }
    gr_item_info *it = &t->v[t->n++];
    it->id = id;
    it->title = copy;
    it->year = year ? year : gr_title_year(copy);
    it->genres = genres;
    return GR_OK;
}

/* ---- u.item and u.genre ------------------------------------------------ */

/* One "name|index" line of u.genre. */
static int genre_line(meta_reader *m, gr_item_table *t, char *line)
{
    char *f[3];
    size_t nf = gr_split_char(line, '|', f, 3);
    if (nf != 2) return count_error(m, 2, "genre, index", nf);
    int64_t idx;
    if (gr_parse_i64(f[1], &idx) != GR_NUM_OK || idx < 0 || idx >= GR_MAX_GENRES)
        return field_error(m, "index", "an integer from 0 to 63", f[1]);
    if ((size_t)idx != t->n_genres)
        return field_error(m, "index", "the genres numbered 0, 1, 2, ... in order", f[1]);
    char *name = gr_trim(f[0]);
    char *utf8 = gr_to_utf8(name, strlen(name));
    if (!utf8) return GR_ENOMEM;
    int rc = check_genre_name(m, "genre", utf8), same = find_genre(t, utf8);
    if (rc == GR_OK && same >= 0)
        rc = gr_err(GR_EFORMAT, "%s:%zu: field 'genre': '%.40s' appears twice (genre %d is '%.40s')", m->path, m->line, utf8,
                    same, t->genre[same]);
    if (rc != GR_OK) {
        free(utf8);
        return rc;
    }
    t->genre[t->n_genres++] = utf8;
    return GR_OK;
}

static int read_ugenre(gr_item_table *t, const char *path)
{
    meta_reader m;
    int rc = meta_open(&m, path);
    char *line;
    size_t len;
    while (rc == GR_OK && (rc = gr_lines_next(&m.r, &line, &len)) > 0) {
        m.line = m.r.line;
        rc = gr_is_blank(line) ? GR_OK : genre_line(&m, t, line);
    }
    if (rc == GR_OK && t->n_genres == 0) rc = gr_err(GR_EFORMAT, "%s: no genres", path);
    meta_close(&m);
    return rc;
}

/* Genre names for u.item: u.genre beside it, else the standard ones. */
static int uitem_genres(gr_item_table *t, const char *item_path)
{
    char dir[4096], gpath[4096];
    if (gr_path_dir(dir, sizeof dir, item_path) == GR_OK &&
        gr_path_join(gpath, sizeof gpath, dir, "u.genre") == GR_OK && gr_is_file(gpath))
        return read_ugenre(t, gpath);
    for (size_t g = 0; g < GR_ML100K_GENRES; g++) {
        t->genre[g] = gr_strdup(gr_ml100k_genres[g]);
        if (!t->genre[g]) return GR_ENOMEM;
        t->n_genres = g + 1;
    }
    return GR_OK;
}

/* id|title|release date|video release date|URL|flag|flag|... */
static int uitem_line(meta_reader *m, gr_item_table *t, char *line)
{
    char *f[MAX_FIELDS];
    size_t nf = gr_split_char(line, '|', f, MAX_FIELDS);
    if (nf != 5 + t->n_genres) {
        char names[96];
        snprintf(names, sizeof names, "id, title, dates, URL and %zu genre flags", t->n_genres);
        return count_error(m, 5 + t->n_genres, names, nf);
    }
    int64_t id;
    GR_TRY(parse_new_id(m, "id", f[0], &id));
    uint64_t genres = 0;
    for (size_t g = 0; g < t->n_genres; g++) {
        const char *flag = gr_trim(f[5 + g]);
        if ((flag[0] != '0' && flag[0] != '1') || flag[1]) return field_error(m, "genres", "0 or 1", flag);
        if (flag[0] == '1') genres |= 1ULL << g;
    }
    int year = gr_title_year(f[1]);
    return push_item(t, id, f[1], year ? year : date_year(gr_trim(f[2])), genres);
}

/* ---- movies.dat and movies.csv ----------------------------------------- */

/* id::title::genres, where only the outer "::" separate (a title could
 * hold one). */
static int dat_item_line(meta_reader *m, gr_item_table *t, char *line)
{
    char *first = strstr(line, "::"), *last = NULL;
    for (char *p = first; p; p = strstr(p + 2, "::")) last = p;
    if (!first || last == first) return count_error(m, 3, "id, title, genres", first ? 2 : 1);
    *first = '\0';
    *last = '\0';
    int64_t id;
    GR_TRY(parse_new_id(m, "id", line, &id));
    uint64_t genres;
    GR_TRY(parse_genre_list(m, t, last + 2, &genres));
    return push_item(t, id, first + 2, 0, genres);
}

static int csv_item_line(meta_reader *m, gr_item_table *t, char *rec, int first)
{
    char *f[4];
    size_t nf = gr_split_csv(rec, f, 4);
    if (nf == (size_t)-1) return line_error(m, "malformed quoted field");
    if (nf != 3) return count_error(m, 3, "movieId, title, genres", nf);
    int64_t id;
    /* the header "movieId,title,genres" */
    if (first && gr_parse_i64(f[0], &id) != GR_NUM_OK) return GR_OK;
    GR_TRY(parse_new_id(m, "movieId", f[0], &id));
    uint64_t genres;
    GR_TRY(parse_genre_list(m, t, f[2], &genres));
    return push_item(t, id, f[1], 0, genres);
}

static int read_item_lines(meta_reader *m, gr_item_table *t, int kind)
{
    char *line;
    size_t len;
    int rc, first = 1;
    for (;;) {
        rc = kind == ITEMS_CSV ? gr_lines_next_record(&m->r, &line, &len)
                               : gr_lines_next(&m->r, &line, &len);
        if (rc <= 0) return rc;
        if (gr_is_blank(line)) continue;
        /* errors of joined CSV records name the line they began on */
        m->line = kind == ITEMS_CSV ? m->r.rec_line : m->r.line;
        if (kind == ITEMS_UITEM) rc = uitem_line(m, t, line);
        else if (kind == ITEMS_DAT) rc = dat_item_line(m, t, line);
        else rc = csv_item_line(m, t, line, first);
        GR_TRY(rc);
        first = 0;
    }
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && memcmp(s + n - k, suffix, k) == 0;
}

/* The first non-blank line of a file, truncated into buf ("" if none). */
static int first_line(char *buf, size_t cap, const char *path)
{
    gr_lines r;
    GR_TRY(gr_lines_open(&r, path));
    char *line;
    size_t len;
    int rc;
    buf[0] = '\0';
    while ((rc = gr_lines_next(&r, &line, &len)) > 0)
        if (!gr_is_blank(line)) {
            snprintf(buf, cap, "%s", line);
            break;
        }
    gr_lines_close(&r);
    return rc < 0 ? rc : GR_OK;
}

static int item_kind(int *kind, const char *path)
{
    const char *base = gr_path_base(path);
    if (ends_with(base, ".item")) *kind = ITEMS_UITEM;
    else if (ends_with(base, ".dat")) *kind = ITEMS_DAT;
    else if (ends_with(base, ".csv")) *kind = ITEMS_CSV;
    else {
        char line[1024];
        GR_TRY(first_line(line, sizeof line, path));
        /* u.item lines hold at least 5 '|'; titles may hold commas */
        size_t bars = 0;
        for (const char *c = line; *c; c++) bars += *c == '|';
        *kind = strstr(line, "::") ? ITEMS_DAT : bars >= 5 ? ITEMS_UITEM : ITEMS_CSV;
    }
    return GR_OK;
}

int gr_read_items(gr_item_table *out, const char *path)
{
    if (!out || !path) return gr_err(GR_EINVAL, "read items: NULL argument");
    memset(out, 0, sizeof *out);
    int kind;
    GR_TRY(item_kind(&kind, path));
    meta_reader m;
    int rc = meta_open(&m, path);
    if (rc == GR_OK && kind == ITEMS_UITEM) rc = uitem_genres(out, path);
    if (rc == GR_OK) rc = read_item_lines(&m, out, kind);
    if (rc == GR_OK && out->n == 0) rc = gr_err(GR_EFORMAT, "%s: no items", path);
    meta_close(&m);
    if (rc != GR_OK) gr_item_table_free(out);
    return rc;
}

/* ---- users ------------------------------------------------------------- */

void gr_user_table_free(gr_user_table *t)
{
    if (!t) return;
    for (size_t i = 0; i < t->n; i++) free(t->v[i].zip);
    free(t->v);
    for (size_t k = 0; k < t->n_occupations; k++) free(t->occupation[k]);
    free(t->occupation);
    gr_slots_free(&t->occupation_slots);
    memset(t, 0, sizeof *t);
}

static uint64_t name_hash(const char *s) { return gr_slots_hash_bytes(s, strlen(s)); }

/* Append occupation `utf8` (taken over) and index it; the hash table is
 * kept at most half full, so that a u.occupation or u.user of thousands
 * of names reads in linear time. */
static int add_occupation_utf8(gr_user_table *t, char *utf8)
{
    size_t n = t->n_occupations;
    int rc = gr_reserve((void **)&t->occupation, &t->occupation_cap, n + 1, sizeof *t->occupation);
    if (rc == GR_OK && (n + 1) * 2 > t->occupation_slots.n) {
        rc = gr_slots_reset(&t->occupation_slots, gr_slots_size_for(n + 1));
        for (size_t k = 0; rc == GR_OK && k < n; k++)
            gr_slots_place(&t->occupation_slots, name_hash(t->occupation[k]), (int32_t)k);
    }
    if (rc != GR_OK) {
        free(utf8);
        return rc;
    }
    t->occupation[n] = utf8;
    gr_slots_place(&t->occupation_slots, name_hash(utf8), (int32_t)n);
    t->n_occupations = n + 1;
    return GR_OK;
}

static int add_occupation(gr_user_table *t, const char *name)
{
    char *utf8 = gr_to_utf8(name, strlen(name));
    return utf8 ? add_occupation_utf8(t, utf8) : GR_ENOMEM;
}

/* Index of occupation utf8, or -1. */
static int find_occupation(const gr_user_table *t, const char *utf8)
{
    const gr_slots *sl = &t->occupation_slots;
    if (sl->n == 0) return -1;
    for (size_t at = gr_slots_first(sl, name_hash(utf8));; at = gr_slots_next(sl, at)) {
        int32_t k = sl->at[at];
        if (k < 0 || strcmp(t->occupation[k], utf8) == 0) return k;
    }
}

/* Index of occupation `name` (compared as stored, in UTF-8), added when
 * new; -1 with the error set when out of memory or when it would be one
 * more than GR_MAX_OCCUPATIONS (the catalogue, the model file and the
 * feature encoder hold that many). */
static int occupation_index(const meta_reader *m, gr_user_table *t, const char *name)
{
    char *utf8 = gr_to_utf8(name, strlen(name));
    if (!utf8) return -1;
    int k = find_occupation(t, utf8);
    if (k >= 0) {
        free(utf8);
        return k;
    }
    if (t->n_occupations == GR_MAX_OCCUPATIONS) {
        gr_err(GR_EFORMAT, "%s:%zu: field 'occupation': '%.40s' would be occupation %d, and at most %d are supported", m->path,
               m->line, utf8, GR_MAX_OCCUPATIONS + 1, GR_MAX_OCCUPATIONS);
        free(utf8);
        return -1;
    }
    if (add_occupation_utf8(t, utf8) != GR_OK) return -1;
    return (int)t->n_occupations - 1;
}

/* The occupation list of u.occupation beside a u.user, if there is one. */
static int uuser_occupations(gr_user_table *t, const char *user_path)
{
    char dir[4096], opath[4096];
    if (gr_path_dir(dir, sizeof dir, user_path) != GR_OK ||
        gr_path_join(opath, sizeof opath, dir, "u.occupation") != GR_OK || !gr_is_file(opath))
        return GR_OK;
    meta_reader m;
    int rc = meta_open(&m, opath);
    char *line;
    size_t len;
    while (rc == GR_OK && (rc = gr_lines_next(&m.r, &line, &len)) > 0) {
        m.line = m.r.line;
        line = gr_trim(line);
        rc = *line && occupation_index(&m, t, line) < 0 ? gr_last_error_code() : GR_OK;
    }
    meta_close(&m);
    return rc;
}

static int parse_gender(meta_reader *m, const char *s, char *gender)
{
    if ((s[0] == 'M' || s[0] == 'm') && !s[1]) *gender = 'M';
    else if ((s[0] == 'F' || s[0] == 'f') && !s[1]) *gender = 'F';
    else return field_error(m, "gender", "M or F", s);
    return GR_OK;
}

static int parse_age(meta_reader *m, const char *s, int *age)
{
    int64_t v;
    if (gr_parse_i64(s, &v) != GR_NUM_OK || v < 0 || v > 200)
        return field_error(m, "age", "an integer from 0 to 200", s);
    *age = (int)v;
    return GR_OK;
}

/* users.dat ages are the codes of MovieLens 1M's age groups. */
static int parse_age_code(meta_reader *m, const char *s, int *age)
{
    static const int codes[] = { 1, 18, 25, 35, 45, 50, 56 };
    int64_t v;
    if (gr_parse_i64(s, &v) == GR_NUM_OK)
        for (size_t k = 0; k < sizeof codes / sizeof codes[0]; k++)
            if (v == codes[k]) {
                *age = codes[k];
                return GR_OK;
            }
    return field_error(m, "age", "an age code (1, 18, 25, 35, 45, 50 or 56)", s);
}

static int push_user(gr_user_table *t, gr_user_info *u, char *zip)
{
    zip = gr_trim(zip);
    u->zip = NULL;
    if (*zip && !(u->zip = gr_to_utf8(zip, strlen(zip)))) return GR_ENOMEM;
    if (gr_reserve((void **)&t->v, &t->cap, t->n + 1, sizeof *t->v) != GR_OK) {
        free(u->zip);
        return GR_ENOMEM;
    }
    t->v[t->n++] = *u;
    return GR_OK;
}

/* id|age|gender|occupation|zip */
static int uuser_line(meta_reader *m, gr_user_table *t, char *line)
{
    char *f[6];
    size_t nf = gr_split_char(line, '|', f, 6);
    if (nf != 5) return count_error(m, 5, "id, age, gender, occupation, zip", nf);
    gr_user_info u;
    GR_TRY(parse_new_id(m, "id", f[0], &u.id));
    GR_TRY(parse_age(m, gr_trim(f[1]), &u.age));
    GR_TRY(parse_gender(m, gr_trim(f[2]), &u.gender));
    const char *occ = gr_trim(f[3]);
    u.occupation = -1;
    if (*occ && (u.occupation = occupation_index(m, t, occ)) < 0) return gr_last_error_code();
    return push_user(t, &u, f[4]);
}

/* id::gender::age::occupation code::zip */
static int dat_user_line(meta_reader *m, gr_user_table *t, char *line)
{
    char *f[6];
    size_t nf = gr_split_str(line, "::", f, 6);
    if (nf != 5) return count_error(m, 5, "id, gender, age, occupation, zip", nf);
    gr_user_info u;
    GR_TRY(parse_new_id(m, "id", f[0], &u.id));
    GR_TRY(parse_gender(m, gr_trim(f[1]), &u.gender));
    GR_TRY(parse_age_code(m, gr_trim(f[2]), &u.age));
    int64_t code;
    if (gr_parse_i64(f[3], &code) != GR_NUM_OK || code < 0 || code >= GR_ML1M_OCCUPATIONS)
        return field_error(m, "occupation", "a code from 0 to 20", f[3]);
    u.occupation = (int)code;
    return push_user(t, &u, f[4]);
}

static int user_kind(int *kind, const char *path)
{
    const char *base = gr_path_base(path);
    if (ends_with(base, ".user")) *kind = USERS_UUSER;
    else if (ends_with(base, ".dat")) *kind = USERS_DAT;
    else {
        char line[1024];
        GR_TRY(first_line(line, sizeof line, path));
        if (strstr(line, "::")) *kind = USERS_DAT;
        else if (strchr(line, '|')) *kind = USERS_UUSER;
        else return gr_err(GR_EFORMAT, "%s: not a u.user or users.dat file", path);
    }
    return GR_OK;
}

static int user_names(gr_user_table *t, const char *path, int kind)
{
    if (kind == USERS_UUSER) return uuser_occupations(t, path);
    for (size_t k = 0; k < GR_ML1M_OCCUPATIONS; k++) GR_TRY(add_occupation(t, gr_ml1m_occupations[k]));
    return GR_OK;
}

int gr_read_users(gr_user_table *out, const char *path)
{
    if (!out || !path) return gr_err(GR_EINVAL, "read users: NULL argument");
    memset(out, 0, sizeof *out);
    int kind;
    GR_TRY(user_kind(&kind, path));
    meta_reader m;
    int rc = meta_open(&m, path);
    if (rc == GR_OK) rc = user_names(out, path, kind);
    char *line;
    size_t len;
    while (rc == GR_OK && (rc = gr_lines_next(&m.r, &line, &len)) > 0) {
        m.line = m.r.line;
        if (gr_is_blank(line)) rc = GR_OK;
        else rc = kind == USERS_UUSER ? uuser_line(&m, out, line) : dat_user_line(&m, out, line);
    }
    if (rc == GR_OK && out->n == 0) rc = gr_err(GR_EFORMAT, "%s: no users", path);
    meta_close(&m);
    if (rc != GR_OK) gr_user_table_free(out);
    return rc;
}

/* ---- finding metadata -------------------------------------------------- */

/* Which MovieLens release a ratings file or directory belongs to:
 * 0 100K (u.*), 1 the .dat releases, 2 the .csv releases. */
static int release_of(const char *dir, const char *data_path, int is_dir)
{
    char p[4096];
    if (!is_dir) {
        const char *base = gr_path_base(data_path);
        return ends_with(base, ".dat") ? 1 : ends_with(base, ".csv") ? 2 : 0;
    }
    static const char *const names[] = { "u.data", "ratings.dat", "ratings.csv" };
    for (int k = 0; k < 3; k++)
        if (gr_path_join(p, sizeof p, dir, names[k]) == GR_OK && gr_is_file(p)) return k;
    return 0;
}

/* The first of names[0..n) present in dir, into out ("" if none). */
static void first_present(char *out, size_t cap, const char *dir, const char *const *names, size_t n)
{
    char p[4096];
    for (size_t k = 0; k < n; k++) {
        int len = snprintf(p, sizeof p, "%s/%s", dir, names[k]);
        if (len < 0 || (size_t)len >= sizeof p || (size_t)len >= cap || !gr_is_file(p)) continue;
        memcpy(out, p, (size_t)len + 1);
        return;
    }
    if (cap) out[0] = '\0';
}

void gr_find_metadata(char *items, char *users, size_t cap, const char *data_path)
{
    static const char *const item_names[3][3] = {
        { "u.item", "movies.dat", "movies.csv" },
        { "movies.dat", "movies.csv", "u.item" },
        { "movies.csv", "movies.dat", "u.item" },
    };
    static const char *const user_names_by[3][2] = {
        { "u.user", "users.dat" },
        { "users.dat", "u.user" },
        { "users.dat", "u.user" },
    };
    char dir[4096];
    int is_dir = data_path && gr_is_dir(data_path);
    if (!data_path || (is_dir ? snprintf(dir, sizeof dir, "%s", data_path) >= (int)sizeof dir
                              : gr_path_dir(dir, sizeof dir, data_path) != GR_OK)) {
        if (items && cap) items[0] = '\0';
        if (users && cap) users[0] = '\0';
        return;
    }
    int rel = release_of(dir, data_path, is_dir);
    if (items) first_present(items, cap, dir, item_names[rel], 3);
    if (users) first_present(users, cap, dir, user_names_by[rel], 2);
}
