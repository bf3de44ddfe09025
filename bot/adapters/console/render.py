"""Replies as terminal text: buttons become ``1. Acme Ltd  2. Acme Trading``."""

from __future__ import annotations

from pathlib import Path

from bot.replies import Card, Choices, Image, Reply, Text, link_lines, numbered, reply_buttons
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
    assert isinstance(reply, Image)
    image_dir.mkdir(parents=True, exist_ok=True)
    path = image_dir / reply.filename
    path.write_bytes(reply.data)
    return f"{reply.caption}\n[image: {path}]".strip()
