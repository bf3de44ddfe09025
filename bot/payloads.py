"""Reading button payloads, which arrive from the client and so may be forged or garbled."""

from __future__ import annotations

from bot.context import Context, UserFacingError

MAX_ID = 2**63 - 1


def payload_id(ctx: Context) -> int:
    """The record id in a ``prefix:ID`` payload; anything else reads as "not found"."""
    raw = (ctx.payload or "").rsplit(":", 1)[-1]
    if not raw.isascii() or not raw.isdigit() or len(raw) > 19 or int(raw) > MAX_ID:
        raise UserFacingError("errors.not_found")
    return int(raw)
