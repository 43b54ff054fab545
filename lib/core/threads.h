/*
 * How many threads a parallel region uses (docs/architecture.md, "Kernels
 * and threads").
 *
 * The library runs inside other people's processes, usually beside other
 * work.  An OpenMP barrier needs every thread of its team on a core: when
 * another process holds one of the cores, the team waits for a descheduled
 * thread a scheduler time slice at a time, and libgomp's waiting threads
 * spin, taking the very core the late thread needs.  Many short regions per
 * epoch then run several times slower than on one thread.  So unless the
 * caller fixed a count, every region asks gr_threads(), which offers only
 * the cores other processes leave free, measured again every
 * GR_THREADS_RECHECK_S seconds.
 */
#ifndef GR_CORE_THREADS_H
#define GR_CORE_THREADS_H

/* How often the machine's load is read again, in seconds. */
#define GR_THREADS_RECHECK_S 0.1

/* What the thread choice depends on. */
typedef struct gr_cpu_load {
    int cores;    /* CPUs this process may run on (its affinity mask); 0: unknown */
    int online;   /* CPUs online in the whole system; 0: unknown */
    int others;   /* runnable threads of other processes, system-wide */
    double quota; /* the cgroup's CPU limit in cores; 0: none */
} gr_cpu_load;

/* Threads to use: the cores left free by other processes (their share of
 * this process's cores), within the cgroup quota, at least 1, at most cap. */
int gr_threads_for_load(int cap, const gr_cpu_load *load);

/* The load now.  Fields it cannot read stay 0 (nothing known: no limit). */
void gr_cpu_load_read(gr_cpu_load *out);

/* Threads for a parallel region started now by the calling thread: the
 * count fixed by gr_set_num_threads() or a trainer's `threads` setting, or
 * else gr_threads_for_load() of OpenMP's count and the load: the median
 * of the last three readings, all from the last half second, so that one
 * passing process does not shrink it. */
int gr_threads(void);

/* gr_threads(), but no more than n: for regions whose per-thread buffers
 * were sized for n threads. */
int gr_threads_at_most(int n);

/* The most gr_threads() may return on this thread until its count is
 * fixed again: per-thread buffers are sized with it. */
int gr_threads_limit(void);

/* Fix the calling thread's count (0: automatic); returns the previous
 * setting for gr_threads_restore(). */
int gr_threads_fix(int n);
void gr_threads_restore(int previous);

#endif
