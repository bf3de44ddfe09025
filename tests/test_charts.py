"""Charts draw every label (Chinese included) at phone size, with consistent stage colours."""

from __future__ import annotations

import asyncio
import struct
import warnings
from pathlib import Path

import pytest
from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from charts import style
from charts.canvas import Frame, render_lock, shorten
from charts.fonts import cjk_font_path, font_families
from charts.kinds import (
    ActivityChart,
    ActivityPanel,
    ChartSpec,
    ForecastChart,
    FunnelBar,
    FunnelChart,
    LeaderboardChart,
    LeaderRow,
    MonthBars,
    OwnerStack,
    PipelineChart,
    StageBar,
    draw,
    render,
)


def frame(lang: str = "zh", note: str = "未换算：$5万 USD (1)") -> Frame:
    return Frame("销售管道", "东区团队 · 2026年第4季度", lang, "CNY", note, "没有在手商机")


STAGES = (("lead", "线索"), ("qualified", "已确认"), ("proposal", "方案"), ("negotiation", "谈判"))


def specs(lang: str = "zh") -> dict[str, ChartSpec]:
    f = frame(lang)
    return {
        "pipeline": PipelineChart(
            f,
            tuple(
                StageBar(k, label, i + 1, (i + 1) * 12_345_600)
                for i, (k, label) in enumerate(STAGES)
            ),
            (
                OwnerStack("李娜", (1, 2, 3, 4)),
                OwnerStack("Tom Baker", (4, 3, 2, 1)),
                OwnerStack("欧阳诸葛长名字销售代表", (0, 0, 9, 0)),
            ),
            "按销售",
        ),
        "funnel": FunnelChart(
            f,
            (
                FunnelBar("lead", "线索", 40, 0.6),
                FunnelBar("qualified", "已确认", 24, 0.5),
                FunnelBar("won", "赢单", 12, None),
            ),
        ),
        "forecast": ForecastChart(
            f,
            tuple(MonthBars(f"{m}月", m * 1_000_000, 500_000, m == 11) for m in (9, 10, 11, 12)),
            "预计（加权）",
            "已赢单",
        ),
        "leaderboard": LeaderboardChart(
            f,
            (LeaderRow("李娜", 86_000_000, 3, 45), LeaderRow("张强", 0, 0, 61)),
            "赢单金额",
            "活动",
        ),
        "activity": ActivityChart(
            f,
            ("9/28", "10/5", "10/12"),
            (("call", "电话"), ("visit", "拜访"), ("meeting", "会议")),
            (ActivityPanel("李娜", ((1, 2, 3), (0, 1, 0), (1, 0, 0))),),
        ),
    }


def png_size(data: bytes) -> tuple[int, int]:
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def missing_glyph_warnings(fn) -> list[str]:
    """Run ``fn`` and return matplotlib's "Glyph ... missing from font(s)" warnings."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fn()
    return [str(w.message) for w in caught if "missing from font" in str(w.message)]


def test_the_cjk_font_is_registered_by_path():
    path = cjk_font_path()
    assert path.is_file()
    assert path.suffix == ".otf"
    families = font_families()
    assert families[0] == "Noto Sans CJK SC"
    assert any(Path(f.fname) == path for f in font_manager.fontManager.ttflist)


def test_the_glyph_check_does_catch_a_font_without_chinese():
    """Guards the test below: the same capture does see a missing glyph when there is one."""

    def draw_with_latin_font():
        fig = Figure()
        FigureCanvasAgg(fig)
        fig.text(0.1, 0.5, "管道", fontfamily="DejaVu Sans")
        fig.canvas.draw()

    assert missing_glyph_warnings(draw_with_latin_font)


@pytest.mark.parametrize("kind", ["pipeline", "funnel", "forecast", "leaderboard", "activity"])
def test_chinese_charts_render_every_glyph_at_phone_size(kind):
    spec = specs("zh")[kind]
    out: list[bytes] = []
    assert missing_glyph_warnings(lambda: out.append(render(spec))) == []
    assert png_size(out[0]) == (900, 1350)
    assert 10_000 < len(out[0]) < 200_000


@pytest.mark.parametrize("kind", ["pipeline", "funnel", "forecast", "leaderboard", "activity"])
def test_empty_charts_say_so(kind):
    f = frame()
    empties: dict[str, ChartSpec] = {
        "pipeline": PipelineChart(f, tuple(StageBar(k, lab, 0, 0) for k, lab in STAGES)),
        "funnel": FunnelChart(f, ()),
        "forecast": ForecastChart(f, (), "a", "b"),
        "leaderboard": LeaderboardChart(f, (), "a", "b"),
        "activity": ActivityChart(f, (), (), ()),
    }
    empty = empties[kind]
    out: list[bytes] = []
    assert missing_glyph_warnings(lambda: out.append(render(empty))) == []
    assert png_size(out[0]) == (900, 1350)


def test_renders_are_deterministic():
    spec = specs("en")["pipeline"]
    assert render(spec) == render(spec)


def test_stage_colours_are_fixed_and_custom_stages_get_one_too():
    assert style.stage_colour("won", 4) == style.STAGE_COLOURS["won"]
    assert style.stage_colour("negotiation", 0) == style.stage_colour("negotiation", 9)
    assert style.stage_colour("demo", 2) == style.PALETTE[2]


@pytest.mark.parametrize(
    ("cents", "lang", "text"),
    [
        (0, "en", "¥0"),
        (123_456_789, "en", "¥1.23m"),
        (123_456_789, "zh", "¥123万"),
        (5_000_000, "zh", "¥5万"),
        (5_000_000, "en", "¥50k"),
        (99_950, "en", "¥1,000"),
        (1_234_567_890_12, "zh", "¥12.3亿"),
        (-86_000_000, "zh", "-¥86万"),
        (403_012_345_678, "en", "¥4.03bn"),
        (-400_000_000_000, "en", "-¥4bn"),
        (403_012_345_678, "zh", "¥40.3亿"),
    ],
)
def test_short_money(cents, lang, text):
    assert style.short_money(cents, "CNY", lang) == text


def test_long_labels_are_shortened_by_display_width():
    assert shorten("Acme") == "Acme"
    assert shorten("欧阳诸葛长名字销售代表") == "欧阳诸葛长名字…"
    assert shorten("A very long English company name") == "A very long Eng…"


async def test_renders_in_worker_threads_match_the_sequential_ones():
    """The handlers draw with asyncio.to_thread; several at once must not disturb each other."""
    all_specs = list(specs("zh").values())
    expected = [render(s) for s in all_specs]
    drawn = await asyncio.gather(*(asyncio.to_thread(render, s) for s in all_specs))
    assert list(drawn) == expected


DOLLARS = "$351万 USD (10), S$150万"


def dollar_specs() -> dict[str, ChartSpec]:
    """Every chart with two "$" in its footer, a title, a name and a stage label."""
    f = Frame("Pipeline $", "Team $East$", "en", "USD", f"Not converted: {DOLLARS}", "none")
    return {
        "pipeline": PipelineChart(
            f,
            (StageBar("lead", "Lead $1$", 3, 12_300_000), StageBar("won", "Won", 1, 100)),
            (OwnerStack("Li $a$", (1, 2)), OwnerStack("Tom", (2, 1))),
            "By $rep$",
        ),
        "funnel": FunnelChart(
            f, (FunnelBar("lead", "$L$", 40, 0.6), FunnelBar("won", "W", 1, None))
        ),
        "forecast": ForecastChart(f, (MonthBars("$Dec$", 100, 50, True),), "$w$", "$x$"),
        "leaderboard": LeaderboardChart(
            f,
            (LeaderRow("$Li$", 100, 1, 2, "$5k USD"), LeaderRow("Tom", 0, 2, 9, "$878k USD")),
            "$",
            "$",
        ),
        "activity": ActivityChart(
            f, ("$1$",), (("call", "$c$"),), (ActivityPanel("$T$", ((1,),)),)
        ),
    }


@pytest.mark.parametrize("kind", ["pipeline", "funnel", "forecast", "leaderboard", "activity"])
def test_dollar_signs_are_text_not_math_everywhere(kind, caplog):
    """Two "$" in one label made matplotlib typeset it as TeX: garbled, with a glyph warning."""
    spec = dollar_specs()[kind]
    with render_lock():
        fig = draw(spec)
    from matplotlib.text import Text

    assert missing_glyph_warnings(lambda: render(spec)) == []
    assert "does not have a glyph" not in caplog.text
    texts = [t for t in fig.findobj(Text) if "$" in t.get_text()]
    assert texts
    assert all(not t.get_parse_math() for t in texts)


def _inside(inner, outer) -> bool:
    return bool(
        inner.x0 >= outer.x0 - 0.5
        and inner.x1 <= outer.x1 + 0.5
        and inner.y0 >= outer.y0 - 0.5
        and inner.y1 <= outer.y1 + 0.5
    )


def test_a_thin_funnel_bar_gets_its_number_beside_it_not_spilling_over_it():
    spec = FunnelChart(
        frame("en"), (FunnelBar("lead", "Lead", 57, 0.02), FunnelBar("won", "Won", 1, None))
    )
    with render_lock():
        fig = draw(spec)
        fig.canvas.draw()
    ax = fig.axes[0]
    bars = [p.get_window_extent() for p in ax.patches]
    labels = {t.get_text(): t.get_window_extent() for t in ax.texts}
    assert _inside(labels["57"], bars[0])  # a wide bar keeps its number inside
    thin, one = bars[1], labels["1"]
    assert one.x0 >= thin.x1  # beside the thin bar, not half over it
    assert _inside(one, fig.bbox)


@pytest.mark.parametrize("kind", ["pipeline", "forecast", "leaderboard"])
def test_value_labels_stay_on_the_page_even_long_ones(kind):
    f = Frame("P", "S", "en", "CNY", "", "")
    long_rows = (
        LeaderRow("Li", 999_999_999_99, 99, 999, "$999k USD + S$999k SGD"),
        LeaderRow("Tom", 1, 1, 1),
    )
    specs_by_kind: dict[str, ChartSpec] = {
        "pipeline": PipelineChart(
            f,
            (StageBar("lead", "Lead", 999, 999_999_999_99), StageBar("qualified", "Q", 1, 1)),
            (OwnerStack("Li", (999_999_999_99, 0)), OwnerStack("Tom", (1, 1))),
            "By rep",
        ),
        "forecast": ForecastChart(
            f, (MonthBars("Dec", 999_999_999_99, 999_999_999_99, True),), "w", "x"
        ),
        "leaderboard": LeaderboardChart(f, long_rows, "Won", "Acts"),
    }
    spec = specs_by_kind[kind]
    with render_lock():
        fig = draw(spec)
        fig.canvas.draw()
    for ax in fig.axes:
        plot = ax.get_window_extent()
        for text in ax.texts:
            if text.get_text():
                assert _inside(text.get_window_extent(), plot), text.get_text()


def test_each_leaderboard_panel_is_ranked_by_its_own_measure():
    """Issue 18.3: the activity panel listed the reps in won-amount order."""
    spec = LeaderboardChart(
        frame("en"),
        (
            LeaderRow("Seller", 90_000_000, 3, 5),
            LeaderRow("Mid", 1, 1, 30),
            LeaderRow("Busy", 0, 0, 60),
        ),
        "Won",
        "Calls",
    )
    with render_lock():
        fig = draw(spec)
    won, acts = fig.axes
    assert [t.get_text() for t in won.get_yticklabels()] == ["1. Seller", "2. Mid", "3. Busy"]
    assert [t.get_text() for t in acts.get_yticklabels()] == ["1. Busy", "2. Mid", "3. Seller"]
    assert [t.get_text() for t in acts.texts] == ["60", "30", "5"]
