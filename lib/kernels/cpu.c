#include "kernels/cpu.h"

#include "kernels/gemm_bf16.h"

#if defined(__x86_64__) && defined(__GNUC__)
static int read_level(void)
{
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) return 0;
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
        __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq"))
        return 4;
    return 3;
}
#else
static int read_level(void) { return 0; }
#endif

static int max_level = -1, forced_wide = -1;

int gr_cpu_level(void)
{
    /* relaxed: every thread that races here computes the same value */
    static int level = -1;
    int l = __atomic_load_n(&level, __ATOMIC_RELAXED);
    if (l < 0) {
        l = read_level();
        __atomic_store_n(&level, l, __ATOMIC_RELAXED);
    }
    int cap = __atomic_load_n(&max_level, __ATOMIC_RELAXED);
    return cap >= 0 && cap < l ? cap : l;
}

int gr_simd_wide(void)
{
    int f = __atomic_load_n(&forced_wide, __ATOMIC_RELAXED);
    return f >= 0 ? f : gr_cpu_level() >= 4;
}

int gr_cpu_bf16_pays(void)
{
#if defined(__x86_64__) && defined(__GNUC__)
    __builtin_cpu_init();
    return !__builtin_cpu_is("intel") || gr_bf16_amx();
#else
    return 1;
#endif
}

void gr_simd_set_wide(int wide) { __atomic_store_n(&forced_wide, wide < 0 ? -1 : wide != 0, __ATOMIC_RELAXED); }

void gr_cpu_set_max_level(int max) { __atomic_store_n(&max_level, max < 0 ? -1 : max, __ATOMIC_RELAXED); }
