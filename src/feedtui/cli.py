"""The `feedtui` command: the reader with no subcommand, a scripting CLI on the core otherwise."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from feedtui import __version__
from feedtui.core.defaults import default_subscriptions
from feedtui.core.lock import DataDirBusyError
from feedtui.core.models import Subscription, to_stamp
from feedtui.core.opml import OpmlError, parse_opml, write_opml
from feedtui.core.parse_workers import ParseWorkers
from feedtui.core.paths import Paths
from feedtui.core.sanitize import clean_line
from feedtui.core.store import Store
from feedtui.core.subscribe import SubscribeError, resolve_feed
from feedtui.json_output import print_json

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class CliError(Exception):
    """A failure to report as one line on stderr."""

    def __init__(self, message: str, status: int = EXIT_FAILED) -> None:
        super().__init__(message)
        self.status = status


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        raise CliError(message, EXIT_USAGE)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every subcommand."""
    parser = _Parser(prog="feedtui", description="A fast, safe, keyboard-first feed reader.")
    parser.add_argument("--version", action="version", version=f"feedtui {__version__}")
    parser.add_argument(
        "--data-dir", metavar="DIR", help="keep all data in DIR (also $FEEDTUI_DATA_DIR)"
    )
    parser.add_argument("--import", dest="import_file", metavar="FILE", help="import OPML, open")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    command = commands.add_parser("import", help="merge an OPML file into the subscriptions")
    command.add_argument("file", help="OPML file to import")

    command = commands.add_parser("export", help="write the subscriptions as OPML 2.0")
    command.add_argument("file", nargs="?", default="-", help="output file, or - for stdout")

    command = commands.add_parser("add", help="subscribe to a feed (or a page that links one)")
    command.add_argument("url")
    command.add_argument("--folder", default="", help="folder, e.g. 'Security/Advisories'")

    command = commands.add_parser("remove", help="unsubscribe from a feed")
    command.add_argument("url")

    command = commands.add_parser("refresh", help="fetch feeds now")
    command.add_argument("--feed", metavar="URL", help="refresh only this feed")

    command = commands.add_parser("feeds", help="list subscriptions with counts and status")
    command.add_argument("--json", action="store_true", help="machine-readable output")

    command = commands.add_parser("stories", help="list stories covered by several feeds")
    command.add_argument("--json", action="store_true", help="machine-readable output")

    command = commands.add_parser("entries", help="list entries, newest first")
    command.add_argument("--feed", metavar="URL", help="only this feed")
    command.add_argument("--unread", action="store_true", help="only unread entries")
    command.add_argument("--json", action="store_true", help="machine-readable output")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run feedtui; never lets a traceback reach the user."""
    try:
        args = build_parser().parse_args(argv)
        return _dispatch(args)
    except CliError as error:
        _fail(str(error))
        return error.status
    except OpmlError as error:
        _fail(str(error))
        return EXIT_FAILED
    except DataDirBusyError as error:
        _fail(str(error))
        return EXIT_FAILED
    except BrokenPipeError:
        # The reader of our output went away (`feedtui entries | head`): not an error.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except KeyboardInterrupt:
        _fail("interrupted")
        return 130
    except OSError as error:
        where = f"{error.filename}: " if error.filename else ""
        _fail(f"{where}{error.strerror or error}")
        return EXIT_FAILED
    except Exception as error:  # noqa: BLE001 - last resort: one line, never a traceback
        if os.environ.get("FEEDTUI_DEBUG"):
            raise
        _fail(f"internal error: {type(error).__name__}: {error} (set FEEDTUI_DEBUG=1 for details)")
        return EXIT_FAILED


def _fail(message: str) -> None:
    print(f"feedtui: {clean_line(message)}", file=sys.stderr)


def _dispatch(args: argparse.Namespace) -> int:
    paths = Paths.default(args.data_dir)
    store = Store(paths, on_problem=lambda message: _fail(message))
    command = args.command
    if command is None:
        if args.import_file:
            _import(store, Path(args.import_file))
        else:
            ensure_default_subscriptions(store)
        return _run_app(store)
    if command == "import":
        return _import(store, Path(args.file))
    if command == "export":
        return _export(store, args.file)
    if command == "add":
        return _add(store, args.url, args.folder)
    if command == "remove":
        return _remove(store, args.url)
    ensure_default_subscriptions(store)
    if command == "refresh":
        from feedtui.cli_refresh import run_refresh

        return run_refresh(store, args.feed)
    if command == "feeds":
        return _feeds(store, args.json)
    if command == "stories":
        from feedtui.cli_stories import run_stories

        return run_stories(store, args.json)
    return _entries(store, args.feed, args.unread, args.json)


def ensure_default_subscriptions(store: Store) -> None:
    """On first run, subscribe to the packaged default list."""
    if not store.has_subscription_file():
        store.add_subscriptions(default_subscriptions())


def _run_app(store: Store) -> int:
    # Imported here so the scripting CLI never pays for (or depends on) Textual.
    from feedtui.ui.app import run_app

    return run_app(store)


def _import(store: Store, file: Path) -> int:
    try:
        data = file.read_bytes()
    except OSError as error:
        raise CliError(f"{file}: {error.strerror or error}") from error
    subscriptions = parse_opml(data, str(file))
    added = store.add_subscriptions(subscriptions)
    print(f"imported {len(added)} new of {len(subscriptions)} feeds from {file}")
    return EXIT_OK


def _export(store: Store, target: str) -> int:
    document = write_opml(store.subscriptions())
    if target == "-":
        sys.stdout.buffer.write(document)
        sys.stdout.flush()
    else:
        from feedtui.core.jsonfile import write_bytes_atomic

        write_bytes_atomic(Path(target), document)
        print(f"exported {len(store.subscriptions())} feeds to {target}", file=sys.stderr)
    return EXIT_OK


def _add(store: Store, url: str, folder: str) -> int:
    try:
        with ParseWorkers(1) as parsers:
            found = asyncio.run(resolve_feed(url, parsers=parsers))
    except SubscribeError as error:
        raise CliError(str(error)) from error
    path = tuple(part.strip() for part in folder.split("/") if part.strip())
    subscription = Subscription(found.url, found.title, path, found.site_url)
    if not store.add_subscriptions([subscription]):
        raise CliError(f"already subscribed to {found.url}")
    print(f"subscribed to {clean_line(found.title) or found.url} <{found.url}>")
    return EXIT_OK


def _remove(store: Store, url: str) -> int:
    removed = store.remove_subscription(url)
    if removed is None:
        raise CliError(f"not subscribed to {url}")
    print(f"unsubscribed from {clean_line(removed.title) or removed.url}")
    return EXIT_OK


def _feeds(store: Store, as_json: bool) -> int:
    summaries = store.summaries()
    rows: list[dict[str, Any]] = []
    for subscription in store.subscriptions():
        summary = summaries[subscription.url]
        rows.append(
            {
                "url": subscription.url,
                "title": subscription.title or summary.state.title,
                "folder": list(subscription.folder),
                "unread": summary.unread,
                "total": summary.total,
                "status": summary.state.status,
                "error": summary.state.error,
                "warning": summary.state.warning,
                "encoding": summary.state.encoding,
                "last_checked": to_stamp(summary.state.last_checked),
            }
        )
    if as_json:
        print_json(rows)
        return EXIT_OK
    for row in rows:
        folder = "/".join(row["folder"])
        status = row["status"] + (f": {row['error']}" if row["error"] else "")
        print(
            "\t".join(
                clean_line(str(v))
                for v in (folder, row["title"], row["url"], row["unread"], row["total"], status)
            )
        )
    return EXIT_OK


def _entries(store: Store, feed: str | None, unread_only: bool, as_json: bool) -> int:
    if feed is not None:
        subscription = store.subscription(feed)
        if subscription is None:
            raise CliError(f"not subscribed to {feed}")
        subscriptions = [subscription]
    else:
        subscriptions = store.subscriptions()
    rows: list[dict[str, Any]] = []
    for subscription in subscriptions:
        marks = store.marks(subscription.url)
        for entry in store.entries(subscription.url):
            unread = entry.id not in marks.read
            if unread_only and not unread:
                continue
            rows.append(
                {
                    "feed_url": subscription.url,
                    "id": entry.id,
                    "title": entry.title,
                    "link": entry.link,
                    "author": entry.author,
                    "published": to_stamp(entry.published),
                    "unread": unread,
                    "starred": entry.id in marks.starred,
                }
            )
    rows.sort(key=lambda row: row["published"] or "", reverse=True)
    if as_json:
        print_json(rows)
        return EXIT_OK
    for row in rows:
        flag = "N" if row["unread"] else " "
        print(
            f"{flag} {row['published'][:16]}  {clean_line(row['title'])}  {clean_line(row['link'])}"
        )
    return EXIT_OK
