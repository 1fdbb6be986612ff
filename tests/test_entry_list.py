"""The entries pane on its own: many rows, cell-width cutting, cursor keys, mouse and filter."""

from __future__ import annotations

from datetime import timedelta

import pytest
from rich.cells import cell_len
from textual.app import App, ComposeResult
from textual.message import Message

from feedtui.ui.time_format import short_age
from feedtui.ui.widgets.entry_list import EntryList, EntryRow, EntryRows, fit
from ui_support import NOW, entry, widget_lines

FEED = "https://feed.example/rss"


def unique(messages: list[Message], kind: type[Message]) -> list[Message]:
    """Each message of `kind` once (the hook sees a message at every node it bubbles to)."""
    return list({id(m): m for m in messages if isinstance(m, kind)}.values())


def rows(count: int, title: str = "Post {n}") -> tuple[EntryRow, ...]:
    return tuple(
        EntryRow.of(entry(FEED, str(n), title.format(n=n), n / 60), "Feed", unread=n % 2 == 0)
        for n in range(count)
    )


class ListApp(App[None]):
    def __init__(self, entries: EntryRows) -> None:
        super().__init__()
        self._entries = entries

    def compose(self) -> ComposeResult:
        entry_list = EntryList()
        entry_list.entries = self._entries
        entry_list.now = NOW
        yield entry_list


async def test_ten_thousand_posts_mount_and_move() -> None:
    app = ListApp(EntryRows("feed", rows(10_000)))
    messages: list[Message] = []
    async with app.run_test(size=(80, 24), message_hook=messages.append) as pilot:
        entries = app.query_one(EntryList)
        entries.focus()
        await pilot.pause()
        assert entries.virtual_size.height == 10_000
        await pilot.press("j", "j", "down", "k")
        assert entries.cursor == 2
        await pilot.press("end")
        await pilot.pause()
        assert entries.cursor == 9_999
        assert widget_lines(entries)[-1].startswith("   Post 9999")
        await pilot.press("pageup", "home", "pagedown")
        await pilot.pause()
        assert entries.cursor == 23  # one screen (24 lines) less one, from the top
        await pilot.press("enter")
        await pilot.pause()
    opened = unique(messages, EntryList.EntryOpened)
    assert [m.row.id for m in opened] == ["23"]  # type: ignore[attr-defined]
    highlighted = unique(messages, EntryList.EntryHighlighted)
    assert highlighted[-1].row.id == "23"  # type: ignore[attr-defined]


async def test_wide_titles_are_cut_by_cell_width() -> None:
    title = "关于终端阅读器的长篇文章标题{n}" * 4
    app = ListApp(EntryRows("all", rows(5, title), show_feed=True))
    async with app.run_test(size=(41, 10)) as pilot:
        await pilot.pause()
        entries = app.query_one(EntryList)
        width = entries.scrollable_content_region.width
        for line in widget_lines(entries):
            assert cell_len(line) == width
        first = widget_lines(entries)[0]
        assert first.startswith("●  关于终端")
        assert "…" in first and first.endswith("now")
        assert "\ufffd" not in first


async def test_click_opens_the_row_under_the_mouse() -> None:
    app = ListApp(EntryRows("feed", rows(20)))
    messages: list[Message] = []
    async with app.run_test(size=(60, 10), message_hook=messages.append) as pilot:
        await pilot.click(EntryList, offset=(5, 3))
        await pilot.pause()
    opened = unique(messages, EntryList.EntryOpened)
    assert [m.row.id for m in opened] == ["3"]  # type: ignore[attr-defined]


async def test_filter_keeps_the_cursor_on_the_same_post() -> None:
    app = ListApp(EntryRows("feed", rows(30)))
    async with app.run_test(size=(60, 10)) as pilot:
        entries = app.query_one(EntryList)
        entries.move_cursor(12)
        entries.filter_text = "POST 1"
        await pilot.pause()
        assert [row.id for row in entries.rows][:3] == ["1", "10", "11"]
        assert entries.highlighted is not None and entries.highlighted.id == "12"
        entries.filter_text = ""
        await pilot.pause()
        assert entries.cursor == 12


async def test_new_rows_from_the_same_source_keep_the_cursor_on_its_post() -> None:
    app = ListApp(EntryRows("feed", rows(10)))
    async with app.run_test(size=(60, 10)) as pilot:
        entries = app.query_one(EntryList)
        entries.move_cursor(4)
        newer = EntryRow.of(entry(FEED, "new", "Newest", 0), "Feed")
        entries.entries = EntryRows("feed", (newer, *rows(10)))
        await pilot.pause()
        assert entries.highlighted is not None and entries.highlighted.id == "4"
        entries.entries = EntryRows("other", rows(3))
        await pilot.pause()
        assert entries.cursor == 0


@pytest.mark.parametrize(
    ("ago", "shown"),
    [
        (timedelta(seconds=30), "now"),
        (timedelta(minutes=5), "5m"),
        (timedelta(hours=3), "3h"),
        (timedelta(days=2), "2d"),
        (timedelta(days=40), "1mo"),
        (timedelta(days=800), "2y"),
        (-timedelta(hours=1), "now"),
    ],
)
def test_short_age(ago: timedelta, shown: str) -> None:
    assert short_age(NOW - ago, NOW) == shown


def test_fit_pads_and_cuts_by_cells() -> None:
    assert fit("abc", 5) == "abc  "
    assert fit("中文字", 5) == "中文…"
    assert fit("中文字", 4) == "中… "
    assert cell_len(fit("a中文字", 4)) == 4
    assert fit("anything", 0) == ""
