"""The roles a user can have, apart from the models so that code that only names a role
(the command line's ``--role`` choices, the contract policy's defaults) loads no SQLAlchemy."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    REP = "rep"
    MANAGER = "manager"
    ADMIN = "admin"
    FINANCE = "finance"
    """Finance: an approval level for contracts (``CRMBOT_CONTRACT_APPROVAL_LEVELS``); reads
    every customer's records, as the people who check contracts and money must, but changes
    only their own, payments and contract approvals; tickets only with
    ``CRMBOT_FINANCE_SEES_TICKETS`` (:func:`store.access.principal_for`)."""
    SERVICE = "service"
    """After-sales staff: their own records, plus the tickets routed to their teams (service
    groups) and the unassigned queue (:func:`store.access.ticket_scope`)."""
