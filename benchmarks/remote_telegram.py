"""The fake Telegram Bot API (``tests/fakes/telegram_api.py``) in a child process of its own.

The real Telegram is remote: the CPU it spends answering crmbot's ``sendMessage`` calls is not
crmbot's. A ``FakeTelegram`` started in the benchmark's process would count that CPU against
crmbot and compete with it for its event loop, so ``RemoteTelegram.start()`` runs one in a
child process (``python benchmarks/remote_telegram.py``) on 127.0.0.1, at a port the OS picks.

The protocol is one JSON line each way over the child's stdin and stdout:

* once listening, the child writes ``{"root": …, "token": …}``;
* ``reset`` clears the calls it recorded, answered by ``{"ok": true}``;
* ``replies`` is answered by ``{"replies": n}``, the ``sendMessage`` calls it answered 200;
* end of stdin (``close()``, or the parent dying) closes the fake and ends the child.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.fakes.telegram_api import FakeTelegram

CLOSE_TIMEOUT = 10.0


class RemoteTelegram:
    """A handle on the child process: its ``root`` and ``token``, and what it received."""

    def __init__(self, child: asyncio.subprocess.Process, root: str, token: str) -> None:
        self.child = child
        self.root = root
        self.token = token

    @classmethod
    async def start(cls, now: int) -> RemoteTelegram:
        child = await asyncio.create_subprocess_exec(
            sys.executable,
            __file__,
            "--now",
            str(now),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        try:
            hello = await _read(child)
        except BaseException:
            await _stop(child)
            raise
        return cls(child, hello["root"], hello["token"])

    async def reset_calls(self) -> None:
        await self._ask("reset")

    async def replies(self) -> int:
        return int((await self._ask("replies"))["replies"])

    async def close(self) -> None:
        await _stop(self.child)

    async def _ask(self, command: str) -> dict[str, Any]:
        assert self.child.stdin is not None
        self.child.stdin.write(command.encode() + b"\n")
        await self.child.stdin.drain()
        return await _read(self.child)


async def _read(child: asyncio.subprocess.Process) -> dict[str, Any]:
    assert child.stdout is not None
    line = await child.stdout.readline()
    if not line:
        raise RuntimeError(f"fake Telegram process ended ({await child.wait()})")
    answer: dict[str, Any] = json.loads(line)
    return answer


async def _stop(child: asyncio.subprocess.Process) -> None:
    """End of stdin asks the child to close; one that does not in time is killed."""
    if child.stdin is not None and not child.stdin.is_closing():
        child.stdin.close()
    try:
        await asyncio.wait_for(child.wait(), CLOSE_TIMEOUT)
    except TimeoutError:
        pass
    finally:
        if child.returncode is None:
            child.kill()
            await child.wait()


async def child_main(now: int) -> None:
    fake = FakeTelegram(now=now)
    await fake.start()
    try:
        reader = asyncio.StreamReader()
        loop = asyncio.get_running_loop()
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)

        def answer(message: dict[str, Any]) -> None:
            sys.stdout.write(json.dumps(message) + "\n")
            sys.stdout.flush()

        answer({"root": fake.root, "token": fake.token})
        while line := await reader.readline():
            command = line.decode().strip()
            if command == "reset":
                fake.reset_calls()
                answer({"ok": True})
            elif command == "replies":
                answer({"replies": len(fake.sent())})
            else:
                raise ValueError(f"unknown command {command!r}")
    finally:
        await fake.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--now", type=int, required=True)
    asyncio.run(child_main(parser.parse_args().now))
