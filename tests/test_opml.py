"""OPML import and export: one small fixture file per case, the real-world corpus, round trips."""

from __future__ import annotations

import csv
import xml.etree.ElementTree as ElementTree
from importlib.resources import files
from pathlib import Path

import pytest

from conftest import CORPUS, FIXTURES
from feedtui.core.defaults import default_subscriptions
from feedtui.core.models import Subscription
from feedtui.core.opml import MAX_FOLDER_DEPTH, OpmlError, parse_opml, write_opml
from feedtui.core.urls import is_fetchable, normalise_url

OPML = FIXTURES / "opml"
CORPUS_OPML = CORPUS / "opml"

S = Subscription

EXPECTED: dict[str, list[Subscription]] = {
    "opml10_flat.opml": [
        S("http://scripting.com/rss.xml", "Scripting News", (), "http://scripting.com/"),
        S("https://cafe.example.org/feed", "Café Society"),
    ],
    "opml20_nested.opml": [
        S("https://top.example.com/feed", "Top"),
        S("https://a.example.com/rss", "A", ("Tech",), "https://a.example.com/"),
        S("https://lwn.net/headlines/rss", "LWN", ("Tech", "Linux", "Kernel")),
        S("https://b.example.com/atom.xml", "B", ("Tech", "Linux")),
        S("https://c.example.com/rss", "C", ("Tech",)),
        S("https://bottom.example.com/feed", "Bottom"),
    ],
    "attribute_case.opml": [
        S("https://lower.example.com/feed", "Lower", (), "https://lower.example.com/"),
        S("https://upper.example.com/feed", "Upper", (), "https://upper.example.com/"),
        S("https://camel.example.com/feed", "Camel", (), "https://camel.example.com/"),
    ],
    "title_fallbacks.opml": [
        S("https://one.example.com/feed", "From title"),
        S("https://two.example.com/feed", "From text"),
        S("https://three.example.com/feed", "Blank title falls back"),
        S("https://four.example.com/feed", ""),
        S("https://five.example.com/feed", "Inside", ("Folder by text",)),
        S("https://six.example.com/feed", "Inside too", ("Folder by title",)),
    ],
    "feedless_outlines.opml": [
        S("https://real.example.com/feed", "Real", ("Folder",)),
        S("https://unnamed.example.com/feed", "Unnamed folder's feed"),
    ],
    "duplicates.opml": [
        S("https://Example.COM/feed.xml", "First"),
        S("https://example.com/Feed.xml", "Path case differs", ("Folder",)),
        S("https://other.example.com/", "Other"),
    ],
    "chinese.opml": [
        S(
            "https://www.ruanyifeng.com/blog/atom.xml",
            "阮一峰的网络日志",
            ("中文技术",),
            "https://www.ruanyifeng.com/blog/",
        ),
        S("https://www.cnblogs.com/sanshi/rss", "博客园 - 三生石上(FineUI控件)", ("中文技术",)),
        S("https://brackets.example.com/feed", "[bold]Not markup[/bold] & friends"),
    ],
    "gbk.opml": [
        S("https://tech.meituan.com/feed/", "美团技术团队", ("中文技术",)),
        S("https://blog.codingnow.com/atom.xml", "云风的 BLOG", ("中文技术",)),
    ],
    "stray_ampersand.opml": [
        S("https://news.example.com/rss?a=1&b=2", "Latest News & Headlines", ("News & Politics",)),
        S(
            "https://www.kommersant.ru/RSS/main.xml",
            'Газета "Коммерсантъ". Главное',
            ("News & Politics",),
        ),
        S("https://cafe.example.com/feed", "Café Bar &unknown; AT&T", ("News & Politics",)),
        S("https://fine.example.com/feed", "Escaped & fine", ("News & Politics",)),
    ],
    "comment_hides_folder.opml": [
        S("https://visible.example.com/feed", "Visible"),
        S("https://also.example.com/feed", "Also visible"),
    ],
    "doctype_without_entities.opml": [S("https://kept.example.com/feed", "Kept")],
    "whitespace_before_declaration.opml": [S("https://blank.example.com/feed", "Leading blank")],
}
EXPECTED["gb2312.opml"] = EXPECTED["gbk.opml"]
EXPECTED["utf16.opml"] = EXPECTED["chinese.opml"]

ENTITIES = "refused: the file declares XML entities"
FAILURES: dict[str, str] = {
    "billion_laughs.opml": f"billion_laughs.opml: {ENTITIES}",
    "billion_laughs_utf16.opml": f"billion_laughs_utf16.opml: {ENTITIES}",
    "external_entity.opml": f"external_entity.opml: {ENTITIES}",
    "not_xml.txt": "not_xml.txt: not an OPML file (not XML)",
    "web_page.html": "web_page.html: not an OPML file (not XML)",
    "html_root.opml": "html_root.opml: not an OPML file (root element is <html>)",
    "no_body.opml": "no_body.opml: not an OPML file (no <body>)",
    "truncated.opml": "truncated.opml, line 8: not well-formed XML (no element found)",
    "mismatched_tag.opml": "mismatched_tag.opml, line 8: not well-formed XML (mismatched tag)",
}


def test_every_fixture_file_has_an_expectation() -> None:
    assert {path.name for path in OPML.iterdir()} == set(EXPECTED) | set(FAILURES)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_parses_to_expected_subscriptions(name: str) -> None:
    assert parse_opml((OPML / name).read_bytes(), name) == EXPECTED[name]


@pytest.mark.parametrize("name", sorted(FAILURES))
def test_fixture_is_refused_with_one_line(name: str) -> None:
    with pytest.raises(OpmlError) as caught:
        parse_opml((OPML / name).read_bytes(), name)
    assert str(caught.value) == FAILURES[name]
    assert "\n" not in str(caught.value)


def test_gbk_bytes_are_not_valid_utf8_so_the_declaration_is_what_decodes_them() -> None:
    data = (OPML / "gbk.opml").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    with pytest.raises(ValueError):  # what plain ElementTree does with a GBK declaration
        ElementTree.fromstring(data)


def test_broken_file_returns_nothing_even_when_its_start_is_good() -> None:
    data = (OPML / "truncated.opml").read_bytes()
    assert b"https://good.example.com/feed" in data
    with pytest.raises(OpmlError, match=r"^x\.opml, line \d+: "):
        parse_opml(data, "x.opml")


def test_empty_file_is_refused() -> None:
    with pytest.raises(OpmlError, match=r"^empty\.opml"):
        parse_opml(b"", "empty.opml")


def test_very_deep_nesting_is_read_without_recursion_and_capped() -> None:
    depth = 100_000
    data = (
        b'<?xml version="1.0"?><opml version="2.0"><head/><body>'
        + b'<outline text="f">' * depth
        + b'<outline text="Deep" xmlUrl="https://deep.example.com/feed"/>'
        + b"</outline>" * depth
        + b'<outline text="After" xmlUrl="https://after.example.com/feed"/>'
        + b"</body></opml>"
    )
    deep, after = parse_opml(data, "deep.opml")
    assert deep.url == "https://deep.example.com/feed"
    assert deep.folder == ("f",) * MAX_FOLDER_DEPTH
    assert after == S("https://after.example.com/feed", "After")


ROUND_TRIP = [
    S("https://top.example.com/feed", "Top level", (), "https://top.example.com/"),
    S("https://www.cnblogs.com/sanshi/rss", "博客园 - 三生石上(FineUI控件)", ("中文技术",)),
    S("https://a.example.com/?a=1&b=2", "Q&A \"quoted\" <tag> 'single'", ("中文技术", "深 & 层")),
    S("https://b.example.com/rss", "[bold]red[/bold] [@click=quit]x[/]", ("中文技术", "深 & 层")),
    S("https://c.example.com/rss", "", ("中文技术",), 'https://c.example.com/?x=<1>&y="2"'),
    S("https://d.example.com/rss", "Back at top"),
    S("https://e.example.com/rss", "Folder opened again", ("中文技术",)),
    S("https://f.example.com/rss", "Elsewhere", ("Other", "Sub", "Sub-sub")),
    S("https://g.example.com/rss", "Sibling folder", ("Other", "Sub2")),
    S("https://h.example.com/rss", "Persian خبرگزاری and Cyrillic Газета", ("Мир",)),
]


def test_round_trip_keeps_order_folders_titles_and_links() -> None:
    assert parse_opml(write_opml(ROUND_TRIP), "export.opml") == ROUND_TRIP


def test_round_trip_of_an_empty_list() -> None:
    assert parse_opml(write_opml([]), "empty.opml") == []


def test_written_file_is_opml_2_utf8_with_nested_folders() -> None:
    data = write_opml(ROUND_TRIP[:3], title="Mine & yours")
    assert data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    root = ElementTree.fromstring(data)
    assert root.tag == "opml"
    assert root.get("version") == "2.0"
    assert root.findtext("head/title") == "Mine & yours"
    assert root.findtext("head/dateCreated")
    top, folder = root.find("body")  # type: ignore[misc]
    assert top.attrib == {
        "type": "rss",
        "text": "Top level",
        "title": "Top level",
        "xmlUrl": "https://top.example.com/feed",
        "htmlUrl": "https://top.example.com/",
    }
    assert folder.attrib == {"text": "中文技术", "title": "中文技术"}
    feed, subfolder = folder
    assert "htmlUrl" not in feed.attrib  # only when set
    assert subfolder.get("text") == "深 & 层"
    assert subfolder[0].get("xmlUrl") == "https://a.example.com/?a=1&b=2"


def test_characters_xml_forbids_are_dropped_from_the_export() -> None:
    nasty = S("https://x.example.com/feed", "a\x00b\x1b[31mc\x7fd\ud800e\ufffff", ("f\x01g",))
    data = write_opml([nasty])
    assert data.decode("utf-8")
    (parsed,) = parse_opml(data, "export.opml")
    assert parsed.url == nasty.url
    assert parsed.folder == ("fg",)
    assert parsed.title == "ab[31mcdef"


def test_packaged_defaults() -> None:
    defaults = default_subscriptions()
    assert len(defaults) == 51
    assert ("Security", "News & Research") in {s.folder for s in defaults}
    assert "博客园 - 三生石上(FineUI控件)" in {s.title for s in defaults}
    assert all(is_fetchable(s.url) and s.title for s in defaults)
    assert len({normalise_url(s.url) for s in defaults}) == 51


def test_repository_feeds_opml_is_the_packaged_file() -> None:
    root_copy = Path(__file__).resolve().parents[1] / "feeds.opml"
    packaged = files("feedtui").joinpath("feeds.opml").read_bytes()
    assert root_copy.read_bytes() == packaged


# The real-world corpus (absent in some checkouts: those tests skip).


def _corpus_files() -> list[Path]:
    if not CORPUS_OPML.is_dir():
        return []
    return sorted({*CORPUS_OPML.glob("**/*.opml"), *CORPUS_OPML.glob("**/*.xml")})


def _manifest() -> dict[str, dict[str, str]]:
    with (CORPUS_OPML / "MANIFEST.tsv").open(encoding="utf-8", newline="") as handle:
        return {row["path"]: row for row in csv.DictReader(handle, delimiter="\t")}


def _corpus_id(path: Path) -> str:
    return str(path.relative_to(CORPUS_OPML))


needs_corpus = pytest.mark.skipif(not CORPUS_OPML.is_dir(), reason="corpus not present")

# Not well-formed upstream (raw `&`, raw `"`, multi-line values): counts after repair.
REPAIRED_COUNTS = {
    "countries_with_category/Hong Kong SAR China.opml": 5,
    "countries_with_category/India.opml": 36,
    "countries_with_category/Russia.opml": 13,
    "countries_without_category/Hong Kong SAR China.opml": 5,
    "recommended_with_category/News.opml": 11,
    "recommended_with_category/Programming.opml": 50,
    "recommended_with_category/Science.opml": 24,
    "recommended_with_category/Startups.opml": 23,
    "recommended_with_category/Tech.opml": 26,
    "recommended_without_category/News.opml": 11,
    "recommended_without_category/Programming.opml": 50,
}


@needs_corpus
@pytest.mark.parametrize("path", _corpus_files() or [None], ids=lambda p: p and _corpus_id(p))
def test_corpus_file_parses_or_raises_opml_error(path: Path | None) -> None:
    if path is None:
        pytest.skip("no OPML files in the corpus")
    try:
        subscriptions = parse_opml(path.read_bytes(), path.name)
    except OpmlError as error:
        assert str(error).startswith(path.name)
        assert "\n" not in str(error)
        return
    assert all(is_fetchable(s.url) for s in subscriptions)
    assert len({normalise_url(s.url) for s in subscriptions}) == len(subscriptions)


@needs_corpus
def test_corpus_well_formed_files_give_the_manifest_feeds_once_each() -> None:
    checked = 0
    for key, row in _manifest().items():
        path = CORPUS / key
        if row["well_formed"] != "ok" or not path.is_file():
            continue
        if "no-<body>" in row["features"] or "root-is-" in row["features"]:
            with pytest.raises(OpmlError):
                parse_opml(path.read_bytes(), path.name)
            continue
        # An independent reading: every xmlUrl outline, as the manifest counted them.
        urls = [
            outline.get("xmlUrl", "")
            for outline in ElementTree.parse(path).iter("outline")
            if outline.get("xmlUrl")
        ]
        assert len(urls) == int(row["feeds"]), key
        unique = {normalise_url(url) for url in urls if is_fetchable(url)}
        parsed = parse_opml(path.read_bytes(), path.name)
        assert {normalise_url(s.url) for s in parsed} == unique, key
        assert len(parsed) == len(unique), key
        checked += 1
    assert checked >= 20


@needs_corpus
@pytest.mark.parametrize("name", sorted(REPAIRED_COUNTS))
def test_corpus_malformed_plenary_files_are_repaired(name: str) -> None:
    path = CORPUS_OPML / "plenaryapp-awesome-rss-feeds" / name
    if not path.is_file():
        pytest.skip("file not in this corpus")
    data = path.read_bytes()
    with pytest.raises(ElementTree.ParseError):
        ElementTree.fromstring(data)
    parsed = parse_opml(data, path.name)
    assert len(parsed) == REPAIRED_COUNTS[name]
    assert all(is_fetchable(s.url) and s.title for s in parsed)


@needs_corpus
def test_corpus_specific_cases() -> None:
    def read(name: str) -> list[Subscription]:
        path = CORPUS_OPML / name
        if not path.is_file():
            pytest.skip(f"{name} not in this corpus")
        return parse_opml(path.read_bytes(), path.name)

    russia = read("plenaryapp-awesome-rss-feeds/countries_with_category/Russia.opml")
    assert 'Газета "Коммерсантъ". Главное' in {s.title for s in russia}
    hidden = read("inoreader-export/echopi-oh-my-rss_inoreader.opml")
    assert not any("twitrss.me" in s.url for s in hidden)
    assert "Twitter" not in {part for s in hidden for part in s.folder}
    piped = read("newsboat/piped.opml")
    assert [s.url for s in piped if "|" in s.url] == []
    no_titles = read("netnewswire-rsparser/SubsNoTitleAttributes.opml")
    assert all(s.title for s in no_titles)
    feedly = read("feedly-exports/luolei-dotfiles_feedly.opml")
    assert len(feedly) == 108 - 11  # the manifest's 11 duplicate xmlUrls, merged
