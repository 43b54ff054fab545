/*
 * Readers of MovieLens metadata: items (u.item + u.genre, movies.dat,
 * movies.csv) and users (u.user, users.dat).  Text is converted to UTF-8
 * (latin-1 input is detected per field); CRLF and LF line ends are both
 * accepted; quoted CSV fields may hold commas and doubled quotes.
 */
#ifndef GR_IO_METADATA_H
#define GR_IO_METADATA_H

#include <stddef.h>
#include <stdint.h>

#include "core/slots.h"

#define GR_MAX_GENRES 64
/* Occupations are int16 indices in the catalogue and the model file. */
#define GR_MAX_OCCUPATIONS 32767

typedef struct gr_item_info {
    int64_t id;
    char *title;     /* UTF-8, as in the file (MovieLens titles end in "(YEAR)") */
    int year;        /* release year, 0 when unknown */
    uint64_t genres; /* bit g set: genre[g] */
} gr_item_info;

typedef struct gr_item_table {
    size_t n, cap;
    gr_item_info *v;
    size_t n_genres;
    char *genre[GR_MAX_GENRES];
} gr_item_table;

typedef struct gr_user_info {
    int64_t id;
    int age;        /* years (100K) or age-group code (1M); -1 unknown */
    char gender;    /* 'M', 'F', or 0 */
    int occupation; /* index into occupation[], -1 unknown */
    char *zip;      /* may be NULL */
} gr_user_info;

typedef struct gr_user_table {
    size_t n, cap;
    gr_user_info *v;
    size_t n_occupations, occupation_cap;
    char **occupation;
    gr_slots occupation_slots; /* hash index of occupation names (while reading) */
} gr_user_table;

void gr_item_table_free(gr_item_table *t);
void gr_user_table_free(gr_user_table *t);

/* Read item metadata; the format follows from the file name (u.item,
 * movies.dat, movies.csv) or its content.  For u.item the genre names come
 * from u.genre beside it, else the standard 19 names.  GR_EIO, GR_EFORMAT. */
int gr_read_items(gr_item_table *out, const char *path);

/* Read user metadata (u.user or users.dat).  GR_EIO, GR_EFORMAT. */
int gr_read_users(gr_user_table *out, const char *path);

/*
 * The metadata files beside an interaction file or inside a dataset
 * directory.  Fills items/users (each of size cap) with a path, or with ""
 * when there is none.  Always succeeds.
 */
void gr_find_metadata(char *items, char *users, size_t cap, const char *data_path);

/*
 * Details of the readers above, shared with the synthetic data writer and
 * the tests.
 *
 * gr_read_items / gr_read_users overwrite *out: on success it holds the
 * table (free it with gr_*_table_free), on failure it is left empty and
 * nothing is leaked.  Titles keep their text but lose surrounding blanks;
 * an id that appears twice is GR_EFORMAT.  Genre names of movies.dat and
 * movies.csv are numbered in order of first appearance, and names that
 * differ only in case are one genre (the first spelling is kept, as
 * gr_graph_genre_mask() matches ignoring case); a genre beyond
 * GR_MAX_GENRES is GR_EFORMAT, as is a genre name holding a comma (the
 * separator of gr_graph_genre_mask() lists).  u.genre must list distinct
 * non-empty names.  "(no genres listed)" is no genre.  users.dat ages
 * must be one of the MovieLens 1M codes 1, 18, 25, 35, 45, 50, 56; u.user
 * ages are years from 0 to 200.  More than GR_MAX_OCCUPATIONS distinct
 * occupations (u.occupation and u.user together) is GR_EFORMAT.  u.user occupations are numbered as in u.occupation beside the
 * file when there is one (names missing from it are added), else in
 * order of first appearance; users.dat occupation codes index
 * gr_ml1m_occupations.
 */

/* The 19 genres of MovieLens 100K, in the order of u.item's flags. */
#define GR_ML100K_GENRES 19
extern const char *const gr_ml100k_genres[GR_ML100K_GENRES];

/* The 21 occupations of MovieLens 1M, indexed by users.dat's code. */
#define GR_ML1M_OCCUPATIONS 21
extern const char *const gr_ml1m_occupations[GR_ML1M_OCCUPATIONS];

/*
 * The release year in a MovieLens title: the trailing "(YYYY)", or the
 * first year of a trailing "(YYYY-YYYY)" or "(YYYY-)"; blanks after it are
 * allowed.  0 when the title ends otherwise.
 */
int gr_title_year(const char *title);

#endif
