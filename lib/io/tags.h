/*
 * Reader of MovieLens tags.csv (20M, 25M and "latest" releases):
 * userId,movieId,tag,timestamp, one tag application per record, a header
 * line, CSV quoting (tags hold commas and quotes).  The applications become
 * a movies x tags table in the genome's layout (io/genome.h), so the same
 * reduction and projection serve both:
 *
 *   - a tag is its text trimmed and lower-cased ("Dark Comedy " and
 *     "dark comedy" are one tag); its column id is a 63-bit hash of that
 *     text, so a projection saved with the ids names its columns;
 *   - the columns are the tags applied to at least two movies (a tag of
 *     one movie links nothing), the max_tags with the most movies (ties:
 *     the tag seen first);
 *   - a cell is tf-idf, log(1 + applications) * log(movies / movies with
 *     the tag), and every row is divided by its largest cell, so cells lie
 *     in [0, 1] like genome relevances;
 *   - a movie none of whose tags is a column has no row.
 *
 * Errors name the file, line and field: a record without four fields, an
 * id that is not a non-negative integer, a blank tag, a timestamp that is
 * not an integer, an unclosed quote, a file without tag applications.
 */
#ifndef GR_IO_TAGS_H
#define GR_IO_TAGS_H

#include "io/genome.h"

int gr_read_tags(gr_genome_table *out, const char *path, size_t max_tags);

#endif
