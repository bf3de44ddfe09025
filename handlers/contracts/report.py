"""``/contract report [period]`` (``/合同 报表``): contract value, received and outstanding
by team for the contracts signed in a period (default: this year), as the viewer sees them
(a rep their own, a manager the team's, admins and finance everyone's) — a chart and a
few lines like the other reports, drawn after the transaction.

Amounts are in the viewer's currency at the ``crmbot fx`` rates; a contract in a currency
without a rate is listed in its own currency beside the totals, never added in as if it
were the same money.
"""

from __future__ import annotations

from datetime import date

from bot.context import Context, UserFacingError
from bot.extras import CHARTS, available
from bot.replies import Image, Text
from charts.canvas import Frame
from charts.kinds import BarPanel, BarsChart, render
from charts.style import FORECAST_COLOUR, WON_COLOUR, short_money
from handlers.reports.routes import (
    Viewer,
    chart_filename,
    period_label,
    scope_label,
    without_chart,
)
from store import contracts, reports
from store.fx import load_rates
from store.reports import Period, PeriodError

OUTSTANDING_COLOUR = "#d94801"
MAX_TEAM_LINES = 5


def this_year(today: date) -> Period:
    return Period(date(today.year, 1, 1), date(today.year + 1, 1, 1), "year")


async def build(ctx: Context, text: str) -> tuple[BarsChart, list[str]]:
    viewer = Viewer.of(ctx)
    try:
        period = reports.parse_period(text, viewer.today) if text else this_year(viewer.today)
    except PeriodError:
        raise UserFacingError("reports.bad_period", text=text) from None
    rows = await contracts.value_by_team(ctx.records, period.start, period.end)
    currency = viewer.currency
    rates = await load_rates(ctx.session, ctx.settings.default_currency)
    teams: dict[str, list[int]] = {}
    others: list[contracts.TeamContracts] = []
    count = 0
    for row in rows:
        value = rates.convert(row.value_cents, row.currency, currency)
        received = rates.convert(row.received_cents, row.currency, currency)
        if value is None or received is None:
            others.append(row)
            continue
        bucket = teams.setdefault(row.team or ctx.t("contracts.report.no_team"), [0, 0])
        bucket[0] += value
        bucket[1] += received
        count += row.count

    def cash(cents: int, code: str = currency) -> str:
        return short_money(cents, code, ctx.lang)

    value = sum(v for v, _ in teams.values())
    received = sum(r for _, r in teams.values())
    when = period_label(viewer, period)
    lines = [
        ctx.t("contracts.report.line_value", period=when, count=count, value=cash(value)),
        ctx.t(
            "contracts.report.line_received",
            received=cash(received),
            percent=f"{round(100 * received / value)}%" if value else "-",
            outstanding=cash(value - received),
        ),
    ]
    ordered = sorted(teams.items(), key=lambda kv: -kv[1][0])
    for name, (v, r) in ordered[:MAX_TEAM_LINES]:
        lines.append(
            ctx.t(
                "contracts.report.line_team",
                team=name,
                value=cash(v),
                received=cash(r),
                outstanding=cash(v - r),
            )
        )
    for row in others:
        lines.append(
            ctx.t(
                "contracts.report.line_other",
                team=row.team or ctx.t("contracts.report.no_team"),
                count=row.count,
                value=cash(row.value_cents, row.currency),
                received=cash(row.received_cents, row.currency),
                currency=row.currency,
            )
        )
    if not rows:
        lines = [ctx.t("contracts.report.empty_line", period=when)]
    names = tuple(name for name, _ in ordered)

    def panel(key: str, values: list[int], colour: str) -> BarPanel:
        return BarPanel(ctx.t(key), names, tuple(values), tuple(cash(v) for v in values), colour)

    spec = BarsChart(
        Frame(
            title=ctx.t("contracts.report.title"),
            subtitle=f"{await scope_label(viewer)} · {when}",
            lang=ctx.lang,
            currency=currency,
            empty=ctx.t("contracts.report.empty"),
        ),
        (
            panel("contracts.report.value", [v for _, (v, _) in ordered], FORECAST_COLOUR),
            panel("contracts.report.received", [r for _, (_, r) in ordered], WON_COLOUR),
            panel(
                "contracts.report.outstanding",
                [v - r for _, (v, r) in ordered],
                OUTSTANDING_COLOUR,
            ),
        ),
    )
    return spec, lines


async def answer(ctx: Context, text: str) -> None:
    spec, lines = await build(ctx, text.strip())
    if not available(CHARTS):
        ctx.reply(Text(without_chart(lines, ctx.t)))
        return
    name = chart_filename("contracts", ctx.now)

    async def draw() -> bytes:
        return await ctx.workers.run(render, spec)

    async def send(later: Context, png: bytes) -> None:
        later.reply(Image(png, "\n".join(lines), name))

    ctx.defer(draw, send)
