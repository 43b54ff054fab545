"""LightGCN at MovieLens-25M's size: a generated power-law graph, one epoch,
peak resident memory against what training must hold."""
TITLE = "Scale: a MovieLens-25M-size graph"
ORDER = 20
TARGET_RATIO = 3.0


def benchmarks(ctx):
    t = ctx.cores
    cmd = [ctx.bin("bench_scale"), "--threads", t] + (["--smoke"] if ctx.smoke else [])
    # one run each: an epoch at this size takes a minute, and peak memory does
    # not vary; one process per schedule, so that each peak is its own
    return [Bench("scale_fast", cmd + ["--phase", "fast"], repeats=1, timeout=7200),
            Bench("scale_paper", cmd + ["--phase", "paper"], repeats=1, timeout=7200)]


def _rows(results):
    fast, paper = results.get("scale_fast"), results.get("scale_paper")
    if not fast or not fast.rows:
        return None, None, None, fast
    return (fast.row(bench="scale_graph"), fast.row(bench="scale_fast_epoch"),
            paper.row(bench="scale_paper_batches") if paper else None, fast)


def goals(ctx, results):
    g, fast, paper, res = _rows(results)
    if not fast:
        return [["4. ML-25M-size epoch and peak RSS", f"peak RSS <= {TARGET_RATIO:.0f}x (CSR + params + Adam)",
                 (res.skipped or res.failed) if res else "not run", "**no**"]]
    worst = max(fast["ratio"], paper["ratio"] if paper else 0)
    return [["4. ML-25M-size epoch and peak RSS", f"peak RSS <= {TARGET_RATIO:.0f}x (CSR + params + Adam)",
             f"fast epoch {fast['epoch_s']:.1f} s, peak {fast['peak_rss_mb']:,.0f} MB = {fast['ratio']:.2f}x; "
             f"paper schedule peak {paper['peak_rss_mb']:,.0f} MB = {paper['ratio']:.2f}x" if paper else "",
             "yes" if worst <= TARGET_RATIO else "**no**"]]


def report(ctx, results, table):
    g, fast, paper, res = _rows(results)
    if not g:
        return f"_{(res.skipped or res.failed) if res else 'not run'}_"
    L = []
    L.append(f"A bipartite graph generated in `bench/power_law.c` straight into CSR: {g['users']:,.0f} users, "
             f"{g['items']:,.0f} items, {g['edges']:,.0f} edges; user degrees Pareto (at least 20 items each, "
             f"as in MovieLens), item popularity Zipf over a shuffled id order (the most popular item has "
             f"{g['max_item_degree']:,.0f} users). Generated in {g['generate_s']:.1f} s.")
    L.append("")
    L.append(table(["what training must hold", "MB"], [
        ["normalised adjacency (CSR: pointers, columns, weights, column-block offsets)", g["adj_csr_mb"]],
        ["layer-0 embeddings (d = 64)", g["params_mb"]],
        ["Adam moments", g["adam_mb"]],
        ["**sum (the base of the ratio)**", g["base_mb"]],
        ["input graph (CSR both ways; ratings only where not all 1; held by the caller)", g["graph_csr_mb"]],
        ["process RSS once the graph is built", g["rss_after_graph_mb"]]]))
    L.append("")
    rows = []
    if fast:
        rows.append(["fast schedule: one epoch (one full-batch step)", fast["epoch_s"], fast["fit_s"],
                     fast["peak_rss_mb"], fast["ratio"]])
    if paper:
        rows.append([f"paper schedule: one mini-batch of 2048 (median of those run); an epoch is "
                     f"{paper['batches_per_epoch']:,.0f} of them", paper["batch_s"], None, paper["peak_rss_mb"],
                     paper["ratio"]])
        rows.append(["paper schedule: one epoch, extrapolated", paper["epoch_s_extrapolated"], None, None, None])
    L.append(table(["", "seconds", "whole fit s", "peak RSS MB", "peak / base"], rows))
    L.append("")
    L.append(f"{fast['threads'] if fast else ctx.cores:.0f} threads, one run, one process per schedule. Peak RSS is "
             "the process's high-water mark (VmHWM): it includes generating and holding the input graph, and for "
             "the fast schedule building the model after training (propagating the trained embeddings once more, "
             "part of the whole fit time).")
    return "\n".join(L)
