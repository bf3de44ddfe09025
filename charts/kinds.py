"""The five report charts: each a pure function from a small, already-translated spec to PNG.

The specs hold only what is drawn (labels in the reader's language, amounts in cents of
one currency, counts), never database rows, so a chart can be tested, benchmarked or
re-drawn without a database, and the same spec always gives the same picture.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from charts import style
from charts.canvas import (
    Frame,
    empty_page,
    font,
    inside_or_beside,
    label_bars,
    legend_font,
    literal_text,
    new_figure,
    plain_axes,
    render_lock,
    shorten,
    to_png,
)

if TYPE_CHECKING:  # matplotlib itself is imported by the drawing (charts.canvas says why)
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

MAX_ACTIVITY_PANELS = 6

# Room the title block and footnote leave for the plots (figure fractions).
TOP, BOTTOM, LEFT, RIGHT = 0.89, 0.07, 0.27, 0.96


def _layout(fig: Figure, **extra: float) -> None:
    box = {"top": TOP, "bottom": BOTTOM, "left": LEFT, "right": RIGHT} | extra
    fig.subplots_adjust(**box)


def _bar_axes(ax: Axes) -> None:
    """Horizontal bars carry their value as text, so the value axis and its grid go."""
    plain_axes(ax, grid_axis=None)
    ax.set_xticks([])
    ax.spines["bottom"].set_visible(False)
    ax.spines["left"].set_visible(True)
    ax.spines["left"].set_color(style.GRID)


def _subtitle(ax: Axes, text: str) -> None:
    ax.set_title(text, loc="left", **font(style.LABEL_SIZE), color=style.TEXT, pad=10)


# --------------------------------------------------------------------------- pipeline


@dataclass(frozen=True, slots=True)
class StageBar:
    stage: str  # the stage's key, which decides its colour
    label: str
    count: int
    amount_cents: int


@dataclass(frozen=True, slots=True)
class OwnerStack:
    name: str
    amounts: tuple[int, ...]  # cents per stage, in the order of ``PipelineChart.stages``


@dataclass(frozen=True, slots=True)
class PipelineChart:
    frame: Frame
    stages: tuple[StageBar, ...]
    owners: tuple[OwnerStack, ...] = ()  # drawn as a second panel when there are two or more
    owners_title: str = ""


def pipeline_figure(chart: PipelineChart) -> Figure:
    """Open amount per stage (count in brackets), then each rep's amount split by stage."""
    frame = chart.frame
    fig = new_figure(frame)
    if not any(s.count for s in chart.stages):
        empty_page(fig, frame)
        return fig
    colours = [style.stage_colour(s.stage, i) for i, s in enumerate(chart.stages)]
    owners = chart.owners if len(chart.owners) > 1 else ()
    if owners:
        top, bottom = fig.subplots(
            2, 1, gridspec_kw={"height_ratios": [len(chart.stages), max(len(owners), 2)]}
        )
        _layout(fig, hspace=0.35)
    else:
        top, bottom = fig.subplots(1, 1), None
        _layout(fig)
    ys = list(range(len(chart.stages)))
    amounts = [s.amount_cents for s in chart.stages]
    top.barh(ys, amounts, color=colours, height=0.7)
    top.set_yticks(ys, [shorten(s.label) for s in chart.stages], **font(style.LABEL_SIZE))
    top.invert_yaxis()
    label_bars(
        top, ys, amounts, [f"{frame.money(s.amount_cents)} ({s.count})" for s in chart.stages]
    )
    _bar_axes(top)
    if bottom is not None:
        _subtitle(bottom, chart.owners_title)
        oys = list(range(len(owners)))
        left = [0] * len(owners)
        for i, colour in enumerate(colours):
            widths = [o.amounts[i] for o in owners]
            bottom.barh(oys, widths, left=left, color=colour, height=0.7)
            left = [a + b for a, b in zip(left, widths, strict=True)]
        bottom.set_yticks(oys, [shorten(o.name) for o in owners], **font(style.LABEL_SIZE))
        bottom.invert_yaxis()
        label_bars(bottom, oys, left, [frame.money(v) for v in left])
        _bar_axes(bottom)
    return fig


# --------------------------------------------------------------------------- funnel


@dataclass(frozen=True, slots=True)
class FunnelBar:
    stage: str
    label: str
    count: int
    conversion: float | None  # to the next step


@dataclass(frozen=True, slots=True)
class FunnelChart:
    frame: Frame
    steps: tuple[FunnelBar, ...]


def funnel_figure(chart: FunnelChart) -> Figure:
    """Centred bars narrowing stage by stage, the conversion written between each pair."""
    frame = chart.frame
    fig = new_figure(frame)
    if not chart.steps or not chart.steps[0].count:
        empty_page(fig, frame)
        return fig
    _layout(fig)
    ax = fig.subplots(1, 1)
    widest = max(s.count for s in chart.steps)
    ys = [i * 1.6 for i in range(len(chart.steps))]
    ax.set_xlim(-widest * 0.02, widest * 1.02)  # before the labels: they are measured in it
    ax.set_ylim(ys[-1] + 0.9, -0.9)
    for y, (i, step) in zip(ys, enumerate(chart.steps), strict=True):
        ax.barh(
            y,
            step.count,
            left=(widest - step.count) / 2,
            color=style.stage_colour(step.stage, i),
            height=1.0,
        )
        inside_or_beside(
            ax,
            ax.text(
                widest / 2,
                y,
                str(step.count),
                ha="center",
                va="center",
                **font(style.TITLE_SIZE),
                color=style.TEXT,
            ),
            left=(widest - step.count) / 2,
            right=(widest + step.count) / 2,
            gap=widest * 0.02,
        )
        if step.conversion is not None:
            ax.text(
                widest / 2,
                y + 0.8,
                f"↓ {style.percent(step.conversion)}",
                ha="center",
                va="center",
                **font(style.VALUE_SIZE),
                color=style.MUTED,
            )
    ax.set_yticks(ys, [shorten(s.label) for s in chart.steps], **font(style.LABEL_SIZE))
    ax.set_xticks([])
    plain_axes(ax, grid_axis=None)
    ax.spines["bottom"].set_visible(False)
    return fig


# --------------------------------------------------------------------------- forecast


@dataclass(frozen=True, slots=True)
class MonthBars:
    label: str
    weighted_cents: int
    won_cents: int
    current: bool = False


@dataclass(frozen=True, slots=True)
class ForecastChart:
    frame: Frame
    months: tuple[MonthBars, ...]
    weighted_label: str
    won_label: str


def forecast_figure(chart: ForecastChart) -> Figure:
    """Per month, the probability-weighted expected amount beside what was actually won."""
    frame = chart.frame
    fig = new_figure(frame)
    if not any(m.weighted_cents or m.won_cents for m in chart.months):
        empty_page(fig, frame)
        return fig
    _layout(fig, top=TOP - 0.04)
    ax = fig.subplots(1, 1)
    ys = list(range(len(chart.months)))
    weighted = [m.weighted_cents for m in chart.months]
    won = [m.won_cents for m in chart.months]
    ax.barh(
        [y - 0.2 for y in ys], weighted, height=0.38, color=style.FORECAST_COLOUR,
        label=chart.weighted_label,
    )  # fmt: skip
    ax.barh([y + 0.2 for y in ys], won, height=0.38, color=style.WON_COLOUR, label=chart.won_label)
    label_bars(
        ax,
        [*(y - 0.2 for y in ys), *(y + 0.2 for y in ys)],
        [*weighted, *won],
        [frame.money(v) if v else "" for v in (*weighted, *won)],
    )
    ax.set_yticks(ys, [m.label for m in chart.months], **font(style.LABEL_SIZE))
    for tick, m in zip(ax.get_yticklabels(), chart.months, strict=True):
        tick.set_color(style.TEXT if m.current else style.MUTED)
    ax.invert_yaxis()
    _bar_axes(ax)
    ax.legend(
        loc="lower left",
        bbox_to_anchor=(-0.35, 1.01),
        ncols=2,
        frameon=False,
        prop=legend_font(style.VALUE_SIZE),
    )
    return fig


# --------------------------------------------------------------------------- leaderboard


@dataclass(frozen=True, slots=True)
class LeaderRow:
    name: str
    won_cents: int
    won_count: int
    activities: int
    won_other: str = ""  # wins in currencies without a rate, already written ("$878k USD")


@dataclass(frozen=True, slots=True)
class LeaderboardChart:
    frame: Frame
    rows: tuple[LeaderRow, ...]  # best first
    won_title: str
    activities_title: str


def leaderboard_figure(chart: LeaderboardChart) -> Figure:
    """Two ranked panels, each in the order of its own measure: won amount (then deals won),
    and calls, visits and meetings — the busiest rep is first in the second panel even when
    someone else sold more."""
    frame = chart.frame
    fig = new_figure(frame)
    rows = chart.rows
    if not rows or not any(r.won_count or r.activities or r.won_other for r in rows):
        empty_page(fig, frame)
        return fig
    _layout(fig, top=TOP - 0.04, hspace=0.3)
    top, bottom = fig.subplots(2, 1)
    ys = list(range(len(rows)))
    by_won = list(rows)  # the caller ranks by won amount already
    by_acts = sorted(rows, key=lambda r: -r.activities)  # stable: ties keep the won order

    def names(ranked: Sequence[LeaderRow]) -> list[str]:
        return [shorten(f"{i}. {r.name}") for i, r in enumerate(ranked, start=1)]

    def won_text(r: LeaderRow) -> str:
        amount = frame.money(r.won_cents)
        if r.won_other:
            amount = r.won_other if not r.won_cents else f"{amount} + {r.won_other}"
        return f"{amount} ({r.won_count})"

    won = [r.won_cents for r in by_won]
    top.barh(ys, won, color=style.WON_COLOUR, height=0.7)
    label_bars(top, ys, won, [won_text(r) for r in by_won])
    acts = [r.activities for r in by_acts]
    bottom.barh(ys, acts, color=style.ACTIVITY_COLOUR, height=0.7)
    label_bars(bottom, ys, acts, [str(a) for a in acts])
    for ax, title, ranked in (
        (top, chart.won_title, by_won),
        (bottom, chart.activities_title, by_acts),
    ):
        _subtitle(ax, title)
        ax.set_yticks(ys, names(ranked), **font(style.LABEL_SIZE))
        ax.invert_yaxis()
        _bar_axes(ax)
    return fig


# --------------------------------------------------------------------------- activity


@dataclass(frozen=True, slots=True)
class ActivityPanel:
    name: str
    counts: tuple[tuple[int, ...], ...]  # per kind (``ActivityChart.kinds`` order), per week


@dataclass(frozen=True, slots=True)
class ActivityChart:
    frame: Frame
    weeks: tuple[str, ...]
    kinds: tuple[tuple[str, str], ...]  # (key, label): the key picks the colour
    panels: tuple[ActivityPanel, ...]  # at most MAX_ACTIVITY_PANELS; the caller merges the rest


def _columns(
    ax: Axes,
    xs: Sequence[float],
    heights: Sequence[int],
    bottoms: Sequence[int],
    colour: str,
    label: str,
    width: float = 0.75,
) -> None:
    """Stacked columns as one collection: ``ax.bar`` adds one artist per column, which for
    six reps x eight weeks x three kinds costs more than the rest of the chart."""
    from matplotlib.collections import PolyCollection

    half = width / 2
    boxes = [
        [(x - half, b), (x + half, b), (x + half, b + h), (x - half, b + h)]
        for x, h, b in zip(xs, heights, bottoms, strict=True)
        if h
    ]
    ax.add_collection(PolyCollection(boxes, facecolors=colour, linewidths=0, label=label))


def activity_figure(chart: ActivityChart) -> Figure:
    """One small panel per rep, weeks along the bottom, calls / visits / meetings stacked."""
    from matplotlib.ticker import MaxNLocator

    frame = chart.frame
    fig = new_figure(frame)
    panels = chart.panels[:MAX_ACTIVITY_PANELS]
    if not panels or not any(sum(map(sum, p.counts)) for p in panels):
        empty_page(fig, frame)
        return fig
    _layout(fig, left=0.1, top=TOP - 0.08, hspace=0.55)
    grid = fig.subplots(len(panels), 1, sharex=True, sharey=True, squeeze=False)
    axes: list[Axes] = list(grid[:, 0])
    xs = list(range(len(chart.weeks)))
    highest = max(max(map(sum, zip(*p.counts, strict=True)), default=0) for p in panels)
    for ax, panel in zip(axes, panels, strict=True):
        base = [0] * len(xs)
        for (key, label), counts in zip(chart.kinds, panel.counts, strict=True):
            _columns(ax, xs, counts, base, style.KIND_COLOURS.get(key, style.MUTED), label)
            base = [a + b for a, b in zip(base, counts, strict=True)]
        _subtitle(ax, f"{shorten(panel.name, 24)} · {sum(base)}")
        ax.set_xlim(-0.6, len(xs) - 0.4)
        ax.set_ylim(0, max(highest, 1) * 1.08)
        ax.yaxis.set_major_locator(MaxNLocator(3, integer=True))
        plain_axes(ax, grid_axis="y")
    axes[-1].set_xticks(xs, list(chart.weeks), **font(style.TICK_SIZE), rotation=0)
    if len(xs) > 6:
        for tick in axes[-1].get_xticklabels()[1::2]:
            tick.set_visible(False)
    axes[0].legend(
        loc="lower left",
        bbox_to_anchor=(-0.02, 1.3),
        ncols=len(chart.kinds),
        frameon=False,
        prop=legend_font(style.VALUE_SIZE),
    )
    return fig


# --------------------------------------------------------------------------- panels of bars


@dataclass(frozen=True, slots=True)
class BarPanel:
    """One panel of labelled horizontal bars: ``values`` drawn, ``texts`` written beside."""

    title: str
    labels: tuple[str, ...]
    values: tuple[int, ...]
    texts: tuple[str, ...]
    colour: str = style.FORECAST_COLOUR


@dataclass(frozen=True, slots=True)
class BarsChart:
    """Up to three panels of bars (the ticket report: tickets by state and by type; the
    contract report: value, received and outstanding by team)."""

    frame: Frame
    panels: tuple[BarPanel, ...]


def bars_figure(chart: BarsChart) -> Figure:
    frame = chart.frame
    fig = new_figure(frame)
    panels = [p for p in chart.panels if p.labels]
    if not panels or not any(any(p.values) for p in panels):
        empty_page(fig, frame)
        return fig
    _layout(fig, top=TOP - 0.04, hspace=0.35)
    axes = fig.subplots(len(panels), 1, squeeze=False)[:, 0]
    for ax, panel in zip(axes, panels, strict=True):
        ys = list(range(len(panel.labels)))
        ax.barh(ys, panel.values, color=panel.colour, height=0.7)
        label_bars(ax, ys, list(panel.values), list(panel.texts))
        _subtitle(ax, panel.title)
        ax.set_yticks(ys, [shorten(label) for label in panel.labels], **font(style.LABEL_SIZE))
        ax.invert_yaxis()
        _bar_axes(ax)
    return fig


ChartSpec = (
    PipelineChart | FunnelChart | ForecastChart | LeaderboardChart | ActivityChart | BarsChart
)


def draw(spec: ChartSpec) -> Figure:
    """The page for any chart spec, not yet encoded (tests measure where its text landed),
    with math parsing off for every text on it (:func:`charts.canvas.literal_text`).

    Not locked: call it under :func:`render_lock` (as :func:`render` does)."""
    fig = _draw(spec)
    literal_text(fig)
    return fig


def _draw(spec: ChartSpec) -> Figure:
    if isinstance(spec, PipelineChart):
        return pipeline_figure(spec)
    if isinstance(spec, FunnelChart):
        return funnel_figure(spec)
    if isinstance(spec, ForecastChart):
        return forecast_figure(spec)
    if isinstance(spec, LeaderboardChart):
        return leaderboard_figure(spec)
    if isinstance(spec, BarsChart):
        return bars_figure(spec)
    return activity_figure(spec)


def render(spec: ChartSpec) -> bytes:
    """Any chart spec to PNG bytes; blocking (tens of milliseconds), so call it in a thread.

    matplotlib is not thread-safe (its documentation asks callers to lock), and the
    default executor may run two renders at once: they take turns here. Rendering is
    CPU-bound under the GIL, so taking turns costs next to nothing.
    """
    with render_lock():
        return to_png(draw(spec))
