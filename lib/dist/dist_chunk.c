/* The collectives' piece and round limits (dist.h), one setting for the
 * builds with and without MPI. */
#include "dist/dist.h"

#include <limits.h>

/* Values per collective call of a reduction (MPI counts are int, and
 * MPI_SUM takes only predefined datatypes, so a reduction cannot count in
 * rows): every reduction is cut into pieces of at most this many values,
 * reduced one after the other.  The copies count in rows (one datatype a
 * row) and need no pieces. */
#define CHUNK_DEFAULT ((size_t)1 << 26)
static size_t chunk = CHUNK_DEFAULT;

/* The values one round of a sum into owners receives: at most the chunk
 * and at most 2^22 floats (16 MB), so that summing an n x dim table holds a
 * scratch of 16 MB instead of a second n x dim copy for the time of the
 * call.  A round is one all-to-all: more rounds cost their latency alone,
 * and each value is added in the same order whatever the rounds. */
#define ROUND_FLOATS_MAX ((size_t)1 << 22)

size_t gr_dist_set_chunk(size_t values)
{
    size_t old = chunk;
    chunk = values == 0 ? CHUNK_DEFAULT : values < INT_MAX ? values : INT_MAX;
    return old;
}

size_t gr_dist_chunk(void) { return chunk; }

size_t gr_dist_round_floats(void) { return chunk < ROUND_FLOATS_MAX ? chunk : ROUND_FLOATS_MAX; }

size_t gr_dist_round_bytes(void) { return gr_dist_round_floats() * sizeof(float); }
