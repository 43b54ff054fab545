"""A template for a new suite: copy to bench/suites/<name>.py (files starting
with '_' are not loaded).  See bench/README.md."""
TITLE = "What this suite measures"
ORDER = 50  # position in docs/benchmarks.md


def benchmarks(ctx):
    # Each Bench runs a command that prints JSON rows, one per line, each with
    # a "bench" field.  ctx.bin("bench_x") is a program built from bench/;
    # ctx.measurable_threads() are the requested thread counts this machine has.
    return [Bench(f"example_t{t}", [ctx.bin("bench_kernels"), "--threads", t] +
                  (["--smoke"] if ctx.smoke else []), repeats=ctx.reps(3))
            for t in ctx.measurable_threads()]


def goals(ctx, results):
    # optional: rows [goal, target, measured, met] for the table at the top
    return []


def report(ctx, results, table):
    rows = []
    for t in ctx.measurable_threads():
        r = results[f"example_t{t}"]
        rows.append([t, r.value("ms", bench="spmm_d64")])
    return table(["threads", "SpMM ms"], rows)
