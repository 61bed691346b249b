"""The finance vocabulary, in one place: items, default parents, splits, aliases.

Every module that names a finance line (the loader and its schema, the importer,
the checks, the metrics, the template and the test fixtures) takes it from here,
so an item sits under the same parent everywhere.

The tree (``docs/data-model.md``)::

    年度资金总额                              split "total"
    ├── 一般公共预算, 政府性基金, …, 上年结转     split "source"  (by income source)
    └── 基本支出, 项目支出                     split "nature"  (by nature)
        基本支出 ├── 人员经费, 公用经费
    三公经费 (memo)
    ├── 公务用车购置和维护经费
    │   ├── 公务用车购置
    │   └── 公务用车运行维护
    ├── 公务接待
    └── 因公出国(境)
    政府采购, 年末结转结余, 压缩一般性支出 (memo)

The sources and the natures are two *splits* of the same 年度资金总额: a roll-up of a
blank total uses one complete split, never their sum (:func:`child_groups`).

When a dept-year omits an intermediate line (公务用车购置 and 公务用车运行维护 given,
公务用车购置和维护经费 not), an item's default parent is its nearest vocabulary
ancestor that the dept-year does list (:func:`default_parent`).
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Mapping

from perfeval._values import UNIT_FACTORS

__all__ = [
    "CARRYOVER_ITEM", "FINANCE_VOCABULARY", "ITEM_ALIASES", "MEMO_ROOTS", "NATURE_ITEMS", "ROOT_ITEM",
    "SOURCE_ITEMS", "SPLITS", "UNIT_ALIASES", "canonical_item", "child_groups", "default_parent",
    "item_split", "norm_label",
]

ROOT_ITEM = "年度资金总额"
SOURCE_ITEMS: tuple[str, ...] = ("一般公共预算", "政府性基金", "国有资本经营预算", "纳入管理的非税收入", "其他资金", "上年结转")
NATURE_ITEMS: tuple[str, ...] = ("基本支出", "项目支出")
CARRYOVER_ITEM = "年末结转结余"
MEMO_ROOTS: tuple[str, ...] = ("三公经费", "政府采购", CARRYOVER_ITEM, "压缩一般性支出")
#: The two splits of 年度资金总额 (``finance.split`` values), in roll-up preference order.
SPLITS: tuple[str, ...] = ("nature", "source")

#: item -> default parent (None: the root or a memo root)
FINANCE_VOCABULARY: dict[str, str | None] = {
    ROOT_ITEM: None,
    **{s: ROOT_ITEM for s in SOURCE_ITEMS},
    **{n: ROOT_ITEM for n in NATURE_ITEMS},
    "人员经费": "基本支出",
    "公用经费": "基本支出",
    "三公经费": None,
    "公务用车购置和维护经费": "三公经费",
    "公务用车购置": "公务用车购置和维护经费",
    "公务用车运行维护": "公务用车购置和维护经费",
    "公务接待": "三公经费",
    "因公出国(境)": "三公经费",
    "政府采购": None,
    CARRYOVER_ITEM: None,
    "压缩一般性支出": None,
}

#: spelling variants of vocabulary items (as normalised by :func:`norm_label` when looked up) -> item
ITEM_ALIASES: dict[str, str] = {
    "资金总额": ROOT_ITEM, "合计": ROOT_ITEM,
    "一般公共预算拨款": "一般公共预算", "一般公共预算资金": "一般公共预算", "财政拨款": "一般公共预算",
    "政府性基金拨款": "政府性基金", "政府性基金预算": "政府性基金",
    "纳入管理的非税收入拨款": "纳入管理的非税收入", "纳入专户管理的非税收入": "纳入管理的非税收入",
    "非税收入": "纳入管理的非税收入",
    "国有资本经营预算拨款": "国有资本经营预算",
    "上年结转资金": "上年结转",
    "总额": ROOT_ITEM, "当年财政拨款": "一般公共预算", "本年财政拨款": "一般公共预算", "财政资金": "一般公共预算",
    "财政专户管理资金": "纳入管理的非税收入",
    "部门基本支出": "基本支出", "部门项目支出": "项目支出",
    "\"三公\"经费": "三公经费", "“三公”经费": "三公经费",
    "公务用车购置和维护": "公务用车购置和维护经费", "公务用车购置及运行维护费": "公务用车购置和维护经费",
    "公车购置": "公务用车购置", "公务用车购置费": "公务用车购置",
    "公车运行维护": "公务用车运行维护", "公务用车运行维护费": "公务用车运行维护",
    "公务接待费": "公务接待",
    "因公出国(境)费": "因公出国(境)", "出国经费": "因公出国(境)", "因公出国境": "因公出国(境)",
    "政府采购金额": "政府采购", "年末结转": CARRYOVER_ITEM, "结转结余": CARRYOVER_ITEM,
}

#: money unit a finance row may state -> factor to 万元 (from the one unit table)
UNIT_ALIASES: dict[str, float] = {u: UNIT_FACTORS[u][1] for u in ("万元", "万", "元")}

_WS = re.compile(r"\s+")


def norm_label(text: object) -> str:
    """The one label normaliser: NFKC, no whitespace, lower case.

    Used to match headers, finance items, indicator and category names, grades.

    >>> norm_label(" 年初预算数　")
    '年初预算数'
    >>> norm_label("Dept_ID")
    'dept_id'
    >>> norm_label("因公出国（境）")
    '因公出国(境)'
    """
    return _WS.sub("", unicodedata.normalize("NFKC", str(text))).lower()


_LOOKUP: dict[str, str] = {}
for _name in FINANCE_VOCABULARY:
    _LOOKUP[norm_label(_name)] = _name
for _alias, _name in ITEM_ALIASES.items():
    _LOOKUP.setdefault(norm_label(_alias), _name)


def canonical_item(item: str) -> str:
    """Map a spelling variant of a vocabulary item to the canonical one (others unchanged).

    >>> canonical_item("政府性基金拨款")
    '政府性基金'
    >>> canonical_item("公车购置")
    '公务用车购置'
    >>> canonical_item("某专项")
    '某专项'
    """
    return _LOOKUP.get(norm_label(item), item)


def default_parent(item: str, present: Collection[str] | None = None) -> str | None:
    """The vocabulary parent of ``item``: its nearest ancestor listed in ``present``.

    With ``present`` (the items of one dept-year) an omitted intermediate line is
    skipped, so 公务用车购置 rolls into 三公经费 when 公务用车购置和维护经费 is not
    given. Items outside the vocabulary have no default parent.

    >>> default_parent("公务用车购置")
    '公务用车购置和维护经费'
    >>> default_parent("公务用车购置", {"三公经费", "公务用车购置", "公务接待"})
    '三公经费'
    >>> default_parent("某专项") is None
    True
    """
    parent = FINANCE_VOCABULARY.get(item)
    if present is None:
        return parent
    seen: set[str] = set()
    node = parent
    while node is not None and node not in present and node not in seen:
        seen.add(node)
        node = FINANCE_VOCABULARY.get(node)
    return node if node is not None and node in present else parent


def item_split(item: str, parent: str | None, parents: Mapping[str, str | None]) -> str:
    """Classify a finance item: ``total``, ``source``, ``nature``, ``detail`` or ``memo``.

    >>> item_split("一般公共预算", ROOT_ITEM, FINANCE_VOCABULARY)
    'source'
    >>> item_split("公务用车购置", "公务用车购置和维护经费", FINANCE_VOCABULARY)
    'memo'
    """
    if item == ROOT_ITEM:
        return "total"
    if item in SOURCE_ITEMS and parent == ROOT_ITEM:
        return "source"
    if item in NATURE_ITEMS and parent == ROOT_ITEM:
        return "nature"
    seen: set[str] = set()
    node: str | None = item
    while node is not None and node not in seen:
        seen.add(node)
        if node in MEMO_ROOTS:
            return "memo"
        node = parents.get(node)
    return "detail"


def child_groups(parent: str, children: Mapping[str, str | None]) -> dict[str, list[str]]:
    """The groups of ``parent``'s children that each add up to ``parent``.

    ``children`` maps each child to its ``split``. Under 年度资金总额 the children
    by source and by nature are two separate groups (each alone is the whole);
    any other parent has one group, ``detail``. Groups come in :data:`SPLITS`
    order (nature first), so a roll-up that takes the first complete group takes
    one split, never both.

    >>> child_groups(ROOT_ITEM, {"一般公共预算": "source", "基本支出": "nature", "项目支出": "nature"})
    {'nature': ['基本支出', '项目支出'], 'source': ['一般公共预算']}
    >>> child_groups("基本支出", {"人员经费": "detail", "公用经费": "detail"})
    {'detail': ['人员经费', '公用经费']}
    """
    groups: dict[str, list[str]] = {}
    for child, split in children.items():
        key = split if parent == ROOT_ITEM and split in SPLITS else "detail"
        groups.setdefault(key, []).append(child)
    order = {s: i for i, s in enumerate(SPLITS)}
    return dict(sorted(groups.items(), key=lambda kv: order.get(kv[0], len(order))))
