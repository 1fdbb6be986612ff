"""The floors a refresh cannot beat: feedparser's parse throughput and a fetch-only run of the URLs.

Run (bench/run.py runs these as child processes and reads the JSON line each prints):

    python bench/floors.py parse DATA_DIR [--mode defaults|fast] [--workers 1] [--limit 0]
    python bench/floors.py fetch URLS_FILE [--connections 16] [--per-host 0] [--save-validators F]
    python bench/floors.py fetch-304 URLS_FILE --validators F [--connections 16] [--per-host 0]

`parse` times `feedparser.parse(bytes)` over every `DATA_DIR/feeds/*.xml`: `defaults` is
feedparser's defaults (it sanitises HTML and resolves relative URIs), `fast` passes
`sanitize_html=False, resolve_relative_uris=False` (as feedtui does: it cleans HTML itself, once,
for the entry being read) and has the changes feedtui makes to feedparser
(`feedtui.core.feedparser_speedups`: expat buffering text, plain dict lookups, the windows-1252
table as a string; the same output in a third of the time). With `--workers`
> 1 a process pool is started and warmed first, so the figure is parse time only. `fetch` GETs
every URL with one `httpx.AsyncClient` (bodies read in full), then again in a fresh client with
`If-None-Match`/`If-Modified-Since` (all 304 from bench/server.py). `--per-host N` also caps
requests in flight to one host, as feedtui's fetcher does. `fetch-304` is the conditional
pass alone, from validators a `fetch --save-validators` run kept: bench/run.py times that whole
process, start-up included, so it compares with `feedtui refresh` as one process with another.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import feedparser
import httpx

from feedtui.core.fetch import skip_missing_sniffio

FAST = {"sanitize_html": False, "resolve_relative_uris": False}


def _parse_file(job: tuple[str, str]) -> tuple[int, int]:
    path, mode = job
    if mode == "fast":
        # Imported here: importing feedtui.core.parse installs the table, and `defaults`
        # measures feedparser as shipped.
        from feedtui.core.feedparser_speedups import speed_up_feedparser

        speed_up_feedparser()  # once per process; later calls find the table installed
    data = Path(path).read_bytes()
    result = feedparser.parse(data, **(FAST if mode == "fast" else {}))
    return len(data), len(result.entries)


def _ready() -> int:
    return os.getpid()


def parse_floor(data_dir: Path, mode: str, workers: int, limit: int = 0) -> dict[str, Any]:
    """Seconds, MB and MB/s to parse every feed file of a data set (or the first `limit`)."""
    files = sorted((data_dir / "feeds").glob("*.xml"), key=lambda p: int(p.stem))
    if limit:
        files = files[:limit]
    jobs = [(str(path), mode) for path in files]
    if workers <= 1:
        started = time.perf_counter()
        results = [_parse_file(job) for job in jobs]
        seconds = time.perf_counter() - started
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            # Warm every worker (spawned, feedparser imported) before the clock starts.
            list(pool.map(_parse_file, jobs[:workers]))
            started = time.perf_counter()
            results = list(pool.map(_parse_file, jobs, chunksize=2))
            seconds = time.perf_counter() - started
    size = sum(r[0] for r in results)
    return {
        "mode": mode,
        "workers": workers,
        "files": len(files),
        "entries": sum(r[1] for r in results),
        "mb": size / 1e6,
        "seconds": seconds,
        "mb_per_s": size / 1e6 / seconds if seconds else None,
    }


async def _fetch_pass(
    urls: list[str], connections: int, per_host: int, validators: dict[str, dict[str, str]] | None
) -> tuple[float, Counter[int], int, dict[str, dict[str, str]]]:
    skip_missing_sniffio()  # the same httpcore fix feedtui's client has, so the floor is fair
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    gates: dict[str, asyncio.Semaphore] = {}
    found: dict[str, dict[str, str]] = {}
    statuses: Counter[int] = Counter()
    received = 0

    async def one(client: httpx.AsyncClient, url: str) -> None:
        nonlocal received
        headers = {}
        if validators is not None and url in validators:
            known = validators[url]
            if known.get("etag"):
                headers["If-None-Match"] = known["etag"]
            if known.get("last_modified"):
                headers["If-Modified-Since"] = known["last_modified"]
        if per_host:
            host = urlsplit(url).hostname or ""
            gate = gates.setdefault(host, asyncio.Semaphore(per_host))
            async with gate:
                response = await client.get(url, headers=headers)
        else:
            response = await client.get(url, headers=headers)
        statuses[response.status_code] += 1
        received += len(response.content)
        found[url] = {
            "etag": response.headers.get("etag", ""),
            "last_modified": response.headers.get("last-modified", ""),
        }

    async with httpx.AsyncClient(
        limits=limits,
        timeout=httpx.Timeout(30.0),
        trust_env=False,
        headers={"User-Agent": "feedtui-bench-floor", "Accept-Encoding": "gzip, deflate"},
    ) as client:
        started = time.perf_counter()
        await asyncio.gather(*(one(client, url) for url in urls))
        seconds = time.perf_counter() - started
    return seconds, statuses, received, found


def conditional_floor(
    urls: list[str], connections: int, per_host: int, validators: dict[str, dict[str, str]]
) -> dict[str, Any]:
    """The conditional (304) pass alone."""
    seconds, statuses, _, _ = asyncio.run(_fetch_pass(urls, connections, per_host, validators))
    return {
        "urls": len(urls),
        "connections": connections,
        "per_host": per_host,
        "conditional_seconds": seconds,
        "conditional_statuses": {str(k): v for k, v in statuses.items()},
    }


def fetch_floor(urls: list[str], connections: int, per_host: int) -> dict[str, Any]:
    """Cold (200) and conditional (304) fetch-only passes over `urls`."""
    cold, cold_statuses, received, validators = asyncio.run(
        _fetch_pass(urls, connections, per_host, None)
    )
    return {
        **conditional_floor(urls, connections, per_host, validators),
        "cold_seconds": cold,
        "cold_statuses": {str(k): v for k, v in cold_statuses.items()},
        "cold_mb": received / 1e6,
        "validators": validators,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    parse = commands.add_parser("parse")
    parse.add_argument("data_dir", type=Path)
    parse.add_argument("--mode", choices=("defaults", "fast"), default="fast")
    parse.add_argument("--workers", type=int, default=1)
    parse.add_argument("--limit", type=int, default=0, help="only the first N files (0: all)")
    fetch = commands.add_parser("fetch")
    fetch.add_argument("urls_file", type=Path)
    fetch.add_argument("--connections", type=int, default=16)
    fetch.add_argument("--per-host", type=int, default=0, help="0: no per-host cap")
    fetch.add_argument("--save-validators", type=Path, help="keep the cold pass's validators")
    conditional = commands.add_parser("fetch-304")
    conditional.add_argument("urls_file", type=Path)
    conditional.add_argument("--validators", type=Path, required=True)
    conditional.add_argument("--connections", type=int, default=16)
    conditional.add_argument("--per-host", type=int, default=0, help="0: no per-host cap")
    args = parser.parse_args()
    if args.command == "parse":
        result = parse_floor(args.data_dir, args.mode, args.workers, args.limit)
    elif args.command == "fetch":
        urls = args.urls_file.read_text().split()
        result = fetch_floor(urls, args.connections, args.per_host)
        if args.save_validators is not None:
            args.save_validators.write_text(json.dumps(result.pop("validators")))
    else:
        urls = args.urls_file.read_text().split()
        validators = json.loads(args.validators.read_text())
        result = conditional_floor(urls, args.connections, args.per_host, validators)
    result.pop("validators", None)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
