"""`feedtui stories [--json]`: the stories (one event covered by several feeds), ranked."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from feedtui.core.sanitize import clean_line
from feedtui.core.store import Store
from feedtui.core.stories import Story, story_index, unread_checker
from feedtui.json_output import print_json

EXIT_OK = 0


def run_stories(store: Store, as_json: bool) -> int:
    """Print the ranked stories: JSON for scripts, one line per story otherwise."""
    stories = story_index(store).stories(unread=unread_checker(store))
    if as_json:
        print_json([_row(story) for story in stories])
        return EXIT_OK
    names = _feed_names(store)
    for story in stories:
        feeds = dict.fromkeys(names.get(url) or _host(url) for url, _ in story.members)
        print(
            f"{story.rank:6.2f}  {story.source_count} sources  {clean_line(story.headline)}  "
            f"({clean_line(', '.join(feeds))})"
        )
    return EXIT_OK


def _row(story: Story) -> dict[str, Any]:
    return {
        "id": story.id,
        "rank": story.rank,
        "source_count": story.source_count,
        "headline": story.headline,
        "newest": story.newest.isoformat(),
        "members": [
            {
                "feed_url": member.feed_url,
                "entry_id": member.entry_id,
                "title": member.title,
                "link": member.link,
            }
            for member in story.entries
        ],
    }


def _feed_names(store: Store) -> dict[str, str]:
    return {s.url: s.title for s in store.subscriptions() if s.title}


def _host(url: str) -> str:
    return urlsplit(url).hostname or url
