"""Finding libgnnrec and declaring the C functions the package calls.

The library is looked for, in order:

1. at the path in the GNNREC_LIBRARY environment variable (only there:
   an explicit choice is not second-guessed);
2. in the package's own directory, where a copy may be bundled;
3. in the libdir that ``pkg-config gnnrec`` names;
4. where ctypes.util.find_library finds it, then by its soname through
   the dynamic linker's own search (LD_LIBRARY_PATH, ld.so.cache).

Only the major version this package was written for is accepted.  When
nothing loads, ImportError names every place tried and why each failed.

Calls that newer libraries add are declared only when the loaded library
exports them; ``lib.has(name)`` says which are there, so that callers can
fall back to older calls.
"""

import ctypes
import ctypes.util
import os
import subprocess

from ._handle import Handle

ABI_MAJOR = 0
SONAME = "libgnnrec.so.%d" % ABI_MAJOR

c_int = ctypes.c_int
c_size_t = ctypes.c_size_t
c_double = ctypes.c_double
c_float = ctypes.c_float
c_int64 = ctypes.c_int64
c_uint64 = ctypes.c_uint64
c_uint = ctypes.c_uint
c_char_p = ctypes.c_char_p
c_void_p = ctypes.c_void_p
P = ctypes.POINTER

PROGRESS_FN = ctypes.CFUNCTYPE(c_int, c_void_p, c_int, c_double, c_double, c_double)
# gr_trial_fn: user_data, trial, n, names, values, valid_metric, best_epoch, seconds
TRIAL_FN = ctypes.CFUNCTYPE(c_int, c_void_p, c_int, c_size_t, P(c_char_p), P(c_double), c_double, c_int, c_double)


class LoadOptions(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint), ("format", c_int), ("min_rating", c_double),
                ("metadata", c_int), ("items_path", c_char_p), ("users_path", c_char_p),
                ("comm", c_void_p), ("ids", c_int)]


class SplitOptions(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint), ("method", c_int), ("valid_ratio", c_double),
                ("test_ratio", c_double), ("seed", c_uint64)]


class RecOptions(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint), ("exclude_seen", c_int), ("least", c_int),
                ("genres", c_uint64), ("year_min", c_int), ("year_max", c_int),
                ("has_min_score", c_int), ("min_score", c_double)]


class RecOptions2(ctypes.Structure):
    """gr_rec_options version 2: version 1 and the caller's item lists."""
    _fields_ = RecOptions._fields_ + [("exclude_items", P(c_int64)), ("n_exclude_items", c_size_t),
                                      ("only_items", P(c_int64)), ("n_only_items", c_size_t)]


class Contribution(ctypes.Structure):
    """gr_contribution: one liked item's share of a score."""
    _fields_ = [("item", c_int64), ("weight", c_float)]


class NewUser(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint), ("age", c_int), ("gender", ctypes.c_char),
                ("occupation", c_char_p), ("items", P(c_int64)), ("ratings", P(c_float)),
                ("timestamps", P(c_int64)), ("n_items", c_size_t), ("features", P(c_float))]


class NewItem(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint), ("genres", c_uint64), ("year", c_int), ("users", P(c_int64)),
                ("ratings", P(c_float)), ("timestamps", P(c_int64)), ("n_users", c_size_t), ("features", P(c_float))]


class KgTriple(ctypes.Structure):
    _fields_ = [("head", c_int64), ("relation", c_int64), ("tail", c_int64)]


EXPLAIN_MAX = 4  # GR_EXPLAIN_MAX


class Explanation(ctypes.Structure):
    _fields_ = [("n_triples", c_size_t), ("triples", KgTriple * EXPLAIN_MAX), ("weight", c_float)]


class KgLoadOptions(ctypes.Structure):
    """gr_kg_load_options version 2."""
    _fields_ = [("version", ctypes.c_uint), ("dicts", c_int), ("entities_path", c_char_p),
                ("relations_path", c_char_p), ("comm", c_void_p)]


class SynthOptions(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint), ("users", c_size_t), ("items", c_size_t),
                ("ratings_per_user", c_size_t), ("format", c_int), ("seed", c_uint64)]


# name: (restype, argtypes); handles travel as void pointers.
_PROTOTYPES = {
    "gr_last_error": (c_char_p, []),
    "gr_last_error_code": (c_int, []),
    "gr_error_clear": (None, []),
    "gr_status_name": (c_char_p, [c_int]),
    "gr_version": (c_int, []),
    "gr_version_string": (c_char_p, []),
    # graph.h
    "gr_graph_load": (c_int, [P(c_void_p), c_char_p, P(LoadOptions)]),
    "gr_graph_load_like": (c_int, [P(c_void_p), c_void_p, c_char_p, P(LoadOptions)]),
    "gr_graph_from_edges": (c_int, [P(c_void_p), P(c_int64), P(c_int64), P(c_float), P(c_int64),
                                    c_size_t, c_double]),
    "gr_graph_from_edges_like": (c_int, [P(c_void_p), c_void_p, P(c_int64), P(c_int64), P(c_float),
                                         P(c_int64), c_size_t, c_double]),
    "gr_graph_from_named_edges": (c_int, [P(c_void_p), P(c_char_p), P(c_char_p), P(c_float), P(c_int64),
                                          c_size_t, c_double]),
    "gr_graph_from_named_edges_like": (c_int, [P(c_void_p), c_void_p, P(c_char_p), P(c_char_p), P(c_float),
                                               P(c_int64), c_size_t, c_double]),
    "gr_graph_free": (None, [c_void_p]),
    "gr_graph_num_users": (c_size_t, [c_void_p]),
    "gr_graph_num_items": (c_size_t, [c_void_p]),
    "gr_graph_num_edges": (c_size_t, [c_void_p]),
    "gr_graph_num_skipped": (c_size_t, [c_void_p]),
    "gr_graph_has_ratings": (c_int, [c_void_p]),
    "gr_graph_has_timestamps": (c_int, [c_void_p]),
    "gr_graph_user_id": (c_int, [P(c_int64), c_void_p, c_size_t]),
    "gr_graph_item_id": (c_int, [P(c_int64), c_void_p, c_size_t]),
    "gr_graph_user_items": (c_int, [P(c_size_t), c_void_p, c_int64, P(c_int64), P(c_float), c_size_t]),
    "gr_graph_item_users": (c_int, [P(c_size_t), c_void_p, c_int64, P(c_int64), P(c_float), c_size_t]),
    "gr_graph_edges": (c_int, [c_void_p, P(c_int64), P(c_int64), P(c_float), P(c_int64), c_size_t]),
    "gr_graph_write": (c_int, [c_void_p, c_char_p, c_int]),
    "gr_graph_item_title": (c_char_p, [c_void_p, c_int64]),
    "gr_name_id": (c_int, [P(c_int64), c_char_p]),
    "gr_graph_has_names": (c_int, [c_void_p]),
    "gr_graph_user_name": (c_char_p, [c_void_p, c_int64]),
    "gr_graph_item_name": (c_char_p, [c_void_p, c_int64]),
    "gr_graph_item_year": (c_int, [c_void_p, c_int64]),
    "gr_graph_item_genres": (c_uint64, [c_void_p, c_int64]),
    "gr_graph_num_genres": (c_size_t, [c_void_p]),
    "gr_graph_genre_name": (c_char_p, [c_void_p, c_size_t]),
    "gr_graph_genre_mask": (c_int, [P(c_uint64), c_void_p, c_char_p]),
    "gr_graph_user_info": (c_int, [c_void_p, c_int64, P(c_int), P(ctypes.c_char), P(c_char_p)]),
    "gr_graph_split": (c_int, [P(c_void_p), P(c_void_p), P(c_void_p), c_void_p, P(SplitOptions)]),
    # model.h
    "gr_model_kind_name": (c_char_p, [c_int]),
    "gr_model_kind_from_name": (c_int, [P(c_int), c_char_p]),
    "gr_model_kind_of": (c_int, [c_void_p]),
    "gr_model_dim": (c_size_t, [c_void_p]),
    "gr_model_graph": (c_void_p, [c_void_p]),
    "gr_model_info": (c_int, [P(c_double), c_void_p, c_char_p]),
    "gr_model_save": (c_int, [c_void_p, c_char_p]),
    "gr_model_load": (c_int, [P(c_void_p), c_char_p]),
    "gr_model_free": (None, [c_void_p]),
    "gr_model_score": (c_int, [P(c_float), c_void_p, c_int64, c_int64]),
    "gr_model_user_vector": (c_int, [c_void_p, c_size_t, c_void_p, c_int64]),
    "gr_model_item_vector": (c_int, [c_void_p, c_size_t, c_void_p, c_int64]),
    "gr_model_user_vectors": (c_int, [c_void_p, c_size_t, c_size_t, c_void_p]),
    "gr_model_item_vectors": (c_int, [c_void_p, c_size_t, c_size_t, c_void_p]),
    # trainer.h
    "gr_trainer_new": (c_int, [P(c_void_p), c_int]),
    "gr_trainer_free": (None, [c_void_p]),
    "gr_trainer_set_int": (c_int, [c_void_p, c_int, c_int64]),
    "gr_trainer_set_double": (c_int, [c_void_p, c_int, c_double]),
    "gr_trainer_set": (c_int, [c_void_p, c_char_p, c_char_p]),
    "gr_trainer_get_double": (c_int, [P(c_double), c_void_p, c_int]),
    "gr_trainer_set_validation": (c_int, [c_void_p, c_void_p]),
    "gr_trainer_set_progress": (c_int, [c_void_p, PROGRESS_FN, c_void_p]),
    "gr_trainer_set_checkpoint": (c_int, [c_void_p, c_char_p, c_int]),
    "gr_trainer_set_trial_callback": (c_int, [c_void_p, TRIAL_FN, c_void_p]),
    "gr_trainer_fit": (c_int, [P(c_void_p), c_void_p, c_void_p]),
    "gr_trainer_stat": (c_int, [P(c_double), c_void_p, c_int]),
    "gr_model_update": (c_int, [P(c_void_p), c_void_p, c_void_p, c_void_p]),
    "gr_set_num_threads": (c_int, [c_int]),
    "gr_get_num_threads": (c_int, []),
    # eval.h
    "gr_eval_ranking": (c_int, [P(c_double), P(c_size_t), c_void_p, c_void_p, c_void_p, P(c_int), c_size_t]),
    "gr_eval_rating": (c_int, [P(c_double), P(c_double), c_void_p, c_void_p]),
    "gr_metrics_of_list": (c_int, [P(c_double), P(c_int64), c_size_t, P(c_int64), c_size_t, c_int]),
    # recommend.h
    "gr_model_recommend": (c_int, [P(c_size_t), c_void_p, c_int64, c_size_t, c_void_p,
                                   P(c_int64), P(c_float)]),
    "gr_model_recommend_liked": (c_int, [P(c_size_t), c_void_p, P(c_int64), c_size_t, c_size_t,
                                         c_void_p, P(c_int64), P(c_float)]),
    "gr_model_fold_in": (c_int, [c_void_p, c_size_t, c_void_p, P(c_int64), c_size_t]),
    "gr_model_similar_items": (c_int, [P(c_size_t), c_void_p, c_int64, c_size_t, c_void_p,
                                       P(c_int64), P(c_float)]),
    # features.h
    "gr_model_recommend_new_user": (c_int, [P(c_size_t), c_void_p, P(NewUser), c_size_t, c_void_p,
                                            P(c_int64), P(c_float)]),
    "gr_trainer_set_features": (c_int, [c_void_p, c_int, c_void_p, c_size_t, c_size_t]),
    "gr_genome_read": (c_int, [P(c_void_p), c_char_p]),
    "gr_genome_read_tags": (c_int, [P(c_void_p), c_char_p, c_size_t]),
    "gr_genome_free": (None, [c_void_p]),
    "gr_genome_n_tags": (c_size_t, [c_void_p]),
    "gr_genome_n_movies": (c_size_t, [c_void_p]),
    "gr_genome_tag_id": (c_int, [P(c_int64), c_void_p, c_size_t]),
    "gr_genome_scores": (c_int, [c_void_p, c_size_t, c_void_p, c_int64]),
    "gr_genome_fit": (c_int, [c_void_p, c_void_p, c_size_t, c_uint64, c_void_p]),
    "gr_genome_dim": (c_size_t, [c_void_p]),
    "gr_features_genome": (c_int, [c_void_p, c_size_t, c_size_t, c_void_p, c_void_p]),
    "gr_genome_project": (c_int, [c_void_p, c_size_t, c_void_p, c_void_p, c_size_t]),
    "gr_genome_save": (c_int, [c_void_p, c_char_p]),
    "gr_genome_load": (c_int, [P(c_void_p), c_char_p]),
    "gr_model_feature_dim": (c_int, [P(c_size_t), c_void_p, c_int]),
    "gr_features_dim": (c_int, [P(c_size_t), c_void_p, c_int]),
    "gr_features_compute": (c_int, [c_void_p, c_size_t, c_size_t, c_void_p, c_int]),
    "gr_model_new_user_vector": (c_int, [c_void_p, c_size_t, P(c_float), c_void_p, P(NewUser)]),
    "gr_model_new_item_vector": (c_int, [c_void_p, c_size_t, P(c_float), c_void_p, P(NewItem)]),
    "gr_kg_from_graph": (c_int, [P(c_void_p), c_void_p, c_double, c_uint]),
    "gr_model_features": (c_int, [c_void_p, c_size_t, c_size_t, c_void_p, c_int]),
    "gr_model_new_item_top_users": (c_int, [P(c_size_t), c_void_p, P(NewItem), c_size_t, P(c_int64), P(c_float)]),
    "gr_model_score_new_item": (c_int, [P(c_float), c_void_p, P(NewItem), P(c_int64), c_size_t]),
    # kg.h
    "gr_model_kg": (c_int, [P(c_void_p), c_void_p]),
    "gr_kg_entity_name": (c_char_p, [c_void_p, c_int64]),
    "gr_kg_relation_name": (c_char_p, [c_void_p, c_int64]),
    "gr_kg_load": (c_int, [P(c_void_p), c_char_p, P(KgLoadOptions)]),
    "gr_kg_load_like": (c_int, [P(c_void_p), c_void_p, c_char_p]),
    "gr_kg_from_names": (c_int, [P(c_void_p), c_void_p, P(c_char_p), P(c_char_p), P(c_char_p), c_size_t]),
    "gr_kg_free": (None, [c_void_p]),
    "gr_kg_num_entities": (c_size_t, [c_void_p]),
    "gr_kg_num_relations": (c_size_t, [c_void_p]),
    "gr_kg_num_triples": (c_size_t, [c_void_p]),
    "gr_kg_num_skipped": (c_size_t, [c_void_p]),
    "gr_kg_entity_id": (c_int, [P(c_int64), c_void_p, c_char_p]),
    "gr_kg_relation_id": (c_int, [P(c_int64), c_void_p, c_char_p]),
    "gr_kg_triples": (c_int, [P(c_size_t), c_void_p, P(c_int64), P(c_int64), P(c_int64), c_size_t]),
    "gr_kg_contains": (c_int, [c_void_p, c_int64, c_int64, c_int64]),
    "gr_kg_write": (c_int, [c_void_p, c_char_p]),
    "gr_kg_fit": (c_int, [P(c_void_p), c_void_p, c_void_p, c_void_p]),
    "gr_model_score_triple": (c_int, [P(c_float), c_void_p, c_int64, c_int64, c_int64]),
    "gr_eval_link_prediction": (c_int, [P(c_double), c_void_p, c_void_p, P(c_void_p), c_size_t, c_int]),
    "gr_model_explain": (c_int, [P(c_size_t), c_void_p, c_int64, c_int64, P(Explanation), c_size_t]),
    # synth.h
    "gr_synth_write": (c_int, [c_char_p, P(SynthOptions)]),
}

# Calls of newer libraries: declared when the loaded library has them.
_OPTIONAL_PROTOTYPES = {
    "gr_model_recommend_batch": (c_int, [P(c_size_t), c_void_p, P(c_int64), c_size_t, c_size_t,
                                         c_void_p, P(c_int64), P(c_float)]),
    "gr_model_similar_users": (c_int, [P(c_size_t), c_void_p, c_int64, c_size_t, P(c_int64), P(c_float)]),
    "gr_model_explain_items": (c_int, [P(c_size_t), P(c_float), c_void_p, c_int64, c_int64,
                                       P(Contribution), c_size_t]),
    "gr_model_explain_liked": (c_int, [P(c_size_t), P(c_float), c_void_p, P(c_int64), c_size_t, c_int64,
                                       P(Contribution), c_size_t]),
    "gr_model_update": (c_int, [P(c_void_p), c_void_p, c_void_p, c_void_p]),
    "gr_model_update_kg": (c_int, [P(c_void_p), c_void_p, c_void_p, c_void_p]),
    "gr_model_predict_links": (c_int, [P(c_size_t), c_void_p, c_int64, c_int64, c_int, c_size_t, c_int,
                                       P(c_int64), P(c_float)]),
    "gr_model_predict_links_batch": (c_int, [P(c_size_t), c_void_p, P(c_int64), P(c_int64), P(c_int), c_size_t,
                                             c_size_t, c_int, P(c_int64), P(c_float)]),
}


def _pkg_config_libdir():
    """(libdir, None) from pkg-config, or (None, why not)."""
    try:
        out = subprocess.run(["pkg-config", "--variable=libdir", "gnnrec"], capture_output=True,
                             text=True, timeout=10)
    except (OSError, subprocess.SubprocessError) as e:
        return None, "pkg-config could not run (%s)" % e
    libdir = out.stdout.strip()
    if out.returncode != 0 or not libdir:
        return None, "pkg-config does not know gnnrec (PKG_CONFIG_PATH=%s)" % os.environ.get("PKG_CONFIG_PATH", "")
    return libdir, None


def _in_directory(directory):
    return [os.path.join(directory, name) for name in (SONAME, "libgnnrec.so")
            if os.path.exists(os.path.join(directory, name))]


def _candidates():
    """([(where, path)], [places that gave no candidate, with why]) in search order."""
    env = os.environ.get("GNNREC_LIBRARY")
    if env:
        return [("GNNREC_LIBRARY", env)], []  # an explicit choice is not second-guessed
    found, empty = [], ["GNNREC_LIBRARY (not set)"]
    here = os.path.dirname(os.path.abspath(__file__))
    bundled = _in_directory(here)
    found += [("package directory", p) for p in bundled]
    if not bundled:
        empty.append("package directory %s (no %s)" % (here, SONAME))
    libdir, why = _pkg_config_libdir()
    if libdir is not None:
        in_libdir = _in_directory(libdir)
        found += [("pkg-config libdir", p) for p in in_libdir]
        if not in_libdir:
            empty.append("pkg-config libdir %s (no %s)" % (libdir, SONAME))
    else:
        empty.append(why)
    name = ctypes.util.find_library("gnnrec")
    if name:
        found.append(("ctypes.util.find_library", name))
    else:
        empty.append("ctypes.util.find_library (found nothing)")
    found.append(("the dynamic linker's search", SONAME))  # LD_LIBRARY_PATH, ld.so.cache
    return found, empty


def _open():
    candidates, tried = _candidates()
    for where, path in candidates:
        try:
            lib = ctypes.CDLL(path)
        except OSError as e:
            tried.append("%s: %s (%s)" % (where, path, e))
            continue
        lib.gr_version.restype = c_int
        major = lib.gr_version() // 10000
        if major != ABI_MAJOR:
            tried.append("%s: %s (version %d.x, this package needs %d.x)" % (where, path, major, ABI_MAJOR))
            continue
        return lib, path
    raise ImportError("gnnrec: cannot load libgnnrec; set GNNREC_LIBRARY to its path or make "
                      "'pkg-config gnnrec' find it. Tried: " + "; ".join(tried))


def _guarded(fn):
    """fn, with a closed handle among its arguments reported as ValueError
    (ctypes would report a generic ArgumentError)."""
    def call(*args):
        try:
            return fn(*args)
        except ctypes.ArgumentError:
            for a in args:
                if isinstance(a, Handle) and a.closed:
                    raise ValueError("%s is closed" % type(a).__name__) from None
            raise
    call.__name__ = fn.__name__
    return call


class _Library:
    """The declared functions of libgnnrec, as attributes."""

    def __init__(self, cdll):
        optional = {name: proto for name, proto in _OPTIONAL_PROTOTYPES.items() if hasattr(cdll, name)}
        for name, (restype, argtypes) in list(_PROTOTYPES.items()) + list(optional.items()):
            fn = getattr(cdll, name)
            fn.restype = restype
            fn.argtypes = argtypes
            setattr(self, name, _guarded(fn))
        self._cdll = cdll

    def has(self, name):
        """Whether the loaded library provides (and this package declares) `name`."""
        return name in self.__dict__


_cdll, path = _open()
lib = _Library(_cdll)
