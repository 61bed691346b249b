"""Execute report notebooks in one reused kernel and export them.

:func:`run_notebooks` starts **one** IPython kernel for a whole batch.  For each
job it copies the notebook, injects the parameters as a cell tagged
``injected-parameters`` right after the cell tagged ``parameters`` (the papermill
convention), resets the kernel's namespace, executes the copy with nbclient on
the running kernel, records what happened in ``metadata.perfeval`` and writes the
executed notebook plus the requested HTML/PDF exports.  A notebook that raises
still gets its executed copy written, marked at the top ("执行失败：…") and at the
failing cell; the batch goes on.  Starting a kernel and importing pandas and
matplotlib once per batch, not once per report, is where the speed comes from
(see ``benchmarks/bench_report.py``).
"""
from __future__ import annotations

import asyncio
import copy
import datetime as _dt
import os
import sys
import tempfile
import time
import traceback
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat

from perfeval._export import to_html, to_pdf, write_notebook_atomic, write_text_atomic
from perfeval._paths import REPO_ROOT

#: Formats the runner writes itself (``xlsx`` is not notebook-based).
RUN_FORMATS: frozenset[str] = frozenset({"ipynb", "html", "pdf"})
#: Default per-cell timeout, seconds.
CELL_TIMEOUT = 600
#: Markdown tag put on the cell that explains a failure.
FAILED_TAG = "perfeval-failed"


@dataclass(frozen=True)
class Job:
    """One notebook execution.

    Attributes
    ----------
    notebook : Path
        The source notebook (never modified).
    parameters : Mapping[str, Any]
        Values injected after the ``parameters`` cell (``repr`` must round-trip:
        str, int, float, bool, None, lists/dicts of those).
    output_stem : Path
        Output path without suffix; ``.ipynb``/``.html``/``.pdf`` are appended.
    formats : tuple of str
        Exports wanted besides the executed notebook: ``html`` and/or ``pdf``.
    label : str
        Short text for progress and messages (e.g. the department name).
    """

    notebook: Path
    parameters: Mapping[str, Any]
    output_stem: Path
    formats: tuple[str, ...] = ("html", "pdf")
    label: str = ""


@dataclass
class RunResult:
    """What happened to one :class:`Job`.

    Attributes
    ----------
    job : Job
    ok : bool
        True when every cell ran and every export was written.
    outputs : dict
        Format → written path (``ipynb`` always present if anything was written).
    error : str or None
        One-line Chinese description of the failure.
    duration : float
        Seconds spent executing (exports excluded).
    kernel_id : str or None
        Id of the kernel that ran the job.
    kernel_pid : int or None
        Process id of that kernel.
    """

    job: Job
    ok: bool
    outputs: dict[str, Path] = field(default_factory=dict)
    error: str | None = None
    duration: float = 0.0
    kernel_id: str | None = None
    kernel_pid: int | None = None


def _as_job(job: Job | Sequence[Any]) -> Job:
    if isinstance(job, Job):
        return job
    items = list(job)
    if len(items) < 3:
        raise ValueError(f"作业应为 (笔记本路径, 参数字典, 输出路径前缀[, 格式]) ，收到：{job!r}")
    notebook, params, stem = Path(items[0]), dict(items[1]), Path(items[2])
    formats = items[3] if len(items) > 3 else ("html", "pdf")
    if isinstance(formats, str):
        formats = tuple(f.strip() for f in formats.split(",") if f.strip())
    label = str(items[4]) if len(items) > 4 else stem.name
    return Job(notebook, params, stem, tuple(formats), label)


def inject_parameters(nb: nbformat.NotebookNode, parameters: Mapping[str, Any]) -> nbformat.NotebookNode:
    """Return a copy of ``nb`` with a parameters cell injected (papermill convention).

    The new code cell is tagged ``injected-parameters`` and goes right after the
    first cell tagged ``parameters`` (at the top if there is none); an existing
    ``injected-parameters`` cell is replaced.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        Source notebook (not modified).
    parameters : Mapping[str, Any]
        Name → value; each value is written as ``name = repr(value)``.

    Returns
    -------
    nbformat.NotebookNode
    """
    out = copy.deepcopy(nb)
    lines = ["# Parameters"]
    for name, value in parameters.items():
        if not str(name).isidentifier():
            raise ValueError(f"参数名不是合法的 Python 标识符：{name!r}")
        text = repr(value)
        if isinstance(value, Path):
            text = repr(str(value))
        lines.append(f"{name} = {text}")
    cell = nbformat.v4.new_code_cell("\n".join(lines) + "\n")
    cell.metadata["tags"] = ["injected-parameters"]
    cells = [c for c in out.cells if "injected-parameters" not in c.get("metadata", {}).get("tags", [])]
    position = 0
    for index, c in enumerate(cells):
        if "parameters" in c.get("metadata", {}).get("tags", []):
            position = index + 1
            break
    cells.insert(position, cell)
    out.cells = cells
    return out


def _reset_code(cwd: Path) -> str:
    return (
        "%reset -f\n"
        "import os as _pe_os, sys as _pe_sys\n"
        f"_pe_os.chdir({str(cwd)!r})\n"
        "if 'matplotlib.pyplot' in _pe_sys.modules:\n"
        "    _pe_sys.modules['matplotlib.pyplot'].close('all')\n"
        "del _pe_os, _pe_sys\n"
    )


def _mark_failure(nb: nbformat.NotebookNode, message: str) -> None:
    """Mark the failing cell and put a "执行失败" cell at the top (in place)."""
    failing = None
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and any(o.get("output_type") == "error" for o in cell.get("outputs", [])):
            failing = index
    if failing is not None:
        cell = nb.cells[failing]
        tags = list(cell.metadata.get("tags", []))
        if FAILED_TAG not in tags:
            tags.append(FAILED_TAG)
        cell.metadata["tags"] = tags
        marker = nbformat.v4.new_markdown_cell(
            f'<span class="perfeval-failed" id="perfeval-failed">**下面这个单元执行失败**</span>'
        )
        marker.metadata["tags"] = [FAILED_TAG]
        nb.cells.insert(failing, marker)
    where = f"（第 {failing + 1} 个单元）" if failing is not None else ""
    top = nbformat.v4.new_markdown_cell(
        f'<div class="perfeval-failed">\n\n**执行失败**{where}：{message}\n\n</div>'
    )
    top.metadata["tags"] = [FAILED_TAG]
    nb.cells.insert(0, top)


def _error_line(exc: BaseException) -> str:
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    if isinstance(exc, CellExecutionError):
        ename = getattr(exc, "ename", "") or type(exc).__name__
        evalue = getattr(exc, "evalue", "") or ""
        return f"{ename}: {evalue}".strip().rstrip(":")
    if isinstance(exc, CellTimeoutError):
        return f"单元执行超时（{exc}）".replace("\n", " ")[:300]
    if isinstance(exc, DeadKernelError):
        return "内核意外退出（内存不足或进程被终止）"
    return f"{type(exc).__name__}: {exc}".replace("\n", " ")[:300]


class _Kernel:
    """One IPython kernel (async manager + client) reused across jobs."""

    def __init__(self, kernel_name: str, env: dict[str, str], cwd: Path) -> None:
        from jupyter_client.manager import AsyncKernelManager

        self._ipc_dir: tempfile.TemporaryDirectory[str] | None = None
        if os.name == "posix":
            # IPC sockets: no TCP ports, no "running over TCP without encryption" warning.
            self._ipc_dir = tempfile.TemporaryDirectory(prefix="perfeval-kernel-")
            self.km = AsyncKernelManager(
                kernel_name=kernel_name, transport="ipc", ip=os.path.join(self._ipc_dir.name, "k")
            )
        else:
            self.km = AsyncKernelManager(kernel_name=kernel_name)
        self.env = env
        self.cwd = cwd
        self.kc: Any = None

    async def start(self) -> None:
        await self.km.start_kernel(env=self.env, cwd=str(self.cwd))
        await self._new_client()

    async def _new_client(self) -> None:
        if self.kc is not None:
            self.kc.stop_channels()
        self.kc = self.km.client()
        self.kc.start_channels()
        await self.kc.wait_for_ready(timeout=120)
        self.kc.allow_stdin = False

    async def restart(self) -> None:
        await self.km.restart_kernel(now=True)
        await self._new_client()

    @property
    def kernel_id(self) -> str | None:
        return getattr(self.km, "kernel_id", None)

    @property
    def pid(self) -> int | None:
        provisioner = getattr(self.km, "provisioner", None)
        process = getattr(provisioner, "process", None)
        return getattr(process, "pid", None) or getattr(provisioner, "pid", None)

    async def reset(self, cwd: Path, timeout: float = 60) -> bool:
        """Clear the user namespace and chdir; False if the kernel did not answer."""
        try:
            msg_id = self.kc.execute(_reset_code(cwd), silent=True, store_history=False)
            deadline = time.monotonic() + timeout
            while True:
                reply = await self.kc.get_shell_msg(timeout=max(0.1, deadline - time.monotonic()))
                if reply["parent_header"].get("msg_id") == msg_id:
                    return reply["content"].get("status") == "ok"
        except Exception:  # noqa: BLE001 - any failure means "restart it"
            return False

    async def shutdown(self) -> None:
        try:
            if self.kc is not None:
                self.kc.stop_channels()
        finally:
            if self.km.has_kernel:
                await self.km.shutdown_kernel(now=True)
            if self._ipc_dir is not None:
                self._ipc_dir.cleanup()


def _kernel_env() -> dict[str, str]:
    env = dict(os.environ)
    root = str(REPO_ROOT)
    paths = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    if root not in paths:
        paths.insert(0, root)
    env["PYTHONPATH"] = os.pathsep.join(paths)
    env.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    env.pop("JPY_PARENT_PID", None)
    return env


def _finish(nb: nbformat.NotebookNode, job: Job, result: RunResult, ok: bool) -> None:
    """Write the executed notebook, then (if it ran cleanly) its exports."""
    stem = job.output_stem
    result.outputs["ipynb"] = write_notebook_atomic(nb, stem.with_name(stem.name + ".ipynb"))
    if ok:
        _export(nb, job, result)
        result.ok = True


def _export(nb: nbformat.NotebookNode, job: Job, result: RunResult) -> None:
    formats = [f for f in job.formats if f in {"html", "pdf"}]
    if not formats:
        return
    html = to_html(nb)
    if "html" in formats:
        result.outputs["html"] = write_text_atomic(job.output_stem.with_name(job.output_stem.name + ".html"), html)
    if "pdf" in formats:
        result.outputs["pdf"] = to_pdf(html, job.output_stem.with_name(job.output_stem.name + ".pdf"))


async def _run_batch(
    jobs: list[Job],
    *,
    progress: bool,
    timeout: int,
    kernel_name: str,
    on_result: Any,
) -> list[RunResult]:
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    results: list[RunResult] = []
    if not jobs:
        return results
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(jobs), desc="生成报告", unit="份", file=sys.stderr, leave=True, dynamic_ncols=True)
    kernel = _Kernel(kernel_name, _kernel_env(), jobs[0].notebook.resolve().parent)
    await kernel.start()
    loop = asyncio.get_running_loop()
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="perfeval-export")
    pending: tuple[asyncio.Future[None], RunResult] | None = None

    async def settle(future: asyncio.Future[None], result: RunResult) -> None:
        try:
            await future
        except Exception as exc:  # noqa: BLE001 - a report must not stop the batch
            result.ok = False
            result.error = f"导出失败：{type(exc).__name__}: {exc}".replace("\n", " ")[:500]
            if os.environ.get("PERFEVAL_DEBUG"):
                traceback.print_exception(exc, file=sys.stderr)
        results.append(result)
        if on_result:
            on_result(result)
        if bar is not None:
            bar.update(1)

    try:
        for number, job in enumerate(jobs):
            if bar is not None:
                bar.set_postfix_str(job.label or job.output_stem.name, refresh=True)
            result = RunResult(job=job, ok=False, kernel_id=kernel.kernel_id, kernel_pid=kernel.pid)
            cwd = job.notebook.resolve().parent
            if number > 0 and not await kernel.reset(cwd):
                await kernel.restart()
                await kernel.reset(cwd)
            elif number == 0:
                await kernel.reset(cwd)
            result.kernel_id, result.kernel_pid = kernel.kernel_id, kernel.pid
            try:
                source = nbformat.read(job.notebook, as_version=4)
            except Exception as exc:  # noqa: BLE001
                result.error = f"无法读取笔记本 {job.notebook}：{exc}"
                if pending is not None:
                    await settle(*pending)
                    pending = None
                done: asyncio.Future[None] = loop.create_future()
                done.set_result(None)
                await settle(done, result)
                continue
            nb = inject_parameters(source, job.parameters)
            started = _dt.datetime.now(_dt.timezone.utc).astimezone()
            t0 = time.perf_counter()
            error: BaseException | None = None
            client = NotebookClient(
                nb,
                km=kernel.km,
                timeout=timeout,
                kernel_name=kernel_name,
                allow_errors=False,
                record_timing=True,
                resources={"metadata": {"path": str(cwd)}},
            )
            client.kc = kernel.kc
            try:
                await client.async_execute(cleanup_kc=False)
            except (CellExecutionError, CellTimeoutError, DeadKernelError) as exc:
                error = exc
            except Exception as exc:  # noqa: BLE001 - a report must not stop the batch
                error = exc
            duration = time.perf_counter() - t0
            result.duration = duration
            meta = {
                "notebook": str(job.notebook),
                "parameters": {k: (str(v) if isinstance(v, Path) else v) for k, v in job.parameters.items()},
                "start": started.isoformat(timespec="seconds"),
                "end": _dt.datetime.now(_dt.timezone.utc).astimezone().isoformat(timespec="seconds"),
                "duration": round(duration, 3),
                "kernel_id": kernel.kernel_id,
                "kernel_pid": kernel.pid,
                "error": None,
            }
            if error is not None:
                result.error = _error_line(error)
                meta["error"] = result.error
                _mark_failure(nb, result.error)
                if isinstance(error, (CellTimeoutError, DeadKernelError)) or not await kernel.km.is_alive():
                    await kernel.restart()
            nb.metadata["perfeval"] = meta
            # Write and export in a worker thread while the kernel runs the next job
            # (the kernel is another process: on two cores the two overlap).
            # At most one export is pending, so results stay in job order.
            if pending is not None:
                await settle(*pending)
            pending = (loop.run_in_executor(pool, _finish, nb, job, result, error is None), result)
        if pending is not None:
            await settle(*pending)
            pending = None
    finally:
        if pending is not None:
            try:
                await pending[0]
            except Exception:  # noqa: BLE001 - already failing; do not mask it
                pass
        pool.shutdown(wait=True)
        if bar is not None:
            bar.close()
        await kernel.shutdown()
    return results


def run_notebooks(
    jobs: Iterable[Job | Sequence[Any]],
    *,
    progress: bool = True,
    timeout: int = CELL_TIMEOUT,
    kernel_name: str = "python3",
    on_result: Any = None,
) -> list[RunResult]:
    """Execute notebooks with parameters in one reused kernel and export them.

    Parameters
    ----------
    jobs : iterable of Job or tuple
        Each job is a :class:`Job` or a tuple ``(notebook path, parameters dict,
        output stem[, formats[, label]])``; ``formats`` is a tuple or a
        comma-separated string of ``html``/``pdf`` (the ``.ipynb`` is always
        written).
    progress : bool, default True
        Show a tqdm progress bar on stderr.
    timeout : int, default 600
        Seconds a single cell may run.
    kernel_name : str, default "python3"
        Kernel spec to start (once for the batch).
    on_result : callable, optional
        Called with each :class:`RunResult` as soon as the job is done (the CLI
        prints its lines through it).

    Returns
    -------
    list of RunResult
        In job order.  Failed jobs have ``ok=False`` and ``error`` set; their
        executed notebook is still written and marked.
    """
    job_list = [_as_job(j) for j in jobs]
    for job in job_list:
        unknown = set(job.formats) - RUN_FORMATS
        if unknown:
            raise ValueError(f"不支持的输出格式：{', '.join(sorted(unknown))}（可选：html、pdf）")
    def batch() -> list[RunResult]:
        return asyncio.run(
            _run_batch(job_list, progress=progress, timeout=timeout, kernel_name=kernel_name, on_result=on_result)
        )

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return batch()
    # Called from a running event loop (e.g. inside a notebook): run the batch's
    # own loop in a helper thread and wait for it.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="perfeval-batch") as helper:
        return helper.submit(batch).result()


#: Name used in docs/architecture.md.
run_reports = run_notebooks

__all__ = ["Job", "RunResult", "run_notebooks", "run_reports", "inject_parameters", "RUN_FORMATS"]
