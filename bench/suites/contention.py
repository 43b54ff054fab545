"""Contention: every model kind trained through `gnnrec train` beside a busy
process, with the library's default thread count and with --threads 1 (and
the machine's core count fixed), interleaved round by round
(bench/contend.py, docs/architecture.md "How many threads")."""
import os

TITLE = "Contention: the default thread count beside a busy process"
ORDER = 60
TOLERANCE = 1.10  # the default may be this much slower than one thread

# (case, extra arguments of `gnnrec train`, smoke arguments)
CASES = [
    ("lightgcn fast", [], ["--epochs", "40"]),
    ("lightgcn paper", ["--model", "lightgcn", "--mode", "paper", "--epochs", "20"], ["--model", "lightgcn", "--mode", "paper", "--epochs", "1"]),
    # MF's mini-batch schedule (its default is now the full-batch one, as LightGCN's)
    ("mf", ["--model", "mf", "--mode", "paper", "--epochs", "40"], ["--model", "mf", "--mode", "paper", "--epochs", "5"]),
    # GraphSAGE's default objective (ranking: the sampled softmax, threaded sampler) and its rating objective
    ("graphsage", ["--model", "graphsage", "--epochs", "3"], ["--model", "graphsage", "--epochs", "1"]),
    ("graphsage rating", ["--model", "graphsage", "--objective", "rating", "--epochs", "3"], ["--model", "graphsage", "--objective", "rating", "--epochs", "2"]),
    ("rotate", ["--model", "rotate", "--epochs", "3"], ["--model", "rotate", "--epochs", "1"]),
]


def _name(case, busy):
    return f"contention_{case.replace(' ', '_')}_busy{busy}"


def benchmarks(ctx):
    data = os.path.join(ctx.tmp, "contention_synth")
    rounds = 1 if ctx.smoke else (ctx.repeats or 3)
    out = []
    for case, args, smoke_args in CASES:
        for busy in (0, 1):
            fixed = ["1"] + ([str(ctx.cores)] if case in ("lightgcn fast", "graphsage") and busy and ctx.cores > 1
                             else [])
            cmd = [ctx.python, ctx.script("contend.py"), "--case", case, "--busy", busy, "--rounds", rounds,
                   "--fixed", ",".join(fixed), "--synth", data, "--", ctx.gnnrec(), "train", "--dataset", data,
                   "--quiet", "--json"] + (smoke_args if ctx.smoke else args)
            out.append(Bench(_name(case, busy), cmd, repeats=1))
    return out


def _wall(results, case, busy, threads):
    res = results.get(_name(case, busy))
    return None if res is None else res.value("wall_s", bench="contention", threads=threads)


def goals(ctx, results):
    worst = None
    for case, _, _ in CASES:
        d, one = _wall(results, case, 1, "default"), _wall(results, case, 1, 1)
        if d and one and (worst is None or d / one > worst[1]):
            worst = (case, d / one)
    if worst is None:
        return [["6. default threads beside one busy process", f"≤ {TOLERANCE:.2f} × --threads 1", "not measured",
                 "**no**"]]
    return [["6. default threads beside one busy process", f"≤ {TOLERANCE:.2f} × --threads 1 (every kind)",
             f"worst: {worst[0]}, {worst[1]:.2f} ×", "yes" if worst[1] <= TOLERANCE else "**no**"]]


def report(ctx, results, table):
    L = [f"`gnnrec train --dataset <gnnrec synth data> --quiet --json` for each model kind, wall-clock seconds "
         "of the whole command (loading, training with early stopping where the kind has it, evaluation). "
         "`busy 1`: one shell busy loop (`while :; do :; done`) runs beside it for the whole comparison; "
         "`busy 0`: none, but the machine's other work (the load column) still competes. Each row is the median "
         "of the rounds; in each round the variants run one after the other (the order reversed every other round), so they see the same load. "
         f"The default must stay within {TOLERANCE:.2f} × `--threads 1` beside a busy process "
         "(docs/architecture.md, \"How many threads\").", ""]
    rows = []
    for case, _, _ in CASES:
        for busy in (0, 1):
            res = results.get(_name(case, busy))
            if res is None or not res.rows:
                rows.append([case, str(busy), (res.skipped or res.failed) if res else "not run", "", "", "", ""])
                continue
            d, one = _wall(results, case, busy, "default"), _wall(results, case, busy, 1)
            fixed_all = _wall(results, case, busy, ctx.cores) if ctx.cores > 1 else None
            load = res.rows[0].get("load")
            rows.append([case, str(busy), d, one, d / one if d and one else None,
                         fixed_all if fixed_all is not None else "–", load])
    L.append(table(["kind", "busy", "default s", "--threads 1 s", "default / 1", f"--threads {ctx.cores} s",
                    "load"], rows))
    return "\n".join(L)
