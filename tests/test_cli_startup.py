"""``crmbot --help`` and ``crmbot parse`` start without the heavy libraries (issue 20).

A guard on what is imported, not a stopwatch: each step runs in a fresh interpreter and
reports which of the heavy packages are in ``sys.modules`` afterwards. Loading SQLAlchemy,
pypinyin's dictionaries, matplotlib or the card reader is what made every command take
1.3 s of CPU before it did anything; ``benchmarks/startup.py`` measures the time itself.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

#: What no help text and no ``crmbot parse`` needs. The database layer and its migrations,
#: the pinyin dictionaries, charts, the card reader and its image stack, the web server,
#: the scheduler, the platform SDKs, the settings' validation and the event loop.
HEAVY = (
    "sqlalchemy",
    "alembic",
    "aiosqlite",
    "asyncpg",
    "pypinyin",
    "matplotlib",
    "rapidocr",
    "onnxruntime",
    "numpy",
    "PIL",
    "aiohttp",
    "apscheduler",
    "openpyxl",
    "telegram",
    "slack_sdk",
    "wechatpy",
    # The settings' validation and the event loop: 0.1 s of a 0.3 s ``crmbot parse``,
    # which reads its two settings with ``bot.plain_settings`` and runs no coroutine.
    "pydantic",
    "pydantic_settings",
    "asyncio",
)

#: Runs the steps in one interpreter, in order, and prints the heavy packages each left
#: loaded. Every command's and group's ``--help`` is one step.
PROBE = """
import json, sys
import click
HEAVY = set(json.loads(sys.argv[1]))

def loaded():
    return sorted(HEAVY & {name.split(".")[0] for name in sys.modules})

found = {"import bot.cli": None}
from bot.cli import main
found["import bot.cli"] = loaded()

def helps(group, path):
    yield path + ["--help"]
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            yield from helps(command, path + [name])
        else:
            yield path + [name, "--help"]

steps = list(helps(main, []))
steps.append(["parse", "called Acme, follow up Friday 10am", "--now", "2026-11-26T10:00:00"])
for args in steps:
    try:
        main(args, prog_name="crmbot")
    except SystemExit as done:
        assert done.code in (0, None), (args, done.code)
    found["crmbot " + " ".join(args)] = loaded()
print(json.dumps(found))
"""


@pytest.fixture(scope="module")
def loaded_after(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    home = tmp_path_factory.mktemp("startup")
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_CONFIG_HOME": str(home / "config"),
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    done = subprocess.run(  # noqa: S603 (our own interpreter and probe)
        [sys.executable, "-c", PROBE, json.dumps(HEAVY)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    last = done.stdout.strip().splitlines()[-1]
    result: dict[str, list[str]] = json.loads(last)
    return result


def test_importing_the_cli_loads_nothing_heavy(loaded_after):
    assert loaded_after["import bot.cli"] == []


def test_help_of_every_command_loads_nothing_heavy(loaded_after):
    helps = {step: mods for step, mods in loaded_after.items() if step.endswith("--help")}
    assert "crmbot --help" in helps
    assert "crmbot user invite --help" in helps  # subcommands of groups are covered too
    assert {step: mods for step, mods in helps.items() if mods} == {}


def test_parse_loads_nothing_heavy(loaded_after):
    (step,) = [step for step in loaded_after if step.startswith("crmbot parse called")]
    assert loaded_after[step] == []
