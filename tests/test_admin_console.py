"""The admin's console: users (reactivate, invites for deactivated users, last activity) and
an audit log that reads as it happened (money, the admin's zone, filters)."""

from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from bot.cli import main
from bot.secret_key import invite_key
from locales.formatting import format_money_exact
from store.audit_view import AuditQuery, read_audit
from store.models import Role
from store.users import UserError, create_user, issue_invite

SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def crmbot(database_url, monkeypatch, tmp_path):
    monkeypatch.setenv("CRMBOT_DATABASE_URL", database_url)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    runner = CliRunner()

    def run(*args: str, input: str | None = None, ok: bool = True):
        result = runner.invoke(main, list(args), input=input, catch_exceptions=False)
        if ok:
            assert result.exit_code == 0, result.output
        return result

    return run


def test_deactivated_user_is_reactivated_and_listed_with_status_and_last_use(crmbot):
    crmbot("user", "invite", "ada", "--role", "admin")
    crmbot("user", "invite", "li", "--role", "rep", "--team", "East")
    listing = crmbot("user", "list").output
    assert re.search(r"li\s+li\s+rep\s+East\s+active\s+never", listing)
    crmbot("chat", "--as", "li", input="/me\n")
    assert not re.search(r"li\s+li\s+rep\s+East\s+active\s+never", crmbot("user", "list").output)
    assert re.search(
        r"li\s+li\s+rep\s+East\s+active\s+\d{4}-\d\d-\d\d \d\d:\d\d", crmbot("user", "list").output
    )

    crmbot("user", "deactivate", "li")
    assert re.search(r"li\s+li\s+rep\s+East\s+deactivated", crmbot("user", "list").output)
    refused = crmbot("user", "invite", "li", ok=False)
    assert refused.exit_code == 1
    assert "li is deactivated" in refused.output
    assert "crmbot user reactivate li" in refused.output

    assert "li is active again." in crmbot("user", "reactivate", "li").output
    assert "li is already active." in crmbot("user", "reactivate", "li").output
    assert re.search(r"/start [A-Z2-9]{4}-[A-Z2-9]{4}", crmbot("user", "invite", "li").output)
    assert "no user named 'nobody'" in crmbot("user", "reactivate", "nobody", ok=False).output


async def test_an_invite_for_a_since_deactivated_user_says_why(bot):
    async with bot.db.transaction(platform="cli") as session:
        user = await create_user(session, "sam", role=Role.REP, now=bot.clock.now(), lang="zh")
        issued = await issue_invite(
            session,
            user,
            now=bot.clock.now(),
            ttl=timedelta(hours=72),
            key=invite_key(bot.app.settings),
        )
        user.active = False
    phone = bot.stranger("tg-sam", language_code="zh-hans")
    r = await phone.send(f"/start {issued.code}")
    assert "已被停用" in r.text
    async with bot.db.transaction(platform="cli") as session:
        (await session.get(type(user), user.id)).active = True
    r = await phone.send(f"/start {issued.code}")
    assert "sam" in r.text
    assert "已被停用" not in r.text


async def test_audit_shows_money_local_times_and_filters(bot, ws):
    r = await ws.li.send("Acme Ltd deal 50万")
    r = await ws.li.click(r.button("Change to"))
    assert "¥500k" in r.text
    deal_id = ws.ids["Acme ERP"]
    bot.advance(days=2)
    assert "⏰" in (await ws.li.send("remind me to call Li tomorrow 9am")).text
    async with bot.db.transaction() as session:
        lines = await read_audit(
            session,
            AuditQuery.parse(record=f"deal:{deal_id}", user="li", limit=10, tz=SH),
            money=format_money_exact,
        )
        assert any("amount: ¥300,000 → ¥500,000" in line for line in lines), lines
        # the frozen clock is 2026-11-18 02:00 UTC: 10:00 in Shanghai
        assert lines[0].startswith(
            "2026-11-18 10:00:00 Asia/Shanghai  li via memory  update deals#"
        )
        day = bot.clock.now().astimezone(SH).date()
        since = await read_audit(
            session, AuditQuery.parse(record=None, user=None, limit=99, since=day, tz=SH)
        )
        assert since
        assert not any("deals#" in line for line in since)
        until = await read_audit(
            session,
            AuditQuery.parse(
                record=None, user=None, limit=99, until=day - timedelta(days=1), tz=SH
            ),
        )
        assert any("amount: CNY 300,000.00 → CNY 500,000.00" in line for line in until)
        with pytest.raises(UserError, match="no such user 'nobody'"):
            await read_audit(session, AuditQuery.parse(record=None, user="nobody", limit=5))


def test_audit_command_filters_and_names_an_unknown_user(crmbot):
    crmbot("user", "invite", "ada", "--role", "admin")
    crmbot("user", "invite", "li", "--role", "rep")
    crmbot("user", "set-role", "li", "manager")
    out = crmbot("audit", "--tz", "Asia/Shanghai", "--since", "2000-01-01").output
    assert "Asia/Shanghai" in out
    assert "role: rep → manager" in out
    assert "No audit entries match." in crmbot("audit", "--until", "2000-01-01").output
    result = crmbot("audit", "--user", "nobody", ok=False)
    assert result.exit_code == 1
    assert "no such user 'nobody'" in result.output
    assert "unknown time zone" in crmbot("audit", "--tz", "Mars/Base", ok=False).output


def test_piped_first_run_asks_for_a_demo_flag_instead_of_deciding(crmbot):
    refused = crmbot("chat", input="/find acme\n", ok=False)
    assert refused.exit_code == 1
    assert "pass --demo" in refused.output
    assert "--no-demo" in refused.output
    assert "No users yet" in crmbot("user", "list").output

    empty = crmbot("chat", "--no-demo", input="/find acme\n")
    assert "crmbot user invite NAME --role admin" in empty.output
    assert "No users yet" in crmbot("user", "list").output

    loaded = crmbot("chat", "--as", "li", "--demo", input="/find acme\n1\n")
    assert "🏢 Acme Ltd" in loaded.stdout
    again = crmbot("chat", "--as", "li", input="/find acme\n1\n")  # not empty: no flag needed
    assert "🏢 Acme Ltd" in again.stdout


def test_the_lead_pool_is_no_user_to_list_or_change(crmbot):
    """The pool (store/pool.py) is an inactive user row: not a person in ``user list``, and
    no command may reactivate it, give it a role, a chat account or a team."""
    crmbot("user", "invite", "ada", "--role", "admin")
    crmbot("chat", "--as", "ada", input="/pool\n")  # the pool's user is made on first use
    listing = crmbot("user", "list").output
    assert "ada" in listing
    assert "(pool)" not in listing
    assert "公海" not in listing
    for args in (
        ("user", "reactivate", "(pool)"),
        ("user", "set-role", "(pool)", "admin"),
        ("user", "link", "(pool)", "--wecom", "w1"),
        ("team", "add", "East", "(pool)"),
    ):
        refused = crmbot(*args, ok=False)
        assert "no user named '(pool)'" in refused.output, args
    assert "(pool)" not in crmbot("team", "list").output
