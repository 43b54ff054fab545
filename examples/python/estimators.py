#!/usr/bin/env python3
"""estimators: the gnnrec package's estimators on a user x item matrix.

    python3 estimators.py [WORKDIR]

Writes a synthetic MovieLens-format dataset, reads its ratings the way a
user has them (a scipy.sparse matrix when scipy is installed, numpy or
plain id lists otherwise), holds out a part of each user's ratings for
validation and for test, fits LightGCN with early stopping on the
validation part, evaluates once on the test part, and answers for a batch
of users, similar items and users, and a new user; saves and reloads the
model, and adds a user's interactions to it with partial_fit.
"""

import os
import random
import sys

try:
    import gnnrec
except ModuleNotFoundError:  # not installed: the package in this source tree (python/)
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, os.pardir, "python"))
    import gnnrec  # noqa: E402

try:
    import numpy as np
    import scipy.sparse as sp
except ImportError:
    np = sp = None


def read_ratings(path):
    """(user, item, rating) rows of an ml100k-format u.data file."""
    with open(path) as f:
        return [(int(u), int(i), float(r)) for u, i, r, _ in (line.split("\t") for line in f)]


def hold_out(rows, share, seed):
    """(kept, held out): `share` of each user's ratings held out at random."""
    by_user = {}
    for row in rows:
        by_user.setdefault(row[0], []).append(row)
    rng = random.Random(seed)
    kept, held = [], []
    for user in sorted(by_user):
        mine = by_user[user]
        rng.shuffle(mine)
        cut = int(len(mine) * share)
        held += mine[:cut]
        kept += mine[cut:]
    return kept, held


def as_input(rows, shape):
    """The rows as a user has them: a CSR matrix, or (users, items, ratings) lists."""
    users, items, ratings = (list(c) for c in zip(*rows))
    if sp is None:
        return users, items, ratings
    return sp.csr_matrix((np.array(ratings, np.float32), (users, items)), shape=shape)


def main():
    work = sys.argv[1] if len(sys.argv) > 1 else "gnnrec-estimators-py"
    data = os.path.join(work, "data")
    gnnrec.synth_write(data, users=300, items=400, ratings_per_user=30)
    rows = read_ratings(os.path.join(data, "u.data"))
    rest, test = hold_out(rows, 0.1, seed=1)
    train, valid = hold_out(rest, 0.1, seed=2)
    shape = (max(r[0] for r in rows) + 1, max(r[1] for r in rows) + 1)
    print("input: %s" % ("scipy.sparse CSR %dx%d" % shape if sp is not None else "id lists (no scipy)"))

    def callback(epoch, loss, seconds, ndcg):
        if ndcg is not None:
            print("  epoch %3d  loss %.4f  valid ndcg@20 %.4f" % (epoch, loss, ndcg))

    model = gnnrec.LightGCN(dim=32, epochs=40, lr=0.005, eval_every=5, patience=3, threads=2)
    model.fit(as_input(train, shape), valid=as_input(valid, shape), callback=callback, show_progress=False)
    print("kept epoch %d of %d" % (model.stats_["best_epoch"], model.stats_["epochs"]))
    metrics = model.evaluate(as_input(test, shape), ks=(10, 20))
    print("test: recall@20 %.4f  ndcg@20 %.4f" % (metrics["recall@20"], metrics["ndcg@20"]))

    users = [1, 2, 3]
    ids, scores = model.recommend(users, k=5)
    for user, row in zip(users, ids):
        print("user %d: %s" % (user, " ".join(str(int(i)) for i in row)))
    first = int(ids[0][0])
    ids, _ = model.recommend(1, k=5, filter_items=[first])
    print("user 1 without %d: %s" % (first, " ".join(str(int(i)) for i in ids)))
    ids, _ = model.recommend(1, k=5, items=range(1, 101))
    print("user 1 among items 1..100: %s" % " ".join(str(int(i)) for i in ids))
    ids, scores = model.similar_items(first, k=3)
    print("like item %d: %s" % (first, " ".join("%d (%.2f)" % (i, s) for i, s in zip(ids, scores))))
    ids, scores = model.similar_users(1, k=3)
    print("like user 1: %s" % " ".join("%d (%.2f)" % (i, s) for i, s in zip(ids, scores)))

    path = os.path.join(work, "model.gnr")
    model.save(path)
    with gnnrec.load(path) as again:
        ids, _ = again.recommend_new_user([first, 2, 3], k=5)
        print("reloaded %r; a new user who liked %d, 2, 3 gets: %s"
              % (again, first, " ".join(str(int(i)) for i in ids)))
        # the same interactions as a user of its own, trained in without a full retrain
        newcomer = shape[0]
        again.partial_fit(([newcomer] * 3, [first, 2, 3]))
        ids, _ = again.recommend(newcomer, k=5)
        print("after partial_fit (%d steps), user %d gets: %s"
              % (again.stats_["epochs"], newcomer, " ".join(str(int(i)) for i in ids)))


if __name__ == "__main__":
    main()
