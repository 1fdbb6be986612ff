"""Pathological documents stay within the documented bounds, with a clear per-feed reason."""

from __future__ import annotations

import xml.sax.expatreader
from typing import Any

import pytest

from feedtui.core.doc_bounds import MAX_DOCUMENT_ENTRIES, MAX_NESTING
from feedtui.core.parse import NotAFeedError, parse_feed

HEAD = b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
TAIL = b"</channel></rss>"
# A well-formed document is bounded by expat as it parses; a broken one (here: a bare "&") by a
# scan before feedparser's loose parser reads it. Both must hold the same bounds.
FORMS = {"well-formed": HEAD, "broken": HEAD + b"<description>a & b</description>"}


@pytest.mark.parametrize("form", FORMS)
def test_too_many_entries_are_cut_with_a_warning(form: str) -> None:
    items = b"".join(
        b"<item><guid>%d</guid><title>t%d</title></item>" % (n, n)
        for n in range(MAX_DOCUMENT_ENTRIES + 300)
    )
    parsed = parse_feed(FORMS[form] + items + TAIL, url="http://127.0.0.1/f")
    assert len(parsed.entries) == MAX_DOCUMENT_ENTRIES
    assert f"of {MAX_DOCUMENT_ENTRIES + 300:,} entries" in parsed.warning


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("text_between", [b"", b"x"])
def test_deep_nesting_is_refused(form: str, text_between: bytes) -> None:
    depth = MAX_NESTING * 100
    body = (b"<a>" + text_between) * depth + b"</a>" * depth
    with pytest.raises(NotAFeedError, match="nested more than"):
        parse_feed(
            FORMS[form] + b"<item><title>x</title>" + body + b"</item>" + TAIL, url="http://x/"
        )


def test_prefixed_entries_count_toward_the_bound() -> None:
    entries = b"".join(
        b"<a:entry><a:id>%d</a:id><a:title>t%d</a:title></a:entry>" % (n, n)
        for n in range(MAX_DOCUMENT_ENTRIES + 300)
    )
    document = b'<a:feed xmlns:a="http://www.w3.org/2005/Atom"><a:title>t</a:title>'
    parsed = parse_feed(document + entries + b"</a:feed>", url="http://x/")
    assert len(parsed.entries) == MAX_DOCUMENT_ENTRIES
    assert f"of {MAX_DOCUMENT_ENTRIES + 300:,} entries" in parsed.warning


def test_a_broken_document_is_parsed_strictly_only_once(monkeypatch: pytest.MonkeyPatch) -> None:
    # expat already stopped on it; nothing to clean would make a second strict pass succeed.
    fed: list[bytes] = []
    feed = xml.sax.expatreader.ExpatParser.feed

    def counting(self: Any, data: Any, isFinal: bool = False) -> None:  # noqa: N803
        fed.append(data)
        feed(self, data, isFinal)

    monkeypatch.setattr(xml.sax.expatreader.ExpatParser, "feed", counting)
    document = HEAD + b"\n<item><title>a &amp; b</title></item>\n<item><title>c & d</title></item>"
    parsed = parse_feed(document + TAIL, url="http://x/")
    assert [item.entry.title for item in parsed.entries] == ["a & b", "c & d"]
    assert len(fed) == 1
    assert "not well-formed XML at line 3" in parsed.warning


def test_a_well_formed_document_is_bounded_without_a_scan_of_its_own(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def scan(document: str) -> None:
        raise AssertionError("scanned before parsing")

    monkeypatch.setattr("feedtui.core.parse.bound_document", scan)
    items = b"<item><guid>1</guid><title>one</title></item>" * 3
    assert len(parse_feed(HEAD + items + TAIL, url="http://x/").entries) == 3
    deep = b"<a>" * (MAX_NESTING + 1) + b"</a>" * (MAX_NESTING + 1)
    with pytest.raises(NotAFeedError, match="nested more than"):
        parse_feed(HEAD + b"<item>" + deep + b"</item>" + TAIL, url="http://x/")


def test_deep_markup_inside_cdata_is_only_text() -> None:
    body = b"<![CDATA[" + b"<div>" * (MAX_NESTING * 2) + b"]]>"
    parsed = parse_feed(
        HEAD + b"<item><title>x</title><description>" + body + b"</description></item>" + TAIL,
        url="http://x/",
    )
    assert parsed.entries[0].entry.title == "x"


def test_huge_title_and_long_line_are_bounded() -> None:
    doc = HEAD + b"<item><title>" + b"y" * 1_000_000 + b"</title><description>"
    doc += b"a" * 500_000 + b"</description></item>" + TAIL
    [item] = parse_feed(doc, url="http://x/").entries
    assert len(item.entry.title) <= 1000 and len(item.entry.summary) <= 400


def test_deep_nesting_after_a_cdata_section_is_still_refused() -> None:
    depth = MAX_NESTING * 2
    body = b"<description><![CDATA[<p>fine</p>]]></description>" + b"<a>" * depth + b"</a>" * depth
    with pytest.raises(NotAFeedError, match="nested more than"):
        parse_feed(HEAD + b"<item><title>x</title>" + body + b"</item>" + TAIL, url="http://x/")


def test_an_unclosed_cdata_section_is_text_to_the_end() -> None:
    body = b"<description><![CDATA[" + b"<div>" * (MAX_NESTING * 2)
    parsed = parse_feed(HEAD + b"<item><title>x</title>" + body, url="http://x/")
    assert parsed.entries[0].entry.title == "x"


def test_a_huge_html_page_is_refused_before_feedparser_reads_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import feedparser

    from feedtui.core.parse import NotAFeedError, parse_feed

    calls: list[object] = []
    monkeypatch.setattr(feedparser, "parse", lambda *a, **k: calls.append(a))
    page = b"<!DOCTYPE html>\n<html><body>" + b"<p>paragraph</p>" * 1_300_000 + b"</body></html>"
    with pytest.raises(NotAFeedError, match="HTML page"):
        parse_feed(page, url="https://example.com/", headers={"content-type": "text/html"})
    assert calls == []
