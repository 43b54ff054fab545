/*
 * Readers of interaction files: the LightGCN adjacency format, MovieLens
 * 100K (u.data), 1M/10M (ratings.dat), latest/20M/25M (ratings.csv) and
 * generic delimited files.  Errors name file:line and the field.
 */
#ifndef GR_IO_RATINGS_H
#define GR_IO_RATINGS_H

#include "io/edges.h"

/* Detect the format of an interaction file from its name (u.data,
 * u1.base, ratings.dat, ratings.csv) or else its first lines (a gr_format
 * other than GR_FORMAT_AUTO).  Whitespace-separated files of 3 or 4
 * integers per line are read as ratings when the third looks like a
 * rating (and the fourth like a timestamp), else as adjacency lists; *.txt
 * files of 2 or 3 integers per line count as adjacency lists (the
 * LightGCN convention).  A directory gives the format of the file
 * gr_find_ratings_file() finds in it.  GR_EIO, GR_EFORMAT, GR_ENOTFOUND. */
int gr_detect_format(int *format, const char *path);

/*
 * Append the interactions of `path` to `out`.  format may be
 * GR_FORMAT_AUTO.  Sets out->has_rating / has_ts when the format has them.
 * Blank lines are ignored, and so are lines starting with '#' in
 * GR_FORMAT_DELIMITED files.  A GR_FORMAT_CSV file must begin with a header
 * naming its columns (userId, movieId, rating, timestamp; rating and
 * timestamp may be missing, other columns are ignored); a delimited file
 * may begin with one.  `path` may also be a directory, read as
 * gr_find_ratings_file() finds it.  Appended edges keep out->has_rating
 * (has_ts) set only when every edge of out carries one.  A malformed
 * line fails with GR_EFORMAT and a message "PATH:LINE: field 'rating':
 * ..."; nothing is appended then (out->n and the flags are restored).
 * ids is a gr_ids: with GR_IDS_NAMES (or GR_IDS_AUTO and a first row
 * whose user or item field is not an integer in a format other than
 * GR_FORMAT_ML100K and GR_FORMAT_ML1M, or edges in out that are named
 * already) every user and item field is a name, its id
 * gr_name_hash() of it, and out->user_names / item_names keep the names
 * (core/names.h); two names with one id fail with GR_EFORMAT.  Where ids
 * are names, a first line of a delimited file without numbers that names
 * no columns is a row, not an error.
 */
int gr_read_interactions(gr_edges *out, const char *path, int format, int ids);

/*
 * Append the interactions on the lines of `path` whose first byte lies in
 * [begin, end) (a part from gr_file_part(); lines_before lines lie in
 * front of it), read as gr_read_interactions() reads them in the whole
 * file: format must be known (not GR_FORMAT_AUTO) and path a file.  The
 * layout of a delimited or CSV file comes from its first line that is not
 * blank or a comment, read from the start of the file wherever it lies.
 * Messages name the line by its number in the whole file.  A part without
 * interactions is not an error.  Sets out->has_rating / has_ts as the
 * whole file would.  Nothing is appended on error.  With GR_IDS_AUTO
 * the file's first row decides for every part, as it does for the whole.
 */
int gr_read_interactions_part(gr_edges *out, const char *path, int format, int ids, uint64_t begin, uint64_t end,
                              size_t lines_before);

/*
 * The interaction file of a MovieLens directory: u.data, ratings.dat or
 * ratings.csv (first found).  Writes the path into buf and its format into
 * *format.  GR_ENOTFOUND when the directory holds none of them.
 */
int gr_find_ratings_file(char *buf, size_t cap, int *format, const char *dir);

#endif
