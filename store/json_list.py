"""A JSON array aggregate in each backend's spelling, for folding a small list into a
statement that already runs (one round trip instead of two)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, ColumnElement, ColumnExpressionArgument, func


def json_list(dialect: str, element: ColumnExpressionArgument[Any]) -> ColumnElement[Any]:
    """``json_agg`` on PostgreSQL, ``json_group_array`` on SQLite: both read back as a list."""
    if dialect == "postgresql":
        return func.json_agg(element, type_=JSON)
    return func.json_group_array(element, type_=JSON)


def json_row(dialect: str, *columns: ColumnExpressionArgument[Any]) -> ColumnElement[Any]:
    """One row as a JSON array (``json_build_array`` / ``json_array``), for :func:`json_list`."""
    build = func.json_build_array if dialect == "postgresql" else func.json_array
    return build(*columns)
