/* Allocation helpers that report GR_ENOMEM through gr_err and check size overflow. */
#ifndef GR_CORE_MEM_H
#define GR_CORE_MEM_H

#include <stddef.h>

/* malloc(n * size); NULL (with the error set) on overflow or failure. */
void *gr_alloc(size_t n, size_t size);
/* calloc(n, size), likewise. */
void *gr_zalloc(size_t n, size_t size);
/* realloc(p, n * size), likewise; p is left intact on failure. */
void *gr_realloc(void *p, size_t n, size_t size);
/* 64-byte aligned, zeroed: rows of embeddings start on a cache line. */
float *gr_alloc_floats(size_t n);
/* The same, not zeroed: for tables whose values are written before they
 * are read (rows that their owners fill and a gather completes, the
 * layers of a propagation).  Zeroing touches every page; without it the
 * pages of rows a process never writes stay unmapped. */
float *gr_alloc_floats_unset(size_t n);

/*
 * n floats in pages of their own, zeroed, 64-byte aligned, freed by
 * gr_free_floats_pages (NULL: nothing): for the large buffers a loop
 * allocates and frees again (a validation's).  Their pages go back to
 * the system when freed.  From malloc they would, after the first, come
 * from its heap (glibc raises its mmap threshold each time a mapped
 * block is freed), and the heap keeps what such buffers leave between
 * the blocks allocated beside them: the process grew by the size of
 * one each time.
 */
float *gr_alloc_floats_pages(size_t n);
void gr_free_floats_pages(float *p);

/*
 * Return the free pages of the C heap to the system.  A fit frees its work
 * buffers before the model and the next fit allocate theirs; glibc's
 * malloc raises its mmap threshold each time a mapped block is freed, so
 * the later buffers of a size below it come from the heap, and the heap
 * pages freed earlier stay resident beside them.  Called once a fit is
 * done (gr_fit_kind); it frees nothing in use and does nothing with other
 * C libraries.
 */
void gr_mem_trim(void);
/* strdup that sets the error on failure. */
char *gr_strdup(const char *s);
/* Grow *p (holding *cap elements of `size`) to hold at least `need`. */
int gr_reserve(void **p, size_t *cap, size_t need, size_t size);
/* The same for n parallel arrays sharing one capacity: *arrays[k] holds *cap
 * elements of sizes[k] bytes.  *cap changes only once every array has room;
 * on failure the arrays grown so far keep their contents. */
int gr_reserve_each(void **const arrays[], const size_t sizes[], size_t n, size_t *cap, size_t need);

/*
 * Fault injection, for tests (not part of the public API): the allocation
 * `n` calls from now (0: the next) of the functions above fails as if
 * memory had run out, once; -1 cancels.  Counted over all threads.
 * Returns the calls that were left of the previous setting (-1: none, or
 * it has failed), so that LONG_MAX, a run, and -1 count the run's calls.
 */
long gr_mem_fail_after(long n);
/*
 * For tests (not part of the public API): with on, the tables of
 * gr_alloc_floats_unset are filled with NaN, so that a value read before
 * it is written shows in the results.  Off by default.
 */
void gr_mem_poison_unset(int on);

#endif
