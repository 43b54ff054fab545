"""gnnrec: graph-neural-network recommendation, from Python.

A binding over libgnnrec (ctypes, standard library only; numpy, scipy and
pandas are used when installed).  Two layers:

Estimators, one class per model kind, fitted on interactions as users have
them (a scipy.sparse user x item matrix, a pandas DataFrame, id arrays, a
file), answering with numpy arrays:

    import gnnrec
    model = gnnrec.LightGCN(dim=64, epochs=50).fit(user_items, valid=valid_items)
    ids, scores = model.recommend(user_ids, k=10, filter_items=[...])
    model.save("model.gnr"); model = gnnrec.load("model.gnr")

and the library's handles (Graph, Trainer, Model), each an object that
frees itself (use ``with`` to free it at a known point).  Every failure
raises a GnnrecError subclass carrying the library's message.

    gnnrec.synth_write("data")
    with gnnrec.Graph.load("data") as all_:
        train, valid, test = all_.split()
    with gnnrec.Trainer("lightgcn", dim=64, epochs=50) as t:
        model = t.fit(train, valid=valid)
    print(model.evaluate(test, exclude=train))
    for r in model.recommend(1, k=10, genres=["Comedy"]):
        print(r.item, r.score, r.title)
"""

import ctypes
import os

from . import _native
from ._native import SynthOptions, lib
from .errors import (CancelledError, CorruptError, FormatError, GnnrecError, GnnrecIOError,
                     InvalidArgumentError, NotFoundError, OutOfMemoryError, RangeError, StateError,
                     UnsupportedError, VersionError, check)
from .graph import Graph, name_id
from .genome import Genome
from .kg import LINK_METRICS, KnowledgeGraph, Link
from .interactions import as_graph
from .kinds import EASE, GFCF, MF, Cheby, ComplEx, DistMult, GraphSAGE, KnowledgeGraphRecommender, LightGCN, RotatE, TransE
from .model import METRICS, Model, Recommendation
from .recommender import Explanation, Recommender, kinds, load, recommender
from .trainer import Trainer

__all__ = [
    "Genome", "Graph", "KnowledgeGraph", "Link", "LINK_METRICS", "Model", "Trainer", "Recommendation", "METRICS", "GnnrecError", "InvalidArgumentError",
    "OutOfMemoryError", "GnnrecIOError", "FormatError", "RangeError", "NotFoundError", "CorruptError",
    "VersionError", "StateError", "UnsupportedError", "CancelledError", "version", "version_string",
    "library_path", "name_id", "synth_write", "set_num_threads", "get_num_threads", "metrics_of_list",
    "as_graph", "Recommender", "Explanation", "recommender", "load", "kinds", "LightGCN", "MF", "GraphSAGE",
    "KnowledgeGraphRecommender", "TransE", "DistMult", "RotatE", "ComplEx", "GFCF", "Cheby", "EASE",
]

__version__ = "0.1.0"


def version():
    """The library's version number, MAJOR*10000 + MINOR*100 + PATCH."""
    return lib.gr_version()


def version_string():
    return lib.gr_version_string().decode()


def library_path():
    """The file the library was loaded from."""
    return _native.path


def synth_write(directory, users=500, items=800, ratings_per_user=60, format="ml100k", seed=42):
    """Write a synthetic MovieLens-format dataset with planted taste structure."""
    codes = {"ml100k": 2, "ml1m": 3}
    if format not in codes:
        raise ValueError("format must be 'ml100k' or 'ml1m', got %r" % (format,))
    o = SynthOptions(1, users, items, ratings_per_user, codes[format], seed)
    check(lib.gr_synth_write(os.fsencode(directory), ctypes.byref(o)))


def set_num_threads(n):
    """Threads of the library's parallel kernels; 0 restores the default."""
    check(lib.gr_set_num_threads(n))


def get_num_threads():
    return lib.gr_get_num_threads()


def metrics_of_list(ranked, relevant, k):
    """The metrics of one ranked list at cut-off k, as a dict."""
    from ._buffers import as_c_array
    rp, nr, keep_r = as_c_array(ranked, "q")
    lp, nl, keep_l = as_c_array(relevant, "q")
    out = (ctypes.c_double * len(METRICS))()
    check(lib.gr_metrics_of_list(out, rp, nr, lp, nl, k))
    del keep_r, keep_l
    return dict(zip(METRICS, out))
