"""A small in-process SMTP server on 127.0.0.1 for tests (``aiosmtpd`` is not in the venv):
enough of RFC 5321 for ``smtplib`` to hand it a message, which it keeps, parsed. ``refuse``
answers every ``MAIL FROM`` with a temporary failure, as a mail server that is down would.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage


@dataclass
class Mailbox:
    port: int = 0
    received: list[EmailMessage] = field(default_factory=list)
    refuse: bool = False

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}?from=service@acme.com"

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        async def say(line: str) -> None:
            writer.write(f"{line}\r\n".encode())
            await writer.drain()

        await say("220 test ESMTP")
        try:
            while line := await reader.readline():
                verb = line.decode().strip().split(" ")[0].upper()
                if verb in ("EHLO", "HELO"):
                    await say("250 test")
                elif verb == "MAIL":
                    await say("451 try again later" if self.refuse else "250 ok")
                elif verb in ("RCPT", "RSET", "NOOP"):
                    await say("250 ok")
                elif verb == "DATA":
                    await say("354 go ahead")
                    data = bytearray()
                    while (chunk := await reader.readline()) != b".\r\n":
                        data += chunk[1:] if chunk.startswith(b"..") else chunk
                    parsed = message_from_bytes(bytes(data), policy=policy.default)
                    assert isinstance(parsed, EmailMessage)
                    self.received.append(parsed)
                    await say("250 queued")
                elif verb == "QUIT":
                    await say("221 bye")
                    break
                else:
                    await say("502 not here")
        finally:
            writer.close()


@asynccontextmanager
async def mailbox() -> AsyncIterator[Mailbox]:
    box = Mailbox()
    server = await asyncio.start_server(box.serve, "127.0.0.1", 0)
    box.port = server.sockets[0].getsockname()[1]
    try:
        yield box
    finally:
        server.close()
        await server.wait_closed()
