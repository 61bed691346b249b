"""Tests of the framework model and loader (perfeval._framework)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

import perfeval
from perfeval._framework import NEGATORS, FrameworkError, load_framework

NATIONAL = Path(perfeval.__file__).parent / "frameworks" / "national_2020.toml"


def test_edited_framework_file_is_read_again(tmp_path):
    p = tmp_path / "mine.toml"
    text = NATIONAL.read_text(encoding="utf-8").replace('id = "national_2020"', 'id = "mine"')
    p.write_text(text, encoding="utf-8")
    assert load_framework(p).name.startswith("全国通用框架")
    p.write_text(text.replace('name = "全国通用框架', 'name = "改过的框架'), encoding="utf-8")
    st = p.stat()
    os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))  # a later edit, whatever the clock's grain
    assert load_framework(p).name.startswith("改过的框架")


def test_metric_rules_match_names_not_substrings(tmp_path):
    fw = load_framework("hunan_legacy")
    assert fw.metric_rule_for("财政供养人员控制率").metric == "staff_control_rate"
    assert fw.metric_rule_for("在职人员控制率（≤100%）").metric == "staff_control_rate"
    assert fw.metric_rule_for("预算调整率").metric == "adjustment_rate"
    assert fw.metric_rule_for("三公经费控制率") is None
    assert fw.metric_rule_for("预算调整率控制情况") is None


def test_metric_rule_pattern_must_compile(tmp_path):
    p = tmp_path / "bad.toml"
    text = (Path(perfeval.__file__).parent / "frameworks" / "hunan_legacy.toml").read_text(encoding="utf-8")
    p.write_text(text.replace('pattern = "(财政供养|在职|在编)?人员(编制)?控制率"', 'pattern = "(控制率"'), encoding="utf-8")
    with pytest.raises(FrameworkError, match=r"bad\.toml.*metric_rules\[2\]\.pattern.*正则"):
        load_framework(p)


@pytest.mark.parametrize("text,band,phrase,negator", [
    ("零差错", "达成", "零差错", None),
    ("无差错", "达成", "无差错", None),
    ("尚未全部完成", "未达成", "全部完成", "尚未"),
    ("质量不高", "未达成", "高", "不"),
    ("未提升", "未达成", "提升", "未"),
    ("没有按期完成", "未达成", "完成", "没有"),
    ("不断提升", "达成", "提升", None),
    ("未发现差错，全部完成", "达成", "全部完成", None),   # the negation stays in its clause
    ("部分完成", "部分达成", "部分完成", None),
    ("效果差", "未达成", "差", None),
])
def test_match_band_phrases_and_negation(text, band, phrase, negator):
    m = load_framework().match_band(text)
    assert (m.band.name, m.phrase, m.negator) == (band, phrase, negator)


def test_match_band_none_for_unknown_text():
    assert load_framework().match_band("存在差错") is None
    assert load_framework().match_band("") is None


def test_negators_cover_the_domain_words():
    assert {"未", "不", "尚未", "没有", "无法", "未能"} <= set(NEGATORS)
