"""Result arrays of the top-k calls and the ids they take.

Every array of the C API is the caller's, so results are allocated here
once and the library writes straight into them: numpy arrays when numpy is
installed (returned as they are, without a copy), otherwise ctypes arrays
handed back as lists.
"""

import ctypes

from . import _buffers
from .graph import name_id

_CTYPE = {"q": ctypes.c_int64, "f": ctypes.c_float, "n": ctypes.c_size_t}
_NUMPY = {"q": "int64", "f": "float32", "n": "uintp"}


class Out:
    """A flat C array of n values of `code` for the library to fill: a
    numpy array when numpy is installed (the result, without a copy),
    else a ctypes array.  `fill` presets every value (padding)."""

    def __init__(self, n, code, fill=None):
        ctype = _CTYPE[code]
        self.n = n
        self._ptr_type = ctypes.POINTER(ctype)
        self._size = ctypes.sizeof(ctype)
        numpy = _buffers.numpy  # looked up now: tests turn it off
        self.numpy = numpy is not None
        if numpy is not None:
            dtype = numpy.dtype(_NUMPY[code])
            self.data = numpy.empty(n, dtype) if fill is None else numpy.full(n, fill, dtype)
            self._base = self.data.ctypes.data
        else:
            self.data = (ctype * max(n, 1))()
            if fill is not None and fill != 0:
                self.data[:n] = [fill] * n
            self._base = ctypes.addressof(self.data)

    def at(self, offset=0):
        """A pointer to value `offset`."""
        return ctypes.cast(self._base + offset * self._size, self._ptr_type)

    def rows(self, n_rows, width):
        """The values as n_rows x width: a numpy array or a list of lists."""
        if self.numpy:
            return self.data[: n_rows * width].reshape(n_rows, width)
        return [self.data[r * width:(r + 1) * width] for r in range(n_rows)]

    def values(self, count=None):
        """The first `count` values (all by default): numpy array or list."""
        return self.data[: self.n if count is None else count]


def id_array(values, name="ids"):
    """(values as a flat int64 sequence, whether a single id was given).
    Accepts an int, a sequence or a numpy array of at most one dimension.
    A name (a str) stands for its id, name_id(name): the ids of a model
    whose ids are names."""
    numpy = _buffers.numpy
    if numpy is not None and isinstance(values, numpy.ndarray):
        if values.ndim > 1:
            raise ValueError("%s must be one id or a one-dimensional array, got shape %s" % (name, values.shape))
        if values.ndim == 0:
            return id_array(values.item(), name)
        if values.dtype.kind in "UO":
            return id_array(values.tolist(), name)
        if values.dtype.kind not in "iu":
            raise TypeError("%s must be integers or names, got dtype %s" % (name, values.dtype))
        return numpy.ascontiguousarray(values, dtype=numpy.int64), False
    if isinstance(values, str):
        return [name_id(values)], True
    if isinstance(values, (int,)) or hasattr(values, "__index__"):
        if isinstance(values, bool):
            raise TypeError("%s must be integers or names, got %r" % (name, values))
        return [values.__index__()], True
    out = []
    for v in values:
        if isinstance(v, str):
            out.append(name_id(v))
            continue
        if isinstance(v, bool) or not hasattr(v, "__index__"):
            raise TypeError("%s must be integers or names, got %r" % (name, v))
        out.append(v.__index__())
    return out, False

