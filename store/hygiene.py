"""Text written to a record carries no terminal control or bidirectional override, whatever
path it came by.

Chat messages are cleaned where they enter (``bot.events``), but records are also written
from business-card QR codes, imports, the command line (``--display-name``) and code not yet
written; a hook on the session catches them all in one place before the flush, so what the
audit log, the console and the chat apps later show is what was meant. The store knows no
chat, so the cleaning function is handed in by whoever opens the database
(``bot.app`` passes ``bot.safe_text.strip_controls``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

TextCleaner = Callable[[str], str]
SKIPPED = frozenset({"search_key"})  # derived from the cleaned fields, by its own hook


def install_text_hygiene(session_class: type[Session], clean: TextCleaner) -> None:
    """Clean every text field of an audited record (the CRM's own data: customers, deals,
    activities, tasks, users...) that is new or changed, before each flush."""

    @event.listens_for(session_class, "before_flush")
    def _clean_text(session: Session, _ctx: Any, _instances: Any) -> None:
        for obj in (*session.new, *session.dirty):
            if not getattr(obj, "audited", False):
                continue
            state = inspect(obj)
            loaded = state.dict  # never load an expired column just to look at it
            for attr in state.mapper.column_attrs:
                value = loaded.get(attr.key)
                if not isinstance(value, str) or attr.key in SKIPPED or value.isprintable():
                    continue
                cleaned = clean(value)
                if cleaned != value:
                    setattr(obj, attr.key, cleaned)


__all__ = ["TextCleaner", "install_text_hygiene"]
