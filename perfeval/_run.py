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

Each kernel keeps everything it puts on disk (connection file, IPC sockets) in
one private ``perfeval-kernel-*`` folder in the temp directory.  On SIGINT or
SIGTERM the runner kills its kernels and removes their folders before it stops;
folders left by a process that was killed outright are removed (and their
kernels stopped) by the next start (:func:`sweep_stale_kernels`).
"""
from __future__ import annotations

import asyncio
import atexit
import contextlib
import copy
import datetime as _dt
import json
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # nbformat imports jsonschema's format checkers (seconds): only when a report runs
    import nbformat

from perfeval._errors import TERMINATION_SIGNALS
from perfeval._export import to_html, to_pdf, write_notebook_atomic, write_text_atomic

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
    import nbformat

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
    """Code run before each job: close figures, clear the namespace, chdir, freeze the survivors.

    ``%reset -f`` ends with a full garbage collection, which scans every object the
    kernel holds — some 250,000 after a report's imports (pandas, matplotlib,
    nbformat), about 0.1–0.2 s — each time.  What survives the reset is the kernel's
    own state (modules, their caches), so it is moved to the permanent generation
    (:func:`gc.freeze`): later collections, in the reset and while a report runs,
    scan only what the reports make.  Frozen objects are still freed by reference
    counting; only a reference cycle among them would stay.
    """
    return (
        "import sys as _pe_sys\n"
        "if 'matplotlib.pyplot' in _pe_sys.modules:\n"
        "    _pe_sys.modules['matplotlib.pyplot'].close('all')\n"
        "%reset -f\n"
        "import gc as _pe_gc, os as _pe_os\n"
        f"_pe_os.chdir({str(cwd)!r})\n"
        "_pe_gc.freeze()\n"
        "del _pe_gc, _pe_os\n"
    )


def _mark_failure(nb: nbformat.NotebookNode, message: str) -> None:
    """Mark the failing cell and put a "执行失败" cell at the top (in place)."""
    import nbformat

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


# --------------------------------------------------------------------------- kernel life cycle

#: Prefix of the private folder each kernel gets (connection file, IPC sockets, owner record).
KERNEL_DIR_PREFIX = "perfeval-kernel-"
#: Name of the owner record inside that folder (JSON: owner pid, kernel pid).
OWNER_FILE = "owner.json"
#: Kernels of this process that are running now (the signal handler shuts them down).
_LIVE: dict[int, "_Kernel"] = {}
#: Extra clean-up callbacks for signals (the parallel runner registers its workers).
_CLEANUPS: list[Any] = []
_swept = False


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _kill_kernel_process(pid: int | None, folder: str | None = None) -> None:
    """Kill a kernel (its whole process group: jupyter_client starts it as a session leader).

    When ``folder`` is given the pid is killed only if its command line still names
    that folder (a stale record must never kill an unrelated process that reused the pid).
    """
    if not pid or not _pid_alive(pid):
        return
    if folder is not None:
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode("utf-8", "replace")
        except OSError:
            return
        if folder not in cmdline:
            return
    for kill in (getattr(os, "killpg", None), os.kill):
        if kill is None:
            continue
        try:
            kill(pid, signal.SIGKILL)
            break
        except (ProcessLookupError, PermissionError):
            continue
    try:  # reap it if it is our child, so no zombie is left behind
        os.waitpid(pid, os.WNOHANG)
    except (ChildProcessError, OSError):
        pass


def sweep_stale_kernels(tmp: str | os.PathLike[str] | None = None) -> list[Path]:
    """Remove kernel folders (connection file, sockets) left by perfeval processes that died.

    A folder whose owner process is gone is stale: its kernel is killed if it still
    runs, and the folder is removed.  Folders of live processes are left alone.

    Returns
    -------
    list of Path
        The folders removed.
    """
    base = Path(tmp or tempfile.gettempdir())
    removed: list[Path] = []
    uid = os.getuid() if hasattr(os, "getuid") else None
    for folder in base.glob(KERNEL_DIR_PREFIX + "*"):
        try:
            if not folder.is_dir() or folder.is_symlink() or (uid is not None and folder.stat().st_uid != uid):
                continue
            record = json.loads((folder / OWNER_FILE).read_text(encoding="utf-8"))
            owner, kernel_pid = int(record.get("owner_pid") or 0), record.get("kernel_pid")
        except (OSError, ValueError, TypeError, AttributeError):
            # No readable record (a kernel being set up, or an older perfeval): stale only after a day.
            try:
                if time.time() - folder.stat().st_mtime < 86400:
                    continue
            except OSError:
                continue
            owner, kernel_pid = 0, None
        if owner and _pid_alive(owner):
            continue
        _kill_kernel_process(int(kernel_pid) if kernel_pid else None, str(folder))
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder)
    return removed


def cleanup_kernels() -> None:
    """Kill every kernel this process runs and remove their folders (signal handlers, exit)."""
    for callback in list(_CLEANUPS):
        try:
            callback()
        except Exception:  # noqa: BLE001 - clean-up must go on
            pass
    for kernel in list(_LIVE.values()):
        kernel.kill_now()


_interrupted = False


def _on_signal(signum: int, frame: Any) -> None:  # noqa: ARG001 - signal handler signature
    """Kill the kernels first; then SIGINT unwinds (KeyboardInterrupt), SIGTERM and SIGHUP end the process.

    SIGTERM, SIGHUP, and a second Ctrl-C, exit at once with 128 + the signal number rather
    than unwind through the event loop (a cancelled nbclient call can wait out its
    cell timeout); the kernels and their folders are gone by then.
    """
    global _interrupted
    cleanup_kernels()
    if signum == signal.SIGINT and not _interrupted:
        _interrupted = True
        raise KeyboardInterrupt
    from perfeval._export import remove_in_flight_temp_files

    remove_in_flight_temp_files()  # os._exit runs no finally: an output being written loses its temporary file here
    with contextlib.suppress(Exception):
        print("perfeval：已中断（内核已关闭）", file=sys.stderr)
        sys.stderr.flush()
        sys.stdout.flush()
    os._exit(128 + signum)


class signal_cleanup:  # noqa: N801 - used like a function: ``with signal_cleanup(): …``
    """While active, SIGINT, SIGTERM and SIGHUP shut this process's kernels down before it stops.

    Only the main thread can set handlers; elsewhere this does nothing (the kernels are
    still killed at exit, and :func:`sweep_stale_kernels` catches what a hard kill leaves).
    """

    def __enter__(self) -> "signal_cleanup":
        global _interrupted
        _interrupted = False
        self._saved: dict[int, Any] = {}
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, *TERMINATION_SIGNALS):
                self._saved[sig] = signal.signal(sig, _on_signal)
        return self

    def __exit__(self, *exc: object) -> None:
        for sig, handler in self._saved.items():
            signal.signal(sig, handler)


atexit.register(cleanup_kernels)


def _own_signals(loop: asyncio.AbstractEventLoop) -> None:
    """Keep perfeval's SIGINT/SIGTERM/SIGHUP handling for the whole batch.

    nbclient adds its own SIGINT/SIGTERM handlers to the event loop for every
    notebook and removes them afterwards, which leaves the default action (die
    at once, kernels orphaned) between and after notebooks; on this loop those
    two calls do nothing.
    """
    ours = (signal.SIGINT, *TERMINATION_SIGNALS)
    base = type(loop)

    def add(sig: int, callback: Any, *args: Any) -> None:
        if sig not in ours:
            base.add_signal_handler(loop, sig, callback, *args)

    def remove(sig: int) -> bool:
        return False if sig in ours else base.remove_signal_handler(loop, sig)

    loop.add_signal_handler = add  # type: ignore[method-assign]
    loop.remove_signal_handler = remove  # type: ignore[method-assign]


class _Kernel:
    """One IPython kernel (async manager + client) reused across jobs.

    Everything the kernel leaves on disk — connection file, IPC sockets and an
    owner record — lives in one private folder ``perfeval-kernel-*`` in the temp
    directory, removed on shutdown, on SIGINT/SIGTERM and, if the owner was
    killed outright, by the next perfeval start (:func:`sweep_stale_kernels`).
    """

    def __init__(self, kernel_name: str, env: dict[str, str], cwd: Path) -> None:
        from jupyter_client.manager import AsyncKernelManager

        global _swept
        if not _swept:
            _swept = True
            sweep_stale_kernels()
        self.folder = tempfile.mkdtemp(prefix=KERNEL_DIR_PREFIX)
        connection = os.path.join(self.folder, "kernel.json")
        if os.name == "posix":
            # IPC sockets: no TCP ports, no "running over TCP without encryption" warning.
            self.km = AsyncKernelManager(kernel_name=kernel_name, transport="ipc",
                                         ip=os.path.join(self.folder, "k"), connection_file=connection)
        else:
            self.km = AsyncKernelManager(kernel_name=kernel_name, connection_file=connection)
        self.env = env
        self.cwd = cwd
        self.kc: Any = None
        self._record()

    def _record(self) -> None:
        record = {"owner_pid": os.getpid(), "kernel_pid": self.pid}
        with contextlib.suppress(OSError):
            Path(self.folder, OWNER_FILE).write_text(json.dumps(record), encoding="utf-8")

    async def start(self) -> None:
        _LIVE[id(self)] = self
        await self.km.start_kernel(env=self.env, cwd=str(self.cwd))
        self._record()
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
        self._record()
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

    def kill_now(self) -> None:
        """Synchronous hard stop (signal handlers, exit): kill the process, remove the folder."""
        _LIVE.pop(id(self), None)
        _kill_kernel_process(self.pid)
        shutil.rmtree(self.folder, ignore_errors=True)

    async def shutdown(self) -> None:
        try:
            if self.kc is not None:
                self.kc.stop_channels()
            if self.km.has_kernel:
                await self.km.shutdown_kernel(now=True)
        finally:
            self.kill_now()


def _kernel_env() -> dict[str, str]:
    """The kernel's environment: this process's, with an inline matplotlib backend.

    Nothing is added to ``PYTHONPATH``: the kernel runs the same interpreter and
    imports the installed perfeval (a wheel, or an editable checkout).
    """
    env = dict(os.environ)
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


def _export_error(result: RunResult, exc: BaseException) -> None:
    result.ok = False
    result.error = f"导出失败：{type(exc).__name__}: {exc}".replace("\n", " ")[:500]
    if os.environ.get("PERFEVAL_DEBUG"):
        traceback.print_exception(exc, file=sys.stderr)


async def _execute(kernel: _Kernel, job: Job, number: int, *, timeout: int,
                   kernel_name: str) -> tuple[nbformat.NotebookNode | None, RunResult]:
    """Run one job on ``kernel`` (reset first); the executed notebook (None if unreadable) and its result.

    Nothing is written here: the caller writes and exports (:func:`_finish`).
    """
    from nbclient import NotebookClient

    result = RunResult(job=job, ok=False, kernel_id=kernel.kernel_id, kernel_pid=kernel.pid)
    cwd = job.notebook.resolve().parent
    if number > 0 and not await kernel.reset(cwd):
        await kernel.restart()
        await kernel.reset(cwd)
    elif number == 0:
        await kernel.reset(cwd)
    result.kernel_id, result.kernel_pid = kernel.kernel_id, kernel.pid
    import nbformat

    try:
        source = nbformat.read(job.notebook, as_version=4)
    except Exception as exc:  # noqa: BLE001
        result.error = f"无法读取笔记本 {job.notebook}：{exc}"
        return None, result
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
        from nbclient.exceptions import CellTimeoutError, DeadKernelError

        result.error = _error_line(error)
        meta["error"] = result.error
        _mark_failure(nb, result.error)
        if isinstance(error, (CellTimeoutError, DeadKernelError)) or not await kernel.km.is_alive():
            await kernel.restart()
    nb.metadata["perfeval"] = meta
    return nb, result


class KernelSession:
    """One reused kernel for synchronous callers: a worker process or thread runs jobs one by one.

    The kernel starts on the first :meth:`run` and lives until :meth:`close`
    (also called at interpreter exit).  Each job is executed, written and
    exported before :meth:`run` returns; a failing job is marked and returned,
    never raised.
    """

    def __init__(self, *, timeout: int = CELL_TIMEOUT, kernel_name: str = "python3") -> None:
        self.timeout = timeout
        self.kernel_name = kernel_name
        self._loop = asyncio.new_event_loop()
        _own_signals(self._loop)
        self._kernel: _Kernel | None = None
        self._count = 0

    def run(self, job: Job | Sequence[Any]) -> RunResult:
        """Execute one job in this session's kernel and write its outputs."""
        job = _as_job(job)
        if self._kernel is not None and id(self._kernel) not in _LIVE:
            # killed under us (cleanup_kernels): its process and folder are gone, start a new one
            with contextlib.suppress(Exception):
                self._kernel.kc.stop_channels()
            self._kernel, self._count = None, 0
        if self._kernel is None:
            self._kernel = _Kernel(self.kernel_name, _kernel_env(), job.notebook.resolve().parent)
            self._loop.run_until_complete(self._kernel.start())
        nb, result = self._loop.run_until_complete(
            _execute(self._kernel, job, self._count, timeout=self.timeout, kernel_name=self.kernel_name))
        self._count += 1
        if nb is not None:
            try:
                _finish(nb, job, result, result.error is None)
            except Exception as exc:  # noqa: BLE001 - a report must not stop the batch
                _export_error(result, exc)
        return result

    def close(self) -> None:
        """Shut the kernel down and remove its folder."""
        if self._kernel is not None:
            kernel, self._kernel = self._kernel, None
            try:
                self._loop.run_until_complete(asyncio.wait_for(kernel.shutdown(), 30))
            except Exception:  # noqa: BLE001 - fall back to a hard stop
                kernel.kill_now()
        if not self._loop.is_closed():
            self._loop.close()

    def __enter__(self) -> "KernelSession":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


async def _run_batch(
    jobs: list[Job],
    *,
    progress: bool,
    timeout: int,
    kernel_name: str,
    on_result: Any,
) -> list[RunResult]:
    results: list[RunResult] = []
    if not jobs:
        return results
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(jobs), desc="生成报告", unit="份", file=sys.stderr, leave=True, dynamic_ncols=True)
    kernel = _Kernel(kernel_name, _kernel_env(), jobs[0].notebook.resolve().parent)
    loop = asyncio.get_running_loop()
    _own_signals(loop)
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="perfeval-export")
    pending: tuple[asyncio.Future[None], RunResult] | None = None

    async def settle(future: asyncio.Future[None], result: RunResult) -> None:
        try:
            await future
        except Exception as exc:  # noqa: BLE001 - a report must not stop the batch
            _export_error(result, exc)
        results.append(result)
        if on_result:
            on_result(result)
        if bar is not None:
            bar.update(1)

    try:
        await kernel.start()
        for number, job in enumerate(jobs):
            if bar is not None:
                bar.set_postfix_str(job.label or job.output_stem.name, refresh=True)
            nb, result = await _execute(kernel, job, number, timeout=timeout, kernel_name=kernel_name)
            # Write and export in a worker thread while the kernel runs the next job
            # (the kernel is another process: on two cores the two overlap).
            # At most one export is pending, so results stay in job order.
            if pending is not None:
                await settle(*pending)
                pending = None
            if nb is None:
                done: asyncio.Future[None] = loop.create_future()
                done.set_result(None)
                await settle(done, result)
                continue
            pending = (loop.run_in_executor(pool, _finish, nb, job, result, result.error is None), result)
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
    workers: int = 1,
    scheduler: Any = None,
) -> list[RunResult]:
    """Execute notebooks with parameters in one reused kernel and export them.

    With ``workers`` > 1 the jobs are shared out to that many worker processes,
    each with its own reused kernel; with ``scheduler`` they go to a
    dask.distributed cluster (:mod:`perfeval._parallel`).  Either way the same
    files are written as by a serial run.

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
    workers : int, default 1
        Worker processes on this machine (``--jobs``).
    scheduler : str or dask cluster/client, optional
        Address of a dask scheduler (``--scheduler tcp://host:8786``), or a
        ``LocalCluster``/``Client`` object.

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
    if scheduler or (workers > 1 and len(job_list) > 1):
        from perfeval._parallel import run_distributed

        return run_distributed(job_list, workers=workers, scheduler=scheduler, progress=progress, timeout=timeout,
                               kernel_name=kernel_name, on_result=on_result)

    def batch() -> list[RunResult]:
        with signal_cleanup():
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

__all__ = ["Job", "RunResult", "KernelSession", "run_notebooks", "run_reports", "inject_parameters", "RUN_FORMATS",
           "sweep_stale_kernels", "signal_cleanup"]
