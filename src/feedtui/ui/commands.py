"""Command-palette commands that jump to a feed.

The hook: the palette is opened over a screen, and `FeedCommands` asks *that* screen
(`self.screen`) for the feeds. A screen that wants "Go to feed: …" commands implements
`FeedNavigator`:

    class MainScreen(Screen[None]):
        COMMANDS = Screen.COMMANDS | {FeedCommands}

        def feed_titles(self) -> list[tuple[str, str]]:
            '''(url, title) of every subscription, in the order to list them.'''

        def action_go_to_feed(self, url: str) -> None:
            '''Select the feed with this URL (and show its posts).'''

Any other screen gets no commands from this provider. Titles are feed text: they are cleaned and
shown literally, never as markup (Textual's `Matcher.highlight` parses markup, so it is not used).
"""

from __future__ import annotations

from functools import partial
from typing import Protocol, runtime_checkable

from textual.command import DiscoveryHit, Hit, Hits, Matcher, Provider
from textual.content import Content

from feedtui.core.sanitize import clean_line

PREFIX = "Go to feed: "
"""How each command reads, before the feed's title."""

HELP = "Show this feed's posts"
"""The help line under each command (static: the palette parses help text as markup)."""


@runtime_checkable
class FeedNavigator(Protocol):
    """What a screen offers so that the palette can list and open its feeds."""

    def feed_titles(self) -> list[tuple[str, str]]:
        """(url, title) for every feed."""
        ...

    def action_go_to_feed(self, url: str) -> object:
        """Go to the feed with this URL."""
        ...


class FeedCommands(Provider):
    """Offers "Go to feed: <title>" for every feed of the screen the palette was opened on."""

    _feeds: tuple[tuple[str, str], ...] = ()
    """(url, command text) for each feed, read once when the palette opens."""

    async def startup(self) -> None:
        screen = self.screen
        feeds = screen.feed_titles() if isinstance(screen, FeedNavigator) else []
        self._feeds = tuple(
            (url, PREFIX + (clean_line(title) or clean_line(url))) for url, title in feeds
        )

    async def discover(self) -> Hits:
        for url, text in self._feeds:
            yield DiscoveryHit(Content(text), self._go_to(url), text=text, help=HELP)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for url, text in self._feeds:
            score = matcher.match(text)
            if score > 0:
                yield Hit(score, _highlight(matcher, text), self._go_to(url), text=text, help=HELP)

    def _go_to(self, url: str) -> partial[object]:
        screen = self.screen
        assert isinstance(screen, FeedNavigator)
        return partial(screen.action_go_to_feed, url)


def _highlight(matcher: Matcher, text: str) -> Content:
    """`text` shown literally, with the letters that matched the query highlighted."""
    content = Content(text)
    _score, offsets = matcher.fuzzy_search.match(matcher.query, text)
    for offset in offsets:
        if not text[offset].isspace():
            content = content.stylize(matcher.match_style, offset, offset + 1)
    return content
