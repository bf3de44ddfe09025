"""Replies as terminal text: buttons become ``1. Acme Ltd  2. Acme Trading``."""

from __future__ import annotations

from pathlib import Path

from bot.replies import Card, Choices, Image, Reply, Text, numbered


def render(reply: Reply, image_dir: Path) -> str:
    if isinstance(reply, Text):
        return reply.text
    if isinstance(reply, Choices):
        return f"{reply.text}\n{numbered(reply.buttons)}"
    if isinstance(reply, Card):
        body = "\n".join([f"┌ {reply.title}", *(f"│ {line}" for line in reply.lines)])
        return f"{body}\n{numbered(reply.buttons)}" if reply.buttons else body
    assert isinstance(reply, Image)
    image_dir.mkdir(parents=True, exist_ok=True)
    path = image_dir / reply.filename
    path.write_bytes(reply.data)
    return f"{reply.caption}\n[image: {path}]".strip()
