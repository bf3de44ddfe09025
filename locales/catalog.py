"""Per-user translation from one TOML catalogue per language.

Adding a language is adding ``locales/<code>.toml`` (features may add
``locales/<code>/<feature>.toml`` beside it); a test keeps every catalogue in
step with ``en.toml`` (same keys, same placeholders). Command aliases live in the
catalogues too, so ``/帮助`` and ``/help`` reach the same handler whatever the user's
language is.
"""

from __future__ import annotations

import string
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

CATALOG_DIR = Path(__file__).resolve().parent
FALLBACK = "en"


def _flatten(prefix: str, node: Mapping[str, Any], out: dict[str, Any]) -> None:
    for key, value in node.items():
        full = f"{prefix}.{key}" if prefix else key
        if isinstance(value, Mapping):
            _flatten(full, value, out)
        else:
            out[full] = value


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


class Translator:
    """Looks up strings by key for a language, falling back to English."""

    def __init__(self, catalogs: Mapping[str, Mapping[str, Any]]) -> None:
        self.catalogs = {lang: dict(entries) for lang, entries in catalogs.items()}
        if FALLBACK not in self.catalogs:
            raise ValueError("the English catalogue is required")

    @classmethod
    def load(cls, directory: Path = CATALOG_DIR) -> Translator:
        catalogs: dict[str, dict[str, Any]] = {}
        for path in sorted(directory.glob("*.toml")):
            flat: dict[str, Any] = {}
            # A feature may keep its messages in locales/<lang>/<feature>.toml.
            for part in [path, *sorted((directory / path.stem).glob("*.toml"))]:
                _flatten("", tomllib.loads(part.read_text(encoding="utf-8")), flat)
            catalogs[path.stem] = flat
        return cls(catalogs)

    @property
    def languages(self) -> list[str]:
        return sorted(self.catalogs)

    def t(self, lang: str, key: str, /, **values: Any) -> str:
        entries = self.catalogs.get(lang) or self.catalogs[FALLBACK]
        template = entries.get(key, self.catalogs[FALLBACK].get(key))
        if template is None:
            raise KeyError(f"no message {key!r} in any catalogue")
        if isinstance(template, list):
            template = "\n".join(str(x) for x in template)
        return str(template).format(**values) if values else str(template)

    def aliases(self, section: str) -> dict[str, str]:
        """Every alias of every language in ``[section]`` -> the canonical name."""
        mapping: dict[str, str] = {}
        prefix = section + "."
        for entries in self.catalogs.values():
            for key, value in entries.items():
                if key.startswith(prefix):
                    name = key.removeprefix(prefix)
                    for alias in value if isinstance(value, list) else [value]:
                        mapping[str(alias).lower()] = name
        return mapping


def match_language(code: str | None, available: list[str]) -> str | None:
    """``zh-hans`` / ``zh_CN`` -> ``zh``; ``en-US`` -> ``en``; unknown -> None."""
    if not code:
        return None
    base = code.replace("_", "-").split("-", 1)[0].lower()
    return base if base in available else None
