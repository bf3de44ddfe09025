"""Assignment by a manager or an admin: "assign 星辰科技 to 张强", "把星辰科技分配给张强",
``/assign`` (``/分配``) with buttons for the customer and then the person, and a segment's
customers in bulk ("assign segment 高价值沉睡客户 to 张强", or 👥 Assign under a segment's
results) after the count is confirmed.

The rules are :mod:`store.assign`'s; the new owner gets a push with the customer, the old
owner is told. A name that matches nobody or several people is answered with buttons.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from sqlalchemy import ColumnElement, func, or_, select

from bot.context import Context, UserFacingError
from bot.nlu.segments import Filter, Vocabulary, parse_segment
from bot.replies import Button, Card
from bot.voice import Voice
from handlers.approvals.notices import names_of, push
from handlers.book import segments as book_segments
from handlers.common.actions import AssignSegment
from handlers.customers.actions import OpenCompany
from handlers.deals.actions import OpenDeal
from handlers.pool.actions import AssignPick, AssignTo, ItemTo, SegmentGo, SegmentTo
from handlers.pool.phrases import split_phrase
from locales.formatting import join_list
from store import assign as store
from store import pool
from store import segments as store_segments
from store.models import Company, Deal, Task, User
from store.search import search

BULK_CAP = 500
"""The most customers one bulk assignment moves: a bigger segment is narrowed first."""
PUSH_BUTTONS = 5


def _refuse_reps(ctx: Context) -> None:
    assert ctx.principal is not None
    if not store.may_assign(ctx.principal):
        raise UserFacingError("pool.assign.rep")


async def assign_command(ctx: Context) -> None:
    """``/assign``: usage; ``/assign 星辰科技``: which customer, then the person;
    ``/assign 星辰科技 to 张强``: as typed."""
    _refuse_reps(ctx)
    text = ctx.args.strip()
    if not text:
        ctx.say("pool.assign.usage")
        return
    phrase = split_phrase(text)
    if phrase is not None:
        await assign_typed(ctx, *phrase, strict=False)
        return
    await pick_customer(ctx, text)


async def assignable(ctx: Context) -> ColumnElement[bool]:
    """The customers the user may assign: their own scope's, and the pooled ones of the
    pools they see."""
    assert ctx.principal is not None
    pool_id = await pool.pool_owner(ctx.session, ctx.now)
    in_pool = (Company.owner_id == pool_id) & await pool.visible_pool(ctx.session, ctx.principal)
    return or_(ctx.records.scope(Company), in_pool)


async def visible_companies(ctx: Context, name: str) -> list[Company]:
    """Customers exactly so named that the user may assign."""
    rows = await ctx.session.scalars(
        select(Company)
        .where(func.lower(Company.name) == name.strip().casefold(), await assignable(ctx))
        .order_by(Company.id)
        .limit(10)
    )
    return list(rows)


async def pick_customer(ctx: Context, name: str) -> None:
    """The customer named (exactly: straight to the people), or buttons of likely ones."""
    exact = await visible_companies(ctx, name)
    if len(exact) == 1:
        await pick_person(ctx, exact[0])
        return
    item = None if exact else await visible_item(ctx, name)
    if item is not None:
        await pick_item_person(ctx, item)
        return
    if exact:
        choices = [(c.id, c.name) for c in exact]
    else:
        hits = await search(ctx.records, name, limit=8)
        seen: dict[int, str] = {}
        for hit in hits:
            if hit.kind == "company":
                seen.setdefault(hit.id, hit.name)
            elif hit.company_id is not None and hit.company_name:
                seen.setdefault(hit.company_id, hit.company_name)
        choices = list(seen.items())
    if not choices:
        raise UserFacingError("pool.assign.no_customer", name=name)
    ctx.ask(
        ctx.t("pool.assign.which_customer"),
        [Button(label[:40], AssignPick(cid)) for cid, label in choices],
    )


async def pick_person(ctx: Context, company: Company, note: str = "") -> None:
    assert ctx.principal is not None
    people = await store.assignable_people(ctx.session, ctx.principal)
    text = ctx.t("pool.assign.which_person", name=company.name)
    ctx.ask(
        f"{note}\n{text}" if note else text,
        [Button(p.display_name[:40], AssignTo(company.id, p.id)) for p in people],
    )


async def on_pick(ctx: Context) -> None:
    _refuse_reps(ctx)
    pressed = ctx.pressed(AssignPick)
    await pick_person(ctx, await _company(ctx, pressed.company))


async def _company(ctx: Context, company_id: int) -> Company:
    found = await ctx.session.scalar(
        select(Company).where(Company.id == company_id, await assignable(ctx))
    )
    if found is None:
        raise UserFacingError("errors.not_found")
    return found


async def on_assign_to(ctx: Context) -> None:
    _refuse_reps(ctx)
    pressed = ctx.pressed(AssignTo)
    company = await _company(ctx, pressed.company)
    person = await ctx.session.get(User, pressed.to)
    if person is None or not person.active:
        raise UserFacingError("errors.not_found")
    await assign_one(ctx, company, person)


async def assign_typed(ctx: Context, record: str, person: str, *, strict: bool) -> bool:
    """ "assign 星辰科技 to 张强": True when taken. ``strict`` (a phrase in free text):
    taken only when the customer is exactly one the user may assign, so a log such as
    "把报价转给张总" stays a log."""
    assert ctx.principal is not None
    companies = await visible_companies(ctx, record) if record else []
    item = None if companies or not record else await visible_item(ctx, record)
    if item is not None:
        _refuse_reps(ctx)
        await assign_item_typed(ctx, item, person)
        return True
    if strict and len(companies) != 1:
        return False
    _refuse_reps(ctx)
    if not companies:
        await pick_customer(ctx, record)
        return True
    company = companies[0]
    found, reachable = await store.people_named(ctx.session, ctx.principal, person)
    if len(found) == 1 and reachable:
        await assign_one(ctx, company, found[0])
        return True
    if len(found) == 1:
        raise UserFacingError("pool.assign.outside", person=found[0].display_name)
    if found:
        ctx.ask(
            ctx.t("pool.assign.several", person=person),
            [
                Button(p.display_name[:40], AssignTo(company.id, p.id))
                for p in found
                if ctx.principal.can_see_owner(p.id)
            ],
        )
        return True
    await pick_person(ctx, company, ctx.t("pool.assign.nobody", person=person))
    return True


async def assign_one(ctx: Context, company: Company, person: User) -> None:
    assert ctx.principal is not None
    assert ctx.user is not None
    if company.owner_id == person.id:
        ctx.say("pool.assign.already", name=company.name, person=person.display_name)
        return
    try:
        moved = await store.assign(ctx.session, ctx.principal, [company], person, ctx.now)
    except store.AssignRefused as refused:
        raise UserFacingError(f"pool.assign.{refused.reason}", person=person.display_name) from None
    old = moved[0][1]
    names = await names_of(ctx, [old])
    pool_id = await pool.pool_owner(ctx.session, ctx.now)
    was = ctx.t("pool.assign.the_pool") if old == pool_id else names.get(old, "?")
    ctx.ask(
        ctx.t("pool.assign.done", name=company.name, old=was, new=person.display_name),
        [Button(ctx.t("pool.btn_open"), OpenCompany(company.id))],
    )
    await tell(ctx, [company], person, {old: [company]}, key=f"{company.id}")


async def tell(
    ctx: Context,
    companies: Sequence[Company],
    person: User,
    by_old: dict[int, list[Company]],
    *,
    key: str,
) -> None:
    """A push to the new owner with the customers (a button each), one to each old owner
    (the pool is nobody to tell: its user is inactive, so no push goes to it)."""
    assert ctx.user is not None
    giver, new = ctx.user.display_name, person.display_name
    stamp = f"assign:{key}:{person.id}:{int(ctx.now.timestamp())}"

    def to_new(voice: Voice) -> Card:
        if len(companies) == 1:
            c = companies[0]
            lines = tuple(p for p in (" · ".join(x for x in (c.city, c.industry) if x),) if p)
            title = voice.t("pool.assign.pushed_one", giver=giver, name=c.name)
        else:
            lines = (_names(voice.lang, companies),)
            title = voice.t("pool.assign.pushed_many", giver=giver, count=len(companies))
        buttons = tuple(
            Button(f"🏢 {c.name}"[:40], OpenCompany(c.id)) for c in companies[:PUSH_BUTTONS]
        )
        return Card(title, lines, buttons)

    if person.id != ctx.user.id:
        await push(ctx, [person.id], to_new, stamp)
    for old, theirs in by_old.items():
        if old == ctx.user.id:
            continue

        def to_old(voice: Voice, theirs: list[Company] = theirs) -> Card:
            title = voice.t("pool.assign.told_old", giver=giver, new=new, count=len(theirs))
            return Card(title, (_names(voice.lang, theirs),), ())

        await push(ctx, [old], to_old, f"{stamp}:from:{old}")


def _names(lang: str, companies: Sequence[Company]) -> str:
    shown = join_list((c.name for c in companies[:10]), lang)
    return shown + ("…" if len(companies) > 10 else "")


# --------------------------------------------------------------------------- deals, tasks

Item = Deal | Task


async def visible_item(ctx: Context, name: str) -> Item | None:
    """The one deal, else the one open task, so titled among the user's records."""
    folded = name.strip().casefold()
    deals = (
        await ctx.session.scalars(
            ctx.records.select(Deal).where(func.lower(Deal.title) == folded).limit(2)
        )
    ).all()
    if len(deals) == 1:
        return deals[0]
    tasks = (
        await ctx.session.scalars(
            ctx.records.select(Task)
            .where(func.lower(Task.title) == folded, Task.done_at.is_(None))
            .limit(2)
        )
    ).all()
    return tasks[0] if len(tasks) == 1 else None


def _kind(item: Item) -> str:
    return "deal" if isinstance(item, Deal) else "task"


def _title(item: Item) -> str:
    return item.title


async def pick_item_person(ctx: Context, item: Item, note: str = "") -> None:
    assert ctx.principal is not None
    people = await store.assignable_people(ctx.session, ctx.principal)
    text = ctx.t("pool.assign.which_person", name=_title(item))
    ctx.ask(
        f"{note}\n{text}" if note else text,
        [Button(p.display_name[:40], ItemTo(_kind(item), item.id, p.id)) for p in people],
    )


async def assign_item_typed(ctx: Context, item: Item, person: str) -> None:
    assert ctx.principal is not None
    found, reachable = await store.people_named(ctx.session, ctx.principal, person)
    if len(found) == 1 and reachable:
        await assign_item_one(ctx, item, found[0])
        return
    if len(found) == 1:
        raise UserFacingError("pool.assign.outside", person=found[0].display_name)
    if found:
        ctx.ask(
            ctx.t("pool.assign.several", person=person),
            [
                Button(p.display_name[:40], ItemTo(_kind(item), item.id, p.id))
                for p in found
                if ctx.principal.can_see_owner(p.id)
            ],
        )
        return
    await pick_item_person(ctx, item, ctx.t("pool.assign.nobody", person=person))


async def on_item_to(ctx: Context) -> None:
    _refuse_reps(ctx)
    pressed = ctx.pressed(ItemTo)
    model: type[Deal] | type[Task] = Deal if pressed.kind == "deal" else Task
    item = await ctx.records.get(model, pressed.item)
    await assign_item_one(ctx, item, await _person(ctx, pressed.to))


async def assign_item_one(ctx: Context, item: Item, person: User) -> None:
    """One deal or task: the rules (store.assign.assign_item), the answer, the pushes."""
    assert ctx.principal is not None
    assert ctx.user is not None
    title = _title(item)
    if item.owner_id == person.id:
        ctx.say("pool.assign.already", name=title, person=person.display_name)
        return
    try:
        old = await store.assign_item(ctx.session, ctx.principal, item, person, ctx.now)
    except store.AssignRefused as refused:
        raise UserFacingError(f"pool.assign.{refused.reason}", person=person.display_name) from None
    names = await names_of(ctx, [old])
    opens = [Button(f"💼 {title}"[:40], OpenDeal(item.id))] if isinstance(item, Deal) else []
    ctx.ask(
        ctx.t("pool.assign.done", name=title, old=names.get(old, "?"), new=person.display_name),
        opens,
    )
    giver, new = ctx.user.display_name, person.display_name
    stamp = f"assign:{_kind(item)}{item.id}:{person.id}:{int(ctx.now.timestamp())}"

    def to_new(voice: Voice) -> Card:
        return Card(voice.t("pool.assign.pushed_one", giver=giver, name=title), (), tuple(opens))

    def to_old(voice: Voice) -> Card:
        return Card(voice.t("pool.assign.told_item", giver=giver, name=title, new=new), (), ())

    if person.id != ctx.user.id:
        await push(ctx, [person.id], to_new, stamp)
    if old != ctx.user.id:
        await push(ctx, [old], to_old, f"{stamp}:from:{old}")


# --------------------------------------------------------------------------- segments


def _builtin(name: str) -> store_segments.Builtin | None:
    folded = name.strip().casefold()
    return next(
        (
            b
            for b in store_segments.BUILTINS
            if folded in (b.key, b.name_en.casefold(), b.name_zh.casefold())
        ),
        None,
    )


async def _segment(ctx: Context, segment: int, builtin: str) -> tuple[str, list[Filter]]:
    """The segment's title and filters, from a saved one's id or a built-in one's key."""
    assert ctx.user is not None
    if segment:
        row = await store_segments.find(ctx.session, segment, ctx.user.id)
        if row is None:
            raise UserFacingError("errors.not_found")
        filters = [Filter.from_json(f) for f in row.filters]
        return row.name or book_segments.heading(ctx, filters), filters
    found = _builtin(builtin)
    if found is None:
        raise UserFacingError("errors.not_found")
    title = found.name_zh if ctx.lang == "zh" else found.name_en
    return title, list(parse_segment(found.query, Vocabulary()).filters)


async def _members(ctx: Context, segment: int, builtin: str) -> tuple[str, Sequence[Company]]:
    title, filters = await _segment(ctx, segment, builtin)
    conds = await book_segments.conditions(ctx, filters)
    total, rows = await store_segments.run(ctx.records, conds, limit=BULK_CAP)
    if total > BULK_CAP:
        raise UserFacingError("pool.assign.too_many", count=total, cap=BULK_CAP, title=title)
    return title, rows


async def on_segment(ctx: Context) -> None:
    """👥 Assign under a segment's results: whom to."""
    _refuse_reps(ctx)
    assert ctx.principal is not None
    pressed = ctx.pressed(AssignSegment)
    title, _ = await _segment(ctx, pressed.segment, pressed.builtin)
    people = await store.assignable_people(ctx.session, ctx.principal)
    ctx.ask(
        ctx.t("pool.assign.segment_whom", title=title),
        [
            Button(p.display_name[:40], SegmentTo(pressed.segment, pressed.builtin, p.id))
            for p in people
        ],
    )


async def confirm_segment(ctx: Context, segment: int, builtin: str, person: User) -> None:
    """How many, whose now, and a button to do it: nothing moves before it is pressed."""
    title, rows = await _members(ctx, segment, builtin)
    moving = [c for c in rows if c.owner_id != person.id]
    if not moving:
        ctx.say("pool.assign.segment_nothing", title=title, person=person.display_name)
        return
    owners = Counter(c.owner_id for c in moving)
    names = await names_of(ctx, owners)
    held = join_list((f"{names.get(o, '?')} {n}" for o, n in owners.most_common()), ctx.lang)
    ctx.ask(
        ctx.t(
            "pool.assign.segment_confirm",
            count=len(moving),
            title=title,
            person=person.display_name,
            held=held,
        ),
        [
            Button(
                ctx.t("pool.assign.btn_go", count=len(moving)),
                SegmentGo(segment, builtin, person.id, len(moving)),
            )
        ],
    )


async def _person(ctx: Context, user_id: int) -> User:
    person = await ctx.session.get(User, user_id)
    if person is None or not person.active:
        raise UserFacingError("errors.not_found")
    return person


async def on_segment_to(ctx: Context) -> None:
    _refuse_reps(ctx)
    pressed = ctx.pressed(SegmentTo)
    await confirm_segment(ctx, pressed.segment, pressed.builtin, await _person(ctx, pressed.to))


async def on_segment_go(ctx: Context) -> None:
    """Do it, unless the segment's count changed since it was confirmed: then ask again."""
    _refuse_reps(ctx)
    assert ctx.principal is not None
    pressed = ctx.pressed(SegmentGo)
    person = await _person(ctx, pressed.to)
    title, rows = await _members(ctx, pressed.segment, pressed.builtin)
    moving = [c for c in rows if c.owner_id != person.id]
    if len(moving) != pressed.count:
        ctx.say("pool.assign.segment_changed", title=title)
        await confirm_segment(ctx, pressed.segment, pressed.builtin, person)
        return
    try:
        moved = await store.assign(ctx.session, ctx.principal, moving, person, ctx.now)
    except store.AssignRefused as refused:
        raise UserFacingError(f"pool.assign.{refused.reason}", person=person.display_name) from None
    by_old: dict[int, list[Company]] = {}
    for company, old in moved:
        by_old.setdefault(old, []).append(company)
    ctx.say("pool.assign.segment_done", count=len(moved), title=title, person=person.display_name)
    key = f"seg{pressed.segment or pressed.builtin}"
    await tell(ctx, [c for c, _ in moved], person, by_old, key=key)


async def assign_segment_typed(ctx: Context, name: str, person_name: str) -> None:
    """ "assign segment 高价值沉睡客户 to 张强": the count to confirm."""
    _refuse_reps(ctx)
    assert ctx.principal is not None
    saved = await store_segments.find_named(ctx.session, name)
    builtin = _builtin(name)
    if saved is None and builtin is None:
        raise UserFacingError("pool.assign.no_segment", name=name)
    segment, key = (saved.id, "") if saved is not None else (0, builtin.key if builtin else "")
    found, reachable = await store.people_named(ctx.session, ctx.principal, person_name)
    if len(found) == 1 and reachable:
        await confirm_segment(ctx, segment, key, found[0])
        return
    if len(found) == 1:
        raise UserFacingError("pool.assign.outside", person=found[0].display_name)
    people = [p for p in found if ctx.principal.can_see_owner(p.id)] or list(
        await store.assignable_people(ctx.session, ctx.principal)
    )
    ctx.ask(
        ctx.t("pool.assign.several" if found else "pool.assign.nobody", person=person_name),
        [Button(p.display_name[:40], SegmentTo(segment, key, p.id)) for p in people],
    )
