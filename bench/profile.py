"""Where a cold refresh spends its time: pyinstrument over `feedtui refresh` and over the parser.

Run: `/tmp/venv/bin/python bench/profile.py [--feeds 100] [--latency-ms 0]` (needs pyinstrument;
py-spy too for the refresh).

1. `feedtui refresh` in an empty data dir under py-spy (`pip install py-spy`): every process
   (the process pool's parsers too) and thread, summarised by function. Without py-spy,
   pyinstrument sees the main thread only: parsing and storing show up as waiting.
2. `feedtui.core.parse.parse_feed` over every file, serially, in this process: the parser's
   own profile (what the pool workers do).
Profiles go to `bench/out/profile-*.txt`.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from run import BENCH, FEEDTUI, clean_env, dataset, point_at
from server import BenchServer


def profile_refresh(count: int, seed: int, latency: float, out: Path, hosts: int = 16) -> Path:
    """A cold refresh under py-spy (every process and thread), else pyinstrument (main thread)."""
    data_set = dataset(out, count, seed)
    scratch = out / "scratch-profile"
    shutil.rmtree(scratch, ignore_errors=True)
    data = scratch / "data"
    report = out / f"profile-refresh-n{count}.txt"
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    refresh = [sys.executable, "-m", "feedtui", "--data-dir", str(data), "refresh"]
    with BenchServer(data_set, latency_ms=latency, max_seconds=900, hosts=hosts) as server:
        opml, _ = point_at(data_set, server, scratch)
        subprocess.run(
            [*FEEDTUI, "--data-dir", str(data), "import", str(opml)],
            check=True,
            env=clean_env(),
            timeout=120,
        )
        if Path(spy).exists():
            raw = scratch / "py-spy.txt"
            command = [spy, "record", "-r", "200", "-s", "-t", "-f", "raw", "-o", str(raw), "--"]
            subprocess.run(
                [*command, *refresh],
                env=clean_env(),
                timeout=900,
                check=False,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            report.write_text(summarise_py_spy(raw))
        else:
            command = [sys.executable, "-m", "pyinstrument", "-o", str(report), *refresh[1:]]
            subprocess.run(
                command,
                env=clean_env(),
                timeout=900,
                check=False,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
    shutil.rmtree(scratch, ignore_errors=True)
    return report


def summarise_py_spy(raw: Path, top: int = 40) -> str:
    """Samples per process, and the functions with the most samples (own and inclusive)."""
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    processes: Counter[str] = Counter()
    for line in raw.read_text().splitlines():
        if not line.strip():
            continue
        stack, count = line.rsplit(" ", 1)
        # `process PID:"cmdline";thread (TID): name;frame;frame...`: a cmdline may hold ';'.
        process, _, rest = stack[stack.rfind("process ") :].partition('";thread')
        frames = rest.split(";")[1:] or ["(no Python frame)"]
        processes[process.split(":", 1)[-1].strip('"')[:90]] += int(count)
        own[frames[-1]] += int(count)
        for name in {frame.split(" (")[0] for frame in frames}:
            inclusive[name] += int(count)
    total = sum(processes.values())
    lines = [f"py-spy, 200 Hz, non-idle samples: {total}", "", "samples by process:"]
    lines += [f"{n:7d} {100 * n / total:5.1f}%  {name}" for name, n in processes.most_common()]
    lines += ["", "own samples (where the time is spent):"]
    lines += [f"{n:7d} {100 * n / total:5.1f}%  {name}" for name, n in own.most_common(top)]
    lines += ["", "inclusive samples (a function and what it calls):"]
    lines += [f"{n:7d} {100 * n / total:5.1f}%  {name}" for name, n in inclusive.most_common(top)]
    return "\n".join(lines) + "\n"


def profile_parse(count: int, seed: int, out: Path) -> Path:
    from pyinstrument import Profiler

    from feedtui.core.parse import parse_feed

    files = sorted((dataset(out, count, seed) / "feeds").glob("*.xml"), key=lambda p: int(p.stem))
    documents = [path.read_bytes() for path in files]
    profiler = Profiler()
    started = time.perf_counter()
    with profiler:
        for number, document in enumerate(documents):
            parse_feed(document, url=f"http://127.0.0.1/feeds/{number}.xml", headers={})
    seconds = time.perf_counter() - started
    megabytes = sum(map(len, documents)) / 1e6
    report = out / f"profile-parse-n{count}.txt"
    report.write_text(
        f"parse_feed over {len(documents)} files, {megabytes:.1f} MB: {seconds:.2f} s = "
        f"{megabytes / seconds:.1f} MB/s (one process, under the profiler)\n\n"
        + profiler.output_text(show_all=False)
    )
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--latency-ms", type=float, default=0)
    parser.add_argument("--hosts", type=int, default=16)
    parser.add_argument("--out", type=Path, default=BENCH / "out")
    args = parser.parse_args()
    print(profile_refresh(args.feeds, args.seed, args.latency_ms, args.out, args.hosts))
    print(profile_parse(args.feeds, args.seed, args.out))


if __name__ == "__main__":
    main()
