"""The entries pane: one line per post, drawn line by line so 10,000 posts cost no more than 40."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import ClassVar

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding, BindingType
from textual.events import Click
from textual.geometry import Size
from textual.message import Message
from textual.reactive import var
from textual.scroll_view import ScrollView
from textual.strip import Strip

from feedtui.core.models import Entry, utc_now
from feedtui.core.sanitize import clean_line
from feedtui.core.stories import Story
from feedtui.ui.time_format import AGE_WIDTH, short_age

FEED_COLUMN = 18
"""The widest the feed-name column gets, in cells (in views that mix feeds)."""
MARKERS = 3
"""Cells before the title: the unread dot, the star and a space."""
SOURCES_COLUMN = 30
"""The widest the "5 sources · feed names" column of a story row gets, in cells."""
RANK_WIDTH = 5
"""Cells for a story's rank ("12.34")."""
MIN_FEED_NAMES = 20
"""Below this many cells for "5 sources · names", a story row shows only "5 sources"."""
STORY_KEY = "story"
"""The first half of a story row's key (a feed URL is never this)."""
UNTITLED = "(untitled)"
"""The title of a row whose post has none."""


@dataclass(frozen=True, slots=True)
class StoryInfo:
    """What a story row adds to its best post: the story and which of its posts are unread."""

    story: Story
    """The story, as grouped by the core."""
    unread: frozenset[tuple[str, str]] = frozenset()
    """(feed URL, entry id) of the members not read yet."""

    @property
    def sources(self) -> str:
        """ "1 source" or "5 sources"."""
        count = self.story.source_count
        return f"{count} source{'' if count == 1 else 's'}"


# Not frozen: a frozen dataclass sets each field through `object.__setattr__`, five times the
# cost, and opening a view makes 10,000 rows. Rows are never changed in place: use `replace`.
@dataclass(slots=True)
class EntryRow:
    """One post as the entries pane lists it: only what a row shows and the keys act on.

    The full `Entry` (author, summary, body) is read from the store when the post is opened.
    """

    feed_url: str
    """The URL of the post's feed."""
    id: str
    """The post's id within its feed."""
    title: str
    """The cleaned title, one line."""
    published: float
    """When it was published, in POSIX seconds (cheap to sort; the age is drawn from it)."""
    feed_title: str
    """The cleaned name of its feed."""
    unread: bool = True
    """Not read yet?"""
    starred: bool = False
    """Starred by the user?"""
    link: str = ""
    """The post's original page."""
    story: StoryInfo | None = None
    """Set when the row stands for a whole story: the row is its best post, `feed_title` names
    every feed that covers it, and `unread` is true while any of its posts is unread."""

    @classmethod
    def of(
        cls, entry: Entry, feed_title: str, *, unread: bool = True, starred: bool = False
    ) -> EntryRow:
        """The row of an `Entry` the screen already holds (one opened from the reader)."""
        return cls(
            entry.feed_url,
            entry.id,
            clean_line(entry.title) or UNTITLED,
            entry.published.timestamp(),
            feed_title,
            unread,
            starred,
            entry.link,
        )

    @property
    def when(self) -> datetime:
        """`published` as an aware UTC datetime."""
        return datetime.fromtimestamp(self.published, UTC)

    @property
    def key(self) -> tuple[str, str]:
        """Identifies the post across feeds: (feed URL, entry id); ("story", id) for a story."""
        if self.story is not None:
            return (STORY_KEY, self.story.story.id)
        return (self.feed_url, self.id)

    @property
    def members(self) -> tuple[tuple[str, str], ...]:
        """The posts this row stands for: itself, or every post of its story."""
        return self.story.story.members if self.story is not None else (self.key,)

    def is_unread(self, key: tuple[str, str]) -> bool:
        """Is this member of the row unread?"""
        return key in self.story.unread if self.story is not None else self.unread


@dataclass(frozen=True, slots=True)
class EntryRows:
    """What the entries pane shows: rows, newest first, and where they came from."""

    source: object = None
    """Identifies the list (the view); a list from a new source starts at the top."""
    rows: tuple[EntryRow, ...] = ()
    """The posts, newest first."""
    show_feed: bool = False
    """Show each post's feed name (views that mix feeds)."""


def fit(text: str, width: int) -> str:
    """`text` cut or padded to exactly `width` cells, with "…" where it was cut.

    Cutting goes by terminal cells, never through a wide (CJK) character.
    """
    if width <= 0:
        return ""
    if cell_len(text) <= width:
        return set_cell_size(text, width)
    return set_cell_size(set_cell_size(text, width - 1).rstrip() + "…", width)


class EntryList(ScrollView, can_focus=True):
    """The posts of the selected view; the cursor row is the post the keys act on."""

    DEFAULT_CSS = """
    EntryList {
        overflow-x: hidden;
        & > .entry-list--cursor {
            background: $block-cursor-blurred-background;
        }
        &:focus > .entry-list--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
        }
        & > .entry-list--unread { text-style: bold; }
        & > .entry-list--read { color: $text-muted; }
        & > .entry-list--feed { color: $text-secondary; }
        & > .entry-list--date { color: $text-muted; }
        & > .entry-list--marker { color: $accent; }
        & > .entry-list--star { color: $warning; }
        & > .entry-list--rank { color: $text-accent; }
    }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "entry-list--cursor",
        "entry-list--unread",
        "entry-list--read",
        "entry-list--feed",
        "entry-list--date",
        "entry-list--marker",
        "entry-list--star",
        "entry-list--rank",
    }

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down,j", "cursor_down", "Down", show=False, tooltip="Next post"),
        Binding("up,k", "cursor_up", "Up", show=False, tooltip="Previous post"),
        Binding("pagedown", "cursor_page_down", "Page down", show=False),
        Binding("pageup", "cursor_page_up", "Page up", show=False),
        Binding("home", "cursor_first", "First", show=False),
        Binding("end", "cursor_last", "Last", show=False),
        Binding("enter", "open", "Read", tooltip="Read the highlighted post", id="read-entry"),
    ]

    entries: var[EntryRows] = var(EntryRows)
    """The rows to list."""
    filter_text: var[str] = var("")
    """Only rows whose title or feed contains this (any case) are listed."""
    now: var[datetime] = var(utc_now)
    """The time the relative dates are counted from."""

    @dataclass
    class EntryHighlighted(Message):
        """The cursor moved to a post (or the post under it changed)."""

        row: EntryRow | None
        """The post under the cursor; None when the list is empty."""

    @dataclass
    class EntryOpened(Message):
        """The user asked to read a post (Enter or a click)."""

        row: EntryRow
        """The post to read."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._visible: list[EntryRow] = []
        self._haystacks: list[str] | None = None
        self._cursor = 0
        self._announced: EntryRow | None = None

    # -- what the screen reads and asks -----------------------------------------------------

    @property
    def cursor(self) -> int:
        """The index of the cursor row among the listed rows."""
        return self._cursor

    @property
    def highlighted(self) -> EntryRow | None:
        """The row under the cursor."""
        return self._visible[self._cursor] if self._visible else None

    @property
    def rows(self) -> list[EntryRow]:
        """The rows listed now (after the filter)."""
        return self._visible

    def select(self, key: tuple[str, str]) -> bool:
        """Move the cursor to the post with this key, if it is listed."""
        index = self._index_of(key)
        if index is None:
            return False
        self.move_cursor(index)
        return True

    def move_cursor(self, index: int) -> None:
        """Move the cursor to a row (clamped), scrolling it into view."""
        self._cursor = max(0, min(index, len(self._visible) - 1))
        self._scroll_to_cursor()
        self.refresh()
        self._announce()

    def find_unread(self, forward: bool = True, include_current: bool = False) -> int | None:
        """The index of the next (or previous) unread row from the cursor, if any."""
        step = 1 if forward else -1
        start = self._cursor if include_current else self._cursor + step
        indices = range(start, len(self._visible)) if forward else range(start, -1, -1)
        return next((i for i in indices if self._visible[i].unread), None)

    # -- reacting to data ------------------------------------------------------------------

    def watch_entries(self, old: EntryRows, new: EntryRows) -> None:
        self._haystacks = None  # made when a filter is first typed: most lists never need them
        self._refilter(reset=old.source != new.source)

    def watch_filter_text(self) -> None:
        self._refilter(reset=False)

    def watch_now(self) -> None:
        self.refresh()

    def _refilter(self, reset: bool) -> None:
        previous = None if reset else self.highlighted
        query = self.filter_text.casefold().strip()
        rows = self.entries.rows
        if query:
            if self._haystacks is None:
                self._haystacks = [f"{row.title}\n{row.feed_title}".casefold() for row in rows]
            self._visible = [r for r, h in zip(rows, self._haystacks, strict=True) if query in h]
        else:
            self._visible = list(rows)
        self._update_virtual_size()
        index = 0
        if previous is not None:
            found = self._index_of(previous.key)
            index = self._cursor if found is None else found
        if reset:
            self.scroll_to(y=0, animate=False)
        self.move_cursor(index)

    def _index_of(self, key: tuple[str, str]) -> int | None:
        return next((i for i, row in enumerate(self._visible) if row.key == key), None)

    def _update_virtual_size(self) -> None:
        self.virtual_size = Size(self.scrollable_content_region.width, len(self._visible))

    def on_resize(self) -> None:
        self._update_virtual_size()
        self._scroll_to_cursor()

    def _announce(self) -> None:
        row = self.highlighted
        if row is not self._announced:
            self._announced = row
            self.post_message(self.EntryHighlighted(row))

    def _scroll_to_cursor(self) -> None:
        height = self.scrollable_content_region.height
        if height <= 0:
            return
        top = round(self.scroll_y)
        if self._cursor < top:
            self.scroll_to(y=self._cursor, animate=False)
        elif self._cursor >= top + height:
            self.scroll_to(y=self._cursor - height + 1, animate=False)

    # -- keys and mouse ---------------------------------------------------------------------

    def action_cursor_down(self) -> None:
        self.move_cursor(self._cursor + 1)

    def action_cursor_up(self) -> None:
        self.move_cursor(self._cursor - 1)

    def action_cursor_page_down(self) -> None:
        self.move_cursor(self._cursor + max(1, self.scrollable_content_region.height - 1))

    def action_cursor_page_up(self) -> None:
        self.move_cursor(self._cursor - max(1, self.scrollable_content_region.height - 1))

    def action_cursor_first(self) -> None:
        self.move_cursor(0)

    def action_cursor_last(self) -> None:
        self.move_cursor(len(self._visible) - 1)

    def action_open(self) -> None:
        if (row := self.highlighted) is not None:
            self.post_message(self.EntryOpened(row))

    def on_click(self, event: Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        index = offset.y + round(self.scroll_y)
        if 0 <= index < len(self._visible):
            self.move_cursor(index)
            self.action_open()

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    # -- drawing ----------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        index = y + round(self.scroll_y)
        width = self.scrollable_content_region.width
        if not 0 <= index < len(self._visible):
            return Strip.blank(width, self.rich_style)
        return self._render_row(self._visible[index], index == self._cursor, width)

    def _render_row(self, row: EntryRow, is_cursor: bool, width: int) -> Strip:
        base = self.rich_style

        def part(name: str) -> Style:
            style = base + self.get_component_rich_style(name, partial=True)
            return (
                style + self.get_component_rich_style("entry-list--cursor") if is_cursor else style
            )

        age = short_age(row.when, self.now).rjust(AGE_WIDTH)
        rank_width = RANK_WIDTH + 1 if row.story is not None else 0
        room = width - MARKERS - rank_width - (AGE_WIDTH + 1)
        if row.story is not None:
            # The headline comes first: feed names only where they leave it most of the row.
            side = f"{row.story.sources} · {row.feed_title}"
            side_width = min(SOURCES_COLUMN, (room - 2) // 3)
            if side_width < MIN_FEED_NAMES:
                side = row.story.sources
                side_width = cell_len(side)
        else:
            side = row.feed_title
            side_width = (
                min(FEED_COLUMN, max(0, (width - MARKERS) // 3)) if self.entries.show_feed else 0
            )
        title_width = room - (side_width + 2 if side_width else 0)
        segments = [
            Segment("●" if row.unread else " ", part("entry-list--marker")),
            Segment("★" if row.starred else " ", part("entry-list--star")),
            Segment(" ", base),
            Segment(
                fit(row.title, max(title_width, 0)),
                part("entry-list--unread" if row.unread else "entry-list--read"),
            ),
        ]
        if side_width:
            segments.append(Segment("  ", base))
            segments.append(Segment(fit(side, side_width), part("entry-list--feed")))
        if row.story is not None:
            rank = f"{row.story.story.rank:.1f}".rjust(RANK_WIDTH)
            segments.append(Segment(" " + rank, part("entry-list--rank")))
        segments.append(Segment(" " + age, part("entry-list--date")))
        return Strip(segments).crop_extend(0, width, base)
