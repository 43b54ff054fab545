"""A 2-D map of the item embeddings: their first two principal components.

The service draws every movie at its projection, coloured by genre, so a
person sees which movies the model places together.  The d x d scatter
matrix C = X^T X of the centred item matrix X (n x d) is formed once; its
two leading eigenvectors come from power iteration (v <- C v, normalised;
the second deflated against the first), which on a d x d matrix costs
nothing even when the eigenvalues are close and it needs many steps.  numpy
forms C and the coordinates when it is installed; otherwise plain Python
does, one C-level dot product (sum over map) per entry, estimating C from
an evenly spaced sample of at most PLAIN_SAMPLE rows (a sample of that
size fixes two leading axes well, and the full product would take minutes
for tens of thousands of items); every row is still projected.
"""

import math
import operator
import random

try:
    import numpy
except ImportError:  # the service needs nothing beyond the standard library
    numpy = None

ITERATIONS = 5000
TOLERANCE = 1e-10
PLAIN_SAMPLE = 4000


def project(rows, dim, seed=1):
    """(xs, ys, shares): the first two principal coordinates of the rows
    (n sequences of dim floats, a numpy array or a 2-D memoryview) and the share of the total variance each
    component explains.  Deterministic for a given seed; the sign of each
    axis is fixed so that its largest coordinate is positive."""
    if numpy is not None:
        x = numpy.asarray(rows, dtype=numpy.float64).reshape(-1, dim)
        x = x - x.mean(axis=0)
        scatter = (x.T @ x).tolist()
        comps = _leading_eigenvectors(scatter, 2, seed)
        coords = [(x @ numpy.asarray(c)).tolist() for c in comps]
    else:
        rows = rows.tolist() if hasattr(rows, "tolist") else rows  # a 2-D memoryview
        rows = _centred([[float(a) for a in r] for r in rows], dim)
        step = max(1, -(-len(rows) // PLAIN_SAMPLE))
        cols = [[r[j] for r in rows[::step]] for j in range(dim)]
        scatter = [[0.0] * dim for _ in range(dim)]
        for j in range(dim):
            for k in range(j, dim):
                scatter[j][k] = scatter[k][j] = _dot(cols[j], cols[k]) * step
        comps = _leading_eigenvectors(scatter, 2, seed)
        coords = [[_dot(r, c) for r in rows] for c in comps]
    total = sum(scatter[j][j] for j in range(dim))
    coords = [_oriented(c) for c in coords]
    shares = [math.fsum(a * a for a in c) / total if total > 0 else 0.0 for c in coords]
    return coords[0], coords[1], shares


def _dot(a, b):
    return sum(map(operator.mul, a, b))


def _centred(rows, dim):
    n = len(rows)
    means = [math.fsum(r[j] for r in rows) / n if n else 0.0 for j in range(dim)]
    return [[a - m for a, m in zip(r, means)] for r in rows]


def _oriented(coords):
    """The axis flipped, if need be, so that its extreme value is positive:
    power iteration fixes a direction only up to sign."""
    if coords and -min(coords) > max(coords):
        return [-a for a in coords]
    return coords


def _leading_eigenvectors(matrix, count, seed):
    """The `count` leading eigenvectors of a symmetric positive
    semi-definite matrix (lists of rows), by power iteration with
    deflation (each vector kept orthogonal to those found before)."""
    dim = len(matrix)
    rng = random.Random(seed)
    found = []
    for _ in range(count):
        v = _unit(_orthogonal([rng.uniform(-1.0, 1.0) for _ in range(dim)], found))
        for _ in range(ITERATIONS):
            w = _unit(_orthogonal([_dot(row, v) for row in matrix], found))
            if not any(w):  # the rest of the spectrum is zero
                break
            done = max(abs(a - b) for a, b in zip(w, v)) < TOLERANCE
            v = w
            if done:
                break
        found.append(v)
    return found


def _orthogonal(v, found):
    for c in found:
        dot = _dot(c, v)
        v = [a - dot * b for a, b in zip(v, c)]
    return v


def _unit(v):
    norm = math.sqrt(math.fsum(a * a for a in v))
    return [a / norm for a in v] if norm > 0 else [0.0] * len(v)
