from __future__ import annotations

import json
import subprocess
import sys

import pytest

from perfeval.cli import main

from conftest import write_tables

METRIC_KEYS = {"dept_id", "year", "budget_initial", "budget_adjusted", "actual", "execution_rate",
               "execution_rate_initial", "adjustment_rate", "carryover", "prior_actual", "yoy_change", "yoy_rate",
               "personnel", "public", "personnel_share", "staff_quota", "staff_actual", "staff_control_rate",
               "per_capita_actual"}


def test_metrics_json_records(capsys):
    assert main(["metrics", "--format", "json"]) == 0
    records = json.loads(capsys.readouterr().out)
    assert isinstance(records, list) and records
    assert all(METRIC_KEYS <= set(r) for r in records)
    seed = next(r for r in records if r["dept_id"] == "hyx-wxb" and r["year"] == 2021)
    assert seed["execution_rate"] == pytest.approx(85.4561 / 85.8361)
    assert seed["carryover"] == pytest.approx(0.38)
    assert seed["prior_actual"] == 60.0985
    assert seed["staff_control_rate"] == pytest.approx(12 / 19)
    assert seed["project"] is None  # blank → null
    old = next(r for r in records if r["dept_id"] == "hyx-wxb" and r["year"] == 2020)
    assert old["execution_rate"] is None


def test_metrics_table_and_csv(capsys):
    assert main(["metrics", "--dept", "hyx-wxb", "--year", "2021"]) == 0
    out = capsys.readouterr().out
    assert "执行率" in out and "99.56%" in out and "85.4561" in out
    assert main(["metrics", "--format", "csv", "--dept", "hyx-wxb"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("dept_id,year") and len(lines) == 3


def test_bad_usage_and_bad_path_exit_2(capsys, tmp_path):
    with pytest.raises(SystemExit) as e:
        main(["metrics", "--bogus"])
    assert e.value.code == 2
    assert "用法错误" in capsys.readouterr().err
    assert main(["metrics", str(tmp_path / "nope")]) == 2
    err = capsys.readouterr().err
    assert "找不到数据集" in err and len(err.strip().splitlines()) == 1


def test_broken_data_exit_1_without_traceback(tmp_path):
    folder = write_tables(tmp_path / "bad", {"departments": [{"dept_id": "x", "name": "x"}],
                                             "finance": [{"dept_id": "x", "year": "20x2", "item": "年度资金总额"}]})
    proc = subprocess.run([sys.executable, "-m", "perfeval.cli", "metrics", str(folder)],
                          capture_output=True, text=True, encoding="utf-8")
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert "年度无法识别" in proc.stderr and "20x2" in proc.stderr


def test_malformed_workbook_one_line(tmp_path):
    f = tmp_path / "bad.xlsx"
    f.write_bytes(b"not a zip")
    proc = subprocess.run([sys.executable, "-m", "perfeval.cli", "check", str(f)], capture_output=True, text=True, encoding="utf-8")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "无法读取" in proc.stderr


def test_check_and_score_commands(capsys):
    rc = main(["check", "--format", "json", "--dept", "hyx-wxb"])
    records = json.loads(capsys.readouterr().out)
    assert rc == 1  # the seed has findings of severity 错误
    assert {r["code"] for r in records} >= {"total_score_mismatch", "execution_rate_mismatch"}
    assert set(records[0]) == {"code", "severity", "dept_id", "year", "location", "expected", "found", "message"}
    assert main(["check", "--exit-zero", "--dept", "hyx-wxb"]) == 0
    capsys.readouterr()
    assert main(["score", "--format", "json", "--dept", "hyx-wxb", "--year", "2021"]) == 0
    totals = json.loads(capsys.readouterr().out)
    assert totals[0]["total_reported"] == 91
    assert main(["score", "--framework", "no-such-framework"]) == 2


def test_help_and_usage_errors_are_chinese_and_argparse_is_restored(capsys):
    import argparse

    before = argparse._
    with pytest.raises(SystemExit) as e:
        main(["-h"])
    assert e.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("用法：perfeval") and "显示帮助并退出" in out and "usage:" not in out
    with pytest.raises(SystemExit):
        main(["metrics", "--format", "xml"])
    assert "无效的选择：'xml'" in capsys.readouterr().err
    assert argparse._ is before


def test_list_frameworks(capsys):
    assert main(["score", "--list-frameworks", "--format", "json"]) == 0
    rows = {r["id"]: r for r in json.loads(capsys.readouterr().out)}
    assert {"national_2020", "hubei", "hunan_legacy"} <= set(rows)
    assert rows["national_2020"]["default"] is True and rows["hubei"]["default"] is False
    assert "示例" in rows["hunan_legacy"]["description"]  # its weights are illustrative and say so
