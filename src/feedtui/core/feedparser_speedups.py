"""Changes to feedparser 6 that keep its output and take two thirds off its time on our feeds.

feedparser runs `text.translate(_cp1252)` over the text of every element it closes, bodies
included, to map C1 code points (U+0080-U+009F) to their windows-1252 glyphs. `str.translate`
looks every non-ASCII character up one by one: on Chinese bodies that line was a sixth of a
refresh's parsing. And expat hands text to feedparser line by line and entity by entity: a
20-line body with escaped tags is hundreds of calls, each of which looks the element's content
type up in a `FeedParserDict`. Asking expat to buffer text makes that one call per text node: a
third of feedparser's time. The rest is lookups: every `FeedParserDict` read runs a Python chain
of special cases ("category", "updated", aliases), and every text construct's few string
parameters are copied with `copy.deepcopy`. The changes are applied once per process, by
importing `core.parse`; a feedparser without that table or that line is left alone.
"""

from __future__ import annotations

import copy
import inspect
import re
import textwrap
from typing import Any

import feedparser.api  # type: ignore[import-untyped]  # no stubs published
import feedparser.mixin  # type: ignore[import-untyped]
import feedparser.util  # type: ignore[import-untyped]

from feedtui.core import expat_driver

_TRANSLATE = "output = output.translate(_cp1252)"
_GUARDED = "output = output.translate(_cp1252) if _has_c1(output) else output"


def speed_up_feedparser() -> None:
    """Install the changes (idempotent)."""
    _table_as_string()
    _faster_pop()
    _buffer_expat_text()
    _plain_dict_lookups()


def _buffer_expat_text() -> None:
    """Make `expat_driver` the SAX driver feedparser asks for first (it asks for libxml2's,
    which it then finds missing, and falls back to plain expat)."""
    preferred = feedparser.api.PREFERRED_XML_PARSERS
    if isinstance(preferred, list) and preferred[:1] != [expat_driver.__name__]:
        preferred[:] = [expat_driver.__name__]


def _table_as_string() -> None:
    """The table as a string indexed by code point: the same mapping, without the KeyError that
    its dict raised and cleared for every character it does not map."""
    table = getattr(feedparser.mixin, "_cp1252", None)
    if isinstance(table, dict) and all(isinstance(v, str) for v in table.values()):
        feedparser.mixin._cp1252 = "".join(table.get(code, chr(code)) for code in range(0x10000))


class _FlatCopy:
    """`copy` for `pop`: content parameters (type, language, base, base64) are strings and
    flags, so a shallow copy is the deep copy, at a twentieth of the cost."""

    @staticmethod
    def deepcopy(value: Any) -> Any:
        if isinstance(value, dict) and all(
            isinstance(item, str | int | None) for item in value.values()
        ):
            return type(value)(value)
        return copy.deepcopy(value)


def _faster_pop() -> None:
    """`pop` translating only text that holds a C1 code point (the table maps nothing else, and a
    regex search finds one twenty times faster than `translate` walks the text), and copying
    content parameters with `_FlatCopy`."""
    mixin = feedparser.mixin._FeedParserMixin
    if getattr(mixin.pop, "_feedtui", False):
        return
    try:
        source = textwrap.dedent(inspect.getsource(mixin.pop))
    except (OSError, TypeError):
        return
    if source.count(_TRANSLATE) != 1:
        return
    namespace = dict(
        vars(feedparser.mixin), _has_c1=re.compile("[\x80-\x9f]").search, copy=_FlatCopy
    )
    exec(
        compile(source.replace(_TRANSLATE, _GUARDED), feedparser.mixin.__file__, "exec"), namespace
    )  # noqa: S102 - feedparser's own source, one line changed
    namespace["pop"]._feedtui = True
    namespace["pop"].__wrapped__ = mixin.pop  # feedparser's own, for the test that compares
    mixin.pop = namespace["pop"]


def _plain_dict_lookups() -> None:
    """`FeedParserDict` reads that go straight to `dict` for every key without a special case.

    Its `__getitem__` tests "category", "enclosures", "license", "updated" and
    "updated_parsed" in turn, then its alias table, before reading the key: a quarter of
    feedparser's remaining time went to that chain for keys such as "type" and "value".
    """
    cls = feedparser.util.FeedParserDict
    if getattr(cls.get, "_feedtui", False):
        return
    special = frozenset(
        {"category", "enclosures", "license", "updated", "updated_parsed", *cls.keymap}
    )
    getitem, get, contains = cls.__getitem__, cls.get, cls.__contains__

    def __getitem__(self: Any, key: Any) -> Any:  # noqa: N807 - the dunder being replaced
        return getitem(self, key) if key in special else dict.__getitem__(self, key)

    def get_(self: Any, key: Any, default: Any = None) -> Any:
        return get(self, key, default) if key in special else dict.get(self, key, default)

    def __contains__(self: Any, key: Any) -> bool:  # noqa: N807 - the dunder being replaced
        return contains(self, key) if key in special else dict.__contains__(self, key)

    replaced: list[tuple[str, Any, Any]] = [
        ("__getitem__", __getitem__, getitem),
        ("get", get_, get),
        ("__contains__", __contains__, contains),
    ]
    for name, fast, original in replaced:
        fast._feedtui = True
        fast.__wrapped__ = original  # feedparser's own, for the test that compares
        setattr(cls, name, fast)
