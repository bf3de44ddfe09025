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
