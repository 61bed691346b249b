"""perfeval import: Word (.docx) reports with merged cells, and legacy .doc through LibreOffice."""
from __future__ import annotations

import io
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from _report_fixtures import (SECOND_SPEC, SEED_SPEC, assert_same, expected, export_text, write_docx)
from perfeval._import import ReportImportError, read_report
from perfeval._import import _read

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT / "data" / "default"
TABLES = ["finance", "staffing", "indicators", "goals", "evaluations"]


def _default(table: str) -> pd.DataFrame:
    df = pd.read_csv(DEFAULT / f"{table}.csv", dtype=str, keep_default_na=False)
    return df[df["dept_id"] == "hyx-wxb"]


@pytest.mark.parametrize("table", TABLES)
def test_fixture_expectation_is_the_default_dataset(table):
    # the seed spec's expected facts are exactly the embedded default dataset's
    assert_same(expected(SEED_SPEC, "hyx-wxb")[table], _default(table), table)


@pytest.fixture(scope="module")
def seed_docx(tmp_path_factory):
    path = tmp_path_factory.mktemp("docx") / "网信办.docx"
    return write_docx(SEED_SPEC, path)


@pytest.fixture(scope="module")
def second_docx(tmp_path_factory):
    path = tmp_path_factory.mktemp("docx") / f"{SECOND_SPEC['file_stem']}.docx"
    return write_docx(SECOND_SPEC, path)


def test_fixture_has_real_merged_cells(seed_docx):
    import docx
    from docx.oxml.ns import qn

    body = docx.Document(str(seed_docx)).element.body
    spans = body.findall(".//" + qn("w:gridSpan"))
    vmerges = body.findall(".//" + qn("w:vMerge"))
    assert len(spans) > 10 and len(vmerges) > 10


@pytest.mark.parametrize("table", TABLES)
def test_seed_docx_imports_default_facts(seed_docx, table):
    rep = read_report(seed_docx, dept_id="hyx-wxb")
    assert_same(rep.tables[table], _default(table), table)


def test_seed_docx_equals_seed_text_export(seed_docx, tmp_path):
    txt = tmp_path / "网信办.txt"
    txt.write_text(export_text(SEED_SPEC), encoding="utf-8")
    a, b = read_report(seed_docx, dept_id="d"), read_report(txt, dept_id="d")
    for table in TABLES:
        assert_same(a.tables[table], b.tables[table], table)


@pytest.mark.parametrize("table", TABLES)
def test_second_department_docx(second_docx, table):
    rep = read_report(second_docx, dept_id="hyx-fl")
    assert_same(rep.tables[table], expected(SECOND_SPEC, "hyx-fl")[table], table)


def test_second_department_identity_and_units(second_docx):
    rep = read_report(second_docx)
    assert (rep.region, rep.name, rep.year) == ("衡阳县", "妇联", 2022)
    fin = rep.tables["finance"]
    assert set(fin["unit"]) == {"元"}
    projects = fin[fin["parent"].isin(["业务工作专项", "运行维护专项", "县级专项资金"])]
    assert sorted(projects["item"].unique()) == ["办公楼维修", "妇女儿童维权服务", "巾帼创业培训", "春蕾计划助学金"]
    sangong = fin[(fin["year"] == "2022") & (fin["parent"] == "三公经费")].set_index("item")
    assert sangong.loc["公务接待", "actual"] == "3000"
    assert rep.tables["indicators"]["reason"].tolist()[2] == "个别案件涉及跨县协调"
    assert not rep.has_warnings, rep.log.to_string()


def test_docx_provenance_uses_grid_coordinates(second_docx):
    rep = read_report(second_docx, dept_id="x")
    p = rep.provenance
    row = p[(p["table"] == "finance") & (p["key"] == "春蕾计划助学金") & (p["year"] == "2021")].iloc[0]
    assert (row["doc_table"], row["col"], row["raw"]) == ("表1", "4", "100000")
    grade = p[(p["table"] == "evaluations") & (p["column"] == "total_score")].iloc[0]
    assert grade["doc_table"] == "表2" and grade["raw"] == "94.8"


def test_docx_personal_data_not_copied(second_docx, tmp_path):
    from perfeval._import import import_reports

    import_reports([second_docx], tmp_path, progress=False)
    for f in tmp_path.glob("*.csv"):
        text = f.read_text(encoding="utf-8")
        assert "张三" not in text and "13912345678" not in text


# --------------------------------------------------------------------------- #
# legacy .doc / .wps
# --------------------------------------------------------------------------- #

def test_doc_without_libreoffice_names_the_program(tmp_path, monkeypatch):
    monkeypatch.setattr(_read, "soffice_path", lambda: None)
    p = tmp_path / "旧报告.doc"
    p.write_bytes(_read.OLE_MAGIC + b"\x00" * 600)
    with pytest.raises(ReportImportError, match=r"旧报告\.doc：.*LibreOffice（程序 soffice）.*未安装"):
        read_report(p, dept_id="x", year=2021)
    w = tmp_path / "报告.wps"
    w.write_bytes(_read.OLE_MAGIC + b"\x00" * 600)
    with pytest.raises(ReportImportError, match=r"soffice"):
        read_report(w, dept_id="x", year=2021)


def test_doc_conversion_runs_soffice_headless(tmp_path, monkeypatch, seed_docx):
    # a stand-in soffice records its arguments and "converts" by copying a prepared .docx
    fake = tmp_path / "soffice"
    log = tmp_path / "args.txt"
    fake.write_text(
        "#!/bin/sh\n"
        f"echo \"$@\" > '{log}'\n"
        "out=''; prev=''\n"
        "for a in \"$@\"; do if [ \"$prev\" = '--outdir' ]; then out=\"$a\"; fi; prev=\"$a\"; done\n"
        f"mkdir -p \"$out\" && cp '{seed_docx}' \"$out/report.docx\"\n")
    fake.chmod(0o755)
    monkeypatch.setattr(_read, "soffice_path", lambda: str(fake))
    p = tmp_path / "网信办.doc"
    p.write_bytes(_read.OLE_MAGIC + b"\x00" * 600)
    rep = read_report(p, dept_id="hyx-wxb")
    assert_same(rep.tables["indicators"], _default("indicators"), "indicators")
    args = log.read_text()
    assert "--headless" in args and "--convert-to docx" in args


@pytest.mark.e2e
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed")
def test_real_doc_through_libreoffice(tmp_path, seed_docx):
    import subprocess

    subprocess.run(["soffice", f"-env:UserInstallation={(tmp_path / 'p').as_uri()}", "--headless",
                    "--convert-to", "doc", "--outdir", str(tmp_path), str(seed_docx)],
                   check=True, capture_output=True, timeout=180)
    doc = tmp_path / "网信办.doc"
    assert doc.read_bytes().startswith(_read.OLE_MAGIC)
    rep = read_report(doc, dept_id="hyx-wxb")
    for table in ("staffing", "indicators", "evaluations"):
        assert_same(rep.tables[table], _default(table), table)


@pytest.mark.e2e
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed")
def test_html_flavoured_doc_is_read_without_fetching_or_embedding(tmp_path, seed_docx):
    """A .doc that is really a web page (as many systems export) imports; its links stay dead."""
    import subprocess
    import zipfile

    from test_export import _CountingServer, _secret

    subprocess.run(["soffice", f"-env:UserInstallation={(tmp_path / 'p').as_uri()}", "--headless",
                    "--convert-to", "html", "--outdir", str(tmp_path), str(seed_docx)],
                   check=True, capture_output=True, timeout=180)
    page = (tmp_path / "网信办.html").read_text(encoding="utf-8", errors="replace")
    secret = _secret(tmp_path)
    with _CountingServer() as server:
        hostile = (f'<link rel="stylesheet" href="{server.url}/a.css"><img src="{server.url}/a.png">'
                   f'<img src="{secret.with_suffix(".png").as_uri()}"><iframe src="{secret.as_uri()}"></iframe>'
                   f'<object data="{server.url}/o.bin"></object>'
                   f'<p style="background:url({server.url}/b.png)">附注</p>')
        page = re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + hostile, page, count=1)
        assert hostile in page
        doc = tmp_path / "网信办web.doc"
        doc.write_text(page, encoding="utf-8")
        rep = read_report(doc, dept_id="hyx-wxb")
        assert server.hits == []
    for table in ("staffing", "indicators", "evaluations"):
        assert_same(rep.tables[table], _default(table), table)
    docx = _read.convert_with_soffice(doc.read_bytes(), doc.name, ".doc", "docx")
    with zipfile.ZipFile(io.BytesIO(docx)) as zf:
        names = zf.namelist()
        assert not [n for n in names if n.startswith("word/media/")], names
        body = b"".join(zf.read(n) for n in names)
    assert b"TOP-SECRET" not in body and b"127.0.0.1" not in body and b"file:" not in body
