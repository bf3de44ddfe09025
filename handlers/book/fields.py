"""Custom fields in chat: ``/field`` (``/字段``) lists them, admins add them
(``/field add company choice 客户类型/Customer type: 直销, 代理``), anyone sets a value on a
record they see — typed ("星辰科技 产品型号 X200", ``/field 星辰科技 产品型号 X200``) or with the
card's 🧩 Fields button (choices as buttons, other kinds asked for)."""

from __future__ import annotations

import re
from enum import StrEnum

from bot.context import Context, FlowKey, UserFacingError
from bot.replies import Button
from conversations.base import Expects, Flow, Step
from handlers.book.actions import DeleteField, EditField, KeepIt, PickChoice
from handlers.book.records import record_at_start
from handlers.common.actions import FieldsFor
from handlers.common.field_values import BadValue, field_name, read_value, show_value
from store import fields as store
from store.models import CustomField, Role

ENTITY_WORDS = {
    "company": "company", "companies": "company", "customer": "company", "公司": "company",
    "客户": "company", "contact": "contact", "contacts": "contact", "联系人": "contact",
    "deal": "deal", "deals": "deal", "商机": "deal",
}  # fmt: skip
KIND_WORDS = {
    "text": "text", "文本": "text", "number": "number", "数字": "number", "数值": "number",
    "money": "money", "amount": "money", "金额": "money", "date": "date", "日期": "date",
    "choice": "choice", "single": "choice", "单选": "choice", "multi": "multi",
    "multiple": "multi", "多选": "multi",
}  # fmt: skip
ADD_FORM = re.compile(r"^(\S+)\s+(\S+)\s+([^/:：]+)/([^:：]+)(?:[:：](.*))?$", re.S)
CHOICES_SPLIT = re.compile(r"\s*[,，、;；]\s*")
RENAME_FORM = re.compile(r"^(.+?)\s*(?:=|＝|→|->)\s*(.+)$", re.S)


class State(StrEnum):
    VALUE = "value"


KEY = FlowKey("field_value", 1, State)


def is_admin(ctx: Context) -> bool:
    return ctx.user is not None and Role(ctx.user.role) is Role.ADMIN


def entity_label(ctx: Context, entity: str) -> str:
    return ctx.t(f"book.fields.entity_{entity}")


async def field_command(ctx: Context) -> None:
    text = ctx.args.strip()
    verb, _, rest = text.partition(" ")
    if not text or verb.casefold() in ("list", "列表"):
        await list_fields(ctx)
        return
    if verb.casefold() in ("add", "添加", "新建"):
        await add_in_chat(ctx, rest.strip())
        return
    if verb.casefold() in ("rename", "改名", "重命名"):
        await rename_in_chat(ctx, rest.strip())
        return
    if verb.casefold() in ("remove", "delete", "删除"):
        await ask_remove_in_chat(ctx, rest.strip())
        return
    if not await set_by_text(ctx, text):
        raise UserFacingError("book.fields.unknown_in", text=text)


async def list_fields(ctx: Context) -> None:
    found = await store.fields_for(ctx.session)
    if not found:
        ctx.say("book.fields.none_yet" if is_admin(ctx) else "book.fields.none")
        return
    lines = [ctx.t("book.fields.list_title")]
    for field in found:
        kind = ctx.t(f"book.fields.kind_{field.kind}")
        choices = f" ({'、'.join(field.choices)})" if field.choices else ""
        lines.append(
            f"• {entity_label(ctx, field.entity)} · {field_name(field, ctx.lang)} [{kind}]{choices}"
        )
    ctx.reply_text("\n".join(lines))


async def add_in_chat(ctx: Context, text: str) -> None:
    """``company choice 客户类型/Customer type: 直销, 代理``: entity, kind, the Chinese and
    the English name (either order: the one with Chinese letters is the Chinese one)."""
    if not is_admin(ctx):
        raise UserFacingError("errors.not_allowed")
    m = ADD_FORM.match(text)
    if m is None:
        raise UserFacingError("book.fields.add_usage")
    entity = ENTITY_WORDS.get(m.group(1).casefold())
    if entity is None:
        raise UserFacingError("book.fields.unknown_entity", value=m.group(1))
    kind = KIND_WORDS.get(m.group(2).casefold())
    if kind is None:
        raise UserFacingError("book.fields.unknown_kind", value=m.group(2))
    zh, en = _zh_en(m.group(3).strip(), m.group(4).strip())
    choices = CHOICES_SPLIT.split(m.group(5).strip()) if m.group(5) else []
    try:
        field = await store.add_field(
            ctx.session, ctx.now, entity=entity, name_en=en, name_zh=zh, kind=kind, choices=choices
        )
    except store.FieldError as error:
        raise UserFacingError(f"book.fields.{error.key}", value=error.value) from None
    ctx.say(
        "book.fields.added",
        name=field_name(field, ctx.lang),
        entity=entity_label(ctx, entity),
        kind=ctx.t(f"book.fields.kind_{kind}"),
    )


def _zh_en(first: str, second: str) -> tuple[str, str]:
    """The Chinese and the English name of two, either order (the one with Chinese letters
    is the Chinese one)."""
    zh, en = (first, second) if _has_cjk(first) or not _has_cjk(second) else (second, first)
    if _has_cjk(en) and not _has_cjk(zh):
        zh, en = en, zh
    return zh, en


def both_names(field: CustomField) -> str:
    return f"{field.name_zh} / {field.name_en}"


async def named_field(ctx: Context, text: str) -> CustomField:
    """A field by either name or its key, optionally after its entity ("deal Budget"); a
    name two entities share must say which (nothing is renamed or deleted by guess)."""
    entity_word, _, rest = text.partition(" ")
    entity = ENTITY_WORDS.get(entity_word.casefold()) if rest.strip() else None
    name = rest.strip() if entity else text.strip()
    folded = name.casefold()
    found = [
        f
        for f in await store.fields_for(ctx.session, entity)
        if folded in (f.key.casefold(), f.name_en.casefold(), f.name_zh.casefold())
    ]
    if not found:
        raise UserFacingError("book.fields.unknown_field", value=name)
    if len(found) > 1:
        raise UserFacingError("book.fields.which_entity", value=name)
    return found[0]


async def rename_in_chat(ctx: Context, text: str) -> None:
    """``产品型号 = 型号/Model`` (both names) or ``Product model = Model`` (the name in its
    language); the key and every value stay; audited (the field's update)."""
    if not is_admin(ctx):
        raise UserFacingError("errors.not_allowed")
    m = RENAME_FORM.match(text)
    if m is None:
        raise UserFacingError("book.fields.rename_usage")
    field = await named_field(ctx, m.group(1))
    first, sep, second = m.group(2).strip().partition("/")
    names: dict[str, str] = {}
    if sep:
        names["name_zh"], names["name_en"] = _zh_en(first.strip(), second.strip())
    else:
        names["name_zh" if _has_cjk(first) else "name_en"] = first.strip()
    before = both_names(field)
    try:
        await store.rename_field(ctx.session, field, **names)
    except store.FieldError as error:
        raise UserFacingError(f"book.fields.{error.key}", value=error.value) from None
    ctx.say(
        "book.fields.renamed",
        old=before,
        new=both_names(field),
        count=await store.values_count(ctx.session, field),
    )


async def ask_remove_in_chat(ctx: Context, text: str) -> None:
    if not is_admin(ctx):
        raise UserFacingError("errors.not_allowed")
    if not text:
        raise UserFacingError("book.fields.remove_usage")
    await _ask_remove(ctx, await named_field(ctx, text))


async def _ask_remove(ctx: Context, field: CustomField) -> None:
    count = await store.values_count(ctx.session, field)
    ctx.ask(
        ctx.t(
            "book.fields.ask_remove",
            name=field_name(field, ctx.lang),
            entity=entity_label(ctx, field.entity),
            count=count,
        ),
        [
            Button(ctx.t("book.tags.btn_delete"), DeleteField(field.id, count)),
            Button(ctx.t("book.btn_keep"), KeepIt()),
        ],
    )


async def on_remove(ctx: Context) -> None:
    """🗑 Delete, confirmed: asked again if the number of values changed since."""
    if not is_admin(ctx):
        raise UserFacingError("errors.not_allowed")
    pressed = ctx.pressed(DeleteField)
    field = await _field(ctx, pressed.field)
    if await store.values_count(ctx.session, field) != pressed.count:
        await _ask_remove(ctx, field)
        return
    name, entity = field_name(field, ctx.lang), entity_label(ctx, field.entity)
    count = await store.remove_field(ctx.session, field)
    ctx.say("book.fields.removed", name=name, entity=entity, count=count)


def _has_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


async def set_by_text(ctx: Context, text: str) -> bool:
    """ "星辰科技 产品型号 X200": a record's name, a field of its kind, the value. False when
    the text is not that (no field named, or no record of that name): it is then
    something else, a log perhaps."""
    names = ctx.custom_fields
    if names is None:  # not read with the sender (a chat's first message)
        names = await store.read_field_names(ctx.session)
    for field in names:
        for name in sorted({field.name_zh, field.name_en, field.key}, key=len, reverse=True):
            m = re.search(rf"(?:^|\s){re.escape(name)}(?:\s*[:：=]\s*|\s+|$)", text, re.I)
            if m is None or m.start() == 0:
                continue
            found = await record_at_start(ctx, field.entity, text[: m.start()].strip())
            if found is None or found[1]:
                continue
            await _set(ctx, await _field(ctx, field.id), found[0], text[m.end() :].strip())
            return True
    return False


async def _set(ctx: Context, field: CustomField, record: object, raw: str) -> None:
    record_id = int(getattr(record, "id"))  # noqa: B009 - a company, contact or deal
    try:
        values = read_value(field, raw, currency=ctx.currency, now=ctx.sent_local)
    except BadValue as bad:
        raise UserFacingError(
            f"book.fields.{bad.reason}",
            name=field_name(field, ctx.lang),
            value=bad.raw,
            choices="、".join(field.choices),
        ) from None
    await store.set_values(ctx.records, field, record_id, values)
    await _set_done(ctx, field, record)


async def on_fields_for(ctx: Context) -> None:
    pressed = ctx.pressed(FieldsFor)
    if pressed.entity not in store.ENTITIES:
        raise UserFacingError("errors.not_found")
    record = await ctx.records.get(store.MODELS[pressed.entity], pressed.record)
    found = await store.fields_for(ctx.session, pressed.entity)
    if not found:
        ctx.say("book.fields.none_yet" if is_admin(ctx) else "book.fields.none")
        return
    current = {f.id: v for f, v in await store.values_of(ctx.session, pressed.entity, record.id)}
    buttons = []
    for field in found:
        value = show_value(field, current.get(field.id, []), ctx.lang)
        label = f"{field_name(field, ctx.lang)}: {value}" if value else field_name(field, ctx.lang)
        buttons.append(Button(label[:40], EditField(field.id, record.id)))
    ctx.ask(ctx.t("book.fields.pick"), buttons)


async def _field(ctx: Context, field_id: int) -> CustomField:
    field = await ctx.session.get(CustomField, field_id)
    if field is None:
        raise UserFacingError("errors.not_found")
    return field


async def on_edit(ctx: Context) -> None:
    pressed = ctx.pressed(EditField)
    field = await _field(ctx, pressed.field)
    record = await ctx.records.get(store.MODELS[field.entity], pressed.record)
    name = field_name(field, ctx.lang)
    if field.kind in ("choice", "multi"):
        current = dict(await store.values_of(ctx.session, field.entity, record.id)).get(field, [])
        on = {v.text_value for v in current}
        ctx.ask(
            ctx.t("book.fields.ask_choice", name=name),
            [
                Button(("✅ " if c in on else "") + c[:36], PickChoice(field.id, record.id, i))
                for i, c in enumerate(field.choices)
            ],
        )
        return
    assert ctx.flow is not None
    ctx.flow.start(KEY, State.VALUE, {"field": field.id, "record": record.id})
    ctx.say("book.fields.ask_value", name=name, kind=ctx.t(f"book.fields.kind_{field.kind}"))


async def on_value(ctx: Context) -> None:
    assert ctx.flow is not None
    field = await _field(ctx, int(ctx.flow.data["field"]))
    record = await ctx.records.get(store.MODELS[field.entity], int(ctx.flow.data["record"]))
    try:
        read_value(field, ctx.text, currency=ctx.currency, now=ctx.sent_local)
    except BadValue:
        pass  # _set says why; the question stays open for another try
    else:
        ctx.flow.end()
    await _set(ctx, field, record, ctx.text)


async def on_pick(ctx: Context) -> None:
    pressed = ctx.pressed(PickChoice)
    field = await _field(ctx, pressed.field)
    record = await ctx.records.get(store.MODELS[field.entity], pressed.record)
    if not 0 <= pressed.choice < len(field.choices):
        raise UserFacingError("errors.not_found")
    choice = field.choices[pressed.choice]
    picked = [choice]
    if field.kind == "multi":
        current = dict(await store.values_of(ctx.session, field.entity, record.id)).get(field, [])
        had = [v.text_value for v in current if v.text_value]
        picked = [c for c in had if c != choice] if choice in had else [*had, choice]
    await store.set_values(ctx.records, field, record.id, [store.Typed(text=c) for c in picked])
    await _set_done(ctx, field, record)


async def _set_done(ctx: Context, field: CustomField, record: object) -> None:
    record_id = int(getattr(record, "id"))  # noqa: B009
    saved = dict(await store.values_of(ctx.session, field.entity, record_id)).get(field, [])
    label = str(getattr(record, "title" if field.entity == "deal" else "name"))
    ctx.ask(
        ctx.t(
            "book.fields.set" if saved else "book.fields.cleared",
            record=label,
            name=field_name(field, ctx.lang),
            value=show_value(field, saved, ctx.lang),
        ),
        [Button(ctx.t("book.fields.btn_fields"), FieldsFor(field.entity, record_id))],
    )


FLOW = Flow(KEY, {State.VALUE: Step(on_value, Expects.TEXT)})
