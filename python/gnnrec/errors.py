"""Exceptions raised for the library's status codes.

Every exception carries the status code (``code``), its name (``status``)
and the library's message, which names what was wrong: the file, line and
field, the unknown id, the setting out of range.
"""

from . import _native


class GnnrecError(Exception):
    """A call into libgnnrec failed."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.status = _native.lib.gr_status_name(code).decode()
        self.message = message

    def __str__(self):
        return "%s (%s)" % (self.message, self.status)


class InvalidArgumentError(GnnrecError, ValueError):
    """GR_EINVAL: a bad argument or setting value."""


class OutOfMemoryError(GnnrecError, MemoryError):
    """GR_ENOMEM."""


class GnnrecIOError(GnnrecError, OSError):
    """GR_EIO: a file could not be opened, read or written."""


class FormatError(GnnrecError, ValueError):
    """GR_EFORMAT: malformed input; the message names file:line and field."""


class RangeError(GnnrecError, ValueError):
    """GR_ERANGE: an index, size or k out of range."""


class NotFoundError(GnnrecError, LookupError):
    """GR_ENOTFOUND: an unknown user, item or genre."""


class CorruptError(GnnrecError):
    """GR_ECORRUPT: a model file truncated or failing its checksum."""


class VersionError(GnnrecError):
    """GR_EVERSION: a file written by an incompatible version."""


class StateError(GnnrecError):
    """GR_ESTATE: the call is not valid now (an empty graph, missing data)."""


class UnsupportedError(GnnrecError, NotImplementedError):
    """GR_EUNSUPPORTED: the model kind or build does not support the call."""


class CancelledError(GnnrecError):
    """GR_ECANCELLED: a progress callback asked to stop."""


_BY_CODE = {
    -1: InvalidArgumentError, -2: OutOfMemoryError, -3: GnnrecIOError, -4: FormatError,
    -5: RangeError, -6: NotFoundError, -7: CorruptError, -8: VersionError, -9: StateError,
    -10: UnsupportedError, -11: CancelledError,
}


def check(status):
    """Raise the exception for a failed status; return it when it is GR_OK."""
    if status == 0:
        return status
    message = (_native.lib.gr_last_error() or b"").decode("utf-8", "replace")
    raise _BY_CODE.get(status, GnnrecError)(status, message)
