"""Tests for perfeval._charts: content of the figures, the font, the formats."""
from __future__ import annotations

import warnings

import pandas as pd
import pytest

import perfeval
from perfeval import _charts as C
from perfeval._narrative import fmt_pct, fmt_wan


@pytest.fixture(scope="module")
def frames():
    ds = perfeval.load()
    return {
        "ds": ds,
        "m": perfeval.metrics(ds),
        "im": perfeval.item_metrics(ds),
        "sc": perfeval.rescore(ds),
        "names": dict(zip(ds.departments["dept_id"], ds.departments["name"])),
    }


def _texts(fig) -> list[str]:
    return [t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text"))]


def _all_figures(f):
    m, sc, names = f["m"], f["sc"], f["names"]
    m21 = m[m["year"] == 2021]
    row = m21[m21["dept_id"] == "hyx-wxb"].iloc[0]
    ind = sc.indicators[(sc.indicators["dept_id"] == "hyx-wxb") & (sc.indicators["year"] == 2021)]
    return {
        "funds": C.funds_chart(row),
        "composition": C.composition_chart(m21),
        "execution": C.execution_rate_chart(m21),
        "yoy": C.yoy_chart(m, "demo-wjw"),
        "staffing": C.staffing_chart(m21),
        "indicators": C.indicator_scores_chart(ind),
        "heatmap": C.category_heatmap(sc.categories[sc.categories["year"] == 2021], names),
        "ranking": C.ranking_chart(sc.totals[sc.totals["year"] == 2021], names),
        "history": C.score_history_chart(sc.totals, names),
        "items": C.spending_by_item_chart(f["im"], "demo-nync", names=names),
        "rates": C.rates_history_chart(m),
    }


def test_every_chart_renders_without_glyph_warnings(frames):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        figures = _all_figures(frames)
        pngs = {k: C.to_png(fig) for k, fig in figures.items()}
    glyph = [str(w.message) for w in caught if "Glyph" in str(w.message) or "missing from" in str(w.message)]
    assert glyph == []
    for name, png in pngs.items():
        assert png.startswith(b"\x89PNG"), name


def test_charts_are_a4_width_and_use_the_bundled_font(frames):
    from perfeval._fonts import FONT_FAMILY

    fig = C.execution_rate_chart(frames["m"][frames["m"]["year"] == 2021])
    assert fig.get_size_inches()[0] == pytest.approx(16 / 2.54)
    C.to_png(fig)
    families = {t.get_fontfamily()[0] for t in fig.findobj(lambda a: hasattr(a, "get_fontfamily"))}
    import matplotlib as mpl

    assert mpl.rcParams["font.sans-serif"][0] == FONT_FAMILY
    assert families <= {"sans-serif", FONT_FAMILY}


def test_funds_chart_labels_are_the_metrics_in_wan(frames):
    m = frames["m"]
    row = m[(m["dept_id"] == "demo-fl") & (m["year"] == 2022)].iloc[0]
    texts = _texts(C.funds_chart(row))
    for key in ("budget_initial", "budget_adjusted", "actual"):
        assert fmt_wan(row[key]) in texts
    assert any(fmt_pct(row["execution_rate"]) in t for t in texts)


def test_funds_chart_marks_blank_as_not_reported():
    row = {"name": "甲", "year": 2021, "budget_initial": pd.NA, "budget_adjusted": 10.0,
           "actual": 9.5, "execution_rate": 0.95}
    texts = _texts(C.funds_chart(row))
    assert "未填报" in texts and "10.0000万元" in texts


def test_execution_bars_equal_rates_and_show_the_100_line(frames):
    m21 = frames["m"][frames["m"]["year"] == 2021]
    fig = C.execution_rate_chart(m21)
    ax = fig.axes[0]
    heights = sorted(round(p.get_height(), 10) for p in ax.patches)
    assert heights == sorted(round(float(x), 10) for x in m21["execution_rate"].dropna())
    assert any(list(line.get_ydata()) == [1.0, 1.0] for line in ax.get_lines())
    assert [t.get_text() for t in ax.get_xticklabels()] == m21["name"].tolist()


def test_composition_shares_add_up_to_one(frames):
    m21 = frames["m"][frames["m"]["year"] == 2021].reset_index(drop=True)
    ax = C.composition_chart(m21).axes[0]
    widths = [p.get_width() for p in ax.patches]
    n = len(m21)
    per_row = [sum(widths[i::n]) for i in range(n)]
    assert per_row == pytest.approx([1.0] * n)
    expected = float(m21.loc[0, "personnel"]) / float(m21.loc[0, ["personnel", "public", "project"]].astype(float).sum())
    assert widths[0] == pytest.approx(expected)


def test_heatmap_is_departments_by_categories(frames):
    cats = frames["sc"].categories
    c21 = cats[cats["year"] == 2021]
    fig = C.category_heatmap(c21, frames["names"])
    data = fig.axes[0].images[0].get_array()
    assert data.shape == (c21["dept_id"].nunique(), c21["level1"].nunique())
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert "示例·财政局" in labels and "网信办" in labels


def test_ranking_is_best_first(frames):
    t = frames["sc"].totals
    t21 = t[t["year"] == 2021]
    ax = C.ranking_chart(t21, frames["names"]).axes[0]
    widths = [p.get_width() for p in ax.patches]
    assert widths == sorted(widths, reverse=True)
    assert widths[0] == pytest.approx(float(t21["total"].max()))


def test_staffing_marks_over_quota_in_red(frames):
    m = frames["m"]
    fig = C.staffing_chart(m[m["dept_id"] == "demo-wjw"], by="year")
    red = [t.get_text() for t in fig.axes[0].texts if t.get_color() == "#b03a3a"]
    over = m[(m["dept_id"] == "demo-wjw") & (m["staff_control_rate"] > 1)]
    assert red == [fmt_pct(r) for r in over["staff_control_rate"]]
    assert len(red) >= 1


def test_empty_frames_give_a_message_not_an_error(frames):
    empty = frames["m"].iloc[0:0]
    for fig in (C.execution_rate_chart(empty), C.composition_chart(empty), C.staffing_chart(empty)):
        texts = _texts(fig)
        assert any(t.startswith("无") for t in texts)


def test_charts_do_not_mutate_inputs(frames):
    m = frames["m"].copy()
    sc = frames["sc"]
    before = sc.totals.copy()
    _all_figures({**frames, "m": m})
    pd.testing.assert_frame_equal(m, frames["m"])
    pd.testing.assert_frame_equal(sc.totals, before)


def test_show_displays_a_png(monkeypatch, frames):
    shown = []
    import IPython.display

    monkeypatch.setattr(IPython.display, "display", lambda obj: shown.append(obj))
    fig = C.execution_rate_chart(frames["m"][frames["m"]["year"] == 2021])
    C.show(fig)
    assert len(shown) == 1 and shown[0].data.startswith(b"\x89PNG")
    assert fig.axes == []  # released after display


def test_to_png_draws_the_pixels_of_matplotlibs_own_savefig(frames, monkeypatch):
    """to_png lays out and draws once, titles sit at a fixed height: the same pixels as
    ``savefig(bbox_inches="tight")`` with matplotlib's automatic title placement."""
    import io

    import numpy as np
    from PIL import Image

    from perfeval import _fonts

    def pixels(png: bytes) -> np.ndarray:
        return np.asarray(Image.open(io.BytesIO(png)).convert("RGBA"))

    fast = {k: C.to_png(fig) for k, fig in _all_figures(frames).items()}
    monkeypatch.delitem(_fonts.MPL_STYLE, "axes.titley")
    import matplotlib as mpl

    monkeypatch.setitem(mpl.rcParams, "axes.titley", None)
    reference = {}
    for name, fig in _all_figures(frames).items():
        assert fig.axes[0]._autotitlepos is not False, name  # the reference places its titles itself
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=C.DPI, bbox_inches="tight")
        reference[name] = buf.getvalue()
    for name in reference:
        a, b = pixels(fast[name]), pixels(reference[name])
        assert a.shape == b.shape, name
        assert (a == b).all(), f"{name}: {(a != b).any(axis=2).sum()} pixels differ"
    fig = C.funds_chart(frames["m"].iloc[0])
    engine = fig.get_layout_engine()
    C.to_png(fig)
    assert fig.get_layout_engine() is engine  # the figure keeps its constrained layout
