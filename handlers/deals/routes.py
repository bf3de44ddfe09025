"""Deals by button: open a deal, move its stage (won / lost ask why), change amount or date."""

from __future__ import annotations

from bot.context import Context, UserFacingError
from bot.payloads import payload_id
from bot.router import Router, command, payload
from handlers.common.labels import stage_label
from handlers.deals import edit, new_deal, reason
from handlers.deals.views import deal_card, stage_buttons
from store.deals import move_stage
from store.models import Company, Deal


async def start_new(ctx: Context) -> None:
    await new_deal.start(ctx)


async def start_new_for_company(ctx: Context) -> None:
    await new_deal.start(ctx, await ctx.records.get(Company, payload_id(ctx)))


async def show(ctx: Context) -> None:
    ctx.reply(await deal_card(ctx, await ctx.records.get(Deal, payload_id(ctx))))


async def pick_stage(ctx: Context) -> None:
    deal = await ctx.records.get(Deal, payload_id(ctx))
    ctx.ask(ctx.t("deal.pick_stage", title=deal.title), stage_buttons(ctx, deal))


async def move(ctx: Context) -> None:
    """``dl.mv:<id>:<stage>``: the stage is checked against the configured pipeline."""
    parts = (ctx.payload or "").split(":")
    if len(parts) != 3:
        raise UserFacingError("errors.not_found")
    ctx.payload = f"dl.mv:{parts[1]}"
    deal = await ctx.records.get(Deal, payload_id(ctx), for_update=True)
    stage = parts[2]
    pipeline = ctx.settings.pipeline
    if stage not in pipeline.stages:
        raise UserFacingError("errors.not_found")
    if pipeline.is_closed(stage):
        reason.ask_reason(ctx, deal, stage, move=True)
        return
    if await move_stage(ctx.records, pipeline, deal, stage):
        ctx.say("deal.moved", title=deal.title, stage=stage_label(ctx, stage))
    ctx.reply(await deal_card(ctx, deal))


async def edit_amount(ctx: Context) -> None:
    await edit.start_amount(ctx, await ctx.records.get(Deal, payload_id(ctx)))


async def edit_close(ctx: Context) -> None:
    await edit.start_close(ctx, await ctx.records.get(Deal, payload_id(ctx)))


def routes() -> Router:
    router = Router()
    router.add(command("deal"), start_new)
    router.add(payload("dl.new"), start_new_for_company)
    router.add(payload("dl"), show)
    router.add(payload("dl.st"), pick_stage)
    router.add(payload("dl.mv"), move)
    router.add(payload("dl.amt"), edit_amount)
    router.add(payload("dl.cls"), edit_close)
    return router
