"""A local fake of the Slack Web API, and the Slack side of a conversation in tests.

``FakeSlackApi`` is an aiohttp app on 127.0.0.1 answering like ``https://slack.com/api/``
for what crmbot calls (``auth.test``, ``chat.postMessage``, ``chat.postEphemeral``,
``chat.update``, ``conversations.open``, the three steps of ``files_upload_v2``) and
serving ``url_private_download`` files. It records every call,
checks the bot token, and can be told to answer the next calls with a 429 + ``Retry-After``,
a 5xx, or ``{"ok": false, "error": ...}``.

``SlackWorkspace`` plays Slack itself: it builds real-format payloads from the recordings in
``tests/payloads/slack/``, signs them like Slack (``v0`` HMAC-SHA256 of ``v0:{ts}:{body}``)
and posts them to the real server; ``SlackPerson`` reads like a conversation.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import itertools
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

from aiohttp import web

from bot.config import Settings
from tests.server_harness import Running

PAYLOADS = Path(__file__).resolve().parent.parent / "payloads" / "slack"
BOT_TOKEN = "xoxb-1111-2222-fake"
SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
TEAM_ID = "T0CRMTEAM"
BOT_USER_ID = "U0CRMBOT"
BOT_ID = "B0CRMBOT"


# ------------------------------------------------------------------- signing, payloads


def sign(
    body: bytes, *, secret: str = SIGNING_SECRET, timestamp: int | None = None
) -> dict[str, str]:
    """The two headers Slack adds to every request."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), b"v0:" + ts.encode() + b":" + body, hashlib.sha256)
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": "v0=" + digest.hexdigest()}


def payload(name: str) -> dict[str, Any]:
    """A recorded JSON payload, freshly loaded (tests change their copy)."""
    data = json.loads((PAYLOADS / f"{name}.json").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def form(name: str) -> dict[str, str]:
    """A recorded form body (slash command) as its fields."""
    return dict(parse_qsl((PAYLOADS / f"{name}.form").read_text(encoding="utf-8").strip()))


def deep_update(target: dict[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    for key, value in changes.items():
        if isinstance(value, Mapping) and isinstance(target.get(key), dict):
            deep_update(target[key], value)
        else:
            target[key] = value
    return target


# ----------------------------------------------------------------------- the fake API


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    token: str | None


@dataclass
class Failure:
    status: int = 200
    error: str | None = None
    retry_after: int | None = None
    method: str | None = None


@dataclass
class Upload:
    file_id: str
    filename: str
    length: int
    data: bytes | None = None
    channel: str | None = None
    title: str | None = None
    initial_comment: str | None = None


@dataclass
class Posted:
    """A message as the fake holds it after ``chat.postMessage`` / ``chat.update``."""

    channel: str
    ts: str
    text: str
    blocks: list[dict[str, Any]]
    thread_ts: str | None = None

    @property
    def plain(self) -> str:
        """What a person reads: every section and context text, unescaped."""
        parts: list[str] = []
        for block in self.blocks:
            if block.get("type") == "section":
                parts.append(block["text"]["text"])
            elif block.get("type") == "context":
                parts.extend(e["text"] for e in block["elements"])
        text = "\n".join(parts) if parts else self.text
        return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")

    @property
    def buttons(self) -> list[dict[str, Any]]:
        return [e for b in self.blocks if b.get("type") == "actions" for e in b["elements"]]

    @property
    def labels(self) -> list[str]:
        return [b["text"]["text"] for b in self.buttons]

    def button(self, label_part: str) -> dict[str, Any]:
        for b in self.buttons:
            if label_part.lower() in b["text"]["text"].lower():
                return b
        raise LookupError(f"no button containing {label_part!r} in {self.labels}")


class FakeSlackApi:
    def __init__(self, token: str = BOT_TOKEN) -> None:
        self.token = token
        self.calls: list[Call] = []
        self.failures: list[Failure] = []
        self.messages: dict[tuple[str, str], Posted] = {}
        self.posted: list[Posted] = []
        self.updated: list[Posted] = []
        self.uploads: dict[str, Upload] = {}
        self.files: dict[str, tuple[bytes, str]] = {}
        self.ephemeral: list[dict[str, Any]] = []
        self.dms: dict[str, str] = {}
        """Each person's DM with the app, as ``conversations.open`` answers it."""
        """``chat.postEphemeral`` calls: shown to one person, never in ``posted``."""
        self.downloads: list[tuple[str, str | None]] = []
        self.outside: set[str] = set()
        """Channels the app is not a member of: ``chat.postMessage`` there is refused."""
        self.response_urls: dict[str, str] = {}
        self.responses: list[dict[str, Any]] = []
        self._ts = itertools.count(1)
        self._ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.url = ""

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/"

    async def start(self) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_post("/api/{method}", self._api)
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_get("/files-pri/{file_id}/{name}", self._download)
        app.router.add_post("/commands/{hook}", self._respond)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    # -- test controls

    def fail_next(
        self,
        times: int = 1,
        *,
        status: int = 200,
        error: str | None = None,
        retry_after: int | None = None,
        method: str | None = None,
    ) -> None:
        """Answer the next ``times`` API calls (to ``method``, if given) with a failure."""
        if status == 200 and error is None:
            raise ValueError("a failure with HTTP 200 needs an error code")
        self.failures.extend(Failure(status, error, retry_after, method) for _ in range(times))

    def add_file(self, data: bytes, *, name: str = "card.png", mimetype: str = "image/png") -> str:
        """Make ``data`` downloadable with the bot token; its ``url_private_download``."""
        file_id = f"F0FILE{next(self._ids):04d}"
        self.files[file_id] = (data, mimetype)
        return f"{self.url}/files-pri/{TEAM_ID}-{file_id}/{name}"

    def response_url(self, channel: str) -> str:
        """A slash command's ``response_url`` for ``channel``, answered by this fake."""
        hook = f"{TEAM_ID}-{next(self._ids):04d}"
        self.response_urls[hook] = channel
        return f"{self.url}/commands/{hook}"

    def called(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    # -- handlers

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await _params(request)
        token = _bearer(request) or params.get("token")
        self.calls.append(Call(method, params, token))
        failure = self._take_failure(method)
        if failure is not None:
            return _failure(failure)
        if method != "api.test" and token != self.token:
            return web.json_response({"ok": False, "error": "invalid_auth"})
        handler = {
            "auth.test": self._auth_test,
            "chat.postMessage": self._post_message,
            "chat.update": self._update,
            "chat.postEphemeral": self._post_ephemeral,
            "conversations.open": self._open_dm,
            "files.getUploadURLExternal": self._upload_url,
            "files.completeUploadExternal": self._complete_upload,
        }.get(method)
        if handler is None:
            return web.json_response({"ok": False, "error": "unknown_method"})
        return web.json_response(handler(params))

    def _take_failure(self, method: str) -> Failure | None:
        for index, failure in enumerate(self.failures):
            if failure.method in (None, method):
                return self.failures.pop(index)
        return None

    def _auth_test(self, _params: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "url": "https://acme-sales.slack.com/",
            "team": "Acme Sales",
            "user": "crmbot",
            "team_id": TEAM_ID,
            "user_id": BOT_USER_ID,
            "bot_id": BOT_ID,
            "is_enterprise_install": False,
        }

    def _post_message(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = params.get("channel")
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        if channel in self.outside:
            return {"ok": False, "error": "not_in_channel"}
        blocks = _json_field(params.get("blocks")) or []
        if not params.get("text") and not blocks:
            return {"ok": False, "error": "no_text"}
        if len(blocks) > 50 or any(_too_long(b) for b in blocks):
            return {"ok": False, "error": "invalid_blocks"}
        ts = f"{1794967200 + next(self._ts)}.000100"
        thread = params.get("thread_ts")
        message = Posted(
            str(channel), ts, str(params.get("text") or ""), blocks, str(thread) if thread else None
        )
        self.messages[(message.channel, ts)] = message
        self.posted.append(message)
        return {"ok": True, "channel": channel, "ts": ts, "message": {"text": message.text}}

    def _post_ephemeral(self, params: dict[str, Any]) -> dict[str, Any]:
        if not params.get("channel") or not params.get("user"):
            return {"ok": False, "error": "channel_not_found"}
        self.ephemeral.append(params)
        return {"ok": True, "message_ts": f"{1794967200 + next(self._ts)}.000200"}

    def _open_dm(self, params: dict[str, Any]) -> dict[str, Any]:
        """The app's DM with a person: ``D`` + their id without its ``U``."""
        users = str(params.get("users") or "")
        if not users or "," in users:
            return {"ok": False, "error": "users_list_not_supplied"}
        return {"ok": True, "channel": {"id": self.dms.get(users, "D" + users.removeprefix("U"))}}

    def _update(self, params: dict[str, Any]) -> dict[str, Any]:
        key = (str(params.get("channel")), str(params.get("ts")))
        if key not in self.messages:
            return {"ok": False, "error": "message_not_found"}
        blocks = _json_field(params.get("blocks")) or []
        message = Posted(key[0], key[1], str(params.get("text") or ""), blocks)
        self.messages[key] = message
        self.updated.append(message)
        return {"ok": True, "channel": key[0], "ts": key[1], "text": message.text}

    def _upload_url(self, params: dict[str, Any]) -> dict[str, Any]:
        file_id = f"F0UPLOAD{next(self._ids):04d}"
        self.uploads[file_id] = Upload(file_id, str(params["filename"]), int(params["length"]))
        return {"ok": True, "upload_url": f"{self.url}/upload/{file_id}", "file_id": file_id}

    def _complete_upload(self, params: dict[str, Any]) -> dict[str, Any]:
        files = _json_field(params.get("files")) or []
        done = []
        for item in files:
            upload = self.uploads.get(item["id"])
            if upload is None or upload.data is None:
                return {"ok": False, "error": "file_not_found"}
            upload.channel = params.get("channel_id")
            upload.title = item.get("title")
            upload.initial_comment = params.get("initial_comment")
            done.append({"id": upload.file_id, "name": upload.filename, "title": upload.title})
        return {"ok": True, "files": done}

    async def _respond(self, request: web.Request) -> web.Response:
        """A message through a ``response_url``: it shows in the command's channel."""
        channel = self.response_urls.get(request.match_info["hook"])
        if channel is None:
            return web.Response(status=404, text="expired_url")
        body = await request.json()
        self.responses.append(body)
        message = Posted(channel, "", str(body.get("text") or ""), body.get("blocks") or [])
        self.posted.append(message)
        return web.Response(text="ok")

    async def _upload(self, request: web.Request) -> web.Response:
        upload = self.uploads.get(request.match_info["file_id"])
        if upload is None:
            return web.Response(status=404, text="unknown upload")
        data = await request.read()
        if len(data) != upload.length:
            return web.Response(status=400, text="length mismatch")
        upload.data = data
        return web.Response(text=f"OK - {len(data)}")

    async def _download(self, request: web.Request) -> web.Response:
        file_id = request.match_info["file_id"].removeprefix(f"{TEAM_ID}-")
        token = _bearer(request)
        self.downloads.append((file_id, token))
        if token != self.token:
            # Slack answers a missing token with its login page, not an error.
            return web.Response(
                text="<!DOCTYPE html><html>Sign in</html>", content_type="text/html"
            )
        if file_id not in self.files:
            return web.Response(status=404)
        data, mimetype = self.files[file_id]
        return web.Response(body=data, content_type=mimetype)


async def _params(request: web.Request) -> dict[str, Any]:
    """Query string and body together: the SDK sends some methods' arguments as either."""
    params: dict[str, Any] = dict(request.query)
    if request.content_type == "application/json":
        data = await request.json()
        params.update(data if isinstance(data, dict) else {})
    else:
        params.update((k, v) for k, v in (await request.post()).items() if isinstance(v, str))
    return params


def _bearer(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    return header.removeprefix("Bearer ") if header.startswith("Bearer ") else None


def _json_field(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _too_long(block: Mapping[str, Any]) -> bool:
    text = block.get("text")
    return isinstance(text, Mapping) and len(str(text.get("text", ""))) > 3000


def _failure(failure: Failure) -> web.Response:
    if failure.status == 429:
        headers = {"Retry-After": str(failure.retry_after or 1)}
        return web.json_response({"ok": False, "error": "ratelimited"}, status=429, headers=headers)
    if failure.status >= 500:
        return web.Response(status=failure.status, text="upstream connect error")
    return web.json_response({"ok": False, "error": failure.error}, status=failure.status)


# ------------------------------------------------------------ Slack's side of a chat


@dataclass
class Answer:
    """What the server answered to one posted request."""

    status: int
    body: str


@dataclass
class SlackWorkspace:
    running: Running
    api: FakeSlackApi
    secret: str = SIGNING_SECRET
    _seen: int = 0
    _counter: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def now_ts(self) -> str:
        return f"{self.running.clock.now().timestamp():.6f}"

    def next_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._counter):06d}"

    async def post(
        self,
        body: bytes,
        *,
        content_type: str = "application/json",
        headers: Mapping[str, str] | None = None,
        timestamp: int | None = None,
        secret: str | None = None,
    ) -> Answer:
        signed = sign(body, secret=secret or self.secret, timestamp=timestamp)
        all_headers = {"Content-Type": content_type, **signed, **(headers or {})}
        async with self.running.client.post("/slack/events", data=body, headers=all_headers) as r:
            return Answer(r.status, await r.text())

    async def send_json(self, data: Mapping[str, Any], **kwargs: Any) -> Answer:
        return await self.post(json.dumps(data).encode(), **kwargs)

    async def send_form(self, fields: Mapping[str, str], **kwargs: Any) -> Answer:
        return await self.post(
            urlencode(fields).encode(), content_type="application/x-www-form-urlencoded", **kwargs
        )

    def event(self, name: str, **changes: Any) -> dict[str, Any]:
        """A recorded event envelope with a fresh ``event_id`` and the clock's time."""
        data = payload(name)
        ts = self.now_ts()
        data["event_id"] = self.next_id("Ev0TEST")
        data["event_time"] = int(self.running.clock.now().timestamp())
        data["event"]["ts"] = data["event"]["event_ts"] = ts
        return deep_update(data, changes)

    async def deliveries(self) -> list[Posted]:
        """Run the outbox; the messages posted since the last look."""
        await self.settle()
        await self.running.drain()
        new = self.api.posted[self._seen :]
        self._seen = len(self.api.posted)
        return new

    async def settle(self) -> None:
        adapter = self.running.server.adapters["slack"]
        settle = getattr(adapter, "settle", None)
        if settle is not None:
            await settle()

    def person(self, user_id: str, dm: str, name: str = "") -> SlackPerson:
        self.api.dms[user_id] = dm
        return SlackPerson(self, user_id, dm, name or user_id.lower())


@dataclass
class Said:
    """The messages the bot posted in answer to one thing a person did."""

    messages: list[Posted]
    answer: Answer

    @property
    def text(self) -> str:
        return "\n".join(m.plain for m in self.messages)

    @property
    def last(self) -> Posted:
        assert self.messages, f"the bot said nothing (HTTP {self.answer.status})"
        return self.messages[-1]

    def button(self, label_part: str) -> tuple[Posted, dict[str, Any]]:
        for message in self.messages:
            for b in message.buttons:
                if label_part.lower() in b["text"]["text"].lower():
                    return message, b
        raise LookupError(f"no button containing {label_part!r}")


@dataclass
class SlackPerson:
    workspace: SlackWorkspace
    user_id: str
    dm: str
    name: str

    async def _answered(self, answer: Answer) -> Said:
        return Said(await self.workspace.deliveries(), answer)

    def dm_event(self, text: str, **changes: Any) -> dict[str, Any]:
        return self.workspace.event(
            "dm_message",
            event={"user": self.user_id, "channel": self.dm, "text": text, "blocks": []},
            **changes,
        )

    async def say(self, text: str, **headers: str) -> Said:
        answer = await self.workspace.send_json(self.dm_event(text), headers=headers)
        return await self._answered(answer)

    async def mention(self, text: str, channel: str, *, thread_ts: str | None = None) -> Said:
        """``@crmbot text`` in ``channel`` (inside the thread ``thread_ts``, if given)."""
        event = {"user": self.user_id, "channel": channel, "text": f"<@{BOT_USER_ID}> {text}"}
        if thread_ts is not None:
            event["thread_ts"] = thread_ts
        data = self.workspace.event("app_mention", event=event)
        return await self._answered(await self.workspace.send_json(data))

    def command_form(self, text: str, *, channel: str | None = None) -> dict[str, str]:
        """The form Slack posts for ``/crm {text}``; its ``trigger_id`` is fresh."""
        fields = form("slash_command")
        channel = channel or self.dm
        fields.update(
            user_id=self.user_id,
            user_name=self.name,
            channel_id=channel,
            channel_name="directmessage" if channel.startswith("D") else "sales",
            text=text,
            trigger_id=self.workspace.next_id("7788990011."),
            response_url=self.workspace.api.response_url(channel),
        )
        return fields

    async def command(self, text: str, *, channel: str | None = None) -> Said:
        fields = self.command_form(text, channel=channel)
        return await self._answered(await self.workspace.send_form(fields))

    def click_payload(self, message: Posted, button: Mapping[str, Any]) -> dict[str, Any]:
        data = payload("block_actions")
        action = {
            "action_id": button["action_id"],
            "block_id": "f7Tn",
            "text": button["text"],
            # A link button (``url``) has no value; Slack still reports the press.
            **({"value": button["value"]} if "value" in button else {"url": button["url"]}),
            "type": "button",
            "action_ts": self.workspace.now_ts(),
        }
        return deep_update(
            data,
            {
                "user": {"id": self.user_id, "username": self.name, "name": self.name},
                "container": {
                    "message_ts": message.ts,
                    "channel_id": message.channel,
                    **({"thread_ts": message.thread_ts} if message.thread_ts else {}),
                },
                "trigger_id": self.workspace.next_id("7788990022."),
                "channel": {
                    "id": message.channel,
                    "name": "directmessage" if message.channel.startswith("D") else "sales",
                },
                "message": {"ts": message.ts, "text": message.text, "blocks": message.blocks},
                "actions": [action],
            },
        )

    def click_form(self, said: Said | Posted, label_part: str) -> dict[str, str]:
        """The form Slack posts when this person presses the button labelled ``label_part``."""
        if isinstance(said, Posted):
            message, button = said, said.button(label_part)
        else:
            message, button = said.button(label_part)
        return {"payload": json.dumps(self.click_payload(copy.deepcopy(message), button))}

    async def click(self, said: Said | Posted, label_part: str) -> Said:
        body = self.click_form(said, label_part)
        return await self._answered(await self.workspace.send_form(body))


def slack_settings(settings: Settings, api: FakeSlackApi, **more: Any) -> Settings:
    """The server's settings pointed at this fake (``more``: extra settings)."""
    return Settings(
        database_url=settings.database_url,
        default_lang="en",
        default_tz="Asia/Shanghai",
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=api.api_url,
        **more,
    )
