"""Activities: one line each, and "my activities" with Done / Snooze."""

from __future__ import annotations

from datetime import datetime

from bot.blocks.common import (
    Block,
    Message,
    actions,
    button,
    clip,
    context,
    escape,
    header,
    overflow,
    section,
)
from bot.blocks.values import pack
from bot.i18n import t
from bot.when import local_today
from engine.api import formats
from engine.api.crm import Activity

MAX_LISTED = 20
ICONS = {"call": "📞", "meeting": "🤝", "task": "✅", "email": "✉️", "note": "📝"}


def activity_line(activity: Activity, locale: str, tz: str, now: datetime) -> str:
    icon = ICONS.get(activity.kind, "•")
    subject = escape(clip(activity.subject, 120))
    if activity.due_at is None:
        return f"{icon} {subject}"
    due = formats.when(activity.due_at, tz, locale)
    late = " ⚠️" if activity.overdue(now) else ""
    deal = f" · #{activity.deal_id}" if activity.deal_id else ""
    return f"{icon} *{due}*{late} — {subject}{deal}"


def buckets(items: list[Activity], now: datetime, tz: str) -> list[tuple[str, list[Activity]]]:
    """Overdue, today, coming up, undated: the order a rep works in."""
    today = local_today(now, tz)
    groups: dict[str, list[Activity]] = {
        "activities_overdue": [], "activities_today": [], "activities_later": [],
        "activities_undated": [],
    }  # fmt: skip
    for item in items:
        if item.due_at is None:
            groups["activities_undated"].append(item)
        elif item.due_at < now:
            groups["activities_overdue"].append(item)
        elif local_today(item.due_at, tz) == today:
            groups["activities_today"].append(item)
        else:
            groups["activities_later"].append(item)
    return [(key, group) for key, group in groups.items() if group]


def activity_buttons(activity: Activity, locale: str) -> Block:
    value = pack(activity.id, activity.version)
    snooze = [
        (t(locale, "snooze_hour"), pack(activity.id, activity.version, "hour")),
        (t(locale, "snooze_tomorrow"), pack(activity.id, activity.version, "tomorrow")),
        (t(locale, "snooze_week"), pack(activity.id, activity.version, "week")),
    ]
    return actions(
        [
            button("activity_done", t(locale, "activity_done"), value, "primary"),
            button("activity_snooze", t(locale, "activity_snooze"), pack(value, "tomorrow")),
            overflow("activity_snooze_menu", snooze),
        ],
        block_id=f"activity_{activity.id}",
    )


def activity_blocks(
    items: list[Activity], locale: str, tz: str, now: datetime, limit: int = MAX_LISTED
) -> list[Block]:
    blocks: list[Block] = []
    shown = 0
    for key, group in buckets(items, now, tz):
        blocks.append(context(f"*{t(locale, key)}*"))
        for item in group:
            if shown == limit:
                break
            blocks.append(section(activity_line(item, locale, tz, now)))
            blocks.append(activity_buttons(item, locale))
            shown += 1
    if len(items) > shown:
        blocks.append(context(t(locale, "pipeline_more", count=len(items) - shown)))
    return blocks


def my_activities(items: list[Activity], locale: str, tz: str, now: datetime) -> Message:
    title = t(locale, "activities_title")
    if not items:
        return Message(title, [header(title), section(t(locale, "activities_empty"))])
    return Message(title, [header(title), *activity_blocks(items, locale, tz, now)])
