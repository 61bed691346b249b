"""Charts for the reports: one look, the bundled CJK font, readable on A4.

Every function takes library frames (:func:`perfeval.metrics`,
:func:`perfeval.item_metrics`, a :class:`perfeval.Scorecard`'s frames) and returns
a :class:`matplotlib.figure.Figure` built without ``pyplot`` (so nothing piles up in
pyplot's figure registry). :func:`show` displays a figure in a notebook as a PNG
and releases it. Money is labelled in 万元 with four decimals, rates as
percentages; 示例 departments keep their 示例· name in labels and legends.

Figures are 16 cm wide (A4 portrait text width) at 150 dpi.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, FuncFormatter, PercentFormatter

from ._narrative import fmt_pct, fmt_score, fmt_wan

__all__ = [
    "WIDTH_IN",
    "DPI",
    "new_figure",
    "show",
    "to_png",
    "funds_chart",
    "composition_chart",
    "execution_rate_chart",
    "yoy_chart",
    "staffing_chart",
    "indicator_scores_chart",
    "category_heatmap",
    "ranking_chart",
    "score_history_chart",
    "spending_by_item_chart",
    "rates_history_chart",
    "per_capita_chart",
    "staffing_history_chart",
]

#: Figure width in inches: 16 cm, the text width of an A4 portrait page.
WIDTH_IN = 16 / 2.54
#: Resolution of the PNGs.
DPI = 150
#: zlib level of the PNGs: 3 encodes a chart about a sixth faster than zlib's default (6)
#: for 8–14 % more bytes; pixels are identical (PNG is lossless). See docs/scale.md.
PNG_COMPRESS_LEVEL = 3
#: Colours of the three budget figures (年初预算, 全年预算, 全年执行).
FUNDS_COLOURS = ("#9db7d5", "#1f5a96", "#d9822b")
#: Colours of the composition (人员经费, 公用经费, 项目支出).
COMPOSITION_COLOURS = ("#1f5a96", "#4f8fbf", "#d9822b")
#: Reported versus re-scored.
REPORTED_COLOUR, RESCORED_COLOUR = "#9a9a9a", "#1f5a96"

_pct_axis = PercentFormatter(xmax=1, decimals=0)


def _wan_axis(x: float, _pos: int | None = None) -> str:
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:g}"


def new_figure(height_in: float = 3.6, width_in: float = WIDTH_IN) -> Figure:
    """Return an empty figure in the perfeval style (bundled CJK font applied).

    Parameters
    ----------
    height_in : float, default 3.6
        Height in inches.
    width_in : float, default :data:`WIDTH_IN`
        Width in inches.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from ._fonts import use_cjk_font

    use_cjk_font()
    return Figure(figsize=(width_in, height_in), dpi=DPI, layout="constrained")


def to_png(fig: Figure) -> bytes:
    """Render a figure to PNG bytes at :data:`DPI`, cropped to its content (``bbox_inches="tight"``).

    The pixels are those of ``fig.savefig(..., bbox_inches="tight")``, drawn once
    instead of twice: for a figure with a layout engine (constrained layout, as
    :func:`new_figure` makes) matplotlib's ``savefig`` draws the whole figure once
    without rendering just to run the layout, then draws it again to render.  Here
    the layout runs on its own, the tight box is measured, and the figure is drawn
    once (see docs/scale.md).  The figure's layout engine is put back afterwards.
    """
    import io

    import matplotlib as mpl
    from matplotlib.backend_bases import FigureCanvasBase
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    buf = io.BytesIO()
    options = {"format": "png", "dpi": DPI, "pil_kwargs": {"compress_level": PNG_COMPRESS_LEVEL}}
    engine, pad = fig.get_layout_engine(), mpl.rcParams["savefig.pad_inches"]
    if type(fig.canvas) is FigureCanvasBase:  # made without pyplot: give it the canvas savefig would use
        FigureCanvasAgg(fig)
    if engine is None or fig.dpi != DPI or not isinstance(fig.canvas, FigureCanvasAgg) or isinstance(pad, str):
        fig.savefig(buf, bbox_inches="tight", **options)  # anything else: matplotlib's own way
        return buf.getvalue()
    renderer = fig.canvas.get_renderer()
    engine.execute(fig)
    box = fig.get_tightbbox(renderer).padded(pad)
    with mpl.rc_context({"figure.autolayout": False, "figure.constrained_layout.use": False}):
        fig.set_layout_engine(None)  # laid out above; with no engine, savefig draws the figure only once
    try:
        fig.savefig(buf, bbox_inches=box, **options)
    finally:
        fig.set_layout_engine(engine)
    return buf.getvalue()


def show(fig: Figure) -> None:
    """Display a figure in Jupyter as a PNG image, then release it.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    """
    from IPython.display import Image, display

    display(Image(data=to_png(fig), format="png", width=int(WIDTH_IN * 96)))
    fig.clear()


def _names(frame: pd.DataFrame, names: Mapping[str, str] | None) -> pd.Series:
    if names is not None:
        return frame["dept_id"].map(lambda d: names.get(d, d))
    if "name" in frame.columns:
        return frame["name"].fillna(frame["dept_id"]).astype(str)
    return frame["dept_id"].astype(str)


def _empty(fig: Figure, message: str) -> Figure:
    ax = fig.add_subplot()
    ax.axis("off")
    ax.text(0.5, 0.5, message, ha="center", va="center", fontsize=11, color="#666666")
    return fig


def _num(x) -> float:
    return float("nan") if pd.isna(x) else float(x)


#: Colour of the notes that say a value is blank (未填报).
NOTE_COLOUR = "#666666"


def _listing(labels: Iterable[object], limit: int = 6) -> str:
    """``甲、乙、丙`` (at most ``limit`` names, then ``等N个``)."""
    labels = [str(x) for x in labels]
    if len(labels) <= limit:
        return "、".join(labels)
    return "、".join(labels[:limit]) + f"等{len(labels)}个"


def _missing_note(fig: Figure, what: str, labels: Iterable[object]) -> None:
    """Say under the chart which rows were left out because ``what`` is blank (未填报).

    The note is the figure's ``supxlabel``, so constrained layout keeps it clear of
    the tick labels.
    """
    labels = list(labels)
    if labels:
        fig.supxlabel(f"{what}未填报：{_listing(labels)}", fontsize=8.5, color=NOTE_COLOUR)


def _empty_because(fig: Figure, message: str, what: str, labels: Iterable[object]) -> Figure:
    """:func:`_empty`, naming the rows whose ``what`` is blank when there are any."""
    labels = list(labels)
    if labels:
        message = f"{message}（{_listing(labels)}{what}未填报）"
    return _empty(fig, message)


# --------------------------------------------------------------------------- one department
def funds_chart(metrics_row: Mapping | pd.Series, title: str | None = None) -> Figure:
    """Bar chart of 年初预算数, 全年预算数, 全年执行数 for one department and year.

    Parameters
    ----------
    metrics_row : mapping or Series
        One row of :func:`perfeval.metrics` (``budget_initial, budget_adjusted,
        actual, execution_rate``, plus ``name, year`` for the title).
    title : str, optional

    Returns
    -------
    Figure
        Bars labelled in 万元 with four decimals; blank figures show 未填报.
    """
    fig = new_figure(3.2)
    ax = fig.add_subplot()
    labels = ["年初预算数", "全年预算数", "全年执行数"]
    values = [metrics_row.get(k) for k in ("budget_initial", "budget_adjusted", "actual")]
    heights = [0.0 if pd.isna(v) else float(v) for v in values]
    bars = ax.bar(labels, heights, color=FUNDS_COLOURS, width=0.55)
    for bar, v in zip(bars, values):
        ax.annotate(fmt_wan(v), (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                    xytext=(0, 3), textcoords="offset points", ha="center", va="bottom", fontsize=9)
    ax.set_ylabel("万元")
    ax.yaxis.set_major_formatter(FuncFormatter(_wan_axis))
    ax.set_ylim(0, max(heights + [1.0]) * 1.18)
    if title is None:
        title = f"{metrics_row.get('name', '')} {metrics_row.get('year', '')}年 资金概况（执行率 {fmt_pct(metrics_row.get('execution_rate'))}）"
    ax.set_title(title)
    return fig


def composition_chart(metrics: pd.DataFrame, names: Mapping[str, str] | None = None,
                      title: str = "支出构成（全年执行数）") -> Figure:
    """Horizontal stacked bars of 人员经费, 公用经费, 项目支出 shares, one bar per row.

    Parameters
    ----------
    metrics : DataFrame
        Rows of :func:`perfeval.metrics` (``personnel, public, project``); one
        row per department (comparison) or per year (one department: label by year
        by passing ``names=None`` and a frame with a single dept_id).
    names : mapping, optional
        dept_id → label; defaults to the ``name`` column.
    title : str

    Returns
    -------
    Figure
        Shares as percentages of the three parts' sum, amounts in 万元 in the labels.
    """
    parts = [("personnel", "人员经费"), ("public", "公用经费"), ("project", "项目支出")]
    df = metrics.reset_index(drop=True)
    fig = new_figure(max(1.6, 0.45 * len(df) + 1.3))
    if df.empty:
        return _empty(fig, "无数据")
    labels = _names(df, names)
    if df["dept_id"].nunique() == 1 and len(df) > 1:
        labels = df["year"].astype(str) + "年"
    values = pd.DataFrame({k: df[k].astype("Float64").fillna(0.0).astype(float) for k, _ in parts})
    total = values.sum(axis=1).where(lambda s: s > 0)
    shares = values.div(total, axis=0).fillna(0.0)
    ax = fig.add_subplot()
    left = pd.Series(0.0, index=df.index)
    for (key, label), colour in zip(parts, COMPOSITION_COLOURS):
        ax.barh(labels, shares[key], left=left, color=colour, label=label, height=0.6)
        for i, (share, amount) in enumerate(zip(shares[key], df[key])):
            if share >= 0.12:
                ax.text(left[i] + share / 2, i, f"{share:.0%}", ha="center", va="center",
                        color="white", fontsize=8.5)
        left = left + shares[key]
    for i, t in enumerate(total):
        if pd.isna(t):  # say why the row is empty rather than leave a blank bar
            ax.text(0.01, i, "人员经费、公用经费、项目支出均未填报", va="center", ha="left",
                    fontsize=8.5, color="#666666")
    ax.invert_yaxis()
    ax.xaxis.set_major_formatter(_pct_axis)
    ax.set_xlim(0, 1)
    ax.grid(axis="y", visible=False)
    ax.legend(ncol=3, loc="lower center", bbox_to_anchor=(0.5, 1.0))
    ax.set_title(title, pad=24)
    return fig


def execution_rate_chart(metrics: pd.DataFrame, names: Mapping[str, str] | None = None,
                         by: str = "dept", title: str = "预算执行率") -> Figure:
    """Bars of the execution rate with a 100% reference line.

    Parameters
    ----------
    metrics : DataFrame
        Rows of :func:`perfeval.metrics`.
    names : mapping, optional
    by : {"dept", "year"}
        One bar per department, or per year.
    title : str

    Returns
    -------
    Figure
    """
    def label(frame: pd.DataFrame) -> pd.Series:
        return (frame["year"].astype(str) + "年") if by == "year" else _names(frame, names)

    known = metrics["execution_rate"].notna()
    df = metrics[known].reset_index(drop=True)
    blank = label(metrics[~known].reset_index(drop=True)).tolist()
    fig = new_figure(3.2)
    if df.empty:
        return _empty_because(fig, "无执行率数据", "预算执行率", blank)
    labels = label(df)
    ax = fig.add_subplot()
    rates = df["execution_rate"].astype(float)
    bars = ax.bar(labels, rates, color="#1f5a96", width=0.6)
    low = max(0.0, min(0.8, float(rates.min()) - 0.05))
    high = max(1.08, float(rates.max()) + 0.05)
    ax.set_ylim(low, high)
    for bar, r in zip(bars, rates):
        x = bar.get_x() + bar.get_width() / 2
        if r - low >= 0.08 * (high - low):
            # Inside the top of the bar: a label above it would sit on the 100% line.
            ax.annotate(fmt_pct(r), (x, r), xytext=(0, -3), textcoords="offset points",
                        ha="center", va="top", fontsize=8.5, color="white")
        else:  # too short a bar (0%) to hold its label: above it, in dark text
            ax.annotate(fmt_pct(r), (x, max(r, low)), xytext=(0, 3), textcoords="offset points",
                        ha="center", va="bottom", fontsize=8.5, color="#1a1a1a")
    ax.axhline(1.0, color="#b03a3a", lw=1, ls="--")
    ax.text(1.0, 1.0, " 100%", transform=ax.get_yaxis_transform(), color="#b03a3a",
            va="center", ha="left", fontsize=8.5)
    ax.yaxis.set_major_formatter(_pct_axis)
    ax.set_title(title)
    _rotate_if_long(ax, labels)
    _missing_note(fig, "预算执行率", blank)
    return fig


def _rotate_if_long(ax, labels: Iterable[str]) -> None:
    """Keep category tick labels from running into each other.

    Each label gets an equal share of the axis width; when the longest label
    (a CJK character is about one font size wide) does not fit in its share, the
    labels are set smaller and, if that is not enough, slanted.
    """
    labels = [str(x) for x in labels]
    if not labels:
        return
    fig = ax.get_figure()
    slot_pt = fig.get_figwidth() * 72 * 0.85 / len(labels)
    longest = max(sum(1.0 if ord(c) > 0x2E7F else 0.55 for c in x) for x in labels)
    size = 10.5
    if longest * size > slot_pt * 0.92:
        size = 8.5
        ax.tick_params(axis="x", labelsize=size)
    if longest * size > slot_pt * 0.92:
        for tick in ax.get_xticklabels():
            tick.set_rotation(25)
            tick.set_ha("right")
            tick.set_rotation_mode("anchor")


def yoy_chart(metrics: pd.DataFrame, dept_id: str, title: str | None = None) -> Figure:
    """A department's 全年执行数 by year (bars) and its YoY rate (line, right axis).

    Parameters
    ----------
    metrics : DataFrame
        :func:`perfeval.metrics` (all years of the department are used).
    dept_id : str
    title : str, optional

    Returns
    -------
    Figure
    """
    df = metrics[metrics["dept_id"] == dept_id].sort_values("year").reset_index(drop=True)
    fig = new_figure(3.2)
    if df.empty:
        return _empty(fig, "无全年执行数")
    if df["actual"].notna().sum() == 0:
        return _empty(fig, "无全年执行数（各年度均未填报）")
    name = str(df["name"].dropna().iloc[0]) if "name" in df and df["name"].notna().any() else dept_id
    # When the total is unknown for a year but 基本支出 is (the seed's 2020), show 基本支出.
    ax = fig.add_subplot()
    years = df["year"].astype(int).astype(str) + "年"
    actual = df["actual"].astype("Float64")
    basic_only = actual.isna() & df["basic"].notna()
    heights = actual.fillna(df["basic"]).fillna(0.0).astype(float)
    colours = ["#9db7d5" if b else "#1f5a96" for b in basic_only]
    bars = ax.bar(years, heights, color=colours, width=0.55)
    known = actual.notna() | basic_only
    for bar, v, b, k in zip(bars, heights, basic_only, known):
        text = (fmt_wan(v) + ("（基本支出）" if b else "")) if k else "未填报"
        ax.annotate(text, (bar.get_x() + bar.get_width() / 2, v), xytext=(0, 3),
                    textcoords="offset points", ha="center", fontsize=8,
                    color="#1a1a1a" if k else NOTE_COLOUR)
    ax.set_ylabel("万元")
    ax.yaxis.set_major_formatter(FuncFormatter(_wan_axis))
    ax.set_ylim(0, float(heights.max()) * 1.5 or 1)
    rate = df["yoy_rate"].astype("Float64")
    if rate.notna().any():
        ax2 = ax.twinx()
        lo, hi = float(rate.min()), float(rate.max())
        span = max(hi - lo, 0.02)
        ax2.set_ylim(lo - 3.0 * span, hi + 0.35 * span)  # the line runs above the bars
        ax2.plot(years, rate.astype(float), color="#d9822b", marker="o", lw=1.5, label="同比变动率")
        for x, r in zip(years, rate):
            if pd.notna(r):
                ax2.annotate(fmt_pct(r), (x, float(r)), xytext=(0, 6), textcoords="offset points",
                             ha="center", fontsize=8, color="#d9822b")
        ax2.yaxis.set_major_formatter(_pct_axis)
        ax2.grid(False)
        ax2.spines["right"].set_visible(True)
        ax2.set_ylabel("同比变动率")
        ax2.legend(loc="upper left")
    ax.set_title(title or f"{name} 全年执行数及同比变动")
    return fig


def staffing_chart(metrics: pd.DataFrame, names: Mapping[str, str] | None = None,
                   by: str = "dept", title: str = "编制数与实际在职人数") -> Figure:
    """Grouped bars of 编制数 and 实际在职人数 with the control rate above each pair.

    Parameters
    ----------
    metrics : DataFrame
        Rows of :func:`perfeval.metrics` (``staff_quota, staff_actual, staff_control_rate``).
    names : mapping, optional
    by : {"dept", "year"}
    title : str

    Returns
    -------
    Figure
        Over-quota pairs (control rate above 100%) are labelled in red.
    """
    def label(frame: pd.DataFrame) -> pd.Series:
        return (frame["year"].astype(str) + "年") if by == "year" else _names(frame, names)

    known = metrics["staff_quota"].notna() | metrics["staff_actual"].notna()
    df = metrics[known].reset_index(drop=True)
    blank = label(metrics[~known].reset_index(drop=True)).tolist()
    fig = new_figure(3.2)
    if df.empty:
        return _empty_because(fig, "无人员数据", "编制数和实际在职人数", blank)
    labels = list(label(df))
    ax = fig.add_subplot()
    x = range(len(df))
    quota = df["staff_quota"].astype("Float64").fillna(0).astype(float)
    actual = df["staff_actual"].astype("Float64").fillna(0).astype(float)
    ax.bar([i - 0.2 for i in x], quota, width=0.4, color="#9db7d5", label="编制数")
    ax.bar([i + 0.2 for i in x], actual, width=0.4, color="#1f5a96", label="实际在职人数")
    for offset, column in ((-0.2, "staff_quota"), (0.2, "staff_actual")):
        for i, v in zip(x, df[column]):
            if pd.isna(v):  # a blank is not a zero: say so where the bar would be
                ax.text(i + offset, 0, "未填报", rotation=90, ha="center", va="bottom",
                        fontsize=7.5, color=NOTE_COLOUR)
    for i, rate in zip(x, df["staff_control_rate"]):
        if pd.notna(rate):
            over = float(rate) > 1
            ax.annotate(fmt_pct(rate), (i, max(quota[i], actual[i])), xytext=(0, 3),
                        textcoords="offset points", ha="center", fontsize=8,
                        color="#b03a3a" if over else "#333333")
    ax.set_xticks(list(x), labels)
    ax.set_ylabel("人")
    ax.set_ylim(0, max(float(quota.max()), float(actual.max()), 1.0) * 1.3)  # legend above the bars
    ax.legend(loc="upper left", ncol=2)
    ax.set_title(title)
    _rotate_if_long(ax, labels)
    _missing_note(fig, "编制数和实际在职人数", blank)
    return fig


def indicator_scores_chart(indicators: pd.DataFrame, title: str = "指标得分：自评与复核") -> Figure:
    """Horizontal grouped bars of each indicator's reported and re-scored points.

    Parameters
    ----------
    indicators : DataFrame
        :attr:`perfeval.Scorecard.indicators` rows of one department and year
        (``seq, name, weight, reported_score, score``).
    title : str

    Returns
    -------
    Figure
        Indicator names shortened to 18 characters, prefixed with their 序号.
    """
    df = indicators.sort_values("seq").reset_index(drop=True)
    fig = new_figure(max(2.0, 0.36 * len(df) + 1.2))
    if df.empty:
        return _empty(fig, "无绩效指标")
    ax = fig.add_subplot()
    labels = [f"{int(s)}. {str(n)[:18]}{'…' if len(str(n)) > 18 else ''}"
              for s, n in zip(df["seq"], df["name"])]
    y = list(range(len(df)))
    reported = df["reported_score"].astype("Float64").fillna(0).astype(float)
    rescored = df["score"].astype("Float64").fillna(0).astype(float)
    ax.barh([i - 0.2 for i in y], reported, height=0.4, color=REPORTED_COLOUR, label="自评得分")
    ax.barh([i + 0.2 for i in y], rescored, height=0.4, color=RESCORED_COLOUR, label="复核得分")
    for offset, column, what in ((-0.2, "reported_score", "自评得分"), (0.2, "score", "复核得分")):
        for i, v in zip(y, df[column]):
            if pd.isna(v):  # a blank is not a zero: say so where the bar would be
                ax.text(0, i + offset, f" {what}未填报", ha="left", va="center", fontsize=7.5,
                        color=NOTE_COLOUR)
    weight = df["weight"].astype("Float64")
    for i, w in zip(y, weight):
        if pd.notna(w):
            ax.plot([float(w)] * 2, [i - 0.42, i + 0.42], color="#b03a3a", lw=1)
    ax.set_yticks(y, labels)
    ax.invert_yaxis()
    # Points start at 0; all-blank rows would otherwise centre the axis on 0.
    top = max([float(reported.max()), float(rescored.max()), 0.0]
              + [float(w) for w in weight.dropna()])
    ax.set_xlim(0, (top or 1.0) * 1.08)
    ax.grid(axis="y", visible=False)
    ax.grid(axis="x", visible=True, alpha=0.35)
    ax.set_xlabel("分（红线为分值）")
    ax.legend(ncol=2, loc="lower center", bbox_to_anchor=(0.5, 1.0))
    ax.set_title(title, pad=24)
    return fig


# --------------------------------------------------------------------------- several departments
def category_heatmap(categories: pd.DataFrame, names: Mapping[str, str] | None = None,
                     title: str = "各类指标复核得分率") -> Figure:
    """Heat map of departments × categories: re-scored points as a share of the weight.

    Parameters
    ----------
    categories : DataFrame
        :attr:`perfeval.Scorecard.categories` rows of one year (``dept_id, level1,
        declared_weight, weight_sum, score``).
    names : mapping, optional
        dept_id → label.
    title : str

    Returns
    -------
    Figure
        Cells coloured by score / weight, annotated with the points (分).
    """
    df = categories.copy()
    fig = new_figure(max(2.2, 0.42 * df["dept_id"].nunique() + 1.4))
    if df.empty:
        return _empty(fig, "无分类得分")
    weight = df["declared_weight"].astype("Float64").fillna(df["weight_sum"].astype("Float64"))
    df = df.assign(rate=(df["score"].astype("Float64") / weight.where(weight != 0)).astype(float),
                   label=_names(df, names))
    order = list(dict.fromkeys(df["level1"]))
    rate = df.pivot_table(index="label", columns="level1", values="rate", aggfunc="first", sort=False)
    score = df.pivot_table(index="label", columns="level1", values="score", aggfunc="first", sort=False)
    rate = rate.reindex(columns=order)
    score = score.reindex(index=rate.index, columns=order)
    ax = fig.add_subplot()
    im = ax.imshow(rate.to_numpy(dtype=float), cmap="RdYlGn", vmin=0.6, vmax=1.0, aspect="auto")
    for i in range(rate.shape[0]):
        for j in range(rate.shape[1]):
            s, r = score.iat[i, j], rate.iat[i, j]
            # White text on the dark ends of the colour map, black elsewhere.
            red, green, blue, _a = im.cmap(im.norm(r)) if pd.notna(r) else (1, 1, 1, 1)
            dark = 0.299 * red + 0.587 * green + 0.114 * blue < 0.5
            ax.text(j, i, fmt_score(s) if pd.notna(s) else "—", ha="center", va="center", fontsize=9,
                    color="white" if dark else "#1a1a1a")
    ax.set_xticks(range(len(order)), order)
    ax.set_yticks(range(len(rate.index)), list(rate.index))
    ax.grid(False)
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    bar = fig.colorbar(im, ax=ax, shrink=0.9)
    bar.ax.yaxis.set_major_formatter(_pct_axis)
    bar.set_label("得分率")
    ax.set_title(title)
    return fig


def ranking_chart(totals: pd.DataFrame, names: Mapping[str, str] | None = None,
                  title: str = "复核总分排名") -> Figure:
    """Horizontal bars of re-scored totals, best first, with grade and reported total.

    Parameters
    ----------
    totals : DataFrame
        :attr:`perfeval.Scorecard.totals` rows of one year (``dept_id, total,
        total_reported, grade``).
    names : mapping, optional
    title : str

    Returns
    -------
    Figure
    """
    known = totals["total"].notna()
    df = totals[known].sort_values("total", ascending=False).reset_index(drop=True)
    blank = _names(totals[~known].reset_index(drop=True), names).tolist()
    fig = new_figure(max(1.8, 0.42 * len(df) + 1.0))
    if df.empty:
        return _empty_because(fig, "无复核总分", "复核总分", blank)
    labels = [f"{i + 1}. {n}" for i, n in enumerate(_names(df, names))]
    ax = fig.add_subplot()
    total = df["total"].astype(float)
    ax.barh(labels, total, color=RESCORED_COLOUR, height=0.6, label="复核总分")
    reported = (df["total_reported"] if "total_reported" in df else pd.Series(pd.NA, index=df.index))
    reported = reported.astype("Float64")
    has = reported.notna().to_numpy()
    if has.any():  # a blank reported total has no mark (and says 未填报 in the label)
        ax.scatter(reported[has].astype(float).to_numpy(), [lb for lb, h in zip(labels, has) if h],
                   color="#d9822b", marker="|", s=200, zorder=3, label="自评总分")
    grades = df["grade"] if "grade" in df else pd.Series(pd.NA, index=df.index)
    for i, (t, g, r) in enumerate(zip(total, grades, reported)):
        text = fmt_score(t) + (f" {g}" if pd.notna(g) and str(g).strip() else "")
        if pd.isna(r):
            text += "（自评未填报）"
        ax.text(t + 0.5, i, text, va="center", fontsize=8.5)
    ax.invert_yaxis()
    lo = max(0.0, float(total.min()) - 15)
    ax.set_xlim(lo, 106)  # room for the labels; no tick beyond the 100-point maximum
    ax.xaxis.set_major_locator(FixedLocator([t for t in ax.get_xticks() if lo <= t <= 100]))
    ax.grid(axis="y", visible=False)
    ax.grid(axis="x", visible=True, alpha=0.35)
    ax.set_xlabel("分")
    ax.legend(ncol=2, loc="lower center", bbox_to_anchor=(0.5, 1.0))
    ax.set_title(title, pad=24)
    _missing_note(fig, "复核总分", blank)
    return fig


# --------------------------------------------------------------------------- across years
def score_history_chart(totals: pd.DataFrame, names: Mapping[str, str] | None = None,
                        title: str = "复核总分历年变化") -> Figure:
    """Lines of the re-scored total by year, one per department (reported dashed).

    Parameters
    ----------
    totals : DataFrame
        :attr:`perfeval.Scorecard.totals` rows.
    names : mapping, optional
    title : str

    Returns
    -------
    Figure
    """
    df = totals[totals["total"].notna()].sort_values(["dept_id", "year"]).reset_index(drop=True)
    fig = new_figure(3.4)
    if df.empty:
        return _empty(fig, "无复核总分")
    df = df.assign(label=_names(df, names))
    ax = fig.add_subplot()
    for k, (label, g) in enumerate(df.groupby("label", sort=False)):
        colour = ax._get_lines.get_next_color()
        years = g["year"].astype(int)
        ax.plot(years, g["total"].astype(float), marker="o", color=colour, label=f"{label}（复核）")
        if "total_reported" in g and g["total_reported"].notna().any():
            ax.plot(years, g["total_reported"].astype(float), ls="--", color=colour, alpha=0.6,
                    label=f"{label}（自评）")
    ax.axhline(90, color="#7f7f7f", lw=0.8, ls=":")
    ax.text(1.0, 90, " 优", transform=ax.get_yaxis_transform(), fontsize=8.5, color="#555555", va="center")
    ax.axhline(80, color="#7f7f7f", lw=0.8, ls=":")
    ax.text(1.0, 80, " 良", transform=ax.get_yaxis_transform(), fontsize=8.5, color="#555555", va="center")
    ax.xaxis.set_major_locator(_year_locator())
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _p: f"{int(x)}年"))
    ax.set_ylabel("分")
    ax.legend(ncol=2, fontsize=8, loc="lower center", bbox_to_anchor=(0.5, 1.0))
    ax.set_title(title, pad=8 + 12 * ((df["label"].nunique() * 2 + 1) // 2))
    return fig


def _year_locator():
    from matplotlib.ticker import MaxNLocator

    return MaxNLocator(integer=True)


def spending_by_item_chart(item_metrics: pd.DataFrame, dept_id: str,
                           items: Iterable[str] = ("人员经费", "公用经费", "项目支出"),
                           title: str | None = None, names: Mapping[str, str] | None = None) -> Figure:
    """Stacked bars of a department's spending by item and year (全年执行数, 万元).

    Parameters
    ----------
    item_metrics : DataFrame
        :func:`perfeval.item_metrics` (``actual_rollup`` is used, so a blank line
        whose items are known still counts).
    dept_id : str
    items : iterable of str
        Items to stack.
    title : str, optional
    names : mapping, optional

    Returns
    -------
    Figure
    """
    items = list(items)
    df = item_metrics[(item_metrics["dept_id"] == dept_id) & item_metrics["item"].isin(items)]
    value = df["actual_rollup"] if "actual_rollup" in df else df["actual"]
    table = (df.assign(value=value.astype("Float64"))
               .pivot_table(index="year", columns="item", values="value", aggfunc="first")
               .reindex(columns=items))
    table = table.dropna(how="all")
    fig = new_figure(3.4)
    if table.empty:
        return _empty(fig, "无分项执行数")
    ax = fig.add_subplot()
    labels = [f"{int(y)}年" for y in table.index]
    bottom = pd.Series(0.0, index=table.index)
    for item, colour in zip(items, COMPOSITION_COLOURS + ("#3a8a4f", "#6b4c9a", "#8c6d31")):
        vals = table[item].astype(float).fillna(0.0)
        ax.bar(labels, vals, bottom=bottom, color=colour, label=item, width=0.55)
        bottom = bottom + vals
    for x, total in zip(labels, bottom):
        ax.annotate(fmt_wan(total), (x, total), xytext=(0, 3), textcoords="offset points",
                    ha="center", fontsize=8)
    # A stack missing a part understates the year: say which parts are blank.
    gaps = [f"{x} {'、'.join(table.columns[table.loc[y].isna().to_numpy()])}"
            for x, y in zip(labels, table.index) if table.loc[y].isna().any()]
    if gaps:
        fig.supxlabel("未填报：" + "；".join(gaps), fontsize=8.5, color=NOTE_COLOUR)
    ax.set_ylabel("万元")
    ax.set_ylim(0, float(bottom.max()) * 1.18 or 1)
    ax.yaxis.set_major_formatter(FuncFormatter(_wan_axis))
    ax.legend(ncol=len(items), loc="lower center", bbox_to_anchor=(0.5, 1.0))
    label = (names or {}).get(dept_id, dept_id)
    ax.set_title(title or f"{label} 分项支出（全年执行数）", pad=24)
    return fig


def rates_history_chart(metrics: pd.DataFrame, names: Mapping[str, str] | None = None,
                        title: str = "预算执行率与调整率") -> Figure:
    """Two panels over the years: execution rate and adjustment rate, one line per department.

    Parameters
    ----------
    metrics : DataFrame
        Rows of :func:`perfeval.metrics`.
    names : mapping, optional
    title : str

    Returns
    -------
    Figure
    """
    df = metrics.sort_values(["dept_id", "year"]).reset_index(drop=True)
    df = df.assign(label=_names(df, names))
    fig = new_figure(3.4)
    if df[["execution_rate", "adjustment_rate"]].notna().sum().sum() == 0:
        return _empty(fig, "无执行率数据")
    axes = fig.subplots(1, 2, sharex=True)
    for ax, col, sub in ((axes[0], "execution_rate", "预算执行率"), (axes[1], "adjustment_rate", "预算调整率")):
        for label, g in df.groupby("label", sort=False):
            g = g[g[col].notna()]
            if g.empty:
                continue
            ax.plot(g["year"].astype(int), g[col].astype(float), marker="o", label=label)
        ax.yaxis.set_major_formatter(PercentFormatter(xmax=1, decimals=0))
        ax.xaxis.set_major_locator(_year_locator())
        ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _p: f"{int(x)}"))
        ax.set_title(sub, fontsize=10.5)
    axes[0].axhline(1.0, color="#b03a3a", lw=0.8, ls="--")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=min(3, len(labels)), fontsize=8.5)
    fig.suptitle(title)
    return fig


def per_capita_chart(metrics: pd.DataFrame, names: Mapping[str, str] | None = None,
                     title: str = "人均支出（全年执行数 / 实际在职人数）") -> Figure:
    """Bars of per-capita spending (万元 per person in post), one per department.

    Parameters
    ----------
    metrics : DataFrame
        Rows of :func:`perfeval.metrics` (``per_capita_actual``).
    names : mapping, optional
    title : str

    Returns
    -------
    Figure
    """
    known = metrics["per_capita_actual"].notna()
    df = metrics[known].reset_index(drop=True)
    blank = _names(metrics[~known].reset_index(drop=True), names).tolist()
    what = "全年执行数或实际在职人数"
    fig = new_figure(3.2)
    if df.empty:
        return _empty_because(fig, "无人均支出数据", what, blank)
    labels = _names(df, names)
    ax = fig.add_subplot()
    values = df["per_capita_actual"].astype(float)
    bars = ax.bar(labels, values, color="#3a8a4f", width=0.6)
    for bar, v in zip(bars, values):
        ax.annotate(fmt_wan(v), (bar.get_x() + bar.get_width() / 2, v), xytext=(0, 3),
                    textcoords="offset points", ha="center", fontsize=8)
    ax.set_ylabel("万元/人")
    ax.set_ylim(0, float(values.max()) * 1.18 or 1)
    ax.set_title(title)
    _rotate_if_long(ax, labels)
    _missing_note(fig, what, blank)
    return fig


def staffing_history_chart(metrics: pd.DataFrame, names: Mapping[str, str] | None = None,
                           title: str = "财政供养人员控制率历年变化") -> Figure:
    """Lines of the staff control rate (实际在职 / 编制) by year, one per department.

    Parameters
    ----------
    metrics : DataFrame
        Rows of :func:`perfeval.metrics`.
    names : mapping, optional
    title : str

    Returns
    -------
    Figure
        A dashed line marks 100% (above it: over quota).
    """
    df = metrics[metrics["staff_control_rate"].notna()].sort_values(["dept_id", "year"])
    fig = new_figure(3.2)
    if df.empty:
        return _empty(fig, "无人员数据")
    df = df.assign(label=_names(df, names))
    ax = fig.add_subplot()
    for label, g in df.groupby("label", sort=False):
        ax.plot(g["year"].astype(int), g["staff_control_rate"].astype(float), marker="o", label=label)
    ax.axhline(1.0, color="#b03a3a", lw=0.8, ls="--")
    ax.yaxis.set_major_formatter(PercentFormatter(xmax=1, decimals=0))
    ax.xaxis.set_major_locator(_year_locator())
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _p: f"{int(x)}年"))
    ax.legend(ncol=3, fontsize=8, loc="lower center", bbox_to_anchor=(0.5, 1.0))
    ax.set_title(title, pad=8 + 12 * ((df["label"].nunique() + 2) // 3))
    return fig
