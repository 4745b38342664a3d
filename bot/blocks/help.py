"""``/crm help``."""

from __future__ import annotations

from bot.blocks.common import Message, context, header, section
from bot.i18n import t


def _for_admins(line: str) -> bool:
    return "/crm stages" in line or "/crm workflows" in line


def help_message(locale: str, admin: bool) -> Message:
    title = t(locale, "help_title")
    body = t(locale, "help_body")
    if not admin:
        body = "\n".join(line for line in body.splitlines() if not _for_admins(line))
    blocks = [header(title.replace("`", "")), section(body)]
    if admin:
        blocks.append(context(t(locale, "stages_help")))
    return Message(title, blocks)
