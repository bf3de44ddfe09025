"""``crmbot keys``: encryption at rest of phones and e-mails (store/sealing.py).

``status`` counts stored values per key; ``encrypt`` seals a plaintext database under
``CRMBOT_ENCRYPTION_KEY``; ``rotate`` reseals what an older key (listed in
``CRMBOT_ENCRYPTION_OLD_KEYS``) sealed under the current one. Both are the same resumable,
audited walk (store/reseal.py): stopped half way, run it again.
"""

from __future__ import annotations

import click

from bot.data_cli import echo


@click.group("keys")
def keys() -> None:
    """Encryption at rest of contacts' phones and e-mails."""


@keys.command("status")
def keys_status() -> None:
    """How many stored values are plaintext, and how many under each key id."""
    import asyncio

    from bot.app import open_app
    from bot.config import load_settings
    from store.reseal import usage

    async def run() -> None:
        app = await open_app(load_settings())
        try:
            keyring = app.db.keyring
            echo(f"Current key: {keyring.current_kid}" if keyring else "No encryption key set.")
            for table, counts in (await usage(app.db)).items():
                shown = ", ".join(f"{kid} {n}" for kid, n in sorted(counts.items())) or "empty"
                echo(f"{table}: {shown}")
        finally:
            await app.close()

    asyncio.run(run())


def _reseal(action: str, batch: int) -> None:
    import asyncio

    from bot.app import open_app
    from bot.config import load_settings
    from store.reseal import reseal
    from store.sealing import SealError

    def moved(table: str, done: int, seen: int) -> None:
        click.echo(f"\r{table}: {seen} looked at, {done} sealed", nl=False, err=True)

    async def run() -> str:
        app = await open_app(load_settings())
        try:
            report = await reseal(app.db, action=action, batch=batch, progress=moved)
        finally:
            await app.close()
        click.echo("", err=True)
        counts = ", ".join(f"{t} {n}" for t, n in report.resealed.items())
        retired = f" Retired key {', '.join(report.retired)}." if report.retired else ""
        return f"Every value is under key {report.kid} ({counts} rewritten).{retired}"

    try:
        echo(asyncio.run(run()))
    except SealError as exc:
        raise click.ClickException(str(exc)) from None


_BATCH = click.option(
    "--batch",
    default=500,
    show_default=True,
    type=click.IntRange(1, 100_000),
    help="Rows per transaction.",
)


@keys.command("encrypt")
@_BATCH
def keys_encrypt(batch: int) -> None:
    """Encrypt the phones and e-mails already stored in plaintext (resumable)."""
    _reseal("encrypt", batch)


@keys.command("rotate")
@_BATCH
def keys_rotate(batch: int) -> None:
    """Re-encrypt values of the old keys under CRMBOT_ENCRYPTION_KEY (resumable)."""
    _reseal("rotate", batch)


__all__ = ["keys"]
