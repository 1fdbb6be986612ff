"""Feed text is cleaned of every terminal control family, and nothing else."""

from __future__ import annotations

import pytest

from feedtui.core.sanitize import MAX_LINE_LENGTH, clean_line, clean_text, safe_link

ESC = "\x1b"


@pytest.mark.parametrize(
    ("dirty", "clean"),
    [
        pytest.param(f"{ESC}[31mred{ESC}[0m", "red", id="csi-colour"),
        pytest.param(f"a{ESC}[2J{ESC}[Hb", "ab", id="csi-clear-screen"),
        pytest.param(f"a{ESC}[?1049hb", "ab", id="csi-private-mode"),
        pytest.param(f"{ESC}]0;title\x07text", "text", id="osc-title-bel"),
        pytest.param(
            f"{ESC}]8;;https://evil.example/{ESC}\\link{ESC}]8;;{ESC}\\", "link", id="osc-8"
        ),
        pytest.param(f"x{ESC}]52;c;Y3VybCBldmls{ESC}\\y", "xy", id="osc-52-clipboard"),
        pytest.param(f"x{ESC}]52;c;Y3VybCBldmls", "x", id="osc-unterminated"),
        pytest.param(f"x{ESC}P1$qm{ESC}\\y", "xy", id="dcs"),
        pytest.param(f"x{ESC}Xsos{ESC}\\y{ESC}^pm{ESC}\\z{ESC}_apc{ESC}\\", "xyz", id="sos-pm-apc"),
        pytest.param(f"a{ESC}cb{ESC}(Bc{ESC}7d", "abcd", id="two-char-escapes"),
        pytest.param(f"a{ESC}", "a", id="lone-esc"),
        pytest.param("a\x9b31mb", "ab", id="c1-csi"),
        pytest.param("a\x9d0;title\x07b", "ab", id="c1-osc"),
        pytest.param("a\x9d8;;https://x/\x9cb", "ab", id="c1-osc-c1-st"),
        pytest.param("a\x00b\x07c\x08d\x0be\x0cf", "abcdef", id="c0"),
        pytest.param("a\x7fb\x85c\x9fd", "abcd", id="del-and-c1"),
        pytest.param("one\r\ntwo\rthree", "one\ntwo\nthree", id="carriage-returns"),
        pytest.param("invoice\u202egpj.exe\u202c", "invoicegpj.exe", id="bidi-override"),
        pytest.param("\u202a\u202b\u202c\u202d\u202e", "", id="bidi-embeddings"),
        pytest.param("\u2066a\u2067b\u2068c\u2069", "abc", id="bidi-isolates"),
        pytest.param("a\ud800b\udfffc", "abc", id="lone-surrogates"),
        pytest.param("\ufeffbom", "bom", id="bom"),
    ],
)
def test_clean_text_removes_each_control_family(dirty: str, clean: str) -> None:
    assert clean_text(dirty) == clean


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("科技爱好者周刊（第 300 期）", id="cjk"),
        pytest.param("שלום עולם — اردو خبریں", id="rtl"),
        pytest.param("\u200fשלום\u200e mark", id="rlm-lrm-marks"),
        pytest.param("👩\u200d💻 🏳️\u200d🌈 ❤️", id="emoji-zwj"),
        pytest.param("[bold]x[/] [@click=app.quit]y[/]", id="markup-lookalikes"),
        pytest.param("tab\there\nnew line", id="tab-newline"),
        pytest.param("Café ½ — “quotes” ÿ", id="latin"),
    ],
)
def test_clean_text_keeps_ordinary_text(text: str) -> None:
    assert clean_text(text) == text


def test_latin1_decoded_c1_does_not_swallow_the_rest() -> None:
    # Windows-1252 "ž" read as Latin-1 is U+009E, an 8-bit PM introducer with no terminator.
    assert clean_text("\x9eelezni\x9ar and more") == "eleznir and more"


def test_clean_line_collapses_whitespace_and_strips() -> None:
    assert clean_line("  Two\n\tlines \u3000 here\r\n") == "Two lines here"


def test_clean_line_removes_sequences_before_collapsing() -> None:
    assert clean_line(f"{ESC}[1m Bold {ESC}[0m\ntitle") == "Bold title"


def test_clean_line_bounds_a_huge_title() -> None:
    line = clean_line("x" * 1_000_000)
    assert len(line) == MAX_LINE_LENGTH
    assert line.endswith("…")


def test_clean_line_marks_a_cut_even_when_controls_shrank_it() -> None:
    line = clean_line("\x00" * 5000 + "tail", limit=100)
    assert line == "…"


def test_clean_line_custom_limit() -> None:
    assert clean_line("abcdefghij", limit=5) == "abcd…"
    assert clean_line("abcde", limit=5) == "abcde"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://example.org/a?b=c#d", "https://example.org/a?b=c#d"),
        ("HTTP://EXAMPLE.org/", "HTTP://EXAMPLE.org/"),
        ("  https://example.org/x  ", "https://example.org/x"),
        ("mailto:editor@example.org", "mailto:editor@example.org"),
        ("https://example.org/a b", "https://example.org/a%20b"),
        (f"https://example.org/{ESC}]8;;https://evil/{ESC}\\p", "https://example.org/p"),
        ("javascript:alert(1)", ""),
        ("JaVaScRiPt:alert(1)", ""),
        ("java\tscript:alert(1)", ""),
        ("java\nscript:alert(1)", ""),
        ("\x00javascript:alert(1)", ""),
        (" \x01 javascript:alert(1)", ""),
        ("java\u200bscript:alert(1)", ""),
        ("vbscript:msgbox", ""),
        ("data:text/html,<script>alert(1)</script>", ""),
        ("file:///etc/passwd", ""),
        ("ftp://example.org/", ""),
        ("/relative/path", ""),
        ("//example.org/scheme-relative", ""),
        ("http:example.org", ""),
        ("", ""),
        ("https://example.org/" + "a" * 10_000, ""),
    ],
)
def test_safe_link_policy(url: str, expected: str) -> None:
    assert safe_link(url) == expected
