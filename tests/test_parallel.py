"""Parallel batches: --jobs N worker processes and dask clusters write what a serial run writes."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell

from perfeval._parallel import Bundle, check_parallel_args, make_bundle, run_distributed
from perfeval._paths import DEFAULT_DATASET
from perfeval._run import Job, run_notebooks
from test_run import make_notebook

#: Departments of the embedded dataset used by the slow tests (the real one and two 示例).
DEPTS = ("hyx-wxb", "demo-czj", "demo-wjw")


def _outputs_text(path: Path) -> list[list[str]]:
    """Per code cell, the text of its outputs (stream, plain, markdown, html; no images, timings or ids)."""
    nb = nbformat.read(path, as_version=4)
    cells = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        texts = []
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream":
                texts.append(out["text"])
            for mime in ("text/plain", "text/markdown", "text/html"):
                if mime in out.get("data", {}):
                    texts.append(str(out["data"][mime]))
            if out.get("output_type") == "error":
                texts.append(out["ename"] + out["evalue"])
        cells.append(texts)
    return cells


def _same_reports(a: Path, b: Path) -> None:
    names = sorted(p.name for p in a.iterdir())
    assert names == sorted(p.name for p in b.iterdir())
    notebooks = [n for n in names if n.endswith(".ipynb")]
    assert notebooks
    for name in notebooks:
        assert _outputs_text(a / name) == _outputs_text(b / name), name


def _cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "perfeval.cli", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=900, env={**os.environ, "PYTHONUNBUFFERED": "1"})


def _jobs(tmp_path: Path, out: Path, names: list[str], fail: str | None = None) -> list[Job]:
    nb = make_notebook(tmp_path / "n.ipynb")
    return [Job(nb, {"name": n, "value": i, "fail": n == fail}, out / f"r_{n}", ("html",), n)
            for i, n in enumerate(names)]


# --------------------------------------------------------------------------- fast


def test_bundle_packs_notebooks_and_named_files_and_rewrites_parameters(tmp_path):
    ds = tmp_path / "ds"
    shutil.copytree(DEFAULT_DATASET, ds)
    nb = make_notebook(tmp_path / "n.ipynb")
    jobs = [Job(nb, {"dataset": str(ds), "framework": "hubei", "dept_id": "a"}, tmp_path / "o" / "a"),
            Job(nb, {"dataset": "", "framework": "", "dept_id": "b"}, tmp_path / "o" / "b")]
    bundle, remote = make_bundle(jobs)
    assert {Path(n).name for n in bundle.files} == {"n.ipynb"} | {p.name for p in ds.iterdir()}
    assert remote[0].notebook == remote[1].notebook and not remote[0].notebook.is_absolute()
    assert remote[0].parameters["dataset"] != str(ds) and remote[0].parameters["framework"] == "hubei"
    assert remote[1].parameters["dataset"] == ""  # the default dataset: each worker has its own copy
    root = bundle.unpack(tmp_path / "w")
    assert (root / remote[0].notebook).read_bytes() == nb.read_bytes()
    unpacked = root / remote[0].parameters["dataset"]
    assert sorted(p.name for p in unpacked.iterdir()) == sorted(p.name for p in ds.iterdir())
    assert (unpacked / "finance.csv").read_bytes() == (ds / "finance.csv").read_bytes()
    assert bundle.unpack(tmp_path / "w") == root  # unpacked once, reused


def test_bundle_refuses_paths_outside_its_folder(tmp_path):
    with pytest.raises(ValueError, match="escapes"):
        Bundle({"../evil.txt": b"x"}).unpack(tmp_path)
    assert not (tmp_path.parent / "evil.txt").exists()


def test_parallel_arguments_are_checked():
    assert check_parallel_args(1, None) is None
    assert "--jobs 应为正整数" in check_parallel_args(0, None)


def test_report_cli_rejects_zero_jobs(capsys):
    from perfeval.cli import main

    with pytest.raises(SystemExit) as exit_:
        main(["report", "--jobs", "0", "--to", "html"])
    assert exit_.value.code == 2
    assert "--jobs" in capsys.readouterr().err


# --------------------------------------------------------------------------- local worker processes


@pytest.fixture(scope="module")
def serial_reports(tmp_path_factory) -> Path:
    """Department reports of three departments, serially (the reference)."""
    out = tmp_path_factory.mktemp("serial")
    args = [a for d in DEPTS for a in ("--dept", d)]
    proc = _cli("report", *args, "--to", "html", "-o", str(out), "--no-progress")
    assert proc.returncode == 0, proc.stderr
    return out


@pytest.mark.e2e
def test_jobs_2_writes_the_same_reports_as_a_serial_run(serial_reports, tmp_path):
    out = tmp_path / "par"
    args = [a for d in DEPTS for a in ("--dept", d)]
    proc = _cli("report", *args, "--to", "html", "-o", str(out), "--jobs", "2")
    assert proc.returncode == 0, proc.stderr
    assert "生成报告" in proc.stderr  # one progress bar across the workers
    assert f"共 {len(DEPTS)} 份报告：成功 {len(DEPTS)} 份" in proc.stdout
    _same_reports(serial_reports, out)


@pytest.mark.e2e
def test_a_failing_report_on_a_worker_is_marked_and_the_rest_go_on(tmp_path):
    names = ["甲", "乙", "丙", "丁", "戊"]
    seen = []
    results = run_notebooks(_jobs(tmp_path, tmp_path / "o", names, fail="乙"), workers=2, progress=False,
                            on_result=seen.append)
    assert [r.job.label for r in results] == names  # job order, whatever the completion order
    assert sorted(r.job.label for r in seen) == sorted(names)
    assert [r.ok for r in results] == [True, False, True, True, True]
    assert "故意失败：乙" in results[1].error
    marked = nbformat.read(results[1].outputs["ipynb"], as_version=4)
    assert "执行失败" in marked.cells[0].source
    assert "html" not in results[1].outputs and all("html" in r.outputs for r in results if r.ok)
    pids = {r.kernel_pid for r in results}
    assert 1 <= len(pids) <= 2  # two workers, one reused kernel each
    for pid in pids:  # the workers shut their kernels down when the batch ends
        assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text().lower()


@pytest.mark.e2e
def test_import_jobs_2_builds_the_same_dataset(tmp_path):
    from _report_fixtures import SECOND_SPEC, SEED_SPEC, export_text, write_docx
    from perfeval._import import import_reports

    pile = tmp_path / "reports"
    pile.mkdir()
    write_docx(SEED_SPEC, pile / "网信办.docx")
    write_docx(SECOND_SPEC, pile / f"{SECOND_SPEC['file_stem']}.docx")
    (pile / "网信办导出.txt").write_text(export_text(SEED_SPEC), encoding="utf-8")
    (pile / "empty.docx").write_bytes(b"")
    serial = import_reports([pile], tmp_path / "s", progress=False)
    parallel = import_reports([pile], tmp_path / "p", progress=False, jobs=2)
    assert (parallel.imported, parallel.failed, parallel.conflicts) == (serial.imported, serial.failed, serial.conflicts)
    assert serial.imported and serial.failed
    for f in sorted((tmp_path / "s").glob("*.csv")):
        assert (tmp_path / "p" / f.name).read_bytes() == f.read_bytes(), f.name


# --------------------------------------------------------------------------- dask


@pytest.fixture(scope="module")
def local_cluster():
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                       dashboard_address=None)
    yield cluster
    cluster.close()


def _start(cmd: list[str], cwd: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


@pytest.fixture(scope="module")
def separate_cluster(tmp_path_factory, request):
    """A ``dask scheduler`` and a ``dask worker`` started as processes on 127.0.0.1 (random ports)."""
    distributed = pytest.importorskip("distributed")
    folder = tmp_path_factory.mktemp("dask")
    info = folder / "scheduler.json"
    dask = [sys.executable, "-m", "distributed.cli.dask_scheduler"]
    scheduler = _start([*dask, "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                        "--scheduler-file", str(info)], folder)
    request.addfinalizer(lambda: _stop(scheduler))
    deadline = time.monotonic() + 120
    while not info.exists() and time.monotonic() < deadline and scheduler.poll() is None:
        time.sleep(0.2)
    assert info.exists(), "dask scheduler did not start"
    time.sleep(0.2)
    address = json.loads(info.read_text())["address"]
    worker = _start([sys.executable, "-m", "distributed.cli.dask_worker", address, "--host", "127.0.0.1",
                     "--nworkers", "1", "--nthreads", "1", "--no-dashboard", "--local-directory", str(folder)], folder)
    request.addfinalizer(lambda: _stop(worker))
    with distributed.Client(address, timeout="60s") as client:
        client.wait_for_workers(1, timeout=120)
    return address


@pytest.mark.e2e
@pytest.mark.parametrize("cluster", ["local_cluster", "separate_cluster"])
def test_dask_cluster_writes_the_same_reports_as_a_serial_run(cluster, serial_reports, tmp_path, request):
    address = request.getfixturevalue(cluster)
    address = getattr(address, "scheduler_address", address)
    out = tmp_path / "dask"
    args = [a for d in DEPTS for a in ("--dept", d)]
    proc = _cli("report", *args, "--to", "html", "-o", str(out), "--scheduler", address, "--no-progress",
                cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    _same_reports(serial_reports, out)
    assert not list(out.glob(".*")), "no temporary files left in the output folder"


@pytest.mark.e2e
@pytest.mark.parametrize("cluster", ["local_cluster", "separate_cluster"])
def test_a_report_failing_on_a_dask_worker_does_not_stop_the_batch(cluster, tmp_path, request):
    address = request.getfixturevalue(cluster)
    names = ["甲", "乙", "丙"]
    results = run_distributed(_jobs(tmp_path, tmp_path / "o", names, fail="乙"), scheduler=address, progress=False)
    assert [r.ok for r in results] == [True, False, True]
    assert "故意失败：乙" in results[1].error
    assert sorted(p.name for p in (tmp_path / "o").iterdir()) == sorted(
        ["r_甲.ipynb", "r_甲.html", "r_乙.ipynb", "r_丙.ipynb", "r_丙.html"])
    assert "执行失败" in nbformat.read(tmp_path / "o" / "r_乙.ipynb", as_version=4).cells[0].source


@pytest.mark.e2e
@pytest.mark.parametrize("cluster", ["local_cluster", "separate_cluster"])
def test_one_cluster_runs_two_different_batches_back_to_back(cluster, tmp_path, request):
    """Each batch registers the kernel clean-up plugin again: replacing it must not stop the workers' kernels."""
    address = request.getfixturevalue(cluster)
    body = [new_code_cell("from pathlib import Path\nprint(name, Path(dataset, 'data.txt').read_text(encoding='utf-8'))")]
    for batch in ("一", "二"):
        ds = tmp_path / f"数据{batch}"
        ds.mkdir()
        (ds / "data.txt").write_text(f"第{batch}批数据", encoding="utf-8")
        nb = make_notebook(tmp_path / f"n{batch}.ipynb", body=body, params="dataset = ''\nname = ''")
        jobs = [Job(nb, {"dataset": str(ds), "name": n}, tmp_path / batch / f"r_{n}", ("html",), n)
                for n in ("甲", "乙", "丙")]
        results = run_distributed(jobs, scheduler=address, progress=False)
        assert [r.ok for r in results] == [True] * 3, [r.error for r in results]
        for r in results:
            assert _outputs_text(r.outputs["ipynb"])[-1] == [f"{r.job.label} 第{batch}批数据\n"]
            assert r.outputs["html"].is_file()


@pytest.mark.e2e
def test_import_on_a_dask_cluster_builds_the_same_dataset(local_cluster, tmp_path):
    from _report_fixtures import SECOND_SPEC, SEED_SPEC, write_docx
    from perfeval._import import import_reports

    pile = tmp_path / "reports"
    pile.mkdir()
    write_docx(SEED_SPEC, pile / "网信办.docx")
    write_docx(SECOND_SPEC, pile / f"{SECOND_SPEC['file_stem']}.docx")
    (pile / "truncated.docx").write_bytes((pile / "网信办.docx").read_bytes()[:500])
    serial = import_reports([pile], tmp_path / "s", progress=False)
    remote = import_reports([pile], tmp_path / "d", progress=False, scheduler=local_cluster.scheduler_address)
    assert (remote.imported, remote.failed) == (serial.imported, serial.failed) and serial.failed
    for f in sorted((tmp_path / "s").glob("*.csv")):
        assert (tmp_path / "d" / f.name).read_bytes() == f.read_bytes(), f.name
