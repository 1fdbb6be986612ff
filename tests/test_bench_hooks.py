"""The hooks bench/run.py relies on: a real `python -m feedtui` on a pty reports, then exits."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import struct
import subprocess
import sys
import termios
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from textual.message import Message
from textual.worker import Worker

from feedtui.core.models import Entry, Subscription
from feedtui.core.paths import Paths
from feedtui.core.store import Store
from feedtui.ui.app import FeedtuiApp
from feedtui.ui.messages import EntriesLoaded
from support.server import FeedServer

TIMEOUT = 60
"""Seconds the app gets to paint, report and exit (generous: CI machines are slow)."""

UNREAD_POSTS = 3
"""Posts cached per feed, none of them read."""


def _cached_data(data_dir: Path, server: FeedServer) -> None:
    """Two feeds with a few cached posts; their URLs point at `server` to catch any refresh."""
    store = Store(Paths.default(data_dir))
    urls = [server.url("/one.xml"), server.url("/two.xml")]
    store.add_subscriptions(Subscription(url, f"Feed {n}") for n, url in enumerate(urls))
    published = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    for url in urls:
        posts = [
            (Entry(f"p{n}", url, f"Post {n}", published=published - timedelta(hours=n)), "")
            for n in range(UNREAD_POSTS)
        ]
        store.merge_entries(url, posts)
    store.flush()


def _run_on_pty(data_dir: Path, env_var: str, value: str) -> tuple[int, str]:
    """Run the app headful on a 120x40 pty; its exit status and stderr."""
    controller, terminal = pty.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    env = {key: text for key, text in os.environ.items() if not key.startswith("FEEDTUI_BENCH")}
    env.update({"TERM": "xterm-256color", env_var: value})
    process = subprocess.Popen(
        [sys.executable, "-m", "feedtui", "--data-dir", str(data_dir)],
        stdin=terminal,
        stdout=terminal,
        stderr=subprocess.PIPE,
        env=env,
    )
    os.close(terminal)
    # Drain the screen output so the app never blocks on a full pty.
    drain = threading.Thread(target=_drain, args=(controller,), daemon=True)
    drain.start()
    try:
        _, stderr = process.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        _, stderr = process.communicate()
        pytest.fail(f"feedtui did not exit within {TIMEOUT}s; stderr: {stderr.decode()!r}")
    finally:
        drain.join(timeout=5)
        os.close(controller)
    return process.returncode, stderr.decode()


def _drain(fd: int) -> None:
    while True:
        try:
            if not os.read(fd, 65536):
                return
        except OSError:  # EIO once the app has exited and closed the terminal
            return


def _lines(stderr: str, name: str) -> list[str]:
    """The values reported as `name <value>`; the screen itself goes to stderr as well."""
    return re.findall(rf"^{re.escape(name)} (\S+)$", stderr, re.MULTILINE)


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pty")
def test_first_paint_is_reported_and_the_app_exits(tmp_path: Path, feed_server: FeedServer) -> None:
    data_dir = tmp_path / "bench-data"
    _cached_data(data_dir, feed_server)

    status, stderr = _run_on_pty(data_dir, "FEEDTUI_BENCH_EXIT_AFTER_PAINT", "1")

    assert status == 0, stderr
    [seconds] = _lines(stderr, "feedtui-first-paint")
    assert float(seconds) > 0
    assert not _lines(stderr, "feedtui-view-open")
    assert feed_server.requests == []  # a benchmark never refreshes


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pty")
def test_opening_all_unread_is_reported_with_its_rows(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    data_dir = tmp_path / "bench-data"
    _cached_data(data_dir, feed_server)

    status, stderr = _run_on_pty(data_dir, "FEEDTUI_BENCH_OPEN_VIEW", "all-unread")

    assert status == 0, stderr
    assert len(_lines(stderr, "feedtui-first-paint")) == 1
    [seconds] = _lines(stderr, "feedtui-view-open")
    assert float(seconds) > 0
    assert _lines(stderr, "feedtui-view-rows") == [str(2 * UNREAD_POSTS)]
    assert feed_server.requests == []


async def test_bench_hooks_never_refresh(
    tmp_path: Path, feed_server: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FEEDTUI_BENCH_OPEN_VIEW", "all-unread")
    data_dir = tmp_path / "bench-data"
    _cached_data(data_dir, feed_server)
    app = FeedtuiApp(Store(Paths.default(data_dir)), refresh_on_start=True)
    messages: list[Message] = []

    async with app.run_test(size=(120, 40), message_hook=messages.append) as pilot:
        for _ in range(200):  # the hook exits the app once the view is painted
            if app.return_code is not None:
                break
            await pilot.pause()

    assert app.return_code == 0
    assert any(isinstance(m, EntriesLoaded) for m in messages)
    refreshes = [
        m for m in messages if isinstance(m, Worker.StateChanged) and m.worker.group == "refresh"
    ]
    assert refreshes == []
    assert feed_server.requests == []
