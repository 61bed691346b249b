"""Notebook runner (one kernel per batch) and the report/compare/trends commands."""
from __future__ import annotations

import contextlib
import json
import os
import time
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from perfeval import _paths
from perfeval._run import (
    KERNEL_DIR_PREFIX, OWNER_FILE, Job, KernelSession, inject_parameters, run_notebooks, sweep_stale_kernels,
)

pytestmark = pytest.mark.e2e

PARAMS_SOURCE = "name = '默认'\nfail = False\ndie = False\nvalue = 0"


def make_notebook(path: Path, body: list | None = None, params: str = PARAMS_SOURCE) -> Path:
    """A small report notebook: parameters cell, Chinese chart, pandas table, markdown."""
    p = new_code_cell(params)
    p.metadata["tags"] = ["parameters"]
    cells = [new_markdown_cell("# 测试报告"), p]
    cells += body if body is not None else [
        new_code_cell(
            "import os, json\nimport perfeval\nfrom perfeval._fonts import use_cjk_font\nuse_cjk_font()\n"
            "import matplotlib.pyplot as plt, pandas as pd\n"
            "import gc\n"
            "print(json.dumps({'pid': os.getpid(), 'cwd': os.getcwd(), 'leaked': 'leak' in globals(),\n"
            "                  'figures': len(plt.get_fignums()), 'frozen': gc.get_freeze_count()}))"
        ),
        new_markdown_cell("## 一、预算执行情况\n\n预算执行率≥95%。"),
        new_code_cell("leak = value\nif die:\n    os._exit(3)\nif fail:\n    raise ValueError('故意失败：' + name)"),
        new_code_cell("fig, ax = plt.subplots()\nax.bar(['基本支出', '项目支出'], [3, value])\n"
                      "ax.set_title(name + ' 支出结构')\nplt.show()"),
        new_code_cell("pd.DataFrame({'项目': ['年初预算', '调整预算'], '金额（万元）': [100.5, value]})"),
    ]
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


def _first_json(nb: nbformat.NotebookNode) -> dict:
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream" and out.get("name") == "stdout" and out["text"].startswith("{"):
                return json.loads(out["text"])
    raise AssertionError("no JSON line printed")


# --------------------------------------------------------------------------- inject_parameters


def test_inject_parameters_after_parameters_cell_without_mutating(tmp_path):
    nb = nbformat.read(make_notebook(tmp_path / "n.ipynb"), as_version=4)
    before = nbformat.writes(nb)
    out = inject_parameters(nb, {"name": "教育局", "value": 7, "ids": ["a", "b"], "year": None})
    assert nbformat.writes(nb) == before
    tags = [c.metadata.get("tags", []) for c in out.cells]
    assert tags[1] == ["parameters"] and tags[2] == ["injected-parameters"]
    namespace: dict = {}
    exec(out.cells[2].source, namespace)
    assert namespace["name"] == "教育局" and namespace["ids"] == ["a", "b"] and namespace["year"] is None
    again = inject_parameters(out, {"name": "卫健委"})
    assert sum("injected-parameters" in c.metadata.get("tags", []) for c in again.cells) == 1
    assert "卫健委" in again.cells[2].source and "教育局" not in again.cells[2].source


def test_inject_parameters_without_parameters_cell_goes_first_and_rejects_bad_names():
    nb = new_notebook(cells=[new_code_cell("x = 1")])
    out = inject_parameters(nb, {"x": 2})
    assert out.cells[0].metadata["tags"] == ["injected-parameters"] and out.cells[1].source == "x = 1"
    with pytest.raises(ValueError, match="参数名不是合法的 Python 标识符：'a-b'"):
        inject_parameters(nb, {"a-b": 1})


def test_unknown_format_is_rejected(tmp_path):
    with pytest.raises(ValueError, match="不支持的输出格式：docx"):
        run_notebooks([(tmp_path / "n.ipynb", {}, tmp_path / "o", ("docx",))], progress=False)


# --------------------------------------------------------------------------- one batch


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("batch")
    nb = make_notebook(tmp / "report.ipynb")
    out = tmp / "out"
    jobs = [
        Job(nb, {"name": "教育局", "value": 5}, out / "a", ("html",), "教育局"),
        Job(nb, {"name": "卫健委", "fail": True}, out / "b", ("html", "pdf"), "卫健委"),
        Job(nb, {"name": "财政局", "value": 6}, out / "c", ("html", "pdf"), "财政局"),
        (nb, {"name": "死机", "die": True}, out / "d", "html"),
        (nb, {"name": "农业农村局", "value": 9}, out / "e", "html"),
    ]
    seen = []
    results = run_notebooks(jobs, progress=False, on_result=seen.append)
    return tmp, results, seen


def test_batch_results_in_order_and_callback(batch):
    _, results, seen = batch
    assert [r.ok for r in results] == [True, False, True, False, True]
    assert seen == results


def test_kernel_is_reused_and_namespace_reset(batch):
    _, results, _ = batch
    a, _, c, _, e = results
    runs = [_first_json(nbformat.read(r.outputs["ipynb"], as_version=4)) for r in (a, c)]
    assert runs[0]["pid"] == runs[1]["pid"] == a.kernel_pid == c.kernel_pid
    assert a.kernel_id == c.kernel_id
    assert not any(r["leaked"] for r in runs)  # `leak` from job 1 is gone in job 3
    assert runs[1]["figures"] == 0  # job 1's figure was closed by the reset
    assert runs[1]["frozen"] > 0  # what survived the reset (modules, caches) is left out of later collections
    meta = nbformat.read(c.outputs["ipynb"], as_version=4).metadata["perfeval"]
    assert meta["kernel_pid"] == runs[0]["pid"] and meta["kernel_id"] == a.kernel_id
    assert meta["parameters"] == {"name": "财政局", "value": 6} and meta["error"] is None
    assert meta["duration"] >= 0 and meta["start"] <= meta["end"]


def test_working_dir_is_the_notebook_folder(batch):
    tmp, results, _ = batch
    run = _first_json(nbformat.read(results[0].outputs["ipynb"], as_version=4))
    assert Path(run["cwd"]).resolve() == tmp.resolve()


def test_failed_report_is_marked_and_batch_goes_on(batch):
    _, results, _ = batch
    failed = results[1]
    assert "ValueError" in failed.error and "故意失败：卫健委" in failed.error
    assert set(failed.outputs) == {"ipynb"}  # no HTML/PDF for a failed report
    nb = nbformat.read(failed.outputs["ipynb"], as_version=4)
    assert nb.cells[0].cell_type == "markdown" and "执行失败" in nb.cells[0].source
    assert "故意失败：卫健委" in nb.cells[0].source
    assert nb.metadata["perfeval"]["error"] == failed.error
    flagged = [c for c in nb.cells if c.cell_type == "code" and "perfeval-failed" in c.metadata.get("tags", [])]
    assert len(flagged) == 1 and any(o.output_type == "error" for o in flagged[0].outputs)
    assert results[2].ok and {"ipynb", "html", "pdf"} == set(results[2].outputs)


def test_dead_kernel_is_restarted(batch):
    _, results, _ = batch
    dead, after = results[3], results[4]
    assert not dead.ok and "内核意外退出" in dead.error
    assert after.ok
    pid_after = _first_json(nbformat.read(after.outputs["ipynb"], as_version=4))["pid"]
    assert pid_after == after.kernel_pid != results[0].kernel_pid


def test_exports_written_with_parameters_applied(batch):
    _, results, _ = batch
    html = results[2].outputs["html"].read_text(encoding="utf-8")
    assert "<img" in html and "data:image/png;base64," in html
    assert "金额（万元）" in html and "预算执行率≥95%" in html
    assert "name = " not in html  # neither the parameters nor any code
    assert results[2].outputs["pdf"].read_bytes().startswith(b"%PDF")
    leftovers = [p.name for p in results[0].outputs["ipynb"].parent.iterdir() if p.name.startswith(".")]
    assert leftovers == []


# --------------------------------------------------------------------------- CLI


def _stand_in_notebooks(tmp_path, monkeypatch, body, params: str) -> None:
    """Write the same stand-in cells as notebooks/01–03 and make the CLI use them."""
    folder = tmp_path / "notebooks"
    folder.mkdir()
    for name in ("01_department_report.ipynb", "02_compare_departments.ipynb", "03_trends.ipynb"):
        make_notebook(folder / name, body=body, params=params)
    monkeypatch.setattr(_paths, "NOTEBOOKS_DIR", folder)


@pytest.fixture()
def fake_notebooks(tmp_path, monkeypatch):
    """Stand-ins for notebooks/01–03 that load the dataset and use the parameters."""
    params = "dataset = ''\ndept_id = ''\nyear = None\nframework = ''\ndept_ids = []"
    body = [
        new_code_cell(
            "import perfeval\nds = perfeval.load(dataset or None)\n"
            "if dept_id == 'demo-fl':\n    raise RuntimeError('妇联报告出错')\n"
            "name = ds.dept_name(dept_id) if dept_id else '全部'\n"
            "print(name, year, dept_ids, framework or '默认框架')"
        ),
    ]
    _stand_in_notebooks(tmp_path, monkeypatch, body, params)
    return tmp_path


def _main(argv):
    from perfeval.cli import main

    return main(argv)


def test_report_command_all_departments_with_one_failure(fake_notebooks, capsys):
    out = fake_notebooks / "exports"
    code = _main(["report", "--to", "html", "-o", str(out), "--no-progress"])
    captured = capsys.readouterr()
    assert code == 1
    import perfeval

    ds = perfeval.load()
    ids = list(ds.departments["dept_id"])
    html = sorted(p.name for p in out.glob("*.html"))
    assert len(html) == len(ids) - 1
    for dept_id in ids:
        if dept_id == "demo-fl":
            continue
        latest = ds.years(dept_id)[-1]
        assert f"部门报告_{ds.dept_name(dept_id)}_{latest}.html" in html
    assert "生成失败：示例·妇联（demo-fl" in captured.err and "妇联报告出错" in captured.err
    assert (out / "部门报告_示例·妇联_2023.ipynb").exists()
    assert captured.out.count("已写出 HTML") == len(ids) - 1
    assert f"共 {len(ids)} 份报告：成功 {len(ids) - 1} 份，失败 1 份" in captured.out


def test_report_command_year_and_dept(fake_notebooks, capsys):
    out = fake_notebooks / "x"
    code = _main(["report", "--dept", "hyx-wxb", "--year", "2020", "--to", "html", "-o", str(out), "--no-progress"])
    assert code == 0, capsys.readouterr().err
    nb = nbformat.read(out / "部门报告_网信办_2020.ipynb", as_version=4)
    params = dict(nb.metadata["perfeval"]["parameters"])
    handed = Path(params.pop("analysis"))  # the batch's analysis part, removed after the batch
    assert params == {"dataset": "", "dept_id": "hyx-wxb", "year": 2020, "framework": ""}
    assert handed.suffix == ".pkl" and not handed.exists()
    assert "网信办 2020 [] 默认框架" in json.dumps(nb.cells, ensure_ascii=False)


def test_compare_and_trends_commands(fake_notebooks, capsys):
    out = fake_notebooks / "x"
    assert _main(["compare", "--year", "2022", "--to", "html", "-o", str(out)]) == 0
    assert (out / "部门对比_2022.html").exists()
    assert _main(["trends", "--dept", "demo-czj", "--to", "html", "-o", str(out)]) == 0
    nb = nbformat.read(out / "趋势分析_demo-czj.ipynb", as_version=4)
    assert nb.metadata["perfeval"]["parameters"]["dept_ids"] == ["demo-czj"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["report", "--to", "docx"], "--to 中有不支持的格式：docx"),
        (["report", "--dept", "nope"], "数据集中没有这些部门编码：nope"),
        (["report", "no/such/dataset"], "找不到数据集：no/such/dataset"),
        (["compare", "--year", "1999"], "数据集中没有 1999 年度"),
        (["trends", "--to", "xlsx"], "trends 不支持 --to xlsx"),
    ],
)
def test_bad_usage_exits_2(fake_notebooks, capsys, argv, message):
    assert _main(argv + ["-o", str(fake_notebooks / "x"), "--no-progress"]) == 2
    assert message in capsys.readouterr().err


def test_report_xlsx_hook(fake_notebooks, capsys):
    pytest.importorskip("perfeval._xlsx")
    out = fake_notebooks / "x"
    code = _main(["report", "--dept", "hyx-wxb", "--to", "xlsx", "-o", str(out), "--no-progress"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert (out / "部门报告_网信办_2021.xlsx").exists()
    assert "已写出 XLSX" in captured.out


def test_run_notebooks_works_inside_a_running_event_loop(tmp_path):
    """As when called from a notebook cell (the kernel's loop is running)."""
    import asyncio

    nb = make_notebook(tmp_path / "n.ipynb")

    async def inside():
        return run_notebooks([(nb, {"name": "循环内"}, tmp_path / "o", "html")], progress=False)

    (result,) = asyncio.run(inside())
    assert result.ok and result.outputs["html"].exists()


def test_all_command_writes_every_kind_and_goes_on_after_a_failure(fake_notebooks, capsys):
    out = fake_notebooks / "all"
    code = _main(["all", "--to", "html", "-o", str(out), "--no-progress"])
    captured = capsys.readouterr()
    assert code == 1  # the stand-in 妇联 report fails; the rest is still written
    assert (out / "部门报告_网信办_2021.html").exists()
    assert (out / "部门对比_2021.html").exists()  # comparison year: most departments report 2021
    assert (out / "趋势分析.html").exists()
    assert "—— 部门对比 ——" in captured.out and "—— 趋势分析 ——" in captured.out


def test_all_command_reports_a_bad_dataset_once(tmp_path, capsys):
    assert _main(["all", str(tmp_path / "nope"), "-o", str(tmp_path / "x"), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert err.count("找不到数据集") == 1
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "departments.csv").write_text("dept_id\n", encoding="utf-8")
    assert _main(["all", str(broken), "-o", str(tmp_path / "x"), "--no-progress"]) == 1
    captured = capsys.readouterr()
    assert captured.err.count("missing_column") == 1 and "—— 部门报告 ——" not in captured.out


def test_a_batch_loads_and_analyses_once_and_each_report_gets_its_part(tmp_path, monkeypatch, capsys):
    import perfeval._analysis as analysis_mod
    import perfeval._dataset as dataset_mod

    params = "dataset = ''\ndept_id = ''\nyear = None\nframework = ''\ndept_ids = []\nanalysis = ''"
    body = [new_code_cell(
        "import perfeval\na = perfeval.Analysis.read(analysis)\n"
        "print('部门', sorted(set(a.dataset.indicators['dept_id'])), '发现', sorted(set(a.findings['dept_id'])),"
        " '年度', sorted(int(y) for y in set(a.metrics['year'])))"
    )]
    _stand_in_notebooks(tmp_path, monkeypatch, body, params)
    calls = {"analyse": 0, "load": 0}
    real_analyse, real_load = analysis_mod.analyse, dataset_mod.load

    def counting_analyse(*args, **kwargs):
        calls["analyse"] += 1
        return real_analyse(*args, **kwargs)

    def counting_load(*args, **kwargs):
        calls["load"] += 1
        return real_load(*args, **kwargs)

    monkeypatch.setattr(analysis_mod, "analyse", counting_analyse)
    monkeypatch.setattr(dataset_mod, "load", counting_load)
    out = tmp_path / "all"
    code = _main(["all", "--to", "html,xlsx", "-o", str(out), "--no-progress"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert calls == {"analyse": 1, "load": 1}
    seed = json.dumps(nbformat.read(out / "部门报告_网信办_2021.ipynb", as_version=4).cells, ensure_ascii=False)
    assert "部门 ['hyx-wxb'] 发现 ['hyx-wxb'] 年度 [2020, 2021]" in seed  # its own part, peers' year for ranking
    compare = json.dumps(nbformat.read(out / "部门对比_2021.ipynb", as_version=4).cells, ensure_ascii=False)
    assert "年度 [2020, 2021]" in compare
    assert (out / "部门报告_网信办_2021.xlsx").exists() and (out / "部门对比_2021.xlsx").exists()


# --------------------------------------------------------------------------- kernel files and signals


def _kernel_folders(tmp: Path) -> list[Path]:
    return sorted(tmp.glob(KERNEL_DIR_PREFIX + "*"))


def _gone(pid: int) -> bool:
    """The process no longer runs (absent, or a zombie waiting to be reaped)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return True
    return "\nState:\tZ" in status


@pytest.mark.e2e
def test_kernel_files_live_in_one_private_folder_removed_at_close(tmp_path, monkeypatch):
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    nb = make_notebook(tmp_path / "n.ipynb", body=[
        new_code_cell("import ipykernel, json\nprint(json.dumps({'cf': ipykernel.get_connection_file()}))")])
    with KernelSession() as session:
        result = session.run(Job(nb, {}, tmp_path / "out" / "a", ()))
        assert result.ok, result.error
        (folder,) = _kernel_folders(tmp_path)
        connection = Path(_first_json(nbformat.read(result.outputs["ipynb"], as_version=4))["cf"])
        assert connection.parent == folder and connection.is_file()
        record = json.loads((folder / OWNER_FILE).read_text())
        assert record == {"owner_pid": os.getpid(), "kernel_pid": result.kernel_pid}
    assert _kernel_folders(tmp_path) == [] and _gone(result.kernel_pid)


@pytest.mark.e2e
def test_a_session_whose_kernel_was_stopped_under_it_starts_a_new_one(tmp_path):
    """cleanup_kernels() (a signal, a dask worker plugin) kills the kernel; the session's next job still runs."""
    from perfeval._run import cleanup_kernels

    nb = make_notebook(tmp_path / "n.ipynb")
    with KernelSession() as session:
        first = session.run(Job(nb, {"name": "甲"}, tmp_path / "out" / "a", ()))
        assert first.ok, first.error
        cleanup_kernels()
        deadline = time.monotonic() + 10
        while not _gone(first.kernel_pid) and time.monotonic() < deadline:
            time.sleep(0.05)  # SIGKILL sent: wait for it to land
        assert _gone(first.kernel_pid)
        second = session.run(Job(nb, {"name": "乙"}, tmp_path / "out" / "b", ()))
        assert second.ok, second.error
        assert second.kernel_pid != first.kernel_pid
        assert _first_json(nbformat.read(second.outputs["ipynb"], as_version=4))["leaked"] is False


def test_next_start_removes_stale_kernel_folders(tmp_path):
    import subprocess
    import sys

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = tmp_path / f"{KERNEL_DIR_PREFIX}stale"
    orphan = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)", str(stale)])
    bystander = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    reused = tmp_path / f"{KERNEL_DIR_PREFIX}reused"
    live = tmp_path / f"{KERNEL_DIR_PREFIX}live"
    for folder, owner, kernel in ((stale, dead.pid, orphan.pid), (reused, dead.pid, bystander.pid),
                                  (live, os.getpid(), None)):
        folder.mkdir()
        (folder / "kernel.json").write_text("{}")
        (folder / OWNER_FILE).write_text(json.dumps({"owner_pid": owner, "kernel_pid": kernel}))
    try:
        removed = sweep_stale_kernels(tmp_path)
        assert sorted(removed) == sorted([stale, reused])
        assert _kernel_folders(tmp_path) == [live]  # a running perfeval's kernel is left alone
        assert orphan.wait(10) is not None  # the dead owner's kernel is stopped
        assert bystander.poll() is None  # a pid that no longer names the folder is never killed
    finally:
        for proc in (orphan, bystander):
            proc.kill()
            proc.wait()


DRIVER = """
import json, sys
from pathlib import Path
from perfeval._run import Job, run_notebooks
nb, out, workers = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
jobs = [Job(nb, {"name": f"r{i}", "value": 0 if i == 0 else 300}, out / f"r{i}", ()) for i in range(4)]
run_notebooks(jobs, progress=False, workers=workers)
"""


@pytest.mark.e2e
@pytest.mark.parametrize("workers, signame", [(1, "SIGTERM"), (2, "SIGTERM"), (1, "SIGHUP")])
def test_sigterm_mid_batch_leaves_no_kernel_and_no_connection_file(tmp_path, workers, signame):
    import signal
    import subprocess
    import sys
    import time

    private = tmp_path / "tmp"
    private.mkdir()
    nb = make_notebook(tmp_path / "slow.ipynb", body=[new_code_cell("import time\ntime.sleep(value)\nprint(name)")])
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-c", DRIVER, str(nb), str(out), str(workers)],
                            env={**os.environ, "TMPDIR": str(private)}, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    kernels: set[int] = set()
    deadline = time.monotonic() + 300
    try:
        # mid-batch: the first report is written, the next ones are running (sleeping in a cell)
        while time.monotonic() < deadline and proc.poll() is None:
            for record in private.glob(f"{KERNEL_DIR_PREFIX}*/{OWNER_FILE}"):
                with contextlib.suppress(OSError, ValueError):
                    pid = json.loads(record.read_text()).get("kernel_pid")
                    if pid:
                        kernels.add(pid)
            if (out / "r0.ipynb").exists() and len(kernels) >= workers:
                break
            time.sleep(0.2)
        assert proc.poll() is None and kernels, proc.stderr.read() if proc.poll() is not None else "timeout"
        time.sleep(1)
        signum = getattr(signal, signame)
        proc.send_signal(signum)
        code = proc.wait(60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert code == 128 + signum, proc.stderr.read()[-3000:]  # stopped by the signal, cleaned up first
    assert _kernel_folders(private) == []  # no connection file, no socket left
    for pid in kernels:
        for _ in range(50):
            if _gone(pid):
                break
            time.sleep(0.1)
        assert _gone(pid), f"kernel {pid} still runs"
