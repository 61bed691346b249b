"""Fuzzing hostile input with hypothesis: zero unexpected exceptions.

Profiles: ``fuzz-ci`` (default: a few dozen examples each, part of the fast
suite) and ``fuzz-long`` (``PERFEVAL_FUZZ=long``: thousands of examples each,
for a red-team pass: ``PERFEVAL_FUZZ=long python -m pytest tests/test_security_fuzz.py``).
What may come out: a value, or the documented error (``ValueError`` from
``parse_number``, ``DatasetError`` from ``load``, ``ReportImportError`` from
``read_report``); anything else is a bug. Exports are checked for live
markup, embedded files and formulas.
"""
from __future__ import annotations

import io
import math
import os
import re
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import perfeval
from perfeval._errors import DatasetError
from perfeval._import import read_report
from perfeval._import._model import ReportImportError
from perfeval._values import parse_number, parse_value

settings.register_profile("fuzz-ci", max_examples=40, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
settings.register_profile("fuzz-long", max_examples=2000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
PROFILE = "fuzz-long" if os.environ.get("PERFEVAL_FUZZ") == "long" else "fuzz-ci"
fuzz = settings.get_profile(PROFILE)
#: exports are slow (a workbook per example): fewer examples, same profile otherwise
fuzz_export = settings(fuzz, max_examples=8 if PROFILE == "fuzz-ci" else 300)

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT / "data" / "default"
SEED = Path("/work/shared/seeds/000_1d0f4977827aa49f.txt")
if not SEED.exists():  # pragma: no cover
    SEED = ROOT.parent / "shared" / "seeds" / "000_1d0f4977827aa49f.txt"

#: text that tends to break parsers: numbers at the edge of float, operators, markup, formulas, controls
NASTY = ["1e309", "-1e309", "inf", "nan", "NaN", "9" * 400, "0." + "0" * 400 + "1", "≥", "≤", "%", "％", "万元", "元",
         "=1+1", "+1", "-1", "@SUM(A1)", "=HYPERLINK(\"http://x\")", "<script>alert(1)</script>", "<img src=x onerror=1>",
         "javascript:alert(1)", "\x00", "\ufeff", "\u3000", "\r", "\n", "\t", ",", '"', "1,234.5", "１９", "到98%",
         "W30万元", "2 98%", "95%-100%", "百分之百", "不突破预算", "13912345678", "11010519491231002X", "联系人：张三"]
texts = st.one_of(st.text(max_size=60), st.sampled_from(NASTY),
                  st.lists(st.one_of(st.sampled_from(NASTY), st.text(max_size=8)), max_size=5).map("".join))


@fuzz
@given(texts, st.one_of(st.none(), st.sampled_from(["%", "万元", "个", "", "≥"]), st.text(max_size=5)))
def test_parse_value_never_raises(raw, ref):
    p = parse_value(raw, reference_unit=ref)
    assert p.kind in ("quantitative", "bound_only", "qualitative", "empty")
    assert p.value is None or math.isfinite(p.value)
    assert (p.value is not None) == (p.kind == "quantitative")


@fuzz
@given(st.one_of(texts, st.floats(allow_nan=True, allow_infinity=True), st.integers(), st.none()))
def test_parse_number_value_or_valueerror(raw):
    try:
        v = parse_number(raw)
    except ValueError as exc:
        assert "无法识别为数字" in str(exc)
        return
    assert v is None or math.isfinite(v)


# --------------------------------------------------------------------------- the loader


def _mutate_csv(text: str, data) -> str:
    lines = text.split("\n")
    for _ in range(data.draw(st.integers(1, 4))):
        i = data.draw(st.integers(0, max(len(lines) - 1, 0)))
        cells = lines[i].split(",")
        j = data.draw(st.integers(0, len(cells) - 1))
        op = data.draw(st.sampled_from(["replace", "insert", "drop", "dup_line", "cut"]))
        if op == "replace":
            cells[j] = data.draw(texts).replace("\n", " ")
        elif op == "insert":
            cells.insert(j, data.draw(texts).replace("\n", " "))
        elif op == "drop" and len(cells) > 1:
            cells.pop(j)
        elif op == "dup_line":
            lines.insert(i, lines[i])
        elif op == "cut":
            cells = cells[:j]
        lines[i] = ",".join(cells)
    return "\n".join(lines)


@pytest.mark.e2e  # slow: a limited subprocess or many generated files; the full suite runs it
@fuzz
@given(st.data())
def test_loader_on_mutated_datasets(tmp_path_factory, data):
    folder = tmp_path_factory.mktemp("mut")
    for f in DEFAULT.glob("*.csv"):
        (folder / f.name).write_bytes(f.read_bytes())
    name = data.draw(st.sampled_from(sorted(f.name for f in DEFAULT.glob("*.csv"))))
    text = (DEFAULT / name).read_text(encoding="utf-8")
    if data.draw(st.booleans()):
        (folder / name).write_text(_mutate_csv(text, data), encoding="utf-8")
    else:  # bytes-level damage
        raw = bytearray(text.encode("utf-8"))
        for _ in range(data.draw(st.integers(1, 5))):
            raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
        (folder / name).write_bytes(bytes(raw))
    try:
        ds = perfeval.load(folder)
    except DatasetError as exc:
        assert len(exc.problems) and exc.problems["code"].notna().all() and exc.problems["message"].str.len().min() > 0
        return
    perfeval.check(ds)
    perfeval.metrics(ds)
    perfeval.rescore(ds)


# --------------------------------------------------------------------------- the importer


def _docx_bytes(paragraphs: list[str], rows: list[list[str]]) -> bytes:
    from docx import Document

    d = Document()
    for p in paragraphs:
        d.add_paragraph(p)
    if rows:
        t = d.add_table(rows=len(rows), cols=max(len(r) for r in rows))
        for i, r in enumerate(rows):
            for j, v in enumerate(r):
                t.cell(i, j).text = v
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


_SEED_DOCX: dict[str, bytes] = {}


def _seed_docx() -> bytes:
    if "x" not in _SEED_DOCX:
        text = SEED.read_text(encoding="utf-8")
        paragraphs = [ln for ln in text.split("\n") if ln and not ln.startswith("\t")][:40]
        rows = [["项目", "年初预算数", "全年预算数", "全年执行数"], ["年度资金总额", "85.8361", "85.8361", "85.4561"],
                ["基本支出", "60", "60", "59"], ["项目支出", "25.8361", "25.8361", "26.4561"]]
        _SEED_DOCX["x"] = _docx_bytes(paragraphs, rows)
    return _SEED_DOCX["x"]


def _mutate_docx(data, blob: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(blob)) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    xml = parts["word/document.xml"].decode("utf-8")
    texts_in = re.findall(r"<w:t(?: [^>]*)?>([^<]*)</w:t>", xml)
    op = data.draw(st.sampled_from(["text", "text", "truncate", "tags", "attr"]))
    if op == "text" and texts_in:
        victim = data.draw(st.sampled_from(texts_in))
        new = data.draw(texts).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        new = "".join(ch for ch in new if ch in "\t\n\r" or ord(ch) >= 0x20)
        xml = xml.replace(f">{victim}<", f">{new}<", 1)
    elif op == "truncate":
        xml = xml[: data.draw(st.integers(0, len(xml)))]
    elif op == "tags":
        tag = data.draw(st.sampled_from(["w:tc", "w:tr", "w:p", "w:gridSpan", "w:vMerge", "w:tbl"]))
        xml = xml.replace(f"<{tag}>", "", data.draw(st.integers(1, 3)))
    else:
        xml = re.sub(r'w:val="[^"]*"', f'w:val="{data.draw(st.sampled_from(["-1", "99999", "x", ""]))}"', xml, count=3)
    parts["word/document.xml"] = xml.encode("utf-8")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for n, b in parts.items():
            zf.writestr(n, b)
    return buf.getvalue()


@pytest.mark.e2e  # slow: a limited subprocess or many generated files; the full suite runs it
@pytest.mark.skipif(not SEED.exists(), reason="seed report not available")
@fuzz
@given(st.data())
def test_importer_on_mutated_reports(tmp_path_factory, data):
    folder = tmp_path_factory.mktemp("rep")
    if data.draw(st.booleans()):
        path = folder / "r.docx"
        path.write_bytes(_mutate_docx(data, _seed_docx()))
    else:
        lines = SEED.read_text(encoding="utf-8").split("\n")
        for _ in range(data.draw(st.integers(1, 6))):
            i = data.draw(st.integers(0, len(lines) - 1))
            op = data.draw(st.sampled_from(["replace", "drop", "insert", "tab"]))
            if op == "replace":
                lines[i] = ("\t" if lines[i].startswith("\t") else "") + data.draw(texts)
            elif op == "drop":
                lines.pop(i)
            elif op == "insert":
                lines.insert(i, data.draw(texts))
            else:
                lines[i] = "\t" + lines[i]
        path = folder / "r-2021.txt"
        path.write_text("\n".join(lines), encoding="utf-8")
    try:
        rep = read_report(path, dept_id="x", year=2021)
    except ReportImportError as exc:
        assert exc.reason
        return
    for df in (*rep.tables.values(), rep.provenance, rep.log):
        assert not df.astype(str).apply(lambda c: c.str.contains("13912345678")).any().any()


# --------------------------------------------------------------------------- exports


names = st.one_of(st.sampled_from(NASTY), st.text(min_size=1, max_size=30)).filter(lambda s: s.strip() != "")


def _dataset_named(folder: Path, name: str, note: str) -> perfeval.Dataset:
    """A one-department dataset whose name, note and goal are hostile text."""
    import csv

    tables = {
        "departments": [["dept_id", "name", "region", "full_name", "note"], ["d1", name, "测试县", name, note]],
        "finance": [["dept_id", "year", "item", "initial_budget", "adjusted_budget", "actual"],
                    ["d1", "2022", "年度资金总额", "100", "120", "110"], ["d1", "2022", "基本支出", "80", "90", "85"],
                    ["d1", "2022", "项目支出", "20", "30", "25"]],
        "staffing": [["dept_id", "year", "quota", "actual", "retired"], ["d1", "2022", "10", "11", "2"]],
        "goals": [["dept_id", "year", "goal", "result"], ["d1", "2022", name, note]],
    }
    folder.mkdir(parents=True, exist_ok=True)
    for table, rows in tables.items():
        with open(folder / f"{table}.csv", "w", newline="", encoding="utf-8") as fh:
            csv.writer(fh).writerows(rows)
    return perfeval.load(folder)


def _clean_csv_text(s: str) -> str:
    return "".join(ch for ch in s if ch == "\t" or ord(ch) >= 0x20).replace("\r", " ")


@pytest.mark.e2e  # slow: a limited subprocess or many generated files; the full suite runs it
@fuzz_export
@given(names, texts)
def test_xlsx_export_of_hostile_names(tmp_path_factory, name, note):
    from openpyxl import load_workbook

    from perfeval._xlsx import export_xlsx

    folder = tmp_path_factory.mktemp("x")
    name, note = _clean_csv_text(name) or "x", _clean_csv_text(note)
    try:
        ds = _dataset_named(folder / "ds", name, note)
    except DatasetError:
        return
    book = export_xlsx(ds, folder / "out" / "book.xlsx")
    with zipfile.ZipFile(book) as zf:
        assert not [n for n in zf.namelist() if "embeddings" in n or "externalLink" in n or n.endswith(".bin")]
    wb = load_workbook(book)  # formulas stay formulas on reading: none may be the data's text
    formulas = {str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.data_type == "f"}
    assert not formulas & {name, note, name.strip(), note.strip()}


@pytest.mark.e2e
@fuzz_export
@given(names)
def test_html_and_pdf_of_hostile_names(tmp_path_factory, name):
    """A department name reaches the report title, tables and charts: never as live markup or an embedded file."""
    import subprocess
    import sys

    folder = tmp_path_factory.mktemp("h")
    name = _clean_csv_text(name) or "x"
    try:
        _dataset_named(folder / "ds", name, "备注<b>粗</b>")
    except DatasetError:
        return
    out = folder / "out"
    proc = subprocess.run([sys.executable, "-m", "perfeval.cli", "report", str(folder / "ds"), "--dept", "d1",
                           "--to", "html,pdf", "-o", str(out)], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=600, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]  # a hostile name is text: the report is written
    assert len(list(out.glob("*.html"))) == len(list(out.glob("*.pdf"))) == 1
    for page in out.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert "<script>alert" not in text and "<img src=x" not in text and "<b>粗</b>" not in text
        assert 'href="javascript:' not in text.lower()
    for pdf in out.rglob("*.pdf"):
        assert b"/EmbeddedFile" not in pdf.read_bytes()
