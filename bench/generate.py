"""Seeded generator of realistic feeds for the benchmarks: RSS 2.0, Atom 1.0 and RSS 1.0, an OPML.

Run: `python bench/generate.py OUT_DIR [--feeds 100] [--seed 1] [--port 8765]`.

Writes `OUT_DIR/feeds/<n>.xml`, `OUT_DIR/feeds.opml` (nested folders, URLs
`http://127.0.0.1:PORT/feeds/<n>.xml`), `OUT_DIR/labels.json` (which entries are one story) and
`OUT_DIR/manifest.json`. Feed n depends only on the seed and n (never on how many feeds there
are), so the first 100 feeds of a 1000-feed set are the 100-feed set.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

GENERATOR_VERSION = 1
"""Bump when the output changes, so cached data sets are rebuilt."""
BASE_NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
"""The newest entry is at most this recent: fixed, so a seed always gives the same bytes."""
FILE_MTIME = BASE_NOW.timestamp()
"""Every feed file's mtime, so Last-Modified (and the ETag) are deterministic too."""
BLOCK = 10
"""Shared stories are drawn within blocks of this many consecutive feeds."""
STORIES_PER_BLOCK = 12
CHINESE_SHARE = 0.3
FORMATS = (("rss2", 0.5), ("atom", 0.3), ("rss1", 0.2))

EN_WORDS = [
    "the",
    "a",
    "of",
    "to",
    "and",
    "in",
    "for",
    "on",
    "with",
    "by",
    "from",
    "release",
    "update",
    "kernel",
    "compiler",
    "browser",
    "server",
    "database",
    "network",
    "cache",
    "memory",
    "thread",
    "process",
    "storage",
    "cluster",
    "container",
    "model",
    "training",
    "inference",
    "dataset",
    "benchmark",
    "latency",
    "throughput",
    "security",
    "patch",
    "vulnerability",
    "exploit",
    "attacker",
    "researcher",
    "library",
    "framework",
    "language",
    "runtime",
    "garbage",
    "collector",
    "scheduler",
    "driver",
    "firmware",
    "hardware",
    "chip",
    "processor",
    "cloud",
    "region",
    "outage",
    "incident",
    "postmortem",
    "migration",
    "version",
    "stable",
    "beta",
    "preview",
    "feature",
    "support",
    "performance",
    "regression",
    "bug",
    "fix",
    "improvement",
    "developer",
    "team",
    "project",
    "community",
    "open",
    "source",
    "license",
    "API",
    "endpoint",
    "request",
    "response",
    "token",
    "authentication",
    "encryption",
    "certificate",
    "protocol",
    "packet",
    "router",
    "switch",
    "firewall",
    "policy",
    "compliance",
    "privacy",
    "user",
    "data",
    "analytics",
    "pipeline",
    "stream",
    "queue",
    "event",
    "index",
    "query",
    "optimizer",
    "planner",
    "transaction",
    "replication",
    "backup",
    "restore",
    "snapshot",
    "filesystem",
    "volume",
    "image",
    "package",
    "registry",
    "dependency",
    "build",
    "test",
    "deploy",
    "rollout",
    "canary",
    "monitor",
    "alert",
    "metric",
    "trace",
    "log",
    "quickly",
    "slowly",
    "finally",
    "recently",
    "officially",
    "publicly",
    "quietly",
    "broadly",
    "new",
    "faster",
    "safer",
    "smaller",
    "larger",
    "better",
    "critical",
    "major",
    "minor",
    "remote",
    "local",
    "default",
    "experimental",
    "deprecated",
    "announced",
    "released",
    "fixed",
    "shipped",
    "disclosed",
    "reported",
    "measured",
    "improved",
    "reduced",
    "doubled",
    "added",
    "removed",
]
ZH_WORDS = [
    "发布",
    "更新",
    "内核",
    "编译器",
    "浏览器",
    "服务器",
    "数据库",
    "网络",
    "缓存",
    "内存",
    "线程",
    "进程",
    "存储",
    "集群",
    "容器",
    "模型",
    "训练",
    "推理",
    "数据集",
    "基准测试",
    "延迟",
    "吞吐量",
    "安全",
    "补丁",
    "漏洞",
    "攻击者",
    "研究人员",
    "框架",
    "语言",
    "运行时",
    "调度器",
    "驱动",
    "固件",
    "硬件",
    "芯片",
    "处理器",
    "云",
    "区域",
    "故障",
    "事件",
    "复盘",
    "迁移",
    "版本",
    "稳定版",
    "预览",
    "功能",
    "支持",
    "性能",
    "回归",
    "修复",
    "改进",
    "开发者",
    "团队",
    "项目",
    "社区",
    "开源",
    "许可证",
    "接口",
    "请求",
    "响应",
    "认证",
    "加密",
    "证书",
    "协议",
    "数据包",
    "路由器",
    "防火墙",
    "策略",
    "合规",
    "隐私",
    "用户",
    "分析",
    "管道",
    "队列",
    "索引",
    "查询",
    "优化器",
    "事务",
    "复制",
    "备份",
    "恢复",
    "快照",
    "文件系统",
    "镜像",
    "依赖",
    "构建",
    "测试",
    "部署",
    "监控",
    "告警",
    "指标",
    "日志",
    "正式",
    "近日",
    "宣布",
    "已经",
    "显著",
    "大幅",
    "全新",
    "更快",
    "更安全",
    "关键",
    "重大",
    "远程",
    "本地",
    "默认",
    "实验性",
]
PRODUCTS = [
    "Nginx",
    "OpenSSL",
    "Chromium",
    "Firefox",
    "PostgreSQL",
    "Redis",
    "Kubernetes",
    "Linux",
    "Django",
    "Rails",
    "Node.js",
    "Python",
    "Rust",
    "Go",
    "Docker",
    "Grafana",
    "Jenkins",
    "GitLab",
    "Apache",
    "Tomcat",
    "Exim",
    "Sudo",
    "systemd",
    "curl",
    "libxml2",
]
FLAWS_EN = [
    "remote code execution",
    "heap overflow",
    "use-after-free",
    "SQL injection",
    "privilege escalation",
    "path traversal",
    "denial of service",
    "auth bypass",
]
FLAWS_ZH = [
    "远程代码执行",
    "堆溢出",
    "释放后使用",
    "SQL 注入",
    "权限提升",
    "路径穿越",
    "拒绝服务",
    "认证绕过",
]
FOLDERS = [
    ("Tech",),
    ("Tech", "Blogs"),
    ("Tech", "Blogs", "Compilers"),
    ("Tech", "Vendors"),
    ("Security",),
    ("Security", "Advisories"),
    ("Security", "Research"),
    ("科技",),
    ("科技", "博客"),
    ("Science",),
    ("News", "World"),
    (),
]
SITES = ["blog.example", "news.example.org", "dev.example.net", "lab.example.com", "例子.example"]
CODE_LINES = [
    "def handler(request):",
    "    if request.size > LIMIT and not request.trusted:",
    "        return Response(status=413)",
    "for (int i = 0; i < n && buf[i] != '\\0'; i++) {",
    "    total += weights[i] * values[i];",
    "}",
    "let cache = HashMap::<String, Vec<u8>>::new();",
    "SELECT id, title FROM entries WHERE unread = 1 ORDER BY published DESC LIMIT 50;",
    "$ curl -sS -H 'Accept: application/rss+xml' https://example.org/feed | head",
    "    await asyncio.gather(*(fetch(url) for url in urls))",
]


@dataclass(frozen=True, slots=True)
class Story:
    """One event that several feeds of a block cover."""

    key: str
    """The story's label, e.g. `b3-s7`."""
    kind: str
    """`url` (one canonical link, utm-decorated per feed) or `cve` (one CVE id in each title)."""
    link: str
    cve: str
    product: str
    flaw: int
    when: datetime
    feeds: tuple[int, ...]


@dataclass(slots=True)
class GeneratedFeed:
    """What was written for one feed."""

    number: int
    format: str
    chinese: bool
    folder: tuple[str, ...]
    title: str
    entries: int = 0
    size: int = 0
    members: list[dict[str, object]] = field(default_factory=list)


class Text:
    """Pools of sentences (with inline markup) drawn once from the seed, then sampled."""

    def __init__(self, seed: int) -> None:
        rng = random.Random(f"text-{seed}")
        self.en = [self._sentence(rng, EN_WORDS, " ", ".") for _ in range(3000)]
        self.zh = [self._sentence(rng, ZH_WORDS, "", "。") for _ in range(3000)]

    @staticmethod
    def _sentence(rng: random.Random, words: list[str], sep: str, stop: str) -> str:
        picked = rng.choices(words, k=rng.randint(6, 22))
        picked[0] = picked[0][:1].upper() + picked[0][1:]
        roll = rng.random()
        spot = rng.randrange(len(picked))
        if roll < 0.15:
            site = rng.choice(SITES)
            picked[spot] = f'<a href="https://{site}/p/{rng.randint(1, 99999)}">{picked[spot]}</a>'
        elif roll < 0.22:
            picked[spot] = f'<a href="/docs/{rng.randint(1, 999)}.html">{picked[spot]}</a>'
        elif roll < 0.32:
            picked[spot] = f"<strong>{picked[spot]}</strong>"
        elif roll < 0.40:
            picked[spot] = f"<code>{picked[spot]}_{rng.randint(1, 9)}()</code>"
        elif roll < 0.46:
            picked[spot] = f"<em>{picked[spot]}</em>"
        return sep.join(picked) + stop

    def body(self, rng: random.Random, chinese: bool, target: int) -> str:
        """An HTML body of about `target` UTF-8 bytes: paragraphs, lists, code, images."""
        pool, scale, sep = (self.zh, 2, "") if chinese else (self.en, 1, " ")
        parts: list[str] = []
        size = 0
        while size < target:
            roll = rng.random()
            if roll < 0.55:
                piece = "<p>" + sep.join(rng.choices(pool, k=rng.randint(2, 7))) + "</p>"
            elif roll < 0.65:
                tag = rng.choice(("ul", "ol"))
                items = "".join(f"<li>{s}</li>" for s in rng.choices(pool, k=rng.randint(2, 6)))
                piece = f"<{tag}>{items}</{tag}>"
            elif roll < 0.75:
                lines = rng.choices(CODE_LINES, k=rng.randint(3, 12))
                code = escape("\n".join(lines))
                piece = f'<pre><code class="language-python">{code}</code></pre>'
            elif roll < 0.84:
                number = rng.randint(1, 99999)
                piece = (
                    f'<figure><img src="https://cdn.{rng.choice(SITES)}/img/{number}.png" '
                    f'alt="figure {number}" width="{rng.randint(3, 12) * 100}" height="400">'
                    f"<figcaption>{rng.choice(pool)}</figcaption></figure>"
                )
            elif roll < 0.93:
                piece = f"<h2>{rng.choice(pool).rstrip('.。')}</h2>"
            else:
                piece = f"<blockquote><p>{rng.choice(pool)}</p></blockquote>"
            parts.append(piece)
            size += len(piece) * scale
        return "\n".join(parts)

    def title(self, rng: random.Random, chinese: bool) -> str:
        words = rng.choices(ZH_WORDS if chinese else EN_WORDS, k=rng.randint(4, 9))
        text = ("" if chinese else " ").join(words)
        return text[:1].upper() + text[1:]


def block_stories(seed: int, block: int) -> list[Story]:
    """The stories of one block of feeds; depends only on the seed and the block."""
    rng = random.Random(f"stories-{seed}-{block}")
    members = range(block * BLOCK, (block + 1) * BLOCK)
    stories = []
    for number in range(STORIES_PER_BLOCK):
        kind = "cve" if rng.random() < 0.35 else "url"
        slug = f"{block}-{number}-{rng.randint(1000, 9999)}"
        stories.append(
            Story(
                key=f"b{block}-s{number}",
                kind=kind,
                link=f"https://{rng.choice(SITES)}/story/{slug}",
                cve=f"CVE-2026-{rng.randint(10000, 99999)}",
                product=rng.choice(PRODUCTS),
                flaw=rng.randrange(len(FLAWS_EN)),
                when=BASE_NOW - timedelta(hours=rng.uniform(1, 24 * 12)),
                feeds=tuple(sorted(rng.sample(members, rng.randint(2, 5)))),
            )
        )
    return stories


def story_title(story: Story, rng: random.Random, chinese: bool) -> str:
    flaw = (FLAWS_ZH if chinese else FLAWS_EN)[story.flaw]
    if story.kind == "cve":
        if chinese:
            return rng.choice(
                [
                    f"{story.product} 曝出{flaw}漏洞（{story.cve}）",
                    f"{story.cve}：{story.product} {flaw}漏洞已修复",
                ]
            )
        return rng.choice(
            [
                f"{story.cve}: {flaw} in {story.product}",
                f"{story.product} fixes {flaw} ({story.cve})",
                f"Patch now: {story.product} {flaw} tracked as {story.cve}",
            ]
        )
    if chinese:
        return rng.choice(
            [f"{story.product} 发布重大更新", f"{story.product} 新版本正式发布，性能大幅提升"]
        )
    return rng.choice(
        [
            f"{story.product} ships a major release",
            f"{story.product} release: faster and safer",
            f"What's new in the latest {story.product} release",
        ]
    )


def story_link(story: Story, number: int, rng: random.Random) -> str:
    if story.kind == "cve":
        return f"https://{rng.choice(SITES)}/advisory/{story.cve.lower()}-{number}"
    if rng.random() < 0.25:
        return story.link
    return f"{story.link}?utm_source=feed{number}&utm_medium=rss&utm_campaign=c{rng.randint(1, 99)}"


def make_feed(
    number: int, seed: int, text: Text, stories: list[Story]
) -> tuple[bytes, GeneratedFeed]:
    """Feed `number`'s document and what it holds."""
    rng = random.Random(f"feed-{seed}-{number}")
    chinese = rng.random() < CHINESE_SHARE
    kind = rng.choices([f for f, _ in FORMATS], [w for _, w in FORMATS])[0]
    site = f"site{number}.{rng.choice(SITES)}"
    title = (
        f"{rng.choice(ZH_WORDS)}{rng.choice(ZH_WORDS)}周刊 {number}"
        if chinese
        else f"The {rng.choice(EN_WORDS).title()} {rng.choice(EN_WORDS).title()} Blog {number}"
    )
    info = GeneratedFeed(number, kind, chinese, rng.choice(FOLDERS), title)
    count = rng.randint(20, 60)
    mine = [s for s in stories if number in s.feeds]
    entries = []
    for index in range(count - len(mine)):
        when = BASE_NOW - timedelta(hours=index * rng.uniform(4, 20) + rng.uniform(0, 3))
        when = when.replace(microsecond=0)
        entries.append(
            (
                f"urn:feedtui-bench:{number}:{index}",
                text.title(rng, chinese),
                f"https://{site}/posts/{index}-{rng.randint(100, 999)}",
                when,
                "",
            )
        )
    for story in mine:
        link = story_link(story, number, rng)
        entry_id = f"urn:feedtui-bench:{number}:{story.key}"
        when = (story.when + timedelta(minutes=rng.uniform(0, 240))).replace(microsecond=0)
        entries.append((entry_id, story_title(story, rng, chinese), link, when, story.key))
    entries.sort(key=lambda item: item[3], reverse=True)
    items = []
    for entry_id, entry_title, link, when, story_key in entries:
        target = int(math.exp(rng.uniform(math.log(1024), math.log(20 * 1024))))
        body = text.body(rng, chinese, target)
        if story_key and "CVE-" in entry_title:
            body = f"<p>{escape(entry_title)}</p>\n" + body
        summary = text.title(rng, chinese)
        items.append((entry_id, entry_title, link, when, summary, body, rng.choice(FOLDERS[:3])))
        if story_key:
            info.members.append(
                {
                    "story": story_key,
                    "feed": number,
                    "id": entry_id,
                    "link": link,
                    "title": entry_title,
                    "lang": "zh" if chinese else "en",
                }
            )
    info.entries = len(items)
    writer = {"rss2": rss2, "atom": atom, "rss1": rss1}[kind]
    document = writer(title, f"https://{site}/", "zh-CN" if chinese else "en", items).encode()
    info.size = len(document)
    return document, info


Item = tuple[str, str, str, datetime, str, str, tuple[str, ...]]


def _cdata(html: str) -> str:
    return "<![CDATA[" + html.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def rss2(title: str, site: str, lang: str, items: list[Item]) -> str:
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/">\n<channel>',
        f"<title>{escape(title)}</title><link>{escape(site)}</link>"
        f"<description>{escape(title)} feed</description><language>{lang}</language>",
    ]
    for entry_id, entry_title, link, when, summary, body, folder in items:
        out.append(
            f"<item><title>{escape(entry_title)}</title><link>{escape(link)}</link>"
            f'<guid isPermaLink="false">{entry_id}</guid><pubDate>{format_datetime(when)}</pubDate>'
            f"<dc:creator>Author {len(entry_title) % 7}</dc:creator>"
            f"<category>{escape(folder[-1] if folder else 'misc')}</category>"
            f"<description>{escape(summary)}</description>"
            f"<content:encoded>{_cdata(body)}</content:encoded></item>"
        )
    out.append("</channel>\n</rss>\n")
    return "\n".join(out)


def atom(title: str, site: str, lang: str, items: list[Item]) -> str:
    updated = max((item[3] for item in items), default=BASE_NOW).isoformat()
    out = [
        f'<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom" '
        f'xml:lang="{lang}">',
        f'<title>{escape(title)}</title><link rel="alternate" href={quoteattr(site)}/>'
        f"<id>{escape(site)}</id><updated>{updated}</updated>",
    ]
    for entry_id, entry_title, link, when, summary, body, _folder in items:
        out.append(
            f"<entry><title>{escape(entry_title)}</title>"
            f'<link rel="alternate" type="text/html" href={quoteattr(link)}/>'
            f"<id>{entry_id}</id><published>{when.isoformat()}</published>"
            f"<updated>{when.isoformat()}</updated><author><name>Author</name></author>"
            f'<summary type="html">{escape(summary)}</summary>'
            f'<content type="html">{escape(body)}</content></entry>'
        )
    out.append("</feed>\n")
    return "\n".join(out)


def rss1(title: str, site: str, lang: str, items: list[Item]) -> str:
    seq = "".join(f"<rdf:li rdf:resource={quoteattr(item[2])}/>" for item in items)
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>\n<rdf:RDF '
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/">',
        f"<channel rdf:about={quoteattr(site)}><title>{escape(title)}</title>"
        f"<link>{escape(site)}</link><description>{escape(title)}</description>"
        f"<dc:language>{lang}</dc:language><items><rdf:Seq>{seq}</rdf:Seq></items></channel>",
    ]
    for entry_id, entry_title, link, when, summary, body, _folder in items:
        out.append(
            f"<item rdf:about={quoteattr(link)}><title>{escape(entry_title)}</title>"
            f"<link>{escape(link)}</link><dc:identifier>{entry_id}</dc:identifier>"
            f"<dc:date>{when.isoformat()}</dc:date><dc:creator>Author</dc:creator>"
            f"<description>{escape(summary)}</description>"
            f"<content:encoded>{_cdata(body)}</content:encoded></item>"
        )
    out.append("</rdf:RDF>\n")
    return "\n".join(out)


def write_opml(out: Path, feeds: list[GeneratedFeed], port: int, name: str = "feeds.opml") -> Path:
    """An OPML 2.0 file with nested folders pointing at the local server on `port`."""
    tree: dict[str, object] = {}
    for feed in feeds:
        node = tree
        for part in feed.folder:
            node = node.setdefault("/" + part, {})  # type: ignore[assignment]
        node.setdefault("", []).append(feed)  # type: ignore[union-attr]

    def render(node: dict[str, object], depth: int) -> list[str]:
        pad = "  " * depth
        lines = []
        for key in sorted(k for k in node if k):
            lines.append(f"{pad}<outline text={quoteattr(key[1:])}>")
            lines += render(node[key], depth + 1)  # type: ignore[arg-type]
            lines.append(f"{pad}</outline>")
        for feed in node.get("", []):  # type: ignore[attr-defined]
            url = f"http://127.0.0.1:{port}/feeds/{feed.number}.xml"
            lines.append(
                f'{pad}<outline type="rss" text={quoteattr(feed.title)} '
                f"title={quoteattr(feed.title)} xmlUrl={quoteattr(url)}/>"
            )
        return lines

    body = "\n".join(render(tree, 2))
    document = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<opml version="2.0">\n  <head>'
        f"<title>feedtui bench</title></head>\n  <body>\n{body}\n  </body>\n</opml>\n"
    )
    path = out / name
    path.write_text(document, "utf-8")
    return path


def generate(
    out: Path, feeds: int, seed: int = 1, port: int = 8765, max_entries: int | None = None
) -> dict[str, object]:
    """Write the data set; returns the manifest. `max_entries` stops once that many exist."""
    (out / "feeds").mkdir(parents=True, exist_ok=True)
    text = Text(seed)
    written: list[GeneratedFeed] = []
    total_entries = total_bytes = 0
    for number in range(feeds):
        document, info = make_feed(number, seed, text, block_stories(seed, number // BLOCK))
        path = out / "feeds" / f"{number}.xml"
        path.write_bytes(document)
        os.utime(path, (FILE_MTIME, FILE_MTIME))
        written.append(info)
        total_entries += info.entries
        total_bytes += info.size
        if max_entries is not None and total_entries >= max_entries:
            break
    write_opml(out, written, port)
    stories: dict[str, list[dict[str, object]]] = {}
    for info in written:
        for member in info.members:
            stories.setdefault(str(member["story"]), []).append(member)
    labels = [
        {"story": key, "members": members} for key, members in stories.items() if len(members) > 1
    ]
    (out / "labels.json").write_text(
        json.dumps({"version": 1, "seed": seed, "stories": labels}, ensure_ascii=False, indent=1),
        "utf-8",
    )
    manifest: dict[str, object] = {
        "version": GENERATOR_VERSION,
        "seed": seed,
        "feeds": len(written),
        "entries": total_entries,
        "bytes": total_bytes,
        "formats": {f: sum(1 for i in written if i.format == f) for f, _ in FORMATS},
        "chinese_feeds": sum(1 for i in written if i.chinese),
        "shared_stories": len(labels),
        "files": [{"n": i.number, "entries": i.entries, "bytes": i.size} for i in written],
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1), "utf-8")
    return manifest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="directory to write into")
    parser.add_argument("--feeds", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--port", type=int, default=8765, help="port written into the OPML")
    parser.add_argument("--max-entries", type=int, help="stop after the feed that reaches this")
    args = parser.parse_args()
    manifest = generate(args.out, args.feeds, args.seed, args.port, args.max_entries)
    print(
        f"{manifest['feeds']} feeds, {manifest['entries']} entries, "
        f"{int(manifest['bytes']) / 1e6:.1f} MB, formats {manifest['formats']}, "  # type: ignore[call-overload]
        f"{manifest['chinese_feeds']} Chinese, {manifest['shared_stories']} shared stories "
        f"-> {args.out}"
    )


if __name__ == "__main__":
    main()
