"""The /mydata summary: a few readable lines per plugin, in the member's language.

Plugins answer `practica_user_data` with plain data (lists of rows, a few values); the full data goes
to the member as a JSON file. Here each plugin's data becomes one line of counts and key facts:
"• Homework: quiet hours: 22:00-06:00; handed in: 1 (Breech practice)". Labels come from the plugin's
own catalog (`mydata.title`, `mydata.<key>`), so a plugin's words stay its own and are translated
with it; a key without a label is shown as its name with spaces. Stored times are shown in the
community's time zone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from typing import Any

from core import Context, excerpt

# Fields that name a row (the first one present is shown as an example of the list's items).
NAME_FIELDS = ("title", "question", "module", "team", "reason", "action", "community", "text")
# When a row happened (the latest of a list is shown, in the community's time zone).
TIME_FIELDS = ("submitted_at", "created_at", "added_at", "accepted_at", "asked_at", "updated_at", "last_seen")
EXAMPLES = 3
VALUE_LIMIT = 60


def summary_lines(ctx: Context, found: Mapping[str, Any]) -> list[str]:
    """One line per plugin that stores something about the member, plugins in name order."""
    lines = []
    for plugin in sorted(found):
        data = found[plugin]
        parts = _parts(ctx, plugin, data) if isinstance(data, Mapping) else [_value(ctx, data)]
        parts = [p for p in parts if p]
        if parts:
            lines.append(ctx.t("mydata.line", title=_label(ctx, plugin, "title", plugin), parts=ctx.t("mydata.sep").join(parts)))
    return lines


def _parts(ctx: Context, plugin: str, data: Mapping[str, Any]) -> list[str]:
    parts = []
    for key, value in data.items():
        shown = _shown(ctx, value)
        if shown:
            parts.append(ctx.t("mydata.part", label=_label(ctx, plugin, key, key.replace("_", " ")), value=shown))
    return parts


def _label(ctx: Context, plugin: str, key: str, default: str) -> str:
    if ctx.chats.platform_running(plugin):  # an adapter's data (WhatsApp): labels in the core catalog
        key = f"{plugin}.{key}"
    return ctx.bot.catalog_text(plugin, ctx.locale, f"mydata.{key}") or default


def _shown(ctx: Context, value: Any) -> str:
    """A value as a reader sees it: a list as its count and a few examples; empty values as ""."""
    if value is None or value == "" or (isinstance(value, (Sequence, Mapping)) and not isinstance(value, str) and not value):
        return ""
    if isinstance(value, Mapping):
        return str(len(value))
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        unique = list(dict.fromkeys(n for n in (_name(ctx, item) for item in value) if n))
        shown = str(len(value))
        if unique:
            shown += f" ({', '.join(unique[:EXAMPLES])}{'…' if len(unique) > EXAMPLES else ''})"
        latest = _latest(value)
        if latest is not None:
            shown += ctx.t("mydata.latest" if len(value) > 1 else "mydata.at", when=ctx.format_time(latest))
        return shown
    return _value(ctx, value)


def _latest(rows: Sequence[Any]) -> datetime | None:
    moments = [parse_time(row[f]) for row in rows if isinstance(row, Mapping) for f in TIME_FIELDS
               if isinstance(row.get(f), str)]
    return max((m for m in moments if m is not None), default=None)


def _name(ctx: Context, item: Any) -> str:
    if isinstance(item, Mapping):
        for name in NAME_FIELDS:
            if item.get(name) not in (None, ""):
                return _value(ctx, item[name])
        return ""
    return _value(ctx, item)


def _value(ctx: Context, value: Any) -> str:
    if isinstance(value, bool):
        return ctx.t("mydata.yes" if value else "mydata.no")
    if isinstance(value, datetime):
        return ctx.format_time(value)
    if isinstance(value, str):
        when = parse_time(value)
        return ctx.format_time(when) if when is not None else excerpt(value, VALUE_LIMIT)
    return excerpt(str(value), VALUE_LIMIT)


def parse_time(text: str) -> datetime | None:
    """A stored moment ("2026-11-26T09:00:00.000000Z", "2026-11-26T09:00:00+00:00"), else None."""
    if len(text) < 19 or text[4] != "-" or text[10] != "T":
        return None
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=timezone.utc)
