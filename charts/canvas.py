"""The page every chart is drawn on: a portrait figure with a title block and a footnote.

Each render builds its own ``Figure`` with an Agg canvas and throws it away: no ``pyplot``,
no global figure registry, no shared state between renders, so several charts can be drawn
at once in worker threads (``asyncio.to_thread``) without stepping on each other.

matplotlib (the ``charts`` extra) is imported when a page is drawn, not with this module:
:class:`Frame` and the chart specs are built on every install, and a server without the
extra answers with the numbers alone (``handlers.reports``).
"""

from __future__ import annotations

import io
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, Literal

from charts import style
from charts.fonts import font_families

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties
    from matplotlib.text import Text


@dataclass(frozen=True, slots=True)
class Frame:
    """What every chart carries besides its data, already in the reader's language.

    ``currency`` and ``lang`` decide how amounts are abbreviated (``¥50万`` / ``¥500k``);
    ``empty`` is drawn instead of the chart when there is nothing to show.
    """

    title: str
    subtitle: str
    lang: str
    currency: str
    note: str = ""
    empty: str = ""
    masked: str = ""
    """Set (e.g. ``•••``): every amount label reads this instead, for a reader who sees
    amounts masked; the bars keep their lengths, the chart has no value axis."""

    def money(self, cents: int) -> str:
        if self.masked:
            return self.masked
        return style.short_money(cents, self.currency, self.lang)


@cache
def render_lock() -> threading.Lock:
    """One lock per process for drawing (created on first use, not at import)."""
    return threading.Lock()


def new_figure(frame: Frame) -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(
        figsize=(style.WIDTH_IN, style.HEIGHT_IN), dpi=style.DPI, facecolor=style.BACKGROUND
    )
    FigureCanvasAgg(fig)
    fig.text(0.05, 0.965, frame.title, **font(style.TITLE_SIZE), color=style.TEXT)
    fig.text(0.05, 0.935, frame.subtitle, **font(style.SUBTITLE_SIZE), color=style.MUTED)
    if frame.note:
        note = "\n".join(wrap(frame.note, NOTE_WIDTH))
        fig.text(0.05, 0.015, note, **font(style.NOTE_SIZE), color=style.MUTED)
    return fig


def plain_axes(ax: Axes, *, grid_axis: Literal["x", "y"] | None = "x") -> None:
    """No box, light grid lines behind the bars, readable ticks."""
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.spines["bottom"].set_color(style.GRID)
    ax.set_axisbelow(True)
    if grid_axis is not None:
        ax.grid(axis=grid_axis, color=style.GRID, linewidth=1)
    ax.tick_params(labelsize=style.TICK_SIZE, colors=style.TEXT, length=0)


def empty_page(fig: Figure, frame: Frame) -> None:
    fig.text(
        0.5,
        0.5,
        frame.empty,
        ha="center",
        va="center",
        **font(style.LABEL_SIZE),
        color=style.MUTED,
    )


def font(size: float) -> dict[str, Any]:
    """Keyword arguments for any text: the CJK-capable family at ``size`` points, and no
    math: matplotlib reads text between two ``$`` as TeX, so "$351万 USD (10), S$150万"
    would come out garbled (and warn of missing glyphs).

    Every text is given these explicitly: the alternative, changing matplotlib's global
    ``rcParams``, is shared by every thread drawing at the same time.
    """
    return {"fontfamily": list(font_families()), "fontsize": size, "parse_math": False}


def legend_font(size: float) -> FontProperties:
    from matplotlib.font_manager import FontProperties

    return FontProperties(family=list(font_families()), size=size)


def literal_text(fig: Figure) -> None:
    """Math parsing off for every text on the page, including the ones made for us (legend
    entries, tick labels), so no label anywhere is read as TeX."""
    from matplotlib.text import Text

    for text in fig.findobj(Text):
        text.set_parse_math(False)


def to_png(fig: Figure) -> bytes:
    """Encode the page as PNG; tick labels made at draw time get the CJK family too."""
    families = list(font_families())
    for ax in fig.axes:
        ax.tick_params(labelfontfamily=families)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=style.DPI, facecolor=fig.get_facecolor())
    return buffer.getvalue()


NOTE_WIDTH = 80
"""Latin letters that fit on one footnote line (a CJK character counts two)."""


def _width(char: str) -> int:
    return 2 if ord(char) >= 0x2E80 else 1


def wrap(text: str, limit: int) -> list[str]:
    """Break ``text`` into lines at most ``limit`` wide, at a space or separator when one is
    near. Done here rather than by matplotlib's ``wrap=True``: that measures each line as
    TeX whenever it holds two ``$`` signs, even with math parsing off."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line, used = "", 0
        for char in paragraph:
            if used + _width(char) > limit and line:
                cut = max(line.rfind(sep) for sep in (" ", "·", ",", "，", "、"))
                if cut > len(line) // 2:
                    lines.append(line[: cut + 1].rstrip())
                    line = line[cut + 1 :].lstrip()
                else:
                    lines.append(line)
                    line = ""
                used = sum(map(_width, line))
            line += char
            used += _width(char)
        lines.append(line)
    return lines


def shorten(label: str, limit: int = 16) -> str:
    """Keep axis labels on one line; a CJK character is about two Latin letters wide."""
    width = _width

    if sum(map(width, label)) <= limit:
        return label
    out, used = [], 1  # room for the ellipsis
    for char in label:
        if used + width(char) > limit:
            break
        out.append(char)
        used += width(char)
    return "".join(out) + "…"


def label_bars(
    ax: Axes, positions: Sequence[float], values: Sequence[float], texts: Sequence[str]
) -> None:
    """Write each bar's value just past its end (horizontal bars), and widen the value axis
    until the longest label fits inside the plot: a long label ("¥1380万 + $87.8万 USD (5)")
    on the longest bar is never cut off at the page's edge.

    The labels are measured with the page's own renderer (the layout is already set), so
    the room they get is what they take, whatever the language or font.
    """
    top = max(values, default=0) or 1
    pad = top * 0.02
    room = ax.get_window_extent().width * 0.98
    right = top * 1.1
    for y, value, text in zip(positions, values, texts, strict=True):
        label = ax.text(
            value + pad, y, text, va="center", ha="left", **font(style.VALUE_SIZE), color=style.TEXT
        )
        width = min(label.get_window_extent().width, room * 0.9)  # an absurd label: leave a tenth
        right = max(right, (value + pad) * room / (room - width))
    ax.set_xlim(0, right)


def inside_or_beside(ax: Axes, label: Text, *, left: float, right: float, gap: float) -> None:
    """Keep a bar's centred value label inside the bar when it fits, else put it just past
    the bar's right end: on a thin bar the number would otherwise spill over both edges,
    half on the colour and half on the page. Call once the axis limits are set."""
    box = label.get_window_extent()
    to_data = ax.transData.inverted()
    (x0, _), (x1, _) = to_data.transform([(box.x0, box.y0), (box.x1, box.y0)])
    if (x1 - x0) + 2 * gap <= right - left:
        return
    label.set_x(right + gap)
    label.set_horizontalalignment("left")
