#!/usr/bin/env python3
"""A small MovieLens-latest-shaped directory (ratings.csv, movies.csv,
genome-scores.csv, genome-tags.csv, tags.csv) with four planted taste groups (a user rates 20 movies of
its group, mostly 5 stars, and 10 others):
every tenth movie is never rated (a cold item), every movie with id 3 mod 7
has no genome scores (tags.csv only).  Usage: gen_movielens_latest.py DIR"""
import os, random, sys
out = sys.argv[1]; os.makedirs(out, exist_ok=True)
rnd = random.Random(5)
G, M, U, T = 4, 120, 150, 24
group = {m: m % G for m in range(1, M + 1)}
rated = [m for m in range(1, M + 1) if m % 10 != 0]  # every tenth movie is never rated: a cold item
with open(os.path.join(out, "ratings.csv"), "w") as f:
    f.write("userId,movieId,rating,timestamp\n")
    for u in range(1, U + 1):
        own = [m for m in rated if group[m] == u % G]
        for m in rnd.sample(own, 20) + rnd.sample([m for m in rated if group[m] != u % G], 10):
            r = 5.0 if group[m] == u % G else rnd.choice([1.0, 2.0, 2.5, 3.0])
            f.write(f"{u},{m},{r},{1100000000 + rnd.randrange(10**8)}\n")
with open(os.path.join(out, "movies.csv"), "w") as f:
    f.write("movieId,title,genres\n")
    for m in range(1, M + 1):
        f.write(f'{m},"Movie {m}, The ({1980 + m % 30})",{["Comedy", "Drama", "Action", "Horror"][group[m]]}\n')
with open(os.path.join(out, "genome-tags.csv"), "w") as f:
    f.write("tagId,tag\n")
    for t in range(1, T + 1):
        f.write(f"{t},tag {t}\n")
with open(os.path.join(out, "genome-scores.csv"), "w") as f:
    f.write("movieId,tagId,relevance\n")
    for m in range(1, M + 1):
        if m % 7 == 3:
            continue  # no genome: tags.csv only
        for t in range(1, T + 1):
            rel = 0.8 if t % G == group[m] else 0.1
            f.write(f"{m},{t},{min(1.0, rel + rnd.random() * 0.1):.4f}\n")
with open(os.path.join(out, "tags.csv"), "w") as f:
    f.write("userId,movieId,tag,timestamp\n")
    for m in range(1, M + 1):
        for k in range(3):
            tag = ['"dark, funny"', "Space", "romance", "gore"][group[m]] if k < 2 else f"word{rnd.randrange(30)}"
            f.write(f"{rnd.randrange(1, U + 1)},{m},{tag},{1200000000 + m}\n")
