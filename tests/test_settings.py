"""/lang, /tz, /me, /help and /cancel, in both languages."""

from __future__ import annotations

import pytest


async def test_help_is_role_aware(bot):
    rep = await bot.user("li")
    manager = await bot.user("wang", role="manager")
    admin = await bot.user("ada", role="admin")
    assert "crmbot user invite" not in (await rep.send("/help")).text
    assert "team's records" in (await manager.send("/help")).text
    assert "crmbot user invite" in (await admin.send("/help")).text


async def test_switch_language_by_command_and_button(bot):
    li = await bot.user("li", lang=None)
    r = await li.send("/lang")
    assert [b.label for b in r.buttons] == ["English", "中文"]
    r = await li.click(r.buttons[1])
    assert r.text == "语言已切换为中文。"
    assert "销售代表" in (await li.send("/help")).text
    r = await li.send("/语言 english")
    assert r.text == "Language set to English."


async def test_language_falls_back_to_platform_then_default(bot):
    li = await bot.user("li", lang=None)
    assert "sales rep" in (await li.send("/help")).text  # configured default: en


@pytest.mark.parametrize(
    ("typed", "zone"),
    [
        ("Asia/Shanghai", "Asia/Shanghai"),
        ("new york", "America/New_York"),
        ("LONDON", "Europe/London"),
        ("上海", "Asia/Shanghai"),
        ("UTC+8", "Etc/GMT-8"),
        ("utc", "UTC"),
    ],
)
async def test_time_zone_is_forgiving(bot, typed, zone):
    li = await bot.user("li")
    r = await li.send(f"/tz {typed}")
    assert f"Time zone set to {zone}" in r.text


async def test_time_zone_shows_local_time_and_buttons_when_unknown(bot):
    li = await bot.user("li")
    r = await li.send("/tz Mars/Base")
    assert "Mars/Base" in r.text
    assert "Asia/Shanghai" in [b.label for b in r.buttons]
    r = await li.send("7")  # America/New_York is the 7th button
    assert "America/New_York" in r.text
    assert "2026-11-17 21:00" in r.text  # 02:00 UTC on the 18th, in New York


async def test_me(bot):
    li = await bot.user("li", team="East", lang="zh")
    r = await li.send("/我")
    assert "East" in r.text
    assert "Asia/Shanghai" in r.text
    assert "10:00" in r.text


async def test_unknown_command_and_text(bot):
    li = await bot.user("li")
    assert "/frobnicate" in (await li.send("/frobnicate")).text
    assert "didn't get that" in (await li.send("hello there")).text
