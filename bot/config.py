"""Settings from ``CRMBOT_*`` environment variables and an optional TOML file.

pydantic-settings does the reading and validation so that a wrong value produces an
error naming the setting, e.g. ``CRMBOT_DEFAULT_TZ: unknown time zone 'Mars/Base'``.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable, Mapping
from datetime import time
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from bot.plain_settings import (
    CONFIG_FILE_VARIABLE,
    DEFAULT_FOLLOW_UP_TIME,
    DEFAULT_TZ,
    ENV_PREFIX,
    known_zone,
)
from bot.plain_settings import ConfigError as ConfigError  # re-exported: commands import it here
from store.contract_policy import (
    DEFAULT_LEVELS,
    DEFAULT_NUMBER_PATTERN,
    DEFAULT_TYPES,
    ContractPolicy,
)
from store.pipeline import (
    DEFAULT_APPROVAL_THRESHOLD,
    DEFAULT_RATES,
    DEFAULT_STAGES,
    ApprovalPolicy,
    Pipeline,
)
from store.ticket_policy import (
    DEFAULT_SLA,
    PRIORITIES,
    Route,
    TicketPolicy,
    read_priorities,
    read_routes,
    read_sla,
)
from store.ticket_policy import (
    DEFAULT_TYPES as DEFAULT_TICKET_TYPES,
)
from store.tier_rules import DEFAULT_TIER_RULES, TierRule, read_tier_rules
from store.working_hours import WorkingHours, read_working_hours

SUPPORTED_LANGUAGES = ("en", "zh")


def default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "crmbot"


def default_database_url() -> str:
    return f"sqlite+aiosqlite:///{default_data_dir() / 'crmbot.db'}"


def table_over(
    value: Any, defaults: Mapping[str, Any], example: str, key: Callable[[str], str]
) -> Any:
    """A small table setting merged over its defaults; from an environment variable it is
    written ``USD=7.1, EUR=7.7``. Pydantic checks the values afterwards."""
    if isinstance(value, str):
        pairs: dict[str, str] = {}
        for part in value.split(","):
            if not part.strip():
                continue
            name, sep, item = part.partition("=")
            if not sep or not name.strip():
                raise ValueError(f"write it as {example}, not {part.strip()!r}")
            pairs[name.strip()] = item.strip()
        value = pairs
    if not isinstance(value, dict):
        return value
    return {**defaults, **{key(str(k)): v for k, v in value.items()}}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore")

    database_url: str = Field(default_factory=default_database_url)
    database_pool_size: int = Field(default=20, ge=1, le=500)
    """PostgreSQL connections each worker keeps open: as many as the updates it serves at
    once (every one holds a connection for its transaction). A burst beyond it opens up to
    10 more, closed again when returned; opening one costs a few ms and a cold statement
    cache, which is why a pool smaller than the burst is slow."""
    default_lang: str = "en"
    default_tz: str = DEFAULT_TZ
    invite_ttl_hours: int = Field(default=72, ge=1, le=24 * 90)
    conversation_ttl_minutes: int = Field(default=30, ge=1, le=24 * 60)
    default_currency: str = "CNY"
    follow_up_time: time = DEFAULT_FOLLOW_UP_TIME
    report_time: time = time(9, 0)
    """Local time subscribed reports arrive (``/subscribe``): daily ones every day, weekly
    ones on ``report_weekday``; a conversion alert found at night waits for it too."""
    report_weekday: int = Field(default=0, ge=0, le=6)
    """Weekday (0 = Monday) of weekly subscribed reports."""
    pool_hold_limit: int = Field(default=200, ge=0)
    """How many customers a rep may hold before the lead pool (``/pool``) refuses them
    another; 0 = no limit. Assignments by a manager are not limited."""
    pool_return_days: int = Field(default=0, ge=0)
    """A held customer with no activity for this many days returns to the lead pool (its
    owner is warned 3 days before); 0 = never (the default: turning it on is a decision)."""
    pipeline_stages: Annotated[tuple[str, ...], NoDecode] = DEFAULT_STAGES
    approval_threshold: Decimal = Field(default=DEFAULT_APPROVAL_THRESHOLD, ge=0)
    segment_high_value: Decimal = Field(default=Decimal(100_000), ge=0)
    """Won deals adding up to this much (as recorded) make a customer "high value" in a
    segment (``/segment dormant high value``)."""
    """CNY-equivalent amount from which a deal needs approval to be won; 0 = never."""
    approval_rates: Annotated[dict[str, Decimal], NoDecode] = Field(
        default_factory=lambda: dict(DEFAULT_RATES)
    )
    """CNY per unit of other currencies, ``USD=7.1,EUR=7.7`` (merged over the defaults), for
    currencies without a ``crmbot fx`` rate (that one wins where set)."""
    contract_number_pattern: str = DEFAULT_NUMBER_PATTERN
    """Contract numbers: ``{year}`` and ``{seq}`` (the year's running number, ``{seq:04d}``)."""
    contract_types: Annotated[tuple[str, ...], NoDecode] = DEFAULT_TYPES
    """Contract templates offered when one is made, ``sale,service,framework``."""
    contract_approval_levels: Annotated[tuple[tuple[Decimal, tuple[str, ...]], ...], NoDecode] = (
        DEFAULT_LEVELS
    )
    """``500000=manager>admin;100000=manager``: from a CNY-equivalent amount, the roles
    asked in turn (the highest threshold reached applies); empty: no contract approval."""
    ticket_types: Annotated[tuple[str, ...], NoDecode] = DEFAULT_TICKET_TYPES
    """After-sales ticket types offered, ``repair,complaint,question``."""
    ticket_sla: Annotated[tuple[tuple[str, float, float], ...], NoDecode] = tuple(
        (p, *DEFAULT_SLA[p]) for p in PRIORITIES
    )
    """Hours to respond / to resolve per priority, ``urgent=1/8,high=4/24`` (over the
    defaults)."""
    ticket_routes: Annotated[tuple[Route, ...], NoDecode] = ()
    """Assignment table ``region/type=team;…`` (``*`` for any); no match: the queue."""
    ticket_hours: Annotated[WorkingHours | None, NoDecode] = None
    """Working hours SLA targets count, ``mon-fri 09:00-18:00`` in ``default_tz``; unset:
    every hour counts."""
    ticket_24h: Annotated[tuple[str, ...], NoDecode] = ("urgent",)
    """Priorities whose targets count every hour even with working hours, ``urgent``."""
    finance_sees_tickets: bool = False
    """Finance reads every customer's contracts and payments; tickets only when this is on
    (read-only, like the rest of other owners' records)."""
    tier_rules: Annotated[tuple[TierRule, ...], NoDecode] = DEFAULT_TIER_RULES
    """Customer tiers ``vip=won>=500000|tag:VIP;normal=orders>=1|tag:普通`` (store/tier_rules)."""
    telegram_token: SecretStr | None = None
    telegram_webhook_secret: SecretStr | None = None
    telegram_api_url: str = "https://api.telegram.org"
    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"
    slack_team_id: str | None = None
    """The app's workspace (``T…``): events from people of any other one are refused. Unset:
    the workspace each payload says the app is installed in."""
    wechat_app_id: str | None = None
    wechat_app_secret: SecretStr | None = None
    wechat_token: SecretStr | None = None
    wechat_aes_key: SecretStr | None = None
    """The 43-character EncodingAESKey; absent: plain mode (messages unencrypted)."""
    wechat_api_url: str = "https://api.weixin.qq.com"
    wechat_template_id: str | None = None
    """A template message (first / keyword1 / keyword2 / remark) for pushes to someone
    who has not written in 48 hours; without it such pushes wait for their next message."""
    wechat_menu_lang: str = "zh"
    """Language of the custom menu ``crmbot wechat set-menu`` (and ``crmbot wecom
    set-menu``) creates."""
    wecom_corp_id: str | None = None
    wecom_agent_id: int | None = None
    wecom_secret: SecretStr | None = None
    wecom_token: SecretStr | None = None
    wecom_aes_key: SecretStr | None = None
    wecom_api_url: str = "https://qyapi.weixin.qq.com"
    wecom_daily_limit: int | None = Field(default=None, ge=1)
    """App messages the WeCom app may send in any 24 hours (WeCom's per-app daily quota,
    see the admin console); over it, messages wait in the outbox. Unset: no daily cap."""
    secret_key: SecretStr | None = None
    """Keys the invite codes' hashes (bot.secret_key); unset: a 0600 key file made on first
    start beside the database. Set it when several machines share one database."""
    encryption_key: SecretStr | None = None
    """Encrypts contacts' phones and e-mails at rest (store/sealing.py; 32+ random
    characters). Unset: stored in plaintext. Never logged."""
    encryption_old_keys: SecretStr | None = None
    """Earlier encryption keys, comma-separated: still read while ``crmbot keys rotate``
    reseals their rows under ``encryption_key``."""
    health_token: SecretStr | None = None
    """Bearer token that shows /healthz's details; without it, /healthz says only up/down."""
    public_url: str | None = None
    smtp_url: SecretStr | None = None
    """``smtp://user:pass@host:587?starttls=1&from=service@acme.com``: e-mails the ticket
    survey to contacts with an e-mail and no WeChat link (bot/adapters/mail.py). Secret:
    never logged. Unset: no e-mail is sent."""
    api_rate_per_minute: int = Field(default=120, ge=1, le=100_000)
    """Requests a minute one API token or page session may make, sustained (more: 429)."""
    api_burst: int = Field(default=60, ge=1, le=100_000)
    """Requests one token or session may make at once before the rate applies."""
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    max_photo_bytes: int = Field(default=20 * 1_048_576, ge=1024)
    backup_dir: Path | None = None
    """Where nightly backups go (``crmbot serve``); unset: no scheduled backups."""
    backup_keep: int = Field(default=7, ge=1)
    """Nightly backups kept in ``backup_dir``; older ones are deleted."""
    backup_time: time = time(2, 0)
    """Local time (``default_tz``) after which the day's backup is taken."""
    max_file_bytes: int = Field(default=10 * 1_048_576, ge=1024)
    """The largest spreadsheet taken for import in chat (bigger: ``crmbot import FILE``)."""
    import_progress_seconds: float = Field(default=5.0, ge=0, le=3600)
    """A chat import says how far it got after a batch at most this often."""
    http_idle_timeout: float = Field(default=15.0, gt=0, le=3600)
    """Seconds a connection may stay idle, or take to send a request's line and headers."""
    http_body_timeout: float = Field(default=10.0, gt=0, le=600)
    """Seconds a request body may take to arrive (webhook bodies are at most 1 MB)."""
    max_unverified_bodies: int = Field(default=32, ge=1, le=10_000)
    """Request bodies read at once before their signature could be checked; more -> 503."""
    # Processes (at a lower priority) for card reading and chart drawing; 0 = a thread.
    slow_work_processes: int = Field(default=1, ge=0, le=8)
    slow_work_at_once: int = Field(default=2, ge=1, le=16)
    """At most this many card readings / charts at once (never more than the processes);
    the next one waits its turn (bot.workers)."""
    slow_work_memory_mb: int = Field(default=3072, ge=0)
    """Address-space cap of each worker process (0: none). A normal card peaks near
    1.2 GB of address space (400 MB resident) with the OCR models loaded."""
    card_read_seconds: float = Field(default=20.0, gt=0, le=600)
    """A card photo not read in this time is given up with a clear message."""
    config_file: Path | None = None

    def currency_for(self, own: str | None) -> str:
        """A user's currency: their own (``/currency``), else the workspace's."""
        return own or self.default_currency

    @field_validator("default_lang", "wechat_menu_lang")
    @classmethod
    def _known_language(cls, value: str) -> str:
        value = value.strip().lower()
        if value not in SUPPORTED_LANGUAGES:
            raise ValueError(f"must be one of {', '.join(SUPPORTED_LANGUAGES)}, not {value!r}")
        return value

    @field_validator("default_currency")
    @classmethod
    def _currency_code(cls, value: str) -> str:
        value = value.strip().upper()
        if len(value) != 3 or not value.isalpha():
            raise ValueError(f"must be an ISO 4217 code such as CNY or USD, not {value!r}")
        return value

    @field_validator("pipeline_stages", mode="before")
    @classmethod
    def _stage_list(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = [part.strip().lower() for part in value.split(",") if part.strip()]
        Pipeline(tuple(value))
        return tuple(value)

    @field_validator("contract_number_pattern")
    @classmethod
    def _number_pattern(cls, value: str) -> str:
        try:
            number = ContractPolicy(number_pattern=value).number(2026, 1)
        except (KeyError, ValueError, IndexError) as exc:
            raise ValueError("use {year} and {seq}, e.g. HT-{year}-{seq:04d}") from exc
        if "{seq" not in value or not 0 < len(number) <= 40:
            raise ValueError("the pattern needs {seq} and at most 40 characters")
        return value

    @field_validator("contract_types", mode="before")
    @classmethod
    def _type_list(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = [part.strip().lower() for part in value.split(",") if part.strip()]
        if not value or any(not 0 < len(str(v)) <= 32 for v in value):
            raise ValueError("a comma-separated list of names up to 32 characters")
        return tuple(value)

    @field_validator("ticket_types", mode="before")
    @classmethod
    def _ticket_type_list(cls, value: Any) -> Any:
        return cls._type_list(value)

    @field_validator("ticket_sla", mode="before")
    @classmethod
    def _ticket_sla(cls, value: Any) -> Any:
        return read_sla(value) if isinstance(value, str) else value

    @field_validator("ticket_hours", mode="before")
    @classmethod
    def _ticket_hours(cls, value: Any) -> Any:
        return read_working_hours(value) if isinstance(value, str) else value

    @field_validator("ticket_24h", mode="before")
    @classmethod
    def _ticket_24h(cls, value: Any) -> Any:
        return read_priorities(value) if isinstance(value, str) else value

    @field_validator("ticket_routes", mode="before")
    @classmethod
    def _ticket_routes(cls, value: Any) -> Any:
        return read_routes(value) if isinstance(value, str) else value

    @field_validator("tier_rules", mode="before")
    @classmethod
    def _tier_rules(cls, value: Any) -> Any:
        return read_tier_rules(value) if isinstance(value, str) else value

    @field_validator("contract_approval_levels", mode="before")
    @classmethod
    def _levels(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        roles_known = {"manager", "admin", "finance"}
        levels = []
        for part in filter(None, (p.strip() for p in value.split(";"))):
            threshold, _, roles = part.partition("=")
            names = tuple(r.strip().lower() for r in roles.split(">") if r.strip())
            if not names or not set(names) <= roles_known:
                raise ValueError(
                    "levels look like 500000=manager>finance;100000=manager"
                    " (roles: manager, finance, admin)"
                )
            try:
                amount = Decimal(threshold.strip())
            except ArithmeticError as exc:
                raise ValueError(f"{threshold!r} is not an amount") from exc
            levels.append((amount, names))
        return tuple(levels)

    @field_validator("approval_rates", mode="before")
    @classmethod
    def _rate_table(cls, value: Any) -> Any:
        table = table_over(value, DEFAULT_RATES, "USD=7.1,EUR=7.7", str.upper)
        if isinstance(table, dict) and any(len(code) != 3 for code in table):
            raise ValueError("currencies are ISO 4217 codes such as USD")
        return table

    @field_validator("default_tz")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        if not known_zone(value):
            raise ValueError(f"unknown time zone {value!r}")
        return value

    @field_validator("database_url")
    @classmethod
    def _supported_database(cls, value: str) -> str:
        if value.startswith("sqlite:///"):
            value = "sqlite+aiosqlite:///" + value.removeprefix("sqlite:///")
        elif value.startswith(("postgresql://", "postgres://")):
            value = "postgresql+asyncpg://" + value.split("://", 1)[1]
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("must be a sqlite:/// or postgresql:// URL")
        return value

    @field_validator("secret_key")
    @classmethod
    def _long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value().strip()) < 32:
            raise ValueError("use at least 32 random characters (secrets.token_hex(32))")
        return value

    @field_validator("encryption_key")
    @classmethod
    def _encryption_key_long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value().strip()) < 32:
            raise ValueError("use at least 32 random characters (secrets.token_hex(32))")
        return value

    @field_validator("encryption_old_keys")
    @classmethod
    def _old_keys_long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        keys = value.get_secret_value().split(",") if value is not None else []
        if any(len(k.strip()) < 32 for k in keys if k.strip()):
            raise ValueError("each old key has at least 32 characters, comma-separated")
        return value

    @field_validator("telegram_webhook_secret")
    @classmethod
    def _telegram_secret_chars(cls, value: SecretStr | None) -> SecretStr | None:
        # Telegram accepts 1-256 characters A-Z, a-z, 0-9, _ and - for secret_token.
        raw = value.get_secret_value() if value else None
        if raw is not None and not (
            0 < len(raw) <= 256 and all(c.isalnum() or c in "_-" for c in raw)
        ):
            raise ValueError("use 1-256 characters from A-Z, a-z, 0-9, _ and -")
        return value

    @field_validator("wechat_aes_key", "wecom_aes_key")
    @classmethod
    def _aes_key_shape(cls, value: SecretStr | None) -> SecretStr | None:
        raw = value.get_secret_value() if value else None
        if raw is not None and (len(raw) != 43 or not all(c.isalnum() for c in raw)):
            raise ValueError("the EncodingAESKey is 43 letters and digits")
        return value

    @model_validator(mode="after")
    def _platform_settings_complete(self) -> Settings:
        if self.telegram_token and not self.telegram_webhook_secret:
            raise ValueError(
                "CRMBOT_TELEGRAM_WEBHOOK_SECRET must be set when CRMBOT_TELEGRAM_TOKEN is"
            )
        if self.slack_bot_token and not self.slack_signing_secret:
            raise ValueError(
                "CRMBOT_SLACK_SIGNING_SECRET must be set when CRMBOT_SLACK_BOT_TOKEN is"
            )
        if self.wechat_app_id and self.wechat_token and not self.wechat_app_secret:
            raise ValueError(
                "CRMBOT_WECHAT_APP_SECRET must be set when CRMBOT_WECHAT_APP_ID and "
                "CRMBOT_WECHAT_TOKEN are (it fetches the access token)"
            )
        if self.wecom_corp_id:
            missing = [
                f"CRMBOT_WECOM_{name.upper()}"
                for name in ("agent_id", "secret", "token", "aes_key")
                if not getattr(self, f"wecom_{name}")
            ]
            if missing:
                raise ValueError(
                    f"{', '.join(missing)} must be set when CRMBOT_WECOM_CORP_ID is "
                    "(WeCom callbacks are always encrypted)"
                )
        return self

    @property
    def platforms(self) -> list[str]:
        """Platforms that are on: a platform is on when its token is set."""
        on = []
        if self.telegram_token:
            on.append("telegram")
        if self.slack_bot_token:
            on.append("slack")
        if self.wechat_app_id and self.wechat_token:
            on.append("wechat")
        if self.wecom_corp_id:
            on.append("wecom")
        return on

    @property
    def pipeline(self) -> Pipeline:
        return Pipeline(
            self.pipeline_stages,
            ApprovalPolicy(self.approval_threshold, self.approval_rates, self.default_currency),
        )

    @property
    def contracts(self) -> ContractPolicy:
        return ContractPolicy(
            self.contract_number_pattern,
            self.contract_types,
            self.contract_approval_levels,
            dict(self.approval_rates),
        )

    @property
    def tickets(self) -> TicketPolicy:
        return TicketPolicy(
            self.ticket_types,
            self.ticket_sla,
            self.ticket_routes,
            self.ticket_hours,
            self.ticket_24h,
            self.default_tz,
        )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return config_sources(settings_cls, init_settings, env_settings)


def load_settings(**overrides: Any) -> Settings:
    """Read settings, turning validation errors into one readable ``ConfigError``."""
    path = os.environ.get(CONFIG_FILE_VARIABLE)
    if path and not Path(path).is_file():
        raise ConfigError(f"{CONFIG_FILE_VARIABLE}: no such file: {path}")
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        raise ConfigError(config_problems(exc, ENV_PREFIX)) from None


def config_sources(
    settings_cls: type[BaseSettings],
    init_settings: PydanticBaseSettingsSource,
    env_settings: PydanticBaseSettingsSource,
    table: str | None = None,
) -> tuple[PydanticBaseSettingsSource, ...]:
    """Arguments, then the environment, then the TOML file ``CRMBOT_CONFIG_FILE`` names
    (its ``[table]`` when given): the order every crmbot settings class reads."""
    sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
    path = os.environ.get(CONFIG_FILE_VARIABLE)
    if path and Path(path).is_file():
        header = (table,) if table else None
        try:
            toml = TomlConfigSettingsSource(
                settings_cls, toml_file=Path(path), toml_table_header=header
            )
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{CONFIG_FILE_VARIABLE}: {path} is not valid TOML: {exc}") from None
        sources.append(toml)
    return tuple(sources)


def config_problems(exc: ValidationError, prefix: str) -> str:
    """Every validation error as ``PREFIX_NAME: message``, joined: one line to act on."""
    problems = []
    for err in exc.errors():
        message = err["msg"].removeprefix("Value error, ")
        if not err["loc"]:  # a rule across settings names them itself
            problems.append(message)
            continue
        name = prefix + "_".join(str(p) for p in err["loc"]).upper()
        problems.append(f"{name}: {message}")
    return "; ".join(problems)
