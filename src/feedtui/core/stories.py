"""Stories: one event's coverage by many feeds, grouped at ingest and kept with the JSON data.

An entry joins an existing group, first rule that matches:

1. its canonical URL (tracking parameters dropped) equals a member's;
2. it names a CVE/GHSA id a member names (posts naming more than three ids are roundups and
   join nothing by id);
3. its title's similarity (`GroupItem.similarity`, cosine of word/CJK-bigram sets, at least
   two tokens shared) with a member *of another feed* is at least 0.5 (between an English and a
   Chinese title: on their Latin-script tokens, at least 0.6). Two posts of one feed are never
   joined by similarity alone: one feed does not cover the same event twice. Nor are two posts
   naming different CVE/GHSA ids: alike titles ("OpenSSH fixes bug") hide different flaws.

Otherwise it starts its own group. Only entries published in the last 14 days take part: news
older than that is no longer "the same story", and the window bounds the index. The inverted
indexes (URL → group, id → group, token → groups) live in memory and are rebuilt from the stored
members in one pass, so adding an entry costs about O(its tokens).

Storage under the data directory:

- `stories.json`: a snapshot, every group's members (feed, id, title, link, date, ids);
- `stories.journal`: one JSON line per entry added since the snapshot, appended per feed and
  fsynced once at the end of a refresh (`sync`), so a refresh never rewrites the snapshot.
  Replaying it is idempotent. Once the journal is as long as the snapshot (at least
  `COMPACT_AFTER` lines), or on `flush`, the snapshot is rewritten and the journal emptied.

A lost or corrupt snapshot (set aside as `*.corrupt-<time>`) is regrouped from every feed's
entries. The files have their own lock, `.stories.lock`, so grouping may run inside or outside
the store's lock without ever waiting on itself.
"""

from __future__ import annotations

import json
import os
import threading
import weakref
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from feedtui.core.jsonfile import (
    CorruptFileError,
    read_json,
    set_aside,
    write_bytes_atomic,
    write_json,
)
from feedtui.core.lock import DataDirBusyError, DataDirLock
from feedtui.core.models import Entry, utc_now
from feedtui.core.paths import Paths
from feedtui.core.store import Store, file_stamp
from feedtui.core.story_text import (
    Grouper,
    GroupItem,
    Key,
    StoryMember,
    items_from_json,
    lead_sentences,
)

WINDOW = timedelta(days=14)
"""Entries older than this neither join nor form stories."""
COMPACT_AFTER = 5000
"""Journal lines after which the snapshot is rewritten (or more, up to the snapshot's size)."""

UnreadCheck = Callable[[str, str], bool]


def stories_file(paths: Paths) -> Path:
    """The snapshot of all groups."""
    return paths.data / "stories.json"


def journal_file(paths: Paths) -> Path:
    """Entries grouped since the snapshot, one JSON line each."""
    return paths.data / "stories.journal"


@dataclass(frozen=True, slots=True)
class Story:
    """A group of entries from at least two feeds about one event."""

    id: str
    """Stable: derived from the entry that started the group."""
    members: tuple[Key, ...]
    """(feed_url, entry_id) of every member, in the order of `entries`."""
    entries: tuple[StoryMember, ...]
    """The members, oldest first: the first is the best entry (the first to report it)."""
    headline: str
    """The best entry's title."""
    source_count: int
    """How many distinct feeds cover it."""
    newest: datetime
    """When its newest member was published."""
    rank: float
    """2·source_count + 1/(1 + age_hours/24) of the newest member + 0.5·unread fraction."""


class StoryIndex:
    """The stories of one data directory: incremental grouping, persistence and listing."""

    def __init__(
        self,
        paths: Paths,
        store: Store | None = None,
        on_problem: Callable[[str], None] | None = None,
    ) -> None:
        self.paths = paths
        self.problems: list[str] = []
        self.needs_rebuild = False
        """True when the snapshot was lost and no store was given to regroup from."""
        self._store = store
        self._on_problem = on_problem
        self._lock = DataDirLock(paths.data / ".stories.lock")
        self._grouper = Grouper()
        self._snapshot_stamp: list[int] | None = None
        self._journal_inode: int | None = None
        self._journal_offset = 0
        self._journal_lines = 0

    # -- writing ---------------------------------------------------------------------------

    def add_entries(self, entries: Iterable[Entry], now: datetime | None = None) -> None:
        """Group newly stored entries; called after each feed's merge. Never raises on I/O."""
        now = now or utc_now()
        horizon = now - WINDOW
        items = sorted(
            (GroupItem.from_entry(e) for e in entries if e.published >= horizon),
            key=lambda i: (i.member.published, i.member.key),
        )
        if not items:
            return
        try:
            with self._lock.held():
                self._sync(now)
                fresh = [i for i in items if i.member.key not in self._grouper]
                if not fresh:
                    return
                self._append_journal(fresh)
                for item in fresh:
                    self._grouper.add(item, horizon)
                # The journal may grow as big as the snapshot: rewriting costs O(1) per entry.
                if self._journal_lines >= max(COMPACT_AFTER, len(self._grouper)):
                    self._compact(now)
        except (OSError, DataDirBusyError) as error:
            self._report(f"stories: grouping skipped ({error})")

    def flush(self, now: datetime | None = None) -> None:
        """Fold the journal into the snapshot and drop members that left the window."""
        now = now or utc_now()
        with self._lock.held():
            if stories_file(self.paths).exists() and _is_empty(journal_file(self.paths)):
                return  # nothing to fold in: a refresh where every feed answered 304
            self._sync(now)
            self._compact(now)

    def sync(self) -> None:
        """Make the journal durable with one fsync, leaving the snapshot as it is.

        A refresh ends with this rather than `flush`: rewriting the whole snapshot for a few
        new entries cost more than grouping them. The snapshot is rewritten when the journal
        has grown as long as it (in `add_entries`). Never raises on I/O.
        """
        try:
            with self._lock.held():
                fd = os.open(journal_file(self.paths), os.O_RDONLY)
                try:
                    os.fsync(fd)
                finally:
                    os.close(fd)
        except FileNotFoundError:
            return
        except (OSError, DataDirBusyError) as error:
            self._report(f"stories: the journal could not be synced ({error})")

    def rebuild(self, store: Store, now: datetime | None = None) -> None:
        """Regroup from every feed's stored entries within the window."""
        now = now or utc_now()
        with self._lock.held():
            self._rebuild_locked(store, now)

    def _rebuild_locked(self, store: Store, now: datetime) -> None:
        horizon = now - WINDOW
        items = [
            GroupItem.from_entry(entry)
            for subscription in store.subscriptions()
            for entry in store.entries(subscription.url)
            if entry.published >= horizon
        ]
        items.sort(key=lambda i: (i.member.published, i.member.key))
        self._grouper = Grouper()
        for item in items:
            self._grouper.add(item, horizon)
        self._compact(now)
        self.needs_rebuild = False

    def _compact(self, now: datetime) -> None:
        self._grouper = self._grouper.pruned(now - WINDOW)
        groups = {
            gid: [item.to_json() for item in items] for gid, items in self._grouper.groups.items()
        }
        write_json(stories_file(self.paths), {"window_days": WINDOW.days, "groups": groups})
        write_bytes_atomic(journal_file(self.paths), b"")
        self._snapshot_stamp = file_stamp(stories_file(self.paths))
        self._journal_inode = os.stat(journal_file(self.paths)).st_ino
        self._journal_offset = self._journal_lines = 0

    def _append_journal(self, items: list[GroupItem]) -> None:
        lines = "".join(json.dumps(i.to_json(), ensure_ascii=False) + "\n" for i in items)
        fd = os.open(journal_file(self.paths), os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            size = os.fstat(fd).st_size
            # A crash can leave a torn last line; start ours on a fresh one.
            torn = size > 0 and os.pread(fd, 1, size - 1) != b"\n"
            os.write(fd, (("\n" if torn else "") + lines).encode("utf-8", "surrogatepass"))
            # No fsync: the journal is derived data, and flush() after a refresh folds it into
            # the snapshot, written durably; a power cut before that costs only grouping.
            info = os.fstat(fd)
        finally:
            os.close(fd)
        self._journal_inode, self._journal_offset = info.st_ino, info.st_size
        self._journal_lines += len(items)

    # -- reading ---------------------------------------------------------------------------

    def _sync(self, now: datetime) -> None:
        """Catch up with what this or another process wrote; call with the lock held."""
        if file_stamp(stories_file(self.paths)) != self._snapshot_stamp:
            self._load(now)
            return
        try:
            info = os.stat(journal_file(self.paths))
        except FileNotFoundError:
            self._journal_inode, self._journal_offset = None, 0
            return
        if info.st_ino != self._journal_inode or info.st_size < self._journal_offset:
            self._load(now)
        elif info.st_size > self._journal_offset:
            self._replay_journal(now)

    def _load(self, now: datetime) -> None:
        horizon = now - WINDOW
        self._grouper = Grouper()
        self._journal_inode, self._journal_offset, self._journal_lines = None, 0, 0
        path = stories_file(self.paths)
        try:
            data = read_json(path)
            groups = None if data is None else data.get("groups")
            if data is not None and not isinstance(groups, dict):
                raise set_aside(path, "no groups")
        except CorruptFileError as error:
            self._report(str(error))
            groups = None
        if groups is None:
            if self._store is not None:
                self._rebuild_locked(self._store, now)
                return
            self.needs_rebuild = True
        else:
            for gid, records in groups.items():
                for item in items_from_json(records):
                    if item.member.published >= horizon:
                        self._grouper.insert(str(gid), item, horizon)
        self._snapshot_stamp = file_stamp(path)
        self._replay_journal(now)

    def _replay_journal(self, now: datetime) -> None:
        try:
            with open(journal_file(self.paths), "rb") as handle:
                self._journal_inode = os.fstat(handle.fileno()).st_ino
                handle.seek(self._journal_offset)
                tail = handle.read()
        except FileNotFoundError:
            return
        self._journal_offset += len(tail)
        lines = tail.decode("utf-8", "replace").splitlines()
        self._journal_lines += len(lines)
        records = []
        for line in lines:
            try:
                records.append(json.loads(line))
            except ValueError:
                continue  # a line torn by a crash: that entry waits for the next rebuild
        for item in items_from_json(records):
            if item.member.published >= now - WINDOW:
                self._grouper.add(item, now - WINDOW)

    def stories(
        self, now: datetime | None = None, unread: UnreadCheck | None = None
    ) -> list[Story]:
        """Groups covered by at least two feeds, highest rank first."""
        now = now or utc_now()
        unread = unread or self._default_unread()
        with self._lock.held():
            self._sync(now)
            groups = list(self._grouper.groups.items())
        found = (_story(gid, items, now, unread) for gid, items in groups)
        result = [story for story in found if story is not None]
        result.sort(key=lambda s: (-s.rank, -s.newest.timestamp(), s.id))
        return result

    def story_of(
        self,
        feed_url: str,
        entry_id: str,
        now: datetime | None = None,
        unread: UnreadCheck | None = None,
    ) -> Story | None:
        """The story an entry belongs to, if other feeds cover it too."""
        now = now or utc_now()
        with self._lock.held():
            self._sync(now)
            gid = self._grouper.group_of((feed_url, entry_id))
            items = list(self._grouper.groups[gid]) if gid else []
        return _story(gid, items, now, unread or self._default_unread()) if gid else None

    def _default_unread(self) -> UnreadCheck:
        return unread_checker(self._store) if self._store else lambda feed, entry: True

    def _report(self, message: str) -> None:
        self.problems.append(message)
        if self._on_problem is not None:
            self._on_problem(message)


def _story(gid: str, items: list[GroupItem], now: datetime, unread: UnreadCheck) -> Story | None:
    horizon = now - WINDOW
    members = sorted(
        (i.member for i in items if i.member.published >= horizon),
        key=lambda m: (m.published, m.key),
    )
    feeds = {m.feed_url for m in members}
    if len(feeds) < 2:
        return None
    newest = max(m.published for m in members)
    age_hours = max(0.0, (now - newest).total_seconds() / 3600)
    unread_fraction = sum(1 for m in members if unread(*m.key)) / len(members)
    rank = 2 * len(feeds) + 1 / (1 + age_hours / 24) + 0.5 * unread_fraction
    return Story(
        id=gid,
        members=tuple(m.key for m in members),
        entries=tuple(members),
        headline=members[0].title,
        source_count=len(feeds),
        newest=newest,
        rank=round(rank, 3),
    )


def _is_empty(path: Path) -> bool:
    try:
        return path.stat().st_size == 0
    except FileNotFoundError:
        return True


def unread_checker(store: Store) -> UnreadCheck:
    """Is (feed_url, entry_id) unread? Reads each feed's marks once per checker."""
    read: dict[str, frozenset[str]] = {}

    def unread(feed_url: str, entry_id: str) -> bool:
        if feed_url not in read:
            read[feed_url] = store.marks(feed_url).read
        return entry_id not in read[feed_url]

    return unread


def summary(story: Story, store: Store) -> str:
    """The first sentences (≤ 300 chars) of the best entry's text, else of the next member's."""
    for member in story.entries:
        for entry in store.entries(member.feed_url):
            if entry.id == member.entry_id and entry.summary.strip():
                return lead_sentences(entry.summary, 300, 2)
    return ""


def mark_story_read(store: Store, story: Story, read: bool = True) -> None:
    """Mark every member of the story read (or unread), feed by feed."""
    by_feed: defaultdict[str, list[str]] = defaultdict(list)
    for feed_url, entry_id in story.members:
        by_feed[feed_url].append(entry_id)
    for feed_url, ids in by_feed.items():
        store.set_read(feed_url, ids, read)


_shared: weakref.WeakKeyDictionary[Store, StoryIndex] = weakref.WeakKeyDictionary()
_shared_lock = threading.Lock()


def story_index(store: Store) -> StoryIndex:
    """The one StoryIndex of a Store, so refresh, the CLI and the UI share its memory."""
    with _shared_lock:
        index = _shared.get(store)
        if index is None:
            index = StoryIndex(store.paths, store, on_problem=store.problems.append)
            _shared[store] = index
        return index
