"""The CJK font the charts use, found inside an installed package and registered by path.

matplotlib only knows fonts that were on the system when it built its font cache; a font
installed later (apt, or a package) is silently ignored unless it is registered by file
path with ``fontManager.addfont``. The file comes from the ``mplfonts`` package (Noto Sans
CJK SC, SIL Open Font License), which installs from PyPI with the project. We locate the
package with ``importlib`` *without importing it*: importing mplfonts would pull in
``pyplot`` and its ``init`` rewrites matplotlib's configuration, neither of which we want.

Noto Sans CJK SC also covers Latin, digits and currency signs, so one family renders every
label in both languages; DejaVu Sans (bundled with matplotlib) stays as a fallback.
"""

from __future__ import annotations

import importlib.util
from functools import cache
from pathlib import Path

CJK_FONT_FILE = "NotoSansCJKsc-Regular.otf"
CJK_PACKAGE = "mplfonts"
FALLBACK_FAMILY = "DejaVu Sans"


class FontMissing(RuntimeError):
    """The CJK font file is not installed; Chinese labels would render as empty boxes."""


def cjk_font_path() -> Path:
    """Where the Noto Sans CJK SC file is, without importing the package that ships it."""
    spec = importlib.util.find_spec(CJK_PACKAGE)
    locations = list(spec.submodule_search_locations or []) if spec else []
    for location in locations:
        path = Path(location) / "fonts" / CJK_FONT_FILE
        if path.is_file():
            return path
    raise FontMissing(
        f"{CJK_FONT_FILE} not found: install the {CJK_PACKAGE!r} package (pip install mplfonts)"
    )


@cache
def font_families() -> tuple[str, ...]:
    """Register the CJK font once per process and return the family list to draw with."""
    from matplotlib import font_manager  # with the drawing, not with this module

    path = cjk_font_path()
    font_manager.fontManager.addfont(str(path))
    name = font_manager.FontProperties(fname=str(path)).get_name()
    return (name, FALLBACK_FAMILY)
