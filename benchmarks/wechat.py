"""WeChat Official Account callbacks: what reading one costs, and one message end to end.

    .venv/bin/python -m benchmarks.wechat [--messages 300] [--parse 5000]

1. **Reading**: ``read_xml`` + wechatpy's ``decrypt_message`` (signature, AES, AppID) +
   ``parse`` of a safe-mode text message, and the plain-mode signature check + ``parse``,
   per message (the envelopes are encrypted beforehand, as WeChat would).
2. **End to end**: safe-mode text messages posted one after another to ``POST /wechat`` of
   the real server (``bot.server.build_server``, a fresh SQLite file, the system clock), each
   a one-message Chinese log by one of 20 linked reps; the answer is the passive reply (the
   engine is done well within 4 s), encrypted. Reports messages/s and p50 / p99 latency.
   The outbox sender is not running: passive replies need no API call.
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aiohttp.test_utils import TestClient, TestServer
from wechatpy.crypto import WeChatCrypto

from bot.adapters.wechat.parse import Query, decrypt, parse, read_xml, verify_plain
from bot.clock import SystemClock
from bot.config import Settings
from bot.server import build_server
from store.models import Company, Role
from store.users import create_user, link_identity
from tests.fakes.wechat_api import (
    AES_KEY,
    APP_ID,
    TOKEN,
    signature,
    xml_message,
)

REPS = 20


def text_message(openid: str, text: str, msg_id: int, at: int) -> str:
    return xml_message(
        {
            "ToUserName": "gh_bench",
            "FromUserName": openid,
            "CreateTime": at,
            "MsgType": "text",
            "Content": text,
            "MsgId": msg_id,
        }
    )


def seal(crypto: WeChatCrypto, xml: str, nonce: str, ts: str) -> tuple[dict[str, str], str]:
    envelope = read_xml(crypto.encrypt_message(xml, nonce, ts))
    query = {
        "timestamp": ts,
        "nonce": nonce,
        "signature": signature(TOKEN, ts, nonce),
        "encrypt_type": "aes",
        "msg_signature": envelope["MsgSignature"],
    }
    body = xml_message({"ToUserName": "gh_bench", "Encrypt": envelope["Encrypt"]})
    return query, body


def reading(count: int) -> dict[str, float]:
    crypto = WeChatCrypto(TOKEN, AES_KEY, APP_ID)
    now = SystemClock().now()
    ts = str(int(now.timestamp()))
    sealed = [
        seal(crypto, text_message("oBENCH", f"今天拜访了星辰科技 {i}", i, int(ts)), str(i), ts)
        for i in range(count)
    ]
    started = time.perf_counter()
    for query, body in sealed:
        parse(decrypt(crypto, read_xml(body), Query.of(query), now))
    safe = (time.perf_counter() - started) / count * 1e6
    plain = [
        (query, text_message("oBENCH", "hello", i, int(ts))) for i, (query, _) in enumerate(sealed)
    ]
    started = time.perf_counter()
    for query, xml in plain:
        verify_plain(TOKEN, Query.of(query), now)
        parse(xml)
    plain_us = (time.perf_counter() - started) / count * 1e6
    return {"safe_us": safe, "plain_us": plain_us}


async def end_to_end(count: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(
            database_url=f"sqlite+aiosqlite:///{folder}/bench.db",
            slow_work_processes=0,
            wechat_app_id=APP_ID,
            wechat_app_secret="unused",  # noqa: S106 (no API call is made)
            wechat_token=TOKEN,
            wechat_aes_key=AES_KEY,
            wechat_api_url="http://127.0.0.1:9",
        )
        server = await build_server(settings)
        server.app.engine.warm_up()
        clock = server.app.clock
        async with server.app.db.transaction(platform="bench") as session:
            for n in range(REPS):
                user = await create_user(
                    session, f"rep{n}", role=Role.REP, now=clock.now(), lang="zh"
                )
                await link_identity(
                    session, user, platform="wechat", external_id=f"oREP{n}", now=clock.now()
                )
                now = clock.now()
                session.add(
                    Company(name=f"星辰科技{n}号", owner_id=user.id, created_at=now, updated_at=now)
                )
        client: TestClient[Any, Any] = TestClient(TestServer(server.webapp, host="127.0.0.1"))
        await client.start_server()
        crypto = WeChatCrypto(TOKEN, AES_KEY, APP_ID)
        latencies: list[float] = []
        passive = 0
        try:
            started = time.perf_counter()
            for i in range(count):
                n = i % REPS
                ts = str(int(time.time()))
                xml = text_message(
                    f"oREP{n}",
                    f"今天拜访了星辰科技{n}号，聊得不错，下周二跟进",
                    10_000 + i,
                    int(ts),
                )
                query, body = seal(crypto, xml, str(i), ts)
                sent = time.perf_counter()
                async with client.post("/wechat", params=query, data=body) as response:
                    answer = await response.text()
                latencies.append(time.perf_counter() - sent)
                passive += answer.startswith("<xml>")
            elapsed = time.perf_counter() - started
        finally:
            await client.close()
            await server.app.close()
    latencies.sort()
    return {
        "per_second": count / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000,
        "passive": passive,
        "count": count,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--parse", type=int, default=5000)
    args = parser.parse_args()
    print(f"{platform.node()} · Python {platform.python_version()} · {platform.machine()}")
    read = reading(args.parse)
    print(f"safe mode: read + decrypt + parse  {read['safe_us']:.0f} µs per message")
    print(f"plain mode: signature + parse      {read['plain_us']:.0f} µs per message")
    result = asyncio.run(end_to_end(args.messages))
    print(
        f"end to end (safe mode, one-message log, passive reply): {result['per_second']:.0f} "
        f"messages/s, p50 {result['p50_ms']:.1f} ms, p99 {result['p99_ms']:.1f} ms, "
        f"{result['passive']}/{result['count']} answered passively"
    )


if __name__ == "__main__":
    main()
