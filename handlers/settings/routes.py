"""Per-user settings in chat: ``/lang``, ``/tz``, ``/me`` and leaving a flow with ``/cancel``."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.context import Context
from bot.nlu.amounts import currency_code
from bot.payloads import Action
from bot.replies import Button
from bot.router import Router, action, command
from bot.timezones import COMMON_ZONES, resolve_timezone
from store.models import Role
from store.users import find_user, teams_of


@dataclass(frozen=True)
class SetLanguage(Action, tag="sl", legacy=("lang",)):
    lang: str


@dataclass(frozen=True)
class SetZone(Action, tag="sz", legacy=("tz",)):
    zone: str  # an IANA name, resolved like a typed one


@dataclass(frozen=True)
class SetCurrency(Action, tag="sc", legacy=("cur",)):
    currency: str


LANGUAGE_WORDS = {
    "en": "en",
    "english": "en",
    "英文": "en",
    "英语": "en",
    "zh": "zh",
    "cn": "zh",
    "chinese": "zh",
    "中文": "zh",
    "汉语": "zh",
    "简体中文": "zh",
}


async def set_language(ctx: Context) -> None:
    assert ctx.user is not None
    value = ctx.action.lang if isinstance(ctx.action, SetLanguage) else ctx.args
    lang = LANGUAGE_WORDS.get(value.strip().lower()) if value else None
    if lang is None or lang not in ctx.translator.languages:
        ctx.ask(
            ctx.t("settings.lang_ask"),
            [Button("English", SetLanguage("en")), Button("中文", SetLanguage("zh"))],
        )
        return
    ctx.user.lang = lang
    ctx.lang = lang
    ctx.say("settings.lang_set")


async def set_timezone(ctx: Context) -> None:
    assert ctx.user is not None
    value = ctx.action.zone if isinstance(ctx.action, SetZone) else ctx.args
    zone = resolve_timezone(value) if value else None
    if zone is None:
        key = "settings.tz_unknown" if value else "settings.tz_ask"
        ctx.ask(ctx.t(key, value=value), [Button(z, SetZone(z)) for z in COMMON_ZONES])
        return
    ctx.user.tz = zone
    ctx.tz = ZoneInfo(zone)
    local = ctx.now.astimezone(ctx.tz)
    ctx.say("settings.tz_set", tz=zone, time=local.strftime("%Y-%m-%d %H:%M"))


CURRENCY_BUTTONS = ("CNY", "USD", "SGD", "HKD", "GBP", "EUR")


async def set_currency(ctx: Context) -> None:
    """``/currency USD`` sets mine; an admin's ``/currency tom USD`` sets tom's. Amounts
    typed without a currency are in it, for new deals (an existing deal keeps its own)."""
    assert ctx.user is not None
    words = (ctx.action.currency if isinstance(ctx.action, SetCurrency) else ctx.args).split()
    target = ctx.user
    if len(words) == 2:
        if ctx.user.role != Role.ADMIN:
            ctx.say("errors.not_allowed")
            return
        other = await find_user(ctx.session, words[0])
        if other is None:
            ctx.say("settings.currency_no_user", name=words[0])
            return
        target, words = other, words[1:]
    code = currency_code(words[0]) if words else None
    if code is None:
        key = "settings.currency_unknown" if words else "settings.currency_ask"
        ctx.ask(
            ctx.t(key, value=" ".join(words), current=ctx.currency),
            [Button(c, SetCurrency(c)) for c in CURRENCY_BUTTONS],
        )
        return
    target.currency = code
    ctx.say("settings.currency_set", name=target.display_name, currency=code)


async def cancel(ctx: Context) -> None:
    assert ctx.flow is not None
    if ctx.flow.name:
        ctx.flow.end()
        ctx.say("settings.cancelled")
    else:
        ctx.say("settings.nothing_to_cancel")


async def whoami(ctx: Context) -> None:
    assert ctx.user is not None
    teams = await teams_of(ctx.session, ctx.user)
    ctx.say(
        "settings.me",
        name=ctx.user.display_name,
        role=ctx.t(f"roles.{ctx.user.role}"),
        teams=", ".join(teams) or "-",
        lang=ctx.t("settings.language_name"),
        tz=str(ctx.tz),
        currency=ctx.currency,
        time=ctx.now.astimezone(ctx.tz).strftime("%Y-%m-%d %H:%M"),
    )


def routes() -> Router:
    router = Router()
    router.add(command("lang") | action(SetLanguage), set_language)
    router.add(command("tz") | action(SetZone), set_timezone)
    router.add(command("currency") | action(SetCurrency), set_currency)
    router.add(command("cancel"), cancel)
    router.add(command("me"), whoami)
    return router
