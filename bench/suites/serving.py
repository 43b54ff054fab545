"""Serving: gr_model_recommend latency and batch throughput on MovieLens-1M."""
import os

TITLE = "Serving (MovieLens-1M, top-20 over all items)"
ORDER = 30
TARGET_P99_MS = 0.25


def benchmarks(ctx):
    callers = ",".join(str(c) for c in (1, 2, 4, 8) if c <= max(ctx.cores * 4, 1))
    cmd = [ctx.bin("bench_serving"), "--threads", ctx.cores, "--callers", callers, "--k", 20,
           "--data", ctx.data] + (["--smoke"] if ctx.smoke else [])
    return [Bench("serving", cmd, repeats=ctx.reps(3), key=("threads", "callers"))]


def goals(ctx, results):
    res = results.get("serving")
    r = res.row(bench="recommend_latency", callers=1) if res else None
    if not r:
        return [["5. serving latency, one caller", f"p99 < {TARGET_P99_MS} ms",
                 (res.skipped or res.failed) if res else "not run", "**no**"]]
    many = [x for x in res.rows if x["bench"] == "recommend_latency" and x["callers"] > 1]
    worst = max(many, key=lambda x: x["callers"]) if many else None
    text = f"p50 {r['p50_ms']:.3f} ms, p99 {r['p99_ms']:.3f} ms"
    if worst:
        text += f"; {worst['callers']:.0f} callers at once: p99 {worst['p99_ms']:.3f} ms"
    return [["5. serving latency, one caller", f"p99 < {TARGET_P99_MS} ms", text,
             "yes" if r["p99_ms"] < TARGET_P99_MS else "**no**"]]


def report(ctx, results, table):
    res = results.get("serving")
    if not res or not res.rows:
        return f"_{(res.skipped or res.failed) if res else 'not run'}_"
    L = []
    lat = [r for r in res.rows if r["bench"] == "recommend_latency"]
    L.append("`gr_model_recommend(model, user, 20, NULL, ...)` for users drawn uniformly, training items "
             "excluded, each call timed on its own; with several callers, that many threads call it at once on one "
             "model, each call single-threaded.")
    L.append("")
    L.append(table(["callers", "calls", "p50 ms", "p99 ms", "mean ms", "calls/s (all callers)"],
                   [[f"{r['callers']:.0f}", r["calls"], r["p50_ms"], r["p99_ms"], r["mean_ms"], r["calls_per_s"]]
                    for r in lat]))
    L.append("")
    rows = []
    for r in res.rows:
        if r["bench"] == "recommend_all_users":
            rows.append(["top-20 for every user: `gr_model_recommend` in a parallel loop", f"{r['threads']:.0f}",
                         r["users"], r["seconds"], r["users_per_s"]])
        elif r["bench"] == "recommend_batch_all_users":
            rows.append(["top-20 for every user: one `gr_model_recommend_batch` call", f"{r['threads']:.0f}",
                         r["users"], r["seconds"], r["users_per_s"]])
        elif r["bench"] == "eval_ranking_all_users":
            rows.append(["full ranking of every user: `gr_eval_ranking` (scores, exclusion, top-20, metrics)",
                         f"{r['threads']:.0f}", r["users"], r["seconds"], r["users_per_s"]])
    L.append(table(["batch", "threads", "users", "s", "users/s"], rows))
    load = [r for r in res.rows if r["bench"] == "model_load"]
    if load:
        L.append("")
        L.append("`gr_model_load` of the same model saved by `gr_model_save` (median of the loads; over the first, "
                 "the RSS the loaded model holds and the most the load took at once, above the RSS before it):")
        L.append("")
        L.append(table(["file MB", "loads", "median ms", "MB/s", "held MB", "peak MB"],
                       [[r["file_mb"], f"{r['loads']:.0f}", r["median_ms"], r["mb_per_s"], r["held_mb"],
                         r["peak_mb"] if r["peak_mb"] is not None else "not measured"] for r in load]))
    return "\n".join(L)
