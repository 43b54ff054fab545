"""A small synthetic dataset and a briefly trained model shared by the tests."""

import os
import shutil
import tempfile

import gnnrec

_state = {}


def dataset():
    """(directory, all, train, valid, test), made once per test run."""
    if "data" not in _state:
        tmp = tempfile.mkdtemp(prefix="gnnrec-py-")
        gnnrec.synth_write(os.path.join(tmp, "data"), users=120, items=150, ratings_per_user=20, seed=7)
        full = gnnrec.Graph.load(os.path.join(tmp, "data"))
        train, valid, test = full.split(valid_ratio=0.1, test_ratio=0.2, seed=3)
        _state["data"] = (tmp, full, train, valid, test)
    return _state["data"]


def model():
    """A LightGCN model trained for a few epochs (shared; do not close)."""
    if "model" not in _state:
        _, _, train, valid, _ = dataset()
        with gnnrec.Trainer("lightgcn", dim=16, epochs=8, lr=0.01, threads=1) as t:
            _state["model"] = t.fit(train, valid=valid)
    return _state["model"]


def tmpdir():
    return dataset()[0]


def cleanup():
    if "model" in _state:
        _state.pop("model").close()
    if "data" in _state:
        tmp, *graphs = _state.pop("data")
        for g in graphs:
            if g is not None:
                g.close()
        shutil.rmtree(tmp, ignore_errors=True)
