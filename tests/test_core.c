/* Core utilities: errors, id and name maps, random numbers, atomic files. */
#include <gnnrec.h>
#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/err.h"
#include "core/idmap.h"
#include "core/mem.h"
#include "core/rng.h"
#include "core/threads.h"
#include "fixtures.h"
#include "io/atomic_file.h"
#include "kg/strmap.h"

START_TEST(error_is_recorded_and_cleared)
{
    gr_error_clear();
    ck_assert_str_eq(gr_last_error(), "");
    ck_assert_int_eq(gr_last_error_code(), GR_OK);
    ck_assert_int_eq(gr_err(GR_EFORMAT, "%s:%d: field '%s'", "f.txt", 3, "rating"), GR_EFORMAT);
    ck_assert_str_eq(gr_last_error(), "f.txt:3: field 'rating'");
    ck_assert_int_eq(gr_last_error_code(), GR_EFORMAT);
    gr_err_prefix("loading %s", "x");
    ck_assert_str_eq(gr_last_error(), "loading x: f.txt:3: field 'rating'");
    ck_assert_str_eq(gr_status_name(GR_EFORMAT), "GR_EFORMAT");
    ck_assert_str_eq(gr_status_name(12345), "GR_UNKNOWN");
    gr_error_clear();
    ck_assert_str_eq(gr_last_error(), "");
}
END_TEST

START_TEST(version_matches_headers)
{
    ck_assert_int_eq(gr_version(), GR_VERSION_NUMBER);
    ck_assert_str_eq(gr_version_string(), GR_VERSION_STRING);
}
END_TEST

START_TEST(idmap_interns_and_finds)
{
    gr_idmap m;
    gr_idmap_init(&m);
    ck_assert_int_eq(gr_idmap_find(&m, 7), -1);
    for (int64_t i = 0; i < 10000; i++) ck_assert_int_eq(gr_idmap_intern(&m, i * 7919 - 5000), (int32_t)i);
    for (int64_t i = 0; i < 10000; i++) ck_assert_int_eq(gr_idmap_find(&m, i * 7919 - 5000), (int32_t)i);
    ck_assert_int_eq(gr_idmap_intern(&m, 5 * 7919 - 5000), 5);
    ck_assert_int_eq(gr_idmap_find(&m, 3), -1);
    ck_assert_uint_eq(m.n, 10000);
    gr_idmap c;
    ck_assert_int_eq(gr_idmap_copy(&c, &m), GR_OK);
    ck_assert_int_eq(gr_idmap_find(&c, 9999 * 7919 - 5000), 9999);
    gr_idmap_free(&m);
    /* a repeated id in a rebuilt map is a corrupt source */
    c.ids[1] = c.ids[0];
    ck_assert_int_eq(gr_idmap_rebuild(&c), GR_EFORMAT);
    gr_idmap_free(&c);
}
END_TEST

START_TEST(strmap_interns_puts_and_finds)
{
    gr_strmap m;
    gr_strmap_init(&m);
    ck_assert_int_eq(gr_strmap_find(&m, "a", 1), -1);
    char name[32];
    for (int i = 0; i < 5000; i++) {
        int len = snprintf(name, sizeof name, "n%d", i);
        ck_assert_int_eq(gr_strmap_intern(&m, name, (size_t)len), i);
    }
    for (int i = 0; i < 5000; i++) {
        int len = snprintf(name, sizeof name, "n%d", i);
        ck_assert_int_eq(gr_strmap_find(&m, name, (size_t)len), i);
    }
    /* only the first len bytes count */
    ck_assert_int_eq(gr_strmap_find(&m, "n12xyz", 3), 12);
    ck_assert_int_eq(gr_strmap_find(&m, "n12", 2), 1);
    ck_assert_int_eq(gr_strmap_intern(&m, "n7", 2), 7);
    ck_assert_uint_eq(m.n, 5000);
    gr_strmap_free(&m);

    /* a dictionary sets indices out of order; the holes stay unset */
    gr_strmap_init(&m);
    ck_assert_int_eq(gr_strmap_put(&m, 300, "late", 4), GR_OK);
    ck_assert_int_eq(gr_strmap_put(&m, 2, "early", 5), GR_OK);
    ck_assert_uint_eq(m.n, 301);
    ck_assert_ptr_null(m.names[100]);
    ck_assert_int_eq(gr_strmap_find(&m, "late", 4), 300);
    ck_assert_int_eq(gr_strmap_find(&m, "early", 5), 2);
    ck_assert_int_eq(gr_strmap_put(&m, 2, "other", 5), GR_EFORMAT);
    ck_assert_ptr_nonnull(strstr(gr_last_error(), "id 2"));
    ck_assert_int_eq(gr_strmap_put(&m, 3, "late", 4), GR_EFORMAT);
    ck_assert_ptr_nonnull(strstr(gr_last_error(), "late"));
    ck_assert_int_eq(gr_strmap_put(&m, -1, "x", 1), GR_EFORMAT);
    ck_assert_int_eq(gr_strmap_intern(&m, "new", 3), 301);
    gr_strmap_free(&m);
}
END_TEST

START_TEST(parallel_arrays_grow_together)
{
    int32_t *a = NULL;
    double *b = NULL;
    size_t cap = 0;
    void **const arrays[] = { (void **)&a, (void **)&b };
    const size_t sizes[] = { sizeof *a, sizeof *b };
    for (size_t n = 0; n < 1000; n++) {
        ck_assert_int_eq(gr_reserve_each(arrays, sizes, 2, &cap, n + 1), GR_OK);
        ck_assert_uint_ge(cap, n + 1);
        a[n] = (int32_t)n;
        b[n] = 0.5 * (double)n;
    }
    for (size_t n = 0; n < 1000; n++) {
        ck_assert_int_eq(a[n], (int32_t)n);
        ck_assert_double_eq(b[n], 0.5 * (double)n);
    }
    size_t before = cap;
    ck_assert_int_eq(gr_reserve_each(arrays, sizes, 2, &cap, 10), GR_OK);
    ck_assert_uint_eq(cap, before);
    ck_assert_int_eq(gr_reserve_each(arrays, sizes, 2, &cap, SIZE_MAX), GR_ENOMEM);
    ck_assert_uint_eq(cap, before);
    free(a);
    free(b);
}
END_TEST

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || __has_feature(memory_sanitizer)
#define SANITIZED 1
#endif
#endif
#ifndef SANITIZED
#define SANITIZED 0
#endif

/* The process's resident set in KB (Linux: /proc/self/statm). */
static long resident_kb(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    long size = 0, resident = 0;
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(fscanf(f, "%ld %ld", &size, &resident), 2);
    fclose(f);
    return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

/* Buffers in pages of their own: zeroed, aligned, writable, their pages
 * returned to the system when freed (the process does not keep them), and
 * an injected failure or an overflowing size is an error, not a crash. */
START_TEST(page_buffers_go_back_to_the_system)
{
    const size_t sizes[] = { 0, 1, 1000, (size_t)3 << 20 };
    for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
        float *p = gr_alloc_floats_pages(sizes[k]);
        ck_assert_ptr_nonnull(p);
        ck_assert_uint_eq((uintptr_t)p % 64, 0);
        for (size_t j = 0; j < sizes[k]; j += 997) ck_assert(p[j] == 0.0f);
        if (sizes[k]) p[sizes[k] - 1] = 1.0f;
        gr_free_floats_pages(p);
    }
    gr_free_floats_pages(NULL);
    /* 64 MB touched, then freed: the resident set falls back (not checked
     * under a sanitizer, whose shadow of the pages may stay resident) */
    FILE *f = SANITIZED ? NULL : fopen("/proc/self/statm", "r");
    if (f) {
        fclose(f);
        const size_t n = (size_t)16 << 20;
        const long before = resident_kb();
        float *p = gr_alloc_floats_pages(n);
        ck_assert_ptr_nonnull(p);
        for (size_t j = 0; j < n; j += 1024) p[j] = 1.0f;
        ck_assert_int_ge(resident_kb() - before, 60 * 1024);
        gr_free_floats_pages(p);
        ck_assert_int_lt(resident_kb() - before, 4 * 1024);
    }
    gr_mem_fail_after(0);
    ck_assert_ptr_null(gr_alloc_floats_pages(10));
    ck_assert_ptr_nonnull(strstr(gr_last_error(), "out of memory"));
    gr_mem_fail_after(-1);
    ck_assert_ptr_null(gr_alloc_floats_pages(SIZE_MAX / 2));
    ck_assert_ptr_nonnull(strstr(gr_last_error(), "overflows"));
}
END_TEST

START_TEST(rng_is_a_function_of_its_counter)
{
    gr_rng a = gr_rng_make(42, 3), b = gr_rng_make(42, 3), c = gr_rng_make(43, 3);
    int same_c = 0;
    for (int i = 0; i < 100; i++) {
        uint64_t x = gr_rng_next(&a);
        ck_assert_uint_eq(x, gr_rng_next(&b));
        ck_assert_uint_eq(x, gr_hash3(42, 3, (uint64_t)i));
        same_c += x == gr_rng_next(&c);
    }
    ck_assert_int_eq(same_c, 0);
    /* gr_below is uniform enough: counts of 10 buckets within 5% of 10,000 */
    int count[10] = { 0 };
    for (uint64_t i = 0; i < 100000; i++) count[gr_below(gr_hash3(1, 2, i), 10)]++;
    for (int k = 0; k < 10; k++) ck_assert_int_lt(abs(count[k] - 10000), 500);
    double s = 0, s2 = 0;
    gr_rng r = gr_rng_make(5, 0);
    for (int i = 0; i < 100000; i++) {
        double z = gr_rng_normal(&r);
        s += z;
        s2 += z * z;
    }
    ck_assert_double_lt(fabs(s / 100000), 0.02);
    ck_assert_double_lt(fabs(s2 / 100000 - 1.0), 0.02);
}
END_TEST

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *buf = calloc(1, 4096);
    size_t n = fread(buf, 1, 4095, f);
    buf[n] = 0;
    fclose(f);
    return buf;
}

START_TEST(atomic_file_replaces_or_keeps)
{
    char *dir = fx_tmpdir();
    char *p = fx_write(dir, "out.txt", "old\n");
    gr_afile f;
    ck_assert_int_eq(gr_afile_open(&f, p), GR_OK);
    gr_afile_printf(&f, "new %d\n", 1);
    /* before commit the destination still holds the old content */
    char *s = slurp(p);
    ck_assert_str_eq(s, "old\n");
    free(s);
    ck_assert_int_eq(gr_afile_commit(&f), GR_OK);
    s = slurp(p);
    ck_assert_str_eq(s, "new 1\n");
    free(s);
    /* an aborted write leaves the file and no temporary behind */
    ck_assert_int_eq(gr_afile_open(&f, p), GR_OK);
    gr_afile_printf(&f, "partial");
    gr_afile_abort(&f);
    s = slurp(p);
    ck_assert_str_eq(s, "new 1\n");
    free(s);
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "test $(ls '%s' | wc -l) -eq 1", dir);
    ck_assert_int_eq(system(cmd), 0);
    /* a directory that does not exist is an I/O error naming the path */
    char *bad = fx_path(dir, "no/such/dir/file");
    ck_assert_int_eq(gr_afile_open(&f, bad), GR_EIO);
    ck_assert_ptr_nonnull(strstr(gr_last_error(), "no/such/dir/file"));
    free(bad);
    free(p);
    fx_rmtree(dir);
    free(dir);
}
END_TEST

/* The automatic thread count is the cores other processes leave free. */
START_TEST(threads_follow_free_cores)
{
    gr_cpu_load quiet = { 2, 2, 0, 0 }, one_busy = { 2, 2, 1, 0 }, crowded = { 2, 2, 17, 0 };
    ck_assert_int_eq(gr_threads_for_load(2, &quiet), 2);
    ck_assert_int_eq(gr_threads_for_load(2, &one_busy), 1);
    ck_assert_int_eq(gr_threads_for_load(2, &crowded), 1);
    gr_cpu_load big = { 16, 16, 3, 0 };
    ck_assert_int_eq(gr_threads_for_load(16, &big), 13);
    ck_assert_int_eq(gr_threads_for_load(8, &big), 8); /* OMP_NUM_THREADS caps it */
    /* 4 of 64 CPUs: 32 busy threads elsewhere take about 2 of ours */
    gr_cpu_load subset = { 4, 64, 32, 0 };
    ck_assert_int_eq(gr_threads_for_load(4, &subset), 2);
    /* a cgroup limit of 1.5 cores on an idle 8-core machine */
    gr_cpu_load quota = { 8, 8, 0, 1.5 };
    ck_assert_int_eq(gr_threads_for_load(8, &quota), 1);
    gr_cpu_load quota3 = { 8, 8, 2, 3.0 };
    ck_assert_int_eq(gr_threads_for_load(8, &quota3), 3);
    /* nothing known: OpenMP's count */
    gr_cpu_load unknown = { 0, 0, 0, 0 };
    ck_assert_int_eq(gr_threads_for_load(6, &unknown), 6);
    ck_assert_int_eq(gr_threads_for_load(0, &unknown), 1);
}
END_TEST

START_TEST(load_is_read)
{
    gr_cpu_load now;
    gr_cpu_load_read(&now);
#ifdef __linux__
    ck_assert_int_ge(now.cores, 1);
    ck_assert_int_ge(now.online, now.cores);
#endif
    ck_assert_int_ge(now.others, 0);
    ck_assert(now.quota >= 0);
    int t = gr_threads();
    ck_assert_int_ge(t, 1);
    ck_assert_int_le(t, omp_get_max_threads());
}
END_TEST

/* A count given by the caller is used as given; 0 goes back to automatic. */
START_TEST(thread_setting_is_fixed_or_automatic)
{
    ck_assert_int_eq(gr_set_num_threads(-1), GR_EINVAL);
    ck_assert_int_eq(gr_set_num_threads(3), GR_OK);
    ck_assert_int_eq(gr_get_num_threads(), 3);
    ck_assert_int_eq(gr_threads(), 3);
    ck_assert_int_eq(gr_threads_limit(), 3);
    ck_assert_int_eq(gr_threads_at_most(2), 2);
    int previous = gr_threads_fix(5); /* a trainer's setting for one fit */
    ck_assert_int_eq(previous, 3);
    ck_assert_int_eq(gr_threads(), 5);
    gr_threads_restore(previous);
    ck_assert_int_eq(gr_threads(), 3);
    ck_assert_int_eq(gr_set_num_threads(0), GR_OK);
    ck_assert_int_eq(gr_threads_limit(), omp_get_max_threads());
    int t = gr_get_num_threads();
    ck_assert_int_ge(t, 1);
    ck_assert_int_le(t, omp_get_max_threads());
    ck_assert_int_eq(gr_threads_at_most(1), 1);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("core");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, error_is_recorded_and_cleared);
    tcase_add_test(tc, version_matches_headers);
    tcase_add_test(tc, idmap_interns_and_finds);
    tcase_add_test(tc, strmap_interns_puts_and_finds);
    tcase_add_test(tc, parallel_arrays_grow_together);
    tcase_add_test(tc, page_buffers_go_back_to_the_system);
    tcase_add_test(tc, page_buffers_go_back_to_the_system);
    tcase_add_test(tc, rng_is_a_function_of_its_counter);
    tcase_add_test(tc, atomic_file_replaces_or_keeps);
    tcase_add_test(tc, threads_follow_free_cores);
    tcase_add_test(tc, load_is_read);
    tcase_add_test(tc, thread_setting_is_fixed_or_automatic);
    suite_add_tcase(s, tc);
    return fx_run(s);
}
