"""Dates as people say them: a fixed-``now`` corpus in Chinese and English, plus the rules.

Every expected value is the wall-clock time the user means, in the user's zone. The main base is
Wednesday 2026-11-18 10:00 in Shanghai; others cover a Sunday, a month end, a year end, a
Wednesday evening (past times today) and New York across both 2026 DST changes.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.nlu.dates import (
    DateMatch,
    find_all_datetimes,
    find_datetime,
    parse_datetime,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")

WED = datetime(2026, 11, 18, 10, 0, tzinfo=SHANGHAI)  # main base: Wednesday morning
WED_EVENING = datetime(2026, 11, 18, 21, 0, tzinfo=SHANGHAI)
SUN = datetime(2026, 11, 22, 10, 0, tzinfo=SHANGHAI)  # last day of a Monday-based week
MONTH_END = datetime(2026, 11, 30, 10, 0, tzinfo=SHANGHAI)  # a Monday
YEAR_END = datetime(2026, 12, 30, 10, 0, tzinfo=SHANGHAI)  # a Wednesday
JAN_31 = datetime(2027, 1, 31, 10, 0, tzinfo=SHANGHAI)
NY_SPRING = datetime(2026, 3, 7, 10, 0, tzinfo=NEW_YORK)  # Saturday before clocks go forward
NY_FALL = datetime(2026, 10, 31, 10, 0, tzinfo=NEW_YORK)  # Saturday before clocks go back

D, T = False, True  # has_time: a date only / a time was said


def local(base: datetime, stamp: str) -> datetime:
    """``YYYY-MM-DD HH:MM`` on the wall clock of ``base``'s zone."""
    naive = datetime.strptime(stamp, "%Y-%m-%d %H:%M")
    return naive.replace(tzinfo=base.tzinfo)


# (id, text, now, expected local wall-clock time, has_time). Chinese ids are glosses so that
# pytest's output stays readable; English ids are the text itself.
CHINESE = [
    ("today", "今天", WED, "2026-11-18 09:00", D),
    ("tomorrow", "明天", WED, "2026-11-19 09:00", D),
    ("day-after-tomorrow", "后天", WED, "2026-11-20 09:00", D),
    ("three-days-on", "大后天", WED, "2026-11-21 09:00", D),
    ("yesterday", "昨天", WED, "2026-11-17 09:00", D),
    ("next-week-tue", "下周二", WED, "2026-11-24 09:00", D),
    ("fri", "周五", WED, "2026-11-20 09:00", D),
    ("this-week-fri-zhe", "这周五", WED, "2026-11-20 09:00", D),
    ("this-week-fri-ben", "本周五", WED, "2026-11-20 09:00", D),
    ("xingqi-fri", "星期五", WED, "2026-11-20 09:00", D),
    ("libai-fri", "礼拜五", WED, "2026-11-20 09:00", D),
    ("mon-means-next-mon", "周一", WED, "2026-11-23 09:00", D),
    ("wed-on-wed-is-next-week", "周三", WED, "2026-11-25 09:00", D),
    ("xingqi-sunday", "星期天", WED, "2026-11-22 09:00", D),
    ("week-after-next-mon", "下下周一", WED, "2026-11-30 09:00", D),
    ("next-week-xia-ge-fri", "下个星期五", WED, "2026-11-27 09:00", D),
    ("last-week-fri", "上周五", WED, "2026-11-13 09:00", D),
    ("next-month-5th", "下个月5号", WED, "2026-12-05 09:00", D),
    ("next-month-5th-short", "下月5日", WED, "2026-12-05 09:00", D),
    ("this-month-25th", "本月25号", WED, "2026-11-25 09:00", D),
    ("5th", "5号", WED, "2026-12-05 09:00", D),
    ("18th-on-the-18th-is-today", "18号", WED, "2026-11-18 09:00", D),
    ("15th-cn-numeral", "十五号", WED, "2026-12-15 09:00", D),
    ("23rd-cn-numeral", "二十三号", WED, "2026-11-23 09:00", D),
    ("dec-3-ri", "12月3日", WED, "2026-12-03 09:00", D),
    ("dec-3-hao", "12月3号", WED, "2026-12-03 09:00", D),
    ("dec-3-cn-numerals", "十二月三日", WED, "2026-12-03 09:00", D),
    ("nov-18-is-today", "11月18日", WED, "2026-11-18 09:00", D),
    ("mar-5-next-year", "3月5日", WED, "2027-03-05 09:00", D),
    ("full-date", "2027年1月5日", WED, "2027-01-05 09:00", D),
    ("in-3-days", "3天后", WED, "2026-11-21 09:00", D),
    ("in-3-days-cn", "三天后", WED, "2026-11-21 09:00", D),
    ("in-15-days-cn", "十五天后", WED, "2026-12-03 09:00", D),
    ("in-2-weeks-cn", "两周后", WED, "2026-12-02 09:00", D),
    ("in-2-weeks", "2周后", WED, "2026-12-02 09:00", D),
    ("in-2-weeks-xingqi", "两个星期后", WED, "2026-12-02 09:00", D),
    ("in-a-month", "一个月后", WED, "2026-12-18 09:00", D),
    ("in-half-a-month", "半个月后", WED, "2026-12-03 09:00", D),
    ("in-half-a-year", "半年后", WED, "2027-05-18 09:00", D),
    ("in-half-a-day-elapsed", "半天后", WED, "2026-11-18 22:00", T),
    ("in-2-hours-zhongtou", "两个钟头后", WED, "2026-11-18 12:00", T),
    ("3-days-ago", "3天前", WED, "2026-11-15 09:00", D),
    ("month-end", "月底", WED, "2026-11-30 09:00", D),
    ("this-month-end", "本月底", WED, "2026-11-30 09:00", D),
    ("next-month-end", "下个月底", WED, "2026-12-31 09:00", D),
    ("month-start-is-next", "月初", WED, "2026-12-01 09:00", D),
    ("year-end", "年底", WED, "2026-12-31 09:00", D),
    ("mid-december", "12月中旬", WED, "2026-12-15 09:00", D),
    ("next-month-last-third", "下个月下旬", WED, "2026-12-21 09:00", D),
    ("mid-month-passed", "月中", WED, "2026-12-15 09:00", D),
    ("end-of-march", "3月底", WED, "2027-03-31 09:00", D),
    ("next-week", "下周", WED, "2026-11-23 09:00", D),
    ("next-month", "下个月", WED, "2026-12-01 09:00", D),
    ("weekend", "周末", WED, "2026-11-21 09:00", D),
    ("tomorrow-pm-3-cn", "明天下午三点", WED, "2026-11-19 15:00", T),
    ("tomorrow-pm-3", "明天下午3点", WED, "2026-11-19 15:00", T),
    ("tonight-8", "今晚8点", WED, "2026-11-18 20:00", T),
    ("tonight-8-cn", "今晚八点", WED, "2026-11-18 20:00", T),
    ("tonight", "今晚", WED, "2026-11-18 20:00", T),
    ("am-10-30", "上午10点半", WED, "2026-11-18 10:30", T),
    ("pm-3-15", "下午3点15", WED, "2026-11-18 15:15", T),
    ("pm-3-quarter", "下午三点一刻", WED, "2026-11-18 15:15", T),
    ("pm-3-05-minutes", "下午三点零五分", WED, "2026-11-18 15:05", T),
    ("morning-9-passed", "早上9点", WED, "2026-11-19 09:00", T),
    ("noon-12", "中午12点", WED, "2026-11-18 12:00", T),
    ("noon-1", "中午1点", WED, "2026-11-18 13:00", T),
    ("evening-7-30", "晚上7点半", WED, "2026-11-18 19:30", T),
    ("evening-12-is-midnight", "晚上12点", WED, "2026-11-19 00:00", T),
    ("colon-10-30", "10:30", WED, "2026-11-18 10:30", T),
    ("fullwidth-colon", "16：45", WED, "2026-11-18 16:45", T),
    ("pm-colon", "下午3:30", WED, "2026-11-18 15:30", T),
    ("15-dian", "15点", WED, "2026-11-18 15:00", T),
    ("bare-3-is-pm", "3点", WED, "2026-11-18 15:00", T),
    ("bare-11-cn", "十一点", WED, "2026-11-18 11:00", T),
    ("3-oclock-cn", "三点钟", WED, "2026-11-18 15:00", T),
    ("next-tue-am-10", "下周二上午10点", WED, "2026-11-24 10:00", T),
    ("next-fri-pm", "下周五下午", WED, "2026-11-27 15:00", T),
    ("fri-pm-4", "周五下午4点", WED, "2026-11-20 16:00", T),
    ("tomorrow-early", "明早", WED, "2026-11-19 09:00", T),
    ("tomorrow-morning", "明天早上", WED, "2026-11-19 09:00", T),
    ("tomorrow-night-7", "明晚7点", WED, "2026-11-19 19:00", T),
    ("day-after-noon", "后天中午", WED, "2026-11-20 12:00", T),
    ("tomorrow-small-hours", "明天凌晨2点", WED, "2026-11-19 02:00", T),
    ("afternoon", "下午", WED, "2026-11-18 15:00", T),
    ("evening", "晚上", WED, "2026-11-18 19:00", T),
    ("in-3-days-pm-3", "3天后下午3点", WED, "2026-11-21 15:00", T),
    ("in-2-hours", "2小时后", WED, "2026-11-18 12:00", T),
    ("in-half-hour", "半小时后", WED, "2026-11-18 10:30", T),
    ("in-10-min", "10分钟后", WED, "2026-11-18 10:10", T),
    ("in-1.5-hours", "一个半小时后", WED, "2026-11-18 11:30", T),
    # a Sunday: the Monday-based week ends today
    ("sun-next-mon", "下周一", SUN, "2026-11-23 09:00", D),
    ("sun-mon", "周一", SUN, "2026-11-23 09:00", D),
    ("sun-this-fri-passed", "这周五", SUN, "2026-11-27 09:00", D),
    ("sun-sunday-is-next", "周日", SUN, "2026-11-29 09:00", D),
    ("sun-next-week", "下周", SUN, "2026-11-23 09:00", D),
    ("sun-weekend", "周末", SUN, "2026-11-28 09:00", D),
    # the last day of November
    ("me-month-end-today", "月底", MONTH_END, "2026-11-30 09:00", D),
    ("me-this-month-end", "本月底", MONTH_END, "2026-11-30 09:00", D),
    ("me-next-month-5th", "下个月5号", MONTH_END, "2026-12-05 09:00", D),
    ("me-in-a-month", "一个月后", MONTH_END, "2026-12-30 09:00", D),
    ("me-31st-skips-nov", "31号", MONTH_END, "2026-12-31 09:00", D),
    ("me-1st", "1号", MONTH_END, "2026-12-01 09:00", D),
    ("me-this-mon-is-today", "这周一", MONTH_END, "2026-11-30 09:00", D),
    ("me-mon-is-next", "周一", MONTH_END, "2026-12-07 09:00", D),
    # the year turns
    ("ye-next-month-5th", "下个月5号", YEAR_END, "2027-01-05 09:00", D),
    # a month and day of the last six weeks is that past day, not next year's
    ("ye-dec-3-lately", "12月3日", YEAR_END, "2026-12-03 09:00", D),
    ("ye-oct-3-next-year", "10月3日", YEAR_END, "2027-10-03 09:00", D),
    ("ye-jan-3", "1月3日", YEAR_END, "2027-01-03 09:00", D),
    ("ye-day-after-tomorrow", "后天", YEAR_END, "2027-01-01 09:00", D),
    ("ye-next-week", "下周", YEAR_END, "2027-01-04 09:00", D),
    ("ye-fri", "周五", YEAR_END, "2027-01-01 09:00", D),
    ("ye-next-month-end", "下个月底", YEAR_END, "2027-01-31 09:00", D),
    ("ye-in-2-weeks", "2周后", YEAR_END, "2027-01-13 09:00", D),
    ("jan31-in-a-month-clips", "一个月后", JAN_31, "2027-02-28 09:00", D),
    ("jan31-next-month-31st-clips", "下个月31号", JAN_31, "2027-02-28 09:00", D),
]

ENGLISH = [
    ("tomorrow 9:30", WED, "2026-11-19 09:30", T),
    ("next Friday 10am", WED, "2026-11-27 10:00", T),
    ("Friday 10am", WED, "2026-11-20 10:00", T),
    ("in 2 weeks", WED, "2026-12-02 09:00", D),
    ("end of month", WED, "2026-11-30 09:00", D),
    ("end of the month", WED, "2026-11-30 09:00", D),
    ("Monday morning", WED, "2026-11-23 09:00", T),
    ("tonight 8pm", WED, "2026-11-18 20:00", T),
    ("next week", WED, "2026-11-23 09:00", D),
    ("thurs next week", WED, "2026-11-26 09:00", D),  # that week's, not this week's
    ("next week Thursday", WED, "2026-11-26 09:00", D),
    ("Friday of next week 3pm", WED, "2026-11-27 15:00", T),
    ("in 3 days", WED, "2026-11-21 09:00", D),
    ("Dec 3", WED, "2026-12-03 09:00", D),
    ("3 Dec 2026 3pm", WED, "2026-12-03 15:00", T),
    ("tomorrow at noon", WED, "2026-11-19 12:00", T),
    ("this afternoon", WED, "2026-11-18 15:00", T),
    ("today", WED, "2026-11-18 09:00", D),
    ("tomorrow", WED, "2026-11-19 09:00", D),
    ("tmr", WED, "2026-11-19 09:00", D),
    ("day after tomorrow", WED, "2026-11-20 09:00", D),
    ("yesterday", WED, "2026-11-17 09:00", D),
    ("Friday", WED, "2026-11-20 09:00", D),
    ("Wednesday", WED, "2026-11-25 09:00", D),
    ("Monday", WED, "2026-11-23 09:00", D),
    ("this Friday", WED, "2026-11-20 09:00", D),
    ("this coming Friday", WED, "2026-11-20 09:00", D),
    ("last Friday", WED, "2026-11-13 09:00", D),
    ("next Monday 9am", WED, "2026-11-23 09:00", T),
    ("8pm tonight", WED, "2026-11-18 20:00", T),
    ("10am next Friday", WED, "2026-11-27 10:00", T),
    ("3pm on Friday", WED, "2026-11-20 15:00", T),
    ("Fri 4pm", WED, "2026-11-20 16:00", T),
    ("tomorrow morning", WED, "2026-11-19 09:00", T),
    ("tomorrow evening", WED, "2026-11-19 19:00", T),
    ("tomorrow night", WED, "2026-11-19 20:00", T),
    ("tonight", WED, "2026-11-18 20:00", T),
    ("tomorrow morning at 9", WED, "2026-11-19 09:00", T),
    ("tomorrow at 7 in the evening", WED, "2026-11-19 19:00", T),
    ("tomorrow 2:30 pm", WED, "2026-11-19 14:30", T),
    ("tmr 3pm", WED, "2026-11-19 15:00", T),
    ("tomorrow eod", WED, "2026-11-19 17:00", T),
    ("in a week", WED, "2026-11-25 09:00", D),
    ("in two weeks", WED, "2026-12-02 09:00", D),
    ("2 weeks from now", WED, "2026-12-02 09:00", D),
    ("a couple of days from now", WED, "2026-11-20 09:00", D),
    ("in a month", WED, "2026-12-18 09:00", D),
    ("in a few days", WED, "2026-11-21 09:00", D),
    ("3 hours ago", WED, "2026-11-18 07:00", T),
    ("3 days ago", WED, "2026-11-15 09:00", D),
    ("in 2 hours", WED, "2026-11-18 12:00", T),
    ("in half an hour", WED, "2026-11-18 10:30", T),
    ("in 45 minutes", WED, "2026-11-18 10:45", T),
    ("next month", WED, "2026-12-01 09:00", D),
    ("end of next month", WED, "2026-12-31 09:00", D),
    ("start of next month", WED, "2026-12-01 09:00", D),
    ("mid next month", WED, "2026-12-15 09:00", D),
    ("end of the week", WED, "2026-11-20 09:00", D),
    ("the weekend", WED, "2026-11-21 09:00", D),
    ("next weekend", WED, "2026-11-28 09:00", D),
    ("December 3rd, 2026", WED, "2026-12-03 09:00", D),
    ("3rd of December", WED, "2026-12-03 09:00", D),
    ("Thursday, Dec 3", WED, "2026-12-03 09:00", D),
    ("Dec 3 at 3pm", WED, "2026-12-03 15:00", T),
    ("2026-12-03", WED, "2026-12-03 09:00", D),
    ("12/3/2026", WED, "2026-12-03 09:00", D),
    ("Jan 3", WED, "2027-01-03 09:00", D),
    ("Nov 18", WED, "2026-11-18 09:00", D),
    ("Nov 17", WED, "2026-11-17 09:00", D),  # yesterday, as written: not a year out
    ("Oct 1", WED, "2027-10-01 09:00", D),  # seven weeks back: the next one
    ("May 5", WED, "2027-05-05 09:00", D),
    ("3pm", WED, "2026-11-18 15:00", T),
    ("at 3", WED, "2026-11-18 15:00", T),
    ("3 o'clock", WED, "2026-11-18 15:00", T),
    ("9am", WED, "2026-11-19 09:00", T),
    ("9 in the morning", WED, "2026-11-19 09:00", T),
    ("noon", WED, "2026-11-18 12:00", T),
    ("in the afternoon", WED, "2026-11-18 15:00", T),
    ("EOD", WED, "2026-11-18 17:00", T),
    ("Monday", SUN, "2026-11-23 09:00", D),
    ("next Monday", SUN, "2026-11-23 09:00", D),
    ("Sunday", SUN, "2026-11-29 09:00", D),
    ("this Friday", SUN, "2026-11-27 09:00", D),
    ("next week", SUN, "2026-11-23 09:00", D),
    ("end of month", MONTH_END, "2026-11-30 09:00", D),
    ("in a month", MONTH_END, "2026-12-30 09:00", D),
    ("tomorrow", MONTH_END, "2026-12-01 09:00", D),
    ("Dec 3", YEAR_END, "2026-12-03 09:00", D),
    ("Jan 3", YEAR_END, "2027-01-03 09:00", D),
    ("next week", YEAR_END, "2027-01-04 09:00", D),
    ("in 2 months", YEAR_END, "2027-02-28 09:00", D),
    ("in 3 days", YEAR_END, "2027-01-02 09:00", D),
    ("Friday", YEAR_END, "2027-01-01 09:00", D),
    ("end of next month", YEAR_END, "2027-01-31 09:00", D),
]

CORPUS = [
    pytest.param(text, now, expected, has_time, id=f"zh-{gloss}")
    for gloss, text, now, expected, has_time in CHINESE
] + [
    pytest.param(text, now, expected, has_time, id=f"en-{text}-{now:%m%d}")
    for text, now, expected, has_time in ENGLISH
]


def test_the_corpus_is_big_enough():
    assert len(CHINESE) >= 50
    assert len(ENGLISH) >= 40
    assert len(CORPUS) >= 100


@pytest.mark.parametrize(("text", "now", "expected", "has_time"), CORPUS)
def test_corpus(text: str, now: datetime, expected: str, has_time: bool):
    match = find_datetime(text, now)
    assert match is not None
    assert match.at == local(now, expected)
    assert match.at.tzinfo is now.tzinfo
    assert match.at.replace(tzinfo=None) == local(now, expected).replace(tzinfo=None)
    assert match.has_time is has_time
    assert text[match.start : match.end] == text  # the whole phrase, no more, no less
    assert parse_datetime(text, now) == match.at


# ------------------------------------------------------------------------------------------
# Times of day, default time


def test_a_date_without_a_time_carries_the_default_time():
    match = find_datetime("明天", WED)
    assert match == DateMatch(local(WED, "2026-11-19 09:00"), 0, 2, has_time=False)


@pytest.mark.parametrize(
    "text", ["明天", "下周五", "next week", "Dec 3", "in 3 days", "5号"], ids=lambda t: t
)
def test_the_default_time_is_configurable(text: str):
    match = find_datetime(text, WED, default_time=time(8, 30))
    assert match is not None
    assert (match.at.hour, match.at.minute) == (8, 30)
    assert match.has_time is False


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("明天上午", "2026-11-19 09:00", id="zh-morning-9"),
        pytest.param("明天中午", "2026-11-19 12:00", id="zh-noon-12"),
        pytest.param("明天下午", "2026-11-19 15:00", id="zh-afternoon-15"),
        pytest.param("明天傍晚", "2026-11-19 18:00", id="zh-dusk-18"),
        pytest.param("明天晚上", "2026-11-19 19:00", id="zh-evening-19"),
        pytest.param("明晚", "2026-11-19 20:00", id="zh-tonight-20"),
        pytest.param("tomorrow morning", "2026-11-19 09:00", id="en-morning-9"),
        pytest.param("tomorrow afternoon", "2026-11-19 15:00", id="en-afternoon-15"),
        pytest.param("tomorrow evening", "2026-11-19 19:00", id="en-evening-19"),
        pytest.param("tomorrow night", "2026-11-19 20:00", id="en-night-20"),
    ],
)
def test_parts_of_the_day_without_a_number(text: str, expected: str):
    match = find_datetime(text, WED, default_time=time(7, 0))
    assert match is not None
    assert match.at == local(WED, expected)
    assert match.has_time is True  # a part of the day is a time, and ignores default_time


def test_small_hours_without_a_number_leave_only_the_date():
    match = find_datetime("明天凌晨", WED)
    assert match is not None
    assert match.at == local(WED, "2026-11-19 09:00")
    assert (match.start, match.end, match.has_time) == (0, 2, False)


# ------------------------------------------------------------------------------------------
# Prefer the future, never move what was said explicitly


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("今晚8点", "2026-11-18 20:00", id="zh-tonight-8-stays-today"),
        pytest.param("tonight 8pm", "2026-11-18 20:00", id="en-tonight-8pm-stays-today"),
        pytest.param("今天", "2026-11-18 09:00", id="zh-today-stays-today"),
        pytest.param("this afternoon", "2026-11-18 15:00", id="en-this-afternoon-stays"),
        pytest.param("晚上8点", "2026-11-19 20:00", id="zh-evening-8-moves-to-tomorrow"),
        pytest.param("8pm", "2026-11-19 20:00", id="en-8pm-moves-to-tomorrow"),
        pytest.param("下午", "2026-11-19 15:00", id="zh-afternoon-moves-to-tomorrow"),
        pytest.param("10:30", "2026-11-19 10:30", id="colon-time-moves-to-tomorrow"),
    ],
)
def test_past_times_today_explicit_stay_implicit_move(text: str, expected: str):
    """At 21:00, "今晚8点" is a date the user stated (kept, in the past: the caller can ask);
    "晚上8点" names no day, so it is the next 20:00."""
    assert parse_datetime(text, WED_EVENING) == local(WED_EVENING, expected)


def test_a_weekday_name_never_means_today_but_this_week_can():
    assert parse_datetime("周三", WED) == local(WED, "2026-11-25 09:00")
    assert parse_datetime("Wednesday", WED) == local(WED, "2026-11-25 09:00")
    assert parse_datetime("这周三", WED) == local(WED, "2026-11-18 09:00")
    assert parse_datetime("this Wednesday", WED) == local(WED, "2026-11-18 09:00")


def test_this_week_and_next_week_on_a_wednesday():
    """Friday and 这周五 are in two days; next Friday and 下周五 are in the next week."""
    assert parse_datetime("Friday", WED) == parse_datetime("这周五", WED)
    assert parse_datetime("next Friday", WED) == parse_datetime("下周五", WED)
    assert parse_datetime("下周五", WED) == local(WED, "2026-11-27 09:00")


def test_calendar_dates_count_today_as_upcoming():
    dec_3 = datetime(2026, 12, 3, 10, 0, tzinfo=SHANGHAI)
    assert parse_datetime("12月3日", dec_3) == local(dec_3, "2026-12-03 09:00")
    assert parse_datetime("Dec 3", dec_3) == local(dec_3, "2026-12-03 09:00")
    assert parse_datetime("3号", dec_3) == local(dec_3, "2026-12-03 09:00")
    # yesterday's date is yesterday (the caller sees it is past), not a year out
    assert parse_datetime("Dec 2", dec_3) == local(dec_3, "2026-12-02 09:00")
    assert parse_datetime("2号", dec_3) == local(dec_3, "2027-01-02 09:00")


def test_english_and_chinese_agree():
    pairs = [
        ("明天", "tomorrow"),
        ("后天", "day after tomorrow"),
        ("周五", "Friday"),
        ("周一", "Monday"),
        ("下周五", "next Friday"),
        ("本周五", "this Friday"),
        ("上周五", "last Friday"),
        ("下周", "next week"),
        ("下个月", "next month"),
        ("月底", "end of month"),
        ("3天后", "in 3 days"),
        ("两周后", "in 2 weeks"),
        ("一个月后", "in a month"),
        ("2小时后", "in 2 hours"),
        ("周末", "the weekend"),
        ("明天下午3点", "tomorrow 3pm"),
        ("明天早上", "tomorrow morning"),
        ("今晚", "tonight"),
        ("12月3日", "Dec 3"),
    ]
    for now in (WED, SUN, MONTH_END, YEAR_END, WED_EVENING):
        for chinese, english in pairs:
            assert parse_datetime(chinese, now) == parse_datetime(english, now), (
                now,
                chinese,
                english,
            )


# ------------------------------------------------------------------------------------------
# Inside sentences


@pytest.mark.parametrize(
    ("text", "phrase", "expected"),
    [
        pytest.param(
            "今天拜访了星辰科技张总，报价50万，进入谈判阶段，下周二下午3点跟进",
            "下周二下午3点",
            "2026-11-24 15:00",
            id="zh-visit-today-follow-up-next-tue",
        ),
        pytest.param(
            "提醒我下周一上午10点给星辰科技发合同",
            "下周一上午10点",
            "2026-11-23 10:00",
            id="zh-remind-next-mon-10",
        ),
        pytest.param(
            "上午拜访了张总，下周跟进", "下周", "2026-11-23 09:00", id="zh-past-morning-then-week"
        ),
        pytest.param(
            "上周五见了王总，下周三再约", "下周三", "2026-11-25 09:00", id="zh-last-fri-next-wed"
        ),
        pytest.param(
            "昨天打过电话了，客户说明天下午三点再聊",
            "明天下午三点",
            "2026-11-19 15:00",
            id="zh-yesterday-then-tomorrow",
        ),
        pytest.param(
            "下周二下午3点跟进，带上12月3日的报价单",
            "下周二下午3点",
            "2026-11-24 15:00",
            id="zh-most-specific-wins",
        ),
        pytest.param(
            "今天拜访了客户，下午3点再打电话",
            "下午3点",
            "2026-11-18 15:00",
            id="zh-today-past-then-time",
        ),
        pytest.param(
            "王经理说3天后给答复", "3天后", "2026-11-21 09:00", id="zh-in-3-days-in-sentence"
        ),
        pytest.param(
            "Follow up with Acme next Tuesday at 3pm about the quote",
            "next Tuesday at 3pm",
            "2026-11-24 15:00",
            id="en-next-tue-3pm",
        ),
        pytest.param(
            "Met Wang today, send the proposal by Friday",
            "Friday",
            "2026-11-20 09:00",
            id="en-today-then-friday",
        ),
        pytest.param(
            "called Lisa yesterday, call back tomorrow at 9:30",
            "tomorrow at 9:30",
            "2026-11-19 09:30",
            id="en-yesterday-then-tomorrow",
        ),
        pytest.param(
            "last night we had dinner, follow up Monday morning",
            "Monday morning",
            "2026-11-23 09:00",
            id="en-last-night-then-monday",
        ),
        pytest.param(
            "Demo on Dec 3 at 3pm with their CTO",
            "Dec 3 at 3pm",
            "2026-12-03 15:00",
            id="en-demo-dec-3",
        ),
        pytest.param(
            "Renewal due on the 5th.", "the 5th", "2026-12-05 09:00", id="en-ordinal-after-on"
        ),
        pytest.param(
            "Remind me in 2 hours to call Acme",
            "in 2 hours",
            "2026-11-18 12:00",
            id="en-in-2-hours",
        ),
        pytest.param(
            "明天 10am 和 Acme 开会", "明天 10am", "2026-11-19 10:00", id="mixed-languages"
        ),
        pytest.param("Meeting moved to 12/5", "12/5", "2026-12-05 09:00", id="en-numeric-after-to"),
        pytest.param(
            "合同金额120万，预计12月中旬签约", "12月中旬", "2026-12-15 09:00", id="zh-mid-december"
        ),
    ],
)
def test_embedded_phrases(text: str, phrase: str, expected: str):
    match = find_datetime(text, WED)
    assert match is not None
    assert text[match.start : match.end] == phrase
    assert match.at == local(WED, expected)
    assert parse_datetime(text, WED) is None  # a sentence is not a bare date


def test_find_all_lists_every_phrase_in_order():
    text = "今天拜访了星辰科技张总，报价50万，进入谈判阶段，下周二下午3点跟进"
    found = find_all_datetimes(text, WED)
    assert [text[m.start : m.end] for m in found] == ["今天", "下周二下午3点"]
    assert found[0].at == local(WED, "2026-11-18 09:00")


@pytest.mark.parametrize(
    "text",
    [
        "called Acme, Wang may want a second quote",
        "Wang may 5 people join the call",
        "sun is out, sat down with Wang, call now",
        "a second call is needed, march on",
        "sold 5 units on the 3rd floor",
        "offered 1/2 off, 50/50 split",
        "met at 3 companies this quarter",
        "Good morning Wang",
        "price is 3.5 and 10.30 per unit",
        "客户说价格太高了，需要再商量一下",
        "能不能便宜一点",
        "他提了两点建议和三点意见",
        "地址是5号楼3号门",
        "坐地铁3号线",
        "在3号会议室开会",
        "第3点很重要",
        "早上好，张总",
        "报价50万，签约率30%",
        "",
    ],
    ids=lambda t: t or "empty",
)
def test_sentences_without_dates(text: str):
    assert find_datetime(text, WED) is None
    assert parse_datetime(text, WED) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("  明天  ", "2026-11-19 09:00", id="spaces"),
        pytest.param("明天。", "2026-11-19 09:00", id="zh-full-stop"),
        pytest.param("「下周五下午」", "2026-11-27 15:00", id="zh-brackets"),
        pytest.param("Friday?", "2026-11-20 09:00", id="question-mark"),
        pytest.param("on Friday", "2026-11-20 09:00", id="leading-on"),
        pytest.param("at 10:30", "2026-11-18 10:30", id="leading-at"),
        pytest.param("在下周一", "2026-11-23 09:00", id="leading-zai"),
    ],
)
def test_parse_datetime_ignores_surrounding_punctuation(text: str, expected: str):
    assert parse_datetime(text, WED) == local(WED, expected)


@pytest.mark.parametrize(
    "text",
    ["明天跟进", "call me tomorrow", "tomorrow and Friday", "明天或者后天", "next", "10"],
    ids=lambda t: t,
)
def test_parse_datetime_refuses_anything_more_than_a_phrase(text: str):
    assert parse_datetime(text, WED) is None


# ------------------------------------------------------------------------------------------
# Time zones and DST


@pytest.mark.parametrize(
    ("text", "now", "expected", "offset_hours"),
    [
        pytest.param("tomorrow 9:30", NY_SPRING, "2026-03-08 09:30", -4, id="spring-next-day"),
        pytest.param("明天上午9点半", NY_SPRING, "2026-03-08 09:30", -4, id="spring-zh"),
        pytest.param("Monday 10am", NY_SPRING, "2026-03-09 10:00", -4, id="spring-monday"),
        pytest.param("in 3 days", NY_SPRING, "2026-03-10 09:00", -4, id="spring-in-3-days"),
        pytest.param("tomorrow at 2:30am", NY_SPRING, "2026-03-08 03:30", -4, id="spring-gap"),
        pytest.param("in 24 hours", NY_SPRING, "2026-03-08 11:00", -4, id="spring-24h-elapsed"),
        pytest.param("tomorrow 9:30", NY_FALL, "2026-11-01 09:30", -5, id="fall-next-day"),
        pytest.param("明天上午9点半", NY_FALL, "2026-11-01 09:30", -5, id="fall-zh"),
        pytest.param("tomorrow 1:30am", NY_FALL, "2026-11-01 01:30", -4, id="fall-ambiguous"),
        pytest.param("in 24 hours", NY_FALL, "2026-11-01 09:00", -5, id="fall-24h-elapsed"),
        pytest.param("Monday 9am", NY_FALL, "2026-11-02 09:00", -5, id="fall-monday"),
    ],
)
def test_dst(text: str, now: datetime, expected: str, offset_hours: int):
    at = parse_datetime(text, now)
    assert at is not None
    assert at.replace(tzinfo=None) == datetime.strptime(expected, "%Y-%m-%d %H:%M")
    assert at.utcoffset() == timedelta(hours=offset_hours)
    assert at.tzinfo is NEW_YORK


def test_hours_count_elapsed_time_across_the_spring_change():
    """01:30 EST + 2 h is 04:30 EDT: the clock skips 02:00-03:00, the reminder does not."""
    now = datetime(2026, 3, 8, 1, 30, tzinfo=NEW_YORK)
    for text in ("in 2 hours", "2小时后"):
        at = parse_datetime(text, now)
        assert at is not None
        assert at - now == timedelta(hours=3)  # same-zone subtraction compares wall clocks
        assert at.astimezone(UTC) - now.astimezone(UTC) == timedelta(hours=2)
        assert (at.hour, at.minute, at.utcoffset()) == (4, 30, timedelta(hours=-4))


def test_results_stay_in_the_zone_of_now():
    fixed = timezone(timedelta(hours=8))
    now = datetime(2026, 11, 18, 10, 0, tzinfo=fixed)
    at = parse_datetime("明天下午3点", now)
    assert at == datetime(2026, 11, 19, 15, 0, tzinfo=fixed)
    assert at is not None
    assert at.tzinfo is fixed


def test_a_naive_now_is_refused():
    with pytest.raises(ValueError, match="aware"):
        find_datetime("明天", datetime(2026, 11, 18, 10, 0))


# ------------------------------------------------------------------------------------------


def test_a_day_counted_from_the_date_said_before_it():
    text = "the audit runs thu 26th, ping him the fri after that 10am and again 2 days after that"
    found = find_all_datetimes(text, WED)
    assert [(text[m.start : m.end], m.at, m.has_time) for m in found] == [
        ("thu 26th", local(WED, "2026-11-26 09:00"), D),
        ("the fri after that 10am", local(WED, "2026-11-27 10:00"), T),
        ("2 days after that", local(WED, "2026-11-29 09:00"), D),
    ]
    # with nothing said before it, "after that" counts from nothing: the weekday alone
    alone = find_all_datetimes("the wed after that", WED)
    assert [(m.at, m.has_time) for m in alone] == [(local(WED, "2026-11-25 09:00"), D)]


def test_a_weekday_with_the_days_number_is_that_day():
    found = find_all_datetimes("board meets mon 30th, lunch Tuesday the 1st", WED)
    assert [m.at for m in found] == [local(WED, "2026-11-30 09:00"), local(WED, "2026-12-01 09:00")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("remind me tmrw 9.30 to call Acme", datetime(2026, 11, 19, 9, 30, tzinfo=SHANGHAI)),
        ("call them Fri 3pm their time (London)", datetime(2026, 11, 20, 23, 0, tzinfo=SHANGHAI)),
        ("next call Mon 2.30pm IST", datetime(2026, 11, 23, 17, 0, tzinfo=SHANGHAI)),
    ],
)
def test_every_reader_of_dates_takes_a_dotted_time_and_another_places_clock(text, expected):
    """The reminders read dates with ``find_datetime`` as the log reads them with
    ``find_all_datetimes``: both see "tmrw 9.30" and "3pm IST" the same way."""
    found = find_datetime(text, WED)
    assert found is not None
    assert found.at == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ping her first monday of jan", "2027-01-04 09:00"),
        ("call on the first Monday of December", "2026-12-07 09:00"),
        ("by the last Friday of the month", "2026-11-27 09:00"),
        ("the 2nd tues of next month", "2026-12-08 09:00"),
        ("12月第一个周一开启动会", "2026-12-07 09:00"),
        ("1月第一个周一再约", "2027-01-04 09:00"),
        ("下个月第一个周五", "2026-12-04 09:00"),
        ("这个月的最后一个星期五", "2026-11-27 09:00"),
    ],
)
def test_a_weekday_counted_in_its_month(text, expected):
    """ "first monday of jan" is that Monday, not the coming one."""
    found = find_datetime(text, WED)
    assert found is not None
    assert found.at == local(WED, expected)


@pytest.mark.parametrize(
    ("text", "hour", "minute"),
    [
        ("周五3点再打给他", 15, 0),
        ("星期五3点半过去", 15, 30),
        ("周五3pm再确认一下", 15, 0),
        ("周五 3pm再确认", 15, 0),
    ],
)
def test_a_clock_right_after_a_chinese_weekday(text, hour, minute):
    found = find_datetime(text, WED)
    assert found is not None
    assert (found.at.day, found.at.hour, found.at.minute) == (20, hour, minute)


@pytest.mark.parametrize(
    ("text", "stamp"),
    [
        ("f/u thu 26", "2026-11-26 09:00"),
        ("f/u thu 26.", "2026-11-26 09:00"),
        ("thu 26, 2pm", "2026-11-26 14:00"),
        ("call fri 27", "2026-11-27 09:00"),
        ("call fri 26", "2026-11-20 09:00"),  # the 26th is no Friday: the coming Friday
        ("by thu 3", "2026-11-19 09:00"),  # "thu 3" may be 3pm: not a day number
    ],
)
def test_a_weekday_and_a_bare_day_number(text, stamp):
    found = find_datetime(text, WED)
    assert found is not None
    assert found.at == local(WED, stamp)
