"""E-mail as an outbox platform (``email``): the customer survey's mail goes out through the
same outbox as every other outside send, so it is written in the closing transaction and
sent after it commits, retried with backoff while the server is down, and failed for good
(``on_failed``) when retries run out or the server refuses the address.

A row's ``chat_id`` is the address; its reply is a :class:`~bot.replies.Text` whose first
line is the subject and the rest the plain-text body (:func:`bot.outbox.mail_text`).

Sending uses the standard library's ``smtplib`` in a worker thread (``aiosmtplib`` is not in
the venv). ``CRMBOT_SMTP_URL`` carries the password: it lives only in a :class:`SmtpTarget`
read from the environment, and no error text written to the outbox or the log includes it.
"""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import parse_qs, unquote, urlsplit

from bot.adapters.base import DeliveryError, RateLimits
from bot.outbox import EMAIL
from bot.replies import Reply, Text

TIMEOUT = 30.0
"""Seconds one SMTP conversation may take before it counts as a failed try."""


class BadSmtpUrl(ValueError):
    """``CRMBOT_SMTP_URL`` cannot be read (the message never repeats the URL)."""


@dataclass(frozen=True)
class SmtpTarget:
    host: str
    port: int
    sender: str
    user: str | None = None
    password: str | None = None
    tls: bool = False
    """``smtps://``: TLS from the first byte (port 465)."""
    starttls: bool = False

    def __repr__(self) -> str:  # never show the password, not even in a traceback
        return f"SmtpTarget({self.host}:{self.port}, from={self.sender})"

    @classmethod
    def parse(cls, url: str) -> SmtpTarget:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise BadSmtpUrl("CRMBOT_SMTP_URL must look like smtp://user:pass@host:587?from=…")
        query = parse_qs(parts.query)
        sender = (query.get("from") or [""])[0]
        if "@" not in sender:
            raise BadSmtpUrl("CRMBOT_SMTP_URL needs ?from=address")
        tls = parts.scheme == "smtps"
        try:
            port = parts.port or (465 if tls else 587)
        except ValueError as exc:
            raise BadSmtpUrl("CRMBOT_SMTP_URL has a bad port") from exc
        return cls(
            host=parts.hostname,
            port=port,
            sender=sender,
            user=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            tls=tls,
            starttls=(query.get("starttls") or ["0"])[0].lower() in ("1", "true", "yes"),
        )


class EmailPlatform:
    """Sends outbox rows as e-mails over SMTP (one connection per mail: a few a day)."""

    name = EMAIL
    limits = RateLimits(per_second=5, private_interval=0.0, group_interval=0.0)

    def __init__(self, target: SmtpTarget) -> None:
        self.target = target

    async def send(self, chat_id: str, reply: Reply, thread_id: str | None = None) -> list[str]:
        if not isinstance(reply, Text):
            raise DeliveryError("only text goes by e-mail", permanent=True)
        subject, _, body = reply.text.partition("\n")
        message = EmailMessage()
        message["From"] = self.target.sender
        message["To"] = chat_id
        message["Subject"] = subject
        message["Date"] = formatdate(localtime=False)
        message["Message-ID"] = make_msgid(domain=self.target.sender.rpartition("@")[2])
        message.set_content(body)
        await asyncio.to_thread(self._send, message)
        return [str(message["Message-ID"])]

    async def show_choice(self, chat_id: str, message_id: str, text: str, label: str) -> None:
        """An e-mail has no buttons to edit."""

    def _send(self, message: EmailMessage) -> None:
        target = self.target
        try:
            client: smtplib.SMTP
            if target.tls:
                context = ssl.create_default_context()
                client = smtplib.SMTP_SSL(
                    target.host, target.port, timeout=TIMEOUT, context=context
                )
            else:
                client = smtplib.SMTP(target.host, target.port, timeout=TIMEOUT)
            with client:
                if target.starttls:
                    client.starttls(context=ssl.create_default_context())
                if target.user is not None:
                    client.login(target.user, target.password or "")
                client.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            permanent = all(code >= 500 for code in codes)
            raise DeliveryError(f"smtp: recipient refused {codes}", permanent=permanent) from None
        except smtplib.SMTPResponseException as exc:
            # The server's code only: its text may quote what we sent (the login).
            permanent = exc.smtp_code >= 500 and not isinstance(
                exc, smtplib.SMTPAuthenticationError
            )
            raise DeliveryError(
                f"smtp: {type(exc).__name__} {exc.smtp_code}", permanent=permanent
            ) from None
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryError(f"smtp: {type(exc).__name__} to {target.host}") from None
