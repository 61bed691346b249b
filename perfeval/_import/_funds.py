"""The funds blocks: 附件1-1 (staffing, spending control with year-labelled columns) and the
部门资金/项目资金 block of 附件1-2 (headers with (A)/(B) suffixes, 其中 rows, label:value splits)."""
from __future__ import annotations

import re
import unicodedata


from perfeval._import._model import Cell, Grid, clean, norm

from perfeval._import._labels import (
    canonical_finance, _COLUMN_ZH, DASHES, _ELLIPSIS, FUNDS_IGNORED, HEAD_ACTUAL, HEAD_ADJUSTED,
    HEAD_CUR_ACTUAL, HEAD_CUR_BUDGET, HEAD_INITIAL, HEAD_PREV_ACTUAL, HEAD_RATE, HEAD_SCORE, HEAD_WEIGHT,
    INFO, item_key, _NUMBERING, P_CONTROL, P_FUNDS, _PAREN_TAIL, PROJECT_CATEGORIES, split_label_value,
    STAFF_PAIRS, STRUCTURAL, _structural, to_decimal, WARNING, _YEAR_HEAD,
)
from perfeval._import._report import _cell_loc, _Val


class FundsMixin:
    """The interpreter's reading of staffing, spending-control and funds rows."""

    # ---- 附件1-1 staffing ----
    def staff_row(self, grid: Grid, row: tuple[Cell, ...]) -> None:
        for head in self.header:
            k = head.key
            col = None
            if k.endswith("编制数") or k in {"编制人数"}:
                col = "quota"
            elif "在职" in k:
                col = "actual"
            elif "退休" in k:
                col = "retired"
            cell = self.aligned(grid, row, head)
            if cell is None:
                continue
            if col is None:
                self.consume(grid, cell)
                if cell.value and k == "控制率":
                    self.note(INFO, _cell_loc(grid, cell), cell.text, "控制率为计算值（实际在职人数/编制数），未导入")
                elif cell.value and k not in STRUCTURAL:
                    self.note(WARNING, _cell_loc(grid, cell), cell.text, f"未识别的列「{clean(head.text)}」，未导入")
                continue
            v = self.money_value(grid, cell, P_CONTROL, None)
            if v is not None:
                self._put(self.staffing, col, v, f"人员「{_COLUMN_ZH[col]}」")
        for c in row:
            if not c.value:
                self.consume(grid, c)

    def staff_pairs(self, grid: Grid, row: tuple[Cell, ...]) -> bool:
        """``人员编制 | 21 | 实有人数 | 20``: label/number pairs in one row; True when the row was such."""
        found = False
        for i, c in enumerate(row[:-1]):
            col = STAFF_PAIRS.get(c.key.rstrip(":："))
            nxt = row[i + 1]
            if col is None or to_decimal(nxt.value) is None:
                continue
            self.consume(grid, c)
            v = self.money_value(grid, nxt, P_CONTROL, None)
            if v is not None:
                self._put(self.staffing, col, v, f"人员「{_COLUMN_ZH[col]}」")
            found = True
        if found:
            for c in row:
                if not c.value:
                    self.consume(grid, c)
        return found

    # ---- 附件1-1 spending control ----
    def control_row(self, grid: Grid, row: tuple[Cell, ...]) -> None:
        label = row[0]
        self.consume(grid, label)
        values = [(h, self.aligned(grid, row, h)) for h in self.header[1:]]
        filled = [(h, c) for h, c in values if c is not None and c.value and c.value not in DASHES]
        k = item_key(label.text)
        if not k or _ELLIPSIS.match(k):
            for _, c in values:
                if c is not None and not (c.value and c.value not in DASHES):
                    self.consume(grid, c)
            if filled:
                for _, c in filled:
                    self.consume(grid, c)
                    self.note(WARNING, _cell_loc(grid, c), c.text,
                              "该行没有科目名称（空行或“……”行），数值未导入")
            return
        if k == "厉行节约保障措施":
            for _, c in values:
                if c is None:
                    continue
                self.consume(grid, c)
                if c.value:
                    self.note(INFO, _cell_loc(grid, c), c.text, "厉行节约保障措施（文字），数据模型无对应列，未导入")
            return
        item = canonical_finance(label.text)
        parent: str | None = None
        explicit = False
        category = False
        if item is not None:
            self.in_projects = item == "项目支出"
            self.project_parent = "项目支出" if self.in_projects else None
            if item in ("基本支出", "项目支出"):
                self.in_basic = item == "基本支出"
        else:
            shown = re.sub(r"^\s*其中\s*[:：]?\s*", "", clean(label.text))
            shown = clean(_NUMBERING.sub("", unicodedata.normalize("NFKC", shown).strip(), count=1))
            shown = re.sub(r"\s*[（(][^（）()]*[）)]$", "", shown).strip()
            category = bool(re.search(r"一行[）)]?$", norm(label.text))) or norm(shown) in PROJECT_CATEGORIES
            if self.in_projects and shown:
                item, explicit = shown, True
                parent = "项目支出" if category else (self.project_parent or "项目支出")
            elif self.in_basic and shown and filled and not _ELLIPSIS.match(norm(shown)):
                # the report's own items under 基本支出 (水费、电费、差旅费; 会议费、培训费): general spending
                item, explicit, parent = shown, True, "公用经费"
                self.note(INFO, _cell_loc(grid, label), label.text,
                          f"报告自列的科目「{shown}」，按原样导入，上级科目记为公用经费")
            else:
                for h, c in values:
                    if c is not None:
                        self.consume(grid, c)
                for h, c in filled:
                    self.note(WARNING, _cell_loc(grid, c), c.text,
                              f"未识别的科目「{clean(label.text)}」（{clean(h.text)}），未导入")
                return
        for h, c in values:
            if c is None:
                continue
            hk = _YEAR_HEAD.sub("", _PAREN_TAIL.sub("", h.key))
            if h in self.col_years and hk in HEAD_CUR_ACTUAL | HEAD_CUR_BUDGET:
                offset, column = self.col_years[h], ("actual" if hk in HEAD_CUR_ACTUAL else "adjusted_budget")
            elif hk in HEAD_PREV_ACTUAL:
                offset, column = -1, "actual"
            elif hk in HEAD_CUR_ACTUAL:
                offset, column = 0, "actual"
            elif hk in HEAD_CUR_BUDGET:
                offset, column = 0, "adjusted_budget"
            else:
                self.consume(grid, c)
                if c.value:
                    self.note(WARNING, _cell_loc(grid, c), c.text, f"未识别的列「{clean(h.text)}」，未导入")
                continue
            v = self.money_value(grid, c, P_CONTROL, self.section_unit or "万元")
            if v is not None:
                self.put_finance(offset, item, column, v, parent, explicit)
        if category:
            self.project_parent = item
            self.category_parents[item] = "项目支出"
        if item == "压缩一般性支出" and filled:
            self.note(WARNING, _cell_loc(grid, label), label.text,
                      "「压缩一般性支出」没有上级科目，已作为备忘项导入")

    # ---- 附件1-2 funds ----
    def funds_row(self, grid: Grid, row: tuple[Cell, ...]) -> None:
        unit = self.section_unit or "万元"
        inline = [(c, split_label_value(c.text)) for c in row]
        if any(lv for _, lv in inline):
            for c, lv in inline:
                self.consume(grid, c)
                if lv is None:
                    if c.value and not _structural(c.key) and canonical_finance(c.text) is None:
                        self.note(WARNING, _cell_loc(grid, c), c.text, "资金表中未识别的单元格，未导入")
                    continue
                item, number = lv
                self.put_finance(0, item, "adjusted_budget", _Val(number, c.text, _cell_loc(grid, c), P_FUNDS, unit))
            return
        labels = [(i, c) for i, c in enumerate(row) if canonical_finance(c.text) is not None]
        money_heads = self.head_cells(HEAD_INITIAL | HEAD_ADJUSTED | HEAD_ACTUAL)
        first_money = min((h.col for h in money_heads), default=0)
        if len(labels) == 1 and labels[0][1].col < first_money:
            self.funds_aligned(grid, row, canonical_finance(labels[0][1].text), labels[0][1], unit)
            return
        if not labels and "年度资金总额" not in {k[1] for k in self.finance if k[0] == 0}:
            cells = [self.aligned(grid, row, h) for h in money_heads]
            if cells and all(c is not None and to_decimal(c.value) is not None for c in cells):
                self.funds_aligned(grid, row, "年度资金总额", None, unit)
                return
        for c in row:
            if _structural(c.key) or not c.value:
                self.consume(grid, c)
        n_money = len(money_heads)
        for j, (i, lab) in enumerate(labels):
            end = labels[j + 1][0] if j + 1 < len(labels) else len(row)
            vals = [c for c in row[i + 1:end]]
            item = canonical_finance(lab.text)
            self.consume(grid, lab)
            if item is None:
                continue
            if len(vals) == 1:
                columns = ["adjusted_budget"]
            elif len(vals) == n_money and n_money > 1:
                columns = ["initial_budget" if _PAREN_TAIL.sub("", h.key) in HEAD_INITIAL else
                           "adjusted_budget" if _PAREN_TAIL.sub("", h.key) in HEAD_ADJUSTED else "actual"
                           for h in money_heads]
            else:
                for c in vals:
                    self.consume(grid, c)
                    if c.value:
                        self.note(WARNING, _cell_loc(grid, c), c.text,
                                  f"「{clean(lab.text)}」后的数值个数（{len(vals)}）无法对应到列，未导入")
                continue
            for column, c in zip(columns, vals):
                v = self.money_value(grid, c, P_FUNDS, unit)
                if v:
                    self.put_finance(0, item, column, v)

    def funds_aligned(self, grid: Grid, row: tuple[Cell, ...], item: str, label: Cell | None, unit: str) -> None:
        """A funds row read under the header: money columns, and for the total the rate, weight and score."""
        if label is not None:
            self.consume(grid, label)
        for head in self.header:
            hk = _PAREN_TAIL.sub("", head.key)
            cell = self.aligned(grid, row, head)
            if cell is None or cell is label:
                continue
            column = ("initial_budget" if hk in HEAD_INITIAL else "adjusted_budget" if hk in HEAD_ADJUSTED
                      else "actual" if hk in HEAD_ACTUAL else None)
            if column is not None:
                v = self.money_value(grid, cell, P_FUNDS, unit)
                if v:
                    self.put_finance(0, item, column, v)
                continue
            target = ("execution_rate" if hk in HEAD_RATE else "execution_weight" if hk in HEAD_WEIGHT
                      else "execution_score" if hk in HEAD_SCORE else None)
            self.consume(grid, cell)
            if target is None or not cell.value or cell.value in DASHES:
                if cell.value and cell.value not in DASHES and not _structural(cell.key) and hk not in FUNDS_IGNORED:
                    self.note(WARNING, _cell_loc(grid, cell), cell.text, f"未识别的列「{clean(head.text)}」，未导入")
                continue
            if item == "年度资金总额":
                what = {"execution_rate": "执行率", "execution_weight": "执行率分值", "execution_score": "执行率得分"}
                self._put(self.evaluations, target, _Val(cell.value, cell.text, _cell_loc(grid, cell), P_FUNDS),
                          what[target])
            elif target == "execution_rate":
                self.note(INFO, _cell_loc(grid, cell), cell.text, f"「{item}」的执行率为计算值，未导入")
        for c in row:
            if not c.value or c.value in DASHES:
                self.consume(grid, c)

