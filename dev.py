#!/usr/bin/env python3
"""Set up and run crmbot from a fresh clone, with nothing but Python 3.11+.

    python3 dev.py chat [crmbot chat options]   # the bot in this terminal (demo data offered)
    python3 dev.py test [pytest options]        # lint, type-check and the whole test suite
                                                # (in one process per core; -n 0: in one)
    python3 dev.py crmbot ARGS...               # any other crmbot command
    python3 dev.py lock [pip-compile options]   # refresh requirements.lock (e.g. --upgrade)
    python3 dev.py audit [pip-audit options]    # known vulnerabilities in requirements.lock

Each creates ./.venv and installs the project into it with every extra (``crmbot[all]``,
plus ``dev`` for the tests) the first time, and again whenever pyproject.toml or
requirements.lock changes, so there is nothing else to install by hand. The versions come
from requirements.lock (a pip constraints file, ``pip install -c``): CI and every
developer test the same set.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".crmbot-installed"
#: What pip printed while setting .venv up (kept out of the terminal; shown on failure).
PIP_LOG = VENV / "pip-install.log"
LOCK = ROOT / "requirements.lock"
#: pip-compile lives in a venv of its own inside .venv, not among the locked packages.
LOCK_TOOL = VENV / "lock-tool"
PIP_TOOLS = "pip-tools==7.6.2"
#: pip-audit too: it reads the PyPI vulnerability data for each pin of the lock.
AUDIT_TOOL = VENV / "audit-tool"
PIP_AUDIT = "pip-audit==2.10.1"
#: The extras the tested set is made of; requirements.lock is compiled for exactly these.
LOCKED_EXTRAS = ("all", "dev")


def _inputs_digest() -> str:
    """What the installed environment was made from: the project's metadata and the lock."""
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes())
    digest.update(LOCK.read_bytes() if LOCK.exists() else b"")
    return digest.hexdigest()


def _installed() -> tuple[bool, set[str]]:
    """Whether .venv is up to date with pyproject.toml and the lock, and its extras."""
    if not STAMP.exists():
        return False, set()
    digest, _, extras = STAMP.read_text().strip().partition(" ")
    return digest == _inputs_digest(), set(filter(None, extras.split(",")))


def ensure_environment(*extras: str) -> None:
    if sys.version_info < (3, 11):
        sys.exit(f"crmbot needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    current, installed = _installed()
    if current and set(extras) <= installed:
        return  # a venv installed with the dev extras also serves plain runs
    if not (BIN / "python").exists():
        print("Creating the virtual environment in .venv ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    wanted = sorted(set(extras) | installed)  # keep what was there (dev) when reinstalling
    target = f".[{','.join(wanted)}]" if wanted else "."
    PIP_LOG.unlink(missing_ok=True)
    _pip_install(["--upgrade", "pip"], "Updating pip")
    constraints = ["--constraint", str(LOCK)] if LOCK.exists() else []
    _pip_install(
        [*constraints, "--editable", target],
        "Installing crmbot and its dependencies (the first run takes a minute or two)",
    )
    STAMP.write_text(f"{_inputs_digest()} {','.join(wanted)}")


def _pip_install(args: list[str], doing: str) -> None:
    """``pip install ARGS`` with its output in .venv/pip-install.log, not the terminal:
    one line says what is happening and counts the packages as pip goes through them.
    On failure the log's last lines are shown, and where the rest is."""
    command = [str(BIN / "python"), "-m", "pip", "install", "--progress-bar", "off", *args]
    line = _ProgressLine(doing)
    with PIP_LOG.open("a", encoding="utf-8") as log:
        log.write(f"$ {' '.join(command)}\n")
        with subprocess.Popen(
            command,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            encoding="utf-8",
            errors="replace",
        ) as pip:
            assert pip.stdout is not None
            for text in pip.stdout:
                log.write(text)
                line.saw(text)
            code = pip.wait()
    line.finish(ok=code == 0)
    if code:
        tail = PIP_LOG.read_text(encoding="utf-8").splitlines()[-25:]
        print("\n".join(tail), file=sys.stderr)
        sys.exit(f"pip install failed (exit {code}); the whole output is in {PIP_LOG}")


class _ProgressLine:
    """One line on the terminal, rewritten in place, counting the packages pip reports."""

    STEPS = ("Collecting ", "Requirement already satisfied: ", "Obtaining ")

    def __init__(self, doing: str) -> None:
        self.doing = doing
        self.packages = 0
        self.installing = False
        self.live = sys.stdout.isatty()
        self.started = time.monotonic()
        self._show()

    def saw(self, text: str) -> None:
        if text.startswith(self.STEPS):
            self.packages += 1
            self._show()
        elif text.startswith("Installing collected packages"):
            self.installing = True
            self._show()

    def _show(self) -> None:
        if not self.live:
            return
        state = "installing" if self.installing else "resolving"
        counted = f" — {self.packages} packages, {state}" if self.packages else ""
        print(f"\r\033[K{self.doing}{counted} …", end="", flush=True)

    def finish(self, *, ok: bool) -> None:
        seconds = time.monotonic() - self.started
        result = f"{self.packages} packages, {seconds:.0f} s" if ok else "failed"
        prefix = "\r\033[K" if self.live else ""
        print(f"{prefix}{self.doing}: {result}.", flush=True)


def lock(options: list[str]) -> int:
    """Re-resolve requirements.lock from pyproject.toml with pip-compile (pip-tools).

    Without options, pins that still satisfy pyproject.toml are kept and only what changed
    is resolved again; ``--upgrade`` (or ``--upgrade-package NAME``) moves to newer
    releases. ``dev.py test`` then reinstalls from the new lock."""
    tool = LOCK_TOOL / ("Scripts" if os.name == "nt" else "bin")
    if not (tool / "pip-compile").exists() and not (tool / "pip-compile.exe").exists():
        venv.EnvBuilder(with_pip=True).create(LOCK_TOOL)
        subprocess.run(
            [str(tool / "python"), "-m", "pip", "install", "--quiet", PIP_TOOLS], check=True
        )
    command = [
        str(tool / "pip-compile"),
        "--quiet",
        "--strip-extras",  # a constraints file may not name extras
        *(f"--extra={extra}" for extra in LOCKED_EXTRAS),
        "--no-emit-index-url",  # the lock names versions, not this machine's mirrors
        "--no-emit-find-links",
        "--no-emit-trusted-host",
        # `all` names crmbot's own extras, which would pin crmbot itself to this folder.
        "--unsafe-package=crmbot",
        f"--output-file={LOCK.name}",
        *options,
        "pyproject.toml",
    ]
    # The lock's header then says how to refresh it (pip-compile reads this variable).
    env = {**os.environ, "CUSTOM_COMPILE_COMMAND": "python3 dev.py lock"}
    return subprocess.call(command, cwd=ROOT, env=env)


def _tool(place: Path, requirement: str, script: str) -> Path:
    """A command-line tool in a venv of its own (kept apart from the locked packages)."""
    tool = place / ("Scripts" if os.name == "nt" else "bin")
    if not (tool / script).exists() and not (tool / f"{script}.exe").exists():
        venv.EnvBuilder(with_pip=True).create(place)
        subprocess.run(
            [str(tool / "python"), "-m", "pip", "install", "--quiet", requirement], check=True
        )
    return tool / script


def audit(options: list[str]) -> int:
    """Check every pin of requirements.lock against PyPI's vulnerability data (pip-audit).

    The lock is fully pinned, so nothing is resolved or installed (``--no-deps``). Exit 0:
    every pin was checked and none is known vulnerable; 1: a known vulnerability (listed);
    3: the data could not be reached for some pins (a mirror without PyPI's JSON API, as
    in our CI sandbox), which is reported and is not a pass."""
    report = VENV / "audit.json"
    command = [
        str(_tool(AUDIT_TOOL, PIP_AUDIT, "pip-audit")),
        "--requirement",
        str(LOCK),
        "--no-deps",
        "--disable-pip",
        "--progress-spinner=off",
        "--format=json",
        f"--output={report}",
        *options,
    ]
    code = subprocess.call(command, cwd=ROOT)
    if not report.exists():
        return code or 3
    found = json.loads(report.read_text(encoding="utf-8")).get("dependencies", [])
    vulnerable = [d for d in found if d.get("vulns")]
    unchecked = [d for d in found if d.get("skip_reason")]
    for dep in vulnerable:
        ids = ", ".join(v.get("id", "?") for v in dep["vulns"])
        print(f"VULNERABLE {dep['name']} {dep.get('version', '')}: {ids}")
    print(f"pip-audit: {len(found)} pins, {len(vulnerable)} vulnerable, {len(unchecked)} unchecked")
    if vulnerable:
        return 1
    return 3 if unchecked else 0


def ensure_browser() -> None:
    """The quick-lookup page's browser tests need a Chromium: the system's (Debian's
    ``chromium``, which ``.ci/run`` installs), else Playwright's own, downloaded once here.
    If neither can be had, say so; those tests then fail, loudly, rather than skip."""
    if shutil.which("chromium"):
        return
    print("crmbot: no system chromium; fetching Playwright's (once) for the browser tests")
    code = subprocess.call(
        [str(BIN / "python"), "-m", "playwright", "install", "chromium"], cwd=ROOT
    )
    if code:
        print("crmbot: could not get a Chromium: install `chromium` (apt) for the browser tests")


def pytest_options(options: list[str]) -> list[str]:
    """The suite runs in one worker process per core (pytest-xdist's ``-n auto``) unless the
    options say otherwise: ``-n N`` / ``--numprocesses``, or ``-n 0`` for a single process."""
    for option in options:
        if option.startswith(("-n", "--numprocesses")) or option in ("no:xdist", "-pno:xdist"):
            return options
    return ["-n", "auto", *options]


def run(args: list[str]) -> int:
    return subprocess.call(args, cwd=ROOT)


def main(argv: list[str]) -> int:
    command, rest = (argv[0], argv[1:]) if argv else ("chat", [])
    if command == "chat":
        ensure_environment("all")
        return run([str(BIN / "crmbot"), "chat", *rest])
    if command == "crmbot":
        ensure_environment("all")
        return run([str(BIN / "crmbot"), *rest])
    if command == "lock":
        return lock(rest)
    if command == "audit":
        return audit(rest)
    if command == "test":
        ensure_environment(*LOCKED_EXTRAS)
        ensure_browser()
        steps = [
            [str(BIN / "ruff"), "check", "."],
            [str(BIN / "ruff"), "format", "--check", "."],
            [str(BIN / "mypy"), "."],
            [str(BIN / "python"), "-m", "pytest", *pytest_options(rest)],
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
