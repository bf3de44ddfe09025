"""Layering the design card promises: only adapters know a platform exists, and the layers
of ARCHITECTURE.md hold (import-linter's contracts in pyproject.toml)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PLATFORM_SDKS = ("telegram", "slack_bolt", "slack_sdk", "wechatpy", "aiohttp")
WEB_SERVER = ("bot/server.py",)  # serves every adapter's routes: the one other aiohttp user
LAYERS = ("bot", "handlers", "conversations", "store", "scheduler", "charts", "locales")


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_no_platform_sdk_outside_the_adapters():
    offenders = []
    for layer in LAYERS:
        for path in (ROOT / layer).rglob("*.py"):
            if (ROOT / "bot" / "adapters") in path.parents:
                continue
            if str(path.relative_to(ROOT)) in WEB_SERVER:
                continue
            for name in imported_modules(path):
                if name.split(".")[0] in PLATFORM_SDKS:
                    offenders.append(f"{path.relative_to(ROOT)} imports {name}")
    assert offenders == []


def test_handlers_do_not_query_around_the_access_layer():
    """Handlers read owned records through ``ctx.records`` (store.access), never raw selects."""
    offenders = []
    for path in (ROOT / "handlers").rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        for needle in ("session.get(Company", "session.get(Contact", "session.get(Deal"):
            if needle in source:
                offenders.append(f"{path.name}: {needle}")
    assert offenders == []


def test_the_design_card_layout():
    for folder in (*LAYERS, "tests"):
        assert (ROOT / folder / "__init__.py").is_file(), folder
    assert (ROOT / "pyproject.toml").is_file()
    assert (ROOT / "README.md").is_file()


def test_the_import_linter_contracts_hold():
    """Core <- conversations <- handlers, a store without chat, pure parsers and charts,
    no scheduler or delivery in features, no cycle between packages: see pyproject.toml.
    In its own process: import-linter's command configures logging for the whole process."""
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(  # noqa: S603 (our own venv's tool, fixed arguments)
        [str(lint_imports), "--no-cache", "--config", "pyproject.toml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "Contracts: 7 kept, 0 broken." in result.stdout  # a contract dropped shows here
