"""Showing a deal and the buttons that move it; shared by the deal handlers and flows."""

from __future__ import annotations

from bot.context import Context
from bot.replies import Button, Card
from handlers.common.actions import ContractFromDeal
from handlers.common.book_card import book_of
from handlers.common.labels import deal_amount, stage_label
from handlers.deals.actions import EditAmount, EditClose, MoveDeal, PickStage, ReopenDeal
from locales.formatting import format_date
from store.access import may_write
from store.models import Company, Deal, User
from store.pipeline import WON


async def deal_card(ctx: Context, deal: Deal) -> Card:
    company = await ctx.session.scalar(
        ctx.records.select(Company).where(Company.id == deal.company_id)
    )
    owner = await ctx.session.get(User, deal.owner_id)
    amount = deal_amount(ctx, deal, "-")
    close = format_date(deal.expected_close, ctx.lang) if deal.expected_close else "-"
    lines = [
        ctx.t("deal.line_company", value=company.name if company else "-"),
        ctx.t("deal.line_stage", value=stage_label(ctx, deal.stage), probability=deal.probability),
        ctx.t("deal.line_amount", value=amount),
        ctx.t("deal.line_close", value=close),
        ctx.t("deal.line_owner", value=owner.display_name if owner else "-"),
    ]
    if deal.close_reason:
        lines.append(ctx.t("deal.line_reason", value=deal.close_reason))
    book = await book_of(ctx, "deal", deal.id)
    lines += book.lines
    buttons: tuple[Button, ...] = ()
    if not ctx.settings.pipeline.is_closed(deal.stage):
        buttons = (
            Button(ctx.t("deal.btn_stage"), PickStage(deal.id)),
            Button(ctx.t("deal.btn_won"), MoveDeal(deal.id, "won")),
            Button(ctx.t("deal.btn_lost"), MoveDeal(deal.id, "lost")),
            Button(ctx.t("deal.btn_amount"), EditAmount(deal.id)),
            Button(ctx.t("deal.btn_close"), EditClose(deal.id)),
        )
    elif deal.stage == WON:
        buttons = (
            Button(ctx.t("contracts.btn_from_deal"), ContractFromDeal(deal.id)),
            Button(ctx.t("corrections.reopen"), ReopenDeal(deal.id)),
        )
    else:
        buttons = (Button(ctx.t("corrections.reopen"), ReopenDeal(deal.id)),)
    if ctx.principal is not None and not may_write(ctx.principal, deal, {"stage": deal.stage}):
        # Finance reads a rep's deal: no buttons that would only be refused.
        return Card(f"💼 {deal.title}", tuple(lines))
    # 🧩 Fields last (when deals have custom fields): the buttons before keep their numbers.
    return Card(f"💼 {deal.title}", tuple(lines), buttons + tuple(book.buttons))


def stage_buttons(ctx: Context, deal: Deal) -> list[Button]:
    return [
        Button(stage_label(ctx, stage), MoveDeal(deal.id, stage))
        for stage in ctx.settings.pipeline.stages
        if stage != deal.stage
    ]
