"""The optional parts of crmbot and the pip extra that installs each.

A plain ``pip install crmbot`` is the core: the console, the database, the webhook server,
the reminders. Each chat platform's SDK, card reading (OCR: ~400 MB of models and
libraries) and chart drawing (matplotlib and a CJK font) are extras, so a deployment
installs only what it uses. Where one of them is first needed — building a platform's
adapter, reading a photo, drawing a chart — the code asks this module, and a missing extra
becomes one line that says what to install (:attr:`Extra.hint`), never an ImportError
deep in a traceback.

Availability is checked with :func:`importlib.util.find_spec`, which finds a package
without importing it: the main process can learn that OCR is installed without loading
onnxruntime, whose work happens in worker processes (:mod:`bot.workers`).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

#: Our own top-level packages: an ImportError naming one of them is a bug, not an extra.
OWN_PACKAGES = frozenset(
    {"bot", "handlers", "conversations", "store", "scheduler", "charts", "locales"}
)


@dataclass(frozen=True, slots=True)
class Extra:
    """One ``crmbot[name]`` extra: the modules it provides and what they are for."""

    name: str
    modules: tuple[str, ...]
    purpose: str

    @property
    def command(self) -> str:
        return f"pip install 'crmbot[{self.name}]'"

    @property
    def hint(self) -> str:
        """The one line a missing extra is reported with."""
        return f"{self.command} {self.purpose}"


TELEGRAM = Extra("telegram", ("telegram",), "to connect to Telegram")
SLACK = Extra("slack", ("slack_sdk",), "to connect to Slack")
# cryptography, which wechatpy needs too, is in the core (phones encrypted at rest).
WECHAT = Extra("wechat", ("wechatpy", "xmltodict"), "to connect to WeChat and WeCom")
OCR = Extra(
    "ocr",
    ("rapidocr", "onnxruntime", "zxingcpp", "vobject", "PIL", "numpy", "opencc"),
    "to read business cards",
)
CHARTS = Extra("charts", ("matplotlib", "mplfonts"), "to draw report charts")
EXTRAS = (TELEGRAM, SLACK, WECHAT, OCR, CHARTS)


class MissingExtra(ImportError):
    """A feature was asked for whose extra is not installed; the message is the hint."""

    def __init__(self, extra: Extra, module: str | None = None) -> None:
        super().__init__(extra.hint, name=module)
        self.extra = extra


def missing_module(extra: Extra) -> str | None:
    """The first of ``extra``'s modules that cannot be imported here, or None."""
    for module in extra.modules:
        try:
            found = importlib.util.find_spec(module)
        except (ImportError, ValueError):  # blocked, or a broken entry in sys.modules
            found = None
        if found is None:
            return module
    return None


def available(extra: Extra) -> bool:
    """Whether ``extra`` is installed (found, not imported)."""
    return missing_module(extra) is None


def require(extra: Extra) -> None:
    """Raise :class:`MissingExtra` unless ``extra`` is installed."""
    module = missing_module(extra)
    if module is not None:
        raise MissingExtra(extra, module)


@contextmanager
def needs(extra: Extra) -> Iterator[None]:
    """Around the imports that need ``extra``: checked first, and an ImportError of a
    third-party module inside (one of its dependencies broken or gone) is reported as the
    same hint, since reinstalling the extra is what repairs it."""
    require(extra)
    try:
        yield
    except MissingExtra:
        raise
    except ImportError as exc:
        if exc.name and exc.name.partition(".")[0] in OWN_PACKAGES:
            raise
        raise MissingExtra(extra, exc.name) from exc


__all__ = [
    "CHARTS",
    "EXTRAS",
    "OCR",
    "SLACK",
    "TELEGRAM",
    "WECHAT",
    "Extra",
    "MissingExtra",
    "available",
    "missing_module",
    "needs",
    "require",
]
