"""How a stage, an activity kind and a deal read in the user's language, for every feature."""

from __future__ import annotations

from bot.context import Context
from locales.formatting import format_money
from store.models import Deal


def stage_label(ctx: Context, stage: str) -> str:
    key = f"stages.{stage}"
    return ctx.t(key) if key in ctx.translator.catalogs.get("en", {}) else stage


def activity_label(ctx: Context, kind: str) -> str:
    return ctx.t(f"activity.kinds.{kind}")


def deal_amount(ctx: Context, deal: Deal, empty: str = "") -> str:
    """A deal's amount, or ``masked`` where the viewer's masking hides it (bot/masking.py)."""
    if not deal.amount_cents:
        return empty
    if ctx.masking.amount(deal.owner_id):
        return ctx.t("masking.amount")
    return format_money(deal.amount_cents, deal.currency, ctx.lang)


def deal_line(ctx: Context, deal: Deal) -> str:
    amount = deal_amount(ctx, deal)
    parts = [deal.title, stage_label(ctx, deal.stage), amount]
    return "💼 " + " · ".join(p for p in parts if p)


__all__ = ["activity_label", "deal_amount", "deal_line", "stage_label"]
