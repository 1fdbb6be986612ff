"""Managing subscriptions from the main screen: a, d, i, e and going to a feed by name."""

from __future__ import annotations

import asyncio
from pathlib import Path

from textual import work

from feedtui.core.fetch import Fetcher
from feedtui.core.jsonfile import write_bytes_atomic
from feedtui.core.models import Subscription
from feedtui.core.opml import OpmlError, parse_opml, write_opml
from feedtui.core.sanitize import clean_line
from feedtui.core.subscribe import SubscribeError, resolve_feed
from feedtui.ui.screens.prompts import Confirm, TextPrompt
from feedtui.ui.screens.refreshing import RefreshingMixin
from feedtui.ui.widgets.feed_list import View, titles_by_url, tree_order

DEFAULT_EXPORT = "~/feedtui-export.opml"
"""Where `e` offers to write the subscriptions."""


class SubscriptionsMixin(RefreshingMixin):
    """Subscribe, unsubscribe, import and export; a new feed is refreshed at once."""

    def feed_titles(self) -> list[tuple[str, str]]:
        """(url, title) of every feed in tree order, for the command palette."""
        titles = titles_by_url(self.subscriptions, self.summaries)
        return [(s.url, titles[s.url]) for s in tree_order(self.subscriptions)]

    def action_go_to_feed(self, url: str) -> None:
        """Show a feed's posts (from the command palette)."""
        self.view = View("feed", url=url)
        self._feeds.show_view(self.view)
        self._entry_list.focus()

    def action_add_feed(self) -> None:
        prompt = TextPrompt("Subscribe to a feed, or a site that links one:", "https://…")
        self.app.push_screen(prompt, self._add_feed)

    def _add_feed(self, url: str | None) -> None:
        if url and url.strip():
            self._subscribe(url.strip())

    @work(group="subscribe", exit_on_error=False)
    async def _subscribe(self, url: str) -> None:
        self.notify(f"Looking for a feed at {url}…", markup=False)
        try:
            async with self._client_factory() as client:
                found = await resolve_feed(url, Fetcher(client), self._parsers)
        except SubscribeError as error:
            self.notify(str(error), title="Not subscribed", severity="error", markup=False)
            return
        folder = self.view.folder if self.view.kind == "folder" else ()
        subscription = Subscription(found.url, clean_line(found.title), folder, found.site_url)
        added = await asyncio.to_thread(self._store.add_subscriptions, [subscription])
        if not added:
            self.notify(f"Already subscribed to {found.url}", severity="warning", markup=False)
            return
        self.notify(clean_line(found.title) or found.url, title="Subscribed", markup=False)
        self._load_cache()
        self._start_refresh(added)

    def action_remove_feed(self) -> None:
        if self.view.kind != "feed":
            return
        url = self.view.url
        question = f"Unsubscribe from {self._view_title(self.view)}? Its posts and marks go too."
        self.app.push_screen(Confirm(question), lambda yes: self._confirmed_removal(url, yes))

    def _confirmed_removal(self, url: str, yes: bool | None) -> None:
        if yes:
            self._remove_feed(url)

    @work(thread=True, group="subscriptions", exit_on_error=False)
    def _remove_feed(self, url: str) -> None:
        removed = self._store.remove_subscription(url)
        if removed is not None:
            title = clean_line(removed.title) or removed.url
            self.notify(title, title="Unsubscribed", markup=False)
        self.post_message(self._read_cache())

    def action_import_opml(self) -> None:
        prompt = TextPrompt("Import subscriptions from an OPML file:", "~/subscriptions.opml")
        self.app.push_screen(prompt, self._import_typed)

    def _import_typed(self, path: str | None) -> None:
        if path and path.strip():
            self._import(path)

    @work(thread=True, group="subscriptions", exit_on_error=False)
    def _import(self, typed: str) -> None:
        path = Path(typed.strip()).expanduser()
        try:
            found = parse_opml(path.read_bytes(), str(path))
        except OSError as error:
            self.notify(
                f"{path}: {error.strerror or error}",
                title="Not imported",
                severity="error",
                markup=False,
            )
            return
        except OpmlError as error:
            self._fail(str(error), "Not imported")
            return
        added = self._store.add_subscriptions(found)
        self.notify(f"Imported {len(added)} new of {len(found)} feeds from {path}", markup=False)
        self.post_message(self._read_cache())
        if added:
            self.app.call_from_thread(self._start_refresh, added)

    def action_export_opml(self) -> None:
        prompt = TextPrompt("Export subscriptions as OPML to:", value=DEFAULT_EXPORT)
        self.app.push_screen(prompt, self._export_typed)

    def _export_typed(self, path: str | None) -> None:
        if path and path.strip():
            self._export(path)

    @work(thread=True, group="subscriptions", exit_on_error=False)
    def _export(self, typed: str) -> None:
        path = Path(typed.strip()).expanduser()
        subscriptions = self._store.subscriptions()
        try:
            write_bytes_atomic(path, write_opml(subscriptions))
        except OSError as error:
            self.notify(
                f"{path}: {error.strerror or error}",
                title="Not exported",
                severity="error",
                markup=False,
            )
            return
        self.notify(f"Exported {len(subscriptions)} feeds to {path}", markup=False)

    def _fail(self, message: str, title: str) -> None:
        self.notify(message, title=title, severity="error", markup=False)
