"""Deals by button: open a deal, move its stage (won / lost ask why), change amount or date."""

from __future__ import annotations

from bot.context import Context, UserFacingError
from bot.router import Router, action, command
from handlers.approvals import notices
from handlers.common.labels import stage_label
from handlers.deals import edit, new_deal, reason, reopen
from handlers.deals.actions import (
    EditAmount,
    EditClose,
    MoveDeal,
    NewDealFor,
    OpenDeal,
    PickStage,
    ReopenDeal,
)
from handlers.deals.views import deal_card, stage_buttons
from store.deals import move_stage
from store.models import Company, Deal


async def start_new(ctx: Context) -> None:
    await new_deal.start(ctx)


async def start_new_for_company(ctx: Context) -> None:
    await new_deal.start(ctx, await ctx.records.get(Company, ctx.pressed(NewDealFor).company))


async def show(ctx: Context) -> None:
    ctx.reply(await deal_card(ctx, await ctx.records.get(Deal, ctx.pressed(OpenDeal).deal)))


async def pick_stage(ctx: Context) -> None:
    deal = await ctx.records.get(Deal, ctx.pressed(PickStage).deal)
    ctx.ask(ctx.t("deal.pick_stage", title=deal.title), stage_buttons(ctx, deal))


async def move(ctx: Context) -> None:
    """The stage is checked against the configured pipeline."""
    pressed = ctx.pressed(MoveDeal)
    deal = await ctx.records.get(Deal, pressed.deal, for_update=True)
    stage = pressed.stage
    pipeline = ctx.settings.pipeline
    if stage not in pipeline.stages:
        raise UserFacingError("errors.not_found")
    if pipeline.is_closed(stage):
        reason.ask_reason(ctx, deal, stage, move=True)
        return
    if await move_stage(ctx.records, pipeline, deal, stage, today=notices.today(ctx)):
        ctx.say("deal.moved", title=deal.title, stage=stage_label(ctx, stage))
        await notices.after_move(ctx, deal)
    ctx.reply(await deal_card(ctx, deal))


async def edit_amount(ctx: Context) -> None:
    await edit.start_amount(ctx, await ctx.records.get(Deal, ctx.pressed(EditAmount).deal))


async def edit_close(ctx: Context) -> None:
    await edit.start_close(ctx, await ctx.records.get(Deal, ctx.pressed(EditClose).deal))


def routes() -> Router:
    router = Router()
    router.add(command("deal"), start_new)
    router.add(action(NewDealFor), start_new_for_company)
    router.add(action(OpenDeal), show)
    router.add(action(PickStage), pick_stage)
    router.add(action(MoveDeal), move)
    router.add(action(EditAmount), edit_amount)
    router.add(action(EditClose), edit_close)
    router.add(action(ReopenDeal), reopen.start)
    return router
