"""Interactive charts for the explorer (plotly): hover values, offline.

The report notebooks keep matplotlib (:mod:`perfeval.charts`); these figures are
for the explorer (``perfeval explore`` and ``notebooks/04_explore.ipynb`` in
JupyterLab).  They are shown through plotly's MIME renderer
(``application/vnd.plotly.v1+json``), drawn by the ``jupyterlab-plotly``
extension that the ``plotly`` package installs: plotly.js comes from the local
Jupyter server, never from a CDN.  Every function takes library frames and
returns a :class:`plotly.graph_objects.Figure`; hover text is formatted by the
same helpers as the reports (:func:`perfeval.narrative.fmt_wan`, ``fmt_pct``).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from ._charts import FUNDS_COLOURS, REPORTED_COLOUR, RESCORED_COLOUR
from ._fonts import PALETTE, css_font_stack
from ._narrative import MISSING, fmt_pct, fmt_score, fmt_wan

__all__ = [
    "funds_figure",
    "composition_figure",
    "indicator_figure",
    "totals_figure",
    "item_history_figure",
    "trends_figure",
    "wrap_label",
]

ROLLUP_NOTE = "（由明细合计）"


def _go():
    import plotly.graph_objects as go

    return go


def _num(x) -> float | None:
    if x is None or x is pd.NA:
        return None
    try:
        return None if pd.isna(x) else float(x)
    except (TypeError, ValueError):
        return None


def wrap_label(text: object, width: int = 14) -> str:
    """Break a long label into lines of ``width`` characters (``<br>``), never cut it.

    Examples
    --------
    >>> wrap_label("网络安全和信息化工作宣传覆盖率", 8)
    '网络安全和信息化<br>工作宣传覆盖率'
    """
    s = "" if text is None or text is pd.NA else str(text)
    return "<br>".join(s[i:i + width] for i in range(0, len(s), width)) or " "


def _layout(fig, title: str, *, height: int = 360, **kw) -> None:
    fig.update_layout(
        title={"text": title, "x": 0, "xanchor": "left", "font": {"size": 15}},
        font={"family": css_font_stack(), "size": 12},
        height=height, margin={"l": 10, "r": 10, "t": 50, "b": 10},
        template="plotly_white", colorway=list(PALETTE),
        hoverlabel={"font": {"family": css_font_stack()}},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "xanchor": "right", "x": 1},
        **kw,
    )
    fig.update_xaxes(automargin=True)
    fig.update_yaxes(automargin=True)


def funds_figure(rows: pd.DataFrame, names: Mapping[str, str] | None = None):
    """年初预算数, 全年预算数, 全年执行数 per department (grouped bars, 万元).

    Parameters
    ----------
    rows : DataFrame
        :func:`perfeval.metrics` rows, one per department (same year).
    names : mapping, optional
        dept_id → label; defaults to the ``name`` column.
    """
    go = _go()
    labels = [str((names or {}).get(d, n)) for d, n in zip(rows["dept_id"], rows["name"])]
    fig = go.Figure()
    for (col, label), colour in zip((("budget_initial", "年初预算数"), ("budget_adjusted", "全年预算数"),
                                     ("actual", "全年执行数")), FUNDS_COLOURS):
        values = [_num(v) for v in rows[col]]
        hover = [f"{dept}<br>{label}：{fmt_wan(v)}<br>执行率：{fmt_pct(r)}"
                 for dept, v, r in zip(labels, values, rows["execution_rate"])]
        fig.add_bar(name=label, x=labels, y=values, marker_color=colour, hovertext=hover, hoverinfo="text",
                    text=[fmt_wan(v) for v in values], textposition="outside", cliponaxis=False)
    year = rows["year"].iloc[0] if len(rows) else ""
    _layout(fig, f"{year}年 资金概况（万元）", barmode="group")
    fig.update_yaxes(title_text="万元", rangemode="tozero")
    return fig


def composition_figure(parts: pd.DataFrame):
    """Spending by 人员经费, 公用经费, 项目支出 per department or year (stacked bars).

    Parameters
    ----------
    parts : DataFrame
        Columns ``label`` (bar), ``item``, ``value`` (万元), ``share`` (of the
        bar's total) and ``rolled_up`` (bool: value summed from the item's
        details, marked in the hover text).
    """
    go = _go()
    fig = go.Figure()
    for item, g in parts.groupby("item", sort=False):
        hover = [f"{lab}<br>{item}：{fmt_wan(v)}{ROLLUP_NOTE if r else ''}<br>占比：{fmt_pct(s)}"
                 for lab, v, s, r in zip(g["label"], g["value"], g["share"], g["rolled_up"])]
        fig.add_bar(name=str(item), x=[_num(v) for v in g["value"]], y=list(g["label"]), orientation="h",
                    hovertext=hover, hoverinfo="text")
    _layout(fig, "支出构成（全年执行数，万元）", height=max(220, 90 + 46 * parts["label"].nunique()),
            barmode="stack")
    fig.update_xaxes(title_text="万元")
    fig.update_yaxes(autorange="reversed", type="category")
    return fig


def indicator_figure(ind: pd.DataFrame, title: str = "指标得分：自评与复核"):
    """Each indicator's reported and re-scored points; full names wrapped and on hover.

    Parameters
    ----------
    ind : DataFrame
        :attr:`perfeval.Scorecard.indicators` rows (``seq, name, weight,
        reported_score, score, basis``), with ``label`` when several departments
        are shown together.
    """
    go = _go()
    prefix = ind["label"].astype(str) + " " if "label" in ind.columns else ""
    full = (prefix + ind["seq"].astype(str) + ". " + ind["name"].astype(str)).tolist()
    ticks = [wrap_label(t, 16) for t in full]
    fig = go.Figure()
    for col, label, colour in (("reported_score", "自评得分", REPORTED_COLOUR), ("score", "复核得分", RESCORED_COLOUR)):
        values = [_num(v) for v in ind[col]]
        hover = [f"{t}<br>分值：{fmt_score(w)}<br>{label}：{fmt_score(v)}<br>{b}"
                 for t, w, v, b in zip(full, ind["weight"], values, ind["basis"].fillna(""))]
        fig.add_bar(name=label, y=ticks, x=values, orientation="h", marker_color=colour,
                    hovertext=hover, hoverinfo="text")
    lines = sum(t.count("<br>") + 1 for t in ticks)
    _layout(fig, title, height=max(260, 90 + 20 * lines + 14 * len(ticks)), barmode="group")
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_xaxes(title_text="分")
    return fig


def totals_figure(totals: pd.DataFrame, names: Mapping[str, str]):
    """Reported and re-scored totals per department, with grades on hover."""
    go = _go()
    labels = [names.get(d, d) for d in totals["dept_id"]]
    fig = go.Figure()
    for col, grade, label, colour in (("total_reported", "grade_reported", "自评总分", REPORTED_COLOUR),
                                      ("total", "grade", "复核总分", RESCORED_COLOUR)):
        values = [_num(v) for v in totals[col]]
        hover = [f"{lab}<br>{label}：{fmt_score(v)}（{g if isinstance(g, str) else MISSING}）"
                 for lab, v, g in zip(labels, values, totals[grade])]
        fig.add_bar(name=label, x=labels, y=values, marker_color=colour, hovertext=hover, hoverinfo="text")
    _layout(fig, "总分：自评与复核", barmode="group")
    fig.update_yaxes(title_text="分", rangemode="tozero")
    return fig


def item_history_figure(history: pd.DataFrame, item: str, year: int | None,
                        names: Mapping[str, str]):
    """One finance item's budget and actual over the years, the chosen year marked.

    Parameters
    ----------
    history : DataFrame
        :func:`perfeval.item_metrics` rows of the item (one or more departments).
    item : str
    year : int, optional
        Drawn as a vertical band and named in the title.
    names : mapping
        dept_id → label.
    """
    go = _go()
    fig = go.Figure()
    several = history["dept_id"].nunique() > 1
    for i, (dept, g) in enumerate(history.groupby("dept_id", sort=False)):
        g = g.sort_values("year")
        who = f"{names.get(dept, dept)} " if several else ""
        colour = PALETTE[i % len(PALETTE)]
        for col, label, dash in (("adjusted_budget", "全年预算数", "dot"), ("actual", "全年执行数", "solid")):
            values = [_num(v) for v in g[col]]
            hover = [f"{who}{int(y)}年 {item}<br>{label}：{fmt_wan(v)}<br>执行率：{fmt_pct(r)}<br>同比：{fmt_pct(c)}"
                     for y, v, r, c in zip(g["year"], values, g["execution_rate"], g["yoy_rate"])]
            fig.add_scatter(name=f"{who}{label}", x=[int(y) for y in g["year"]], y=values, mode="lines+markers",
                            line={"color": colour, "dash": dash}, hovertext=hover, hoverinfo="text",
                            connectgaps=False)
    title = f"{item} 历年变化（万元）"
    if year is not None:
        fig.add_vrect(x0=year - 0.4, x1=year + 0.4, fillcolor="#d9822b", opacity=0.15, line_width=0,
                      annotation_text=f"{year}年", annotation_position="top left")
        title += f"，{year}年已标出"
    _layout(fig, title)
    fig.update_xaxes(dtick=1, tickformat="d", title_text="年度")
    fig.update_yaxes(title_text="万元", rangemode="tozero")
    return fig


def trends_figure(rows: pd.DataFrame, names: Mapping[str, str], years: Sequence[int]):
    """Spending (全年执行数) and execution rate over a year range, one line per department."""
    go = _go()
    from plotly.subplots import make_subplots

    fig = make_subplots(rows=1, cols=2, subplot_titles=("全年执行数（万元）", "预算执行率"), horizontal_spacing=0.12)
    for i, (dept, g) in enumerate(rows.groupby("dept_id", sort=False)):
        g = g.sort_values("year")
        colour = PALETTE[i % len(PALETTE)]
        label = names.get(dept, dept)
        xs = [int(y) for y in g["year"]]
        actual = [_num(v) for v in g["actual"]]
        rate = [_num(v) for v in g["execution_rate"]]
        fig.add_trace(go.Scatter(name=label, x=xs, y=actual, mode="lines+markers", line={"color": colour},
                                 legendgroup=label, hoverinfo="text",
                                 hovertext=[f"{label} {x}年<br>全年执行数：{fmt_wan(v)}" for x, v in zip(xs, actual)]),
                      row=1, col=1)
        fig.add_trace(go.Scatter(name=label, x=xs, y=rate, mode="lines+markers", line={"color": colour},
                                 legendgroup=label, showlegend=False, hoverinfo="text",
                                 hovertext=[f"{label} {x}年<br>执行率：{fmt_pct(v)}" for x, v in zip(xs, rate)]),
                      row=1, col=2)
    span = f"{min(years)}—{max(years)}年" if years else ""
    _layout(fig, f"趋势 {span}")
    fig.update_xaxes(dtick=1, tickformat="d")
    fig.update_yaxes(rangemode="tozero", row=1, col=1)
    fig.update_yaxes(tickformat=".0%", row=1, col=2)
    return fig
