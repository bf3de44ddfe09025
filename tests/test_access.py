"""Record rules: rep owns, manager sees the team, admin sees all — for every record kind."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from handlers.customers.actions import AskDeleteCompany, DeleteCompany, OpenCompany
from store.access import NotAllowed, RecordNotFound
from store.models import Activity, Company, Contact, Deal, Task

KINDS = ("company", "contact", "deal", "activity", "task")
# who -> may they touch a record owned by r1 (rep in team East)?
EXPECTED = {"r1": True, "r2": False, "m1": True, "m2": False, "r3": False, "admin": True}


@pytest.fixture
async def people(bot):
    return {
        "r1": await bot.user("r1", team="East"),
        "r2": await bot.user("r2", team="East"),
        "m1": await bot.user("m1", role="manager", team="East"),
        "m2": await bot.user("m2", role="manager", team="West"),
        "r3": await bot.user("r3", team="West"),
        "admin": await bot.user("admin", role="admin"),
    }


async def make_records(bot, owner) -> dict[str, Any]:
    """Every kind of owned record, owned by ``owner``, created through the owner's scope."""
    session, records = await bot.records_for(owner)
    async with session, session.begin():
        now = bot.clock.now()
        company = await records.create(Company, name="Owned Co")
        contact = await records.create(Contact, name="Owned Person", company_id=company.id)
        deal = await records.create(
            Deal, title="Owned deal", company_id=company.id, stage="lead", amount_cents=100
        )
        activity = await records.create(
            Activity, company_id=company.id, kind="call", summary="s", occurred_at=now
        )
        task = await records.create(
            Task, company_id=company.id, title="t", due_at=now + timedelta(days=1)
        )
    return {
        "company": company,
        "contact": contact,
        "deal": deal,
        "activity": activity,
        "task": task,
    }


FIELD = {
    "company": "city",
    "contact": "title",
    "deal": "title",
    "activity": "summary",
    "task": "title",
}


@pytest.mark.parametrize("who", sorted(EXPECTED))
@pytest.mark.parametrize("kind", KINDS)
async def test_role_record_operation_matrix(bot, people, who, kind):
    target = (await make_records(bot, people["r1"]))[kind]
    model = type(target)
    allowed = EXPECTED[who]
    session, records = await bot.records_for(people[who])
    async with session:
        # read
        async with session.begin():
            if allowed:
                assert (await records.get(model, target.id)).id == target.id
            else:
                with pytest.raises(RecordNotFound):
                    await records.get(model, target.id)
        # list
        async with session.begin():
            listed = [r.id for r in await records.list(model, limit=1000)]
            assert (target.id in listed) is allowed
        # update
        async with session.begin():
            if allowed:
                obj = await records.get(model, target.id)
                await records.update(obj, **{FIELD[kind]: f"changed by {who}"})
            else:
                with pytest.raises(RecordNotFound):
                    await records.update(target, **{FIELD[kind]: "forged"})
                await session.rollback()
        # delete (children first for the company, which the others reference)
        if kind != "company":
            async with session.begin():
                if allowed:
                    await records.delete(await records.get(model, target.id))
                else:
                    with pytest.raises(RecordNotFound):
                        await records.delete(target)
    remaining = await bot.scalar(select(model).where(model.id == target.id))
    if kind == "company":
        assert remaining is not None
        assert (getattr(remaining, FIELD[kind]) == f"changed by {who}") is allowed
    else:
        assert (remaining is None) is allowed


async def test_rep_cannot_create_records_for_someone_else(bot, people):
    session, records = await bot.records_for(people["r1"])
    async with session, session.begin():
        with pytest.raises(NotAllowed):
            await records.create(Company, name="Not mine", owner_id=people["r2"].user_id)


async def test_manager_assigns_within_team_only(bot, people):
    company = (await make_records(bot, people["r1"]))["company"]
    session, records = await bot.records_for(people["m1"])
    async with session, session.begin():
        obj = await records.get(Company, company.id)
        await records.update(obj, owner_id=people["r2"].user_id)
        with pytest.raises(NotAllowed):
            await records.update(obj, owner_id=people["r3"].user_id)


async def test_rep_cannot_hang_a_contact_on_another_reps_company(bot, people):
    company = (await make_records(bot, people["r1"]))["company"]
    session, records = await bot.records_for(people["r2"])
    async with session, session.begin():
        with pytest.raises(RecordNotFound):
            await records.create(Contact, name="Sneaky", company_id=company.id)


async def test_forged_button_payloads_reach_nothing(bot, people):
    records = await make_records(bot, people["r1"])
    company_id = records["company"].id
    r2 = people["r2"]
    forged = [kind(company_id).encode() for kind in (OpenCompany, AskDeleteCompany, DeleteCompany)]
    # Buttons of the format before the codec still decode, so they are checked the same way.
    forged += [f"co:{company_id}", f"co.del:{company_id}", f"co.delok:{company_id}"]
    for payload in forged:
        r = await r2.click(payload)
        assert r.text == "Not found, or you don't have access to it."
    for garbage in ("co:", "co:abc", "co:-1", "co:99999999999999999999", "c1:", "c1:1:2"):
        r = await r2.click(garbage)
        assert "That button no longer works" in r.text
    assert await bot.scalar(select(Company.id).where(Company.id == company_id)) == company_id
    # The owner can open the same card.
    r = await people["r1"].click(f"co:{company_id}")
    assert "Owned Co" in r.text
