"""Loading an approval a manager is about to decide, with every check in one place: it
exists, its deal is in the manager's record rules, they may decide it, it is still open."""

from __future__ import annotations

from bot.context import Context, UserFacingError
from store import approvals
from store.models import Deal, DealApproval, User


async def decidable(ctx: Context, approval_id: int) -> tuple[DealApproval, Deal] | None:
    """The locked row and its deal; ``None`` (after saying so) if it was already decided —
    a double click, or a second manager, lands here and changes nothing."""
    assert ctx.principal is not None
    row = await approvals.lock(ctx.session, approval_id)
    if row is None:
        raise UserFacingError("errors.not_found")
    deal = await ctx.records.get(Deal, row.deal_id, for_update=True)
    if not approvals.may_decide(ctx.principal, deal):
        raise UserFacingError("approvals.not_allowed")
    if row.state != approvals.PENDING:
        decider = await ctx.session.get(User, row.decided_by) if row.decided_by else None
        ctx.refused = True  # this press decided nothing: its card is left as it is
        ctx.say(
            f"approvals.already_{row.state}",
            title=deal.title,
            name=decider.display_name if decider else "-",
        )
        return None
    return row, deal
