"""Run one benchmarked child process: wall time, peak RSS from the OS, optional pty, a time bound.

Wall time is taken here around the child (`time.perf_counter`). Peak RSS comes from the kernel:
`/usr/bin/time -v` when it is installed, else `getrusage(RUSAGE_CHILDREN)` (the largest child so
far, so only a growing figure is meaningful). Either way it is the largest single process of a
tree, so a sampler also adds up the RSS of every process in the tree every 0.1 s
(`tree_peak_kb`): a lower bound of the whole tree's peak.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pty
import resource
import shutil
import signal
import struct
import subprocess
import tempfile
import termios
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

GNU_TIME = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None
PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024
SAMPLE_SECONDS = 0.1


@dataclass(slots=True)
class Measurement:
    """One child process run."""

    wall: float
    """Seconds from spawn to exit, measured by this process."""
    max_rss_kb: int | None
    """Peak RSS of the largest process in the tree, from the kernel."""
    tree_peak_kb: int | None
    """Peak of the summed RSS of the process tree, sampled."""
    returncode: int
    stdout: str = ""
    stderr: str = ""
    timed_out: bool = False
    rss_source: str = ""
    marks: dict[str, str] = field(default_factory=dict)
    """`feedtui-*` lines from stderr: name -> value."""


def run(
    command: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float = 600,
    on_pty: bool = False,
    sample_tree: bool = True,
) -> Measurement:
    """Run `command` to completion (killing its process group after `timeout` seconds)."""
    with tempfile.TemporaryDirectory(prefix="bench-time-") as scratch:
        report = Path(scratch) / "time.txt"
        argv = list(command)
        if GNU_TIME:
            argv = [GNU_TIME, "-v", "-o", str(report), *argv]
        terminal = controller = None
        if on_pty:
            controller, terminal = pty.openpty()
            fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
        started = time.perf_counter()
        process = subprocess.Popen(
            argv,
            stdin=terminal if on_pty else subprocess.DEVNULL,
            stdout=terminal if on_pty else subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=dict(env) if env is not None else None,
            cwd=cwd,
            start_new_session=True,  # one process group to kill on timeout, pool workers included
        )
        drain: threading.Thread | None = None
        if on_pty:
            assert terminal is not None and controller is not None
            os.close(terminal)
            drain = threading.Thread(target=_drain, args=(controller,), daemon=True)
            drain.start()
        sampler = _TreeSampler(process.pid, skip_root=bool(GNU_TIME)) if sample_tree else None
        timed_out = False
        try:
            stdout, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            _kill_group(process.pid)
            stdout, stderr = process.communicate()
        wall = time.perf_counter() - started
        if sampler is not None:
            sampler.stop()
        if drain is not None and controller is not None:
            drain.join(timeout=5)
            os.close(controller)
        if GNU_TIME:
            max_rss = _parse_time_report(report)
        else:
            max_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        text_err = (stderr or b"").decode("utf-8", "replace")
        tree_peak = sampler.peak_kb if sampler else None
        if tree_peak is not None and max_rss:
            # The tree's peak is at least its largest process's (a short child may go unsampled).
            tree_peak = max(tree_peak, max_rss)
        return Measurement(
            wall=wall,
            max_rss_kb=max_rss,
            tree_peak_kb=tree_peak,
            returncode=process.returncode,
            stdout=(stdout or b"").decode("utf-8", "replace"),
            stderr=text_err,
            timed_out=timed_out,
            rss_source="/usr/bin/time -v" if GNU_TIME else "getrusage(RUSAGE_CHILDREN)",
            marks=_marks(text_err),
        )


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)


def _drain(fd: int) -> None:
    """Read the screen output so the app never blocks on a full pty."""
    while True:
        try:
            if not os.read(fd, 65536):
                return
        except OSError:  # EIO once the child has closed the terminal
            return


def _parse_time_report(report: Path) -> int | None:
    try:
        text = report.read_text()
    except OSError:
        return None
    for line in text.splitlines():
        if "Maximum resident set size" in line:
            return int(line.rsplit(":", 1)[1])
    return None


def _marks(stderr: str) -> dict[str, str]:
    marks = {}
    for line in stderr.splitlines():
        if line.startswith("feedtui-") and " " in line:
            name, value = line.split(None, 1)
            marks[name] = value.strip()
    return marks


class _TreeSampler:
    """Samples the summed RSS of a process and its descendants until stopped."""

    def __init__(self, root: int, skip_root: bool) -> None:
        self.root = root
        self.skip_root = skip_root
        self.peak_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.wait(SAMPLE_SECONDS):
            self.peak_kb = max(self.peak_kb, self._sample())

    def _sample(self) -> int:
        total = 0
        pending, seen = [self.root], set()
        while pending:
            pid = pending.pop()
            if pid in seen:
                continue
            seen.add(pid)
            if pid != self.root or not self.skip_root:
                total += _rss_kb(pid)
            pending += _children(pid)
        return total

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as handle:
                found += [int(child) for child in handle.read().split()]
    except OSError:
        pass
    return found


def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm") as handle:
            return int(handle.read().split()[1]) * PAGE_KB
    except (OSError, IndexError, ValueError):
        return 0


def newsboat_path() -> str | None:
    return shutil.which("newsboat")
