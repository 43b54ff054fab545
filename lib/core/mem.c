#include "core/mem.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "core/err.h"

/* Whether gr_alloc_floats_unset fills its tables with NaN (tests). */
static _Atomic int poison_unset;

void gr_mem_poison_unset(int on) { atomic_store(&poison_unset, on != 0); }

/* Calls left before an injected failure (gr_mem_fail_after); -1: none. */
static _Atomic long fail_countdown = -1;

long gr_mem_fail_after(long n) { return atomic_exchange(&fail_countdown, n < 0 ? -1 : n); }

/* Whether this allocation fails by injection: one relaxed load when none
 * is set. */
static int injected(void)
{
    if (atomic_load_explicit(&fail_countdown, memory_order_relaxed) < 0) return 0;
    long left = atomic_load(&fail_countdown);
    while (left >= 0 && !atomic_compare_exchange_weak(&fail_countdown, &left, left - 1)) {
    }
    return left == 0;
}

/* Whether n x size overflows size_t. */
static int overflows(size_t n, size_t size) { return size != 0 && n > SIZE_MAX / size; }

/*
 * Large buffers ask for 2 MB pages where the kernel gives them on request
 * (Linux's transparent huge pages in "madvise" mode, a common default; in
 * "always" mode they have them anyway).  A first write to a 4 KB page is a
 * fault, and in a virtual machine an expensive one: on the 2-core
 * development VM, writing 256 MB for the first time took 0.68 s in 4 KB
 * pages and 0.04 s in 2 MB pages, where writing it again took 0.02 s.
 * Only the whole 2 MB pages inside the buffer are advised, so memory
 * beside it is not affected; small buffers, whose pages are mostly shared
 * with others, are left alone.
 */
#define HUGE_PAGE ((uintptr_t)2 << 20)
#define HUGE_MIN ((size_t)8 << 20)

static void *advise_huge(void *p, size_t bytes)
{
#ifdef MADV_HUGEPAGE
    if (p && bytes >= HUGE_MIN) {
        uintptr_t lo = ((uintptr_t)p + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1), hi = ((uintptr_t)p + bytes) & ~(HUGE_PAGE - 1);
        if (hi > lo) (void)madvise((void *)lo, hi - lo, MADV_HUGEPAGE); /* advice: its failure changes nothing */
    }
#endif
    return p;
}

void *gr_alloc(size_t n, size_t size)
{
    if (overflows(n, size)) {
        gr_err(GR_ENOMEM, "allocation of %zu x %zu bytes overflows", n, size);
        return NULL;
    }
    void *p = injected() ? NULL : malloc(n && size ? n * size : 1);
    if (!p) gr_err(GR_ENOMEM, "out of memory allocating %zu bytes", n * size);
    return advise_huge(p, n * size);
}

void *gr_zalloc(size_t n, size_t size)
{
    void *p = injected() ? NULL : calloc(n ? n : 1, size ? size : 1);
    if (!p) gr_err(GR_ENOMEM, "out of memory allocating %zu x %zu bytes", n, size);
    return advise_huge(p, overflows(n, size) ? 0 : n * size);
}

void *gr_realloc(void *p, size_t n, size_t size)
{
    if (overflows(n, size)) {
        gr_err(GR_ENOMEM, "allocation of %zu x %zu bytes overflows", n, size);
        return NULL;
    }
    void *q = injected() ? NULL : realloc(p, n && size ? n * size : 1);
    if (!q) gr_err(GR_ENOMEM, "out of memory allocating %zu bytes", n * size);
    return q;
}

/* The bytes of n floats rounded up to whole cache lines (one at least). */
static size_t float_bytes(size_t n)
{
    size_t bytes = (n * sizeof(float) + 63) & ~(size_t)63;
    return bytes ? bytes : 64;
}

/* 0 (error recorded) where n floats, rounded up to a cache line, and
 * `extra` bytes beside them do not fit in a size_t. */
static int floats_fit(size_t n, size_t extra)
{
    if (overflows(n, sizeof(float)) || n * sizeof(float) > SIZE_MAX - 63 - extra) {
        gr_err(GR_ENOMEM, "allocation of %zu floats overflows", n);
        return 0;
    }
    return 1;
}

/* n floats, 64-byte aligned, not written; NULL with the error set. */
static float *aligned_floats(size_t n)
{
    if (!floats_fit(n, 0)) return NULL;
    void *p = NULL;
    if (injected() || posix_memalign(&p, 64, float_bytes(n)) != 0) {
        gr_err(GR_ENOMEM, "out of memory allocating %zu floats", n);
        return NULL;
    }
    return advise_huge(p, float_bytes(n));
}

float *gr_alloc_floats(size_t n)
{
    float *p = aligned_floats(n);
    /* the padding too: vector kernels may read a row's last line whole */
    if (p) memset(p, 0, float_bytes(n));
    return p;
}

float *gr_alloc_floats_unset(size_t n)
{
    float *p = aligned_floats(n);
    /* all bits set: a quiet NaN in every value */
    if (p && atomic_load_explicit(&poison_unset, memory_order_relaxed)) memset(p, 0xff, float_bytes(n));
    return p;
}

/* The mapping's length is kept in its first cache line, before the
 * floats. */
#define PAGES_HEADER 64

float *gr_alloc_floats_pages(size_t n)
{
    if (!floats_fit(n, PAGES_HEADER)) return NULL;
    const size_t len = PAGES_HEADER + float_bytes(n);
    void *p = injected() ? MAP_FAILED : mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        gr_err(GR_ENOMEM, "out of memory allocating %zu floats", n);
        return NULL;
    }
    memcpy(p, &len, sizeof len);
    return (float *)((char *)advise_huge(p, len) + PAGES_HEADER);
}

void gr_free_floats_pages(float *p)
{
    if (!p) return;
    char *base = (char *)p - PAGES_HEADER;
    size_t len;
    memcpy(&len, base, sizeof len);
    munmap(base, len);
}

void gr_mem_trim(void)
{
#ifdef __GLIBC__
    malloc_trim(0);
#endif
}

char *gr_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = gr_alloc(n, 1);
    if (d) memcpy(d, s, n);
    return d;
}

/* The doubled capacity (from 16) that holds need; 0 on overflow (error set). */
static size_t grown_capacity(size_t cap, size_t need)
{
    size_t ncap = cap ? cap : 16;
    while (ncap < need) {
        if (ncap > SIZE_MAX / 2) {
            gr_err(GR_ENOMEM, "array of %zu elements too large", need);
            return 0;
        }
        ncap *= 2;
    }
    return ncap;
}

int gr_reserve(void **p, size_t *cap, size_t need, size_t size)
{
    void **const arrays[1] = { p };
    const size_t sizes[1] = { size };
    return gr_reserve_each(arrays, sizes, 1, cap, need);
}

int gr_reserve_each(void **const arrays[], const size_t sizes[], size_t n, size_t *cap, size_t need)
{
    if (need <= *cap) return GR_OK;
    size_t ncap = grown_capacity(*cap, need);
    if (!ncap) return GR_ENOMEM;
    for (size_t k = 0; k < n; k++) {
        void *q = gr_realloc(*arrays[k], ncap, sizes[k]);
        if (!q) return GR_ENOMEM;
        *arrays[k] = q;
    }
    *cap = ncap;
    return GR_OK;
}
