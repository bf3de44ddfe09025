"""The line on a contact's card that says where it came from: "📥 Imported from 客户.xlsx
(#3) by wang, 2026-11-18", "📇 Business card scanned by li, …" or "✍️ Added by li on
Telegram, …" — what ``/privacy`` lists in full, in a line a rep reads at a glance."""

from __future__ import annotations

from bot.context import Context
from store.origin import record_origin


async def origin_line(ctx: Context, table: str, record_id: int) -> str | None:
    origin = await record_origin(ctx.session, table, record_id)
    if origin is None:
        return None
    day = origin.at.astimezone(ctx.tz).date().isoformat()
    who = origin.by or "-"
    if origin.kind == "import":
        return ctx.t("origin.imported", file=origin.filename, id=origin.import_id, who=who, at=day)
    if origin.kind == "card":
        return ctx.t("origin.card", who=who, at=day)
    platform = (
        ctx.t(f"origin.platforms.{origin.platform}")
        if origin.platform in PLATFORMS
        else (origin.platform)
    )
    return ctx.t("origin.added", who=who, platform=platform, at=day)


PLATFORMS = frozenset({"telegram", "slack", "wechat", "wecom", "console", "cli", "web", "api"})
