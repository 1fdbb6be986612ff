"""Read and starred marks on the main screen: shown at once, written in order in a thread."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from textual import work

from feedtui.ui.messages import SummaryLoaded
from feedtui.ui.screens.main_base import MainScreenBase
from feedtui.ui.widgets.entry_list import EntryRow


class MarkingMixin(MainScreenBase):
    """m, s, A and u, and the queue that saves marks without blocking the keys."""

    def action_toggle_read(self) -> None:
        if (row := self._current_entry()) is not None:
            self._mark([row], read=row.unread)

    def action_toggle_star(self) -> None:
        if (row := self._current_entry()) is not None:
            self._mark([row], starred=not row.starred)

    def action_mark_all_read(self) -> None:
        rows = [row for row in self._entry_list.rows if row.unread]
        if not rows:
            return
        self._undo = {}
        for row in rows:
            self._undo.setdefault(row.entry.feed_url, []).append(row.entry.id)
        self._mark(rows, read=True)
        self.refresh_bindings()
        count = len(rows)
        self.notify(
            f"Marked {count} post{'' if count == 1 else 's'} read. Press u to undo.",
            title=self._view_title(self.view),
            markup=False,
        )

    def action_undo(self) -> None:
        undo, self._undo = self._undo, {}
        keys = {(url, id) for url, ids in undo.items() for id in ids}
        rows = [row for row in self.entries.rows if row.key in keys]
        self._mark(rows, read=False)
        for url, ids in undo.items():
            listed = {row.entry.id for row in rows if row.entry.feed_url == url}
            if missing := [id for id in ids if id not in listed]:
                self._queue_marks("read", url, missing, False)
        self.refresh_bindings()
        self.notify("Marked unread again.")

    def _mark(
        self, rows: Iterable[EntryRow], *, read: bool | None = None, starred: bool | None = None
    ) -> None:
        """Change marks: shown at once, saved at once in a thread."""
        changed: dict[tuple[str, str], EntryRow] = {}
        unread_delta: dict[str, int] = {}
        for row in rows:
            new = replace(
                row,
                unread=row.unread if read is None else not read,
                starred=row.starred if starred is None else starred,
                title=row.title,
            )
            changed[row.key] = new
            unread_delta[row.entry.feed_url] = (
                unread_delta.get(row.entry.feed_url, 0) + int(new.unread) - int(row.unread)
            )
        by_feed: dict[str, list[str]] = {}
        for url, id in changed:
            by_feed.setdefault(url, []).append(id)
        for url, ids in by_feed.items():
            if read is not None:
                self._queue_marks("read", url, ids, read)
            if starred is not None:
                self._queue_marks("starred", url, ids, starred)
        self.entries = replace(
            self.entries, rows=tuple(changed.get(row.key, row) for row in self.entries.rows)
        )
        summaries = dict(self.summaries)
        for url, delta in unread_delta.items():
            if delta and url in summaries:
                summary = summaries[url]
                summaries[url] = replace(summary, unread=max(0, summary.unread + delta))
        self.summaries = summaries

    def _queue_marks(self, kind: str, url: str, ids: Iterable[str], on: bool) -> None:
        self._marks_queue.append((kind, url, tuple(ids), on))
        self._save_marks()

    @work(thread=True, group="marks", exit_on_error=False)
    def _save_marks(self) -> None:
        """Write queued mark changes in the order they were made."""
        with self._marks_lock:
            touched: set[str] = set()
            while self._marks_queue:
                kind, url, ids, on = self._marks_queue[0]
                if kind == "read":
                    self._store.set_read(url, ids, on)
                else:
                    self._store.set_starred(url, ids, on)
                self._marks_queue.popleft()
                touched.add(url)
            for url in touched:
                self.post_message(SummaryLoaded(url, self._store.summary(url)))
