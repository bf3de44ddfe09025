"""Sizes, colours and number formats shared by every chart, tuned for a phone screen.

A chart is read on a phone held upright, often in a taxi: portrait 6 x 9 in at 150 dpi
(900 x 1350 px, which no platform downsizes), few elements, labels at 13-20 pt. Every
stage has one colour wherever it appears (pipeline bars, the per-rep stack, the funnel), so
a manager learns "orange is negotiation" once.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from locales.formatting import SYMBOLS, format_money

WIDTH_IN = 6.0
HEIGHT_IN = 9.0
DPI = 150

TITLE_SIZE = 20
SUBTITLE_SIZE = 14
LABEL_SIZE = 15
VALUE_SIZE = 13
TICK_SIZE = 12
NOTE_SIZE = 11

TEXT = "#222222"
MUTED = "#6b6b6b"
GRID = "#e6e6e6"
BACKGROUND = "#ffffff"

STAGE_COLOURS: dict[str, str] = {
    "lead": "#9ecae1",
    "qualified": "#4292c6",
    "proposal": "#2171b5",
    "negotiation": "#f28e2b",
    "won": "#2ca02c",
    "lost": "#b0b0b0",
}
"""The default pipeline's colours: blues deepen towards the deal, orange is the last push."""

PALETTE: tuple[str, ...] = (
    "#8dd3c7",
    "#80b1d3",
    "#bebada",
    "#fdb462",
    "#b3de69",
    "#fccde5",
    "#bc80bd",
    "#ccebc5",
)
"""For admin-defined stages, picked by position so a stage keeps its colour between charts."""

KIND_COLOURS: dict[str, str] = {
    "call": "#4292c6",
    "visit": "#f28e2b",
    "meeting": "#6a51a3",
    "email": "#41ab5d",
    "wechat": "#17becf",
}
WON_COLOUR = STAGE_COLOURS["won"]
FORECAST_COLOUR = "#4292c6"
ACTIVITY_COLOUR = "#6a51a3"


def stage_colour(stage: str, position: int) -> str:
    """The stage's colour; ``position`` (its place in the pipeline) picks one for custom stages."""
    return STAGE_COLOURS.get(stage) or PALETTE[position % len(PALETTE)]


def short_money(cents: int, currency: str, lang: str) -> str:
    """At most three significant digits: ``¥123万`` / ``¥1.23m`` — enough on a bar label."""
    if cents == 0:
        return format_money(0, currency, lang)
    units = Decimal(abs(cents)) / 100
    digits = units.adjusted() + 1  # digits before the decimal point
    step = Decimal(1).scaleb(max(digits - 3, 0))
    rounded = (units / step).quantize(Decimal(1), rounding=ROUND_HALF_UP) * step
    sign = "-" if cents < 0 else ""
    if lang != "zh" and rounded >= 1_000_000_000:
        # format_money stops at "m"; a whole company's pipeline can reach billions.
        symbol = SYMBOLS.get(currency, currency + " ")
        return f"{sign}{symbol}{rounded / 1_000_000_000:f}".rstrip("0").rstrip(".") + "bn"
    value = int(rounded * 100) * (1 if cents > 0 else -1)
    return format_money(value, currency, lang)


def percent(value: float) -> str:
    return f"{round(value * 100)}%"
