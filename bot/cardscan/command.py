"""``crmbot card IMAGE [IMAGE ...] [--json]``: read business cards from the command line.

A plain click command so ``bot/cli.py`` adds it with one line
(``main.add_command(card)``); the recognition stack is imported only when the command
runs, so ``crmbot --help`` stays quick, and without the ``ocr`` extra the command says
what to install instead of failing on an import. The models load once for all the images; each image
is checked like a chat upload, so a bad file gets its reason and the others are still read.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from bot.cardscan.model import FIELD_ORDER, LIST_FIELDS
from bot.extras import MissingExtra
from bot.safe_text import strip_controls


@click.command("card")
@click.argument(
    "images",
    nargs=-1,
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per image and line.")
@click.option(
    "--region",
    default="CN",
    show_default=True,
    help="Country for phone numbers printed without +country code (ISO 3166, e.g. CN, SG).",
)
def card(images: tuple[Path, ...], as_json: bool, region: str) -> None:
    """Read business cards: name, title, company, phones (E.164), email, web, address, WeChat.

    With --json, one object per image and line, in order, with the keys file, name, title,
    company, mobile, phone, fax, email (lists), website, address, wechat and source
    (ocr, qr or ocr+qr). Exits 1 when an image could not be read (its line has "error").
    """
    from bot.cardscan.limits import MAX_BYTES, ImageRejected
    from bot.cardscan.scanner import CardScanner, format_card

    scanner = CardScanner()
    try:
        scanner.load()
    except MissingExtra as exc:
        raise click.ClickException(str(exc)) from None
    failed = False
    for path in images:
        try:
            size = path.stat().st_size
            if size > MAX_BYTES:
                raise ImageRejected("too_large", f"{size} bytes")
            result = scanner.scan(path.read_bytes(), region=region.upper())
        except ImageRejected as exc:
            failed = True
            if as_json:
                empty: dict[str, Any] = {
                    name: [] if name in LIST_FIELDS else None for name in FIELD_ORDER
                }
                row = {"file": str(path), **empty, "source": None, "error": exc.reason}
                click.echo(strip_controls(json.dumps(row, ensure_ascii=False)))
            else:
                click.echo(strip_controls(f"{path}  cannot read it: {exc.reason}"), err=True)
            continue
        if as_json:
            click.echo(strip_controls(json.dumps(result.to_json(str(path)), ensure_ascii=False)))
        else:
            click.echo(strip_controls(format_card(result, str(path))))
    if failed:
        raise SystemExit(1)


__all__ = ["card"]
