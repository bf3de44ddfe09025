"""The logging feature's buttons (see :mod:`bot.payloads`); ``legacy`` reads the buttons
crmbot wrote before the codec, still in chats."""

from __future__ import annotations

from dataclasses import dataclass

from bot.payloads import Action


@dataclass(frozen=True)
class UndoSaved(Action, tag="lu", legacy=("lg.un",)):
    undo: int


@dataclass(frozen=True)
class EditSaved(Action, tag="le", legacy=("lg.ed",)):
    undo: int


@dataclass(frozen=True)
class AddContact(Action, tag="lc", legacy=("lg.ac",)):
    """Add the person a log named to its company (the name as written, so it must be short
    enough for the button: see ``core.add_contact_button``)."""

    activity: int
    name: str
