"""The reader pane shows feed text literally, opens links only through the policy, and navigates."""

from __future__ import annotations

import time
import webbrowser
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from rich.cells import cell_len
from textual.app import App, ComposeResult
from textual.message import Message
from textual.pilot import Pilot
from textual.widgets import Markdown, OptionList

from feedtui.core.models import Entry
from feedtui.ui import links
from feedtui.ui.article import Article
from feedtui.ui.widgets.article_view import INLINE_BODY_LIMIT, ArticleView

FEED = "https://feed.example/rss"
WHEN = datetime(2026, 11, 20, 14, 5, tzinfo=UTC)
HOSTILE_TITLE = "[bold]粗体[/] 中文标题" + "很长" * 30
HOSTILE_AUTHOR = "[@click=app.quit]Mallory[/] \x1b]52;c;ZXZpbA==\x07 \u202eevil x [/bold] y"
BODY = """
<p>Intro with <a href="https://example.com/read">a safe link</a> and
<a href="javascript:alert(1)">a script link</a>.</p>
<pre><code class="language-python">print("你好")</code></pre>
<table><tr><th>名</th><th>值</th></tr><tr><td>甲</td><td>乙</td></tr></table>
"""


def entry(number: int, title: str = "", author: str = "") -> Entry:
    return Entry(
        id=str(number),
        feed_url=FEED,
        title=title or f"Post {number}",
        link=f"https://feed.example/posts/{number}",
        author=author,
        published=WHEN - timedelta(days=number),
    )


HOSTILE = Article(
    entry=entry(0, HOSTILE_TITLE, HOSTILE_AUTHOR),
    feed_title="[i]Feed[/i] \x1b[31m",
    body_html=BODY,
    others=tuple(entry(n) for n in range(1, 12)),
)


class ReaderApp(App[None]):
    def compose(self) -> ComposeResult:
        yield ArticleView()


@pytest.fixture(autouse=True)
def _utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Dates are shown in local time; make local time UTC."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every URL handed to the browser, which is never really started."""
    urls: list[str] = []

    def record(url: str, *args: object, **kwargs: object) -> bool:
        urls.append(url)
        return True

    monkeypatch.setattr(webbrowser, "open", record)
    monkeypatch.setattr(links, "_browser_needs_terminal", lambda: False)
    return urls


def screen_lines(app: App[None]) -> list[str]:
    return [strip.text for strip in app.screen._compositor.render_strips()]


async def settle(app: App[None], pilot: Pilot[None]) -> None:
    await app.workers.wait_for_complete()
    await pilot.pause()
    await app.query_one(Markdown).lock.acquire()
    app.query_one(Markdown).lock.release()
    await pilot.pause()


def find(lines: list[str], text: str) -> tuple[int, int]:
    for y, line in enumerate(lines):
        if text in line:
            return line.index(text), y
    raise AssertionError(f"{text!r} is not on screen:\n" + "\n".join(lines))


async def test_feed_text_shows_literally_and_without_escapes() -> None:
    app = ReaderApp()
    async with app.run_test(size=(100, 30)) as pilot:
        app.query_one(ArticleView).show(HOSTILE)
        await settle(app, pilot)
        lines = screen_lines(app)
        text = "\n".join(lines)
        assert "[bold]粗体[/]" in text
        assert "[@click=app.quit]Mallory[/]" in text
        assert "x [/bold] y" in text
        assert "via [i]Feed[/i]" in text
        assert "2026-11-20 14:05" in text
        assert "More from [i]Feed[/i]" in text
        assert 'print("你好")' in text
        assert "甲" in text and "乙" in text
        assert not any(bad in text for bad in ("\x1b", "\x07", "\u202e"))
        # The long Chinese title wraps inside the pane instead of running off it.
        assert all(cell_len(line) == 100 for line in lines)
        assert "很长" in lines[find(lines, "粗体")[1] + 1]


async def test_clicking_hostile_text_does_nothing(opened: list[str]) -> None:
    app = ReaderApp()
    async with app.run_test(size=(100, 30)) as pilot:
        app.query_one(ArticleView).show(HOSTILE)
        await settle(app, pilot)
        for text in ("[@click=app.quit]", "粗体", "via [i]Feed"):
            await pilot.click(offset=find(screen_lines(app), text))
        await settle(app, pilot)
        assert app.is_running
        assert opened == []


async def test_only_safe_body_links_open(opened: list[str]) -> None:
    app = ReaderApp()
    async with app.run_test(size=(100, 30)) as pilot:
        app.query_one(ArticleView).show(HOSTILE)
        await settle(app, pilot)
        await pilot.click(offset=find(screen_lines(app), "a script link"))
        await settle(app, pilot)
        assert opened == []
        await pilot.click(offset=find(screen_lines(app), "a safe link"))
        await settle(app, pilot)
        assert opened == ["https://example.com/read"]


async def test_a_forged_javascript_link_is_refused(opened: list[str]) -> None:
    app = ReaderApp()
    async with app.run_test(size=(100, 30)) as pilot:
        app.query_one(ArticleView).show(HOSTILE)
        await settle(app, pilot)
        markdown = app.query_one(Markdown)
        markdown.post_message(Markdown.LinkClicked(markdown, "javascript:alert(1)"))
        await settle(app, pilot)
        assert opened == []
        assert [n.title for n in app._notifications] == ["Link refused"]


async def test_clicking_the_original_link_opens_it(opened: list[str]) -> None:
    app = ReaderApp()
    async with app.run_test(size=(100, 30)) as pilot:
        app.query_one(ArticleView).show(HOSTILE)
        await settle(app, pilot)
        await pilot.click(offset=find(screen_lines(app), "https://feed.example/posts/0"))
        await settle(app, pilot)
        assert opened == ["https://feed.example/posts/0"]


async def test_no_browser_copies_the_link(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_browser(url: str, *args: object, **kwargs: object) -> bool:
        raise webbrowser.Error("could not locate runnable browser")

    monkeypatch.setattr(webbrowser, "open", no_browser)
    monkeypatch.setattr(links, "_browser_needs_terminal", lambda: False)
    app = ReaderApp()
    async with app.run_test(size=(100, 30)) as pilot:
        assert links.open_link(app, "https://example.com/x")
        await settle(app, pilot)
        assert app.clipboard == "https://example.com/x"
        assert [n.title for n in app._notifications] == ["No browser found; link copied"]


async def test_picking_another_post_by_keyboard_posts_entry_chosen() -> None:
    messages: list[Message] = []
    app = ReaderApp()
    async with app.run_test(size=(100, 30), message_hook=messages.append) as pilot:
        view = app.query_one(ArticleView)
        view.show(HOSTILE)
        await settle(app, pilot)
        more = app.query_one("#article-more", OptionList)
        assert more.option_count == 8
        view.focus()
        await pilot.press("tab", "down", "down", "enter")
        await pilot.pause()
        # The hook sees the message at each node it bubbles through: count it once.
        chosen = {id(m): m.entry for m in messages if isinstance(m, ArticleView.EntryChosen)}
        assert list(chosen.values()) == [HOSTILE.others[1]]


async def test_page_scrolls_until_the_bottom() -> None:
    long_body = "".join(f"<p>Paragraph {n}</p>" for n in range(200))
    app = ReaderApp()
    async with app.run_test(size=(100, 30)) as pilot:
        view = app.query_one(ArticleView)
        view.show(Article(entry(0), "Feed", long_body))
        await settle(app, pilot)
        pages = 0
        while view.page():
            pages += 1
            await pilot.pause()
            assert pages < 100
        assert pages > 5
        assert view.scroll_y == view.max_scroll_y


async def test_big_bodies_are_converted_in_a_worker() -> None:
    big_body = "<p>" + "长文 " * INLINE_BODY_LIMIT + "</p><h2>The end</h2>"
    app = ReaderApp()
    async with app.run_test(size=(100, 30)) as pilot:
        view = app.query_one(ArticleView)
        view.show(Article(entry(0), "Feed", big_body))
        await settle(app, pilot)
        assert app.query_one(Markdown).source.endswith("## The end")


async def test_empty_state_and_messages() -> None:
    app = ReaderApp()
    async with app.run_test(size=(100, 30)) as pilot:
        view = app.query_one(ArticleView)
        await pilot.pause()
        assert "Select a post" in "\n".join(screen_lines(app))
        view.show(HOSTILE)
        await settle(app, pilot)
        view.show_message("[red]HTTP 404[/] \x1b[2J")
        await pilot.pause()
        text = "\n".join(screen_lines(app))
        assert "[red]HTTP 404[/]" in text
        assert "粗体" not in text and "\x1b" not in text
        assert view.article is None
