"""Attacker-chosen ids, titles and links never become paths; every write stays atomic."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from feedtui.core.models import Entry, Subscription
from feedtui.core.paths import Paths
from feedtui.core.store import Store

HOSTILE_IDS = ["../../../../tmp/pwned", "/etc/passwd", "C:\\evil", "con", "a\x00b", "x" * 5000]


def test_hostile_ids_and_urls_never_become_file_names(paths: Paths) -> None:
    url = "http://127.0.0.1:1/../../evil?x=/etc/passwd"
    store = Store(paths)
    store.add_subscriptions([Subscription(url, "../evil")])
    fetched = [
        (Entry(id=i, feed_url=url, title=i, published=datetime(2026, 1, 1, tzinfo=UTC)), "<p>x</p>")
        for i in HOSTILE_IDS
    ]
    store.merge_entries(url, fetched)
    store.set_read(url, HOSTILE_IDS[:2])
    store.set_starred(url, HOSTILE_IDS[2:4])
    store.flush()
    names = {path.name for path in paths.data.rglob("*") if path.is_file()}
    allowed = re.compile(r"^([0-9a-f]{24}|subscriptions|index)\.json$|^\.lock$")
    assert all(allowed.match(name) for name in names), names
    assert {e.id for e in Store(paths).entries(url)} == set(HOSTILE_IDS)
    assert Store(paths).marks(url).read == set(HOSTILE_IDS[:2])
