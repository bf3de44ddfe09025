"""Is this customer already in the CRM? The one set of matching rules, for every bulk path.

A company is the same when its name without legal form, leading city, case, spaces and
punctuation is the same (上海星辰科技有限公司 = 星辰科技, "Acme Trading Co., Ltd." = ACME
TRADING); a contact when a phone number (E.164), an e-mail address (case-folded), or the
name at the same company is the same. These are the business-card rules
(handlers/cards/review.py takes :func:`company_core` from here); the card flow adds a fuzzy
company search for OCR slips, which an import of typed data does not need.

An import checks thousands of rows, so instead of one query per row the keys of every
record the importer may see are loaded once into a :class:`CustomerIndex` (a few seconds at
100,000 contacts) and the rows are matched in memory; rows planned in the same file are
added as they go, so a file that lists a person twice creates them once. The team-wide
duplicate check (issue 18) can reuse :meth:`CustomerIndex.match_contact` and
:func:`company_core`.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

import phonenumbers
from sqlalchemy import select

from store.access import Records
from store.models import Company, Contact, Deal

#: Company legal forms and words that don't tell two companies apart.
_LEGAL_FORMS_CJK = re.compile(
    r"(股份有限公司|有限责任公司|集团有限公司|集团股份有限公司|有限公司|股份公司|集团|公司)$"
)
_LEGAL_FORMS_LATIN = re.compile(
    r"\b(co\.?,?\s*ltd\.?|company\s+limited|ltd\.?|limited|inc\.?|incorporated|llc|"
    r"l\.l\.c\.?|corp\.?|corporation|company|co\.?|group|holdings|pte\.?|plc|gmbh|ag|llp)\b",
    re.IGNORECASE,
)
#: A leading city is dropped too: 上海星辰科技 is the 星辰科技 a rep already has.
_CITY_PREFIX = re.compile(
    "^(北京|上海|天津|重庆|深圳|广州|杭州|苏州|南京|成都|武汉|西安|厦门|青岛|宁波|无锡|长沙|"
    "郑州|济南|合肥|福州|大连|沈阳|东莞|佛山|香港|澳门|台北)市?(?=..)"
)


@functools.lru_cache(maxsize=65536)
def company_core(name: str) -> str:
    """A company name without its legal form, case, spaces or punctuation:
    上海星辰科技有限公司 -> 星辰科技, "Acme Trading Co., Ltd." -> acmetrading."""
    text = unicodedata.normalize("NFKC", name).strip()
    for _ in range(2):
        text = _LEGAL_FORMS_CJK.sub("", text).strip()
        text = _LEGAL_FORMS_LATIN.sub(" ", text).strip(" ,.&-")
    text = _CITY_PREFIX.sub("", text)
    return re.sub(r"[\W_]+", "", text).casefold()


def company_words(name: str, *, with_legal_form: bool = False) -> list[str]:
    """A company name's words, casefolded, without its legal form unless asked:
    "Acme Trading Co., Ltd." -> ["acme", "trading"] (with it, also "co", "ltd"). What a
    name says word by word, for telling "Sentosa Marine Works" from "Straits Marine
    Supply"."""
    text = unicodedata.normalize("NFKC", name)
    if not with_legal_form:
        text = _LEGAL_FORMS_LATIN.sub(" ", text)
    return [word.casefold() for word in re.findall(r"[^\W_]+", text)]


@functools.lru_cache(maxsize=65536)
def phone_key(value: str, region: str = "CN") -> str | None:
    """A stored or typed phone number as E.164, the form two numbers are compared in."""
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def email_key(value: str) -> str:
    return unicodedata.normalize("NFKC", value).strip().casefold()


def name_key(value: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", value).split()).casefold()


@dataclass(frozen=True, slots=True)
class Match:
    """An existing (positive id) or planned (negative id) record, and the rule that matched."""

    record_id: int
    by: str  # "phone", "email", "name", "company", "title"


@dataclass
class CustomerIndex:
    """The match keys of the records one principal may see, plus rows planned meanwhile."""

    region: str = "CN"
    companies: dict[str, int] = field(default_factory=dict)
    phones: dict[str, int] = field(default_factory=dict)
    emails: dict[str, int] = field(default_factory=dict)
    names: dict[tuple[int | None, str], int] = field(default_factory=dict)
    deals: dict[tuple[int, str], int] = field(default_factory=dict)

    def match_company(self, name: str) -> Match | None:
        found = self.companies.get(company_core(name))
        return None if found is None else Match(found, "company")

    def match_contact(
        self, *, phones: Iterable[str], email: str | None, name: str | None, company: int | None
    ) -> Match | None:
        """Phone first, then e-mail, then the same name at the same company."""
        for phone in phones:
            found = self.phones.get(phone)
            if found is not None:
                return Match(found, "phone")
        if email and (found := self.emails.get(email_key(email))) is not None:
            return Match(found, "email")
        if name and company is not None:
            found = self.names.get((company, name_key(name)))
            if found is not None:
                return Match(found, "name")
        return None

    def match_deal(self, company: int, title: str) -> Match | None:
        found = self.deals.get((company, name_key(title)))
        return None if found is None else Match(found, "title")

    def add_company(self, record_id: int, name: str) -> None:
        self.companies.setdefault(company_core(name), record_id)

    def add_contact(
        self,
        record_id: int,
        *,
        phones: Iterable[str],
        email: str | None,
        name: str | None,
        company: int | None,
    ) -> None:
        for phone in phones:
            self.phones.setdefault(phone, record_id)
        if email:
            self.emails.setdefault(email_key(email), record_id)
        if name and company is not None:
            self.names.setdefault((company, name_key(name)), record_id)

    def add_deal(self, record_id: int, company: int, title: str) -> None:
        self.deals.setdefault((company, name_key(title)), record_id)


async def load_customer_index(records: Records, region: str = "CN") -> CustomerIndex:
    """Every company, contact and deal key the principal may see, in three queries."""
    index = CustomerIndex(region)
    session = records.session
    companies = await session.execute(
        select(Company.id, Company.name).where(records.scope(Company)).order_by(Company.id)
    )
    for company_id, name in companies:
        index.add_company(company_id, name)
    contacts = await session.execute(
        select(
            Contact.id,
            Contact.name,
            Contact.company_id,
            Contact.mobile,
            Contact.phone,
            Contact.email,
        )
        .where(records.scope(Contact))
        .order_by(Contact.id)
    )
    for contact_id, name, in_company, mobile, phone, email in contacts:
        keys = [k for k in (phone_key(v, region) for v in (mobile, phone) if v) if k]
        index.add_contact(contact_id, phones=keys, email=email, name=name, company=in_company)
    deals = await session.execute(
        select(Deal.id, Deal.company_id, Deal.title).where(records.scope(Deal)).order_by(Deal.id)
    )
    for deal_id, company_id, title in deals:
        index.add_deal(deal_id, company_id, title)
    return index
