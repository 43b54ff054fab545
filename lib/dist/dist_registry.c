/*
 * Which trainer trains with which communicator (dist.h).  The link lives
 * here rather than in struct gr_trainer because the ABI baseline
 * (docs/abi/libgnnrec.abi) records that struct's layout, reachable through
 * the public functions that take a trainer, and a build with or without
 * MPI must pass the ABI check unchanged.  A handful of trainers at most
 * have a communicator, so a locked list is enough; a fit looks its trainer
 * up once per epoch.
 */
#include <pthread.h>
#include <stdlib.h>

#include "core/err.h"
#include "core/mem.h"
#include "dist/dist.h"

typedef struct link {
    const void *owner;
    gr_dist *d;
} link;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static link *links;
static size_t n_links, cap_links;

gr_dist *gr_dist_of(const void *owner)
{
    gr_dist *d = NULL;
    pthread_mutex_lock(&lock);
    for (size_t k = 0; k < n_links && !d; k++)
        if (links[k].owner == owner) d = links[k].d;
    pthread_mutex_unlock(&lock);
    return d;
}

/* Remove owner's link; returns its gr_dist (NULL: none). */
static gr_dist *unlink_owner(const void *owner)
{
    for (size_t k = 0; k < n_links; k++) {
        if (links[k].owner != owner) continue;
        gr_dist *d = links[k].d;
        links[k] = links[--n_links];
        return d;
    }
    return NULL;
}

int gr_dist_attach(const void *owner, gr_dist *d)
{
    pthread_mutex_lock(&lock);
    gr_dist *old = unlink_owner(owner);
    int rc = d ? gr_reserve((void **)&links, &cap_links, n_links + 1, sizeof *links) : GR_OK;
    if (rc == GR_OK && d) links[n_links++] = (link){ owner, d };
    if (!n_links) {
        free(links);
        links = NULL;
        cap_links = 0;
    }
    pthread_mutex_unlock(&lock);
    /* freeing is collective (MPI_Comm_free): outside the lock */
    gr_dist_free(old);
    return rc;
}
