"""Work for strangers: a photo from an account that is not linked is never downloaded.

Each platform's fake records its downloads (Telegram ``getFile`` and the file URL, Slack's
file host, WeChat / WeCom ``media/get``). A stranger sending a dozen photos costs no
download and hears the link prompt once (it is throttled); a linked rep's photo is still
fetched.
"""

from __future__ import annotations

from typing import Any

from store.models import Role
from store.users import create_user, link_identity
from tests.fakes.telegram_api import user
from tests.webhook_rigs import slack, tg, wechat, wecom, weixin

__all__ = ["slack", "tg", "wechat", "wecom", "weixin"]  # fixtures

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(200)
PHOTOS = 12


async def link(server, platform: str, external_id: str) -> None:
    app, now = server.server.app, server.clock.now()
    async with app.db.transaction(platform="test") as session:
        rep = await create_user(session, "zhao", role=Role.REP, now=now, lang="en")
        await link_identity(session, rep, platform=platform, external_id=external_id, now=now)


async def test_telegram_does_not_fetch_a_strangers_photo(tg):
    tg.fake.add_file("AgACAgUAAxkBAAIBPmZ-y1280", PNG)
    stranger = user(4242, "Sam")
    for _ in range(PHOTOS):
        photo = tg.fake.update("photo")
        photo["message"].update({"from": stranger, "chat": {"id": 4242, "type": "private"}})
        await tg.deliver(photo)
    assert tg.fake.sent("getFile") == []
    assert tg.fake.sent("file") == []
    prompts = tg.fake.texts(4242)
    assert len(prompts) == 1
    assert "isn't linked" in prompts[0]

    await link(tg.run, "telegram", "4242")  # once linked, the same photo is read
    await tg.deliver(
        tg.fake.update("photo", **{"from": stranger, "chat": photo["message"]["chat"]})
    )
    assert len(tg.fake.sent("getFile")) == 1
    assert len(tg.fake.sent("file")) == 1


async def test_slack_does_not_fetch_a_strangers_file(slack):
    url = slack.api.add_file(PNG)
    for _ in range(PHOTOS):
        data = slack.event("file_share_dm", event={"user": "U0SAM", "channel": "D0SAMDM"})
        data["event"]["files"][0].update(url_private_download=url, size=len(PNG))
        assert (await slack.send_json(data)).status == 200
    said = await slack.deliveries()
    assert slack.api.downloads == []
    assert len(said) == 1
    assert "isn't linked" in said[0].plain

    await link(slack.running, "slack", "U0SAM")
    data = slack.event("file_share_dm", event={"user": "U0SAM", "channel": "D0SAMDM"})
    data["event"]["files"][0].update(url_private_download=url, size=len(PNG))
    await slack.send_json(data)
    await slack.deliveries()
    assert [file_id for file_id, _ in slack.api.downloads] == ["F0FILE0001"]


async def test_wechat_does_not_fetch_a_strangers_photo(wechat):
    stranger = wechat.person("oSAM")
    said = [await stranger.photo(PNG) for _ in range(PHOTOS)]
    assert wechat.api.called("cgi-bin/media/get") == []
    texts = [text for one in said for text in one.texts]
    assert len(texts) == 1
    assert "isn't linked" in texts[0]

    await link(wechat.running, "wechat", "oSAM")
    await stranger.photo(PNG)
    assert len(wechat.api.called("cgi-bin/media/get")) == 1


async def test_wecom_does_not_fetch_a_strangers_photo(wecom):
    stranger = wecom.member("sam")
    media_id = wecom.api.add_media(PNG)

    def image() -> dict[str, Any]:
        number = wecom.next_msg_id()
        fields: dict[str, Any] = stranger.fields(
            "image", PicUrl="http://p", MediaId=media_id, MsgId=number
        )
        return fields

    texts = [(await stranger.send(image())).text for _ in range(PHOTOS)]
    assert wecom.api.called("cgi-bin/media/get") == []
    assert [t for t in texts if t] == [texts[0]]
    assert "isn't linked" in texts[0]

    await link(wecom.running, "wecom", "sam")
    await stranger.send(image())
    assert len(wecom.api.called("cgi-bin/media/get")) == 1
