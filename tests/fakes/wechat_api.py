"""A local fake of the WeChat Official Account and WeCom APIs, and WeChat's side of a chat.

``FakeWeixinApi`` is an aiohttp app on 127.0.0.1 answering like ``api.weixin.qq.com`` and
``qyapi.weixin.qq.com`` for what crmbot calls: tokens (``stable_token``, ``gettoken``),
customer-service and template messages, media upload / download, the custom menu, WeCom app
messages and ``update_template_card``, and group-robot webhooks. It records every call,
checks the access token (a refreshed token makes the old one answer 40001, as WeChat does
after the overlap), and ``fail_next`` makes the next matching calls answer an ``errcode``.

``WeChatServer`` plays WeChat itself: it builds callback XML as WeChat does, signs it (and
encrypts it in safe mode, with wechatpy) and posts it to the real server; ``WeChatPerson``
reads like a conversation.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer
from wechatpy.crypto import WeChatCrypto
from wechatpy.enterprise.crypto import WeChatCrypto as WeComCrypto

from bot.config import Settings
from tests.server_harness import Running

APP_ID = "wx49f0ab532d5d035a"
APP_SECRET = "fake-app-secret"
TOKEN = "123456"
AES_KEY = "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR"
ACCOUNT = "gh_crmbot0000"
CORP_ID = "ww0crmbotcorp0001"
AGENT_ID = 1000002
CORP_SECRET = "fake-corp-secret"


@dataclass
class Call:
    path: str
    params: dict[str, str]
    body: dict[str, Any]
    token: str | None


@dataclass
class Failure:
    path: str
    errcode: int
    errmsg: str
    times: int
    skip: int = 0
    """Matching calls to let through first (to fail the second part of a split reply)."""


class FakeWeixinApi:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.media: dict[str, tuple[bytes, str]] = {}
        self.uploads: dict[str, bytes] = {}
        self.upload_names: dict[str, str] = {}
        self.token_fetches = 0
        self.tokens: list[str] = []
        self._failures: list[Failure] = []
        self._counter = itertools.count(1)
        self._server: TestServer | None = None
        self.oauth_codes: dict[str, str] = {}
        """OAuth codes WeChat would hand a browser -> the openid / UserID they stand for."""

    @property
    def url(self) -> str:
        assert self._server is not None
        return str(self._server.make_url("")).rstrip("/")

    async def start(self) -> None:
        app = web.Application(client_max_size=30 * 1024 * 1024)
        app.add_routes(
            [
                web.post("/cgi-bin/stable_token", self._stable_token),
                web.get("/cgi-bin/gettoken", self._gettoken),
                web.get("/cgi-bin/media/get", self._media_get),
                web.get("/cgi-bin/auth/getuserinfo", self._getuserinfo),
                web.get("/sns/oauth2/access_token", self._oauth_access_token),
                web.post("/cgi-bin/media/upload", self._media_upload),
                web.post("/cgi-bin/webhook/send", self._webhook),
                web.post("/cgi-bin/{path:.*}", self._api),
            ]
        )
        self._server = TestServer(app, host="127.0.0.1")
        await self._server.start_server()

    async def close(self) -> None:
        if self._server is not None:
            await self._server.close()

    # ------------------------------------------------------------------ test controls

    def fail_next(
        self, path: str, errcode: int, errmsg: str = "refused", times: int = 1, skip: int = 0
    ) -> None:
        self._failures.append(Failure(path, errcode, errmsg, times, skip))

    def add_media(self, data: bytes, content_type: str = "image/jpeg") -> str:
        media_id = f"MEDIA{next(self._counter):04d}"
        self.media[media_id] = (data, content_type)
        return media_id

    def called(self, path: str) -> list[Call]:
        return [c for c in self.calls if c.path == path]

    # ---------------------------------------------------------------------- handlers

    def _new_token(self) -> dict[str, Any]:
        self.token_fetches += 1
        token = f"ACCESS-{self.token_fetches}"
        self.tokens.append(token)
        return {"access_token": token, "expires_in": 7200}

    async def _stable_token(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.calls.append(Call("cgi-bin/stable_token", {}, body, None))
        if body.get("appid") != APP_ID or body.get("secret") != APP_SECRET:
            return web.json_response({"errcode": 40125, "errmsg": "invalid appsecret"})
        return web.json_response(self._new_token())

    async def _gettoken(self, request: web.Request) -> web.Response:
        params = dict(request.query)
        self.calls.append(Call("cgi-bin/gettoken", params, {}, None))
        if params.get("corpid") != CORP_ID or params.get("corpsecret") != CORP_SECRET:
            return web.json_response({"errcode": 40001, "errmsg": "invalid credential"})
        return web.json_response({"errcode": 0, "errmsg": "ok", **self._new_token()})

    def oauth_code(self, user_id: str) -> str:
        """A code as WeChat's authorize page gives a browser signed in as ``user_id``."""
        code = f"CODE{next(self._counter):05d}"
        self.oauth_codes[code] = user_id
        return code

    async def _oauth_access_token(self, request: web.Request) -> web.Response:
        params = dict(request.query)
        self.calls.append(Call("sns/oauth2/access_token", params, {}, None))
        if params.get("appid") != APP_ID or params.get("secret") != APP_SECRET:
            return web.json_response({"errcode": 40125, "errmsg": "invalid appsecret"})
        openid = self.oauth_codes.pop(params.get("code", ""), None)  # a code works once
        if openid is None:
            return web.json_response({"errcode": 40029, "errmsg": "invalid code"})
        return web.json_response(
            {
                "access_token": "WEB-TOKEN",
                "expires_in": 7200,
                "openid": openid,
                "scope": "snsapi_base",
            }
        )

    async def _getuserinfo(self, request: web.Request) -> web.Response:
        params = {k: v for k, v in request.query.items() if k != "access_token"}
        self.calls.append(
            Call("cgi-bin/auth/getuserinfo", params, {}, request.query.get("access_token"))
        )
        refusal = self._token_refusal(request)
        if refusal is not None:
            return refusal
        userid = self.oauth_codes.pop(params.get("code", ""), None)
        if userid is None:
            return web.json_response({"errcode": 40029, "errmsg": "invalid code"})
        return web.json_response({"errcode": 0, "errmsg": "ok", "userid": userid})

    def _token_refusal(self, request: web.Request) -> web.Response | None:
        token = request.query.get("access_token")
        if not self.tokens or token != self.tokens[-1]:
            return web.json_response({"errcode": 40001, "errmsg": "invalid credential"})
        return None

    def _failure(self, path: str) -> web.Response | None:
        for failure in self._failures:
            if failure.path == path and failure.times > 0:
                if failure.skip > 0:
                    failure.skip -= 1
                    continue
                failure.times -= 1
                return web.json_response({"errcode": failure.errcode, "errmsg": failure.errmsg})
        return None

    async def _api(self, request: web.Request) -> web.Response:
        path = "cgi-bin/" + request.match_info["path"]
        body = await request.json()
        params = {k: v for k, v in request.query.items() if k != "access_token"}
        self.calls.append(Call(path, params, body, request.query.get("access_token")))
        refusal = self._token_refusal(request) or self._failure(path)
        if refusal is not None:
            return refusal
        text = body.get("text", {}).get("content", "") if body.get("msgtype") == "text" else ""
        if path == "cgi-bin/message/custom/send" and len(text.encode()) > 2048:
            return web.json_response({"errcode": 45002, "errmsg": "content size out of limit"})
        answer: dict[str, Any] = {"errcode": 0, "errmsg": "ok"}
        if path in ("cgi-bin/message/template/send", "cgi-bin/message/send"):
            answer["msgid"] = f"MSG{next(self._counter):05d}"
        if path == "cgi-bin/message/send" and body.get("msgtype") == "template_card":
            answer["response_code"] = f"RESP{next(self._counter):05d}"
        return web.json_response(answer)

    async def _media_get(self, request: web.Request) -> web.StreamResponse:
        self.calls.append(Call("cgi-bin/media/get", dict(request.query), {}, None))
        refusal = self._token_refusal(request)
        if refusal is not None:
            return refusal
        found = self.media.get(request.query.get("media_id", ""))
        if found is None:
            return web.json_response({"errcode": 40007, "errmsg": "invalid media_id"})
        data, kind = found
        return web.Response(body=data, content_type=kind)

    async def _media_upload(self, request: web.Request) -> web.Response:
        reader = await request.multipart()
        data = b""
        filename = ""
        async for part in reader:
            if getattr(part, "name", None) == "media":
                filename = getattr(part, "filename", "") or ""
                data = await part.read()  # type: ignore[union-attr]
        self.calls.append(
            Call("cgi-bin/media/upload", dict(request.query), {"filename": filename}, None)
        )
        refusal = self._token_refusal(request)
        if refusal is not None:
            return refusal
        kind = request.query.get("type", "image")
        if kind == "file" and len(data) > 20 * 1024 * 1024:  # WeCom's ceiling for a file
            return web.json_response({"errcode": 40006, "errmsg": "invalid file size"})
        media_id = f"UPLOAD{next(self._counter):04d}"
        self.uploads[media_id] = data
        self.upload_names[media_id] = filename
        return web.json_response({"type": kind, "media_id": media_id, "created_at": 1})

    async def _webhook(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.calls.append(Call("cgi-bin/webhook/send", dict(request.query), body, None))
        failure = self._failure("cgi-bin/webhook/send")
        if failure is not None:
            return failure
        return web.json_response({"errcode": 0, "errmsg": "ok"})

    # --------------------------------------------------------------------- readings

    def sent_to(self, openid: str, since: int = 0) -> list[dict[str, Any]]:
        return [
            c.body
            for c in self.calls[since:]
            if c.path == "cgi-bin/message/custom/send" and c.body.get("touser") == openid
        ]


def message_text(body: dict[str, Any]) -> str:
    """What a person reads in one customer-service / app message."""
    kind = body.get("msgtype")
    if kind == "text":
        return str(body["text"]["content"])
    if kind == "markdown":
        return str(body["markdown"]["content"])
    if kind == "msgmenu":
        menu = body["msgmenu"]
        options = "\n".join(o["content"] for o in menu["list"])
        return f"{menu['head_content']}\n{options}"
    if kind == "template_card":
        card = body["template_card"]
        title = card.get("main_title", {}).get("title", "")
        sub = card.get("sub_title_text", "")
        buttons = "\n".join(b["text"] for b in card.get("button_list", []))
        return f"{title}\n{sub}\n{buttons}"
    if kind == "image":
        return "[image]"
    return json.dumps(body, ensure_ascii=False)


# ---------------------------------------------------------------- WeChat's side


def signature(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()  # noqa: S324


def xml_message(fields: dict[str, Any]) -> str:
    inner = "".join(
        f"<{k}>{v}</{k}>" if isinstance(v, int) else f"<{k}><![CDATA[{v}]]></{k}>"
        for k, v in fields.items()
    )
    return f"<xml>{inner}</xml>"


@dataclass
class Answer:
    status: int
    body: str
    reply: str | None = None
    """The passive reply's text (decrypted in safe mode)."""


@dataclass
class WeChatServer:
    running: Running
    api: FakeWeixinApi
    safe_mode: bool = True
    token: str = TOKEN
    _msg_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(10_000_001))
    _nonces: itertools.count[int] = field(default_factory=lambda: itertools.count(1_000))
    _seen: int = 0

    @property
    def crypto(self) -> WeChatCrypto:
        return WeChatCrypto(self.token, AES_KEY, APP_ID)

    def now(self) -> int:
        return int(self.running.clock.now().timestamp())

    def next_msg_id(self) -> int:
        return next(self._msg_ids)

    def query(self, *, timestamp: int | None = None, nonce: str | None = None) -> dict[str, str]:
        ts = str(self.now() if timestamp is None else timestamp)
        nonce = nonce or str(next(self._nonces))
        return {"timestamp": ts, "nonce": nonce, "signature": signature(self.token, ts, nonce)}

    async def post_xml(
        self,
        xml: str | bytes,
        *,
        timestamp: int | None = None,
        crypto: WeChatCrypto | None = None,
        query: dict[str, str] | None = None,
        encrypt: bool | None = None,
    ) -> Answer:
        """Post one callback as WeChat would (signed; encrypted in safe mode)."""
        params = query or self.query(timestamp=timestamp)
        data = xml.encode() if isinstance(xml, str) else xml
        if self.safe_mode if encrypt is None else encrypt:
            box = crypto or self.crypto
            envelope = box.encrypt_message(data.decode(), params["nonce"], params["timestamp"])
            parsed = _fields(envelope)
            params = {
                **params,
                "encrypt_type": "aes",
                "msg_signature": parsed["MsgSignature"],
                "openid": "",
            }
            data = xml_message({"ToUserName": ACCOUNT, "Encrypt": parsed["Encrypt"]}).encode()
        async with self.running.client.post("/wechat", params=params, data=data) as response:
            answer = Answer(response.status, await response.text())
        if answer.status == 200 and answer.body.startswith("<xml>"):
            inner = answer.body
            if params.get("encrypt_type") == "aes":
                envelope = _fields(inner)
                inner = self.crypto.decrypt_message(
                    inner, envelope["MsgSignature"], envelope["TimeStamp"], envelope["Nonce"]
                )
            answer.reply = _fields(inner).get("Content")
        return answer

    async def deliveries(self) -> list[dict[str, Any]]:
        """Let the adapter finish, run the outbox; the API messages sent since last time."""
        await self.running.server.adapters["wechat"].settle()  # type: ignore[attr-defined]
        await self.running.drain()
        new = [
            c.body
            for c in self.api.calls[self._seen :]
            if c.path in ("cgi-bin/message/custom/send", "cgi-bin/message/template/send")
        ]
        self._seen = len(self.api.calls)
        return new

    def person(self, openid: str) -> WeChatPerson:
        return WeChatPerson(self, openid)


def _fields(xml: str) -> dict[str, Any]:
    import xmltodict

    data = xmltodict.parse(xml)["xml"]
    assert isinstance(data, dict)
    return data


@dataclass
class Said:
    answer: Answer
    messages: list[dict[str, Any]]

    @property
    def texts(self) -> list[str]:
        out = [self.answer.reply] if self.answer.reply else []
        return out + [message_text(m) for m in self.messages]

    @property
    def text(self) -> str:
        return "\n".join(self.texts)

    def option(self, part: str) -> dict[str, str]:
        for message in reversed(self.messages):
            if message.get("msgtype") == "msgmenu":
                for option in message["msgmenu"]["list"]:
                    if part.lower() in option["content"].lower():
                        return dict(option)
        raise LookupError(f"no msgmenu option containing {part!r} in {self.text!r}")


@dataclass
class WeChatPerson:
    server: WeChatServer
    openid: str

    def fields(self, msg_type: str, **values: Any) -> dict[str, Any]:
        return {
            "ToUserName": ACCOUNT,
            "FromUserName": self.openid,
            "CreateTime": self.server.now(),
            "MsgType": msg_type,
            **values,
        }

    async def send(self, fields: dict[str, Any], **kwargs: Any) -> Said:
        answer = await self.server.post_xml(xml_message(fields), **kwargs)
        return Said(answer, await self.server.deliveries())

    async def say(self, text: str, **kwargs: Any) -> Said:
        msg_id = self.server.next_msg_id()
        return await self.send(self.fields("text", Content=text, MsgId=msg_id), **kwargs)

    async def click(self, said: Said, part: str) -> Said:
        """Tap a msgmenu option: WeChat sends its text with the option's id."""
        option = said.option(part)
        fields = self.fields(
            "text",
            Content=option["content"],
            MsgId=self.server.next_msg_id(),
            bizmsgmenuid=option["id"],
        )
        return await self.send(fields)

    async def voice(self, recognition: str | None) -> Said:
        values: dict[str, Any] = {
            "MediaId": "VOICE0001",
            "Format": "amr",
            "MsgId": self.server.next_msg_id(),
        }
        if recognition is not None:
            values["Recognition"] = recognition
        return await self.send(self.fields("voice", **values))

    async def photo(self, data: bytes) -> Said:
        media_id = self.server.api.add_media(data)
        fields = self.fields(
            "image",
            PicUrl="http://mmbiz.qpic.cn/fake",
            MediaId=media_id,
            MsgId=self.server.next_msg_id(),
        )
        return await self.send(fields)

    async def location(self, lat: float, lng: float, label: str) -> Said:
        fields = self.fields(
            "location",
            Location_X=f"{lat}",
            Location_Y=f"{lng}",
            Scale=15,
            Label=label,
            MsgId=self.server.next_msg_id(),
        )
        return await self.send(fields)

    async def event(self, event: str, **values: Any) -> Said:
        return await self.send(self.fields("event", Event=event, **values))


# ------------------------------------------------------------------ WeCom's side


@dataclass
class WeComServer:
    """WeCom posting encrypted callbacks to ``/wecom`` (receive id = CorpID)."""

    running: Running
    api: FakeWeixinApi
    token: str = TOKEN
    corp_id: str = CORP_ID
    _msg_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(20_000_001))
    _nonces: itertools.count[int] = field(default_factory=lambda: itertools.count(5_000))
    _seen: int = 0

    def crypto(self, corp_id: str | None = None, token: str | None = None) -> WeComCrypto:
        return WeComCrypto(token or self.token, AES_KEY, corp_id or self.corp_id)

    def now(self) -> int:
        return int(self.running.clock.now().timestamp())

    def next_msg_id(self) -> int:
        return next(self._msg_ids)

    async def post_xml(
        self,
        xml: str,
        *,
        timestamp: int | None = None,
        crypto: WeComCrypto | None = None,
    ) -> Answer:
        ts = str(self.now() if timestamp is None else timestamp)
        nonce = str(next(self._nonces))
        envelope = _fields((crypto or self.crypto()).encrypt_message(xml, nonce, ts))
        params = {"msg_signature": envelope["MsgSignature"], "timestamp": ts, "nonce": nonce}
        body = xml_message(
            {"ToUserName": self.corp_id, "AgentID": AGENT_ID, "Encrypt": envelope["Encrypt"]}
        )
        return await self.post_raw(body.encode(), params)

    async def post_raw(self, body: bytes, params: dict[str, str]) -> Answer:
        async with self.running.client.post("/wecom", params=params, data=body) as response:
            return Answer(response.status, await response.text())

    async def deliveries(self) -> list[Call]:
        await self.running.server.adapters["wecom"].settle()  # type: ignore[attr-defined]
        await self.running.drain()
        new = [
            c
            for c in self.api.calls[self._seen :]
            if c.path in ("cgi-bin/message/send", "cgi-bin/message/update_template_card")
        ]
        self._seen = len(self.api.calls)
        return new

    def member(self, user_id: str) -> WeComMember:
        return WeComMember(self, user_id)


@dataclass
class WeComSaid:
    answer: Answer
    calls: list[Call]

    @property
    def messages(self) -> list[dict[str, Any]]:
        return [c.body for c in self.calls if c.path == "cgi-bin/message/send"]

    @property
    def updates(self) -> list[dict[str, Any]]:
        return [c.body for c in self.calls if c.path == "cgi-bin/message/update_template_card"]

    @property
    def text(self) -> str:
        return "\n".join(message_text(m) for m in self.messages)

    def button(self, part: str) -> tuple[dict[str, Any], dict[str, Any]]:
        for message in reversed(self.messages):
            if message.get("msgtype") == "template_card":
                for button in message["template_card"]["button_list"]:
                    if part.lower() in button["key"].lower():
                        return message, button
        raise LookupError(f"no card button containing {part!r} in {self.text!r}")


@dataclass
class WeComMember:
    server: WeComServer
    user_id: str

    def fields(self, msg_type: str, **values: Any) -> dict[str, Any]:
        return {
            "ToUserName": self.server.corp_id,
            "FromUserName": self.user_id,
            "CreateTime": self.server.now(),
            "MsgType": msg_type,
            **values,
            "AgentID": AGENT_ID,
        }

    async def send(self, fields: dict[str, Any], **kwargs: Any) -> WeComSaid:
        answer = await self.server.post_xml(xml_message(fields), **kwargs)
        return WeComSaid(answer, await self.server.deliveries())

    async def say(self, text: str, **kwargs: Any) -> WeComSaid:
        fields = self.fields("text", Content=text, MsgId=self.server.next_msg_id())
        return await self.send(fields, **kwargs)

    async def click(self, said: WeComSaid, part: str) -> WeComSaid:
        """Press a card button: a ``template_card_event`` with its key and task id."""
        message, button = said.button(part)
        card = message["template_card"]
        fields = self.fields(
            "event",
            Event="template_card_event",
            EventKey=button["key"],
            TaskId=card["task_id"],
            CardType="button_interaction",
            ResponseCode=f"RC-{card['task_id']}",
        )
        return await self.send(fields)


# The server's settings for each product, pointed at this fake (``more``: extra settings).


def wechat_settings(settings: Settings, api: FakeWeixinApi, **more: Any) -> Settings:
    return Settings(
        database_url=settings.database_url,
        default_lang="en",
        default_tz="Asia/Shanghai",
        slow_work_processes=0,
        wechat_app_id=APP_ID,
        wechat_app_secret=APP_SECRET,
        wechat_token=TOKEN,
        wechat_aes_key=AES_KEY,
        wechat_api_url=api.url,
        **more,
    )


def wecom_settings(settings: Settings, api: FakeWeixinApi, **more: Any) -> Settings:
    return Settings(
        database_url=settings.database_url,
        default_lang="en",
        default_tz="Asia/Shanghai",
        slow_work_processes=0,
        wecom_corp_id=CORP_ID,
        wecom_agent_id=AGENT_ID,
        wecom_secret=CORP_SECRET,
        wecom_token=TOKEN,
        wecom_aes_key=AES_KEY,
        wecom_api_url=api.url,
        **more,
    )
