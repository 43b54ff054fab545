#!/usr/bin/env python3
"""Pictures of a trained model: the movies in 2-D, and one user's top-K.

    /usr/bin/python3 plot_embeddings.py --model model.gnr --out pictures [--user 1] [--k 8]

Writes into the output directory:
    item_vectors.tsv, item_metadata.tsv  the item embeddings and their titles and
                                         genres (the TensorFlow projector's format)
    items_2d.png                         the items projected to 2-D (t-SNE, or PCA
                                         with --method pca), coloured by first genre
    user_<id>_top<k>.png                 the user's best-rated training items on the
                                         left, the top-K on the right, each
                                         recommendation linked to the liked items
                                         it is most similar to
Needs matplotlib and scikit-learn (Debian: python3-matplotlib python3-sklearn).
"""

import argparse
import os
import sys

try:
    import gnnrec
except ModuleNotFoundError:  # not installed: the package in this source tree (python/)
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, os.pardir, "python"))
    import gnnrec  # noqa: E402

import matplotlib  # noqa: E402

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def export_tsv(out_dir, model):
    """Write the item vectors and their metadata; return (ids, vectors, first genre per item)."""
    g = model.graph
    ids = g.item_ids()
    vectors = model.item_vectors()  # numpy: the library writes into this array directly
    first = []
    with open(os.path.join(out_dir, "item_vectors.tsv"), "w") as fv, \
            open(os.path.join(out_dir, "item_metadata.tsv"), "w") as fm:
        fm.write("item\ttitle\tgenres\tyear\n")
        for row, item in enumerate(ids):
            genres = g.item_genres(item)
            first.append(genres[0] if genres else "unknown")
            fv.write("\t".join("%.6g" % x for x in vectors[row]) + "\n")
            title = (g.item_title(item) or "").replace("\t", " ")
            fm.write("%d\t%s\t%s\t%d\n" % (item, title, "|".join(genres), g.item_year(item)))
    return ids, vectors, first


def project(vectors, method, seed):
    if method == "pca":
        from sklearn.decomposition import PCA
        return PCA(n_components=2, random_state=seed).fit_transform(vectors)
    from sklearn.manifold import TSNE
    perplexity = min(30.0, max(5.0, (len(vectors) - 1) / 4.0))
    return TSNE(n_components=2, init="pca", perplexity=perplexity, random_state=seed).fit_transform(vectors)


def plot_items(path, xy, first, method):
    fig, ax = plt.subplots(figsize=(9, 7), dpi=110)
    names = sorted(set(first), key=lambda n: -first.count(n))
    cmap = plt.get_cmap("tab20")
    for c, name in enumerate(names):
        mask = np.array([f == name for f in first])
        ax.scatter(xy[mask, 0], xy[mask, 1], s=10, color=cmap(c % 20), label="%s (%d)" % (name, mask.sum()),
                   alpha=0.8, linewidths=0)
    ax.set_title("Item embeddings, %s projection, coloured by first genre" % method.upper())
    ax.set_xticks([])
    ax.set_yticks([])
    ax.legend(fontsize=7, markerscale=2, loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def cosine(a, b):
    na, nb = np.linalg.norm(a), np.linalg.norm(b)
    return float(a @ b / (na * nb)) if na > 0 and nb > 0 else 0.0


def plot_user(path, model, user, k, max_liked=8):
    g = model.graph
    seen = sorted(g.user_items(user), key=lambda e: (-e[1], e[0]))[:max_liked]
    recs = model.recommend(user, k=k)
    liked = [i for i, _ in seen]
    lv = [model.item_vector(i) for i in liked]
    fig, ax = plt.subplots(figsize=(13, 0.55 * max(len(liked), len(recs)) + 1.5), dpi=110)
    ly = np.linspace(1, 0, len(liked)) if len(liked) > 1 else np.array([0.5])
    ry = np.linspace(1, 0, len(recs)) if len(recs) > 1 else np.array([0.5])
    links = []
    for r_pos, rec in zip(ry, recs):
        rv = model.item_vector(rec.item)
        sims = sorted(((cosine(rv, v), j) for j, v in enumerate(lv)), reverse=True)[:2]
        links += [(sim, ly[j], r_pos) for sim, j in sims]  # to the liked items nearest it
    lo, hi = min((s for s, _, _ in links), default=0.0), max((s for s, _, _ in links), default=1.0)
    for sim, y0, y1 in links:
        w = (sim - lo) / (hi - lo) if hi > lo else 1.0  # the strongest links stand out
        ax.plot([0, 1], [y0, y1], color="tab:blue", alpha=0.25 + 0.75 * w, lw=0.8 + 2.4 * w)
    ax.scatter(np.zeros(len(liked)), ly, s=60, color="tab:green", zorder=3)
    ax.scatter(np.ones(len(recs)), ry, s=60, color="tab:orange", zorder=3)
    for y, (item, rating) in zip(ly, seen):
        ax.text(-0.03, y, "%s  %s  [%g]" % (g.item_title(item) or item, "|".join(g.item_genres(item)), rating),
                ha="right", va="center", fontsize=8)
    for y, rec in zip(ry, recs):
        ax.text(1.03, y, "(%.3f)  %s  %s" % (rec.score, rec.title or rec.item, "|".join(g.item_genres(rec.item))),
                ha="left", va="center", fontsize=8)
    ax.set_xlim(-1.5, 2.5)
    ax.set_ylim(-0.1, 1.1)
    ax.axis("off")
    ax.set_title("User %d: liked (left, rating) and top-%d recommended (right, score)" % (user, len(recs)))
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return recs


def main(argv=None):
    ap = argparse.ArgumentParser(description="Pictures of a trained gnnrec model.")
    ap.add_argument("--model", required=True)
    ap.add_argument("--out", required=True, help="output directory (created)")
    ap.add_argument("--user", type=int, help="user of the top-K picture (default: the first)")
    ap.add_argument("--k", type=int, default=8)
    ap.add_argument("--method", choices=("tsne", "pca"), default="tsne")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    with gnnrec.Model.load(args.model) as model:
        ids, vectors, first = export_tsv(args.out, model)
        xy = project(np.asarray(vectors), args.method, args.seed)
        plot_items(os.path.join(args.out, "items_2d.png"), xy, first, args.method)
        user = args.user if args.user is not None else model.graph.user_ids()[0]
        plot_user(os.path.join(args.out, "user_%d_top%d.png" % (user, args.k)), model, user, args.k)
    for name in sorted(os.listdir(args.out)):
        print(os.path.join(args.out, name))


if __name__ == "__main__":
    main()
