"""The reader pane: one post's header, its body as Markdown, more posts from its feed, and the
same story's posts from other feeds; or one story's overview: summary and every post of it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.events import Click
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Label, Markdown, OptionList
from textual.widgets.option_list import Option
from textual.worker import Worker, WorkerState, get_current_worker

from feedtui.core.html_markdown import html_to_markdown
from feedtui.core.models import Entry
from feedtui.core.sanitize import clean_line, safe_link
from feedtui.ui.article import Article, Related
from feedtui.ui.links import open_link
from feedtui.ui.safe_text import safe_content

MORE_LIMIT = 8
"""How many of the feed's other posts are offered below the body."""

INLINE_BODY_LIMIT = 16_384
"""Bodies shorter than this are converted at once; longer ones in a thread worker."""

BYLINE_FEEDS = 3
"""How many feeds a story's byline names (the coverage list below names them all)."""

EMPTY_MESSAGE = "Select a post"
"""What the pane says when no post is selected."""


@dataclass
class _BodyReady(Message):
    """A body's Markdown, converted in a worker, is ready to show."""

    bubble: ClassVar[bool] = False
    article: Article
    """The article the Markdown belongs to."""
    markdown: str
    """The converted body."""


class _LinkLabel(Label):
    """The post's original link; a click opens it through `open_link`."""

    url: str = ""
    """The link to open."""

    def on_click(self, event: Click) -> None:
        event.stop()
        if self.url:
            open_link(self.app, self.url)


class ArticleView(VerticalScroll, can_focus=True):
    """Shows one post; feed text is always shown literally, links open only through `open_link`."""

    DEFAULT_CSS = """
    ArticleView {
        #article-header, Markdown, .article-list-title, #article-message {
            padding: 0 1;
        }
        #article-header { height: auto; margin-bottom: 1; }
        #article-body > *:first-child { margin-top: 0; }
        #article-header Label, .article-list-title, #article-message { width: 1fr; }
        #article-meta, #article-link { color: $text-muted; }
        .article-list-title { margin-top: 1; text-style: bold; }
        #article-message { display: none; }
        &.-empty .article-part { display: none; }
        &.-empty #article-message { display: block; }
        &.-no-others .article-more { display: none; }
        &.-no-related .article-related { display: none; }
    }
    """

    @dataclass
    class EntryChosen(Message):
        """The user picked one of the posts listed below the article."""

        entry: Entry
        """The post that was picked."""

    def __init__(
        self, *, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._article: Article | None = None
        self._others: tuple[Entry, ...] = ()
        self._related: tuple[Related, ...] = ()

    @property
    def article(self) -> Article | None:
        """The article shown, if any."""
        return self._article

    def compose(self) -> ComposeResult:
        yield Label(EMPTY_MESSAGE, id="article-message", markup=False)
        with Vertical(id="article-header", classes="article-part"):
            yield Label(id="article-title", markup=False)
            yield Label(id="article-meta", markup=False)
            yield _LinkLabel(id="article-link", markup=False)
        yield Markdown(id="article-body", classes="article-part", open_links=False)
        yield Label(
            id="article-more-title",
            classes="article-part article-more article-list-title",
            markup=False,
        )
        yield OptionList(id="article-more", classes="article-part article-more", markup=False)
        yield Label(
            id="article-related-title",
            classes="article-part article-related article-list-title",
            markup=False,
        )
        yield OptionList(id="article-related", classes="article-part article-related", markup=False)

    def on_mount(self) -> None:
        self.show_message(EMPTY_MESSAGE)

    def show(self, article: Article | None) -> None:
        """Show a post, or the empty state for None."""
        if article is None:
            self.show_message(EMPTY_MESSAGE)
            return
        self._article = article
        self.remove_class("-empty")
        self._show_header(article)
        self._show_others(article)
        self._show_related(article.related)
        body = self.query_one("#article-body", Markdown)
        if article.story is not None and not article.body_html:
            body.update("*None of its posts has text to summarise.*")
        elif len(article.body_html) < INLINE_BODY_LIMIT:
            body.update(html_to_markdown(article.body_html, article.entry.link))
        else:
            body.update("*Loading…*")
            self._convert_body(article)
        self.scroll_home(animate=False)

    def show_related(self, entry: Entry, related: tuple[Related, ...]) -> None:
        """List the story's posts from other feeds below `entry`, if it is still shown."""
        if self._article is not None and self._article.entry == entry:
            self._show_related(related)

    def focus_part(self, step: int) -> bool:
        """Focus the next (or previous) part: the text, then each list; False past the end."""
        lists = [lst for lst in self.query(OptionList) if lst.display and lst.option_count]
        parts: list[Widget] = [self, *lists]
        here = next((i for i, part in enumerate(parts) if part.has_focus), None)
        if here is None or not 0 <= here + step < len(parts):
            return False
        part = parts[here + step]
        part.focus()
        if isinstance(part, OptionList) and part.highlighted is None:
            part.highlighted = 0
        return True

    def focus_related(self) -> None:
        """Put the cursor on the list of related posts (a story's coverage)."""
        related = self.query_one("#article-related", OptionList)
        if related.option_count:
            related.focus()
            related.highlighted = 0

    def show_message(self, text: str) -> None:
        """Show a message (such as a feed's error) instead of a post."""
        self._article = None
        self.workers.cancel_group(self, "article-body")
        self.query_one("#article-message", Label).update(safe_content(text))
        self.add_class("-empty")
        self.scroll_home(animate=False)

    def page(self) -> bool:
        """Scroll down one page; False when already at the bottom (so Space can move on)."""
        if self.scroll_y >= self.max_scroll_y:
            return False
        self.scroll_page_down(animate=False)
        return True

    def _show_header(self, article: Article) -> None:
        entry = article.entry
        title = article.story.headline if article.story is not None else entry.title
        byline = _story_line(article) if article.story is not None else _byline(article)
        self.query_one("#article-title", Label).update(safe_content(title, "bold"))
        self.query_one("#article-meta", Label).update(safe_content(byline))
        link = safe_link(entry.link)
        link_label = self.query_one("#article-link", _LinkLabel)
        link_label.url = link
        link_label.update(safe_content(link, "underline") if link else Content(""))
        link_label.display = bool(link)

    def _show_others(self, article: Article) -> None:
        self._others = article.others[:MORE_LIMIT]
        self.set_class(not self._others, "-no-others")
        title = Content.assemble("More from ", safe_content(clean_line(article.feed_title)))
        self.query_one("#article-more-title", Label).update(title)
        more = self.query_one("#article-more", OptionList)
        more.clear_options()
        more.add_options(
            Option(_other_prompt(entry), id=str(index)) for index, entry in enumerate(self._others)
        )

    def _show_related(self, related: tuple[Related, ...]) -> None:
        self._related = related
        self.set_class(not related, "-no-related")
        story = self._article.story if self._article is not None else None
        if story is not None:
            count = story.source_count
            title = Content(f"Coverage: {count} source{'' if count == 1 else 's'}")
        else:
            title = Content("Also covered by")
        self.query_one("#article-related-title", Label).update(title)
        listing = self.query_one("#article-related", OptionList)
        listing.clear_options()
        listing.add_options(
            Option(_related_prompt(item), id=str(index)) for index, item in enumerate(related)
        )

    @work(thread=True, exclusive=True, group="article-body", exit_on_error=False)
    def _convert_body(self, article: Article) -> None:
        markdown = html_to_markdown(article.body_html, article.entry.link)
        if not get_current_worker().is_cancelled:
            self.post_message(_BodyReady(article, markdown))

    @on(_BodyReady)
    async def _show_converted_body(self, message: _BodyReady) -> None:
        if message.article is self._article:
            await self.query_one("#article-body", Markdown).update(message.markdown)

    @on(Worker.StateChanged)
    def _forward_worker_error(self, event: Worker.StateChanged) -> None:
        # StateChanged does not bubble: hand errors to the app's one reporting handler.
        if event.state == WorkerState.ERROR:
            self.app.post_message(Worker.StateChanged(event.worker, event.state))

    @on(Markdown.LinkClicked)
    def _open_body_link(self, event: Markdown.LinkClicked) -> None:
        # The Markdown widget is made with open_links=False, so this is the only way out.
        event.stop()
        open_link(self.app, event.href)

    @on(OptionList.OptionSelected, "#article-more")
    def _choose_other(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        index = int(event.option_id or 0)
        if index < len(self._others):
            self.post_message(self.EntryChosen(self._others[index]))

    @on(OptionList.OptionSelected, "#article-related")
    def _choose_related(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        index = int(event.option_id or 0)
        if index < len(self._related):
            self.post_message(self.EntryChosen(self._related[index].entry))


def _byline(article: Article) -> str:
    """`author · 2026-11-20 14:05 · via Feed Title`, leaving out what is unknown."""
    entry = article.entry
    when = entry.published.astimezone().strftime("%Y-%m-%d %H:%M")
    parts = [
        clean_line(entry.author),
        when if entry.dated else f"first seen {when}",
        f"via {clean_line(article.feed_title)}" if article.feed_title.strip() else "",
    ]
    return " · ".join(part for part in parts if part)


def _other_prompt(entry: Entry) -> Content:
    """One line of the "More from" list: the post's title and its date."""
    date = entry.published.astimezone().strftime("%Y-%m-%d")
    title = clean_line(entry.title) or "(untitled)"
    return Content.assemble(safe_content(title), "  ", safe_content(date, "dim"))


def _story_line(article: Article) -> str:
    """`5 sources · Feed A, Feed B · newest 2026-11-20 14:05`."""
    story = article.story
    assert story is not None
    feeds = [f for f in dict.fromkeys(clean_line(i.feed_title) for i in article.related) if f]
    names = ", ".join(feeds[:BYLINE_FEEDS])
    if len(feeds) > BYLINE_FEEDS:
        names += f" and {len(feeds) - BYLINE_FEEDS} more"
    when = story.newest.astimezone().strftime("%Y-%m-%d %H:%M")
    count = story.source_count
    parts = [f"{count} source{'' if count == 1 else 's'}", names]
    return " · ".join([*filter(None, parts), f"newest {when}"])


def _related_prompt(item: Related) -> Content:
    """One line of a related list: the feed, the post's title and its date."""
    date = item.entry.published.astimezone().strftime("%Y-%m-%d")
    title = clean_line(item.entry.title) or "(untitled)"
    feed = clean_line(item.feed_title)
    return Content.assemble(
        safe_content(feed, "bold"), "  ", safe_content(title), "  ", safe_content(date, "dim")
    )
