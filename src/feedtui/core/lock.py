"""One writer at a time on a data directory, across processes."""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

LOCK_WAIT_SECONDS = 30.0


class DataDirBusyError(Exception):
    """Another feedtui process held the data directory for too long."""


class DataDirLock:
    """A re-entrant inter-process lock on a file, held only around one read-modify-write.

    Writers hold it for milliseconds, so a second process (the app while `feedtui refresh`
    runs) simply waits its turn; it gives up with a clear error only after a long wait.
    """

    def __init__(self, path: Path, wait: float = LOCK_WAIT_SECONDS) -> None:
        self._path = path
        self._wait = wait
        self._thread_lock = threading.RLock()
        self._depth = 0
        self._fd: int | None = None

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        """Hold the lock for the duration of the block."""
        with self._thread_lock:
            if self._depth == 0:
                self._acquire()
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
                if self._depth == 0:
                    self._release()

    def _acquire(self) -> None:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
        if fcntl is None:
            self._fd = fd
            return
        deadline = time.monotonic() + self._wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    os.close(fd)
                    raise DataDirBusyError(
                        f"another feedtui process is writing to {self._path.parent}; try again"
                    ) from None
                time.sleep(0.01)
        self._fd = fd

    def _release(self) -> None:
        if self._fd is None:
            return
        if fcntl is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)
        self._fd = None
