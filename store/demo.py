"""A realistic demo workspace, so a new user can try every feature before typing any data.

It models a small Chinese B2B sales team (a manager, three reps, one of them in Singapore)
with three months of history: companies, contacts, deals that walked through the pipeline,
calls and visits, and follow-up tasks. Everything is generated from a seeded
``random.Random`` and placed relative to ``clock.now()``, so the same seed and clock give the
same workspace (tests and docs can rely on it) and the data always looks "current".

The loader writes through an ordinary audited session: the demo data is indistinguishable
from data typed in chat, and the audit log shows where it came from (platform ``demo``).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Final
from zoneinfo import ZoneInfo

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.ext.asyncio import AsyncSession

from store.db import Database
from store.models import (
    Activity,
    ActivityKind,
    Company,
    Contact,
    Contract,
    ContractPayment,
    Deal,
    DealStageChange,
    Role,
    Task,
    Ticket,
    User,
)
from store.pipeline import CLOSED_STAGES, DEFAULT_PROBABILITY, DEFAULT_STAGES
from store.types import Clock
from store.users import UserError, add_member, create_user, ensure_team, find_team, find_user

TEAM_NAME: Final = "East"
N_DEALS: Final = 60
N_ACTIVITIES: Final = 300
N_OPEN_TASKS: Final = 40
N_DONE_TASKS: Final = 20
HISTORY_DAYS: Final = 90
SHANGHAI: Final = ZoneInfo("Asia/Shanghai")

OPEN_STAGES: Final[tuple[str, ...]] = tuple(s for s in DEFAULT_STAGES if s not in CLOSED_STAGES)
WON, LOST = CLOSED_STAGES


# --------------------------------------------------------------------------- static data


@dataclass(frozen=True)
class _UserSeed:
    name: str
    display_name: str
    role: Role
    lang: str
    tz: str
    currency: str | None = None  # None: the workspace's default (CNY)


USERS: Final[tuple[_UserSeed, ...]] = (
    _UserSeed("admin", "Ada Admin", Role.ADMIN, "en", "Asia/Shanghai"),
    _UserSeed("wang", "王经理", Role.MANAGER, "zh", "Asia/Shanghai"),
    _UserSeed("li", "李娜", Role.REP, "zh", "Asia/Shanghai"),
    _UserSeed("zhang", "张强", Role.REP, "zh", "Asia/Shanghai"),
    _UserSeed("tom", "Tom Baker", Role.REP, "en", "Asia/Singapore", "USD"),
    _UserSeed("zhou", "周静", Role.SERVICE, "zh", "Asia/Shanghai"),
)
TEAM_MEMBERS: Final = ("wang", "li", "zhang", "tom")
SERVICE_TEAM: Final = "Service"
SERVICE_MEMBERS: Final = ("wang", "zhou")
"""The after-sales group: 周静 works its tickets, 王经理 manages it (escalations go to him)."""
N_CONTRACTS: Final = 8
TICKETS: Final[tuple[tuple[str, str, str, str, str | None, int | None], ...]] = (
    # (summary, type, priority, state, resolution, score); state: open / queue / closed
    ("{company}的打印机坏了，很急", "repair", "urgent", "open", None, None),
    ("{company}: the new terminals keep crashing", "repair", "high", "open", None, None),
    ("{company}咨询发票抬头怎么改", "question", "low", "queue", None, None),
    ("{company}投诉上次安装延误", "complaint", "normal", "closed", "已上门致歉并补偿一次保养", 2),
    ("{company}的服务器无法启动", "repair", "urgent", "closed", "更换电源，已恢复", 5),
    ("{company}: invoice sent to the wrong address", "complaint", "normal", "closed",
     "Re-sent to the right contact", 4),
)  # fmt: skip
SLA_HOURS: Final = {"urgent": (1, 8), "high": (4, 24), "normal": (8, 72), "low": (24, 168)}
"""The default SLA targets (store.ticket_policy.DEFAULT_SLA), as the demo writes them."""
REPS: Final = ("li", "zhang", "tom")


@dataclass(frozen=True)
class _CompanySeed:
    name: str
    industry: str
    city: str
    domain: str
    owner: str
    region: str  # "cn", "sg", "hk" or "uk": decides phone formats, language and currency

    @property
    def zh(self) -> bool:
        return self.region == "cn"


def _cn(name: str, industry: str, city: str, domain: str, owner: str) -> _CompanySeed:
    return _CompanySeed(name, industry, city, domain, owner, "cn")


# Ownership is explicit so the named companies land with a predictable rep: li (the rep the
# summary suggests trying) owns 星辰科技 and the ambiguous Acme pair, so one chat session shows
# both a Chinese and an English customer and the "which Acme?" question.
COMPANIES: Final[tuple[_CompanySeed, ...]] = (
    _cn("星辰科技", "软件", "深圳", "xingchen-tech.cn", "li"),
    _cn("华信电子有限公司", "电子制造", "苏州", "huaxin-elec.com", "zhang"),
    _cn("东方精密机械有限公司", "机械制造", "宁波", "dfjm.com.cn", "li"),
    _cn("蓝海物流", "物流", "上海", "lanhai-logistics.cn", "zhang"),
    _cn("金桥建材集团", "建材", "杭州", "jinqiao-group.com", "li"),
    _cn("瑞丰医疗器械", "医疗器械", "广州", "ruifeng-med.com", "zhang"),
    _cn("明德教育科技", "教育", "北京", "mingde-edu.cn", "li"),
    _cn("恒远化工有限公司", "化工", "南京", "hengyuan-chem.com", "zhang"),
    _cn("云帆信息技术", "软件", "成都", "yunfan-it.cn", "li"),
    _cn("新锐汽车零部件", "汽车零部件", "武汉", "xinrui-auto.com", "zhang"),
    _cn("天润食品", "食品", "郑州", "tianrun-food.cn", "li"),
    _cn("华夏纺织", "纺织", "绍兴", "huaxia-textile.com", "zhang"),
    _cn("海川能源", "新能源", "合肥", "haichuan-energy.cn", "li"),
    _cn("博远咨询", "咨询", "上海", "boyuan-consulting.cn", "zhang"),
    _cn("宏达包装材料", "包装", "东莞", "hongda-pack.com", "li"),
    _cn("绿源环保科技", "环保", "天津", "lvyuan-env.cn", "zhang"),
    _cn("鼎盛地产", "房地产", "重庆", "dingsheng-re.com", "li"),
    _cn("智联通信设备", "通信", "深圳", "zhilian-tel.com", "zhang"),
    _cn("安泰保险经纪", "金融", "上海", "antai-ib.cn", "li"),
    _cn("长青农业发展", "农业", "长沙", "changqing-agri.cn", "zhang"),
    _cn("中科微电子", "半导体", "无锡", "zkwdz.com", "li"),
    _cn("锦程酒店管理", "酒店", "厦门", "jincheng-hotels.cn", "zhang"),
    _cn("力拓重工", "机械制造", "沈阳", "lituo-heavy.com", "li"),
    _cn("美程家居", "家居", "佛山", "meicheng-home.com", "zhang"),
    _cn("正和律师事务所", "法律服务", "北京", "zhenghe-law.cn", "li"),
    _cn("飞鸿航空服务", "航空", "西安", "feihong-aviation.cn", "zhang"),
    _cn("嘉禾医药", "医药", "济南", "jiahe-pharma.com", "li"),
    _cn("万通供应链", "物流", "青岛", "wantong-scm.com", "zhang"),
    _cn("优品电商", "电子商务", "杭州", "youpin-ec.cn", "li"),
    _cn("天工智能装备", "工业自动化", "苏州", "tiangong-ai.com", "zhang"),
    _cn("华美广告传媒", "广告", "广州", "huamei-media.cn", "li"),
    _cn("百川水务", "公用事业", "昆明", "baichuan-water.cn", "zhang"),
    _CompanySeed("Acme Ltd", "Manufacturing", "Singapore", "acme.com.sg", "li", "sg"),
    _CompanySeed("Acme Trading", "Trading", "Hong Kong", "acmetrading.com.hk", "li", "hk"),
    _CompanySeed("Globex Corporation", "Energy", "London", "globex.co.uk", "tom", "uk"),
    _CompanySeed("Initech", "Software", "Singapore", "initech.sg", "tom", "sg"),
    _CompanySeed("Northwind Traders", "Wholesale", "London", "northwind.co.uk", "tom", "uk"),
    _CompanySeed("Pacific Rim Logistics", "Logistics", "Singapore", "pacrim.sg", "tom", "sg"),
    _CompanySeed("Blue Harbour Capital", "Finance", "Hong Kong", "blueharbour.hk", "tom", "hk"),
    _CompanySeed("Thames Analytics", "Software", "London", "thamesanalytics.co.uk", "tom", "uk"),
    _CompanySeed("Merlion Engineering", "Engineering", "Singapore", "merlioneng.sg", "tom", "sg"),
    _CompanySeed("Harbourview Hotels", "Hospitality", "Hong Kong", "harbourview.hk", "tom", "hk"),
    _CompanySeed("Kowloon Electronics", "Electronics", "Hong Kong", "kowloon-ele.hk", "tom", "hk"),
    _CompanySeed("Straits Marine Supply", "Marine", "Singapore", "straitsmarine.sg", "tom", "sg"),
    _CompanySeed("Brightwater Energy", "Energy", "London", "brightwater.co.uk", "tom", "uk"),
    _CompanySeed(
        "Summit Medical Devices", "Medical devices", "Singapore", "summitmed.sg", "tom", "sg"
    ),
    _CompanySeed("Jade Dragon Textiles", "Textiles", "Hong Kong", "jadedragon.hk", "tom", "hk"),
    _CompanySeed("Camden Foods", "Food & beverage", "London", "camdenfoods.co.uk", "tom", "uk"),
    _CompanySeed("Orchard Retail Group", "Retail", "Singapore", "orchardretail.sg", "tom", "sg"),
    _CompanySeed("Wessex Components", "Electronics", "London", "wessexcomp.co.uk", "tom", "uk"),
)

CN_AREA_CODES: Final[dict[str, str]] = {
    "深圳": "755", "苏州": "512", "宁波": "574", "上海": "21", "杭州": "571", "广州": "20",
    "北京": "10", "南京": "25", "成都": "28", "武汉": "27", "郑州": "371", "绍兴": "575",
    "合肥": "551", "东莞": "769", "天津": "22", "重庆": "23", "长沙": "731", "无锡": "510",
    "厦门": "592", "沈阳": "24", "佛山": "757", "西安": "29", "济南": "531", "青岛": "532",
    "昆明": "871",
}  # fmt: skip


@dataclass(frozen=True)
class _ContactSeed:
    name: str
    title: str
    email_local: str
    wechat: str | None = None


# Contacts that docs, examples and later features refer to by name.
FIXED_CONTACTS: Final[dict[str, tuple[_ContactSeed, ...]]] = {
    "星辰科技": (_ContactSeed("张伟", "总经理", "zhangwei", "zhangwei_sz"),),
    "Acme Ltd": (_ContactSeed("Wang Lei", "Procurement Manager", "wang.lei"),),
    "Acme Trading": (_ContactSeed("Chan Ka Ho", "Managing Director", "kaho.chan"),),
    "Globex Corporation": (
        _ContactSeed("Helen Carter", "Chief Procurement Officer", "helen.carter"),
    ),
    "华信电子有限公司": (_ContactSeed("陈静", "采购经理", "chenjing", "chenjing_hx"),),
    "Initech": (_ContactSeed("Ravi Menon", "Head of IT", "ravi.menon"),),
}

# (title, stage, amount in currency units, currency): the deals the walkthrough talks about.
FIXED_DEALS: Final[dict[str, tuple[str, str, int, str]]] = {
    "星辰科技": ("ERP系统升级", "proposal", 860_000, "CNY"),
    "Acme Ltd": ("Warehouse automation pilot", "proposal", 120_000, "USD"),
    "华信电子有限公司": ("MES系统实施", "negotiation", 1_450_000, "CNY"),
    "Globex Corporation": ("Annual support renewal", "won", 85_000, "USD"),
    "Initech": ("Cloud migration phase 2", "qualified", 64_000, "USD"),
}

CN_SURNAMES: Final = (
    ("张", "zhang"), ("王", "wang"), ("李", "li"), ("刘", "liu"), ("陈", "chen"),
    ("杨", "yang"), ("赵", "zhao"), ("黄", "huang"), ("周", "zhou"), ("吴", "wu"),
    ("徐", "xu"), ("孙", "sun"), ("胡", "hu"), ("朱", "zhu"), ("高", "gao"),
    ("林", "lin"), ("何", "he"), ("郭", "guo"), ("马", "ma"), ("罗", "luo"),
)  # fmt: skip
CN_GIVEN: Final = (
    ("伟", "wei"), ("芳", "fang"), ("敏", "min"), ("静", "jing"), ("磊", "lei"),
    ("洋", "yang"), ("艳", "yan"), ("勇", "yong"), ("军", "jun"), ("杰", "jie"),
    ("娟", "juan"), ("涛", "tao"), ("明", "ming"), ("超", "chao"), ("秀英", "xiuying"),
    ("华", "hua"), ("建国", "jianguo"), ("晓东", "xiaodong"), ("丽", "li"), ("海燕", "haiyan"),
    ("志强", "zhiqiang"), ("文博", "wenbo"), ("雪", "xue"), ("鹏", "peng"), ("佳怡", "jiayi"),
)  # fmt: skip
CN_TITLES: Final = (
    "总经理", "副总经理", "采购经理", "采购主管", "技术总监", "IT经理", "财务总监",
    "运营总监", "项目经理", "生产部经理", "行政主管", "董事长助理",
)  # fmt: skip
# Shared or reserved names stay unique so lookups in docs and tests have one answer.
RESERVED_NAMES: Final = frozenset(
    {c.name for seeds in FIXED_CONTACTS.values() for c in seeds} | {u.display_name for u in USERS}
)

EN_FIRST: Final = (
    "James", "Sarah", "Michael", "Emma", "David", "Olivia", "Daniel", "Sophie",
    "Thomas", "Charlotte", "Oliver", "Hannah", "Richard", "Grace", "Andrew", "Laura",
)  # fmt: skip
EN_LAST: Final = (
    "Smith", "Taylor", "Brown", "Wilson", "Evans", "Walker", "Wright", "Hughes",
    "Clarke", "Hall", "Green", "Turner", "Cooper", "Morris",
)  # fmt: skip
ASIA_EN_NAMES: Final = (
    "Lim Wei Ling", "Tan Kok Meng", "Wong Mei Ling", "Lee Chee Keong", "Ng Siew Hoon",
    "Priya Nair", "Rajesh Kumar", "Jason Lee", "Michelle Tan", "Cheung Wing Sze",
    "Lau Chi Wai", "Ho Ka Man", "Kelvin Ong", "Grace Teo", "Siti Rahmah",
)  # fmt: skip
EN_TITLES: Final = (
    "Managing Director", "Procurement Manager", "Head of IT", "Operations Director",
    "Finance Director", "CTO", "Purchasing Lead", "Project Manager", "Facilities Manager",
    "Supply Chain Manager",
)  # fmt: skip

CN_PRODUCTS: Final = (
    "ERP系统升级", "年度运维服务", "生产线自动化改造", "仓储管理系统", "云服务器年度订阅",
    "安防监控系统集成", "数据中心扩容", "办公网络改造", "MES系统实施", "员工培训服务",
    "备品备件框架协议", "质量检测设备采购",
)  # fmt: skip
EN_PRODUCTS: Final = (
    "Warehouse automation pilot", "Annual support renewal", "ERP upgrade",
    "Cloud migration phase 2", "Fleet telematics rollout", "Security audit",
    "Spare parts framework agreement", "Data platform licences", "Network refresh",
    "Training programme",
)  # fmt: skip

WON_REASONS: Final = {
    True: (
        "技术方案获得客户认可，价格有竞争力",
        "老客户续约，服务口碑好",
        "交付周期比竞争对手短两周",
    ),
    False: (
        "Best total cost of ownership",
        "Strong references from existing customers",
        "Faster delivery than the incumbent",
    ),
}
LOST_REASONS: Final = {
    True: (
        "价格高于竞争对手约15%",
        "客户预算冻结，项目延期到明年",
        "客户选择了本地供应商",
        "项目被总部取消",
    ),
    False: (
        "Lost to the incumbent on price",
        "Budget frozen until next fiscal year",
        "Went with a local vendor",
        "Project cancelled by head office",
    ),
}

# Activity summaries: {who} is the contact (or "the client"), {company} and {product} as named.
SUMMARIES: Final[dict[bool, dict[ActivityKind, tuple[str, ...]]]] = {
    True: {
        ActivityKind.CALL: (
            "电话联系{who}，了解{product}的最新需求",
            "与{who}电话沟通，对方希望下周收到正式报价",
            "{who}来电询问交货周期，已答复约4周",
            "回访{who}，确认上批设备运行稳定",
            "电话跟进付款进度，{who}说财务本周内安排",
            "与{who}通话，对方预算还在审批中",
        ),
        ActivityKind.VISIT: (
            "拜访{company}，与{who}面谈{product}方案",
            "上门拜访{who}，参观了生产线，客户对方案比较满意",
            "到{company}现场调研，了解IT系统现状",
            "陪同技术同事拜访{who}，完成现场演示",
        ),
        ActivityKind.MEETING: (
            "与{who}开线上会议，过了一遍{product}的实施计划",
            "在公司接待{company}一行，介绍了成功案例",
            "与{who}及采购部开会讨论商务条款",
            "参加{company}的供应商评审会",
        ),
        ActivityKind.NOTE: (
            "{who}下个月换岗，需要尽快认识新的对接人",
            "{company}今年预算收紧，优先推小额项目",
            "竞争对手也在接触{company}，报价比我们低约10%",
            "{who}偏好微信沟通，不太接电话",
        ),
    },
    False: {
        ActivityKind.CALL: (
            "Called {who} about {product}; they want a formal quote next week",
            "{who} called asking about lead times; told them about four weeks",
            "Follow-up call with {who}: budget still waiting for sign-off",
            "Checked in with {who} after installation, all running fine",
        ),
        ActivityKind.VISIT: (
            "Visited {company} and walked {who} through the {product} proposal",
            "Site visit at {company}: toured the warehouse with {who}",
            "On-site demo for {who} and their IT team",
        ),
        ActivityKind.MEETING: (
            "Video call with {who} to go over the {product} rollout plan",
            "Quarterly review with {who}; renewal looks likely",
            "Met {who} and procurement to discuss commercial terms",
        ),
        ActivityKind.NOTE: (
            "{who} is moving to a new role next month; need a new champion",
            "{company} is freezing budgets until Q1; focus on small orders",
            "Competitor quoted about 10% below us at {company}",
            "{who} prefers WhatsApp over email",
        ),
    },
}
# The activity that explains each stage move: (kind, Chinese, English).
STAGE_ACTIVITIES: Final[dict[str, tuple[ActivityKind, str, str]]] = {
    "qualified": (
        ActivityKind.CALL,
        "与{who}电话沟通{product}需求，确认了预算和时间表",
        "Discovery call with {who}: budget for {product} confirmed, decision this quarter",
    ),
    "proposal": (
        ActivityKind.NOTE,
        "向{who}提交了{product}方案和报价",
        "Sent the {product} proposal and quote to {who}",
    ),
    "negotiation": (
        ActivityKind.VISIT,
        "拜访{company}，与{who}讨论合同条款和付款方式",
        "Met {who} at {company} to negotiate terms and the payment schedule",
    ),
    WON: (
        ActivityKind.MEETING,
        "{company}签署合同，{product}项目赢单",
        "{company} signed the contract for {product}",
    ),
    LOST: (
        ActivityKind.CALL,
        "{who}通知{product}项目选择了其他供应商",
        "{who} told us they went another way on {product}",
    ),
}
OUTCOMES: Final = {
    True: (
        "客户认可，等待内部审批",
        "需要再发一版报价",
        "对方要求降价5%",
        "约定下周二再沟通",
        "暂无明确需求",
    ),
    False: (
        "Positive, waiting on internal approval",
        "Needs a revised quote",
        "Asked for a 5% discount",
        "Agreed to talk again next Tuesday",
        "No clear need yet",
    ),
}
TASK_TITLES: Final = {
    True: (
        "给{who}回电，确认报价反馈",
        "把{product}合同草稿发给{who}",
        "安排{company}技术交流会",
        "跟进{company}付款进度",
        "准备{product}方案演示",
        "约{who}下周拜访",
        "寄送样品到{company}",
        "提醒{who}确认采购订单",
    ),
    False: (
        "Call {who} back about the quote",
        "Send the {product} contract draft to {who}",
        "Book a demo with {company}",
        "Chase payment from {company}",
        "Prepare the {product} proposal deck",
        "Arrange a site visit with {who}",
    ),
}

SUMMARY: Final = (
    f"Demo workspace loaded: {len(COMPANIES)} companies with contacts, {N_DEALS} deals in every "
    f"stage, {N_ACTIVITIES} activities over three months, "
    f"{N_OPEN_TASKS} open follow-up tasks.\n"
    f"{N_CONTRACTS} contracts with payment plans, {len(TICKETS)} after-sales tickets.\n"
    "Users: admin (admin), wang (manager, 王经理), li / zhang / tom (reps, 李娜 / 张强 / "
    f"Tom Baker), zhou (service, 周静); wang, li, zhang and tom are team {TEAM_NAME}, "
    f"wang and zhou the service group {SERVICE_TEAM}.\n"
    "Try: crmbot chat --as li     (a rep, in Chinese)\n"
    "     crmbot chat --as tom    (a rep, in English)\n"
    "     crmbot chat --as wang   (the manager, sees the whole team)\n"
    "     crmbot chat --as zhou   (after-sales: /工单 列表)"
)


# --------------------------------------------------------------------------- generation


@dataclass
class _Co:
    """A company being generated, with what was generated for it so far."""

    seed: _CompanySeed
    row: Company
    tz: ZoneInfo
    contacts: list[Contact] = field(default_factory=list)
    deals: list[Deal] = field(default_factory=list)
    activities: list[Activity] = field(default_factory=list)


@dataclass(frozen=True)
class _DealRun:
    """A generated deal with the stages it walked through and when."""

    co: _Co
    deal: Deal
    path: list[str]
    times: list[datetime]


class _Generator:
    """Builds the rows; every random choice goes through ``self.rng`` in a fixed order."""

    def __init__(self, rng: random.Random, now: datetime, users: dict[str, User]) -> None:
        self.rng = rng
        self.now = now.replace(microsecond=0)
        self.users = users
        self.cos: list[_Co] = []

    # ---- time helpers

    def moment(
        self, lo: datetime, hi: datetime, tz: ZoneInfo, *, weekdays: bool = True
    ) -> datetime:
        """A plausible working moment (weekday, 9:00-18:00 local) in ``[lo, hi)``.

        Falls back to any instant in the range when it is too short to contain office hours.
        """
        first, last = lo.astimezone(tz).date(), hi.astimezone(tz).date()
        days = (last - first).days
        for _ in range(20):
            day = first + timedelta(days=self.rng.randint(0, days))
            if weekdays and day.weekday() >= 5:
                continue
            minutes = self.rng.randrange(9 * 60, 18 * 60, 5)
            at = datetime.combine(day, time(minutes // 60, minutes % 60), tz)
            if lo <= at < hi:
                return at.astimezone(UTC)
        span = (hi - lo).total_seconds()
        at = lo + timedelta(seconds=int(self.rng.uniform(0, span)))
        return at.astimezone(UTC).replace(microsecond=0)

    def increasing(self, times: list[datetime]) -> list[datetime]:
        """Sorted, and at least a minute apart, so stage history has a strict order."""
        out: list[datetime] = []
        for at in sorted(times):
            out.append(max(at, out[-1] + timedelta(minutes=1)) if out else at)
        return out

    # ---- phones, names

    def digits(self, n: int) -> str:
        return "".join(str(self.rng.randrange(10)) for _ in range(n))

    def mobile(self, region: str) -> str:
        if region == "cn":
            return f"+86{self.rng.choice(('13', '13', '15', '18', '17'))}{self.digits(9)}"
        if region == "sg":
            return f"+65{self.rng.choice('89')}{self.digits(7)}"
        if region == "hk":
            return f"+852{self.rng.choice('569')}{self.digits(7)}"
        return f"+447{self.digits(9)}"

    def office(self, seed: _CompanySeed) -> str:
        if seed.region == "cn":
            return f"+86{CN_AREA_CODES[seed.city]}{self.rng.randint(2, 8)}{self.digits(7)}"
        if seed.region == "sg":
            return f"+656{self.digits(7)}"
        if seed.region == "hk":
            return f"+852{self.rng.choice('23')}{self.digits(7)}"
        return f"+4420{self.rng.choice('37')}{self.digits(7)}"

    def contact_seed(self, seed: _CompanySeed, taken: set[str]) -> _ContactSeed:
        while True:
            if seed.zh:
                (surname, s_py), (given, g_py) = (
                    self.rng.choice(CN_SURNAMES),
                    self.rng.choice(CN_GIVEN),
                )
                name, local = surname + given, s_py + g_py
                wechat = (
                    self.rng.choice(
                        (
                            f"{s_py}_{g_py}{self.rng.randint(1, 99)}",
                            f"{local}{self.rng.randint(1975, 1999)}",
                        )
                    )
                    if self.rng.random() < 0.6
                    else None
                )
                title = self.rng.choice(CN_TITLES)
            else:
                if seed.region in ("sg", "hk") and self.rng.random() < 0.6:
                    name = self.rng.choice(ASIA_EN_NAMES)
                else:
                    name = f"{self.rng.choice(EN_FIRST)} {self.rng.choice(EN_LAST)}"
                local = name.lower().replace(" ", ".")
                wechat = (
                    local.replace(".", "_")
                    if seed.region != "uk" and self.rng.random() < 0.15
                    else None
                )
                title = self.rng.choice(EN_TITLES)
            if name not in taken and name not in RESERVED_NAMES:
                return _ContactSeed(name, title, local, wechat)

    # ---- phases

    def companies(self) -> list[Company]:
        for seed in COMPANIES:
            owner = self.users[seed.owner]
            created = self.now - timedelta(
                days=self.rng.randint(120, 700), minutes=self.rng.randint(0, 600)
            )
            row = Company(
                owner_id=owner.id,
                name=seed.name,
                industry=seed.industry,
                city=seed.city,
                phone=self.office(seed) if self.rng.random() < 0.8 else None,
                website=f"https://www.{seed.domain}" if self.rng.random() < 0.8 else None,
                created_at=created,
                updated_at=created,
            )
            self.cos.append(_Co(seed, row, ZoneInfo(owner.tz or "Asia/Shanghai")))
        return [co.row for co in self.cos]

    def contacts(self) -> list[Contact]:
        rows: list[Contact] = []
        for co in self.cos:
            fixed = FIXED_CONTACTS.get(co.seed.name, ())
            taken = {c.name for c in fixed}
            seeds = list(fixed)
            wanted = max(len(fixed), self.rng.randint(1, 3))
            while len(seeds) < wanted:
                extra = self.contact_seed(co.seed, taken)
                taken.add(extra.name)
                seeds.append(extra)
            for cs in seeds:
                created = co.row.created_at + timedelta(
                    days=self.rng.randint(0, 20), hours=self.rng.randint(0, 8)
                )
                contact = Contact(
                    owner_id=co.row.owner_id,
                    company_id=co.row.id,
                    name=cs.name,
                    title=cs.title,
                    mobile=self.mobile(co.seed.region) if self.rng.random() < 0.9 else None,
                    phone=self.office(co.seed) if self.rng.random() < 0.4 else None,
                    email=f"{cs.email_local}@{co.seed.domain}",
                    wechat=cs.wechat,
                    created_at=created,
                    updated_at=created,
                )
                co.contacts.append(contact)
                rows.append(contact)
        return rows

    def deal_plan(self) -> list[tuple[_Co, str | None, str]]:
        """Which company gets which deal stage: fixed deals first, the rest spread at random."""
        stages = (
            ["lead"] * 10 + ["qualified"] * 10 + ["proposal"] * 12 + ["negotiation"] * 8
            + [WON] * 12 + [LOST] * 8
        )  # fmt: skip
        assert len(stages) == N_DEALS
        assert set(stages) == set(DEFAULT_STAGES)
        by_name = {co.seed.name: co for co in self.cos}
        plan: list[tuple[_Co, str | None, str]] = []
        for name, (title, stage, _, _) in FIXED_DEALS.items():
            stages.remove(stage)
            plan.append((by_name[name], title, stage))
        self.rng.shuffle(stages)
        # About 42 companies have deals; the others are prospects with only activities.
        with_deals = [by_name[n] for n in FIXED_DEALS]
        others = [co for co in self.cos if co.seed.name not in FIXED_DEALS]
        self.rng.shuffle(others)
        with_deals += others[: 42 - len(with_deals)]
        counts = {co.seed.name: int(co.seed.name in FIXED_DEALS) for co in with_deals}
        for co in with_deals:
            if counts[co.seed.name] == 0 and stages:
                plan.append((co, None, stages.pop()))
                counts[co.seed.name] = 1
        while stages:
            co = self.rng.choice(with_deals)
            if counts[co.seed.name] < 3:
                plan.append((co, None, stages.pop()))
                counts[co.seed.name] += 1
        return plan

    def deals(self) -> list[_DealRun]:
        runs: list[_DealRun] = []
        start_of_history = self.now - timedelta(days=HISTORY_DAYS)
        for co, fixed_title, stage in self.deal_plan():
            if stage == WON:
                path = [*OPEN_STAGES, WON]
            elif stage == LOST:
                path = [*OPEN_STAGES[: self.rng.randint(1, len(OPEN_STAGES))], LOST]
            else:
                path = list(OPEN_STAGES[: OPEN_STAGES.index(stage) + 1])
            if stage in CLOSED_STAGES:
                # Closed within the last month, so "this month" reports have something.
                end = self.moment(
                    self.now - timedelta(days=30), self.now - timedelta(days=1), co.tz
                )
                lo = max(start_of_history, end - timedelta(days=60))
                times = self.increasing(
                    [self.moment(lo, end, co.tz) for _ in range(len(path) - 1)] + [end]
                )
            else:
                lo = start_of_history + timedelta(days=1)
                times = self.increasing(
                    [self.moment(lo, self.now - timedelta(hours=2), co.tz) for _ in path]
                )
            fixed = FIXED_DEALS.get(co.seed.name) if fixed_title else None
            title = fixed_title or self.product(co, exclude=[d.title for d in co.deals])
            if fixed:
                amount, currency = fixed[2], fixed[3]
            elif co.seed.zh:
                amount, currency = self.rng.randrange(6, 500) * 5_000, "CNY"
            else:
                amount, currency = self.rng.randrange(5, 300) * 1_000, "USD"
            today = self.now.astimezone(co.tz).date()
            if stage in CLOSED_STAGES:
                expected = times[-1].astimezone(co.tz).date()
                reasons = WON_REASONS if stage == WON else LOST_REASONS
                reason: str | None = self.rng.choice(reasons[co.seed.zh])
            else:
                slipped = self.rng.random() < 0.15  # an open deal past its date: worth a nudge
                offset = self.rng.randint(-30, -1) if slipped else self.rng.randint(3, 90)
                expected, reason = today + timedelta(days=offset), None
            # A walkthrough deal is with the company's named contact (星辰科技 -> 张总).
            contact = co.contacts[0] if fixed else self.rng.choice(co.contacts)
            deal = Deal(
                owner_id=co.row.owner_id,
                company_id=co.row.id,
                contact_id=contact.id if contact else None,
                title=title,
                stage=stage,
                amount_cents=amount * 100,
                currency=currency,
                expected_close=expected,
                probability=DEFAULT_PROBABILITY[stage],
                close_reason=reason,
                stage_changed_at=times[-1],
                created_at=times[0],
                updated_at=times[-1],
            )
            co.deals.append(deal)
            runs.append(_DealRun(co, deal, path, times))
        return runs

    def product(self, co: _Co, exclude: Sequence[str] = ()) -> str:
        pool = [p for p in (CN_PRODUCTS if co.seed.zh else EN_PRODUCTS) if p not in exclude]
        return self.rng.choice(pool)

    def who(self, co: _Co, contact: Contact | None) -> str:
        """How a rep would write the contact: 张总 for a Chinese general manager, else the name."""
        if contact is None:
            return "客户" if co.seed.zh else "the client"
        if co.seed.zh and contact.title and "总" in contact.title and "助理" not in contact.title:
            return contact.name[0] + "总"
        return contact.name

    def stage_history(self, runs: list[_DealRun]) -> tuple[list[DealStageChange], list[Activity]]:
        """The stage moves of each deal, each with the call or visit that prompted it."""
        changes: list[DealStageChange] = []
        activities: list[Activity] = []
        for run in runs:
            co, deal = run.co, run.deal
            previous: str | None = None
            for stage, at in zip(run.path, run.times, strict=True):
                changes.append(
                    DealStageChange(
                        deal_id=deal.id,
                        from_stage=previous,
                        to_stage=stage,
                        changed_at=at,
                        changed_by=deal.owner_id,
                    )
                )
                previous = stage
                if stage in STAGE_ACTIVITIES:
                    kind, zh, en = STAGE_ACTIVITIES[stage]
                    contact = next((c for c in co.contacts if c.id == deal.contact_id), None)
                    text = (zh if co.seed.zh else en).format(
                        who=self.who(co, contact), company=co.seed.name, product=deal.title
                    )
                    occurred = at - timedelta(minutes=self.rng.randint(10, 90))
                    activities.append(self.activity(co, kind, text, occurred, contact, deal))
        return changes, activities

    def activity(
        self,
        co: _Co,
        kind: ActivityKind,
        summary: str,
        occurred: datetime,
        contact: Contact | None,
        deal: Deal | None,
        outcome: str | None = None,
    ) -> Activity:
        row = Activity(
            owner_id=co.row.owner_id,
            company_id=co.row.id,
            contact_id=contact.id if contact else None,
            deal_id=deal.id if deal else None,
            kind=kind.value,
            summary=summary,
            outcome=outcome,
            occurred_at=occurred,
            created_at=min(occurred + timedelta(minutes=self.rng.randint(2, 120)), self.now),
        )
        co.activities.append(row)
        return row

    def random_activities(self, n: int) -> list[Activity]:
        """Day-to-day calls, visits, meetings and notes; busier for companies with open deals."""
        weights = [
            3 if any(d.stage not in CLOSED_STAGES for d in co.deals) else 2 if co.deals else 1
            for co in self.cos
        ]
        # The summaries above are written for these four (and the seeded data stays as it was).
        kinds = [ActivityKind.CALL, ActivityKind.VISIT, ActivityKind.MEETING, ActivityKind.NOTE]
        kind_weights = [4, 2, 2, 2]
        rows: list[Activity] = []
        lo = self.now - timedelta(days=HISTORY_DAYS)
        for _ in range(n):
            co = self.rng.choices(self.cos, weights)[0]
            kind = self.rng.choices(kinds, kind_weights)[0]
            occurred = self.moment(lo, self.now, co.tz, weekdays=kind is not ActivityKind.NOTE)
            live = [d for d in co.deals if d.created_at <= occurred]
            deal = self.rng.choice(live) if live and self.rng.random() < 0.5 else None
            p_contact = 0.3 if kind is ActivityKind.NOTE else 0.8
            contact = (
                self.rng.choice(co.contacts)
                if co.contacts and self.rng.random() < p_contact
                else None
            )
            product = deal.title if deal else self.product(co)
            text = self.rng.choice(SUMMARIES[co.seed.zh][kind]).format(
                who=self.who(co, contact), company=co.seed.name, product=product
            )
            text = text[0].upper() + text[1:]  # "the client ..." at the start of a sentence
            outcome = (
                self.rng.choice(OUTCOMES[co.seed.zh])
                if kind is not ActivityKind.NOTE and self.rng.random() < 0.5
                else None
            )
            rows.append(self.activity(co, kind, text, occurred, contact, deal, outcome))
        return rows

    def touch_companies(self) -> None:
        """A company's ``updated_at`` is its latest activity, unique so list order is stable."""
        seen: set[datetime] = set()
        for co in self.cos:
            at = max([co.row.created_at, *(a.occurred_at for a in co.activities)])
            while at in seen:
                at += timedelta(seconds=1)
            seen.add(at)
            co.row.updated_at = at

    def tasks(self) -> list[Task]:
        rows: list[Task] = []
        by_owner = {rep: [co for co in self.cos if co.seed.owner == rep] for rep in REPS}
        today = self.now.astimezone(SHANGHAI).date()
        end_of_today = datetime.combine(today + timedelta(days=1), time(), SHANGHAI)
        tomorrow = end_of_today
        n_overdue, n_today = 6, 4
        for i in range(N_OPEN_TASKS + N_DONE_TASKS):
            co = self.rng.choice(by_owner[REPS[i % len(REPS)]])
            done_at: datetime | None = None
            if i < n_overdue:
                due = self.moment(
                    self.now - timedelta(days=10), self.now - timedelta(hours=1), co.tz
                )
                created = due - timedelta(days=self.rng.randint(1, 7))
            elif i < n_overdue + n_today:
                due = self.due_today(today, end_of_today)
                created = self.now - timedelta(
                    days=self.rng.randint(1, 5), hours=self.rng.randint(0, 8)
                )
            elif i < N_OPEN_TASKS:
                due = self.moment(tomorrow, self.now + timedelta(days=14), co.tz)
                created = self.now - timedelta(
                    days=self.rng.randint(0, 10), hours=self.rng.randint(1, 8)
                )
            else:
                due = self.moment(
                    self.now - timedelta(days=80), self.now - timedelta(days=1), co.tz
                )
                created = due - timedelta(days=self.rng.randint(1, 7))
                done_at = min(due + timedelta(hours=self.rng.randint(-6, 20)), self.now)
            open_deals = [d for d in co.deals if d.stage not in CLOSED_STAGES]
            deal = self.rng.choice(open_deals) if open_deals else None
            contact = self.rng.choice(co.contacts) if co.contacts else None
            template = self.rng.choice(TASK_TITLES[co.seed.zh])
            title = template.format(
                who=self.who(co, contact),
                company=co.seed.name,
                product=deal.title if deal else self.product(co),
            )
            earlier = [a for a in co.activities if a.occurred_at <= created]
            source = max(earlier, key=lambda a: a.occurred_at) if earlier else None
            rows.append(
                Task(
                    owner_id=co.row.owner_id,
                    company_id=co.row.id,
                    deal_id=deal.id if deal else None,
                    activity_id=source.id if source and self.rng.random() < 0.5 else None,
                    title=title,
                    due_at=due,
                    done_at=done_at,
                    created_at=min(created, self.now),
                )
            )
        return rows

    def contracts(self, runs: list[_DealRun]) -> list[Contract]:
        """Contracts of the latest won deals: active from the day each was won, for a year;
        the last one still a draft (to submit)."""
        won = sorted(
            (r for r in runs if r.deal.stage == WON), key=lambda r: r.deal.stage_changed_at
        )
        rows: list[Contract] = []
        seq: dict[int, int] = {}
        chosen = won[-N_CONTRACTS:]
        for i, run in enumerate(chosen):
            deal = run.deal
            created = min(deal.stage_changed_at + timedelta(hours=2), self.now)
            seq[created.year] = seq.get(created.year, 0) + 1
            start = deal.stage_changed_at.astimezone(run.co.tz).date()
            draft = i == len(chosen) - 1
            rows.append(
                Contract(
                    owner_id=deal.owner_id,
                    number=f"HT-{created.year}-{seq[created.year]:04d}",
                    company_id=deal.company_id,
                    deal_id=deal.id,
                    kind=("sale", "service")[i % 2],
                    amount_cents=deal.amount_cents,
                    currency=deal.currency,
                    signed_on=None if draft else start,
                    starts_on=start,
                    ends_on=start + timedelta(days=364),
                    status="draft" if draft else "active",
                    created_at=created,
                    updated_at=created,
                )
            )
        return rows

    def instalments(self, contracts: list[Contract]) -> list[ContractPayment]:
        """Three instalments each (30 / 40 / 30 %): the first paid once due, the second
        half paid on every other contract (else overdue once due), the last to come."""
        today = self.now.astimezone(SHANGHAI).date()
        rows: list[ContractPayment] = []
        for i, contract in enumerate(c for c in contracts if c.status == "active"):
            total = contract.amount_cents
            parts = (total * 3 // 10, total * 4 // 10, total - total * 3 // 10 - total * 4 // 10)
            for n, (days, cents) in enumerate(zip((7, 45, 150), parts, strict=True)):
                due = contract.starts_on + timedelta(days=days)
                paid = 0
                if due <= today and n == 0:
                    paid = cents
                elif n == 1 and i % 2 == 0:  # half of it came in early
                    paid = cents // 2
                rows.append(
                    ContractPayment(
                        contract_id=contract.id,
                        due_on=due,
                        amount_cents=cents,
                        paid_cents=paid,
                        paid_on=due if paid == cents else None,
                        paid_by=contract.owner_id if paid else None,
                        created_at=contract.created_at,
                    )
                )
        return rows

    def tickets(self, team_id: int | None) -> list[Ticket]:
        """A handful of after-sales tickets on the reps' customers: open with 周静, one in
        the queue, closed ones with their survey — one scored 2 and open again, escalated."""
        zhou = self.users["zhou"].id
        rows: list[Ticket] = []
        pool = [co for co in self.cos if co.seed.owner in REPS]
        for i, (text, kind, priority, state, resolution, score) in enumerate(TICKETS):
            zh = not text.startswith("{company}:")
            co = self.rng.choice([c for c in pool if c.seed.zh == zh] or pool)
            opened = self.now - timedelta(days=self.rng.randint(1, 20), hours=i)
            respond, resolve = SLA_HOURS[priority]
            closed = opened + timedelta(hours=self.rng.randint(2, 60)) if resolution else None
            low = score is not None and score <= 2
            rows.append(
                Ticket(
                    owner_id=co.row.owner_id,
                    company_id=co.row.id,
                    contact_id=co.contacts[0].id if co.contacts else None,
                    summary=text.format(company=co.seed.name),
                    kind=kind,
                    priority=priority,
                    region=co.row.city,
                    status="open" if state != "closed" or low else "closed",
                    team_id=team_id if state != "queue" else None,
                    assignee_id=zhou if state != "queue" else None,
                    opened_by=co.row.owner_id,
                    respond_by=opened + timedelta(hours=respond),
                    resolve_by=opened + timedelta(hours=resolve),
                    responded_at=opened + timedelta(minutes=40) if state != "queue" else None,
                    escalated_at=closed + timedelta(hours=3) if low and closed else None,
                    closed_at=None if low else closed,
                    resolution=resolution,
                    score=score,
                    reopened=1 if low else 0,
                    created_at=opened,
                    updated_at=closed or opened,
                )
            )
        return rows

    def due_today(self, today: date, end_of_today: datetime) -> datetime:
        """Later today in Shanghai (the morning digest's "due today"), never in the past."""
        slot = datetime.combine(today, time(self.rng.choice((11, 14, 15, 16, 17))), SHANGHAI)
        if slot <= self.now:
            slot = self.now + timedelta(minutes=self.rng.randint(15, 120))
        return min(slot, end_of_today - timedelta(minutes=1))


async def load(db: Database, clock: Clock, *, seed: int = 7) -> None:
    """Load the demo workspace into an empty database, in one transaction.

    Refuses if the demo admin already exists, so running it twice cannot duplicate data.
    """
    now = clock.now()
    async with db.transaction(platform="demo") as session:
        if await find_user(session, "admin") is not None:
            raise UserError("the demo workspace is already loaded; run crmbot demo --reset")
        users = await _users(session, now)
        gen = _Generator(random.Random(seed), now, users)
        await _flushed(session, gen.companies())
        await _flushed(session, gen.contacts())
        runs = gen.deals()
        await _flushed(session, [run.deal for run in runs])
        changes, stage_activities = gen.stage_history(runs)
        activities = gen.random_activities(N_ACTIVITIES - len(stage_activities))
        await _flushed(session, [*changes, *stage_activities, *activities])
        gen.touch_companies()
        await _flushed(session, gen.tasks())
        contracts = gen.contracts(runs)
        await _flushed(session, contracts)
        await _flushed(session, gen.instalments(contracts))
        service = await find_team(session, SERVICE_TEAM)
        await _flushed(session, gen.tickets(service.id if service else None))


async def _flushed(session: AsyncSession, rows: Sequence[object]) -> None:
    """One flush per kind of row: SQLAlchemy batches the INSERTs, and later rows need the ids."""
    session.add_all(rows)
    await session.flush()


async def _users(session: AsyncSession, now: datetime) -> dict[str, User]:
    joined = now - timedelta(days=HISTORY_DAYS + 30)
    users: dict[str, User] = {}
    for u in USERS:
        users[u.name] = await create_user(
            session,
            u.name,
            role=u.role,
            now=joined,
            display_name=u.display_name,
            lang=u.lang,
            tz=u.tz,
        )
        users[u.name].currency = u.currency
    team = await ensure_team(session, TEAM_NAME, joined)
    for name in TEAM_MEMBERS:
        await add_member(session, team, users[name])
    service = await ensure_team(session, SERVICE_TEAM, joined)
    for name in SERVICE_MEMBERS:
        await add_member(session, service, users[name])
    return users


def reset_sqlite(url: str) -> None:
    """Delete the SQLite database file (and its WAL side files) so the demo can load afresh.

    Only SQLite: dropping a PostgreSQL database is too destructive to do on a flag.
    """
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise UserError(f"not a database URL: {url!r}") from exc
    if not parsed.drivername.startswith("sqlite"):
        raise UserError(
            "--reset only works on the SQLite file; drop the PostgreSQL database yourself"
        )
    if not parsed.database or parsed.database == ":memory:":
        return
    path = Path(parsed.database).expanduser()
    for candidate in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        candidate.unlink(missing_ok=True)
