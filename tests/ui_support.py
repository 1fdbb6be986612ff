"""Shared helpers for UI tests: a store under tmp_path with known feeds, and ways to wait."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from textual.app import App
from textual.pilot import Pilot
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets.tree import TreeNode

from feedtui.core.models import Entry, Subscription
from feedtui.core.parse_workers import ParseWorkers
from feedtui.core.paths import Paths
from feedtui.core.store import Store
from feedtui.ui.app import FeedtuiApp
from feedtui.ui.screens.main import MainScreen
from feedtui.ui.widgets.feed_list import FeedList, View

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
"""The frozen time of UI tests."""

HOSTILE_TITLE = "[bold]x[/] [@click=app.quit]y[/]"
"""A post title made of Textual markup, which must show literally and do nothing."""

ALPHA = "https://alpha.example/feed.xml"
BETA = "https://beta.example/feed.xml"
CHINESE = "https://zh.example/feed.xml"
HOSTILE = "https://hostile.example/feed.xml"

SUBSCRIPTIONS = (
    Subscription(ALPHA, "Alpha Blog", ("Tech",)),
    Subscription(BETA, "Beta News", ("Tech",)),
    Subscription(CHINESE, "中文博客", ("News",)),
    Subscription(HOSTILE, "Hostile"),
)
"""Tree order: Tech/Alpha, Tech/Beta, News/中文博客, Hostile."""

POSTS: dict[str, list[tuple[str, str, int]]] = {
    ALPHA: [("a1", "Alpha one", 1), ("a2", "Alpha two", 5), ("a3", "Alpha three", 30)],
    BETA: [("b1", "Beta one", 2), ("b2", "Beta two", 50)],
    CHINESE: [("c1", "关于终端阅读器的长篇文章标题", 3), ("c2", "第二篇中文文章", 70)],
    HOSTILE: [("h1", HOSTILE_TITLE, 4)],
}
"""Per feed: (id, title, hours before NOW), newest first."""


def entry(url: str, entry_id: str, title: str, hours_ago: float) -> Entry:
    """A post of `url` published `hours_ago` hours before NOW."""
    return Entry(
        id=entry_id,
        feed_url=url,
        title=title,
        link=f"{url.rsplit('/', 1)[0]}/{entry_id}",
        published=NOW - timedelta(hours=hours_ago),
    )


def make_store(
    tmp_path: Path,
    subscriptions: Sequence[Subscription] = SUBSCRIPTIONS,
    posts: dict[str, list[tuple[str, str, int]]] | None = None,
) -> Store:
    """A store in `tmp_path / "data"` holding the subscriptions and their posts, all unread."""
    store = Store(Paths.default(tmp_path / "data"))
    store.add_subscriptions(subscriptions)
    for url, items in (POSTS if posts is None else posts).items():
        fetched = [(entry(url, i, t, h), f"<p>Body of {t}</p>") for i, t, h in items]
        store.merge_entries(url, fetched, now=NOW)
    store.flush()
    return store


def reopen(tmp_path: Path) -> Store:
    """A fresh Store on the same data directory (as a restart would make)."""
    return Store(Paths.default(tmp_path / "data"))


PARSERS = ParseWorkers(1)
"""One parser process for every app of the session: starting one per test would cost seconds."""


def make_app(store: Store, **options: object) -> FeedtuiApp:
    """The app with a frozen clock and no refresh on start unless asked."""
    options.setdefault("refresh_on_start", False)
    options.setdefault("parsers", PARSERS)
    return FeedtuiApp(store, clock=lambda: NOW, **options)  # type: ignore[arg-type]


async def settle(pilot: Pilot[Any], rounds: int = 4) -> None:
    """Let workers finish and the messages they posted be handled."""
    for _ in range(rounds):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


def widget_lines(widget: Widget) -> list[str]:
    """The text of every line a Line API widget draws now."""
    height = widget.scrollable_content_region.height
    render_line = widget.render_line
    strips: list[Strip] = [render_line(y) for y in range(height)]
    return [strip.text for strip in strips]


def main_screen(app: App[Any]) -> MainScreen:
    """The app's main screen (the one showing unless a dialog is open)."""
    screen = app.screen
    assert isinstance(screen, MainScreen)
    return screen


def feed_labels(app: App[Any]) -> list[str]:
    """The text of every label in the feeds pane, top to bottom."""
    labels: list[str] = []

    def walk(node: TreeNode[View]) -> None:
        for child in node.children:
            labels.append(str(child.label))
            walk(child)

    walk(main_screen(app).query_one(FeedList).root)
    return labels
