"""Benchmark of story grouping: its cost within a refresh of 1,000 feeds, and its accuracy.

Run: `python bench/stories.py [--feeds 1000] [--entries 40] [--seed 7]`.

1. Synthetic feeds, generated in-process from a seed: every feed has ~40 entries over the 14-day
   window; about a fifth of the entries are copies of one event in 2-6 feeds, in English or
   Chinese, reworded, some sharing a CVE id or a link with tracking parameters. Titles draw on a
   Zipf-distributed vocabulary, so common words are common. Each entry carries its event label.
2. Timed: grouping as refresh does it (`StoryIndex.add_entries` once per feed, journal and fsync
   included), a steady-state refresh (one new entry in each of the 1,000 feeds), loading the
   index in a new process's `StoryIndex`, and compacting it.
3. Accuracy: pairwise precision/recall of the synthetic grouping against its labels, and of the
   hand-labelled pairs in `tests/fixtures/stories/pairs.json`.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from feedtui.core.models import Entry
from feedtui.core.paths import Paths
from feedtui.core.stories import StoryIndex, journal_file, stories_file
from feedtui.core.story_text import Grouper, GroupItem

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
PAIRS = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "stories" / "pairs.json"
SYLLABLES = [c + v for c in "bcdfghklmnprstvz" for v in "aeiou"]
HAN = [chr(code) for code in range(0x4E00, 0x4E00 + 3000)]


@dataclass(frozen=True, slots=True)
class Labelled:
    """A synthetic entry and the event it reports (None: nobody else covers it)."""

    entry: Entry
    event: int | None


class Corpus:
    """Seeded generator of headlines with a Zipf vocabulary, in English-like and Chinese text."""

    def __init__(self, seed: int) -> None:
        self.random = random.Random(seed)
        self.words = sorted({self._word() for _ in range(20000)})
        # 1/(rank+20): the commonest content word is in ~5% of headlines, as "AI" or "Google" are.
        self.weights = [1 / (rank + 20) for rank in range(len(self.words))]

    def _word(self) -> str:
        return "".join(self.random.choices(SYLLABLES, k=self.random.randint(2, 4)))

    def common(self, count: int) -> list[str]:
        return self.random.choices(self.words, self.weights, k=count)

    def han(self, count: int) -> str:
        return "".join(self.random.choices(HAN, k=count))

    def headline(self) -> str:
        return " ".join(self.common(self.random.randint(5, 9))).capitalize()


def generate(feeds: int, per_feed: int, seed: int) -> dict[str, list[Labelled]]:
    """Every feed's entries, newest first, with ground-truth event labels."""
    corpus = Corpus(seed)
    rng = corpus.random
    urls = [f"https://feed{n}.example/rss" for n in range(feeds)]
    by_feed: dict[str, list[Labelled]] = {url: [] for url in urls}
    events = feeds * per_feed // 5 // 4  # ~4 copies each: a fifth of all entries
    for event in range(events):
        when = NOW - timedelta(hours=rng.uniform(0, 13 * 24))
        name = corpus._word().capitalize() + " " + f"{rng.randint(1, 20)}.{rng.randint(0, 9)}"
        topic = corpus.common(3)
        han_topic = corpus.han(4)
        cve = f"CVE-2026-{rng.randint(1000, 99999)}" if rng.random() < 0.2 else ""
        link = f"https://origin{event}.example/post/{event}" if rng.random() < 0.3 else ""
        for copy, url in enumerate(rng.sample(urls, rng.randint(2, 6))):
            chinese = rng.random() < 0.35
            if chinese:
                title = f"{name} {han_topic}{corpus.han(rng.randint(2, 6))}"
            else:
                words = rng.sample(topic, 3) + corpus.common(rng.randint(1, 3))
                title = f"{name} " + " ".join(words)
            tracked = f"{link}?utm_source=feed{copy}" if link and rng.random() < 0.7 else link
            entry = Entry(
                id=f"e{event}-{copy}",
                feed_url=url,
                title=title,
                link=tracked or f"{url.removesuffix('/rss')}/e{event}",
                published=when + timedelta(minutes=rng.uniform(0, 600)),
                summary=f"Tracked as {cve}." if cve else "",
            )
            by_feed[url].append(Labelled(entry, event))
    for url in urls:
        for number in range(per_feed - len(by_feed[url])):
            entry = Entry(
                id=f"solo{number}",
                feed_url=url,
                title=corpus.headline() if rng.random() < 0.7 else corpus.han(rng.randint(8, 16)),
                link=f"{url.removesuffix('/rss')}/solo{number}",
                published=NOW - timedelta(hours=rng.uniform(0, 14 * 24 - 1)),
            )
            by_feed[url].append(Labelled(entry, None))
        by_feed[url].sort(key=lambda item: item.entry.published, reverse=True)
    return by_feed


def pairwise(
    groups: dict[str, set[tuple[str, str]]], labelled: dict[tuple[str, str], Labelled]
) -> tuple[float, dict[str, float]]:
    """Precision, and recall by language pair (en-en, en-zh, zh-zh), over cross-feed pairs."""
    truth: defaultdict[int, list[tuple[str, str]]] = defaultdict(list)
    for key, item in labelled.items():
        if item.event is not None:
            truth[item.event].append(key)
    true_pairs = {
        frozenset(p) for keys in truth.values() for p in itertools.combinations(keys, 2)
        if p[0][0] != p[1][0]
    }  # fmt: skip
    found = {
        frozenset(p)
        for keys in groups.values()
        for p in itertools.combinations(sorted(keys), 2)
        if p[0][0] != p[1][0]
    }
    hits: Counter[str] = Counter()
    totals: Counter[str] = Counter()
    for pair in true_pairs:
        kind = "-".join(sorted(_language(labelled[key].entry.title) for key in pair))
        totals[kind] += 1
        hits[kind] += pair in found
    totals["all"], hits["all"] = len(true_pairs), len(true_pairs & found)
    recall = {kind: hits[kind] / totals[kind] for kind in sorted(totals)}
    return len(true_pairs & found) / max(1, len(found)), recall


def _language(title: str) -> str:
    return "zh" if any("\u4e00" <= char <= "\u9fff" for char in title) else "en"


def labelled_pairs() -> tuple[float, float, int, int]:
    """Precision and recall on the hand-labelled pairs, with their counts."""
    pairs = json.loads(PAIRS.read_text("utf-8"))["pairs"]
    tp = fp = fn = 0
    for pair in pairs:
        grouper = Grouper()
        ids = []
        for feed, side in (("https://a.example/f", pair["a"]), ("https://b.example/f", pair["b"])):
            entry = Entry(
                "1",
                feed,
                side["title"],
                link=side.get("link", ""),
                published=NOW,
                summary=side.get("summary", ""),
            )
            ids.append(grouper.add(GroupItem.from_entry(entry), NOW - timedelta(days=14)))
        joined = ids[0] == ids[1]
        tp += joined and pair["same"]
        fp += joined and not pair["same"]
        fn += not joined and pair["same"]
    positives = sum(1 for p in pairs if p["same"])
    return tp / max(1, tp + fp), tp / max(1, tp + fn), positives, len(pairs) - positives


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--entries", type=int, default=40)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    by_feed = generate(args.feeds, args.entries, args.seed)
    total = sum(len(items) for items in by_feed.values())
    labelled = {
        (item.entry.feed_url, item.entry.id): item for items in by_feed.values() for item in items
    }
    print(f"{args.feeds} feeds, {total} entries, seed {args.seed}")

    with tempfile.TemporaryDirectory() as directory:
        paths = Paths.default(directory)
        index = StoryIndex(paths)
        started = time.perf_counter()
        for items in by_feed.values():
            index.add_entries([item.entry for item in items], now=NOW)
        ingest = time.perf_counter() - started
        print(
            f"first refresh, add_entries per feed: {ingest:.2f} s "
            f"= {ingest / total * 1000 * 1000:.1f} ms per 1,000 entries"
        )

        corpus = Corpus(args.seed + 1)
        fresh = [
            Entry(f"new{n}", url, corpus.headline(), f"{url}/new{n}", NOW)
            for n, url in enumerate(by_feed)
        ]
        started = time.perf_counter()
        for entry in fresh:
            index.add_entries([entry], now=NOW)
        steady = time.perf_counter() - started
        print(
            f"steady refresh, 1 new entry in each of {len(fresh)} feeds: {steady:.2f} s "
            f"= {steady / len(fresh) * 1000 * 1000:.1f} ms per 1,000 entries"
        )

        started = time.perf_counter()
        index.flush(NOW)
        print(
            f"compaction: {time.perf_counter() - started:.2f} s, "
            f"stories.json {stories_file(paths).stat().st_size / 1e6:.1f} MB, "
            f"journal {journal_file(paths).stat().st_size} B"
        )
        started = time.perf_counter()
        stories = StoryIndex(paths).stories(NOW)
        print(f"load in a new process + list: {time.perf_counter() - started:.2f} s")

    started = time.perf_counter()
    grouper = Grouper()
    horizon = NOW - timedelta(days=14)
    ordered = sorted(
        (item.entry for items in by_feed.values() for item in items),
        key=lambda e: (e.published, e.feed_url, e.id),
    )
    for entry in ordered:
        grouper.add(GroupItem.from_entry(entry), horizon)
    memory = time.perf_counter() - started
    print(f"in-memory grouping only: {memory / total * 1000 * 1000:.1f} ms per 1,000 entries")

    groups = {gid: {i.member.key for i in items} for gid, items in grouper.groups.items()}
    synthetic_precision, recalls = pairwise(groups, labelled)
    by_kind = ", ".join(f"{kind} {value:.3f}" for kind, value in recalls.items())
    print(
        f"synthetic: {len(stories)} stories; pairwise precision {synthetic_precision:.3f}, "
        f"recall {by_kind}"
    )
    precision, recall, positives, negatives = labelled_pairs()
    print(
        f"labelled pairs ({positives} same, {negatives} different): "
        f"precision {precision:.3f}, recall {recall:.3f}"
    )


if __name__ == "__main__":
    main()
