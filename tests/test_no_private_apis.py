"""No private attribute or internal module of a dependency (ARCHITECTURE.md): they change
without notice, so using one pins us to exact versions and breaks on an upgrade.

An AST check over the application's packages. It reports:

- an import of a third-party module path with a private (``_x``) or ``internal`` part, or of
  a known-internal package (``sqlalchemy.util``, ``sqlalchemy.connectors``), or
  ``from package import _name``;
- ``x._name`` (and ``getattr(x, "_name")``...) where ``x`` is bound from a third-party
  import, or assigned from an expression starting at one (``engine = RapidOCR(...)``,
  ``self._engine = RapidOCR(...)``, ``async with engine.connect() as conn``), or a
  parameter annotated with a third-party type;
- in a class derived from a third-party class, ``self._name`` (read, written or defined)
  where ``_name`` belongs to that base class.

Our own private helpers (``self._cache``, ``module._helper``) are none of these. Dunders
and the documented underscore API of named tuples and SQLAlchemy rows (``row._mapping``)
are allowed. What SQLAlchemy's asyncio extension demands of an async dialect by private
names is listed in :data:`DIALECT_CONTRACT`, with why.
"""

from __future__ import annotations

import ast
import importlib
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "handlers", "conversations", "store", "scheduler", "charts", "locales")
OURS = frozenset({*PACKAGES, "tests", "benchmarks", "dev"})
INTERNAL_PACKAGES = ("sqlalchemy.util", "sqlalchemy.connectors", "sqlalchemy.testing")
PUBLIC_UNDERSCORE = frozenset(
    {"_mapping", "_asdict", "_fields", "_t", "_tuple", "_replace", "_make", "_field_defaults"}
)
"""Underscored by design (so as not to clash with column names) and documented: named
tuples' API, and SQLAlchemy's ``Row._mapping`` / ``Row._t`` / ``Row._tuple()``."""
DIALECT_CONTRACT = {
    ("store/sqlite_driver.py", "InlineSQLiteConnection", "_connection"): (
        "sqlalchemy.engine.AdaptedConnection, the documented base of asyncio connection "
        "adapters, keeps the driver's connection there for its public driver_connection "
        "and run_async(); an adapter has no other way to give it one"
    ),
}
"""Private names of a dependency we knowingly use: (file, class, name) -> why."""


def is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def third_party(module: str) -> bool:
    top = module.split(".")[0]
    return bool(top) and top not in sys.stdlib_module_names and top not in OURS


def internal_module(module: str) -> bool:
    parts = module.split(".")
    return any(is_private(p) or "internal" in p for p in parts) or any(
        module == p or module.startswith(p + ".") for p in INTERNAL_PACKAGES
    )


def _root(node: ast.expr) -> str | None:
    """``a.b(c)[d].e`` -> ``a``; ``self.x.y()`` -> ``self.x``; anything else -> None."""
    while True:
        if isinstance(node, ast.Await):
            node = node.value
        elif isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Subscript):
            node = node.value
        elif isinstance(node, ast.Attribute):
            if isinstance(node.value, ast.Name) and node.value.id == "self":
                return f"self.{node.attr}"
            node = node.value
        elif isinstance(node, ast.Name):
            return node.id
        else:
            return None


def _targets(node: ast.expr) -> Iterator[str]:
    if isinstance(node, ast.Name):
        yield node.id
    elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        if node.value.id == "self":
            yield f"self.{node.attr}"
    elif isinstance(node, ast.Tuple | ast.List):
        for element in node.elts:
            yield from _targets(element)


class Checker:
    def __init__(self, path: str, tree: ast.Module) -> None:
        self.path = path
        self.tree = tree
        self.found: list[str] = []
        self.imported: dict[str, str] = {}  # name bound -> "module.attr" it came from
        self.tainted: set[str] = set()

    def report(self, node: ast.AST, message: str) -> None:
        self.found.append(f"{self.path}:{getattr(node, 'lineno', 0)}: {message}")

    def run(self) -> list[str]:
        self._imports()
        self._taint()
        self._accesses()
        self._subclasses()
        return self.found

    def _imports(self) -> None:
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if not third_party(alias.name):
                        continue
                    if internal_module(alias.name):
                        self.report(node, f"imports internal module {alias.name}")
                    bound = alias.asname or alias.name.split(".")[0]
                    self.imported[bound] = alias.name if alias.asname else bound
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                if not third_party(node.module):
                    continue
                if internal_module(node.module):
                    self.report(node, f"imports from internal module {node.module}")
                for alias in node.names:
                    if is_private(alias.name):
                        self.report(node, f"imports {node.module}.{alias.name}")
                    self.imported[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        self.tainted |= set(self.imported)

    def _tainted(self, node: ast.expr | None) -> bool:
        return node is not None and _root(node) in self.tainted

    def _taint(self) -> None:
        """Names (per file; shadowing is rare enough here) holding a third-party object."""
        for _ in range(4):  # to a fixed point: a = lib(); b = a.x(); c = b.y
            before = len(self.tainted)
            for node in ast.walk(self.tree):
                if isinstance(node, ast.Assign) and self._tainted(node.value):
                    for target in node.targets:
                        self.tainted.update(_targets(target))
                elif (
                    isinstance(node, ast.AnnAssign | ast.AugAssign) and (self._tainted(node.value))
                ) or (
                    isinstance(node, ast.For | ast.AsyncFor | ast.comprehension)
                    and (self._tainted(node.iter))
                ):
                    self.tainted.update(_targets(node.target))
                elif isinstance(node, ast.withitem) and node.optional_vars is not None:
                    if self._tainted(node.context_expr):
                        self.tainted.update(_targets(node.optional_vars))
                elif isinstance(node, ast.arg) and node.annotation is not None:
                    names = {n.id for n in ast.walk(node.annotation) if isinstance(n, ast.Name)}
                    if names & set(self.imported):
                        self.tainted.add(node.arg)
            if len(self.tainted) == before:
                return

    def _literal_names(self, node: ast.expr) -> list[str]:
        """The strings a ``getattr`` name argument can be: a literal, or a loop variable
        over a literal tuple or list."""
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return [node.value]
        if isinstance(node, ast.Name):
            for loop in ast.walk(self.tree):
                if (
                    isinstance(loop, ast.For)
                    and isinstance(loop.target, ast.Name)
                    and loop.target.id == node.id
                    and isinstance(loop.iter, ast.Tuple | ast.List)
                ):
                    return [
                        e.value
                        for e in loop.iter.elts
                        if isinstance(e, ast.Constant) and isinstance(e.value, str)
                    ]
        return []

    def _accesses(self) -> None:
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Attribute) and is_private(node.attr):
                if node.attr not in PUBLIC_UNDERSCORE and self._tainted(node.value):
                    self.report(node, f"uses {ast.unparse(node)} of a third-party object")
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in {"getattr", "setattr", "hasattr", "delattr"}
                and len(node.args) >= 2
                and self._tainted(node.args[0])
            ):
                for name in self._literal_names(node.args[1]):
                    if is_private(name) and name not in PUBLIC_UNDERSCORE:
                        self.report(node, f"{node.func.id}(..., {name!r}) on a third-party object")

    def _subclasses(self) -> None:
        for cls in ast.walk(self.tree):
            if not isinstance(cls, ast.ClassDef):
                continue
            bases = [
                _resolve(self.imported[b.id])
                for b in cls.bases
                if isinstance(b, ast.Name) and b.id in self.imported
            ]
            if not bases:
                continue
            used: dict[str, ast.AST] = {}
            for node in ast.walk(cls):
                if isinstance(node, ast.Attribute) and _root(node) == f"self.{node.attr}":
                    used.setdefault(node.attr, node)
                elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    used.setdefault(node.name, node)
            for name, node in used.items():
                if not is_private(name) or (self.path, cls.name, name) in DIALECT_CONTRACT:
                    continue
                if any(_defines(base, name) for base in bases):
                    self.report(node, f"{cls.name} uses its third-party base's {name}")


def _resolve(dotted: str) -> object:
    module, _, attr = dotted.rpartition(".")
    try:
        return getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError):
        return importlib.import_module(dotted)


def _defines(base: object, name: str) -> bool:
    for klass in getattr(base, "__mro__", ()):
        if klass is object:
            continue
        slots = getattr(klass, "__slots__", ())
        if name in vars(klass) or name in (slots if not isinstance(slots, str) else (slots,)):
            return True
        if name in getattr(klass, "__annotations__", {}):
            return True
    return False


def violations(path: str, source: str) -> list[str]:
    return Checker(path, ast.parse(source)).run()


def test_the_application_uses_no_private_api_of_a_dependency() -> None:
    found: list[str] = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = str(path.relative_to(ROOT))
            found += violations(relative, path.read_text(encoding="utf-8"))
    assert found == []


def test_the_exceptions_still_exist() -> None:
    """An exception whose code is gone must leave the list too."""
    for path, cls, name in DIALECT_CONTRACT:
        source = (ROOT / path).read_text(encoding="utf-8")
        assert f"class {cls}(" in source
        assert f"self.{name}" in source


# ----------------------------------------------------- the check itself: it finds them


def test_it_finds_internal_modules_and_private_names() -> None:
    bad = {
        "from slack_bolt.request.async_internals import build_async_context": "internal",
        "from sqlalchemy.util.concurrency import await_": "internal",
        "import aiosqlite._private": "internal",
        "from matplotlib import _pylab_helpers": "imports matplotlib._pylab_helpers",
        "import aiosqlite\nc = aiosqlite.connect('x')\nc._execute(f)": "c._execute",
        "from rapidocr import RapidOCR\nclass R:\n    def __init__(self):\n"
        "        self.e = RapidOCR()\n    def load(self):\n        engine = self.e\n"
        "        for n in ('_load_det_model', 'x'):\n            getattr(engine, n)()": (
            "'_load_det_model'"
        ),
        "from sqlalchemy.ext.asyncio import AsyncSession\n"
        "def f(session: AsyncSession):\n    return session._proxied": "session._proxied",
        "from sqlalchemy.dialects.sqlite.aiosqlite import AsyncAdapt_aiosqlite_cursor as C\n"
        "class Mine(C):\n    async def _execute_async(self, op, params):\n        pass": (
            "base's _execute_async"
        ),
    }
    for source, expected in bad.items():
        found = violations("snippet.py", source)
        assert len(found) == 1, (source, found)
        assert expected in found[0], (source, found)


def test_it_leaves_our_own_private_names_alone() -> None:
    good = """
from sqlalchemy import select
from store import offload
from store.offload import _OFFLOADED

class Cache:
    def __init__(self):
        self._rows = select(1)
        self._hits = 0

    def get(self):
        self._hits += 1
        return offload._OFFLOADED, _OFFLOADED, self._rows

def rows(result):
    for row in result:
        yield row._mapping, row._fields
"""
    assert violations("snippet.py", good) == []
