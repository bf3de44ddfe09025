"""Replies as terminal text: buttons become ``1. Acme Ltd  2. Acme Trading``."""

from __future__ import annotations

from pathlib import Path

from bot.replies import (
    Card,
    Choices,
    Document,
    Image,
    Reply,
    Text,
    link_lines,
    numbered,
    reply_buttons,
)
from bot.safe_text import strip_controls


def render_all(replies: list[Reply], image_dir: Path) -> list[str]:
    """Render one answer; button numbers continue from message to message."""
    out, start = [], 1
    for reply in replies:
        out.append(render(reply, image_dir, start))
        start += len(reply_buttons(reply))
    return out


def render(reply: Reply, image_dir: Path, start: int = 1) -> str:
    """Terminal text, with no control sequence from whatever was stored (bot/safe_text.py)."""
    return strip_controls(_render(reply, image_dir, start))


def _render(reply: Reply, image_dir: Path, start: int) -> str:
    if isinstance(reply, Text):
        return reply.text
    if isinstance(reply, Choices):
        text = "\n".join([reply.text, *link_lines(reply.buttons)])
        return f"{text}\n{numbered(reply.buttons, start)}"
    if isinstance(reply, Card):
        lines = [*reply.lines, *link_lines(reply.buttons)]
        body = "\n".join([f"┌ {reply.title}", *(f"│ {line}" for line in lines)])
        return f"{body}\n{numbered(reply.buttons, start)}" if reply.buttons else body
    if isinstance(reply, Document):
        path = _free_path(image_dir, Path(reply.filename).name or "file")
        path.write_bytes(reply.data)
        path.chmod(0o600)  # customers' phones and e-mails: the owner's eyes only
        return f"{reply.caption}\n[file: {path}]".strip()
    assert isinstance(reply, Image)
    image_dir.mkdir(parents=True, exist_ok=True)
    path = image_dir / reply.filename
    path.write_bytes(reply.data)
    return f"{reply.caption}\n[image: {path}]".strip()


def _free_path(directory: Path, name: str) -> Path:
    """``name`` in ``directory``, or ``stem-2.ext``… when an earlier export has it: a second
    export the same day must not overwrite the first one's file."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    number = 1
    while path.exists():
        number += 1
        path = directory / f"{Path(name).stem}-{number}{Path(name).suffix}"
    return path
