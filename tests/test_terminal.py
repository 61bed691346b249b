"""perfeval._terminal: tables that fit the terminal."""
from __future__ import annotations

import io

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.cells import cell_len

from perfeval._terminal import Col, console, frame_table, wrap_header


@pytest.mark.parametrize("width", [40, 80, 120])
def test_wide_frames_continue_in_blocks_that_fit(width):
    df = pd.DataFrame({"dept": ["示例·农业农村局", "网信办"], "year": [2021, 2022],
                       **{f"m{i}": [1234.56789 * i, None] for i in range(12)},
                       "note": ["很长的说明文字" * 8, "短"]})
    cols = [Col("dept", "部门"), Col("year", "年度", "year")] + [Col(f"m{i}", f"金额{i}", "money") for i in range(12)] \
        + [Col("note", "说明")]
    buf = io.StringIO()
    frame_table(console(buf, width), df, cols, keys=("dept", "year"))
    lines = buf.getvalue().splitlines()
    assert max(cell_len(line) for line in lines) <= width
    text = buf.getvalue()
    for i in range(12):
        assert f"{1234.56789 * i:.4f}" in text  # numbers never folded or cut
    assert "".join(text.split()).count("很长的说明文字") == 8
    assert all(line == line.rstrip() for line in lines)  # no padding left when not a terminal


def test_header_breaks_before_parenthesis():
    assert wrap_header("执行率得分(报)", 10) == "执行率得分\n(报)"
    assert wrap_header("得分", 10) == "得分"


@given(st.text(alphabet=st.sampled_from(list("执行率得分，。「」（）() 85.4561%abc_indicators.csv\n")), max_size=80),
       st.integers(min_value=4, max_value=30))
def test_wrap_text_keeps_every_character_within_the_width(value, width):
    from perfeval._terminal import wrap_text

    wrapped = wrap_text(value, width)
    assert "".join(wrapped.split()) == "".join(value.split())
    assert all(cell_len(line) <= width for line in wrapped.split("\n"))


def test_wrap_text_keeps_punctuation_off_line_starts():
    from perfeval._terminal import wrap_text

    text = "指标「妇女儿童合法权益保障」未完成：指标值「有效保障」，完成值「部分达成年度指标并具有一定效果」，未说明偏差原因。"
    for width in range(8, 40):
        lines = wrap_text(text, width).split("\n")
        assert not any(line[0] in "，。、；：」）" for line in lines[1:]), (width, lines)
        assert not any(line[-1] in "「（" for line in lines), (width, lines)
