"""Snapshot tests of the main screen: wide and 80x24, CJK, a long title, an error, a rich post."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from feedtui.core.models import Subscription
from feedtui.core.paths import Paths
from feedtui.core.store import Store
from ui_support import ALPHA, NOW, POSTS, SUBSCRIPTIONS, entry, make_app

BROKEN = "https://broken.example/feed.xml"
LONG_TITLE = (
    "A very long title that goes on and on about terminal feed readers, CJK wrapping "
    "and alignment 以及中文标题在窄终端中的换行与对齐问题 until it must be cut"
)
RICH_BODY = """
<h2>What changed</h2>
<p>The release adds <a href="https://example.org/notes">release notes</a> and a table:</p>
<table><tr><th>Reader</th><th>Start-up</th></tr><tr><td>feedtui</td><td>fast</td></tr></table>
<pre><code class="language-python">def hello() -&gt; str:
    return "你好"</code></pre>
<ul><li>one</li><li>two</li></ul>
<blockquote>Quoted 中文 text.</blockquote>
"""


def snapshot_store(tmp_path: Path) -> Store:
    store = Store(Paths.default(tmp_path / "data"))
    store.add_subscriptions([*SUBSCRIPTIONS, Subscription(BROKEN, "Broken Feed", ("News",))])
    for url, items in POSTS.items():
        fetched = [(entry(url, i, t, h), f"<p>Body of {t}</p>") for i, t, h in items]
        if url == ALPHA:
            fetched.insert(
                0, (entry(url, "a0", "Release notes with code and a table", 0.5), RICH_BODY)
            )
            fetched.append((entry(url, "a9", LONG_TITLE, 200), "<p>long</p>"))
        store.merge_entries(url, fetched, now=NOW)
    store.record_status(BROKEN, status="error", error="HTTP 404 Not Found", last_checked=NOW)
    store.flush()
    return store


@pytest.mark.parametrize("size", [(120, 40), (80, 24)], ids=["120x40", "80x24"])
def test_main_screen_with_a_post_open(
    snap_compare: Any, tmp_path: Path, size: tuple[int, int]
) -> None:
    app = make_app(snapshot_store(tmp_path))
    # Feeds pane: All unread, Starred, Tech, Alpha Blog -> open it, then its newest post.
    assert snap_compare(
        app, press=["j", "j", "j", "j", "enter", "_", "enter", "_", "_"], terminal_size=size
    )


def test_error_feed_shows_its_error(snap_compare: Any, tmp_path: Path) -> None:
    app = make_app(snapshot_store(tmp_path))

    async def select_broken(pilot: Any) -> None:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        screen = pilot.app.screen
        screen.action_go_to_feed(BROKEN)
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    assert snap_compare(app, run_before=select_broken, terminal_size=(120, 40))


def test_help_screen(snap_compare: Any, tmp_path: Path) -> None:
    app = make_app(snapshot_store(tmp_path))
    assert snap_compare(app, press=["question_mark"], terminal_size=(120, 40))
