"""Feed bytes to entries: one fixture file per case, checked against a table of expectations."""

from __future__ import annotations

import codecs
import html
import pickle
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from conftest import CORPUS, FIXTURES
from feedtui.core import parse
from feedtui.core.encoding import decide_encoding
from feedtui.core.parse import NotAFeedError, ParsedFeed, parse_feed
from feedtui.core.sanitize import safe_link

FEEDS = FIXTURES / "feeds"
URL = "https://feeds.example.org/blog/feed.xml"
SEEN = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


@dataclass(frozen=True, slots=True)
class Case:
    """What one fixture file must yield."""

    file: str
    """The fixture's name under tests/fixtures/feeds."""
    title: str = ""
    """The feed title."""
    count: int = 0
    """How many entries."""
    first: dict[str, Any] = field(default_factory=dict)
    """Expected attributes of the newest entry."""
    warning: bool = False
    """Whether a parser warning is expected."""
    encoding: str = "utf-8"
    """The encoding description."""
    headers: dict[str, str] = field(default_factory=dict)
    """Simulated HTTP response headers."""
    site_url: str = ""
    """The feed's site link."""


CASES = [
    Case(
        "rss20_content_encoded.xml",
        title="Example Blog",
        count=2,
        site_url="https://blog.example.org/",
        first={
            "id": "post-1",
            "title": "First & foremost",
            "link": "https://feeds.example.org/posts/first",
            "author": "Ann",
            "published": datetime(2024, 3, 5, 9, 30, tzinfo=UTC),
            "summary": "A short description.",
            "body": "<p>The <em>full</em> body.</p>",
        },
    ),
    Case(
        "atom10.xml",
        title="Atom Example",
        count=2,
        site_url="https://atom.example.org/",
        first={
            "id": "urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a",
            "title": "Atom entry",
            "link": "https://atom.example.org/2024/entry",
            "author": "Bea Writer",
            "published": datetime(2024, 2, 1, 10, 0, tzinfo=UTC),
            "summary": "if a < b then c",
            "body": "<p>Body &amp; soul</p>",
        },
    ),
    Case(
        "rss10.rdf",
        title="RDF Site",
        count=1,
        site_url="https://rdf.example.org/",
        first={
            "title": "RDF item",
            "link": "https://rdf.example.org/a",
            "author": "Carl",
            "published": datetime(2023, 12, 24, 18, 0, tzinfo=UTC),
        },
    ),
    Case(
        "cjk_titles.xml",
        title="阮一峰的网络日志",
        count=2,
        site_url="https://www.ruanyifeng.com/blog/",
        first={
            "title": "科技爱好者周刊（第 300 期）：日本的 AI 🤖",
            "published": datetime(2024, 5, 9, 16, 0, tzinfo=UTC),
        },
    ),
    Case(
        "markup_titles.xml",
        title="[red]Markup[/red] feed",
        count=2,
        first={"title": "[bold]x[/]", "author": "[@click=app.quit]author[/]"},
    ),
    Case(
        "terminal_escapes.xml",
        title="Escapes",
        count=2,
        first={
            "title": "Red alert",
            "author": "Mallory",
            "link": "https://esc.example.org/post",
            "summary": "body text",
        },
    ),
    Case("char_ref_escapes.xml", title="Refs", count=1, first={"title": "Bold red cleared done"}),
    Case(
        "bidi_override.xml",
        title="Bidi",
        count=1,
        first={"title": "invoicegpj.exe and isolate \u200fשלום\u200e"},
    ),
    Case(
        "unsafe_links.xml",
        title="Unsafe links",
        count=4,
        first={"title": "Script link", "link": "", "id": "unsafe-1"},
    ),
    Case(
        "xml_base_file.xml",
        title="Base",
        count=1,
        first={"title": "Relative to file", "link": "", "id": "tag:base.example.org,2024:1"},
    ),
    Case("no_guid_no_link.xml", title="No ids", count=2, first={"link": ""}),
    Case(
        "undated.xml",
        title="Undated",
        count=2,
        first={"title": "No date", "published": SEEN, "dated": False, "id": "undated-1"},
    ),
    Case(
        "whitespace_before_decl.xml",
        title="Leading whitespace",
        count=1,
        warning=True,
        first={"title": "Still readable"},
    ),
    Case(
        "truncated.xml",
        title="Truncated",
        count=1,
        warning=True,
        first={"title": "Complete item", "id": "trunc-1"},
    ),
    Case(
        "billion_laughs.xml",
        title="Laughs &lol9;",
        count=1,
        warning=True,
        first={"title": "Bomb &lol9;", "body": "&lol9;&lol9;&lol9;"},
    ),
    Case(
        "bad_char_refs.xml",
        title="Bad refs",
        count=1,
        first={"title": "a\ufffdb\ufffdc\ufffdd\ufffde", "summary": "\ufffd \ufffd ok ☺"},
    ),
    Case(
        "entity_backslash.xml",
        title="Backslash & co",
        count=1,
        warning=True,
        first={"title": "Slash &slash;"},
    ),
    Case(
        "gbk_served_as_utf8.xml",
        headers={"Content-Type": "application/rss+xml; charset=utf-8"},
        title="美团技术团队",
        count=1,
        encoding="gb18030 (declared utf-8)",
        site_url="https://tech.meituan.com/",
        first={
            "title": "美团外卖的数据库架构演进与实践",
            "summary": "数据库是业务系统的核心组件，本文介绍美团外卖在数据库架构上的演进过程。",
        },
    ),
    Case(
        "utf8_declared_gb2312.xml",
        title="科技爱好者周刊",
        count=1,
        encoding="utf-8 (declared gb2312)",
        first={"title": "为什么中文网站的编码声明常常是错的"},
    ),
    Case(
        "json_feed.json",
        headers={"Content-Type": "application/feed+json"},
        title="JSON Feed",
        count=3,
        site_url="https://json.example.org/",
        first={"id": "3", "title": "Undated item", "dated": False, "author": "Feed Author"},
    ),
]


def _parse_fixture(case: Case, url: str = URL) -> ParsedFeed:
    content = (FEEDS / case.file).read_bytes()
    return parse_feed(content, url=url, headers=case.headers, seen_at=SEEN)


@pytest.mark.parametrize("case", CASES, ids=[case.file for case in CASES])
def test_fixture(case: Case) -> None:
    feed = _parse_fixture(case)
    assert feed.title == case.title
    assert feed.site_url == case.site_url
    assert len(feed.entries) == case.count
    assert bool(feed.warning) is case.warning, feed.warning
    assert feed.encoding == case.encoding
    newest = feed.entries[0]
    for name, expected in case.first.items():
        actual = newest.body if name == "body" else getattr(newest.entry, name)
        assert actual == expected, name


@pytest.mark.parametrize("case", CASES, ids=[case.file for case in CASES])
def test_fixture_invariants(case: Case) -> None:
    feed = _parse_fixture(case)
    published = [parsed.entry.published for parsed in feed.entries]
    assert published == sorted(published, reverse=True)
    for parsed in feed.entries:
        entry = parsed.entry
        assert entry.feed_url == URL
        assert entry.title
        assert entry.id and len(entry.id) <= parse.MAX_ID_CHARS
        assert entry.link == safe_link(entry.link)
        assert entry.published.tzinfo is not None
        for text in (entry.title, entry.author, entry.summary, parsed.body, feed.title):
            assert not UNSAFE.search(text), text


def test_every_fixture_is_in_the_table() -> None:
    tabled = {case.file for case in CASES} | {"html_page.html"}
    assert {path.name for path in FEEDS.iterdir()} == tabled


def test_html_page_is_not_a_feed() -> None:
    content = (FEEDS / "html_page.html").read_bytes()
    with pytest.raises(NotAFeedError, match="HTML page"):
        parse_feed(content, url=URL, headers={"content-type": "text/html; charset=utf-8"})


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"   \n", id="blank"),
        pytest.param(b"<?xml version='1.0'?><root><child/></root>", id="plain-xml"),
        pytest.param(b"<div><p>Just a fragment</p></div>", id="fragment"),
        pytest.param(b"Hello, I am plain text.", id="text"),
        pytest.param(b'{"version": "https://example.org/not-json-feed"}', id="other-json"),
        pytest.param(b'{"version": "https://jsonfeed.org/version/1.1", "items": [', id="bad-json"),
        pytest.param(b"[" * 100_000 + b"]" * 100_000, id="deep-json-array"),
        pytest.param(b'{"a":' * 100_000 + b"1" + b"}" * 100_000, id="deep-json-object"),
    ],
)
def test_non_feeds_raise_not_a_feed(content: bytes) -> None:
    with pytest.raises(NotAFeedError, match="^not a"):
        parse_feed(content, url=URL)


def test_a_local_path_is_data_not_a_file_to_open(tmp_path: Path) -> None:
    feed = tmp_path / "feed.xml"
    feed.write_bytes((FEEDS / "rss20_content_encoded.xml").read_bytes())
    with pytest.raises(NotAFeedError):
        parse_feed(str(feed).encode(), url=URL)


def test_hash_ids_are_stable_and_distinct() -> None:
    case = Case("no_guid_no_link.xml")
    first, second = _parse_fixture(case), _parse_fixture(case, url="https://elsewhere.example/")
    ids = [parsed.entry.id for parsed in first.entries]
    assert ids == [parsed.entry.id for parsed in second.entries]
    assert len(set(ids)) == 2
    assert all(re.fullmatch("h:[0-9a-f]{64}", entry_id) for entry_id in ids)


def test_guid_ids_do_not_depend_on_the_feed_url() -> None:
    case = Case("undated.xml")
    here, there = _parse_fixture(case), _parse_fixture(case, url="http://mirror.example/x.xml")
    assert [p.entry.id for p in here.entries] == [p.entry.id for p in there.entries]
    assert here.entries[0].entry.link == "https://feeds.example.org/blog/undated-1"
    assert there.entries[0].entry.link == "http://mirror.example/undated-1"


def test_undated_entries_take_seen_at_and_an_untitled_one_borrows_its_summary() -> None:
    feed = _parse_fixture(Case("undated.xml"))
    borrowed = feed.entries[1].entry
    assert borrowed.dated is False
    assert borrowed.published == SEEN
    assert borrowed.summary.startswith("Only a description here")
    assert borrowed.title.startswith("Only a description here")
    assert len(borrowed.title) <= parse.UNTITLED_CHARS
    assert borrowed.title.endswith("…")


def test_plain_text_content_is_escaped_as_html() -> None:
    feed = _parse_fixture(Case("atom10.xml"))
    assert feed.entries[1].body == "line one<br>\nif x &lt; y"


def test_json_feed_items() -> None:
    feed = _parse_fixture(Case("json_feed.json"))
    by_id = {parsed.entry.id: parsed for parsed in feed.entries}
    html_item, text_item = by_id["2"], by_id["1"]
    assert html_item.entry.link == "https://feeds.example.org/posts/2"
    assert html_item.entry.author == "Dana"
    assert html_item.entry.published == datetime(2024, 3, 2, 9, 0, tzinfo=UTC)
    assert html_item.body == "<p>Hello <b>world</b></p>"
    assert html_item.entry.summary == "Hello world"
    assert text_item.entry.link == ""
    assert text_item.entry.title == "Just text, no title. Second line <not a tag>"
    assert text_item.body == "Just text, no title.<br>\nSecond line &lt;not a tag&gt;"


def test_json_feed_version_1_over_http_is_accepted() -> None:
    content = b'{"version": "http://jsonfeed.org/version/1", "title": "Old", "items": []}'
    assert parse_feed(content, url=URL).title == "Old"


def _rss(items: str, head: str = "") -> bytes:
    return (
        f'<?xml version="1.0" encoding="utf-8"?>{head}'
        f'<rss version="2.0"><channel><title>T</title>{items}</channel></rss>'
    ).encode()


def test_dates_far_in_the_future_are_clamped_to_seen_at() -> None:
    content = _rss(
        "<item><guid>a</guid><pubDate>Mon, 01 Jan 2099 00:00:00 GMT</pubDate></item>"
        "<item><guid>b</guid><pubDate>Fri, 02 Jan 2026 12:00:00 GMT</pubDate></item>"
    )
    feed = parse_feed(content, url=URL, seen_at=SEEN)
    by_id = {parsed.entry.id: parsed.entry for parsed in feed.entries}
    assert by_id["a"].published == SEEN
    assert by_id["b"].published == datetime(2026, 1, 2, 12, 0, tzinfo=UTC)


def test_a_huge_entity_referenced_many_times_is_not_expanded() -> None:
    value = "x" * 50_000
    refs = "&big;" * 1_000  # enough to see expansion, not enough to exhaust memory if it regresses
    head = f'<!DOCTYPE rss [<!ENTITY big "{value}">]>'
    content = _rss(f"<item><guid>g</guid><title>T{refs}</title></item>", head=head)
    feed = parse_feed(content, url=URL, seen_at=SEEN)
    assert len(feed.entries) == 1
    assert "x" * 100 not in feed.entries[0].entry.title


def test_an_internal_subset_behind_a_tricky_comment_is_still_stripped() -> None:
    head = '<!-- <a> ]> --><!DOCTYPE rss [<!ENTITY e "EXPANDED"> <!-- ]> -->]>'
    content = _rss("<item><guid>g</guid><title>&e;</title></item>", head=head)
    feed = parse_feed(content, url=URL, seen_at=SEEN)
    assert "EXPANDED" not in feed.entries[0].entry.title


def test_every_doctype_in_the_prolog_loses_its_subset() -> None:
    head = '<!DOCTYPE a [<!ENTITY e "ONE">]><!DOCTYPE rss [<!ENTITY f "TWO">]>'
    content = _rss("<item><guid>g</guid><title>&e;&f;</title></item>", head=head)
    title = parse_feed(content, url=URL, seen_at=SEEN).entries[0].entry.title
    assert "ONE" not in title
    assert "TWO" not in title


def test_an_unclosed_internal_subset_swallows_the_document() -> None:
    content = _rss("<item><title>&e;</title></item>", head='<!DOCTYPE rss [<!ENTITY e "X">')
    with pytest.raises(NotAFeedError):
        parse_feed(content, url=URL)


def test_entity_declarations_outside_a_doctype_are_refused() -> None:
    content = _rss("<item><title>&e;</title></item>", head='\n<!ENTITY e "EXPANDED">\n')
    with pytest.raises(NotAFeedError, match="entities"):
        parse_feed(content, url=URL)


def test_entries_are_capped_keeping_the_newest(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parse, "MAX_ENTRIES", 3)
    items = "".join(
        f"<item><guid>{day}</guid><pubDate>{day:02d} Jan 2024 00:00:00 GMT</pubDate></item>"
        for day in range(1, 11)
    )
    feed = parse_feed(_rss(items), url=URL, seen_at=SEEN)
    assert [parsed.entry.id for parsed in feed.entries] == ["10", "9", "8"]


def test_bodies_are_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parse, "MAX_BODY_CHARS", 100)
    content = _rss(f"<item><guid>g</guid><description>{'y' * 5000}</description></item>")
    feed = parse_feed(content, url=URL, seen_at=SEEN)
    assert feed.entries[0].body == "y" * 100


def test_long_ids_are_hashed_and_still_distinct() -> None:
    long_a, long_b = "a" * 5000 + "1", "a" * 5000 + "2"
    content = _rss(f"<item><guid>{long_a}</guid></item><item><guid>{long_b}</guid></item>")
    ids = {parsed.entry.id for parsed in parse_feed(content, url=URL).entries}
    assert len(ids) == 2
    assert all(entry_id.startswith("h:") and len(entry_id) <= 66 for entry_id in ids)


def test_a_huge_title_is_bounded() -> None:
    content = _rss(f"<item><guid>g</guid><title>{'t' * 1_000_000}</title></item>")
    title = parse_feed(content, url=URL).entries[0].entry.title
    assert len(title) <= 1000
    assert title.endswith("…")


def test_html_titles_become_plain_text() -> None:
    content = _rss(
        "<item><guid>g</guid><title>&lt;b&gt;Bold&lt;/b&gt; &amp;amp; a &lt; b</title></item>"
    )
    assert parse_feed(content, url=URL).entries[0].entry.title == "Bold & a < b"


def test_summaries_are_plain_text_without_scripts_or_styles() -> None:
    description = html.escape(
        "<style>p{color:red}</style><script>alert(1)</script>"
        "<p>H<sub>2</sub>O &amp; <b>salt</b></p><!-- hidden --><p>Next</p>"
    )
    content = _rss(f"<item><guid>g</guid><description>{description}</description></item>")
    assert parse_feed(content, url=URL).entries[0].entry.summary == "H2O & salt Next"


def test_a_feed_with_a_title_and_no_entries_is_a_feed() -> None:
    feed = parse_feed(_rss(""), url=URL)
    assert (feed.title, feed.entries) == ("T", ())


def test_naive_seen_at_is_taken_as_utc() -> None:
    content = _rss("<item><guid>g</guid></item>")
    entry = parse_feed(content, url=URL, seen_at=datetime(2026, 1, 1)).entries[0].entry
    assert entry.published == datetime(2026, 1, 1, tzinfo=UTC)


def test_parse_feed_and_its_result_cross_a_process_boundary() -> None:
    assert pickle.loads(pickle.dumps(parse_feed)) is parse_feed
    feed = _parse_fixture(CASES[0])
    assert pickle.loads(pickle.dumps(feed)) == feed
    error = NotAFeedError("not a feed: x")
    assert str(pickle.loads(pickle.dumps(error))) == "not a feed: x"


# -- the real-world corpus ----------------------------------------------------------------------

CORPUS_FEEDS = CORPUS / "feeds"
CORPUS_FILES = (
    sorted(
        path
        for path in CORPUS_FEEDS.rglob("*")
        if path.is_file() and path.suffix != ".tsv" and not path.name.endswith(".expected.json")
    )
    if CORPUS_FEEDS.is_dir()
    else []
)


@pytest.mark.skipif(not CORPUS_FILES, reason="the shared corpus is not present")
@pytest.mark.parametrize(
    "path", CORPUS_FILES, ids=[str(p.relative_to(CORPUS_FEEDS)) for p in CORPUS_FILES]
)
def test_corpus_document_parses_or_is_not_a_feed(path: Path) -> None:
    try:
        feed = parse_feed(path.read_bytes(), url="https://corpus.example/feed", seen_at=SEEN)
    except NotAFeedError as error:
        assert str(error).startswith(("not a", "refused"))
        return
    for parsed in feed.entries:
        assert parsed.entry.title
        assert parsed.entry.link == safe_link(parsed.entry.link)
        assert not UNSAFE.search(parsed.entry.title + parsed.entry.author + parsed.entry.summary)


def _corpus(relative: str) -> bytes:
    path = CORPUS_FEEDS / relative
    if not path.is_file():
        pytest.skip(f"corpus file {relative} is not present")
    return path.read_bytes()


def test_corpus_real_gb2312_feed_reads_as_chinese() -> None:
    feed = parse_feed(_corpus("netnewswire-rsparser/kc0011.rss"), url="https://kc0011.example/")
    assert re.search("[\u4e00-\u9fff]", feed.entries[0].entry.title)


def test_corpus_json_feed_yields_entries() -> None:
    feed = parse_feed(_corpus("feedjira/json_feed.json"), url="https://x.example/")
    assert feed.entries
    assert all(parsed.entry.link.startswith("http") for parsed in feed.entries)


@pytest.mark.parametrize(
    "text",
    [
        "plain ASCII",
        "中文标题 — “quoted”",
        "C1 \x80\x85\x9f kept as glyphs",
        "emoji 🎉 past the BMP",
    ],
)
def test_feedparsers_faster_cp1252_table_maps_exactly_as_its_dict(text: str) -> None:
    import feedparser.html  # type: ignore[import-untyped]
    import feedparser.mixin  # type: ignore[import-untyped]

    import feedtui.core.parse  # noqa: F401 - installs the table

    assert isinstance(feedparser.mixin._cp1252, str)
    assert text.translate(feedparser.mixin._cp1252) == text.translate(feedparser.html._cp1252)


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b'<?xml version="1.0" encoding="utf-8"?><rss/>', ""),
        ('<?xml version="1.0" encoding="UTF-8"?><rss>中文</rss>'.encode(), ""),
        ('<?xml version="1.0" encoding="gb2312"?><rss>中文</rss>'.encode("gb2312"), ""),
        ('<?xml version="1.0" encoding="gb2312"?><rss>中文</rss>'.encode(), ""),
        ('<?xml version="1.0" encoding="utf-16"?><rss>中文</rss>'.encode("utf-16"), ""),
        (codecs.BOM_UTF8 + '<?xml version="1.0"?><rss>中文</rss>'.encode(), ""),
        ("<rss>中文</rss>".encode("gbk"), "text/xml; charset=gbk"),
    ],
)
def test_the_decoded_document_is_the_utf8_one(content: bytes, content_type: str) -> None:
    decision = decide_encoding(content, content_type)
    assert decision.text.encode("utf-8") == decision.utf8
    assert "中文" in decision.text or "<rss/>" in decision.text
    assert 'encoding="gb2312"' not in decision.text and 'encoding="utf-16"' not in decision.text
