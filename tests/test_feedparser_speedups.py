"""feedparser with our speed-ups gives exactly what feedparser alone gives."""

from __future__ import annotations

import io
from typing import Any

import feedparser  # type: ignore[import-untyped]
import feedparser.api  # type: ignore[import-untyped]
import feedparser.mixin  # type: ignore[import-untyped]
import feedparser.util  # type: ignore[import-untyped]
import pytest

import feedtui.core.parse  # noqa: F401 - installs the speed-ups
from test_parse import CORPUS_FILES

FAST = {"sanitize_html": False, "resolve_relative_uris": False}
C1_FEED = (
    '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>C1 &#x80;</title>'
    "<item><title>Price &#x80;5 &#x93;quoted&#x94;</title><description>中文 — “q” 🎉"
    "</description></item></channel></rss>"
).encode()
SAMPLES = [C1_FEED, *(path.read_bytes() for path in CORPUS_FILES[:200])]


def _parsed(document: bytes) -> Any:
    result = feedparser.parse(io.BytesIO(document), **FAST)
    return {key: result.get(key) for key in ("feed", "entries", "bozo", "version", "encoding")}


def test_pop_and_lookups_are_replaced() -> None:
    assert getattr(feedparser.mixin._FeedParserMixin.pop, "_feedtui", False)
    assert getattr(feedparser.util.FeedParserDict.get, "_feedtui", False)


def test_lookups_keep_feedparsers_aliases_and_special_keys() -> None:
    result = _parsed(
        b"<rss version='2.0'><channel><description>d</description><item><guid>g</guid>"
        b"<category>c</category><pubDate>Mon, 02 Jan 2023 10:00:00 GMT</pubDate>"
        b"<enclosure url='http://x/a.mp3' type='audio/mpeg' length='1'/></item></channel></rss>"
    )
    feed, entry = result["feed"], result["entries"][0]
    assert feed["description"] == feed.get("subtitle") == "d" and "description" in feed
    assert entry["guid"] == entry.get("id") == "g" and "guid" in entry
    assert entry["category"] == "c" and entry.get("category") == "c"
    assert entry["enclosures"][0]["href"] == "http://x/a.mp3"
    with pytest.warns(DeprecationWarning):
        assert entry.get("updated_parsed") == entry["published_parsed"]
    assert entry.get("missing", 7) == 7 and "missing" not in entry


def test_expat_joins_the_text_it_hands_to_feedparser() -> None:
    calls: list[str] = []
    handle_data = feedparser.mixin._FeedParserMixin.handle_data

    def counting(self: Any, text: str, escape: int = 1) -> None:
        calls.append(text)
        handle_data(self, text, escape)

    body = "&lt;p&gt;one&lt;/p&gt;\n&lt;p&gt;two &amp;amp; three&lt;/p&gt;\n" * 50
    document = f"<rss version='2.0'><channel><item><description>{body}</description></item>"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(feedparser.mixin._FeedParserMixin, "handle_data", counting)
        result = _parsed(f"{document}</channel></rss>".encode())
    assert result["entries"][0]["summary"].startswith("<p>one</p>\n<p>two &amp; three</p>")
    assert len(calls) < 10  # unbuffered: 18 calls for each line of this body


def test_c1_characters_still_become_windows_1252_glyphs() -> None:
    result = _parsed(C1_FEED)
    assert result["feed"]["title"] == "C1 €"
    assert result["entries"][0]["title"] == "Price €5 “quoted”"
    assert result["entries"][0]["summary"] == "中文 — “q” 🎉"


@pytest.mark.parametrize("index", range(len(SAMPLES)))
def test_same_output_as_feedparser_alone(index: int, monkeypatch: pytest.MonkeyPatch) -> None:
    document = SAMPLES[index]
    fast = _parsed(document)
    mixin = feedparser.mixin._FeedParserMixin
    monkeypatch.setattr(mixin, "pop", mixin.pop.__wrapped__)
    monkeypatch.setattr(feedparser.api, "PREFERRED_XML_PARSERS", ["drv_libxml2"])
    for name in ("__getitem__", "get", "__contains__"):
        lookup = getattr(feedparser.util.FeedParserDict, name)
        monkeypatch.setattr(feedparser.util.FeedParserDict, name, lookup.__wrapped__)
    assert _parsed(document) == fast
