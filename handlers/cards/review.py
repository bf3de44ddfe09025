"""A scanned business card: review -> (edit a field)* -> save, or merge with a duplicate.

Entry: :func:`start` with a :class:`~bot.cardscan.ScanResult` (the handler in
``handlers/business_cards.py`` reads the photo). State lives in the conversation row like
every flow: the fields read, where they came from, the rep's region for phone numbers,
and the re-encoded photo (base64, at most ~200 kB) until the contact is saved.

- ``review``: the card as read, with Save, one Edit button per field and Cancel; a typed
  ``title: 销售总监`` (any field name in English or Chinese, one per line) corrects it.
- ``edit``: the next message is the new value of one field (``-`` clears it).
- ``duplicate``: Save found a contact with the same phone, email, or name at the same
  company; both are shown with Merge (the card's values win where it has one, the
  existing record keeps the rest), Keep both, Cancel.

Saving links the contact to an existing company whose name matches once the legal form
is ignored (星辰科技 = 星辰科技有限公司, Acme = ACME Co., Ltd.; found with
:func:`store.search.search`, confirmed with rapidfuzz), or creates the company. The photo
and the source ("business card scan", who, when, what was read) are kept with the contact
in the ``contact_photos`` table.
"""

from __future__ import annotations

import base64
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import phonenumbers
from rapidfuzz import fuzz
from sqlalchemy import ColumnElement, func, or_

from bot.cardscan.fields import DEFAULT_REGION, normalise_text, parse_phone
from bot.cardscan.model import FIELD_ORDER, CardFields
from bot.cardscan.reading import reread_numbers
from bot.cardscan.scanner import ScanResult
from bot.context import Context, FlowKey
from bot.phones import display_phone
from bot.replies import Button, Card
from conversations.base import Answer, Expects, Flow, Step
from handlers.customers.actions import OpenCompany
from handlers.customers.twins import twin_buttons, twin_lines, twins_of
from store.access import Records
from store.blind_index import matching
from store.dedupe import company_core
from store.models import Company, Contact, ContactPhoto
from store.sealing import session_keyring
from store.search import number_pieces, search


class State(StrEnum):
    REVIEW = "review"
    EDIT = "edit"
    DUPLICATE = "duplicate"


class Choice(StrEnum):
    SAVE = "save"
    CANCEL = "cancel"
    BACK = "back"
    BOTH = "both"  # keep both contacts
    REGION = "region"  # show the countries the numbers can be read as


KEY = FlowKey("bizcard", 1, State)
NAME = KEY.name


@dataclass(frozen=True)
class Pick(Answer, tag="bp"):
    choice: Choice


@dataclass(frozen=True)
class EditField(Answer, tag="be"):
    field: str  # one of FIELD_ORDER (checked when pressed)


@dataclass(frozen=True)
class MergeWith(Answer, tag="bm"):
    contact: int


@dataclass(frozen=True)
class ReadAs(Answer, tag="br"):
    """Read the card's numbers again as this country's (ISO 3166 code)."""

    region: str


#: The countries offered when the rep changes how the numbers are read.
REGION_CHOICES = ("US", "GB", "HK", "SG", "TW", "CN")
PHONE_FIELDS = ("mobile", "phone", "fax")


LIST_FIELDS = frozenset({"mobile", "phone", "fax", "email"})
#: Same company when the names without legal forms are this similar (rapidfuzz ratio):
#: one wrong character in eight (an OCR slip) still matches, 星辰科技 vs 星辰物流 doesn't.
COMPANY_MATCH = 88.0
MAX_DUPLICATES = 3
SOURCE = "business card scan"


def _button(ctx: Context, key: str, answer: Answer, **values: Any) -> Button:
    return Button(ctx.t(key, **values), answer)


def _choice(ctx: Context) -> Choice | None:
    return ctx.action.choice if isinstance(ctx.action, Pick) else None


# --------------------------------------------------------------------------- entry


def start(ctx: Context, result: ScanResult, *, region: str = DEFAULT_REGION) -> None:
    """Show what was read and wait for Save or corrections. ``region`` is the rep's own;
    the numbers were read in ``result.region`` (the card's, when it told)."""
    assert ctx.flow is not None
    ctx.flow.start(
        KEY,
        State.REVIEW,
        {
            "fields": result.fields.to_json(),
            "source": result.source,
            # Not told by the card, the numbers were read as the rep's (a scan passes the
            # rep's region as its default; anything else that starts a review may not).
            "region": result.region if result.region_from_card else region,
            "default_region": region,
            "region_how": "card" if result.region_from_card else "default",
            "lines": list(result.lines),
            "qr": result.qr_fields.to_json() if result.qr_fields is not None else None,
            "photo": base64.b64encode(result.photo_jpeg).decode("ascii"),
            "scanned_at": ctx.now.isoformat(),
            "platform": ctx.event.platform,
        },
    )


async def show_review(ctx: Context) -> None:
    assert ctx.flow is not None
    fields = CardFields.from_json(ctx.flow.data["fields"])
    company = await match_company(ctx.records, fields.company) if fields.company else None
    lines = [_field_line(ctx, name, fields, company) for name in FIELD_ORDER]
    lines += ["", ctx.t(f"bizcard.source_{ctx.flow.data['source'].replace('+', '_')}")]
    # Numbers can be read again only from printed lines (not from a shared vCard's).
    has_numbers = any(getattr(fields, name) for name in PHONE_FIELDS) and bool(
        ctx.flow.data.get("lines")
    )
    region = str(ctx.flow.data.get("region") or DEFAULT_REGION)
    if has_numbers:
        how = str(ctx.flow.data.get("region_how") or "default")
        lines.append(
            ctx.t(
                f"bizcard.region_{how}", flag=region_flag(region), region=region_name(ctx, region)
            )
        )
    lines.append(ctx.t("bizcard.hint"))
    buttons = [_button(ctx, "bizcard.save", Pick(Choice.SAVE))]
    buttons += [
        _button(ctx, "bizcard.edit", EditField(name), field=ctx.t(f"bizcard.fields.{name}"))
        for name in FIELD_ORDER
    ]
    default = str(ctx.flow.data.get("default_region") or DEFAULT_REGION)
    if has_numbers and default != region:
        # One tap back to the rep's own country, the likeliest correction.
        buttons.append(
            _button(
                ctx,
                "bizcard.read_as",
                ReadAs(default),
                flag=region_flag(default),
                region=region_name(ctx, default),
            )
        )
    if has_numbers:
        buttons.append(_button(ctx, "bizcard.other_region", Pick(Choice.REGION)))
    buttons.append(_button(ctx, "bizcard.cancel", Pick(Choice.CANCEL)))
    ctx.reply(Card(ctx.t("bizcard.title"), tuple(lines), tuple(buttons)))


def _field_line(ctx: Context, name: str, fields: CardFields, company: Company | None) -> str:
    value = getattr(fields, name)
    if name in {"mobile", "phone", "fax"}:
        shown = ", ".join(display_phone(v) for v in value)
    elif isinstance(value, list):
        shown = ", ".join(value)
    else:
        shown = value or ""
    if name == "company" and value:
        key = "bizcard.company_existing" if company is not None else "bizcard.company_new"
        shown = ctx.t(key, name=value)
    return ctx.t("bizcard.field_line", field=ctx.t(f"bizcard.fields.{name}"), value=shown or "–")


# --------------------------------------------------------------------------- review


async def on_review(ctx: Context) -> None:
    assert ctx.flow is not None
    choice = _choice(ctx)
    if choice is Choice.CANCEL:
        _cancel(ctx)
    elif choice is Choice.SAVE:
        await _save_or_ask(ctx)
    elif choice is Choice.REGION:
        current = str(ctx.flow.data.get("region") or DEFAULT_REGION)
        buttons = [
            Button(f"{region_flag(code)} {region_name(ctx, code)}", ReadAs(code))
            for code in REGION_CHOICES
            if code != current
        ]
        buttons.append(_button(ctx, "bizcard.back", Pick(Choice.BACK)))
        ctx.ask(ctx.t("bizcard.pick_region"), buttons)
    elif isinstance(ctx.action, ReadAs):
        _read_numbers_as(ctx, ctx.action.region)
        await show_review(ctx)
    elif isinstance(ctx.action, EditField):
        field = ctx.action.field
        if field not in FIELD_ORDER:
            await show_review(ctx)
            return
        ctx.flow.update(editing=field)
        ctx.flow.goto(State.EDIT)
        ctx.ask(
            ctx.t("bizcard.ask_value", field=ctx.t(f"bizcard.fields.{field}")),
            [_button(ctx, "bizcard.back", Pick(Choice.BACK))],
        )
    elif ctx.text:
        corrections = parse_corrections(ctx, ctx.text)
        if not corrections:
            ctx.say("bizcard.hint")
            return
        if _apply(ctx, corrections):
            await show_review(ctx)
    else:
        await show_review(ctx)


async def on_edit(ctx: Context) -> None:
    assert ctx.flow is not None
    field = str(ctx.flow.data.get("editing", ""))
    if _choice(ctx) is Choice.BACK or field not in FIELD_ORDER:
        ctx.flow.goto(State.REVIEW)
        await show_review(ctx)
        return
    if not ctx.text:
        ctx.say("bizcard.ask_value", field=ctx.t(f"bizcard.fields.{field}"))
        return
    if _apply(ctx, [(field, ctx.text)]):
        ctx.flow.goto(State.REVIEW)
        await show_review(ctx)


def _read_numbers_as(ctx: Context, region: str) -> None:
    """Read the card's numbers again as ``region``'s (the rep's tap); other fields stay as
    the rep has them. An unknown code (a stale or forged button) changes nothing."""
    assert ctx.flow is not None
    if region not in phonenumbers.SUPPORTED_REGIONS or not ctx.flow.data.get("lines"):
        return
    fields = CardFields.from_json(ctx.flow.data["fields"])
    qr_data = ctx.flow.data.get("qr")
    qr = CardFields.from_json(qr_data) if isinstance(qr_data, dict) else None
    texts = [str(line) for line in ctx.flow.data.get("lines") or []]
    fields = reread_numbers(texts, region, qr, fields)
    ctx.flow.update(fields=fields.to_json(), region=region, region_how="chosen")


def region_flag(region: str) -> str:
    """The flag emoji of an ISO 3166 code (two regional indicator letters)."""
    if len(region) != 2 or not region.isascii() or not region.isalpha():
        return "🌐"
    return "".join(chr(0x1F1E6 + ord(ch) - ord("A")) for ch in region.upper())


def region_name(ctx: Context, region: str) -> str:
    """The country's name in the rep's language where the catalogue has it, else its code."""
    try:
        return ctx.t(f"bizcard.regions.{region}")
    except KeyError:
        return region


def field_aliases(ctx: Context) -> dict[str, str]:
    """Every language's names for every field (a Chinese rep may type ``title:``)."""
    aliases: dict[str, str] = {}
    for catalog in ctx.translator.catalogs.values():
        for name in FIELD_ORDER:
            for alias in catalog.get(f"bizcard.field_aliases.{name}", []):
                aliases[str(alias).casefold()] = name
    return aliases


def parse_corrections(ctx: Context, text: str) -> list[tuple[str, str]]:
    """``title: 销售总监`` lines as (field, value); [] when a line isn't one."""
    aliases = field_aliases(ctx)
    out: list[tuple[str, str]] = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        head, sep, value = unicodedata.normalize("NFKC", line).partition(":")
        field = aliases.get(head.strip().casefold())
        if not sep or field is None:
            return []
        out.append((field, value.strip()))
    return out


CLEAR_WORDS = frozenset({"-", "–", "—", "none", "clear", "无", "清空", "没有"})


def _apply(ctx: Context, corrections: Sequence[tuple[str, str]]) -> bool:
    """Apply typed values to the fields in the flow state; False (and a reply) if one is bad."""
    assert ctx.flow is not None
    fields = CardFields.from_json(ctx.flow.data["fields"])
    region = str(ctx.flow.data.get("region") or DEFAULT_REGION)
    for field, raw in corrections:
        value = normalise_text(raw)
        cleared = value.casefold() in CLEAR_WORDS or not value
        if field in {"mobile", "phone", "fax"}:
            numbers: list[str] = []
            for part in [] if cleared else re.split(r"[,;/、，；]", value):
                if not part.strip():
                    continue
                number = parse_phone(part, region)
                if number is None:
                    ctx.say("bizcard.bad_phone", value=part.strip())
                    return False
                numbers.append(number)
            setattr(fields, field, numbers)
        elif field == "email":
            emails = [] if cleared else [e.strip().lower() for e in re.split(r"[,;，；\s]+", value)]
            emails = [e for e in emails if e]
            for email in emails:
                if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
                    ctx.say("bizcard.bad_email", value=email)
                    return False
            fields.email = emails
        elif field == "website":
            fields.website = (
                None if cleared else re.sub(r"^https?://", "", value.lower()).rstrip("/")
            )
        else:
            setattr(fields, field, None if cleared else value[:200])
    ctx.flow.update(fields=fields.to_json())
    return True


def _cancel(ctx: Context) -> None:
    assert ctx.flow is not None
    ctx.flow.end()
    ctx.say("bizcard.cancelled")


# --------------------------------------------------------------------------- saving


@dataclass(frozen=True)
class Duplicate:
    contact: Contact
    reason: str  # "phone", "email" or "name"


async def _save_or_ask(ctx: Context) -> None:
    assert ctx.flow is not None
    fields = CardFields.from_json(ctx.flow.data["fields"])
    if not fields.name:
        ctx.flow.update(editing="name")
        ctx.flow.goto(State.EDIT)
        ctx.ask(ctx.t("bizcard.need_name"), [_button(ctx, "bizcard.back", Pick(Choice.BACK))])
        return
    company = await match_company(ctx.records, fields.company) if fields.company else None
    region = str(ctx.flow.data.get("region") or DEFAULT_REGION)
    duplicates = await find_duplicates(ctx.records, fields, company, region)
    if not duplicates:
        twins = await twins_of(
            ctx,
            company=fields.company if company is None else None,
            phones=tuple(fields.mobile + fields.phone),
            emails=tuple(fields.email),
        )
        if not twins:
            await _create(ctx, fields)
            return
        # A colleague's customer already (查重): say whose, offer a handover or access,
        # or saving it anyway (Keep both).
        ctx.flow.goto(State.DUPLICATE)
        lines = [ctx.t("duplicates.intro"), *twin_lines(ctx, twins)]
        buttons = [
            *twin_buttons(ctx, twins),
            _button(ctx, "bizcard.keep_both", Pick(Choice.BOTH)),
            _button(ctx, "bizcard.cancel", Pick(Choice.CANCEL)),
        ]
        ctx.reply(Card(ctx.t("duplicates.title"), tuple(lines), tuple(buttons)))
        return
    ctx.flow.goto(State.DUPLICATE)
    lines = [ctx.t("bizcard.duplicate_intro")]
    for dup in duplicates:
        lines.append(
            ctx.t(
                "bizcard.duplicate_line",
                contact=await _describe(ctx, dup.contact),
                reason=ctx.t(f"bizcard.same_{dup.reason}"),
            )
        )
    lines.append(ctx.t("bizcard.duplicate_card", contact=_describe_fields(fields)))
    buttons = [
        _button(ctx, "bizcard.merge", MergeWith(dup.contact.id), name=dup.contact.name)
        for dup in duplicates
    ]
    buttons += [
        _button(ctx, "bizcard.keep_both", Pick(Choice.BOTH)),
        _button(ctx, "bizcard.cancel", Pick(Choice.CANCEL)),
    ]
    ctx.reply(Card(ctx.t("bizcard.duplicate_title"), tuple(lines), tuple(buttons)))


async def on_duplicate(ctx: Context) -> None:
    assert ctx.flow is not None
    choice = _choice(ctx)
    fields = CardFields.from_json(ctx.flow.data["fields"])
    if choice is Choice.CANCEL:
        _cancel(ctx)
    elif choice is Choice.BOTH:
        await _create(ctx, fields)
    elif isinstance(ctx.action, MergeWith):
        existing = await ctx.records.get(Contact, ctx.action.contact, for_update=True)
        await _merge(ctx, existing, fields)
    else:
        ctx.say("bizcard.duplicate_hint")


async def _company_for(ctx: Context, fields: CardFields) -> tuple[Company | None, bool]:
    """The card's company: an existing match, or a new one. (company, created)"""
    if not fields.company:
        return None, False
    company = await match_company(ctx.records, fields.company)
    if company is not None:
        return company, False
    numbers = fields.phone or fields.mobile
    office = numbers[0] if numbers else None
    created = await ctx.records.create(
        Company, name=fields.company[:200], website=fields.website, phone=office
    )
    return created, True


def _contact_values(fields: CardFields) -> dict[str, Any]:
    return {
        "name": (fields.name or "")[:120],
        "title": fields.title[:120] if fields.title else None,
        "mobile": fields.mobile[0] if fields.mobile else None,
        "phone": fields.phone[0] if fields.phone else None,
        "email": fields.email[0][:200] if fields.email else None,
        "wechat": fields.wechat[:64] if fields.wechat else None,
    }


async def _create(ctx: Context, fields: CardFields) -> None:
    assert ctx.flow is not None
    company, created = await _company_for(ctx, fields)
    contact = await ctx.records.create(
        Contact, company_id=company.id if company else None, **_contact_values(fields)
    )
    await keep_source(ctx, contact, fields)
    _saved(ctx, "bizcard.saved", contact, company, created)


async def _merge(ctx: Context, existing: Contact, fields: CardFields) -> None:
    """The card's values win where it has one (it is the newer information and the rep
    chose Merge after seeing both); the existing record keeps everything else."""
    company, created = await _company_for(ctx, fields)
    values = {k: v for k, v in _contact_values(fields).items() if v}
    if company is not None:
        values["company_id"] = company.id
    await ctx.records.update(existing, **values)
    await keep_source(ctx, existing, fields)
    _saved(ctx, "bizcard.merged", existing, company, created)


def _saved(
    ctx: Context, key: str, contact: Contact, company: Company | None, created: bool
) -> None:
    assert ctx.flow is not None
    ctx.flow.end()
    lines = [ctx.t(key, name=contact.name)]
    buttons: list[Button] = []
    if company is not None:
        lines.append(
            ctx.t(
                "bizcard.company_created" if created else "bizcard.company_linked",
                company=company.name,
            )
        )
        label = ctx.t("bizcard.open_company", company=company.name)[:60]
        buttons.append(Button(label, OpenCompany(company.id)))
    if buttons:
        ctx.ask("\n".join(lines), buttons)
    else:
        ctx.reply_text("\n".join(lines))


async def keep_source(ctx: Context, contact: Contact, fields: CardFields) -> None:
    """Keep the photo and where the contact came from (who scanned it, when, what was read)."""
    assert ctx.flow is not None
    assert ctx.user is not None
    data = ctx.flow.data
    if not data.get("photo"):
        return  # a shared contact: no photo to keep, and the contact says where it came from
    ctx.session.add(
        ContactPhoto(
            contact_id=contact.id,
            owner_id=contact.owner_id,
            image=base64.b64decode(data.get("photo") or b""),
            mime_type="image/jpeg",
            source=SOURCE,
            fields={"source": SOURCE, "via": data.get("source"), **fields.to_json()},
            created_by=ctx.user.id,
            platform=str(data.get("platform") or ctx.event.platform),
            created_at=ctx.now,
        )
    )
    await ctx.session.flush()


# --------------------------------------------------------------------------- matching


async def match_company(records: Records, name: str) -> Company | None:
    """The visible company this card's company name means, if there is one."""
    core = company_core(name)
    if len(core) < 2:
        return None
    best: tuple[float, int] | None = None
    for query in dict.fromkeys([core, name]):
        for hit in await search(records, query, limit=8):
            if hit.kind != "company":
                continue
            other = company_core(hit.name)
            similarity = 100.0 if other == core else fuzz.ratio(core, other)
            if similarity >= COMPANY_MATCH and (best is None or similarity > best[0]):
                best = (similarity, hit.id)
    if best is None:
        return None
    return await records.get(Company, best[1])


def _phone_condition(records: Records, e164: str) -> ColumnElement[bool]:
    """Contacts whose search key holds this number in any stored form (it keeps digits as
    written, with and without the country code, or their keyed tokens when phones are
    encrypted at rest; see store.search)."""
    digits = e164.lstrip("+")
    forms = {digits}
    for size in (1, 2, 3):
        if len(digits) > size + 6:
            forms.add(digits[size:])
    return number_pieces(Contact.search_key, sorted(forms), session_keyring(records.session))


async def find_duplicates(
    records: Records, fields: CardFields, company: Company | None, region: str
) -> list[Duplicate]:
    """Visible contacts with the same phone, email, or name at the same company."""
    found: dict[int, Duplicate] = {}
    phones = list(dict.fromkeys(fields.mobile + fields.phone))
    if phones:
        for contact in await records.list(
            Contact, or_(*(_phone_condition(records, p) for p in phones)), limit=20
        ):
            theirs = {parse_phone(v, region) for v in (contact.mobile, contact.phone) if v}
            if theirs & set(phones):
                found.setdefault(contact.id, Duplicate(contact, "phone"))
    if fields.email:
        for contact in await records.list(
            Contact,
            matching(
                records.session, Contact.email, [e.lower() for e in fields.email], any_case=True
            ),
            limit=20,
        ):
            found.setdefault(contact.id, Duplicate(contact, "email"))
    if fields.name and company is not None:
        for contact in await records.list(
            Contact,
            func.lower(Contact.name) == fields.name.lower(),
            Contact.company_id == company.id,
            limit=20,
        ):
            found.setdefault(contact.id, Duplicate(contact, "name"))
    return list(found.values())[:MAX_DUPLICATES]


async def _describe(ctx: Context, contact: Contact) -> str:
    company = None
    if contact.company_id is not None:
        company = await ctx.session.scalar(
            ctx.records.select(Company).where(Company.id == contact.company_id)
        )
    bits = [contact.name, contact.title or "", company.name if company else ""]
    bits += [display_phone(contact.mobile or contact.phone or ""), contact.email or ""]
    return " · ".join(b for b in bits if b)


def _describe_fields(fields: CardFields) -> str:
    bits = [fields.name or "", fields.title or "", fields.company or ""]
    bits += [display_phone((fields.mobile or fields.phone or [""])[0]), (fields.email or [""])[0]]
    return " · ".join(b for b in bits if b)


FLOW = Flow(
    KEY,
    {
        State.REVIEW: on_review,
        State.EDIT: on_edit,
        State.DUPLICATE: Step(on_duplicate, Expects.CHOICE),
    },
    answers=(Pick, EditField, MergeWith, ReadAs),
)

__all__ = [
    "FLOW",
    "NAME",
    "REGION_CHOICES",
    "Duplicate",
    "ReadAs",
    "company_core",
    "find_duplicates",
    "keep_source",
    "match_company",
    "parse_corrections",
    "region_flag",
    "region_name",
    "show_review",
    "start",
]
