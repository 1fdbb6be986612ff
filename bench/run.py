"""feedtui's benchmarks in one command: refresh, start-up, a 10,000-entry view, floors, newsboat.

Run: `/tmp/venv/bin/python bench/run.py [--sizes 100,1000] [--latency 0,50] [--repeat 3]`.
Prints one table per size and writes every sample to `bench/out/results-<timestamp>.json`.
See bench/README.md for what each figure means.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import generate
import newsboat
import report
from measure import GNU_TIME, Measurement, run
from server import BenchServer, loopback_host

BENCH = Path(__file__).resolve().parent
FEEDTUI = [sys.executable, "-m", "feedtui"]
FLOORS = [sys.executable, str(BENCH / "floors.py")]


class Budget:
    """The whole run's time bound: steps past it are skipped and reported as n/a."""

    def __init__(self, minutes: float) -> None:
        self.deadline = time.monotonic() + minutes * 60

    def left(self) -> float:
        return self.deadline - time.monotonic()

    def timeout(self, wanted: float) -> float:
        return max(1.0, min(wanted, self.left()))


class Bench:
    """One invocation: its arguments, its scratch space, its results."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.budget = Budget(args.max_minutes)
        self.out: Path = args.out
        self.scratch = self.out / "scratch"
        self.results: dict[str, Any] = {"meta": machine(args), "runs": []}

    # -- steps -----------------------------------------------------------------------------

    def sample(
        self,
        key: str,
        into: dict[str, list[dict[str, Any]]],
        step: Callable[[], Measurement],
        server: BenchServer | None = None,
    ) -> Measurement | None:
        """Run one measured step (unless the budget is spent) and file it under `key`."""
        if self.budget.left() < 5:
            into.setdefault(key, []).append({"skipped": "time budget spent"})
            return None
        if server is not None:
            server.reset_counts()
        # The server runs in this process, which otherwise only waits: its CPU is the server's,
        # taken from the same two cores as the reader's.
        cpu = time.process_time()
        measured = step()
        row = sample_row(measured)
        if server is not None:
            row["requests"] = server.counts()
            row["server_cpu_s"] = time.process_time() - cpu
        into.setdefault(key, []).append(row)
        status = "ok" if row["ok"] else f"FAILED rc={measured.returncode}"
        print(f"  {key:<34} {measured.wall:8.3f} s  {status}", flush=True)
        if not row["ok"]:
            print("    " + (measured.stderr.strip().splitlines() or [""])[-1][:200], flush=True)
        return measured

    def feedtui(
        self,
        data: Path,
        *command: str,
        timeout: float = 600,
        env: dict[str, str] | None = None,
        on_pty: bool = False,
    ) -> Measurement:
        return run(
            [*FEEDTUI, "--data-dir", str(data), *command],
            env=env or clean_env(),
            timeout=self.budget.timeout(timeout),
            on_pty=on_pty,
        )

    def fresh_data_dir(self, name: str, opml: Path) -> Path:
        data = self.scratch / name
        if data.exists():
            shutil.rmtree(data)
        done = run(
            [*FEEDTUI, "--data-dir", str(data), "import", str(opml)],
            env=clean_env(),
            timeout=120,
            sample_tree=False,
        )
        if done.returncode != 0:
            raise SystemExit(f"feedtui import failed: {done.stderr.strip()}")
        return data

    # -- one size --------------------------------------------------------------------------

    def run_size(self, count: int) -> None:
        data_set = dataset(self.out, count, self.args.seed)
        record: dict[str, Any] = {"n": count, "dataset": summary(data_set), "latency": {}}
        self.results["runs"].append(record)
        manifest = json.loads((data_set / "manifest.json").read_text())
        print(
            f"\n== N={count}: {manifest['entries']} entries, {manifest['bytes'] / 1e6:.0f} MB",
            flush=True,
        )
        with BenchServer(
            data_set, max_seconds=self.budget.left() + 60, hosts=self.args.hosts
        ) as server:
            opml, urls = point_at(data_set, server, self.scratch / f"n{count}")
            cache = None
            for latency in self.args.latency:
                server.latency_ms = latency
                print(f"-- latency {latency:g} ms", flush=True)
                samples: dict[str, list[dict[str, Any]]] = {}
                record["latency"][str(latency)] = samples
                cache = self.refreshes(count, opml, server, samples)
                self.fetch_floors(urls, samples, server)
                self.newsboat(count, urls, server, samples)
                self.save()
            server.latency_ms = 0
            print("-- start-up, views, floors (no network)", flush=True)
            record["local"] = local = {}
            self.start_up(count, opml, cache, local)
            self.parse_floors(data_set, local)
            self.newsboat_cache_load(count, local)
        self.view_10k(local)
        self.save()
        print(report.size_table(record, self.args.latency), flush=True)

    def refreshes(
        self, count: int, opml: Path, server: BenchServer, samples: dict[str, list[dict[str, Any]]]
    ) -> Path | None:
        """Cold refreshes (each in an empty data dir), then warm ones (all 304) in the last."""
        data = None
        for attempt in range(self.args.repeat):
            data = self.fresh_data_dir(f"n{count}/feedtui-{attempt}", opml)
            self.sample("feedtui.cold", samples, lambda d=data: self.feedtui(d, "refresh"), server)
        if data is None:
            return None
        for attempt in range(self.args.repeat):
            before = file_stamps(data) if attempt == 0 else None
            self.sample("feedtui.warm", samples, lambda: self.feedtui(data, "refresh"), server)
            if before is not None:
                after = file_stamps(data)
                changed = sorted(
                    str(p.relative_to(data)) for p in after if after[p] != before.get(p)
                )
                samples["feedtui.warm.files_written"] = [
                    {"count": len(changed), "files": changed[:20]}
                ]
        return data

    def fetch_floors(
        self, urls: Path, samples: dict[str, list[dict[str, Any]]], server: BenchServer
    ) -> None:
        validators = urls.with_name("validators.json")
        validators.unlink(missing_ok=True)  # never another data set's: no file, no 304 floor
        for key, extra in (("fetch.16", []), ("fetch.16.host2", ["--per-host", "2"])):
            for _ in range(self.args.repeat):
                command = [*FLOORS, "fetch", str(urls), "--connections", "16", *extra]
                command += ["--save-validators", str(validators)]
                self.sample(
                    key, samples, lambda c=command: run(c, timeout=self.budget.timeout(600))
                )
                attach_json(samples[key][-1])
        # The 304 pass as a process of its own, timed like `feedtui refresh`: start-up included.
        if not validators.exists():
            return
        command = [*FLOORS, "fetch-304", str(urls), "--validators", str(validators)]
        command += ["--connections", "16", "--per-host", "2"]
        for _ in range(self.args.repeat):
            self.sample(
                "fetch.16.host2.304_process",
                samples,
                lambda: run(command, timeout=self.budget.timeout(600)),
                server,  # its "server saw" column shows the floor got 304s only
            )
            attach_json(samples["fetch.16.host2.304_process"][-1])

    def newsboat(
        self, count: int, urls: Path, server: BenchServer, samples: dict[str, list[dict[str, Any]]]
    ) -> None:
        if not self.results["meta"]["newsboat"]:
            return
        for threads in self.args.newsboat_threads:
            for attempt in range(self.args.repeat):
                directory = self.scratch / f"n{count}" / f"newsboat-t{threads}-{attempt}"
                reader = newsboat.Newsboat.create(directory, urls.read_text().split(), threads)
                # Reload #2 re-downloads everything (2.21 forgets the validators of a first
                # fetch); only #3 is all-304, so #3 is the warm figure.
                for name in ("cold", "second", "warm"):
                    self.sample(
                        f"newsboat.t{threads}.{name}",
                        samples,
                        lambda reader=reader: reader.reload(self.budget.timeout(900)),
                        server,
                    )

    def start_up(
        self, count: int, opml: Path, cache: Path | None, local: dict[str, list[dict[str, Any]]]
    ) -> None:
        for _ in range(self.args.repeat):
            self.sample("feedtui.cli_version", local, lambda: run([*FEEDTUI, "--version"]))
        empty = self.fresh_data_dir(f"n{count}/feedtui-empty", opml)
        paint = clean_env(FEEDTUI_BENCH_EXIT_AFTER_PAINT="1")
        view = clean_env(FEEDTUI_BENCH_OPEN_VIEW="all-unread")
        timeout = self.args.app_timeout
        for _ in range(self.args.repeat):
            if cache is not None:
                self.sample(
                    "feedtui.start_cached",
                    local,
                    lambda: self.feedtui(cache, env=paint, on_pty=True, timeout=timeout),
                )
            self.sample(
                "feedtui.start_empty",
                local,
                lambda: self.feedtui(empty, env=paint, on_pty=True, timeout=timeout),
            )
            if cache is not None:
                self.sample(
                    "feedtui.view_all_unread",
                    local,
                    lambda: self.feedtui(cache, env=view, on_pty=True, timeout=timeout),
                )

    def view_10k(self, local: dict[str, list[dict[str, Any]]]) -> None:
        """Open "All unread" over about 10,000 cached entries (its own data set)."""
        wanted = self.args.view_entries
        data_set = dataset(self.out, 10 * wanted, self.args.seed, max_entries=wanted)
        with BenchServer(
            data_set, max_seconds=max(60, self.budget.left()), hosts=self.args.hosts
        ) as server:
            opml, _ = point_at(data_set, server, self.scratch / "view")
            cache = self.fresh_data_dir("view/feedtui", opml)
            self.sample(
                "feedtui.view_cache_refresh", local, lambda: self.feedtui(cache, "refresh"), server
            )
        env = clean_env(FEEDTUI_BENCH_OPEN_VIEW="all-unread")
        for _ in range(self.args.repeat):
            self.sample(
                "feedtui.view_10k",
                local,
                lambda: self.feedtui(cache, env=env, on_pty=True, timeout=self.args.app_timeout),
            )

    def parse_floors(self, data_set: Path, local: dict[str, list[dict[str, Any]]]) -> None:
        cores = os.cpu_count() or 1
        for mode in ("fast", "defaults"):
            for workers in (1, cores):
                key = f"parse.{mode}.{'1' if workers == 1 else 'pool'}"
                for _ in range(self.args.repeat if mode == "fast" else 1):
                    # feedparser's defaults are slow and only a reference rate: a sample will do.
                    limit = self.args.defaults_sample if mode == "defaults" else 0
                    command = [
                        *FLOORS,
                        "parse",
                        str(data_set),
                        "--mode",
                        mode,
                        "--workers",
                        str(workers),
                        "--limit",
                        str(limit),
                    ]
                    self.sample(
                        key, local, lambda c=command: run(c, timeout=self.budget.timeout(900))
                    )
                    attach_json(local[key][-1])

    def newsboat_cache_load(self, count: int, local: dict[str, list[dict[str, Any]]]) -> None:
        if not self.results["meta"]["newsboat"]:
            return
        threads = max(self.args.newsboat_threads)
        directory = self.scratch / f"n{count}" / f"newsboat-t{threads}-0"
        if not (directory / "cache.db").exists():
            return
        reader = newsboat.Newsboat(directory, threads)
        for _ in range(self.args.repeat):
            self.sample(
                "newsboat.print_unread",
                local,
                lambda: reader.print_unread(self.budget.timeout(900)),
            )

    def save(self) -> None:
        self.out.mkdir(parents=True, exist_ok=True)
        self.results["meta"]["load_end"] = os.getloadavg()
        self.path.write_text(json.dumps(self.results, indent=1, ensure_ascii=False))

    @property
    def path(self) -> Path:
        return self.out / f"results-{self.results['meta']['stamp']}.json"


# -- helpers -----------------------------------------------------------------------------------


def sample_row(measured: Measurement) -> dict[str, Any]:
    row: dict[str, Any] = {
        "ok": measured.returncode == 0 and not measured.timed_out,
        "wall": measured.wall,
        "max_rss_kb": measured.max_rss_kb,
        "tree_peak_kb": measured.tree_peak_kb,
        "returncode": measured.returncode,
        "timed_out": measured.timed_out,
        "marks": measured.marks,
        "stdout": measured.stdout[-2000:],
    }
    if not row["ok"]:
        row["stderr"] = measured.stderr[-2000:]
    return row


def attach_json(row: dict[str, Any]) -> None:
    """A floor prints one JSON line: keep it with its sample."""
    lines = [line for line in row.get("stdout", "").splitlines() if line.startswith("{")]
    if lines:
        row["result"] = json.loads(lines[-1])
        row.pop("stdout")


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FEEDTUI_")}
    env.update(TERM="xterm-256color", **extra)
    return env


def dataset(out: Path, count: int, seed: int, max_entries: int | None = None) -> Path:
    """A generated data set under out/data, reused while the generator's version matches."""
    name = f"n{count}-s{seed}" if max_entries is None else f"entries{max_entries}-s{seed}"
    where = out / "data" / name
    try:
        manifest = json.loads((where / "manifest.json").read_text())
        if manifest["version"] == generate.GENERATOR_VERSION and manifest["seed"] == seed:
            return where
    except (OSError, ValueError, KeyError):
        pass
    if where.exists():
        shutil.rmtree(where)
    started = time.perf_counter()
    generate.generate(where, count, seed, max_entries=max_entries)
    print(f"generated {where} in {time.perf_counter() - started:.1f} s", flush=True)
    return where


def point_at(data_set: Path, server: BenchServer, scratch: Path) -> tuple[Path, Path]:
    """The data set's OPML and a urls file aimed at the server: its port, its hosts."""
    scratch.mkdir(parents=True, exist_ok=True)

    def url(number: int) -> str:
        return f"http://{loopback_host(number, server.hosts)}:{server.port}/feeds/{number}.xml"

    text = re.sub(
        r"http://127\.0\.0\.1:8765/feeds/(\d+)\.xml",
        lambda match: url(int(match.group(1))),
        (data_set / "feeds.opml").read_text("utf-8"),
    )
    opml = scratch / "feeds.opml"
    opml.write_text(text, "utf-8")
    manifest = json.loads((data_set / "manifest.json").read_text())
    urls = scratch / "urls"
    urls.write_text("".join(url(f["n"]) + "\n" for f in manifest["files"]))
    return opml, urls


def summary(data_set: Path) -> dict[str, Any]:
    manifest = json.loads((data_set / "manifest.json").read_text())
    return {k: v for k, v in manifest.items() if k != "files"}


def file_stamps(root: Path) -> dict[Path, tuple[int, int]]:
    return {p: (p.stat().st_mtime_ns, p.stat().st_size) for p in root.rglob("*") if p.is_file()}


def machine(args: argparse.Namespace) -> dict[str, Any]:
    cpu = ""
    with contextlib.suppress(OSError, StopIteration):
        cpu = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    versions = {}
    for package in ("feedparser", "httpx", "textual"):
        try:
            versions[package] = __import__("importlib.metadata").metadata.version(package)
        except Exception:  # noqa: BLE001 - a version we cannot read is just not shown
            versions[package] = "?"
    head = subprocess.run(
        ["git", "-C", str(BENCH), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    return {
        "stamp": datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ"),
        "args": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30,
        "python": platform.python_version(),
        "versions": versions,
        "git_head": head + (" (with uncommitted changes)" if dirty() else ""),
        "newsboat": newsboat.version() if not args.no_newsboat else None,
        "rss_source": "/usr/bin/time -v" if GNU_TIME else "getrusage(RUSAGE_CHILDREN)",
        "load_start": os.getloadavg(),
    }


def dirty() -> bool:
    return bool(
        subprocess.run(
            ["git", "-C", str(BENCH), "status", "--porcelain", "src"],
            capture_output=True,
            text=True,
        ).stdout.strip()
    )


def numbers(text: str, kind: Callable[[str], Any]) -> list[Any]:
    return [kind(part) for part in text.split(",") if part.strip()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100", help="feed counts, e.g. 100,1000")
    parser.add_argument("--latency", default="0,50", help="server latencies in ms, e.g. 0,50")
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (median shown)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--newsboat-threads", default="1,16")
    parser.add_argument("--no-newsboat", action="store_true")
    parser.add_argument(
        "--defaults-sample",
        type=int,
        default=200,
        help="files parsed for the feedparser-defaults rate (0: all)",
    )
    parser.add_argument("--view-entries", type=int, default=10_000)
    parser.add_argument(
        "--hosts", type=int, default=16, help="loopback addresses the feeds are spread over"
    )
    parser.add_argument("--app-timeout", type=float, default=120, help="seconds per app start")
    parser.add_argument("--max-minutes", type=float, default=60, help="bound on the whole run")
    parser.add_argument("--out", type=Path, default=BENCH / "out")
    args = parser.parse_args()
    args.sizes = numbers(args.sizes, int)
    args.latency = numbers(args.latency, float)
    args.newsboat_threads = numbers(args.newsboat_threads, int)
    bench = Bench(args)
    if bench.results["meta"]["newsboat"] is None:
        print("newsboat is missing (or --no-newsboat): its columns are n/a", flush=True)
    started = time.perf_counter()
    try:
        for count in args.sizes:
            bench.run_size(count)
    finally:
        bench.results["meta"]["seconds"] = time.perf_counter() - started
        bench.save()
        shutil.rmtree(bench.scratch, ignore_errors=True)
    print(report.header(bench.results["meta"]))
    print(f"results: {bench.path}")


if __name__ == "__main__":
    main()
