"""The analyst's input workbook: an empty template, or a dataset written in it.

``perfeval template`` writes an .xlsx with one sheet per input table (Chinese
sheet names and headers, as :func:`perfeval.load` reads them), drop-down lists
where the contract has a closed vocabulary (单位, 指标性质, 一级指标, 科目), and a
说明 sheet documenting every column. With a dataset, the sheets are filled with
its facts as written (raw text, units), so a dataset can be handed to someone who
works in Excel and loaded back unchanged.
"""
from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from ._dataset import Dataset, TABLE_ORDER, contract_frames
from ._export import write_bytes_atomic
from ._errors import check_sheet_rows
from ._schema import FINANCE_VOCABULARY, TABLES

#: Drop-down lists: (table, column) -> allowed values (blank always allowed).
CHOICES: dict[tuple[str, str], list[str]] = {
    ("finance", "unit"): ["万元", "元"],
    ("indicators", "direction"): ["≥", "≤", "=", "定性"],
    ("indicators", "level1"): ["产出", "效益", "满意度"],
}
#: Suggested (not enforced) values shown beside a column.
SUGGESTIONS: dict[tuple[str, str], list[str]] = {
    ("finance", "item"): list(FINANCE_VOCABULARY),
}

KIND_ZH = {"key": "编码（必填）", "text": "文字", "year": "年度，如 2021", "money": "金额，数字（单位见“单位”列，默认万元）",
           "count": "人数，整数", "number": "数字", "unit": "万元 或 元"}


def write_template(path: str | os.PathLike[str], ds: Dataset | None = None) -> Path:
    """Write the input workbook (atomically); filled with ``ds`` when given.

    Parameters
    ----------
    path
        The .xlsx to write.
    ds
        A dataset to write into the sheets (values as written); ``None`` writes an
        empty template.

    Returns
    -------
    Path
        The file written; :func:`perfeval.load` reads it back.

    Examples
    --------
    >>> import tempfile, perfeval
    >>> from pathlib import Path
    >>> p = write_template(Path(tempfile.mkdtemp()) / "模板.xlsx", perfeval.load().subset(["hyx-wxb"]))
    >>> float(perfeval.load(p).finance.query("item == '年度资金总额'")["actual"].iloc[0])
    85.4561
    """
    import io

    import xlsxwriter

    target = Path(path)
    frames = contract_frames(ds) if ds is not None else {}
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False,
                                   "strings_to_numbers": False, "strings_to_urls": False})
    head = wb.add_format({"bold": True, "bg_color": "#dce6f1", "border": 1, "text_wrap": True, "valign": "vcenter"})
    need = wb.add_format({"bold": True, "bg_color": "#f4cccc", "border": 1, "text_wrap": True, "valign": "vcenter"})
    text = wb.add_format({"num_format": "@"})
    for name in TABLE_ORDER:
        spec = TABLES[name]
        ws = wb.add_worksheet(spec.zh)
        for c, col in enumerate(spec.columns):
            ws.write_string(0, c, col.zh, need if col.required else head)
            ws.write_comment(0, c, f"{col.name}：{KIND_ZH[col.kind]}" + ("；必填" if col.required else ""))
            ws.set_column(c, c, max(10, min(40, 2.2 * len(col.zh) + 4)), text)
            choices = CHOICES.get((name, col.name))
            if choices:
                ws.data_validation(1, c, 5000, c, {"validate": "list", "source": choices,
                                                   "error_title": "取值不在列表中",
                                                   "error_message": "可选：" + "、".join(choices) + "（可留空）"})
        df = frames.get(name)
        if df is not None:
            check_sheet_rows(spec.zh, len(df) + 1, what=f"{target.name}：")
            for r, row in enumerate(df.itertuples(index=False), start=1):
                for c, value in enumerate(row):
                    if value is not None and not (isinstance(value, float) and pd.isna(value)) and value is not pd.NA:
                        ws.write_string(r, c, str(value))
        ws.freeze_panes(1, 0)
    notes = wb.add_worksheet("说明")
    notes.set_column(0, 0, 14)
    notes.set_column(1, 1, 18)
    notes.set_column(2, 2, 16)
    notes.set_column(3, 3, 60)
    row = 0
    notes.write_string(row, 0, "perfeval 输入工作簿：每张表一行一个事实，以 部门编码 + 年度 为键；空白表示未知，不是 0。"
                               "金额默认万元，资金表“单位”列写“元”时按元换算。", head)
    row += 2
    for c, h in enumerate(("表", "列", "英文列名", "含义")):
        notes.write_string(row, c, h, head)
    for name in TABLE_ORDER:
        spec = TABLES[name]
        for col in spec.columns:
            row += 1
            notes.write_string(row, 0, spec.zh)
            notes.write_string(row, 1, col.zh + ("（必填）" if col.required else ""))
            notes.write_string(row, 2, col.name)
            extra = SUGGESTIONS.get((name, col.name))
            meaning = KIND_ZH[col.kind] + (f"；常用：{'、'.join(extra)}" if extra else "")
            notes.write_string(row, 3, meaning)
    wb.close()
    write_bytes_atomic(target, buf.getvalue())
    return target


__all__ = ["write_template", "CHOICES"]
