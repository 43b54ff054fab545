"""The small synthetic dataset and briefly trained model the tests share:
the Python package's own test support, python/tests/support.py, so that one
module serves both test suites.

The installed package does not ship its tests, so the module is loaded from
this source tree by its path; it imports whichever gnnrec this interpreter
finds (the installed package when examples/check-installed.sh runs these
tests, else the source tree's, as tests/__init__.py arranges).
"""

import importlib.util
import os

_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, os.pardir, os.pardir, "python", "tests",
                     "support.py")
_spec = importlib.util.spec_from_file_location("gnnrec_tests_support", os.path.normpath(_PATH))
_shared = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_shared)

dataset = _shared.dataset
model = _shared.model
tmpdir = _shared.tmpdir
cleanup = _shared.cleanup


def names_model(file_name, item_name):
    """An MF model of a small CSV whose ids are names: 40 users "user-U",
    6 ratings each of items item_name % I for 50 ids I."""
    import gnnrec
    path = os.path.join(tmpdir(), file_name)
    with open(path, "w") as f:
        f.write("user,item,rating\n")
        for u in range(40):
            for j in range(6):
                f.write("user-%d,%s,%d\n" % (u, item_name % ((u * 3 + j) % 50), 1 + j % 5))
    with gnnrec.Graph.load(path) as g, gnnrec.Trainer("mf", dim=8, epochs=3, threads=1) as t:
        return t.fit(g)
