"""Feed autodiscovery from HTML pages, and telling a page from a feed."""

from __future__ import annotations

import pytest

from feedtui.core.discover import find_feed_links, looks_like_html

PAGE = "https://blog.example.com/posts/hello.html"


def page(head: str) -> bytes:
    return f"<!DOCTYPE html><html><head>{head}</head><body><p>Hi</p></body></html>".encode()


def test_rss_and_atom_links_are_found_in_page_order() -> None:
    html = page(
        '<link rel="alternate" type="application/atom+xml" href="https://blog.example.com/atom">'
        '<link rel="alternate" type="application/rss+xml" href="https://blog.example.com/rss">'
    )
    assert find_feed_links(html, PAGE) == [
        "https://blog.example.com/atom",
        "https://blog.example.com/rss",
    ]


@pytest.mark.parametrize(
    "link",
    [
        '<link rel="alternate" type="application/feed+json" href="/feed.json">',
        '<link rel="alternate" type="application/rss" href="/feed.json">',
        '<link rel="alternate" type="application/x.atom+xml" href="/feed.json">',
        '<LINK REL="Alternate" TYPE="Application/RSS+XML" HREF="/feed.json">',
        '<link rel="feed alternate home" type="application/rss+xml" href="/feed.json">',
        '<link rel="alternate" type="application/rss+xml; charset=utf-8" href="/feed.json"/>',
        "<link rel=alternate type=application/atom+xml href=/feed.json>",
        '<link type="application/atom+xml" href="  /feed.json\n" rel="alternate">',
    ],
)
def test_link_forms_that_announce_a_feed(link: str) -> None:
    assert find_feed_links(page(link), PAGE) == ["https://blog.example.com/feed.json"]


@pytest.mark.parametrize(
    "link",
    [
        '<link rel="stylesheet" type="text/css" href="/style.css">',
        '<link rel="alternate" type="application/json" href="/wp-json/wp/v2/posts/1">',
        '<link rel="alternate" type="application/json+oembed" href="/oembed?url=x">',
        '<link rel="alternate" hreflang="fr" href="/fr/">',
        '<link rel="alternate" type="application/rss+xml">',
        '<link rel="alternate" type="application/rss+xml" href="">',
        '<link rel="alternates" type="application/rss+xml" href="/feed">',
        '<a rel="alternate" type="application/rss+xml" href="/feed">RSS</a>',
    ],
)
def test_links_that_are_not_feeds_are_ignored(link: str) -> None:
    assert find_feed_links(page(link), PAGE) == []


def test_relative_hrefs_resolve_against_the_page() -> None:
    html = page(
        '<link rel="alternate" type="application/rss+xml" href="feed.xml">'
        '<link rel="alternate" type="application/rss+xml" href="../all.xml?a=1&amp;b=2">'
        '<link rel="alternate" type="application/rss+xml" href="//cdn.example.net/f.xml">'
    )
    assert find_feed_links(html, PAGE) == [
        "https://blog.example.com/posts/feed.xml",
        "https://blog.example.com/all.xml?a=1&b=2",
        "https://cdn.example.net/f.xml",
    ]


def test_base_href_applies_and_is_itself_relative_to_the_page() -> None:
    html = page(
        '<base href="/sub/dir/"><base href="https://ignored.example.org/">'
        '<link rel="alternate" type="application/atom+xml" href="atom.xml">'
    )
    assert find_feed_links(html, PAGE) == ["https://blog.example.com/sub/dir/atom.xml"]


def test_only_http_and_https_are_kept() -> None:
    html = page(
        '<link rel="alternate" type="application/rss+xml" href="javascript:alert(1)">'
        '<link rel="alternate" type="application/rss+xml" href="file:///etc/passwd">'
        '<link rel="alternate" type="application/rss+xml" href="ftp://ftp.example.com/f.xml">'
        '<link rel="alternate" type="application/rss+xml" href="feed://x.example.com/f.xml">'
        '<link rel="alternate" type="application/rss+xml" href="http://plain.example.com/f">'
    )
    assert find_feed_links(html, PAGE) == ["http://plain.example.com/f"]


def test_duplicates_are_removed_keeping_the_first() -> None:
    html = page(
        '<link rel="alternate" type="application/rss+xml" href="/feed">'
        '<link rel="alternate" type="application/atom+xml" href="https://BLOG.example.com/feed">'
        '<link rel="alternate" type="application/rss+xml" href="/feed#comments">'
        '<link rel="alternate" type="application/rss+xml" href="/comments/feed">'
    )
    assert find_feed_links(html, PAGE) == [
        "https://blog.example.com/feed",
        "https://blog.example.com/comments/feed",
    ]


@pytest.mark.parametrize(
    "html",
    [
        b"",
        b"not html at all",
        b"<html><head><link rel='alternate' type='application/rss+xml' href='/f'",
        b"<<<>>><!-- unterminated <![CDATA[ <link",
        b"\xff\xfe\x00<\x00h\x00t\x00m\x00l",
    ],
)
def test_broken_pages_give_a_list_not_an_exception(html: bytes) -> None:
    assert isinstance(find_feed_links(html, PAGE), list)


def test_non_utf8_page_still_yields_its_ascii_links() -> None:
    head = '<title>中文</title><link rel="alternate" type="application/rss+xml" href="/rss">'
    html = page(head).decode().encode("gb18030")
    assert find_feed_links(html, PAGE) == ["https://blog.example.com/rss"]


@pytest.mark.parametrize(
    ("content", "content_type", "expected"),
    [
        (b"<rss version='2.0'></rss>", "text/html; charset=utf-8", True),
        (b"", "application/xhtml+xml", True),
        (b"<!DOCTYPE html><html><head>", "", True),
        (b"\n\n  <!doctype HTML>\n<html>", "application/octet-stream", True),
        (b"\xef\xbb\xbf<!-- generated --><html lang='en'>", "", True),
        (b"<?xml version='1.0'?><rss version='2.0'><channel>", "application/rss+xml", False),
        (b"<?xml version='1.0'?><rss><channel><description><![CDATA[<html>", "", False),
        (b"<feed xmlns='http://www.w3.org/2005/Atom'><content type='html'>", "", False),
        (b'{"version": "https://jsonfeed.org/version/1.1"}', "application/feed+json", False),
        (b"", "", False),
    ],
)
def test_looks_like_html(content: bytes, content_type: str, expected: bool) -> None:
    assert looks_like_html(content, content_type) is expected
