/*
 * Helpers shared by the benchmark programs: clocks, medians and
 * percentiles, resident memory, flags, and JSON rows on stdout (one object
 * per line, read by bench/run).
 */
#ifndef GR_BENCH_UTIL_H
#define GR_BENCH_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

double bench_now(void);
/* The median of n values (sorts them). */
double bench_median(double *v, size_t n);
/* The q-quantile (0..1) of n values by nearest rank (sorts them). */
double bench_quantile(double *v, size_t n, double q);

/* Peak resident set of this process in bytes (VmHWM). */
double bench_peak_rss(void);
/* Current resident set in bytes (/proc/self/statm). */
double bench_rss(void);

/* --name VALUE flags. */
const char *bench_arg(int argc, char **argv, const char *name, const char *def);
long bench_arg_long(int argc, char **argv, const char *name, long def);
double bench_arg_double(int argc, char **argv, const char *name, double def);
int bench_flag(int argc, char **argv, const char *name);

/* The data directory: --data, else $GNNREC_DATA, else ../shared/data from the
 * source tree; NULL (with a SKIP line on stderr) when `sub` is absent. */
const char *bench_data_dir(int argc, char **argv, const char *sub);

/* A JSON row: bench_row_begin("spmm"); bench_kv_num("ms", 4.1); ...; bench_row_end(). */
void bench_row_begin(const char *bench);
void bench_kv_num(const char *key, double v);
void bench_kv_str(const char *key, const char *v);
void bench_row_end(void);

#endif
