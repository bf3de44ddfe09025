"""From recognised lines to contact fields: name, title, company, phones, email, web, address.

Pure functions over :class:`~bot.cardscan.model.OcrLine` (text plus where and how big it
was printed), so the rules are tested on typed text without OCR. How it reads a card:

1. Each line is NFKC-normalised (full-width ``：（１`` from Chinese typesetting become
   ASCII) and cut at printed labels (``手机`` ``电话`` ``传真`` ``邮箱`` ``微信`` ``Tel``
   ``M:`` ``E:`` …). A labelled piece says what it holds; for phones the number itself
   has the last word (``Tel: 138…`` is a mobile) except that a fax label always wins.
2. Whatever carries its own shape is taken wherever it appears: emails, web addresses and
   phone numbers (``phonenumbers`` finds and validates them in the region given, which
   :mod:`bot.cardscan.reading` has read off the card, and gives E.164; a number printed the
   North American way stays +1 whatever the region, :mod:`bot.cardscan.region`).
3. The text left over is split by script and separators and classified by vocabulary
   (written in simplified characters; traditional text is matched through OpenCC's
   conversion, :mod:`bot.cardscan.script`, and kept as printed):
   company suffixes (有限公司, Co., Ltd.), job titles (总监, Manager), address words
   (路 号 楼, Street, Suite); a personal name is a short run that looks like one (a known
   surname and two to four characters, or two to four capitalised words), the one printed
   largest winning.
4. On bilingual cards the Chinese name, title, company and address are kept (the English
   ones are usually translations); an English-only card keeps the English.

Nothing here guesses beyond the card: a field it can't place is left empty for the rep to
fill in, rather than filled with the wrong line.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import phonenumbers
from phonenumbers import Leniency, NumberParseException, PhoneNumberFormat, PhoneNumberType

from bot.cardscan.domains import is_tld
from bot.cardscan.model import CardFields, OcrLine
from bot.cardscan.region import NANP_REGIONS, nanp_numbers
from bot.cardscan.script import to_simplified

DEFAULT_REGION = "CN"

_CJK_CHARS = "\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_RE = re.compile(f"[{_CJK_CHARS}]")

# --------------------------------------------------------------------------- vocabulary

#: Printed labels, by the field they introduce. Longest first is handled when compiling.
LABELS: dict[str, tuple[str, ...]] = {
    "mobile": (
        "手机号码",
        "手机号",
        "手机",
        "移动电话",
        "手機",
        "流動電話",
        "流动电话",
        "行動電話",
        "行动电话",
        "手提電話",
        "手提",
        "行動",
        "行动",
        "Mobile",
        "Mob",
        "Cell",
        "Cellphone",
        "Handphone",
        "WhatsApp",
        "Text",
        "SMS",
        "Mb",
        "H/P",
        "HP",
        "M",
        "C",
    ),
    "phone": (
        "电话号码",
        "办公电话",
        "联系电话",
        "固定电话",
        "座机",
        "电话",
        "总机",
        "直线",
        "電話",
        "辦公電話",
        "聯絡電話",
        "座機",
        "總機",
        "直線",
        "热线",
        "熱線",
        "专线",
        "專線",
        "Telephone",
        "Switchboard",
        "Hotline",
        "Landline",
        "Tel",
        "Phone",
        "Office",
        "Direct",
        "Main",
        "DID",
        "DDI",
        "DL",
        "Ph",
        "Off",
        "辦公室",
        "办公室",
        "T",
        "P",
        "D",
        "O",
    ),
    "fax": ("传真", "傳真", "Fax", "Facsimile", "F"),
    "email": (
        "电子邮箱",
        "电子邮件",
        "邮箱",
        "电邮",
        "邮件",
        "電子郵件",
        "電郵",
        "郵箱",
        "E-mail",
        "Email",
        "Mail",
        "E",
    ),
    "website": ("网址", "网站", "官网", "主页", "網址", "網站", "Website", "Web", "URL", "W"),
    "address": ("公司地址", "办公地址", "地址", "Address", "Addr", "Add", "A"),
    "wechat": ("微信号", "微信", "WeChat", "Weixin", "WX"),
    "ignore": ("QQ", "邮编", "郵編", "Zip", "Postcode"),
    # A social account's handle ("Instagram @kopi.sg", "IG: @studio"): not an e-mail,
    # not a website, not a name; the reader leaves it out.
    "social": (
        "Instagram",
        "IG",
        "Facebook",
        "FB",
        "Twitter",
        "LinkedIn",
        "TikTok",
        "YouTube",
        "Threads",
        "LINE",
        "Telegram",
        "小红书",
        "小紅書",
        "微博",
        "抖音",
    ),
}
#: Latin labels that may stand before their value with only a space or a dot (``Tel 021…``,
#: ``p. (617) 555-0199``, ``e. anna@…``, ``w. www.…``), the value's shape confirming them;
#: the others need a colon, because ``A`` or ``Add`` also start ordinary words.
_SPACE_LABELS = frozenset(
    {"mobile", "mob", "cell", "cellphone", "m", "c", "tel", "telephone", "phone", "t", "p"}
    | {"handphone", "whatsapp", "h/p", "hp", "did", "dl", "ph", "off"}
    | {"office", "direct", "main", "d", "o", "fax", "f", "wechat", "weixin", "wx", "qq"}
    | {"email", "e-mail", "mail", "e", "web", "website", "url", "w"}
    | {"text", "sms", "mb", "ddi", "switchboard", "hotline", "landline", "facsimile"}
    | {"instagram", "ig", "facebook", "fb", "twitter", "linkedin", "tiktok", "youtube"}
    | {"threads", "line", "telegram"}
)
#: Labels whose value must be a number (what follows starts with a digit, ``+`` or ``(``).
_NUMBER_LABELS = frozenset(
    {"mobile", "mob", "cell", "cellphone", "m", "c", "tel", "telephone", "phone", "t", "p"}
    | {"handphone", "whatsapp", "h/p", "hp", "did", "dl", "ph", "off"}
    | {"office", "direct", "main", "d", "o", "fax", "f"}
    | {"text", "sms", "mb", "ddi", "switchboard", "hotline", "landline", "facsimile"}
)
#: Social accounts' labels: a handle follows ("@…"), or anything after a colon.
_SOCIAL_LABELS = frozenset(alias.casefold() for alias in LABELS["social"] if alias.isascii())
_PHONE_RUN_RE = re.compile(r"[+(]?\d[\d\s().\-/]*")
_LABEL_KIND = {alias.casefold(): kind for kind, aliases in LABELS.items() for alias in aliases}
_LABEL_RE = re.compile(
    r"(?P<label>"
    + "|".join(re.escape(a) for a in sorted(_LABEL_KIND, key=len, reverse=True))
    + r")(?P<sep>\.?\s*[:：]\s*|\.\s*(?=[+(\d])|\s*(?=[+(\d])|\.?\s+(?=\S)|\.(?=[a-z]))?",
    re.IGNORECASE,
)

COMPANY_CJK = (
    "有限公司",
    "有限责任公司",
    "股份公司",
    "集团",
    "公司",
    "研究院",
    "研究所",
    "事务所",
    "银行",
    "大学",
    "学院",
    "医院",
    "工作室",
    "协会",
    "商行",
    "酒店",
    "出版社",
    "厂",
    # Shops and practices that print no legal form (traditional ones are matched through
    # their simplified form: 茶莊 is 茶庄, 診所 is 诊所).
    "茶庄",
    "茶行",
    "茶楼",
    "诊所",
    "门诊部",
    "医馆",
    "金行",
    "珠宝行",
    "报关行",
    "中药行",
    "药行",
    "药房",
    "药店",
    "民宿",
    "书画院",
    "画廊",
    "餐厅",
    "饭店",
    "酒家",
    "酒楼",
    "宾馆",
    "旅馆",
    "旅行社",
    "会馆",
    "商店",
    "商场",
    "超市",
    "书店",
    "花店",
    "车行",
    "银号",
    "当铺",
    "律所",
    "工作坊",
    "美容院",
    "中心",
    "研究中心",
    "基金会",
    "印刷厂",
    "实业",
    "贸易",
    "科技",
    # Trades that name a shop or firm by what it sells (川味坊私房菜, 山嵐茶業, 翠林地產代理).
    "私房菜",
    "菜馆",
    "小馆",
    "茶餐厅",
    "火锅",
    "烧腊",
    "茶业",
    "茶叶",
    "酒业",
    "药业",
    "食品",
    "地产",
    "地产代理",
    "物业",
    "置业",
    "房产",
    "专门店",
    "专卖店",
    "餐饮",
    "烘焙",
    "影楼",
    "花艺",
    "五金",
    "建材",
    "家具",
    "物流",
    "快递",
    "货运",
    "印务",
    "传媒",
)
#: One-character endings of a shop or practice (永利金行, 同仁堂, 墨香坊); a short run that
#: also reads as a person's name (张德行) stays a name.
COMPANY_CJK_SHORT = ("行", "堂", "坊", "院", "社", "馆", "店", "轩", "阁", "斋", "居")
_COMPANY_LATIN_RE = re.compile(
    r"\b(?:co\.?\s*,?\s*ltd|ltd|limited|inc|incorporated|llc|l\.l\.c|corp|corporation|"
    r"company|group|gmbh|ag|plc|pte|llp|holdings|bank|university|s\.a)\b\.?"
    r"|\bco\.$",  # "Lumen Orchard Co." (not "CO 80202", Colorado: that needs the dot, last)
    re.IGNORECASE,
)
#: Words that make a line a company's name when no legal form is printed; weaker than a
#: title word ("Logistics Manager" is a title).
_TRADE_LATIN_RE = re.compile(
    r"\b(?:logistics|analytics|capital|partners|associates|consulting|consultants|industries|"
    r"enterprises|technologies|technology|systems|solutions|labs|laboratories|ventures|foods|"
    r"robotics|trading|electronics|software|networks|studio|studios|media|pharma|"
    r"pharmaceuticals|biotech|energy|supply|supplies|manufacturing|investments|advisors|"
    r"agency|properties|realty|insurance|securities|hotel|hotels|airlines|motors|"
    r"advisory|consultancy|\w*works|venues?|institute|solicitors|property|print|printing|"
    r"printers|architects|accountants|surveyors|lettings|estates|interiors|catering|"
    r"construction|builders|healthcare|wellness|clinic|clinics|dental|pharmacy|bakery|"
    r"gallery|galleries|academy|foundation|collective|outfitters|imports|exports|freight|"
    r"shipping|textiles|apparel|boutique|salon|tailors|kitchen|brewery|distillery|"
    r"winery|florist|jewellers|jewelers|opticians|veterinary|chambers|"
    r"law|legal|finance|financial|wealth|investment|holdings|trust|dynamics|"
    r"innovations|creative|design|designs|communications|events|travel|tours|"
    r"logistik|co-op|cooperative|atelier|workshop|foundry|traders|merchants|"
    r"marine|engineering|services|group)\b",
    re.IGNORECASE,
)
#: Words that make a line a company only where nothing else claims it: "Tile & Stone",
#: "Health", "Harbour" are also surnames or plain words, so they need an ampersand or a
#: second business word beside them.
_AMPERSAND_RE = re.compile(r"[A-Za-z] (?:&|and) [A-Z]")
_THE_RE = re.compile(r"The [A-Z]")
#: Where two capitalised words were glued ("AssociateDirector"; not "McCann" or "LaSalle",
#: whose first part is too short to be a word of the vocabulary).
_CAMEL_RE = re.compile(r"(?<=[a-z]{4})(?=[A-Z][a-z]{2})")
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
_ADDRESS_CJK = (
    "省",
    "市",
    "区",
    "县",
    "路",
    "街",
    "道",
    "号",
    "楼",
    "室",
    "层",
    "大厦",
    "园",
    "镇",
    "村",
    "座",
    "弄",
    "巷",
    "栋",
    "幢",
)
_ADDRESS_LATIN_RE = re.compile(
    r"\b(?:road|rd|street|st|avenue|ave|boulevard|blvd|lane|ln|drive|dr|floor|fl|suite|ste|"
    r"room|rm|unit|building|bldg|tower|plaza|centre|center|district|way|highway|park|"
    r"level|block|blk|industrial|estate|place|square|court|hwy|parkway)\b",
    re.IGNORECASE,
)
_COUNTRY_RE = re.compile(
    r"\b(?:china|p\.?\s?r\.?\s?china|singapore|hong kong|macau|taiwan|japan|korea|malaysia|"
    r"usa|u\.s\.a|united states|uk|u\.k|united kingdom|england|germany|france|australia|"
    r"canada|india|vietnam|thailand|indonesia|philippines)\b\.?",
    re.IGNORECASE,
)
_POSTCODE_RE = re.compile(
    r"\b(?:[A-Z]{2}\s+\d{5}(?:-\d{4})?|\d{6}|[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2})\b"
)

#: A line that says where, by itself: a US state and ZIP, a UK postcode after a town,
#: Singapore and its postcode, Hong Kong's districts, a country after a comma.
_LOCALITY_RE = re.compile(
    r"\b[A-Z][a-z]+(?: [A-Z][a-z]+)*,? "
    r"(?:[A-Z]{2} \d{5}(?:-\d{4})?|[A-Z]{1,2}\d[A-Z\d]? \d[A-Z]{2})\b"
    r"|\bSingapore \(?\d{6}\b|\b(?:Hong Kong|Kowloon|New Territories)\b"
    r"|, (?:USA|U\.S\.A\.?|United States|United Kingdom|UK|Taiwan|China|P\.R\. China)\b"
)
#: A house number and a street name with no street word ("99 Deansgate", "1 Canada Square").
_STREET_RE = re.compile(r"\d{1,5}[A-Za-z]?,? [A-Z][A-Za-z'.]+(?: [A-Z][A-Za-z'.]+){0,3}")

#: The commonest Chinese surnames (they cover the great majority of people) and the
#: compound ones; a name candidate starting with one of these is much more likely a name.
SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜"
    "叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎"
    "贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申"
    "欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴"
    "蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席"
    "卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝"
)
COMPOUND_SURNAMES = frozenset(
    {"欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "令狐", "司徒"}
)

_EMAIL_RE = re.compile(
    r"[A-Za-z0-9][A-Za-z0-9._%+\-]*\s?@\s?[A-Za-z0-9\-]+(?:\s?\.\s?[A-Za-z0-9\-]+)*\s?\.\s?[A-Za-z]{2,}"
)
#: Something shaped like a web address; its ending is checked against the real top-level
#: domains (:mod:`bot.cardscan.domains`) by :func:`_web_address`.
_URL_RE = re.compile(
    r"(?<![@A-Za-z0-9.\-])(?:https?\s?:\s?//\s?)?(?:www\s?\.\s?)?[A-Za-z0-9][A-Za-z0-9\-]*(?:\.[A-Za-z0-9\-]+)*"
    r"\.[A-Za-z]{2,24}\b(?![.@-][A-Za-z0-9])(?:/[^\s]*)?",
    re.IGNORECASE,
)
#: Legal forms that are also top-level domains (.ltd, .inc, .llc, .limited, .group):
#: "Pte.Ltd" or "Co.Limited" with the space lost is a company, not a web address.
_LEGAL_WORDS = frozenset(
    {"co", "pte", "pty", "sdn", "bhd", "inc", "ltd", "llc", "llp", "plc", "corp", "limited"}
    | {"company", "group", "gmbh", "ag", "sa", "bv", "nv", "kk"}
)


def _web_address(value: str) -> bool:
    """Is this match a web address? Its last label must be a real top-level domain and,
    without ``www`` or a scheme, printed the way domains are (a lowercase ending, or all in
    capitals) and not two legal-form words ("Pte.Ltd")."""
    compact = re.sub(r"\s+", "", value)
    host = re.sub(r"^https?://", "", compact, flags=re.IGNORECASE).split("/", 1)[0]
    labels = host.split(".")
    if len(labels) < 2 or not is_tld(labels[-1]):
        return False
    if compact.lower().startswith(("www.", "http")):
        return True
    tld = labels[-1]
    if not (tld.islower() or host.isupper()):
        return False
    return not (labels[-2].casefold() in _LEGAL_WORDS and tld.casefold() in _LEGAL_WORDS)


#: An email whose spaces OCR scattered (``zhang @ x.com``), once they are removed.
_LOOSE_EMAIL_RE = re.compile(
    r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}"
)
_WECHAT_ID_RE = re.compile(r"[A-Za-z][A-Za-z0-9_\-]{3,31}|\+?\d[\d \-]{4,18}\d")
_SEPARATORS = " \t|｜·•/,;:，；：-–—()（）[]【】"
#: Separators between pieces of one printed line; a slash only with spaces around it
#: ("15/F" is a floor, "手机/Mob" a label).
_SPLIT_RE = re.compile(r"(\s*[|｜·•]\s*|\s+/\s+)")


def normalise_text(text: str) -> str:
    """Full-width forms to ASCII, odd spaces to one space, and a capital O that OCR read
    as a zero at the start of a word ("Derek 0sei"), and a Singapore block whose small l
    OCR read as a capital I ("BIk 18")."""
    text = unicodedata.normalize("NFKC", text)
    text = _ZERO_FOR_O_RE.sub("O", text)
    text = _BLOCK_MISREAD_RE.sub("Blk", text)
    return " ".join(text.replace("\u3000", " ").split())


#: A zero opening a word of lower-case letters: no number, address or domain starts so.
_ZERO_FOR_O_RE = re.compile(r"(?<![\w.@/+\-])0(?=[a-z]{2,}\b)")
#: "Blk" (a Singapore housing block) with its l read as I or 1, before the block's number.
_BLOCK_MISREAD_RE = re.compile(r"\bB[I1|]k\b(?=\.? ?\d)")


def has_cjk(text: str) -> bool:
    return _CJK_RE.search(text) is not None


# --------------------------------------------------------------------------- phones


def phone_numbers(text: str, region: str = DEFAULT_REGION) -> list[tuple[str, int]]:
    """Valid phone numbers found in ``text``: (E.164, phonenumbers type), in order."""
    return [
        (phonenumbers.format_number(m.number, PhoneNumberFormat.E164), _type(m.number))
        for m in phonenumbers.PhoneNumberMatcher(text, region, leniency=Leniency.VALID)
    ]


def _type(number: phonenumbers.PhoneNumber) -> int:
    return int(phonenumbers.number_type(number))


def parse_phone(text: str, region: str = DEFAULT_REGION) -> str | None:
    """One phone number typed by a person (a correction) as E.164, or None if unreadable."""
    found = phone_numbers(text, region)
    if found:
        return found[0][0]
    try:
        number = phonenumbers.parse(text, region)
    except NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


# --------------------------------------------------------------------------- extraction


@dataclass
class _Candidate:
    """Leftover text from a line, to be classified as name, title, company or address."""

    text: str
    line: int
    height: float
    labelled_address: bool = False


@dataclass
class _Found:
    mobile: list[str]
    phone: list[str]
    fax: list[str]
    email: list[str]
    websites: list[str]
    wechat: list[str]
    candidates: list[_Candidate]
    web_labelled: set[str] = field(default_factory=set)  # web addresses after a web label


def extract_fields(lines: Sequence[OcrLine], region: str = DEFAULT_REGION) -> CardFields:
    """The contact fields printed on a card, from its lines in reading order."""
    found = _Found([], [], [], [], [], [], [])
    dotted: list[str] = []  # "e.brookesmith@…": a label "e." or the address itself?
    for index, line in enumerate(lines):
        text = normalise_text(line.text)
        if not text or _is_regulatory(text):
            continue
        if _DOTTED_E_RE.match(text):
            dotted.append(text.split()[0].lower())
        for kind, segment in _segments(text):
            _take_segment(found, kind, segment, index, line.height, region)
    cards = CardFields(
        mobile=_unique(found.mobile),
        phone=_unique(p for p in found.phone if p not in found.mobile),
        fax=_unique(found.fax),
        email=_unique(found.email),
        website=_pick_website(found.websites, found.email, found.web_labelled),
        wechat=found.wechat[0] if found.wechat else None,
    )
    _classify(cards, found.candidates)
    cards.email = [_undot(email, dotted, cards.name) for email in cards.email]
    return cards


#: What a registration or licence line says ("Registered in England & Wales No. 08123456",
#: "Authorised and regulated by the SRA", "Co. Reg. No. 201412345K", "UEN 201534567Z",
#: "统一社会信用代码 91310…", "交觀甲字第7215號"): the law makes firms print them, and they
#: are no part of the address, the company's name or anything else a contact keeps.
_REGULATORY_PHRASE_RE = re.compile(
    r"\b(?:registered|regulated|authori[sz]ed|licen[cs]ed|incorporated)\s+(?:in|by|and|with|under)\b"
    r"|\b501\s*\(c\)",
    re.IGNORECASE,
)
_REGULATORY_ID_RE = re.compile(
    r"\b(?:reg(?:istration|istered|n)?|licen[cs]e|lic|company|co|charity|vat|gst|uen|abn|acn|"
    r"crn|ein|tin|cin|brn|br|roc|ssm|permit|cert(?:ificate)?|membership|fca|sra|iata|cea|"
    r"ea|tax|business)\.?\s*(?:no|number|nr|num|#|id|code)\b"
    r"|\b(?:uen|gst|vat|abn|acn|crn|ein|brn|fca|sra|iata)\b",
    re.IGNORECASE,
)
_REGULATORY_CJK_RE = re.compile(
    r"注册|註冊|登记|登記|执照|執照|许可|許可|牌照|备案|備案|信用代码|信用代碼|证号|證號|"
    r"编号|編號|字第\s*\d"
)


def _is_regulatory(text: str) -> bool:
    """A registration or licence line (see the patterns): a phrase that says so, or a
    registration word beside an identifier of at least five digits."""
    if _REGULATORY_PHRASE_RE.search(text):
        return True
    if sum(ch.isdigit() for ch in text) < 4:
        return False
    return bool(_REGULATORY_ID_RE.search(text) or _REGULATORY_CJK_RE.search(text))


#: A line that starts with "e." glued to an e-mail address.
_DOTTED_E_RE = re.compile(r"^[Ee]\.[a-z0-9][^\s@]*@")


def _undot(email: str, dotted: list[str], name: str | None) -> str:
    """Put back an "e." read as a label when it is the person's initial: "e.brookesmith@…"
    on Eleanor Brooke-Smith's card is her address (initial, dot, surname), while
    "e.anna@…" on Anna Wright's is the label "e." and anna@…."""
    whole = "e." + email
    if whole not in dotted or not name or name[:1].lower() != "e":
        return email
    surname = re.sub(r"[^a-z]", "", name.split()[-1].lower())
    local = re.sub(r"[^a-z]", "", email.split("@", 1)[0])
    return whole if surname and (surname in local or local in surname) else email


def lines_from_text(text: str) -> list[OcrLine]:
    """Typed text as OCR lines (for tests and for cards read elsewhere): one per line,
    ``#`` prefixes make a line print larger (``## 张伟`` is twice the normal size)."""
    out: list[OcrLine] = []
    for i, raw in enumerate(text.splitlines()):
        stripped = raw.strip()
        if not stripped:
            continue
        level = len(stripped) - len(stripped.lstrip("#"))
        out.append(OcrLine(stripped.lstrip("#").strip(), 1.0, 0.0, float(i), 20.0 * (1 + level)))
    return out


def _segments(text: str) -> list[tuple[str | None, str]]:
    """Cut a line at its labels: ``[(kind or None, text), ...]``."""
    after = _TRAILING_LABEL_RE.fullmatch(text)
    if after is not None:
        key = (after.group("label") or after.group("short") or "").casefold()
        kind = _LABEL_KIND.get(key)
        if kind in _NUMBER_KINDS:
            return [(kind, after.group("number"))]
    cuts: list[tuple[int, int, str]] = []
    for match in _LABEL_RE.finditer(text):
        label = match.group("label")
        sep = match.group("sep") or ""
        if not _label_ok(text, match.start(), label, sep):
            continue
        cuts.append((match.start(), match.end(), _LABEL_KIND[label.casefold()]))
    if not cuts:
        return [(None, text)]
    segments: list[tuple[str | None, str]] = []
    if cuts[0][0] > 0:
        segments.append((None, text[: cuts[0][0]]))
    for i, (_start, end, kind) in enumerate(cuts):
        stop = cuts[i + 1][0] if i + 1 < len(cuts) else len(text)
        previous = segments[-1][0] if segments else None
        if previous is not None and not segments[-1][1].strip(_JOINERS):
            # Labels in a row with nothing between them ("Tel/Fax:", "Mob/WeChat:",
            # "手机/微信：", "电话/传真："): one value that all of them name.
            segments.pop()
            kind = _combined_label(previous, kind)
        segments.append((kind, text[end:stop]))
    return segments


#: What may stand between two labels of one value ("Tel/Fax", "电话、传真", "Tel & Fax").
_JOINERS = _SEPARATORS + "&、+"
#: Labels that name a number, and what a number under several of them is.
_NUMBER_KINDS = ("mobile", "phone", "fax", "phone+fax", "number")
#: A number with its label after it: "+1 (415) 555-0126 mobile", "2123 4567 (O)",
#: "9123 4567（手机）". A one-letter label only in brackets.
_TRAILING_LABEL_RE = re.compile(
    r"(?P<number>[+(]?\d[\d\s().\-/]*\d)\s*"
    r"(?:[(\[]?(?P<label>[A-Za-z][A-Za-z/]+|[\u4e00-\u9fff]{2,4})[)\]]?|[(\[](?P<short>[A-Za-z])[)\]])"
    r"\.?"
)
#: An unknown word or two before a number and nothing after ("Clinic 028 9649 6174",
#: "Reservations 0117 496 0821", "預約專線：(07)223-6558"): a label, not a name or company.
_WORD_BEFORE_NUMBER_RE = re.compile(
    r"(?:(?P<word>[A-Za-z][A-Za-z'’&-]*(?: [A-Za-z][A-Za-z'’-]*)?)(?:\s*[:.]\s*|\s+)"
    r"|(?P<cjk>[\u4e00-\u9fff]{2,6})\s*[:.]?\s*)(?P<number>[+(]?\d[\d\s().\-/]*\d(?:\s*(?:ext\.?|x|#)\s*\d{1,5})?)"
)


def _combined_label(first: str, second: str) -> str:
    """The kind of one value under two labels. A phone and a fax label: the number is both.
    A number label and a messenger's (WeChat, WhatsApp): the number, which is also the
    messenger's account. Two phone labels ("Tel/Mob"): the number's own type decides."""
    kinds = set(first.split("+")) | set(second.split("+"))
    if "fax" in kinds and kinds & {"phone", "mobile", "number"}:
        return "phone+fax"
    numbers = [k for k in ("mobile", "phone", "fax", "number") if k in kinds]
    if len(numbers) > 1:
        return "number"
    if numbers:
        return numbers[0]
    return second


def _label_ok(text: str, start: int, label: str, sep: str) -> bool:
    """Is this occurrence of a label word really a label? (see the rules in LABELS)"""
    colon = ":" in sep or "：" in sep
    if has_cjk(label):
        if colon or start == 0 or text[start - 1] == " ":
            return True
        # Inside a run of text ("…4567传真 021…") only when a value or an English label
        # ("手机/Mob:") visibly follows.
        rest = text[start + len(label) :].lstrip()
        return bool(rest) and (rest[0].isdigit() or rest[0] in "+(/")
    if start > 0 and (text[start - 1].isalnum() or text[start - 1] in "_@.-"):
        return False  # inside a word or an address: "5F", "sales@", "x-ray"
    key = label.casefold()
    if colon:
        return True
    if key not in _SPACE_LABELS:
        return False
    # OCR reads the colon after a label as "·", ";" or "[" now and then ("FAX·(04)…").
    rest = text[start + len(label) :].lstrip(" .·•;|[]")
    if not rest:
        return False
    # Glued: OCR often drops the space after a one-letter label ("M617…", "Eanna@…").
    glued = not sep
    if key in _NUMBER_LABELS:
        if re.match(r"[/&、]\s*[A-Za-z\u4e00-\u9fff]", rest):
            return True  # "Tel/Fax:", "M/WhatsApp:", "Tel & Fax": another label follows
        # A phone number must follow, not a postcode ("Manchester M3 4LZ") or a floor.
        run = _PHONE_RUN_RE.match(rest)
        return run is not None and sum(ch.isdigit() for ch in run.group(0)) >= 7
    token = rest.split()[0]
    if key in {"email", "e-mail", "mail", "e"}:
        if "@" not in token:
            return False  # not "Email Marketing Manager"
        if sep == "." or (glued and not sep):
            # "e.anna@…" / "Eanna@…": a label only at the start of the line, and glued only
            # as a capital before a lowercase address (printed addresses are lowercase).
            return start == 0 and (sep == "." or (label.isupper() and token[:1].islower()))
        return True
    if key in {"web", "website", "url", "w"}:
        if glued:  # "wwww.x.com" is "w" + "www.x.com"; "www.x.com" itself is no label
            return start == 0 and token.casefold().startswith("www.")
        match = _URL_RE.match(token)
        return match is not None and _web_address(match.group(0))
    if key == "qq":
        return token[:1].isdigit()  # "QQ2846193751": a QQ number, glued or not
    if glued:
        return False
    if key in _SOCIAL_LABELS:
        return token.startswith("@")
    # An id after WeChat / QQ: digits, or lowercase letters, digits, "_" and "-"
    # (not "WeChat Pay Ltd.").
    return token.isdigit() or token == token.lower()


def _take_segment(
    found: _Found, kind: str | None, text: str, line: int, height: float, region: str
) -> None:
    text = text.strip(_SEPARATORS)
    if not text:
        return
    if kind == "social":
        # The handle, up to the first space; whatever follows is read as usual.
        text = re.sub(r"^@?\S+", "", text)
        kind = None
    if kind == "ignore":
        # A QQ number or a postcode: consume the digits, keep whatever follows.
        text = re.sub(r"^[\d\s\-]+", "", text)
        kind = None
    if kind == "phone+fax":
        before = len(found.phone)
        text = _take_phones(found, text, region, "phone")
        found.fax.extend(found.phone[before:])
    elif kind in {"mobile", "phone", "fax", "number"}:
        text = _take_phones(found, text, region, kind)
    elif kind == "wechat":
        match = _WECHAT_ID_RE.search(text)
        if match is not None:
            found.wechat.append(match.group(0).replace(" ", ""))
            text = text[: match.start()] + " " + text[match.end() :]
    elif kind == "address":
        text = _take_emails(found, text)
        found.candidates.append(_Candidate(text.strip(_SEPARATORS), line, height, True))
        return
    elif kind == "email" and "@" in text and not _EMAIL_RE.search(text):
        loose = re.sub(r"\s+", "", text).replace(",", ".")
        if _LOOSE_EMAIL_RE.fullmatch(loose):
            found.email.append(loose.lower())
            return
    # Whatever the label, values with a shape of their own are taken where they are.
    # A line that is nothing but a domain is the card's web address, even with no label
    # and no www ("lumenorchard.com" under "dana@lumenorchard.com").
    whole = _URL_RE.fullmatch(text)
    alone = kind is None and whole is not None and _web_address(whole.group(0))
    text = _take_emails(found, text)
    text = _take_urls(found, text, labelled=kind == "website" or alone)
    if kind is None:
        labelled = _WORD_BEFORE_NUMBER_RE.fullmatch(text)
        if labelled is not None and not _is_name_shaped(
            labelled.group("word"), labelled.group("cjk")
        ):
            number = labelled.group("number")
            left = _take_phones(found, number, region, "number", lenient=False)
            if left.strip(_SEPARATORS) != number.strip(_SEPARATORS):
                return  # the number was read; the word was its label
        text = _take_phones(found, text, region, None)
    text = text.strip(_SEPARATORS)
    if text:
        found.candidates.append(_Candidate(text, line, height))


def _is_name_shaped(word: str | None, cjk: str | None) -> bool:
    """A person's name beside their number on one row ("Wei Zhang 138 0013 8000", "张伟
    138…") is no label."""
    if cjk is not None:
        return _is_cjk_name(cjk)
    return word is not None and " " in word and _is_latin_name(word)


#: A label OCR glued onto an address, its colon misread ("E-mailojh.wu@…", "Email:anna@…").
_GLUED_EMAIL_LABEL_RE = re.compile(r"^(?:e-mail|email)[:：;.o0]?(?=[a-z0-9])", re.IGNORECASE)


def _take_emails(found: _Found, text: str) -> str:
    matches = list(_EMAIL_RE.finditer(text))
    found.email.extend(
        _GLUED_EMAIL_LABEL_RE.sub("", re.sub(r"\s+", "", m.group(0))).lower() for m in matches
    )
    for match in reversed(matches):
        text = text[: match.start()] + " " + text[match.end() :]
    return text


def _take_urls(found: _Found, text: str, *, labelled: bool = False) -> str:
    for match in list(_URL_RE.finditer(text)):
        value = match.group(0)
        # A company name such as "Acme Co." is not a web address: want www, a scheme,
        # or a domain without spaces around its dots.
        compact = re.sub(r"\s+", "", value)
        if " " in value and not compact.lower().startswith(("www.", "http")):
            continue
        if not _web_address(value):
            continue
        found.websites.append(_clean_url(compact))
        if labelled:
            found.web_labelled.add(_clean_url(compact))
        text = text.replace(value, " ", 1)
    return text


def _clean_url(value: str) -> str:
    value = value.strip().rstrip("/.,;").lower()
    return re.sub(r"^https?://", "", value)


def _take_phones(
    found: _Found, text: str, region: str, label: str | None, *, lenient: bool = True
) -> str:
    """Take the phone numbers out of ``text`` (filed by ``label`` and their type); what is
    left. Under a label a number phonenumbers calls possible but not valid is kept too
    (``lenient``): the label says it is one."""
    # "(852) 2391 6620", "M (86) 139 2874 6031": a country code in brackets, without its +.
    text = _BARE_CODE_RE.sub(r"+\1 ", text)
    if region not in NANP_REGIONS:
        # "(617) 555-0142" on a card read as Chinese is still +1, never +86 617…
        for raw, e164 in nanp_numbers(text):
            _file_phone(found, e164, PhoneNumberType.FIXED_LINE_OR_MOBILE, label)
            text = text.replace(raw, " ", 1)
    matches = list(phonenumbers.PhoneNumberMatcher(text, region, leniency=Leniency.VALID))
    if not matches and label is not None and lenient:
        matches = list(phonenumbers.PhoneNumberMatcher(text, region, leniency=Leniency.POSSIBLE))
    for match in matches:
        digits = sum(ch.isdigit() for ch in match.raw_string)
        if label is None and digits < 7:
            continue
        e164 = phonenumbers.format_number(match.number, PhoneNumberFormat.E164)
        _file_phone(found, e164, _type(match.number), label)
        text = text.replace(match.raw_string, " ", 1)
    return text


#: A country code printed in brackets without the plus, before a number's first digit.
#: (Its opening bracket may have been stripped with the label: "M (86) 139…".)
_BARE_CODE_RE = re.compile(r"(?:(?<![\d+])\(|^)(44|65|852|853|886|86)\)\s?(?=[1-9])")


def _file_phone(found: _Found, e164: str, kind: int, label: str | None) -> None:
    if label == "fax":
        found.fax.append(e164)
    elif kind == PhoneNumberType.MOBILE or (
        label == "mobile" and kind != PhoneNumberType.FIXED_LINE
    ):
        found.mobile.append(e164)
    else:
        found.phone.append(e164)


def _pick_website(sites: list[str], emails: list[str], web_labelled: set[str]) -> str | None:
    """The card's web address. An email's domain picked up inside other text is not one
    (OCR may have cut a long address in two), but a label ("W: acme.io") or a line of its
    own makes it one: on real cards the web line is usually the e-mail's domain."""
    domains = {email.rsplit("@", 1)[-1] for email in emails}
    for site in sites:
        for domain in domains:
            # "webacme.io" / "wacme.io": a web label OCR glued onto the e-mail's domain.
            if site.endswith(domain) and site[: -len(domain)] in {"w", "w.", "web", "web."}:
                return domain
        if site not in domains or site in web_labelled:
            return site
    return None


# --------------------------------------------------------------------------- classification


@dataclass
class _Run:
    text: str
    cjk: bool
    line: int
    height: float


def _classify(cards: CardFields, candidates: list[_Candidate]) -> None:
    names: list[_Run] = []
    titles: list[_Run] = []
    companies: list[_Run] = []
    addresses: list[tuple[_Run, bool]] = []
    address_lines: dict[int, int] = {}
    streets: dict[int, _Run] = {}  # "99 Deansgate": a house number and a street, unplaced
    towns: list[_Run] = []  # "Seattle, WA": where, when nothing better is printed
    unclaimed: list[_Run] = []  # neither name, title, company, address nor contact
    lines: dict[int, list[tuple[_Run, str]]] = {}  # Latin runs by line, with their kind
    for cand in candidates:
        if cand.labelled_address:
            run = _Run(cand.text, has_cjk(cand.text), cand.line, cand.height)
            addresses.append((run, True))
            address_lines[cand.line] = len(addresses) - 1
            continue
        if _continues_address(addresses, address_lines, _whole(cand), loose=True) is not None:
            continue
        if _TOWN_STATE_RE.fullmatch(cand.text):
            if _continues_address(addresses, address_lines, _whole(cand)) is None:
                towns.append(_whole(cand))
                if _POST_NOMINALS_RE.search(cand.text) and _is_latin_name(cand.text):
                    names.append(towns[-1])  # "Naomi Feldstein, MD" or "Ocean City, MD"
            continue
        for run in _runs(cand):
            kind = _kind(run)
            if not run.cjk:
                lines.setdefault(run.line, []).append((run, kind))
            if kind == "address":
                continuation = _continues_address(addresses, address_lines, run)
                if continuation is not None:
                    continue
                street = streets.pop(run.line - 1, None)
                if street is not None and not run.cjk and _LOCALITY_RE.search(run.text):
                    run = _Run(f"{street.text}, {run.text}", False, run.line, street.height)
                addresses.append((run, False))
                address_lines[run.line] = len(addresses) - 1
            elif kind == "company":
                companies.append(run)
            elif kind == "title":
                titles.append(run)
            elif kind == "name":
                names.append(run)
            elif _continues_address(addresses, address_lines, run, loose=True) is not None:
                continue
            elif not run.cjk and _STREET_RE.fullmatch(run.text):
                streets[run.line] = run
            else:
                unclaimed.append(run)
    _shops_among_names(names, companies)
    # A capitalised name is a person's even at "danaokafor.com": only a lower-case one
    # can be the brand.
    brand = _brand_line(
        [n for n in names if n.text.islower()] + titles + companies + unclaimed, cards
    )
    if brand is not None:
        for pool in (names, titles, unclaimed):
            pool[:] = [run for run in pool if run is not brand]
    cards.name = _best_name(names)
    title = _first_title(titles)
    department = _department_under(title, lines, cards.name, companies)
    if department is not None:
        assert title is not None
        for pool in (names, companies, titles):
            pool[:] = [run for run in pool if run is not department]
        title = _Run(f"{title.text}, {department.text}", False, title.line, title.height)
        cards.name = _best_name(names)
    cards.title = " ".join(title.text.split()) if title else None
    # A legal name or a Chinese one still wins: the brand line is its English gloss.
    legal = [r for r in companies if r.cjk or _COMPANY_LATIN_RE.search(r.text)]
    legal += [r for r in unclaimed if r.cjk and _company_shaped(r)]
    if brand is not None:  # 湯匙舍 above "spoon house": the Chinese name printed first
        legal += [r for r in names if r.cjk and r.line < brand.line and _company_shaped(r)]
    cards.company = (
        (" ".join(brand.text.split()) if brand is not None and not legal else None)
        or _best_company(companies)
        or _company_by_position(names, cards.name)
        or (_company_by_elimination(unclaimed) if cards.name or cards.title else None)
    )
    towns = [town for town in towns if _best_name([town]) != cards.name]
    cards.address = _best_address(addresses) or (towns[0].text if towns else None)


#: A town and a US state with nothing else ("Seattle, WA"): an address only when the card
#: prints no better one, or the second line of the address above it.
_TOWN_STATE_RE = re.compile(
    r"[A-Z][a-z]+(?: [A-Z][a-z]+){0,2},? (?:A[KLRZ]|C[AOT]|D[CE]|FL|GA|HI|I[ADLN]|K[SY]|LA|"
    r"M[ADEINOST]|N[CDEHJMVY]|O[HKR]|PA|RI|S[CD]|T[NX]|UT|V[AT]|W[AIVY])"
)
#: A department or unit printed under a title ("School of Applied Science", "Dept. of
#: Surgery", "Office of the Provost", "Private Clients Team", "Tax Division"): part of it.
_DEPARTMENT_RE = re.compile(
    r"^(?:school|department|dept\.?|faculty|division|office|unit|section|bureau)\s+(?:of|for)\b"
    r"|\b(?:team|division|department|dept\.?|unit|section|practice|desk)$",
    re.IGNORECASE,
)

#: A firm's function, ending a short line under a title ("Marine Operations", "Property &
#: Planning", "Human Resources"): the department, even when it shares a word with the
#: firm's name printed above ("Straits Marine Services").
_FUNCTION_RE = re.compile(
    r"\b(?:operations|planning|development|resources|relations|affairs|compliance|"
    r"investigations|litigation|disputes|research|strategy|procurement|admissions|"
    r"governance|risk|audit|tax|treasury|communications|engineering|maintenance|safety|"
    r"quality|accounts|payroll|underwriting|claims|lending|banking|markets|care)$",
    re.IGNORECASE,
)


def _first_title(titles: list[_Run]) -> _Run | None:
    """The title printed first, in Chinese where the card has one (as :func:`_prefer_cjk`)."""
    pool = [r for r in titles if r.cjk] or titles
    return pool[0] if pool else None


def _department_under(
    title: _Run | None,
    lines: dict[int, list[tuple[_Run, str]]],
    name: str | None,
    companies: list[_Run],
) -> _Run | None:
    """The line under an English title that names its department: by its words ("School
    of …", "… Team"), or, when the card's company is printed elsewhere, a capitalised line
    no bigger than the title that only reads as a second name or a company by its "&"
    ("Autonomy Platform", "Litigation & Dispute Resolution")."""
    if title is None or title.cjk:
        return None
    below = lines.get(title.line + 1, [])
    if len(below) != 1:
        return None
    run, kind = below[0]
    if kind == "address" or run.height > 1.25 * title.height:
        return None
    if any(ch.isdigit() for ch in run.text):
        return None  # a licence or registration ("GPhC 2071834"), never a department
    if _DEPARTMENT_RE.search(run.text):
        return run
    elsewhere = [c for c in companies if c.line != run.line]
    if not elsewhere or kind not in {"name", "company", "other"} or not _capitalised(run.text):
        return None
    if kind == "name" and _best_name([run]) == name:
        return None
    if kind == "company" and _COMPANY_LATIN_RE.search(run.text):
        return None
    words = {w.casefold() for w in re.findall(r"[A-Za-z]{3,}", run.text)}
    if any(word in _LABEL_KIND for word in words):
        return None  # what is left of a number's line ("Direct Line 312-555-0148")
    if (
        _FUNCTION_RE.search(run.text)
        and len(run.text.split()) <= 4
        and any(c.line < title.line for c in elsewhere)
    ):
        return run  # "Marine Operations", "Property & Planning" under the firm's title
    trade = _TRADE_LATIN_RE.search(_CAMEL_RE.sub(" ", run.text))
    if trade and not any(_COMPANY_LATIN_RE.search(c.text) for c in elsewhere):
        return None  # "Harbor Logistics" is the company unless a legal name is printed
    if any(words & {w.casefold() for w in re.findall(r"[A-Za-z]{3,}", c.text)} for c in elsewhere):
        return None  # the company's name again, or part of it
    return run


def _brand_line(runs: list[_Run], cards: CardFields) -> _Run | None:
    """The trading name printed as a plain line ("harbour tea house", "Copper & Pine"):
    the line whose letters spell the card's web or e-mail domain (harbourtea.com ~
    "harbour tea house"), else a lower-case line at the very top of a card with no
    company word. A handle ("@harbourtea") is never one."""
    stems = _domain_stems(cards)
    fit = sorted(
        (r for r in runs if not r.cjk and _brand_shaped(r.text)),
        key=lambda r: r.line,
    )
    for run in fit:
        letters = _letters(run.text)
        if any(_spells(stem, letters) for stem in stems):
            return run
    top = min((r.line for r in runs), default=None)
    for run in fit:
        if run.line == top and run.text.islower() and not any(_kind(r) == "company" for r in runs):
            return run
    return None


def _brand_shaped(text: str) -> bool:
    """One to six words of letters, no digits and no handle."""
    if any(ch.isdigit() for ch in text) or "@" in text:
        return False
    return 1 <= len(text.split()) <= 6 and sum(ch.isalpha() for ch in text) >= 4


#: The labels of a domain that say nothing of the firm ("www.", "co.uk", "com.sg").
_GENERIC_LABELS = frozenset({"www", "co", "com", "org", "net", "edu", "gov", "ac", "ltd", "plc"})


def _domain_stems(cards: CardFields) -> list[str]:
    hosts = [email.rsplit("@", 1)[-1] for email in cards.email]
    if cards.website:
        hosts.append(re.sub(r"^[a-z]+://", "", cards.website.lower()).split("/")[0])
    stems: list[str] = []
    for host in hosts:
        labels = [label for label in host.lower().split(".")[:-1] if label not in _GENERIC_LABELS]
        stems.extend(_letters(label) for label in labels if len(_letters(label)) >= 4)
    return stems


def _letters(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.casefold().replace("&", "and"))


def _spells(stem: str, letters: str) -> bool:
    """Whether a domain's name and a line's letters spell the same firm: one reads in the
    other in order, both begin alike, and the shorter is not a mere fragment."""
    short, long = sorted((stem, letters), key=len)
    if len(short) < 4 or short[:3] != long[:3] or len(short) < 0.45 * len(long):
        return False
    rest = iter(long)
    return all(ch in rest for ch in short)


def _shops_among_names(names: list[_Run], companies: list[_Run]) -> None:
    """A shop's name can read as a person's (金龍軒: 金 is a surname): when the card has
    another Chinese name and no Chinese company, a name-shaped run with a shop's ending is
    the company."""
    cjk = [run for run in names if run.cjk]
    shops = [run for run in cjk if _is_cjk_shop_shaped(to_simplified(run.text))]
    if not shops or len(shops) == len(cjk) or any(run.cjk for run in companies):
        return
    for shop in shops:
        names.remove(shop)
        companies.append(shop)


def _is_cjk_shop_shaped(text: str) -> bool:
    return len(text) >= 3 and text.endswith(COMPANY_CJK_SHORT) and all(map(has_cjk, text))


def _company_by_elimination(unclaimed: list[_Run]) -> str | None:
    """On a person's card with no company word anywhere, the company is the line nothing
    else claims (川味坊私房菜, a brand in lower case, "tidepool"), the tallest such if
    several: a card's company is printed larger than its small print."""
    fit = [run for run in unclaimed if _company_shaped(run)]
    if not fit:
        return None
    return " ".join(max(fit, key=lambda r: (r.height, -r.line)).text.split())


def _company_shaped(run: _Run) -> bool:
    """Short, no digits, no sentence, no handle: what a trading name looks like."""
    if any(ch.isdigit() for ch in run.text) or "@" in run.text:
        return False
    if run.cjk:
        return 3 <= len(run.text) <= 14 and all(map(has_cjk, run.text))
    words = run.text.split()
    if not 1 <= len(words) <= 4 or sum(ch.isalpha() for ch in run.text) < 4:
        return False
    return len(words) == 1 or _capitalised(run.text)  # not "Thank you for shopping"


def _whole(cand: _Candidate) -> _Run:
    return _Run(cand.text, has_cjk(cand.text), cand.line, cand.height)


def _runs(cand: _Candidate) -> list[_Run]:
    """Split leftover text into pieces in one script between separators.

    A whole piece that reads as an address or a company stays whole ("上海市 浦东新区 …",
    "Xingchen Technology Co., Ltd."); otherwise Chinese words separated by spaces are
    separate runs ("张伟 销售总监"), except single characters spaced out for looks ("张 伟").
    """
    out: list[_Run] = []
    # OCR glues a bilingual card's Chinese and English names ("刘洋Leo Liu").
    text = _CJK_LATIN_GLUE_RE.sub(" ", cand.text)
    pieces = _SPLIT_RE.split(text)
    for index, part in enumerate(pieces):
        part = part.strip(_SEPARATORS)
        if not part:
            continue
        before = len(out)
        for cjk, tokens in _script_groups(part.split(" ")):
            if cjk:
                whole = "".join(tokens)
                run = _Run(whole, True, cand.line, cand.height)
                if len(tokens) == 1 or _kind(run) in {"address", "company"}:
                    out.append(run)
                    continue
                if not has_cjk(tokens[0]):  # a postcode-shaped number before no address
                    out.append(_Run(tokens.pop(0), False, cand.line, cand.height))
                for token in _merge_single_chars(tokens):
                    out.append(_Run(token, True, cand.line, cand.height))
            else:
                out.extend(_latin_runs(" ".join(tokens), cand))
        if 0 < before < len(out):
            _join_roles(out, before, pieces[index - 1])
    return out


#: A Chinese character against a capitalised English word, or an English word against a
#: Chinese character ("TCL科技" keeps its acronym: an upper-case run is left alone).
_CJK_LATIN_GLUE_RE = re.compile(f"(?<=[{_CJK_CHARS}])(?=[A-Z][a-z])|(?<=[a-z])(?=[{_CJK_CHARS}])")


def _join_roles(out: list[_Run], first: int, separator: str) -> None:
    """Two roles printed as one title across a separator ("Founder / Creative Director",
    "Partner | Head of Tax", "董事 / 总经理") stay one title."""
    left, right = out[first - 1], out[first]
    if left.cjk != right.cjk or _kind(left) != "title" or _kind(right) != "title":
        return
    glue = f" {separator.strip()} " if separator.strip() else " "
    out[first - 1 : first + 1] = [
        _Run(left.text + glue + right.text, left.cjk, left.line, left.height)
    ]


def _script_groups(tokens: list[str]) -> Iterable[tuple[bool, list[str]]]:
    """Consecutive tokens grouped by script; digits and symbols join the group before,
    except a postcode that opens a Chinese address ("114 台北市…", "200120 上海市…"),
    which joins the group after it."""
    groups: list[tuple[bool, list[str]]] = []
    for token in tokens:
        if not token:
            continue
        cjk = has_cjk(token)
        latin = any(ch.isalpha() and ch.isascii() for ch in token)
        if cjk and len(groups) == 1 and _postcode_alone(groups[0]):
            groups[0] = (True, [*groups[0][1], token])
        elif groups and (groups[-1][0] == cjk or (not cjk and not latin)):
            groups[-1][1].append(token)
        else:
            groups.append((cjk, [token]))
    return groups


#: A postcode printed before a Chinese address: Taiwan's 3, 3+2 or 3+3 digits, the
#: mainland's 6 (a phone number has 7 or more digits and is taken out before this).
_POSTCODE_CJK_RE = re.compile(r"\d{3}(?:-?\d{2,3})?")


def _postcode_alone(group: tuple[bool, list[str]]) -> bool:
    cjk, tokens = group
    return not cjk and len(tokens) == 1 and _POSTCODE_CJK_RE.fullmatch(tokens[0]) is not None


def _merge_single_chars(tokens: list[str]) -> list[str]:
    out: list[str] = []
    for token in tokens:
        if out and len(token) == 1 and len(out[-1]) <= 2 and has_cjk(out[-1][-1]):
            out[-1] += token
        else:
            out.append(token)
    return out


def _latin_runs(text: str, cand: _Candidate) -> list[_Run]:
    run = _Run(text, False, cand.line, cand.height)
    if _kind(run) in {"address", "company", "title", "name"} or "," not in text:
        return [run]
    return [_Run(p.strip(), False, cand.line, cand.height) for p in text.split(",") if p.strip()]


def _kind(run: _Run) -> str:
    text = run.text
    if run.cjk:
        text = to_simplified(text)  # the vocabulary is simplified; 總經理 is 总经理
        if _is_cjk_address(text):
            return "address"
        if any(text.endswith(s) for s in COMPANY_CJK) or "有限公司" in text:
            return "company"
        if _is_cjk_shop(text) or (len(text) >= 4 and text.endswith(("师行", "师楼"))):
            return "company"  # 何陳律師行, 李會計師樓: a professional's firm, not a title
        if any(word in text for word in TITLE_CJK) or text.endswith(("销售", "总工", "业务")):
            return "title"
        if text.endswith(TITLE_CJK_ENDINGS) and not (len(text) <= 3 and _is_cjk_name(text)):
            return "title"
        if len(text) >= 3 and text.endswith(TITLE_CJK_HEAD) and not _is_cjk_name(text):
            return "title"  # 营运长, 财务长, 秘书长
        if len(text) >= 3 and text.endswith(("师", "员")) and not _is_cjk_name(text):
            return "title"  # 建筑师, 药剂师, 中医师: a profession; 营业员, 业务员
        if _is_cjk_name(text):
            return "name"
        return "other"
    if _is_latin_address(text):
        return "address"
    if _COMPANY_LATIN_RE.search(text):
        return "company"
    # OCR drops the space between two words now and then ("AssociateDirector"): the
    # vocabulary is looked up in the words apart.
    spaced = _CAMEL_RE.sub(" ", text)
    if _TITLE_LATIN_RE.search(spaced) or _CRAFT_TITLE_RE.fullmatch(spaced):
        return "title"
    if _TRADE_LATIN_RE.search(spaced):
        return "company"  # "Harbor Logistics", "Bluefin Capital": no legal form printed
    if _AMPERSAND_RE.search(text) and _capitalised(text):
        return "company"  # "Magnolia Tile & Stone": people are not printed with an "&"
    if _THE_RE.match(text) and _capitalised(text):
        return "company"  # "The Copper Spoon": no person's name starts with "The"
    if _is_latin_name(text):
        return "name"
    return "other"


def _capitalised(text: str) -> bool:
    """Every word of two letters or more starts with a capital ("Tile & Stone", "Bread and
    Salt" aside from "and"), the way a trading name is printed."""
    words = [w for w in re.findall(r"[A-Za-z][A-Za-z'’.-]+", text) if w.lower() not in _SMALL]
    return bool(words) and all(w[0].isupper() for w in words)


_SMALL = frozenset({"and", "of", "the", "for", "de", "la", "du", "von", "van", "on", "at"})


def _is_cjk_address(text: str) -> bool:
    hits = sum(1 for word in _ADDRESS_CJK if word in text)
    digits = any(ch.isdigit() for ch in text)
    if len(text) < 6:
        return False
    return hits >= 3 or (hits >= 2 and digits) or (hits >= 1 and digits and "号" in text)


#: A house number and, after it, a Singapore / Hong Kong unit "#floor-unit" ("20 Collyer
#: Quay, #12-05", "Blk 18 Jalan Besar, #01-23"): the line is an address.
_UNIT_NUMBER_RE = re.compile(r"\b\d{1,5}[A-Za-z]?\b.*?[A-Za-z].*#\s?\d{1,3}-\d{1,5}[A-Za-z]?\b")


def _is_latin_address(text: str) -> bool:
    digits = any(ch.isdigit() for ch in text)
    if _UNIT_NUMBER_RE.search(text):
        return True  # "20 Collyer Quay, #12-05": a unit, never a phone number's tail
    if _ADDRESS_LATIN_RE.search(text) and digits:
        return True
    if _LOCALITY_RE.search(text):
        return True
    return bool(_COUNTRY_RE.search(text) and _POSTCODE_RE.search(text))


def _is_cjk_shop(text: str) -> bool:
    """A shop or practice named by a one-character ending (永利金行, 百草堂): three or more
    characters, all Chinese, that do not read as a person's name or a title."""
    if len(text) < 3 or not all(has_cjk(ch) for ch in text):
        return False
    if not text.endswith(COMPANY_CJK_SHORT):
        return False
    if any(word in text for word in TITLE_CJK):
        return False
    return not (len(text) <= 3 and _is_cjk_name(text))


def _is_cjk_name(text: str) -> bool:
    if not 2 <= len(text) <= 4 or not all(has_cjk(ch) for ch in text):
        return False
    return text[:2] in COMPOUND_SURNAMES or text[0] in SURNAMES


_NAME_WORD_RE = re.compile(
    r"(?:[A-ZÀ-ÖØ-Þ][a-zß-öø-ÿ]*(?:[A-ZÀ-ÖØ-Þ][a-zß-öø-ÿ]+)?(?:[-'’][A-Za-zÀ-ÖØ-öø-ÿ]+)*"
    r"|[A-Z]{2,}(?:[-'][A-Z]+)*|[A-Z]\."
    r"|van|von|der|den|de|da|di|du|del|dos|le|la|bin|binti|binte|bte|al|s/o|d/o|a/l|a/p)"
)


def _is_latin_name(text: str) -> bool:
    words = _name_core(text).split()
    if not 2 <= len(words) <= 4 or _COUNTRY_RE.search(text):
        return False
    if not all(_NAME_WORD_RE.fullmatch(w) for w in words):
        return False
    if sum(1 for w in words if w[0].isupper()) < 2:
        return False
    return sum(ch.isalpha() for ch in text) >= 4


def _continues_address(
    addresses: list[tuple[_Run, bool]],
    address_lines: dict[int, int],
    run: _Run,
    *,
    loose: bool = False,
) -> int | None:
    """Append ``run`` to the address printed on the line just above, if it continues it
    (a second address line: "Pudong, Shanghai 200120, China")."""
    index = address_lines.get(run.line - 1)
    if index is None or run.cjk != addresses[index][0].cjk or run.cjk:
        return None
    if loose and not (_COUNTRY_RE.search(run.text) or _POSTCODE_RE.search(run.text)):
        return None
    previous, labelled = addresses[index]
    joined = _Run(f"{previous.text}, {run.text}", False, run.line, previous.height)
    addresses[index] = (joined, labelled)
    del address_lines[run.line - 1]
    address_lines[run.line] = index
    return index


#: Letters after a name that are not part of it ("Fiona Campbell MBA", "Li Wei, PhD",
#: "Owen Pryce CEng MICE", "Dr Tan Mei, MBBS (S'pore)"): degrees, memberships and
#: licences, with or without a comma, a run of them at the end. Besides the list, a word
#: of three capitals or more mixed with small letters is one ("MIStructE", "MRPharmS"):
#: no name word is spelt so (McDonald, MacLeod have two).
_POST_NOMINAL = (
    r"(?:MBA|PhD|Ph\.D\.|DPhil|EdD|JD|LLB|LLM|CPA|CFA|CFP|CMA|CGMA|CIA|CISA|CISSP|PMP|MD|DO|"
    r"Esq\.?|FCA|ACA|ACCA|FCCA|ACMA|FCMA|CA|PE|PEng|CEng|IEng|MICE|FICE|MIET|RIBA|MRICS|FRICS|"
    r"MBBS|MBChB|BMBS|MRCP|FRCP|MRCS|FRCS|MRCGP|FRCGP|DDS|DMD|DVM|MRCVS|PharmD|RPh|RN|"
    r"MSc|BSc|MEng|BEng|MA|BA|MPhil|GDFM|FAMS|MCIPD|FCIPD|CIPD|FCIPS|MCIPS|CMgr|FCMI|MCMI|"
    r"[A-Z](?=(?:[a-z]*[A-Z]){2})[A-Za-z]{3,10}(?<=[a-z][A-Z]|[A-Z][a-z]|[a-z][a-z]))"
    r"(?:\s?\([A-Za-z'’. ]{2,12}\))?"
)
_POST_NOMINALS_RE = re.compile(rf"(?:,?\s+{_POST_NOMINAL}(?![A-Za-z]))+$")
#: A generation after the surname ("Marcus Bell Jr.", "John Ward III"): part of the name,
#: kept as printed, but not a word the name's shape is judged by.
_GENERATION_RE = re.compile(r",?\s+(?:Jr|Sr|Jnr|Snr)\.?$|,?\s+(?:II|III|IV|V|VI)$")
#: A form of address before the name ("Dr. Helen Park", "Ms Li"): kept as printed too.
_HONORIFIC_RE = re.compile(r"^(?:Dr|Mr|Mrs|Ms|Mx|Miss|Prof|Sir|Dame|Rev|Hon)\.?\s+")


def _name_core(text: str) -> str:
    """The words a name is judged by: no post-nominals, generation or form of address."""
    core = _POST_NOMINALS_RE.sub("", " ".join(text.split()))
    core = _POST_NOMINALS_RE.sub("", _GENERATION_RE.sub("", core))
    return _HONORIFIC_RE.sub("", core)


def _best_name(names: list[_Run]) -> str | None:
    if not names:
        return None
    pool = [n for n in names if n.cjk] or names
    best = max(pool, key=lambda n: (n.height, -n.line))
    if best.cjk:
        return best.text
    text = _POST_NOMINALS_RE.sub("", " ".join(best.text.split()))
    if not text.isupper():
        return text
    # A name printed in capitals is written as a name; a generation's numeral stays.
    return " ".join(w if re.fullmatch(r"I{1,3}|IV|VI?", w) else w.title() for w in text.split())


def _company_by_position(names: list[_Run], name: str | None) -> str | None:
    """On a Latin card with no company word, a second run shaped like a name and printed
    within two lines of the name is the trading name ("Lumen Orchard" under "Dana Okafor"):
    a card carries one person. Not on a card with a Chinese name, whose English name is a
    translation of it."""
    if name is None or any(run.cjk for run in names):
        return None
    chosen = [run for run in names if _best_name([run]) == name]
    if not chosen:
        return None
    anchor = chosen[0]
    others = [
        run
        for run in names
        if run is not anchor
        and abs(run.line - anchor.line) <= 2
        and _best_name([run]) != name
        and len(run.text.split()) >= 2
    ]
    if not others:
        return None
    return " ".join(min(others, key=lambda r: abs(r.line - anchor.line)).text.split())


def _prefer_cjk(runs: list[_Run]) -> str | None:
    pool = [r for r in runs if r.cjk] or runs
    return " ".join(pool[0].text.split()) if pool else None


def _best_company(runs: list[_Run]) -> str | None:
    pool = [r for r in runs if r.cjk] or runs
    if not pool:
        return None
    best = max(
        pool,
        key=lambda r: (
            "公司" in r.text or _COMPANY_LATIN_RE.search(r.text) is not None,
            not r.text.islower(),  # "FERN & FOLD" over its tagline "design studio"
            r.height,
            -r.line,
        ),
    )
    return " ".join(best.text.split())


def _best_address(addresses: list[tuple[_Run, bool]]) -> str | None:
    if not addresses:
        return None
    pool = [a for a in addresses if a[0].cjk] or addresses
    run, _labelled = max(pool, key=lambda a: (a[1], len(a[0].text)))
    text = run.text
    if run.cjk:
        # OCR puts spaces between Chinese characters where the typesetting had gaps.
        text = re.sub(f"(?<=[{_CJK_CHARS}]) (?=[{_CJK_CHARS}0-9])", "", text)
        text = re.sub(f"(?<=[0-9]) (?=[{_CJK_CHARS}])", "", text)
        # A postcode in front stays apart from the town it precedes ("114 台北市…").
        text = re.sub(f"^(\\d{{3}}(?:-?\\d{{2,3}})?)(?=[{_CJK_CHARS}])", r"\1 ", text)
    return " ".join(text.split())


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(item for item in items if item))


__all__ = [
    "DEFAULT_REGION",
    "extract_fields",
    "has_cjk",
    "lines_from_text",
    "normalise_text",
    "parse_phone",
    "phone_numbers",
]
