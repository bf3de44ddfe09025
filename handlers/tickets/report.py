"""``/service`` (``/售后``, also ``/ticket report``): open tickets, SLA met and satisfaction
for a period (default: the last 8 weeks), as the viewer sees tickets, as a chart and three
lines like the other reports (:mod:`handlers.reports.routes`), drawn after the transaction."""

from __future__ import annotations

from datetime import datetime, time

from bot.context import Context, UserFacingError
from bot.extras import CHARTS, available
from bot.replies import Image, Text
from charts.canvas import Frame
from charts.kinds import BarPanel, BarsChart, render
from charts.style import ACTIVITY_COLOUR, WON_COLOUR
from handlers.reports.routes import (
    Viewer,
    chart_filename,
    period_label,
    scope_label,
    without_chart,
)
from handlers.tickets.views import label
from store import reports, tickets
from store.reports import PeriodError


async def build(ctx: Context, text: str) -> tuple[BarsChart, list[str]]:
    viewer = Viewer.of(ctx)
    try:
        period = (
            reports.parse_period(text, viewer.today) if text else reports.last_weeks(viewer.today)
        )
    except PeriodError:
        raise UserFacingError("reports.bad_period", text=text) from None
    since = datetime.combine(period.start, time(), viewer.tz)
    until = datetime.combine(period.end, time(), viewer.tz)
    stats = await tickets.stats(ctx.records, since, until)
    when = period_label(viewer, period)
    scope = await scope_label(viewer)
    met = stats.met_percent
    average = stats.average_score
    lines = [
        ctx.t(
            "tickets.report.line_open",
            period=when,
            total=stats.open + stats.closed,
            open=stats.open,
            escalated=stats.escalated,
        ),
        ctx.t(
            "tickets.report.line_sla",
            closed=stats.closed,
            met=stats.met,
            percent="-" if met is None else f"{met}%",
        ),
        ctx.t(
            "tickets.report.line_survey",
            count=len(stats.scores),
            average="-" if average is None else f"{average:.1f}",
            low=sum(1 for s in stats.scores if s <= tickets.LOW_SCORE),
        ),
    ]
    states = (
        (ctx.t("tickets.report.open"), stats.open),
        (ctx.t("tickets.report.closed"), stats.closed),
        (ctx.t("tickets.report.met"), stats.met),
        (ctx.t("tickets.report.escalated"), stats.escalated),
    )
    kinds = sorted(stats.by_kind.items(), key=lambda kv: -kv[1])
    scores = [(f"{n}/5", sum(1 for s in stats.scores if s == n)) for n in range(5, 0, -1)]
    panels = [
        BarPanel(
            ctx.t("tickets.report.by_state"),
            tuple(n for n, _ in states),
            tuple(v for _, v in states),
            tuple(str(v) for _, v in states),
        ),
        BarPanel(
            ctx.t("tickets.report.by_type"),
            tuple(label(ctx, "types", k) for k, _ in kinds),
            tuple(v for _, v in kinds),
            tuple(str(v) for _, v in kinds),
            ACTIVITY_COLOUR,
        ),
    ]
    if stats.scores:
        panels.append(
            BarPanel(
                ctx.t("tickets.report.by_score"),
                tuple(n for n, _ in scores),
                tuple(v for _, v in scores),
                tuple(str(v) for _, v in scores),
                WON_COLOUR,
            )
        )
    frame = Frame(
        title=ctx.t("tickets.report.title"),
        subtitle=f"{scope} · {when}",
        lang=ctx.lang,
        currency=ctx.currency,
        empty=ctx.t("tickets.report.empty"),
    )
    return BarsChart(frame, tuple(panels)), lines


async def answer(ctx: Context, text: str) -> None:
    spec, lines = await build(ctx, text.strip())
    if not available(CHARTS):
        ctx.reply(Text(without_chart(lines, ctx.t)))
        return
    name = chart_filename("tickets", ctx.now)

    async def draw() -> bytes:
        return await ctx.workers.run(render, spec)

    async def send(later: Context, png: bytes) -> None:
        later.reply(Image(png, "\n".join(lines), name))

    ctx.defer(draw, send)
