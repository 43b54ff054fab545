#!/usr/bin/env python3
"""Epoch time of distributed training on P machines, modelled from measured
per-step compute and the exchange formulas of lib/dist (docs/distributed.md,
"Cost model").

    python3 bench/dist_model.py [--interactions 1e9] [--users 2e7] [--items 2e6]
        [--gbit 25] [--latency-us 5] [--cores 1] [--efficiency 1.0]

What is measured: the CPU seconds of one full-batch step (fast, sampled;
LightGCN and MF) and of one paper mini-batch (batch 2048) of one process
on one thread, on five generated power-law graphs of 0.5 to 2 million
interactions (bench/dist_step_costs.sh, MEASURED below), on a machine of
2 cores shared with other work.  What is modelled: everything else --
  * compute per step of one core is a least-squares fit of the measured
    steps to the terms the schedule's work grows with (FEATURES below),
    extrapolated from about 1e6 to the target's interactions;
  * P machines split a full-batch step's compute evenly (the objective by
    users, the propagation and Adam by rows: what lib/dist splits), with
    `cores` cores per machine used at `efficiency` (not measured: the
    measurements are one thread);
  * the paper schedule's propagation is replicated on every rank (as in
    the code), so its compute per step does not fall with P;
  * each collective costs a ring's (P - 1) latencies plus (P - 1) / P of
    its table over the link, with no overlap of computation and exchange
    (the code's collectives block between OpenMP regions);
  * the bytes are the code's (dist.h, docs/distributed.md, "Bytes each rank
    sends per step").
Nothing here was run on more than one machine.
"""
import argparse
import math

# bench/dist_step_costs.sh build (one thread, CPU seconds per step; dim 64,
# 3 layers, defaults otherwise: bfloat16 products where the CPU has them,
# the sampled schedule's 1024 negatives per block of 64 users; paper: one
# mini-batch of 2048).  Columns: model, schedule, interactions, users,
# items, seconds per step.
MEASURED = [
    # run 1, 2026-11-30, load average about 9 on the 2 cores (one run of the
    # script takes about 2.5 minutes)
    ("lightgcn", "fast", 500000, 10000, 5000, 0.1105),
    ("mf", "fast", 500000, 10000, 5000, 0.1016),
    ("lightgcn", "sampled", 500000, 10000, 5000, 0.1525),
    ("lightgcn", "paper", 500000, 10000, 5000, 0.0208),
    ("lightgcn", "fast", 1000000, 20000, 10000, 0.4197),
    ("mf", "fast", 1000000, 20000, 10000, 0.4392),
    ("lightgcn", "sampled", 1000000, 20000, 10000, 0.4553),
    ("lightgcn", "paper", 1000000, 20000, 10000, 0.0495),
    ("lightgcn", "fast", 2000000, 40000, 10000, 0.8111),
    ("mf", "fast", 2000000, 40000, 10000, 0.7394),
    ("lightgcn", "sampled", 2000000, 40000, 10000, 0.6396),
    ("lightgcn", "paper", 2000000, 40000, 10000, 0.0833),
    ("lightgcn", "fast", 2000000, 20000, 10000, 0.4345),
    ("mf", "fast", 2000000, 20000, 10000, 0.3355),
    ("lightgcn", "sampled", 2000000, 20000, 10000, 0.5291),
    ("lightgcn", "paper", 2000000, 20000, 10000, 0.0814),
    ("lightgcn", "fast", 1000000, 20000, 20000, 1.1334),
    ("mf", "fast", 1000000, 20000, 20000, 1.1290),
    ("lightgcn", "sampled", 1000000, 20000, 20000, 0.4085),
    ("lightgcn", "paper", 1000000, 20000, 20000, 0.0491),
    # run 2, right after, load average 10 to 13.5
    ("lightgcn", "fast", 500000, 10000, 5000, 0.1154),
    ("mf", "fast", 500000, 10000, 5000, 0.0889),
    ("lightgcn", "sampled", 500000, 10000, 5000, 0.1547),
    ("lightgcn", "paper", 500000, 10000, 5000, 0.0236),
    ("lightgcn", "fast", 1000000, 20000, 10000, 0.4345),
    ("mf", "fast", 1000000, 20000, 10000, 0.4105),
    ("lightgcn", "sampled", 1000000, 20000, 10000, 0.3759),
    ("lightgcn", "paper", 1000000, 20000, 10000, 0.0490),
    ("lightgcn", "fast", 2000000, 40000, 10000, 0.8948),
    ("mf", "fast", 2000000, 40000, 10000, 0.8752),
    ("lightgcn", "sampled", 2000000, 40000, 10000, 0.7425),
    ("lightgcn", "paper", 2000000, 40000, 10000, 0.0946),
    ("lightgcn", "fast", 2000000, 20000, 10000, 0.4933),
    ("mf", "fast", 2000000, 20000, 10000, 0.4145),
    ("lightgcn", "sampled", 2000000, 20000, 10000, 0.4986),
    ("lightgcn", "paper", 2000000, 20000, 10000, 0.0893),
    ("lightgcn", "fast", 1000000, 20000, 20000, 1.3366),
    ("mf", "fast", 1000000, 20000, 20000, 1.2276),
    ("lightgcn", "sampled", 1000000, 20000, 20000, 0.4009),
    ("lightgcn", "paper", 1000000, 20000, 20000, 0.0683),
]

DIM, LAYERS, DEFAULT_BATCH = 64, 3, 2048

# The terms each schedule's step grows with (K and dim fixed at 3 and 64):
#  fast: propagation over the interactions, the full softmax (users x items
#        x dim: every user against every item), per-row work (Adam, layers)
#  sampled: propagation and positives, each user's share of its block's
#        negatives, per-row work
#  paper: one propagation of the whole graph per mini-batch, and the
#        batch's own terms (a constant for batch 2048)
# The d-proportional terms are written with DIM so that the fitted
# coefficients read as seconds per interaction and per node x dim.
FEATURES = {
    ("lightgcn", "fast"): lambda E, U, I: (E, U * I * DIM, (U + I) * DIM),
    ("mf", "fast"): lambda E, U, I: (E, U * I * DIM, (U + I) * DIM),
    ("lightgcn", "sampled"): lambda E, U, I: (E, U * DIM, I * DIM),
    ("lightgcn", "paper"): lambda E, U, I: (E, (U + I) * DIM, 1.0),
}
TERM_NAMES = {
    "fast": ("interaction", "user x item x dim", "node x dim"),
    "sampled": ("interaction", "user x dim", "item x dim"),
    "paper": ("interaction", "node x dim", "mini-batch"),
}


def solve(a, b):
    """Gaussian elimination with partial pivoting: a x = b."""
    n = len(b)
    m = [row[:] + [b[i]] for i, row in enumerate(a)]
    for c in range(n):
        p = max(range(c, n), key=lambda r: abs(m[r][c]))
        m[c], m[p] = m[p], m[c]
        for r in range(c + 1, n):
            f = m[r][c] / m[c][c]
            for k in range(c, n + 1):
                m[r][k] -= f * m[c][k]
    x = [0.0] * n
    for r in range(n - 1, -1, -1):
        x[r] = (m[r][n] - sum(m[r][k] * x[k] for k in range(r + 1, n))) / m[r][r]
    return x


def fit(key):
    """Least squares, relative error weighted (each row divided by its time),
    of the step time on the key's features; coefficients clamped at 0 are
    refitted without their term."""
    rows = [(FEATURES[key](E, U, I), t) for (m, s, E, U, I, t) in MEASURED if (m, s) == key]
    active = list(range(len(rows[0][0])))
    while True:
        X = [[f[j] / t for j in active] for f, t in rows]
        y = [1.0 for _ in rows]
        xtx = [[sum(r[i] * r[j] for r in X) for j in range(len(active))] for i in range(len(active))]
        xty = [sum(r[i] * yy for r, yy in zip(X, y)) for i in range(len(active))]
        c = solve(xtx, xty)
        if min(c) >= 0 or len(active) == 1:
            coef = [0.0] * len(rows[0][0])
            for j, v in zip(active, c):
                coef[j] = max(v, 0.0)
            resid = [sum(cf * f for cf, f in zip(coef, fs)) / t - 1 for fs, t in rows]
            return coef, resid
        active.pop(c.index(min(c)))


def ring(P, table_bytes, alpha, beta):
    """One ring allgather or reduce-scatter of a table of table_bytes."""
    return (P - 1) * alpha + (P - 1) / P * table_bytes / beta


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--interactions", type=float, default=1e9)
    ap.add_argument("--users", type=float, default=2e7)
    ap.add_argument("--items", type=float, default=2e6)
    ap.add_argument("--gbit", type=float, default=25.0, help="link bandwidth per machine, Gbit/s")
    ap.add_argument("--latency-us", type=float, default=5.0, help="latency per message, microseconds")
    ap.add_argument("--cores", type=int, default=1, help="cores per machine (the measurement used 1)")
    ap.add_argument("--efficiency", type=float, default=1.0, help="parallel efficiency of those cores (assumed)")
    ap.add_argument("--precision", choices=("bf16", "float"), default="bf16", help="layers exchanged as")
    args = ap.parse_args()
    E, U, I = args.interactions, args.users, args.items
    n, d, K = U + I, DIM, LAYERS
    alpha, beta = args.latency_us * 1e-6, args.gbit * 1e9 / 8
    speed = args.cores * args.efficiency
    layer = 2 if args.precision == "bf16" else 4

    print("Fitted compute of one step on one core (seconds = sum of coefficient x term):")
    coefs = {}
    for key in FEATURES:
        coef, resid = fit(key)
        coefs[key] = coef
        names = TERM_NAMES[key[1]]
        terms = ", ".join("%.3g s per %s" % (c, nm) for c, nm in zip(coef, names))
        print("  %-8s %-7s %s; relative residuals %s" % (key[0], key[1], terms,
                                                        " ".join("%+.2f" % r for r in resid)))
    print()
    print("Not modelled: the whole graph and the n x dim buffers every rank still holds (at this size about")
    print("%.0f GB of graph (both directions) and %.1f GB per n x dim float table per rank), the limit of" %
          ((2 * E * 8 + (U + I) * 8) / 1e9, (U + I) * DIM * 4 / 1e9))
    print("2^31 - 1 values per row exchange (the bfloat16 layers here are %.2g bytes: refused today)," %
          ((U + I) * DIM * 2))
    print("load imbalance, and the overlap of computation with exchange (the code has none).")
    print()
    print("Target: %.3g interactions, %.3g users, %.3g items (n = %.3g rows), dim %d, %d layers;" % (E, U, I, n, d, K))
    print("link %.0f Gbit/s, %.0f us latency, ring collectives; %d core(s) per machine at efficiency %.2f;" %
          (args.gbit, args.latency_us, args.cores, args.efficiency))
    print("LightGCN layers exchanged as %s.  Times in seconds per epoch; * marks communication > compute." %
          args.precision)
    print()
    # one step of each schedule: (compute on one core, collectives per step, bytes per rank table)
    tbl = n * d
    sched = [
        ("LightGCN fast (1 step/epoch)", ("lightgcn", "fast"), 1,
         [(tbl * 4, 4)] + [(tbl * layer, 2 * (K - 1))]),
        ("LightGCN sampled (1 step/epoch)", ("lightgcn", "sampled"), 1,
         [(tbl * 4, 4)] + [(tbl * layer, 2 * (K - 1))]),
        ("MF fast (1 step/epoch)", ("mf", "fast"), 1, [(tbl * 4, 2)]),
        ("LightGCN paper (batch %d)" % DEFAULT_BATCH, ("lightgcn", "paper"), math.ceil(E / DEFAULT_BATCH),
         [(tbl * 4, 2)]),
    ]
    Ps = (8, 16, 32, 64, 128, 256)
    print("%-33s %-7s" % ("schedule", "") + "".join("%12d" % P for P in Ps))
    for name, key, steps, colls in sched:
        one = sum(c * f for c, f in zip(coefs[key], FEATURES[key](E, U, I)))
        comp, comm, total = [], [], []
        for P in Ps:
            # the paper schedule replicates its propagation: no division by P
            c = steps * one / speed / (1 if key[1] == "paper" else P)
            x = steps * sum(k * ring(P, b, alpha, beta) for b, k in colls)
            comp.append(c)
            comm.append(x)
            total.append(c + x)
        print("%-33s %-7s" % (name, "compute") + "".join("%12.4g" % v for v in comp))
        print("%-33s %-7s" % ("", "comm") + "".join("%12.4g" % v for v in comm))
        print("%-33s %-7s" % ("", "epoch") +
              "".join("%11.4g%s" % (t, "*" if x > c else " ") for t, c, x in zip(total, comp, comm)))
        cross = [P for P, c, x in zip(Ps, comp, comm) if x > c]
        P = Ps[-1]
        mb = sum(k * (P - 1) / P * b for b, k in colls) / 1e6
        # where compute / P falls to the exchange (which grows towards a constant)
        even = None
        if key[1] != "paper":
            lo, hi = 1.0, 1e7
            f = lambda P: steps * one / speed / P - steps * sum(k * ring(P, b, alpha, beta) for b, k in colls)
            if f(lo) > 0 > f(hi):
                for _ in range(100):
                    mid = math.sqrt(lo * hi)
                    lo, hi = (mid, hi) if f(mid) > 0 else (lo, mid)
                even = lo
        print("%-33s %s; equal at %s; %.0f MB sent per rank per step at 256" %
              ("", "communication dominates from %d machines" % cross[0] if cross else
               "computation dominates up to 256 machines",
               "P = %.0f" % even if even else "no P (computation replicated)" if key[1] == "paper" else "P < 1",
               mb))
        print()


if __name__ == "__main__":
    main()
