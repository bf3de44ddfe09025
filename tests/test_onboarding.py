"""Unknown chat accounts get nothing but the invite prompt; invite codes link them once."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from bot.secret_key import invite_key
from store.models import ChatIdentity, Company, Role
from store.users import create_user, issue_invite


async def invite(bot, name="li", role=Role.REP, ttl_hours=72, lang=None):
    async with bot.db.transaction(platform="cli") as session:
        user = await create_user(session, name, role=role, now=bot.clock.now(), lang=lang)
        issued = await issue_invite(
            session,
            user,
            now=bot.clock.now(),
            ttl=timedelta(hours=ttl_hours),
            key=invite_key(bot.app.settings),
        )
    return issued.code


async def test_unlinked_account_gets_only_the_prompt_whatever_it_sends(bot):
    stranger = bot.stranger("tg-42")
    for text in ("/help", "hello", "/companies", "/newcompany Acme", "1", "/lang zh"):
        r = await stranger.send(text)
        assert r.text.startswith("👋 This chat isn't linked"), text
        assert r.buttons == []
        bot.clock.advance(timedelta(minutes=5))
    r = await stranger.click("co:1")
    assert "isn't linked" in r.text
    assert await bot.scalar(select(func.count()).select_from(Company)) == 0


async def test_an_unlinked_chat_hears_the_prompt_once_in_five_minutes(bot):
    """25 messages from a stranger make one answer, not 25 (they would queue ahead of the
    team's replies); /start with a code is always answered."""
    stranger = bot.stranger("tg-44")
    answers = [(await stranger.send(f"spam {n}")).text for n in range(25)]
    assert answers[0].startswith("👋 This chat isn't linked")
    assert answers[1:] == [""] * 24
    assert "invite code" in (await stranger.send("/start 123456")).text.lower()
    bot.clock.advance(timedelta(minutes=5))
    assert "isn't linked" in (await stranger.send("hello again")).text


async def test_prompt_speaks_the_platforms_language(bot):
    r = await bot.stranger("tg-43", language_code="zh-hans").send("你好")
    assert "邀请码" in r.text


async def test_start_with_code_links_the_account_once(bot):
    code = await invite(bot)
    chat = bot.stranger("tg-7")
    r = await chat.send(f"/start {code}")
    assert "Welcome, li!" in r.text
    assert "sales rep" in r.text
    r = await chat.send("/help")
    assert "/companies" in r.text
    # The code is single-use: another account can't reuse it.
    r = await bot.stranger("tg-8").send(f"/join {code}")
    assert "isn't valid" in r.text


async def test_code_is_forgiving_about_case_spaces_and_dashes(bot):
    code = await invite(bot)
    sloppy = " " + code.lower().replace("-", " ") + " "
    r = await bot.stranger("tg-9").send(f"/start{sloppy}")
    assert "Welcome" in r.text


async def test_chinese_alias_and_user_language(bot):
    code = await invite(bot, lang="zh")
    r = await bot.stranger("tg-10").send(f"/加入 {code}")
    assert "欢迎" in r.text


async def test_expired_code_is_refused(bot):
    code = await invite(bot, ttl_hours=1)
    bot.advance(hours=2)
    r = await bot.stranger("tg-11").send(f"/start {code}")
    assert "expired" in r.text
    assert await bot.scalar(select(func.count()).select_from(ChatIdentity)) == 0


async def test_wrong_or_missing_code(bot):
    chat = bot.stranger("tg-12")
    assert "isn't valid" in (await chat.send("/start NOPE-NOPE")).text
    assert "followed by the invite code" in (await chat.send("/start")).text


async def test_linked_account_restarting_changes_nothing(bot):
    li = await bot.user("li")
    code = await invite(bot, name="other")
    r = await li.send(f"/start {code}")
    assert "already linked to Li" in r.text
    # The code was not consumed by the refusal.
    assert "Welcome" in (await bot.stranger("tg-13").send(f"/start {code}")).text


async def test_deactivated_user_is_treated_as_unlinked(bot):
    li = await bot.user("li")
    async with bot.db.transaction() as session:
        user = await session.get(type(await bot.get_user("li")), li.user_id)
        user.active = False
    assert "isn't linked" in (await li.send("/help")).text


async def test_start_is_throttled_per_chat_after_five_wrong_codes(bot):
    """Guessing codes from one chat stops after five wrong ones, even for a right code,
    until 15 minutes have passed; another chat is not affected."""
    code = await invite(bot)
    guesser = bot.stranger("tg-66")
    for n in range(5):
        assert "isn't valid" in (await guesser.send(f"/start AAAA-AAA{n + 2}")).text
    r = await guesser.send(f"/start {code}")
    assert "Too many wrong invite codes" in r.text
    assert "15 min" in r.text
    assert await bot.scalar(select(func.count()).select_from(ChatIdentity)) == 0
    bot.clock.advance(timedelta(minutes=10))
    assert "wait 5 min" in (await guesser.send(f"/start {code}")).text
    bot.clock.advance(timedelta(minutes=5))
    assert "Welcome, li!" in (await guesser.send(f"/start {code}")).text


async def test_the_throttle_of_one_chat_leaves_others_alone(bot):
    code = await invite(bot)
    guesser = bot.stranger("tg-67")
    for _ in range(6):
        await guesser.send("/start WRONG-CODE")
    assert "Welcome, li!" in (await bot.stranger("tg-68").send(f"/start {code}")).text
