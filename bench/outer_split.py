"""Outer validation split (bench/README.md): set aside round(10%) (at least 1) of each user's
interactions, for users with at least 5, drawn by random.Random(seed) shuffles
of the user's items in file order.  adjacency: 'user item item ...' lines;
ratings: 'user<TAB>item<TAB>rating<TAB>ts' lines (only rating >= min_rating
kept; both outputs stay in the ratings format)."""
import random, sys
from collections import OrderedDict

def main():
    fmt, src, out_tr, out_va, seed = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
    min_rating = float(sys.argv[6]) if len(sys.argv) > 6 else 0
    rng = random.Random(seed)
    users = OrderedDict()
    with open(src) as f:
        for line in f:
            p = line.split()
            if not p:
                continue
            if fmt == "adjacency":
                users.setdefault(p[0], []).extend(p[1:])
            else:
                if float(p[2]) >= min_rating:
                    users.setdefault(p[0], []).append(line.rstrip("\n"))
    n_tr = n_va = 0
    with open(out_tr, "w") as ft, open(out_va, "w") as fv:
        for u, items in users.items():
            keep = list(items)
            held = []
            if len(items) >= 5:
                idx = list(range(len(items)))
                rng.shuffle(idx)
                k = max(1, int(0.1 * len(items) + 0.5))
                hs = set(idx[:k])
                held = [items[i] for i in range(len(items)) if i in hs]
                keep = [items[i] for i in range(len(items)) if i not in hs]
            n_tr += len(keep)
            n_va += len(held)
            if fmt == "adjacency":
                ft.write(" ".join([u] + keep) + "\n")
                if held:
                    fv.write(" ".join([u] + held) + "\n")
            else:
                for x in keep:
                    ft.write(x + "\n")
                for x in held:
                    fv.write(x + "\n")
    print(f"{src}: {len(users)} users, {n_tr} kept, {n_va} set aside (seed {seed})")

main()
