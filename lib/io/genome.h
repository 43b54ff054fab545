/*
 * Reader of the MovieLens tag genome (20M, 25M and "latest" releases):
 * genome-tags.csv (tagId,tag) names the tags, genome-scores.csv
 * (movieId,tagId,relevance) gives every genome movie a relevance in [0, 1]
 * for every tag.  The matrix is dense, so a movie missing a tag, a tag id
 * not in genome-tags.csv, a repeated (movie, tag) pair or a relevance
 * outside [0, 1] is an error naming the file, line and field.  Which
 * movies belong to a graph is decided later (features/genome.c), so the
 * reader keeps every movie of the file.
 */
#ifndef GR_IO_GENOME_H
#define GR_IO_GENOME_H

#include <stddef.h>
#include <stdint.h>

typedef struct gr_genome_table {
    size_t n_movies, n_tags;
    int64_t *movie; /* movie ids, in order of first appearance */
    int64_t *tag;   /* tag ids, in genome-tags.csv order: the columns */
    float *score;   /* n_movies x n_tags relevances, row-major */
} gr_genome_table;

/* Read both files.  GR_EIO, GR_EFORMAT, GR_ENOMEM (error names file:line). */
int gr_read_genome(gr_genome_table *out, const char *scores_path, const char *tags_path);
void gr_genome_table_free(gr_genome_table *t);

#endif
