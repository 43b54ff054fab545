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
Prints one JSON row per measurement.  Timing: it measures a number of
mini-batches (or steps) after warm-up and extrapolates an epoch from their
median, since a full paper epoch takes minutes on a CPU.

Exact replay (--replay DIR): reads the initial embeddings, batches, losses
and final embeddings that `bench_train --trace DIR` wrote from gnnrec's
paper-schedule step, runs the same batches from the same start in
PyTorch, and reports how far the losses and the final embeddings differ.

Accuracy parity (--epochs N --eval FILE, paper mode): trains N whole
epochs and prints, after each, Recall@20 and NDCG@20 on FILE (full
ranking, training items excluded), to compare the learning curve with
gnnrec's on the same validation file.  Use valid.txt, never test.txt.

Run it with Debian's interpreter and python3-torch:
    /usr/bin/python3 bench/pytorch_lightgcn.py --mode paper --threads 2 --data ../shared/data
--device cuda runs the same steps on a CUDA GPU (the sparse propagation,
the scores and Adam on the GPU; the paper schedule's batches are drawn
on the CPU with numpy, as in the reference implementation).  Each timed
step ends with loss.item(), which waits for the GPU.
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
    def __init__(self, torch, np, users, items, device="cpu"):
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
                                           (self.n, self.n)).coalesce().to(device)
        self.deg = torch.from_numpy(np.concatenate([du, di]).astype(np.float32)).to(device)
        self.device = device
        # membership keys for rejection sampling of negatives
        self.keys = np.sort(self.u * self.n_items + self.i)
        self.du = du
        # user-major CSR for drawing a user's positive
        order = np.argsort(self.u, kind="stable")
        self.items_by_user = self.i[order]
        self.ptr = np.concatenate([[0], np.cumsum(du.astype(np.int64))])
        self.active = np.nonzero(du > 0)[0]


def where(torch, data):
    """The fields naming what ran the steps."""
    row = {"torch": torch.__version__, "device": data.device}
    if data.device != "cpu":
        row["gpu"] = torch.cuda.get_device_name(torch.device(data.device))
    return row


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


def load_lists(path):
    out = {}
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 2:
                out[int(parts[0])] = [int(i) for i in parts[1:]]
    return out


def evaluate(torch, np, data, e0, truth, k=20):
    """Mean Recall@k and NDCG@k over the users of truth, ranking every item
    with the user's training items excluded (shared/README.md)."""
    with torch.no_grad():
        e = propagate(torch, data.adj, e0)
        scores = e[:data.n_users] @ e[data.n_users:].t()
        scores[torch.from_numpy(data.u).to(data.device), torch.from_numpy(data.i).to(data.device)] = -float("inf")
        top = torch.topk(scores, k, dim=1).indices.cpu().numpy()
    disc = 1.0 / np.log2(np.arange(2, k + 2))
    recall = ndcg = 0.0
    for u, items in truth.items():
        hits = np.isin(top[u], items)
        recall += hits.sum() / len(items)
        ndcg += (hits * disc).sum() / disc[:min(k, len(items))].sum()
    return recall / len(truth), ndcg / len(truth)


def paper_batch(torch, np, rng, data, e0, opt, batch):
    """One mini-batch of the published schedule; returns its loss."""
    u = data.active[rng.integers(0, len(data.active), size=batch)]
    deg = data.ptr[u + 1] - data.ptr[u]
    pos = data.items_by_user[data.ptr[u] + (rng.random(batch) * deg).astype(np.int64)]
    neg = sample_negatives(np, rng, data, u)
    return paper_step(torch, data, e0, opt, u, pos, neg)


def paper_step(torch, data, e0, opt, u, pos, neg):
    """BPR on the (user, positive, negative) batch, L2 on its layer-0 rows,
    one Adam step; returns the loss."""
    u_t = torch.from_numpy(u).to(data.device)
    p_t = torch.from_numpy(pos + data.n_users).to(data.device)
    n_t = torch.from_numpy(neg + data.n_users).to(data.device)
    e = propagate(torch, data.adj, e0)
    x = (e[u_t] * e[p_t]).sum(1) - (e[u_t] * e[n_t]).sum(1)
    loss = torch.nn.functional.softplus(-x).mean()
    reg = 0.5 * (e0[u_t].pow(2).sum() + e0[p_t].pow(2).sum() + e0[n_t].pow(2).sum()) / len(u)
    loss = loss + 1e-4 * reg
    opt.zero_grad()
    loss.backward()
    opt.step()
    return loss.item()


def run_replay(torch, np, data, args):
    d = args.replay
    n = data.n
    init = np.fromfile(os.path.join(d, "e0_init.f32"), dtype=np.float32).reshape(n, -1)
    final = np.fromfile(os.path.join(d, "e0_final.f32"), dtype=np.float32).reshape(n, -1)
    batches = np.fromfile(os.path.join(d, "batches.i32"), dtype=np.int32).reshape(-1, 3).astype(np.int64)
    theirs = np.fromfile(os.path.join(d, "losses.f64"), dtype=np.float64)
    e0 = torch.nn.Parameter(torch.from_numpy(init.copy()).to(data.device))
    opt = torch.optim.Adam([e0], lr=1e-3)
    batch, at, worst_loss = 2048, 0, 0.0
    per_epoch = -(-data.edges // batch)
    for k, loss_c in enumerate(theirs):
        count = min(batch, data.edges - (k % per_epoch) * batch)
        b = batches[at:at + count]
        at += count
        loss = paper_step(torch, data, e0, opt, b[:, 0], b[:, 1], b[:, 2])
        worst_loss = max(worst_loss, abs(loss - loss_c))
    mine = e0.detach().cpu().numpy()
    moved = np.abs(final - init).max()
    emit({"bench": "pytorch_paper_replay", "steps": len(theirs), "batches_read": int(at),
          "max_loss_diff": worst_loss, "max_param_diff": float(np.abs(mine - final).max()),
          "max_param_move": float(moved), "first_loss": float(theirs[0]), "last_loss": float(theirs[-1]),
          "torch": torch.__version__})


def initial_rows(torch, data, seed):
    """The layer-0 parameters every timed run starts from: N(0, 0.1^2), dim 64."""
    torch.manual_seed(seed)
    return torch.nn.Parameter(torch.randn(data.n, 64).to(data.device) * 0.1)


def run_paper_epochs(torch, np, data, args):
    rng = np.random.default_rng(args.seed)
    e0 = initial_rows(torch, data, args.seed)
    opt = torch.optim.Adam([e0], lr=1e-3)
    truth = load_lists(args.eval)
    batch = min(2048, data.edges)
    for epoch in range(1, args.epochs + 1):
        t0 = time.perf_counter()
        # as many pairs as training edges, in mini-batches of 2048 (the last one shorter)
        losses = [paper_batch(torch, np, rng, data, e0, opt, min(batch, data.edges - start))
                  for start in range(0, data.edges, batch)]
        secs = time.perf_counter() - t0
        recall, ndcg = evaluate(torch, np, data, e0, truth)
        emit({"bench": "pytorch_paper_curve", "epoch": epoch, "loss": sum(losses) / len(losses),
              "epoch_s": secs, "eval": os.path.basename(args.eval), "recall@20": recall, "ndcg@20": ndcg,
              "threads": args.threads, "seed": args.seed, **where(torch, data)})


def run_paper(torch, np, data, args):
    rng = np.random.default_rng(args.seed)
    e0 = initial_rows(torch, data, args.seed)
    opt = torch.optim.Adam([e0], lr=1e-3)
    batch = min(2048, data.edges)
    nb = math.ceil(data.edges / batch)
    times, losses = [], []
    for b in range(args.warmup + args.batches):
        t0 = time.perf_counter()
        losses.append(paper_batch(torch, np, rng, data, e0, opt, batch))
        if b >= args.warmup:
            times.append(time.perf_counter() - t0)
    times.sort()
    per = times[len(times) // 2]
    p10 = times[max(0, math.ceil(0.1 * len(times)) - 1)]
    emit({"bench": "pytorch_paper_epoch", "threads": args.threads, "batch_s": per, "batch_p10_s": p10,
          "batches_timed": args.batches, "batches_per_epoch": nb, "epoch_s_extrapolated": per * nb,
          "epoch_at_p10_s": p10 * nb, "mean_loss": sum(losses) / len(losses), **where(torch, data)})


def run_fast(torch, np, data, args):
    e0 = initial_rows(torch, data, args.seed)
    opt = torch.optim.Adam([e0], lr=0.5)
    target = torch.zeros(data.n_users, data.n_items, device=data.device)
    target[torch.from_numpy(data.u).to(data.device), torch.from_numpy(data.i).to(data.device)] = 1.0
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
          "steps_timed": args.steps, "last_loss": last, **where(torch, data)})


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mode", choices=["paper", "fast"], default="paper")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batches", type=int, default=20, help="paper: mini-batches timed")
    ap.add_argument("--steps", type=int, default=5, help="fast: full-batch steps timed")
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--device", default="cpu", help="cpu, or cuda (a CUDA GPU) to run the steps there")
    ap.add_argument("--data", default=os.environ.get("GNNREC_DATA") or
                    os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "data"))
    ap.add_argument("--smoke", action="store_true", help="a small generated graph, seconds")
    ap.add_argument("--replay", help="directory written by bench_train --trace: replay and compare")
    ap.add_argument("--epochs", type=int, default=0, help="paper: train this many whole epochs (with --eval)")
    ap.add_argument("--eval", help="paper, with --epochs: adjacency-list file scored after each epoch")
    args = ap.parse_args()
    try:
        import numpy as np
        import torch
    except ImportError as e:
        print(f"SKIP: PyTorch peer needs numpy and torch ({e}); on Debian: apt-get install python3-torch",
              file=sys.stderr)
        return 77
    torch.set_num_threads(args.threads)
    if args.device != "cpu" and not (args.device.startswith("cuda") and torch.cuda.is_available()):
        print(f"SKIP: --device {args.device}: no CUDA GPU is visible to torch {torch.__version__}", file=sys.stderr)
        return 77
    if args.smoke:
        users, items = synthetic()
        args.batches, args.steps = min(args.batches, 3), min(args.steps, 2)
    else:
        path = os.path.join(args.data, "ml1m_m1", "train.txt")
        if not os.path.exists(path):
            print(f"SKIP: {path} is absent (set GNNREC_DATA or --data)", file=sys.stderr)
            return 77
        users, items = load_adjacency(path)
    data = Data(torch, np, users, items, args.device)
    if args.replay:
        run_replay(torch, np, data, args)
    elif args.epochs > 0:
        if args.mode != "paper" or not args.eval:
            print("--epochs needs --mode paper and --eval FILE", file=sys.stderr)
            return 2
        run_paper_epochs(torch, np, data, args)
    else:
        (run_paper if args.mode == "paper" else run_fast)(torch, np, data, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
