"""perfeval._terminal: tables that fit the terminal."""
from __future__ import annotations

import io

import pandas as pd
import pytest
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
