"""A customer's recent activities, newest first, a page at a time with a "more" button."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.context import Context
from bot.replies import Button
from bot.router import Router, action
from handlers.common.labels import activity_label
from handlers.common.pool_lines import pool_lines
from handlers.contracts.views import history_lines
from handlers.customers.actions import OpenCompany, ShowHistory
from handlers.tickets import views as ticket_views
from locales.formatting import format_when
from store.models import Activity, Company, User

PAGE = 5


async def show_history(ctx: Context) -> None:
    pressed = ctx.pressed(ShowHistory)
    offset = pressed.offset
    company = await ctx.records.get(Company, pressed.company)
    scoped = ctx.records.select(Activity).where(Activity.company_id == company.id)
    total = await ctx.session.scalar(select(func.count()).select_from(scoped.subquery())) or 0
    rows = (
        await ctx.session.execute(
            scoped.add_columns(User.display_name)
            .join(User, User.id == Activity.owner_id)
            .order_by(Activity.occurred_at.desc(), Activity.id.desc())
            .offset(offset)
            .limit(PAGE)
        )
    ).all()
    contract_lines = await history_lines(ctx, company.id) if offset == 0 else []
    if offset == 0:
        contract_lines += await ticket_views.history_lines(ctx, company.id)
        contract_lines += await pool_lines(ctx, company.id)
    if not rows and not contract_lines:
        ctx.say("history.none", name=company.name)
        return
    now_local = ctx.now.astimezone(ctx.tz)
    title = ctx.t(
        "history.title",
        name=company.name,
        start=offset + 1,
        end=offset + len(rows),
        total=total,
    )
    lines = [title if rows else ctx.t("contracts.history.title", name=company.name)]
    lines += contract_lines
    for activity, who in rows:
        when = format_when(activity.occurred_at.astimezone(ctx.tz), now_local, ctx.lang)
        summary = ctx.masking.text(activity.summary, activity.owner_id)
        lines.append(f"• {when} {activity_label(ctx, activity.kind)} · {who}\n  {summary}")
    buttons = [Button(ctx.t("history.back"), OpenCompany(company.id))]
    if offset + PAGE < total:
        buttons.insert(0, Button(ctx.t("history.more"), ShowHistory(company.id, offset + PAGE)))
    ctx.ask("\n".join(lines), buttons)


def routes() -> Router:
    router = Router()
    router.add(action(ShowHistory), show_history)
    return router
