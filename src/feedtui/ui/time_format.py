"""Short relative dates for the entries pane: "now", "5m", "3h", "2d", "1mo", "2y"."""

from __future__ import annotations

from datetime import datetime

AGE_WIDTH = 4
"""The widest `short_age` result, in cells ("11mo")."""


def short_age(when: datetime, now: datetime) -> str:
    """How long before `now` `when` was, in at most four cells; the future counts as "now"."""
    seconds = (now - when).total_seconds()
    minutes = int(seconds // 60)
    if minutes < 1:
        return "now"
    if minutes < 60:
        return f"{minutes}m"
    hours = minutes // 60
    if hours < 24:
        return f"{hours}h"
    days = hours // 24
    if days < 30:
        return f"{days}d"
    if days < 365:
        return f"{days // 30}mo"
    return f"{min(days // 365, 999)}y"
