"""setuptools' build backend, for offline installs where `wheel` is missing.

setuptools before 70 builds wheels with the separate `wheel` package,
which some interpreters lack (pyenv's, for one) and which cannot be fetched
offline.  Debian's python3-wheel-whl ships it as a wheel file that Python
can import from directly, so when `wheel` is not importable that file is
put on the path; without either, building stops with a message that says
what to install instead of setuptools' "invalid command 'bdist_wheel'".
Everything else is setuptools.build_meta unchanged.
"""

import glob
import sys

from setuptools import build_meta as _setuptools
from setuptools.build_meta import *  # noqa: F401,F403 (the whole backend interface)

DEBIAN_WHEELS = "/usr/share/python-wheels/wheel-*.whl"


def _have_wheel():
    try:
        import wheel  # noqa: F401
    except ImportError:
        found = sorted(glob.glob(DEBIAN_WHEELS))
        if not found:
            return False
        sys.path.append(found[-1])
    return True


def _needs_wheel(name):
    def call(*args, **kwargs):
        if not _have_wheel():
            raise RuntimeError("building the gnnrec wheel needs the 'wheel' package, which this Python lacks: "
                               "install it (pip install wheel; Debian: python3-wheel, or python3-wheel-whl, "
                               "which provides %s)" % DEBIAN_WHEELS)
        return getattr(_setuptools, name)(*args, **kwargs)
    call.__name__ = name
    return call


build_wheel = _needs_wheel("build_wheel")
prepare_metadata_for_build_wheel = _needs_wheel("prepare_metadata_for_build_wheel")
