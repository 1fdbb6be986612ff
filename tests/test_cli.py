"""The scripting CLI, end to end against feeds served on 127.0.0.1."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from feedtui.cli import main
from feedtui.core.paths import Paths
from feedtui.core.store import Store
from support.feeds import opml, rss
from support.server import FeedServer, Reply


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def feeds_json(capsys: pytest.CaptureFixture[str]) -> list[dict[str, object]]:
    status, out, _ = run(capsys, "feeds", "--json")
    assert status == 0
    return json.loads(out)  # type: ignore[no-any-return]


def write_opml(tmp_path: Path, feeds: list[tuple[str, str]], name: str = "in.opml") -> Path:
    path = tmp_path / name
    path.write_bytes(opml(feeds))
    return path


def test_import_is_idempotent_and_export_round_trips(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    source = write_opml(
        tmp_path, [("中文博客", "https://a.example/feed"), ("B", "https://b.example/")]
    )
    assert run(capsys, "import", str(source))[0] == 0
    status, out, _ = run(capsys, "import", str(source))
    assert status == 0 and "imported 0 new of 2" in out
    before = feeds_json(capsys)
    assert [(f["title"], f["folder"]) for f in before] == [
        ("中文博客", ["Local"]),
        ("B", ["Local"]),
    ]
    exported = tmp_path / "out.opml"
    assert run(capsys, "export", str(exported))[0] == 0
    monkeypatch.setenv("FEEDTUI_DATA_DIR", str(tmp_path / "fresh"))
    assert run(capsys, "import", str(exported))[0] == 0
    after = feeds_json(capsys)
    assert [(f["url"], f["title"], f["folder"]) for f in after] == [
        (f["url"], f["title"], f["folder"]) for f in before
    ]


def test_export_to_stdout_is_opml(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    run(capsys, "import", str(write_opml(tmp_path, [("A", "https://a.example/feed")])))
    status, out, _ = run(capsys, "export", "-")
    assert status == 0 and "<opml" in out and "https://a.example/feed" in out


def test_broken_opml_is_one_line_and_imports_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken.opml"
    broken.write_text('<?xml version="1.0"?>\n<opml><body>\n<outline xmlUrl="x">\n</body>')
    status, out, err = run(capsys, "import", str(broken))
    assert status == 1
    assert err.count("\n") == 1 and "broken.opml" in err and "line" in err
    assert "Traceback" not in err
    assert Store(Paths.default()).subscriptions() == []


def test_missing_file_and_bad_usage_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(capsys, "import", "/nonexistent/feeds.opml")
    assert status == 1 and "/nonexistent/feeds.opml" in err and "Traceback" not in err
    status, _, err = run(capsys, "frobnicate")
    assert status == 2


def test_first_run_subscribes_to_the_packaged_defaults(capsys: pytest.CaptureFixture[str]) -> None:
    feeds = feeds_json(capsys)
    assert len(feeds) == 51
    assert any(f["title"] == "阮一峰的网络日志" for f in feeds)


def serve_many(server: FeedServer, count: int) -> list[tuple[str, str]]:
    feeds = []
    for number in range(count):
        path = f"/feed{number}.xml"
        server.feed(path, rss(f"Feed {number}", 3), etag=f'"v{number}"')
        feeds.append((f"Feed {number}", server.url(path)))
    return feeds


def test_refresh_reports_each_failure_and_goes_on(
    feed_server: FeedServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    feeds = serve_many(feed_server, 40)
    feed_server.route("/gone.xml", lambda request: Reply(status=410))
    feed_server.route("/busy.xml", lambda request: Reply(status=429, headers={"Retry-After": "60"}))
    feed_server.route(
        "/page.html",
        lambda request: Reply(
            headers={"Content-Type": "text/html"}, body=b"<html><body>hello</body></html>"
        ),
    )
    feeds += [
        ("Missing", feed_server.url("/missing.xml")),
        ("Gone", feed_server.url("/gone.xml")),
        ("Busy", feed_server.url("/busy.xml")),
        ("Page", feed_server.url("/page.html")),
    ]
    run(capsys, "import", str(write_opml(tmp_path, feeds)))
    status, out, _ = run(capsys, "refresh")
    assert status == 1
    lines = out.splitlines()
    assert lines[0] == "44 feeds: 40 updated, 0 unchanged, 4 failed"
    failures = "\n".join(lines[1:])
    assert "Missing" in failures and "404" in failures
    assert "Gone" in failures and "410" in failures
    assert "Busy" in failures
    assert "Page" in failures and "not a feed" in failures
    by_title = {f["title"]: f for f in feeds_json(capsys)}
    assert by_title["Feed 7"]["total"] == 3 and by_title["Feed 7"]["unread"] == 3
    assert by_title["Gone"]["status"] == "gone"
    assert by_title["Missing"]["status"] == "error"

    feed_server.requests.clear()
    status, out, _ = run(capsys, "refresh")
    assert out.splitlines()[0] == "44 feeds: 0 updated, 42 unchanged, 2 failed"
    paths = {r.path for r in feed_server.requests}
    assert "/gone.xml" not in paths and "/busy.xml" not in paths  # gone, and waiting
    revalidated = [r for r in feed_server.requests if r.path == "/feed3.xml"]
    assert revalidated and revalidated[0].headers.get("If-None-Match") == '"v3"'


def test_refresh_of_one_feed_and_entries_listing(
    feed_server: FeedServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    feeds = serve_many(feed_server, 3)
    run(capsys, "import", str(write_opml(tmp_path, feeds)))
    status, out, _ = run(capsys, "refresh", "--feed", feeds[1][1])
    assert status == 0 and out.startswith("1 feeds: 1 updated")
    status, out, _ = run(capsys, "entries", "--json")
    rows = json.loads(out)
    assert [r["title"] for r in rows] == ["Feed 1 post 0", "Feed 1 post 1", "Feed 1 post 2"]
    assert all(r["unread"] for r in rows)
    store = Store(Paths.default())
    store.set_read(feeds[1][1], [rows[0]["id"]])
    status, out, _ = run(capsys, "entries", "--unread", "--json", "--feed", feeds[1][1])
    assert [r["title"] for r in json.loads(out)] == ["Feed 1 post 1", "Feed 1 post 2"]


def test_permanent_redirect_updates_the_subscription(
    feed_server: FeedServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    feed_server.feed("/new.xml", rss("Moved", 2))
    feed_server.redirect("/old.xml", "/new.xml", status=301)
    run(capsys, "import", str(write_opml(tmp_path, [("Moved", feed_server.url("/old.xml"))])))
    assert run(capsys, "refresh")[0] == 0
    [feed] = feeds_json(capsys)
    assert feed["url"] == feed_server.url("/new.xml") and feed["total"] == 2


def test_add_finds_the_feed_of_an_html_page_and_remove_unsubscribes(
    feed_server: FeedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    feed_server.feed("/blog/feed.xml", rss("Found Blog", 1))
    page = b'<html><head><link rel="alternate" type="application/rss+xml" href="feed.xml">'
    feed_server.route(
        "/blog/", lambda request: Reply(headers={"Content-Type": "text/html"}, body=page)
    )
    status, out, _ = run(capsys, "add", feed_server.url("/blog/"), "--folder", "Tech/Blogs")
    assert status == 0 and "Found Blog" in out
    store = Store(Paths.default())
    added = store.subscription(feed_server.url("/blog/feed.xml"))
    assert added is not None and added.folder == ("Tech", "Blogs")
    assert run(capsys, "remove", feed_server.url("/blog/feed.xml"))[0] == 0
    assert store.subscription(feed_server.url("/blog/feed.xml")) is None
    assert run(capsys, "remove", feed_server.url("/blog/feed.xml"))[0] == 1


def test_python_dash_m_runs(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "feedtui", "--version"], capture_output=True, text=True
    )
    assert result.returncode == 0 and result.stdout.startswith("feedtui ")


def test_lying_charset_is_corrected_and_the_decision_shown(
    feed_server: FeedServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = rss("中文频道", [("g1", "科技爱好者周刊：我们为什么需要写作")])
    feed_server.route(
        "/gbk.xml",
        lambda request: Reply(
            headers={"Content-Type": "application/rss+xml; charset=utf-8"},
            body=document.decode("utf-8").replace('encoding="UTF-8"', "").encode("gbk"),
        ),
    )
    run(capsys, "import", str(write_opml(tmp_path, [("", feed_server.url("/gbk.xml"))])))
    assert run(capsys, "refresh")[0] == 0
    [feed] = feeds_json(capsys)
    assert feed["encoding"] == "gb18030 (declared utf-8)"
    status, out, _ = run(capsys, "entries", "--json")
    assert json.loads(out)[0]["title"] == "科技爱好者周刊：我们为什么需要写作"


def test_stories_group_coverage_from_two_feeds(
    feed_server: FeedServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    feed_server.feed("/en.xml", rss("EN", [("en1", "Critical flaw CVE-2026-12345 in OpenSSH")]))
    feed_server.feed("/zh.xml", rss("ZH", [("zh1", "OpenSSH 高危漏洞 CVE-2026-12345 预警")]))
    feed_server.feed("/other.xml", rss("Other", [("o1", "Gardening tips for winter")]))
    feeds = [("EN", feed_server.url("/en.xml")), ("ZH", feed_server.url("/zh.xml"))]
    feeds.append(("Other", feed_server.url("/other.xml")))
    run(capsys, "import", str(write_opml(tmp_path, feeds)))
    assert run(capsys, "refresh")[0] == 0
    status, out, _ = run(capsys, "stories", "--json")
    assert status == 0
    [story] = json.loads(out)
    assert story["source_count"] == 2
    assert {m["entry_id"] for m in story["members"]} == {"en1", "zh1"}


def test_json_output_never_carries_terminal_controls(capsys: pytest.CaptureFixture[str]) -> None:
    from feedtui.core.models import Entry, Subscription

    hostile = "Title \x1b]52;c;ZXZpbA==\x07 \u202eevil\u202c \x9b31m"
    store = Store(Paths.default())
    url = "https://hostile.example/feed.xml"
    store.add_subscriptions([Subscription(url, hostile)])
    store.merge_entries(url, [(Entry(id="1", feed_url=url, title=hostile, author=hostile), "")])
    for command in ("feeds", "entries"):
        status, out, _ = run(capsys, command, "--json")
        assert status == 0
        assert "evil" in out
        assert not any(char in out for char in "\x1b\x07\u202e\u202c\x9b"), command


def test_the_live_progress_line_fits_its_width_in_chinese_too() -> None:
    import io
    import unicodedata

    from feedtui.cli_refresh import STATUS_WIDTH, ProgressPrinter
    from feedtui.core.refresh import FeedOutcome

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal = Terminal()
    printer = ProgressPrinter(2, terminal)
    printer(FeedOutcome("https://a.example/", "中文博客" * 20, "updated", 3))
    printer(FeedOutcome("https://b.example/", "Short", "unchanged"))
    lines = terminal.getvalue().split("\r")[1:]
    widths = [
        sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line) for line in lines
    ]
    assert widths == [STATUS_WIDTH, STATUS_WIDTH]
    assert lines[0].startswith("[1/2] 中文博客")
