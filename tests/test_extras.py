"""An install without an extra (``crmbot[ocr]``, ``[charts]``, ``[telegram]``…) still works
and says what to install, in one line, where the missing part is first needed.

A missing extra is simulated by making its imports fail: ``sys.modules[name] = None`` for the
conversations in this process, and an import blocker in a fresh interpreter for the console
session, which proves the core imports none of the optional packages.
"""

from __future__ import annotations

import io
import logging
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image as PILImage
from sqlalchemy import func, select

from bot.app import open_app
from bot.cli import main
from bot.config import Settings
from bot.events import Attachment
from bot.extras import (
    CHARTS,
    EXTRAS,
    OCR,
    SLACK,
    TELEGRAM,
    Extra,
    MissingExtra,
    available,
    needs,
)
from bot.replies import Image, Text
from bot.server import build_server
from store.models import Contact, ContactPhoto
from tests.harness import BotHarness

ROOT = Path(__file__).resolve().parent.parent
OCR_HINT = "pip install 'crmbot[ocr]' to read business cards"
CHARTS_HINT = "pip install 'crmbot[charts]' to draw report charts"


def without(monkeypatch: pytest.MonkeyPatch, *extras: Extra) -> None:
    """Make every module of ``extras`` unimportable for the rest of the test."""
    for extra in extras:
        assert extra in EXTRAS
        for module in extra.modules:
            monkeypatch.setitem(sys.modules, module, None)


def jpeg() -> bytes:
    buffer = io.BytesIO()
    PILImage.new("RGB", (320, 200), "white").save(buffer, "JPEG")
    return buffer.getvalue()


@pytest.fixture
async def bot(settings: Settings, clock) -> AsyncIterator[BotHarness]:
    app = await open_app(settings, clock)
    harness = BotHarness(app, clock, settings)
    yield harness
    await harness.app.close()


# --------------------------------------------------------------------------- the hint itself


def test_the_hint_is_the_command_and_what_it_is_for(monkeypatch):
    assert available(OCR)  # the test environment has [all]
    assert available(CHARTS)
    without(monkeypatch, OCR)
    assert not available(OCR)
    with pytest.raises(MissingExtra) as raised, needs(OCR):
        import rapidocr  # noqa: F401
    assert str(raised.value) == OCR_HINT
    assert raised.value.extra is OCR


def test_a_broken_dependency_inside_is_reported_as_the_extra():
    with pytest.raises(MissingExtra, match=r"crmbot\[charts\]"), needs(CHARTS):
        raise ModuleNotFoundError("No module named 'kiwisolver'", name="kiwisolver")
    # ...but an import error in our own code is a bug, and stays one.
    with pytest.raises(ModuleNotFoundError) as raised, needs(CHARTS):
        raise ModuleNotFoundError("No module named 'charts.nope'", name="charts.nope")
    assert not isinstance(raised.value, MissingExtra)


# --------------------------------------------------------------------------- cards


async def test_a_card_photo_without_ocr_says_what_to_install(bot, monkeypatch, caplog):
    photo = jpeg()
    without(monkeypatch, OCR)
    rep = await bot.user("li", lang="en")
    attachment = Attachment("image", data=photo, filename="card.jpg", mime_type="image/jpeg")
    with caplog.at_level(logging.WARNING):
        r = await rep.deliver(rep.event(attachments=(attachment,)))
    assert r.text == (
        "Reading business cards is not installed on this server. "
        "An administrator can add it with: pip install 'crmbot[ocr]'"
    )
    assert any(OCR_HINT in record.getMessage() for record in caplog.records)
    assert await bot.scalar(select(func.count()).select_from(Contact)) == 0
    assert await bot.scalar(select(func.count()).select_from(ContactPhoto)) == 0
    # Nothing is left pending: the next message is understood as usual.
    assert (await rep.send("/me")).text.startswith("Li")

    na = await bot.user("na", lang="zh")
    r = await na.deliver(na.event(attachments=(attachment,)))
    assert r.text == "此服务器未安装名片识别功能。管理员可以这样安装：pip install 'crmbot[ocr]'"


def test_crmbot_card_without_ocr_is_one_line(monkeypatch, tmp_path):
    path = tmp_path / "card.jpg"
    path.write_bytes(jpeg())
    without(monkeypatch, OCR)
    result = CliRunner().invoke(main, ["card", str(path)])
    assert result.exit_code == 1
    assert result.output == f"Error: {OCR_HINT}\n"


# --------------------------------------------------------------------------- charts


async def test_a_chart_without_matplotlib_is_answered_with_the_numbers(bot, monkeypatch, caplog):
    wang = await bot.user("wang", role="manager", lang="en")
    await wang.send("called Acme Ltd, quoted 200k, moving to proposal")
    drawn = (await wang.send("/pipeline")).replies
    assert isinstance(drawn[0], Image)

    without(monkeypatch, CHARTS)
    with caplog.at_level(logging.WARNING):
        r = await wang.send("/pipeline")
    assert len(r.replies) == 1
    assert isinstance(r.replies[0], Text)
    # The same summary the chart's caption has, then the hint.
    assert isinstance(drawn[0], Image)
    assert r.text.startswith(drawn[0].caption + "\n\n")
    assert r.text.endswith(
        "📊 Charts are not installed on this server, so here are the numbers. "
        "An administrator can add charts with: pip install 'crmbot[charts]'"
    )
    assert any(CHARTS_HINT in record.getMessage() for record in caplog.records)

    await wang.send("/lang zh")
    r = await wang.send("/漏斗 上季度")
    assert isinstance(r.replies[0], Text)
    assert r.text.endswith(
        "📊 此服务器未安装图表功能，先给您看数字。管理员可以这样安装：pip install 'crmbot[charts]'"
    )


def test_crmbot_chart_without_matplotlib_is_one_line(database_url, monkeypatch, tmp_path):
    monkeypatch.setenv("CRMBOT_DATABASE_URL", database_url)
    runner = CliRunner()
    assert runner.invoke(main, ["user", "invite", "li"]).exit_code == 0
    without(monkeypatch, CHARTS)
    out = tmp_path / "pipeline.png"
    result = runner.invoke(main, ["chart", "pipeline", "--as", "li", "--out", str(out)])
    assert result.exit_code == 1
    assert result.output.endswith(f"Error: {CHARTS_HINT}\n")
    assert not out.exists()


# --------------------------------------------------------------------------- platforms


@pytest.mark.parametrize(
    ("extra", "tokens", "hint"),
    [
        (
            TELEGRAM,
            {"telegram_token": "123:abc", "telegram_webhook_secret": "s3cret-s3cret"},
            "pip install 'crmbot[telegram]' to connect to Telegram",
        ),
        (
            SLACK,
            {"slack_bot_token": "xoxb-1", "slack_signing_secret": "s3cret"},
            "pip install 'crmbot[slack]' to connect to Slack",
        ),
    ],
)
async def test_a_configured_platform_without_its_sdk_stops_the_start(
    database_url, clock, monkeypatch, extra, tokens, hint
):
    settings = Settings.model_validate(
        {"database_url": database_url, "slow_work_processes": 0, **tokens}
    )
    without(monkeypatch, extra)
    with pytest.raises(MissingExtra) as raised:
        await build_server(settings, clock)
    assert str(raised.value) == hint


# --------------------------------------------------------------------------- the core alone

BLOCKER = """
import sys

OPTIONAL = {blocked!r}


class Blocker:
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in OPTIONAL:
            raise ModuleNotFoundError(f"No module named {{name!r}} (blocked)", name=name)
        return None


sys.meta_path.insert(0, Blocker())
for loaded in [m for m in sys.modules if m.partition(".")[0] in OPTIONAL]:
    del sys.modules[loaded]

from bot.cli import main

sys.argv = ["crmbot", "chat", "--demo"]
try:
    main()
finally:
    leaked = sorted(m for m in sys.modules if m.partition(".")[0] in OPTIONAL)
    print("optional modules imported:", leaked or "none", file=sys.stderr)
"""


def test_the_console_works_with_the_core_alone(tmp_path):
    """``crmbot chat`` in a fresh interpreter where no extra can be imported: the demo
    workspace loads, a call is logged, and a chart and a card get their hints."""
    blocked = sorted({module for extra in EXTRAS for module in extra.modules})
    card = tmp_path / "card.jpg"
    card.write_bytes(jpeg())
    session = "\n".join(
        [
            "called 星辰科技, they want a demo, follow up Friday 10am",
            "/pipeline",
            f"/card {card}",
            "/me",
            "/quit",
        ]
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "CRMBOT_SLOW_WORK_PROCESSES": "0",
        "PYTHONPATH": str(ROOT),
    }
    done = subprocess.run(  # noqa: S603 (our own interpreter and script)
        [sys.executable, "-c", BLOCKER.format(blocked=blocked)],
        input=session,
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=90,
        check=False,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "Traceback" not in output
    assert "✅ Logged: Call · 星辰科技" in done.stdout
    assert "pip install 'crmbot[charts]'" in done.stdout
    assert "Reading business cards is not installed on this server." in done.stdout
    assert "Ada Admin" in done.stdout  # /me after both: nothing got stuck
    assert CHARTS_HINT in done.stderr  # the log lines
    assert OCR_HINT in done.stderr
    assert "optional modules imported: none" in done.stderr


# --------------------------------------------------------------------------- the lock


def test_the_lock_pins_every_dependency_within_its_range():
    """requirements.lock (``python3 dev.py lock``) is in step with pyproject.toml: each
    dependency of the tested set (core, every extra, dev) is pinned, inside its range, and
    nothing points at a local folder (a constraints file must install anywhere)."""
    import tomllib

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pins: dict[str, str] = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        if line and not line.startswith((" ", "#")):
            assert "==" in line, f"not a pin: {line!r}"
            name, version = line.split("==")
            pins[canonicalize_name(name)] = version
    wanted = [*project["dependencies"]]
    for extra in project["optional-dependencies"].values():
        wanted.extend(extra)
    for text in wanted:
        requirement = Requirement(text)
        if requirement.name == project["name"]:  # `all` naming the other extras
            continue
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{name} is not in requirements.lock: run python3 dev.py lock"
        assert requirement.specifier.contains(pins[name]), f"{name}=={pins[name]} vs {text}"
    assert canonicalize_name(project["name"]) not in pins
