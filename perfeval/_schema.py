"""The input contract as code: tables, columns, Chinese aliases, kinds.

Each :class:`TableSpec` lists the columns a table may carry in a dataset file
(see ``docs/data-model.md``). ``kind`` says how a column is parsed:

``key``     identifier text, required
``text``    free text, kept as written
``year``    a fiscal year (``2021``, ``2021年``, ``2021年度``)
``money``   a number in 万元 (or 元 when the row's ``unit`` says so)
``count``   a whole number (people)
``number``  any number (weights, scores)
``unit``    万元 or 元
"""
from __future__ import annotations

from dataclasses import dataclass, field

# the finance vocabulary has one home, perfeval._vocab; re-exported here for the loader
from perfeval._vocab import (
    CARRYOVER_ITEM,
    FINANCE_VOCABULARY,
    ITEM_ALIASES,
    MEMO_ROOTS,
    NATURE_ITEMS,
    ROOT_ITEM,
    SOURCE_ITEMS,
    UNIT_ALIASES,
    canonical_item,
    default_parent,
    item_split,
    norm_label,
)


@dataclass(frozen=True)
class ColumnSpec:
    name: str
    zh: str
    kind: str = "text"
    required: bool = False
    aliases: tuple[str, ...] = ()
    doc: str = ""


@dataclass(frozen=True)
class TableSpec:
    name: str
    zh: str
    columns: tuple[ColumnSpec, ...]
    key: tuple[str, ...] = ()
    required: bool = False
    aliases: tuple[str, ...] = ()
    doc: str = ""

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> ColumnSpec:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


_DEPT = ColumnSpec("dept_id", "部门编码", "key", True, ("部门代码", "单位编码", "部门id"), "the analyst's stable key for the unit")
_YEAR = ColumnSpec("year", "年度", "year", True, ("年份", "财年", "预算年度"), "fiscal year")

TABLES: dict[str, TableSpec] = {
    "departments": TableSpec(
        "departments", "部门",
        (
            _DEPT,
            ColumnSpec("name", "部门名称", "text", True, ("单位名称", "简称"), "short name, e.g. 网信办"),
            ColumnSpec("region", "地区", "text", False, ("区县", "所属地区"), "e.g. 衡阳县"),
            ColumnSpec("full_name", "部门全称", "text", False, ("单位全称",), "optional full name"),
            ColumnSpec("note", "备注", "text", False, ("说明",), "optional note"),
        ),
        key=("dept_id",), required=True, aliases=("单位", "部门信息"),
    ),
    "finance": TableSpec(
        "finance", "资金",
        (
            _DEPT, _YEAR,
            ColumnSpec("item", "科目", "key", True, ("项目", "资金科目", "支出科目"), "finance line, see FINANCE_VOCABULARY"),
            ColumnSpec("parent", "上级科目", "text", False, ("父科目", "所属科目"), "parent line; defaults from the vocabulary"),
            ColumnSpec("initial_budget", "年初预算数", "money", False, ("年初预算",), "年初预算数"),
            ColumnSpec("adjusted_budget", "全年预算数", "money", False, ("调整后预算数", "全年预算", "调整预算数", "当年预算数"), "全年(调整后)预算数"),
            ColumnSpec("actual", "全年执行数", "money", False, ("执行数", "决算数", "全年执行", "当年决算数", "实际支出"), "全年执行数 / 决算数"),
            ColumnSpec("unit", "单位", "unit", False, ("金额单位", "计量单位"), "万元 (default) or 元"),
            ColumnSpec("project", "项目名称", "text", False, ("所属项目",), "project of a 项目支出绩效自评表; blank = the whole department"),
        ),
        key=("dept_id", "year", "item"), aliases=("资金情况", "部门资金"),
    ),
    "staffing": TableSpec(
        "staffing", "人员",
        (
            _DEPT, _YEAR,
            ColumnSpec("quota", "编制数", "count", False, ("编制人数", "核定编制"), "编制数"),
            ColumnSpec("actual", "实际在职人数", "count", False, ("在职人数", "实有人数"), "实际在职人数"),
            ColumnSpec("retired", "退休人数", "count", False, ("退休",), "退休人数"),
        ),
        key=("dept_id", "year"), aliases=("人员情况", "财政供养人员"),
    ),
    "indicators": TableSpec(
        "indicators", "绩效指标",
        (
            _DEPT, _YEAR,
            ColumnSpec("level1", "一级指标", "text", False, (), "产出 / 效益 / 满意度 (or a framework's own)"),
            ColumnSpec("level2", "二级指标", "text", False, (), "数量指标, 质量指标 …"),
            ColumnSpec("name", "三级指标", "text", True, ("指标名称",), "the indicator"),
            ColumnSpec("target", "指标值", "text", False, ("目标值", "年度指标值"), "target, raw text"),
            ColumnSpec("actual", "完成值", "text", False, ("实际完成值", "实际值"), "achieved, raw text"),
            ColumnSpec("weight", "分值", "number", False, ("权重", "权重分值"), "weight"),
            ColumnSpec("score", "得分", "number", False, ("自评得分",), "score as reported"),
            ColumnSpec("direction", "指标性质", "text", False, ("指标方向",), "≥, ≤, =, 定性; inferred when blank"),
            ColumnSpec("reason", "偏差原因", "text", False, ("偏差原因分析", "偏差及原因分析"), "reason for a deviation"),
            ColumnSpec("project", "项目名称", "text", False, ("所属项目",), "project of a 项目支出绩效自评表; blank = the whole department"),
        ),
        aliases=("指标", "绩效指标表"),
    ),
    "goals": TableSpec(
        "goals", "年度目标",
        (
            _DEPT, _YEAR,
            ColumnSpec("goal", "年初预期目标", "text", False, ("预期目标", "年初预期（设定）目标"), "goal set at the start of the year"),
            ColumnSpec("result", "全年实际完成情况", "text", False, ("实际完成情况", "完成情况"), "what was achieved"),
            ColumnSpec("project", "项目名称", "text", False, ("所属项目",), "project of a 项目支出绩效自评表; blank = the whole department"),
        ),
        aliases=("目标", "年度总体目标"),
    ),
    "evaluations": TableSpec(
        "evaluations", "自评结果",
        (
            _DEPT, _YEAR,
            ColumnSpec("framework", "评价框架", "text", False, ("评分框架",), "scoring framework id; blank = default"),
            ColumnSpec("total_weight", "总分", "number", False, ("满分",), "total weight as reported"),
            ColumnSpec("total_score", "得分", "number", False, ("总得分", "自评得分"), "total score as reported"),
            ColumnSpec("grade", "综合评定等级", "text", False, ("等级", "评定等级"), "grade as reported"),
            ColumnSpec("execution_rate", "执行率", "text", False, ("预算执行率",), "execution rate as reported, raw text"),
            ColumnSpec("execution_weight", "执行率分值", "number", False, (), "weight of the execution score"),
            ColumnSpec("execution_score", "执行率得分", "number", False, (), "execution score as reported"),
            ColumnSpec("project", "项目名称", "text", False, ("所属项目",), "project of a 项目支出绩效自评表; blank = the whole department"),
        ),
        key=("dept_id", "year"), aliases=("自评", "评价结果"),
    ),
}

def header_map(spec: TableSpec) -> dict[str, str]:
    """Normalised header -> column name, for English and Chinese headers."""
    out: dict[str, str] = {}
    for c in spec.columns:
        for label in (c.name, c.zh, *c.aliases):
            out.setdefault(norm_label(label), c.name)
    return out


def table_for_name(stem: str) -> str | None:
    """Which table a file or sheet name holds (``finance``, ``资金`` …), or None."""
    key = norm_label(stem)
    for spec in TABLES.values():
        if key in {norm_label(spec.name), norm_label(spec.zh), *(norm_label(a) for a in spec.aliases)}:
            return spec.name
    return None


def describe_tables() -> str:
    """A Markdown description of every input table (used by the docs)."""
    lines = []
    for spec in TABLES.values():
        lines.append(f"## {spec.name} ({spec.zh})")
        lines.append("| column | 中文 | kind | required |\n|---|---|---|---|")
        for c in spec.columns:
            lines.append(f"| {c.name} | {c.zh} | {c.kind} | {'yes' if c.required else ''} |")
        lines.append("")
    return "\n".join(lines)


__all__ = [
    "ColumnSpec", "TableSpec", "TABLES", "FINANCE_VOCABULARY", "ITEM_ALIASES", "UNIT_ALIASES",
    "ROOT_ITEM", "SOURCE_ITEMS", "NATURE_ITEMS", "MEMO_ROOTS", "CARRYOVER_ITEM",
    "norm_label", "canonical_item", "default_parent", "item_split", "header_map", "table_for_name", "describe_tables",
]
