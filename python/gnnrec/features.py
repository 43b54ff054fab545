"""Node features of GraphSAGE: the caller's user and item feature rows,
lined up with a graph's dense index order, and the rows of new users and
items."""

import array
import ctypes
import math

from . import _buffers
from ._native import NewItem
from .graph import name_id

NODES = {"users": 0, "items": 1}


def node_code(node):
    try:
        return NODES[node]
    except KeyError:
        raise ValueError("unknown node type %r (one of %s)" % (node, ", ".join(NODES))) from None


def _rows_by_id(features, what):
    """{id or name: row} from a pandas DataFrame (its index the ids), a
    dict, or an (ids, rows) pair."""
    if hasattr(features, "index") and hasattr(features, "to_numpy"):  # a DataFrame
        return dict(zip(features.index.tolist(), features.to_numpy(dtype="float32").tolist()))
    if isinstance(features, dict):
        return features
    if isinstance(features, tuple) and len(features) == 2:
        ids, rows = features
        ids, rows = list(ids), [list(r) for r in rows]
        if len(ids) != len(rows):
            raise ValueError("%s: %d ids for %d rows" % (what, len(ids), len(rows)))
        return dict(zip(ids, rows))
    raise TypeError("%s: give a pandas DataFrame indexed by id, a dict {id: row} or (ids, rows), got %s"
                    % (what, type(features).__name__))


def _keyed(features, named, what):
    """{int id: row}: in a graph of names the keys are names (or their ids)."""
    keyed = {}
    for key, row in _rows_by_id(features, what).items():
        k = name_id(key) if named and isinstance(key, str) else key
        keyed[int(k)] = row
    return keyed


def _aligned_keyed(keyed, graph_ids, what):
    flat, dim = array.array("f"), None
    for node in graph_ids:
        row = keyed.get(int(node))
        if row is None:
            raise ValueError("%s: no row for id %d" % (what, node))
        row = [float(v) for v in row]
        if dim is None:
            dim = len(row)
            if dim == 0:
                raise ValueError("%s: rows of no columns" % what)
        elif len(row) != dim:
            raise ValueError("%s: the row of id %d has %d values, the others %d" % (what, node, len(row), dim))
        if not all(math.isfinite(v) for v in row):
            raise ValueError("%s: the row of id %d is not finite" % (what, node))
        flat.extend(row)
    rows = len(graph_ids)
    return _buffers.buffer_address(flat, rows * (dim or 0), "f"), rows, dim or 0, flat


def aligned(features, graph_ids, named, what):
    """(address, rows, dim, keepalive) of the feature rows in the order of
    graph_ids (a graph's user_ids() or item_ids()); every node needs a row of
    one width, finite.  In a graph of names the keys are names (or their
    ids)."""
    return _aligned_keyed(_keyed(features, named, what), graph_ids, what)


def grown(features, known_ids, added_ids, named, what):
    """aligned() for an update of a model whose nodes are known_ids by
    added_ids: the rows of the grown graph when features hold one for every
    known id (they replace the model's), else those of the new ids alone
    (the model keeps its rows); None when there are none to give."""
    keyed = _keyed(features, named, what)
    seen = set(known_ids)
    new = [i for i in added_ids if i not in seen]
    if all(int(i) in keyed for i in known_ids):
        return _aligned_keyed(keyed, list(known_ids) + new, what)
    return _aligned_keyed(keyed, new, what) if new else None


def one_row(row, what):
    """(pointer, keepalive) of one feature row, or (None, None)."""
    if row is None:
        return None, None
    p, n, keep = _buffers.as_c_array([float(v) for v in row], "f")
    if n == 0:
        raise ValueError("%s is empty" % what)
    return p, keep


def new_item(genres_mask, year, users, ratings, timestamps, features):
    """A gr_new_item and what must stay referenced while it is used."""
    keep = []
    it = NewItem(1, int(genres_mask or 0), int(year or 0), None, None, None, 0, None)
    if users is not None:
        up, nu, ku = _buffers.as_c_array(users, "q")
        it.users, it.n_users = up, nu
        keep.append(ku)
        for name, values, code in (("ratings", ratings, "f"), ("timestamps", timestamps, "q")):
            if values is not None:
                vp, nv, kv = _buffers.as_c_array(values, code)
                if nv != nu:
                    raise ValueError("%s has %d entries, users %d" % (name, nv, nu))
                setattr(it, name, vp)
                keep.append(kv)
    elif ratings is not None or timestamps is not None:
        raise ValueError("ratings and timestamps describe the users given: pass users too")
    fp, kf = one_row(features, "features")
    if fp is not None:
        it.features = fp
        keep.append(kf)
    return ctypes.byref(it), (it, keep)
