"""The three-pane reader, driven with the keyboard and mouse as a user would."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest
from rich.cells import cell_len
from textual.app import App
from textual.widgets import Input, Label

from feedtui.core.models import Subscription
from feedtui.core.refresh import FeedOutcome
from feedtui.ui.messages import FeedRefreshed
from feedtui.ui.widgets.article_view import ArticleView
from feedtui.ui.widgets.entry_list import EntryList
from feedtui.ui.widgets.feed_list import ALL_UNREAD, FeedList, View
from support.feeds import rss
from support.server import FeedServer
from ui_support import (
    ALPHA,
    BETA,
    CHINESE,
    HOSTILE,
    HOSTILE_TITLE,
    entry,
    feed_labels,
    main_screen,
    make_app,
    make_store,
    reopen,
    settle,
    widget_lines,
)


def shown_ids(app: App[Any]) -> list[str]:
    """The ids of the posts the entries pane lists, top to bottom."""
    entries = main_screen(app).query_one(EntryList)
    return [row.id for row in entries.rows]


def reading(app: App[Any]) -> str | None:
    """The id of the post in the reader."""
    article = main_screen(app).query_one(ArticleView).article
    return None if article is None else article.entry.id


async def test_starts_on_all_unread_newest_first(tmp_path: Path) -> None:
    app = make_app(make_store(tmp_path))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert main_screen(app).view == ALL_UNREAD
        assert shown_ids(app) == ["a1", "b1", "c1", "h1", "a2", "a3", "b2", "c2"]
        assert isinstance(app.focused, FeedList)


async def test_keys_move_through_feeds_posts_and_reader(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("j", "j", "j", "enter")  # All unread → Starred → Stories → Tech
        await settle(pilot)
        assert main_screen(app).view == View("folder", folder=("Tech",))
        assert isinstance(app.focused, EntryList)
        assert shown_ids(app) == ["a1", "b1", "a2", "a3", "b2"]
        await pilot.press("j", "enter")
        await settle(pilot)
        assert reading(app) == "b1"
        assert main_screen(app).query_one(ArticleView).has_focus_within
        assert "b1" in reopen(tmp_path).marks(BETA).read
        await pilot.press("j")  # in the reader, j goes on to the next post
        await settle(pilot)
        assert reading(app) == "a2"
        await pilot.press("escape")
        assert isinstance(app.focused, EntryList)
        await pilot.press("escape")
        assert isinstance(app.focused, FeedList)
        await pilot.press("tab")
        assert isinstance(app.focused, EntryList)
        await pilot.press("tab")
        assert main_screen(app).query_one(ArticleView).has_focus_within
        await pilot.press("shift+tab", "shift+tab")
        assert isinstance(app.focused, FeedList)


async def test_next_unread_crosses_into_the_next_feed(tmp_path: Path) -> None:
    app = make_app(make_store(tmp_path))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("j", "j", "j", "j", "enter")  # the Alpha Blog feed
        await settle(pilot)
        assert main_screen(app).view == View("feed", url=ALPHA)
        opened = []
        for _ in range(4):
            await pilot.press("n")
            await settle(pilot)
            opened.append(reading(app))
        assert opened == ["a1", "a2", "a3", "b1"]
        assert main_screen(app).view == View("feed", url=BETA)
        assert main_screen(app).query_one(FeedList).current_view == View("feed", url=BETA)
        await pilot.press("p")  # nothing unread above b1 in Beta: back to Alpha? All read.
        await settle(pilot)
        assert main_screen(app).summaries[ALPHA].unread == 0


async def test_read_and_star_marks_survive_a_restart(tmp_path: Path) -> None:
    app = make_app(make_store(tmp_path))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("tab", "m", "j", "s")
        await settle(pilot)
        assert main_screen(app).summaries[ALPHA].unread == 2
    marks = reopen(tmp_path).marks(BETA)
    assert "b1" in marks.starred and "b1" not in marks.read
    assert "a1" in reopen(tmp_path).marks(ALPHA).read

    again = make_app(reopen(tmp_path))
    async with again.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert "a1" not in shown_ids(again)  # All unread no longer lists it
        await pilot.press("j")  # Starred
        await settle(pilot)
        assert shown_ids(again) == ["b1"]
        lines = widget_lines(main_screen(again).query_one(EntryList))
        assert lines[0].startswith("●★ Beta one")
        await pilot.press("tab", "s", "m")
        await settle(pilot)
    marks = reopen(tmp_path).marks(BETA)
    assert "b1" not in marks.starred and "b1" in marks.read


async def test_mark_all_read_and_undo(tmp_path: Path) -> None:
    app = make_app(make_store(tmp_path))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("j", "j", "j", "j", "A")  # the Alpha feed
        await settle(pilot)
        assert reopen(tmp_path).marks(ALPHA).read == {"a1", "a2", "a3"}
        assert main_screen(app).summaries[ALPHA].unread == 0
        await pilot.press("u")
        await settle(pilot)
        assert reopen(tmp_path).marks(ALPHA).read == frozenset()
        assert main_screen(app).summaries[ALPHA].unread == 3


async def test_refresh_all_brings_new_posts_and_marks_the_failing_feed(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    feed_server.feed("/one.xml", rss("One", [("o1", "First of one")]))
    feed_server.feed("/two.xml", rss("Two", [("t1", "First of two")]))
    subscriptions = [
        Subscription(feed_server.url("/one.xml"), "One"),
        Subscription(feed_server.url("/two.xml"), "Two"),
        Subscription(feed_server.url("/missing.xml"), "Missing"),
    ]
    app = make_app(make_store(tmp_path, subscriptions, posts={}))
    notes: list[str] = []
    async with app.run_test(size=(120, 40)) as pilot:
        app.notify = lambda message, **kw: notes.append(str(message))  # type: ignore[method-assign]
        await settle(pilot)
        assert shown_ids(app) == []
        await pilot.press("R")
        await settle(pilot)
        assert sorted(shown_ids(app)) == ["o1", "t1"]
        missing = main_screen(app).summaries[feed_server.url("/missing.xml")]
        assert missing.state.status == "error"
        assert "404" in missing.state.error
        assert any("1 failed" in note for note in notes)
        labels = feed_labels(app)
        assert any(label.startswith("! Missing") for label in labels)
        assert "Two" in " ".join(labels)

        feed_server.feed("/two.xml", rss("Two", [("t2", "Second of two"), ("t1", "First of two")]))
        await pilot.press("R")
        await settle(pilot)
        assert "t2" in shown_ids(app)

        await pilot.press("end")  # the failing feed is last; its error shows above its posts
        await settle(pilot)
        header = main_screen(app).query_one("#entries-header", Label)
        assert "404" in str(header.render())


async def test_stale_data_refreshes_on_start(tmp_path: Path, feed_server: FeedServer) -> None:
    feed_server.feed("/one.xml", rss("One", [("o1", "First of one")]))
    store = make_store(tmp_path, [Subscription(feed_server.url("/one.xml"), "One")], posts={})
    app = make_app(store, refresh_on_start=None)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert shown_ids(app) == ["o1"]
        assert len(feed_server.requests) == 1


async def test_filter_narrows_posts_with_a_chinese_query(tmp_path: Path) -> None:
    app = make_app(make_store(tmp_path))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("tab", "slash")
        assert isinstance(app.focused, Input)
        await pilot.press("终", "端")
        await pilot.pause()
        assert shown_ids(app) == ["c1"]
        await pilot.press("enter")
        assert isinstance(app.focused, EntryList)
        await pilot.press("slash", "backspace", "backspace", *"BLOG")
        await pilot.pause()
        assert shown_ids(app) == ["a1", "a2", "a3"]  # matches the feed name, any case
        await pilot.press("escape")
        await pilot.pause()
        assert len(shown_ids(app)) == 8
        assert isinstance(app.focused, EntryList)


async def test_markup_in_a_title_shows_literally_and_does_nothing(tmp_path: Path) -> None:
    hostile = Subscription(HOSTILE, "[red]Evil[/] \x1b]52;c;ZXZpbA==\x07feed")
    app = make_app(make_store(tmp_path, [hostile]))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        entries = main_screen(app).query_one(EntryList)
        lines = widget_lines(entries)
        assert lines[0].startswith("●  [bold]x[/] [@click")
        assert "[red]Evil[/]" in lines[0]
        assert all(cell_len(line) == entries.scrollable_content_region.width for line in lines)
        await pilot.press("j", "j", "j")  # the feed itself: no feed column, room for the title
        await settle(pilot)
        assert HOSTILE_TITLE in widget_lines(entries)[0]
        labels = feed_labels(app)
        assert "[red]Evil[/] feed  (1)" in labels
        await pilot.click(EntryList, offset=(8, 0))
        await settle(pilot)
        assert app.is_running
        assert reading(app) == "h1"
        title = main_screen(app).query_one("#article-title", Label)
        assert HOSTILE_TITLE in str(title.render())


async def test_narrow_terminal_stacks_the_reader_under_the_posts(tmp_path: Path) -> None:
    app = make_app(make_store(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        feeds = main_screen(app).query_one(FeedList).region
        entries = main_screen(app).query_one("#entries-pane").region
        reader = main_screen(app).query_one(ArticleView).region
        assert min(feeds.width, entries.width, reader.width) >= 20
        assert reader.y > entries.y and reader.height >= 5 and entries.height >= 5
        assert feeds.right <= entries.x and entries.right <= 80


async def test_resizing_a_pane_is_remembered(tmp_path: Path) -> None:
    app = make_app(make_store(tmp_path))
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        before = main_screen(app).query_one(FeedList).region.width
        await pilot.press("greater_than_sign")
        await settle(pilot)
        assert main_screen(app).query_one(FeedList).region.width == before + 4
    again = make_app(reopen(tmp_path))
    async with again.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        assert main_screen(again).query_one(FeedList).region.width == before + 4


async def test_remove_a_feed_after_confirming(tmp_path: Path) -> None:
    app = make_app(make_store(tmp_path))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("j", "j", "j", "j", "d")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
        assert [s.url for s in reopen(tmp_path).subscriptions()] == [BETA, CHINESE, HOSTILE]
        assert main_screen(app).view == ALL_UNREAD
        assert "a1" not in shown_ids(app)


async def test_add_import_and_export_feeds(tmp_path: Path, feed_server: FeedServer) -> None:
    feed_server.feed("/new.xml", rss("New Feed", [("n1", "Brand new")]))
    app = make_app(make_store(tmp_path, [], posts={}))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await pilot.pause()
        await pilot.press(*feed_server.url("/new.xml"), "enter")
        await settle(pilot, rounds=6)
        assert [s.url for s in reopen(tmp_path).subscriptions()] == [feed_server.url("/new.xml")]
        assert shown_ids(app) == ["n1"]

        target = tmp_path / "out.opml"
        await pilot.press("e")
        await pilot.pause()
        app.screen.query_one(Input).value = str(target)
        await pilot.press("enter")
        await settle(pilot)
        assert b"/new.xml" in target.read_bytes()

        other = tmp_path / "in.opml"
        other.write_bytes(
            b'<opml version="2.0"><body><outline text="Two" xmlUrl="'
            + feed_server.url("/two.xml").encode()
            + b'"/></body></opml>'
        )
        await pilot.press("i")
        await pilot.pause()
        await pilot.press(*str(other), "enter")
        await settle(pilot, rounds=6)
        assert len(reopen(tmp_path).subscriptions()) == 2


async def test_an_unexpected_error_in_a_worker_is_a_notification(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = make_store(tmp_path)

    def broken_body(url: str, entry_id: str) -> str:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(store, "body", broken_body)
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("tab", "enter")
        await settle(pilot)
        assert app.is_running
        messages = [n.message for n in app._notifications]
        assert any("RuntimeError: disk on fire" in m for m in messages)


async def test_the_chosen_theme_is_remembered(tmp_path: Path) -> None:
    app = make_app(make_store(tmp_path))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.theme = "nord"
        await settle(pilot)
    again = make_app(reopen(tmp_path))
    async with again.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert again.theme == "nord"


async def test_q_quits(tmp_path: Path) -> None:
    app = make_app(make_store(tmp_path))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running
    assert app.return_code == 0


async def test_offline_says_so_and_keeps_the_cache(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed once the block ends: every fetch is refused
    feeds = [Subscription(f"http://127.0.0.1:{port}/{n}.xml", f"Feed {n}") for n in range(3)]
    posts = {feeds[0].url: [("k1", "Kept from last time", 2)]}
    app = make_app(make_store(tmp_path, feeds, posts=posts))
    notes: list[str] = []
    async with app.run_test(size=(120, 40)) as pilot:
        app.notify = lambda message, **kw: notes.append(str(message))  # type: ignore[method-assign]
        await settle(pilot)
        await pilot.press("R")
        await settle(pilot)
        assert any("you seem to be offline" in note for note in notes)
        assert not any("failed:" in note for note in notes)
        assert shown_ids(app) == ["k1"]


async def test_a_feed_shows_what_was_repaired_in_it(tmp_path: Path) -> None:
    store = make_store(tmp_path, posts={})
    store.merge_entries(
        ALPHA,
        [(entry(ALPHA, "x1", "Decoded post", 1), "")],
        warning="not well-formed XML (line 3): read as far as possible",
        encoding="gb18030 (declared utf-8)",
    )
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("j", "j", "j", "j")  # Tech / Alpha Blog
        await settle(pilot)
        header = str(main_screen(app).query_one("#entries-header", Label).render())
        assert "not well-formed XML (line 3)" in header
        assert "encoding: gb18030 (declared utf-8)" in header


async def test_many_refreshed_feeds_are_relabelled_in_one_pass(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    urls = [f"https://feed{n}.example/feed.xml" for n in range(30)]
    posts = {url: [(f"p{n}", f"Post {n}", n + 1)] for n, url in enumerate(urls)}
    store = make_store(
        tmp_path, [Subscription(url, f"Feed {n}") for n, url in enumerate(urls)], posts
    )
    app = make_app(store)
    relabels: list[int] = []
    relabel = FeedList._relabel

    def counting(feeds: FeedList) -> None:
        relabels.append(len(feeds.summaries))
        relabel(feeds)

    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        monkeypatch.setattr(FeedList, "_relabel", counting)
        for url in urls:  # a refresh in another process read every post
            reopen(tmp_path).set_read(url, [f"p{urls.index(url)}"])
        screen = main_screen(app)
        for n, url in enumerate(urls):  # outcomes land together, as in a big refresh
            screen.post_message(FeedRefreshed(FeedOutcome(url, f"Feed {n}", "unchanged")))
        await pilot.pause(0.5)
        await settle(pilot)
        assert all(summary.unread == 0 for summary in screen.summaries.values())
        assert "All unread" in feed_labels(app)[0] and "(" not in feed_labels(app)[0]
        # One relabelling for the 30 outcomes, not 30 (each relabels every feed).
        assert 1 <= len(relabels) <= 2


async def test_counts_read_earlier_never_replace_counts_read_later(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = main_screen(app)
        before = screen._read_summaries([ALPHA])  # both read, then overtaken by a mark
        stale_cache = screen._read_cache()
        store.set_read(ALPHA, ["a1", "a2", "a3"])
        after = screen._read_summaries([ALPHA])
        assert before.summaries[ALPHA].unread == stale_cache.summaries[ALPHA].unread == 3
        for message in (after, before, stale_cache):  # arriving out of order
            screen.post_message(message)
            await pilot.pause()
        assert screen.summaries[ALPHA].unread == 0
        assert any(
            label.startswith("Alpha Blog") and "(" not in label for label in feed_labels(app)
        )


async def test_changes_made_by_another_process_show_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("feedtui.ui.screens.main.DATA_CHECK_SECONDS", 0.1)
    app = make_app(make_store(tmp_path))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("j", "j", "j", "j")  # the Alpha feed
        await settle(pilot)
        assert shown_ids(app) == ["a1", "a2", "a3"]
        other = reopen(tmp_path)  # `feedtui refresh` and `feedtui remove` in another shell
        other.merge_entries(ALPHA, [(entry(ALPHA, "a0", "Alpha zero", 0.5), "<p>new</p>")])
        other.remove_subscription(BETA)
        other.flush()
        await pilot.pause(0.5)
        await settle(pilot)
        assert shown_ids(app) == ["a0", "a1", "a2", "a3"]
        assert not any(label.startswith("Beta News") for label in feed_labels(app))
        assert main_screen(app).summaries[ALPHA].unread == 4
