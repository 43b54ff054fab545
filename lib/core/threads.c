/* The thread count of parallel regions: fixed by the caller, or the cores
 * other processes leave free (lib/core/threads.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* sched_getaffinity */
#endif
#include "core/threads.h"

#include <gnnrec/trainer.h>

#include <dirent.h>
#include <omp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/err.h"
#ifdef __linux__
#include <sched.h>
#endif

static _Thread_local int fixed_threads;

int gr_threads_for_load(int cap, const gr_cpu_load *load)
{
    if (cap < 1) return 1;
    long cores = load->cores > 0 ? load->cores : cap;
    long online = load->online >= cores ? load->online : cores;
    long others = load->others > 0 ? load->others : 0;
    /* other processes' threads spread over all online CPUs; ours get their share */
    long busy = (others * cores + online / 2) / online;
    long free_cores = cores - busy;
    if (load->quota > 0 && free_cores > (long)load->quota) free_cores = (long)load->quota;
    if (free_cores < 1) return 1;
    return free_cores < cap ? (int)free_cores : cap;
}

/* ---- reading the load (Linux /proc and /sys; elsewhere nothing is known) ---- */

/* Runnable threads system-wide: the fourth field of /proc/loadavg, "R/T". */
static int running_tasks(void)
{
    FILE *f = fopen("/proc/loadavg", "r");
    if (!f) return 0;
    double a, b, c;
    int running = 0, total;
    if (fscanf(f, "%lf %lf %lf %d/%d", &a, &b, &c, &running, &total) != 5) running = 0;
    fclose(f);
    return running;
}

/* Whether a /proc/.../stat line says the task is runnable: the state
 * letter follows the command name, which may itself hold ')'. */
static int task_runnable(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    char line[512];
    size_t n = fread(line, 1, sizeof line - 1, f);
    fclose(f);
    line[n] = '\0';
    const char *close = strrchr(line, ')');
    return close && close[1] == ' ' && close[2] == 'R';
}

/* This process's runnable threads: they are not competition (its own
 * OpenMP workers spin for a while after each region). */
static int own_running(void)
{
    DIR *d = opendir("/proc/self/task");
    if (!d) return 1;
    int n = 0;
    struct dirent *e;
    char path[64];
    while ((e = readdir(d))) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
        snprintf(path, sizeof path, "/proc/self/task/%.20s/stat", e->d_name);
        n += task_runnable(path);
    }
    closedir(d);
    return n > 0 ? n : 1;
}

/* The CPU limit of one cgroup v2 directory, in cores; 0: none. */
static double cgroup_quota_at(const char *dir)
{
    char path[4224];
    snprintf(path, sizeof path, "%s/cpu.max", dir);
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    char max[32];
    double period = 0;
    double q = 0;
    if (fscanf(f, "%31s %lf", max, &period) == 2 && strcmp(max, "max") != 0 && period > 0)
        q = strtod(max, NULL) / period;
    fclose(f);
    return q;
}

/* The tightest CPU limit of this process's cgroup and its ancestors. */
static double cgroup_quota(void)
{
    FILE *f = fopen("/proc/self/cgroup", "r");
    if (!f) return 0;
    char line[4096], dir[4200] = "";
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "0::", 3) == 0) {
            line[strcspn(line, "\n")] = '\0';
            snprintf(dir, sizeof dir, "/sys/fs/cgroup%s", line + 3);
        }
    fclose(f);
    double best = 0;
    size_t root = strlen("/sys/fs/cgroup");
    while (strlen(dir) >= root) {
        double q = cgroup_quota_at(dir);
        if (q > 0 && (best == 0 || q < best)) best = q;
        char *slash = strrchr(dir, '/');
        if (!slash || (size_t)(slash - dir) < root) break;
        *slash = '\0';
    }
    return best;
}

/* A cgroup's limit rarely changes while a process runs: it is read once. */
static pthread_once_t quota_once = PTHREAD_ONCE_INIT;
static double process_quota;
static void read_quota(void) { process_quota = cgroup_quota(); }

static int affinity_cores(void)
{
#ifdef __linux__
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0) return CPU_COUNT(&set);
#endif
    return 0;
}

void gr_cpu_load_read(gr_cpu_load *out)
{
    memset(out, 0, sizeof *out);
    out->cores = affinity_cores();
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    out->online = online > 0 ? (int)online : 0;
    pthread_once(&quota_once, read_quota);
    out->quota = process_quota;
    int running = running_tasks();
    /* the calling thread is one of the runnable ones */
    out->others = running > 1 ? running - own_running() : 0;
    if (out->others < 0) out->others = 0;
}

/* ---- the shared reading, renewed every GR_THREADS_RECHECK_S ---- */

static pthread_mutex_t load_lock = PTHREAD_MUTEX_INITIALIZER;
static gr_cpu_load last_load;
static int recent_others[3], n_recent;
static double read_at;

static double monotonic_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int median_of_recent(void)
{
    if (n_recent < 3) return recent_others[0];
    int a = recent_others[0], b = recent_others[1], c = recent_others[2];
    if (a > b) { int t = a; a = b; b = t; }
    return c < a ? a : c > b ? b : c;
}

static void current_load(gr_cpu_load *out)
{
    pthread_mutex_lock(&load_lock);
    double now = monotonic_seconds();
    if (n_recent == 0 || now - read_at >= GR_THREADS_RECHECK_S) {
        /* readings from before a pause say nothing about now */
        if (now - read_at > 5 * GR_THREADS_RECHECK_S) n_recent = 0;
        gr_cpu_load fresh;
        gr_cpu_load_read(&fresh);
        memmove(recent_others + 1, recent_others, 2 * sizeof recent_others[0]);
        recent_others[0] = fresh.others;
        if (n_recent < 3) n_recent++;
        last_load = fresh;
        read_at = now;
    }
    *out = last_load;
    out->others = median_of_recent();
    pthread_mutex_unlock(&load_lock);
}

int gr_threads(void)
{
    if (fixed_threads > 0) return fixed_threads;
    int cap = omp_get_max_threads();
    if (cap <= 1) return 1;
    gr_cpu_load load;
    current_load(&load);
    return gr_threads_for_load(cap, &load);
}

int gr_threads_at_most(int n)
{
    int t = gr_threads();
    return t < n ? t : n > 0 ? n : 1;
}

int gr_threads_limit(void) { return fixed_threads > 0 ? fixed_threads : omp_get_max_threads(); }

int gr_threads_fix(int n)
{
    int previous = fixed_threads;
    fixed_threads = n > 0 ? n : 0;
    return previous;
}

void gr_threads_restore(int previous) { fixed_threads = previous; }

/* ---- the public setting ---- */

static int openmp_default;

int gr_set_num_threads(int n)
{
    if (n < 0) return gr_err(GR_EINVAL, "gr_set_num_threads: %d threads", n);
    if (!openmp_default) openmp_default = omp_get_max_threads();
    omp_set_num_threads(n ? n : openmp_default);
    gr_threads_fix(n);
    return GR_OK;
}

int gr_get_num_threads(void) { return gr_threads(); }
