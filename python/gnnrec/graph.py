"""Interaction graphs: loading, building from arrays, metadata, splits."""

import ctypes
import os

from . import _buffers
from ._handle import Handle
from ._native import LoadOptions, SplitOptions, lib
from .errors import check

FORMATS = {"auto": 0, "adjacency": 1, "ml100k": 2, "ml1m": 3, "csv": 4, "delimited": 5}
SPLITS = {"ratio": 1, "loo": 2, "random": 3}
IDS = {"auto": 0, "integers": 1, "names": 2}


def _format_code(fmt):
    if isinstance(fmt, int):
        return fmt
    try:
        return FORMATS[fmt]
    except KeyError:
        raise ValueError("unknown format %r (one of %s)" % (fmt, ", ".join(FORMATS))) from None


def _path(p):
    return os.fsencode(p)


def _ids_code(ids):
    try:
        return IDS[ids]
    except KeyError:
        raise ValueError("unknown ids %r (one of %s)" % (ids, ", ".join(IDS))) from None


def _load_options(fmt, min_rating, metadata, items_path, users_path, ids="auto"):
    o = LoadOptions(3, _format_code(fmt), float(min_rating), 1 if metadata else 0,
                    _path(items_path) if items_path else None, _path(users_path) if users_path else None,
                    None, _ids_code(ids))
    return ctypes.byref(o), o


def _is_name(v):
    return isinstance(v, (str, bytes))


def _names_of(values):
    """The values as a list of names when they are strings (str or bytes,
    or a numpy array of them), else None (integer ids)."""
    numpy = _buffers.numpy
    if numpy is not None and isinstance(values, numpy.ndarray):
        if values.dtype.kind in "US" or (values.dtype.kind == "O" and values.size and _is_name(values.flat[0])):
            return values.ravel().tolist()
        return None
    if isinstance(values, (list, tuple)) and values and _is_name(values[0]):
        return list(values)
    return None


def _name_array(names):
    """(pointer, length, keepalive) of UTF-8 names for the C API."""
    encoded = []
    for v in names:
        if not _is_name(v):
            raise TypeError("names must all be strings, got %r" % (v,))
        encoded.append(v.encode("utf-8") if isinstance(v, str) else v)
    buf = (ctypes.c_char_p * max(len(encoded), 1))(*encoded)
    return buf, len(encoded), (buf, encoded)


def name_id(name):
    """The id a user or item name has in a graph whose ids are names: a
    63-bit hash of its UTF-8 bytes, the same in every file and process."""
    out = ctypes.c_int64()
    check(lib.gr_name_id(ctypes.byref(out), name.encode("utf-8")))
    return out.value


class Graph(Handle):
    """A bipartite user-item graph with ratings, timestamps and metadata.

    Immutable once built; safe to read from many threads.  Graphs that are
    parts of one dataset share one id space: load the others with
    ``Graph.load(path, like=train)`` or make them with ``split()``."""

    _free = staticmethod(lib.gr_graph_free)

    @classmethod
    def load(cls, path, format="auto", min_rating=0.0, metadata=True, items_path=None,
             users_path=None, like=None, ids="auto"):
        """Load an interaction file or a MovieLens directory.  With `like`,
        the file is read in that graph's id space and unknown ids are
        skipped (counted in num_skipped).  `ids`: "auto" (names when the
        first row's user or item field is not an integer), "integers" or
        "names"; a name's id is name_id(name), and the graph keeps the
        names (user_name, item_name)."""
        opts, keep = _load_options(format, min_rating, metadata, items_path, users_path, ids)
        out = ctypes.c_void_p()
        if like is None:
            check(lib.gr_graph_load(ctypes.byref(out), _path(path), opts))
        else:
            check(lib.gr_graph_load_like(ctypes.byref(out), like, _path(path), opts))
        del keep
        return cls(out.value)

    @classmethod
    def from_edges(cls, users, items, ratings=None, timestamps=None, min_rating=0.0, like=None):
        """Build a graph from parallel sequences (or numpy arrays) of edges.
        Users and items given as strings are names: each id is name_id(name)
        and the graph keeps the names, as a file of names loads."""
        unames, inames = _names_of(users), _names_of(items)
        if (unames is None) != (inames is None):
            raise TypeError("users and items must both be names (strings) or both integer ids")
        if unames is not None:
            users, items = unames, inames
            up, n, ku = _name_array(unames)
            ip, ni, ki = _name_array(inames)
        else:
            up, n, ku = _buffers.as_c_array(users, "q")
            ip, ni, ki = _buffers.as_c_array(items, "q")
        rp = tp = None
        kr = kt = None
        if ratings is not None:
            rp, nr, kr = _buffers.as_c_array(ratings, "f")
            if nr != n:
                raise ValueError("ratings has %d entries, users %d" % (nr, n))
        if timestamps is not None:
            tp, nt, kt = _buffers.as_c_array(timestamps, "q")
            if nt != n:
                raise ValueError("timestamps has %d entries, users %d" % (nt, n))
        if ni != n:
            raise ValueError("items has %d entries, users %d" % (ni, n))
        out = ctypes.c_void_p()
        if unames is not None:
            if like is None:
                check(lib.gr_graph_from_named_edges(ctypes.byref(out), up, ip, rp, tp, n, float(min_rating)))
            else:
                check(lib.gr_graph_from_named_edges_like(ctypes.byref(out), like, up, ip, rp, tp, n,
                                                         float(min_rating)))
        elif like is None:
            check(lib.gr_graph_from_edges(ctypes.byref(out), up, ip, rp, tp, n, float(min_rating)))
        else:
            check(lib.gr_graph_from_edges_like(ctypes.byref(out), like, up, ip, rp, tp, n, float(min_rating)))
        del ku, ki, kr, kt
        return cls(out.value)

    # ---- sizes ---------------------------------------------------------------

    @property
    def num_users(self):
        return lib.gr_graph_num_users(self)

    @property
    def num_items(self):
        return lib.gr_graph_num_items(self)

    @property
    def num_edges(self):
        return lib.gr_graph_num_edges(self)

    @property
    def num_skipped(self):
        return lib.gr_graph_num_skipped(self)

    @property
    def has_ratings(self):
        return bool(lib.gr_graph_has_ratings(self))

    @property
    def has_timestamps(self):
        return bool(lib.gr_graph_has_timestamps(self))

    def __len__(self):
        return self.num_edges

    def __repr__(self):
        if self.closed:
            return "<gnnrec.Graph closed>"
        return "<gnnrec.Graph %d users, %d items, %d edges>" % (self.num_users, self.num_items, self.num_edges)

    # ---- ids and edges -------------------------------------------------------

    def user_ids(self):
        """External user ids in dense-index order: row i of
        Model.user_vectors() belongs to user_ids()[i]."""
        return self._ids(lib.gr_graph_user_id, self.num_users)

    def item_ids(self):
        """External item ids in dense-index order (rows of Model.item_vectors())."""
        return self._ids(lib.gr_graph_item_id, self.num_items)

    def _ids(self, fn, n):
        v = ctypes.c_int64()
        out = []
        for i in range(n):
            check(fn(ctypes.byref(v), self, i))
            out.append(v.value)
        return out

    def user_items(self, user):
        """[(item, rating), ...] of one user."""
        return self._neighbours(lib.gr_graph_user_items, user)

    def item_users(self, item):
        """[(user, rating), ...] of one item."""
        return self._neighbours(lib.gr_graph_item_users, item)

    def _neighbours(self, fn, key):
        count = ctypes.c_size_t()
        check(fn(ctypes.byref(count), self, key, None, None, 0))
        n = count.value
        ids = (ctypes.c_int64 * max(n, 1))()
        vals = (ctypes.c_float * max(n, 1))()
        check(fn(ctypes.byref(count), self, key, ids, vals, n))
        return [(ids[i], vals[i]) for i in range(n)]

    def edges(self):
        """(users, items, ratings, timestamps) in user-major order: numpy
        arrays when numpy is installed, else lists."""
        n = self.num_edges
        if _buffers.have_numpy():
            np = _buffers.numpy
            cols = (np.empty(n, np.int64), np.empty(n, np.int64), np.empty(n, np.float32), np.empty(n, np.int64))
            ptrs = [c.ctypes.data for c in cols]
        else:
            cols = ((ctypes.c_int64 * n)(), (ctypes.c_int64 * n)(), (ctypes.c_float * n)(), (ctypes.c_int64 * n)())
            ptrs = cols
        check(lib.gr_graph_edges(self, ctypes.cast(ptrs[0], ctypes.POINTER(ctypes.c_int64)),
                                 ctypes.cast(ptrs[1], ctypes.POINTER(ctypes.c_int64)),
                                 ctypes.cast(ptrs[2], ctypes.POINTER(ctypes.c_float)),
                                 ctypes.cast(ptrs[3], ctypes.POINTER(ctypes.c_int64)), n))
        return cols if _buffers.have_numpy() else tuple(list(c) for c in cols)

    def write(self, path, format="ml100k"):
        """Write the edges atomically as ml100k (tab separated) or adjacency lines."""
        check(lib.gr_graph_write(self, _path(path), _format_code(format)))

    # ---- names ---------------------------------------------------------------

    @property
    def has_names(self):
        """Whether the ids are names (the graph was loaded from a file of names)."""
        return bool(lib.gr_graph_has_names(self))

    def user_name(self, user):
        """The user's name, or None (integer ids, or an unknown id)."""
        n = lib.gr_graph_user_name(self, user)
        return n.decode("utf-8", "replace") if n is not None else None

    def item_name(self, item):
        """The item's name, or None (integer ids, or an unknown id)."""
        n = lib.gr_graph_item_name(self, item)
        return n.decode("utf-8", "replace") if n is not None else None

    # ---- metadata ------------------------------------------------------------

    def item_title(self, item):
        """The item's title, or None when unknown."""
        t = lib.gr_graph_item_title(self, item)
        return t.decode("utf-8", "replace") if t is not None else None

    def item_year(self, item):
        """Release year, 0 when unknown."""
        return lib.gr_graph_item_year(self, item)

    def item_genres(self, item):
        """The item's genre names."""
        return self.genres_of_mask(lib.gr_graph_item_genres(self, item))

    def item_genre_mask(self, item):
        return lib.gr_graph_item_genres(self, item)

    def genre_names(self):
        """Genre names in bit order."""
        return [lib.gr_graph_genre_name(self, i).decode() for i in range(lib.gr_graph_num_genres(self))]

    def genres_of_mask(self, mask):
        return [name for i, name in enumerate(self.genre_names()) if mask >> i & 1]

    def genre_mask(self, names):
        """Mask of a genre name, a comma-separated list or a sequence of names."""
        if not isinstance(names, str):
            names = ",".join(names)
        mask = ctypes.c_uint64()
        check(lib.gr_graph_genre_mask(ctypes.byref(mask), self, names.encode()))
        return mask.value

    def features(self, node):
        """The built-in GraphSAGE feature matrix of the graph's "users" or
        "items" (docs/graphsage.md lists the columns), rows in user_ids() /
        item_ids() order: float32 numpy array, or a 2-D memoryview."""
        from .features import node_code
        code = node_code(node)
        dim = ctypes.c_size_t()
        check(lib.gr_features_dim(ctypes.byref(dim), self, code))
        rows = self.num_users if code == 0 else self.num_items
        out, addr = _buffers.float_matrix(rows, dim.value)
        if rows and dim.value:
            check(lib.gr_features_compute(addr, rows, dim.value, self, code))
        return out

    def user_info(self, user):
        """{'age': int or None, 'gender': 'M'/'F'/None, 'occupation': str or None}."""
        age, gender, occ = ctypes.c_int(), ctypes.c_char(), ctypes.c_char_p()
        check(lib.gr_graph_user_info(self, user, ctypes.byref(age), ctypes.byref(gender), ctypes.byref(occ)))
        return {"age": age.value if age.value >= 0 else None,
                "gender": gender.value.decode() if gender.value != b"\0" else None,
                "occupation": occ.value.decode() if occ.value is not None else None}

    # ---- splits --------------------------------------------------------------

    def split(self, method="ratio", valid_ratio=0.1, test_ratio=0.1, seed=42):
        """(train, valid, test) in this graph's id space; valid is None
        when valid_ratio is 0 (ratio methods).  method: 'ratio' (per user),
        'loo' (leave-one-out by time) or 'random'."""
        try:
            code = SPLITS[method]
        except KeyError:
            raise ValueError("unknown split method %r (ratio, loo, random)" % (method,)) from None
        o = SplitOptions(1, code, float(valid_ratio), float(test_ratio), int(seed))
        want_valid = code == SPLITS["loo"] or valid_ratio > 0
        tr, va, te = ctypes.c_void_p(), ctypes.c_void_p(), ctypes.c_void_p()
        check(lib.gr_graph_split(ctypes.byref(tr), ctypes.byref(va) if want_valid else None, ctypes.byref(te),
                                 self, ctypes.byref(o)))
        return Graph(tr.value), (Graph(va.value) if va.value else None), Graph(te.value)
