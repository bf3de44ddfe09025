"""Registration and licence lines, which the law makes firms print and a contact
never keeps: they are left out of every field, so they join no address."""

from __future__ import annotations

import re

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
