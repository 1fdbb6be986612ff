"""Reading a response body ourselves, so a gzip bomb never grows past the byte cap.

httpx is told not to decompress: it would inflate a whole chunk before anyone could count it.
"""

from __future__ import annotations

import zlib

import httpx

from feedtui.core.fetch_errors import FetchError
from feedtui.core.fetch_limits import MiB
from feedtui.core.sanitize import clean_line


async def read_body(response: httpx.Response, cap: int) -> bytes:
    """The body, decompressed here so that no more than `cap` bytes are ever produced."""
    decoder = BodyDecoder(response.headers.get("content-encoding", ""), cap)
    declared = response.headers.get("content-length", "")
    if decoder.identity and declared.isascii() and declared.isdigit() and int(declared) > cap:
        raise FetchError(f"response larger than {format_size(cap)}")
    parts = []
    async for chunk in response.aiter_raw():
        parts.append(decoder.feed(chunk))
    parts.append(decoder.flush())
    return b"".join(parts)


class BodyDecoder:
    """Undoes one Content-Encoding (identity, gzip, deflate) with a hard cap on output bytes."""

    def __init__(self, content_encoding: str, cap: int) -> None:
        codings = [c.strip().lower() for c in content_encoding.split(",")]
        codings = [c for c in codings if c and c != "identity"]
        if len(codings) > 1:
            raise FetchError(
                f"stacked content encodings refused ({clean_line(content_encoding, 40)})"
            )
        coding = codings[0] if codings else ""
        if coding not in ("", "gzip", "x-gzip", "deflate"):
            raise FetchError(f"unsupported content encoding: {clean_line(coding, 40)}")
        self.identity = not coding
        self._cap = cap
        self._size = 0
        self._pending = b""  # deflate: first bytes, until we can tell zlib from raw deflate
        self._inflater = (
            None if coding in ("", "deflate") else zlib.decompressobj(16 + zlib.MAX_WBITS)
        )

    def feed(self, chunk: bytes) -> bytes:
        """Decode one raw chunk."""
        if self.identity:
            return self._count(chunk)
        if self._inflater is None:
            self._pending += chunk
            if len(self._pending) < 2:
                return b""
            chunk, self._pending = self._pending, b""
            self._inflater = zlib.decompressobj(_deflate_wbits(chunk))
        # One byte more than allowed is enough to know the body is too big; never inflate more.
        return self._count(self._inflater.decompress(chunk, self._cap - self._size + 1))

    def flush(self) -> bytes:
        """Whatever the decoder still holds at the end of the body."""
        if self.identity:
            return b""
        if self._inflater is None:
            self._inflater = zlib.decompressobj(-zlib.MAX_WBITS)
            return self._count(self._inflater.decompress(self._pending, self._cap + 1))
        return self._count(self._inflater.flush(self._cap - self._size + 1))

    def _count(self, data: bytes) -> bytes:
        self._size += len(data)
        if self._size > self._cap:
            raise FetchError(f"response larger than {format_size(self._cap)}")
        return data


def _deflate_wbits(start: bytes) -> int:
    """ "deflate" is meant to be zlib-wrapped, but some servers send raw deflate: tell which."""
    cmf, flg = start[0], start[1]
    zlib_header = cmf & 0x0F == 8 and (cmf * 256 + flg) % 31 == 0
    return zlib.MAX_WBITS if zlib_header else -zlib.MAX_WBITS


def format_size(size: int) -> str:
    """`20 MiB`, `64 KiB`, `1000 bytes`."""
    for unit, scale in (("MiB", MiB), ("KiB", 1024)):
        if size >= scale and size % scale == 0:
            return f"{size // scale} {unit}"
    return f"{size} bytes"
