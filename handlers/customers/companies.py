"""Company list and card, and deleting a company with a confirmation button."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.context import Context, UserFacingError
from bot.replies import Button
from bot.router import Router, action, command
from handlers.common.paging import Page, more_button, page_offset, with_range
from handlers.customers import new_company
from handlers.customers.actions import (
    AskDeleteCompany,
    CompanyPage,
    DeleteCompany,
    OpenCompany,
)
from store.models import Activity, Company, Contact, Deal, Task

PAGE = 8


async def list_companies(ctx: Context, offset: int = 0) -> None:
    scoped = ctx.records.select(Company)
    total = await ctx.session.scalar(select(func.count()).select_from(scoped.subquery())) or 0
    if not total:
        ctx.say("company.none")
        return
    offset = page_offset(offset, total, PAGE)
    companies = (
        await ctx.session.scalars(
            scoped.order_by(Company.updated_at.desc(), Company.id.desc()).offset(offset).limit(PAGE)
        )
    ).all()
    page = Page(offset, len(companies), total)
    buttons = [Button(c.name, OpenCompany(c.id)) for c in companies]
    more = more_button(ctx, page, CompanyPage(page.end))
    if more is not None:
        buttons.append(more)
    ctx.ask(with_range(ctx, ctx.t("company.list_title", count=total), page), buttons)


async def next_page(ctx: Context) -> None:
    await list_companies(ctx, ctx.pressed(CompanyPage).offset)


async def _deletable(ctx: Context, company_id: int, *, lock: bool = False) -> Company:
    """Only an empty company can be deleted, so no child record disappears unaudited."""
    company = await ctx.records.get(Company, company_id, for_update=lock)
    if not ctx.records.may_correct(company):
        raise UserFacingError("corrections.owner_only")
    for model in (Contact, Deal, Activity, Task):
        linked = await ctx.session.scalar(
            select(func.count()).select_from(model).where(model.company_id == company.id)
        )
        if linked:
            raise UserFacingError("company.delete_has_children", name=company.name)
    return company


async def ask_delete(ctx: Context) -> None:
    await offer_delete(ctx, ctx.pressed(AskDeleteCompany).company)


async def offer_delete(ctx: Context, company_id: int) -> None:
    """Delete the company? — for its owner or an admin, and only when it is empty."""
    company = await _deletable(ctx, company_id)
    ctx.ask(
        ctx.t("company.delete_confirm", name=company.name),
        [
            Button(ctx.t("company.delete_yes"), DeleteCompany(company.id)),
            Button(ctx.t("common.cancel"), OpenCompany(company.id)),
        ],
    )


async def delete_company(ctx: Context) -> None:
    company = await _deletable(ctx, ctx.pressed(DeleteCompany).company, lock=True)
    await ctx.records.delete(company)
    ctx.say("company.deleted", name=company.name)


def routes() -> Router:
    router = Router()
    router.add(command("companies"), list_companies)
    router.add(action(CompanyPage), next_page)
    router.add(command("newcompany"), new_company.start)
    router.add(action(AskDeleteCompany), ask_delete)
    router.add(action(DeleteCompany), delete_company)
    return router
