"""Where a linked user's event goes: the flow machinery every feature's questions share.

A flow's waiting step gets the user's next input, unless the flow expired or changed
version (it is dropped, and the user told), a command or a photo arrives (something new:
the question is dropped), or the text is clearly a new log or reminder at a step that waits
for a short answer: then the message is kept and the user asked, with two buttons, whether
it is new or the answer. A typed digit or a button's label presses the last buttons shown.
Everything else goes to the features' routes; a step that is still waiting after a reply
without buttons shows its buttons again.

A button's payload is decoded here, once, with the codec of every action the routes and
flows take (``ctx.action``). A payload that does not decode (forged, garbled, from an older
version) or that no one takes now (a finished question's button) gets "that button no
longer works".
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from bot.context import Context
from bot.events import SAID_WITHOUT_WORDS, EventKind
from bot.payloads import Action, Codec
from bot.replies import Button, Choices, Text, reply_buttons
from bot.router import Handler, Router
from bot.running import run_guarded
from conversations.base import Expects, Flows, NewIntent, Step
from locales.formatting import shorten
from store.write_through import write_through

DIGIT = re.compile(r"^\s*(\d{1,2})\s*[.)、]?\s*$")
ESCAPED_KEY = "_escaped"  # where the message waits in the flow's data meanwhile
_NOT_LABEL = re.compile(r"[\W_]+")


@dataclass(frozen=True)
class Escape(Action, tag="x"):
    """The rep's word on a message kept at a waiting question: ``new`` runs it as a new
    message, otherwise it is the question's answer."""

    new: bool


class FlowDispatcher:
    """``new_intent`` tells a clearly new message from an answer (the logging feature's
    judgement, given by ``handlers.features``)."""

    def __init__(self, flows: Flows, router: Router, new_intent: NewIntent | None = None) -> None:
        self.flows = flows
        self.router = router
        self.new_intent = new_intent
        self.codec = Codec([Escape, *router.actions(), *flows.answers()])

    async def dispatch(self, ctx: Context) -> None:
        """Route a linked user's event: the waiting flow's step, or the features' routes."""
        flow = ctx.flow
        assert flow is not None
        self._expire_flow(ctx)
        step = self._step(ctx)
        if not self._pick_choice(ctx, step):
            return
        ctx.action = self.codec.decode(ctx.payload)
        if isinstance(ctx.action, Escape):
            if not self._resume_escaped(ctx):
                await run_guarded(ctx, _stale_button)
                return
        elif await self._is_new_message(ctx, step):
            self._ask_answer_or_new(ctx)
            await self._keep(ctx, flow.name, flow.state)
            return
        aside = _said_aside(ctx)
        if (
            flow.name
            and not aside
            and (
                (ctx.command is not None and ctx.command != "cancel")
                or (
                    (
                        ctx.event.kind is EventKind.IMAGE
                        or ctx.event.attachments
                        or ctx.event.location
                    )
                    and ctx.payload is None
                )
            )
        ):
            flow.end()  # a command, a photo or a place is something new: the question is dropped
        before = (flow.name, flow.state)
        handler = (None if aside else self._flow_handler(ctx)) or self.router.find(ctx)
        if handler is None:
            if ctx.payload is not None:
                handler = _stale_button
            else:
                handler = _unknown_command if ctx.command else _not_understood
        await run_guarded(ctx, handler)
        await self._keep(ctx, *before)

    async def follow_up(self, ctx: Context, handler: Handler) -> None:
        """Run the second half of an event (after slow work) with the flow's bookkeeping."""
        flow = ctx.flow
        self._step(ctx)
        ctx.action = self.codec.decode(ctx.payload)
        before = (flow.name, flow.state) if flow is not None else (None, None)
        await run_guarded(ctx, handler)
        if flow is not None:
            await self._keep(ctx, *before)

    def _step(self, ctx: Context) -> Step | None:
        """The step the user's flow waits in, if any (after expiry was applied)."""
        flow = ctx.flow
        if flow is None or not flow.name:
            return None
        definition = self.flows.get(flow.name)
        if definition is None:
            return None
        flow.states = definition.key.states
        return definition.step(flow.state)

    def _pick_choice(self, ctx: Context, step: Step | None) -> bool:
        """A typed digit (１ too) or a button's own label answers the last buttons shown,
        as on platforms without buttons — but only where those buttons are on offer: a
        number at a step that waits for an amount is the amount, and a number out of range
        is read as text where the step takes text."""
        assert ctx.flow is not None
        if ctx.payload is not None or ctx.command is not None or not ctx.text:
            return True
        if ctx.event.kind is EventKind.IMAGE:
            return True  # a photo's caption is not an answer: the photo goes to the card reader
        entries = _choice_entries(ctx.flow.row.choices)
        if not entries:
            return True
        text = unicodedata.normalize("NFKC", ctx.text)
        match = DIGIT.match(text)
        if match:
            if step is not None and step.expects is Expects.NUMBER:
                return True
            number = int(match.group(1))
            if 1 <= number <= len(entries):
                ctx.payload = entries[number - 1][0]
                return True
            if step is not None and step.expects in (Expects.TEXT, Expects.MESSAGE):
                return True
            ctx.say("errors.pick_number", n=len(entries))
            return False
        key = _label_key(text) if len(text) <= 40 else ""  # longer: said, not a label
        if key:
            same = [payload for payload, label in entries if label and _label_key(label) == key]
            if len(set(same)) == 1:
                ctx.payload = same[0]
        return True

    async def _is_new_message(self, ctx: Context, step: Step | None) -> bool:
        """Typed text at a step that waits for an answer, which is clearly something new."""
        if step is None or step.expects is Expects.MESSAGE or self.new_intent is None:
            return False
        if ctx.payload is not None or ctx.command is not None or not ctx.text:
            return False
        if ctx.event.kind is EventKind.IMAGE:
            return False
        return await self.new_intent(ctx)

    @staticmethod
    def _ask_answer_or_new(ctx: Context) -> None:
        """Keep the message with the waiting flow and let the rep say what it is."""
        assert ctx.flow is not None
        ctx.flow.update(
            **{ESCAPED_KEY: {"text": ctx.text, "sent_at": ctx.event.sent_at.isoformat()}}
        )
        ctx.ask(
            ctx.t("flow.answer_or_new", text=shorten(ctx.text, 40)),
            [
                Button(ctx.t("flow.start_new"), Escape(new=True)),
                Button(ctx.t("flow.use_as_answer"), Escape(new=False)),
            ],
        )

    @staticmethod
    def _resume_escaped(ctx: Context) -> bool:
        """Bring the kept message back as this event's text: for the waiting step (answer),
        or with the flow closed, for the router (new). False when nothing is kept."""
        flow = ctx.flow
        assert flow is not None
        assert isinstance(ctx.action, Escape)
        as_new = ctx.action.new
        data = dict(flow.data)
        kept = data.pop(ESCAPED_KEY, None)
        if not flow.name or not isinstance(kept, dict):
            return False
        flow.row.data = data
        event = replace(
            ctx.event,
            text=str(kept["text"]),
            sent_at=datetime.fromisoformat(kept["sent_at"]),
            payload=None,
            origin=None,
        )
        ctx.event, ctx.payload, ctx.action = event, None, None
        if as_new:
            flow.end()
        return True

    def _expire_flow(self, ctx: Context) -> None:
        flow = ctx.flow
        assert flow is not None
        if not flow.name:
            return
        known = self.flows.get(flow.name)
        if known is None or known.version != flow.row.flow_version:
            flow.end()
            ctx.say("flow.outdated")
        elif flow.row.expires_at is not None and flow.row.expires_at <= ctx.now:
            flow.end()
            ctx.say("flow.expired")

    def _flow_handler(self, ctx: Context) -> Handler | None:
        flow = ctx.flow
        if flow is None or not flow.name or ctx.command is not None:
            return None
        definition = self.flows.get(flow.name)
        if ctx.payload is not None and (definition is None or not definition.takes(ctx.action)):
            return None
        step = definition.step(flow.state) if definition is not None else None
        return step.handler if step is not None else None

    async def _keep(self, ctx: Context, flow_name: str | None, state: str | None) -> None:
        """The conversation's buttons (:meth:`_choices`) and its ``updated_at``: written
        through (:mod:`store.write_through`), as they change on nearly every message; with
        the engine's riders, on PostgreSQL inside the replies' INSERT (:mod:`store.riders`)."""
        assert ctx.flow is not None
        values: dict[str, Any] = {"updated_at": ctx.now}
        choices = self._choices(ctx, flow_name, state)
        if choices is not None:
            values["choices"] = choices
        await write_through(ctx.session, ctx.flow.row, ctx.riders, **values)

    def _choices(
        self, ctx: Context, flow_name: str | None, state: str | None
    ) -> list[list[str]] | None:
        """Every button of this answer, numbered in order across its messages (None: no
        answer, the buttons stay as they were).

        An answer without buttons from a step that is still waiting (a re-prompt: "please
        use the buttons") shows the step's buttons again, so the rep is never left with a
        question and nothing to press."""
        assert ctx.flow is not None
        if not ctx.replies:
            return None
        buttons = [b for r in ctx.replies for b in reply_buttons(r)]
        row = ctx.flow.row
        still_waiting = bool(flow_name) and (row.flow, row.state) == (flow_name, state)
        definition = self.flows.get(flow_name) if flow_name else None
        if not buttons and still_waiting and definition is not None:
            kept = [
                Button(label, payload)
                for payload, label in _choice_entries(row.choices)
                if label and definition.takes(self.codec.decode(payload))
            ]
            last = ctx.replies[-1]
            if kept and isinstance(last, Text):
                ctx.replies[-1] = Choices(last.text, tuple(kept))
                buttons = kept
        return [[b.payload, b.label] for b in buttons]


def _choice_entries(stored: list[Any]) -> list[tuple[str, str]]:
    """(payload, label) pairs; rows written before labels were kept hold bare payloads."""
    entries: list[tuple[str, str]] = []
    for item in stored or ():
        if isinstance(item, str):
            entries.append((item, ""))
        elif isinstance(item, list | tuple) and len(item) in (2, 3):  # 3rd: marks a push
            entries.append((str(item[0]), str(item[1])))
    return entries


def _label_key(text: str) -> str:
    """A button label or typed text reduced to its letters and digits: "↩️ Undo" -> "undo"."""
    return _NOT_LABEL.sub("", text).casefold()


async def _unknown_command(ctx: Context) -> None:
    ctx.say("errors.unknown_command", command=ctx.command or "")


async def _not_understood(ctx: Context) -> None:
    ctx.say("errors.not_understood")


def _said_aside(ctx: Context) -> bool:
    """A voice note or a sticker: answered (it cannot be read), but it is no answer to the
    waiting question, and it does not drop it either."""
    return any(a.kind in SAID_WITHOUT_WORDS for a in ctx.event.attachments)


async def _stale_button(ctx: Context) -> None:
    ctx.refused = True
    ctx.say("flow.stale")
