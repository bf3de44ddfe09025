"""All catalogues in step: same keys, same placeholders, every alias unique."""

from __future__ import annotations

import pytest

from locales.catalog import FALLBACK, Translator, placeholders

translator = Translator.load()
OTHERS = [lang for lang in translator.languages if lang != FALLBACK]


def test_english_and_chinese_exist():
    assert {"en", "zh"} <= set(translator.languages)


@pytest.mark.parametrize("lang", OTHERS)
def test_same_keys(lang):
    assert set(translator.catalogs[lang]) == set(translator.catalogs[FALLBACK])


@pytest.mark.parametrize("lang", OTHERS)
def test_same_placeholders(lang):
    for key, english in translator.catalogs[FALLBACK].items():
        if isinstance(english, str):
            assert placeholders(translator.catalogs[lang][key]) == placeholders(english), key


def test_command_aliases_never_collide():
    seen: dict[str, str] = {}
    for lang in translator.languages:
        for key, value in translator.catalogs[lang].items():
            if not key.startswith("commands."):
                continue
            for alias in value:
                owner = seen.setdefault(alias.lower(), key)
                assert owner == key, f"/{alias} means both {owner} and {key}"


def test_chinese_catalogue_is_actually_chinese():
    zh = translator.catalogs["zh"]
    untranslated = [
        k
        for k, v in zh.items()
        if isinstance(v, str)
        and not k.startswith(("commands.", "company.industries.it"))
        and v == translator.catalogs[FALLBACK][k]
    ]
    assert untranslated == []
