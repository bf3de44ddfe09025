"""``LIKE`` patterns built from user text: the one escaping of its wildcards.

The lookup (:mod:`store.search`) and the table of name words (:mod:`store.search_words`)
both build patterns around a typed or stored piece (``'% piece %'``), which SQLAlchemy's
``contains(autoescape=True)`` cannot express; they escape the piece here and pass
:data:`ESCAPE` as the ``LIKE``'s escape character, the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

ESCAPE = "\\"


def escape_like(text: str) -> str:
    """``text`` with ``%``, ``_`` and the escape character itself matched literally."""
    return text.replace(ESCAPE, ESCAPE * 2).replace("%", ESCAPE + "%").replace("_", ESCAPE + "_")


__all__ = ["ESCAPE", "escape_like"]
