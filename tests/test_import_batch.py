"""perfeval import: batches, failures, idempotent merges, conflicts, the CLI."""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from _report_fixtures import SECOND_SPEC, SEED_SPEC, export_text, write_docx, write_xlsx
from perfeval._import import ImportSummary, import_reports
from perfeval._import._read import OLE_MAGIC

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT / "data" / "default"
OUTPUTS = ["departments", "finance", "staffing", "indicators", "goals", "evaluations", "provenance", "import_log"]


def _csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {f.name: f.read_bytes() for f in sorted(folder.glob("*.csv"))}


@pytest.fixture(scope="module")
def pile(tmp_path_factory):
    """A folder with good reports and one of each kind of bad file (built once: the tests only read it)."""
    d = tmp_path_factory.mktemp("pile") / "reports"
    d.mkdir()
    good_docx = write_docx(SEED_SPEC, d / "网信办.docx")
    write_docx(SECOND_SPEC, d / f"{SECOND_SPEC['file_stem']}.docx")
    (d / "网信办导出.txt").write_text(export_text(SEED_SPEC), encoding="utf-8")
    (d / "empty.docx").write_bytes(b"")
    data = good_docx.read_bytes()
    (d / "truncated.docx").write_bytes(data[: len(data) // 2])
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", "<w:document><w:body><w:p>broken")
    (d / "corrupt.docx").write_bytes(buf.getvalue())
    (d / "locked.docx").write_bytes(OLE_MAGIC + b"\x00" * 64 + "EncryptedPackage".encode("utf-16-le") + b"\x00" * 64)
    (d / "misnamed.docx").write_text("这其实是一个文本文件", encoding="utf-8")
    (d / "~$网信办.docx").write_bytes(b"\x00lock")
    (d / "notes.pdf").write_bytes(b"%PDF-1.4")
    return d


def test_batch_imports_the_good_and_reports_each_bad_file(pile, tmp_path, capsys):
    out = tmp_path / "ds"
    s = import_reports([pile], out, progress=True)
    err = capsys.readouterr().err
    assert "导入报告" in err  # tqdm progress bar on stderr
    reasons = {Path(f).name: why for f, why in s.failed}
    assert set(reasons) == {"empty.docx", "truncated.docx", "corrupt.docx", "locked.docx", "misnamed.docx"}
    assert "为空" in reasons["empty.docx"]
    assert "截断" in reasons["truncated.docx"] or "不完整" in reasons["truncated.docx"]
    assert "损坏" in reasons["corrupt.docx"]
    assert "密码" in reasons["locked.docx"]
    assert "扩展名" in reasons["misnamed.docx"]
    # the Word file and its text export are the same department-year: the second one is a conflict
    assert len(s.imported) == 2 and len(s.conflicts) == 1
    assert Path(s.conflicts[0][0]).name == "网信办导出.txt" and "网信办.docx" in s.conflicts[0][1]
    assert sorted(Path(x).name for x in s.ignored) == ["notes.pdf", "~$网信办.docx"]
    log = _csv(out / "import_log.csv")
    failed = log[log["level"] == "错误"]
    assert set(failed["file"]) >= set(reasons) | {"网信办导出.txt"}
    text = str(s)
    assert "失败 5 个" in text and "冲突 1 个" in text and "truncated.docx" in text
    assert not s.ok


def test_all_outputs_written_with_contract_headers(pile, tmp_path):
    out = tmp_path / "ds"
    import_reports([pile], out, progress=False)
    for name in OUTPUTS:
        assert (out / f"{name}.csv").exists(), name
    assert list(_csv(out / "finance.csv").columns) == [
        "dept_id", "year", "item", "parent", "initial_budget", "adjusted_budget", "actual", "unit", "project"]
    assert not list(out.glob("*.tmp")) and not list(out.glob(".*"))


def test_reimport_is_idempotent(pile, tmp_path):
    out = tmp_path / "ds"
    import_reports([pile], out, progress=False)
    first = _snapshot(out)
    s = import_reports([pile], out, progress=False)
    assert _snapshot(out) == first
    assert len(s.imported) == 2 and len(s.conflicts) == 1
    # and one file again on its own changes nothing either
    import_reports([pile / "网信办.docx"], out, progress=False)
    assert _snapshot(out) == first


def test_same_content_under_another_name_is_the_same_source(tmp_path):
    src = write_docx(SEED_SPEC, tmp_path / "网信办.docx")
    out = tmp_path / "ds"
    import_reports([src], out, dept_id="hyx-wxb", progress=False)
    first = _csv(out / "finance.csv")
    copy = tmp_path / "copy" / "网信办(1).docx"
    copy.parent.mkdir()
    copy.write_bytes(src.read_bytes())
    s = import_reports([copy], out, dept_id="hyx-wxb", progress=False)
    assert s.ok and not s.conflicts
    pd.testing.assert_frame_equal(_csv(out / "finance.csv"), first)


def test_conflicting_file_keeps_existing_data(tmp_path):
    out = tmp_path / "ds"
    a = tmp_path / "a" / "网信办.txt"
    a.parent.mkdir()
    a.write_text(export_text(SEED_SPEC), encoding="utf-8")
    import_reports([a], out, dept_id="hyx-wxb", progress=False)
    before = _snapshot(out)
    b = tmp_path / "b" / "网信办-修订.txt"
    b.parent.mkdir()
    b.write_text(export_text(SEED_SPEC).replace("\t91\n", "\t95\n"), encoding="utf-8")
    s = import_reports([b], out, dept_id="hyx-wxb", progress=False)
    assert len(s.conflicts) == 1 and "网信办.txt" in s.conflicts[0][1]
    after = _snapshot(out)
    for name in ("finance.csv", "evaluations.csv", "indicators.csv", "provenance.csv"):
        assert after[name] == before[name]
    assert _csv(out / "evaluations.csv")["total_score"].tolist() == ["91"]


def test_hand_entered_dataset_is_not_overwritten(tmp_path):
    import shutil

    out = tmp_path / "ds"
    shutil.copytree(DEFAULT, out)
    src = tmp_path / "网信办.txt"
    src.write_text(export_text(SEED_SPEC), encoding="utf-8")
    s = import_reports([src], out, dept_id="hyx-wxb", progress=False)
    assert len(s.conflicts) == 1 and "非本工具导入" in s.conflicts[0][1]
    assert (out / "finance.csv").read_bytes() == (DEFAULT / "finance.csv").read_bytes()


def test_previous_year_facts_yield_to_that_years_report(tmp_path):
    out = tmp_path / "ds"
    y2021 = tmp_path / "网信办2021.txt"
    y2021.write_text(export_text(SEED_SPEC), encoding="utf-8")
    import_reports([y2021], out, dept_id="hyx-wxb", progress=False)
    fin = _csv(out / "finance.csv")
    assert fin[(fin["year"] == "2020") & (fin["item"] == "基本支出")]["actual"].tolist() == ["60.0985"]
    # the 2020 report says its own 基本支出 决算 was 61: it is the primary source of 2020
    spec2020 = dict(SEED_SPEC, year=2020, control=[("一、部门基本支出", "61", "62", "55")] + SEED_SPEC["control"][1:])
    y2020 = tmp_path / "网信办2020.txt"
    y2020.write_text(export_text(spec2020, narrative=False), encoding="utf-8")
    s = import_reports([y2020], out, dept_id="hyx-wxb", progress=False)
    assert s.ok
    fin = _csv(out / "finance.csv")
    rows = fin[(fin["year"] == "2020") & (fin["item"] == "基本支出")]
    assert len(rows) == 1 and rows["actual"].tolist() == ["61"]
    log = _csv(out / "import_log.csv")
    assert log["message"].str.contains("替换了其他报告").any()
    # re-importing the 2021 report keeps the 2020 report's own figure and says so
    import_reports([y2021], out, dept_id="hyx-wxb", progress=False)
    fin = _csv(out / "finance.csv")
    assert fin[(fin["year"] == "2020") & (fin["item"] == "基本支出")]["actual"].tolist() == ["61"]
    assert _csv(out / "import_log.csv")["message"].str.contains("保留已有数值").any()


def test_imported_dataset_loads(pile, tmp_path):
    perfeval = pytest.importorskip("perfeval")
    try:
        load = perfeval.load
    except (AttributeError, ImportError):  # pragma: no cover - loader not there yet
        pytest.skip("perfeval.load not available")
    out = tmp_path / "ds"
    import_reports([pile / "网信办.docx", pile / f"{SECOND_SPEC['file_stem']}.docx"], out, progress=False)
    ds = load(out)
    fin = ds.finance
    root = fin[(fin["item"] == "年度资金总额") & (fin["year"] == 2022)].iloc[0]
    assert root["actual"] == pytest.approx(118.0)  # 1180000 元 → 万元 by the loader
    assert len(ds.indicators) == 11 + 5


def test_summary_is_an_import_summary(tmp_path):
    s = import_reports([tmp_path / "nope.docx"], tmp_path / "ds", progress=False)
    assert isinstance(s, ImportSummary)
    assert s.failed == [(str(tmp_path / "nope.docx"), "文件或文件夹不存在")]


# --------------------------------------------------------------------------- #
# CLI
# --------------------------------------------------------------------------- #

def _main(argv: list[str]) -> int:
    from perfeval._import._cli import main

    return main(argv)


def test_cli_ok_and_failures(pile, tmp_path, capsys):
    good = tmp_path / "good"
    good.mkdir()
    write_xlsx(SECOND_SPEC, good / "妇联2022.xlsx")
    assert _main(["import", str(good), "-o", str(tmp_path / "ds1"), "--no-progress"]) == 0
    out = capsys.readouterr()
    assert "成功 1 个" in out.out
    assert _main(["import", str(pile), "-o", str(tmp_path / "ds2"), "--no-progress"]) == 1
    assert "失败 5 个" in capsys.readouterr().out


def test_cli_bad_usage(tmp_path, capsys):
    assert _main(["import", str(tmp_path / "missing"), "-o", str(tmp_path / "ds")]) == 2
    err = capsys.readouterr().err
    assert "找不到" in err and "Traceback" not in err
    f = tmp_path / "file.txt"
    f.write_text("x", encoding="utf-8")
    assert _main(["import", str(tmp_path), "-o", str(f)]) == 2
    assert "不是文件夹" in capsys.readouterr().err
    assert _main(["import", str(tmp_path)]) == 2  # -o missing (only --explain goes without it)
    assert "请用 -o 指定数据集文件夹" in capsys.readouterr().err


def test_cli_dept_and_year_options(tmp_path, capsys):
    src = tmp_path / "x.txt"
    src.write_text(export_text(SEED_SPEC), encoding="utf-8")
    assert _main(["import", str(src), "-o", str(tmp_path / "ds"), "--dept-id", "hyx-wxb", "--year", "2021",
                  "--no-progress"]) == 0
    assert _csv(tmp_path / "ds" / "staffing.csv")["dept_id"].tolist() == ["hyx-wxb"]


def test_tables_without_title_join_the_department_named_alike(tmp_path):
    """An .xlsx copy of the tables names no region; it is the same 网信办 as the full report."""
    d = tmp_path / "in"
    d.mkdir()
    write_xlsx(SEED_SPEC, d / "a_tables.xlsx")
    (d / "b_report.txt").write_text(export_text(SEED_SPEC), encoding="utf-8")
    out = tmp_path / "ds"
    s = import_reports([d], out, progress=False)
    deps = _csv(out / "departments.csv")
    assert deps["name"].tolist() == ["网信办"]
    assert len(s.conflicts) == 1 and "b_report.txt" in s.conflicts[0][0]
    log = _csv(out / "import_log.csv")
    assert log["message"].str.contains("归入已有部门").any()


def test_same_name_in_two_regions_stays_two_departments(tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    (d / "a.txt").write_text(export_text(SEED_SPEC), encoding="utf-8")
    (d / "b.txt").write_text(export_text(SEED_SPEC).replace("衡阳县", "祁东县"), encoding="utf-8")
    out = tmp_path / "ds"
    s = import_reports([d], out, progress=False)
    deps = _csv(out / "departments.csv")
    assert sorted(deps["region"]) == ["祁东县", "衡阳县"] and deps["dept_id"].nunique() == 2
    assert not s.conflicts


def test_findings_point_back_into_the_original_report(tmp_path):
    """The dataset made by import carries provenance; findings name the report's table and row."""
    import perfeval

    src = tmp_path / "网信办.txt"
    src.write_text(export_text(SEED_SPEC), encoding="utf-8")
    out = tmp_path / "ds"
    import_reports([src], out, dept_id="hyx-wxb", progress=False)
    ds = perfeval.load(out)
    ind = ds.indicators.set_index("name")
    assert ind.loc["网络留言回复率", "origin"].startswith("网信办.txt 表2 第")
    assert ds.evaluations["origin"].iloc[0].startswith("网信办.txt 表2")
    f = perfeval.check(ds)
    hit = f[(f["code"] == "deduction_without_shortfall") & f["location"].str.contains("上级下发网宣网评任务完成率")]
    assert len(hit) == 1 and "；原报告 网信办.txt 表2 第" in hit["location"].iloc[0]
    # a hand-made dataset has no provenance: origin is NA and locations stay short
    plain = perfeval.load()
    assert plain.indicators["origin"].isna().all()
    assert not perfeval.check(plain)["location"].str.contains("原报告").any()


def test_unreadable_provenance_is_ignored(tmp_path):
    import perfeval

    src = tmp_path / "网信办.txt"
    src.write_text(export_text(SEED_SPEC), encoding="utf-8")
    out = tmp_path / "ds"
    import_reports([src], out, dept_id="hyx-wxb", progress=False)
    (out / "provenance.csv").write_bytes(b"\xff\xfe\x00garbage")
    ds = perfeval.load(out)
    assert ds.indicators["origin"].isna().all() and len(ds.indicators) == 11
