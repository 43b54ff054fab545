"""The base of every class that owns (or borrows) a library handle."""


class Handle:
    """Owns one C handle: close() frees it, as do `with` and the garbage
    collector.  A handle borrowed from another object (a model's training
    graph) keeps that object alive and is never freed here."""

    _free = None  # the library's free function, set by subclasses
    _ptr = None  # so that close() works on an object whose constructor failed
    _owner = None

    def __init__(self, ptr, owner=None):
        self._ptr = ptr
        self._owner = owner  # set for borrowed handles

    @property
    def _as_parameter_(self):
        if not self._ptr:
            raise ValueError("%s is closed" % type(self).__name__)
        return self._ptr

    @property
    def closed(self):
        return not self._ptr

    def close(self):
        """Free the handle now; later calls on this object raise ValueError."""
        ptr, self._ptr = self._ptr, None
        if ptr and self._owner is None and self._free is not None:
            type(self)._free(ptr)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def __del__(self):
        try:
            self.close()
        except Exception:  # interpreter shutdown: the library may be gone
            pass
