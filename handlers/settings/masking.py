"""``/settings`` (``/设置``): the workspace's masking of sensitive fields by role.

An admin taps a button (or types ``/settings mask rep phone``, ``/设置 显示 经理 金额``) to
mask or show a class of field for a role; everyone else sees what is masked for them. The
rule itself — the owner always sees their own record, admins see all, groups mask contact
channels — is :class:`bot.masking.Masking`'s; the policy is stored by
:mod:`store.masking`, audited.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.context import Context
from bot.payloads import Action
from bot.replies import Button
from bot.router import Router, action, command
from store.masking import MASKABLE_ROLES, FieldClass, MaskPolicy, load_policy, set_masked
from store.models import Role


@dataclass(frozen=True)
class SetMask(Action, tag="mk"):
    role: Role
    field: FieldClass
    masked: bool


ROLE_WORDS: dict[str, Role] = {
    "rep": Role.REP,
    "reps": Role.REP,
    "销售": Role.REP,
    "销售代表": Role.REP,
    "manager": Role.MANAGER,
    "managers": Role.MANAGER,
    "经理": Role.MANAGER,
    "销售经理": Role.MANAGER,
}
FIELD_WORDS: dict[str, FieldClass] = {
    "phone": FieldClass.PHONE,
    "phones": FieldClass.PHONE,
    "mobile": FieldClass.PHONE,
    "电话": FieldClass.PHONE,
    "手机": FieldClass.PHONE,
    "email": FieldClass.EMAIL,
    "emails": FieldClass.EMAIL,
    "e-mail": FieldClass.EMAIL,
    "邮箱": FieldClass.EMAIL,
    "amount": FieldClass.AMOUNT,
    "amounts": FieldClass.AMOUNT,
    "金额": FieldClass.AMOUNT,
}
VERB_WORDS: dict[str, bool] = {
    "mask": True,
    "hide": True,
    "隐藏": True,
    "屏蔽": True,
    "show": False,
    "unmask": False,
    "显示": False,
}


def parse(args: str) -> SetMask | None:
    """``mask rep phone`` / ``显示 经理 金额`` (any order) -> the change; else None."""
    words = args.lower().split()
    roles = [ROLE_WORDS[w] for w in words if w in ROLE_WORDS]
    fields = [FIELD_WORDS[w] for w in words if w in FIELD_WORDS]
    verbs = [VERB_WORDS[w] for w in words if w in VERB_WORDS]
    if len(words) != 3 or len(roles) != 1 or len(fields) != 1 or len(verbs) != 1:
        return None
    return SetMask(roles[0], fields[0], verbs[0])


def overview(ctx: Context, policy: MaskPolicy) -> str:
    lines = [ctx.t("masking.title")]
    for role in MASKABLE_ROLES:
        hidden = policy.classes_for(role)
        states = [
            ctx.t(
                "masking.masked" if cls in hidden else "masking.shown",
                field=ctx.t(f"masking.fields.{cls}"),
            )
            for cls in FieldClass
        ]
        lines.append(
            ctx.t(
                "masking.role_line", role=ctx.t(f"masking.roles.{role}"), states=" · ".join(states)
            )
        )
    lines.append(ctx.t("masking.rule"))
    return "\n".join(lines)


def toggles(ctx: Context, policy: MaskPolicy) -> list[Button]:
    buttons = []
    for role in MASKABLE_ROLES:
        hidden = policy.classes_for(role)
        for cls in FieldClass:
            masked = cls in hidden
            key = "masking.btn_show" if masked else "masking.btn_mask"
            label = ctx.t(
                key, role=ctx.t(f"masking.roles.{role}"), field=ctx.t(f"masking.fields.{cls}")
            )
            buttons.append(Button(label, SetMask(role, cls, not masked)))
    return buttons


async def show_settings(ctx: Context) -> None:
    assert ctx.user is not None
    if ctx.args.strip():
        await change(ctx, parse(ctx.args))
        return
    policy = await load_policy(ctx.session)
    if ctx.user.role != Role.ADMIN:
        ctx.reply_text(overview(ctx, policy) + "\n" + ctx.t("masking.admins_only"))
        return
    ctx.ask(overview(ctx, policy) + "\n" + ctx.t("masking.usage"), toggles(ctx, policy))


async def pressed(ctx: Context) -> None:
    await change(ctx, ctx.pressed(SetMask))


async def change(ctx: Context, wanted: SetMask | None) -> None:
    assert ctx.user is not None
    if ctx.user.role != Role.ADMIN:
        ctx.refused = True
        ctx.say("masking.admins_only")
        return
    if wanted is None:
        ctx.say("masking.bad", text=ctx.args.strip())
        return
    policy = await set_masked(
        ctx.session, wanted.role, wanted.field, wanted.masked, now=ctx.now, by=ctx.user.id
    )
    done = ctx.t(
        "masking.now_masked" if wanted.masked else "masking.now_shown",
        role=ctx.t(f"masking.roles.{wanted.role}"),
        field=ctx.t(f"masking.fields.{wanted.field}"),
    )
    ctx.ask(done + "\n\n" + overview(ctx, policy), toggles(ctx, policy))


def routes() -> Router:
    router = Router()
    router.add(command("settings"), show_settings)
    router.add(action(SetMask), pressed)
    return router
