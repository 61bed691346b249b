"""One label-driven interpreter from the intermediate form to the dataset contract.

Every reader (Word, exported text, Excel) produces a :class:`Document`; this
module walks its paragraphs and table rows in order and recognises sections and
rows by their *labels* (normalised with NFKC and all whitespace removed), never
by position: 附件1-1 (staffing, spending control), 附件1-2 (funds, the two
splits, goals, indicators, grade), the narrative sections and the header
lines (填报单位, 单位, 年度, title).

Values are kept as written (edge whitespace stripped). Every placed value gets
a provenance row; every non-empty cell that could not be placed gets a log
entry. Personal data (填表人, 联系电话, 签字) is skipped and never copied.

The reading is split by block: :mod:`._labels` (vocabulary), :mod:`._report` (the
result), :mod:`._who` (who and when), :mod:`._funds` (staffing and funds),
:mod:`._indicators` (goals, indicators, grade, framework); this module holds the
interpreter's dispatch, :func:`interpret` and the writing of the contract tables.
"""
from __future__ import annotations

import re
from decimal import Decimal

import pandas as pd

from perfeval._import._model import Cell, Document, Grid, Paragraph, ReportImportError, clean, norm, scrub
from perfeval._import._funds import FundsMixin
from perfeval._import._indicators import DEFAULT_FRAMEWORK, IndicatorsMixin, infer_framework
from perfeval._import._labels import (
    _BLOCK_ZH, _COLUMN_ZH, CONTRACT_COLUMNS, DASHES, _ELLIPSIS, EXTRA_ITEMS, _fmt_decimal, _FUNDS_ORDER,
    GOAL_HEAD_PREFIXES, GRADE_LABELS, HEAD_ACTUAL, HEAD_ADJUSTED, HEAD_CUR_ACTUAL, HEAD_CUR_BUDGET,
    HEAD_INITIAL, HEAD_PREV_ACTUAL, HEAD_RATE, IND_HEADS, INFO, _is_personal, LOG_COLUMNS, P_FUNDS,
    _PAREN_TAIL, PAIR_WHO_LABELS, PROVENANCE_COLUMNS, _ROLE_ZH, STRUCTURAL, to_decimal, TOTAL_LABELS, UNIT_FACTOR, WARNING,
    _who_key, WHO_LABELS, _YEAR_HEAD,
)
from perfeval._import._report import ImportedReport, _cell_loc, _FinRow, _Loc, _Val
from perfeval._import._who import WhoMixin, dept_slug, resolve_department, resolve_year
from perfeval._vocab import FINANCE_VOCABULARY, default_parent, item_split

# the public names this module had before it was split, for code that imports them from here
from perfeval._import._labels import (  # noqa: F401
    DIRECTIONS, ERROR, FUNDS_IGNORED, HEAD_SCORE, HEAD_WEIGHT, IND_IGNORED, ITEM_LABELS, P_CONTROL, P_NARRATIVE,
    PERSONAL, PROJECT_CATEGORIES, RESULT_HEADS, STAFF_PAIRS, canonical_finance, is_placeholder, item_key,
    level1_label, split_label_value, split_numbered,
)
from perfeval._import._who import split_region  # noqa: F401

# --------------------------------------------------------------------------- #
# interpreter
# --------------------------------------------------------------------------- #


class _Interpreter(WhoMixin, FundsMixin, IndicatorsMixin):
    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.log: list[dict] = []
        self.consumed: set[tuple[int, int, int]] = set()
        self.finance: dict[tuple[int, str], _FinRow] = {}
        self.staffing: dict[str, _Val] = {}
        self.evaluations: dict[str, _Val] = {}
        self.indicators: list[dict[str, _Val]] = []
        self.goals: list[tuple[_Val | None, _Val | None]] = []
        self.dept_names: list[tuple[str, _Loc]] = []
        #: role (unit, supervisor, implementer, project) -> values found with their place
        self.who: dict[str, list[tuple[str, _Loc]]] = {}
        #: level-1 indicator -> declared weight (from "产出指标(50分)" or a 分值 column per level)
        self.level_weights: dict[str, _Val] = {}
        self.level2_weights: dict[tuple[str, str], _Val] = {}
        #: what --explain prints: blocks found and rows skipped
        self.blocks: list[dict] = []
        self.titles: list[tuple[str, _Loc]] = []
        self.year_strong: list[tuple[int, _Loc]] = []
        self.year_weak: list[int] = []
        self.unit: str | None = None
        self.narrative: list[Paragraph] = []
        self.quota_parts: list[_Val] = []
        self.personal_skipped = 0
        self.skipped: list[tuple[str, str, str]] = []
        #: project categories of 附件1-1 (业务工作专项 …) -> their parent, for projects under an empty category
        self.category_parents: dict[str, str] = {}

    # -- logging -------------------------------------------------------------
    def note(self, level: str, loc: _Loc | str, raw: str, message: str) -> None:
        where = loc if isinstance(loc, str) else loc.describe()
        self.log.append({"level": level, "file": self.doc.file, "location": where,
                         "raw": scrub(raw), "message": message})

    # -- placing values ------------------------------------------------------
    def _disagree(self, old: _Val, new: _Val, what: str) -> bool:
        a, b = to_decimal(old.value), to_decimal(new.value)
        if a is not None and b is not None:
            fa = UNIT_FACTOR.get(old.unit or "万元", Decimal(1))
            fb = UNIT_FACTOR.get(new.unit or "万元", Decimal(1))
            return a * fa != b * fb
        return norm(old.value) != norm(new.value)

    def _put(self, store: dict[str, _Val], column: str, new: _Val, what: str) -> None:
        old = store.get(column)
        if old is None:
            store[column] = new
            return
        if not self._disagree(old, new, what):
            return
        keep, drop = (new, old) if new.priority > old.priority else (old, new)
        store[column] = keep
        self.note(WARNING, drop.loc, drop.raw,
                  f"{what}：此处为「{clean(drop.raw)}」，与{keep.loc.describe()}的「{keep.value}」不一致，"
                  f"采用后者")

    def put_finance(self, offset: int, item: str, column: str, val: _Val, parent: str | None = None,
                    explicit_parent: bool = False) -> None:
        key = (offset, item)
        row = self.finance.get(key)
        if row is None:
            row = _FinRow(offset, item, parent if explicit_parent else (EXTRA_ITEMS.get(item) or default_parent(item)))
            self.finance[key] = row
        elif explicit_parent and row.parent is None and parent is not None:
            row.parent = parent
        if row.unit is None:
            row.unit = val.unit
        elif val.unit and val.unit != row.unit:
            d = to_decimal(val.value)
            if d is not None:
                conv = d * UNIT_FACTOR[val.unit] / UNIT_FACTOR[row.unit]
                self.note(INFO, val.loc, val.raw, f"{item}「{column}」由{val.unit}换算为{row.unit}")
                val = _Val(_fmt_decimal(conv), val.raw, val.loc, val.priority, row.unit)
        what = f"资金科目「{item}」{'上年' if offset else ''}{_COLUMN_ZH.get(column, column)}"
        self._put(row.cols, column, val, what)

    # -- cell helpers ---------------------------------------------------------
    def consume(self, grid: Grid, cell: Cell) -> None:
        self.consumed.add((grid.index, cell.row, cell.col))

    def money_value(self, grid: Grid, cell: Cell, priority: int, unit: str | None) -> _Val | None:
        """A money/count cell as a value to place, or None (blank, dash or not a number)."""
        self.consume(grid, cell)
        v = cell.value
        if not v or v in DASHES:
            return None
        if to_decimal(v) is None:
            self.note(WARNING, _cell_loc(grid, cell), cell.text, "应为数字，未导入")
            return None
        return _Val(v, cell.text, _cell_loc(grid, cell), priority, unit)

    def text_value(self, grid: Grid, cell: Cell, priority: int = P_FUNDS) -> _Val | None:
        self.consume(grid, cell)
        v = cell.value
        if not v:
            return None
        return _Val(v, cell.text, _cell_loc(grid, cell), priority)


    # -- tables --------------------------------------------------------------
    def grid(self, grid: Grid) -> None:
        self.mode: str | None = None
        self.header: tuple[Cell, ...] = ()
        self.col_years: dict[Cell, int] = {}
        self.section_unit: str | None = None
        self.ind_level1 = ""
        self.ind_level2 = ""
        self.project_parent: str | None = None
        self.in_projects = False
        self.in_basic = False
        for row in grid.rows:
            self.row(grid, row)
        for row in grid.rows:
            for cell in row:
                if (grid.index, cell.row, cell.col) in self.consumed:
                    continue
                if cell.value and not _ELLIPSIS.match(cell.key):
                    self.note(WARNING, _cell_loc(grid, cell), cell.text, "未能识别、未导入的单元格")

    def aligned(self, grid: Grid, row: tuple[Cell, ...], head: Cell) -> Cell | None:
        """The cell of ``row`` under header cell ``head``."""
        idx = self.header.index(head)
        if len(row) == len(self.header):
            return row[idx]
        if self.doc.kind != "text":
            for c in row:
                if c.col <= head.col < c.col + c.span or head.col <= c.col < head.col + head.span:
                    return c
            return None
        back = len(self.header) - idx
        if back <= len(row):
            return row[len(row) - back]
        return None

    def row(self, grid: Grid, row: tuple[Cell, ...]) -> None:
        keys = [c.key for c in row]
        if any(_is_personal(k, head_only=True) for k in keys):
            for c in row:
                self.consume(grid, c)
            self.personal_skipped += 1
            self.note(INFO, _Loc(grid.name, row[0].row), "", "已略去个人信息（填表人、联系电话、签字等），未导入")
            return
        for i, c in enumerate(row):
            role = WHO_LABELS.get(_who_key(c.key)) or PAIR_WHO_LABELS.get(_who_key(c.key))
            if role is None:
                continue
            nxt = next((x for x in row[i + 1:] if x.value), None)
            if nxt is None or WHO_LABELS.get(_who_key(nxt.key)) or nxt.key in IND_HEADS:
                continue
            if _who_key(c.key) in PAIR_WHO_LABELS and (nxt.key in UNIT_FACTOR or to_decimal(nxt.value) is not None):
                continue
            self.consume(grid, c)
            self.consume(grid, nxt)
            self.add_who(role, nxt.text, _cell_loc(grid, nxt))
        meta_cells = [c for c in row if c.key and self.scan_meta(c.text, _cell_loc(grid, c))]
        for c in meta_cells:
            self.consume(grid, c)
        if all(not c.key or (grid.index, c.row, c.col) in self.consumed for c in row) and any(c.key for c in row):
            return
        bare = [_YEAR_HEAD.sub("", _PAREN_TAIL.sub("", k)) for k in keys]
        kset = set(keys) | set(bare)
        if self.staff_pairs(grid, row):
            return
        # ---- header rows ----
        if any(k.endswith("编制数") or k in {"编制人数", "核定编制数"} for k in keys) and any(
                "在职" in k for k in keys):
            self.set_header(grid, row, "staff")
            for k in keys:
                m = re.match(r"(\d{4})年", k)
                if m:
                    self.year_weak.append(int(m.group(1)))
            return
        if kset & HEAD_PREV_ACTUAL or (kset & HEAD_CUR_ACTUAL and kset & HEAD_CUR_BUDGET
                                       and not kset & HEAD_INITIAL):
            self.set_header(grid, row, "control")
            self.section_unit = self.unit
            years = {c: int(m.group(1)) for c in row if (m := re.match(r"(\d{4})年", c.key))}
            if years:  # 2022年决算数 | 2023年预算数 | 2023年决算数: offsets from the latest year
                latest = max(years.values())
                self.col_years = {c: y - latest for c, y in years.items()}
                self.year_weak.insert(0, latest)
            return
        if (kset & HEAD_INITIAL or kset & HEAD_ADJUSTED) and (kset & HEAD_ACTUAL or kset & HEAD_RATE):
            self.set_header(grid, row, "funds")
            self.section_unit = self.unit
            for c in row:
                m = re.search(r"\((万元|元)\)", c.key)
                if m:
                    self.section_unit = m.group(1)
            return
        if "年度总体目标" in kset or any(k.startswith(GOAL_HEAD_PREFIXES) for k in bare) and any(
                "完成情况" in k for k in keys):
            self.set_header(grid, row, "goals")
            return
        if ("三级指标" in kset or "指标名称" in kset) and any(
                IND_HEADS.get(_PAREN_TAIL.sub("", k)) in ("target", "actual", "weight", "score") for k in keys):
            self.set_header(grid, row, "indicators")
            self.ind_roles = self.indicator_roles()
            return
        if "偏差及原因分析" in kset or ("说明" in kset and "改进措施" in kset):
            self.set_header(grid, row, "notes")
            return
        if kset & GRADE_LABELS or "总分" in kset or (self.mode == "indicators" and kset & TOTAL_LABELS):
            self.grade_row(grid, row)
            return
        # ---- data rows ----
        if self.mode is not None and self.blocks:
            self.blocks[-1]["rows"] += 1
        if self.mode == "staff":
            self.staff_row(grid, row)
        elif self.mode == "control":
            self.control_row(grid, row)
        elif self.mode == "funds":
            self.funds_row(grid, row)
        elif self.mode == "goals":
            self.goals_row(grid, row)
        elif self.mode == "indicators":
            self.indicator_row(grid, row)
        elif self.mode == "notes":
            for c in row:
                self.consume(grid, c)
                if c.value and c.key not in STRUCTURAL:
                    self.note(INFO, _cell_loc(grid, c), c.text, "整体偏差原因或改进措施（文字），数据模型无对应列，未导入")
        else:
            for c in row:
                if c.key in STRUCTURAL or _ELLIPSIS.match(c.key or "x"):
                    self.consume(grid, c)

    def set_header(self, grid: Grid, row: tuple[Cell, ...], mode: str) -> None:
        self.mode = mode
        self.header = row
        self.col_years = {}
        self.blocks.append({"block": _BLOCK_ZH.get(mode, mode), "where": f"{grid.name} 第{row[0].row}行",
                            "header": " | ".join(clean(c.text).replace("\n", "") for c in row if c.value),
                            "rows": 0})
        self.project_parent = None
        self.in_projects = False
        for c in row:
            self.consume(grid, c)

    def head_cells(self, labels: set[str]) -> list[Cell]:
        return [c for c in self.header if c.key in labels or _PAREN_TAIL.sub("", c.key) in labels]


    # -- results -------------------------------------------------------------
    def run(self) -> None:
        for remark in self.doc.remarks:
            self.note(WARNING, "文件", "", remark)
        for block in self.doc.blocks:
            if isinstance(block, Paragraph):
                self.paragraph(block)
            else:
                self.grid(block)
        self.narrative_facts()




def interpret(doc: Document, sha1: str, dept_id: str | None = None, year: int | None = None,
              dept_name: str | None = None) -> ImportedReport:
    """Interpret a document into an :class:`ImportedReport`.

    Raises
    ------
    ReportImportError
        When nothing of a report was recognised, or the fiscal year cannot be
        determined. A report that names no department is imported under
        ``dept_name``, else under the file's stem, and the log says so.
    """
    it = _Interpreter(doc)
    it.run()
    has_facts = bool(it.finance or it.staffing or it.indicators or it.evaluations or it.goals)
    if not has_facts:
        raise ReportImportError(doc.file, "未找到可识别的报告内容（附件1-1 基础数据表、附件1-2 自评表或正文中的资金数据）")

    final_year = resolve_year(it, doc, year)
    region, name, full_name, project = resolve_department(it, doc, dept_name)
    if dept_id is None:
        dept_id = dept_slug(region, name)
    framework = infer_framework(it)
    if framework and framework != DEFAULT_FRAMEWORK:
        it.evaluations.setdefault("framework", _Val(framework, "", _Loc("绩效指标"), P_FUNDS))
    return _build(it, doc, sha1, dept_id, final_year, name, region, full_name, project)




def _build(it: _Interpreter, doc: Document, sha1: str, dept_id: str, year: int, name: str, region: str,
           full_name: str, project: str = "") -> ImportedReport:
    prov: list[dict] = []

    def add_prov(table: str, y: int, key: str, column: str, v: _Val) -> None:
        prov.append({"table": table, "dept_id": dept_id, "year": str(y), "key": key, "column": column,
                     "raw": scrub(v.raw), "file": doc.file, "doc_table": v.loc.doc_table,
                     "row": "" if v.loc.row is None else str(v.loc.row),
                     "col": "" if v.loc.col is None else str(v.loc.col),
                     "line": "" if v.loc.line is None else str(v.loc.line),
                     "report_year": str(year), "file_sha1": sha1, "project": project})

    tables: dict[str, list[dict]] = {k: [] for k in CONTRACT_COLUMNS}
    tables["departments"].append({"dept_id": dept_id, "name": name or None, "region": region or None,
                                  "full_name": full_name or None, "note": None})
    order = list(_FUNDS_ORDER)

    def rank(entry: tuple[int, tuple[tuple[int, str], _FinRow]]) -> tuple:
        n, ((offset, item), _) = entry
        group = 0 if item in order else (2 if item_split(item, None, FINANCE_VOCABULARY) == "memo" else 1)
        return (-offset, group, order.index(item) if item in order else n)

    ranked = [e[1] for e in sorted(enumerate(it.finance.items()), key=rank)]
    emitted = {key for key, row in it.finance.items() if row.cols}
    for (offset, item), row in ranked:
        if not row.cols:
            continue
        y = year + offset
        parent = row.parent
        while parent in it.category_parents and (offset, parent) not in emitted:
            parent = it.category_parents[parent]  # an empty 业务工作专项 row: its projects hang under 项目支出
        rec = {"dept_id": dept_id, "year": str(y), "item": item, "parent": parent,
               "initial_budget": None, "adjusted_budget": None, "actual": None, "unit": row.unit or "万元",
               "project": project or None}
        for column, v in row.cols.items():
            rec[column] = v.value
            add_prov("finance", y, item, column, v)
        tables["finance"].append(rec)
    if it.staffing:
        rec = {"dept_id": dept_id, "year": str(year), "quota": None, "actual": None, "retired": None}
        for column, v in it.staffing.items():
            rec[column] = v.value
            add_prov("staffing", year, "", column, v)
        tables["staffing"].append(rec)
    for seq, ind in enumerate(it.indicators, start=1):
        rec = {c: None for c in CONTRACT_COLUMNS["indicators"]}
        rec.update(dept_id=dept_id, year=str(year), project=project or None)
        for column, v in ind.items():
            rec[column] = v.value
            add_prov("indicators", year, str(seq), column, v)
        tables["indicators"].append(rec)
    for seq, (g, r) in enumerate(it.goals, start=1):
        rec = {"dept_id": dept_id, "year": str(year), "goal": g.value if g else None, "result": r.value if r else None,
               "project": project or None}
        if g:
            add_prov("goals", year, str(seq), "goal", g)
        if r:
            add_prov("goals", year, str(seq), "result", r)
        tables["goals"].append(rec)
    if it.evaluations:
        rec = {c: None for c in CONTRACT_COLUMNS["evaluations"]}
        rec.update(dept_id=dept_id, year=str(year), project=project or None)
        for column, v in it.evaluations.items():
            rec[column] = v.value
            add_prov("evaluations", year, "", column, v)
        tables["evaluations"].append(rec)
    frames = {k: pd.DataFrame(rows, columns=CONTRACT_COLUMNS[k], dtype="str") for k, rows in tables.items()}
    return ImportedReport(
        file=doc.file, dept_id=dept_id, year=year, name=name, region=region, sha1=sha1, tables=frames, project=project,
        level_weights={k: float(to_decimal(v.value)) for k, v in it.level_weights.items() if to_decimal(v.value) is not None},
        layout={"who": [(_ROLE_ZH[r], v, loc.describe()) for r, vals in it.who.items() for v, loc in vals]
                + [("标题", t, loc.describe()) for t, loc in it.titles],
                "blocks": it.blocks, "skipped": it.skipped},
        provenance=pd.DataFrame(prov, columns=PROVENANCE_COLUMNS, dtype="str"),
        log=pd.DataFrame(it.log, columns=LOG_COLUMNS, dtype="str"),
    )

