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


#: A licence number after the authority's code, as carriers, brokers, lawyers and
#: contractors must print it ("USDOT 3184402", "MC 112938", "FMC OTI 024417", "NMLS ID
#: 2209871", "CA BAR #287441", "CSLB Lic. 1045582", "FRN 523817"). The codes are matched
#: in capitals only (MC, DOT), so "Mc" and "Dot" in names and words stay.
_LICENCE_RE = re.compile(
    r"\b(?:US\s?DOT|DOT|MC|MX|FF|FMC|FMCSA|OTI|NVOCC|ICC|NMLS|FRN|CSLB|CRD|NPN|SBN|DRE|BRE|"
    r"CalBRE|AFSL|ACL|NPI|DEA|IATA|TICO|ATOL|ABTA|[A-Z]{2}\s+BAR|BAR)"
    r"(?:\s*(?:OTI|ID|No\.?|Number|Lic\.?|License|Licence|#))*\s*[:#]?\s*[A-Z]{0,3}-?\d{4,}\b"
    r"|\b(?:[Ss]tate\s+)?[Bb]ar\s*(?:[Nn]o\.?|[Nn]umber|#)\s*:?\s*\d{4,}\b"
    r"|\b(?:[Ll]icen[cs]e|LICEN[CS]E|[Ll]ic\.?)\s*[:#]\s*[A-Z]{0,3}-?\d{4,}\b"
)
#: Where a licence shares a line with something a contact keeps ("…, CA 90806 · USDOT
#: 3184402"): the line's pieces between these.
_PIECES_RE = re.compile(r"\s+[·•|｜]\s+|\s{3,}")


#: An accreditation a practice prints ("AAHA Accredited Hospital", "RCVS Accredited
#: Practice", "Fear Free Certified Practice", "ISO 9001 Certified", "Registered Charity",
#: "AAHA认证医院"): no name, title or company, though it is capitalised like one. A
#: person's credential ("Certified Financial Planner", "Registered Nurse") names no
#: practice and stays a title.
_ACCREDITATION_RE = re.compile(
    r"^(?:[A-Z][\w&.'’-]*\s+){0,4}(?:accredited|approved|certified|registered|recogni[sz]ed|"
    r"endorsed)\s+(?:veterinary\s+|training\s+|small\s+animal\s+)?(?:practice|hospital|"
    r"clinic|business|member|centre|center|provider|school|firm|employer|installer|dealer|"
    r"laboratory|lab|charity|institution|organi[sz]ation)\b"
    r"|^(?:[A-Z]{2,6}|ISO\s?\d{4,5}(?::\d{4})?)\s+(?:accredited|certified|approved)$"
    r"|\baccreditation\b"
    r"|(?:认证|認證|认可|認可)(?:医院|醫院|诊所|診所|机构|機構|单位|單位|企业|企業|实验室|實驗室)"
    r"|^ISO\s?\d{4,5}\S*\s?(?:认证|認證)",
    re.IGNORECASE,
)


def _is_regulatory(text: str) -> bool:
    """A registration, licence or accreditation line (see the patterns): a phrase that
    says so, or a registration word beside an identifier of at least five digits."""
    if _REGULATORY_PHRASE_RE.search(text) or _ACCREDITATION_RE.search(text):
        return True
    if sum(ch.isdigit() for ch in text) < 4:
        return False
    return bool(_REGULATORY_ID_RE.search(text) or _REGULATORY_CJK_RE.search(text))


def _without_regulatory(text: str) -> str:
    """The line less what no contact keeps: empty for a registration line; a licence
    number left out of the line it shares ("1180 W Anaheim St, …, CA 90744 · USDOT
    2290117" is the address alone), or the whole line when it is only that."""
    if _is_regulatory(text):
        return ""
    pieces = _PIECES_RE.split(text)
    kept = [piece for piece in pieces if not _LICENCE_RE.search(piece)]
    if len(kept) == len(pieces):
        return text
    return _PIECES_RE.findall(text)[0].join(kept) if kept else ""
