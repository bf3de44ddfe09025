"""``crmbot parse`` reads its two settings without pydantic, and reads them as the full
settings do (issue 20).

Each case sets the environment and the config file, then compares the plain reading with
``bot.config.load_settings()``: equal when the plain reader answers, and when it declines,
``parse_settings`` gives the full settings' answer or their ``ConfigError``.
"""

from __future__ import annotations

import os
import re
from datetime import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import main, parse_settings
from bot.config import ConfigError, load_settings
from bot.plain_settings import ParseSettings, plain_parse_settings

NAMES = ("crmbot_default_tz", "crmbot_follow_up_time", "crmbot_config_file")


@pytest.fixture
def setting(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """Clear the two settings (in any case) and the config file, then set the given
    variables and, with ``toml=``, write the config file."""
    for key in list(os.environ):
        if key.lower() in NAMES:
            monkeypatch.delenv(key)

    def set_up(toml: str | None = None, **variables: str) -> None:
        for key, value in variables.items():
            monkeypatch.setenv(key, value)
        if toml is not None:
            path = tmp_path / "crmbot.toml"
            path.write_text(toml, encoding="utf-8")
            monkeypatch.setenv("CRMBOT_CONFIG_FILE", str(path))

    return set_up


def full() -> ParseSettings:
    settings = load_settings()
    return ParseSettings(settings.default_tz, settings.follow_up_time)


@pytest.mark.parametrize(
    ("toml", "variables", "expected"),
    [
        (None, {}, ParseSettings("Asia/Shanghai", time(9, 0))),
        (
            None,
            {"CRMBOT_DEFAULT_TZ": "Europe/Berlin", "CRMBOT_FOLLOW_UP_TIME": "10:30"},
            ParseSettings("Europe/Berlin", time(10, 30)),
        ),
        (
            None,
            {"crmbot_follow_up_time": "08:15:30"},
            ParseSettings("Asia/Shanghai", time(8, 15, 30)),
        ),
        (
            'default_tz = "America/New_York"\nfollow_up_time = 07:45:00\n',
            {},
            ParseSettings("America/New_York", time(7, 45)),
        ),
        (
            'DEFAULT_TZ = "America/New_York"\nfollow_up_time = "18:00"\n',
            {"CRMBOT_DEFAULT_TZ": "Asia/Tokyo"},
            ParseSettings("Asia/Tokyo", time(18, 0)),
        ),
        ('default_lang = "zh"\n', {}, ParseSettings("Asia/Shanghai", time(9, 0))),
    ],
    ids=["unset", "environment", "lower-case name", "file", "environment over file", "other keys"],
)
def test_plain_values_are_read_as_the_full_settings_read_them(setting, toml, variables, expected):
    setting(toml, **variables)
    assert plain_parse_settings(os.environ) == expected
    assert full() == expected


@pytest.mark.parametrize(
    ("toml", "variables"),
    [
        (None, {"CRMBOT_FOLLOW_UP_TIME": "9:30"}),
        (None, {"CRMBOT_FOLLOW_UP_TIME": "09:30+08:00"}),
        (None, {"CRMBOT_FOLLOW_UP_TIME": "09:30:00.5"}),
        ("follow_up_time = 9\n", {}),
        ("follow_up_time = 1979-05-27T07:32:00\n", {}),
        (None, {"CRMBOT_FOLLOW_UP_TIME": "09:30", "crmbot_follow_up_time": "10:30"}),
        ('default_tz = "Europe/Paris"\nDEFAULT_TZ = "Europe/Rome"\n', {}),
    ],
    ids=[
        "one-digit hour",
        "offset",
        "fraction",
        "a number",
        "a date",
        "two spellings",
        "twice in the file",
    ],
)
def test_other_forms_are_left_to_the_full_settings(setting, toml, variables):
    setting(toml, **variables)
    assert plain_parse_settings(os.environ) is None
    try:
        expected: ParseSettings | str = full()
    except ConfigError as exc:
        expected = str(exc)
    try:
        got: ParseSettings | str = parse_settings()
    except ConfigError as exc:
        got = str(exc)
    assert got == expected


@pytest.mark.parametrize(
    ("toml", "variables", "named"),
    [
        (
            None,
            {"CRMBOT_DEFAULT_TZ": "Mars/Base"},
            "CRMBOT_DEFAULT_TZ: unknown time zone 'Mars/Base'",
        ),
        (None, {"CRMBOT_FOLLOW_UP_TIME": "25:30"}, "CRMBOT_FOLLOW_UP_TIME: Input should be"),
        (None, {"CRMBOT_FOLLOW_UP_TIME": ""}, "CRMBOT_FOLLOW_UP_TIME: Input should be"),
        ("follow_up_time = [\n", {}, "crmbot.toml is not valid TOML"),
        (None, {"CRMBOT_CONFIG_FILE": "/nowhere/crmbot.toml"}, "CRMBOT_CONFIG_FILE: no such file"),
    ],
    ids=["unknown zone", "no such hour", "empty", "unreadable file", "missing file"],
)
def test_a_wrong_setting_stops_parse_with_the_full_settings_message(
    setting, toml, variables, named
):
    setting(toml, **variables)
    result = CliRunner().invoke(main, ["parse", "called Acme"])
    assert result.exit_code == 1
    assert named in result.output
    assert "Traceback" not in result.output
    with pytest.raises(ConfigError, match=re.escape(named)):
        load_settings()


def test_parse_reads_a_message_with_the_settings_it_finds(setting):
    setting("follow_up_time = 14:00:00\n", CRMBOT_DEFAULT_TZ="Europe/London")
    result = CliRunner().invoke(
        main, ["parse", "called Acme, follow up Friday", "--now", "2026-12-07T10:00:00"]
    )
    assert result.exit_code == 0, result.output
    assert '"follow_up": "2026-12-11T14:00:00+00:00"' in result.output
