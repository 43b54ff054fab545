/* Fingerprints that ranks compare to check that they agree (dist.h). */
#include "dist/dist.h"

#include <string.h>

/* FNV-1a over bytes, 64-bit: the inputs are small (graph arrays are hashed
 * once per fit), so speed does not matter, only that every rank computes
 * the same value. */
uint64_t gr_dist_hash_bytes(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t k = 0; k < n; k++) {
        h ^= b[k];
        h *= 0x100000001b3ULL;
    }
    return h;
}

uint64_t gr_dist_hash_floats(const float *x, size_t n)
{
    return gr_dist_hash_bytes(0xcbf29ce484222325ULL, x, n * sizeof *x);
}
