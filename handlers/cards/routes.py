"""Business cards in chat: a photo on any platform, or ``/card PATH`` / a typed image path in
the console, becomes a contact card to confirm (:mod:`handlers.cards.review`).

Recognition (about a second of CPU) runs in a worker process (:mod:`bot.workers`), after
the event's transaction, with a time and memory limit (``card_read_seconds``,
``slow_work_memory_mb``) and a bounded number at once, so the event loop keeps serving
other people meanwhile and one photo cannot hold the server. Files are read from disk
only for the console: a chat message naming a path on the server must never make the bot
open it.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from pathlib import Path

from bot.cardscan.limits import MAX_PIXELS
from bot.cardscan.scanner import NO_OCR, CardScanner, ScanResult, scan_or_refusal
from bot.context import Context
from bot.events import SAID_WITHOUT_WORDS, Attachment
from bot.extras import OCR, missing_module
from bot.router import Handler, Matcher, Router, command
from bot.workers import SlowWorkFailed
from handlers.cards import review
from handlers.common.region import region_for

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".webp", ".gif", ".bmp"})
#: Platforms whose "user" is whoever runs the process, and so may name local files.
FILE_PLATFORMS = frozenset({"console"})
#: The refusal of a photo whose reading ran out of time or memory (bot.workers).
TOO_SLOW = "too_slow"


# --------------------------------------------------------------------------- reading


async def on_card_photo(ctx: Context, data: bytes, *, scanner: CardScanner | None = None) -> None:
    """Read a card photo and start the review, or say clearly why not (nothing is saved).

    The reading (a second of CPU, more for a dense card) runs after this event's
    transaction and outside any other (:meth:`Context.defer`): on SQLite an open
    transaction holds the only write lock, and one photo once made everyone wait 3 s.
    """
    region = region_for(ctx)

    async def read() -> ScanResult | str:
        limit = ctx.settings.card_read_seconds
        try:
            if scanner is not None:  # a scanner of the caller's: in a thread of this process
                return await ctx.workers.run(
                    scanner.scan_or_refusal, data, region, seconds=limit, in_thread=True
                )
            return await ctx.workers.run(
                scan_or_refusal, data, region, ctx.settings.max_photo_bytes, seconds=limit
            )
        except SlowWorkFailed as failed:  # too slow or too big: nothing was read
            log.warning("a card photo was given up (%s)", failed.reason)
            return TOO_SLOW

    ctx.defer(read, functools.partial(_after_reading, region=region))


async def _after_reading(ctx: Context, result: ScanResult | str, *, region: str) -> None:
    if isinstance(result, str):
        refuse(ctx, result)
        return
    if not result.has_text:
        ctx.say("bizcard.no_text")
        return
    if not result.is_card:
        ctx.say("bizcard.not_card")
        return
    review.start(ctx, result, region=region)
    await review.show_review(ctx)


async def on_card_attachment(ctx: Context, *, scanner: CardScanner | None = None) -> None:
    """The first attachment of the event as a card: read it, or explain the refusal."""
    attachment: Attachment = ctx.event.attachments[0]
    if attachment.kind == "image":
        await on_card_photo(ctx, attachment.data, scanner=scanner)
    elif attachment.kind == "contact":
        await on_shared_contact(ctx, attachment.data)
    else:
        refuse(ctx, attachment.kind)


async def on_shared_contact(ctx: Context, vcard: bytes) -> None:
    """A contact shared from the phone's address book: the same review as a card's (the
    rep picks the company, corrects, saves), read from its vCard instead of a photo."""
    if missing_module(OCR) is not None:  # vCards are read by the card reader's extra
        refuse(ctx, NO_OCR)
        return
    from bot.cardscan.qr import parse_vcard

    region = region_for(ctx)
    fields = parse_vcard(vcard.decode("utf-8", "replace"), region)
    if fields is None or fields.is_empty():
        ctx.say("bizcard.contact_unreadable")
        return
    result = ScanResult(fields, "contact", (), b"", has_qr=False, seconds=0.0)
    review.start(ctx, result, region=region)
    await review.show_review(ctx)


def refuse(ctx: Context, reason: str) -> None:
    if reason == "too_large":
        ctx.say("bizcard.too_large", mb=ctx.settings.max_photo_bytes // 1_048_576)
    elif reason == "too_many_pixels":
        ctx.say("bizcard.too_many_pixels", megapixels=MAX_PIXELS // 1_000_000)
    elif reason == "not_image":
        ctx.say("bizcard.not_image")
    elif reason == "unavailable":  # the platform's download failed
        ctx.say("bizcard.unavailable")
    elif reason == TOO_SLOW:
        ctx.say("bizcard.too_slow")
    elif reason in SAID_WITHOUT_WORDS:
        ctx.say(f"bizcard.{reason}")
    elif reason == NO_OCR:  # the ocr extra is not installed
        log.warning("a card photo arrived: %s", OCR.hint)
        ctx.say("bizcard.no_ocr", command=OCR.command)
    else:
        ctx.say("bizcard.unreadable")


async def _read_file(ctx: Context, raw: str, scanner: CardScanner | None) -> None:
    path = image_path(raw)
    if path is None:
        ctx.say("bizcard.no_file", path=raw.strip())
        return
    size = path.stat().st_size
    if size > ctx.settings.max_photo_bytes:
        refuse(ctx, "too_large")
        return
    data = await asyncio.to_thread(path.read_bytes)
    await on_card_photo(ctx, data, scanner=scanner)


def image_path(raw: str) -> Path | None:
    """A typed path to an existing image file (quotes and ``~`` allowed), or None."""
    text = raw.strip().strip("'\"")
    if not text or "\n" in text or len(text) > 1024:
        return None
    path = Path(text).expanduser()
    if path.suffix.lower() not in IMAGE_SUFFIXES:
        return None
    try:
        return path if path.is_file() else None
    except OSError:
        return None


# --------------------------------------------------------------------------- region


# --------------------------------------------------------------------------- routes


def card_photo() -> Matcher:
    """An event carrying an attachment (photo, or a refused upload), not a button press."""
    return Matcher(lambda c: bool(c.event.attachments) and c.payload is None, "card photo")


def typed_image_path() -> Matcher:
    """A console line that is the path of an image file. An absolute path reads like a
    command (``/tmp/x/card.png``), but no command name holds a ``/``: such a line naming
    an image is a path, and a missing file is said to be missing."""
    return Matcher(
        lambda c: (
            c.event.platform in FILE_PLATFORMS
            and c.payload is None
            and (
                (c.command is None and image_path(c.text) is not None)
                or (c.command is not None and "/" in c.command and _names_image(c.text))
            )
        ),
        "image path",
    )


def _names_image(text: str) -> bool:
    return Path(text.strip().strip("'\"")).suffix.lower() in IMAGE_SUFFIXES


def routes(scanner: CardScanner | None = None) -> Router:
    """``/card``, photos and console image paths. Register before free-text handlers."""

    async def card_command(ctx: Context) -> None:
        if ctx.args and ctx.event.platform in FILE_PLATFORMS:
            await _read_file(ctx, ctx.args, scanner)
        elif ctx.args:
            ctx.say("bizcard.path_console_only")
        else:
            ctx.say("bizcard.send_photo")

    async def photo(ctx: Context) -> None:
        await on_card_attachment(ctx, scanner=scanner)

    async def typed_path(ctx: Context) -> None:
        await _read_file(ctx, ctx.text, scanner)

    handlers: list[tuple[Matcher, Handler]] = [
        (command("card"), card_command),
        (card_photo(), photo),
        (typed_image_path(), typed_path),
    ]
    router = Router()
    for matcher, handler in handlers:
        router.add(matcher, handler)
    return router


__all__ = [
    "card_photo",
    "image_path",
    "on_card_attachment",
    "on_card_photo",
    "refuse",
    "region_for",
    "routes",
    "typed_image_path",
]
