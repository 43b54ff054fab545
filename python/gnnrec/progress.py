"""Training progress: the caller's callback and, when tqdm is importable, a bar.

    with Progress(callback, show_progress, total_epochs, "lightgcn") as p:
        trainer.fit(train, progress=p.on_epoch if p.active else None)

The callback is called as callback(epoch, loss, seconds, valid_metric)
after every epoch (valid_metric None when not evaluated that epoch);
returning True stops training.
"""


def _tqdm():
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None
    return tqdm


class Progress:
    """One fit's progress reporting; a context manager that closes the bar."""

    def __init__(self, callback=None, show_progress=True, total=None, desc=None):
        self.callback = callback
        self.bar = None
        if show_progress:
            tqdm = _tqdm()
            if tqdm is not None:
                self.bar = tqdm(total=total, desc=desc, unit="epoch")

    @property
    def active(self):
        return self.callback is not None or self.bar is not None

    def on_epoch(self, epoch, loss, seconds, valid):
        if self.bar is not None:
            self.bar.update(epoch - self.bar.n)
            shown = {"loss": "%.4f" % loss}
            if valid is not None:
                shown["valid"] = "%.4f" % valid
            self.bar.set_postfix(shown, refresh=False)
        return bool(self.callback(epoch, loss, seconds, valid)) if self.callback is not None else False

    def close(self):
        if self.bar is not None:
            self.bar.close()
            self.bar = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False
