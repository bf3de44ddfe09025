"""Job titles: the vocabulary in simplified Chinese (traditional text is matched
through OpenCC) and English, crafts and professions included."""

from __future__ import annotations

import re

from bot.cardscan.fields.pieces import _Run

TITLE_CJK = (
    "经理",
    "总监",
    "总裁",
    "主管",
    "工程师",
    "董事",
    "主任",
    "顾问",
    "代表",
    "专员",
    "助理",
    "合伙人",
    "首席",
    "副总",
    "部长",
    "会计",
    "律师",
    "设计师",
    "架构师",
    "分析师",
    "主席",
    "创始人",
    "秘书",
    "科长",
    "处长",
    "院长",
    "教授",
    "店长",
    "负责人",
    "组长",
    "总编",
    "总经理",
    "董事长",
    "经纪人",
    "研究员",
    "讲师",
    "医师",
    "协理",
    "襄理",
    "副理",
    "课长",
    "执行长",
    "特助",
    # Social work, kitchens and shop floors (高級社工, 主廚, 營業代表 are printed as titles).
    "社工",
    "督导",
    "主厨",
    "总厨",
    "厨师",
    "文员",
    "助教",
    # Veterinary practices (主治兽医, 主診獸醫): 兽医院 ends as a company and stays one.
    "兽医",
)


#: Titles that end a run: owners and heads of a shop, a society, a branch (东主 and 店主
#: print no other title). Matched only at the end, since 行长 or 所长 also occur inside
#: a company's name (中国银行长沙分行).
TITLE_CJK_ENDINGS = (
    "东主",
    "店主",
    "业主",
    "庄主",
    "老板",
    "掌柜",
    "创办人",
    "主理人",
    "理事",
    "干事",
    "社长",
    "会长",
    "行长",
    "馆长",
    "厂长",
    "所长",
    "校长",
    "站长",
    "局长",
    "医生",
    "护士",
    "编辑",
    "记者",
    "导游",
    "教练",
    "老师",
)


#: A "…长" of three or more characters is the head of something (营运长 COO, 财务长 CFO,
#: 秘书长 secretary-general) unless the run reads as a person's name.
TITLE_CJK_HEAD = "长"


_TITLE_LATIN_RE = re.compile(
    r"\b(?:manager|director|president|ceo|cto|cfo|coo|cmo|cio|vp|vice|engineer|consultant|"
    r"officer|head|lead|partner|representative|rep|specialist|executive|founder|co-founder|"
    r"chairman|chairwoman|chair|assistant|analyst|architect|designer|accountant|attorney|"
    r"counsel|coordinator|supervisor|administrator|developer|scientist|secretary|principal|"
    r"owner|associate|advisor|adviser|sales|marketing|agent|broker|buyer|trainer|editor|"
    r"professor|lecturer|researcher|technician|controller|treasurer|strategist|producer|"
    r"solicitor|barrister|negotiator|surveyor|valuer|underwriter|actuary|auditor|paralegal|"
    r"notary|registrar|pharmacist|physician|dentist|therapist|curator|planner|chef|"
    r"sommelier|conveyancer|estimator|dispatcher|recruiter|nurse|practitioner|"
    # Owners, trades and professions, and the roles of public life (words that are also
    # common surnames, Baker, Mason, Dean, are left out: a name line must stay a name).
    r"proprietor|proprietress|patron|landlord|landlady|salesperson|salesman|saleswoman|"
    r"realtor|photographer|videographer|illustrator|artist|writer|author|journalist|"
    r"reporter|stylist|hairdresser|tutor|teacher|instructor|mentor|doctor|surgeon|"
    r"physio|veterinarian|midwife|paramedic|counsellor|counselor|dietitian|"
    r"nutritionist|bookkeeper|clerk|cashier|receptionist|concierge|economist|programmer|"
    r"mechanic|electrician|plumber|contractor|foreman|operator|ambassador|consul|"
    r"delegate|commissioner|minister|councillor|councilor|mayor|provost|rector|fellow|"
    r"intern|trainee|apprentice|volunteer|superintendent|inspector|investigator|"
    r"examiner|assessor|adjuster|appraiser|chief|deputy|expert|evangelist|advocate|"
    r"liaison|facilitator|organiser|organizer|promoter|publisher|presenter|captain|"
    r"steward|stewardess|guide|interpreter|translator|courier|"
    r"stylist|journalist|economist|\w+(?:ologist|ician|ographer|therapist|iatrist|ometrist))\b",
    re.IGNORECASE,
)


#: A craft or trade as a title ("Master Cutter", "Head Brewer", "Barista", "Roaster"):
#: the words that are also surnames (Cutter, Baker, Brewer, Mason) only with a rank
#: before them, so "Tom Cutter" stays a name.
_CRAFT_TITLE_RE = re.compile(
    r"(?:(?:master|head|senior|junior|chief|lead|sous|pastry|executive|apprentice|trainee|"
    r"journeyman)\s+)?(?:roaster|barista|baristas|chocolatier|patissier|p[aâ]tissi[eè]re|"
    r"upholsterer|luthier|tattooist|jeweller|jeweler|silversmith|cordwainer|saddler|"
    r"farrier|cheesemonger|fishmonger|greengrocer|tailor|seamstress|dressmaker|milliner|"
    r"perfumer|winemaker|cellarmaster|bartender|mixologist|sushi chef)"
    r"|(?:master|head|senior|junior|chief|lead|sous|pastry|executive|apprentice|trainee|"
    r"journeyman)\s+(?:cutter|baker|brewer|butcher|mason|carpenter|joiner|smith|"
    r"gardener|distiller|cook|potter|weaver|glazier|printer|binder|framer|cooper|"
    r"turner|fitter|cleaner|groomer|shoemaker|cobbler)",
    re.IGNORECASE,
)


def _first_title(titles: list[_Run]) -> _Run | None:
    """The title printed first, in Chinese where the card has one (as :func:`_prefer_cjk`)."""
    pool = [r for r in titles if r.cjk] or titles
    return pool[0] if pool else None
