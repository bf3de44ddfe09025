#!/usr/bin/env python3
"""Set up and run crmbot from a fresh clone, with nothing but Python 3.11+.

    python3 dev.py chat [crmbot chat options]   # the bot in this terminal (demo data offered)
    python3 dev.py test [pytest options]        # lint, type-check and the whole test suite
    python3 dev.py crmbot ARGS...               # any other crmbot command

Each creates ./.venv and installs the project into it the first time (and again whenever
pyproject.toml changes), so there is nothing else to install by hand.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".crmbot-installed"


def ensure_environment(extras: str) -> None:
    if sys.version_info < (3, 11):
        sys.exit(f"crmbot needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + extras.encode()).hexdigest()
    if STAMP.exists() and STAMP.read_text().strip() in {wanted, _with_dev(wanted, extras)}:
        return
    if not (BIN / "python").exists():
        print("Creating the virtual environment in .venv ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    print("Installing crmbot and its dependencies (first run takes a minute) ...", flush=True)
    target = f".[{extras}]" if extras else "."
    subprocess.run(
        [str(BIN / "python"), "-m", "pip", "install", "--quiet", "--upgrade", "pip"], check=True
    )
    subprocess.run(
        [str(BIN / "python"), "-m", "pip", "install", "--quiet", "--editable", target],
        check=True,
        cwd=ROOT,
    )
    STAMP.write_text(wanted)


def _with_dev(wanted: str, extras: str) -> str:
    """A venv installed with the dev extras also serves plain runs."""
    if extras:
        return wanted
    return hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + b"dev").hexdigest()


def run(args: list[str]) -> int:
    return subprocess.call(args, cwd=ROOT)


def main(argv: list[str]) -> int:
    command, rest = (argv[0], argv[1:]) if argv else ("chat", [])
    if command == "chat":
        ensure_environment("")
        return run([str(BIN / "crmbot"), "chat", *rest])
    if command == "crmbot":
        ensure_environment("")
        return run([str(BIN / "crmbot"), *rest])
    if command == "test":
        ensure_environment("dev")
        steps = [
            [str(BIN / "ruff"), "check", "."],
            [str(BIN / "ruff"), "format", "--check", "."],
            [str(BIN / "mypy"), "."],
            [str(BIN / "python"), "-m", "pytest", *rest],
        ]
        for step in steps:
            print("$", " ".join(Path(step[0]).name if i == 0 else a for i, a in enumerate(step)))
            code = run(step)
            if code:
                return code
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
