"""Personal names: Chinese (a known surname and two to four characters) and Latin (two
to four name-shaped words), with letters after the name, a generation or a form of address
kept apart from the words a name is judged by."""

from __future__ import annotations

import re

from bot.cardscan.fields.addresses import _COUNTRY_RE, _TOWN_STATE_RE
from bot.cardscan.fields.pieces import _Run
from bot.cardscan.fields.postnominals import POST_NOMINALS_RE
from bot.cardscan.fields.text import has_cjk

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


def _is_cjk_name(text: str) -> bool:
    if not 2 <= len(text) <= 4 or not all(has_cjk(ch) for ch in text):
        return False
    return text[:2] in COMPOUND_SURNAMES or text[0] in SURNAMES


_NAME_WORD_RE = re.compile(
    r"(?:[A-ZÀ-ÖØ-Þ][a-zß-öø-ÿ]*(?:[A-ZÀ-ÖØ-Þ][a-zß-öø-ÿ]+)?(?:[-'’][A-Za-zÀ-ÖØ-öø-ÿ]+)*"
    r"|[A-Z]{2,}(?:[-'][A-Z]+)*|[A-Z]\."
    r"|van|von|der|den|de|da|di|du|del|dos|le|la|bin|binti|binte|bte|al"
    r"|[sd]/o|a/[lp]|[SD]/O|A/[LP])"
)
#: The word between a Malay or Indian name and the father's ("Aisyah binte Rahman",
#: "Hafiz bin Abdul Latif", "Rajesh s/o Ganesan", "Kavitha d/o Murugan", "Arjun a/l
#: Muthu"): such a name runs to six words, the father's name included.
_PATRONYMIC_RE = re.compile(r"^(?:bin|binti|binte|bte|s/o|d/o|a/l|a/p)$", re.IGNORECASE)


def _is_latin_name(text: str) -> bool:
    words = _name_core(text).split()
    patronymic = any(_PATRONYMIC_RE.match(w) for w in words[1:-1])
    if not 2 <= len(words) <= (6 if patronymic else 4) or _COUNTRY_RE.search(text):
        return False
    if not all(_NAME_WORD_RE.fullmatch(w) for w in words):
        return False
    if sum(1 for w in words if w[0].isupper()) < 2:
        return False
    return sum(ch.isalpha() for ch in text) >= 4


#: Letters after a name that are not part of it ("Fiona Campbell MBA", "Helen Ward KC",
#: "Owen Pryce CEng MICE"): :mod:`.postnominals` knows them, by family and by shape.
_POST_NOMINALS_RE = POST_NOMINALS_RE


def _without_post_nominals(text: str) -> str:
    """``text`` less the letters after it, when two words or more are left ("Lim KC" is
    a name with initials, not "Lim" with an honour)."""
    bare = _POST_NOMINALS_RE.sub("", text)
    return bare if len(bare.split()) >= 2 else text


#: A generation after the surname ("Marcus Bell Jr.", "John Ward III"): part of the name,
#: kept as printed, but not a word the name's shape is judged by.
_GENERATION_RE = re.compile(r",?\s+(?:Jr|Sr|Jnr|Snr)\.?$|,?\s+(?:II|III|IV|V|VI)$")


#: A form of address before the name ("Dr. Helen Park", "Ms Li"): not part of the name a
#: contact is saved, searched and de-duplicated by (the answer keys of every card set say
#: so), unless nothing but one word would be left ("Dr Li" stays). Singapore and Malaysia
#: add their own: an architect's "Ar.", an engineer's "Er.", "Mdm", "Dato'", "Datuk",
#: "Puan", "Encik".
_HONORIFIC_RE = re.compile(
    r"^(?:Dr|Mr|Mrs|Ms|Mx|Miss|Prof|Sir|Dame|Rev|Hon|Ar|Er|Mdm|Dato'?|Datuk|Datin|Puan|Encik"
    r"|DR|MR|MRS|MS|PROF)"
    r"\.?\s+"
)


def _name_core(text: str) -> str:
    """The words a name is judged by: no post-nominals, generation or form of address."""
    core = _without_post_nominals(" ".join(text.split()))
    core = _without_post_nominals(_GENERATION_RE.sub("", core))
    return _HONORIFIC_RE.sub("", core)


def _best_name(names: list[_Run]) -> str | None:
    if not names:
        return None
    pool = [n for n in names if n.cjk] or names
    # Letters after a line mark the person's ("Samuel Okoro, PharmD" under the pharmacy's
    # name): on a rotated photo OCR's heights say little about which was printed larger.
    pool = [n for n in pool if _has_post_nominals(n)] or pool
    best = max(pool, key=lambda n: (n.height, -n.line))
    if best.cjk:
        return best.text
    text = _without_post_nominals(" ".join(best.text.split()))
    bare = _HONORIFIC_RE.sub("", text)
    if len(_GENERATION_RE.sub("", bare).split()) >= 2:
        text = bare
    if not " ".join(w for w in text.split() if not _PATRONYMIC_RE.match(w)).isupper():
        return text
    # A name printed in capitals is written as a name; a generation's numeral stays.
    return " ".join(_capitals_word(w) for w in text.split())


def _has_post_nominals(run: _Run) -> bool:
    """Letters after the line that no town is written with: "Ocean City, MD" may be a
    town and its state as well as a doctor's, so it marks nothing."""
    text = " ".join(run.text.split())
    if run.cjk or _TOWN_STATE_RE.fullmatch(text):
        return False
    return _without_post_nominals(text) != text


def _capitals_word(word: str) -> str:
    """One word of a name printed in capitals, as a name is written: a generation's
    numeral stays, "BINTE" / "S/O" are small ("binte", "s/o")."""
    if re.fullmatch(r"I{1,3}|IV|VI?", word):
        return word
    if _PATRONYMIC_RE.match(word):
        return word.lower()
    return word.title()
