"""Numbers said in words, as a dictated log writes them: read as money, a clock time or a
day only where they are one, and never written over the rep's own words."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from bot.nlu.message import ParsedLog, parse_log
from bot.nlu.spoken import spoken_as_digits

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 18, 10, 0, tzinfo=SHANGHAI)  # a Wednesday
KNOWN = ["Pacific Rim Logistics", "Three Rivers Ltd", "Globex Corporation"]


def parse(text: str) -> ParsedLog:
    return parse_log(text, NOW, known_customers=KNOWN)


def test_a_dictated_price_time_and_stage():
    log = parse(
        "so just got off the phone with pacific rim logistics um the number we landed on is "
        "two hundred and ten thousand US dollars so that's negotiation now um remind me to "
        "send the redlines thursday at four pm"
    )
    assert (log.customer, log.amount, log.currency) == (
        "Pacific Rim Logistics",
        Decimal(210_000),
        "USD",
    )
    assert log.stage == "negotiation"
    assert log.follow_up == datetime(2026, 11, 19, 16, 0, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("said", "amount"),
    [
        ("quote is fifty k", 50_000),
        ("quote is a hundred thousand dollars", 100_000),
        ("quote is one point five million US dollars", 1_500_000),
        ("quote is twelve hundred dollars", 1_200),
        ("price landed at eighty five thousand singapore dollars", 85_000),
    ],
)
def test_a_price_said_in_words(said, amount):
    assert parse(f"called Globex, {said}").amount == Decimal(amount)


def test_a_day_and_a_clock_time_said_in_words():
    log = parse("met Globex, call them back on the twenty sixth at ten thirty am")
    assert log.follow_up == datetime(2026, 11, 26, 10, 30, tzinfo=SHANGHAI)
    assert log.follow_up_has_time


@pytest.mark.parametrize(
    "text",
    [
        "visited Globex, they run forty two trucks and want one of them tracked",
        "called Globex, a second session next week on the fifth floor",
        "called Globex, three and a half million is their whole budget this year",
        "called Globex, twenty five pm they said",  # no clock says that
        "called Globex, their offer was the second, ours the first.",  # no day of a month
    ],
)
def test_number_words_that_are_no_price_time_or_day_stay_words(text):
    assert spoken_as_digits(text) == text
    log = parse(text)
    assert log.amount is None


def test_a_name_with_a_number_word_is_still_the_known_customer():
    log = parse("visited Three Rivers Ltd, quote is forty thousand dollars")
    assert (log.customer, log.amount) == ("Three Rivers Ltd", Decimal(40_000))


def test_the_digits_take_the_place_of_the_words_and_no_more():
    text = "landed on two hundred and ten thousand US dollars, call friday at ten thirty am"
    view = spoken_as_digits(text)
    assert len(view) == len(text)
    assert view == (
        "landed on "
        + "210k".ljust(len("two hundred and ten thousand"))
        + " US dollars, call friday at "
        + "10:30am".ljust(len("ten thirty am"))
    )


@pytest.mark.parametrize(
    ("said", "written"),
    [
        ("ring back at half past three", "ring back at 3:30           "),
        ("meet at quarter past ten tomorrow", "meet at 10:15            tomorrow"),
        ("call at quarter to twelve", "call at 11:45            "),
        ("quarter to one in the afternoon", "12:45          in the afternoon"),
        (
            "two hundred thousand dollars, call at half past two",
            "200k                 dollars, call at 2:30         ",
        ),
        ("half to three", "half to three"),  # no such time: left as said
    ],
)
def test_half_and_quarter_past_the_hour(said, written):
    assert spoken_as_digits(said) == written
    assert len(spoken_as_digits(said)) == len(said)


@pytest.mark.parametrize(
    ("text", "follow_up"),
    [
        (
            "pacific rim logistics PO should come Friday, I'll check it's in Friday at four",
            (20, 16, 0),
        ),
        (
            "globex demo went well we're doing another session on the twenty fifth at two thirty",
            (25, 14, 30),
        ),
        ("globex rang, I'll call her at two tomorrow to make sure it's sorted", (19, 14, 0)),
        ("um so tomorrow half ten I'm seeing Ahmad at Globex Corporation", (19, 10, 30)),
        ("globex wants a proposal so I'll aim to send it Friday the twenty seventh", (27, 9, 0)),
    ],
)
def test_a_dictated_clock_or_day_with_no_pm(text, follow_up):
    day, hour, minute = follow_up
    assert parse(text).follow_up == datetime(2026, 11, day, hour, minute, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("text", "when"),
    [
        ("globex pushed the kickoff into January, I'll touch base January the fifth", (2027, 1, 5)),
        (
            "globex is dead um mark it lost I'll check back in with them first of March",
            (2027, 3, 1),
        ),
    ],
)
def test_a_dictated_day_of_a_month(text, when):
    year, month, day = when
    assert parse(text).follow_up == datetime(year, month, day, 9, 0, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    "said",
    [
        "we're at two sites with them",
        "visit to their office at one-north",
        "cut it by half two weeks ago",
        "at one point they wanted more",
    ],
)
def test_at_and_half_before_a_number_that_is_no_clock(said):
    assert spoken_as_digits(said) == said


def test_a_hundreds_price_said_as_two_numbers_and_k():
    log = parse("globex want ten percent off the one thirty k quote so we're in negotiation now")
    assert log.amount == Decimal(130_000)


def test_singapore_dollars_said_as_sing_dollars():
    log = parse("globex signed two hundred and ten thousand sing dollars so that's won")
    assert (log.amount, log.currency) == (Decimal(210_000), "SGD")
