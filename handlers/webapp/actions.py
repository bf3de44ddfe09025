"""The quick-lookup feature's button (see :mod:`bot.payloads`)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.payloads import Action


@dataclass(frozen=True)
class OpenApp(Action, tag="app"):
    """On a lookup card: send a fresh sign-in link to the page (as ``/app`` does)."""
