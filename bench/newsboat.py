"""newsboat beside feedtui: reloads with 1 or 16 threads, cold and warm, and its cache load.

newsboat 2.21 drops ETag/Last-Modified on its first fetch of a feed, so its second reload downloads
everything again; only the third is all-304. So: reload #1 is "cold", #2 is reported as what it is
(a second full download), and #3 is "warm". Its cache load is `-x print-unread`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from measure import Measurement, run


def version() -> str | None:
    """newsboat's version line, or None when it is not installed."""
    path = shutil.which("newsboat")
    if path is None:
        return None
    try:
        done = subprocess.run([path, "--version"], capture_output=True, timeout=10, text=True)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.splitlines()[0] if done.stdout else "newsboat (unknown version)"


class Newsboat:
    """One newsboat cache directory with its urls and config files."""

    def __init__(self, directory: Path, threads: int) -> None:
        self.directory = directory
        self.threads = threads
        self.env = dict(os.environ)
        # Keep newsboat's own files (history, lock) in the scratch directory, not in $HOME.
        self.env.update(
            HOME=str(directory),
            XDG_CONFIG_HOME=str(directory / "xdg-config"),
            XDG_DATA_HOME=str(directory / "xdg-data"),
        )

    @classmethod
    def create(cls, directory: Path, urls: list[str], threads: int) -> Newsboat:
        """A new, empty cache directory (any old one is removed)."""
        if directory.exists():
            shutil.rmtree(directory)
        directory.mkdir(parents=True)
        (directory / "urls").write_text("\n".join(urls) + "\n")
        (directory / "config").write_text(f"reload-threads {threads}\n")
        return cls(directory, threads)

    def _command(self, action: str) -> list[str]:
        return ["newsboat", "-u", "urls", "-c", "cache.db", "-C", "config", "-x", action]

    def reload(self, timeout: float) -> Measurement:
        return run(self._command("reload"), env=self.env, cwd=self.directory, timeout=timeout)

    def print_unread(self, timeout: float) -> Measurement:
        return run(self._command("print-unread"), env=self.env, cwd=self.directory, timeout=timeout)
