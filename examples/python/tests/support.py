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
