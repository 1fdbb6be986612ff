"""HTML bodies become safe Markdown: structure kept, links checked, active content gone."""

from __future__ import annotations

import pytest

from feedtui.core.html_markdown import (
    MAX_HTML_CHARS,
    MAX_LINES,
    MAX_MARKDOWN_CHARS,
    TRUNCATED_NOTE,
    html_to_markdown,
)

BASE = "https://example.com/posts/1"

CASES = [
    pytest.param("<h1>Title</h1><h3>Sub</h3>", "# Title\n\n### Sub", id="atx-headings"),
    pytest.param("<p>One</p><p>Two</p>", "One\n\nTwo", id="paragraphs"),
    pytest.param(
        "<ul><li>a<ul><li>b</li><li>c</li></ul></li><li>d</li></ul>",
        "- a\n  - b\n  - c\n- d",
        id="nested-list",
    ),
    pytest.param(
        '<ol start="3"><li>x</li><li>y<ol><li>z</li></ol></li></ol>',
        "3. x\n4. y\n   1. z",
        id="ordered-list",
    ),
    pytest.param("<blockquote><p>q</p></blockquote>", "> q", id="blockquote"),
    pytest.param(
        '<pre><code class="language-python">def f():\n    return 1\n</code></pre>',
        "```python\ndef f():\n    return 1\n```",
        id="code-with-language",
    ),
    pytest.param(
        "<pre>a ``` b</pre>",
        "````\na ``` b\n````",
        id="fence-longer-than-backticks-inside",
    ),
    pytest.param(
        "<table><tr><th>名</th><th>值</th></tr><tr><td>a|b</td><td>中文</td></tr></table>",
        "| 名 | 值 |\n| --- | --- |\n| a\\|b | 中文 |",
        id="table",
    ),
    pytest.param(
        '<p><a href="/about">About</a> and <a href="https://x.org/a b">x</a></p>',
        "[About](https://example.com/about) and [x](https://x.org/a%20b)",
        id="links-resolved",
    ),
    pytest.param(
        '<p><a href="javascript:alert(1)">click</a> <a href="data:text/html,x">d</a></p>',
        "click d",
        id="unsafe-links-become-text",
    ),
    pytest.param(
        '<p>Look<img src="/cat.png" alt="a cat"></p>',
        "Look\n\n[image: a cat](https://example.com/cat.png)",
        id="image-link-line",
    ),
    pytest.param('<img src="javascript:x" alt="bad">', "🖼 bad", id="unsafe-image-alt-only"),
    pytest.param(
        "<p>a</p><script>alert(1)</script><style>p{}</style><iframe>f</iframe>"
        "<object>o</object><form><input value=v>form text</form><p>b</p>",
        "a\n\nb",
        id="active-content-dropped",
    ),
    pytest.param("<p>before<!-- secret -->after</p>", "beforeafter", id="comments-dropped"),
    pytest.param(
        "<p>[x](javascript:alert(1)) &lt;b&gt; *y*</p>",
        "\\[x\\](javascript:alert(1)) \\<b\\> \\*y\\*",
        id="text-never-becomes-markdown",
    ),
    pytest.param("one\ntwo\n\nthree", "one\\\ntwo\n\nthree", id="plain-text-paragraphs"),
    pytest.param(
        "中文第一段。\n\n中文第二段。", "中文第一段。\n\n中文第二段。", id="plain-chinese"
    ),
]


@pytest.mark.parametrize(("html", "expected"), CASES)
def test_html_becomes_markdown(html: str, expected: str) -> None:
    assert html_to_markdown(html, BASE) == expected


@pytest.mark.parametrize(
    "html",
    [
        "<p>red \x1b[31mtext\x1b[0m</p>",
        "<p>clip \x1b]52;c;ZXZpbA==\x07board</p>",
        "<p>entity &#27;[2J clear</p>",
        "<pre>code \x1b[1m bold</pre>",
        '<img src="https://e.com/i.png" alt="\x1b]0;title\x07">',
    ],
)
def test_no_escape_character_survives(html: str) -> None:
    markdown = html_to_markdown(html, BASE)
    assert "\x1b" not in markdown
    assert "\x07" not in markdown


def test_bidi_overrides_are_removed() -> None:
    assert "\u202e" not in html_to_markdown("<p>abc\u202edef</p>")


def test_relative_links_without_a_base_are_dropped() -> None:
    assert html_to_markdown('<a href="/x">text</a>') == "text"


def test_oversized_input_is_cut_and_says_so() -> None:
    markdown = html_to_markdown("<p>" + "x" * (MAX_HTML_CHARS + 10) + "</p>")
    assert markdown.endswith(TRUNCATED_NOTE)


def test_very_deep_nesting_falls_back_to_text() -> None:
    html = "<div>" * 5000 + "deep text" + "</div>" * 5000
    assert html_to_markdown(html) == "deep text"


def test_long_ordered_list_is_numbered() -> None:
    markdown = html_to_markdown("<ol>" + "<li>i</li>" * (MAX_LINES - 1) + "</ol>")
    assert markdown.splitlines()[-1] == f"{MAX_LINES - 1}. i"


def test_long_output_is_cut_and_an_open_code_fence_closed() -> None:
    html = "<pre>" + "code\n" * (MAX_LINES + 50) + "</pre>"
    lines = html_to_markdown(html).splitlines()
    assert lines[0] == "```"
    assert lines[-3:] == ["```", "", TRUNCATED_NOTE]
    assert len(lines) == MAX_LINES + 3


def test_a_huge_list_is_cut() -> None:
    markdown = html_to_markdown("<ul>" + "<li>i</li>" * 50_000 + "</ul>")
    assert markdown.count("- i") == MAX_LINES
    assert markdown.endswith(TRUNCATED_NOTE)


def test_one_giant_paragraph_is_cut() -> None:
    markdown = html_to_markdown("<p>" + "<b>x</b> " * 100_000 + "</p>")
    assert len(markdown) <= MAX_MARKDOWN_CHARS + len(TRUNCATED_NOTE) + 2
    assert markdown.endswith(TRUNCATED_NOTE)
