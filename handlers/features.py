"""The features crmbot is made of, in one list: their routes in matching order, and their flows.

Each feature is a package of ``handlers/`` holding its routes, flows and views; adding one
is a line here. ``bot.app`` builds the engine from what this module gives.
"""

from __future__ import annotations

from bot.context import Context
from bot.router import Router
from conversations.base import Flows
from handlers.approvals import rejection
from handlers.approvals import routes as approvals
from handlers.book import fields as book_fields
from handlers.book import routes as book
from handlers.book import save as book_save
from handlers.cards import review
from handlers.cards import routes as cards
from handlers.checkin import routes as checkin
from handlers.contracts import approval as contract_approval
from handlers.contracts import edit as contract_edit
from handlers.contracts import new_contract, payments, signed
from handlers.contracts import routes as contracts
from handlers.customers import companies, corrections, history, lookup, new_company, twins
from handlers.deals import edit as deal_edit
from handlers.deals import new_deal, reason, reopen
from handlers.deals import routes as deals
from handlers.imports import export_chat, privacy
from handlers.imports import routes as imports
from handlers.logging import edit as log_edit
from handlers.logging import guided, intents, quick_log
from handlers.logging import routes as logging
from handlers.onboarding import help
from handlers.onboarding import routes as onboarding
from handlers.pool import routes as pool
from handlers.reminders import routes as reminders
from handlers.reminders import when
from handlers.reports import routes as reports
from handlers.reports import subscriptions
from handlers.settings import masking as masking_settings
from handlers.settings import routes as settings
from handlers.tasks import routes as tasks
from handlers.tickets import close as ticket_close
from handlers.tickets import customer_survey, new_ticket
from handlers.tickets import routes as tickets
from handlers.webapp import routes as webapp


def build_router() -> Router:
    router = Router()
    # Free text (logging) goes last: it catches whatever no command or button took.
    # Reminders come before it ("remind me ..." is not a call log), photos go to the card
    # reader.
    for feature in (
        onboarding,
        help,
        settings,
        masking_settings,
        companies,
        corrections,
        twins,
        lookup,
        deals,
        contracts,
        tickets,
        approvals,
        book,
        pool,
        tasks,
        reminders,
        subscriptions,
        history,
        reports,
        checkin,
        webapp,
        imports,
        export_chat,
        privacy,
        cards,
        logging,
    ):
        router.include(feature.routes())
    return router


def build_flows() -> Flows:
    flows = Flows()
    for flow in (
        new_company.FLOW,
        corrections.FLOW,
        new_deal.FLOW,
        deal_edit.FLOW,
        reason.FLOW,
        reopen.FLOW,
        quick_log.FLOW,
        guided.FLOW,
        log_edit.FLOW,
        review.FLOW,
        when.FLOW,
        rejection.FLOW,
        imports.FLOW,
        privacy.FLOW,
        new_contract.FLOW,
        contract_approval.FLOW,
        payments.FLOW,
        signed.FLOW,
        contract_edit.FLOW,
        new_ticket.FLOW,
        ticket_close.FLOW,
        book_fields.FLOW,
        book_save.FLOW,
        book_save.RENAME_FLOW,
    ):
        flows.add(flow)
    return flows


async def start(ctx: Context) -> None:
    """``/start`` for someone not linked yet (the engine's only route for strangers)."""
    await onboarding.start(ctx)


async def customer_text(ctx: Context) -> None:
    """A customer (a WeChat follower, not a CRM user) answering a survey or sending their
    phone to be matched to their contact."""
    await customer_survey.on_customer_text(ctx)


async def is_new_intent(ctx: Context) -> bool:
    """True when a message is clearly a new log, reminder or deal update, not an answer."""
    return await intents.is_new_intent(ctx)
