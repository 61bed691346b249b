"""Tests of the one finance vocabulary (perfeval._vocab)."""
from __future__ import annotations

import perfeval._import._layout as layout
import perfeval._schema as schema
from perfeval import _vocab
from perfeval._vocab import FINANCE_VOCABULARY, ROOT_ITEM, canonical_item, child_groups, default_parent


def test_one_vocabulary_everywhere():
    assert schema.FINANCE_VOCABULARY is FINANCE_VOCABULARY
    assert layout.FINANCE_VOCABULARY is FINANCE_VOCABULARY
    # the importer's labels are the vocabulary's items and aliases
    assert {layout.canonical_finance(k) for k in _vocab.ITEM_ALIASES} <= set(FINANCE_VOCABULARY)
    assert layout.default_parent is default_parent


def test_car_purchase_sits_under_the_car_subtotal():
    assert FINANCE_VOCABULARY["公务用车购置"] == "公务用车购置和维护经费"
    assert FINANCE_VOCABULARY["公务用车运行维护"] == "公务用车购置和维护经费"
    assert FINANCE_VOCABULARY["公务用车购置和维护经费"] == "三公经费"
    assert layout.canonical_finance("其中：公车购置") == "公务用车购置"


def test_every_vocabulary_parent_is_in_the_vocabulary():
    assert all(p is None or p in FINANCE_VOCABULARY for p in FINANCE_VOCABULARY.values())


def test_aliases_map_to_items():
    assert canonical_item("因公出国（境）") == "因公出国(境)"
    assert canonical_item(" 政府性基金拨款 ") == "政府性基金"
    assert all(v in FINANCE_VOCABULARY for v in _vocab.ITEM_ALIASES.values())


def test_default_parent_skips_an_absent_subtotal():
    assert default_parent("公务用车购置", {"三公经费", "公务用车购置"}) == "三公经费"
    assert default_parent("公务用车购置", {"三公经费", "公务用车购置和维护经费"}) == "公务用车购置和维护经费"
    assert default_parent("人员经费", set()) == "基本支出"


def test_total_children_form_two_splits():
    groups = child_groups(ROOT_ITEM, {"一般公共预算": "source", "政府性基金": "source", "基本支出": "nature",
                                      "项目支出": "nature"})
    assert list(groups) == ["nature", "source"]
    assert child_groups("三公经费", {"公务接待": "memo"}) == {"detail": ["公务接待"]}
