"""Top-k lists for many users or items at once, with the caller's item lists.

Each function uses the library's own call when the loaded library has it
(gr_model_recommend_batch, gr_model_similar_users, gr_model_explain_items,
gr_rec_options version 2) and otherwise computes the same answer from the
calls every version has:

- a batch is a loop over the one-user call, writing into the same arrays;
- items to leave out (or the only items allowed) are applied here: the
  library is asked for k plus the number left out (or for every item) and
  the lists are cut back to k;
- similar users are the cosine of the user vectors (gr_model_user_vectors);
- item explanations are refused with UnsupportedError, as the library
  refuses a kind it cannot explain.

Results are n x k, best first, padded with id -1 and score NaN where fewer
than k items pass the filters; `counts` says how many each row has.
"""

import ctypes
import math
import operator

from . import _arrays, _buffers
from ._native import Contribution, RecOptions, RecOptions2, lib
from .errors import NotFoundError, RangeError, UnsupportedError, check

GR_EINVAL = -1
GR_ERANGE = -5
GR_ENOTFOUND = -6
GR_EUNSUPPORTED = -10
CHUNK_VALUES = 1 << 22  # candidates a Python-side filter holds at once
PAD_ID = -1

_probe = {}


def positive_k(k):
    if isinstance(k, bool) or not hasattr(k, "__index__") or operator.index(k) < 1:
        raise ValueError("k must be a positive integer, got %r" % (k,))
    return operator.index(k)


def supports_item_lists(model):
    """Whether the library takes gr_rec_options version 2 (item lists):
    asked once, with a one-item recommendation that an older library
    refuses for its version."""
    if "v2" not in _probe:
        user = ctypes.c_int64()
        check(lib.gr_graph_user_id(ctypes.byref(user), lib.gr_model_graph(model), 0))
        o = RecOptions2(2, 1, 0, 0, 0, 0, 0, 0.0, None, 0, None, 0)
        n, item = ctypes.c_size_t(), ctypes.c_int64()
        status = lib.gr_model_recommend(ctypes.byref(n), model, user.value, 1, ctypes.byref(o),
                                        ctypes.byref(item), None)
        if status == GR_EINVAL and b"version" in (lib.gr_last_error() or b""):
            _probe["v2"] = False
        else:
            check(status)
            _probe["v2"] = True
    return _probe["v2"]


def options(model, filters, exclude=None, only=None):
    """(options, keepalive): version 1 without item lists, else version 2."""
    base = model._rec_options(**filters)
    if exclude is None and only is None:
        return base, None
    o = RecOptions2()
    for name, _ in RecOptions._fields_:
        setattr(o, name, getattr(base, name))
    o.version = 2
    keep = []
    if exclude is not None:
        o.exclude_items, o.n_exclude_items, k = _buffers.as_c_array(exclude, "q")
        keep.append(k)
    if only is not None:
        o.only_items, o.n_only_items, k = _buffers.as_c_array(only, "q")
        keep.append(k)
    return o, keep


def top_k(model, keys, k, filters, single, batch=None, limit=None, exclude=None, only=None):
    """(ids, scores, counts) for each key: ids and scores are _arrays.Out
    of len(keys) x k, counts a list.

    single(n_ptr, key, kk, opts_ref, items_ptr, scores_ptr) and, when the
    library has one, batch(counts_ptr, keys_ptr, n, kk, opts_ref,
    items_ptr, scores_ptr) return a status; `limit` is the number of
    candidates (items), beyond which the library answers GR_ERANGE."""
    k = positive_k(k)
    n = len(keys)
    ids = _arrays.Out(n * k, "q", PAD_ID)
    scores = _arrays.Out(n * k, "f", math.nan)
    counts = [0] * n
    if n == 0 or (only is not None and len(only) == 0):
        return ids, scores, counts
    if (exclude is None and only is None) or supports_item_lists(model):
        opts, keep = options(model, filters, exclude, only)
        _fill(keys, k, opts, single, batch, ids, scores, counts)
        del keep
        return ids, scores, counts
    opts, _ = options(model, filters)
    drop = set(int(i) for i in exclude) if exclude is not None else set()
    allow = set(int(i) for i in only) if only is not None else None
    kk = limit if allow is not None else min(k + len(drop), limit)
    kk = max(kk, k)  # k beyond the limit: the library names the range
    rows = max(1, CHUNK_VALUES // kk)
    for start in range(0, n, rows):
        part = keys[start:start + rows]
        m = len(part)
        t_ids, t_scores, t_counts = _arrays.Out(m * kk, "q", PAD_ID), _arrays.Out(m * kk, "f", math.nan), [0] * m
        _fill(part, kk, opts, single, batch, t_ids, t_scores, t_counts)
        counts[start:start + m] = _cut(t_ids, t_scores, t_counts, kk, drop, allow, ids, scores, start, k)
    return ids, scores, counts


def _cut(t_ids, t_scores, t_counts, kk, drop, allow, ids, scores, start, k):
    """Copy the first k kept items of each candidate row into rows start..
    of ids and scores; return how many each row kept."""
    m = len(t_counts)
    if _buffers.have_numpy():
        np = _buffers.numpy
        cand, cand_scores = t_ids.rows(m, kk), t_scores.rows(m, kk)
        keep = np.arange(kk)[None, :] < np.asarray(t_counts)[:, None]
        if drop:
            keep &= ~np.isin(cand, np.fromiter(drop, np.int64, len(drop)))
        if allow is not None:
            keep &= np.isin(cand, np.fromiter(allow, np.int64, len(allow)))
        order = np.argsort(~keep, axis=1, kind="stable")[:, :k]
        kept = np.take_along_axis(keep, order, 1)
        ids.rows(ids.n // k, k)[start:start + m] = np.where(kept, np.take_along_axis(cand, order, 1), PAD_ID)
        scores.rows(ids.n // k, k)[start:start + m] = np.where(
            kept, np.take_along_axis(cand_scores, order, 1), np.nan)
        return kept.sum(axis=1).tolist()
    got_counts = []
    for r in range(m):
        got = 0
        for j in range(t_counts[r]):
            item = t_ids.data[r * kk + j]
            if item in drop or (allow is not None and item not in allow):
                continue
            ids.data[(start + r) * k + got] = item
            scores.data[(start + r) * k + got] = t_scores.data[r * kk + j]
            got += 1
            if got == k:
                break
        got_counts.append(got)
    return got_counts


def _fill(keys, kk, opts, single, batch, ids, scores, counts):
    n = len(keys)
    if batch is not None:
        kp, _, keep = _buffers.as_c_array(keys, "q")
        c = _arrays.Out(n, "n")
        check(batch(c.at(), kp, n, kk, ctypes.byref(opts), ids.at(), scores.at()))
        counts[:] = [int(x) for x in c.values()]
        del keep
        return
    got = ctypes.c_size_t()
    for r in range(n):
        check(single(ctypes.byref(got), int(keys[r]), kk, ctypes.byref(opts), ids.at(r * kk), scores.at(r * kk)))
        counts[r] = got.value


def similar_users(model, keys, k, cache):
    """(ids, scores, counts) of the k users most similar (cosine) to each
    key, itself excluded.  `cache` (a dict) keeps the normalised user
    vectors between calls of the fallback."""
    if lib.has("gr_model_similar_users"):
        def single(n, key, kk, _opts, items, scores):
            return lib.gr_model_similar_users(n, model, key, kk, items, scores)
        return top_k(model, keys, k, {}, single)
    k = positive_k(k)
    n_users = lib.gr_graph_num_users(lib.gr_model_graph(model))
    if k > n_users:
        raise RangeError(GR_ERANGE, "similar_users: k = %d out of range 1..%d (number of users)" % (k, n_users))
    if "users" not in cache:
        cache["users"] = _normalised_user_vectors(model)
    index, unit = cache["users"]
    n = len(keys)
    ids = _arrays.Out(n * k, "q", PAD_ID)
    scores = _arrays.Out(n * k, "f", math.nan)
    counts = [0] * n
    user_ids = cache.setdefault("user_ids", model.graph.user_ids())
    rows = []
    for key in keys:
        row = index.get(int(key))
        if row is None:
            raise NotFoundError(GR_ENOTFOUND, "unknown user id %d" % int(key))
        rows.append(row)
    for r, best in enumerate(_nearest(unit, rows, k)):
        for j, (other, cosine) in enumerate(best):
            ids.data[r * k + j] = user_ids[other]
            scores.data[r * k + j] = cosine
        counts[r] = len(best)
    return ids, scores, counts


def _normalised_user_vectors(model):
    ids = model.graph.user_ids()
    index = {u: i for i, u in enumerate(ids)}
    vectors = model.user_vectors()
    if _buffers.have_numpy():
        np = _buffers.numpy
        v = np.asarray(vectors, dtype=np.float64)
        norms = np.linalg.norm(v, axis=1)
        return index, v / np.where(norms > 0, norms, 1.0)[:, None]
    unit = []
    for row in vectors.tolist():
        norm = math.sqrt(sum(x * x for x in row))
        unit.append([x / norm for x in row] if norm > 0 else row)
    return index, unit


def _nearest(unit, rows, k):
    """For each row, [(row, cosine)] of the k rows nearest it, best first,
    ties by row; numpy scores a block of queries in one product."""
    if _buffers.have_numpy():
        np = _buffers.numpy
        k = min(k, len(unit) - 1)
        if k <= 0:
            return [[] for _ in rows]
        out = []
        block = max(1, CHUNK_VALUES // len(unit))
        for start in range(0, len(rows), block):
            part = np.asarray(rows[start:start + block])
            sims = unit[part] @ unit.T
            sims[np.arange(len(part)), part] = -np.inf
            top = np.argpartition(-sims, k - 1, axis=1)[:, :k]
            for q in range(len(part)):
                t = top[q][np.lexsort((top[q], -sims[q, top[q]]))]
                out.append([(int(i), float(sims[q, i])) for i in t])
        return out
    out = []
    for row in rows:
        me = unit[row]
        sims = [(-sum(a * b for a, b in zip(me, other)), i) for i, other in enumerate(unit) if i != row]
        sims.sort()
        out.append([(i, -s) for s, i in sims[:k]])
    return out


def explain_items(model, user, item):
    """(score, [(liked item, contribution)]) of `item` for `user`."""
    if not lib.has("gr_model_explain_items"):
        raise UnsupportedError(GR_EUNSUPPORTED, "explain: the loaded libgnnrec %s has no gr_model_explain_items"
                               % lib.gr_version_string().decode())
    liked = ctypes.c_size_t()
    check(lib.gr_graph_user_items(ctypes.byref(liked), lib.gr_model_graph(model), user, None, None, 0))
    cap = max(liked.value, 1)  # one contribution per liked item at most
    out = (Contribution * cap)()
    n, total = ctypes.c_size_t(), ctypes.c_float()
    check(lib.gr_model_explain_items(ctypes.byref(n), ctypes.byref(total), model, user, item, out, cap))
    return total.value, [(out[i].item, out[i].weight) for i in range(min(n.value, cap))]
