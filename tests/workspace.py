"""A small, hand-checkable workspace for the rep-workflow tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from store.models import Activity, Company, Contact, Deal, Task, User
from store.users import link_identity
from tests.harness import BotHarness, ChatUser


@dataclass
class Workspace:
    li: ChatUser  # rep, English
    na: ChatUser  # rep, Chinese (same team)
    zhang: ChatUser  # another rep, owns Hidden Co
    wang: ChatUser  # manager of the team
    ids: dict[str, int]


async def build(bot: BotHarness) -> Workspace:
    li = await bot.user("li", team="East")
    na = await bot.user("na", team="East", lang="zh", display_name="李娜")
    zhang = await bot.user("zhang", team="East")
    wang = await bot.user("wang", role="manager", team="East", lang="zh")
    ids: dict[str, int] = {}
    now = bot.clock.now()
    for owner, rows in (
        (li, ("Acme Ltd", "Acme Trading", "Globex Corporation")),
        (na, ("星辰科技", "华信电子有限公司")),
        (zhang, ("Hidden Co",)),
    ):
        session, records = await bot.records_for(owner)
        async with session, session.begin():
            for name in rows:
                ids[name] = (await records.create(Company, name=name, city="Shanghai")).id
            if owner is li:
                ids["Wang Lei"] = (
                    await records.create(
                        Contact,
                        name="Wang Lei",
                        title="Purchasing",
                        company_id=ids["Acme Ltd"],
                        mobile="+8613911112222",
                    )
                ).id
                ids["Sarah Lee"] = (
                    await records.create(
                        Contact,
                        name="Sarah Lee",
                        title="CFO",
                        company_id=ids["Globex Corporation"],
                        email="sarah@globex.com",
                    )
                ).id
                deal = await records.create(
                    Deal,
                    company_id=ids["Acme Ltd"],
                    title="Acme ERP",
                    stage="proposal",
                    amount_cents=30_000_000,
                    currency="CNY",
                    probability=50,
                )
                ids["Acme ERP"] = deal.id
                for day in range(7):
                    await records.create(
                        Activity,
                        company_id=ids["Acme Ltd"],
                        kind="call",
                        summary=f"call number {day + 1}",
                        occurred_at=now - timedelta(days=7 - day),
                    )
                ids["task today"] = (
                    await records.create(
                        Task,
                        company_id=ids["Acme Ltd"],
                        title="Send the revised quote",
                        due_at=now + timedelta(hours=3),
                    )
                ).id
                ids["task later"] = (
                    await records.create(
                        Task,
                        company_id=ids["Globex Corporation"],
                        title="Book the demo",
                        due_at=now + timedelta(days=5),
                    )
                ).id
            if owner is na:
                ids["张伟"] = (
                    await records.create(
                        Contact,
                        name="张伟",
                        title="总经理",
                        company_id=ids["星辰科技"],
                        mobile="+8613800138000",
                        email="zhangwei@xingchen.cn",
                    )
                ).id
                ids["星辰 ERP"] = (
                    await records.create(
                        Deal,
                        company_id=ids["星辰科技"],
                        title="星辰ERP项目",
                        stage="proposal",
                        amount_cents=0,
                        currency="CNY",
                        probability=50,
                    )
                ).id
    return Workspace(li, na, zhang, wang, ids)


async def build_linked(bot: BotHarness, *, platform: str, li: str, na: str) -> Workspace:
    """The same workspace, with Li's and Na's accounts on ``platform`` (their external ids
    ``li`` and ``na``) linked, as an adapter's end-to-end tests need."""
    built = await build(bot)
    async with bot.app.db.transaction(platform="test") as session:
        for rep, external_id in ((built.li, li), (built.na, na)):
            person = await session.get(User, rep.user_id)
            assert person is not None
            await link_identity(
                session, person, platform=platform, external_id=external_id, now=bot.clock.now()
            )
    return built
