"""``/privacy`` in chat: an admin sees what is held about a person and erases it after a
confirmation; nobody else may."""

from __future__ import annotations

from sqlalchemy import select

from store.models import Contact, Deal


async def test_admin_sees_the_person_then_erases_them(bot, ws):
    ada = await bot.user("ada", role="admin", lang="zh")
    r = await ada.send("/隐私 13800138000")
    assert "🔒 张伟（联系人" in r.text
    assert "职位: 总经理; 手机: +8613800138000; 邮箱: zhangwei@xingchen.cn" in r.text
    assert "审计记录 6 条" in r.text
    assert "crmbot privacy export" in r.text
    r = await ada.click(r.button("删除个人信息"))
    assert "此操作无法撤销" in r.text
    r = await ada.click(r.button("取消"))
    assert r.text == "没有删除任何信息。"
    assert await bot.scalar(select(Contact.name).where(Contact.id == ws.ids["张伟"])) == "张伟"

    r = await ada.send("/privacy zhangwei@xingchen.cn")
    r = await ada.click(r.button("删除个人信息"))
    r = await ada.click(r.button("🗑 删除"))
    assert f"联系人 {ws.ids['张伟']} 的个人信息已删除" in r.text
    person = await bot.scalar(select(Contact).where(Contact.id == ws.ids["张伟"]))
    assert (person.name, person.mobile, person.email, person.title) == (
        "[erased]",
        None,
        None,
        None,
    )
    assert (
        await bot.scalar(select(Deal.title).where(Deal.id == ws.ids["星辰 ERP"])) == "星辰ERP项目"
    )


async def test_only_admins_and_clear_answers(bot, ws):
    r = await ws.wang.send("/privacy 张伟")
    assert r.text == "只有管理员可以处理个人信息请求。"
    ada = await bot.user("ada", role="admin")
    assert "Whose data?" in (await ada.send("/privacy")).text
    assert (await ada.send("/privacy nobody")).text == "No contact matches “nobody”."
