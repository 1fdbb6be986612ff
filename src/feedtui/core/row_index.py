"""A feed's row index: only what the entries pane draws of each entry, so a view never reads
every feed's full headers (summaries, authors) nor builds an `Entry` per post.

It is derived from the feed's entry records alone (marks are applied when a view is read, from
the marks files, so a mark made anywhere shows at once). The store writes it beside the entries
file with that file's stamp; an index whose stamp or rules differ is stale and rebuilt.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from feedtui.core.models import from_stamp
from feedtui.core.sanitize import clean_line

RULES = 1
"""Bump when what a row holds or how its title is cleaned changes: older indexes are rebuilt."""


@dataclass(frozen=True, slots=True)
class FeedRows:
    """One feed's entries as rows, newest first, column by column (cheap to load and walk)."""

    ids: tuple[str, ...] = ()
    """Each entry's id."""
    titles: tuple[str, ...] = ()
    """Each title, cleaned to one line ("" when it has none)."""
    links: tuple[str, ...] = ()
    """Each entry's link."""
    published: tuple[float, ...] = ()
    """When each was published, in POSIX seconds (0 when the record had no readable date)."""

    def to_json(self) -> dict[str, Any]:
        return {
            "rules": RULES,
            "ids": list(self.ids),
            "titles": list(self.titles),
            "links": list(self.links),
            "published": list(self.published),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FeedRows | None:
        """The rows of an index file; None when it is from other rules or malformed."""
        if data.get("rules") != RULES:
            return None
        columns: list[Any] = [data.get(name) for name in ("ids", "titles", "links", "published")]
        if not all(isinstance(column, list) for column in columns):
            return None
        ids, titles, links, published = (tuple(column) for column in columns)
        if not len(ids) == len(titles) == len(links) == len(published):
            return None
        # Types checked a column at a time (`map(type, ...)` runs in C): a view reads 40,000 rows.
        texts = set(map(type, ids)) | set(map(type, titles)) | set(map(type, links)) <= {str}
        numbers = set(map(type, published)) <= {int, float}
        return cls(ids, titles, links, published) if texts and numbers else None


def derive_rows(records: Iterable[Any]) -> FeedRows:
    """The rows of a feed's stored entry records (as `Entry.to_json` wrote them), in order.

    Records a reader would skip (not an object, no id) are skipped here too.
    """
    ids: list[str] = []
    titles: list[str] = []
    links: list[str] = []
    published: list[float] = []
    for record in records:
        if not isinstance(record, dict) or "id" not in record:
            continue
        when = from_stamp(record.get("published"))
        ids.append(str(record["id"]))
        titles.append(clean_line(str(record.get("title") or "")))
        links.append(str(record.get("link") or ""))
        published.append(when.timestamp() if when is not None else 0.0)
    return FeedRows(tuple(ids), tuple(titles), tuple(links), tuple(published))
