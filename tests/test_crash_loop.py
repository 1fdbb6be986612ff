"""Kill `feedtui refresh` at random moments, many times: every file loads, no mark is lost."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from feedtui.cli import main
from feedtui.core.jsonfile import read_json
from feedtui.core.paths import Paths
from feedtui.core.store import Store
from support.feeds import opml, rss
from support.server import FeedServer

FEEDS = 120
ROUNDS = 10


def test_refresh_killed_again_and_again_loses_nothing(
    feed_server: FeedServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    urls = []
    for number in range(FEEDS):
        feed_server.feed(f"/f{number}.xml", rss(f"Feed {number}", 4))
        urls.append(feed_server.url(f"/f{number}.xml"))
    source = tmp_path / "feeds.opml"
    source.write_bytes(opml([(f"Feed {n}", url) for n, url in enumerate(urls)]))
    assert main(["import", str(source)]) == 0
    assert main(["refresh"]) == 0
    capsys.readouterr()
    paths = Paths.default()
    expected_read: dict[str, set[str]] = {}
    rng = random.Random(20261123)
    for round_number in range(ROUNDS):
        store = Store(paths)
        url = urls[rng.randrange(FEEDS)]
        entry_id = rng.choice(store.entries(url)).id
        store.set_read(url, [entry_id])
        expected_read.setdefault(url, set()).add(entry_id)
        for number in range(FEEDS):  # new content everywhere, so the refresh writes a lot
            feed_server.feed(f"/f{number}.xml", rss(f"Feed {number}", 4 + round_number % 3 + 1))
        process = subprocess.Popen(
            [sys.executable, "-m", "feedtui", "refresh"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(rng.uniform(0.3, 2.5))
        process.send_signal(signal.SIGKILL)
        process.wait()
    for path in paths.data.rglob("*.json"):
        assert read_json(path) is not None, path
    reopened = Store(paths)
    assert not reopened.problems
    for url, ids in expected_read.items():
        assert ids <= reopened.marks(url).read
    assert not list(paths.data.rglob(".tmp-*"))  # the reopened store cleaned up
