"""Recognise each distinct photo once per test session.

Recognition is deterministic, so tests that send the same generated card (the recognition
test, the CLI test, the chat flow) share one OCR run per card; the suite's OCR time stays
at a few seconds per distinct card.
"""

from __future__ import annotations

import hashlib

import pytest

from bot.cardscan import scanner as scanner_module
from bot.cardscan.scanner import ScanResult

_RESULTS: dict[str, ScanResult] = {}
_REAL_SCAN = scanner_module.CardScanner.scan


def memoise_scans(monkeypatch: pytest.MonkeyPatch) -> None:
    def scan(self: scanner_module.CardScanner, data: bytes, *, region: str = "CN") -> ScanResult:
        key = hashlib.sha256(data + b"|" + region.encode()).hexdigest()
        if key not in _RESULTS:
            _RESULTS[key] = _REAL_SCAN(self, data, region=region)
        return _RESULTS[key]

    monkeypatch.setattr(scanner_module.CardScanner, "scan", scan)


def real_scan(scanner: scanner_module.CardScanner, data: bytes) -> ScanResult:
    """A scan that really runs, memoised or not."""
    return _REAL_SCAN(scanner, data)


__all__ = ["memoise_scans", "real_scan"]
