from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys

import pytest
from rich.cells import cell_len

from perfeval._format import COLUMN_KINDS
from perfeval.cli import main

from conftest import HOLEY, MINIMAL, write_tables

@pytest.fixture(scope="module", autouse=True)
def _computed_once():
    """Load each dataset and compute its findings once for this module (the commands never mutate them)."""
    import perfeval._checks
    import perfeval._dataset

    load, check = perfeval._dataset.load, perfeval._checks.check
    loaded: dict[str, object] = {}
    found: dict[tuple[int, object], object] = {}

    def cached_load(path=None, *a, **k):
        key = str(path)
        if key not in loaded:
            loaded[key] = load(path, *a, **k)
        return loaded[key]

    def cached_check(ds, framework=None, **k):
        key = (id(ds), framework if isinstance(framework, (str, type(None))) else id(framework))
        if k or key not in found:
            found[key] = check(ds, framework, **k)
        return found[key].copy()

    import perfeval._scoring

    rescore = perfeval._scoring.rescore
    cards: dict[int, object] = {}

    def cached_rescore(ds, framework=None, *a, **k):
        if framework is not None or a or k:
            return rescore(ds, framework, *a, **k)
        if id(ds) not in cards:
            cards[id(ds)] = rescore(ds)
        return cards[id(ds)]

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(perfeval._dataset, "load", cached_load)
        mp.setattr(perfeval._checks, "check", cached_check)
        mp.setattr(perfeval._scoring, "rescore", cached_rescore)
        yield


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
    # rates are fractions at the precision of a percentage with 2 decimals; money at 4 decimals
    assert seed["execution_rate"] == 0.9956  # 85.4561 / 85.8361 = 99.56%
    assert seed["carryover"] == 0.38
    assert seed["prior_actual"] == 60.0985
    assert seed["staff_control_rate"] == 0.6316  # 12 / 19
    assert seed["per_capita_actual"] == 7.1213  # 85.4561 / 12
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
    # the prior-year row (only 基本支出 known) is one short line, not a padded blank row
    assert main(["metrics", "--dept", "hyx-wxb"]) == 0
    out = capsys.readouterr().out
    short = [line for line in out.splitlines() if "2020" in line]
    assert short == ["网信办（hyx-wxb）2020 年度：未填报（仅有：基本支出 60.0985）"]


def test_bad_usage_and_bad_path_exit_2(capsys, tmp_path):
    with pytest.raises(SystemExit) as e:
        main(["metrics", "--bogus"])
    assert e.value.code == 2
    assert "用法错误" in capsys.readouterr().err
    assert main(["metrics", str(tmp_path / "nope")]) == 2
    err = capsys.readouterr().err
    assert "找不到数据集" in err and len(err.strip().splitlines()) == 1


@pytest.mark.e2e  # the `python -m perfeval.cli` process; in the fast loop test_every_command_exits_1_… runs main() on the same data
def test_broken_data_exit_1_without_traceback(tmp_path):
    folder = write_tables(tmp_path / "bad", {"departments": [{"dept_id": "x", "name": "x"}],
                                             "finance": [{"dept_id": "x", "year": "20x2", "item": "年度资金总额"}]})
    proc = subprocess.run([sys.executable, "-m", "perfeval.cli", "metrics", str(folder)],
                          capture_output=True, text=True, encoding="utf-8")
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert "年度无法识别" in proc.stderr and "20x2" in proc.stderr


def _command(how: str, argv: list[str], capsys) -> tuple[int, str]:
    """Run the perfeval command in this process (``main``) or as ``python -m perfeval.cli``: exit code, stderr."""
    if how == "main":
        rc = main(argv)
        return rc, capsys.readouterr().err
    proc = subprocess.run([sys.executable, "-m", "perfeval.cli", *argv], capture_output=True, text=True, encoding="utf-8")
    return proc.returncode, proc.stderr


#: in the fast loop the command runs in this process; the full suite also starts it as a process
HOW = ["main", pytest.param("process", marks=pytest.mark.e2e)]


@pytest.mark.parametrize("how", HOW)
def test_unknown_framework_in_the_data_is_a_chinese_error_not_a_traceback(tmp_path, capsys, how):
    tables = {"departments": [{"dept_id": "x", "name": "某局"}],
              "indicators": [{"dept_id": "x", "year": 2022, "name": "甲", "target": "100%", "actual": "100%", "weight": 10}],
              "evaluations": [{"dept_id": "x", "year": 2022, "framework": "no_such_fw", "total_score": 10}]}
    folder = write_tables(tmp_path / "ds", tables)
    for command in ("check", "score"):
        rc, err = _command(how, [command, str(folder)], capsys)
        assert rc == 1, err
        assert "Traceback" not in err
        assert "评价框架「no_such_fw」无法加载" in err and "evaluations.csv 第2行" in err


@pytest.mark.parametrize("how", HOW)
def test_malformed_workbook_one_line(tmp_path, capsys, how):
    f = tmp_path / "bad.xlsx"
    f.write_bytes(b"not a zip")
    rc, err = _command(how, ["check", str(f)], capsys)
    assert rc == 1 and "Traceback" not in err
    assert "无法读取" in err


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


# --------------------------------------------------------------------------- tables for people

SEVERITY_LINE = re.compile(r"^共 (\d+) 项：错误 (\d+)、警告 (\d+)、提示 (\d+)$")


def _run(capsys, monkeypatch, argv, columns=None):
    if columns:
        monkeypatch.setenv("COLUMNS", str(columns))
    code = main(argv)
    return code, capsys.readouterr()


def _column_text(out: str, header: str, next_header: str | None) -> str:
    """The text of one column of every table in ``out`` (cells between two header positions), joined."""
    parts, span = [], None
    for line in out.splitlines():
        if line.startswith("级别"):
            start = cell_len(line[:line.index(header)])
            end = cell_len(line[:line.index(next_header)]) if next_header else 10_000
            span = (start, end)
            continue
        if span is None or not line or set(line) <= {"─"} or not line.startswith(("错误", "警告", "提示", " ")):
            span = None if not line or not line.startswith(("错误", "警告", "提示", " ", "─")) else span
            continue
        pos, chars = 0, []
        for ch in line:
            if span[0] <= pos < span[1]:
                chars.append(ch)
            pos += cell_len(ch)
        parts.append("".join(chars))
    return re.sub(r"\s+", "", "".join(parts))


@pytest.mark.parametrize("columns", [80, 120])
def test_check_table_fits_the_terminal_and_keeps_every_finding(capsys, monkeypatch, columns):
    code, res = _run(capsys, monkeypatch, ["check", "--format", "json"])
    records = json.loads(res.out)
    code_t, res = _run(capsys, monkeypatch, ["check"], columns)
    out = res.out
    assert code == code_t == 1
    assert max(cell_len(line) for line in out.splitlines()) <= columns
    # every finding's message and location present, in order, wrapped inside its column
    messages = _column_text(out, "说明", None)
    locations = _column_text(out, "位置", "应为")
    for r in records:
        assert re.sub(r"\s+", "", r["message"]) in messages
        assert re.sub(r"\s+", "", r["location"]) in locations
    # one heading per department-year, with its counts
    groups = {(r["dept_id"], r["year"]) for r in records}
    headings = [line for line in out.splitlines() if re.search(r"）\d{4} 年度　\d+ 项：", line)]
    assert len(headings) == len(groups)
    assert "网信办（hyx-wxb）2021 年度　42 项：错误 12、警告 29、提示 1" in headings
    # the summary line matches the JSON
    m = SEVERITY_LINE.match(out.strip().splitlines()[-1])
    assert m, out.strip().splitlines()[-1]
    n, err, warn, info = map(int, m.groups())
    sev = [r["severity"] for r in records]
    assert (n, err, warn, info) == (len(records), sev.count("错误"), sev.count("警告"), sev.count("提示"))
    assert "\x1b[" not in out  # piped: plain


@pytest.mark.parametrize("columns", [80, 120])
@pytest.mark.parametrize("argv", [["metrics"], ["metrics", "--all-columns"], ["score"], ["score", "--all-columns"],
                                  ["score", "--detail", "indicators", "--dept", "hyx-wxb"],
                                  ["score", "--detail", "categories"], ["score", "--list-frameworks"]])
def test_metrics_and_score_tables_fit_the_terminal(capsys, monkeypatch, argv, columns):
    code, res = _run(capsys, monkeypatch, argv, columns)
    assert code == 0
    lines = res.out.splitlines()
    assert lines and max(cell_len(line) for line in lines) <= columns
    assert not re.search(r"\bnan\b|<NA>|\bNone\b", res.out)


def test_metrics_numbers_right_aligned_and_headers_chinese(capsys, monkeypatch):
    _, res = _run(capsys, monkeypatch, ["metrics", "--year", "2021"], 160)
    lines = res.out.splitlines()
    header = next(line for line in lines if line.startswith("部门"))
    assert "全年执行数" in header and "执行率" in header and "budget" not in header
    rows = [line for line in lines if "2021" in line]
    ends = {cell_len(line[:line.index(rate) + len(rate)]) for line in rows
            for rate in re.findall(r"\d+\.\d\d%", line)[:1]}
    assert len(ends) == 1  # the 执行率 column ends at the same place on every row


def test_severity_colour_on_a_terminal_only(capsys, monkeypatch):
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.delenv("NO_COLOR", raising=False)
    _, res = _run(capsys, monkeypatch, ["check", "--dept", "hyx-wxb", "--severity", "错误"], 100)
    assert "\x1b[" in res.out and "错误" in res.out


def test_check_filters(capsys, monkeypatch):
    code, res = _run(capsys, monkeypatch, ["check", "--format", "json", "--severity", "提示,警告", "--year", "2021"])
    records = json.loads(res.out)
    assert records and {r["severity"] for r in records} <= {"提示", "警告"} and {r["year"] for r in records} == {2021}
    assert code == 0  # no 错误 among what was asked for
    code, res = _run(capsys, monkeypatch, ["check", "--format", "json", "--code", "vague_actual", "--dept", "hyx-wxb"])
    records = json.loads(res.out)
    assert records and {(r["code"], r["dept_id"]) for r in records} == {("vague_actual", "hyx-wxb")}
    code, res = _run(capsys, monkeypatch, ["check", "--severity", "warning", "--code", "vague_actual"], 100)
    assert SEVERITY_LINE.match(res.out.strip().splitlines()[-1]).group(3) != "0"
    for argv, needle in ((["check", "--code", "no_such_code"], "--code 不认识"),
                         (["check", "--severity", "严重"], "--severity 不认识"),
                         (["check", "--dept", "nope"], "没有这些部门编码"),
                         (["metrics", "--year", "1999"], "没有 1999 年度")):
        code, res = _run(capsys, monkeypatch, argv)
        assert code == 2 and needle in res.err and "Traceback" not in res.err


# --------------------------------------------------------------------------- numbers at their kind's precision

#: A dataset whose sums and quotients have binary-float tails, amounts in 元 with cents.
TAILS = {
    "departments": [{"dept_id": "t1", "name": "尾数局", "region": "某县"}],
    "finance": [
        {"dept_id": "t1", "year": 2022, "item": "年度资金总额", "initial_budget": 1234567.89, "adjusted_budget": 1300000.01,
         "actual": 1111111.11, "unit": "元"},
        {"dept_id": "t1", "year": 2022, "item": "基本支出", "actual": 1000000.1, "unit": "元"},
        {"dept_id": "t1", "year": 2022, "item": "人员经费", "actual": 700000.3, "unit": "元"},
        {"dept_id": "t1", "year": 2021, "item": "年度资金总额", "actual": 999999.99, "unit": "元"},
    ],
    "staffing": [{"dept_id": "t1", "year": 2022, "quota": 7, "actual": 3, "retired": 1}],
    "indicators": [
        {"dept_id": "t1", "year": 2022, "level1": "产出", "level2": "数量指标", "name": "完成率", "target": "≥90%",
         "actual": "91.7%", "weight": 9.9, "score": 9.9, "direction": "≥"},
        {"dept_id": "t1", "year": 2022, "level1": "产出", "level2": "质量指标", "name": "合格率", "target": "100%",
         "actual": "88.92%", "weight": 88.92, "score": 88.92, "direction": "≥"},
    ],
    "evaluations": [{"dept_id": "t1", "year": 2022, "total_weight": 100, "total_score": 98.82, "grade": "优",
                     "execution_rate": "85.47%", "execution_weight": 1.18, "execution_score": 0.1}],
}

LIMIT = {"money": 4, "rate": 4, "score": 2, "count": 0, "year": 0}  # rates are fractions in CSV/JSON


def _decimals(text: str) -> int:
    return len(text.split(".")[1]) if "." in text else 0


def _check_machine_value(col: str, value: object, where: str) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return
    kind = COLUMN_KINDS.get(col)
    assert kind is not None, f"{where}: numeric column {col} has no kind"
    assert _decimals(repr(float(value)).rstrip("0").rstrip(".") if isinstance(value, float) else str(value)) <= LIMIT[kind], \
        f"{where}: {col}={value!r}"


def _check_text_numbers(text: str, where: str) -> None:
    for m in re.finditer(r"(\d+\.(\d+))(%|分|万元)?", text):
        places, unit = len(m.group(2)), m.group(3)
        allowed = 2 if unit in ("%", "分") else 4
        assert places <= allowed, f"{where}: {m.group(0)!r} in {text[max(0, m.start() - 40):m.end() + 10]!r}"


COMMANDS = [["check"], ["metrics"], ["score"], ["score", "--detail", "categories"], ["score", "--detail", "indicators"]]


@pytest.fixture(scope="module")
def sparse_dirs(tmp_path_factory):
    root = tmp_path_factory.mktemp("cli_sparse")
    return {"holey": str(write_tables(root / "holey", HOLEY)), "minimal": str(write_tables(root / "minimal", MINIMAL)),
            "tails": str(write_tables(root / "tails", TAILS))}


@pytest.mark.parametrize("dataset", ["embedded", "holey", "minimal", "tails"])
def test_no_number_has_more_decimals_than_its_kind(capsys, monkeypatch, sparse_dirs, dataset):
    path = [] if dataset == "embedded" else [sparse_dirs[dataset]]
    monkeypatch.setenv("COLUMNS", "200")
    for argv in COMMANDS:
        if dataset == "embedded" and argv[0] == "score" and len(argv) > 1:
            argv = [*argv, "--dept", "hyx-wxb"]
        where = f"{dataset} {' '.join(argv)}"
        main([argv[0], *path, *argv[1:], "--format", "json"])
        for record in json.loads(capsys.readouterr().out):
            for col, value in record.items():
                _check_machine_value(col, value, where + " json")
                if isinstance(value, str):
                    _check_text_numbers(value, where + " json")
        main([argv[0], *path, *argv[1:], "--format", "csv"])
        for row in csv.DictReader(io.StringIO(capsys.readouterr().out)):
            for col, value in row.items():
                if COLUMN_KINDS.get(col) and value not in ("", None):
                    _check_machine_value(col, float(value) if "." in value else int(value), where + " csv")
        main([argv[0], *path, *argv[1:], "--all-columns"] if argv[0] != "check" else [argv[0], *path, *argv[1:]])
        table = capsys.readouterr().out
        _check_text_numbers(table, where + " table")
        assert not re.search(r"\bnan\b|<NA>|\bNone\b|0000000|9999999", table), where


def test_sums_at_input_precision(sparse_dirs, capsys):
    main(["score", sparse_dirs["tails"], "--format", "json", "--detail", "categories"])
    cats = {r["level1"]: r for r in json.loads(capsys.readouterr().out)}
    assert cats["产出"]["weight_sum"] == 98.82 and cats["产出"]["reported_score"] == 98.82
    main(["score", sparse_dirs["tails"], "--format", "json"])
    (tot,) = json.loads(capsys.readouterr().out)
    assert tot["total_items_reported"] == 98.92  # 9.9 + 88.92 + 0.1
    card = __import__("perfeval").rescore(__import__("perfeval").load(sparse_dirs["tails"]))
    assert repr(float(card.categories["weight_sum"].iloc[0])) == "98.82"  # the frame itself has no tail


# --------------------------------------------------------------------------- CSV and terminal safety

HOSTILE = {
    "departments": [{"dept_id": "x1", "name": '=HYPERLINK("http://evil.example","点我")', "region": "某县"}],
    "finance": [{"dept_id": "x1", "year": 2022, "item": "年度资金总额", "initial_budget": 100, "adjusted_budget": 90,
                 "actual": 80}, {"dept_id": "x1", "year": 2021, "item": "年度资金总额", "actual": 100}],
    "indicators": [
        {"dept_id": "x1", "year": 2022, "level1": "产出", "level2": "+1+1", "name": "@SUM(A1:A9)", "target": "≥90%",
         "actual": "95%", "weight": 10, "score": 10, "direction": "≥"},
        {"dept_id": "x1", "year": 2022, "level1": "产出", "level2": "-2+3", "name": "=cmd|' /C calc'!A0",
         "target": "≥90%", "actual": "95%", "weight": 10, "score": 10, "direction": "≥"},
        {"dept_id": "x1", "year": 2022, "level1": "产出", "level2": "\tTAB", "name": "[bold red]标记[/] \x1b[31m红\x1b[0m",
         "target": "≥90%", "actual": "95%", "weight": 10, "score": 10, "direction": "≥"},
    ],
}


def test_csv_text_cells_cannot_be_formulas(tmp_path, capsys):
    folder = write_tables(tmp_path / "hostile", HOSTILE)
    cells = []
    for argv in (["metrics"], ["score", "--detail", "indicators"], ["check", "--exit-zero"]):
        assert main([argv[0], str(folder), *argv[1:], "--format", "csv"]) == 0
        rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
        assert rows
        for row in rows:
            for col, value in row.items():
                cells.append(value)
                if value and COLUMN_KINDS.get(col) is None:
                    assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), (argv, col, value)
    assert "'=HYPERLINK(\"http://evil.example\",\"点我\")" in cells
    assert "'@SUM(A1:A9)" in cells and "'+1+1" in cells and "'-2+3" in cells
    assert "-20.0" in cells or "-0.2" in cells  # numbers (a negative yoy) untouched


def test_table_shows_data_as_text_never_markup_or_escapes(tmp_path, capsys, monkeypatch):
    folder = write_tables(tmp_path / "hostile", HOSTILE)
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "200")
    assert main(["score", str(folder), "--detail", "indicators"]) == 0
    out = capsys.readouterr().out
    plain = re.sub(r"\x1b\[[0-9;]*m", "", out)  # rich's own colours removed
    assert "[bold red]标记[/]" in plain
    assert "\\x1b[31m红\\x1b[0m" in plain and "\x1b[31m红" not in out


# --------------------------------------------------------------------------- one error boundary


@pytest.mark.parametrize("argv", [["check"], ["metrics"], ["score"], ["template", "--from"], ["report"],
                                  ["compare"], ["trends"], ["all"]])
def test_every_command_exits_1_on_broken_data_2_on_bad_usage(argv, tmp_path, capsys):
    broken = write_tables(tmp_path / "bad", {"departments": [{"dept_id": "x", "name": "x"}],
                                              "finance": [{"dept_id": "x", "year": "20x2", "item": "年度资金总额"}]})
    out = ["-o", str(tmp_path / "out"), "--no-progress"] if argv[0] in ("report", "compare", "trends", "all") else []
    if argv[0] == "template":
        out = ["-o", str(tmp_path / "t.xlsx")]
    assert main([*argv, str(broken), *out]) == 1
    err = capsys.readouterr().err
    assert err.startswith("perfeval：") and "20x2" in err and "Traceback" not in err
    assert main([*argv, str(tmp_path / "nope"), *out]) == 2
    err = capsys.readouterr().err
    assert "找不到数据集" in err and len(err.strip().splitlines()) == 1


def test_import_errors_go_through_the_same_boundary(tmp_path, capsys):
    assert main(["import", str(tmp_path / "missing"), "-o", str(tmp_path / "ds")]) == 2
    assert capsys.readouterr().err.startswith("perfeval：找不到文件或文件夹")
    (tmp_path / "f.txt").write_text("x", encoding="utf-8")
    assert main(["import", str(tmp_path / "f.txt"), "-o", str(tmp_path / "f.txt")]) == 2
    assert "不是文件夹" in capsys.readouterr().err


def test_unexpected_errors_are_one_line_not_a_traceback(monkeypatch, capsys):
    import perfeval._metrics

    def boom(ds):
        raise RuntimeError("模拟故障")

    monkeypatch.setattr(perfeval._metrics, "metrics", boom)
    assert main(["metrics"]) == 1
    err = capsys.readouterr().err
    assert "内部错误：RuntimeError: 模拟故障" in err and len(err.strip().splitlines()) == 1
    monkeypatch.setenv("PERFEVAL_DEBUG", "1")
    with pytest.raises(RuntimeError):
        main(["metrics"])


def test_module_entry_points_are_the_one_main(tmp_path, capsys):
    from perfeval import _report_cli
    from perfeval._import import _cli as import_cli

    assert _report_cli.main(["compare", str(tmp_path / "nope"), "-o", str(tmp_path / "o")]) == 2
    assert import_cli.main(["metrics", "--year", "1999"]) == 2
    assert "没有 1999 年度" in capsys.readouterr().err


def test_a_closed_pipe_ends_quietly(monkeypatch, capsys):
    class ClosedPipe(io.StringIO):
        def write(self, s):
            raise BrokenPipeError

    monkeypatch.setattr(sys, "stdout", ClosedPipe())
    assert main(["metrics", "--dept", "hyx-wxb"]) == 0  # `perfeval metrics | head`
    assert "Traceback" not in capsys.readouterr().err


@pytest.fixture(scope="module")
def fresh_process() -> list[str]:
    """What a fresh interpreter reports, one line a step: the modules parsing the command line imported,
    then (after ``_skip_iri_grammars`` and validating a notebook) whether rfc3987_syntax stayed out."""
    code = ("import sys; from perfeval import cli; cli.build_parser(); "
            "print(sorted(m for m in ('nbformat', 'jsonschema', 'perfeval._run', 'distributed') if m in sys.modules)); "
            "cli._skip_iri_grammars(); import nbformat; "
            "nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell('甲')]); nbformat.validate(nb); "
            "print(sys.modules.get('rfc3987_syntax') is None)")
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.splitlines()


def test_parsing_the_command_line_does_not_import_the_notebook_runner(fresh_process):
    """`perfeval check` must not pay for nbformat/jsonschema (seconds to import) it never uses."""
    assert fresh_process[0].strip() == "[]"


def test_the_command_process_skips_the_iri_grammars_and_notebooks_still_validate(fresh_process):
    assert fresh_process[1].strip() == "True"


@pytest.mark.parametrize("signame, code", [("SIGTERM", 143), ("SIGHUP", 129)])
def test_termination_signal_is_reported_with_its_exit_code(signame, code):
    """The error boundary names the signal that ended the command and exits with 128 + its number."""
    import io
    import signal

    from perfeval._errors import TERMINATION_SIGNALS, Terminated, report_error

    signum = getattr(signal, signame)
    assert signum in TERMINATION_SIGNALS
    buf = io.StringIO()
    assert report_error(Terminated(signum), buf) == code
    assert signame in buf.getvalue() and "已终止" in buf.getvalue()
