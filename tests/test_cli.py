"""The admin's command line: invites, users, teams, audit — and clear errors."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from bot.cli import main


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


def test_invite_list_roles_and_teams(crmbot):
    out = crmbot("user", "invite", "li", "--role", "rep", "--team", "East").output
    assert re.search(r"/start [A-Z2-9]{4}-[A-Z2-9]{4}", out)
    crmbot(
        "user", "invite", "wang", "--role", "manager", "--team", "East", "--display-name", "王经理"
    )
    listing = crmbot("user", "list").output
    assert re.search(r"li\s+li\s+rep\s+East", listing)
    assert re.search(r"wang\s+王经理\s+manager\s+East", listing)

    crmbot("user", "set-role", "li", "manager")
    assert re.search(r"li\s+li\s+manager", crmbot("user", "list").output)
    audit = crmbot("audit", "--user", "li").output + crmbot("audit").output
    assert "role: rep → manager" in audit

    crmbot("team", "create", "West")
    crmbot("team", "add", "West", "li")
    assert "West: li (manager)" in crmbot("team", "list").output
    crmbot("team", "remove", "West", "li")
    assert "West: -" in crmbot("team", "list").output
    crmbot("user", "deactivate", "li")
    assert re.search(r"li\s+li\s+manager\s+East\s+deactivated", crmbot("user", "list").output)


def test_errors_are_one_clear_line(crmbot):
    result = crmbot("user", "set-role", "nobody", "rep", ok=False)
    assert result.exit_code == 1
    assert "no user named 'nobody'" in result.output
    result = crmbot("user", "invite", "bad name!", ok=False)
    assert "use letters, digits" in result.output
    result = crmbot("audit", "--record", "company:abc", ok=False)
    assert "use TABLE:ID" in result.output
    result = crmbot("user", "invite", "li", "--role", "boss", ok=False)
    assert result.exit_code == 2


def test_bad_setting_is_named(crmbot, monkeypatch):
    monkeypatch.setenv("CRMBOT_DEFAULT_TZ", "Mars/Base")
    result = crmbot("user", "list", ok=False)
    assert "CRMBOT_DEFAULT_TZ: unknown time zone 'Mars/Base'" in result.output
    monkeypatch.setenv("CRMBOT_DEFAULT_TZ", "Asia/Shanghai")
    monkeypatch.setenv("CRMBOT_DATABASE_URL", "mysql://x")
    assert "CRMBOT_DATABASE_URL: must be" in crmbot("user", "list", ok=False).output


def test_config_file(crmbot, monkeypatch, tmp_path):
    config = tmp_path / "crmbot.toml"
    config.write_text('default_lang = "klingon"\n')
    monkeypatch.setenv("CRMBOT_CONFIG_FILE", str(config))
    assert "CRMBOT_DEFAULT_LANG: must be one of en, zh" in crmbot("user", "list", ok=False).output
    monkeypatch.setenv("CRMBOT_CONFIG_FILE", str(tmp_path / "missing.toml"))
    assert "CRMBOT_CONFIG_FILE: no such file" in crmbot("user", "list", ok=False).output


def test_console_chat_as_a_user_with_numbered_buttons(crmbot):
    crmbot("user", "invite", "li", "--role", "rep")
    out = crmbot("chat", "--as", "li", input="/lang\n2\n/帮助\n/quit\n").output
    assert "1. English  2. 中文" in out
    assert "语言已切换为中文。" in out
    assert "销售代表" in out


def test_console_unlinked_account_can_join_with_a_code(crmbot):
    found = re.search(r"/start (\S+)", crmbot("user", "invite", "li").output)
    assert found is not None
    code = found.group(1)
    out = crmbot("chat", "--account", "phone", input=f"/help\n/start {code}\n/me\n").output
    assert "Ask your admin for an invite code" in out
    assert "Welcome, li!" in out
    assert "Teams: -" in out


def test_parse_prints_json(crmbot):
    out = crmbot(
        "parse",
        "今天拜访了星辰科技张总，报价50万，进入谈判阶段，下周二下午3点跟进",
        "--now",
        "2026-11-18T10:00:00+08:00",
        "--json",
    ).output
    data = json.loads(out)
    assert data["activity"] == "visit"
    assert data["customer"] == "星辰科技"
    assert data["contact"] == "张总"
    assert data["amount"] == 500000
    assert data["stage"] == "negotiation"
    assert data["follow_up"] == "2026-11-24T15:00:00+08:00"
    bad = crmbot("parse", "x", "--now", "yesterday", ok=False)
    assert bad.exit_code == 2
    assert "ISO 8601" in bad.output


def test_scripted_chat_reads_stdin_and_prints_numbered_buttons(crmbot):
    crmbot("demo")
    result = crmbot("chat", "--as", "li", input="/find acme\n1\n")
    assert "1. Acme Ltd  2. Acme Trading" in result.stdout
    assert "🏢 Acme Ltd" in result.stdout
    assert "Talking as" not in result.stdout  # the banner goes to stderr


def test_a_second_console_session_is_not_taken_for_a_redelivery(crmbot):
    crmbot("user", "invite", "li")
    for _ in range(2):
        result = crmbot("chat", "--as", "li", input="/me\n")
        assert "Teams: -" in result.stdout


def test_chart_command_writes_a_png_and_prints_the_summary(crmbot, tmp_path):
    crmbot("demo")
    out = tmp_path / "pipeline.png"
    result = crmbot("chart", "pipeline", "--as", "wang", "--lang", "en", "--out", str(out))
    assert out.read_bytes().startswith(b"\x89PNG")
    assert len(result.stdout.strip().splitlines()) == 3
    bad = crmbot(
        "chart", "funnel", "--as", "wang", "--period", "someday", "--out", str(out), ok=False
    )
    assert bad.exit_code == 2


def test_parse_as_a_rep_says_what_the_chat_logs(crmbot):
    """A deal move said with a to-do is logged as a note with its follow-up (the chat's
    reading, not the parser's alone), as ``crmbot parse --as`` and the benchmark report."""
    crmbot("demo")
    out = crmbot(
        "parse",
        "Northwind Traders signed!! £54,000. Kick-off call Mon 23 Nov 10am",
        "--as",
        "tom",
        "--now",
        "2026-11-18T10:00:00+08:00",
    ).output
    data = json.loads(out)
    assert (data["activity"], data["task"], data["stage"]) == ("note", False, "won")
    assert data["follow_up"] == "2026-11-23T10:00:00+08:00"
