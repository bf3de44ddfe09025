"""Money as reps write it, and the numbers that only look like money."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.nlu.amounts import cn_to_decimal, find_amount, find_amounts


@pytest.mark.parametrize(
    ("text", "amount", "currency"),
    [
        # Chinese magnitudes and numerals
        ("50万", "500000", None),
        ("1.2万", "12000", None),
        ("五十万", "500000", None),
        ("一百二十万", "1200000", None),
        ("3千", "3000", None),
        ("1.5亿", "150000000", None),
        ("两百万", "2000000", None),
        ("一万五", "15000", None),
        ("1万5的预算", "15000", None),
        ("一亿五千万", "150000000", None),
        ("报价50万", "500000", None),
        ("预算50万一年", "500000", None),
        # English shorthand
        ("500k", "500000", None),
        ("1.2m", "1200000", None),
        ("1.2M", "1200000", None),
        ("2.5 million", "2500000", None),
        ("3bn", "3000000000", None),
        # Currencies before and after
        ("$1.2m", "1200000", "USD"),
        ("1.2m USD", "1200000", "USD"),
        ("USD 1.2m", "1200000", "USD"),
        ("US$ 3,000", "3000", "USD"),
        ("¥80,000", "80000", "CNY"),
        ("￥80,000", "80000", "CNY"),
        ("80,000元", "80000", "CNY"),
        ("8万元", "80000", "CNY"),
        ("RMB 50万", "500000", "CNY"),
        ("rmb50万", "500000", "CNY"),
        ("人民币50万", "500000", "CNY"),
        ("50万人民币", "500000", "CNY"),
        ("CNY 20000", "20000", "CNY"),
        ("300块", "300", "CNY"),
        ("50万美元", "500000", "USD"),
        ("10万美金", "100000", "USD"),
        ("€20k", "20000", "EUR"),
        ("20k EUR", "20000", "EUR"),
        ("3万欧元", "30000", "EUR"),
        ("£5,000", "5000", "GBP"),
        ("5000英镑", "5000", "GBP"),
        ("HK$30k", "30000", "HKD"),
        ("30万港币", "300000", "HKD"),
        ("S$12k", "12000", "SGD"),
        ("2万新币", "20000", "SGD"),
        ("一千零五元", "1005", "CNY"),
        ("＄１２００", "1200", "USD"),
        # A bare number right after a money cue
        ("deal 500000", "500000", None),
        ("quote is 8500", "8500", None),
        ("price: 300", "300", None),
        ("合同金额为80000", "80000", None),
    ],
)
def test_reads_amounts(text, amount, currency):
    money = find_amount(text)
    assert money is not None, text
    assert money.amount == Decimal(amount)
    assert money.currency == currency


@pytest.mark.parametrize(
    "text",
    [
        # times and dates
        "10am",
        "3pm",
        "10:30",
        "3点",
        "下午3点半",
        "下周二",
        "星期五",
        "12月3日",
        "11月24号",
        "2026-11-20",
        "12/3",
        "2 weeks",
        "in 3 days",
        "3天后",
        "两周后",
        "十一月",
        # phone numbers
        "13800138000",
        "+86 138 0013 8000",
        "021-6234-5678",
        "报价 13800138000",
        # percentages, quarters, years
        "20%",
        "discount 15 percent",
        "百分之二十",
        "打8折",
        "Q4",
        "2026",
        "2026年",
        "Q4 2026",
        # counts of other things
        "3家客户",
        "一百个",
        "5k users",
        "500 seats",
        "3千米",
        # words that contain numerals
        "我们一起去",
        "我们一块去",
        "万一不行",
        "十分满意",
        "第一次见面",
        # no number at all, or a bare one with no cue
        "called Acme",
        "visited 3 stores",
        "",
    ],
)
def test_not_amounts(text):
    assert find_amount(text) is None


def test_prefers_the_amount_next_to_a_money_cue():
    money = find_amount("拜访了3家客户，另一个项目20万，报价50万")
    assert money is not None
    assert money.amount == Decimal(500000)


def test_prefers_a_currency_over_a_bare_magnitude():
    money = find_amount("team of 5k people, paying $20k")
    assert money is not None
    assert (money.amount, money.currency) == (Decimal(20000), "USD")


def test_first_amount_wins_when_nothing_else_decides():
    money = find_amount("50万 or 60万")
    assert money is not None
    assert money.amount == Decimal(500000)


def test_span_covers_the_currency():
    text = "deal 1.2m USD, next step proposal"
    money = find_amount(text)
    assert money is not None
    assert text[money.start : money.end] == "1.2m USD"
    text = "今天报价人民币50万，下周跟进"
    money = find_amount(text)
    assert money is not None
    assert text[money.start : money.end] == "人民币50万"


def test_amounts_in_a_full_message_ignore_its_dates():
    text = "今天拜访了星辰科技张总，报价50万，进入谈判阶段，下周二下午3点跟进"
    money = find_amount(text)
    assert money is not None
    assert (money.amount, money.currency) == (Decimal(500000), None)
    assert find_amount("called Acme, follow up Friday 10am") is None


def test_find_amounts_lists_them_all_in_order():
    assert [m.amount for m in find_amounts("50万 then $20k")] == [Decimal(500000), Decimal(20000)]


def test_amount_is_tidy():
    money = find_amount("1.2万")
    assert money is not None
    assert str(money.amount) == "12000"
    money = find_amount("$1.25")
    assert money is not None
    assert str(money.amount) == "1.25"


@pytest.mark.parametrize(
    ("numeral", "value"),
    [
        ("五十万", 500000),
        ("一百二十万", 1200000),
        ("十五", 15),
        ("二十", 20),
        ("一千零五", 1005),
        ("一百五", 150),
        ("两千五", 2500),
        ("一亿五千万", 150000000),
        ("二零二六", 2026),
        ("1.2万", 12000),
        ("3千5", 3500),
    ],
)
def test_chinese_numerals(numeral, value):
    assert cn_to_decimal(numeral) == Decimal(value)


def test_not_a_chinese_numeral():
    assert cn_to_decimal("万") is None
    assert cn_to_decimal("abc") is None
