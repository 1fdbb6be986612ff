"""Deciding how a feed's bytes are really encoded, when its declarations may lie.

Order: a byte-order mark; then valid UTF-8 (legacy-encoded text with non-ASCII bytes is almost
never valid UTF-8, so this catches "UTF-8 declared gb2312"); then the HTTP charset and the XML
declaration, when the bytes decode with them; then charset-normalizer's guess.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

import charset_normalizer

_XML_DECL = re.compile(rb"^(\s*<\?xml[^>]*?encoding\s*=\s*[\"'])([A-Za-z0-9._:-]+)([\"'])")
_XML_DECL_TEXT = re.compile(_XML_DECL.pattern.decode("ascii"), re.ASCII)
_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9._:-]+)", re.IGNORECASE)
# Decode the common legacy Chinese labels with their superset, as browsers do.
# Latin-1 labels mean windows-1252 on the web (curly quotes, the euro sign), as in browsers.
_SUPERSETS = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "big5": "big5hkscs",
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "us-ascii": "cp1252",
}
_PREFERENCE = {"utf_8": 0, "gb18030": 1, "big5": 2, "big5hkscs": 2}
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


@dataclass(frozen=True, slots=True)
class EncodingDecision:
    """The document re-encoded as UTF-8, and how that was decided."""

    utf8: bytes
    text: str
    """The same document decoded: `utf8` is `text.encode("utf-8")`."""
    description: str


def decide_encoding(content: bytes, content_type: str = "") -> EncodingDecision:
    """Re-encode `content` as UTF-8 with its XML declaration saying so."""
    http = _label(_CHARSET.search(content_type or ""))
    declared_match = _XML_DECL.search(content[:512])
    xml = declared_match.group(2).decode("ascii").lower() if declared_match else ""
    declared = http or xml
    name, text, exact = _decode(content, http, xml)
    if declared and _canonical(declared) != _canonical(name):
        description = f"{name} (declared {declared})"
    else:
        description = name
    # Valid UTF-8 without a BOM (nearly every feed) is already what we want: no re-encoding.
    utf8 = content if exact else text.encode("utf-8")
    if not exact or xml not in ("", "utf-8"):  # each substitution copies the whole document
        utf8 = _XML_DECL.sub(lambda m: m.group(1) + b"utf-8" + m.group(3), utf8, count=1)
        text = _XML_DECL_TEXT.sub(lambda m: m.group(1) + "utf-8" + m.group(3), text, count=1)
    return EncodingDecision(utf8=utf8, text=text, description=description)


def _label(match: re.Match[str] | None) -> str:
    return match.group(1).lower() if match else ""


def _canonical(name: str) -> str:
    try:
        return codecs.lookup(_SUPERSETS.get(name, name)).name
    except LookupError:
        return name


def _decode(content: bytes, http: str, xml: str) -> tuple[str, str, bool]:
    """(encoding name, text, whether `content` is exactly the text's UTF-8)."""
    for bom, codec in _BOMS:
        if content.startswith(bom):
            return codec.replace("-sig", ""), content.decode(codec, "replace"), False
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        # Pure ASCII reads the same in any declared (ASCII-compatible) charset: no lie to report.
        return (http or xml or "utf-8") if content.isascii() else "utf-8", text, True
    for label in (http, xml):
        if not label or _canonical(label) == "utf-8":
            continue
        codec = _SUPERSETS.get(label, label)
        try:
            return label, content.decode(codec), False
        except (UnicodeDecodeError, LookupError):
            continue
    candidates = list(charset_normalizer.from_bytes(content[:200_000]))
    if candidates:
        # Ties are common on short texts; most of our Chinese feeds are GB-encoded.
        best = min(
            candidates,
            key=lambda m: (
                round(m.chaos, 3),
                -round(m.coherence, 3),
                _PREFERENCE.get(m.encoding, 9),
            ),
        )
        codec = best.encoding
        try:
            return codec, content.decode(codec, "replace"), False
        except LookupError:
            pass
    return "utf-8", content.decode("utf-8", "replace"), False
