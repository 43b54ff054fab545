"""Interactions as users have them, turned into a Graph.

    as_graph(data, like=None, **how) -> Graph

`data` may be:

- a Graph (returned as it is);
- a path to an interaction file or a MovieLens directory (Graph.load);
- a scipy.sparse matrix (CSR, CSC, COO, ... or a sparse array) whose rows
  are users and columns items, or the other way round with
  ``item_user=True``; row and column indices are the ids.  The stored
  values are the ratings unless they are all ones; explicit zeros are not
  interactions, and repeated entries are summed, as scipy sums them;
- a pandas DataFrame with columns named by ``user_col``, ``item_col`` and,
  when present, ``rating_col`` and ``timestamp_col`` ("user", "item",
  "rating", "timestamp" by default; datetime columns become Unix seconds);
- a tuple ``(users, items[, ratings[, timestamps]])`` of sequences or numpy
  arrays (ratings or timestamps may be None).

With `like`, the graph is built in that graph's id space (validation and
test data): interactions with ids it does not know are skipped.
"""

import os
import sys

from . import _buffers
from .graph import Graph

COLUMNS = {"user_col": "user", "item_col": "item", "rating_col": "rating", "timestamp_col": "timestamp"}


def as_graph(data, like=None, item_user=False, user_col="user", item_col="item", rating_col="rating",
             timestamp_col="timestamp", min_rating=0.0, format="auto", ids="auto"):
    """A Graph of `data` (see the module's description).  A Graph given is
    returned as it is; any other input gives a new Graph the caller owns.
    `ids` applies to files: integers, names, or "auto" (Graph.load)."""
    if isinstance(data, Graph):
        return data
    if isinstance(data, (str, bytes, os.PathLike)):
        return Graph.load(data, format=format, min_rating=min_rating, like=like, ids=ids)
    sparse = _scipy_sparse()
    if sparse is not None and sparse.issparse(data):
        return from_sparse(data, like=like, item_user=item_user, min_rating=min_rating)
    if _is_dataframe(data):
        return from_dataframe(data, like=like, user_col=user_col, item_col=item_col, rating_col=rating_col,
                              timestamp_col=timestamp_col, min_rating=min_rating)
    if isinstance(data, tuple) and 2 <= len(data) <= 4:
        users, items, ratings, timestamps = tuple(data) + (None,) * (4 - len(data))
        return Graph.from_edges(users, items, ratings=ratings, timestamps=timestamps, min_rating=min_rating,
                                like=like)
    raise TypeError("cannot read interactions from %s: give a Graph, a path, a scipy.sparse matrix, "
                    "a pandas DataFrame or a tuple (users, items[, ratings[, timestamps]])" % type(data).__name__)


def from_sparse(matrix, like=None, item_user=False, min_rating=0.0):
    """A Graph of a scipy.sparse user x item matrix (item x user with
    item_user=True); indices are the ids, values the ratings unless all are 1."""
    rows, cols, ratings = sparse_entries(matrix)
    users, items = (cols, rows) if item_user else (rows, cols)
    return Graph.from_edges(users, items, ratings=ratings, min_rating=min_rating, like=like)


def sparse_entries(matrix):
    """(row indices, column indices, ratings or None) of the entries of a
    scipy.sparse matrix, as int64 and float32 arrays: repeated entries
    summed and explicit zeros dropped, as scipy does; the values are the
    ratings unless all are 1."""
    np = _buffers.numpy
    csr = matrix.tocsr()
    if csr is matrix or not csr.has_canonical_format:
        csr = csr.copy()  # sum_duplicates and eliminate_zeros work in place
    csr.sum_duplicates()
    csr.eliminate_zeros()
    rows = np.repeat(np.arange(csr.shape[0], dtype=np.int64), np.diff(csr.indptr))
    cols = csr.indices.astype(np.int64)
    values = csr.data
    ratings = None if values.size and np.all(values == 1) else values.astype(np.float32)
    return rows, cols, ratings


def from_dataframe(frame, like=None, user_col="user", item_col="item", rating_col="rating",
                   timestamp_col="timestamp", min_rating=0.0):
    """A Graph of a pandas DataFrame's user, item and (when present) rating
    and timestamp columns."""
    users = _id_column(frame, user_col)
    items = _id_column(frame, item_col)
    ratings = timestamps = None
    if rating_col is not None and rating_col in frame.columns:
        ratings = _float_column(frame, rating_col)
    if timestamp_col is not None and timestamp_col in frame.columns:
        timestamps = _time_column(frame, timestamp_col)
    return Graph.from_edges(users, items, ratings=ratings, timestamps=timestamps, min_rating=min_rating,
                            like=like)


def _column(frame, name):
    if name not in frame.columns:
        raise KeyError("the DataFrame has no column %r (columns: %s); name the column with the matching "
                       "*_col argument" % (name, ", ".join(map(str, frame.columns))))
    col = frame[name]
    if col.isna().any():
        raise ValueError("column %r has a missing value in row %r" % (name, col.index[col.isna().to_numpy()][0]))
    return col


def _id_column(frame, name):
    """Integer ids as int64, or names (strings) as a list of str."""
    col = _column(frame, name)
    if col.dtype.kind in "iu":
        return col.to_numpy(dtype=_buffers.numpy.int64)
    values = col.tolist()
    if col.dtype.kind in "OU" or str(col.dtype) == "string":
        bad = next((v for v in values if not isinstance(v, str)), None)
        if bad is None:
            return values
        raise TypeError("column %r mixes names with %r; ids are all integers or all names (strings)" % (name, bad))
    raise TypeError("column %r holds %s values; ids must be integers or names (strings)" % (name, col.dtype))


def _float_column(frame, name):
    col = _column(frame, name)
    if col.dtype.kind not in "iuf":
        raise TypeError("column %r holds %s values; ratings must be numbers" % (name, col.dtype))
    return col.to_numpy(dtype=_buffers.numpy.float32)


def _time_column(frame, name):
    """Unix seconds of a datetime column (time-zone aware or UTC), or an
    integer column as it is."""
    import pandas
    col = _column(frame, name)
    if pandas.api.types.is_datetime64_any_dtype(col.dtype):
        if getattr(col.dt, "tz", None) is not None:
            col = col.dt.tz_convert("UTC").dt.tz_localize(None)
        return col.to_numpy(dtype="datetime64[s]").astype(_buffers.numpy.int64)
    if col.dtype.kind not in "iu":
        raise TypeError("column %r holds %s values; timestamps must be integers (Unix seconds) or datetimes"
                        % (name, col.dtype))
    return col.to_numpy(dtype=_buffers.numpy.int64)


def _scipy_sparse():
    """scipy.sparse if it is imported: a matrix of it implies it is, and
    nothing here pays for importing it otherwise."""
    return sys.modules.get("scipy.sparse")


def _is_dataframe(data):
    pandas = sys.modules.get("pandas")
    return pandas is not None and isinstance(data, pandas.DataFrame)
