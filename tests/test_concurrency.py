"""`feedtui refresh` running while the app marks posts read: nothing either writes is lost."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

from feedtui.cli import main
from feedtui.core.paths import Paths
from feedtui.core.store import Store
from support.feeds import opml, rss
from support.server import FeedServer
from ui_support import make_app, settle

FEEDS = 60


async def test_cli_refresh_while_the_app_marks_read(
    feed_server: FeedServer, tmp_path: Path
) -> None:
    for number in range(FEEDS):
        feed_server.feed(f"/f{number}.xml", rss(f"Feed {number}", 3))
    source = tmp_path / "feeds.opml"
    source.write_bytes(opml([(f"Feed {n}", feed_server.url(f"/f{n}.xml")) for n in range(FEEDS)]))
    assert main(["import", str(source)]) == 0
    assert await asyncio.to_thread(main, ["refresh"]) == 0
    paths = Paths.default()
    for number in range(FEEDS):  # every feed gets two new posts for the concurrent refresh
        feed_server.feed(f"/f{number}.xml", rss(f"Feed {number}", 5))

    app = make_app(Store(paths))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("enter")  # "All unread"
        await settle(pilot)
        refresh = subprocess.Popen(
            [sys.executable, "-m", "feedtui", "refresh"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        presses = 0
        while refresh.poll() is None or presses < 40:
            await pilot.press("m", "j")
            presses += 1
            if presses > 400:
                break
        assert refresh.wait(timeout=120) == 0
        await settle(pilot)

    store = Store(paths)
    marked = sum(len(store.marks(s.url).read) for s in store.subscriptions())
    assert marked == presses  # every "m" landed on a different unread post and was kept
    totals = [len(store.entries(s.url)) for s in store.subscriptions()]
    assert totals == [5] * FEEDS  # and every post the refresh brought is there
