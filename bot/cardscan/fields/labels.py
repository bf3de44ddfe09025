"""Printed labels (``手机`` ``Tel`` ``M:`` ``e.`` ``W``…) and where a line is cut at them.

A labelled piece says what it holds; a label word is only a label where its value's shape
confirms it (``Email Marketing Manager`` is a title, ``Manchester M3 4LZ`` a town)."""

from __future__ import annotations

import re

from bot.cardscan.fields.contacts import _URL_RE, _web_address
from bot.cardscan.fields.text import _SEPARATORS, has_cjk

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


#: "s/o", "d/o", "a/l", "a/p" in a Malay or Indian name (:mod:`.names`), not "D" or "O"
#: labels in a row.
_PATRONYMIC_RE = re.compile(r"(?:[sd]/o|a/[lp])(?![A-Za-z])", re.IGNORECASE)
_PHONE_RUN_RE = re.compile(r"[+(]?\d[\d\s().\-/]*")


_LABEL_KIND = {alias.casefold(): kind for kind, aliases in LABELS.items() for alias in aliases}


_LABEL_RE = re.compile(
    r"(?P<label>"
    + "|".join(re.escape(a) for a in sorted(_LABEL_KIND, key=len, reverse=True))
    + r")(?P<sep>\.?\s*[:：]\s*|\.\s*(?=[+(\d])|\s*(?=[+(\d])|\.?\s+(?=\S)|\.(?=[a-z]))?",
    re.IGNORECASE,
)


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
        if _PATRONYMIC_RE.match(text, start):
            return False  # "Kavitha d/o Muniandy": "son / daughter of", no D/O labels
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
