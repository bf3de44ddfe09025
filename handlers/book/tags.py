"""``/tag`` (``/标签``), "tag 星辰科技 VIP, 制造业", the tag buttons of a customer card, and
``/tags`` (``/标签管理``): the dimensions, which admins edit."""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.context import Context, UserFacingError
from bot.replies import Button
from handlers.book.actions import DeleteTag, KeepIt, TagDimensionFor, ToggleTag
from handlers.book.records import record_at_start
from handlers.common.actions import TagsFor
from locales.formatting import join_list
from store import tags as store
from store.models import Company, Role, Tag, TagDimension
from store.tags import label

SPLIT = re.compile(r"\s*(?:[,，、;；&＆+]|\band\b|以及|和|及|与)\s*|\s+", re.I)
"""Between tags: commas, spaces, "and", "&", 和, 及, 与 ("VIP and Finance", "VIP和金融")."""
TAG_PHRASE = re.compile(r"^(?:tag|标签|打标签|加标签)\s+(.+)$", re.I | re.S)
GIVE_TAG = re.compile(
    r"^(?:给|为|幫|帮)\s*(?P<who>.+?)\s*(?:打个|打上|打|加个|加上|加|添加|贴个|贴上|贴)\s*"
    r"(?:标签|tag)\s*[:：]?\s*(?P<tags>.+)$",
    re.I | re.S,
)
"""给星辰科技打个标签：VIP · 给星辰科技加个标签 制造业 · 为星辰科技打上标签VIP"""
MARK_AS = re.compile(
    r"^(?:把|将)?\s*(?P<who>.+?)\s*(?:打标签|加标签|标记为|标记成|标为|标成)\s*[:：]?\s*(?P<tags>.+)$"
    r"|^(?:mark|label|tag)\s+(?P<who_en>.+?)\s+as\s+(?P<tags_en>.+)$",
    re.I | re.S,
)
"""星辰科技打标签 VIP · 把星辰科技标记为VIP · mark Acme Ltd as VIP"""
UNTAG_PHRASE = re.compile(r"^(?:untag|去掉标签|删除标签|移除标签)\s+(.+)$", re.I | re.S)


def dimension_name(ctx: Context, dim: TagDimension) -> str:
    return dim.name_zh if ctx.lang == "zh" else dim.name_en


def _is_admin(ctx: Context) -> bool:
    return ctx.user is not None and Role(ctx.user.role) is Role.ADMIN


async def apply_phrase(ctx: Context, text: str) -> bool:
    """The Chinese ways to say it ("给星辰科技打个标签：VIP", "把星辰科技标记为VIP") and "mark
    Acme Ltd as VIP". A 标签 phrase whose customer is not found is refused with the reason;
    a "标记为" or "mark … as" one is left alone (it may be a log: "把报价标记为已发送")."""
    m = GIVE_TAG.match(text) or MARK_AS.match(text)
    if m is None:
        return False
    who = (m.group("who") or m.group("who_en") or "").strip()
    wanted = (m.group("tags") or m.group("tags_en") or "").strip()
    found = await record_at_start(ctx, "company", f"{who} {wanted}")
    if found is None or found[1] != wanted:
        if "标签" in m.group(0):
            raise UserFacingError("book.tags.no_customer", text=text)
        return False  # "mark the quote as sent", "把报价标记为已发送": not about tags
    await apply_text(ctx, f"{who} {wanted}", remove=False)
    return True


async def tag_command(ctx: Context) -> None:
    text = ctx.args.strip()
    if not text:
        ctx.say("book.tags.usage")
        return
    await apply_text(ctx, text, remove=False)


async def apply_text(ctx: Context, text: str, *, remove: bool) -> None:
    """``星辰科技 VIP, 制造业`` (a ``-`` before a tag takes it off)."""
    found = await record_at_start(ctx, "company", text)
    if found is None:
        raise UserFacingError("book.tags.no_customer", text=text)
    company, rest = found
    rest = re.sub(r"^(?:as\b|[:：])\s*", "", rest, flags=re.I)  # "tag Acme as VIP", "星辰科技：VIP"
    known = store.names_in_both([t.name for t in await store.all_tags(ctx.session, ctx.now)])
    words = store.split_tags(rest, SPLIT, known)
    if not words:
        await show_tags(ctx, company)
        return
    added, removed = [], []
    for word in words:
        take = remove or word.startswith("-")
        try:
            tag = await store.resolve(
                ctx.session, ctx.now, word.lstrip("-"), create=_is_admin(ctx) and not take
            )
        except store.TagError as error:
            raise UserFacingError(f"book.tags.{error.key}", value=error.value) from None
        if take:
            if await store.take_tag(ctx.records, company, tag.id):
                removed.append(label(tag.name, ctx.lang))
        elif await store.put_tag(ctx.records, company, tag):
            added.append(label(tag.name, ctx.lang))
    if added:
        ctx.say("book.tags.added", name=company.name, tags=join_list(added, ctx.lang))
    if removed:
        ctx.say("book.tags.removed", name=company.name, tags=join_list(removed, ctx.lang))
    if not added and not removed:
        ctx.say("book.tags.unchanged", name=company.name)
    await show_tags(ctx, company)


async def show_tags(ctx: Context, company: Company) -> None:
    """The customer's tags and a button per dimension that has tags to pick from."""
    current = await store.company_tags(ctx.session, company.id)
    dims = await store.dimensions(ctx.session, ctx.now)
    tags = await store.all_tags(ctx.session, ctx.now)
    having = {t.dimension_id for t in tags}
    text = ctx.t(
        "book.tags.current",
        name=company.name,
        tags=join_list([label(n, ctx.lang) for _, n in current], ctx.lang)
        if current
        else ctx.t("book.tags.none"),
    )
    buttons = [
        Button(dimension_name(ctx, d)[:40], TagDimensionFor(company.id, d.id))
        for d in dims
        if d.id in having
    ]
    ctx.ask(text, buttons)


async def on_tags_for(ctx: Context) -> None:
    company = await ctx.records.get(Company, ctx.pressed(TagsFor).company)
    await show_tags(ctx, company)


async def show_dimension(ctx: Context, company: Company, dimension_id: int) -> None:
    dim = await ctx.session.get(TagDimension, dimension_id)
    if dim is None:
        raise UserFacingError("errors.not_found")
    on = {tag_id for tag_id, _ in await store.company_tags(ctx.session, company.id)}
    buttons = [
        Button(
            ("✅ " if t.id in on else "") + label(t.name, ctx.lang)[:36],
            ToggleTag(company.id, t.id),
        )
        for t in await store.tags_of_dimension(ctx.session, dim.id)
    ]
    buttons.append(Button(ctx.t("book.tags.back"), TagsFor(company.id)))
    ctx.ask(
        ctx.t("book.tags.dimension", dimension=dimension_name(ctx, dim), name=company.name), buttons
    )


async def on_dimension(ctx: Context) -> None:
    pressed = ctx.pressed(TagDimensionFor)
    company = await ctx.records.get(Company, pressed.company)
    await show_dimension(ctx, company, pressed.dimension)


async def on_toggle(ctx: Context) -> None:
    pressed = ctx.pressed(ToggleTag)
    company = await ctx.records.get(Company, pressed.company)
    tag = await ctx.session.get(Tag, pressed.tag_id)
    if tag is None:
        raise UserFacingError("errors.not_found")
    if await store.take_tag(ctx.records, company, tag.id):
        ctx.say("book.tags.removed", name=company.name, tags=label(tag.name, ctx.lang))
    else:
        await store.put_tag(ctx.records, company, tag)
        ctx.say("book.tags.added", name=company.name, tags=label(tag.name, ctx.lang))
    await show_dimension(ctx, company, tag.dimension_id)


async def tags_command(ctx: Context) -> None:
    """``/tags``: every dimension with its tags; admins: ``add DIMENSION TAG``,
    ``rename DIMENSION OLD / NEW``, ``remove DIMENSION TAG`` (asks first, with how many
    customers carry it), ``new English name / 中文名``."""
    verb, _, rest = ctx.args.strip().partition(" ")
    verb = verb.casefold()
    if verb in EDIT_VERBS:
        if not _is_admin(ctx):
            raise UserFacingError("errors.not_allowed")
        await _edit(ctx, EDIT_VERBS[verb], rest.strip())
        return
    tags = await store.all_tags(ctx.session, ctx.now)
    lines = [ctx.t("book.tags.list_title")]
    for dim in await store.dimensions(ctx.session, ctx.now):
        held = [label(t.name, ctx.lang) for t in tags if t.dimension_id == dim.id]
        names = join_list(held, ctx.lang)
        names = names or "–"
        lines.append(f"• {dimension_name(ctx, dim)}: {names}")
    if _is_admin(ctx):
        lines.append(ctx.t("book.tags.admin_hint"))
    ctx.reply_text("\n".join(lines))


EDIT_VERBS = {
    "add": "add", "添加": "add", "new": "new", "新建": "new", "remove": "remove",
    "delete": "remove", "删除": "remove", "rename": "rename", "改名": "rename",
    "重命名": "rename",
}  # fmt: skip


def dimension_at_start(dims: Sequence[TagDimension], text: str) -> tuple[TagDimension, str] | None:
    """The dimension whose key or name starts ``text`` (the longest: "Company size" over
    "Company"), and the rest."""
    names = sorted(
        ((n, d) for d in dims for n in (d.key, d.name_en, d.name_zh)),
        key=lambda pair: len(pair[0]),
        reverse=True,
    )
    folded = text.casefold()
    for name, dim in names:
        if folded.startswith(name.casefold()) and text[len(name) : len(name) + 1].isspace():
            return dim, text[len(name) :].strip()
    return None


async def _edit(ctx: Context, verb: str, rest: str) -> None:
    if verb == "new":
        en, sep, zh = rest.partition("/")
        if not sep or not en.strip() or not zh.strip():
            raise UserFacingError("book.tags.new_usage")
        try:
            added = await store.add_dimension(ctx.session, ctx.now, en.strip(), zh.strip())
        except store.TagError as error:
            raise UserFacingError(f"book.tags.{error.key}", value=error.value) from None
        ctx.say("book.tags.dimension_added", dimension=dimension_name(ctx, added))
        return
    at_start = dimension_at_start(await store.dimensions(ctx.session, ctx.now), rest)
    if at_start is None:
        dim_name = rest.split(" ", 1)[0]
        if not dim_name or " " not in rest.strip():
            raise UserFacingError("book.tags.edit_usage")
        raise UserFacingError("book.tags.unknown_dimension", value=dim_name)
    dim, tag_name = at_start
    if verb == "rename":
        await _rename(ctx, dim, tag_name)
        return
    if not tag_name:
        raise UserFacingError("book.tags.edit_usage")
    word = f"{dim.key}:{tag_name}"
    try:
        tag = await store.resolve(ctx.session, ctx.now, word, create=verb == "add")
    except store.TagError as error:
        raise UserFacingError(f"book.tags.{error.key}", value=error.value) from None
    if verb == "add":
        ctx.say(
            "book.tags.tag_added", tag=label(tag.name, ctx.lang), dimension=dimension_name(ctx, dim)
        )
        return
    await _ask_delete(ctx, tag, dim)


async def _rename(ctx: Context, dim: TagDimension, text: str) -> None:
    """``OLD / NEW``: the customers keep the tag under its new name; audited (the tag's
    update)."""
    old_name, sep, new_name = text.partition("/")
    if not sep or not old_name.strip() or not new_name.strip():
        raise UserFacingError("book.tags.rename_usage")
    try:
        tag = await store.resolve(
            ctx.session, ctx.now, f"{dim.key}:{old_name.strip()}", create=False
        )
        old = await store.rename_tag(ctx.session, tag, new_name)
    except store.TagError as error:
        raise UserFacingError(f"book.tags.{error.key}", value=error.value) from None
    ctx.say(
        "book.tags.tag_renamed",
        old=label(old, ctx.lang),
        new=tag.name,
        dimension=dimension_name(ctx, dim),
        count=await store.customers_with(ctx.session, tag.id),
    )


async def _ask_delete(ctx: Context, tag: Tag, dim: TagDimension) -> None:
    count = await store.customers_with(ctx.session, tag.id)
    ctx.ask(
        ctx.t(
            "book.tags.ask_delete",
            tag=label(tag.name, ctx.lang),
            dimension=dimension_name(ctx, dim),
            count=count,
        ),
        [
            Button(ctx.t("book.tags.btn_delete"), DeleteTag(tag.id, count)),
            Button(ctx.t("book.btn_keep"), KeepIt()),
        ],
    )


async def on_delete(ctx: Context) -> None:
    """🗑 Delete, confirmed: if the number of customers carrying the tag changed since the
    question, it is asked again with the new number."""
    if not _is_admin(ctx):
        raise UserFacingError("errors.not_allowed")
    pressed = ctx.pressed(DeleteTag)
    tag = await ctx.session.get(Tag, pressed.tag_id)
    if tag is None:
        raise UserFacingError("errors.not_found")
    dim = await ctx.session.get(TagDimension, tag.dimension_id)
    assert dim is not None  # the foreign key
    if await store.customers_with(ctx.session, tag.id) != pressed.count:
        await _ask_delete(ctx, tag, dim)
        return
    name = label(tag.name, ctx.lang)
    count = await store.remove_tag(ctx.session, tag)
    ctx.say("book.tags.tag_removed", tag=name, dimension=dimension_name(ctx, dim), count=count)


async def on_keep(ctx: Context) -> None:
    ctx.say("book.kept")
