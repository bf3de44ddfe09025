"""Reminder settings: ``CRMBOT_REMINDER_*`` variables and the ``[reminders]`` table of the config
file (``CRMBOT_CONFIG_FILE``).

They are kept apart from :class:`bot.config.Settings` so the scheduler can be configured (and
tested) on its own; the rule values here are only defaults: an admin's ``/rules`` change is
stored in the database (``reminder_rules``) and wins, so every worker sees it at once without a
restart.
"""

from __future__ import annotations

from datetime import time
from typing import Annotated, Any

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from bot.config import ConfigError, config_problems, config_sources, table_over

ENV_PREFIX = "CRMBOT_REMINDER_"

DEFAULT_FLOORS: dict[str, int] = {"lead": 20, "qualified": 30, "proposal": 40, "negotiation": 50}
"""Conversion floors (percent) from each stage to the next, for the default pipeline."""


class ReminderConfig(BaseSettings):
    """``days`` of 0 switch a rule off."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore")

    tick_seconds: float = Field(default=15.0, gt=0, le=3600)
    """How often a worker looks for due reminders (the database decides what is due)."""
    rules_minutes: float = Field(default=5.0, gt=0, le=24 * 60)
    """How often the rule sweep and the unreachable-account check run."""
    digest_check_seconds: float = Field(default=60.0, gt=0, le=3600)
    """How often digests and weekly lists that have come due are looked for."""
    batch: int = Field(default=200, ge=1, le=5000)
    """Reminders claimed per transaction: small enough that a killed worker loses little."""
    late_after_seconds: int = Field(default=600, ge=0)
    """A push leaving more than this after its due time is marked late in its text."""
    lookback_days: int = Field(default=7, ge=0, le=365)
    """How far back a fresh installation (or a rule) looks for what it may have missed."""
    keep_days: int = Field(default=90, ge=30, le=3650)
    """Handled reminder rows older than this are deleted (the record of what was pushed)."""
    digest_time: time = time(8, 30)
    weekly_day: int = Field(default=0, ge=0, le=6)
    """Weekday (0 = Monday) of the managers' list of stale deals, at their digest time."""
    first_contact_days: int = Field(default=3, ge=0, le=365)
    stale_deal_days: int = Field(default=14, ge=0, le=3650)
    contract_ending_days: int = Field(default=15, ge=0, le=3650)
    """A renewal reminder this many days before an active contract ends (0: off)."""
    payment_overdue_days: int = Field(default=1, ge=0, le=365)
    """An unpaid instalment this many days past due reaches its owner and manager (0: off)."""
    birthday: bool = True
    birthday_time: time = time(9, 0)
    platforms: Annotated[tuple[str, ...], NoDecode] = ("telegram", "slack", "wecom", "wechat")
    """Platforms pushes may go to, in order of preference when a user has several."""

    # Managers' reports (issue 7): subscriptions and conversion alerts.
    # (When subscribed reports arrive is ``CRMBOT_REPORT_TIME`` / ``_WEEKDAY`` in Settings:
    # the chat quotes it when confirming a subscription.)
    alert_weeks: int = Field(default=4, ge=1, le=52)
    """Conversion alerts look at stage moves in this many weeks (the current one included)."""
    alert_min_deals: int = Field(default=5, ge=1)
    """A stage with fewer deals than this in the window is too small to alert on."""
    alert_floors: Annotated[dict[str, int], NoDecode] = Field(
        default_factory=lambda: dict(DEFAULT_FLOORS)
    )
    """Per stage, the lowest acceptable conversion (percent) to the next stage,
    ``qualified=35,lead=0`` (merged over the defaults); 0 or a stage not listed: no alert."""

    @field_validator("alert_floors", mode="before")
    @classmethod
    def _floor_table(cls, value: Any) -> Any:
        table = table_over(value, DEFAULT_FLOORS, "qualified=30,proposal=40", str.lower)
        if isinstance(table, dict) and any(not 0 <= int(v) <= 100 for v in table.values()):
            raise ValueError("floors are percentages from 0 to 100")
        return table

    @field_validator("platforms", mode="before")
    @classmethod
    def _platform_list(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(part.strip().lower() for part in value.split(",") if part.strip())
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return config_sources(settings_cls, init_settings, env_settings, table="reminders")


def load_reminder_config(**overrides: Any) -> ReminderConfig:
    """Read the settings; a wrong value becomes one ``ConfigError`` naming the variable."""
    try:
        return ReminderConfig(**overrides)
    except ValidationError as exc:
        raise ConfigError(config_problems(exc, ENV_PREFIX)) from None
