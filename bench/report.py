"""The tables bench/run.py prints: medians of the samples, the floors, and the ratios."""

from __future__ import annotations

import statistics
from typing import Any

Samples = dict[str, list[dict[str, Any]]]
NA = "n/a"


def _ok(samples: Samples, key: str) -> list[dict[str, Any]]:
    return [row for row in samples.get(key, []) if row.get("ok")]


def wall(samples: Samples, key: str) -> float | None:
    rows = _ok(samples, key)
    return statistics.median(row["wall"] for row in rows) if rows else None


def rss_mb(samples: Samples, key: str, field: str = "max_rss_kb") -> float | None:
    values = [row[field] for row in _ok(samples, key) if row.get(field)]
    return statistics.median(values) / 1024 if values else None


def mark(samples: Samples, key: str, name: str) -> float | None:
    values = [float(row["marks"][name]) for row in _ok(samples, key) if name in row["marks"]]
    return statistics.median(values) if values else None


def result(samples: Samples, key: str, field: str) -> float | None:
    values = [row["result"][field] for row in _ok(samples, key) if "result" in row]
    return statistics.median(values) if values else None


def requests(samples: Samples, key: str) -> str:
    rows = _ok(samples, key)
    if not rows or "requests" not in rows[0]:
        return ""
    counts = {k: v for k, v in rows[0]["requests"].items() if k != "bytes"}
    text = " ".join(f"{count}×{status}" for status, count in counts.items())
    cpu = [row["server_cpu_s"] for row in rows if "server_cpu_s" in row]
    return f"{text}, {statistics.median(cpu):.1f} CPU-s" if cpu else text


def ratio(top: float | None, bottom: float | None) -> str:
    return f"{top / bottom:.2f}" if top is not None and bottom else NA


def num(value: float | None, digits: int = 2) -> str:
    return NA if value is None else f"{value:.{digits}f}"


def _table(head: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in [head, *rows]) for i in range(len(head))]

    def line(row: list[str]) -> str:
        return "  ".join(
            cell.ljust(widths[i]) if i == 0 else cell.rjust(widths[i]) for i, cell in enumerate(row)
        ).rstrip()

    rule = "  ".join("-" * width for width in widths)
    return "\n".join([line(head), rule, *(line(row) for row in rows)])


NETWORK_ROWS = [
    ("feedtui cold refresh (empty data dir)", "feedtui.cold"),
    ("feedtui warm refresh (all 304)", "feedtui.warm"),
    ("newsboat cold reload, 16 threads", "newsboat.t16.cold"),
    ("newsboat reload #2, 16 thr (downloads all again)", "newsboat.t16.second"),
    ("newsboat warm reload #3, 16 threads (all 304)", "newsboat.t16.warm"),
    ("newsboat cold reload, 1 thread", "newsboat.t1.cold"),
    ("newsboat reload #2, 1 thread (downloads all again)", "newsboat.t1.second"),
    ("newsboat warm reload #3, 1 thread (all 304)", "newsboat.t1.warm"),
    ("fetch-only floor, 304s, whole process (16 conn, 2/host)", "fetch.16.host2.304_process"),
]


def network_table(record: dict[str, Any], latencies: list[float]) -> str:
    head = ["refresh (median wall s / peak RSS MB)"]
    for latency in latencies:
        head += [f"{latency:g}ms s", "RSS", "tree", "server saw"]
    rows = []
    for label, key in NETWORK_ROWS:
        row = [label]
        for latency in latencies:
            samples = record["latency"].get(str(latency), {})
            row += [
                num(wall(samples, key)),
                num(rss_mb(samples, key), 0),
                num(rss_mb(samples, key, "tree_peak_kb"), 0),
                requests(samples, key),
            ]
        rows.append(row)
    for label, key, field in (
        ("fetch-only floor, cold 200s (16 conn, 2 per host)", "fetch.16.host2", "cold_seconds"),
        (
            "fetch-only floor, 304 pass alone (16 conn, 2/host)",
            "fetch.16.host2",
            "conditional_seconds",
        ),
        ("fetch-only, cold 200s (16 conn, no host cap)", "fetch.16", "cold_seconds"),
        ("fetch-only, 304s (16 conn, no host cap)", "fetch.16", "conditional_seconds"),
    ):
        row = [label]
        for latency in latencies:
            samples = record["latency"].get(str(latency), {})
            row += [num(result(samples, key, field)), "", "", ""]
        rows.append(row)
    written = ["files written by a warm refresh"]
    for latency in latencies:
        found = record["latency"].get(str(latency), {}).get("feedtui.warm.files_written")
        written += [str(found[0]["count"]) if found else NA, "", "", ""]
    rows.append(written)
    return _table(head, rows)


def ratio_table(record: dict[str, Any], latencies: list[float]) -> str:
    local = record.get("local", {})
    parse_floor = result(local, "parse.fast.pool", "seconds")
    head = ["ratio (lower is better for feedtui)"] + [f"{latency:g}ms" for latency in latencies]
    lines: list[tuple[str, Any]] = [
        (
            "cold refresh / parse floor (fast, all cores)",
            lambda s: ratio(wall(s, "feedtui.cold"), parse_floor),
        ),
        (
            "warm refresh / fetch-only 304 floor (processes, same client limits)",
            lambda s: ratio(wall(s, "feedtui.warm"), wall(s, "fetch.16.host2.304_process")),
        ),
        (
            "feedtui/newsboat cold (16 threads)",
            lambda s: ratio(wall(s, "feedtui.cold"), wall(s, "newsboat.t16.cold")),
        ),
        (
            "feedtui/newsboat cold (1 thread)",
            lambda s: ratio(wall(s, "feedtui.cold"), wall(s, "newsboat.t1.cold")),
        ),
        (
            "feedtui/newsboat warm (16 thr, reload #3)",
            lambda s: ratio(wall(s, "feedtui.warm"), wall(s, "newsboat.t16.warm")),
        ),
        (
            "feedtui/newsboat warm (1 thr, reload #3)",
            lambda s: ratio(wall(s, "feedtui.warm"), wall(s, "newsboat.t1.warm")),
        ),
        (
            "feedtui/newsboat peak RSS cold (16 thr)",
            lambda s: ratio(
                rss_mb(s, "feedtui.cold", "tree_peak_kb"),
                rss_mb(s, "newsboat.t16.cold", "tree_peak_kb"),
            ),
        ),
    ]
    rows = [
        [label] + [pick(record["latency"].get(str(lat), {})) for lat in latencies]
        for label, pick in lines
    ]
    return _table(head, rows)


def local_table(record: dict[str, Any]) -> str:
    local = record.get("local", {})
    head = ["no network (median)", "wall s", "app s", "RSS MB", "tree MB", "note"]
    rows = []
    for label, key, name in (
        ("feedtui --version (process start)", "feedtui.cli_version", ""),
        ("feedtui start-up to first paint, cached", "feedtui.start_cached", "feedtui-first-paint"),
        (
            "feedtui start-up to first paint, empty cache",
            "feedtui.start_empty",
            "feedtui-first-paint",
        ),
        ("feedtui open All unread (this cache)", "feedtui.view_all_unread", "feedtui-view-open"),
        ("feedtui open All unread (10k data set)", "feedtui.view_10k", "feedtui-view-open"),
        ("newsboat cache load (-x print-unread)", "newsboat.print_unread", ""),
    ):
        app = mark(local, key, name) if name else None
        note = ""
        if name and _ok(local, key) and app is None:
            note = "hook missing"
        elif name == "feedtui-view-open":
            note = f"{num(mark(local, key, 'feedtui-view-rows'), 0)} rows"
        elif key == "newsboat.print_unread" and _ok(local, key):
            note = _ok(local, key)[0]["stdout"].strip()[:40]
        if not _ok(local, key) and local.get(key):
            note = "failed / timed out"
        rows.append(
            [
                label,
                num(wall(local, key)),
                num(app, 3),
                num(rss_mb(local, key), 0),
                num(rss_mb(local, key, "tree_peak_kb"), 0),
                note,
            ]
        )
    for mode, label in (
        ("fast", "sanitize_html=False, resolve_relative_uris=False, cp1252 table"),
        ("defaults", "feedparser defaults"),
    ):
        for workers in ("1", "pool"):
            key = f"parse.{mode}.{workers}"
            procs = (
                "1 process"
                if workers == "1"
                else f"{result(local, key, 'workers') or '?':.0f} processes"
            )
            mbps = result(local, key, "mb_per_s")
            rows.append(
                [
                    f"parse floor, {procs}, {mode}",
                    num(result(local, key, "seconds")),
                    "",
                    num(rss_mb(local, key), 0),
                    num(rss_mb(local, key, "tree_peak_kb"), 0),
                    f"{num(mbps, 1)} MB/s, {num(result(local, key, 'files'), 0)} files ({label})",
                ]
            )
    table = _table(head, rows)
    cached = mark(local, "feedtui.start_cached", "feedtui-first-paint")
    empty = mark(local, "feedtui.start_empty", "feedtui-first-paint")
    extra = [
        f"start-up cached / empty (first paint, app clock): {ratio(cached, empty)}; "
        "(process wall): "
        f"{ratio(wall(local, 'feedtui.start_cached'), wall(local, 'feedtui.start_empty'))}",
        f"feedtui start-up cached / newsboat cache load (process wall): "
        f"{ratio(wall(local, 'feedtui.start_cached'), wall(local, 'newsboat.print_unread'))}",
    ]
    return table + "\n" + "\n".join(extra)


def size_table(record: dict[str, Any], latencies: list[float]) -> str:
    data = record["dataset"]
    title = (
        f"\n=== N={record['n']} feeds: {data['entries']:,} entries, {data['bytes'] / 1e6:.0f} MB, "
        f"formats {data['formats']}, {data['chinese_feeds']} Chinese ==="
    )
    return "\n\n".join(
        [
            title,
            network_table(record, latencies),
            ratio_table(record, latencies),
            local_table(record),
        ]
    )


def header(meta: dict[str, Any]) -> str:
    return (
        f"\nmachine: {meta['cpu']}, {meta['cores']} cores, {meta['memory_gb']:.0f} GB; "
        f"python {meta['python']}, {meta['versions']}; newsboat: {meta['newsboat'] or 'missing'}; "
        f"git {meta['git_head']}; load {meta['load_start']} -> {meta.get('load_end')}; "
        f"RSS from {meta['rss_source']}; took {meta.get('seconds', 0):.0f} s"
    )


def main() -> None:
    """Print the tables of a saved results file: `python bench/report.py results.json`."""
    import json
    import sys
    from pathlib import Path

    results = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    latencies = [float(x) for x in results["meta"]["args"]["latency"]]
    for record in results["runs"]:
        print(size_table(record, latencies))
    print(header(results["meta"]))


if __name__ == "__main__":
    main()
