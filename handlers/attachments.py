"""Photos and files sent to the bot; refused uploads get a clear, localized answer."""

from __future__ import annotations

from bot.context import Context
from bot.router import Matcher, Router


def has_attachment() -> Matcher:
    return Matcher(lambda c: bool(c.event.attachments) and c.payload is None, "attachment")


async def on_attachment(ctx: Context) -> None:
    attachment = ctx.event.attachments[0]
    if attachment.kind == "too_large":
        ctx.say("attachments.too_large", mb=ctx.settings.max_photo_bytes // 1_048_576)
    elif attachment.kind == "unavailable":
        ctx.say("attachments.unavailable")
    elif attachment.kind != "image":
        ctx.say("attachments.not_image")
    else:
        ctx.say("attachments.received")


def routes() -> Router:
    router = Router()
    router.add(has_attachment(), on_attachment)
    return router
