"""Atomic, versioned JSON files that are set aside, never dropped, when corrupt."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

FORMAT_VERSION = 1
TEMP_PREFIX = ".tmp-"

CorruptionReporter = Callable[[Path, Path, str], None]
"""Called with (original path, where it was moved, why) when a file is set aside."""


class CorruptFileError(Exception):
    """A data file could not be read; it has been moved aside."""

    def __init__(self, path: Path, moved_to: Path, reason: str) -> None:
        # With its directory: a feed's entries, bodies, marks and rows files share one name.
        where = f"{path.parent.name}/{path.name}"
        super().__init__(
            f"{where} was unreadable ({reason}); kept as {path.parent.name}/{moved_to.name}"
        )
        self.path = path
        self.moved_to = moved_to
        self.reason = reason


def write_json(path: Path, payload: dict[str, Any], *, sync_directory: bool = True) -> None:
    """Write `payload` (with its format version) so a crash leaves the old or the new file."""
    data = {"version": FORMAT_VERSION, **payload}
    # orjson: a refresh writes hundreds of MB of bodies; the standard library took 2 ms per feed.
    write_bytes_atomic(path, orjson.dumps(data), sync_directory=sync_directory)


def write_bytes_atomic(path: Path, content: bytes, *, sync_directory: bool = True) -> None:
    """Temporary file in the same directory, flush, fsync, `os.replace`, fsync the directory.

    With `sync_directory=False` the caller fsyncs the directory later (`fsync_directory`), once
    for many files: the rename is atomic either way, so a crash before that leaves the old file
    or the new one, complete; only the new one's durability waits.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp_name = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp_name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp_name)
        raise
    if sync_directory:
        fsync_directory(path.parent)


def fsync_directory(directory: Path) -> None:
    """Make the renames done in `directory` durable."""
    # Not every platform can open a directory.
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def read_json(path: Path) -> dict[str, Any] | None:
    """The file's content, None when it does not exist.

    Raises:
        CorruptFileError: the file was unreadable and has been renamed `*.corrupt-<stamp>`.
    """
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as error:
        raise set_aside(path, f"cannot read: {error.strerror or error}") from error
    try:
        data = orjson.loads(raw)
    except ValueError as error:  # orjson.JSONDecodeError, invalid UTF-8 included
        raise set_aside(path, f"not valid JSON: {error}") from error
    if not isinstance(data, dict):
        raise set_aside(path, "not a JSON object")
    version = data.get("version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise set_aside(path, f"unknown format version {version!r}")
    return data


def set_aside(path: Path, reason: str) -> CorruptFileError:
    """Rename a bad file out of the way, keeping it for the user to inspect."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    moved_to = path.with_name(f"{path.name}.corrupt-{stamp}")
    with contextlib.suppress(OSError):
        os.replace(path, moved_to)
    return CorruptFileError(path, moved_to, reason)


def remove_stale_temp_files(directory: Path) -> int:
    """Delete temporary files a killed writer left behind; returns how many."""
    removed = 0
    if not directory.is_dir():
        return 0
    for candidate in directory.glob(f"{TEMP_PREFIX}*"):
        with contextlib.suppress(OSError):
            candidate.unlink()
            removed += 1
    return removed
