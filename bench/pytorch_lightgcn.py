#!/usr/bin/python3
"""The PyTorch peer of gnnrec's LightGCN, for side-by-side timings.

Runs the same algorithm as gnnrec on the same data (the MovieLens-1M m1
training file):
  paper  the published schedule (He et al., SIGIR 2020): per mini-batch of
         2048 (user, positive) pairs, each a uniform user and one of its
         items as in the reference implementation, with one uniform negative
         each, a full
         propagation E = mean(E0, A E0, A^2 E0, A^3 E0) over the symmetric
         normalised adjacency (torch.sparse.mm), BPR on the batch, L2 1e-4
         on the batch's layer-0 rows / batch, back-propagation, Adam 1e-3.
  fast   gnnrec's fast schedule (docs/training.md): per full-batch step the
         same propagation, the softmax likelihood of every training item of
         every user against all items, degree-weighted L2, Adam.
Prints one JSON row per measurement.  Timing only: it measures a number
of mini-batches (or steps) after warm-up and extrapolates an epoch from
their median, since a full paper epoch takes minutes on a CPU.

Run it with Debian's interpreter and python3-torch:
    /usr/bin/python3 bench/pytorch_lightgcn.py --mode paper --threads 2 --data ../shared/data
"""
import argparse
import json
import math
import os
import sys
import time


def emit(row):
    print(json.dumps(row), flush=True)


def load_adjacency(path):
    users, items = [], []
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) < 2:
                continue
            u = int(parts[0])
            for i in parts[1:]:
                users.append(u)
                items.append(int(i))
    return users, items


def synthetic(n_users=600, n_items=300, per_user=30, seed=42):
    import random
    rnd = random.Random(seed)
    users, items = [], []
    for u in range(n_users):
        for i in sorted(rnd.sample(range(n_items), per_user)):
            users.append(u)
            items.append(i)
    return users, items


class Data:
    def __init__(self, torch, np, users, items):
        self.u = np.asarray(users, dtype=np.int64)
        self.i = np.asarray(items, dtype=np.int64)
        self.n_users = int(self.u.max()) + 1
        self.n_items = int(self.i.max()) + 1
        self.n = self.n_users + self.n_items
        self.edges = len(self.u)
        du = np.bincount(self.u, minlength=self.n_users).astype(np.float64)
        di = np.bincount(self.i, minlength=self.n_items).astype(np.float64)
        w = 1.0 / np.sqrt(du[self.u] * di[self.i])
        rows = np.concatenate([self.u, self.n_users + self.i])
        cols = np.concatenate([self.n_users + self.i, self.u])
        vals = np.concatenate([w, w]).astype(np.float32)
        self.adj = torch.sparse_coo_tensor(torch.from_numpy(np.stack([rows, cols])), torch.from_numpy(vals),
                                           (self.n, self.n)).coalesce()
        self.deg = torch.from_numpy(np.concatenate([du, di]).astype(np.float32))
        # membership keys for rejection sampling of negatives
        self.keys = np.sort(self.u * self.n_items + self.i)
        self.du = du
        # user-major CSR for drawing a user's positive
        order = np.argsort(self.u, kind="stable")
        self.items_by_user = self.i[order]
        self.ptr = np.concatenate([[0], np.cumsum(du.astype(np.int64))])
        self.active = np.nonzero(du > 0)[0]


def propagate(torch, adj, e0, layers=3):
    out, cur = e0, e0
    for _ in range(layers):
        cur = torch.sparse.mm(adj, cur)
        out = out + cur
    return out / (layers + 1)


def sample_negatives(np, rng, data, users):
    neg = rng.integers(0, data.n_items, size=len(users))
    while True:
        keys = users * data.n_items + neg
        pos = np.searchsorted(data.keys, keys)
        pos[pos >= len(data.keys)] = 0
        bad = data.keys[pos] == keys
        if not bad.any():
            return neg
        neg[bad] = rng.integers(0, data.n_items, size=int(bad.sum()))


def run_paper(torch, np, data, args):
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    e0 = torch.nn.Parameter(torch.randn(data.n, 64) * 0.1)
    opt = torch.optim.Adam([e0], lr=1e-3)
    batch = min(2048, data.edges)
    nb = math.ceil(data.edges / batch)
    times, losses = [], []
    for b in range(args.warmup + args.batches):
        t0 = time.perf_counter()
        u = data.active[rng.integers(0, len(data.active), size=batch)]
        deg = data.ptr[u + 1] - data.ptr[u]
        pos = data.items_by_user[data.ptr[u] + (rng.random(batch) * deg).astype(np.int64)]
        neg = sample_negatives(np, rng, data, u)
        u_t = torch.from_numpy(u)
        p_t = torch.from_numpy(pos + data.n_users)
        n_t = torch.from_numpy(neg + data.n_users)
        e = propagate(torch, data.adj, e0)
        x = (e[u_t] * e[p_t]).sum(1) - (e[u_t] * e[n_t]).sum(1)
        loss = torch.nn.functional.softplus(-x).mean()
        reg = 0.5 * (e0[u_t].pow(2).sum() + e0[p_t].pow(2).sum() + e0[n_t].pow(2).sum()) / len(u)
        loss = loss + 1e-4 * reg
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
        if b >= args.warmup:
            times.append(time.perf_counter() - t0)
    times.sort()
    per = times[len(times) // 2]
    p10 = times[max(0, math.ceil(0.1 * len(times)) - 1)]
    emit({"bench": "pytorch_paper_epoch", "threads": args.threads, "batch_s": per, "batch_p10_s": p10,
          "batches_timed": args.batches, "batches_per_epoch": nb, "epoch_s_extrapolated": per * nb,
          "epoch_at_p10_s": p10 * nb, "mean_loss": sum(losses) / len(losses), "torch": torch.__version__})


def run_fast(torch, np, data, args):
    torch.manual_seed(args.seed)
    e0 = torch.nn.Parameter(torch.randn(data.n, 64) * 0.1)
    opt = torch.optim.Adam([e0], lr=0.5)
    target = torch.zeros(data.n_users, data.n_items)
    target[torch.from_numpy(data.u), torch.from_numpy(data.i)] = 1.0
    degw = (1e-2 / data.edges) * data.deg.unsqueeze(1)
    times = []
    for s in range(args.warmup + args.steps):
        t0 = time.perf_counter()
        e = propagate(torch, data.adj, e0)
        scores = e[:data.n_users] @ e[data.n_users:].t()
        logp = torch.log_softmax(scores, dim=1)
        loss = -(target * logp).sum() / data.edges + 0.5 * (degw * e0.pow(2)).sum()
        opt.zero_grad()
        loss.backward()
        opt.step()
        last = loss.item()
        if s >= args.warmup:
            times.append(time.perf_counter() - t0)
    times.sort()
    emit({"bench": "pytorch_fast_step", "threads": args.threads, "step_s": times[len(times) // 2],
          "steps_timed": args.steps, "last_loss": last, "torch": torch.__version__})


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mode", choices=["paper", "fast"], default="paper")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batches", type=int, default=20, help="paper: mini-batches timed")
    ap.add_argument("--steps", type=int, default=5, help="fast: full-batch steps timed")
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--data", default=os.environ.get("GNNREC_DATA") or
                    os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "data"))
    ap.add_argument("--smoke", action="store_true", help="a small generated graph, seconds")
    args = ap.parse_args()
    try:
        import numpy as np
        import torch
    except ImportError as e:
        print(f"SKIP: PyTorch peer needs numpy and torch ({e}); on Debian: apt-get install python3-torch",
              file=sys.stderr)
        return 77
    torch.set_num_threads(args.threads)
    if args.smoke:
        users, items = synthetic()
        args.batches, args.steps = min(args.batches, 3), min(args.steps, 2)
    else:
        path = os.path.join(args.data, "ml1m_m1", "train.txt")
        if not os.path.exists(path):
            print(f"SKIP: {path} is absent (set GNNREC_DATA or --data)", file=sys.stderr)
            return 77
        users, items = load_adjacency(path)
    data = Data(torch, np, users, items)
    (run_paper if args.mode == "paper" else run_fast)(torch, np, data, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
