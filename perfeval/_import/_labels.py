"""The importer's label vocabulary: normalised labels of who reports, funds headers and rows,
indicator-table headings, template placeholders, and the helpers that read them.

Labels are compared after NFKC and removal of all whitespace (``_model.norm``); the
finance items come from the one finance vocabulary, :mod:`perfeval._vocab`.
"""
from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation


from perfeval._import._model import clean, norm
from perfeval._schema import TABLES
from perfeval._vocab import FINANCE_VOCABULARY, ITEM_ALIASES, NATURE_ITEMS, ROOT_ITEM, SOURCE_ITEMS
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
#: who-labels read only as a label/value cell pair (安徽: ``单位 | 寿县文化和旅游局``); on a line
#: ``单位：万元`` is the money unit, and a pair whose value is a unit is not a name either
PAIR_WHO_LABELS: dict[str, str] = {"单位": "unit"}
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
IND_IGNORED = {"序号", "指标解释", "评分标准", "评价标准", "评分细则", "指标说明", "评分办法", "计分方法", "备注",
               "指标说明及评分标准"}
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

