"""First set-up (dev.py): pip's output goes to a log, the terminal gets one progress line."""

from __future__ import annotations

import re
import stat
import sys
from pathlib import Path

import pytest

import dev

FAKE_PIP = """#!{python}
import sys
print("Collecting aiohttp>=3.12")
print("  Downloading aiohttp-3.12.15.whl (1.7 MB)")
print("Collecting sqlalchemy")
print("Requirement already satisfied: pip in ./x")
print("Installing collected packages: aiohttp, sqlalchemy")
print("WARNING: some noise pip likes to print", file=sys.stderr)
sys.exit({code})
"""


def fake_venv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: int) -> Path:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    python = bin_dir / "python"
    python.write_text(FAKE_PIP.format(python=sys.executable, code=code))
    python.chmod(python.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setattr(dev, "BIN", bin_dir)
    monkeypatch.setattr(dev, "PIP_LOG", tmp_path / "pip-install.log")
    return tmp_path / "pip-install.log"


def test_pip_noise_goes_to_the_log_and_one_line_says_how_far(tmp_path, monkeypatch, capsys):
    log = fake_venv(tmp_path, monkeypatch, 0)
    dev._pip_install(["--editable", "."], "Installing crmbot")
    out = capsys.readouterr()
    lines = out.out.strip().splitlines()
    assert len(lines) == 1
    assert re.fullmatch(r"Installing crmbot: 3 packages, \d+ s\.", lines[0])
    assert "Collecting" not in out.out + out.err
    assert "WARNING" not in out.out + out.err
    assert "Downloading aiohttp" in log.read_text()


def test_a_failed_install_shows_the_end_of_the_log(tmp_path, monkeypatch, capsys):
    log = fake_venv(tmp_path, monkeypatch, 1)
    with pytest.raises(SystemExit) as stopped:
        dev._pip_install(["--editable", "."], "Installing crmbot")
    assert str(log) in str(stopped.value)
    out = capsys.readouterr()
    assert "Installing crmbot: failed." in out.out
    assert "WARNING: some noise" in out.err
