"""The SAX driver stops a strict parse early only inside `stopping_early`, and says why."""

from __future__ import annotations

import io
from typing import Any

import feedparser  # type: ignore[import-untyped]
import pytest

import feedtui.core.parse  # noqa: F401 - installs the driver
from feedtui.core.expat_driver import StrictBounds, StrictParseStopped, stopping_early

BOUNDS = StrictBounds(max_depth=8, max_entries=3)
FEED = "<rss version='2.0'><channel><title>t</title>{items}</channel></rss>"


def _parse(document: str) -> Any:
    return feedparser.parse(io.BytesIO(document.encode()), sanitize_html=False)


def _items(count: int) -> str:
    return "".join(f"<item><title>{n}</title></item>" for n in range(count))


@pytest.mark.parametrize(
    ("document", "reason"),
    [
        (FEED.format(items=_items(4)), "too many entries"),
        (FEED.format(items="<item>" + "<a>" * 6 + "</a>" * 6 + "</item>"), "too deep"),
        (FEED.format(items="<item><title>a & b</title></item>"), "malformed"),
        (FEED.format(items="<item><title>\x1b[31m</title></item>"), "malformed"),
        (FEED.format(items=_items(1))[:-10], "malformed"),  # cut short
    ],
)
def test_a_strict_parse_stops_and_says_why(document: str, reason: str) -> None:
    with stopping_early(BOUNDS), pytest.raises(StrictParseStopped) as stopped:
        _parse(document)
    assert stopped.value.reason == reason


def test_within_bounds_the_parse_is_feedparsers_own() -> None:
    document = FEED.format(items=_items(3))
    with stopping_early(BOUNDS):
        inside = _parse(document)
    assert [entry.title for entry in inside.entries] == ["0", "1", "2"]
    assert inside.entries == _parse(document).entries


def test_outside_the_bounds_feedparser_recovers_as_it_always_did() -> None:
    with stopping_early(BOUNDS):
        pass
    result = _parse(FEED.format(items=_items(4) + "<item><title>a & b</title></item>"))
    assert result.bozo and len(result.entries) == 5  # its loose parser read the broken document
