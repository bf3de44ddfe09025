"""PTB's networking backend on aiohttp (bot/adapters/telegram/aiohttp_request.py): errors map
as with PTB's own httpx backend, and no error text carries the bot token."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import NetworkError, TimedOut

from bot.adapters.telegram.aiohttp_request import AiohttpRequest

TOKEN = "123456:ABC-secret-token-of-the-test-bot"
Handler = Callable[[web.Request], Awaitable[web.Response]]


async def get_me(request: web.Request) -> web.Response:
    me = {"id": 123456, "is_bot": True, "first_name": "crmbot", "username": "crm_bot"}
    return web.json_response({"ok": True, "result": me})


@asynccontextmanager
async def bot_api(method: str, answer: Handler) -> AsyncIterator[Bot]:
    """A Bot on our backend, talking to a Bot API that answers ``getMe`` and ``method``."""
    app = web.Application()
    app.router.add_post("/bot{token}/getMe", get_me)
    app.router.add_post(f"/bot{{token}}/{method}", answer)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        root = str(server.make_url("")).rstrip("/")
        async with Bot(TOKEN, base_url=f"{root}/bot", request=AiohttpRequest()) as bot:
            yield bot
    finally:
        await server.close()


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_an_unreachable_api_is_a_network_error_without_the_token():
    root = f"http://127.0.0.1:{closed_port()}"
    async with AiohttpRequest() as request:
        with pytest.raises(NetworkError) as caught:
            await request.post(f"{root}/bot{TOKEN}/getMe")
    assert not isinstance(caught.value, TimedOut)
    assert TOKEN not in str(caught.value)
    assert TOKEN not in repr(caught.value)


async def test_an_api_that_does_not_answer_in_time_is_timed_out():
    answered = asyncio.Event()

    async def never(request: web.Request) -> web.Response:
        await answered.wait()
        return web.json_response({"ok": True, "result": True})

    app = web.Application()
    app.router.add_post("/bot{token}/getMe", never)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        async with AiohttpRequest() as request:
            with pytest.raises(TimedOut):
                await request.post(str(server.make_url(f"/bot{TOKEN}/getMe")), read_timeout=0.05)
    finally:
        answered.set()
        await server.close()


async def test_a_form_and_an_upload_reach_the_api_as_telegram_reads_them():
    seen: dict[str, object] = {}

    async def send_photo(request: web.Request) -> web.Response:
        form = await request.post()
        photo = form["photo"]
        assert isinstance(photo, web.FileField)
        seen.update(chat_id=form["chat_id"], caption=form["caption"], photo=photo.file.read())
        message = {"message_id": 7, "date": 0, "chat": {"id": 42, "type": "private"}}
        return web.json_response({"ok": True, "result": message})

    async with bot_api("sendPhoto", send_photo) as bot:
        sent = await bot.send_photo(chat_id=42, photo=b"\x89PNG fake bytes", caption="图 · chart")
    assert sent.message_id == 7
    assert seen == {"chat_id": "42", "caption": "图 · chart", "photo": b"\x89PNG fake bytes"}


async def test_a_message_with_buttons_reaches_the_api_as_json_telegram_reads():
    """Without an upload the body is JSON (the Bot API takes it for every such method):
    the keyboard an object in it, not a string to decode again."""
    seen: list[tuple[str, dict[str, object]]] = []

    async def send_message(request: web.Request) -> web.Response:
        seen.append((request.content_type, await request.json()))
        message = {"message_id": 8, "date": 0, "chat": {"id": 42, "type": "private"}}
        return web.json_response({"ok": True, "result": message})

    async with bot_api("sendMessage", send_message) as bot:
        keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("撤销 Undo", callback_data="u:9")]])
        sent = await bot.send_message(
            42, "<b>已记录</b> · logged", parse_mode="HTML", reply_markup=keyboard
        )
    assert sent.message_id == 8
    assert seen == [
        (
            "application/json",
            {
                "chat_id": 42,
                "text": "<b>已记录</b> · logged",
                "parse_mode": "HTML",
                "reply_markup": {
                    "inline_keyboard": [[{"text": "撤销 Undo", "callback_data": "u:9"}]]
                },
            },
        )
    ]
