"""One-message logs, English and Chinese, parsed without a database.

Every message goes through ``bot.nlu.dates.find_datetime`` too, so these tests also pin the
follow-up phrases the dates module has to understand ("Friday 10am", "下周二下午3点",
"in 2 weeks", "明天", "tomorrow 9:30").
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.nlu.message import Keywords, ParsedLog, default_keywords, parse_log
from store.pipeline import DEFAULT_STAGES

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 18, 10, 0, tzinfo=SHANGHAI)  # a Wednesday
KNOWN = ["Acme Ltd", "Acme Trading", "Globex Corporation", "星辰科技", "华信电子有限公司"]


def at(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


def parse(text: str, known: list[str] | None = None) -> ParsedLog:
    return parse_log(text, NOW, known_customers=known or ())


# --- The three examples from the design, field by field ------------------------------------


def test_english_call_with_contact_and_follow_up():
    log = parse("called Acme, Wang wants a revised quote, follow up Friday 10am")
    assert log.activity == "call"
    assert log.customer == "Acme"
    assert log.contact == "Wang"
    assert log.summary == "called Acme, Wang wants a revised quote, follow up Friday 10am"
    assert log.amount is None
    assert log.currency is None
    assert log.stage is None
    assert log.follow_up == at(20, 10)
    assert log.follow_up_has_time is True


def test_chinese_visit_with_amount_stage_and_follow_up():
    log = parse("今天拜访了星辰科技张总，报价50万，进入谈判阶段，下周二下午3点跟进")
    assert log.activity == "visit"
    assert log.customer == "星辰科技"
    assert log.contact == "张总"
    assert log.amount == Decimal(500000)
    assert log.currency is None  # 万 is a magnitude, not yuan: the user's default applies
    assert log.stage == "negotiation"
    assert log.follow_up == at(24, 15)
    assert log.follow_up_has_time is True


def test_english_meeting_next_step_is_not_a_stage_change():
    log = parse("met Globex CFO, deal 1.2m USD, next step proposal in 2 weeks")
    assert log.activity == "meeting"
    assert log.customer == "Globex"
    assert log.contact == "CFO"
    assert log.amount == Decimal(1200000)
    assert log.currency == "USD"
    assert log.stage is None
    assert log.follow_up == at(2, 9, month=12)
    assert log.follow_up_has_time is False


def test_to_json():
    log = parse("met Globex CFO, deal 1.2m USD, next step proposal in 2 weeks")
    assert log.to_json() == {
        "activity": "meeting",
        "customer": "Globex",
        "contact": "CFO",
        "summary": "met Globex CFO, deal 1.2m USD, next step proposal in 2 weeks",
        "amount": 1200000,
        "currency": "USD",
        "stage": None,
        "follow_up": "2026-12-02T09:00:00+08:00",
        "activity_at": None,
        "customers": [],
        "task": False,
        "reason": None,
        "problems": [],
        "stage_forward_only": False,
    }
    assert parse("called Acme, quote $99.5").to_json()["amount"] == 99.5
    assert parse("called Acme").to_json()["follow_up"] is None


# --- A table of messages -------------------------------------------------------------------

# (text, known customers, expected fields); fields not named are not checked
CASES: list[tuple[str, list[str] | None, dict[str, object]]] = [
    # English activities and customers without a customer list
    (
        "visited Acme Trading today, they liked the demo",
        None,
        {"activity": "visit", "customer": "Acme Trading", "follow_up": None},
    ),
    (
        "called Initrode, they asked for a demo",
        None,
        {"activity": "call", "customer": "Initrode", "contact": None, "stage": None},
    ),
    (  # the customer's budget is not the deal's value: no deal amount changes by it
        "met the CFO of Globex, budget $200k",
        None,
        {"activity": "meeting", "customer": "Globex", "contact": "CFO", "amount": None},
    ),
    (
        "met the CFO of Globex, quoted $200k",
        None,
        {"activity": "meeting", "customer": "Globex", "contact": "CFO", "amount": 200000},
    ),
    ("天润食品来电 3千的样品费他们出", None, {"amount": None}),
    ("Northwind call, they asked for a 3k discount", None, {"amount": None}),
    ("瑞丰医疗拜访 他们去年采购了500万的设备", None, {"amount": None}),
    (
        "met Wang from Initech, moved to proposal",
        None,
        {"activity": "meeting", "customer": "Initech", "contact": "Wang", "stage": "proposal"},
    ),
    (
        "spoke to Wang at Acme, lost the deal to Initech",
        None,
        {"customer": "Acme", "contact": "Wang", "stage": "lost"},
    ),
    (
        "had lunch with Mr Chen from Hooli, he asked for pricing",
        None,
        {"activity": "meeting", "customer": "Hooli", "contact": "Mr Chen"},
    ),
    (
        # A price for each of 500 is not the deal's amount: left out, not set to $40.
        "phoned Initech, they want 500 seats at $40 each",
        None,
        {"activity": "call", "customer": "Initech", "amount": None, "currency": None},
    ),
    (
        "visited Acme Trading today, Wang wants a revised quote",
        None,
        {"customer": "Acme Trading", "contact": "Wang"},
    ),
    ("called Acme, deal won", None, {"activity": "call", "customer": "Acme", "stage": "won"}),
    (
        "Acme: not won yet, follow up in 2 weeks",
        None,
        {"stage": None, "follow_up": at(2, 9, month=12)},
    ),
    (
        "call back Initech tomorrow",
        None,
        {"activity": None, "follow_up": at(19, 9)},
    ),
    (
        "visited Initech. Bob wants 20% off",
        None,
        {"customer": "Initech", "contact": "Bob", "amount": None},
    ),
    (
        "Acme – Wang asked for a quote of ¥80,000",
        None,
        {"customer": "Acme", "contact": "Wang", "amount": 80000, "currency": "CNY"},
    ),
    ("visited Umbrella Co., Ltd. in Pudong", None, {"customer": "Umbrella Co., Ltd."}),
    # Known customers: the one written wins, with or without legal suffixes
    ("visited Acme Trading today", KNOWN, {"customer": "Acme Trading"}),
    ("called Acme Ltd about the renewal", KNOWN, {"customer": "Acme Ltd"}),
    ("called acme trading about the renewal", KNOWN, {"customer": "Acme Trading"}),
    # "Acme" fits both known Acmes equally: returned as written, the caller asks which
    ("called Acme about the invoice", KNOWN, {"activity": "call", "customer": "Acme"}),
    (
        "Globex: budget approved, follow up tomorrow 9:30",
        KNOWN,
        {"activity": None, "customer": "Globex Corporation", "follow_up": at(19, 9, 30)},
    ),
    (
        "Initech moved to qualified",
        ["Initech"],
        {"customer": "Initech", "stage": "qualified", "activity": None},
    ),
    # Stage-only messages
    ("Acme deal to negotiation", None, {"customer": "Acme", "stage": "negotiation"}),
    ("Acme Ltd deal to negotiation", KNOWN, {"customer": "Acme Ltd", "stage": "negotiation"}),
    ("星辰项目赢单", None, {"activity": None, "customer": "星辰", "stage": "won"}),
    # a known name's distinctive prefix (2+ CJK characters) finds it
    ("星辰项目赢单", ["星辰科技"], {"customer": "星辰科技", "stage": "won"}),
    ("华信电子项目丢单了", KNOWN, {"customer": "华信电子有限公司", "stage": "lost"}),
    ("客户需求已确认", None, {"stage": "qualified"}),
    # Chinese activities, customers and contacts
    (
        "给星辰科技王经理打电话，对方要再考虑一下",
        None,
        {"activity": "call", "customer": "星辰科技", "contact": "王经理", "follow_up": None},
    ),
    (
        "和Globex的CFO开了个会，谈了价格",
        None,
        {"activity": "meeting", "customer": "Globex", "contact": "CFO"},
    ),
    (
        "拜访了上海星辰科技有限公司李总，签约了，金额人民币120万",
        ["上海星辰科技有限公司"],
        {
            "activity": "visit",
            "customer": "上海星辰科技有限公司",
            "contact": "李总",
            "amount": 1200000,
            "currency": "CNY",
            "stage": "won",
        },
    ),
    (
        "拜访了华信，王经理说下周二下午3点再谈",
        KNOWN,
        {"customer": "华信电子有限公司", "contact": "王经理", "follow_up": at(24, 15)},
    ),
    (
        "今天去了星辰那边，老王说明天再谈",
        None,
        {"activity": "visit", "customer": "星辰", "contact": "老王", "follow_up": at(19, 9)},
    ),
    (
        "打电话给星辰科技，张总不在，明天再打",
        None,
        {"activity": "call", "customer": "星辰科技", "contact": "张总", "follow_up": at(19, 9)},
    ),
    (
        "跟华信电子的刘经理通了电话，合同已签",
        None,
        {"activity": "call", "customer": "华信电子", "contact": "刘经理", "stage": "won"},
    ),
    ("拜访客户3家，然后拜访了星辰", None, {"activity": "visit", "customer": "星辰"}),
    (
        "拜访了张总，他们预算五十万",
        None,
        {"activity": "visit", "customer": None, "contact": "张总", "amount": None},
    ),
    (
        "拜访了张总，报价五十万",
        None,
        {"activity": "visit", "customer": None, "contact": "张总", "amount": 500000},
    ),
    (
        "电话会议：和Globex讨论了合同，合同额USD 300k",
        None,
        {"activity": "call", "customer": "Globex", "amount": 300000, "currency": "USD"},
    ),
    # Plans and denials are not stage changes
    ("还没成交，明天再联系", None, {"stage": None, "follow_up": at(19, 9)}),
    ("下周二签约", None, {"stage": None, "follow_up": at(24, 9)}),
    ("准备进入谈判阶段", None, {"stage": None}),
    # Notes without a customer, messages without a date
    (
        "备注：客户的预算还没批下来",
        None,
        {"activity": "note", "customer": None, "contact": None, "follow_up": None},
    ),
    (
        "note: they prefer WeChat over email",
        None,
        {"activity": "note", "customer": None, "follow_up": None, "amount": None},
    ),
    ("聊了新报价", None, {"activity": None, "customer": None, "stage": None, "follow_up": None}),
]


@pytest.mark.parametrize(("text", "known", "expected"), CASES, ids=[c[0] for c in CASES])
def test_messages(text, known, expected):
    log = parse(text, known)
    actual = {name: getattr(log, name) for name in expected}
    assert actual == expected


# --- Smaller rules ---------------------------------------------------------------------------


def test_summary_is_the_message_tidied():
    log = parse("  called   Acme \n\n  follow up Friday 10am  ")
    assert log.summary == "called Acme\nfollow up Friday 10am"


def test_a_visit_today_is_not_a_follow_up():
    assert parse("今天拜访了星辰科技").follow_up is None


def test_follow_up_prefers_the_cued_date():
    log = parse("明天开会，下周二下午3点跟进")
    assert log.follow_up == at(24, 15)


def test_known_customer_returned_as_registered_not_as_written():
    assert parse("visited ACME TRADING", KNOWN).customer == "Acme Trading"


def test_known_customers_do_not_match_inside_words():
    assert parse("called Acmeland about pricing", ["Acme"]).customer == "Acmeland"


def test_default_time_is_used_for_date_only_follow_ups():
    from datetime import time

    log = parse_log("called Acme, follow up 明天", NOW, default_time=time(8, 30))
    assert log.follow_up == at(19, 8, 30)
    assert log.follow_up_has_time is False


# --- Keyword files ----------------------------------------------------------------------------


def test_keywords_merge_every_language():
    kw = default_keywords()
    words = dict(kw.activities)
    assert "called" in words["call"]
    assert "拜访" in words["visit"]
    assert default_keywords() is kw  # read once


def test_stage_keys_are_pipeline_stages():
    kw = default_keywords()
    for table in (kw.stage_names, kw.stage_says, kw.stage_says_at_clause_end):
        assert {label for label, _ in table} <= set(DEFAULT_STAGES)
    assert {label for label, _ in kw.stage_names} == set(DEFAULT_STAGES)


def test_custom_keyword_files(tmp_path: Path):
    (tmp_path / "fr.toml").write_text(
        '[activity.words]\ncall = ["appelé"]\n[customer]\nafter = ["appelé"]\n',
        encoding="utf-8",
    )
    kw = Keywords.load(tmp_path)
    log = parse_log("appelé Acme", NOW, keywords=kw)
    assert (log.activity, log.customer) == ("call", "Acme")


def test_unknown_keyword_lists_are_errors():
    with pytest.raises(ValueError, match="unknown keyword list"):
        Keywords.from_tables([{"activity": {"verbs": ["x"]}}])
    with pytest.raises(ValueError, match="unknown labels"):
        Keywords.from_tables([{"activity": {"words": {"fax": ["x"]}}}])
    with pytest.raises(ValueError, match="list of strings"):
        Keywords.from_tables([{"follow_up": {"cues": "follow up"}}])


def test_a_short_form_followed_by_another_industry_is_another_company():
    known = ["宏达包装材料", "星辰科技"]
    assert parse("上午电话回访了宏达建材，暂时不需要", known).customer == "宏达建材"
    assert parse("拜访了宏达包装", known).customer == "宏达包装材料"
    assert parse("宏达那边电话沟通了", known).customer == "宏达包装材料"


def test_a_short_form_followed_by_its_own_name_and_legal_form_is_another_company():
    known = ["Straits Marine Supply", "Globex Corporation"]
    assert parse("visited Globex Freight Pte Ltd, met Andrew", known).customer == (
        "Globex Freight Pte Ltd"
    )
    assert parse("visited Globex Corp today", known).customer == "Globex Corporation"
    assert parse("called Straits, ok w the terms", known).customer == "Straits Marine Supply"


def test_the_words_for_customer_are_not_its_name():
    assert parse("拜访了新客户宏远机电，聊了产线改造").customer == "宏远机电"
    assert parse("和潜在客户宏远机电开会").customer == "宏远机电"
    assert parse("met a new client, Tidewater Labs, re pricing").customer == "Tidewater Labs"
    assert parse("拜访了客户，他们很满意").customer is None  # the comma ends it
    assert parse("called Customer Connect Ltd").customer == "Customer Connect Ltd"  # a name


def test_fragments_are_never_customers():
    for text in ("有点意向，下周再聊", "Annual review call tomorrow", "call +44 20 7946 0958", "2"):
        assert parse(text).customer not in {"意向", "Annual", "+44", "2"}


def test_the_reason_of_a_win_or_loss_is_read_with_or_without_a_cue():
    assert parse("星辰项目丢单了，原因 被竞争对手低价抢走").reason == "被竞争对手低价抢走"
    assert parse("星辰项目丢单了，被竞争对手低价抢走").reason == "被竞争对手低价抢走"
    assert parse("Acme deal lost to Siemens on price").reason == "lost to Siemens on price"
    assert parse("Globex deal won - reason: great support").reason == "great support"
    assert parse("Acme deal won, follow up Friday for the kickoff").reason is None
    assert parse("called Acme, they liked the demo").reason is None


def test_a_weekday_with_something_done_is_last_weeks():
    log = parse("周一拜访了百川水务，主要聊了管网改造")
    assert (log.activity, log.follow_up) == ("visit", None)
    assert log.activity_at is not None
    assert log.activity_at.date() == at(16, 10).date()
    plan = parse("周五去星辰科技拜访")
    assert (plan.activity, plan.task, plan.follow_up) == (None, True, at(20, 9))


def test_going_along_with_someone_is_not_losing_the_deal():
    assert parse("visited Acme Ltd, went with Bob to the site, all good", KNOWN).stage is None
    assert parse("visited Acme Ltd, went w Wang Lei to their plant", KNOWN).stage is None
    lost = parse("called Acme Ltd, they went w a cheaper local vendor", KNOWN)
    assert (lost.stage, lost.reason) == ("lost", "went with a cheaper local vendor")
    emoji = parse("Acme Trading LOST 😩 they went in-house", KNOWN)
    assert (emoji.stage, emoji.reason) == ("lost", "they went in-house")


def test_a_date_the_customer_gave_is_theirs_unless_the_rep_is_in_it():
    budget = parse("华信电子王经理说预算要30号才批 让我周五先把资料发过去", KNOWN)
    assert budget.follow_up == datetime(2026, 11, 20, 9, 0, tzinfo=SHANGHAI)
    talk = parse("拜访了华信，王经理说下周二下午3点再谈", KNOWN)
    assert talk.follow_up == datetime(2026, 11, 24, 15, 0, tzinfo=SHANGHAI)
    theirs = parse("called Acme Ltd, he said the board decides on 30 Nov", KNOWN)
    assert theirs.follow_up is None


def test_dates_a_rep_mixes_and_dates_that_are_none():
    assert parse("won Acme Ltd, they liked our 24/7 hotline, kickoff Tue 1 Dec 3pm").follow_up == (
        at(1, 15, month=12)
    )
    assert parse("today zoom w/ Acme的Wang Lei，fri下午4点follow up", KNOWN).follow_up == at(20, 16)
    assert parse("去星辰科技做了demo，下周三10:30跟他们开线上会", KNOWN).follow_up == at(25, 10, 30)
    held = parse("周一在星辰科技开的评审会，结果刚出来：输了", KNOWN)
    assert held.follow_up is None
    assert parse("帮同事跑了一趟宏远机电，送样品").customer == "宏远机电"


def test_stages_said_with_a_word_more():
    assert parse("拜访了星辰科技，方案已经发过去了", KNOWN).stage == "proposal"
    assert parse("Acme Ltd call, we're into negotiations now", KNOWN).stage == "negotiation"


def test_reasons_end_where_the_news_goes_on_and_no_reason_is_none():
    won = parse("星辰科技签了！！多亏了张伟帮忙推动 下周一去对合同", KNOWN)
    assert (won.stage, won.reason) == ("won", "张伟帮忙推动")
    lost = parse("lost Acme Ltd because of price, follow up next month 😞", KNOWN)
    assert (lost.stage, lost.reason) == ("lost", "price")
    assert parse("华信电子有限公司那单不做了，原因不明", KNOWN).reason is None
    assert parse("Acme Ltd - lost. they didn't say why", KNOWN).reason is None


def test_a_trial_that_ran_is_no_visit_and_going_there_is_one():
    assert parse("星辰科技 POC跑了一个月 数据不错", KNOWN).activity != "visit"
    assert parse("早上去华信电子找王经理聊了聊交付", KNOWN).activity == "visit"
    assert parse("下周去华信电子聊聊交付", KNOWN).activity is None


def test_a_name_after_a_title_is_the_contact():
    assert parse("visited Acme Ltd, the owner Priya showed us round", KNOWN).contact == "Priya"
    assert parse("called Globex Corporation - their ops mgr Li Wen Jie", KNOWN).contact == (
        "Li Wen Jie"
    )
    assert parse("met the CFO at Globex Corporation", KNOWN).contact == "CFO"


def test_a_role_that_says_something_is_the_contact_and_a_department_is_not():
    assert parse("给星辰科技打了电话 财务说下个月初付款", KNOWN).contact == "财务"
    assert parse("拜访了华信电子有限公司 技术部反馈不错", KNOWN).contact is None
    assert parse("我们采购说要等").contact is None  # ours, inside a phrase


def test_a_word_before_an_outcome_is_a_company_only_when_written_as_one():
    assert parse("PAC RIM SIGNED 🎉").customer == "PAC RIM"
    assert parse("Marina Bay Dental signed today").customer == "Marina Bay Dental"
    finally_ = parse("Finally signed!")
    assert (finally_.customer, finally_.stage) == (None, "won")
    assert parse("Almost lost it today").customer is None


def test_a_rivals_clause_price_is_theirs_and_a_typed_rest_of_the_name_is_nobody():
    offer = parse(
        "called Acme Ltd - competitor is offering their X5 bundle at 250k, we stay at 300k"
    )
    assert offer.amount == Decimal(300_000)
    assert parse("Globex Corportion call, Sarah wants a quote", KNOWN).contact == "Sarah"
    assert parse("Globex Corporation call, we lost the renewal deal", KNOWN).stage == "lost"


def test_a_full_name_or_a_unit_before_a_title():
    assert parse("拜访了星辰科技张伟总经理，聊了交付", KNOWN).contact == "张伟"
    assert parse("和华信电子有限公司的IT负责人开了线上会", KNOWN).contact == "IT负责人"
    new_one = parse("微信加了凌云数据的采购主管，先当新线索放着")
    assert (new_one.contact, new_one.stage) == ("采购主管", "lead")


def test_an_amount_with_a_thousands_comma_reads_its_cue_after_and_a_spaced_dash_is_no_minus():
    priced = parse("Acme Ltd: tabled 40 seats - S$85,000 all in")
    assert (priced.amount, priced.currency, priced.problems) == (Decimal(85_000), "SGD", ())
    assert parse("called Acme Ltd, 12,000 discount on the quote", KNOWN).amount is None
    assert parse("called Acme Ltd, quoted -30k", KNOWN).problems == ("negative_amount:-30k",)


def test_a_name_with_its_role_beside_it_is_the_contact():
    assert parse("site visit @ Acme Ltd w/ Joyce Lim (plant manager). 3 lines", KNOWN).contact == (
        "Joyce Lim"
    )
    assert parse("Globex Corporation note: Ravi in procurement says Q1", KNOWN).contact == "Ravi"
    assert parse("Visited Acme Ltd (Jurong office)", KNOWN).contact is None


# --- Held-out 8's kinds: what is not the deal's price, and whose date a "by" is ------------


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("called Acme Ltd, our price is 45/seat so 90k total", 90_000),  # a price per seat
        ("called Acme Ltd, $12 per user, 2000 users, deal 24k", 24_000),
        ("visited Acme Ltd, quote 120k (they did about 80k with us last year)", 120_000),
        ("called Acme Ltd (they did ~$50k w us last yr fwiw)", None),  # last year's spend
        ("星辰科技报价60万 价格我们比别家便宜了8万", 600_000),  # a difference, not the price
        ("星辰科技那单 价格其实便宜了8万", None),
        ("called Acme Ltd, quoted them 75k", 75_000),  # the rep quoted them
        ("called Acme Ltd comma quoted them fifty thousand dollars full stop", 50_000),
        ("lost Acme Ltd, went w a reseller at 30k vs our 41k", 41_000),  # the rival's, ours
        ("met Acme Ltd, deal worth roughly 84k", 84_000),
    ],
)
def test_a_price_that_is_not_the_deals_is_left_out(text, amount):
    assert parse(text, KNOWN).amount == (None if amount is None else Decimal(amount))


@pytest.mark.parametrize(
    ("text", "follow_up"),
    [
        ("called Acme Ltd, they decide by end of month, f/u mon", at(23, 9)),
        ("met Acme Ltd, discount if they sign by dec 15. call back fri 4pm", at(20, 16)),
        ("Globex Corporation: she'll send the scope by fri. ping her mon 10am", at(23, 10)),
        ("call Acme Ltd back thursday at two thirty p m", at(19, 14, 30)),
        ("今天电话回访了星辰科技，设备运行正常", None),  # called back today: done, no follow-up
    ],
)
def test_the_customers_own_by_is_not_the_reps_follow_up(text, follow_up):
    assert parse(text, KNOWN).follow_up == follow_up


def test_a_known_names_short_word_is_no_contact():
    log = parse("Merlion Eng called this morning, all good", ["Merlion Engineering"])
    assert (log.customer, log.contact) == ("Merlion Engineering", None)


@pytest.mark.parametrize(
    ("text", "stage", "reason"),
    [
        ("Acme Ltd signed!! they picked us bc of the faster rollout", "won", "the faster rollout"),
        ("星辰科技签了 主要看中我们的实施团队", "won", "我们的实施团队"),
        ("星辰科技那单丢了 主要输在交期", "lost", "交期"),
        ("Acme Ltd: marking it lost. (they did 20k with us in 2024)", "lost", None),  # an aside
    ],
)
def test_why_it_was_won_or_lost(text, stage, reason):
    log = parse(text, KNOWN)
    assert (log.stage, log.reason) == (stage, reason)


@pytest.mark.parametrize(
    ("text", "customer"),
    [
        ("去杭州远景电子参观了一下 他们的产线不错", "杭州远景电子"),  # the going is not the name
        ("Harbor Robotics intro call, nice people", "Harbor Robotics"),  # nor the purpose
        ("青岛远洋机械拜访 对接了设备部", None),  # a department is nobody's company
        ("拜访了新客户 对接了IT部门", None),
        ("市第一人民医院设备科刘科长来电", "市第一人民医院"),  # 医院, then its 设备科
    ],
)
def test_a_new_customers_name_is_only_the_name(text, customer):
    assert parse(text).customer == customer


def test_a_garbled_number_is_no_amount():
    log = parse("Acme Ltd: gave them a verbal quote of $8.5.0k, will confirm", KNOWN)
    assert (log.amount, log.currency) == (None, None)


@pytest.mark.parametrize(
    ("text", "activity"),
    [
        ("met Li Wei at Acme Trading's office, all good", "visit"),  # their place
        ("Met the GM of Acme Ltd, Mr. Ong, at their plant today.", "visit"),  # past an aside
        ("demo'd the scanners to Acme Ltd's buyers at the Jurong site", "visit"),
        ("met Li Wei at Acme Trading, he's the new buyer", "meeting"),  # no place named
        ("met Acme Trading's buyer at the expo", "meeting"),  # not their place
        ("Acme Ltd meeting at their office, talked pricing", "meeting"),  # as the rep calls it
        ("met Mr. Tan at Acme Ltd he's the new plant manager", "meeting"),  # "he's" owns none
    ],
)
def test_met_at_their_place_is_a_visit(text, activity):
    assert parse(text, KNOWN).activity == activity


@pytest.mark.parametrize(
    "text",
    [
        # what they spent, and "contract" after it is not a price of ours
        "called Acme Ltd, they spent about $60k with their old vendor last year and want a"
        " maintenance contract",
        "星辰科技丢了，对方报价比我们低了差不多二十万",  # a difference, however rounded
    ],
)
def test_a_rounded_amount_in_passing_is_not_the_deals(text):
    assert parse(text, KNOWN).amount is None


def test_a_date_taken_back_gives_way_to_the_next():
    log = parse("called Acme Ltd. call back Thursday, no wait, make it Friday 11am", KNOWN)
    assert log.follow_up == at(20, 11)
    assert parse("给星辰科技打了电话，周四——不对，周五下午三点再打", KNOWN).follow_up == at(20, 15)
    # "make it" says the new date only right before it
    log = parse("called Acme Ltd, call back Thursday to make it official, meet Friday", KNOWN)
    assert log.follow_up == at(19, 9)


@pytest.mark.parametrize(
    ("text", "contact"),
    [
        ("emailed Ravi at Acme Ltd this morning. Sized it at US$64k.", "Ravi"),
        ("emailed the deck to Acme Ltd this morning. Sized it at US$64k.", None),
        ("called Acme Ltd this morning. Early days.", None),
        ("Coffee w Priya from Acme Ltd this morning. Early days.", "Priya"),
        ("visited Acme Ltd today. Ahmed wants a quote", "Ahmed"),  # a name of that shape
    ],
)
def test_a_sentence_opening_word_is_no_contact(text, contact):
    assert parse(text, KNOWN).contact == contact


def test_an_activity_booked_for_a_date_is_not_had():
    log = parse("Acme Ltd signed!! kickoff call next Wed 2pm", KNOWN)
    assert (log.activity, log.stage, log.follow_up) == (None, "won", at(25, 14))


def test_a_project_described_is_no_customer():
    assert parse("听朋友说，药品追溯那个项目可能要推到明年").customer is None


@pytest.mark.parametrize(
    ("text", "stage", "forward_only"),
    [
        ("called Acme Ltd, quoted $120k", "proposal", True),  # implied by the quote
        ("拜访了星辰科技，已报价", "proposal", True),
        ("Acme Ltd moved to proposal", "proposal", False),  # named
        ("Acme Ltd back to qualified", "qualified", False),
    ],
)
def test_an_implied_stage_moves_only_forward(text, stage, forward_only):
    log = parse(text, KNOWN)
    assert (log.stage, log.stage_forward_only) == (stage, forward_only)


@pytest.mark.parametrize(
    ("text", "contact"),
    [
        ("把报价单email给了星辰科技的Kevin，总价42万元", "Kevin"),  # 的 and a Latin name
        ("Lost Acme Ltd. Their FD rang yesterday, they went local", "FD"),
        ("met Acme Ltd's MD Arjun Rao today", "Arjun Rao"),
    ],
)
def test_who_was_spoken_to(text, contact):
    assert parse(text, KNOWN).contact == contact


def test_a_short_form_inside_another_name_is_not_that_customer():
    known = ["Pacific Rim Logistics"]
    assert parse("New lead: Sunda Pacific Shipping, met their MD", known).customer == (
        "Sunda Pacific Shipping"
    )
    assert parse("Visited Pacific today, met Marcus", known).customer == "Pacific Rim Logistics"


@pytest.mark.parametrize(
    ("text", "customer"),
    [
        # a known name said in passing, after the company a verb names
        ("walked into Lion Bakeries yesterday after my Globex call got pushed", "Lion Bakeries"),
        (
            "inbound call from a Sarah Blake at Fenwick & Rowe, found us via the Globex case study",
            "Fenwick & Rowe",
        ),
        ("去了华信电气 不是华信电子有限公司 见了何经理", "华信电气"),
        # and where it is the customer after all
        ("met Mr. Tan at Acme Ltd, he's the new plant manager", "Acme Ltd"),
        ("called Helen Carter, Globex Corporation wants a quote", "Globex Corporation"),
    ],
)
def test_a_known_name_in_passing_is_not_the_customer(text, customer):
    log = parse(text, KNOWN)
    assert log.customer == customer
    assert log.customers in ((), (customer,))  # nor a second customer logged


@pytest.mark.parametrize(
    ("text", "contact"),
    [
        ("和小王一起去了星辰科技，见了他们采购部的周经理", "周经理"),  # 小王 is ours
        ("和张总一起吃了饭，星辰科技的", "张总"),  # a meal with theirs
        ("去了星辰科技，赵总临时有事没在，是财务吴经理接待的", "吴经理"),  # theirs, away
        ("到星辰科技拜访，就等刘总签字，刘总这次出差了没见到，见了王经理", "王经理"),
        ("打电话给星辰科技何总 他出差了 3天后再联系", "何总"),  # away, but on the phone
        ("Went with Li to Acme Ltd this morning. Met their procurement head, Mr Tan.", "Mr Tan"),
        ("Visited Acme Ltd. Met Daniel Koh, their ops manager. The MD was away.", "Daniel Koh"),
    ],
)
def test_a_colleague_is_not_the_contact_and_a_name_beats_its_title(text, contact):
    assert parse(text, KNOWN).contact == contact


def test_a_time_gone_by_today_is_not_tomorrows_follow_up():
    assert parse("visited Acme Ltd this morning (early start, 8am)", KNOWN).follow_up is None
    assert parse("called Acme Ltd, call back at 8am", KNOWN).follow_up == at(19, 8)
    log = parse("星辰科技问交货期能不能提前到12月初，明天下午3点前给她回复", KNOWN)
    assert log.follow_up == at(19, 15)  # the rep's answer, not the date they asked for


def test_an_email_that_came_in_is_logged_not_a_to_do():
    log = parse(
        "Email in this morning from Grace Wong (F&B director, Acme Ltd): quote by Fri", KNOWN
    )
    assert (log.activity, log.task, log.contact) == ("email", False, "Grace Wong")
    assert parse("email Helen at Acme Ltd tomorrow", KNOWN).task is True  # one to send


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # "补记" says the log is late, not that it is a note
        ("补记一下昨天的：昨天下午去了星辰科技，是财务吴经理接待的", {"activity": "visit"}),
        ("明天上午9点半去一家新客户盛达机电，见他们设备科的郑科长", {"customer": "盛达机电"}),
        ("刚从星辰科技回来 ERP签了", {"activity": "visit", "customer": "星辰科技"}),
        ("刚从华光机电那边回来 聊得不错", {"activity": "visit", "customer": "华光机电"}),
        ("从星辰科技回来的路上想到一件事", {"activity": None}),  # on the way, no visit said
        (
            "Yesterday's: did a joint call with Acme Ltd at 4pm. Rachel Teo (head of ops) led it",
            {"follow_up": None, "contact": "Rachel Teo"},
        ),
    ],
)
def test_what_a_late_log_says(text, expected):
    log = parse(text, KNOWN)
    assert {key: getattr(log, key) for key in expected} == expected


@pytest.mark.parametrize(
    ("text", "customer"),
    [
        ("Lunch with Harbour Point Hotels' GM Kelvin Ong yesterday", "Harbour Point Hotels"),
        ("tried calling Oakridge Freight, no answer, try again tmr", "Oakridge Freight"),
        ("第一次打给德美五金,老板不在,下周一再打", "德美五金"),  # "the first time" is nobody
        ("新客户凯达仓储 电话聊了 对方在找WMS", "凯达仓储"),  # nor "new client"
    ],
)
def test_a_new_customer_is_the_name_alone(text, customer):
    assert parse(text).customer == customer


def test_qualified_now_is_a_stage():
    log = parse("Acme Ltd call went well, qualified now.", KNOWN)
    assert (log.stage, log.stage_forward_only) == ("qualified", True)


def test_a_short_form_in_another_proper_name_is_not_that_customer():
    known = ["Straits Marine Supply", "Pacific Rim Logistics"]
    log = parse("Read in the Straits Times that Pacific Rim Logistics is being acquired.", known)
    assert (log.customer, log.customers) == ("Pacific Rim Logistics", ())
    assert parse("met Straits CFO today", known).customer == "Straits Marine Supply"
    assert parse("called Straits Marin, all good", known).customer == "Straits Marine Supply"


# --- Held-out 12 and 13 (2026-12-06, thirty-third session) ----------------------------------


@pytest.mark.parametrize(
    ("text", "customer"),
    [
        # where the rep went is no customer: the one they visited there is
        ("上周五去苏州拜访了一家新客户沃丰仪器，见了他们技术总监", "沃丰仪器"),
        ("上周五去了趟宁波 顺路拜访了甬兴塑业 见了生产部刘经理", "甬兴塑业"),
        ("朋友介绍了一家新客户叫凯越照明，今天打电话跟他们采购吴经理聊了20分钟", "凯越照明"),
        ("路过润华制药顺便进去了 前台不让上楼 留了张名片", "润华制药"),
        ("cold call Tanjong Bakeries, no answer, try again tmrw 2pm", "Tanjong Bakeries"),
        ("New one: Redhill Dental Group, 14 clinics across Singapore.", "Redhill Dental Group"),
        ("新lead 鑫达五金 周老板 朋友介绍的 电话聊了半小时", "鑫达五金"),
        ("拜访了上海星辰电子", "上海星辰电子"),  # a place that starts a name is still the name
    ],
)
def test_the_customer_is_not_a_place_nor_the_words_around_it(text, customer):
    assert parse(text).customer == customer


@pytest.mark.parametrize(
    ("text", "activity", "task"),
    [
        ("星辰科技 打了两次 没接 明天再打", "call", False),
        ("星辰科技 打了没人接", "call", False),
        ("星辰 刚跟何总监开完会 方案认可了 后天下午4点电话跟", "meeting", False),
        (
            "Acme Ltd wanted 5% off, met them halfway. emailed the revised quote $38k",
            "email",
            False,
        ),
    ],
)
def test_a_call_nobody_answered_and_a_meeting_just_ended_are_had(text, activity, task):
    log = parse(text, KNOWN)
    assert (log.activity, log.task) == (activity, task)


@pytest.mark.parametrize(
    ("text", "stage"),
    [
        (
            "华信陈经理电话 mes那个报价改成138万发过去了 进谈判了 周五上午10点再call她",
            "negotiation",
        ),
        ("昨天去了星辰 检测设备报了十二万rmb含税 进proposal 下周四再跟进", "proposal"),
        ("星辰 方案认可了 现在proposal阶段 后天下午4点电话跟", "proposal"),
        ("星辰科技 昨晚马总微信说合同条款还要改 还在谈 明天上午11点电话", "negotiation"),
        ("星辰科技 周经理微信说项目被总部砍了😭 这单lost了", "lost"),
        ("海川能源刘总刚来电话，储能项目我们丢了，原因是他们预算砍了一半。", "lost"),
        ("新lead 鑫达五金 周老板 朋友介绍的", "lead"),
        ("called helen @ globex re the renewal. neg stage now. f/u tmr 3pm", "negotiation"),
        ("emailed Acme Ltd the revised quote $38k, still negotating. f/u next tue", "negotiation"),
        ("blue harbour - call w grace teo. mark as qualified pls", "qualified"),
        ("Acme Ltd site visit done. moving to propsal, remind me tmr 11am", "proposal"),
        ("Emailed Acme Ltd the quote, $48,500. They're at proposal stage now.", "proposal"),
    ],
)
def test_stages_said_in_a_hurry(text, stage):
    assert parse(text, KNOWN).stage == stage


def test_a_stage_said_in_a_hurry_also_makes_the_quote_the_deals_value():
    log = parse("Emailed Acme Ltd the quote, $48,500. They're at proposal stage now.", KNOWN)
    assert (log.amount, log.currency) == (Decimal(48500), "USD")


@pytest.mark.parametrize(
    ("text", "stage", "amount"),
    [
        ("lost globex lah 😤 budget frozen till next FY", "lost", None),
        ("WON globex!!! 🎉 signed the spare parts framework 250k.", "won", 250000),
        ("lost track of time at globex", None, None),  # not an outcome
        ("won over the globex CFO", None, None),
    ],
)
def test_an_outcome_before_a_known_name_in_lower_case(text, stage, amount):
    log = parse(text, KNOWN)
    assert (log.customer, log.stage, log.amount) == ("Globex Corporation", stage, amount)


@pytest.mark.parametrize(
    ("text", "contact"),
    [
        ("Ho Ka Man from Globex messaged me on WeChat, they want 2 more sites", "Ho Ka Man"),
        ("Emailed the deck to Ravi at Globex this morning. He'll loop in their CFO", "Ravi"),
        ("Invoice from Globex came in today", None),  # one word opening it is nobody
        (  # her title before the company is not the person
            "Held a video call with Helen Carter, Chief Procurement Officer at Globex",
            "Helen Carter",
        ),
        ("Visited Globex on Monday, met James the plant manager.", "James"),
        (
            "site visit at Globex with their facilities manager, checked the server room",
            "facilities manager",
        ),
        ("New one: Redhill Dental. Cold-called their ops director, interested", "ops director"),
        ("proposal sent to Globex via email, cc'd their IT head", None),  # copied in
        ("Globex fell through bc their owner froze all capex", None),  # said in passing
    ],
)
def test_the_person_before_their_company_or_met_by_title(text, contact):
    assert parse(text, KNOWN).contact == contact


def test_a_reason_after_what_they_valued():
    log = parse("签了！今天去星辰科技把合同签了，120万元，他们主要看重我们交付快。", KNOWN)
    assert log.stage == "won"
    assert log.reason is not None
    assert "交付快" in log.reason


@pytest.mark.parametrize(
    ("text", "contact"),
    [
        # an honorific right after the customer is the person's, not the person
        ("First meeting with Globex today, Mr. Tan their ops head. Quoted USD 75k", "Mr. Tan"),
        ("Met Globex, Mr. Tan was there", "Mr. Tan"),
        # a full name the rep was with, after the customer
        ("Pacific Rim visit w/ Kelvin Ong, pilot now at proposal stage", "Kelvin Ong"),
        ("Visited Globex factory with Cheung Wing Sze, they want a quote", "Cheung Wing Sze"),
        # one of ours along is not theirs; "Their" names nobody
        (
            "Met Globex today with Dan from our solutions team. Their procurement manager "
            "pushed hard on price",
            None,
        ),
        ("Visited Globex with Sarah Tan from our presales team", None),
        # a colleague from one of our departments, and theirs met after
        ("和技术部小吴一起去了星辰科技，给刘总做了演示", "刘总"),
    ],
)
def test_the_person_met_beside_a_colleague_or_a_title(text, contact):
    assert parse(text, KNOWN).contact == contact


@pytest.mark.parametrize(
    ("text", "follow_up"),
    [
        ("去了星辰科技，下月初给他们出正式报价", at(1, 9, month=12)),
        ("电话跟星辰科技确认了，下月3号去武汉当面谈", at(3, 9, month=12)),
        ("星辰科技下个月再谈", None),  # a month is no day
        ("黄总微信上说星辰科技今天下午的会改到下周四上午10点", at(26, 10)),  # our meeting, moved
        ("Note on Globex: still at proposal. Book a demo with them before month end", at(30, 9)),
    ],
)
def test_days_of_next_month_and_a_meeting_moved_are_follow_ups(text, follow_up):
    assert parse(text, KNOWN).follow_up == follow_up


@pytest.mark.parametrize(
    ("text", "customer"),
    [
        ("新客户鑫达冷链物流，今天第一次打电话，运营孙总监有兴趣", "鑫达冷链物流"),
        ("新客户德胜精工，展会上认识的，今天微信加了他们厂长", "德胜精工"),
        ("新客户都想先试用，下周再说", None),  # no company's name after the words
    ],
)
def test_a_new_customer_named_right_after_the_words_for_one(text, customer):
    assert parse(text, KNOWN).customer == customer


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (
            "Visited Globex and they signed!! won on faster delivery than Hikvision",
            "faster delivery than Hikvision",
        ),
        ("Lost Globex, we lost on price to a cheaper vendor", "price to a cheaper vendor"),
        ("Globex: won on Friday, signed at 80k", None),  # when, not why
    ],
)
def test_won_or_lost_on_gives_the_reason(text, reason):
    assert parse(text, KNOWN).reason == reason


def test_visited_typed_in_a_hurry_is_a_visit():
    log = parse("Visted Globex factory with Cheung Wing Sze", KNOWN)
    assert (log.activity, log.customer) == ("visit", "Globex Corporation")


@pytest.mark.parametrize(
    ("text", "happened", "follow_up"),
    [
        # a bare weekday with something done then is this week's, not next week's
        (
            "周一去星辰科技给他们车间做了操作培训，定在下周五下午两点再加一场",
            at(16, 10),
            at(27, 14),
        ),
        (
            "Went to Globex on Monday - terminals fixed. Check in again on the 2nd.",
            at(16, 10),
            at(2, 9, month=12),
        ),
        (
            "Globex: had mtg w/ Oliver Green Mon re Q1 upsell. f/u call 2 Dec 10am",
            at(16, 10),
            at(2, 10, month=12),
        ),
        ("周一去星辰科技做培训", None, at(23, 9)),  # nothing done yet: next Monday's plan
    ],
)
def test_a_weekday_when_something_was_done_is_behind_us(text, happened, follow_up):
    log = parse(text, KNOWN)
    assert (log.activity_at, log.follow_up) == (happened, follow_up)


@pytest.mark.parametrize(
    ("text", "customer", "contact", "stage"),
    [
        (
            "昨天在昆山博瑞精工现场装了两台设备，设备科吴工签了验收单，下周二回访",
            "昆山博瑞精工",
            "吴工",
            None,
        ),
        (
            "Went to Tanjong Pagar Freight yesterday for the training. Ops lead Siti asked for "
            "the slides",
            "Tanjong Pagar Freight",
            "Siti",
            None,
        ),
        (
            "On site at Globex yesterday for the install, 12 trucks left",
            "Globex Corporation",
            None,
            None,
        ),
    ],
)
def test_where_the_rep_was_and_a_form_signed_there(text, customer, contact, stage):
    log = parse(text, KNOWN)
    assert (log.customer, log.contact, log.stage) == (customer, contact, stage)
    assert log.activity == "visit"


@pytest.mark.parametrize(
    "text",
    [
        "To do: call Michelle Tan at Globex Corporation tmrw 11am",
        "todo - call Acme Ltd tmrw 11am re pricing",
        "TODO: visit Globex Corporation on Friday",
        "待办：下周一上午9点半给星辰科技的采购吴总打电话，约时间上门",
        "待办：下周二下午3点去拜访星辰科技的彭经理",
    ],
)
def test_a_message_headed_as_a_to_do_is_one(text):
    log = parse(text, KNOWN)
    assert (log.activity, log.task) == (None, True)
    assert log.customer in KNOWN
    assert log.contact not in ("To", "Todo")


def test_a_to_do_after_a_call_had_names_nobody():
    log = parse("Called Globex Corporation today. To do: send deck by Fri", KNOWN)
    assert (log.activity, log.contact, log.follow_up) == ("call", None, at(20, 9))


@pytest.mark.parametrize(
    "text",
    [
        "Note on Globex Corporation: Siemens is also bidding",
        "Globex Corporation - Siemens also bidding, send revised quote Fri",
        "Acme Ltd: Sysco undercut us by 5%",
        "Acme Ltd, Oracle is pitching too",
    ],
)
def test_a_competitor_after_the_customer_is_nobody_there(text):
    assert parse(text, KNOWN).contact is None


def test_a_person_after_the_customer_is_still_theirs():
    assert parse("Acme Ltd: Dave is keen", KNOWN).contact == "Dave"


@pytest.mark.parametrize(
    ("text", "customer", "contact"),
    [
        (
            "Call w/ Daniel Hughes today - he's moved from Globex Corporation to Fairlight "
            "Bakeries as COO and wants the same setup there. Send intro deck tmrw.",
            "Fairlight Bakeries",
            "Daniel Hughes",
        ),
        (
            "Rang Sophie Turner - she left Globex Corporation in Oct and is now head of data "
            "at Fenwick Rail. Sending her an intro deck tomorrow.",
            "Fenwick Rail",
            "Sophie Turner",
        ),
        ("Grace Teo has joined Acme Ltd, met her today", "Acme Ltd", "Grace Teo"),
        (
            "以前合作过的郭鹏现在在天津清泉水处理当采购总监了，今天跟他通了电话",
            "天津清泉水处理",
            "郭鹏",
        ),
        (
            "星辰科技之前的技术总监何军，现在跳槽去了华信电子有限公司，今天给他打了个电话",
            "华信电子有限公司",
            "何军",
        ),
        # moved to no company named: the one they left is what the note is about
        (
            "FYI Grace Teo has left Globex Corporation, moved to a competitor.",
            "Globex Corporation",
            "Grace Teo",
        ),
    ],
)
def test_a_person_who_moved_is_logged_where_they_are_now(text, customer, contact):
    log = parse(text, KNOWN)
    assert (log.customer, log.contact, log.customers) == (customer, contact, ())
    assert log.activity in ("call", "meeting", "note")


def test_a_phrase_after_a_dash_is_not_the_date_before_it():
    log = parse(
        "Mtg w/ Redhill Paper's CFO today - they've been buying through the old distributor "
        "and want to go direct. Send proposal by Fri 4 Dec.",
    )
    assert log.follow_up == at(4, 9, month=12)


@pytest.mark.parametrize(
    ("text", "follow_up", "task"),
    [
        (
            "Plan for Thu: drive out to Globex Corporation at 2pm to walk Rajesh through it",
            at(19, 14),
            True,
        ),
        (
            "Tomorrow:\n- 9:30am call Wong Mei Ling (Acme Ltd) re the pilot\n- prep slides",
            at(19, 9, 30),
            True,
        ),
    ],
)
def test_a_day_and_its_time_said_apart_are_one(text, follow_up, task):
    log = parse(text, KNOWN)
    assert (log.follow_up, log.task, log.activity) == (follow_up, task, None)


@pytest.mark.parametrize(
    ("text", "customer", "happened"),
    [
        (
            "昨天和售前小王一起过去苏州德润光电，见了他们设备部的钱经理，下周四发方案",
            "苏州德润光电",
            at(17, 10),
        ),
        ("昨天下午和李娜一起过去星辰科技，见了运营总监徐总", "星辰科技", at(17, 15)),
        (
            "Dropped by Globex Corporation on Monday with Priyanka from our presales team - met "
            "their facilities manager Grace Teo. Send proposal Thu 26 Nov.",
            "Globex Corporation",
            at(16, 10),
        ),
        (
            "popped in at Orchard Grove Clinics on my way back - chatted w/ their GM",
            "Orchard Grove Clinics",
            None,
        ),
        (
            "Swung by Acme Ltd yesterday - Kelvin Ong says Siemens is also bidding",
            "Acme Ltd",
            at(17, 10),
        ),
    ],
)
def test_going_there_with_a_colleague_or_in_passing_is_a_visit(text, customer, happened):
    log = parse(text, KNOWN)
    assert (log.activity, log.customer, log.activity_at) == ("visit", customer, happened)
    assert log.contact not in ("售前", "小王", "李娜", "Priyanka")


def test_dropped_by_is_no_follow_up_cue():
    log = parse(
        "Dropped by Globex Corporation on Monday - met Grace Teo. Send proposal Thu 26 Nov.", KNOWN
    )
    assert log.follow_up == at(26, 9)


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        (
            "上周五跑了一趟星辰科技，马总说三一那边报了120万，我们的报价是135万，进入谈判阶段",
            1_350_000,
        ),
        ("昨天去星辰科技跑了一趟，刘经理说用友也在报价，我们报的是68万", 680_000),
        (
            "Swung by Acme Ltd - Siemens is also bidding. Our number is $210k; theirs ~$190k",
            210_000,
        ),
    ],
)
def test_our_price_said_as_ours_is_the_deal_over_a_competitor(text, amount):
    log = parse(text, KNOWN)
    assert log.amount == amount


def test_a_po_got_by_email_is_an_email_had():
    log = parse(
        "Globex Corporation signed! Got the PO by email from their procurement manager Andrew "
        "Clarke an hour ago - $132k. Kickoff call Tue 1 Dec 10am.",
        KNOWN,
    )
    assert (log.activity, log.task, log.stage, log.contact) == (
        "email",
        False,
        "won",
        "Andrew Clarke",
    )


@pytest.mark.parametrize(
    ("text", "contact"),
    [
        (
            "Teams mtg w/ Globex Corporation's COO, Michelle Tan, this morning - SOW walked",
            "Michelle Tan",
        ),
        (
            "Visited Acme Ltd yesterday; their purchasing lead Tan Kok Meng says budget is 80k",
            "Tan Kok Meng",
        ),
        ("Acme Ltd call - Sophie Hughes says procurement is shut till Jan", "Sophie Hughes"),
    ],
)
def test_the_name_said_with_a_title_or_saying_something(text, contact):
    assert parse(text, KNOWN).contact == contact


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (
            "星辰科技的项目丢了——昨天电话里周总说最后选了本地一家供应商，价格比我们低两成。标记输单",
            "选了本地一家供应商，价格比我们低两成",
        ),
        ("星辰科技那单丢了，选了别家 原因：价格太高", "价格太高"),
        (
            "Won Globex Corporation at $64k. Oliver said it came down to our London support team.",
            "our London support team",
        ),
    ],
)
def test_what_they_chose_or_what_it_came_down_to_is_the_reason(text, reason):
    assert parse(text, KNOWN).reason == reason


@pytest.mark.parametrize(
    ("text", "contact"),
    [
        ("Tomorrow:\n- 9:30am call Wong Mei Ling (Acme Ltd) re the pilot", "Wong Mei Ling"),
        ("星辰科技的IT经理赵磊离职了，听说去了一家培训机构", "赵磊"),
        ("星辰科技的IT经理赵磊说下周来", "赵磊"),
    ],
)
def test_a_person_before_their_company_in_brackets_or_after_a_title(text, contact):
    assert parse(text, KNOWN).contact == contact


def test_an_arrow_moves_the_stage_now_after_a_date_to_come():
    log = parse(
        "Globex Corporation\n- visited them yesterday\n- budget confirmed, decision by Jan -> "
        "qualified\n- next: demo Wed 2 Dec 11am",
        KNOWN,
    )
    assert (log.stage, log.follow_up) == ("qualified", at(2, 11, month=12))


@pytest.mark.parametrize(
    ("text", "follow_up"),
    [
        # the rep says there is nothing to do: the customer's date is not a follow-up
        (
            "Visited Globex Corporation yesterday and met their CFO. He'll send floor plans by "
            "COB Friday - nothing for me to do until they arrive.",
            None,
        ),
        ("Visited Acme Ltd on Monday, shift change at 7pm. No next step set yet.", None),
        ("No next step yet with Acme Ltd, will call back Mon", at(23, 9)),
        # theirs by a wish, the rep's by "I'll"
        (
            "Acme Ltd called about ticket #88213. Lau Chi Wai wants it fixed by EOD Friday. I'll "
            "go over with our engineer the day after tomorrow at 10:30am.",
            at(20, 10, 30),
        ),
        ("Globex - coffee with Helen earlier today, they want a call tomorrow at 10", at(19, 10)),
        ("星辰科技的高总说周五下班前先把技术参数表发我", None),
        # how long something takes is no day to follow up on
        ("Won Acme Ltd at $96,500 - we can ship in 6 weeks.", None),
        (
            "Call with Acme Ltd: 14 scanners, fitted within 6 weeks. Proposal goes out Friday "
            "at 10am.",
            at(20, 10),
        ),
        ("call back Acme Ltd in 2 weeks", at(2, 9, month=12)),
        ("I'll ring Acme Ltd back tomorrow afternoon at half past three.", at(19, 15, 30)),
        ("meet Acme Ltd at quarter to ten tomorrow", at(19, 9, 45)),
    ],
)
def test_whose_date_and_how_long_decide_the_follow_up(text, follow_up):
    assert parse(text, KNOWN).follow_up == follow_up


@pytest.mark.parametrize(
    ("text", "stage", "reason"),
    [
        (
            "Lim Wei Ling from Acme Ltd just called: they're going ahead! S$96,500 total. We won "
            "on faster delivery than the incumbent - we can ship in 6 weeks.",
            "won",
            "faster delivery than the incumbent",
        ),
        (
            "Lost Acme Ltd's cold-room monitoring deal. Oliver rang this morning: budget frozen. "
            "We'd quoted $38,400.",
            "lost",
            "budget frozen",  # what happened to their money, not what we had quoted
        ),
    ],
)
def test_an_outcome_is_not_undone_by_what_had_been_done_before(text, stage, reason):
    log = parse(text, KNOWN)
    assert (log.stage, log.reason) == (stage, reason)


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        (
            "去星辰科技看了SMT车间，罗总想把8条线都换成我们的QX-9型，单线28万元，8条线合计224万元",
            2_240_000,
        ),
        ("Globex Corporation: 12 units at $4,000 each, $48,000 in total", 48_000),
    ],
)
def test_the_whole_is_the_deal_not_the_price_of_one(text, amount):
    assert parse(text, KNOWN).amount == amount


@pytest.mark.parametrize(
    ("text", "customer", "contact", "activity"),
    [
        (
            "今天接到泉州永盛五金林厂长的电话，他们想上仓储管理系统",
            "泉州永盛五金",
            "林厂长",
            "call",
        ),
        ("今天一早去芜湖启明光电看了SMT车间，生产总监罗总想换线", "芜湖启明光电", "罗总", "visit"),
        (
            "刚在盐城九洲冷链7楼跟总经理徐总聊完，明天中午12点约了徐总吃饭",
            "盐城九洲冷链",
            "徐总",
            "visit",
        ),
        ("周一在星辰科技开的评审会，结果刚出来：输了", "星辰科技", None, "meeting"),
        ("昨天下午在星辰科技12楼会议室跟黄主任开了个会", "星辰科技", "黄主任", "meeting"),
        (
            "Dropped by Acme Ltd (Level 12, Room 1203) and demoed the backup appliance to Ravi "
            "Menon. Ravi wants 15% off before he takes it to the CFO.",
            "Acme Ltd",
            "Ravi Menon",
            "visit",
        ),
    ],
)
def test_where_the_rep_was_and_whom_they_saw(text, customer, contact, activity):
    log = parse(text, KNOWN)
    assert (log.customer, log.contact, log.activity) == (customer, contact, activity)


def test_the_person_after_attn_in_a_to_do():
    log = parse(
        "To do: Thursday 3pm - send Acme Ltd the quote, attn Alvin Cheung, tel 2345 6789", KNOWN
    )
    assert (log.contact, log.follow_up, log.task, log.amount) == (
        "Alvin Cheung",
        at(19, 15),
        True,
        None,
    )


@pytest.mark.parametrize(
    ("text", "follow_up", "amount"),
    [
        ("提醒：明天１４：３０给星辰科技的李工回电话，确认下设备参数", at(19, 14, 30), None),
        ("拜访了星辰科技，报价１２．５万，下周二上午１０：００再谈", at(24, 10), 125_000),
    ],
)
def test_full_width_digits_read_as_digits(text, follow_up, amount):
    log = parse(text, KNOWN)
    assert (log.follow_up, log.amount) == (follow_up, amount)
    assert log.summary == text  # the rep's own characters are kept


@pytest.mark.parametrize(
    ("text", "stage"),
    [
        ("今天去星辰科技见了张总，报价８６万，张总基本认可，转谈判阶段了", "negotiation"),
        ("星辰科技那个项目谈崩了，付款方式谈不拢", "lost"),
    ],
)
def test_colloquial_stage_moves(text, stage):
    assert parse(text, KNOWN).stage == stage


@pytest.mark.parametrize(
    ("text", "contact"),
    [
        ("昨天下午和我们这边的小王一起去了趟星辰科技，对接的是他们采购部的小刘", "小刘"),
        ("今天一早跟我们王经理一起去星辰科技拜访了罗总，报价两百万", "罗总"),
    ],
)
def test_our_own_people_along_are_not_the_contact(text, contact):
    assert parse(text, KNOWN).contact == contact


@pytest.mark.parametrize(
    ("text", "customer"),
    [
        ("刚才跟贵阳黔丰茶业的杨总打了个电话 他们想做一套订货系统", "贵阳黔丰茶业"),
        ("扬州晨光印务那个印刷线的单子谈崩了，昨天去他们厂里跟周厂长谈了一下午", "扬州晨光印务"),
        ("张哥今天加了我微信，约了１２月１号下午２点去厂里看现场", None),
        ("听嘉和医药的朋友说，药品追溯那个项目可能要推到明年", None),
    ],
)
def test_whose_place_is_no_customer_and_a_project_is_cut_from_the_name(text, customer):
    assert parse(text).customer == customer


def test_a_note_heading_over_a_plan_is_a_to_do():
    log = parse("记一下：下礼拜二下午３点去星辰科技拜访孙经理，谈冷链仓储系统", KNOWN)
    assert (log.activity, log.task, log.follow_up) == (None, True, at(24, 15))
    assert parse("记一下：今天拜访了星辰科技", KNOWN).activity == "note"


@pytest.mark.parametrize(
    ("text", "amount", "currency"),
    [
        ("Visited Sahyadri Pharma, quoted ₹45 lakh for 3 plants", 4_500_000, "INR"),
        (
            "Call with Mr. Reddy, MD of Kaveri Agro Mills. Our INR 1.2 crore quote stands.",
            12_000_000,
            "INR",
        ),
        ("Drove out to Coolabah Wines - keen on the POS setup, all up about A$95k.", 95_000, "AUD"),
        ("Visited Acme Ltd, quoted £85k - scratch that, £58k, misread my notes.", 58_000, "GBP"),
    ],
)
def test_more_currencies_and_an_amount_corrected(text, amount, currency):
    log = parse(text, KNOWN)
    assert (log.amount, log.currency) == (amount, currency)


@pytest.mark.parametrize(
    ("text", "customer", "contact"),
    [
        (
            "Spoke with Mr. Sharma, Head of Procurement, Globex Corporation, on phone today.",
            "Globex Corporation",
            "Mr. Sharma",
        ),
        (
            "Call with Mr. Reddy, MD of Kaveri Agro Mills, Mysuru. Moving to negotiation.",
            "Kaveri Agro Mills",
            "Mr. Reddy",
        ),
        (
            "Ravi from Acme Ltd called just now lah. Cloud migration budget approved already.",
            "Acme Ltd",
            "Ravi",
        ),
        (
            "Went Orchard Retail today with Wei Jie from presales, demo to their IT head Tan "
            "Kok Meng.",
            "Orchard Retail",
            "Tan Kok Meng",
        ),
    ],
)
def test_an_honorific_a_title_of_a_company_and_our_colleague(text, customer, contact):
    log = parse(text, KNOWN)
    assert (log.customer, log.contact) == (customer, contact)


@pytest.mark.parametrize(
    ("text", "follow_up"),
    [
        (
            "Nipped over to Acme Ltd yesterday. I'll ring her Monday at 10.30. Cheers",
            at(23, 10, 30),
        ),
        (
            "Booked the deep-dive with Acme Ltd for Friday 2pm - sorry, meant Thursday 2pm.",
            at(19, 14),
        ),
        (
            "Email in from Acme Ltd:\n> Can you come by on 26th Nov?\n> Regards, Melissa\n"
            "Replied ok, 26th 2pm at their office.",
            at(26, 14),
        ),
        (
            "Cold call to Acme Ltd - he'd like a demo; booked in for a fortnight today, 11am.",
            at(2, 11, month=12),
        ),
        (
            "To do: ring Hannah Wright at Acme Ltd on Tuesday week (1 Dec) about the invoice.",
            at(1, 9, month=12),
        ),
    ],
)
def test_dates_said_the_british_way_or_corrected(text, follow_up):
    assert parse(text, KNOWN).follow_up == follow_up


def test_nothing_to_chase_is_no_reason():
    log = parse(
        "Mr. Ho from Acme Ltd phoned - budget frozen. Marking the deal lost, nothing to chase.",
        KNOWN,
    )
    assert (log.stage, log.reason, log.follow_up) == ("lost", "budget frozen", None)


@pytest.mark.parametrize(
    ("text", "customer", "contact"),
    [
        (
            "Tan Kok Meng at Globex Corporation referred me to Red Lantern Catering Pte Ltd. Intro "
            "call with their GM, Victoria Ho, this morning - about $25k.",
            "Red Lantern Catering Pte Ltd",
            "Victoria Ho",
        ),
        (
            "星辰科技的周总给我介绍了个客户：杭州西湖数码科技。今天给他们的IT负责人罗工打了电话",
            "杭州西湖数码科技",
            "罗工",
        ),
        (
            "朋友介绍了一家新客户叫凯越照明，今天打电话跟他们采购吴经理聊了20分钟",
            "凯越照明",
            "吴经理",
        ),
        # what the rep did was with the one who introduced
        (
            "lunch w Globex Corporation, they introduced me to Sino Weave Ltd",
            "Globex Corporation",
            None,
        ),
    ],
)
def test_a_referral_is_logged_to_the_company_referred_to(text, customer, contact):
    log = parse(text, KNOWN)
    assert (log.customer, log.contact) == (customer, contact)


@pytest.mark.parametrize(
    ("text", "follow_up"),
    [
        ("星辰科技的单子，集团审批卡住了，预计签约时间从12月底推到明年3月", None),
        (
            "Had a call with Mr. Kumar of Acme Ltd today. He has requested to prepone the demo "
            "from Friday to tomorrow 3pm.",
            at(19, 15),
        ),
        ("Dropped by Acme Ltd today. She signed the PO for the training, $14,500. Won.", None),
    ],
)
def test_a_date_moved_from_and_a_verb_with_by_are_no_follow_up(text, follow_up):
    assert parse(text, KNOWN).follow_up == follow_up


def test_a_competitors_quote_moves_no_stage():
    log = parse(
        "Jason Lee at Acme Ltd rang this morning - a competitor quoted them 180k for the same "
        "scope. We're not matching it. Revisit with him Thu 26th.",
        KNOWN,
    )
    assert (log.stage, log.amount, log.follow_up) == (None, None, at(26, 9))


@pytest.mark.parametrize(
    ("text", "contact"),
    [
        ("陈静刚来电话，说MES那单她领导要求再降3个点才能签", "陈静"),
        ("张伟昨天晚上微信回我了，说ERP升级的方案他们老板还在看", "张伟"),
    ],
)
def test_a_person_who_opens_the_message_is_no_customer(text, contact):
    log = parse(text)
    assert (log.customer, log.contact) == (None, contact)


@pytest.mark.parametrize(
    ("text", "stage"),
    [
        ("星辰科技丢了 客户选了本地厂", "lost"),
        ("星辰科技 签了 38万 🎉", "won"),
        ("globex corporation lost - budget frozen", "lost"),
        ("去星辰科技报价120万元 谈判中 下周一跟进", "negotiation"),
    ],
)
def test_an_outcome_or_a_state_right_after_a_known_name(text, stage):
    assert parse(text, KNOWN).stage == stage


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("更正一下：星辰科技我们的报价是56万，不是65万，昨天录错了", 560_000),
        ("星辰科技原报价146万，刘经理要求打九折，最后我们同意按140万的最终价报过去", 1_400_000),
        ("Visited Acme Ltd yesterday. Budget for next year is 300k, already approved.", None),
        ("Acme Ltd pays roughly 6k a month to a telematics vendor.", None),
        ("Acme Ltd pilot workshop: our pilot comes to US$245,000 for two sites.", 245_000),
    ],
)
def test_our_final_price_not_a_budget_a_spend_or_a_figure_taken_back(text, amount):
    assert parse(text, KNOWN).amount == amount


@pytest.mark.parametrize(
    ("text", "follow_up"),
    [
        (
            "上周四去星辰科技签了合同，合同约定12月15日前到账。我下周一上午10点跟林涛过一遍实施排期。",
            at(23, 10),
        ),
        ("星辰科技的吴经理要求12月10号前给报价。我明天下午3点先给吴经理回个电话。", at(19, 15)),
        (
            "Plan for tomorrow: video call with Sophie Turner at Acme Ltd at 4pm our time.",
            at(19, 16),
        ),
    ],
)
def test_the_reps_own_next_step_over_the_customers_dates(text, follow_up):
    log = parse(text, KNOWN)
    assert log.follow_up == follow_up


@pytest.mark.parametrize(
    ("text", "contact"),
    [
        ("今天上午又给他们运营总监孙敏打了电话，她说星辰科技想一次性都上了", "孙敏"),
        ("昨天去星辰科技拜访，对方总经理高志强亲自接待", "高志强"),
        ("yesterday visited Acme Ltd's Tuas yard, saw their new barges", None),
    ],
)
def test_a_name_not_run_into_a_verb_a_place_or_a_word_opening_a_sentence(text, contact):
    assert parse(text, KNOWN).contact == contact


def test_hosted_at_our_office_is_a_meeting_with_them():
    log = parse("Hosted Kestrel Aero Services at our office yesterday, a new name for us.")
    assert (log.activity, log.customer, log.task) == ("meeting", "Kestrel Aero Services", False)


@pytest.mark.parametrize(
    ("text", "stage"),
    [
        ("星辰科技 deal close 了！！今天一早在他们公司跟张总 sign 了合同，50万RMB", "won"),
        ("星辰科技 PO 下来了🎉 刚收到采购的邮件，这单 win 了", "won"),
        ("星辰科技的 deal 丢了😞 张总今早微信说预算冻结了，这单 close 成 lost", "lost"),
        ("今天上午跟杭州青禾生物科技的采购总监何敏微信聊了聊，先放进 pipeline 当 lead", "lead"),
    ],
)
def test_english_sales_words_in_chinese_move_the_stage(text, stage):
    assert parse(text, KNOWN).stage == stage


@pytest.mark.parametrize(
    ("text", "contact"),
    [
        ("星辰科技的 POC 跑通了！刚跟他们IT经理刘洋电话确认过", "刘洋"),
        ("昨天下午去星辰科技做现场 demo，技术总监郭涛挺感兴趣", "郭涛"),
    ],
)
def test_a_name_not_run_into_the_word_after_it(text, contact):
    assert parse(text, KNOWN).contact == contact


def test_a_cold_call_to_a_new_company_in_chinese():
    log = parse("今天打了个 cold call 给宁波港达国际物流，接电话的是IT经理黄磊")
    assert log.customer == "宁波港达国际物流"


@pytest.mark.parametrize(
    ("text", "field", "value"),
    [
        (
            "Acme Ltd: lost our champion - Wang left for a competitor last week. Deal still alive.",
            "stage",
            None,
        ),
        ("Intro meeting w/ Acme Ltd's CTO today - they're a £30m ARR business.", "amount", None),
        (
            "Emailed our RFP response to Wang Lei in Globex Corporation procurement.",
            "customer",
            "Globex Corporation",
        ),
        (
            "Halcyon Payments came in as an MQL. Emailed Marcus Reid (Head of Ops).",
            "contact",
            "Marcus Reid",
        ),
        (
            "Closed-lost: Peakline Robotics RFQ. Their buyer called - lost on lead time.",
            "customer",
            "Peakline Robotics",
        ),
        (
            "Priya rang - Acme Ltd's pilot is off, head office cancelled it. Closed-lost. No f/u.",
            "reason",
            None,
        ),
    ],
)
def test_sales_ops_words_are_no_stage_amount_customer_or_reason(text, field, value):
    assert getattr(parse(text, KNOWN), field) == value


@pytest.mark.parametrize(
    ("text", "follow_up", "task"),
    [
        (
            "Ravi Menon called - Acme Ltd wants the POC kickoff moved from Mon to Wed 25th 2pm.",
            at(25, 14),
            False,
        ),
        ("Reminder Thu 2pm: build the proposal deck for Acme Ltd's framework", at(19, 14), True),
    ],
)
def test_a_kickoff_moved_and_a_reminder_with_its_time(text, follow_up, task):
    log = parse(text, KNOWN)
    assert (log.follow_up, log.task) == (follow_up, task)


def test_a_person_with_a_role_in_brackets_before_their_company():
    log = parse("Zoom demo w/ Ian Fletcher (IT) at Lumen Insurance - went well, quote tmrw 11am")
    assert (log.customer, log.contact) == ("Lumen Insurance", "Ian Fletcher")


# --- Held-out 26 to 28's kinds (thirty-sixth session) -------------------------------------


def test_a_past_tense_opening_a_log_is_not_part_of_the_customers_name():
    log = parse("Went Orchard Retail today, met Sarah re the POS upgrade", ["Orchard Retail Group"])
    assert log.customer == "Orchard Retail Group"


def test_a_win_after_a_cheer_is_still_a_win():
    log = parse("Big one!! Globex Corporation signed the training programme today, $27,500", KNOWN)
    assert (log.customer, log.stage) == ("Globex Corporation", "won")


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("Emailed Acme Ltd the spec sheet. She'll raise PO 44718 once approved.", None),
        ("Acme Ltd: invoice #2231 paid, quoted 30k for phase 2", Decimal(30000)),
        ("星辰科技 邮件报价已发 老化测试柜8台×6.8万=54.4万 不含税 交期45天", Decimal(544000)),
        ("去了趟星辰科技，我口头报了每套46万，4套184万含税，下周五给正式报价单", Decimal(1840000)),
    ],
)
def test_an_orders_number_and_the_price_of_one_are_not_the_deal(text, amount):
    log = parse(text, KNOWN)
    assert log.amount == amount


@pytest.mark.parametrize(
    ("text", "customer", "contact"),
    [
        (
            "Met Kelvin Ong of Sentosa Leisure Holdings at the mixer last night",
            "Sentosa Leisure Holdings",
            "Kelvin Ong",
        ),
        ("Met the Port Authority of Singapore today", "Port Authority", None),
        (
            "WhatsApp from Farid at Tuas Offshore Fabricators (met him at the booth)",
            "Tuas Offshore Fabricators",
            "Farid",
        ),
        (
            "cold call - Ridgeway Plastics. spoke to their ops manager",
            "Ridgeway Plastics",
            "ops manager",
        ),
        (
            "今天一早打了一圈陌生电话，基本都没人接 就常州恒晟五金的采购胡经理聊了几句",
            "常州恒晟五金",
            "胡经理",
        ),
        (
            "博远咨询孙总帮忙介绍了个客户：上海德川物业的赵总。今天电话打过去聊了十来分钟",
            "上海德川物业",
            "赵总",
        ),
        ("今天王经理带我去星辰科技拜访了采购部杨经理，主要是认认人", "星辰科技", "杨经理"),
        (
            "Went to Globex Corporation with David (my regional director), met their MD",
            "Globex Corporation",
            "MD",
        ),
        (
            "Acme Ltd visit done. Walked Tan Kok Meng through the deck, he'll take it to his MD.",
            "Acme Ltd",
            "Tan Kok Meng",
        ),
        ("WON!! Acme Ltd signed this morning. Beat the incumbent on lead time.", "Acme Ltd", None),
    ],
)
def test_whose_person_and_which_company(text, customer, contact):
    log = parse(text, KNOWN)
    assert (log.customer, log.contact) == (customer, contact)


SINGAPORE = ZoneInfo("Asia/Singapore")


@pytest.mark.parametrize(
    ("text", "zone", "follow_up"),
    [
        (
            "Demo locked in for Mon 7/12, 10am",
            SINGAPORE,
            datetime(2026, 12, 7, 10, tzinfo=SINGAPORE),
        ),
        ("Thu 3/12 2pm at their office", SINGAPORE, datetime(2026, 12, 3, 14, tzinfo=SINGAPORE)),
        ("call them on 12/3", SHANGHAI, at(3, 9, month=12)),
        ("Follow up Tues 11/24.", SINGAPORE, datetime(2026, 11, 24, 9, tzinfo=SINGAPORE)),
        ("I'll check back with her Monday week, maybe.", SHANGHAI, at(30, 9)),
        ("Demo tmr arvo.", SHANGHAI, at(19, 15)),
        (
            "Couriered 2 units, should land Fri. Follow up Mon to see if they tested them.",
            SHANGHAI,
            at(23, 9),
        ),
        ("Acme Ltd cancelled tmrw's site visit, she's off sick. No new date yet.", SHANGHAI, None),
        ("评标结果下周出。下周二给马科长打个电话问问", SHANGHAI, at(24, 9)),
        ("跟技术部老周一起去星辰科技做技术交流，下个礼拜三前把测算表发给吴工", SHANGHAI, at(25, 9)),
    ],
)
def test_dates_as_reps_write_them(text, zone, follow_up):
    log = parse_log(text, NOW.astimezone(zone), known_customers=KNOWN)
    assert log.follow_up == follow_up


@pytest.mark.parametrize(
    ("text", "follow_up"),
    [
        ("Can we move Thurs call to Fri 3pm their time (London).", (20, 23)),
        ("Wants a demo Thu 26th 9am UK time, so 5pm ours.", (26, 17)),
        ("They're on IST so next call is Mon 2.30pm IST.", (23, 17)),
        ("Demo Mon 7/12, 10am HK time.", None),
        ("T&Cs call Tue 24th 11am SGT.", (24, 11)),
        ("Has to push Thursday's demo to next Mon 10am, their CFO can't make Thu.", (23, 10)),
        ("伦敦时间周五下午3点开会", (20, 23)),
    ],
)
def test_a_time_on_another_places_clock_is_moved_to_the_reps(text, follow_up):
    log = parse_log(text, NOW.astimezone(SINGAPORE), known_customers=KNOWN)
    if follow_up is None:  # Hong Kong's clock is Singapore's
        assert log.follow_up == datetime(2026, 12, 7, 10, tzinfo=SINGAPORE)
        return
    assert log.follow_up == datetime(2026, 11, follow_up[0], follow_up[1], tzinfo=SINGAPORE)


def test_a_to_do_names_the_company_of_the_person_at_it():
    log = parse(
        "Remind me to send Lim Wei Ling at Changi Airfreight Services the quote by COB tmrw"
    )
    assert (log.customer, log.contact, log.task) == (
        "Changi Airfreight Services",
        "Lim Wei Ling",
        True,
    )


@pytest.mark.parametrize(
    ("text", "customer", "stage"),
    [
        (
            "好消息！！常州恒力轴承输送线改造项目中标了，中标价236.8万元（含税）",
            "常州恒力轴承",
            "won",
        ),
        ("星辰科技周会计电话里确认下单了：仪表3台，一共8千4，下周一发货", "星辰科技", "won"),
        ("星辰科技纯化水设备那个标没中，输给了本地一家。这单关掉吧", "星辰科技", "lost"),
        (
            "Inbound: Gemma Walsh at Larkspur Dental Group. Called her. Logged it as a lead.",
            "Larkspur Dental Group",
            "lead",
        ),
        ("跟星辰科技确认下他们的需求", "星辰科技", None),
    ],
)
def test_a_project_after_the_company_and_outcomes_said_plainly(text, customer, stage):
    log = parse(text, KNOWN)
    assert (log.customer, log.stage) == (customer, stage)


@pytest.mark.parametrize(
    ("text", "customer"),
    [
        ("visited Larkspur Dental Group. Nice office.", "Larkspur Dental Group"),
        ("Called Foo Trading Co. today", "Foo Trading Co."),
        ("visited Bar Pte. Ltd. today", "Bar Pte. Ltd."),
    ],
)
def test_a_sentences_stop_is_not_part_of_a_new_name(text, customer):
    assert parse(text, KNOWN).customer == customer


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("星辰科技负责人老周同意元旦档期给我们做个堆投 条件是买二送一 元旦前把堆头搭好", None),
        ("星辰科技首年合同报了42万 折下来每月3.5万 他说要跟另外两家比一比", Decimal(420000)),
        ("Acme Ltd rang - invoking the LD clause, they want 5% of contract value (~£11k).", None),
        ("星辰科技报价打8折", None),
    ],
)
def test_a_festival_a_monthly_rate_and_a_penalty_are_not_the_deal(text, amount):
    assert parse(text, KNOWN).amount == amount


@pytest.mark.parametrize(
    ("text", "known", "customer", "contact"),
    [
        (
            "新锐汽配食堂的米面油想整体交给我们供 今天在他们厂里跟行政何总谈了两轮",
            ["新锐汽车零部件"],
            "新锐汽车零部件",
            "何总",
        ),
        ("给鲜丰汇便利店采购朱经理打了电话 他们条码费一个单品要2000", [], "鲜丰汇便利店", "朱经理"),
        (
            "Inbound call from Rajesh Kumar, facilities at Sentosa Cove Marina - pumps tripping.",
            [],
            "Sentosa Cove Marina",
            "Rajesh Kumar",
        ),
        (
            "Lunch w/ Daniel Cooper, ops director at Ashford Cold Storage (referred by Acme).",
            ["Acme Ltd"],
            "Ashford Cold Storage",
            "Daniel Cooper",
        ),
        (
            "周一和王经理在公司跟星辰科技的何总开了个会，谈项目延期的赔偿。",
            KNOWN,
            "星辰科技",
            "何总",
        ),
    ],
)
def test_the_company_a_person_is_at(text, known, customer, contact):
    log = parse(text, known)
    assert (log.customer, log.contact) == (customer, contact)


@pytest.mark.parametrize(
    ("text", "activity"),
    [
        ("今天一早去星辰科技送样，20件支架样品交给质量部郭工了", "visit"),
        ("刚从星辰科技出来，工会胡主席说春节福利今年想用我们的", "visit"),
        ("今天下午去星辰科技送样品", None),
    ],
)
def test_going_to_a_customer_earlier_today_is_a_visit(text, activity):
    assert parse(text, KNOWN).activity == activity


@pytest.mark.parametrize(
    ("text", "customer", "contact"),
    [
        (
            "官网来了个询盘 杭州启明生物 行政主管林女士 想做办公网络改造。刚回了电话",
            "杭州启明生物",
            "林女士",
        ),
        (
            "东莞鑫源电子要的样品今天已经顺丰寄出了，刚打电话跟他们品质部罗工说了一声",
            "东莞鑫源电子",
            "罗工",
        ),
        (
            "上周四展台上加了宁波凯达模具徐经理的微信，今天微信把报价单发过去了",
            "宁波凯达模具",
            "徐经理",
        ),
        ("今天去上海出差，见了客户", None, None),
    ],
)
def test_a_chinese_company_written_as_registered_is_found_anywhere(text, customer, contact):
    log = parse(text)
    assert (log.customer, log.contact) == (customer, contact)


@pytest.mark.parametrize(
    ("text", "follow_up"),
    [
        (
            "Anita from Corbel replied to my follow-up email today. I'll check back Monday week.",
            at(30, 9),
        ),
        ("tmrw 9.30 call back the guy from Altair Robotics", at(19, 9, 30)),
        ("Demo Thu 26th 2.30 at their office", at(26, 14, 30)),
    ],
)
def test_a_follow_up_email_is_no_cue_and_a_dotted_time_after_its_day(text, follow_up):
    assert parse(text).follow_up == follow_up


@pytest.mark.parametrize(
    ("text", "amount", "stage", "reason"),
    [
        (
            "今天去星辰科技把定制水的合同签回来了 1万瓶 单价2块5 总共2.5万元 大概8托",
            Decimal(25000),
            "won",
            None,
        ),
        (
            "星辰科技采购郑经理刚邮件确认首批订单 38家店每店20箱 货值一共9.6万元 返点按季度结2个点",
            Decimal(96000),
            "won",
            None,
        ),
        (
            "星辰科技那个项目 报价今天邮件发给林经理了 首批订单按28万报的 进场费他们说可以免",
            Decimal(280000),
            None,
            None,
        ),
        ("星辰科技这单大概30w左右 运费另算", Decimal(300000), None, None),
    ],
)
def test_an_amount_beside_other_figures_in_a_spaced_chinese_message(text, amount, stage, reason):
    log = parse(text, KNOWN)
    assert (log.amount, log.stage, log.reason) == (amount, stage, reason)


@pytest.mark.parametrize(
    ("text", "customer", "contact"),
    [
        ("加了杭州禾木文创张总的微信，聊了几句，让我先发份产品介绍", "杭州禾木文创", "张总"),
        (
            "Inbound email from Dr Lim at Marina Bay Pharma asking about cold chain monitoring.",
            "Marina Bay Pharma",
            "Dr Lim",
        ),
        (
            "Acme Ltd called - Wang Lei says the terminals run fine now. Happy customer.",
            "Acme Ltd",
            "Wang Lei",
        ),
        ("早上和技术小刘一起去星辰科技给仓库演示了WMS，反馈还不错", "星辰科技", None),
    ],
)
def test_who_and_where_in_an_ordinary_week(text, customer, contact):
    log = parse(text, KNOWN)
    assert (log.customer, log.contact) == (customer, contact)


def test_their_start_date_is_not_the_reps_next_meeting():
    log = parse(
        "跟星辰科技的李总开了个线上会，他们希望12月中旬开工。12月3号下午2点再开一次会把细节定下来",
        KNOWN,
    )
    assert log.follow_up == at(3, 14, month=12)


def test_manuals_sent_over_are_no_proposal():
    assert parse("给星辰科技的刘工发了邮件，把培训资料和使用手册都发过去了", KNOWN).stage is None


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("Acme Ltd - still in negotiation, they're pushing for 5% off the £48k.", Decimal(48000)),
        (
            "Call w/ Acme Ltd: their budget for phase 2 is signed off and we're at 64k.",
            Decimal(64000),
        ),
        (
            "Lunch w/ Acme Ltd. They want licences for 3 sites, we'd come in around S$60k.",
            Decimal(60000),
        ),
        ("Acme Ltd asked for £5k off", None),
    ],
)
def test_the_price_a_discount_comes_off_and_ours_beside_a_budget(text, amount):
    assert parse(text, KNOWN).amount == amount


def test_a_part_of_a_named_month():
    assert parse("Acme Ltd visit done. Circle back mid-Dec.", KNOWN).follow_up == at(
        15, 9, month=12
    )


@pytest.mark.parametrize(
    ("text", "activity", "task", "stage"),
    [
        ("记一下：明天上午10点半去杭州青禾餐饮见刘总，谈门店网络改造", None, True, None),
        (
            "Note to self: follow up Acme Ltd end of the month, budget opens in Dec",
            None,
            True,
            None,
        ),
        ("记一下：星辰科技要求月结", "note", False, None),
        (
            "和星辰科技开了视频会，明年门店网络改造的范围定下来了。月底前出报价",
            "meeting",
            False,
            None,
        ),
        ("星辰科技那单定给我们了，合同金额86万元", None, False, "won"),
    ],
)
def test_notes_to_do_and_a_scope_settled(text, activity, task, stage):
    log = parse(text, KNOWN)
    assert (log.activity, log.task, log.stage) == (activity, task, stage)


def test_a_weekday_where_the_rep_was_is_gone_by():
    log = parse("Was at Acme Ltd on Monday running the operator training. Went well.", KNOWN)
    assert log.follow_up is None  # not next Monday


@pytest.mark.parametrize(
    ("text", "follow_up"),
    [
        ("Demo at Acme Ltd Thu 3pm, venue TBC", at(19, 15)),
        ("Kick-off in the new year, date TBC.", None),
    ],
)
def test_only_a_date_to_be_confirmed_leaves_no_follow_up(text, follow_up):
    assert parse(text, KNOWN).follow_up == follow_up


@pytest.mark.parametrize(
    ("text", "activity", "task"),
    [
        ("Acme Ltd demo tmr arvo.", None, True),
        ("Popping into Acme Ltd this arvo to see Michelle", None, True),
        ("Visiting Acme Ltd tomorrow", None, True),
        ("Demo'd the kit to Acme Ltd today, next demo Fri", "meeting", False),
        ("Site visit at Acme Ltd - walked the plant. Will quote by Fri.", "visit", False),
    ],
)
def test_a_demo_or_a_visit_with_its_date_to_come_is_booked_not_had(text, activity, task):
    log = parse(text, KNOWN)
    assert (log.activity, log.task) == (activity, task)


@pytest.mark.parametrize(
    ("text", "activity", "task"),
    [
        (
            "Meeting w/ Helen at Acme Ltd today re the upgrade. They want a contract by Tue 24th",
            "meeting",
            False,
        ),
        (
            "WeChat w/ Wang at Acme Ltd, she wants the quote split by site. Will redo, send Thu",
            "wechat",
            False,
        ),
        ("call Acme Ltd tomorrow 10am", None, True),
        ("Call Acme Ltd. Tomorrow 10am", None, True),
    ],
)
def test_an_activity_opening_the_message_is_a_to_do_only_with_its_own_date(text, activity, task):
    log = parse(text, KNOWN)
    assert (log.activity, log.task) == (activity, task)


@pytest.mark.parametrize(
    ("text", "customer", "activity"),
    [
        ("昨天宁波凯瑞模具来了3个人验厂，带队的是品质部黄经理", "宁波凯瑞模具", "meeting"),
        (
            "今早去参加了星辰科技加药设备的开标会，5家投，我们报138.6万排第二低",
            "星辰科技",
            "meeting",
        ),
        ("星辰科技拿下了！今天一早去找孙总签了合同，一共68万元", "星辰科技", "visit"),
    ],
)
def test_chinese_meetings_and_visits_said_plainly(text, customer, activity):
    log = parse(text, KNOWN)
    assert (log.customer, log.activity) == (customer, activity)


@pytest.mark.parametrize(
    ("text", "contact"),
    [
        (
            "Wang Lei emailed first thing - she's escalated the Acme Ltd outage to her CEO.",
            "Wang Lei",
        ),
        ("Acme Ltd is a loss - Kelvin called yesterday, they went with a local vendor.", "Kelvin"),
        ("Cold called Acme Ltd, got through to their ops director Daniel Lim.", "Daniel Lim"),
        ("Acme Ltd: 80% likely now that Priya has sign-off from her MD.", None),
    ],
)
def test_who_got_in_touch_and_not_their_boss(text, contact):
    assert parse(text, KNOWN).contact == contact


@pytest.mark.parametrize(
    ("text", "customer", "contact"),
    [
        (
            "Teams call w/ Lumen Robotics (new, referred by Ravi at Globex). CTO Daniel Brooks "
            "wants the audit done before their FY closes",
            "Lumen Robotics",
            "Daniel Brooks",
        ),
        (
            "coffee w/ Daniel frm Raffles Precision this am, intro'd by ravi @ globex. need a "
            "network refresh",
            "Raffles Precision",
            "Daniel",
        ),
    ],
)
def test_who_referred_a_new_customer_is_not_the_customer(text, customer, contact):
    log = parse(text, KNOWN)
    assert (log.customer, log.contact) == (customer, contact)


@pytest.mark.parametrize(
    ("text", "stage"),
    [
        ("提醒我30号下午两点打给星辰科技的林经理，问合同回签了没", None),
        ("星辰科技合同签了吗？", None),
        ("Called Acme Ltd, asked if they've signed. Not yet", None),
        ("问了下他说星辰科技已经签了", "won"),
        ("星辰科技合同回签了", "won"),
    ],
)
def test_a_stage_asked_about_is_not_a_stage_said(text, stage):
    assert parse(text, KNOWN).stage == stage


@pytest.mark.parametrize(
    ("text", "stage"),
    [
        (
            "Call w/ Acme Ltd's CFO this morning. Our quote was too rich for them, so we've "
            "agreed to revise it to HK$380,000. Still in negotiation. Revised quote out by Mon.",
            "negotiation",
        ),
        (
            "mtg w Helen @ Acme Ltd, went thru terms. negotiation now. terms to them by fri",
            "negotiation",
        ),
        (
            "emailed Acme Ltd the licences proposal $27.5k. in proposal stage now. chase thu",
            "proposal",
        ),
        ("Called their buyer at Acme Ltd - we'll quote US$54,600. Quote out by Fri.", None),
        ("去鼎盛报价120万元 谈判中 下周一跟进", "negotiation"),
    ],
)
def test_a_quote_still_to_go_out_does_not_move_the_stage(text, stage):
    assert parse(text, KNOWN).stage == stage


def test_a_deal_not_won_is_lost_and_the_price_gap_is_not_its_value():
    log = parse("星辰科技续订那单没拿下，王经理来电话说选了本地一家，价格便宜了小两万", KNOWN)
    assert (log.stage, log.amount) == ("lost", None)


@pytest.mark.parametrize(
    ("text", "follow_up"),
    [
        (
            "周一去了趟星辰科技，法务还在改条款。12月1号上午我过去取合同原件",
            at(1, 9, month=12),
        ),
        ("星辰科技PO下来了！！胡总催着12月中旬进场，下周二开启动会", at(24, 9)),
        (
            "pac rim slipping to Q1 - board won't approve til jan. ping her first monday of jan",
            datetime(2027, 1, 4, 9, 0, tzinfo=SHANGHAI),
        ),
    ],
)
def test_the_follow_up_is_the_reps_next_step(text, follow_up):
    assert parse(text, KNOWN).follow_up == follow_up


@pytest.mark.parametrize(
    ("text", "contact"),
    [
        ("call w james wilson @ acme ltd yday, quoted £48k. needs FD sign off", "james wilson"),
        ("pls remind me to call rajesh @ acme ltd tmrw 2pm re rollout dates", "rajesh"),
        ("ho ka man frm acme ltd called just now - they've gone w another vendor", "ho ka man"),
        (
            "popped into acme ltd on the way in, met kelvin ong their new facilities mgr",
            "kelvin ong",
        ),
        ("cold called Acme Ltd, got thru to aaron lim (ops mgr). keen on a demo", "aaron lim"),
        (
            "visited acme ltd this morning met with priya nair and their head of biomed",
            "priya nair",
        ),
        ("pls remind me call back mr goh @ Acme Ltd tmrw 10am", "mr goh"),
        ("call w the team @ acme ltd", None),
        ("voicemail from acme ltd, called back, no answer", None),
        ("acme ltd want to go ahead at 72k usd, negotiating terms now", None),
        ("fyi acme ltd switching AP systems, all invoices to ap@acme.co.uk from now on", None),
    ],
)
def test_a_name_typed_in_lower_case_is_read_where_only_a_person_would_be(text, contact):
    assert parse(text, KNOWN).contact == contact


def test_a_kickoff_call_with_its_date_is_booked_not_had():
    log = parse("Acme Ltd signed!! £46k. kickoff call w michelle tan mon 23rd 11am", KNOWN)
    assert log.activity != "call"
    assert log.follow_up == at(23, 11)


def test_a_demo_for_their_team_is_the_reps_next_step_and_a_typo_is_still_a_stage():
    log = parse(
        "video call w oliver @ acme ltd, he liked it alot. qualfied. demo for their ops team "
        "wed 25th 5pm",
        KNOWN,
    )
    assert (log.stage, log.follow_up) == ("qualified", at(25, 17))


@pytest.mark.parametrize(
    ("text", "contact"),
    [
        ("华信陈静刚来电话，那单卡在价格上，王经理批了最多再让5%，我报了最终价137.75万", "陈静"),
        ("星辰科技陈列馆说要改", None),
        (
            "Closed a quick one at Acme Ltd 🙌 Dr Ng Siew Hoon signed at their clinic",
            "Dr Ng Siew Hoon",
        ),
    ],
)
def test_who_the_rep_dealt_with_not_our_manager_who_approved(text, contact):
    assert parse(text, ["华信电子", "星辰科技", "Acme Ltd"]).contact == contact


@pytest.mark.parametrize(
    ("text", "follow_up"),
    [
        (
            "星辰科技的合同今天终于签字盖章了！！86万，赶在月底前落袋🎉 下周一把发票开给他们",
            at(23, 9),
        ),
        ("Closed a quick one before month end 🙌 Acme Ltd, $18.4k all in", None),
        ("星辰科技要赶在月底前签掉", at(30, 9)),
        (
            "昨天去星辰科技，跟黄总把那单敲定了。黄总说选我们主要是交期能保证在12月底前。赢单！"
            "12月第一个周一开启动会",
            at(7, 9, month=12),
        ),
    ],
)
def test_a_deadline_already_beaten_and_the_customers_date_are_not_the_follow_up(text, follow_up):
    assert parse(text, KNOWN).follow_up == follow_up


def test_a_contract_signed_and_stamped_is_won():
    log = parse("星辰科技的合同张总今天上午终于签字盖章了！！86万", KNOWN)
    assert (log.stage, log.amount) == ("won", Decimal(860000))


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (
            "Acme Ltd - lost the refresh. James called late last Friday, they've gone with the "
            "incumbent who threw in free support. Closing it lost. That was a big chunk of my Q4",
            "gone with the incumbent who threw in free support",
        ),
        (
            "Acme Ltd - LOST 😩 they went w a cheaper local vendor",
            "went with a cheaper local vendor",
        ),
        ("星辰科技那单确认输了。标记丢单，明年他们还有个二期，到时候再跟", None),
    ],
)
def test_the_reason_is_why_not_what_comes_after_marking_it(text, reason):
    assert parse(text, KNOWN).reason == reason


def test_a_short_form_of_each_word_and_their_meeting_is_not_ours():
    log = parse(
        "pac rim ph2 slipping to Q1 - Priya says board won't approve capex til their jan meeting",
        ["Pacific Rim Logistics"],
    )
    assert (log.customer, log.activity) == ("Pacific Rim Logistics", None)


@pytest.mark.parametrize(
    ("text", "customer"),
    [
        ("刚才有个电话打进来，南京金陵特种玻璃的罗经理，说展会上拿过我们资料", "南京金陵特种玻璃"),
        ("昨天去昆山陌拜了一家做注塑的，门卫不让进，回头再打电话", None),
        ("记一下：下周一下午3点去苏州工业园区的德研自动化拜访吴总", "德研自动化"),
    ],
)
def test_a_call_coming_in_a_town_and_a_trade_are_not_the_customers_name(text, customer):
    assert parse(text).customer == customer


@pytest.mark.parametrize(
    "text",
    [
        "明天上午十点半去星辰科技见吴总，带样机过去做演示",
        "记一下：下周一下午3点去星辰科技拜访吴总，第一次见面，带上案例资料",
    ],
)
def test_a_chinese_sentence_opening_with_a_day_to_come_plans_each_deed_in_it(text):
    log = parse(text, KNOWN)
    assert (log.activity, log.task) == (None, True)


@pytest.mark.parametrize(
    ("text", "contact"),
    [
        ("去了趟星辰科技，老板不在，跟厂长聊了半小时，下周一再打电话约老板", "厂长"),
        (
            "Teams mtg yesterday w/ Acme Ltd - Jason Lee + their finance guy - on the contract",
            "Jason Lee",
        ),
    ],
)
def test_the_person_met_not_the_boss_who_was_away(text, contact):
    assert parse(text, KNOWN).contact == contact


@pytest.mark.parametrize(
    ("text", "customer"),
    [
        (
            "Took over Marina Bay Dental Group from Sophie (she's left). Intro call today with "
            "their practice mgr Rachel Lim",
            "Marina Bay Dental Group",
        ),
        (
            "刚接到常州恒力模具采购吴经理的电话，是星辰科技那边介绍过来的，想了解检测设备",
            "常州恒力模具",
        ),
    ],
)
def test_the_customer_taken_over_or_referred_not_who_handed_it_over(text, customer):
    assert parse(text, KNOWN).customer == customer


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("昨天在星辰科技跟马总谈了一下午，价格从65万压到58万，算正式进入谈判了", Decimal(580000)),
        ("Acme Ltd quote revised from $64k to $58,500", Decimal(58500)),
        ("Acme Ltd budget went from 50k to 80k", None),
        (
            "Intro call with Siti at Acme Ltd. They've got roughly S$200k set aside for licences "
            "next year, nothing quoted yet.",
            None,
        ),
    ],
)
def test_the_price_it_came_to_and_not_a_budget_set_aside(text, amount):
    log = parse(text, KNOWN)
    assert log.amount == amount
    assert log.stage != "proposal"


@pytest.mark.parametrize(
    ("text", "follow_up"),
    [
        (
            "Acme Ltd - Michelle called, has to push tomorrow's meeting. New slot Mon 30 Nov, "
            "3.30pm",
            at(30, 15, 30),
        ),
        ("记一下：星辰科技的服务合同12月31号到期，下周五下午3点前把续约报价发给高经理", at(27, 15)),
        ("Intro call with Acme Ltd, renewal due 15 Jan. Demo booked Tue 24th 2pm.", at(24, 14)),
        (
            "Wang from Acme Ltd rang - terminals down, got support to remote in, sorted in 30 min.",
            None,
        ),
        ("call Acme Ltd back in 30 min", at(18, 10, 30)),
    ],
)
def test_a_slot_given_up_a_contracts_end_and_time_taken_are_no_follow_up(text, follow_up):
    assert parse(text, KNOWN).follow_up == follow_up


def test_the_day_of_a_demo_moved_is_not_when_the_call_was():
    log = parse(
        "Rang Olivia at Acme Ltd to move Thursday's product demo. Now Tue 1 Dec, 11am.", KNOWN
    )
    assert (log.activity, log.activity_at, log.follow_up) == ("call", None, at(1, 11, month=12))


@pytest.mark.parametrize(
    ("text", "activity", "contact"),
    [
        ("quick catch up call w/ Emma Walker at Acme Ltd. nothing to sell", "call", "Emma Walker"),
        (
            "QBR with Helen Carter at Acme Ltd yesterday. Everyone happy.",
            "meeting",
            "Helen Carter",
        ),
        ("Acme Ltd QBR pushed to Thu 26th 2.30pm", None, None),
        ("接手了老陈留下的客户星辰科技，今天第一次上门，设备部吴经理说用得还行", "visit", "吴经理"),
    ],
)
def test_what_kind_of_call_and_who_was_in_it(text, activity, contact):
    log = parse(text, KNOWN)
    assert (log.activity, log.contact) == (activity, contact)


@pytest.mark.parametrize(
    ("text", "stage", "contact"),
    [
        (
            "Andrew Hughes just rang - Acme Ltd have signed the spare parts framework, £48,000 "
            "over two years 🎉",
            "won",
            "Andrew Hughes",
        ),
        ("Acme Ltd have signed the NDA, demo next week", None, None),
    ],
)
def test_a_customer_that_has_signed_is_won_but_not_for_an_nda(text, stage, contact):
    log = parse(text, KNOWN)
    assert (log.stage, log.contact) == (stage, contact)


def test_a_kickoff_call_booked_after_a_win_is_not_a_call_had():
    log = parse(
        "Acme Ltd renewal done - Sarah signed this morning, £48,300 for 2027. Kickoff call w/ "
        "their ops team Tue 1 Dec 10am",
        KNOWN,
    )
    assert (log.activity, log.follow_up) == (None, at(1, 10, month=12))


def test_a_full_name_with_their_company_in_brackets():
    log = parse("Lunch w/ Tan Kok Meng (Sentosa Leisure Holdings) yday - old reseller customer")
    assert (log.customer, log.contact) == ("Sentosa Leisure Holdings", "Tan Kok Meng")


@pytest.mark.parametrize(
    ("text", "customer"),
    [
        ("called Nobody Trading 12, asked for a brochure", "Nobody Trading"),
        ("called All Seasons Hotel, asked for a brochure", "All Seasons Hotel"),
    ],
)
def test_a_company_named_with_a_word_that_names_nobody_alone(text, customer):
    """ "Everyone" and "Both" open sentences and name no one; "Nobody Trading" and "All
    Seasons Hotel" are still companies."""
    assert parse(text).customer == customer


@pytest.mark.parametrize(
    ("text", "customer"),
    [
        (
            "WhatsApp w/ Mr Rajesh from Klang Valley Cold Storage, he got my number from Acme "
            "Ltd. Wants a demo - booked Thu 26 Nov 3pm",
            "Klang Valley Cold Storage",
        ),
        ("星辰科技何经理介绍了苏州恒通精密的朱总，今天微信上加了好友聊了几句", "苏州恒通精密"),
        ("展会上加的那个青岛海顺冷链的物流总监郑总，今天电话聊了半小时", "青岛海顺冷链"),
        ("扬州晨光印务那个印刷线的单子谈不拢", "扬州晨光印务"),
    ],
)
def test_who_sent_them_and_where_they_were_met_are_not_the_customer(text, customer):
    assert parse(text, KNOWN).customer == customer


@pytest.mark.parametrize(
    ("text", "follow_up", "activity"),
    [
        ("周一给星辰科技刘经理打了电话 他说今年预算用完了 项目先放放 明年再说", None, "call"),
        (
            "Phoned Richard at Acme Ltd on Fri - their invoice query was a wrong PO ref, "
            "reissued. All sorted, no further action.",
            None,
            "call",
        ),
        (
            "Zoom booked with Acme Ltd tonight 9pm (Laura + their CTO) to go through the renewal",
            at(18, 21),
            None,
        ),
    ],
)
def test_a_call_made_on_monday_and_a_zoom_booked_for_tonight(text, follow_up, activity):
    log = parse(text, KNOWN)
    assert (log.follow_up, log.activity) == (follow_up, activity)


@pytest.mark.parametrize(
    ("text", "contact"),
    [
        ("昨天下午和小陈跑了星辰科技、华信两家，都是例行回访", None),
        (
            "刚从星辰科技出来，和技术部小刘一起给他们做了现场演示，对方技术总监杨总带了两个工程师参加",
            "杨总",
        ),
    ],
)
def test_a_colleague_who_came_along_is_not_the_contact(text, contact):
    assert parse(text, [*KNOWN, "华信"]).contact == contact


def test_a_price_that_came_down_with_le():
    log = parse("昨晚给星辰科技何总发了邮件，ERP升级的报价从95万降到了88万元，等他回复", KNOWN)
    assert log.amount == Decimal(880000)


@pytest.mark.parametrize(
    ("text", "stage"),
    [
        ("Cold called Acme Ltd, got through to Marcus. Adding as a lead.", "lead"),
        ("Visited Acme Ltd yesterday. Added them as a lead. Case studies by Fri.", "lead"),
        ("Emailed Acme Ltd the formal quote, HK$780k — deal now at proposal.", "proposal"),
        ("Acme Ltd revised renewal S$18,750 sent over, marked proposal. f/u next Wed", "proposal"),
        ("星辰科技李主任把预算和时间表都确认了，可以转有效商机了", "qualified"),
        ("星辰科技MES项目 报价调到138万 已经在谈判阶段了 周五再确认", "negotiation"),
    ],
)
def test_more_ways_a_stage_is_said(text, stage):
    assert parse(text, KNOWN).stage == stage


def test_a_slot_the_rep_pencilled_in_is_their_step():
    log = parse(
        "Rang Kelvin at Acme Ltd re the new terminals. He wants a site survey first - "
        "pencilled in Mon 30 Nov, 10am.",
        KNOWN,
    )
    assert log.follow_up == at(30, 10)


def test_a_stage_to_be_marked_once_stamped_is_not_marked_now():
    log = parse(
        "星辰科技45万元的合同正在走他们的盖章流程，等盖完章再改赢单。我下周三前把排期表发过去",
        KNOWN,
    )
    assert log.stage is None


def test_the_old_price_before_the_price_now():
    log = parse(
        "星辰科技林芳刚回微信，原报价23.6万元，她老板想再降5%。最多给到22.8万，进入谈判阶段", KNOWN
    )
    assert log.amount == Decimal(228000)
    log = parse("Acme Ltd: original quote was 64k, revised to 58k", KNOWN)
    assert log.amount == Decimal(58000)


def test_a_known_name_on_the_way_is_not_the_customer():
    log = parse(
        "Dropped by Sentosa Bay Resort on the way back from Acme this morning - IT manager "
        "Rajesh Kumar gave me 20 mins.",
        KNOWN,
    )
    assert (log.customer, log.contact) == ("Sentosa Bay Resort", "Rajesh Kumar")


def test_a_teams_mtg_and_a_company_in_brackets_after_a_title():
    log = parse(
        "Teams mtg last night w/ Fiona Reid (COO, Harrow & Vale Logistics, London) - looking "
        "at warehouse automation. Qualified. Site visit Tue 1 Dec 11am."
    )
    assert (log.activity, log.customer, log.contact) == (
        "meeting",
        "Harrow & Vale Logistics",
        "Fiona Reid",
    )


@pytest.mark.parametrize(
    ("text", "contact"),
    [
        ("昨天下午陪王经理去了常州天宁精工，第一次拜访，见了生产总监蒋总，聊质量检测设备", "蒋总"),
        ("早上跟星辰科技的陈静（采购经理）通了电话，合同条款基本谈妥了", "陈静"),
        ("星辰科技 今天call了下 那个deal她老板基本点头了 下周三再跟她confirm合同", None),
    ],
)
def test_a_colleague_escorted_a_name_before_its_title_and_her_boss(text, contact):
    assert parse(text, KNOWN).contact == contact


@pytest.mark.parametrize(
    ("text", "stage"),
    [
        (
            "They liked it, moving Acme Ltd to proposal - quote is $64,000, sending tomorrow.",
            "proposal",
        ),
        (
            "Priya rang - Acme Ltd is going with us on the telematics rollout!! PO on its way.",
            "won",
        ),
        ("Met Tobias at Acme Ltd. Quoted US$12,800 total. Lead for now; formal quote Fri.", "lead"),
        ("not sure Acme Ltd is going with us", None),
    ],
)
def test_a_move_with_the_customer_between_and_won_said_as_going_with_us(text, stage):
    assert parse(text, KNOWN).stage == stage


def test_going_with_us_on_a_project_is_not_why():
    log = parse("Acme Ltd is going with us on the fleet telematics rollout!!", KNOWN)
    assert log.reason is None


def test_a_note_to_self_is_a_to_do():
    log = parse(
        "note to self chase acme ltd about the October invoice um Thursday first thing", KNOWN
    )
    assert (log.activity, log.task) == (None, True)


def test_follow_in_a_chinese_message_is_the_next_step():
    log = parse("星辰科技 call了张总 报价他们内部还在过 周五在follow下", KNOWN)
    assert (log.follow_up, log.activity_at) == (at(20, 9), None)


def test_a_tender_not_won_and_the_bidder_who_won_it():
    log = parse("很遗憾，星辰科技污水在线监测项目未能中标，据了解中标方报价低了约15%。", KNOWN)
    assert log.stage == "lost"


def test_cold_calls_are_calls_and_name_no_customer():
    log = parse("昨天打了一上午陌拜电话，就合肥中能电气的汪经理聊得比较好，已经发他邮箱了")
    assert (log.activity, log.customer) == ("call", "合肥中能电气")


@pytest.mark.parametrize(
    ("text", "contact"),
    [
        ("跟渠道的小马去了趟嘉兴禾丰纺织，见了老板娘沈总，她们想把ERP换掉", "沈总"),
        (
            "今天去星辰科技拜访了一下，那个原来对接的郑经理调走了，新来的冯经理挺好说话的",
            "冯经理",
        ),
        ("昨天下午跟杭州禾木教育的朱校长开了个视频会", "朱校长"),
    ],
)
def test_a_channel_colleague_one_who_moved_on_and_a_headmaster(text, contact):
    assert parse(text, KNOWN).contact == contact


def test_a_spending_threshold_is_not_the_deal():
    log = parse("FYI Acme Ltd's new CFO wants any IT spend over 50k to go out to tender.", KNOWN)
    assert log.amount is None


@pytest.mark.parametrize(
    ("text", "stage"),
    [
        (
            "Emailed Acme Ltd the quote, £18,400. Deal's at proposal now. Chase Fri 27th.",
            "proposal",
        ),
        (
            "Acme Ltd confirm already!! Priya just called - telematics rollout is ours, S$212,000.",
            "won",
        ),
    ],
)
def test_deals_at_proposal_and_a_rollout_that_is_ours(text, stage):
    assert parse(text, KNOWN).stage == stage


@pytest.mark.parametrize(
    ("text", "follow_up"),
    [
        ("note to self - ring Kelvin at Acme Ltd tmrw half 2 re the POS numbers", at(19, 14, 30)),
        (
            "Acme Ltd's Ravi emailed asking to push Friday's Zoom to Mon 23rd 10.30. Accepted.",
            at(23, 10, 30),
        ),
    ],
)
def test_half_two_and_a_dotted_time_before_a_full_stop(text, follow_up):
    assert parse(text, KNOWN).follow_up == follow_up


def test_an_ms_teams_call_and_a_person_with_title_and_company():
    log = parse(
        "MS Teams w/ Kenneth Goh (IT mgr, Bukit Timah Motors) - walked him thru our quote, "
        "S$54,800. Proposal stage."
    )
    assert (log.activity, log.customer, log.contact) == (
        "meeting",
        "Bukit Timah Motors",
        "Kenneth Goh",
    )


@pytest.mark.parametrize(
    "text",
    [
        "昨天下午在公司接待了南京同创智造的邹总一行三个人，给他们讲了MES的几个成功案例",
        "今天一早杭州云栖数科的CTO陈晓东带两个同事来公司，给他们演示了云服务器方案",
    ],
)
def test_a_customer_who_came_to_us_is_a_meeting(text):
    assert parse(text).activity == "meeting"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (
            "Acme Ltd: lost. Emma phoned this morning, they're staying with the incumbent, "
            "purely on price.",
            "staying with the incumbent, purely on price",
        ),
        (
            "Lost Acme Ltd :( James emailed this morning, they're going with a cheaper local "
            "supplier. Closing it out.",
            "going with a cheaper local supplier",
        ),
        (
            "Acme Ltd rang. Sarah told me they're staying with the incumbent, so we lost it.",
            "staying with the incumbent",
        ),
    ],
)
def test_whom_they_are_staying_or_going_with_is_why_it_was_lost(text, reason):
    assert parse(text, KNOWN).reason == reason


@pytest.mark.parametrize(
    ("text", "contact"),
    [
        (
            "Site check at Acme Ltd's warehouse today. Scanners all fine, their cold store is not.",
            None,
        ),
        ("Acme Ltd: went on site. Vendor patch applied, stable 48h now.", None),
        ("visited Acme Trading today, Wang wants a quote", "Wang"),
        ("cold call to Acme Ltd - Mark in purchasing, not interested rn", "Mark"),
    ],
)
def test_a_thing_opening_a_sentence_is_no_contact(text, contact):
    assert parse(text, KNOWN).contact == contact


def test_went_on_site_on_a_weekday_is_last_week():
    log = parse(
        "Acme Ltd: went on site Mon re the new terminals crashing. Check back Friday week.", KNOWN
    )
    assert (log.activity, log.activity_at, log.follow_up) == ("visit", at(16, 10), at(27, 9))


@pytest.mark.parametrize(
    ("text", "follow_up"),
    [
        (
            "Phoned Priya at Acme Ltd - remaining 12 units slip to 4 Dec (supplier backlog). "
            "Confirm ship date w/ her Mon 30th.",
            at(30, 9),
        ),
        (
            "FYI Lau Chi Wai at Acme Ltd is on leave till mid Dec, nothing will move before then.",
            None,
        ),
        ("Acme Ltd的尾款拖了快两个月，老板出差签不了字，下周二才回来。下周三再催", at(25, 9)),
    ],
)
def test_their_slip_or_leave_is_no_step_and_chasing_is(text, follow_up):
    assert parse(text, KNOWN).follow_up == follow_up


def test_a_credit_note_is_not_the_deal():
    log = parse(
        "Teams meeting w/ Rachel at Acme Ltd. Agreed a S$1,200 credit note on their next invoice.",
        KNOWN,
    )
    assert log.amount is None


@pytest.mark.parametrize(
    ("text", "activity", "task", "stage"),
    [
        ("Google Meet w/ Priya Nair from Acme Ltd - 40 of 52 trucks live.", "meeting", False, None),
        ("Need to get the QBR deck to Helen at Acme Ltd by Mon 30th", None, True, None),
        (
            "Video call with Dr Rao at Acme Ltd, took him through our proposal. In proposal now.",
            "meeting",
            False,
            "proposal",
        ),
    ],
)
def test_google_meet_a_qbr_deck_and_in_proposal_now(text, activity, task, stage):
    log = parse(text, KNOWN)
    assert (log.activity, log.task, log.stage) == (activity, task, stage)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (
            "Acme Ltd signed!! £48k. Strong refs from Camden swung it. Kickoff call Mon 10am",
            "Strong refs from Camden",
        ),
        (
            "Acme Ltd signed!! HK$380k. Ho Ka Man said our references from HK sealed it.",
            "our references from HK",
        ),
        (
            "Acme Ltd signed!! He said our delivery lead times beat the incumbent.",
            "our delivery lead times beat the incumbent",
        ),
        (
            "WON acme ltd!!! 250k. faster delivery than the incumbent was what clinched it",
            "faster delivery than the incumbent",
        ),
        ("星辰科技那单丢了 黄经理微信上说他们老板定了本地供应商 没戏了", "定了本地供应商"),
        (
            "星辰科技环保监测那个标黄了，被本地一家供应商拿走，报价比我们低十来万",
            "被本地一家供应商拿走，报价比我们低十来万",
        ),
        (
            "星辰科技的运维还是没保住，高敏说总部统一采购了别家的，这单就按输单处理吧",
            "采购了别家的",
        ),
    ],
)
def test_what_swung_it_and_whom_they_chose_instead(text, reason):
    assert parse(text, KNOWN).reason == reason


def test_the_price_it_came_down_to_from_what_was_quoted():
    log = parse(
        "跟星辰科技陈静电话谈了MES的价格，原来报的145万，最后让到138万，我周三再问问结果", KNOWN
    )
    assert log.amount == Decimal(1_380_000)


@pytest.mark.parametrize(
    ("text", "stage"),
    [
        ("🎉🎉刚从星辰科技出来 安防二期合同签啦！！32万 吴总当场盖的章", "won"),
        ("星辰科技的生产线改造丢了，刚跟采购赵经理通完电话确认的", "lost"),
        ("星辰科技线上会刚开完 说价格能到38w就直接签 阶段挪到谈判 明天出合同草稿", "negotiation"),
    ],
)
def test_signed_with_la_lost_with_le_and_a_stage_moved_with_nuo(text, stage):
    assert parse(text, KNOWN).stage == stage


def test_the_reason_after_zhuyao_haishi():
    log = parse("星辰科技那单拿下了！！合同五十六万元。主要还是老客户信任我们，售后口碑好", KNOWN)
    assert log.reason == "老客户信任我们，售后口碑好"


@pytest.mark.parametrize(
    ("text", "activity_at", "follow_up"),
    [
        (
            "周一星辰科技何总带着采购来公司看了设备的演示，当场把报价给了，42万，进入方案阶段",
            at(16, 10),
            None,
        ),
        (
            "本周一在我司会议室接待了星辰科技高律师一行三人。拟于11月27日（周五）赴星辰科技做详细演示。",
            at(16, 10),
            at(27, 9),
        ),
    ],
)
def test_this_monday_that_happened_and_a_weekday_in_brackets(text, activity_at, follow_up):
    log = parse(text, KNOWN)
    assert (log.activity, log.activity_at, log.follow_up) == ("meeting", activity_at, follow_up)


@pytest.mark.parametrize(
    "text",
    [
        "Acme Ltd want the fleet telematics rollout live by 15 Jan. Walked the yard today.",
        "FYI Acme Ltd's CFO Emma Walker is leaving end of Dec (saw it on LinkedIn).",
    ],
)
def test_what_they_want_live_and_who_is_leaving_set_no_follow_up(text):
    assert parse(text, KNOWN).follow_up is None


def test_a_department_and_company_in_brackets():
    log = parse("Met Lim Wei Ling (procurement, Sembawang Cold Storage) at the expo last week.")
    assert (log.customer, log.contact) == ("Sembawang Cold Storage", "Lim Wei Ling")


def test_someone_called_by_name_is_not_a_company():
    log = parse("今天早上有个叫徐志强的加我微信，说是温州瑞安德力阀门厂的厂长，朋友推荐过来的")
    assert log.customer != "叫徐志强"


@pytest.mark.parametrize(
    ("text", "customer", "contact"),
    [
        (
            "call w/ Alvin, owner of Marina Bay Print Co - referral frm Kelvin at Acme Ltd. "
            "add as lead pls.",
            "Marina Bay Print Co",
            "Alvin",
        ),
        (
            "星辰科技张总帮忙牵的线，介绍了他老同学的公司——深圳前海汇通支付。刚跟他们CTO吴涛视频了一个小时",
            "深圳前海汇通支付",
            "吴涛",
        ),
        (
            "WhatsApp from Rajesh Kumar - he's left Acme Ltd and is now plant manager at Jurong "
            "Precision Castings.",
            "Jurong Precision Castings",
            "Rajesh Kumar",
        ),
    ],
)
def test_who_referred_them_and_where_a_contact_moved(text, customer, contact):
    log = parse(text, KNOWN)
    assert (log.customer, log.contact) == (customer, contact)


def test_chase_is_the_reps_step_over_their_expected_date():
    log = parse(
        "Kelvin @ Acme Ltd rang - PO stuck w/ their finance, now expected mid Dec. chase tue", KNOWN
    )
    assert log.follow_up == at(24, 9)


def test_a_quantity_is_not_the_deal():
    log = parse("Teams mtg at Acme Ltd - qty ~5k/month, approx £85k/yr. moving to proposal", KNOWN)
    assert log.amount == Decimal(85_000)


@pytest.mark.parametrize(
    "text",
    [
        "3rd email to Ashford Precision since the show and still nothing from their buyer.",
        "昨天上海智能制造展展台收获两个有效线索，都加了微信，下周一统一电话跟进",
    ],
)
def test_an_ordinal_or_a_trade_show_is_no_customer(text):
    assert parse(text).customer not in ("3rd", "上海智能制造")


def test_a_colleague_brought_along_is_not_the_contact():
    log = parse("今天一早带售前小刘去了趟星辰科技，给张总把ERP升级方案从头讲了一遍", KNOWN)
    assert log.contact == "张总"


def test_a_customer_after_an_enquiry():
    log = parse(
        "官网表单来了个询盘：常州恒泰新材料，徐经理，问云服务器年度订阅怎么收费。明早10点给他回电"
    )
    assert (log.customer, log.contact) == ("常州恒泰新材料", "徐经理")
    assert parse("星辰科技那个询盘可以关了，说上周已经跟别家签了。丢单", KNOWN).customers == ()


@pytest.mark.parametrize(
    ("text", "stage"),
    [
        (
            "First win off the trade show!! Tampines Fresh Mart signed the 12-month fleet "
            "telematics deal this morning, US$48,000.",
            "won",
        ),
        ("Acme Ltd haven't signed the renewal yet, chasing Fri", None),
    ],
)
def test_signed_the_deal(text, stage):
    assert parse(text, KNOWN).stage == stage


@pytest.mark.parametrize(
    ("text", "customer"),
    [
        ("Visted Northwnd Traders yday, walked Sarah thru the framework.", "Northwnd Traders"),
        ("Remind me Mon 10am to send Kestrel Ventures the draft order form.", "Kestrel Ventures"),
        ("emailed intro deck to Quayside Print, f/u mon", "Quayside Print"),
        (
            "First win!! Tampines Fresh Mart signed the 12-month deal this morning.",
            "Tampines Fresh Mart",
        ),
    ],
)
def test_a_company_named_by_what_it_is(text, customer):
    assert parse(text).customer == customer


@pytest.mark.parametrize(
    ("text", "customer"),
    [
        ("今天接到苏州恒美家纺行政主管吴女士的电话，想了解办公网络改造", "苏州恒美家纺"),
        ("给青岛海润冷链采购部的林经理发了邮件介绍仓储方案，周四再电话追一下", "青岛海润冷链"),
        ("跑了趟城北批发市场 鑫源商行陈哥说可以先拿几件试试", "城北批发市场"),
        (
            "Lunch yesterday with Sandra Yip, GM of Causeway Bay Events Co. Quoted HK$380,000.",
            "Causeway Bay Events Co.",
        ),
        (
            "Video meeting with Ningbo Harvest Machinery Co. Ltd (Chinese OEM) this morning.",
            "Ningbo Harvest Machinery Co. Ltd",
        ),
    ],
)
def test_a_company_without_the_role_or_sentence_after_it(text, customer):
    assert parse(text).customer == customer


def test_what_they_wish_a_price_came_down_to_is_not_agreed():
    log = parse(
        "星辰科技高总今天又打电话来砍价，想从48万降到45万，我说得请示一下领导。还在谈判", KNOWN
    )
    assert log.amount == Decimal(480_000)
    log = parse("星辰科技报价从48万降到45万，进入谈判", KNOWN)
    assert log.amount == Decimal(450_000)


def test_their_decision_date_is_no_follow_up():
    log = parse(
        "Discovery mtg on Zoom with Laura (Acme Ltd). Decision by end of Jan. Qualified. "
        "Proposal to go out next Wed.",
        KNOWN,
    )
    assert log.follow_up == at(25, 9)


@pytest.mark.parametrize(
    ("text", "customer", "contact"),
    [
        ("收到一封询价邮件，南京盛达物业行政部的高雪，问安防监控的价格", None, "高雪"),
        ("今天打了几个陌生电话，常州汇通机电的采购主管吴静有点意向", "常州汇通机电", "吴静"),
    ],
)
def test_a_counted_email_is_no_company_and_a_name_stops_before_you(text, customer, contact):
    log = parse(text)
    assert (log.customer, log.contact) == (customer, contact)


def test_a_meeting_on_a_weekday_followed_by_what_was_done_happened():
    log = parse(
        "Mtg at Acme Ltd on Monday with Wing Sze + their counsel. Went through the MSA redlines. "
        "Now in negotiation. Next round Thu 26th 2:30pm.",
        KNOWN,
    )
    assert (log.activity, log.activity_at, log.follow_up) == ("meeting", at(16, 10), at(26, 14, 30))


@pytest.mark.parametrize(
    ("text", "contact"),
    [
        (
            "周一跟技术部小刘去星辰科技做了现场演示，生产部郭经理和几个车间主任都在，反馈不错",
            "郭经理",
        ),
        ("昨天带小王去了趟星辰科技，陈静领我们看了新厂房", "陈静"),
        ("今天一早去了趟星辰科技，跟陈静聊了MES二期的事，她说老板那边基本同意了", "陈静"),
    ],
)
def test_a_colleague_from_a_department_one_brought_and_the_boss_she_speaks_of(text, contact):
    assert parse(text, [*KNOWN, "陈静"]).contact in (contact, None)
    assert parse(text, KNOWN).contact not in ("小刘", "小王", "老板")


def test_an_inbound_call_frm_a_person_at_a_company_and_a_ballpark():
    log = parse(
        "Inbound call frm Fiona Reid, ops mgr at Clyde Valley Foods - wants a quote. "
        "sending proposal next mon, ballpark $85k"
    )
    assert (log.customer, log.contact, log.amount) == (
        "Clyde Valley Foods",
        "Fiona Reid",
        Decimal(85_000),
    )


@pytest.mark.parametrize(
    ("text", "customer"),
    [
        (
            "Kelvin at Acme Ltd put me onto Alan Chua, IT manager at Sentosa Bay Resorts. 20 min "
            "call just now.",
            "Sentosa Bay Resorts",
        ),
        (
            "New web enquiry – Hollis & Grant Solicitors, London, need a network refresh. Emailed "
            "Laura Evans back, call booked Mon 23rd 5pm.",
            "Hollis & Grant Solicitors",
        ),
    ],
)
def test_whom_a_customer_put_me_onto_and_a_web_enquiry(text, customer):
    log = parse(text, KNOWN)
    assert log.customer == customer
    assert log.contact != "London"


def test_won_it_for_us_marking_that_one_lost_and_their_cut_off():
    log = parse("Acme Ltd have signed, S$210k!! She said our references won it for us.", KNOWN)
    assert log.reason == "our references"
    log = parse(
        "Acme Ltd's app project is dead - head office cancelled it. Marking that one lost. "
        "Scanner order still on.",
        KNOWN,
    )
    assert (log.stage, log.reason) == ("lost", None)
    log = parse("Rang Acme Ltd re Xmas delivery cut-offs - OK with last orders on 18 Dec.", KNOWN)
    assert log.follow_up is None


def test_a_to_do_headed_without_a_colon_and_a_budget_past_the_comma():
    log = parse("待办 明天给星辰科技吴总发员工培训服务的合同草稿", KNOWN)
    assert (log.task, log.activity) == (True, None)
    log = parse("给星辰科技孙经理打了电话，二期预算批下来了，大概60万，进入需求确认阶段", KNOWN)
    assert log.amount is None


def test_signed_the_deal_without_a_longer_name_for_it():
    assert parse("Tampines Fresh Mart signed the deal today, 45k").stage == "won"
    assert parse("Lion City Bakery hasn't signed the deal yet").stage is None


@pytest.mark.parametrize(
    ("text", "customer", "contact"),
    [
        ("下午去杭州禾丰农业科技人事部聊了培训需求", "杭州禾丰农业科技", None),
        ("提醒我下周三下午两点半去青岛港联物流见物流部刘总", "青岛港联物流", "刘总"),
        ("刚接到东莞顺达五金厂陈老板的电话，说在展会上拿过我们的资料", "东莞顺达五金厂", "陈老板"),
        ("朋友介绍的苏州立诚光电，今天跟采购周经理电话聊了二十来分钟", "苏州立诚光电", "周经理"),
        ("展会上加的杭州澄源环境，今天跟他们高总通了电话", "杭州澄源环境", "高总"),
        ("常州恒通电梯 李经理 电话沟通 想了解安防监控 下周四去现场看看", "常州恒通电梯", "李经理"),
        ("昨天去嘉兴禾丰饲料修包装线的传感器，另外两条线也想换成我们的", "嘉兴禾丰饲料", None),
        ("温州瓯江阀门设备科的张哥今天加了我微信", "温州瓯江阀门", "张哥"),
        ("加了杭州绿叶生鲜运营总监马丽的微信，聊了聊冷链仓储的需求", "杭州绿叶生鲜", "马丽"),
        ("常州天宁印染的采购主管钱丽主动打电话过来", "常州天宁印染", "钱丽"),
        ("今天陌拜电话打给宁波甬达模具，采购周经理说他们明年想上MES", "宁波甬达模具", "周经理"),
        ("老客户介绍的无锡新澄半导体，今天加了他们设备部吴磊的微信", "无锡新澄半导体", "吴磊"),
    ],
)
def test_a_chinese_company_and_person_past_what_the_rep_did_titles_and_departments(
    text, customer, contact
):
    log = parse(text)
    assert (log.customer, log.contact) == (customer, contact)


def test_a_payment_come_in_is_not_the_deal():
    log = parse("星辰科技第二期款今天到账了，30万，财务那边已经确认。尾款等验收完再付", KNOWN)
    assert log.amount is None
    log = parse("给星辰科技打了电话，120万合同的付款节点改成3:4:3", KNOWN)
    assert log.amount == Decimal(1_200_000)


def test_a_weekday_right_after_a_call_that_came_in_is_gone_by():
    log = parse(
        "Jane (Acme Ltd) called Monday asking if the audit can start earlier - told her 7 Dec "
        "works. Kick-off call Wed 2 Dec 2.30pm",
        KNOWN,
    )
    assert log.activity_at == at(16, 10)
    assert log.follow_up == at(2, 14, 30, month=12)


def test_how_long_a_quote_stands_is_no_follow_up():
    log = parse(
        "刚给星辰科技发了报价单，总价¥428,000，报价有效期到月底。下周三打电话问问反馈", KNOWN
    )
    assert log.follow_up == at(25, 9)
    assert parse("Sent Acme Ltd the quote, price valid till 30 Nov", KNOWN).follow_up is None


def test_two_customers_keep_the_first_ones_person():
    log = parse("昨天跑了两家：星辰科技找吴经理核了一下数量；华信电子见了郭总，聊明年的大屏", KNOWN)
    assert log.customers == ("星辰科技", "华信电子有限公司")
    assert log.contact == "吴经理"


def test_a_teams_meeting_in_chinese_and_a_name_before_what_they_raised():
    log = parse("今早跟 Acme Trading 的 Chan Ka Ho 开了个 Teams 会，报价他嫌贵", KNOWN)
    assert (log.activity, log.task) == ("meeting", False)
    log = parse("跟星辰科技开了个线上会，IT经理黄涛提了几个接口问题", KNOWN)
    assert log.contact == "黄涛"
    assert parse("新线索：合肥科力新材料 官网留言咨询能耗监测").activity == "note"


@pytest.mark.parametrize(
    ("text", "customer"),
    [
        ("11月18日拜访记录\n客户：星辰科技\n对接人：运营总监罗海燕\n阶段：需求确认", "星辰科技"),
        ("拜访记录\n客户：润丰生物 聊了方案", "润丰生物"),
        ("Visit report\nCustomer: Lion City Bakery\nMet the owner", "Lion City Bakery"),
        ("周五前给宁波甬信电器的杨总发两台检测设备的报价，别忘了", "宁波甬信电器"),
        ("明早10点前把安防方案发给重庆渝北实验中学的黄主任 别忘了", "重庆渝北实验中学"),
        ("加了广州悦华酒店集团工程部陈工的微信", "广州悦华酒店集团"),
        ("今天一早去拜访了昆明滇池水业设备科钱科长", "昆明滇池水业"),
        ("刚接到绍兴越秀纺机采购马经理的电话", "绍兴越秀纺机"),
        ("今天早上顺路去了一下杭州西溪印务，聊了包装线", "杭州西溪印务"),
        ("Wessex Components - left VM for Andrew Cooper re the samples, try again Thurs",
         "Wessex Components"),
        ("First order from Pelican Marine Services! PO came through by email from Aaron Lim",
         "Pelican Marine Services"),
    ],
)  # fmt: skip
def test_a_labelled_customer_and_names_after_a_day_a_trip_or_a_delivery(text, customer):
    assert parse(text, [*KNOWN, "Wessex Components"]).customer == customer


def test_today_said_first_is_when_it_happened():
    log = parse("今天早上去了一下星辰科技，就是上个月展会上加了微信的那家，聊了包装线", KNOWN)
    assert (log.activity, log.activity_at) == ("visit", None)


@pytest.mark.parametrize(
    ("text", "contact"),
    [
        ("第一次去了宁波远洋冷链，是东方精密的何经理介绍过去的。接待我的是设备部钱主任", "钱主任"),
        ("海川能源吴总介绍的 苏州汇通新材料采购部周经理 今天电话聊了20分钟", "周经理"),
        ("Sai Kung Marine Services asking for pricing. Contact is Ben Cheung, ops manager.",
         "Ben Cheung"),
    ],
)  # fmt: skip
def test_whoever_introduced_them_is_not_the_contact(text, contact):
    assert parse(text).contact == contact


def test_a_po_that_came_through_is_won():
    assert parse("Acme Ltd PO came thru this morning, HK$420,000", KNOWN).stage == "won"
    assert parse("waiting for the Acme Ltd PO to come through", KNOWN).stage is None


def test_a_weekday_with_its_part_of_day_and_what_they_asked():
    log = parse("周一下午和星辰科技的杨工开了个线上会，答应他这周五之前给个书面答复", KNOWN)
    assert (log.activity, log.activity_at, log.task) == ("meeting", at(16, 15), False)
    assert log.follow_up == at(20, 9)
    log = parse(
        "收到星辰科技的邮件，问那批扫码设备12月中之前能不能到货，已回复。下周一再跟他确认数量",
        KNOWN,
    )
    assert log.follow_up == at(23, 9)


def test_a_bare_hour_before_what_the_call_is_about():
    log = parse("remind me to call Kelvin at Acme Ltd tmrw at 2 re the quote", KNOWN)
    assert log.follow_up == at(19, 14)
    log = parse("Call back Acme Ltd on Monday at 11 re their POS enquiry", KNOWN)
    assert (log.follow_up, log.task) == (at(23, 11), True)
    assert parse("met them at 3 sites", KNOWN).follow_up is None


@pytest.mark.parametrize(
    ("text", "contact"),
    [
        ("Acme Ltd signed!! $126k. Sophie Clarke sent the PO over this morning.", "Sophie Clarke"),
        ("Emailed Acme Ltd the revised quote. James Wilson is reviewing it with finance.",
         "James Wilson"),
        ("Acme Ltd emailed about lead times. Wong Mei Ling wants a formal quote by Fri.",
         "Wong Mei Ling"),
        ("Acme Ltd rang - Cheung Wing Sze asking about lead time on 200 terminals.",
         "Cheung Wing Sze"),
    ],
)  # fmt: skip
def test_a_full_name_that_wants_asks_or_sent_is_the_contact(text, contact):
    assert parse(text, KNOWN).contact == contact


def test_with_two_customers_the_seconds_person_is_not_the_firsts():
    log = parse(
        "Courtesy calls done: Acme Ltd (Ravi - all good) and Globex Corporation (Jason Lee wants "
        "the Oct report resent).",
        KNOWN,
    )
    assert log.contact != "Jason Lee"
    log = parse("周一在苏州 顺路拜访了星辰科技和华信电子 星辰那边马总说Q1才有预算", KNOWN)
    assert log.contact == "马总"


@pytest.mark.parametrize(
    "text",
    [
        "明天上午10点半约了星辰科技赵总视频会，聊备件框架协议，记一下",
        "记一下 下周三下午两点去福州闽信电力拜访刘总 聊安防监控那个项目",
    ],
)
def test_a_plan_noted_down_is_a_to_do(text):
    log = parse(text, KNOWN)
    assert (log.activity, log.task) == (None, True)


def test_a_remark_about_next_month_stays_a_note():
    assert parse("备注 星辰科技下个月换采购负责人", KNOWN).activity == "note"


@pytest.mark.parametrize(
    "text",
    [
        "周一去沈阳星辰科技见了郭总，生产线改造他们压价压得厉害",
        "Went down to Acme Ltd on Monday and met Rajesh Kumar",
        "At Acme Ltd's office yesterday afternoon - demo'd the dashboard to Ravi Menon",
    ],
)
def test_meeting_someone_where_the_rep_went_is_a_visit(text):
    assert parse(text, KNOWN).activity == "visit"


def test_a_logs_day_heading_a_visit_is_gone_by_but_not_a_call_to_make():
    log = parse("Mon: site visit at Acme Ltd w/ Ho Ka Man (IT lead). POS rollout on track.", KNOWN)
    assert (log.activity, log.activity_at, log.follow_up) == ("visit", at(16, 10), None)
    log = parse("Fri: call Acme Ltd re renewal", KNOWN)
    assert (log.task, log.follow_up) == (True, at(20, 9))


def test_how_many_of_a_thing_is_not_its_price():
    log = parse(
        "Dropped by Acme Ltd on Monday. Lau Chi Wai wants pricing for about 20k tags.", KNOWN
    )
    assert log.amount is None


@pytest.mark.parametrize(
    ("text", "customer", "contact"),
    [
        ("Inbound email from Mark Ellison, Head of Ops at Hartley & Finch (UK 3PL) - wants a demo",
         "Hartley & Finch", "Mark Ellison"),
        ("Coffee with Andrew Cooper, CFO of Bukit Timah Clinics (Ravi's referral). They want the "
         "same setup Acme Ltd has.", "Bukit Timah Clinics", "Andrew Cooper"),
    ],
)  # fmt: skip
def test_a_person_then_their_title_at_their_company(text, customer, contact):
    log = parse(text, KNOWN)
    assert (log.customer, log.contact) == (customer, contact)


@pytest.mark.parametrize(
    ("text", "contact"),
    [
        ("Teams call w/ Acme Ltd (Laura Hall + their CFO): licences down to $61k", "Laura Hall"),
        ("Note - Acme Ltd are reviewing suppliers in Jan. Their MD prefers WhatsApp, so keep "
         "Kelvin Ong in the loop.", "Kelvin Ong"),
    ],
)  # fmt: skip
def test_a_person_named_over_a_title_beside_them(text, contact):
    assert parse(text, KNOWN).contact == contact


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("Acme Ltd network refresh is lost - Cheung Wing Sze emailed this morning, budget frozen "
         "till next FY. Ping her again 1 Feb.", "budget frozen till next FY"),
        ("星辰科技ERP项目黄了，徐总昨天晚上打电话来说总部决定明年再上，预算冻结了，只能先标丢单",
         "总部决定明年再上，预算冻结了"),
        ("星辰科技续订没保住，王经理刚电话里说集团统一采购换成了阿里云，这单标丢单吧",
         "集团统一采购换成了阿里云"),
        ("Acme Ltd closed won - £47.5k. Sophie signed. What swung it: references from other UK "
         "food distributors.", "references from other UK food distributors"),
    ],
)  # fmt: skip
def test_why_it_was_lost_as_what_happened_and_what_swung_it(text, reason):
    assert parse(text, KNOWN).reason == reason


def test_the_reps_own_day_over_what_they_said_they_would_do():
    log = parse(
        "星辰科技尾款拖了一个多月了，刚给财务马姐打电话，她说审批走完了，这周五之前能付。"
        "下周一我再查下到账没有",
        KNOWN,
    )
    assert log.follow_up == at(23, 9)
    log = parse(
        "今天一早去华信电子拜访陈静，MES项目最终报价谈到138万，她说要报给老板批，月底前给答复。"
        "已经进入谈判阶段了，下周三下午两点再过去一趟",
        KNOWN,
    )
    assert log.contact != "老板"  # her boss, who approves; not whom the rep met
    assert log.follow_up == at(25, 14)
    log = parse("去星辰科技见了设备科郭主任，他说要上会讨论，下周三下午两点再去一趟", KNOWN)
    assert log.follow_up == at(25, 14)


def test_a_weekday_after_a_bracketed_title_and_a_review_attended():
    log = parse(
        "Met Ben Ashworth (ops mgr, Harlow Cold Storage) at the logistics expo Monday. Add as a "
        "lead pls, intro call Tue 1 Dec 11am."
    )
    assert (log.activity_at, log.follow_up) == (at(16, 10), at(1, 11, month=12))
    log = parse(
        "周一参加了星辰科技的供应商评审会，会后说我们进了短名单，12月3号下午两点去做技术答辩", KNOWN
    )
    assert (log.activity, log.activity_at, log.task) == ("meeting", at(16, 10), False)


def test_a_referrers_company_is_not_the_customer_and_the_step_after_a_dash_is_the_reps():
    log = parse(
        "Sent an intro email and two case studies to Fenwick & Rowe Solicitors (London) - office "
        "manager Hannah Cooper, referred by Helen at Acme Ltd. Follow up Mon 30th.",
        KNOWN,
    )
    assert log.customer == "Fenwick & Rowe Solicitors"
    log = parse(
        "Emailed Acme Ltd the quote, S$18,600 incl install. Dr Lim said she'd reply by Friday - "
        "chase Mon if nothing.",
        KNOWN,
    )
    assert log.follow_up == at(23, 9)


@pytest.mark.parametrize(
    "text",
    [
        "Acme Ltd: Richard Turner retiring end of Dec. Need to meet whoever takes over.",
        "FYI Acme Ltd moving HQ to Tuas from 4 Jan - all deliveries to the new address after that.",
        "Rang Acme Ltd and Globex Corporation to confirm the Xmas cut-off, both ok with 15 Dec.",
    ],
)
def test_their_own_days_are_no_follow_up(text):
    assert parse(text, KNOWN).follow_up is None


def test_days_offered_are_not_an_amount():
    log = parse(
        "Call with Acme Ltd on T&Cs - they want 60 days, we offered 45. In negotiation.", KNOWN
    )
    assert log.amount is None


def test_they_went_with_us_is_a_win():
    log = parse(
        "Went over to Acme Ltd and James signed - £48,000. Closed won, they went with us because "
        "we can deliver faster than the incumbent.",
        KNOWN,
    )
    assert (log.stage, log.reason) == ("won", "we can deliver faster than the incumbent")


@pytest.mark.parametrize(
    ("text", "customer", "contact"),
    [
        ("星辰陈静介绍了她老同学，常州天宁电子的采购经理许婷。刚电话聊了", "常州天宁电子", "许婷"),
        ("展会上加的微信，南京科润医疗的技术主管唐工今天主动发消息", "南京科润医疗", "唐工"),
        ("Met Marcus Yeo (head of procurement, Sembawang Cold Chain) at the lunch today.",
         "Sembawang Cold Chain", "Marcus Yeo"),
    ],
)  # fmt: skip
def test_a_referrers_person_where_they_met_and_a_long_title_in_brackets(text, customer, contact):
    log = parse(text, KNOWN)
    assert (log.customer, log.contact) == (customer, contact)


def test_when_the_rep_is_writing_is_no_follow_up():
    log = parse(
        "晚上十点多了补记一下：今天下午在星辰科技开了快三个小时的会。明天上午10点前把会议纪要发给刘经理",
        KNOWN,
    )
    assert (log.follow_up, log.task) == (at(19, 10), False)
    log = parse(
        "Just off the phone w/ Jane at Acme Ltd (nearly 9pm!). Into negotiation. Calling her back "
        "tmrw 2pm.",
        KNOWN,
    )
    assert log.follow_up == at(19, 14)


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("给星辰科技周总发了封邮件，附了年度订阅的介绍和报价，一年6.8万，等他回复", 68_000),
        ("去星辰科技聊明年的备件框架协议，现场报了个价，一年大概38万，周五再打电话", 380_000),
        ("长青农业周会计确认下单了：仪表3台，单价2800块，一共8千4，下周一发货", 8_400),
    ],
)
def test_a_yearly_price_said_after_the_quote(text, amount):
    assert parse(text, [*KNOWN, "长青农业"]).amount == Decimal(amount)


@pytest.mark.parametrize(
    ("text", "customer", "contact"),
    [
        ("got an email from Hannah Price at Kestrel Aviation Services asking for a qoute",
         "Kestrel Aviation Services", "Hannah Price"),
        ("coffee this am w/ Marcus Webb, ops director at Fenwick Cold Storage (referal from Acme "
         "Ltd). need warehouse automation", "Fenwick Cold Storage", None),
        ("Kelvin at Acme Ltd referred me to his old boss Hannah Cooper, now CTO at Leeds Packaging "
         "Ltd. 30 min video call this morning", "Leeds Packaging Ltd.", "Hannah Cooper"),
        ("去苏州工业园拜访了一家新客户，苏州立德光电，马经理接待的", "苏州立德光电", "马经理"),
        ("早上打了一圈陌生电话，只有常州新誉包装的采购黄主管聊了几句", "常州新誉包装", "黄主管"),
        ("今日上午拜访合肥新能储能科技有限公司副总经理周建国，进行了初步交流",
         "合肥新能储能科技有限公司", "周建国"),
    ],
)  # fmt: skip
def test_the_company_of_the_person_met_not_a_referrer_a_park_or_a_title(text, customer, contact):
    log = parse(text, KNOWN)
    assert log.customer == customer
    if contact:
        assert log.contact == contact


@pytest.mark.parametrize(
    "text",
    [
        "Mon's QBR w/ Helen Carter @ Acme Ltd went well - looking at a security audit in Q1.",
        "Lunch w/ Wong Mei Ling (Acme Ltd) Monday, mostly catching up - she hinted they may "
        "revisit the ERP upgrade in Q1.",
        "周一和星辰科技开了季度复盘会，许总对上线效果挺满意",
    ],
)
def test_a_weekday_told_as_done_later_in_its_sentence_is_gone_by(text):
    log = parse(text, KNOWN)
    assert (log.activity, log.activity_at) == ("meeting", at(16, 10))
    assert log.follow_up is None or log.follow_up > at(23, 9)


@pytest.mark.parametrize(
    ("text", "stage"),
    [
        (
            "Sarah from Acme Ltd just rang - they've signed the ERP upgrade!! $130k over 2 yrs.",
            "won",
        ),
        ("Acme Ltd is a go! Lau Chi Wai rang to confirm the ERP upgrade at HK$680,000.", "won"),
        ("Acme Ltd have signed with us!", "won"),
        ("Lost the Acme Ltd renewal :( Laura phoned, they've signed with a local firm", "lost"),
    ],
)
def test_who_they_signed_with(text, stage):
    assert parse(text, KNOWN).stage == stage


def test_a_price_per_vehicle_beside_the_total_and_a_name_before_plus():
    log = parse(
        "Visited Acme Ltd, met Peter Lang (MD). 60 vans at $1,150 per vehicle so $69k all in.",
        KNOWN,
    )
    assert log.amount == Decimal(69_000)
    assert parse("星辰科技新来的采购经理朱明加上微信了，简单聊了几句", KNOWN).contact == "朱明"


def test_a_new_customer_after_a_trip_and_one_referred_by_a_known_ones_person():
    log = parse("一早去见了个新客户 杭州云栖纺织 老板徐总 想上ERP 先当lead跟着")
    assert (log.customer, log.contact) == ("杭州云栖纺织", "徐总")
    log = parse(
        "Spoke to Aaron Chua at Lion City Dental Group today - Michelle Tan at Acme Ltd referred "
        "him. 4 clinics.",
        KNOWN,
    )
    assert (log.customer, log.contact) == ("Lion City Dental Group", "Aaron Chua")


def test_what_they_said_keeps_its_last_character_and_a_company_its_last_word():
    log = parse("星辰科技ERP项目黄了，徐总打电话来说总部决定明年再上丢单", KNOWN)
    assert log.reason == "总部决定明年再上"
    log = parse("Coffee with Andrew Cooper, CFO of Bukit Timah Clinics and their IT lead today.")
    assert (log.customer, log.contact) == ("Bukit Timah Clinics", "Andrew Cooper")
