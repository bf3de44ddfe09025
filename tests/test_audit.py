"""Every create / update / delete leaves who, when, platform, field, old and new value."""

from __future__ import annotations

from sqlalchemy import select

from store.audit_view import AuditQuery, read_audit
from store.models import AuditEntry, Company, Deal
from tests.audit_trail import field_changes


async def entries(bot, **where):
    stmt = select(AuditEntry).order_by(AuditEntry.id)
    for key, value in where.items():
        stmt = stmt.where(getattr(AuditEntry, key) == value)
    return await bot.all(stmt)


async def test_create_update_delete_are_audited_with_platform_and_user(bot):
    li = await bot.user("li")
    await li.send("/newcompany Initech")
    await li.send("Austin")
    await li.send("/cancel")
    await li.send("/newcompany Initech")
    await li.send("Austin")
    await li.send("3")  # Retail
    await li.send("1")  # Save
    company = await bot.scalar(select(Company))
    created = await entries(bot, table_name="companies", action="create")
    assert len(created) == 1  # the record as created, one entry
    assert {(f, new) for _, f, _, new in field_changes(created)} >= {
        ("name", "Initech"),
        ("city", "Austin"),
        ("industry", "Retail"),
        ("owner_id", str(li.user_id)),
    }
    assert {(e.user_id, e.platform, e.at) for e in created} == {
        (li.user_id, "memory", bot.clock.now())
    }

    bot.advance(minutes=5)
    session, records = await bot.records_for(li)
    async with session, session.begin():
        obj = await records.get(Company, company.id)
        await records.update(obj, city="Dallas", industry="Retail")
    changed = await entries(bot, table_name="companies", action="update")
    assert [(e.field, e.old_value, e.new_value) for e in changed] == [("city", "Austin", "Dallas")]

    bot.advance(minutes=5)
    r = await li.click(f"co.del:{company.id}")
    r = await li.click(r.button("Yes, delete"))
    assert r.text == "Deleted Initech."
    deleted = await entries(bot, table_name="companies", action="delete")
    assert ("delete", "city", "Dallas", None) in field_changes(deleted)

    async with bot.db.transaction() as session:
        lines = await read_audit(
            session, AuditQuery.parse(record=f"company:{company.id}", user=None, limit=100)
        )
    assert lines[0].startswith("2026-11-18 02:10:00 UTC  li via memory  delete companies#")
    assert any("city: Austin → Dallas" in line for line in lines)


async def test_refused_change_leaves_no_audit(bot):
    li = await bot.user("li")
    zhang = await bot.user("zhang")
    await li.send("/newcompany Initech")
    await li.send("/cancel")
    session, records = await bot.records_for(li)
    async with session, session.begin():
        company = await records.create(Company, name="Mine")
    before = len(await entries(bot))
    r = await zhang.click(f"co.delok:{company.id}")
    assert "Not found" in r.text
    assert len(await entries(bot)) == before


async def test_a_created_deal_reads_field_by_field_with_its_amount_in_its_currency_then(bot):
    """A record created is one entry; ``crmbot audit`` shows a line a field, and an amount
    in the currency the deal had then, read from that entry (it changed since)."""
    li = await bot.user("li")
    session, records = await bot.records_for(li)
    async with session, session.begin():
        company = await records.create(Company, name="Initech")
        deal = await records.create(
            Deal,
            title="Pilot",
            company_id=company.id,
            stage="lead",
            amount_cents=100_000,
            currency="USD",
        )
    bot.advance(minutes=5)
    session, records = await bot.records_for(li)
    async with session, session.begin():
        await records.update(await records.get(Deal, deal.id), currency="EUR", amount_cents=90_000)
    created = await entries(bot, table_name="deals", action="create")
    assert len(created) == 1
    async with bot.db.transaction() as session:
        lines = await read_audit(
            session, AuditQuery.parse(record=f"deal:{deal.id}", user=None, limit=10)
        )
    head = f"2026-11-18 02:00:00 UTC  - via system  create deals#{deal.id}"
    assert f"{head}  title: ∅ → Pilot" in lines
    assert f"{head}  amount: ∅ → USD 1,000.00" in lines
    assert f"{head}  currency: ∅ → USD" in lines
    assert f"{head}  stage: ∅ → lead" in lines
    assert any("update deals" in line and "900.00" in line for line in lines), lines
