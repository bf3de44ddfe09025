"""Fonts for generated cards, found where pip and Debian install them (never downloaded).

CJK: the Noto / Source Han SC faces shipped by the ``mplfonts`` PyPI package (sans, serif,
and two monospaced designs), or Debian's ``fonts-noto-cjk`` / ``fonts-wqy-zenhei`` when
present. Latin: DejaVu Sans / Serif / Mono and STIX (a Times-like face) shipped inside
matplotlib. ``mplfonts`` also bundles a SimHei file of doubtful licence; it is skipped.
"""

from __future__ import annotations

import functools
import importlib.util
from dataclasses import dataclass
from pathlib import Path

from PIL import ImageFont

CJK_FILES = (
    "NotoSansCJKsc-Regular.otf",
    "NotoSerifCJKsc-Regular.otf",
    "SourceHanSerifSC-Regular.otf",
    "NotoSansMonoCJKsc-Regular.otf",
    "SourceHanMonoSC-Regular.otf",
    "NotoSansCJK-Regular.ttc",
    "NotoSerifCJK-Regular.ttc",
    "wqy-zenhei.ttc",
    "wqy-microhei.ttc",
)
LATIN_FILES = (
    ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"),
    ("DejaVuSerif.ttf", "DejaVuSerif-Bold.ttf"),
    ("DejaVuSansMono.ttf", "DejaVuSansMono-Bold.ttf"),
    ("STIXGeneral.ttf", "STIXGeneralBol.ttf"),
)


@dataclass(frozen=True)
class Face:
    """A font file (and the index of the Simplified Chinese face in a collection)."""

    path: Path
    index: int = 0
    bold: Path | None = None

    @property
    def label(self) -> str:
        return self.path.stem


def _search_dirs() -> list[Path]:
    dirs: list[Path] = []
    for package, sub in (("mplfonts", "fonts"), ("matplotlib", "mpl-data/fonts/ttf")):
        spec = importlib.util.find_spec(package)
        if spec is not None and spec.submodule_search_locations:
            dirs.append(Path(next(iter(spec.submodule_search_locations))) / sub)
    dirs.append(Path("/usr/share/fonts"))
    return [d for d in dirs if d.is_dir()]


def _find(name: str) -> Path | None:
    for directory in _search_dirs():
        direct = directory / name
        if direct.is_file():
            return direct
        if directory == Path("/usr/share/fonts"):
            for found in directory.rglob(name):
                return found
    return None


def _sc_index(path: Path) -> int:
    """The Simplified Chinese face of a .ttc collection (Noto's index 0 is Japanese)."""
    if path.suffix.lower() != ".ttc":
        return 0
    for index in range(10):
        try:
            family = ImageFont.truetype(str(path), 20, index=index).getname()[0] or ""
        except OSError:
            break
        if " SC" in family or "Zen Hei" in family or "Micro Hei" in family:
            return index
    return 0


@functools.cache
def cjk_faces() -> tuple[Face, ...]:
    faces: list[Face] = []
    seen: set[str] = set()
    for name in CJK_FILES:
        path = _find(name)
        if path is None:
            continue
        family = name.split("-")[0].replace("SC", "").replace("sc", "")
        if family in seen:
            continue
        seen.add(family)
        faces.append(Face(path, _sc_index(path)))
    return tuple(faces)


@functools.cache
def latin_faces() -> tuple[Face, ...]:
    faces: list[Face] = []
    for regular, bold in LATIN_FILES:
        path = _find(regular)
        if path is not None:
            faces.append(Face(path, 0, _find(bold)))
    return tuple(faces)


def missing() -> str | None:
    """Why cards can't be generated here, or None when they can."""
    if not cjk_faces():
        return "no CJK font: pip install mplfonts (or apt-get install fonts-noto-cjk)"
    if not latin_faces():
        return "no Latin font: pip install matplotlib (ships DejaVu)"
    return None


@functools.cache
def font(face: Face, size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    path = face.bold if bold and face.bold is not None else face.path
    return ImageFont.truetype(str(path), size, index=face.index)


__all__ = ["Face", "cjk_faces", "font", "latin_faces", "missing"]
