"""The JSON store: subscriptions, per-feed entries, bodies and read/starred marks.

Layout under the data directory (every file atomic and versioned):

- `subscriptions.json`: the subscription list, in OPML order.
- `entries/<key>.json`: one feed's entry headers (no bodies) and its validators (ETag,
  Last-Modified); rewritten only when the feed returns new content.
- `bodies/<key>.json`: that feed's HTML bodies, read only when a post is opened.
- `marks/<key>.json`: that feed's read and starred entry ids; small, rewritten on every toggle.
- `rows/<key>.json`: that feed's row index (`core.row_index`): what the entries pane lists of each
  entry, written with the entries file and holding its stamp; rebuilt from it when stale.
- `index.json`: a derived cache of per-feed status and counts, so start-up reads one small file
  instead of every entry. It records the files' mtimes and is recomputed per feed when stale.

`<key>` is a hash of the feed URL: no text from a feed ever becomes a file name.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from feedtui.core.jsonfile import (
    CorruptFileError,
    fsync_directory,
    read_json,
    remove_stale_temp_files,
    write_json,
)
from feedtui.core.lock import DataDirLock
from feedtui.core.models import Entry, FeedState, Subscription, from_stamp, to_stamp, utc_now
from feedtui.core.paths import Paths
from feedtui.core.row_index import FeedRows, derive_rows
from feedtui.core.urls import normalise_url

MAX_ENTRIES_PER_FEED = 500
"""Past this, the oldest read (or long-unread) entries that left the feed are pruned."""
UNREAD_WINDOW = timedelta(days=180)
"""Unread entries younger than this are never pruned."""

ProblemReporter = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class Marks:
    """A feed's read and starred entry ids."""

    read: frozenset[str] = frozenset()
    starred: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class FeedSummary:
    """What the feeds pane needs of one feed, without reading its entries."""

    state: FeedState
    total: int = 0
    unread: int = 0
    newest: datetime | None = None


@dataclass(frozen=True, slots=True)
class MergeResult:
    """What storing a freshly parsed document changed."""

    new_entries: int
    """How many entries had not been seen before."""
    total: int
    """How many entries the feed keeps now."""
    added: tuple[Entry, ...] = ()
    """The entries seen for the first time."""


@dataclass
class _CachedFile:
    stamp: list[int]
    value: Any


@dataclass
class _Index:
    feeds: dict[str, dict[str, Any]] = field(default_factory=dict)
    dirty: set[str] = field(default_factory=set)
    stamp: list[int] = field(default_factory=list)


class Store:
    """All persistent state of feedtui; safe to share between threads and processes."""

    def __init__(self, paths: Paths, on_problem: ProblemReporter | None = None) -> None:
        self.paths = paths
        self.problems: list[str] = []
        self._on_problem = on_problem
        self._lock = DataDirLock(paths.lock)
        self._cache: dict[Path, _CachedFile] = {}
        self._unsynced_directories: set[Path] = set()
        self._index = _Index()
        self._rows: dict[str, tuple[list[int], FeedRows]] = {}
        self._files: dict[str, tuple[Path, Path, Path, Path]] = {}
        with self._lock.held():
            for directory in (
                paths.data,
                paths.entries_dir,
                paths.bodies_dir,
                paths.marks_dir,
                paths.rows_dir,
            ):
                directory.mkdir(parents=True, exist_ok=True)
                remove_stale_temp_files(directory)

    # -- problems ---------------------------------------------------------------------------

    def _report(self, message: str) -> None:
        self.problems.append(message)
        if self._on_problem is not None:
            self._on_problem(message)

    def _read(self, path: Path) -> dict[str, Any] | None:
        """Read a data file; a corrupt one is set aside, reported, and treated as absent."""
        try:
            return read_json(path)
        except CorruptFileError as error:
            self._report(str(error))
            return None

    def _read_cached(self, path: Path) -> dict[str, Any] | None:
        stamp = file_stamp(path)
        if not stamp:
            self._cache.pop(path, None)
            return None
        cached = self._cache.get(path)
        if cached is not None and cached.stamp == stamp:
            return cached.value  # type: ignore[no-any-return]
        data = self._read(path)
        self._cache[path] = _CachedFile(stamp, data)
        return data

    def _write(self, path: Path, payload: dict[str, Any], *, sync_later: bool = False) -> None:
        """Write atomically; `sync_later` leaves the directory's fsync to `flush` (refresh)."""
        write_json(path, payload, sync_directory=not sync_later)
        if sync_later:
            self._unsynced_directories.add(path.parent)
        self._cache.pop(path, None)

    def version(self) -> list[int]:
        """Stamps of the files start-up reads (subscriptions and index): they change when any
        process adds or removes feeds or finishes a refresh, so a reader can notice cheaply."""
        return file_stamp(self.paths.subscriptions) + file_stamp(self.paths.index)

    # -- subscriptions ----------------------------------------------------------------------

    def has_subscription_file(self) -> bool:
        """False only on a data directory that was never set up."""
        return self.paths.subscriptions.exists() or any(
            self.paths.data.glob(f"{self.paths.subscriptions.name}.corrupt-*")
        )

    def subscriptions(self) -> list[Subscription]:
        """The subscriptions in their stored order."""
        data = self._read_cached(self.paths.subscriptions)
        if data is None:
            return []
        result = []
        for item in data.get("feeds", []):
            try:
                result.append(Subscription.from_json(item))
            except (KeyError, TypeError, ValueError):
                self._report(f"skipped a malformed subscription in {self.paths.subscriptions.name}")
        return result

    def subscription(self, url: str) -> Subscription | None:
        """The subscription for `url` (compared normalised), if any."""
        wanted = normalise_url(url)
        return next((s for s in self.subscriptions() if normalise_url(s.url) == wanted), None)

    def _save_subscriptions(self, subscriptions: list[Subscription]) -> None:
        self._write(self.paths.subscriptions, {"feeds": [s.to_json() for s in subscriptions]})

    def add_subscriptions(self, new: Iterable[Subscription]) -> list[Subscription]:
        """Merge subscriptions in, matching by normalised URL; returns those really added."""
        with self._lock.held():
            current = self.subscriptions()
            known = {normalise_url(s.url) for s in current}
            added = []
            for subscription in new:
                key = normalise_url(subscription.url)
                if key in known:
                    continue
                known.add(key)
                added.append(subscription)
            if added or not self.paths.subscriptions.exists():
                self._save_subscriptions(current + added)
            return added

    def remove_subscription(self, url: str) -> Subscription | None:
        """Unsubscribe; the feed's files go too. Returns what was removed."""
        with self._lock.held():
            target = self.subscription(url)
            if target is None:
                return None
            self._save_subscriptions([s for s in self.subscriptions() if s != target])
            for path in self._feed_files(target.url):
                path.unlink(missing_ok=True)
            self._load_index()
            self._index.feeds.pop(target.url, None)
            self._index.dirty.add(target.url)
            self._flush_index_locked()
            return target

    def move_subscription(self, old_url: str, new_url: str) -> None:
        """Follow a permanent redirect: the subscription and all its data take the new URL."""
        with self._lock.held():
            subscriptions = self.subscriptions()
            if any(normalise_url(s.url) == normalise_url(new_url) for s in subscriptions):
                return  # already subscribed under the new URL; keep both rather than merge
            moved = [
                Subscription(new_url, s.title, s.folder, s.html_url) if s.url == old_url else s
                for s in subscriptions
            ]
            self._save_subscriptions(moved)
            for old, new in zip(self._feed_files(old_url), self._feed_files(new_url), strict=True):
                if old.exists():
                    os.replace(old, new)
            self._load_index()
            record = self._index.feeds.pop(old_url, None)
            if record is not None:
                record["state"]["url"] = new_url
                self._index.feeds[new_url] = record
            self._index.dirty.update({old_url, new_url})
            self._flush_index_locked()

    def _feed_files(self, url: str) -> tuple[Path, Path, Path, Path]:
        """A feed's entries, bodies, marks and rows files (remembered: a view asks per feed)."""
        files = self._files.get(url)
        if files is None:
            key = Subscription(url).key
            files = (
                self.paths.entries_file(key),
                self.paths.bodies_file(key),
                self.paths.marks_file(key),
                self.paths.rows_file(key),
            )
            self._files[url] = files
        return files

    # -- entries ----------------------------------------------------------------------------

    def _entries_data(self, url: str) -> dict[str, Any]:
        return self._read_cached(self.paths.entries_file(Subscription(url).key)) or {}

    def entries(self, url: str) -> list[Entry]:
        """A feed's entries, newest first."""
        result = []
        for item in self._entries_data(url).get("entries", []):
            try:
                result.append(Entry.from_json(item, url))
            except (KeyError, TypeError, ValueError):
                continue
        return result

    def body(self, url: str, entry_id: str) -> str:
        """The HTML body of one entry ("" when there is none)."""
        data = self._read_cached(self.paths.bodies_file(Subscription(url).key)) or {}
        body = data.get("bodies", {}).get(entry_id, "")
        return body if isinstance(body, str) else ""

    def validators(self, url: str) -> tuple[str, str]:
        """The (ETag, Last-Modified) to send on the next fetch of `url`.

        They come from the index when it has them, so a refresh of unchanged feeds reads no
        entries file; a stale index only costs a full download, never a wrong merge.
        """
        with self._lock.held():
            self._load_index()
            state = (self._index.feeds.get(url) or {}).get("state") or {}
        if state.get("etag") or state.get("last_modified"):
            return str(state.get("etag") or ""), str(state.get("last_modified") or "")
        data = self._entries_data(url)
        return str(data.get("etag") or ""), str(data.get("last_modified") or "")

    def merge_entries(
        self,
        url: str,
        fetched: Iterable[tuple[Entry, str]],
        *,
        etag: str = "",
        last_modified: str = "",
        feed_title: str = "",
        site_url: str = "",
        warning: str = "",
        encoding: str = "",
        now: datetime | None = None,
    ) -> MergeResult:
        """Store a freshly fetched document: known ids are updated, never duplicated or
        marked unread again; undated entries keep the time they were first seen."""
        now = now or utc_now()
        entries_path, bodies_path, _, rows_path = self._feed_files(url)
        with self._lock.held():
            data = self._read(entries_path) or {}
            old = {item.get("id"): item for item in data.get("entries", []) if "id" in item}
            bodies_data = self._read(bodies_path) or {}
            bodies: dict[str, str] = dict(bodies_data.get("bodies", {}))
            current: dict[str, dict[str, Any]] = {}
            added: list[Entry] = []
            for entry, body in fetched:
                if entry.id in current:
                    continue
                record = entry.to_json()
                previous = old.get(entry.id)
                if previous is None:
                    added.append(entry)
                elif not entry.dated:
                    record["published"] = previous.get("published", record["published"])
                current[entry.id] = record
                if body:
                    bodies[entry.id] = body
            marks = self.marks(url)
            records = self._retain(list(current.values()), old, marks, now)
            kept_ids = {record["id"] for record in records}
            bodies = {key: value for key, value in bodies.items() if key in kept_ids}
            # A refresh stores hundreds of feeds: their directories are fsynced once, in flush.
            self._write(
                entries_path,
                {
                    "url": url,
                    "etag": etag,
                    "last_modified": last_modified,
                    "title": feed_title,
                    "site_url": site_url,
                    "entries": records,
                },
                sync_later=True,
            )
            if bodies != bodies_data.get("bodies"):
                self._write(bodies_path, {"bodies": bodies}, sync_later=True)
            self._write_rows(rows_path, file_stamp(entries_path), derive_rows(records))
            # The counts are known here: start-up must not re-read this feed to learn them.
            counts = {
                "total": len(records),
                "unread": sum(1 for record in records if record["id"] not in marks.read),
                "newest": records[0].get("published") if records else None,
                "mtimes": self._stamps(url),
            }
            self._update_state(
                url,
                counts,
                status="ok",
                error="",
                etag=etag,
                last_modified=last_modified,
                last_checked=now,
                last_updated=now if added else None,
                retry_after=None,
                title=feed_title,
                site_url=site_url,
                warning=warning,
                encoding=encoding,
            )
            return MergeResult(new_entries=len(added), total=len(records), added=tuple(added))

    def _retain(
        self,
        current: list[dict[str, Any]],
        old: dict[Any, dict[str, Any]],
        marks: Marks,
        now: datetime,
    ) -> list[dict[str, Any]]:
        """Current entries plus the old ones still worth keeping, newest first."""
        present = {record["id"] for record in current}
        records = current + [r for key, r in old.items() if key not in present]
        records.sort(key=lambda r: r.get("published") or "", reverse=True)
        excess = len(records) - MAX_ENTRIES_PER_FEED
        if excess <= 0:
            return records
        horizon = to_stamp(now - UNREAD_WINDOW) or ""
        drop: set[str] = set()
        for record in reversed(records):
            if len(drop) >= excess:
                break
            key = record["id"]
            if key in present or key in marks.starred:
                continue
            if key in marks.read or (record.get("published") or "") < horizon:
                drop.add(key)
        return [r for r in records if r["id"] not in drop]

    # -- rows: what the entries pane lists ---------------------------------------------------

    def rows(self, url: str) -> FeedRows:
        """A feed's entries as the entries pane lists them, newest first (marks are apart).

        They come from the feed's row index, trusted only while it names the current entries
        file: a lost, stale or unreadable index is rebuilt from the entries and saved. No lock:
        the stamp is taken before the entries are read, so a race leaves at worst an index
        naming an older file, which is rebuilt on the next look.
        """
        entries_path, _, _, rows_path = self._feed_files(url)
        source = file_stamp(entries_path)
        cached = self._rows.get(url)
        if cached is not None and cached[0] == source:
            return cached[1]
        data = self._read(rows_path) or {}
        rows = FeedRows.from_json(data) if source and data.get("source") == source else None
        if rows is None:
            rows = derive_rows((self._read(entries_path) or {}).get("entries", []))
            with contextlib.suppress(OSError):  # a cache: no view fails for want of saving it
                self._write_rows(rows_path, source, rows)
        self._rows[url] = (source, rows)
        return rows

    def _write_rows(self, path: Path, source: list[int], rows: FeedRows) -> None:
        """Save a row index made from the entries file whose stamp is `source` (none: no index)."""
        if not source:
            path.unlink(missing_ok=True)
            return
        # A derived cache: its directory's fsync waits for `flush` like a refresh's files.
        self._write(path, {"source": source, **rows.to_json()}, sync_later=True)

    # -- marks ------------------------------------------------------------------------------

    def marks(self, url: str) -> Marks:
        """A feed's read and starred ids."""
        data = self._read_cached(self._feed_files(url)[2]) or {}
        return Marks(
            read=frozenset(str(i) for i in data.get("read", [])),
            starred=frozenset(str(i) for i in data.get("starred", [])),
        )

    def set_read(self, url: str, entry_ids: Iterable[str], read: bool = True) -> None:
        """Mark entries read or unread; saved at once."""
        self._change_marks(url, "read", set(entry_ids), read)

    def set_starred(self, url: str, entry_ids: Iterable[str], starred: bool = True) -> None:
        """Star or unstar entries; saved at once."""
        self._change_marks(url, "starred", set(entry_ids), starred)

    def _change_marks(self, url: str, kind: str, ids: set[str], on: bool) -> None:
        path = self._feed_files(url)[2]
        with self._lock.held():
            # Re-read inside the lock: another process may have marked entries meanwhile.
            data = self._read(path) or {}
            marks = {name: set(data.get(name, [])) for name in ("read", "starred")}
            before = set(marks[kind])
            if on:
                marks[kind] |= ids
            else:
                marks[kind] -= ids
            if marks[kind] == before:
                return
            # The feed's index record stays: its counts are recounted on the next look (the marks
            # file's stamp changed) and its state (errors, Retry-After, gone) must survive.
            self._write(path, {name: sorted(values) for name, values in marks.items()})

    # -- index: per-feed state and counts ---------------------------------------------------

    def _load_index(self) -> None:
        """(Re)load the index when another writer replaced it, keeping our pending changes."""
        stamp = file_stamp(self.paths.index)
        if stamp == self._index.stamp:
            return
        data = self._read(self.paths.index) or {}
        feeds = data.get("feeds")
        fresh = dict(feeds) if isinstance(feeds, dict) else {}
        for url in self._index.dirty:
            if url in self._index.feeds:
                fresh[url] = self._index.feeds[url]
            else:
                fresh.pop(url, None)
        self._index.feeds = fresh
        self._index.stamp = stamp

    def summaries(self) -> dict[str, FeedSummary]:
        """Status and counts of every subscribed feed, cheap enough for start-up."""
        with self._lock.held():
            self._load_index()
            result = {}
            for subscription in self.subscriptions():
                result[subscription.url] = self._summary(subscription.url)
            if self._index.dirty:
                self._flush_index_locked()
            return result

    def summary(self, url: str) -> FeedSummary:
        """Status and counts of one feed."""
        with self._lock.held():
            self._load_index()
            return self._summary(url)

    def _stamps(self, url: str) -> list[int]:
        """The versions of the files a feed's counts come from (entries and marks)."""
        entries_path, _, marks_path, _ = self._feed_files(url)
        return file_stamp(entries_path) + file_stamp(marks_path)

    def _summary(self, url: str) -> FeedSummary:
        stamps = self._stamps(url)
        record = self._index.feeds.get(url)
        if record is None or record.get("mtimes") != stamps:
            record = self._recount(url, record, stamps)
        state = FeedState.from_json({**record.get("state", {}), "url": url})
        return FeedSummary(
            state=state,
            total=int(record.get("total", 0)),
            unread=int(record.get("unread", 0)),
            newest=from_stamp(record.get("newest")),
        )

    def _recount(
        self, url: str, record: dict[str, Any] | None, stamps: list[int]
    ) -> dict[str, Any]:
        data = self._entries_data(url)
        ids = [item.get("id") for item in data.get("entries", [])]
        read = self.marks(url).read
        state = dict((record or {}).get("state") or {"url": url})
        for name in ("etag", "last_modified", "title", "site_url"):
            if data.get(name):
                state[name] = data[name]
        fresh = {
            "state": state,
            "total": len(ids),
            "unread": sum(1 for i in ids if i not in read),
            "newest": (data.get("entries") or [{}])[0].get("published"),
            "mtimes": stamps,
        }
        self._index.feeds[url] = fresh
        self._index.dirty.add(url)
        return fresh

    def record_status(self, url: str, **changes: Any) -> None:
        """Keep the outcome of a fetch that brought no new content (304, errors, 410).

        The feed's files did not change, so its counts stay valid: nothing is re-read.
        """
        with self._lock.held():
            self._update_state(url, None, **changes)

    def record_unchanged(self, checks: Iterable[tuple[str, datetime]]) -> None:
        """Keep that each (feed URL, time) was checked and found unchanged (HTTP 304)."""
        with self._lock.held():
            subscribed = {subscription.url for subscription in self.subscriptions()}
            for url, checked in checks:
                if url in subscribed:  # else removed meanwhile: nothing to bring back
                    self._update_state(
                        url, None, status="unchanged", error="", last_checked=checked
                    )

    def _update_state(self, url: str, counts: dict[str, Any] | None, **changes: Any) -> None:
        """Set a feed's state; `counts` (total, unread, newest, mtimes) when its files changed."""
        self._load_index()
        record = self._index.feeds.get(url) or {"state": {"url": url}}
        state = FeedState.from_json({**record.get("state", {}), "url": url})
        changes = {k: v for k, v in changes.items() if not (k == "last_updated" and v is None)}
        record = {**record, **(counts or {}), "state": state.evolve(**changes).to_json()}
        self._index.feeds[url] = record
        self._index.dirty.add(url)

    def flush(self) -> None:
        """Write pending index changes (state of fetches, counts); make stored feeds durable."""
        with self._lock.held():
            self._flush_index_locked()
            directories, self._unsynced_directories = self._unsynced_directories, set()
        for directory in directories:
            fsync_directory(directory)

    def _flush_index_locked(self) -> None:
        if not self._index.dirty:
            return
        # Merge into what is on disk: another process may have written other feeds meanwhile.
        on_disk = (self._read(self.paths.index) or {}).get("feeds")
        merged = dict(on_disk) if isinstance(on_disk, dict) else {}
        for url in self._index.dirty:
            if url in self._index.feeds:
                merged[url] = self._index.feeds[url]
            else:
                merged.pop(url, None)
        self._write(self.paths.index, {"feeds": merged})
        self._index.feeds = merged
        self._index.dirty.clear()
        self._index.stamp = file_stamp(self.paths.index)


def file_stamp(path: Path) -> list[int]:
    """Identifies one version of a file: atomic replaces always give a new inode."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return []
    return [info.st_ino, info.st_mtime_ns, info.st_size]
