"""Passing arrays to and from the library, with numpy when it is installed.

Inputs are accepted as any sequence of numbers; numpy arrays of the right
type and layout are passed without copying.  Embedding matrices are
allocated once on the Python side and the library writes straight into
them: a numpy.ndarray when numpy can be imported, otherwise a 2-D
memoryview over an array.array('f').
"""

import array
import ctypes

try:
    import numpy
except ImportError:  # the binding needs only the standard library
    numpy = None

_CTYPE = {"q": ctypes.c_int64, "f": ctypes.c_float, "i": ctypes.c_int}
_NUMPY = {"q": "int64", "f": "float32", "i": "intc"}


def have_numpy():
    return numpy is not None


def as_c_array(values, code):
    """(pointer, length, keepalive) for a sequence of int64 ('q'), float32
    ('f') or C int ('i') values; keep `keepalive` referenced while the
    pointer is in use."""
    ctype = _CTYPE[code]
    if numpy is not None and isinstance(values, numpy.ndarray):
        a = numpy.ascontiguousarray(values, dtype=_NUMPY[code])
        if a.ndim != 1:
            raise ValueError("expected a one-dimensional array, got shape %s" % (a.shape,))
        return a.ctypes.data_as(ctypes.POINTER(ctype)), a.shape[0], a
    values = list(values)
    buf = (ctype * max(len(values), 1))(*values)
    return ctypes.cast(buf, ctypes.POINTER(ctype)), len(values), buf


def float_matrix(rows, cols, out=None):
    """A writable rows x cols float32 matrix and the address of its data.

    `out` may be a caller's buffer to fill in place: a C-contiguous float32
    numpy array or any writable buffer of rows*cols floats."""
    if out is None:
        if numpy is not None:
            out = numpy.empty((rows, cols), dtype=numpy.float32)
        else:
            flat = array.array("f", bytes(4 * rows * cols))
            out = memoryview(flat).cast("B").cast("f", (rows, cols)) if rows and cols else memoryview(flat)
    return out, buffer_address(out, rows * cols, "f")


def float_vector(n, out=None):
    if out is None:
        out = numpy.empty(n, dtype=numpy.float32) if numpy is not None else array.array("f", bytes(4 * n))
    return out, buffer_address(out, n, "f")


def buffer_address(buf, count, fmt):
    """The address of a writable buffer holding `count` items of format `fmt`."""
    if numpy is not None and isinstance(buf, numpy.ndarray):
        if buf.dtype != numpy.dtype(_NUMPY[fmt]) or not buf.flags["C_CONTIGUOUS"] or not buf.flags["WRITEABLE"]:
            raise ValueError("out must be a writable C-contiguous %s array" % _NUMPY[fmt])
        if buf.size != count:
            raise ValueError("out holds %d values, %d are needed" % (buf.size, count))
        return buf.ctypes.data
    view = memoryview(buf)
    if view.readonly or not view.c_contiguous:
        raise ValueError("out must be a writable contiguous buffer")
    if view.nbytes != 4 * count:
        raise ValueError("out holds %d bytes, %d are needed" % (view.nbytes, 4 * count))
    if count == 0:
        return None
    return ctypes.addressof(ctypes.c_char.from_buffer(view.cast("B")))


def int64_list(buf, n):
    return [int(buf[i]) for i in range(n)]

