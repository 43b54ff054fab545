"""The examples' tests; they use the installed gnnrec package, or the one in
this source tree (python/) when it is not installed."""

import os
import sys

try:
    import gnnrec  # noqa: F401
except ModuleNotFoundError:
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, os.pardir, os.pardir,
                                    "python"))
