"""The customer card's reads are built once per viewer and reused with the customer as a
parameter (issue 20): what each viewer sees must stay theirs, card after card."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from store.models import Activity, Company, Contact, Deal, Task
from tests.sql_trace import executed


async def _customer(bot, chat, name):
    session, records = await bot.records_for(chat)
    async with session, session.begin():
        return (await records.create(Company, name=name)).id


async def test_each_viewer_sees_their_own_rows_on_every_card(bot):
    li = await bot.user("li", team="East")
    wang = await bot.user("wang", team="East")
    boss = await bot.user("boss", role="manager", team="East")
    acme = await _customer(bot, li, "Acme Trading Ltd")
    globex = await _customer(bot, li, "Globex Foods")
    async with bot.app.db.transaction(platform="test") as session:
        now = bot.clock.now()
        for name, company, owner in (
            ("Helen Carter", acme, li.user_id),
            ("Chris Ng", acme, wang.user_id),  # a colleague's contact at li's customer
            ("Gina Park", globex, li.user_id),
        ):
            session.add(
                Contact(
                    name=name, company_id=company, owner_id=owner, created_at=now, updated_at=now
                )
            )
    for _ in range(2):  # the second card reuses the statements the first one built
        r = await li.send("/find Acme Trading Ltd")
        assert "Helen Carter" in r.text
        assert "Chris Ng" not in r.text
        r = await boss.send("/find Acme Trading Ltd")
        assert "Helen Carter" in r.text
        assert "Chris Ng" in r.text  # the manager sees the team's contacts
        r = await li.send("/find Globex Foods")
        assert "Gina Park" in r.text
        assert "Helen Carter" not in r.text
    with executed() as calls:
        await li.send("/find Globex Foods")
    contacts = [c for c in calls if c.statement.lstrip().startswith("SELECT contacts.id,")]
    card_read = [c for c in contacts if "ORDER BY contacts.id" in c.statement]
    assert card_read, [c.statement[:80] for c in contacts]
    assert "company_id = ?" in card_read[0].statement or "company_id = $" in card_read[0].statement
    assert await bot.scalar(select(Contact.id).where(Contact.name == "Chris Ng"))


async def test_a_find_stays_within_its_statement_budget(bot):
    """Claim, sender, one search (customers and people), one row of the customer with its
    last activity, next task, whether it has contracts, tickets, contacts or open deals
    (it has none: they are not read), its won deals and tags (its tier), and the card's
    buttons: 5 on the console platform; a customer with contacts and open deals reads them,
    7. Round 7 was 15: the tags and the won deals were two reads, and the custom fields'
    values were read though customers had no fields; round 9 13 (the last activity, the
    next task, contracts and tickets four reads); round 11 10 (the customer, its tier and
    the two searches each a statement of its own, its contacts and deals read though it
    had none)."""
    import re

    li = await bot.user("li")
    await _customer(bot, li, "Customer 07 Ltd")
    await li.send("called Customer 07 Ltd about the quote")
    await li.send("/find Customer")  # the first lookup also sizes the tables (PlanCounts)
    with executed() as calls:
        r = await li.send("/find Customer 07")
    assert r.text.startswith("🏢 Customer 07 Ltd")
    work = [c.statement for c in calls if not re.match(r"\s*(BEGIN|COMMIT)", c.statement, re.I)]
    assert len(work) <= 5, "\n".join(s.split("\n")[0][:90] for s in work)
    unread = r"\s*SELECT (custom_fields|contracts|tickets|contacts|deals)"
    assert not [s for s in work if re.match(unread, s)]
    assert not [s for s in work if re.match(r"\s*SELECT coalesce", s)], "the tier on its own"

    session, records = await bot.records_for(li)
    async with session, session.begin():
        company_id = await session.scalar(select(Company.id))
        await records.create(Contact, name="Helen Carter", company_id=company_id)
        await records.create(
            Deal,
            title="Pumps",
            company_id=company_id,
            stage="proposal",
            amount_cents=100_00,
            stage_changed_at=bot.clock.now(),
        )
    with executed() as calls:
        r = await li.send("/find Customer 07")
    assert "Helen Carter" in r.text
    assert "Pumps" in r.text
    work = [c.statement for c in calls if not re.match(r"\s*(BEGIN|COMMIT)", c.statement, re.I)]
    assert len(work) <= 7, "\n".join(s.split("\n")[0][:90] for s in work)


async def test_the_card_shows_the_viewers_last_activity_and_next_task_or_neither(bot):
    """Read as one row: either may be missing, and each is the viewer's own (a rep's card
    leaves out a colleague's later visit and sooner task; their manager's shows them)."""
    li = await bot.user("li", team="East")
    wang = await bot.user("wang", team="East")
    boss = await bot.user("boss", role="manager", team="East")
    acme = await _customer(bot, li, "Acme Trading Ltd")
    r = await li.send("/find Acme Trading Ltd")
    assert "🕘" not in r.text, r.text
    assert "⏰" not in r.text, r.text
    now = bot.clock.now()

    async def add(record: object) -> None:
        async with bot.app.db.transaction(platform="test") as session:
            session.add(record)

    def activity(owner: int, summary: str, days_ago: int) -> Activity:
        at = now - timedelta(days=days_ago)
        return Activity(
            company_id=acme,
            kind="visit",
            summary=summary,
            occurred_at=at,
            created_at=at,
            owner_id=owner,
        )

    def task(owner: int, title: str, in_days: int) -> Task:
        return Task(
            company_id=acme,
            title=title,
            due_at=now + timedelta(days=in_days),
            created_at=now,
            owner_id=owner,
        )

    await add(task(li.user_id, "send the price list", 3))
    r = await li.send("/find Acme Trading Ltd")
    assert "🕘" not in r.text, r.text
    assert "⏰" in r.text, r.text
    assert "send the price list" in r.text, r.text
    await add(activity(li.user_id, "older visit", 5))
    await add(activity(li.user_id, "showed the samples", 2))
    await add(activity(wang.user_id, "colleague's visit", 1))
    await add(task(wang.user_id, "colleague's call", 1))
    r = await li.send("/find Acme Trading Ltd")
    assert "showed the samples" in r.text, r.text
    assert "send the price list" in r.text, r.text
    assert "colleague" not in r.text, r.text
    assert "older visit" not in r.text, r.text
    r = await boss.send("/find Acme Trading Ltd")
    assert "colleague's visit" in r.text, r.text
    assert "colleague's call" in r.text, r.text
    async with bot.app.db.transaction(platform="test") as session:
        await session.execute(update(Task).values(done_at=now))
    r = await li.send("/find Acme Trading Ltd")
    assert "⏰" not in r.text, r.text
    assert "showed the samples" in r.text, r.text
