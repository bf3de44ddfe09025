"""Report charts: pure functions from an already-translated spec to PNG bytes.

See :mod:`charts.kinds` for the five charts and :mod:`charts.fonts` for how the CJK font is
found and registered.
"""
