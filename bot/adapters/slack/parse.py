"""Slack payloads -> :class:`InboundEvent`: pure functions, tested on recorded payloads.

Three shapes arrive on ``POST /slack/events``, already verified and decoded into a dict
by the adapter (``decode_body``): Events API envelopes (JSON), slash commands (form
fields) and interactivity (``block_actions``, a form field ``payload`` holding JSON). Each
becomes one event, or ``None`` for what the bot deliberately does not answer (its own and
other bots' messages, edits and deletions, channel chatter that does not mention it).

Slack does not say which language a user reads, so ``Actor.language_code`` stays ``None``
and the engine falls back to the user's setting or the workspace default.

A Slack user id is only unique within its workspace, and a shared (Slack Connect) channel
brings people of other workspaces to the app. So an account is keyed by workspace as well:
``Actor.platform_user_id`` is ``T0TEAM/U0USER`` (``E0ORG/T0TEAM/U0USER`` in an Enterprise
Grid), and an event from a person of another workspace than the app's own is refused here
(the app's own: ``CRMBOT_SLACK_TEAM_ID`` if set, else the one the payload says the app is
installed in).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Protocol

from bot.events import (
    SLACK_SLASH_COMMAND,
    Actor,
    ButtonOrigin,
    Chat,
    EventKind,
    InboundEvent,
    split_command,
)

log = logging.getLogger(__name__)

PLATFORM = "slack"
DEFAULT_COMMAND = "help"
"""What ``/crm`` on its own means."""
ACCEPTED_SUBTYPES = frozenset({None, "file_share"})
"""Message subtypes that are a person talking; edits, deletions, joins and bots are not."""

SHORTCUTS = frozenset({"message_action", "shortcut"})
"""Message shortcuts ("Log to crmbot" on any message) and global shortcuts (the ⚡ menu)."""
SHORTCUT_DM = "@dm"
"""The chat of a shortcut's event until the adapter has opened the person's DM with the app
(a shortcut is answered there: it may come from a channel, and its answer is theirs)."""

# <@U123>, <@U123|name>, <#C123|general>, <!here>, <mailto:a@b.com|a@b.com>, <https://x|label>
_ENTITY = re.compile(r"<([^<>|]*)(?:\|([^<>]*))?>")


@dataclass(frozen=True, slots=True)
class SharedFile:
    """A file attached to a message; the adapter downloads it (with the bot token)."""

    file_id: str
    name: str
    mimetype: str
    size: int
    url: str


@dataclass(frozen=True, slots=True)
class Workspace:
    """Whose a payload is: the person's workspace, and the one the app is installed in."""

    team: str
    enterprise: str | None
    home: str

    def account(self, user: str) -> str:
        """The person's key as a chat account: ``T0TEAM/U0USER`` or ``E0ORG/T0TEAM/U0USER``."""
        return "/".join(p for p in (self.enterprise, self.team, user) if p)


class _Parser(Protocol):
    def __call__(
        self, body: Mapping[str, Any], /, *, now: datetime, where: Workspace
    ) -> InboundEvent | None: ...


def slack_id(account: str) -> str:
    """``T0TEAM/U0USER`` -> ``U0USER``, what the Web API takes to write to the person (an
    account linked before workspaces were part of the key is the bare user id already)."""
    return account.rsplit("/", 1)[-1]


def parse(
    body: Mapping[str, Any], *, now: datetime, team: str | None = None
) -> InboundEvent | None:
    """Any decoded payload; ``None`` when it is not something to answer.

    ``now`` (the app clock) stands in for the send time where Slack gives none (slash
    commands); ``team`` is the configured workspace (``CRMBOT_SLACK_TEAM_ID``). A payload
    of an unexpected shape is logged and ignored rather than raised: Slack would only retry
    it; so is one from a person of another workspace.
    """
    try:
        kind = body.get("type")
        parser: _Parser
        where: Workspace | None
        if kind == "event_callback":
            parser, where = parse_event, _event_workspace(body)
        elif kind == "block_actions":
            parser, where = parse_action, _action_workspace(body)
        elif kind in SHORTCUTS:
            parser, where = parse_shortcut, _action_workspace(body)
        elif isinstance(body.get("command"), str):
            parser, where = parse_command, _command_workspace(body)
        else:
            return None
        if where is None or where.team != (team or where.home):
            log.warning(
                "slack: refused a %s from another workspace (%s, the app's is %s)",
                kind or "command",
                where.team if where else "none named",
                team or (where.home if where else "unknown"),
            )
            return None
        return parser(body, now=now, where=where)
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError):
        log.warning("slack: ignoring a payload of unexpected shape (type %r)", body.get("type"))
    return None


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _event_workspace(envelope: Mapping[str, Any]) -> Workspace | None:
    """An event names the installation in ``authorizations`` / ``team_id``, and the
    person's workspace in ``user_team`` (a shared channel) or ``team``."""
    event = envelope.get("event")
    event = event if isinstance(event, Mapping) else {}
    auths = [a for a in envelope.get("authorizations") or () if isinstance(a, Mapping)]
    home = _text(auths[0].get("team_id")) if auths else None
    home = home or _text(envelope.get("team_id"))
    team = _text(event.get("user_team")) or _text(event.get("team")) or home
    enterprise = _text(envelope.get("enterprise_id")) or (
        _text(auths[0].get("enterprise_id")) if auths else None
    )
    if home is None or team is None:
        return None
    return Workspace(team, enterprise, home)


def _command_workspace(body: Mapping[str, Any]) -> Workspace | None:
    team = _text(body.get("team_id"))
    if team is None:
        return None
    return Workspace(_text(body.get("user_team")) or team, _text(body.get("enterprise_id")), team)


def _action_workspace(body: Mapping[str, Any]) -> Workspace | None:
    user, installed = body.get("user") or {}, body.get("team") or {}
    enterprise = body.get("enterprise") or {}
    home = _text(installed.get("id"))
    team = _text(user.get("team_id")) or home
    if home is None or team is None:
        return None
    return Workspace(team, _text(enterprise.get("id")), home)


def parse_event(
    envelope: Mapping[str, Any], *, now: datetime, where: Workspace
) -> InboundEvent | None:
    """A DM to the app, or a mention of it in a channel; everything else is ``None``."""
    event = envelope.get("event")
    if not isinstance(event, Mapping):
        return None
    kind = event.get("type")
    if event.get("bot_id") or event.get("subtype") not in ACCEPTED_SUBTYPES:
        return None
    user, channel = event.get("user"), event.get("channel")
    if not isinstance(user, str) or not isinstance(channel, str) or not user or not channel:
        return None
    bot_user = _bot_user_id(envelope)
    if kind == "message" and event.get("channel_type") == "im":
        private = True
    elif kind == "app_mention" and not channel.startswith("D"):
        # In a DM the ``message`` event already carries it: answer once.
        private = False
    else:
        return None
    text = slack_to_plain(strip_mention(str(event.get("text") or ""), bot_user))
    has_files = private and event.get("subtype") == "file_share" and bool(shared_files(envelope))
    return InboundEvent(
        event_id=str(envelope.get("event_id") or f"ev{channel}:{event.get('ts')}"),
        platform=PLATFORM,
        kind=EventKind.IMAGE if has_files else EventKind.MESSAGE,
        actor=Actor(where.account(user)),
        chat=Chat(channel, is_private=private, thread_id=_text(event.get("thread_ts"))),
        sent_at=_timestamp(event.get("event_ts") or event.get("ts"), now),
        text=text,
        raw=envelope,
    )


def parse_command(
    body: Mapping[str, Any], *, now: datetime, where: Workspace
) -> InboundEvent | None:
    """``/crm find acme`` -> command ``find``, args ``acme``; ``/crm`` alone -> ``help``.

    A workspace may also register a command of ours directly (``/find acme``): any other
    slash command is taken as that command. Slack gives no send time for a command.
    """
    name = str(body["command"]).strip().lstrip("/／").lower()
    text = slack_to_plain(str(body.get("text") or "")).strip()
    user, channel = str(body.get("user_id") or ""), str(body.get("channel_id") or "")
    if not name or not user or not channel:
        return None
    if "/" + name == SLACK_SLASH_COMMAND:
        command, args = split_command("/" + text.lstrip("/／")) if text else (None, "")
        command = command or DEFAULT_COMMAND
    else:
        command, args = name, text
    return InboundEvent(
        event_id=str(body.get("trigger_id") or f"cmd{channel}:{user}:{now.timestamp()}"),
        platform=PLATFORM,
        kind=EventKind.MESSAGE,
        actor=Actor(where.account(user), str(body.get("user_name") or "")),
        chat=Chat(channel, is_private=_is_dm(channel, body.get("channel_name"))),
        sent_at=now,
        text=f"/{command} {args}".rstrip(),
        command=command,
        args=args,
        raw=dict(body),
    )


def parse_action(
    body: Mapping[str, Any], *, now: datetime, where: Workspace
) -> InboundEvent | None:
    """A pressed button: its ``value`` is the payload; the message it sat on is the origin."""
    action = next(
        (
            a
            for a in body.get("actions") or ()
            if isinstance(a, Mapping) and a.get("type") == "button" and a.get("value")
        ),
        None,
    )
    user = body.get("user") or {}
    container = body.get("container") or {}
    channel_info = body.get("channel") or {}
    channel = channel_info.get("id") or container.get("channel_id")
    if action is None or not user.get("id") or not channel:
        return None
    message = body.get("message") or {}
    message_ts = container.get("message_ts") or message.get("ts")
    origin = None
    if message_ts:
        label = (action.get("text") or {}).get("text") or ""
        origin = ButtonOrigin(
            message_id=str(message_ts),
            text=slack_to_plain(str(message.get("text") or "")),
            label=str(label),
        )
    trigger = body.get("trigger_id") or action.get("action_ts")
    return InboundEvent(
        event_id=f"act{trigger}",
        platform=PLATFORM,
        kind=EventKind.BUTTON,
        actor=Actor(
            where.account(str(user["id"])), str(user.get("username") or user.get("name") or "")
        ),
        chat=Chat(
            str(channel),
            is_private=_is_dm(str(channel), channel_info.get("name")),
            thread_id=_text(container.get("thread_ts")) or _text(message.get("thread_ts")),
        ),
        sent_at=_timestamp(action.get("action_ts"), now),
        payload=str(action["value"]),
        origin=origin,
        raw=dict(body),
    )


def parse_shortcut(
    body: Mapping[str, Any], *, now: datetime, where: Workspace
) -> InboundEvent | None:
    """A message shortcut logs the message's text as if the person had sent it to the bot
    (the usual confirmation follows in their DM); a global shortcut shows what the bot does.

    The answer goes to the person's DM with the app (``SHORTCUT_DM`` until the adapter opens
    it), never to the channel the shortcut was used in."""
    user = body.get("user") or {}
    trigger = _text(body.get("trigger_id")) or _text(body.get("action_ts"))
    if not _text(user.get("id")) or trigger is None:
        return None
    event = InboundEvent(
        event_id=f"sc{trigger}",
        platform=PLATFORM,
        kind=EventKind.MESSAGE,
        actor=Actor(where.account(str(user["id"])), str(user.get("username") or "")),
        chat=Chat(SHORTCUT_DM, is_private=True),
        sent_at=_timestamp(body.get("action_ts"), now),
        raw=dict(body),
    )
    if body.get("type") == "shortcut":
        return replace(event, text=f"/{DEFAULT_COMMAND}", command=DEFAULT_COMMAND)
    message = body.get("message") or {}
    text = slack_to_plain(str(message.get("text") or "")).strip()
    if not text:
        return None  # a message of only files or blocks: there is no text to log
    return replace(event, text=text)


def shared_files(envelope: Mapping[str, Any]) -> list[SharedFile]:
    """The files of a ``file_share`` message, as far as Slack describes them."""
    event = envelope.get("event")
    files = event.get("files") if isinstance(event, Mapping) else None
    found: list[SharedFile] = []
    for item in files or ():
        if not isinstance(item, Mapping):
            continue
        url = item.get("url_private_download") or item.get("url_private")
        if not url or item.get("mode") == "tombstone":
            continue
        found.append(
            SharedFile(
                file_id=str(item.get("id") or ""),
                name=str(item.get("name") or ""),
                mimetype=str(item.get("mimetype") or ""),
                size=_size(item.get("size")),
                url=str(url),
            )
        )
    return found


def strip_mention(text: str, bot_user_id: str | None) -> str:
    """``<@U0BOT> find acme`` -> ``find acme``.

    Only the bot's own mention goes (other people named in the text stay); when the
    envelope did not say who the bot is, a leading mention is taken to be it.
    """
    if bot_user_id:
        text = re.sub(rf"<@{re.escape(bot_user_id)}(?:\|[^>]*)?>", " ", text)
    else:
        text = re.sub(r"^\s*<@[UW][A-Z0-9]+(?:\|[^>]*)?>", " ", text)
    return text.strip().lstrip(":,，：").strip()


def slack_to_plain(text: str) -> str:
    """Slack's message markup -> what the person typed.

    Links and auto-linked emails / phone numbers (``<mailto:a@b.com|a@b.com>``) become their
    label, channel and group mentions their name; ``&amp;``, ``&lt;``, ``&gt;`` (the only
    escapes Slack uses) are undone last so a literal ``&lt;`` survives as ``<``.
    """

    def entity(match: re.Match[str]) -> str:
        target, label = match.group(1), match.group(2)
        if target.startswith("#"):
            return "#" + (label or target[1:])
        if target.startswith("@"):
            return "@" + (label or target[1:])
        if target.startswith("!"):
            special = target[1:].split("^", 1)[0]
            return label or "@" + special
        return label if label else target.removeprefix("mailto:").removeprefix("tel:")

    plain = _ENTITY.sub(entity, text)
    return plain.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _bot_user_id(envelope: Mapping[str, Any]) -> str | None:
    """The app's own user id: Events API envelopes name the installation they are for."""
    for auth in envelope.get("authorizations") or ():
        if isinstance(auth, Mapping) and auth.get("is_bot") and auth.get("user_id"):
            return str(auth["user_id"])
    return None


def _is_dm(channel_id: str, channel_name: object) -> bool:
    """Slack's IM channel ids start with ``D``; commands and actions also name them so."""
    return channel_id.startswith("D") or channel_name == "directmessage"


def _timestamp(value: object, fallback: datetime) -> datetime:
    """Slack's ``"1763431200.000200"`` -> an aware datetime; the app clock if absent or odd
    (``1e300``, ``inf`` and ``nan`` included: no datetime holds them)."""
    try:
        seconds = float(str(value))
        if not seconds > 0:
            return fallback
        return datetime.fromtimestamp(seconds, UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return fallback


def _size(value: object) -> int:
    """A file's declared size in bytes; 0 (unknown: the download counts the bytes) when it
    is not a finite non-negative number (JSON's ``1e400`` reads as infinity)."""
    try:
        return max(int(float(str(value or 0))), 0)
    except (TypeError, ValueError, OverflowError):
        return 0
