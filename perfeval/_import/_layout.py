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
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pandas as pd

from perfeval._import._model import Cell, Document, Grid, Paragraph, ReportImportError, clean, norm, scrub
from perfeval._schema import TABLES
from perfeval._vocab import (
    FINANCE_VOCABULARY,
    ITEM_ALIASES,
    NATURE_ITEMS,
    ROOT_ITEM,
    SOURCE_ITEMS,
    default_parent,
    item_split,
)
from perfeval._values import number_text

# --------------------------------------------------------------------------- #
# contract columns
# --------------------------------------------------------------------------- #

#: the input contract's columns of each table (English headers), as the loader reads them
CONTRACT_COLUMNS: dict[str, list[str]] = {name: spec.names for name, spec in TABLES.items()}
PROVENANCE_COLUMNS = ["table", "dept_id", "year", "key", "column", "raw", "file", "doc_table", "row", "col",
                      "line", "report_year", "file_sha1", "project"]
LOG_COLUMNS = ["level", "file", "location", "raw", "message"]

INFO, WARNING, ERROR = "提示", "警告", "错误"

# priorities of the places a value can come from (higher wins on disagreement)
P_FUNDS, P_CONTROL, P_NARRATIVE = 3, 2, 1

# --------------------------------------------------------------------------- #
# label vocabulary (normalised keys)
# --------------------------------------------------------------------------- #

#: labels naming who reports (normalised, NFKC, no whitespace; "(盖章)" removed) -> role
WHO_LABELS: dict[str, str] = {
    "预算部门、单位名称": "unit", "预算部门(单位)名称": "unit", "部门(单位)名称": "unit", "单位(部门)名称": "unit",
    "填报单位": "unit", "预算部门": "unit", "预算单位": "unit", "单位名称": "unit", "部门名称": "unit",
    "部门(单位)": "unit", "评价单位": "unit",
    "主管部门": "supervisor", "项目主管部门": "supervisor", "主管单位": "supervisor",
    "实施单位": "implementer", "项目实施单位": "implementer",
    "项目名称": "project",
}
_WHO_RE = re.compile(
    r"^\s*(?:[一二三四五六七八九十]+、)?(" + "|".join(sorted((re.escape(k) for k in WHO_LABELS), key=len, reverse=True))
    + r")\s*(?:\(\s*盖章\s*\))?\s*(?:[:：]\s*|\s{2,}|\s+(?=\S))(.*?)\s*(?=\s{2,}|填报时间|填报日期|(?<!填报)单位\s*[:：]|$)")

PERSONAL = ("填表人", "联系电话", "联系人", "签字", "手机", "经办人", "电话", "负责人")

#: finance row label (normalised key) -> item: the vocabulary's items and aliases (perfeval._vocab)
ITEM_LABELS: dict[str, str] = {norm(k): v for k, v in {**{n: n for n in FINANCE_VOCABULARY}, **ITEM_ALIASES}.items()}
#: order of the funds lines in the written finance table: total, sources, natures (基本支出 with its parts)
_FUNDS_ORDER = (ROOT_ITEM, *SOURCE_ITEMS, NATURE_ITEMS[0], "人员经费", "公用经费", *NATURE_ITEMS[1:])
#: funds lines some forms add that the vocabulary lacks -> their parent (四川: 单位资金, an income source)
EXTRA_ITEMS: dict[str, str] = {"单位资金": ROOT_ITEM}
ITEM_LABELS.update({norm(k): k for k in EXTRA_ITEMS})
PROJECT_CATEGORIES = {"业务工作专项", "运行维护专项", "县级专项资金", "专项资金", "业务工作项目", "运行维护项目"}

HEAD_INITIAL = {"年初预算数", "年初预算"}
HEAD_ADJUSTED = {"全年预算数", "调整后预算数", "调整后预算", "全年预算", "调整预算数", "调整后年度预算数"}
HEAD_ACTUAL = {"全年执行数", "执行数", "决算数", "全年决算数", "实际执行数", "预算执行数", "实际支出数"}
HEAD_CUR_BUDGET = {"当年预算数", "当前年预算数", "本年预算数", "预算数"}
HEAD_CUR_ACTUAL = {"当年决算数", "本年决算数", "当年执行数", "决算数"}
HEAD_PREV_ACTUAL = {"上年决算数", "上年执行数", "上年度决算数"}
HEAD_RATE = {"执行率", "预算执行率"}
HEAD_WEIGHT = {"分值", "权重", "权重分", "权重(分值)"}
HEAD_SCORE = {"得分", "自评得分"}

IND_HEADS: dict[str, str] = {
    "一级指标": "level1", "二级指标": "level2", "三级指标": "name", "指标名称": "name",
    "指标值": "target", "目标值": "target", "年度指标值": "target", "年度目标值": "target", "预期指标值": "target",
    "完成值": "actual", "实际完成值": "actual", "全年实际值": "actual", "实际值": "actual",
    "全年完成值": "actual",
    "分值": "weight", "权重": "weight", "权重分": "weight",
    "得分": "score", "自评得分": "score",
    "指标性质": "direction", "指标方向": "direction",
    "偏差原因": "reason", "偏差原因分析": "reason", "偏差原因分析及改进措施": "reason",
    "未完成原因": "reason", "未完成原因分析": "reason",
}
IND_HEADS.update({
    "实际完成值": "actual", "全年实际完成值": "actual", "年度指标值": "target", "指标值(A)": "target",
    "全年实际值(B)": "actual", "指标分值": "weight", "权重(%)": "weight", "考值": "weight",
    "未完成原因分析": "reason", "未完成原因分析及改进措施": "reason", "偏差原因分析及改进措施": "reason",
    "偏差原因及改进措施": "reason", "度量单位": "unit", "计量单位": "unit", "单位": "unit",
})
#: indicator-table columns read but not imported (the form's own explanations, row numbers)
IND_IGNORED = {"序号", "指标解释", "评分标准", "评价标准", "评分细则", "指标说明", "评分办法", "计分方法", "备注"}
GRADE_LABELS = {"综合评定等级", "评定等级", "等级", "评价等级", "自评等级", "综合评价等级", "评价结论等级"}
TOTAL_LABELS = {"总分", "合计", "总计", "合计得分", "自评总分", "总得分"}
DIRECTIONS = {">=": "≥", "≥": "≥", "<=": "≤", "≤": "≤", "=": "=", "==": "=", ">": "≥", "<": "≤",
              "正向": "≥", "反向": "≤", "定性": "定性", "定量": ""}
STRUCTURAL = {"财政供养人员情况", "经费控制情况", "绩效指标", "按收入性质分", "按支出性质分", "年度总体目标",
              "说明", "偏差及原因分析", "改进措施", "厉行节约保障措施", "控制率"}
DASHES = {"-", "—", "–", "——", "/", "无", "--"}

_NUM_RE = r"[0-9０-９]+(?:[.．][0-9０-９]+)?"
_NUMBERING = re.compile(r"^(?:其中[:：]?)?(?:[一二三四五六七八九十]+[、.]|[0-9]+[、.](?![0-9])|\([0-9一二三四五六七八九十]+\))?")
_PAREN_TAIL = re.compile(r"\([^()]*\)$")
_ELLIPSIS = re.compile(r"^[.…。·]+$")


def _who_key(key: str) -> str:
    """A cell key as a who-label: without "(盖章)" and a trailing colon."""
    return re.sub(r"\(盖章\)", "", key).rstrip(":：")


def _structural(key: str) -> bool:
    """A cell that only structures the form (section titles such as ``绩效指标(90分)``)."""
    return key in STRUCTURAL or re.sub(r"\([^()]*\)$", "", key) in STRUCTURAL


_PLACEHOLDER = re.compile(r"^(?:指标\d*[:：]?|[.…。·]+|/|-+|—+|无|\d+[、.]?)$")


def is_placeholder(key: str) -> bool:
    """A template leftover in a name cell: ``指标1``, ``指标2：``, ``……``, ``/``, blank.

    >>> [is_placeholder(k) for k in ("指标1", "指标2：", "……", "/", "", "网络留言回复率")]
    [True, True, True, True, True, False]
    """
    return not key or bool(_PLACEHOLDER.match(key))


def level1_label(text: str) -> tuple[str, str | None]:
    """A level-1 cell as (category, declared weight): ``产出\\n指标\\n（50分）`` -> ('产出', '50').

    >>> level1_label("产\\n出\\n指\\n标\\n(\\n4\\n0\\n分\\n)")
    ('产出', '40')
    >>> level1_label("项目决策(10分)")
    ('项目决策', '10')
    >>> level1_label("满意度\\n指标（10分）\\n（10分）")
    ('满意度', '10')
    """
    k = norm(text)
    m = re.search(r"\((\d+(?:\.\d+)?)分?\)", k)
    lvl = re.sub(r"\([^()]*\)", "", k)
    lvl = re.sub(r"指标$", "", lvl) or lvl
    return lvl, (m.group(1) if m else None)




#: a personal-data *label* (电话 as a field name, not inside "12345热线电话办结率")
_PERSONAL_LABEL = re.compile("(?:" + "|".join(PERSONAL) + r")(?:号码)?(?=$|[:(（)）\d*]|签字|签名)")


def _is_personal(key: str, head_only: bool = False) -> bool:
    """``key`` holds a personal-data label (``head_only``: near its start, as a table cell that *is* the field)."""
    m = _PERSONAL_LABEL.search(key)
    return m is not None and (not head_only or m.start() <= 6)


_YEAR_HEAD = re.compile(r"^\d{4}年度?")
GOAL_HEAD_PREFIXES = ("年初预期", "预期目标", "年初设定目标", "项目年度目标", "年度目标", "年初目标", "总体目标")
RESULT_HEADS = {"全年实际完成情况", "实际完成情况", "年度目标完成情况", "年度总体目标完成情况", "完成情况", "全年完成情况"}
STAFF_PAIRS = {"人员编制": "quota", "编制数": "quota", "编制人数": "quota", "核定编制": "quota", "核定编制数": "quota",
               "实有人数": "actual", "实际在职人数": "actual", "在职人数": "actual", "退休人数": "retired"}
_ROLE_ZH = {"unit": "单位", "supervisor": "主管部门", "implementer": "实施单位", "project": "项目名称"}
_BLOCK_ZH = {"staff": "人员（财政供养人员情况）", "control": "资金（经费控制情况）", "funds": "资金（部门资金/项目资金）",
             "goals": "年度总体目标", "indicators": "绩效指标", "notes": "说明"}

#: funds-table columns read but not imported
FUNDS_IGNORED = {"原因", "偏差原因", "备注", "说明"}
_LABEL_VALUE = re.compile(r"^(.+?)[:：]\s*([0-9０-９][0-9０-９,，.．]*)$")


def split_label_value(text: str) -> tuple[str, str] | None:
    """A funds cell written as label:value, as (item, number), else None.

    >>> split_label_value("其中：一般公共预算：120.50")
    ('一般公共预算', '120.50')
    >>> split_label_value("按支出性质分：基本支出：98.20")
    ('基本支出', '98.20')
    >>> split_label_value("基本支出") is None
    True
    """
    k = norm(text)
    k = re.sub(r"^(?:其中[:：]?|按收入性质分[:：]?|按支出性质分[:：]?|按资金来源分[:：]?)+", "", k)
    m = _LABEL_VALUE.match(k)
    if not m:
        return None
    item = canonical_finance(m.group(1))
    number = to_decimal(m.group(2))
    if item is None or number is None:
        return None
    return item, unicodedata.normalize("NFKC", m.group(2))


def item_key(label: str) -> str:
    """Normalise a finance row label: no whitespace, no 其中/numbering prefix.

    >>> item_key("    其中： 1、压缩一般性支出")
    '压缩一般性支出'
    >>> item_key("1、业务工作专项(一个项目一行)")
    '业务工作专项(一个项目一行)'
    """
    k = norm(label)
    k = re.sub(r"^其中[:：]?", "", k)
    return _NUMBERING.sub("", k, count=1).rstrip(":：")


def canonical_finance(label: str) -> str | None:
    """The finance item a row label names, or None.

    >>> canonical_finance("其中：人员经费")
    '人员经费'
    >>> canonical_finance("政府性基金拨款")
    '政府性基金'
    >>> canonical_finance("出国经费")
    '因公出国(境)'
    """
    k = item_key(label)
    if k in ITEM_LABELS:
        return ITEM_LABELS[k]
    k2 = _PAREN_TAIL.sub("", k)
    return ITEM_LABELS.get(k2)


def to_decimal(text: str) -> Decimal | None:
    """A number as Decimal (the grammar of :func:`perfeval._values.number_text`), else None.

    >>> to_decimal("１,234.5")
    Decimal('1234.5')
    >>> to_decimal("98%") is None
    True
    """
    s = number_text(text or "")  # the loader's grammar: what is imported as a number always loads
    if s is None:
        return None
    try:
        return Decimal(s)
    except InvalidOperation:  # pragma: no cover - guarded by the grammar
        return None


def _fmt_decimal(d: Decimal) -> str:
    s = format(d.normalize(), "f")
    return s


UNIT_FACTOR = {"万元": Decimal(1), "元": Decimal("0.0001")}

# --------------------------------------------------------------------------- #
# the report object
# --------------------------------------------------------------------------- #


@dataclass
class ImportedReport:
    """One report read into the dataset contract.

    Attributes
    ----------
    tables : dict of str to DataFrame
        ``departments, finance, staffing, indicators, goals, evaluations`` with the
        contract's English headers; values are the text as written (blank = NA).
    provenance : DataFrame
        One row per placed value: ``table, dept_id, year, key, column, raw, file,
        doc_table, row, col, line, report_year, file_sha1``.
    log : DataFrame
        Unplaced cells and warnings: ``level, file, location, raw, message``.
    """

    file: str
    dept_id: str
    year: int
    name: str
    region: str
    sha1: str
    tables: dict[str, pd.DataFrame]
    provenance: pd.DataFrame
    log: pd.DataFrame
    #: the project of a 项目支出绩效自评表 ("" for a department's own report)
    project: str = ""
    #: level-1 indicator -> weight declared by the report (``产出指标(50分)``, a 分值 column per level)
    level_weights: dict[str, float] = field(default_factory=dict)
    #: what ``perfeval import --explain`` prints: ``who`` (label, value, place), ``blocks``
    #: (block, place, header matched, rows read) and ``skipped`` (place, text, why)
    layout: dict = field(default_factory=dict)

    @property
    def has_warnings(self) -> bool:
        """True when the log holds a 警告 or 错误 entry."""
        return bool(self.log["level"].isin([WARNING, ERROR]).any())


@dataclass
class _Loc:
    doc_table: str
    row: int | None = None
    col: int | None = None
    line: int | None = None

    def describe(self) -> str:
        if self.doc_table == "正文":
            s = f"正文第{self.row}段" if self.row is not None else "正文"
        else:
            s = self.doc_table
            if self.row is not None:
                s += f" 第{self.row}行"
            if self.col is not None:
                s += f" 第{self.col}列"
        if self.line is not None:
            s += f"（文本第{self.line}行）"
        return s


@dataclass
class _Val:
    value: str
    raw: str
    loc: _Loc
    priority: int
    unit: str | None = None


@dataclass
class _FinRow:
    offset: int
    item: str
    parent: str | None
    unit: str | None = None
    cols: dict[str, _Val] = field(default_factory=dict)


def _cell_loc(grid: Grid, cell: Cell) -> _Loc:
    return _Loc(grid.name, cell.row, cell.col, cell.line)


# --------------------------------------------------------------------------- #
# interpreter
# --------------------------------------------------------------------------- #


class _Interpreter:
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

    # -- meta (title, 填报单位, 单位, 年度) -------------------------------------
    def add_who(self, role: str, value: str, loc: _Loc) -> None:
        value = clean(value).strip("：: ")
        if value and not _is_personal(norm(value)) and not re.fullmatch(r"[\s(（]*盖章[)）\s]*", value):
            self.who.setdefault(role, []).append((value, loc))
            if role == "unit":
                self.dept_names.append((value, loc))

    def scan_meta(self, text: str, loc: _Loc) -> bool:
        """Read header facts from a line or cell; True when the text is a header line."""
        t = unicodedata.normalize("NFKC", clean(text))
        k = norm(text)
        hit = False
        for m in re.finditer(r"(\d{4})\s*年度", t):
            self.year_strong.append((int(m.group(1)), loc))
            hit = True
        for m in re.finditer(r"[(（]\s*(\d{4})\s*年\s*[)）]", t):
            self.year_strong.append((int(m.group(1)), loc))
            hit = True
        m = _WHO_RE.match(t)
        if m and m.group(2).strip():
            hit = True
            self.add_who(WHO_LABELS[norm(m.group(1))], m.group(2), loc)
            m2 = re.search(r"(?:\s{2,})(" + "|".join(re.escape(x) for x in WHO_LABELS) + r")\s*(?:\(盖章\))?\s*[:：]\s*(\S+)", t[m.end():])
            if m2:
                self.add_who(WHO_LABELS[norm(m2.group(1))], m2.group(2), loc)
        elif m and norm(m.group(1)) == k.rstrip(":："):
            pass  # a bare label: its value is in the next cell
        m = re.search(r"(?<!填报)单位\s*[:]\s*(万元|元)", t)
        if m:
            self.unit = m.group(1)
            hit = True
        m = re.fullmatch(r"(?:综合评定等级|自评等级|评价等级|评定等级|综合评价等级)[:：]\s*(\S{1,4})", t.strip())
        if m:  # 自评等级：优 written as a line of its own
            self._put(self.evaluations, "grade", _Val(m.group(1), text, loc, P_FUNDS), "综合评定等级")
            hit = True
        if "填报时间" in k or "填报日期" in k:
            hit = True
        m = re.search(r"^(?:附件\d*(?:-\d+)?[:]?)?(.*?)(?:\d{4}年度?)?(?:部门)?整体支出(?:绩效)?(?:自评|评价)?(?:报告|表)?"
                      r"(?:[(（]\d{4}年度?[)）])?$", k)
        if m and len(k) < 60 and not re.match(r"^[一二三四五六七八九十0-9]+[、.]", k):
            hit = True
            if m.group(1):
                self.titles.append((m.group(1), loc))
        if re.fullmatch(r"附件\d*(?:-\d+)?[:]?", k) or "基础数据表" in k or k.endswith("自评表") or \
                re.search(r"自评表[(（]?\d{4}年度?[)）]?$", k) or re.fullmatch(r"绩效评价自评报告|绩效评价报告", k):
            hit = True
        if k.startswith("说明:") and len(k) > 8:
            hit = True  # the form's own instructions
        if re.fullmatch(r"评价方式[:：].*|评价机构[:：].*|报告日期[:：].*|预算编码[:：].*", k):
            hit = True
        return hit

    # -- paragraphs ----------------------------------------------------------
    def paragraph(self, p: Paragraph) -> None:
        text = clean(p.text)
        if not text:
            return
        loc = _Loc("正文", p.index, None, p.line)
        k = norm(text)
        if _is_personal(k):
            # keep what precedes the personal part (e.g. a 填报单位 on the same line)
            cut = _PERSONAL_LABEL.search(k).start()
            head = ""
            count = 0
            for ch in text:
                if count >= cut:
                    break
                head += ch
                if not ch.isspace():
                    count += 1
            self.personal_skipped += 1
            self.note(INFO, loc, "", "已略去个人信息（填表人、联系电话、签字等），未导入")
            if head.strip():
                self.scan_meta(head, loc)
            return
        if self.scan_meta(text, loc):
            return
        self.narrative.append(p)

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
            role = WHO_LABELS.get(_who_key(c.key))
            if role is None:
                continue
            nxt = next((x for x in row[i + 1:] if x.value), None)
            if nxt is None or WHO_LABELS.get(_who_key(nxt.key)) or nxt.key in IND_HEADS:
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

    # -- narrative -------------------------------------------------------------
    def narrative_facts(self) -> None:
        paras = self.narrative
        if not paras:
            return
        text = ""
        starts: list[tuple[int, Paragraph]] = []
        for p in paras:
            starts.append((len(text), p))
            text += clean(p.text) + "\n"

        def loc_at(pos: int) -> _Loc:
            owner = starts[0][1]
            for s, p in starts:
                if s <= pos:
                    owner = p
                else:
                    break
            return _Loc("正文", owner.index, None, owner.line)

        num = _NUM_RE
        for m in re.finditer(rf"在职(?:人员|人数|职工)?(?:共)?\s*({num})\s*[人名]", text):
            self._put(self.staffing, "actual", _Val(_ascii(m.group(1)), m.group(0), loc_at(m.start()), P_NARRATIVE),
                      "人员「实际在职人数」")
        for m in re.finditer(rf"退休(?:人员|人数|职工)?(?:共)?\s*({num})\s*[人名]", text):
            self._put(self.staffing, "retired", _Val(_ascii(m.group(1)), m.group(0), loc_at(m.start()), P_NARRATIVE),
                      "人员「退休人数」")
        plain = [m for m in re.finditer(rf"(?<![政业勤关])编制(?:数|人数)?(?:为|共)?\s*({num})\s*[个名人]", text)]
        parts = [m for m in re.finditer(rf"(?:行政|事业|工勤|机关)编制(?:数)?\s*({num})\s*[个名人]", text)]
        if plain:
            m = plain[0]
            self._put(self.staffing, "quota", _Val(_ascii(m.group(1)), m.group(0), loc_at(m.start()), P_NARRATIVE),
                      "人员「编制数」")
        elif parts:
            total = sum(Decimal(_ascii(m.group(1))) for m in parts)
            raw = "；".join(m.group(0) for m in parts)
            self._put(self.staffing, "quota", _Val(_fmt_decimal(total), raw, loc_at(parts[0].start()), P_NARRATIVE),
                      "人员「编制数」")
        money = rf"({num})\s*(万元|元)"
        for m in re.finditer(rf"一般公共预算(?:财政拨款)?支出(?:合计|共计)?\s*{money}", text):
            self.put_finance(0, "一般公共预算", "actual",
                             _Val(_ascii(m.group(1)), m.group(0), loc_at(m.start()), P_NARRATIVE, m.group(2)))
        for m in re.finditer(rf"年末结转(?:结余)?(?:资金)?\s*{money}", text):
            self.put_finance(0, "年末结转结余", "actual",
                             _Val(_ascii(m.group(1)), m.group(0), loc_at(m.start()), P_NARRATIVE, m.group(2)))
        self.breakdown(text, loc_at)

    def breakdown(self, text: str, loc_at) -> None:
        """基本支出 breakdown: （1）人员经费 items, （2）公用经费 items."""
        for block in re.finditer(r"[^\n]*基本支出[^\n]*(?:\n[^\n]*)*?(?=\n[^\n]*?(?:[七八九十]、|存在的问题)|\Z)", text):
            seg_start = block.start()
            seg = block.group(0)
            markers = list(re.finditer(r"[（(]\s*([12１２])\s*[）)]", seg))
            if len(markers) < 1:
                continue
            for j, mk in enumerate(markers):
                g_start = mk.end()
                g_end = markers[j + 1].start() if j + 1 < len(markers) else len(seg)
                group = seg[g_start:g_end]
                default = "人员经费" if _ascii(mk.group(1)) == "1" else "公用经费"
                header: str | None = None
                pairs = list(re.finditer(rf"([^，,；;。:：、（）()\n0-9０-９]+?)\s*({_NUM_RE})\s*(万元|元)", group))
                for n, pm in enumerate(pairs):
                    name = re.sub(r"^(?:其中|分别为|分别是|包括|主要包括|主要是|主要为|为|是|和|及|共计|合计)+", "",
                                  pm.group(1).strip())
                    if not name:
                        continue
                    base = re.sub(r"支出$", "", name)
                    loc = loc_at(seg_start + g_start + pm.start())
                    val = _Val(_ascii(pm.group(2)), pm.group(0), loc, P_NARRATIVE, pm.group(3))
                    if n == 0 and base in ("人员经费", "公用经费"):
                        header = base
                        self.put_finance(0, base, "actual", val)
                        continue
                    known = canonical_finance(name)
                    if known in ("人员经费", "公用经费", "基本支出", "项目支出"):
                        self.put_finance(0, known, "actual", val)
                        continue
                    self.put_finance(0, name, "actual", val, header or default, True)
            break

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


_COLUMN_ZH = {"initial_budget": "年初预算数", "adjusted_budget": "全年预算数", "actual": "执行数",
              "quota": "编制数", "retired": "退休人数"}


def _ascii(s: str) -> str:
    return unicodedata.normalize("NFKC", s)


def split_numbered(text: str) -> list[str]:
    """Split a goals cell into items; numbering like ``1、`` is stripped.

    >>> split_numbered("1、 甲\\n2、乙。\\n续")
    ['甲', '乙。续']
    >>> split_numbered("1、甲；2、乙")
    ['甲；', '乙']
    >>> split_numbered("  ")
    []
    """
    text = clean(text)
    if not text:
        return []
    num = r"(?:[0-9０-９]{1,2}|[一二三四五六七八九十])\s*[、.．)）]"
    items: list[str] = []
    for line in text.split("\n"):
        s = line.strip()
        if not s:
            continue
        pieces = re.split(rf"(?:(?<=^)|(?<=[。；;!！]))\s*(?={num})", s)
        for piece in pieces:
            if not piece.strip():
                continue
            if re.match(rf"^\s*[（(]?{num}", piece) or not items:
                items.append(re.sub(rf"^\s*[（(]?{num}\s*", "", piece).strip())
            else:
                items[-1] += piece.strip()
    return [i for i in items if i]


# --------------------------------------------------------------------------- #
# identity: department and year
# --------------------------------------------------------------------------- #

_REGION = re.compile(r"^(.{1,10}?(?:县|区|旗))")
_REGION_CITY = re.compile(r"^(.{1,6}?市)")
_REPORT_WORDS = re.compile(
    r"附件\d*(?:-\d+)?|(?:部门)?整体支出绩效(?:自评|评价)?(?:报告|表)?|基础数据表|自评表|自评报告|绩效自评|"
    r"\d{4}年度?|\(\d{4}\)|[_\-\s.()（）]+")


def split_region(text: str) -> tuple[str, str]:
    """Split ``衡阳县网信办`` into (region, rest).

    >>> split_region("衡阳县网信办")
    ('衡阳县', '网信办')
    >>> split_region("网信办")
    ('', '网信办')
    """
    m = _REGION.match(text) or _REGION_CITY.match(text)
    if m and len(text) > len(m.group(1)):
        rest = text[len(m.group(1)):]
        if rest.startswith(("委", "人民政府", "政府", "人大", "政协", "纪委")):
            rest = m.group(1)[-1] + rest  # 醴陵市委组织部 -> 市委组织部
        return m.group(1), rest
    if m and len(text) == len(m.group(1)):
        return m.group(1), ""
    return "", text


def dept_slug(region: str, name: str) -> str:
    """A stable ASCII id for a department: ``dept-`` + 8 hex of sha1(region+name).

    >>> dept_slug("衡阳县", "网信办") == dept_slug("衡阳县", "网信办")
    True
    >>> dept_slug("衡阳县", "网信办").startswith("dept-")
    True
    """
    return "dept-" + hashlib.sha1((region + name).encode("utf-8")).hexdigest()[:8]


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

    stem_key = norm(Path(doc.file).stem)
    # ---- year ----
    found_year: int | None = None
    if it.year_strong:
        found_year = it.year_strong[0][0]
    else:
        m = re.search(r"(20\d{2})", stem_key)
        if m:
            found_year = int(m.group(1))
        elif it.year_weak:
            found_year = it.year_weak[0]
        else:
            years = Counter(int(m.group(1)) for p in it.narrative for m in re.finditer(r"(20\d{2})年", norm(p.text)))
            if years:
                found_year = years.most_common(1)[0][0]
    if year is not None:
        if found_year is not None and found_year != year:
            it.note(WARNING, "年度", str(found_year), f"报告所写年度 {found_year} 与指定的 --year {year} 不同，按指定年度导入")
        final_year = year
    elif found_year is None:
        raise ReportImportError(doc.file, "无法确定年度（标题、表头与文件名中均未写明），请用 --year 指定")
    else:
        final_year = found_year
    # ---- department (and project) ----
    project = it.who["project"][0][0] if it.who.get("project") else ""
    roles = ("supervisor", "unit", "implementer") if project else ("unit", "supervisor")
    fill = next((it.who[r][0][0] for r in roles if it.who.get(r)), "")
    region, name, full_name = "", "", ""
    for title, _ in it.titles:
        r, rest = split_region(re.sub(r"\d{4}年度?", "", title))
        region = region or r
        name = name or rest
    if fill:
        r, rest = split_region(norm(fill))
        region = r or region
        name = rest or name
        full_name = fill if r else ""
    if project and it.who.get("implementer"):
        impl = it.who["implementer"][0]
        it.note(INFO, impl[1], impl[0], f"实施单位「{impl[0]}」；项目按主管部门「{fill}」归属")
    stem = Path(doc.file).stem
    if not name and dept_name:
        r, rest = split_region(norm(dept_name))
        region, name = region or r, rest or dept_name
        it.note(WARNING, "部门", dept_name, f"报告中未写明部门，按 --dept-name 指定的「{dept_name}」导入")
    if not name or not region:
        cleaned = _REPORT_WORDS.sub(" ", unicodedata.normalize("NFKC", stem)).strip()
        cleaned = cleaned.split()[0] if cleaned.split() else ""
        r, rest = split_region(cleaned)
        region = region or r
        if not name:
            name = rest if rest and not re.fullmatch(r"[\w\-]*", rest, flags=re.ASCII) else stem
            it.note(WARNING, "部门", stem,
                    f"报告中未写明部门（填报单位、单位名称、主管部门或标题），按文件名「{name}」导入；"
                    f"请核对，或用 --dept-name 指定")
    if dept_id is None:
        dept_id = dept_slug(region, name)
    framework = infer_framework(it)
    if framework and framework != DEFAULT_FRAMEWORK:
        it.evaluations.setdefault("framework", _Val(framework, "", _Loc("绩效指标"), P_FUNDS))
    return _build(it, doc, sha1, dept_id, final_year, name, region, full_name, project)


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
    if not ranked:
        it.note(INFO, "绩效指标", shown, f"一级指标（{shown}）不属于已有的评分框架（{'、'.join(list_frameworks())}），"
                                      f"评价框架留空；复核时按默认框架，必要时在 evaluations.framework 中指定")
        return ""
    fid = sorted(ranked)[0][-1]
    it.note(INFO, "绩效指标", shown, f"一级指标（{shown}）对应评分框架 {fid}")
    return fid


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
