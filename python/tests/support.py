"""Shared fixtures: a small synthetic dataset and models trained on it.

The tests import gnnrec from wherever Python finds it: the installed
package when run from another directory (as CI runs them), the source tree
when run from python/.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import unittest

import gnnrec
from gnnrec import _buffers

_state = {}

# A few epochs of each kind: enough for ranked lists that differ by user.
QUICK = {"dim": 8, "epochs": 3, "threads": 1}


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


def estimator(kind):
    """An estimator of `kind` fitted briefly on the training part (shared)."""
    key = "est-" + kind
    if key not in _state:
        _, _, train, valid, _ = dataset()
        _state[key] = gnnrec.recommender(kind, **QUICK).fit(train, valid=valid, show_progress=False)
    return _state[key]


def tmpdir():
    return dataset()[0]


def needs_numpy(test):
    """Skip (visibly) where numpy is not installed."""
    return unittest.skipUnless(_buffers.have_numpy(), "numpy is not installed for %s" % sys.executable)(test)


def run_python(code, env):
    """Run `code` in a new interpreter that imports the same gnnrec as this one."""
    package_parent = os.path.dirname(os.path.dirname(os.path.abspath(gnnrec.__file__)))
    env = dict(env, PYTHONPATH=os.pathsep.join([package_parent] + [p for p in [env.get("PYTHONPATH")] if p]))
    return subprocess.run([sys.executable, "-c", code], cwd=tmpdir(), env=env, capture_output=True, text=True,
                          timeout=120)


def cleanup():
    for key in [k for k in _state if k.startswith("est-")]:
        _state.pop(key).close()
    if "model" in _state:
        _state.pop("model").close()
    if "data" in _state:
        tmp, *graphs = _state.pop("data")
        for g in graphs:
            if g is not None:
                g.close()
        shutil.rmtree(tmp, ignore_errors=True)
