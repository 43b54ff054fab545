#include "bench_util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

double bench_median(double *v, size_t n)
{
    if (n == 0) return 0.0;
    qsort(v, n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

double bench_quantile(double *v, size_t n, double q)
{
    if (n == 0) return 0.0;
    qsort(v, n, sizeof *v, cmp_double);
    size_t r = (size_t)(q * (double)n + 0.999999);
    if (r < 1) r = 1;
    if (r > n) r = n;
    return v[r - 1];
}

/* VmHWM; getrusage as a fallback. */
double bench_peak_rss(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (f) {
        char line[256];
        long kb = -1;
        while (fgets(line, sizeof line, f))
            if (sscanf(line, "VmHWM: %ld kB", &kb) == 1) break;
        fclose(f);
        if (kb >= 0) return (double)kb * 1024.0;
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_maxrss * 1024.0;
}

double bench_rss(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    long pages = 0, resident = 0;
    if (f) {
        if (fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
        fclose(f);
    }
    return (double)resident * (double)sysconf(_SC_PAGESIZE);
}

const char *bench_arg(int argc, char **argv, const char *name, const char *def)
{
    for (int k = 1; k + 1 < argc; k++)
        if (strcmp(argv[k], name) == 0) return argv[k + 1];
    return def;
}

long bench_arg_long(int argc, char **argv, const char *name, long def)
{
    const char *v = bench_arg(argc, argv, name, NULL);
    return v ? strtol(v, NULL, 10) : def;
}

double bench_arg_double(int argc, char **argv, const char *name, double def)
{
    const char *v = bench_arg(argc, argv, name, NULL);
    return v ? strtod(v, NULL) : def;
}

int bench_flag(int argc, char **argv, const char *name)
{
    for (int k = 1; k < argc; k++)
        if (strcmp(argv[k], name) == 0) return 1;
    return 0;
}

const char *bench_data_dir(int argc, char **argv, const char *sub)
{
    static char buf[4096];
    const char *root = bench_arg(argc, argv, "--data", getenv("GNNREC_DATA"));
    if (!root || !*root) root = GNNREC_SHARED_DATA;
    snprintf(buf, sizeof buf, "%s/%s", root, sub);
    struct stat st;
    if (stat(buf, &st) != 0) {
        fprintf(stderr, "SKIP: %s is absent (set GNNREC_DATA or --data)\n", buf);
        return NULL;
    }
    return buf;
}


void bench_row_begin(const char *bench)
{
    printf("{\"bench\": \"%s\"", bench);
}

/* JSON has no NaN or infinity: an unmeasured figure is null. */
void bench_kv_num(const char *key, double v)
{
    if (isfinite(v)) printf(", \"%s\": %.6g", key, v);
    else printf(", \"%s\": null", key);
}

void bench_kv_str(const char *key, const char *v)
{
    printf(", \"%s\": \"", key);
    for (const char *c = v; *c; c++) {
        if (*c == '"' || *c == '\\') putchar('\\');
        putchar(*c);
    }
    putchar('"');
}

void bench_row_end(void)
{
    printf("}\n");
    fflush(stdout);
}
