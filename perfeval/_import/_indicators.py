"""Goals, indicator tables of every shape (a 分值 column per level, weights in the level-1
cell, 序号/指标解释/评分标准 columns, placeholders, 其中 detail rows), the grade and total rows,
and the scoring framework the level-1 categories imply."""
from __future__ import annotations

import re
from typing import TYPE_CHECKING


from perfeval._import._model import Cell, Grid, clean, norm

from perfeval._import._labels import (
    DASHES, DIRECTIONS, _fmt_decimal, GOAL_HEAD_PREFIXES, GRADE_LABELS, HEAD_SCORE, IND_HEADS, IND_IGNORED, INFO,
    is_placeholder, level1_label, P_FUNDS, _PAREN_TAIL, RESULT_HEADS, split_numbered, STRUCTURAL,
    _structural, to_decimal, TOTAL_LABELS, WARNING,
)
from perfeval._import._report import _cell_loc, _Val

if TYPE_CHECKING:
    from perfeval._import._layout import _Interpreter


class IndicatorsMixin:
    """The interpreter's reading of goals, indicator, grade and total rows."""

    # ---- 附件1-2 goals ----
    def goals_row(self, grid: Grid, row: tuple[Cell, ...]) -> None:
        goal_head = next((c for c in self.header if c.key.startswith(GOAL_HEAD_PREFIXES)), None)
        result_head = next((c for c in self.header if c.key in RESULT_HEADS), None) or next(
            (c for c in self.header if ("完成情况" in c.key or c.key.startswith("实际完成"))
             and not re.match(r"^\d+[.、]", c.key)), None)
        gcell = self.aligned(grid, row, goal_head) if goal_head is not None else None
        rcell = self.aligned(grid, row, result_head) if result_head is not None else None
        goals = split_numbered(gcell.text) if gcell is not None else []
        results = split_numbered(rcell.text) if rcell is not None else []
        for c in row:
            if c is not gcell and c is not rcell:
                self.consume(grid, c)
                if c.value and c.key not in STRUCTURAL:
                    self.note(WARNING, _cell_loc(grid, c), c.text, "年度总体目标表中未识别的单元格，未导入")
        for c in (gcell, rcell):
            if c is not None:
                self.consume(grid, c)
        for i in range(max(len(goals), len(results))):
            g = _Val(goals[i], gcell.text, _cell_loc(grid, gcell), P_FUNDS) if i < len(goals) else None
            r = _Val(results[i], rcell.text, _cell_loc(grid, rcell), P_FUNDS) if i < len(results) else None
            self.goals.append((g, r))

    # ---- 附件1-2 indicators ----
    def indicator_roles(self) -> list[str | None]:
        """The role of each header cell: a contract column, ``level1_weight``, ``unit``, ``ignore`` or None."""
        roles: list[str | None] = []
        last_level = None
        for head in self.header:
            k = _PAREN_TAIL.sub("", head.key)
            role = IND_HEADS.get(k) or IND_HEADS.get(head.key)
            if role == "weight" and last_level in ("level1", "level2"):
                role = f"{last_level}_weight"
            if role in ("level1", "level2", "name"):
                last_level = role
            elif role == "weight":
                last_level = None
            if role is None and (_structural(head.key) or k in IND_IGNORED):
                role = "ignore"
            roles.append(role)
        return roles

    def indicator_row(self, grid: Grid, row: tuple[Cell, ...]) -> None:
        got: dict[str, Cell] = {}
        for head, role in zip(self.header, self.ind_roles):
            cell = self.aligned(grid, row, head)
            if cell is None or cell in got.values():
                continue
            if role is None or role == "ignore":
                self.consume(grid, cell)
                if role is None and cell.value and not _structural(cell.key):
                    self.note(WARNING, _cell_loc(grid, cell), cell.text, f"未识别的列「{clean(head.text)}」，未导入")
                continue
            got[role] = cell
        for c in row:
            if _structural(c.key) or not c.value:
                self.consume(grid, c)
        if "level1" in got and got["level1"].value:
            cell = got["level1"]
            self.consume(grid, cell)
            lvl, weight = level1_label(cell.text)
            if lvl != self.ind_level1:
                self.ind_level2 = ""
            self.ind_level1 = lvl
            if weight is not None:
                self._put(self.level_weights, lvl, _Val(weight, cell.text, _cell_loc(grid, cell), P_FUNDS),
                          f"一级指标「{lvl}」分值")
        if "level1_weight" in got:
            c = got["level1_weight"]
            self.consume(grid, c)
            if c.value and self.ind_level1 and to_decimal(c.value) is not None:
                self._put(self.level_weights, self.ind_level1, _Val(c.value, c.text, _cell_loc(grid, c), P_FUNDS),
                          f"一级指标「{self.ind_level1}」分值")
        if "level2" in got and got["level2"].value:
            self.consume(grid, got["level2"])
            self.ind_level2 = re.sub(r"\([0-9.]+分?\)$", "", norm(got["level2"].text))
        if "level2_weight" in got:
            c = got["level2_weight"]
            self.consume(grid, c)
            if c.value and self.ind_level2 and to_decimal(c.value) is not None:
                self.level2_weights[(self.ind_level1, self.ind_level2)] = _Val(c.value, c.text, _cell_loc(grid, c), P_FUNDS)
        fields = ("name", "target", "actual", "weight", "score", "direction", "reason")
        present = {f: got[f] for f in fields if f in got and got[f].value}
        for f in (*fields, "unit"):
            if f in got:
                self.consume(grid, got[f])
        if not present:
            return
        name = present.get("name")
        scored = {f: c for f, c in present.items() if f != "name" and c.value not in DASHES}
        if name is None or is_placeholder(name.key):
            if name is not None or not scored:
                self.skip(grid, row[0], (name.text if name else ""), "模板占位行（如“指标1”“……”“/”或空名称），未作为指标导入")
                return
        if name is not None and name.key.startswith("其中") and self.indicators and \
                not any(f in scored for f in ("weight", "score")):
            parent = self.indicators[-1].get("name")
            self.skip(grid, name, name.text,
                      f"「其中」明细行，归入上级指标「{parent.value if parent else ''}」，不单独计分")
            return
        ind: dict[str, _Val] = {}
        if self.ind_level1:
            src = got.get("level1")
            ind["level1"] = _Val(self.ind_level1, src.text if src else "", _cell_loc(grid, src or row[0]), P_FUNDS)
        if self.ind_level2:
            src = got.get("level2")
            ind["level2"] = _Val(self.ind_level2, src.text if src else "", _cell_loc(grid, src or row[0]), P_FUNDS)
        unit = got["unit"].value if "unit" in got and got["unit"].value not in DASHES else ""
        for f, c in present.items():
            value = re.sub(r"\s*\n\s*", "", c.value) if f in ("name", "level2") else c.value
            if f in ("target", "actual") and unit and not value.endswith(unit) and to_decimal(value) is not None:
                value += unit
            elif f == "direction":
                value = DIRECTIONS.get(norm(value), value)
            elif f in ("weight", "score") and value in DASHES:
                continue
            ind[f] = _Val(value, c.text, _cell_loc(grid, c), P_FUNDS)
        if "name" not in ind:
            self.note(WARNING, _cell_loc(grid, row[0]), " | ".join(c.value for c in present.values()),
                      "绩效指标行没有三级指标名称，仍按一行指标导入")
        self.indicators.append(ind)

    def skip(self, grid: Grid, cell: Cell, raw: str, why: str) -> None:
        """A row read but not imported (placeholder, detail row): logged and kept for --explain."""
        self.note(INFO, _cell_loc(grid, cell), raw, why)
        self.skipped.append((_cell_loc(grid, cell).describe(), clean(raw), why))

    # ---- grade / totals ----
    def grade_row(self, grid: Grid, row: tuple[Cell, ...]) -> None:
        if self.mode == "indicators":
            heads = {r: h for h, r in zip(self.header, self.ind_roles) if r in ("weight", "score")}
            cells = {r: self.aligned(grid, row, h) for r, h in heads.items()}
            if cells.get("score") is not None and to_decimal(cells["score"].value) is not None and \
                    cells["score"].key not in {"总分", "合计"}:
                for r, col, what in (("weight", "total_weight", "总分"), ("score", "total_score", "总得分")):
                    c = cells.get(r)
                    if c is not None and to_decimal(c.value) is not None:
                        v = self.text_value(grid, c)
                        if v:
                            self._put(self.evaluations, col, v, what)
                for c in row:
                    if not c.value or c.key in TOTAL_LABELS:
                        self.consume(grid, c)
                if not any(c.key in GRADE_LABELS for c in row):
                    return
        self.mode = None
        i = 0
        pending_total: list[str] = []
        while i < len(row):
            c = row[i]
            k = c.key
            if (grid.index, c.row, c.col) in self.consumed and k not in GRADE_LABELS:
                i += 1
                continue
            self.consume(grid, c)
            if k in GRADE_LABELS:
                nxt = next((x for x in row[i + 1:] if x.value), None)
                if nxt is not None and nxt.key not in TOTAL_LABELS:
                    v = self.text_value(grid, nxt)
                    if v:
                        self._put(self.evaluations, "grade", v, "综合评定等级")
                    i = row.index(nxt)
            elif k in TOTAL_LABELS:
                pending_total = ["total_weight", "total_score"]
            elif k in HEAD_SCORE and pending_total:
                pending_total = ["total_score"]
            elif pending_total and c.value:
                v = self.text_value(grid, c)
                col = pending_total.pop(0)
                if v:
                    self._put(self.evaluations, col, v, "总分" if col == "total_weight" else "总得分")
            i += 1



DEFAULT_FRAMEWORK = "national_2020"


def infer_framework(it: _Interpreter) -> str:
    """The shipped scoring framework the indicator table implies ("" when none fits); logged either way.

    A framework fits when every level-1 category of the table is one of its
    categories (or aliases); among those that fit, one whose execution weight
    equals the funds block's 分值 wins, then the one with fewest categories the
    table lacks, then the default.
    """
    from perfeval._scoring import list_frameworks, load_framework

    levels = {level1_label(ind["level1"].value)[0] for ind in it.indicators if "level1" in ind}
    if not levels:
        return ""
    ew = it.evaluations.get("execution_weight")
    exec_weight = to_decimal(ew.value) if ew is not None else None
    ranked = []
    for fid in list_frameworks():
        fw = load_framework(fid)
        names = {level1_label(n)[0] for c in fw.categories for n in (c.name, *c.aliases)}
        if not levels <= names:
            continue
        unused = sum(1 for c in fw.categories if not {level1_label(n)[0] for n in (c.name, *c.aliases)} & levels)
        same_exec = exec_weight is not None and float(exec_weight) == float(fw.execution.weight)
        ranked.append((not same_exec, unused, fid != DEFAULT_FRAMEWORK, fid))
    shown = "、".join(sorted(levels))
    # the weights the report declares per level-1 category (``产出指标(50分)``, a 分值 column per level)
    declared = {level1_label(k)[0]: to_decimal(v.value) for k, v in it.level_weights.items()}
    with_weights = "、".join(f"{lv} {_fmt_decimal(declared[lv])}分" if declared.get(lv) is not None else lv
                             for lv in sorted(levels))
    if not ranked:
        it.note(INFO, "绩效指标", shown, f"一级指标（{with_weights}）不属于已有的评分框架（{'、'.join(list_frameworks())}），"
                                      f"评价框架留空；复核时按默认框架，必要时在 evaluations.framework 中指定")
        return ""
    fid = sorted(ranked)[0][-1]
    fw = load_framework(fid)
    it.note(INFO, "绩效指标", shown, f"一级指标（{with_weights}）对应评分框架 {fid}（{fw.name}）")
    differ = []  # the declared weights against the framework's
    for c in fw.categories:
        keys = (level1_label(n)[0] for n in (c.name, *c.aliases))
        own = next((declared[k] for k in keys if declared.get(k) is not None), None)
        if own is not None and float(own) != float(c.weight):
            differ.append(f"{c.name} 报告{_fmt_decimal(own)}分、框架{c.weight:g}分")
    if differ:
        it.note(INFO, "绩效指标", shown, f"一级指标分值与评分框架 {fid} 不同：{'；'.join(differ)}")
    return fid

