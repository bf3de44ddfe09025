"""WeChat / WeCom callbacks read and replies rendered, without a server: crypto against the
published sample vectors, the XML rules, and what each reply becomes."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
import xmltodict
from wechatpy.crypto import WeChatCrypto
from wechatpy.enterprise.crypto import WeChatCrypto as WeComCrypto

from bot.adapters.wechat.parse import Query, Refused, decrypt, parse, read_xml, verify_plain
from bot.adapters.wechat.render import (
    TEXT_BYTES,
    Send,
    SendImage,
    cdata_safe,
    passive,
    render,
    split_text,
)
from bot.events import EventKind, Location
from bot.replies import Button, Card, Choices, Image, Text
from tests.fakes.wechat_api import signature, xml_message
from tests.test_wechat import BILLION_LAUGHS

# The sample Token / EncodingAESKey / CorpID and cipher text of wechatpy's crypto tests
# (tests/test_crypto.py), which reproduce the platform documentation's scheme.
SAMPLE_TOKEN = "123456"
SAMPLE_KEY = "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR"
SAMPLE_ID = "wx49f0ab532d5d035a"
SAMPLE_ENVELOPE = (
    "<xml><ToUserName><![CDATA[wx49f0ab532d5d035a]]></ToUserName>\n"
    "<Encrypt><![CDATA[RgqEoJj5A4EMYlLvWO1F86ioRjZfaex/gePD0gOXTxpsq5Yj4GNglrBb8I2BAJVODGajiF"
    "nXBu7mCPatfjsu6IHCrsTyeDXzF6Bv283dGymzxh6ydJRvZsryDyZbLTE7rhnus50qGPMfp2wASFlzEgMW9z1ef/"
    "RD8XzaFYgm7iTdaXpXaG4+BiYyolBug/gYNx410cvkKR2/nPwBiT+P4hIiOAQqGp/TywZBtDh1yCF2KOd0gpiMZ5j"
    "Sw3e29mTvmUHzkVQiMS6td7vXUaWOMZnYZlF3So2SjHnwh4jYFxdgpkHHqIrH/54SNdshoQgWYEvccTKe7FS709/"
    "5t6NMxuGhcUGAPOQipvWTT4dShyqio7mlsl5noTrb++x6En749zCpQVhDpbV6GDnTbcX2e8K9QaNWHp91eBdCRxthu"
    "L0=]]></Encrypt>\n<AgentID><![CDATA[1]]></AgentID>\n</xml>"
)
SAMPLE_QUERY = Query(
    msg_signature="74d92dfeb87ba7c714f89d98870ae5eb62dff26d",
    timestamp="1411525903",
    nonce="461056294",
    encrypt_type="aes",
)
SAMPLE_AT = datetime.fromtimestamp(1411525903, UTC)
ECHO_SIGNATURE = "dd6b9c95b495b3f7e2901bfbc76c664930ffdb96"
ECHO_STR = (
    "4ByGGj+sVCYcvGeQYhaKIk1o0pQRNbRjxybjTGblXrBaXlTXeOo1+bXFXDQQb1o6co6Yh9Bv41n7hOchLF6p+Q=="
)
NOW = datetime(2026, 11, 18, 2, 0, tzinfo=UTC)


def test_the_sample_message_decrypts_and_reads():
    crypto = WeComCrypto(SAMPLE_TOKEN, SAMPLE_KEY, SAMPLE_ID)
    xml = decrypt(crypto, read_xml(SAMPLE_ENVELOPE), SAMPLE_QUERY, SAMPLE_AT)
    parsed = parse(xml)
    assert parsed.event is not None
    assert (parsed.sender, parsed.event.text, parsed.event.kind) == (
        "messense",
        "test",
        EventKind.MESSAGE,
    )


def test_the_sample_echostr_verifies():
    crypto = WeComCrypto(SAMPLE_TOKEN, SAMPLE_KEY, SAMPLE_ID)
    assert crypto.check_signature(ECHO_SIGNATURE, "1411443780", "437374425", ECHO_STR)


def test_the_sample_refused_for_another_corp_id_a_wrong_signature_or_its_age():
    other = WeComCrypto(SAMPLE_TOKEN, SAMPLE_KEY, "wx0000000000000000")
    with pytest.raises(Refused) as refused:
        decrypt(other, read_xml(SAMPLE_ENVELOPE), SAMPLE_QUERY, SAMPLE_AT)
    assert refused.value.status == 403
    ours = WeComCrypto(SAMPLE_TOKEN, SAMPLE_KEY, SAMPLE_ID)
    forged = Query(msg_signature="0" * 40, timestamp="1411525903", nonce="461056294")
    with pytest.raises(Refused):
        decrypt(ours, read_xml(SAMPLE_ENVELOPE), forged, SAMPLE_AT)
    with pytest.raises(Refused) as refused:
        decrypt(ours, read_xml(SAMPLE_ENVELOPE), SAMPLE_QUERY, NOW)  # 12 years later
    assert "away" in refused.value.reason


def test_an_official_account_round_trip_through_wechatpy():
    crypto = WeChatCrypto(SAMPLE_TOKEN, SAMPLE_KEY, SAMPLE_ID)
    message = xml_message(
        {"ToUserName": "gh_x", "FromUserName": "o1", "CreateTime": 1, "MsgType": "text"}
    )
    envelope = read_xml(crypto.encrypt_message(message, "42", "1700000000"))
    query = Query(msg_signature=envelope["MsgSignature"], timestamp="1700000000", nonce="42")
    at = datetime.fromtimestamp(1700000000, UTC)
    assert decrypt(crypto, envelope, query, at) == message


def test_plain_signature():
    ts = str(int(NOW.timestamp()))
    good = Query(signature=signature("tok", ts, "7"), timestamp=ts, nonce="7")
    verify_plain("tok", good, NOW)
    with pytest.raises(Refused):
        verify_plain("other", good, NOW)
    with pytest.raises(Refused):
        verify_plain("tok", Query(signature=good.signature, timestamp="x", nonce="7"), NOW)


def test_billion_laughs_fails_at_the_declaration():
    started = time.perf_counter()
    with pytest.raises(Refused) as refused:
        read_xml(BILLION_LAUGHS)
    assert refused.value.status == 400
    assert time.perf_counter() - started < 1  # an expansion would take far longer
    with pytest.raises(ValueError, match="entities"):
        xmltodict.parse(BILLION_LAUGHS)  # wechatpy's own parser refuses it the same way


def test_external_entities_are_refused():
    doc = (
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY ext SYSTEM "file:///etc/passwd">]>'
        "<xml><Content>&ext;</Content></xml>"
    )
    with pytest.raises(Refused):
        read_xml(doc)


def fields(msg_type: str, **values: object) -> str:
    return xml_message(
        {
            "ToUserName": "gh_x",
            "FromUserName": "oUSER",
            "CreateTime": 1763431200,
            "MsgType": msg_type,
            **values,
        }
    )


def test_messages_become_events():
    text = parse(fields("text", Content="你好", MsgId=1))
    assert text.event is not None
    assert (text.event.event_id, text.event.text, text.event.chat.chat_id) == ("1", "你好", "oUSER")
    assert text.event.sent_at == datetime.fromtimestamp(1763431200, UTC)
    menu = parse(fields("text", Content="1. 星辰科技", MsgId=2, bizmsgmenuid="lk:c:5"))
    assert menu.event is not None
    assert (menu.event.kind, menu.event.payload) == (EventKind.BUTTON, "lk:c:5")
    voice = parse(fields("voice", MediaId="m", Format="amr", Recognition="拜访了", MsgId=3))
    assert voice.event is not None
    assert (voice.event.text, voice.heard) == ("拜访了", "拜访了")
    assert parse(fields("voice", MediaId="m", MsgId=4)).notice == "wechat.voice_unreadable"
    image = parse(fields("image", MediaId="MID", PicUrl="http://x", MsgId=5))
    assert image.event is not None
    assert (image.event.kind, image.media_id) == (EventKind.IMAGE, "MID")
    where = parse(
        fields("location", Location_X="31.2304", Location_Y="121.4737", Label="上海", MsgId=6)
    )
    assert where.event is not None
    assert where.event.kind is EventKind.LOCATION
    assert where.event.location == Location(31.2304, 121.4737, "上海")
    click = parse(fields("event", Event="CLICK", EventKey="cmd:today"))
    assert click.event is not None
    assert (click.event.command, click.event.event_id) == ("today", "ev:oUSER:1763431200")
    follow = parse(fields("event", Event="subscribe", EventKey=""))
    assert follow.event is not None
    assert follow.event.command == "start"
    assert parse(fields("event", Event="unsubscribe")).event is None
    assert parse(fields("video", MediaId="v", MsgId=7)).notice == "wechat.unsupported"


def test_not_a_message_is_400():
    for xml in ("<xml><MsgType>text</MsgType></xml>", "<xml><FromUserName>o</FromUserName></xml>"):
        with pytest.raises(Refused):
            parse(xml)


def test_passive_replies_number_the_buttons_and_survive_cdata_ends():
    reply = Choices("哪一家？]]>", (Button("星辰科技", "p:1"), Button("星辰贸易", "p:2")))
    xml = passive(reply, account="gh_x", person="oUSER", now=NOW)
    assert xml is not None
    content = read_xml(xml)["Content"]
    assert content == "哪一家？]]>\n\n1. 星辰科技\n2. 星辰贸易"
    assert passive(Image(b"png"), account="gh_x", person="o", now=NOW) is None
    assert passive(Text("字" * 1000), account="gh_x", person="o", now=NOW) is None
    assert cdata_safe("a]]>b") == "a]]]]><![CDATA[>b"


def test_api_rendering():
    choices = render(Choices("哪一家？", (Button("星辰科技", "p:1"), Button("星辰贸易", "p:2"))))
    assert choices == [
        Send(
            {
                "msgtype": "msgmenu",
                "msgmenu": {
                    "head_content": "哪一家？",
                    "list": [
                        {"id": "p:1", "content": "1. 星辰科技"},
                        {"id": "p:2", "content": "2. 星辰贸易"},
                    ],
                    "tail_content": "",
                },
            }
        )
    ]
    card = render(Card("🏢 星辰科技", ("张伟 总经理",), (Button("📝 记录", "x"),)))
    assert card[0].body["msgmenu"]["head_content"] == "🏢 星辰科技\n张伟 总经理"  # type: ignore[union-attr]
    image = render(Image(b"png", caption="管道"))
    assert isinstance(image[0], SendImage)
    assert image[1] == Send({"msgtype": "text", "text": {"content": "管道"}})
    long = render(Text("\n".join(["客户拜访记录" * 10] * 40)))
    assert len(long) > 1
    assert all(
        len(c.body["text"]["content"].encode()) <= TEXT_BYTES for c in long if isinstance(c, Send)
    )


def test_split_text_never_cuts_a_character():
    parts = split_text("字" * 1000, 100)
    assert "".join(parts) == "字" * 1000
    assert all(len(p.encode()) <= 100 for p in parts)


def test_only_wechatpys_public_modules_are_used():
    """No private module or attribute of wechatpy: they break on upgrade."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    used: set[str] = set()
    private: list[str] = []
    for path in [*(root / "bot").rglob("*.py"), *(root / "tests").rglob("*.py")]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("wechatpy"):
                used.add(str(node.module))
                private += [f"{path.name}: {a.name}" for a in node.names if a.name.startswith("_")]
            if isinstance(node, ast.Attribute) and node.attr in ("_data", "_id", "_fields"):
                private.append(f"{path.name}: .{node.attr}")
    assert private == []
    assert all(not part.startswith("_") for name in used for part in name.split("."))
