async def test_stranger_gets_only_the_invite_prompt(bot):
    r = await bot.stranger("tg-1").send("/help")
    assert "invite code" in r.text


async def test_help_in_chinese(bot):
    li = await bot.user("li", lang="zh")
    r = await li.send("/帮助")
    assert "销售代表" in r.text
