"""``/segment`` (``/分群``), ``/segments`` and segment phrases typed as free text.

A segment is read (:mod:`bot.nlu.segments`), turned into conditions on customers
(:mod:`store.segments`) and answered as a page of customers, each a button to its card,
with the count, More, and 💾 Save. The last segment run is kept per user, so "save as …"
(``保存为 …``) and More work from any worker.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time, timedelta

from sqlalchemy import ColumnElement, select

from bot.context import Context, UserFacingError
from bot.nlu.segments import Filter, SegmentText, Vocabulary, parse_segment
from bot.replies import Button
from handlers.book.actions import (
    DeleteSegment,
    KeepIt,
    ManageSegments,
    RenameSegment,
    RunBuiltin,
    RunSegment,
    SaveSegment,
    SegmentMenu,
)
from handlers.common.actions import AssignSegment
from handlers.common.field_values import BadValue, read_value
from handlers.common.paging import Page, more_button, page_offset, with_range
from handlers.common.tier_text import tier_name
from handlers.customers.actions import OpenCompany
from store import fields as custom_fields
from store import segments as store
from store import tags as store_tags
from store import tiers as store_tiers
from store.models import Company, Role, Segment
from store.pipeline import CLOSED_STAGES

CITY_CAP = 500
TIER_WORDS = {
    "vip": "vip", "VIP": "vip", "normal": "normal", "普通": "normal", "potential": "potential",
    "潜在": "potential", "prospects": "potential", "prospect": "potential",
}  # fmt: skip
"""Words for the default tiers in a segment ("VIP customers in Shenzhen", "潜在客户"): the
computed tier, which the rules derive from deals and from the tier tags alike."""


async def vocabulary(ctx: Context) -> Vocabulary:
    """Cities of the customers this user sees, every tag, the company fields' names."""
    cities = await ctx.session.scalars(
        select(Company.city)
        .distinct()
        .where(ctx.records.scope(Company), Company.city.is_not(None))
        .limit(CITY_CAP)
    )
    stored = [t.name for t in await store_tags.all_tags(ctx.session, ctx.now)]
    tags = store_tags.names_in_both(stored)
    names = [
        name
        for f in await custom_fields.fields_for(ctx.session, "company")
        for name in (f.name_en, f.name_zh, f.key)
    ]
    tiers = dict(TIER_WORDS) | {r.tier: r.tier for r in ctx.settings.tier_rules}
    return Vocabulary(cities=[c for c in cities if c], tags=tags, fields=names, tiers=tiers)


def _months_back(day: datetime, months: int) -> datetime:
    month = day.month - 1 - months
    year = day.year + month // 12
    month = month % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, 28))


def window(ctx: Context, f: Filter) -> tuple[datetime, datetime | None]:
    """The period a filter speaks of, on the user's calendar, as UTC instants."""
    local = ctx.now.astimezone(ctx.tz)
    midnight = datetime.combine(local.date(), time(), tzinfo=ctx.tz)
    first = midnight.replace(day=1)
    if f.unit == "last_month":
        return _months_back(first, 1), first
    if f.unit == "this_month":
        return first, None
    if f.unit == "months":
        return _months_back(midnight, f.n), None
    return ctx.now - timedelta(days=f.n), None


async def conditions(ctx: Context, filters: Sequence[Filter]) -> list[ColumnElement[bool]]:
    """The SQL conditions of ``filters``; a field condition whose value is not of the
    field's type (``员工数>很多``) or names no field any more is refused."""
    out: list[ColumnElement[bool]] = []
    company_fields = await custom_fields.fields_for(ctx.session, "company")
    for f in filters:
        if f.kind == "no_activity":
            start, end = window(ctx, f)
            out.append(store.no_activity(start, end, f.activity))
        elif f.kind == "high_value":
            threshold = int(ctx.settings.segment_high_value * 100)
            everyone = ctx.records.principal.visible_owner_ids is None
            out.append(store.high_value(threshold, everyone=everyone))
        elif f.kind == "no_order":
            local = ctx.now.astimezone(ctx.tz)
            since = _months_back(datetime.combine(local.date(), time(), tzinfo=ctx.tz), f.n)
            out.append(store.no_order(since, repurchase=f.repurchase))
        elif f.kind == "stuck":
            before = ctx.now - timedelta(days=f.n)
            out.append(store.stuck(before, CLOSED_STAGES))
        elif f.kind == "city":
            out.append(store.in_city(f.value))
        elif f.kind == "tag":
            out.append(store.tagged(f.value))
        elif f.kind == "tier":
            out.append(store_tiers.in_tier(ctx.settings.tier_rules, f.value, ctx.now))
        elif f.kind == "field":
            found = custom_fields.field_named(company_fields, f.name)
            if found is None:
                raise UserFacingError("book.fields.unknown", name=f.name)
            try:
                typed = read_value(found, f.value, currency=ctx.currency, now=ctx.sent_local)
            except BadValue as bad:
                raise UserFacingError(
                    f"book.fields.{bad.reason}",
                    name=f.name,
                    value=bad.raw,
                    choices="、".join(found.choices),
                ) from None
            for value in typed or [custom_fields.Typed(text="")]:
                out.append(custom_fields.matching(found, f.op, value))
    return out


def describe(ctx: Context, f: Filter) -> str:
    """One filter in the user's words, for the answer's heading."""
    if f.kind == "no_activity":
        what = ctx.t(f"book.seg.activity_{f.activity or 'any'}")
        if f.unit in ("last_month", "this_month"):
            return ctx.t(f"book.seg.no_activity_{f.unit}", what=what)
        unit = "days" if f.unit == "days" else "months"
        return ctx.t(f"book.seg.no_activity_{unit}", what=what, n=f.n)
    if f.kind == "high_value":
        return ctx.t("book.seg.high_value")
    if f.kind == "no_order":
        return ctx.t("book.seg.no_repurchase" if f.repurchase else "book.seg.no_order", n=f.n)
    if f.kind == "stuck":
        return ctx.t("book.seg.stuck", n=f.n)
    if f.kind == "field":
        shown = {">=": "≥", "<=": "≤"}.get(f.op, f.op)
        return f"{f.name} {shown} {f.value}" if f.op != "=" else f"{f.name}: {f.value}"
    if f.kind == "tier":
        return tier_name(ctx.t, f.value)
    if f.kind == "tag":
        return store_tags.label(store_tags.canonical(f.value), ctx.lang)
    return f.value


def heading(ctx: Context, filters: Sequence[Filter]) -> str:
    return " · ".join(describe(ctx, f) for f in filters)


async def show(
    ctx: Context,
    filters: Sequence[Filter],
    *,
    title: str,
    offset: int,
    more: RunSegment | RunBuiltin,
    save: int | None,
) -> None:
    """One page of the segment's customers: a button each (its card), More, Save."""
    conds = await conditions(ctx, filters)
    total, rows = await store.run(ctx.records, conds, offset=offset)
    if not rows and offset and total:  # a More pressed after rows went: the last page
        offset = page_offset(offset, total, store.PAGE_SIZE)
        total, rows = await store.run(ctx.records, conds, offset=offset)
    if not rows:
        ctx.say("book.seg.empty", title=title)
        if save is not None:
            ctx.ask(
                ctx.t("book.seg.save_hint"), [Button(ctx.t("book.seg.btn_save"), SaveSegment(save))]
            )
        return
    page = Page(offset, len(rows), total)
    text = with_range(ctx, ctx.t("book.seg.title", title=title, count=total), page)
    buttons = [
        Button(" · ".join(p for p in (c.name, c.city or "") if p)[:40], OpenCompany(c.id))
        for c in rows
    ]
    next_page = type(more)(**{**more.__dict__, "offset": page.end})
    button = more_button(ctx, page, next_page)
    if button is not None:
        buttons.append(button)
    if save is not None:
        buttons.append(Button(ctx.t("book.seg.btn_save"), SaveSegment(save)))
    if ctx.principal is not None and ctx.principal.role in (Role.MANAGER, Role.ADMIN):
        # The lead pool's bulk assignment (handlers/pool): whom to, then the count.
        assign = (
            AssignSegment(more.segment, "")
            if isinstance(more, RunSegment)
            else AssignSegment(0, more.key)
        )
        buttons.append(Button(ctx.t("pool.assign.btn_segment"), assign))
    ctx.ask(text, buttons)


def understood(ctx: Context, text: str, parsed: SegmentText) -> None:
    """Refuse a segment with words left over, saying which (never a guess)."""
    if not parsed.filters:
        raise UserFacingError("book.seg.not_understood", text=text)
    raise UserFacingError(
        "book.seg.partly", leftover=parsed.leftover, understood=heading(ctx, parsed.filters)
    )


async def run_text(ctx: Context, text: str, parsed: SegmentText) -> None:
    """Run a typed segment, remember it as the user's last, save it when asked to."""
    assert ctx.user is not None
    if not parsed.complete:
        understood(ctx, text, parsed)
    filters = [f.to_json() for f in parsed.filters]
    query = text if parsed.save_as is None else text[: text.rfind(parsed.save_as)].strip()
    last = await store.remember(ctx.session, ctx.user.id, query, filters, ctx.now)
    if parsed.save_as:
        await save_named(ctx, last, parsed.save_as)
        return
    await show(
        ctx,
        parsed.filters,
        title=heading(ctx, parsed.filters),
        offset=0,
        more=RunSegment(last.id, 0),
        save=last.id,
    )


async def save_named(ctx: Context, last: Segment, name: str) -> None:
    assert ctx.user is not None
    name = name.strip().strip("“”\"'「」")
    if not name or len(name) > 80:
        raise UserFacingError("book.seg.bad_name")
    try:
        saved = await store.save(ctx.session, ctx.user.id, name, last.query, last.filters, ctx.now)
    except store.SegmentExists:
        raise UserFacingError("book.seg.name_taken", name=name) from None
    ctx.ask(
        ctx.t("book.seg.saved", name=saved.name),
        [Button(ctx.t("book.seg.btn_run", name=name)[:40], RunSegment(saved.id, 0))],
    )


async def segment_command(ctx: Context) -> None:
    text = ctx.args.strip()
    if not text:
        await list_segments(ctx)
        return
    saved = await store.find_named(ctx.session, text)
    if saved is not None:
        await run_saved(ctx, saved, 0)
        return
    builtin = _builtin_named(text)
    if builtin is not None:
        await run_builtin(ctx, builtin, 0)
        return
    await run_text(ctx, text, parse_segment(text, await vocabulary(ctx)))


def _builtin_named(text: str) -> store.Builtin | None:
    folded = text.casefold()
    return next(
        (b for b in store.BUILTINS if folded in (b.key, b.name_en.casefold(), b.name_zh)), None
    )


def builtin_name(ctx: Context, builtin: store.Builtin) -> str:
    return builtin.name_zh if ctx.lang == "zh" else builtin.name_en


async def run_builtin(ctx: Context, builtin: store.Builtin, offset: int) -> None:
    parsed = parse_segment(builtin.query, Vocabulary())
    await show(
        ctx,
        parsed.filters,
        title=builtin_name(ctx, builtin),
        offset=offset,
        more=RunBuiltin(builtin.key, offset),
        save=None,
    )


async def run_saved(ctx: Context, segment: Segment, offset: int) -> None:
    filters = [Filter.from_json(f) for f in segment.filters]
    await show(
        ctx,
        filters,
        title=segment.name or heading(ctx, filters),
        offset=offset,
        more=RunSegment(segment.id, offset),
        save=segment.id if segment.name is None else None,
    )


async def list_segments(ctx: Context) -> None:
    """Built-in and saved segments, a button each."""
    buttons = [Button(builtin_name(ctx, b), RunBuiltin(b.key, 0)) for b in store.BUILTINS]
    saved = await store.named(ctx.session)
    buttons += [Button((s.name or "")[:40], RunSegment(s.id, 0)) for s in saved]
    if any(_may_manage(ctx, s) for s in saved):
        buttons.append(Button(ctx.t("book.seg.btn_manage"), ManageSegments()))
    ctx.ask(ctx.t("book.seg.list"), buttons)


def _may_manage(ctx: Context, segment: Segment) -> bool:
    assert ctx.user is not None
    return store.may_manage(ctx.user.id, Role(ctx.user.role), segment)


async def manageable(ctx: Context, segment_id: int) -> Segment:
    """A saved segment the user may rename or delete, or a clear refusal."""
    segment = await ctx.session.get(Segment, segment_id)
    if segment is None or segment.name is None:
        raise UserFacingError("errors.not_found")
    if not _may_manage(ctx, segment):
        raise UserFacingError("book.seg.not_yours")
    return segment


async def on_manage(ctx: Context) -> None:
    """⚙️ Manage: the saved segments this user may rename or delete, a button each."""
    mine = [s for s in await store.named(ctx.session) if _may_manage(ctx, s)]
    if not mine:
        raise UserFacingError("book.seg.none_to_manage")
    ctx.ask(
        ctx.t("book.seg.manage"),
        [Button((s.name or "")[:40], SegmentMenu(s.id)) for s in mine],
    )


async def on_menu(ctx: Context) -> None:
    segment = await manageable(ctx, ctx.pressed(SegmentMenu).segment)
    ctx.ask(
        ctx.t("book.seg.menu", name=segment.name),
        [
            Button(ctx.t("book.seg.btn_rename"), RenameSegment(segment.id)),
            Button(ctx.t("book.tags.btn_delete"), DeleteSegment(segment.id, sure=False)),
            Button(ctx.t("book.btn_keep"), KeepIt()),
        ],
    )


async def on_delete(ctx: Context) -> None:
    """🗑 asks first; the question's 🗑 deletes (audited)."""
    pressed = ctx.pressed(DeleteSegment)
    segment = await manageable(ctx, pressed.segment)
    if not pressed.sure:
        ctx.ask(
            ctx.t("book.seg.ask_delete", name=segment.name),
            [
                Button(ctx.t("book.tags.btn_delete"), DeleteSegment(segment.id, sure=True)),
                Button(ctx.t("book.btn_keep"), KeepIt()),
            ],
        )
        return
    name = segment.name
    await store.remove(ctx.session, segment)
    ctx.say("book.seg.deleted", name=name)


async def on_run(ctx: Context) -> None:
    pressed = ctx.pressed(RunSegment)
    assert ctx.user is not None
    segment = await store.find(ctx.session, pressed.segment, ctx.user.id)
    if segment is None:
        raise UserFacingError("errors.not_found")
    await run_saved(ctx, segment, pressed.offset)


async def on_builtin(ctx: Context) -> None:
    pressed = ctx.pressed(RunBuiltin)
    builtin = next((b for b in store.BUILTINS if b.key == pressed.key), None)
    if builtin is None:
        raise UserFacingError("errors.not_found")
    await run_builtin(ctx, builtin, pressed.offset)


async def save_as_typed(ctx: Context, name: str) -> None:
    """ "save as NAME" after a segment: the user's last one gets the name."""
    assert ctx.user is not None
    last = await store.draft(ctx.session, ctx.user.id)
    if last is None:
        raise UserFacingError("book.seg.nothing_to_save")
    await save_named(ctx, last, name)
