"""``crmbot chat``: the engine in a terminal, reading lines and printing rendered replies."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from bot.adapters.console.render import render_all
from bot.adapters.memory.chat import LocalChat

PROMPT = "› "
QUIT_WORDS = frozenset({"/quit", "/exit", "quit", "exit", "退出"})


async def run_console(
    chat: LocalChat,
    image_dir: Path,
    *,
    read: Callable[[str], str] = input,
    write: Callable[[str], None] = print,
    prompt: str = PROMPT,
) -> None:
    """Read lines until EOF or /quit; a script piped in gets only the replies on stdout."""
    while True:
        try:
            line = await asyncio.to_thread(read, prompt)
        except (EOFError, KeyboardInterrupt):
            write("")
            return
        if line.strip().lower() in QUIT_WORDS:
            return
        if not line.strip():
            continue
        response = await chat.send(line)
        for text in render_all(response.replies, image_dir):
            write(text)
