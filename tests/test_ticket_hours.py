"""SLA targets in working hours (issue 14): with ``CRMBOT_TICKET_HOURS=mon-fri 09:00-18:00``
a normal ticket's "8 h to resolve" counts working hours in the workspace's time zone
(Shanghai), urgent ones stay 24/7 (``CRMBOT_TICKET_24H``), and the card says so. The
arithmetic itself (store/working_hours.py) is checked across nights, weekends and zones.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.config import ConfigError, Settings, load_settings
from store.models import Task, Ticket
from store.working_hours import WorkingHours, read_working_hours
from tests.reminders_support import link_push

SH = ZoneInfo("Asia/Shanghai")
NY = ZoneInfo("America/New_York")
OFFICE = WorkingHours(frozenset(range(5)), time(9), time(18))


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "ticket_hours": read_working_hours("mon-fri 09:00-18:00"),
            "ticket_sla": (("urgent", 1, 8), ("high", 4, 24), ("normal", 2, 8), ("low", 24, 168)),
        }
    )


def sh(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=SH)


@pytest.mark.parametrize(
    ("start", "hours", "due"),
    [
        (sh(18, 10), 2, sh(18, 12)),  # Wednesday morning: the same day
        (sh(18, 17), 2, sh(19, 10)),  # over the night
        (sh(18, 20), 2, sh(19, 11)),  # opened in the evening: counts from 09:00
        (sh(19, 7), 1, sh(19, 10)),  # before opening
        (sh(20, 17), 8, sh(23, 16)),  # Friday 17:00: over the weekend to Monday
        (sh(21, 11), 1, sh(23, 10)),  # on Saturday
        (sh(20, 18), 9, sh(23, 18)),  # closing time exactly: all of Monday
        (sh(18, 10), 72, sh(30, 10)),  # eight working days
    ],
)
def test_working_hours_across_nights_and_weekends(start, hours, due):
    assert OFFICE.add(start, timedelta(hours=hours), SH) == due


def test_working_hours_are_read_in_the_workspace_zone_and_kept_in_the_callers():
    # Friday 16:00 in New York is Saturday 05:00 in Shanghai: Shanghai's Monday counts.
    start = datetime(2026, 11, 20, 16, 0, tzinfo=NY)
    due = OFFICE.add(start, timedelta(hours=2), SH)
    assert due.tzinfo is NY
    assert due.astimezone(SH) == sh(23, 11)
    # New York's own office: the same moment is two hours before closing.
    assert OFFICE.add(start, timedelta(hours=3), NY) == datetime(2026, 11, 23, 10, tzinfo=NY)
    assert OFFICE.add(sh(20, 17).astimezone(UTC), timedelta(hours=1), SH) == sh(20, 18)


def test_working_hours_settings_are_checked():
    settings = load_settings(ticket_hours="mon,wed-fri 8:30-17:00", ticket_24h="urgent,high")
    assert settings.tickets.hours == WorkingHours(frozenset({0, 2, 3, 4}), time(8, 30), time(17))
    assert not settings.tickets.in_working_hours("high")
    assert settings.tickets.in_working_hours("normal")
    assert load_settings().tickets.hours is None  # unset: every hour counts, as before
    for bad in ("weekdays 9-18", "mon-fri 18:00-09:00", "mon-fri"):
        with pytest.raises(ConfigError, match="CRMBOT_TICKET_HOURS"):
            load_settings(ticket_hours=bad)
    with pytest.raises(ConfigError, match="CRMBOT_TICKET_24H"):
        load_settings(ticket_24h="asap")


async def test_a_friday_evening_ticket_is_due_on_monday_and_urgent_stays_24_7(
    bot, ws, clock, worker
):
    gao = await bot.user("gao", role="manager", team="East")
    await link_push(bot, gao)
    clock.set(sh(20, 17))  # Friday 17:00
    r = await ws.li.send("Acme Ltd's printer is broken")
    assert "Type: Repair · Priority: 🟢 normal" in r.text
    assert "Respond by Mon 23 Nov 10:00 · resolve by Mon 23 Nov 16:00" in r.text
    assert "⏱ Counted in working hours (Mon–Fri 09:00–18:00)" in r.text
    r = await ws.na.send("星辰科技的服务器宕机了，很急")
    assert "响应期限 今天 18:00 · 解决期限 明天 1:00" in r.text
    assert "按工作时间" not in r.text
    r = await ws.na.send("星辰科技的打印机坏了")
    assert "响应期限 11月23日（周一）10:00 · 解决期限 11月23日（周一）16:00" in r.text
    assert "⏱ 按工作时间计算（周一至周五 09:00–18:00）" in r.text
    # Saturday: only the urgent one is late; Monday 10:30: the normal ones too.
    clock.set(sh(21, 3))
    await worker.sweep_rules()
    late = await bot.all(select(Ticket.id).join(Task, Task.ticket_id == Ticket.id).distinct())
    assert late == [2]
    clock.set(sh(23, 10, 30))
    await worker.sweep_rules()
    late = await bot.all(
        select(Ticket.id).join(Task, Task.ticket_id == Ticket.id).distinct().order_by(Ticket.id)
    )
    assert late == [1, 2, 3]
