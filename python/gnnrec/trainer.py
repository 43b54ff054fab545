"""Training: settings by name, validation, progress, fit."""

import array
import ctypes
import math
import os

from . import _buffers
from ._handle import Handle
from ._native import PROGRESS_FN, TRIAL_FN, lib
from .errors import check
from .features import node_code
from .kg import KnowledgeGraph
from .model import Model

# The settings every kind has, as numbered in gnnrec/trainer.h (gr_option).
OPTIONS = {"dim": 1, "layers": 2, "epochs": 3, "batch": 4, "lr": 5, "reg": 6, "seed": 7, "threads": 8,
           "eval_every": 9, "patience": 10, "eval_k": 11, "mode": 12, "negatives": 13, "init_std": 14,
           "objective": 15, "dropout": 16, "time_limit": 17, "sampling": 18, "valid_metric": 19,
           "budget": 20}
STATS = {"epochs": 1, "best_epoch": 2, "best_valid": 3, "seconds": 4, "loss": 5, "trials": 6}


def kind_code(kind):
    if isinstance(kind, int):
        return kind
    code = ctypes.c_int()
    check(lib.gr_model_kind_from_name(ctypes.byref(code), kind.encode()))
    return code.value


def _text(value):
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return repr(value)
    return str(value)


class Trainer(Handle):
    """The settings of one model kind; fit() makes a new Model.

        with Trainer("lightgcn", dim=64, epochs=100, lr=1e-3) as t:
            model = t.fit(train, valid=valid)

    Any setting the kind knows can be given by name, as keyword or with
    set(); an unknown name or a value out of range raises
    InvalidArgumentError naming it."""

    _free = staticmethod(lib.gr_trainer_free)

    def __init__(self, kind="lightgcn", **settings):
        out = ctypes.c_void_p()
        check(lib.gr_trainer_new(ctypes.byref(out), kind_code(kind)))
        super().__init__(out.value)
        self._valid = None
        for name, value in settings.items():
            self.set(name, value)

    def set(self, name, value):
        """Set a setting by name from a number or its text ("fast" for mode)."""
        check(lib.gr_trainer_set(self, name.encode(), _text(value).encode()))
        return self

    __setitem__ = set

    def get(self, name):
        """The value of one of the common settings (OPTIONS), as a number."""
        v = ctypes.c_double()
        check(lib.gr_trainer_get_double(ctypes.byref(v), self, OPTIONS[name]))
        return v.value

    __getitem__ = get

    def set_validation(self, graph):
        """Evaluate NDCG@eval_k on `graph` during training, keep the best
        parameters and stop early after `patience` evaluations without
        improvement.  None removes it."""
        check(lib.gr_trainer_set_validation(self, graph))
        self._valid = graph  # the library borrows it until fit() ends

    def set_features(self, node, rows, dim=None):
        """GraphSAGE: use the caller's feature matrix for "users" or "items"
        in the fits of this trainer instead of the built-in features.
        `rows` is rows x dim floats in the training graph's dense index
        order (graph.user_ids() / item_ids() name the rows): a 2-D numpy
        array or a sequence of rows; it is copied.  None returns to the
        built-in features.  Recommender.fit(user_features=...,
        item_features=...) lines rows up by id."""
        if rows is None:
            check(lib.gr_trainer_set_features(self, node_code(node), None, 0, 0))
            return self
        if _buffers.numpy is not None and isinstance(rows, _buffers.numpy.ndarray):
            a = _buffers.numpy.ascontiguousarray(rows, dtype=_buffers.numpy.float32)
            if a.ndim != 2:
                raise ValueError("features must be two-dimensional, got shape %s" % (a.shape,))
            check(lib.gr_trainer_set_features(self, node_code(node), a.ctypes.data, a.shape[0], a.shape[1]))
            return self
        rows = [list(r) for r in rows]
        width = len(rows[0]) if rows else 0
        if any(len(r) != width for r in rows):
            raise ValueError("features: rows of different lengths")
        flat = array.array("f", [float(v) for r in rows for v in r])
        check(lib.gr_trainer_set_features(self, node_code(node), _buffers.buffer_address(flat, len(flat), "f"),
                                          len(rows), width))
        return self

    def set_checkpoint(self, path, every_epochs=10):
        """LightGCN, MF, the KG kinds: write the training state to `path` every
        `every_epochs` epochs and when a fit ends or stops; a fit that finds
        the file resumes from it (the model of an uninterrupted fit).  None
        removes it.  See gr_trainer_set_checkpoint in docs/api.md."""
        check(lib.gr_trainer_set_checkpoint(self, None if path is None else os.fsencode(path), int(every_epochs)))

    def fit(self, train, valid=None, progress=None, trial=None):
        """Fit a new model to `train`.  `valid`, for this fit only, is a
        validation graph as set_validation() describes.  A KnowledgeGraph
        `train` (a trainer of a KG kind: "rotate", "transe", "distmult",
        "complex") fits the embedding to its triples (gr_kg_fit); `valid`
        is then a KnowledgeGraph loaded like it, whose filtered MRR chooses
        the epoch (without it, the trainer holds out a part of train).  `progress(epoch,
        loss, seconds, valid_metric)` is called after every epoch
        (valid_metric is None when not evaluated); returning True stops
        training, as a non-zero return of the C gr_progress_fn does (and as
        in the C++, Rust and Go bindings); None or False goes on.  An exception it raises stops training and is raised from
        fit().  With a `budget` set, `trial(number, settings, valid_metric,
        best_epoch, seconds)` is called after every trial of the settings
        search (settings: a dict of the searched settings' values), and
        so it is after every trial of a training-free kind's validation
        grid (setting `search`; best_epoch 0);
        returning True ends the search with the best settings so far, as
        gr_trial_fn does; an exception it raises does the same and is
        raised from fit()."""
        if isinstance(train, KnowledgeGraph):
            return self._fit(train, progress, trial, valid)
        kept = self._valid
        if valid is not None:
            self.set_validation(valid)
        try:
            return self._fit(train, progress, trial)
        finally:
            if valid is not None:
                self.set_validation(kept)

    def _fit(self, train, progress, trial, kg_valid=None):
        failure = []

        def on_trial(_, number, n, names, values, metric, best_epoch, seconds):
            try:
                settings = {names[k].decode(): values[k] for k in range(n)}
                return 1 if trial(number, settings, None if math.isnan(metric) else metric, best_epoch, seconds) else 0
            except BaseException as e:  # must not unwind through C frames
                failure.append(e)
                return 1

        def on_epoch(_, epoch, loss, seconds, metric):
            try:
                return 1 if progress(epoch, loss, seconds, None if math.isnan(metric) else metric) else 0
            except BaseException as e:  # must not unwind through C frames
                failure.append(e)
                return 1

        callback = PROGRESS_FN(on_epoch) if progress is not None else PROGRESS_FN()
        check(lib.gr_trainer_set_progress(self, callback, None))
        on_trial_c = TRIAL_FN(on_trial) if trial is not None else TRIAL_FN()
        check(lib.gr_trainer_set_trial_callback(self, on_trial_c, None))
        out = ctypes.c_void_p()
        try:
            if isinstance(train, KnowledgeGraph):
                status = lib.gr_kg_fit(ctypes.byref(out), self, train, kg_valid)
            else:
                status = lib.gr_trainer_fit(ctypes.byref(out), self, train)
        finally:
            lib.gr_trainer_set_progress(self, PROGRESS_FN(), None)
            lib.gr_trainer_set_trial_callback(self, TRIAL_FN(), None)
        model = Model(out.value) if out.value else None
        if failure:
            if model is not None:
                model.close()
            raise failure[0]
        check(status)
        return model

    def stat(self, name):
        """A statistic of the last fit: epochs, best_epoch, best_valid
        (None without validation), seconds, loss, trials (of a budget's
        settings search)."""
        v = ctypes.c_double()
        check(lib.gr_trainer_stat(ctypes.byref(v), self, STATS[name]))
        return None if math.isnan(v.value) else v.value

    @property
    def stats(self):
        return {name: self.stat(name) for name in STATS}
