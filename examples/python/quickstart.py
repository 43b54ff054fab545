#!/usr/bin/env python3
"""quickstart: from nothing to recommendations with the Python binding.

    python3 quickstart.py [WORKDIR]

Writes a synthetic MovieLens-format dataset, splits it, trains LightGCN with
validation-based early stopping, evaluates on the test part, prints the
top-10 of user 1 with titles, saves the model and reloads it to recommend
for a new user.
"""

import os
import sys

try:
    import gnnrec
except ModuleNotFoundError:  # not installed: the package in this source tree (python/)
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, os.pardir, "python"))
    import gnnrec  # noqa: E402


def main():
    work = sys.argv[1] if len(sys.argv) > 1 else "gnnrec-quickstart-py"
    data = os.path.join(work, "data")
    print("gnnrec %s from %s" % (gnnrec.version_string(), gnnrec.library_path()))
    gnnrec.synth_write(data, users=300, items=400, ratings_per_user=30)

    with gnnrec.Graph.load(data) as everything:
        train, valid, test = everything.split(method="ratio", valid_ratio=0.1, test_ratio=0.1, seed=42)
    print("train %d, valid %d, test %d interactions" % (train.num_edges, valid.num_edges, test.num_edges))

    def progress(epoch, loss, seconds, ndcg):
        if ndcg is not None:
            print("  epoch %3d  loss %.4f  valid ndcg@20 %.4f" % (epoch, loss, ndcg))

    with gnnrec.Trainer("lightgcn", dim=16, epochs=30, lr=0.005, eval_every=5, patience=3) as trainer:
        model = trainer.fit(train, valid=valid, progress=progress)
        print("kept epoch %d of %d" % (trainer.stat("best_epoch"), trainer.stat("epochs")))

    with model:
        metrics = model.evaluate(test, exclude=train, ks=(10, 20))
        print("test: recall@20 %.4f  ndcg@20 %.4f" % (metrics["recall@20"], metrics["ndcg@20"]))
        print("top-10 for user 1:")
        for rank, r in enumerate(model.recommend(1, k=10), 1):
            print("  %2d. %-36s %.4f  %s" % (rank, r.title, r.score, "|".join(model.graph.item_genres(r.item))))
        path = os.path.join(work, "model.gnr")
        model.save(path)

    with gnnrec.Model.load(path) as again:
        liked = again.graph.item_ids()[:3]
        print("a new user who liked %s would get: %s" % (liked, [r.item for r in again.recommend_liked(liked, k=5)]))
    for g in (train, valid, test):
        g.close()


if __name__ == "__main__":
    main()
