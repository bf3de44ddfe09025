"""Button payloads (one typed codec), typed flow states and the quick-log plan.

What comes back from a button may be forged, garbled, oversized or from an older crmbot:
it is decoded to an action or refused politely, never raised on. Buttons written before
the codec (still in chats and outbox rows) keep working; an old flow's button is refused.
"""

from __future__ import annotations

import random
import string
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Literal

import pytest
from sqlalchemy import select, update

from bot.context import FlowKey
from bot.payloads import MAX_PAYLOAD_BYTES, Action, Codec, PayloadTooLong
from bot.replies import Button
from conversations.base import Answer, Flow, Flows
from conversations.dispatch import FlowDispatcher
from handlers import features
from handlers.customers.actions import OpenCompany, ShowHistory
from handlers.customers.new_company import KEY as NEW_COMPANY
from handlers.customers.new_company import State as NewCompanyState
from handlers.deals.actions import MoveDeal, OpenDeal
from handlers.logging.actions import AddContact
from handlers.logging.core import PickCustomer, PickKind
from handlers.logging.plan import Plan
from handlers.tasks.actions import SnoozeTask, TaskDone
from store.models import Activity, ActivityKind, Conversation, Task

STALE = "That button no longer works"


class Colour(StrEnum):
    RED = "red"
    BLUE = "blue"


@dataclass(frozen=True)
class Sample(Action, tag="zz", version=3, legacy=("old.sample",)):
    id: int
    colour: Colour
    size: Literal["s", "m", 1]
    flag: bool
    note: str


@dataclass(frozen=True)
class Empty(Action, tag="ze"):
    pass


CODEC = Codec([Sample, Empty, MoveDeal, SnoozeTask, AddContact, OpenDeal, ShowHistory])


def app_codec() -> Codec:
    return FlowDispatcher(features.build_flows(), features.build_router()).codec


# --------------------------------------------------------------------------- the codec


def test_an_action_round_trips_through_a_short_payload() -> None:
    sample = Sample(2**63 - 1, Colour.BLUE, 1, True, "a:b%c 何娟")
    payload = sample.encode()
    assert payload == "zz3:9223372036854775807:blue:1:1:a%3Ab%25c 何娟"
    assert CODEC.decode(payload) == sample
    assert Empty().encode() == "ze1"
    assert CODEC.decode("ze1") == Empty()
    assert MoveDeal(7, "won").encode() == "dm1:7:won"
    assert CODEC.decode(SnoozeTask(3, "nextweek").encode()) == SnoozeTask(3, "nextweek")


def test_a_payload_over_64_bytes_cannot_be_built() -> None:
    name = "何" * 20  # 60 bytes of UTF-8
    with pytest.raises(PayloadTooLong):
        AddContact(1, name).encode()
    with pytest.raises(PayloadTooLong):
        Button("Add", AddContact(1, name))
    with pytest.raises(PayloadTooLong):
        Button("raw", "x" * (MAX_PAYLOAD_BYTES + 1))
    assert len(AddContact(1, "何" * 18).encode().encode()) <= MAX_PAYLOAD_BYTES


def test_a_field_of_the_wrong_type_cannot_be_built() -> None:
    with pytest.raises(ValueError, match="not an id"):
        OpenDeal(-1).encode()
    with pytest.raises(ValueError, match="not one of"):
        SnoozeTask(1, "someday").encode()  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="not an id"):
        OpenDeal(True).encode()


def test_the_codec_refuses_two_actions_with_one_tag_or_a_field_it_cannot_carry() -> None:
    @dataclass(frozen=True)
    class Twin(Action, tag="zz"):
        id: int

    @dataclass(frozen=True)
    class Floating(Action, tag="zf"):
        value: float

    with pytest.raises(ValueError, match="tag 'zz'"):
        Codec([Sample, Twin])
    with pytest.raises(TypeError, match="cannot carry"):
        Codec([Floating])
    with pytest.raises(ValueError, match="lowercase"):

        class Bad(Action, tag="Bad1"):
            pass


@pytest.mark.parametrize(
    "payload",
    [
        "",
        ":",
        "zz3",
        "zz3:1:red:s:1",  # a field missing
        "zz3:1:red:s:1:x:y",  # one too many
        "zz2:1:red:s:1:x",  # another version
        "zz03:1:red:s:1:x",
        "zy3:1:red:s:1:x",  # unknown tag
        "zz3:-1:red:s:1:x",
        "zz3:１:red:s:1:x",  # a full-width digit
        "zz3:99999999999999999999:red:s:1:x",  # past 2**63 - 1
        "zz3:1:green:s:1:x",
        "zz3:1:red:l:1:x",
        "zz3:1:red:s:2:x",
        "zz3:1:red:s:1:50%",  # a stray escape
        "zz3:1:red:s:1:" + "x" * 60,  # oversized
        "ze1:",
        "\ud83d",  # a lone surrogate
        "dm1:7",
        "f:quick_log:co1",  # an old flow's button: refused
        "fx:answer",
        "old.sample:1",
        "\x00\xff",
    ],
)
def test_garbled_forged_or_oversized_payloads_decode_to_nothing(payload: str) -> None:
    assert CODEC.decode(payload) is None


def test_decoding_never_raises_on_noise() -> None:
    rng = random.Random(19)
    alphabet = string.printable + "何:%１"
    seeds = [Sample(5, Colour.RED, "m", False, "hi").encode(), "dm1:7:won", "tk.sn.1h:3"]
    for _ in range(3000):
        base = list(rng.choice(seeds))
        for _ in range(rng.randint(1, 4)):
            at = rng.randrange(len(base) + 1)
            base[at:at] = rng.choice(alphabet)
        decoded = CODEC.decode("".join(base))
        assert decoded is None or type(decoded) in CODEC.actions


def test_buttons_of_the_old_format_still_decode() -> None:
    assert CODEC.decode("dl.mv:7:won") == MoveDeal(7, "won")
    assert CODEC.decode("tk.sn.1h:3") == SnoozeTask(3, "1h")
    assert CODEC.decode("tk.sn.nextweek:3") == SnoozeTask(3, "nextweek")
    assert CODEC.decode("tk.sn.later:3") is None
    assert CODEC.decode("hi:7:10") == ShowHistory(7, 10)
    assert CODEC.decode("lg.ac:5:Ho: Juan") == AddContact(5, "Ho: Juan")  # text was not escaped
    assert CODEC.decode("old.sample:1:red:s:0:x") == Sample(1, Colour.RED, "s", False, "x")
    assert CODEC.decode("dl:abc") is None


def test_every_button_of_the_bot_has_one_tag_and_fits() -> None:
    codec = app_codec()
    tags = [kind.tag for kind in codec.actions]
    assert len(tags) == len(set(tags)) > 40
    assert TaskDone in codec.actions
    assert PickCustomer in codec.actions


# --------------------------------------------------------------------------- flow states


class Colours(StrEnum):
    PICK = "pick"
    CONFIRM = "confirm"


async def _noop(ctx: object) -> None:
    return None


def test_a_flow_with_an_unknown_or_missing_state_fails_when_defined() -> None:
    key = FlowKey("colours", 1, Colours)
    with pytest.raises(ValueError, match="not Colours members"):
        Flow(key, {Colours.PICK: _noop, Colours.CONFIRM: _noop, "confirmed": _noop})  # type: ignore[misc]
    with pytest.raises(ValueError, match="no step for"):
        Flow(key, {Colours.PICK: _noop})
    assert Flow(key, {Colours.PICK: _noop, Colours.CONFIRM: _noop}).step("typo") is None


def test_an_answer_belongs_to_one_flow() -> None:
    @dataclass(frozen=True)
    class Shade(Answer, tag="zs"):
        colour: Colour

    flows = Flows()
    flows.add(Flow(FlowKey("a", 1, Colours), dict.fromkeys(Colours, _noop), answers=(Shade,)))
    with pytest.raises(ValueError, match="answers both"):
        flows.add(Flow(FlowKey("b", 1, Colours), dict.fromkeys(Colours, _noop), answers=(Shade,)))


async def test_a_flow_starts_and_moves_only_in_its_own_states(bot) -> None:
    li = await bot.user("li")
    await li.send("/newcompany")
    async with bot.db.transaction() as session:
        row = await session.scalar(select(Conversation))
        from bot.context import FlowControl

        flow = FlowControl(row, 30, bot.clock.now())
        with pytest.raises(TypeError):
            flow.goto(NewCompanyState.CITY)  # not started in this event: which flow is it?
        with pytest.raises(TypeError):
            flow.start(NEW_COMPANY, Colours.PICK)  # type: ignore[misc]
        flow.start(NEW_COMPANY, NewCompanyState.CITY)
        with pytest.raises(TypeError):
            flow.goto(Colours.CONFIRM)
        assert (row.flow, row.state) == ("new_company", "city")
        assert type(row.state) is str


# --------------------------------------------------------------------------- in a chat


async def test_a_forged_garbled_or_oversized_button_is_refused_politely(bot, ws) -> None:
    deal = ws.ids["Acme ERP"]
    for payload in (
        f"dm1:{deal}:nowhere",  # a stage the pipeline does not have
        "dm1:x:won",
        "dm9:1:won",
        "d1:" + "9" * 80,
        "zz1:1",
        "\ud83d",
    ):
        r = await ws.li.click(payload)
        assert STALE in r.text or "Not found" in r.text, payload
    deal_row = await bot.scalar(select(Task).where(Task.id == ws.ids["task today"]))
    assert deal_row.done_at is None


async def test_task_buttons_old_and_new_both_work(bot, ws) -> None:
    task_id = ws.ids["task today"]
    r = await ws.li.click(SnoozeTask(task_id, "tomorrow").encode())
    assert "Snoozed" in r.text or "snoozed" in r.text.lower()
    r = await ws.li.click(f"tk.done:{task_id}")  # pushed before the codec
    assert await bot.scalar(select(Task.done_at).where(Task.id == task_id)) is not None


async def test_a_digit_answers_old_buttons_kept_with_the_conversation(bot, ws) -> None:
    await ws.li.send("/me")
    async with bot.db.transaction() as session:
        await session.execute(
            update(Conversation)
            .where(Conversation.user_id == ws.li.user_id)
            .values(choices=[[f"co:{ws.ids['Acme Ltd']}", "Acme Ltd"], ["f:x:y", "Old"]])
        )
    assert "Acme Ltd" in (await ws.li.send("1")).text
    async with bot.db.transaction() as session:
        await session.execute(
            update(Conversation)
            .where(Conversation.user_id == ws.li.user_id)
            .values(choices=[[f"co:{ws.ids['Acme Ltd']}", "Acme Ltd"], ["f:x:y", "Old"]])
        )
    assert STALE in (await ws.li.send("2")).text


# --------------------------------------------------------------------------- the plan


OLD_GUIDED_PLAN = {  # as the guided /log saved it: no problems, more, reason, activity_at
    "activity": "visit",
    "customer_text": "Acme Ltd",
    "company_id": None,
    "contact": None,
    "summary": "talked about the renewal",
    "amount": None,
    "currency": None,
    "stage": None,
    "follow_up": "2026-11-25T09:00:00+08:00",
    "deal_id": None,
    "created_company": None,
    "source_text": None,
    "sent_at": "2026-11-20T02:00:00+00:00",
    "intent": "log",
}


def test_an_old_plan_loads_with_defaults() -> None:
    now = datetime(2026, 11, 20, tzinfo=UTC)
    plan = Plan.from_json(OLD_GUIDED_PLAN, now=now)
    assert (plan.activity, plan.summary, plan.problems, plan.more) == (
        "visit",
        "talked about the renewal",
        [],
        [],
    )
    assert plan.follow_up == datetime.fromisoformat("2026-11-25T09:00:00+08:00")
    assert plan.sent_at == datetime(2026, 11, 20, 2, tzinfo=UTC)
    odd = Plan.from_json(
        {"amount": "NaN", "intent": "poem", "company_id": "7", "more": ["B", 3], "x": 1},
        now=now,
    )
    assert (odd.amount, odd.intent, odd.company_id, odd.more, odd.sent_at) == (
        None,
        "log",
        None,
        ["B"],
        now,
    )
    full = Plan(summary="s", sent_at=now, amount=Decimal("12.50"), problems=["date:2月30日"])
    assert Plan.from_json(full.to_json(), now=now) == full


async def test_a_question_asked_by_the_old_code_is_answered_after_the_upgrade(bot, ws) -> None:
    await ws.li.send("/me")
    old = {**OLD_GUIDED_PLAN, "activity": None, "company_id": ws.ids["Acme Ltd"]}
    async with bot.db.transaction() as session:
        await session.execute(
            update(Conversation)
            .where(Conversation.user_id == ws.li.user_id)
            .values(
                flow="quick_log",
                state="activity",
                flow_version=1,
                data=old,
                expires_at=bot.clock.now() + timedelta(minutes=10),
            )
        )
    r = await ws.li.click(PickKind(ActivityKind.CALL).encode())
    assert "talked about the renewal" in r.text
    saved = await bot.scalar(select(Activity).where(Activity.summary == old["summary"]))
    assert (saved.kind, saved.company_id) == ("call", ws.ids["Acme Ltd"])


def test_company_buttons_are_short() -> None:
    assert OpenCompany(123456).encode() == "c1:123456"
