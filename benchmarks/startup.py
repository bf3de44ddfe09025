"""Start-up benchmark (issue 20): how long ``crmbot`` takes before it is useful.

    .venv/bin/python -m benchmarks.startup
    .venv/bin/python -m benchmarks.startup --root /tmp/crmbot-main --root . --runs 5

Three things a person waits for, each run as a fresh process, as from a shell:

- ``crmbot --help``;
- ``crmbot parse "called Acme"``;
- ``crmbot chat``'s first answer: one message typed into the console (``called Acme``, a
  demo customer the bot asks about) on the demo workspace, SQLite. Each run gets its own
  copy of the same database, so every run answers the same question. Wall time is until the
  answer's first line is printed; CPU is the whole process's (answer and exit).

The commands run through ``python -c "from bot.cli import main; main()"`` from ``--root``
(default: this checkout), so that a second checkout (say, ``git worktree add`` or ``git
archive`` of main) can be measured with the same interpreter for a before / after. Byte
code is written and used, as for an installed crmbot (pip compiles on install), and one
unmeasured run of each command comes first. Prints the median and spread of ``--runs``
runs of each, and the machine, date and load average to write next to them.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENTRY = "from bot.cli import main; main(prog_name='crmbot')"
MESSAGE = "called Acme"


@dataclass(frozen=True)
class Run:
    wall: float  # seconds until the answer (or the exit, for one-shot commands)
    cpu: float  # user + system seconds of the whole process


def _child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _env(root: Path, data: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRMBOT_")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # as installed: byte code cached
    env["PYTHONPATH"] = str(root)
    env["XDG_DATA_HOME"] = str(data)
    env["XDG_CONFIG_HOME"] = str(data / "config")
    return env


def one_shot(python: str, root: Path, data: Path, args: Sequence[str]) -> Run:
    """A command that prints and exits: wall and CPU of the whole process."""
    cpu = _child_cpu()
    start = time.perf_counter()
    subprocess.run(  # noqa: S603 (our interpreter, our command)
        [python, "-c", ENTRY, *args],
        cwd=root,
        env=_env(root, data),
        stdout=subprocess.DEVNULL,
        check=True,
    )
    return Run(time.perf_counter() - start, _child_cpu() - cpu)


def first_answer(python: str, root: Path, workspace: Path, scratch: Path) -> Run:
    """``crmbot chat`` on a fresh copy of the demo workspace, one message piped in."""
    data = scratch / "data"
    shutil.rmtree(data, ignore_errors=True)
    shutil.copytree(workspace, data)
    cpu = _child_cpu()
    start = time.perf_counter()
    with subprocess.Popen(  # noqa: S603 (our interpreter, our command)
        [python, "-c", ENTRY, "chat"],
        cwd=root,
        env=_env(root, data),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    ) as chat:
        assert chat.stdin is not None
        assert chat.stdout is not None
        chat.stdin.write(f"{MESSAGE}\n".encode())
        chat.stdin.close()
        answer = chat.stdout.readline()
        wall = time.perf_counter() - start
        rest = chat.stdout.read()
    if chat.returncode != 0 or not answer.strip():
        raise RuntimeError(f"crmbot chat did not answer: {(answer + rest).decode()!r}")
    return Run(wall, _child_cpu() - cpu)


def demo_workspace(python: str, root: Path, scratch: Path) -> Path:
    """The demo workspace, loaded once by ``crmbot chat --demo`` (which also warms up)."""
    data = scratch / "workspace"
    subprocess.run(  # noqa: S603 (our interpreter, our command)
        [python, "-c", ENTRY, "chat", "--demo"],
        cwd=root,
        env=_env(root, data),
        input=b"/quit\n",
        capture_output=True,
        check=True,
    )
    return data


def summary(name: str, runs: Sequence[Run]) -> str:
    walls = [r.wall for r in runs]
    cpus = [r.cpu for r in runs]
    return (
        f"| {name} | {statistics.median(walls):.2f} s ({min(walls):.2f}–{max(walls):.2f}) "
        f"| {statistics.median(cpus):.2f} s ({min(cpus):.2f}–{max(cpus):.2f}) |"
    )


def machine() -> str:
    model = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return f"{os.cpu_count()} CPUs, {model}, Python {platform.python_version()}"


def measures(python: str, root: Path, scratch: Path) -> dict[str, Callable[[], Run]]:
    """The three measurements of one checkout, by the name they are reported under."""
    scratch.mkdir()
    workspace = demo_workspace(python, root, scratch)
    empty = scratch / "empty"
    return {
        "`crmbot --help`": lambda: one_shot(python, root, empty, ["--help"]),
        f'`crmbot parse "{MESSAGE}"`': lambda: one_shot(python, root, empty, ["parse", MESSAGE]),
        f"`crmbot chat`, first answer to “{MESSAGE}”": lambda: first_answer(
            python, root, workspace, scratch
        ),
    }


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--root",
        type=Path,
        action="append",
        help="A checkout to measure (default: this one); give several to compare them, "
        "their runs interleaved so that a change in the machine's load hits each alike.",
    )
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--python", default=sys.executable)
    args = parser.parse_args(argv)
    roots = [root.resolve() for root in args.root or [ROOT]]
    load_before = os.getloadavg()
    print(f"{machine()}, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    with tempfile.TemporaryDirectory(prefix="crmbot-startup-") as tmp:
        checkouts = {
            root: measures(args.python, root, Path(tmp) / str(n)) for n, root in enumerate(roots)
        }
        results: dict[Path, dict[str, list[Run]]] = {root: {} for root in roots}
        for name in checkouts[roots[0]]:
            for root in roots:
                checkouts[root][name]()  # unmeasured: byte code written, files cached
            for _ in range(args.runs):
                for root in roots:
                    results[root].setdefault(name, []).append(checkouts[root][name]())
    load_after = os.getloadavg()
    for root in roots:
        print(f"\n{root}\n")
        print("| command | wall, median (min–max) | CPU, median (min–max) |")
        print("| --- | --- | --- |")
        for name, runs in results[root].items():
            print(summary(name, runs))
    print(
        "\nload average (1, 5, 15 min): "
        f"before {' '.join(f'{x:.2f}' for x in load_before)}, "
        f"after {' '.join(f'{x:.2f}' for x in load_after)}"
    )


if __name__ == "__main__":
    main()
