"""Read and starred marks on the main screen: shown at once, written in order in a thread."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from textual import work

from feedtui.ui.screens.main_base import MainScreenBase, count_of
from feedtui.ui.widgets.entry_list import EntryRow


class MarkingMixin(MainScreenBase):
    """m, s, A and u, and the queue that saves marks without blocking the keys."""

    def action_toggle_read(self) -> None:
        """m: a post read or unread; a story: every post of it read (or all unread again)."""
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
            for url, entry_id in row.members:
                if row.is_unread((url, entry_id)):
                    self._undo.setdefault(url, []).append(entry_id)
        self._mark(rows, read=True)
        self.refresh_bindings()
        marked = (
            count_of(len(rows), "story", "stories")
            if rows[0].story
            else count_of(len(rows), "post", "posts")
        )
        self.notify(
            f"Marked {marked} read. Press u to undo.",
            title=self._view_title(self.view),
            markup=False,
        )

    def action_undo(self) -> None:
        undo, self._undo = self._undo, {}
        keys = {(url, id) for url, ids in undo.items() for id in ids}
        rows = [row for row in self.entries.rows if keys.intersection(row.members)]
        self._mark(rows, read=False, only=keys)
        for url, ids in undo.items():
            listed = {id for row in rows for u, id in row.members if u == url}
            if missing := [id for id in ids if id not in listed]:
                self._queue_marks("read", url, missing, False)
        self.refresh_bindings()
        self.notify("Marked unread again.")

    def _mark(
        self,
        rows: Iterable[EntryRow],
        *,
        read: bool | None = None,
        starred: bool | None = None,
        only: set[tuple[str, str]] | None = None,
    ) -> None:
        """Change marks: shown at once, saved at once in a thread.

        A story row marks every post of its story (or those in `only`).
        """
        changed: dict[tuple[str, str], EntryRow] = {}
        unread_delta: dict[str, int] = {}
        by_feed: dict[str, list[str]] = {}
        for row in rows:
            members = [key for key in row.members if only is None or key in only]
            for url, entry_id in members:
                by_feed.setdefault(url, []).append(entry_id)
                if read is not None:
                    was_unread = row.is_unread((url, entry_id))
                    unread_delta[url] = unread_delta.get(url, 0) + int(not read) - int(was_unread)
            changed[row.key] = _marked(row, members, read, starred)
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
            if touched:
                self.post_message(self._read_summaries(touched))


def _marked(
    row: EntryRow, members: list[tuple[str, str]], read: bool | None, starred: bool | None
) -> EntryRow:
    """`row` as it looks once `members` of it are marked."""
    story = row.story
    if story is not None and read is not None:
        left = story.unread - set(members) if read else story.unread | set(members)
        story = replace(story, unread=frozenset(left))
    unread = row.unread if read is None else not read
    if story is not None:
        unread = bool(story.unread)
    return replace(
        row,
        unread=unread,
        starred=row.starred if starred is None else starred,
        story=story,
    )
