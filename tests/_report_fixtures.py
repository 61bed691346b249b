"""Realistic report fixtures built at test time (python-docx, openpyxl), never committed as binaries.

One *spec* (a dict of what a department wrote) is laid out as the standard form —
附件1-1 基础数据表 and 附件1-2 自评表 with their merged header cells — and can be
written as a Word file, as the text a Word export gives (the seed's form), or as
an Excel copy of the two attachment tables. ``expected(spec, narrative)`` gives the
facts a correct importer must find, in the dataset contract.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from perfeval._schema import TABLES
from perfeval._vocab import FINANCE_VOCABULARY

# --------------------------------------------------------------------------- #
# a grid with merged rectangles
# --------------------------------------------------------------------------- #


@dataclass
class GridSpec:
    n_cols: int
    rows: list[dict[int, str]] = field(default_factory=list)  # row -> {col: text} (0-based)
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)  # r0, c0, r1, c1 inclusive

    def add(self, cells: list[tuple[str, int]], vmerge_from: dict[int, int] | None = None) -> int:
        """Append a row of (text, span) cells; returns the row index."""
        r = len(self.rows)
        row: dict[int, str] = {}
        c = 0
        for text, span in cells:
            row[c] = text
            if span > 1:
                self.merges.append((r, c, r, c + span - 1))
            c += span
        assert c == self.n_cols, (cells, c, self.n_cols)
        self.rows.append(row)
        return r

    def vmerge(self, r0: int, r1: int, c0: int, c1: int | None = None) -> None:
        c1 = c0 if c1 is None else c1
        self.merges = [m for m in self.merges if not (r0 <= m[0] <= r1 and m[1] == c0 and m[3] == c1)]
        self.merges.append((r0, c0, r1, c1))

    def export_rows(self) -> list[list[str]]:
        """Rows as a Word text export shows them (horizontal merge once, vertical continuation empty)."""
        out = []
        for r, row in enumerate(self.rows):
            cells = []
            c = 0
            while c < self.n_cols:
                m = next((m for m in self.merges if m[0] <= r <= m[2] and m[1] <= c <= m[3]), None)
                if m is None:
                    cells.append(row.get(c, ""))
                    c += 1
                    continue
                cells.append(self.rows[m[0]].get(m[1], "") if r == m[0] else "")
                c = m[3] + 1
            out.append(cells)
        return out


# --------------------------------------------------------------------------- #
# report specs
# --------------------------------------------------------------------------- #

SEED_NARRATIVE = [
    " 一、部门（单位）基本情况",
    "网信办是主要负责协调处理网络安全和信息化重大突发事件与有关应急工作。",
    "我单位共有行政编制10个，下设所属全额拨款事业单位1个，有事业编制9个。 所属事业单位是衡阳县舆情监测中心；",
    "在职12人，退休0人。",
    "二、一般公共预算支出情况",
    "2021年一般公共预算拨款收入85.8361万元。2021年一般公共预算支出85.4561万元，年末结转0.38万元。",
    "三、政府性基金预算支出情况", "无",
    "四、国有资本经营预算支出情况", "无",
    "五、社会保险基金预算支出情况", "无",
    "6、 部门整体支出绩效情况",
    " 基本支出包括为保障单位机构正常运转、完成日常工作任务而发生的各项支出。共计85.8361万元，其中：（1）基本工资福利30.5292",
    "万元，津补贴21.2616万元，社会保险缴费8.9771万元，住房公积金6.2149万元；医疗保险4.5049万元；其他保险0.4142万元。"
    "（2）公用经费支出13.9342万元；分别为办公经费4.8436万元，水电费2万元；物业管理费1.5万元；其他商品和服务支出5.5906万元。",
    "[bookmark: bookmark9]七、存在的问题及原因分析",
    "1、制度管理有待加强。",
    "八、下一步改进措施", "针对上述问题，加强学习培训。",
    "九、其他需要说明的情况",
    "附件1：衡阳县部门整体支出绩效自评报告",
]

SEED_SPEC: dict = {
    "file_stem": "网信办",
    "dept_label": "网信办",
    "year": 2021,
    "filed": ("2022年4月12日", "2022.4.12"),
    "unit": "万元",
    "narrative": SEED_NARRATIVE,
    "staffing": ("\u300019", "\u300012"),
    "control": [  # label, 当年决算数, 当年预算数, 上年决算数
        ("一、部门基本支出", "85.4561", "85.8361", "60.0985"),
        ("    其中： 1、压缩一般性支出", "", "", ""),
        ("    2、三公经费", "", "", "\u3000"),
        ("   公务用车购置和维护经费", "\u3000", "\u3000", "\u3000"),
        ("       其中：公车购置", "\u3000", "", "\u3000"),
        ("             公车运行维护", "\u3000", "\u3000", "\u3000"),
        ("   公务接待", "", "\u3000", "\u3000"),
        ("   出国经费", "\u3000", "\u3000", "\u3000"),
        ("二、部门项目支出", "\u3000", "\u3000", "\u3000"),
        ("1、业务工作专项(一个项目一行)", "\u3000", "\u3000", "\u3000"),
        ("", "", "", ""),
        ("……", "", "", ""),
        ("  2、运行维护专项(一个项目一行)", "", "\u3000", "\u3000"),
        ("", "", "", ""),
        ("……", "", "", ""),
        ("3、县级专项资金（一个专项一行）", "\u3000", "\u3000", "\u3000"),
        ("", "", "", ""),
        ("         ……", "", "", ""),
        ("政府采购金额", "\u3000", "\u3000", "\u3000"),
    ],
    "funds_unit_label": "部门资金（万元）",
    "total": ("85.8361", "85.8361", "85.4561\u3000", "\u300098%", "10", "9"),
    "sources": [("其中：一般公共预算", "85.8361"), ("政府性基金拨款", "0"), ("纳入管理的非税收入拨款", "0"),
                ("其他资金", "0")],
    "natures": [("基本支出", "85.8361"), ("其中：人员经费", "71.9019"), ("公用经费", "13.9342"), ("项目支出", "0")],
    "goals": ("1、 坚持以抓好网上舆情管控为重点。坚决打赢网上意识形态斗争\n"
              "2、 坚持以加强网络安全保障体系建设为重点，扎实推进网络安全工作\n"
              "3、 坚持以健全工作体系为重点，努力 形成推动网信工作的整体合力。",
              "1、疫情期间，正确引导网上舆论，第一时间辟谣发声。\n2、及时回复网民信息，网络问政得到有效实行。   "),
    "indicator_heads": ["一级指标", "二级指标", "三级指标\u3000", "指标值", "完成值", "分值", "得分"],
    # level1 label, [(level2 label, [(name, target, actual, weight, score), ...]), ...]
    "indicators": [
        ("产出\n指标\n（50分）", [
            ("数量指标", [("第一时间完成涉县网络舆情处置", "100%", "≥98%", "10", "9"),
                         ("第一时间协调处置网络安全事件\u3000", "100%", "≥98%", "10", "10")]),
            ("质量指标", [("把牢网络舆论导向，为全县社会和谐稳定营造 良好的网络舆论氛围", "100%", "≥95%", "10", "9")]),
            ("时效指标", [("实行24小时舆情值班制和网络舆情日报制", "100%", "98%", "10", "9")]),
            ("成本指标", [("\u3000\u3000基本支出 ", "不突破预算", "100%", "10", "9")]),
        ]),
        ("效益\n指标\n（30分）", [
            ("经济效益指标", [("\u3000\u3000", "", "", "", ""), ("\u3000\u3000", "", "", "", "")]),
            ("社会效益指标", [("网络留言回复率", "100%", "≥98%", "10", "9"),
                           ("上级舆情交办率", "100%", "≥98%", "", ""),
                           ("上级下发网宣网评任务完成率", "100%", "100%", "10", "9")]),
            ("生态效益指标", [("把牢网络舆论导向，为全县社会和谐稳定营造 良好的网络舆论氛围", "100%", "≥98%", "10", "9")]),
            ("可持续影响指标", [("综合影响力", "100%", "≥98%", "10", "9")]),
        ]),
        ("满意度\n指标（10分）", [
            ("社会公众或服务对象满意度指标", [("社会公众或服务对象满意度≥95%\u3000", "100%", "≥95", "10", "9")]),
        ]),
    ],
    "grade": ("优秀", "总  分", "100", "91"),
    "person": "填表人：阳桂兰    联系电话：13787340508    单位负责人签字：",
}

SECOND_SPEC: dict = {
    "file_stem": "衡阳县妇联2022年度部门整体支出绩效自评报告",
    "dept_label": "衡阳县妇联",
    "year": 2022,
    "filed": ("2023年3月30日", "2023.3.30"),
    "unit": "元",
    "narrative": [
        "一、部门（单位）基本情况",
        "衡阳县妇联为群团机关，核定编制15名，在职13人，退休3人。",
        "二、一般公共预算支出情况",
        "2022年一般公共预算支出1180000元，年末结转20000元。",
        "附件1：衡阳县部门整体支出绩效自评报告",
    ],
    "staffing": ("15", "13"),
    "control": [
        ("一、部门基本支出", "800000", "800000", "760000"),
        ("    其中： 1、压缩一般性支出", "", "", ""),
        ("    2、三公经费", "12000", "15000", "14000"),
        ("   公务用车购置和维护经费", "8000", "10000", "9000"),
        ("       其中：公车购置", "0", "0", "0"),
        ("             公车运行维护", "8000", "10000", "9000"),
        ("   公务接待", "3000", "4000", "4000"),
        ("   出国经费", "1000", "1000", "1000"),
        ("二、部门项目支出", "380000", "400000", "350000"),
        ("1、业务工作专项(一个项目一行)", "200000", "240000", "210000"),
        ("妇女儿童维权服务", "120000", "160000", "130000"),
        ("巾帼创业培训", "80000", "80000", "80000"),
        ("……", "", "", ""),
        ("  2、运行维护专项(一个项目一行)", "80000", "60000", "40000"),
        ("办公楼维修", "80000", "60000", "40000"),
        ("……", "", "", ""),
        ("3、县级专项资金（一个专项一行）", "100000", "100000", "100000"),
        ("春蕾计划助学金", "100000", "100000", "100000"),
        ("         ……", "", "", ""),
        ("政府采购金额", "30000", "30000", "25000"),
    ],
    "funds_unit_label": "部门资金（元）",
    "total": ("1150000", "1200000", "1180000", "98.33%", "10", "9.8"),
    "sources": [("其中：一般公共预算", "1200000"), ("政府性基金拨款", "0"), ("纳入管理的非税收入拨款", "0"),
                ("其他资金", "0")],
    "natures": [("基本支出", "800000"), ("其中：人员经费", "650000"), ("公用经费", "150000"),
                ("项目支出", "400000")],
    "goals": ("1、维护妇女儿童合法权益；2、开展巾帼创业培训300人次。",
              "1、受理维权案件56件，办结率100%。\n2、培训326人次。"),
    "indicator_heads": ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "权重", "得分", "偏差原因分析"],
    "indicators": [
        ("产出指标（50分）", [
            ("数量指标", [("创业培训人次", "≥300人次", "326人次", "20", "20", ""),
                         ("维权案件办结率", "100%", "100%", "15", "15", "")]),
            ("时效指标", [("案件按时办结率", "≥95%", "93%", "15", "13", "个别案件涉及跨县协调")]),
        ]),
        ("效益指标（30分）", [
            ("社会效益指标", [("妇女儿童维权知晓率", "提高", "明显提高", "30", "27", "")]),
        ]),
        ("满意度指标（10分）", [
            ("服务对象满意度指标", [("受助对象满意度", "≥90%", "95%", "10", "10", "")]),
        ]),
    ],
    "grade": ("优", "总  分", "100", "94.8"),
    "person": "填表人：张三    联系电话：13912345678    单位负责人签字：",
}


# --------------------------------------------------------------------------- #
# layout
# --------------------------------------------------------------------------- #

def table_11(spec: dict) -> GridSpec:
    g = GridSpec(4)
    r0 = g.add([("财政供养人员情况", 1), ("编制数", 1), (f"{spec['year']}年实际在职人数", 1), ("控制率", 1)])
    g.add([("", 1), (spec["staffing"][0], 1), (spec["staffing"][1], 1), ("\u3000", 1)])
    g.vmerge(r0, r0 + 1, 0)
    g.add([("经费控制情况", 1), ("当年决算数", 1), ("当前年预算数", 1), ("上年决算数", 1)])
    for label, a, b, c in spec["control"]:
        g.add([(label, 1), (a, 1), (b, 1), (c, 1)])
    g.add([("厉行节约保障措施", 1), ("\u3000", 3)])
    return g


def table_12(spec: dict) -> GridSpec:
    heads = spec["indicator_heads"]
    n = 1 + len(heads)
    g = GridSpec(n)
    extra = n - 8  # columns beyond the standard eight go to the right of 得分
    top = g.add([(spec["funds_unit_label"], 1), ("", 1), ("年初预算数", 1), ("全年预算数", 1), ("全年执行数", 1),
                 ("执行率", 1), ("分值", 1), ("得分", 1 + extra)])
    g.add([("", 1), ("年度资金总额", 1)] + [(v, 1) for v in spec["total"][:-1]] + [(spec["total"][-1], 1 + extra)])
    g.add([("", 1), ("按收入性质分", 3), ("按支出性质分", 4 + extra)])
    for (sl, sv), (nl, nv) in zip(spec["sources"], spec["natures"]):
        g.add([("", 1), (sl, 1), (sv, 2), (nl, 2), (nv, 2 + extra)])
    g.vmerge(top, top + 2 + len(spec["sources"]), 0)
    goals = g.add([("年度总体目标", 1), ("年初预期（设定）目标\u3000", 4), ("全年实际完成情况", 3 + extra)])
    g.add([("", 1), (spec["goals"][0], 4), (spec["goals"][1], 3 + extra)])
    g.vmerge(goals, goals + 1, 0)
    head = g.add([("绩效指标", 1)] + [(h, 1) for h in heads])
    for level1, groups in spec["indicators"]:
        first1 = len(g.rows)
        for level2, items in groups:
            first2 = len(g.rows)
            for k, item in enumerate(items):
                l1 = level1 if len(g.rows) == first1 else ""
                l2 = level2 if k == 0 else ""
                g.add([("", 1), (l1, 1), (l2, 1)] + [(v, 1) for v in item])
            g.vmerge(first2, len(g.rows) - 1, 2)
        g.vmerge(first1, len(g.rows) - 1, 1)
    g.vmerge(head, len(g.rows) - 1, 0)
    grade, total_label, weight, score = spec["grade"]
    g.add([("综合评定等级", 1), (grade, 2), (total_label, 3), (weight, 1), (score, 1 + extra)])
    note = g.add([("说明", 1), ("偏差及原因分析", 4), ("改进措施", 3 + extra)])
    g.add([("", 1), ("", 4), ("", 3 + extra)])
    g.vmerge(note, note + 1, 0)
    return g


def blocks(spec: dict, narrative: bool = True) -> list[tuple[str, object]]:
    """The report as ('p', text) and ('t', GridSpec) blocks in document order."""
    out: list[tuple[str, object]] = []
    if narrative:
        out += [("p", t) for t in spec["narrative"]]
    out += [("p", "附件1-1"), ("p", "部门整体支出绩效评价基础数据表"),
            ("p", f"填报单位：{spec['dept_label']}      填报时间：{spec['filed'][0]}       单位：{spec['unit']}"),
            ("t", table_11(spec)),
            ("p", "说明：“公用经费”填报基本支出中的一般商品和服务支出。"), ("p", spec["person"]),
            ("p", "附件1-2"), ("p", "部门整体支出绩效自评表"), ("p", f"（ {spec['year']}年度）"),
            ("p", f"填报单位（盖章）：                              填报时间：{spec['filed'][1]}"),
            ("t", table_12(spec)),
            ("p", spec["person"])]
    return out


# --------------------------------------------------------------------------- #
# writers
# --------------------------------------------------------------------------- #

def write_docx(spec: dict, path: Path, narrative: bool = True) -> Path:
    """Write the report as a Word file with real merged cells."""
    import docx

    d = docx.Document()
    for kind, obj in blocks(spec, narrative):
        if kind == "p":
            d.add_paragraph(str(obj).replace("[bookmark: bookmark9]", ""))
            continue
        g: GridSpec = obj  # type: ignore[assignment]
        t = d.add_table(rows=len(g.rows), cols=g.n_cols)
        t.style = "Table Grid"
        for r, row in enumerate(g.rows):
            cells = t.rows[r].cells  # one row at a time: Table.cell() walks the whole table each call
            for c, text in row.items():
                cell = cells[c]
                lines = text.split("\n")
                cell.paragraphs[0].text = lines[0]
                for extra in lines[1:]:
                    cell.add_paragraph(extra)
        for r0, c0, r1, c1 in g.merges:
            a, b = t.rows[r0].cells[c0], t.rows[r1].cells[c1]
            keep = a.text
            merged = a.merge(b)
            # merge() concatenates the paragraphs of empty cells; keep the anchor's text only
            if merged.text != keep:
                for p in merged.paragraphs[1:]:
                    if not p.text:
                        p._p.getparent().remove(p._p)
    d.save(path)
    return path


def write_xlsx(spec: dict, path: Path, sheet_names: tuple[str, str] = ("附件1-1", "附件1-2")) -> Path:
    """Write 附件1-1 and 附件1-2 as two sheets laid out as in the Word file (title rows, merges)."""
    from openpyxl import Workbook

    wb = Workbook()
    ws1 = wb.active
    ws1.title = sheet_names[0]
    ws2 = wb.create_sheet(sheet_names[1])
    tables = [b for b in blocks(spec, narrative=False)]
    # split the blocks: everything up to and including the first table's trailing lines -> sheet 1
    idx = [i for i, (k, _) in enumerate(tables) if k == "t"]
    parts = [(ws1, tables[: idx[0] + 3]), (ws2, tables[idx[0] + 3:])]
    for ws, part in parts:
        width = max(o.n_cols for k, o in part if k == "t")
        r = 1
        for kind, obj in part:
            if kind == "p":
                if str(obj).startswith("填表人"):
                    continue  # the Excel copies carry no signature line
                ws.cell(row=r, column=1, value=str(obj))
                ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=width)
                r += 1
                continue
            g: GridSpec = obj  # type: ignore[assignment]
            for i, row in enumerate(g.rows):
                for c, text in row.items():
                    if text != "":
                        ws.cell(row=r + i, column=c + 1, value=_xlsx_value(text))
            for r0, c0, r1, c1 in g.merges:
                ws.merge_cells(start_row=r + r0, start_column=c0 + 1, end_row=r + r1, end_column=c1 + 1)
            r += len(g.rows)
    wb.save(path)
    return path


def _xlsx_value(text: str) -> object:
    """Numbers as numbers (as an analyst's Excel copy holds them), the rest as text."""
    s = text.strip()
    try:
        f = float(s)
    except ValueError:
        return text
    return int(f) if f.is_integer() and "." not in s else f


def export_text(spec: dict, narrative: bool = True) -> str:
    """The report as a Word text export writes it (the seed's form)."""
    lines: list[str] = []
    for kind, obj in blocks(spec, narrative):
        if kind == "p":
            lines.append(str(obj))
            continue
        g: GridSpec = obj  # type: ignore[assignment]
        for cells in g.export_rows():
            for text in cells:
                lines.append("\t" + text)
            lines.append("")
        lines.append("")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- #
# what a correct importer finds
# --------------------------------------------------------------------------- #

COLUMNS = {name: TABLES[name].names for name in ("finance", "staffing", "indicators", "goals", "evaluations")}

#: control-table row label -> item; the parent each item gets is the vocabulary's (perfeval._vocab)
CONTROL_LABELS = {
    "一、部门基本支出": "基本支出",
    "2、三公经费": "三公经费",
    "公务用车购置和维护经费": "公务用车购置和维护经费",
    "其中：公车购置": "公务用车购置",
    "公车运行维护": "公务用车运行维护",
    "公务接待": "公务接待",
    "出国经费": "因公出国(境)",
    "二、部门项目支出": "项目支出",
    "政府采购金额": "政府采购",
}
CONTROL_ITEMS = {label: (item, FINANCE_VOCABULARY[item] or "") for label, item in CONTROL_LABELS.items()}
SPLIT_ITEMS = {"其中：一般公共预算": "一般公共预算", "政府性基金拨款": "政府性基金",
               "纳入管理的非税收入拨款": "纳入管理的非税收入", "其他资金": "其他资金", "基本支出": "基本支出",
               "其中：人员经费": "人员经费", "公用经费": "公用经费", "项目支出": "项目支出"}
PARENTS = {item: FINANCE_VOCABULARY[item] for item in SPLIT_ITEMS.values()}


def _v(s: str) -> str:
    return s.strip()


def expected(spec: dict, dept_id: str, narrative: bool = True) -> dict[str, pd.DataFrame]:
    """The facts in the contract (values as written, blanks as "") for a spec built here.

    The narrative facts are hard-coded per spec (``SEED_SPEC`` / ``SECOND_SPEC``).
    """
    y, py = str(spec["year"]), str(spec["year"] - 1)
    fin: dict[tuple[str, str], dict[str, str]] = {}

    def put(year: str, item: str, parent: str, col: str, val: str, unit: str) -> None:
        if not _v(val):
            return
        rec = fin.setdefault((year, item), {"parent": parent, "initial_budget": "", "adjusted_budget": "",
                                            "actual": "", "unit": unit})
        rec[col] = rec[col] or _v(val)

    unit = spec["unit"]
    total = spec["total"]
    for col, v in zip(("initial_budget", "adjusted_budget", "actual"), total[:3]):
        put(y, "年度资金总额", "", col, v, unit)
    for label, v in spec["sources"] + spec["natures"]:
        item = SPLIT_ITEMS[label]
        put(y, item, PARENTS[item], "adjusted_budget", v, unit)
    category = None
    in_projects = False
    for label, cur, bud, prev in spec["control"]:
        key = label.strip()
        if key in CONTROL_ITEMS:
            item, parent = CONTROL_ITEMS[key]
            in_projects = item == "项目支出"
            category = None
        elif in_projects and key and key.strip("…"):
            name = key.split("、", 1)[-1].split("(")[0].split("（")[0]
            if "一行" in key:
                item, parent, category = name, "项目支出", name
            else:
                item, parent = name, category or "项目支出"
        else:
            continue
        put(y, item, parent, "actual", cur, unit)
        put(y, item, parent, "adjusted_budget", bud, unit)
        put(py, item, parent, "actual", prev, unit)
    staffing = {"dept_id": dept_id, "year": y, "quota": _v(spec["staffing"][0]), "actual": _v(spec["staffing"][1]),
                "retired": ""}
    if narrative and spec is SEED_SPEC:
        put(y, "一般公共预算", "年度资金总额", "actual", "85.4561", "万元")
        put(y, "年末结转结余", "", "actual", "0.38", "万元")
        put(y, "公用经费", "基本支出", "actual", "13.9342", "万元")
        for name, v in [("基本工资福利", "30.5292"), ("津补贴", "21.2616"), ("社会保险缴费", "8.9771"),
                        ("住房公积金", "6.2149"), ("医疗保险", "4.5049"), ("其他保险", "0.4142")]:
            put(y, name, "人员经费", "actual", v, "万元")
        for name, v in [("办公经费", "4.8436"), ("水电费", "2"), ("物业管理费", "1.5"), ("其他商品和服务支出", "5.5906")]:
            put(y, name, "公用经费", "actual", v, "万元")
        staffing["retired"] = "0"
    if narrative and spec is SECOND_SPEC:
        put(y, "一般公共预算", "年度资金总额", "actual", "1180000", "元")
        put(y, "年末结转结余", "", "actual", "20000", "元")
        staffing["retired"] = "3"
    finance = pd.DataFrame([{"dept_id": dept_id, "year": yy, "item": it, **rec} for (yy, it), rec in fin.items()],
                           columns=COLUMNS["finance"])
    inds = []
    heads = [h.strip() for h in spec["indicator_heads"]]
    for level1, groups in spec["indicators"]:
        l1 = level1.replace("\n", "").split("指标")[0]
        for level2, items in groups:
            for item in items:
                rec = dict(zip(heads[2:], (_v(x) for x in item)))
                if not any(rec.values()):
                    continue
                inds.append({"dept_id": dept_id, "year": y, "level1": l1, "level2": level2, "name": rec["三级指标"],
                             "target": rec.get("指标值", rec.get("年度指标值", "")),
                             "actual": rec.get("完成值", rec.get("实际完成值", "")),
                             "weight": rec.get("分值", rec.get("权重", "")), "score": rec["得分"], "direction": "",
                             "reason": rec.get("偏差原因分析", "")})
    indicators = pd.DataFrame(inds, columns=COLUMNS["indicators"])
    import re

    def items(text: str) -> list[str]:
        parts = re.split(r"(?:^|(?<=[。；\n]))\s*\d+、\s*", text.strip())
        return [p.strip() for p in parts if p.strip()]

    g, r = items(spec["goals"][0]), items(spec["goals"][1])
    goals = pd.DataFrame([{"dept_id": dept_id, "year": y, "goal": g[i] if i < len(g) else "",
                           "result": r[i] if i < len(r) else ""} for i in range(max(len(g), len(r)))],
                         columns=COLUMNS["goals"])
    grade, _, weight, score = spec["grade"]
    evaluations = pd.DataFrame([{"dept_id": dept_id, "year": y, "framework": "", "total_weight": weight,
                                 "total_score": score, "grade": grade, "execution_rate": _v(total[3]),
                                 "execution_weight": total[4], "execution_score": total[5]}],
                               columns=COLUMNS["evaluations"])
    return {"finance": finance, "staffing": pd.DataFrame([staffing], columns=COLUMNS["staffing"]),
            "indicators": indicators, "goals": goals, "evaluations": evaluations}


def assert_same(got: pd.DataFrame, want: pd.DataFrame, table: str) -> None:
    """Compare a table as facts: blanks normalised, finance/staffing/evaluations by key, the rest in order."""
    cols = COLUMNS[table]
    got = got.reindex(columns=list(dict.fromkeys([*got.columns, *cols])))  # an optional column absent: blank
    want = want.reindex(columns=list(dict.fromkeys([*want.columns, *cols])))
    got = got.astype(object).where(got.notna(), "").astype(str)[cols]
    want = want.astype(object).where(want.notna(), "").astype(str)[cols]
    if table == "finance":
        got = got.sort_values(["dept_id", "year", "item"])
        want = want.sort_values(["dept_id", "year", "item"])
    pd.testing.assert_frame_equal(got.reset_index(drop=True), want.reset_index(drop=True), check_dtype=False)
