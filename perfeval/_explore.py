"""The explorer: one control bar, one output, interactive charts, exports.

:class:`Explorer` is what ``notebooks/04_explore.ipynb`` shows, in JupyterLab and
as a web app (``perfeval explore``, Voilà serving the same notebook with the code
hidden).  The control bar sits on top: 部门 (one or several, side by side), 年度,
起始年度 (the year range of the trends), 科目 and 评分框架.  Every change redraws
the single output area once (the controls that depend on another are updated
with notifications held, then one render).  The chosen year is kept when the new
department selection has it.

Views: 摘要 (narrative), 资金与构成, 绩效指标 (full names, self-reported against
re-scored), 科目历年变化 (chart with the chosen year marked), 复核发现 (filter and
sort), 趋势 (the year range).  Tables are :func:`perfeval.narrative.report_table`
tables styled like the HTML reports; a figure summed from its detail lines reads
``（明细合计）`` and a change with no prior year ``无上年数据``.

Exports of the current view go to ``exports/探索/`` (``PERFEVAL_EXPORTS``
overrides the root): the tables as one .xlsx, the charts as PNG (matplotlib, the
reports' look, no browser needed) and the department report of the selection
through :func:`perfeval._run.run_reports` (HTML and PDF).

:func:`serve` starts Voilà on 127.0.0.1 with a random token (``perfeval explore``).
"""
from __future__ import annotations

import argparse
import base64
import datetime as _dt
import html as _html
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import webbrowser
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable

import pandas as pd

from . import _paths

__all__ = ["Explorer", "serve", "add_command", "NO_PRIOR", "ROLLUP_MARK", "EXPORT_SUBDIR"]

#: What a change reads when the department has no data for the year before.
NO_PRIOR = "无上年数据"
#: Appended to a figure summed from its detail lines (the line itself is blank).
ROLLUP_MARK = "（明细合计）"
#: Folder (under the exports root) the explorer writes into.
EXPORT_SUBDIR = "探索"
#: Environment variable through which ``perfeval explore`` hands the dataset to the notebook.
DATASET_ENV = "PERFEVAL_EXPLORE_DATASET"
#: Set to ``1`` by ``perfeval explore --keep-personal-data``: the app shows contacts as typed.
KEEP_PERSONAL_ENV = "PERFEVAL_EXPLORE_KEEP_PERSONAL_DATA"
#: metrics() column → the finance item it shows (for the 明细合计 mark).
METRIC_ITEMS = {"actual": "年度资金总额", "basic": "基本支出", "personnel": "人员经费",
                "public": "公用经费", "project": "项目支出"}
#: Columns whose blank means "no prior year" when the department has none.
YOY_COLUMNS = ("prior_actual", "yoy_change", "yoy_rate")
SEVERITY_ORDER = {"错误": 0, "警告": 1, "提示": 2}

APP_CSS = """
.pe-app { max-width: 1180px; }
.pe-app .pe-bar { position: sticky; top: 0; z-index: 5; background: #f6f8fb;
  border: 1px solid #c8d3df; border-radius: 4px; padding: 6px 8px; }
.pe-app .pe-title { font-size: 18px; font-weight: bold; color: #12355b; margin: 0 0 4px; }
.pe-app .pe-status { font-size: 13px; color: #333; }
.pe-app .pe-status a { margin-right: .8em; }
.pe-app h2 { color: #12355b; font-size: 1.25rem; border-bottom: 1px solid #c8d3df; margin-top: 1.2em; }
.pe-app .widget-label { min-width: 4.5em; }
.pe-app .table-wrap { max-width: 100%; overflow-x: auto; }
.pe-app .pe-note { font-size: 12px; color: #555; margin: 0 0 .8em; }
.pe-app .pe-error { color: #8b0000; }
"""


def css_stack() -> str:
    from ._fonts import css_font_stack

    return css_font_stack()


def _page_font_css(stack: str) -> str:
    """Every text of the page in ``stack``: JupyterLab's font variables (its rendered
    HTML and Markdown set their own family, so inheriting from ``.pe-app`` is not
    enough), the page itself, form controls (which never inherit), and code spans
    (a Latin monospace font first, then the bundled one for Chinese)."""
    from ._fonts import FONT_FAMILY

    mono = f'menlo, consolas, "DejaVu Sans Mono", "{FONT_FAMILY}", monospace'  # Chinese in `code` too
    return (f":root, body {{ --jp-ui-font-family: {stack}; --jp-content-font-family: {stack};"
            f" --jp-code-font-family: {mono}; }}\n"
            f"body, .pe-app, .pe-app .js-plotly-plot, select, option, input, button, textarea {{ font-family: {stack}; }}\n")


def _widgets():
    import ipywidgets

    return ipywidgets


def _scoped_table_css(scope: str) -> str:
    """The reports' table CSS (``perfeval._export.TABLE_CSS``) under ``scope``."""
    from ._export import TABLE_CSS

    rules = []
    for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", re.sub(r"/\*.*?\*/", "", TABLE_CSS, flags=re.S)):
        scoped = ", ".join(f"{scope} {s.strip()}" for s in selectors.split(",") if s.strip())
        rules.append(f"{scoped} {{{body}}}")
    return "\n".join(rules)


def _esc(text: object) -> str:
    return _html.escape(str(text))


# --------------------------------------------------------------------------- the current view
@dataclass
class View:
    """What the output shows now: its tables (for .xlsx) and charts (for PNG).

    ``tables`` maps a sheet name to ``(frame, columns, notes)``: the library frame,
    the ``report_table`` column spec and the notes (明细合计, 无上年数据) that
    apply; ``charts`` maps a file suffix to a function returning a matplotlib
    figure of the same data as the interactive chart.
    """

    selection: dict[str, Any]
    tables: dict[str, tuple[pd.DataFrame, dict[str, tuple[str, str]], list[str]]] = field(default_factory=dict)
    charts: dict[str, Callable[[], Any]] = field(default_factory=dict)


class Explorer:
    """The explorer app: controls on top, one output, exports.

    Parameters
    ----------
    dataset : str or path, optional
        CSV folder or .xlsx workbook; empty means the ``PERFEVAL_EXPLORE_DATASET``
        environment variable (set by ``perfeval explore``), else the embedded data.
    framework : str, optional
        Initial scoring framework (id or TOML path); empty = the dataset's own.
    export_dir : path, optional
        Where exports go; default ``exports/探索``.
    keep_personal_data : bool, optional
        Show names, phones, ID numbers and e-mails as typed. By default they are
        masked (:func:`perfeval._privacy.mask_dataset`) in everything the app shows
        and exports, as in the reports; ``None`` reads ``PERFEVAL_EXPLORE_KEEP_PERSONAL_DATA``
        (set by ``perfeval explore --keep-personal-data``).

    Attributes
    ----------
    renders : int
        How many times the output has been drawn (one per change).
    view : View
        The tables and charts currently shown.
    """

    def __init__(self, dataset: str | os.PathLike[str] | None = None, *, framework: str = "",
                 export_dir: str | os.PathLike[str] | None = None,
                 keep_personal_data: bool | None = None) -> None:
        from ._dataset import load
        from ._metrics import item_metrics, metrics, rolled_up
        from ._scoring import list_frameworks, load_framework

        source = str(dataset or "") or os.environ.get(DATASET_ENV, "")
        self.dataset = source
        self.ds = load(source or None)
        if keep_personal_data is None:
            keep_personal_data = os.environ.get(KEEP_PERSONAL_ENV) == "1"
        if not keep_personal_data:  # what the app shows and exports carries no contact by default
            from ._privacy import mask_dataset

            self.ds = mask_dataset(self.ds)
        self.m = metrics(self.ds)
        self.items = item_metrics(self.ds)
        self.roll = rolled_up(self.ds)
        self._export_dir = Path(export_dir) if export_dir else None
        self._cards: dict[str, tuple[Any, pd.DataFrame]] = {}
        deps = self.ds.departments
        self.names = {str(d): str(n) for d, n in zip(deps["dept_id"], deps["name"])}
        self.dept_years = {d: [int(y) for y in self.ds.years(d)] for d in self.names}
        self.renders = 0
        self.view = View({})
        self._busy = False

        W = _widgets()
        with_data = [d for d in self.names if self.dept_years[d]]
        first = next((d for d in with_data if not d.startswith("demo")), with_data[0] if with_data else None)
        dept_options = [(f"{self.names[d]}（{d}）", d) for d in self.names]
        fw_options = [("数据集所用（默认）", "")] + [(f"{load_framework(f).name}（{f}）", f) for f in list_frameworks()]
        if framework and framework not in [v for _, v in fw_options]:
            fw_options.append((str(framework), str(framework)))
        lay = W.Layout
        self.depts = W.SelectMultiple(options=dept_options, value=(first,) if first else (), rows=min(4, len(dept_options)),
                                      description="部门", layout=lay(width="300px"))
        self.depts.add_class("pe-depts")
        self.year = W.Dropdown(description="年度", layout=lay(width="170px"))
        self.year.add_class("pe-year")
        self.start = W.Dropdown(description="起始年度", layout=lay(width="190px"))
        self.start.add_class("pe-start")
        self.item = W.Dropdown(description="科目", layout=lay(width="250px"))
        self.item.add_class("pe-item")
        self.framework = W.Dropdown(options=fw_options, value=framework or "", description="评分框架",
                                    layout=lay(width="300px"))
        self.framework.add_class("pe-framework")
        self.btn_xlsx = W.Button(description="导出表格（.xlsx）", layout=lay(width="auto"))
        self.btn_png = W.Button(description="导出图表（PNG）", layout=lay(width="auto"))
        self.btn_report = W.Button(description="生成部门报告（HTML/PDF）", layout=lay(width="auto"))
        for b, cls in ((self.btn_xlsx, "pe-export-xlsx"), (self.btn_png, "pe-export-png"),
                       (self.btn_report, "pe-export-report")):
            b.add_class(cls)
        self.btn_xlsx.on_click(lambda _b: self._guard(self.export_xlsx))
        self.btn_png.on_click(lambda _b: self._guard(self.export_png))
        self.btn_report.on_click(lambda _b: self._guard(self.export_report))
        self.status = W.HTML(value="")
        self.status.add_class("pe-status")
        # Findings: filter and sort redraw only their own table.
        self.f_text = W.Text(placeholder="筛选：问题、位置、说明中的文字", layout=lay(width="260px"))
        self.f_text.add_class("pe-find-text")
        self.f_severity = W.Dropdown(options=["全部", "错误", "警告", "提示"], value="全部", description="级别",
                                     layout=lay(width="160px"))
        self.f_sort = W.Dropdown(options=[("级别", "severity"), ("问题", "code"), ("部门", "dept_id"),
                                          ("年度", "year"), ("位置", "location")],
                                 value="severity", description="排序", layout=lay(width="170px"))
        self.f_desc = W.Checkbox(value=False, description="倒序", indent=False, layout=lay(width="80px"))
        self.f_sort.add_class("pe-find-sort")
        self.findings_out = W.Output()
        for w in (self.f_text, self.f_severity, self.f_sort, self.f_desc):
            w.observe(lambda _c: self._render_findings(), "value")
        self.out = W.Output(layout=lay(min_height="400px"))
        self.out.add_class("pe-output")

        self._refresh_years()
        self._refresh_items()
        for w in (self.depts, self.year, self.start, self.item, self.framework):
            w.observe(self._changed, "value")

        style = W.HTML(f"<style>{self._font_css()}{APP_CSS}{_scoped_table_css('.pe-app')}</style>")
        title = W.HTML(f'<div class="pe-title">交互式探索 · {_esc(Path(source).name if source else "内置数据")}</div>')
        bar = W.VBox([
            title,
            W.HBox([self.depts, W.VBox([self.year, self.start]), W.VBox([self.item, self.framework])],
                   layout=lay(flex_flow="row wrap", align_items="flex-start")),
            W.HBox([self.btn_xlsx, self.btn_png, self.btn_report], layout=lay(flex_flow="row wrap")),
            self.status,
        ])
        bar.add_class("pe-bar")
        self.app = W.VBox([style, bar, self.out])
        self.app.add_class("pe-app")
        self.render()

    def _font_css(self) -> str:
        """The bundled font, subset to every character the app can show, as a data: URI."""
        from ._fonts import font_face_css_subset

        texts = [Path(__file__).with_name(n).read_text(encoding="utf-8")
                 for n in ("_explore.py", "_icharts.py", "_narrative.py", "_checks.py", "_scoring.py", "_metrics.py")]
        notebook = Path(_paths.NOTEBOOKS_DIR) / "04_explore.ipynb"  # its usage notes are on the page too
        if notebook.is_file():
            texts.append(notebook.read_text(encoding="utf-8"))
        for w in (self.depts, self.framework, self.f_severity, self.f_sort):  # labels, e.g. framework names
            texts.extend(str(o if isinstance(o, str) else o[0]) for o in w.options)
        texts.extend(str(i) for i in self.items["item"].dropna().unique())
        card, findings = self.scored()
        for frame in (*self.ds.tables().values(), findings, card.indicators):
            for col in frame.columns:
                if frame[col].dtype == object or str(frame[col].dtype) in ("string", "str"):
                    texts.append("".join(map(str, frame[col].dropna().unique())))
        return font_face_css_subset("".join(texts)) + _page_font_css(css_stack())

    # ----------------------------------------------------------------- state
    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.app)

    def show(self) -> None:
        """Display the app (controls on top, output below)."""
        self._ipython_display_()

    def scored(self) -> tuple[Any, pd.DataFrame]:
        """The scorecard and findings under the chosen framework (computed once each)."""
        from ._checks import check
        from ._scoring import rescore

        key = self.framework.value or ""
        if key not in self._cards:
            card = rescore(self.ds, key or None)
            self._cards[key] = (card, check(self.ds, key or None, scorecard=card))
        return self._cards[key]

    @property
    def selected(self) -> list[str]:
        """The chosen department ids, in the dataset's order."""
        chosen = set(self.depts.value)
        return [d for d in self.names if d in chosen]

    def _available_years(self) -> list[int]:
        years: set[int] = set()
        for d in self.selected:
            years.update(self.dept_years.get(d, []))
        return sorted(years)

    def _refresh_years(self) -> None:
        years = self._available_years()
        keep = self.year.value if self.year.value in years else (years[-1] if years else None)
        self.year.options = [(f"{y}年", y) for y in years]
        self.year.value = keep
        self._refresh_start()

    def _refresh_start(self) -> None:
        years = [y for y in self._available_years() if self.year.value is None or y <= self.year.value]
        keep = self.start.value if self.start.value in years else (years[0] if years else None)
        self.start.options = [(f"{y}年", y) for y in years]
        self.start.value = keep

    def _refresh_items(self) -> None:
        from ._schema import ROOT_ITEM

        rows = self.items[self.items["dept_id"].isin(self.selected)]
        its = list(dict.fromkeys(str(i) for i in rows["item"]))
        keep = self.item.value if self.item.value in its else (ROOT_ITEM if ROOT_ITEM in its else (its[0] if its else None))
        self.item.options = its
        self.item.value = keep

    def _changed(self, change: Mapping[str, Any]) -> None:
        if self._busy:
            return
        self._busy = True
        try:
            if change["owner"] is self.depts:
                self._refresh_years()
                self._refresh_items()
            elif change["owner"] is self.year:
                self._refresh_start()
        finally:
            self._busy = False
        self.render()

    def selection(self) -> dict[str, Any]:
        """The current choice: ``dept_ids, year, start, years, item, framework``."""
        year = self.year.value
        start = self.start.value if self.start.value is not None else year
        years = [y for y in self._available_years() if year is not None and start <= y <= year]
        return {"dept_ids": self.selected, "year": year, "start": start, "years": years,
                "item": self.item.value, "framework": self.framework.value or ""}

    def set(self, **values: Any) -> None:
        """Change several controls with one redraw (``depts``, ``year``, ``start``, ``item``, ``framework``)."""
        self._busy = True
        try:
            if "depts" in values:
                self.depts.value = tuple(values["depts"])
                self._refresh_years()
                self._refresh_items()
            for key in ("year", "start", "item", "framework"):
                if key in values:
                    getattr(self, key).value = values[key]
                    if key == "year":
                        self._refresh_start()
        finally:
            self._busy = False
        self.render()

    # ----------------------------------------------------------------- rendering
    def render(self) -> None:
        """Redraw the output once for the current selection.

        The output widget's ``outputs`` are replaced in one assignment (one comm
        message), never captured with ``with out:``: Voilà's executor mimics a
        front end for captured output and answers each captured message on the
        kernel's shell socket while it waits there for the cell's reply, which
        under load loses that reply and stalls the first render for good.  The
        last output is the ready marker ``.pe-render`` carrying the render count
        and the selection it shows.
        """
        from IPython.display import HTML

        self.renders += 1
        sel = self.selection()
        self.view = View(sel)
        parts: list[Any] = []
        error: Exception | None = None
        if not sel["dept_ids"]:
            parts.append(HTML("<p>请在“部门”中选择一个或几个部门（按住 Ctrl 或 Shift 多选）。</p>"))
        elif sel["year"] is None:
            parts.append(HTML("<p>所选部门没有任何年度的数据。</p>"))
        else:
            try:
                parts.extend(self._sections(sel))
            except Exception as exc:  # noqa: BLE001 - say it in the app, keep the controls alive
                parts.append(HTML(f'<p class="pe-error">显示失败：{_esc(type(exc).__name__)}：{_esc(exc)}</p>'))
                error = exc
        self._render_findings()
        parts.append(HTML(_ready_marker(self.renders, sel)))
        _show(self.out, parts)
        if error is not None:
            raise error

    def _heading(self, text: str):
        from IPython.display import HTML

        return HTML(f"<h2>{_esc(text)}</h2>")

    def _markdown(self, text: str):
        """Report text as Markdown, escaped: text is data, never markup."""
        from IPython.display import Markdown

        from ._markup import md_escape

        return Markdown(md_escape(text))

    def _table(self, key: str, frame: pd.DataFrame, columns: dict[str, tuple[str, str]], *,
               caption: str | None = None, units: str = "header", index: bool = False, widths=None):
        """A report table with the explorer's marks, remembered for the .xlsx export."""
        from IPython.display import HTML

        from ._narrative import MISSING, report_table

        table = report_table(frame, columns, units=units, caption=caption, index=index, widths=widths)
        cells = table.frame.copy()
        notes: list[str] = []
        for pos, col in enumerate(columns):
            flag = f"{col}__rolled"
            if flag in frame.columns:
                marks = frame[flag].fillna(False).astype(bool).tolist()
                if any(marks):
                    label = cells.columns[pos]
                    cells[label] = [f"{v}{ROLLUP_MARK}" if mk and v != MISSING else v
                                    for v, mk in zip(cells[label], marks)]
                    notes.append(f"{columns[col][0]}标有{ROLLUP_MARK}的数为其明细科目之和（该科目本身未填报）")
            if col in YOY_COLUMNS and "__no_prior" in frame.columns:
                label = cells.columns[pos]
                marks = frame["__no_prior"].fillna(False).astype(bool).tolist()
                cells[label] = [NO_PRIOR if mk and v == MISSING else v for v, mk in zip(cells[label], marks)]
        table = replace(table, frame=cells)
        self.view.tables[key] = (frame, columns, notes)
        note_html = "".join(f'<p class="pe-note">注：{_esc(n)}</p>' for n in notes)
        return HTML(f'<div class="table-wrap">{table.to_html()}</div>{note_html}')

    def _figure(self, fig):
        """Display a plotly figure through its MIME bundle (rendered by the local extension)."""
        return _PlotlyOut(fig)

    def _marked_metrics(self, rows: pd.DataFrame) -> pd.DataFrame:
        """metrics() rows with ``<col>__rolled`` and ``__no_prior`` flags."""
        rolled = self.roll[self.roll["basis"] == "children"]
        keys = set(zip(rolled["dept_id"], rolled["year"].astype(int), rolled["item"]))
        out = rows.copy()
        for col, item in METRIC_ITEMS.items():
            out[f"{col}__rolled"] = [(d, int(y), item) in keys and pd.notna(v)
                                     for d, y, v in zip(out["dept_id"], out["year"], out[col])]
        out["__no_prior"] = [int(y) - 1 not in self.dept_years.get(d, []) for d, y in zip(out["dept_id"], out["year"])]
        return out

    def _sections(self, sel: dict[str, Any]) -> Iterable[Any]:
        from . import _icharts as ic
        from ._narrative import (comparison_summary, department_position, department_summary,
                                 trend_summary)

        depts, year, years, item = sel["dept_ids"], int(sel["year"]), sel["years"], sel["item"]
        card, findings = self.scored()
        names = {d: self.names[d] for d in depts}
        have = [d for d in depts if year in self.dept_years[d]]
        missing = [d for d in depts if d not in have]
        label = "、".join(names[d] for d in depts)

        # 摘要
        yield self._heading(f"摘要：{label} {year}年")
        if missing:
            yield self._markdown("、".join(names[d] for d in missing) + f" 没有 {year} 年度的数据。")
        if len(have) == 1:
            d = have[0]
            yield self._markdown(department_summary(self.ds, d, year, metrics=self.m, scorecard=card,
                                                    findings=findings).text)
            yield self._markdown(department_position(self.ds, d, year, metrics=self.m, scorecard=card).text)
        elif have:
            yield self._markdown(comparison_summary(self.ds, year, have, metrics=self.m, scorecard=card).text)

        # 资金与构成
        rows = self._marked_metrics(self.m[(self.m["dept_id"].isin(have)) & (self.m["year"] == year)])
        yield self._heading("资金与构成")
        if not rows.empty:
            yield self._table("资金与构成", rows, {
                "name": ("部门", "text"), "budget_initial": ("年初预算数", "wan"),
                "budget_adjusted": ("全年预算数", "wan"), "actual": ("全年执行数", "wan"),
                "execution_rate": ("执行率", "pct"), "carryover": ("结转结余", "wan"),
                "basic": ("基本支出", "wan"), "personnel": ("人员经费", "wan"), "public": ("公用经费", "wan"),
                "project": ("项目支出", "wan"), "personnel_share": ("人员经费占比", "pct"),
                "per_capita_actual": ("人均支出", "wan")})
            yield self._figure(ic.funds_figure(rows, names))
            parts = self._composition(have, [year])
            if not parts.empty:
                yield self._figure(ic.composition_figure(parts))
            self._png_funds(rows, parts)

        # 绩效指标
        yield self._heading("绩效指标：自评与复核")
        ind = self._indicators(card, have, year)
        if ind.empty:
            yield self._markdown("所选部门该年度没有绩效指标。")
        else:
            spec = {"seq": ("序号", "count"), "level1": ("一级指标", "text"), "name": ("三级指标", "long"),
                    "target": ("指标值", "text"), "actual": ("完成值", "text"), "weight": ("分值", "score"),
                    "reported_score": ("自评得分", "score"), "score": ("复核得分", "score"),
                    "deviation": ("复核−自评", "score"), "basis": ("计分依据", "long")}
            if len(have) > 1:
                spec = {"label": ("部门", "text"), **spec}
            yield self._table("绩效指标", ind, spec, units="caption", widths={"name": "22%", "basis": "30%"})
            yield self._figure(ic.indicator_figure(ind if len(have) > 1 else ind.drop(columns="label"),
                                                   f"{label} {year}年 指标得分：自评与复核"))
            self.view.charts["指标得分"] = lambda ind=ind: _charts().indicator_scores_chart(
                ind, title=f"{label} {year}年 指标得分：自评与复核")
        tot = card.totals[(card.totals["dept_id"].isin(have)) & (card.totals["year"] == year)]
        if not tot.empty:
            tot = tot.assign(name=[names[d] for d in tot["dept_id"]])
            yield self._table("总分", tot, {
                "name": ("部门", "text"), "execution_rate": ("执行率", "pct"),
                "execution_score_reported": ("执行率得分（自评）", "score"),
                "execution_score": ("执行率得分（复核）", "score"), "total_reported": ("总分（自评）", "score"),
                "total": ("总分（复核）", "score"), "grade_reported": ("等级（自评）", "text"),
                "grade": ("等级（复核）", "text")})
            if len(have) > 1:
                yield self._figure(ic.totals_figure(tot, names))
                self.view.charts["总分排名"] = lambda tot=tot: _charts().ranking_chart(tot, names)

        # 科目历年变化
        yield self._heading(f"科目历年变化：{item}")
        hist = self._item_history(depts, item)
        if hist.empty:
            yield self._markdown(f"所选部门没有科目“{item}”的数据。")
        else:
            yield self._figure(ic.item_history_figure(hist.assign(actual=hist["actual_shown"]), item, year, names))
            spec = {"year": ("年度", "year"), "initial_budget": ("年初预算数", "wan"),
                    "adjusted_budget": ("全年预算数", "wan"), "actual_shown": ("全年执行数", "wan"),
                    "execution_rate": ("执行率", "pct"), "yoy_change": ("同比增减", "wan"),
                    "yoy_rate": ("同比变动率", "pct"), "share_of_total": ("占资金总额", "pct")}
            if len(depts) > 1:
                spec = {"name": ("部门", "text"), **spec}
            yield self._table("科目历年变化", hist, spec)
            self.view.charts["科目历年变化"] = lambda hist=hist: _item_history_png(hist, item, year, names)

        # 复核发现
        yield self._heading("复核发现")
        yield _widgets().HBox([self.f_text, self.f_severity, self.f_sort, self.f_desc],
                              layout=_widgets().Layout(flex_flow="row wrap"))
        yield self.findings_out  # filled by _render_findings()

        # 趋势
        yield self._heading(f"趋势：{years[0]}—{years[-1]}年" if years else "趋势")
        trend = self._marked_metrics(self.m[self.m["dept_id"].isin(depts) & self.m["year"].isin(years)])
        if len(years) < 2:
            yield self._markdown("选择早于“年度”的“起始年度”，查看这段时间的趋势。")
        for d in depts:
            text = trend_summary(self.ds, d, metrics=self.m, scorecard=card).text
            if text:
                yield self._markdown(text)
        if not trend.empty:
            trend = trend.merge(card.totals[["dept_id", "year", "total"]], on=["dept_id", "year"], how="left")
            yield self._figure(ic.trends_figure(trend, names, years))
            yield self._table("趋势", trend, {
                "name": ("部门", "text"), "year": ("年度", "year"), "actual": ("全年执行数", "wan"),
                "execution_rate": ("执行率", "pct"), "adjustment_rate": ("预算调整率", "pct"),
                "yoy_item": ("同比口径", "text"), "yoy_change": ("同比增减", "wan"), "yoy_rate": ("同比变动率", "pct"),
                "per_capita_actual": ("人均支出", "wan"), "total": ("复核总分", "score")})
            self.view.charts["趋势"] = lambda trend=trend: _charts().rates_history_chart(
                trend, names, title=f"预算执行率与调整率 {years[0]}—{years[-1]}年")

    def _png_funds(self, rows: pd.DataFrame, parts: pd.DataFrame) -> None:
        names = {d: self.names[d] for d in rows["dept_id"]}
        if len(rows) == 1:
            row = rows.iloc[0]
            self.view.charts["资金概况"] = lambda row=row: _charts().funds_chart(row)
        else:
            self.view.charts["执行率"] = lambda rows=rows: _charts().execution_rate_chart(rows, names)
        if not parts.empty:
            self.view.charts["支出构成"] = lambda rows=rows: _charts().composition_chart(rows, names)

    def _composition(self, depts: Sequence[str], years: Sequence[int]) -> pd.DataFrame:
        im = self.items[self.items["dept_id"].isin(depts) & self.items["year"].isin(years)
                        & self.items["item"].isin(["人员经费", "公用经费", "项目支出"])]
        im = im[im["actual_rollup"].notna()]
        if im.empty:
            return pd.DataFrame(columns=["label", "item", "value", "share", "rolled_up"])
        total = im.groupby(["dept_id", "year"])["actual_rollup"].transform("sum")
        several_years = len(set(years)) > 1
        labels = [f"{self.names[d]} {int(y)}" if several_years else self.names[d] for d, y in zip(im["dept_id"], im["year"])]
        return pd.DataFrame({"label": labels, "item": im["item"].astype(str).tolist(),
                             "value": im["actual_rollup"].tolist(),
                             "share": (im["actual_rollup"] / total.where(total != 0)).tolist(),
                             "rolled_up": (im["actual"].isna() & im["actual_rollup"].notna()).tolist()})

    def _indicators(self, card: Any, depts: Sequence[str], year: int) -> pd.DataFrame:
        ind = card.indicators[card.indicators["dept_id"].isin(depts) & (card.indicators["year"] == year)]
        raw = self.ds.indicators[["dept_id", "year", "seq", "target", "actual"]]
        ind = ind.merge(raw, on=["dept_id", "year", "seq"], how="left")
        return ind.assign(deviation=(ind["score"] - ind["reported_score"]).astype("Float64"),
                          label=[self.names[d] for d in ind["dept_id"]])

    def _item_history(self, depts: Sequence[str], item: str | None) -> pd.DataFrame:
        h = self.items[self.items["dept_id"].isin(depts) & (self.items["item"] == item)].copy()
        if h.empty:
            return h
        h["actual_shown"] = h["actual"].astype("Float64").fillna(h["actual_rollup"].astype("Float64"))
        h["actual_shown__rolled"] = h["actual"].isna() & h["actual_rollup"].notna()
        h["__no_prior"] = [int(y) - 1 not in self.dept_years.get(d, []) for d, y in zip(h["dept_id"], h["year"])]
        h["name"] = [self.names[d] for d in h["dept_id"]]
        order = {d: i for i, d in enumerate(depts)}
        return h.sort_values(["dept_id", "year"], key=lambda s: s.map(order) if s.name == "dept_id" else s,
                             kind="stable", ignore_index=True)

    def findings_view(self, findings: pd.DataFrame | None = None) -> pd.DataFrame:
        """The findings of the selection after the filter and sort controls."""
        from ._narrative import finding_title

        if findings is None:
            findings = self.scored()[1]
        sel = self.selection()
        f = findings[findings["dept_id"].isin(sel["dept_ids"])
                     & (findings["year"].isin(sel["years"] or [sel["year"]]) | findings["year"].isna())]
        if self.f_severity.value != "全部":
            f = f[f["severity"] == self.f_severity.value]
        needle = self.f_text.value.strip()
        if needle:
            hay = (f["code"].map(finding_title).astype(str) + " " + f["code"].astype(str) + " " + f["location"].astype(str)
                   + " " + f["message"].astype(str) + " " + f["dept_id"].map(self.names).astype(str))
            f = f[hay.str.contains(needle, regex=False, na=False)]
        key = self.f_sort.value
        by = f[key].map(SEVERITY_ORDER) if key == "severity" else f[key]
        f = f.assign(_key=by.tolist(), name=f["dept_id"].map(self.names))
        f = f.sort_values(["_key", "dept_id", "year"], ascending=[not self.f_desc.value, True, True],
                          kind="stable", na_position="last")
        return f.drop(columns="_key").reset_index(drop=True)

    def _render_findings(self, findings: pd.DataFrame | None = None) -> None:
        from IPython.display import HTML

        f = self.findings_view(findings)
        parts: list[Any] = [HTML(f'<p class="pe-find-count">共 {len(f)} 条审核发现（按所选部门与年度范围）</p>')]
        if not f.empty:
            parts.append(self._table("复核发现", f, {
                "severity": ("级别", "text"), "name": ("部门", "text"), "year": ("年度", "year"),
                "code": ("问题", "finding"), "location": ("位置", "long"), "expected": ("应为", "text"),
                "found": ("实为", "text"), "message": ("说明", "long")}, index=True,
                widths={"location": "20%", "message": "32%"}))
        _show(self.findings_out, parts)

    # ----------------------------------------------------------------- exports
    @property
    def export_dir(self) -> Path:
        """Where the explorer writes (``exports/探索`` unless given)."""
        return self._export_dir or Path(_paths.EXPORTS_DIR) / EXPORT_SUBDIR

    def _stem(self) -> str:
        from ._export import safe_filename

        sel = self.view.selection
        who = "_".join(self.names[d] for d in sel.get("dept_ids", []))
        span = f"{sel['start']}-{sel['year']}" if sel.get("start") not in (None, sel.get("year")) else f"{sel.get('year')}"
        return safe_filename(f"探索_{who}_{span}")

    def _guard(self, action: Callable[[], list[Path]]) -> None:
        try:
            self.status.value = "<span>正在导出……</span>"
            paths = action()
        except Exception as exc:  # noqa: BLE001 - the analyst reads it in the status line
            self.status.value = f'<span class="pe-error">导出失败：{_esc(type(exc).__name__)}：{_esc(exc)}</span>'
            return
        self.status.value = _written_html(paths)

    def export_xlsx(self) -> list[Path]:
        """Write the current view's tables into one workbook; returns ``[path]``."""
        import io

        from ._export import write_bytes_atomic

        if not self.view.tables:
            raise ValueError("当前视图没有表格可导出")
        sel = self.view.selection
        buf = io.BytesIO()
        with pd.ExcelWriter(buf, engine="xlsxwriter") as xw:
            book = xw.book
            fmt = {"wan": book.add_format({"num_format": "0.0000"}), "pct": book.add_format({"num_format": "0.00%"}),
                   "score": book.add_format({"num_format": "0.00"}), "count": book.add_format({"num_format": "0"}),
                   "year": book.add_format({"num_format": "0"})}
            wrap = book.add_format({"text_wrap": True, "valign": "top"})
            info = [("部门", "、".join(f"{self.names[d]}（{d}）" for d in sel["dept_ids"])), ("年度", sel["year"]),
                    ("年度范围", f"{sel['start']}—{sel['year']}"), ("科目", sel["item"]),
                    ("评分框架", sel["framework"] or "数据集所用"), ("数据集", self.dataset or "内置数据"),
                    ("导出时间", _dt.datetime.now().strftime("%Y-%m-%d %H:%M"))]
            notes = [n for _f, _c, ns in self.view.tables.values() for n in ns]
            info += [("注", n) for n in dict.fromkeys(notes)]
            pd.DataFrame(info, columns=["项目", "内容"]).to_excel(xw, sheet_name="说明", index=False)
            xw.sheets["说明"].set_column(0, 0, 12)
            xw.sheets["说明"].set_column(1, 1, 70, wrap)
            for sheet, (frame, columns, _notes) in self.view.tables.items():
                data = {}
                for col, (label, kind) in columns.items():
                    if kind in fmt:
                        data[label] = pd.to_numeric(frame[col], errors="coerce").astype("float64").tolist()
                    else:
                        data[label] = ["" if (v is None or v is pd.NA or (isinstance(v, float) and pd.isna(v))) else str(v)
                                       for v in frame[col].tolist()]
                    rolled = f"{col}__rolled"
                    if rolled in frame.columns and frame[rolled].fillna(False).astype(bool).any():
                        data[f"{label}说明"] = ["明细合计" if r else "" for r in frame[rolled].fillna(False).astype(bool)]
                out = pd.DataFrame(data)
                out.to_excel(xw, sheet_name=sheet[:31], index=False)
                ws = xw.sheets[sheet[:31]]
                for i, (label, kind) in enumerate(columns.values()):
                    pos = list(out.columns).index(label)
                    ws.set_column(pos, pos, 40 if kind == "long" else max(10, len(label) * 2 + 2),
                                  fmt.get(kind, wrap if kind == "long" else None))
                ws.freeze_panes(1, 0)
        path = self.export_dir / f"{self._stem()}.xlsx"
        return [write_bytes_atomic(path, buf.getvalue())]

    def export_png(self) -> list[Path]:
        """Write each chart of the current view as a PNG (matplotlib); returns the paths."""
        from ._charts import to_png
        from ._export import write_bytes_atomic
        from ._fonts import use_cjk_font

        if not self.view.charts:
            raise ValueError("当前视图没有图表可导出")
        use_cjk_font()
        paths = []
        for name, make in self.view.charts.items():
            fig = make()
            try:
                paths.append(write_bytes_atomic(self.export_dir / f"{self._stem()}_{name}.png", to_png(fig)))
            finally:
                fig.clear()
        return paths

    def export_report(self, formats: tuple[str, ...] = ("html", "pdf")) -> list[Path]:
        """Write the department report of each selected department for the chosen year.

        Runs ``01_department_report.ipynb`` through :func:`perfeval._run.run_reports`
        (the runner of ``perfeval report``); returns the written HTML/PDF paths.
        """
        from ._export import unique_stems
        from ._run import Job, run_reports

        sel = self.view.selection or self.selection()
        year = sel["year"]
        plan = [d for d in sel["dept_ids"] if year in self.dept_years[d]]
        if not plan:
            raise ValueError(f"所选部门没有 {year} 年度的数据")
        notebook = Path(_paths.NOTEBOOKS_DIR) / "01_department_report.ipynb"
        dataset = str(Path(self.dataset).resolve()) if self.dataset else ""
        stems = unique_stems(f"部门报告_{self.names[d]}_{year}" for d in plan)
        jobs = [Job(notebook, {"dataset": dataset, "dept_id": d, "year": int(year), "framework": sel["framework"]},
                    self.export_dir / stem, tuple(formats), f"{self.names[d]}（{d}，{year}）")
                for d, stem in zip(plan, stems)]
        results = run_reports(jobs, progress=False)
        failed = [f"{r.job.label}：{r.error}" for r in results if not r.ok]
        if failed:
            raise RuntimeError("；".join(failed))
        return [Path(r.outputs[f]) for r in results for f in formats if f in r.outputs]


class _PlotlyOut:
    """A plotly figure as a MIME bundle: plotly JSON for the local renderer, plus text."""

    def __init__(self, fig: Any) -> None:
        self.fig = fig

    def _repr_mimebundle_(self, include=None, exclude=None):
        import json

        import plotly.io as pio

        data = json.loads(pio.to_json(self.fig, validate=False))
        title = self.fig.layout.title.text or "图表"
        return {"application/vnd.plotly.v1+json": {"data": data.get("data", []), "layout": data.get("layout", {}),
                                                   "config": {"displaylogo": False, "responsive": True}},
                "text/plain": f"<图表：{title}>"}


def _charts():
    from . import _charts as charts
    from ._fonts import use_cjk_font

    use_cjk_font()
    return charts


def _item_history_png(hist: pd.DataFrame, item: str, year: int | None, names: Mapping[str, str]):
    """The item's history as a matplotlib figure (the PNG of the interactive chart)."""
    from matplotlib.ticker import FuncFormatter

    charts = _charts()
    fig = charts.new_figure(3.4)
    ax = fig.add_subplot()
    several = hist["dept_id"].nunique() > 1
    for dept, g in hist.groupby("dept_id", sort=False):
        who = f"{names.get(dept, dept)} " if several else ""
        xs = [int(y) for y in g["year"]]
        ax.plot(xs, [float(v) if pd.notna(v) else float("nan") for v in g["adjusted_budget"]], ls=":", marker="o",
                label=f"{who}全年预算数")
        ax.plot(xs, [float(v) if pd.notna(v) else float("nan") for v in g["actual_shown"]], marker="o",
                label=f"{who}全年执行数")
    if year is not None:
        ax.axvspan(year - 0.4, year + 0.4, color="#d9822b", alpha=0.15, lw=0)
    years = sorted({int(y) for y in hist["year"]})
    ax.set_xticks(years)
    ax.set_ylabel("万元")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:,.0f}"))
    ax.set_ylim(bottom=0)
    ax.legend(loc="best")
    ax.set_title(f"{item} 历年变化" + (f"（{year}年已标出）" if year is not None else ""))
    return fig


def _show(out: Any, parts: Sequence[Any]) -> None:
    """Replace an Output widget's content with ``parts`` in one update (no capture)."""
    from IPython import get_ipython
    from IPython.core.formatters import DisplayFormatter

    shell = get_ipython()
    fmt = shell.display_formatter if shell is not None else DisplayFormatter()
    outputs = []
    for part in parts:
        data, metadata = fmt.format(part)
        outputs.append({"output_type": "display_data", "data": data, "metadata": metadata})
    out.outputs = tuple(outputs)


def _ready_marker(count: int, sel: Mapping[str, Any]) -> str:
    """The hidden element that says a render has arrived, and which selection it shows."""
    attrs = {"render": count, "depts": ",".join(sel.get("dept_ids") or []), "year": sel.get("year") or "",
             "start": sel.get("start") or "", "item": sel.get("item") or "", "framework": sel.get("framework") or ""}
    return '<div class="pe-render" ' + " ".join(f'data-{k}="{_esc(v)}"' for k, v in attrs.items()) + " hidden></div>"


def _written_html(paths: Sequence[Path]) -> str:
    """Status line: each written file with a download link (a ``data:`` URI, nothing leaves the machine)."""
    kinds = {".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".png": "image/png",
             ".html": "text/html", ".pdf": "application/pdf"}
    links = []
    for p in paths:
        p = Path(p)
        data = base64.b64encode(p.read_bytes()).decode("ascii")
        links.append(f'<a class="pe-download" download="{_esc(p.name)}" '
                     f'href="data:{kinds.get(p.suffix, "application/octet-stream")};base64,{data}">{_esc(p.name)}</a>')
    where = _esc(str(Path(paths[0]).parent)) if paths else ""
    return f'<span class="pe-written" data-count="{len(paths)}">已写出 {len(paths)} 个文件（{where}）：</span>' + "".join(links)


# --------------------------------------------------------------------------- the web app
def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for_port(port: int, proc: subprocess.Popen, timeout: float = 180.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.2)
    return False


def voila_command(notebook: Path, port: int, token: str) -> list[str]:
    """The Voilà command line ``perfeval explore`` runs (code hidden, offline template)."""
    return [sys.executable, "-m", "voila", str(notebook), "--no-browser", f"--port={port}",
            "--Voila.ip=127.0.0.1", f"--token={token}", "--template=perfeval", "--strip_sources=True",
            "--Voila.port_retries=0", "--VoilaConfiguration.show_tracebacks=False",
            "--theme=light"]


def voila_env(dataset: str, keep_personal_data: bool = False) -> dict[str, str]:
    """The environment of the Voilà process: our template first, the dataset, the repository importable."""
    from ._run import _kernel_env

    env = _kernel_env()
    tpl = str(_paths.PACKAGE_DIR / "templates")
    env["JUPYTER_PATH"] = os.pathsep.join([tpl] + [p for p in env.get("JUPYTER_PATH", "").split(os.pathsep) if p])
    env[DATASET_ENV] = dataset
    env[KEEP_PERSONAL_ENV] = "1" if keep_personal_data else "0"
    return env


def serve(dataset: str | None = None, *, port: int | None = None, open_browser: bool = True,
          out=None, keep_personal_data: bool = False) -> int:
    """Run the explorer web app until interrupted; returns an exit code.

    Voilà serves ``notebooks/04_explore.ipynb`` on 127.0.0.1 with a random token
    and perfeval's offline template (no CDN stylesheet); the URL is printed.
    """
    out = out or sys.stdout
    notebook = Path(_paths.NOTEBOOKS_DIR) / "04_explore.ipynb"
    if not notebook.is_file():
        print(f"perfeval：找不到探索笔记本：{notebook}（安装不完整？）", file=sys.stderr)
        return 1
    import importlib.util

    if importlib.util.find_spec("voila") is None:  # not imported here: Voilà runs in its own process
        print("perfeval：未安装 Voilà：请运行 pip install -e '.[app]'（或 bash scripts/install.sh）", file=sys.stderr)
        return 1
    ds_param = str(Path(dataset).resolve()) if dataset else ""
    port = port or _free_port()
    token = secrets.token_urlsafe(24)
    proc = subprocess.Popen(voila_command(notebook, port, token), env=voila_env(ds_param, keep_personal_data), cwd=str(notebook.parent),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        if not _wait_for_port(port, proc):
            err = proc.stderr.read() if proc.poll() is not None and proc.stderr else ""
            proc.terminate()
            tail = " ".join(err.strip().splitlines()[-2:]) if err else "超时"
            print(f"perfeval：探索服务启动失败（端口 {port}）：{tail}", file=sys.stderr)
            return 1
        url = f"http://127.0.0.1:{port}/?token={token}"
        print(f"perfeval 交互式探索已启动：{url}", file=out, flush=True)
        print("按 Ctrl+C 停止。", file=out, flush=True)
        if open_browser:
            webbrowser.open(url)
        # Drain Voilà's log so its pipe never fills; keep it quiet for the analyst.
        for _line in proc.stderr:  # type: ignore[union-attr]
            pass
        return 0 if proc.wait() in (0, -signal.SIGTERM, -signal.SIGINT) else 1
    except KeyboardInterrupt:
        return 0
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


def cmd_explore(args: argparse.Namespace) -> int:
    """``perfeval explore [dataset] [--port N] [--no-browser]``."""
    if args.dataset and not Path(args.dataset).exists():
        print(f"perfeval：找不到数据集：{args.dataset}（应为 CSV 文件夹或 .xlsx 工作簿）", file=sys.stderr)
        return 2
    return serve(args.dataset, port=args.port, open_browser=not args.no_browser,
                 keep_personal_data=args.keep_personal_data)


def add_command(subparsers: argparse._SubParsersAction) -> None:
    """Register ``explore`` on the ``perfeval`` command's subparsers."""
    p = subparsers.add_parser("explore", help="交互式探索：在浏览器中打开探索应用（仅本机 127.0.0.1）")
    p.add_argument("dataset", nargs="?", default=None, help="数据集（CSV 文件夹或 .xlsx 工作簿）；省略时用内置默认数据")
    p.add_argument("--port", type=int, default=None, help="端口（默认随机空闲端口）")
    p.add_argument("--no-browser", action="store_true", help="不自动打开浏览器，只打印网址")
    p.add_argument("--keep-personal-data", action="store_true",
                   help="显示并导出报告中的姓名、电话、身份证号、电子邮箱原文（默认遮蔽）")
    p.set_defaults(func=cmd_explore)
