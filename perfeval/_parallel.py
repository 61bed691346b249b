"""Report and import tasks in parallel: worker processes here, or a dask cluster.

Two ways to spread a batch (``perfeval report/all/import --jobs N`` or
``--scheduler ADDRESS``), both writing exactly the files a serial run writes:

* **worker processes on this machine** (``--jobs N``): N processes, each with one
  :class:`~perfeval._run.KernelSession` (one kernel reused for every report that
  process gets).  Jobs are handed out one at a time, so a slow report does not
  hold the others back; the workers write straight into the output folder.
* **a dask.distributed cluster** (``--scheduler tcp://host:8786``, extra
  ``[dask]``): the client packs what the tasks read — the notebooks, the dataset
  files, a framework TOML — into one :class:`Bundle` (plain bytes, picklable),
  sends it to every worker once, and each task returns its outputs as bytes that
  the client writes atomically.  Workers need perfeval installed, not a shared
  file system (``docs/scale.md``).

A report that fails is marked and returned like in a serial run; a worker that
dies fails only the reports it held.  Progress is one tqdm bar across workers.
"""
from __future__ import annotations

import functools
import hashlib
import os
import shutil
import sys
import tempfile
import threading
import traceback
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from perfeval._cliargs import check_parallel_args, parallel_options
from perfeval._run import (
    CELL_TIMEOUT, _CLEANUPS, Job, KernelSession, RunResult, signal_cleanup, sweep_stale_kernels,
)

#: Notebook parameters that name files a remote worker must receive.
FILE_PARAMETERS: tuple[str, ...] = ("dataset", "framework", "analysis")


def _bar(total: int, desc: str, unit: str, enabled: bool) -> Any:
    if not enabled:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, unit=unit, file=sys.stderr, leave=True, dynamic_ncols=True)


def _failed(job: Job, message: str) -> RunResult:
    return RunResult(job=job, ok=False, error=message.replace("\n", " ")[:500])


# --------------------------------------------------------------------------- worker side (both kinds)

_local = threading.local()
_SESSION_ARGS: dict[str, Any] = {"timeout": CELL_TIMEOUT, "kernel_name": "python3"}


def _session(timeout: int, kernel_name: str) -> KernelSession:
    """This thread's kernel session (started on first use, closed at process exit)."""
    session = getattr(_local, "session", None)
    if session is None or (session.timeout, session.kernel_name) != (timeout, kernel_name):
        if session is not None:
            session.close()
        session = KernelSession(timeout=timeout, kernel_name=kernel_name)
        _local.session = session
        _close_at_exit(session)
    return session


def _close_at_exit(session: KernelSession) -> None:
    import atexit
    from multiprocessing import util

    atexit.register(session.close)
    # multiprocessing children leave through os._exit (no atexit): their finalizers still run.
    util.Finalize(session, session.close, exitpriority=10)


def _on_worker_signal(signum: int, frame: Any) -> None:  # noqa: ARG001 - signal handler signature
    """SIGINT/SIGTERM/SIGHUP in a local worker: stop its kernel, then die of the signal.

    (An exception would not do: the pool's worker loop catches it and waits for more work.)
    """
    import signal

    from perfeval._run import cleanup_kernels

    cleanup_kernels()
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)


def _init_process(timeout: int, kernel_name: str) -> None:
    """Initializer of a local worker process: signal clean-up, kernel settings."""
    import signal

    _SESSION_ARGS.update(timeout=timeout, kernel_name=kernel_name)
    from perfeval._errors import TERMINATION_SIGNALS

    for sig in (signal.SIGINT, *TERMINATION_SIGNALS):
        signal.signal(sig, _on_worker_signal)


def _run_local(job: Job) -> RunResult:
    """Task of a local worker process: run one job in this process's kernel."""
    return _session(**_SESSION_ARGS).run(job)


# --------------------------------------------------------------------------- the bundle (dask)


@dataclass(frozen=True)
class Bundle:
    """Files a remote task reads, as bytes: ``relative path → content``.

    Built once per batch by the client and sent to every worker once; a worker
    unpacks it into a private folder keyed by its digest (:meth:`unpack`), so
    repeated tasks reuse it.  ``analysis`` may carry a precomputed, picklable
    analysis for the notebooks (unused until the notebooks accept one).
    """

    files: dict[str, bytes] = field(default_factory=dict)
    analysis: Any = None

    @functools.cached_property
    def digest(self) -> str:
        h = hashlib.sha256()
        for name in sorted(self.files):
            h.update(name.encode("utf-8") + b"\0" + hashlib.sha256(self.files[name]).digest())
        return h.hexdigest()[:20]

    def unpack(self, base: str | os.PathLike[str] | None = None) -> Path:
        """Write the files under ``base`` (the temp directory) once; return the folder."""
        root = Path(base or tempfile.gettempdir()) / f"perfeval-bundle-{self.digest}"
        if root.is_dir():
            return root
        root.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".perfeval-bundle-", dir=root.parent))
        for name, data in self.files.items():
            target = staging / name
            if ".." in Path(name).parts or Path(name).is_absolute():
                raise ValueError(f"bundle path escapes its folder: {name!r}")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        try:
            os.rename(staging, root)
        except OSError:  # another task of this worker unpacked it first
            shutil.rmtree(staging, ignore_errors=True)
        return root


def _pack_path(path: Path, prefix: str, files: dict[str, bytes]) -> str:
    """Add a file or a folder's files to ``files`` under ``prefix``; the bundle-relative path."""
    if path.is_dir():
        for item in sorted(path.iterdir()):
            if item.is_file() and not item.name.startswith("."):
                files[f"{prefix}/{item.name}"] = item.read_bytes()
        return prefix
    rel = f"{prefix}/{path.name}"
    files[rel] = path.read_bytes()
    return rel


def make_bundle(jobs: Sequence[Job]) -> tuple[Bundle, list[Job]]:
    """Pack the notebooks and the files the jobs' parameters name; jobs rewritten to bundle-relative paths.

    In the rewritten jobs ``notebook`` and every file parameter are paths
    relative to the bundle root (resolved again on the worker); the default
    dataset (an empty ``dataset``) stays empty: each worker has its own copy.
    """
    files: dict[str, bytes] = {}
    packed: dict[tuple[str, Path], str] = {}
    rewritten: list[Job] = []
    for job in jobs:
        key = ("notebook", job.notebook.resolve())
        if key not in packed:
            packed[key] = _pack_path(key[1], f"notebooks/{len(packed)}", files)
        params = dict(job.parameters)
        for name in FILE_PARAMETERS:
            value = params.get(name)
            if not value or not isinstance(value, (str, os.PathLike)) or not Path(value).exists():
                continue  # empty (the default), or a built-in name such as a framework id
            pkey = (name, Path(value).resolve())
            if pkey not in packed:
                packed[pkey] = _pack_path(pkey[1], f"{name}/{len(packed)}", files)
            params[name] = packed[pkey]
        rewritten.append(replace(job, notebook=Path(packed[key]), parameters=params))
    return Bundle(files), rewritten


@dataclass
class RemoteResult:
    """What a dask task sends back: the result fields and the written files as bytes."""

    ok: bool
    error: str | None
    duration: float
    kernel_id: str | None
    kernel_pid: int | None
    files: dict[str, bytes]


def _run_remote(bundle: Bundle, job: Job, timeout: int, kernel_name: str) -> RemoteResult:
    """Task on a dask worker: unpack the bundle, run the job in this thread's kernel, return the bytes."""
    root = bundle.unpack()
    params = {k: (str(root / v) if k in FILE_PARAMETERS and v and (root / v).exists() else v)
              for k, v in job.parameters.items()}
    with tempfile.TemporaryDirectory(prefix="perfeval-task-") as out:
        local = replace(job, notebook=root / job.notebook, parameters=params, output_stem=Path(out) / job.output_stem.name)
        result = _session(timeout, kernel_name).run(local)
        files = {fmt: Path(path).read_bytes() for fmt, path in result.outputs.items()}
    return RemoteResult(result.ok, result.error, result.duration, result.kernel_id, result.kernel_pid, files)


def _settle_remote(job: Job, remote: RemoteResult) -> RunResult:
    """Client side: write a task's files atomically where a serial run would have."""
    from perfeval._export import write_bytes_atomic

    result = RunResult(job=job, ok=remote.ok, error=remote.error, duration=remote.duration,
                       kernel_id=remote.kernel_id, kernel_pid=remote.kernel_pid)
    for fmt, data in remote.files.items():
        result.outputs[fmt] = write_bytes_atomic(job.output_stem.with_name(f"{job.output_stem.name}.{fmt}"), data)
    return result


# --------------------------------------------------------------------------- clients


def _client(scheduler: Any) -> tuple[Any, bool]:
    """A dask Client for an address (or a cluster/client object); True when we own it."""
    try:
        from distributed import Client
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise RuntimeError("--scheduler 需要 dask.distributed：pip install 'perfeval[dask]'") from exc
    if isinstance(scheduler, Client):
        return scheduler, False
    address = getattr(scheduler, "scheduler_address", scheduler)
    try:
        return Client(address, timeout="20s"), True
    except (OSError, TimeoutError) as exc:
        raise RuntimeError(f"无法连接 dask 调度器 {address}：{exc}") from exc


def run_distributed(jobs: list[Job], *, workers: int = 2, scheduler: Any = None, progress: bool = True,
                    timeout: int = CELL_TIMEOUT, kernel_name: str = "python3",
                    on_result: Callable[[RunResult], None] | None = None) -> list[RunResult]:
    """Run notebook jobs on ``workers`` local processes, or on the dask cluster at ``scheduler``.

    Returns the results in job order; ``on_result`` sees each as it completes.
    """
    if not jobs:
        return []
    results: dict[int, RunResult] = {}
    bar = _bar(len(jobs), "生成报告", "份", progress)

    def done(index: int, result: RunResult) -> None:
        results[index] = result
        if on_result:
            on_result(result)
        if bar is not None:
            bar.set_postfix_str(result.job.label or result.job.output_stem.name, refresh=False)
            bar.update(1)

    try:
        if scheduler:
            _dask_reports(jobs, scheduler, timeout, kernel_name, done)
        else:
            _local_reports(jobs, workers, timeout, kernel_name, done)
    finally:
        if bar is not None:
            bar.close()
    return [results[i] for i in range(len(jobs))]


def _pool(workers: int, initargs: tuple[Any, ...]) -> ProcessPoolExecutor:
    import multiprocessing

    sweep_stale_kernels()
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_init_process, initargs=initargs)


def _terminate(pool: ProcessPoolExecutor) -> Callable[[], None]:
    def stop() -> None:
        processes = list((getattr(pool, "_processes", None) or {}).values())
        for proc in processes:  # each worker's own handler stops its kernel
            proc.terminate()
        for proc in processes:
            proc.join(5)

    return stop


def _local_reports(jobs: list[Job], workers: int, timeout: int, kernel_name: str,
                   done: Callable[[int, RunResult], None]) -> None:
    pool = _pool(max(1, min(workers, len(jobs))), (timeout, kernel_name))
    stop = _terminate(pool)
    _CLEANUPS.append(stop)
    try:
        with signal_cleanup():
            futures: dict[Future[RunResult], int] = {pool.submit(_run_local, job): i for i, job in enumerate(jobs)}
            for future in as_completed(futures):
                index = futures[future]
                try:
                    result = future.result()
                except Exception as exc:  # noqa: BLE001 - a dead worker fails its reports only
                    result = _failed(jobs[index], f"工作进程意外退出（{type(exc).__name__}: {exc}）")
                done(index, result)
        pool.shutdown(wait=True)
    finally:
        _CLEANUPS.remove(stop)
        pool.shutdown(wait=False, cancel_futures=True)


def _kernel_cleanup_plugin() -> Any:
    """A dask worker plugin that stops the worker's kernels when the worker closes.

    Every batch registers it again, and dask tears the registered copy down
    before it installs the new one: that teardown, on a worker still running,
    must leave the kernels alone (they serve this batch and any other client's).
    """
    from distributed.diagnostics.plugin import WorkerPlugin

    class PerfevalKernels(WorkerPlugin):
        name = "perfeval-kernels"

        def teardown(self, worker: Any) -> None:
            from distributed.worker import WORKER_ANY_RUNNING

            from perfeval._run import cleanup_kernels

            if getattr(worker, "status", None) in WORKER_ANY_RUNNING:
                return  # replaced by the next batch's registration, not a closing worker
            cleanup_kernels()

    return PerfevalKernels()


def _dask_reports(jobs: list[Job], scheduler: Any, timeout: int, kernel_name: str,
                  done: Callable[[int, RunResult], None]) -> None:
    from distributed import as_completed as dask_completed

    client, owned = _client(scheduler)
    try:
        register = getattr(client, "register_plugin", None) or client.register_worker_plugin
        try:
            register(_kernel_cleanup_plugin())
        except Exception:  # noqa: BLE001 - clean-up at exit and the next start's sweep still apply
            pass
        bundle, remote_jobs = make_bundle(jobs)
        shipped = client.scatter(bundle, broadcast=True)
        futures = {client.submit(_run_remote, shipped, rjob, timeout, kernel_name, pure=False): i
                   for i, rjob in enumerate(remote_jobs)}
        for future in dask_completed(list(futures)):
            index = futures[future]
            try:
                result = _settle_remote(jobs[index], future.result())
            except Exception as exc:  # noqa: BLE001 - a lost worker or task fails one report only
                result = _failed(jobs[index], f"集群任务失败（{type(exc).__name__}: {exc}）")
                if os.environ.get("PERFEVAL_DEBUG"):
                    traceback.print_exception(exc, file=sys.stderr)
            done(index, result)
    finally:
        if owned:
            client.close()


# --------------------------------------------------------------------------- import


def _read_path(path: str, options: dict[str, Any]) -> tuple[str, Any]:
    """Read one report; ``("ok", report)``, ``("error", reason)`` or ``("crash", reason)``."""
    from perfeval._import._model import ReportImportError
    from perfeval._import._read import read_report

    try:
        return "ok", read_report(path, **options)
    except ReportImportError as exc:
        return "error", exc.reason
    except Exception as exc:  # noqa: BLE001 - one bad file must not stop the batch
        return "crash", f"{type(exc).__name__}: {exc}"


def _read_bytes(name: str, data: bytes, options: dict[str, Any]) -> tuple[str, Any]:
    """Dask task: read a report shipped as bytes (written under its own name in a private folder)."""
    with tempfile.TemporaryDirectory(prefix="perfeval-import-") as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        return _read_path(str(path), options)


def read_reports(files: Sequence[Path], *, dept_id: str | None = None, year: int | None = None,
                 dept_name: str | None = None, keep_personal_data: bool = False, workers: int = 1, scheduler: Any = None, progress: bool = True) -> Iterator[tuple[Path, str, Any]]:
    """Read report files, in parallel when asked; yields ``(file, status, report or reason)`` in file order.

    ``status`` is ``ok`` (a report), ``error`` (a :class:`ReportImportError`'s
    reason) or ``crash`` (an unexpected exception, as text).  Merging stays in
    the caller, one file after another, so the dataset is the same as a serial
    import's.
    """
    options = {"dept_id": dept_id, "year": year, "dept_name": dept_name, "keep_personal_data": keep_personal_data}
    bar = _bar(len(files), "导入报告", "个", progress)
    try:
        if scheduler:
            yield from _dask_read(files, options, scheduler, bar)
        elif workers > 1 and len(files) > 1:
            import multiprocessing

            with ProcessPoolExecutor(max_workers=min(workers, len(files)),
                                     mp_context=multiprocessing.get_context("spawn")) as pool:
                futures = [pool.submit(_read_path, str(f), options) for f in files]
                yield from _in_order(files, futures, bar)
        else:
            for f in files:
                status, value = _read_path(str(f), options)
                if bar is not None:
                    bar.update(1)
                yield f, status, value
    finally:
        if bar is not None:
            bar.close()


def _in_order(files: Sequence[Path], futures: Sequence[Any], bar: Any) -> Iterator[tuple[Path, str, Any]]:
    for f, future in zip(files, futures):
        try:
            status, value = future.result()
        except Exception as exc:  # noqa: BLE001 - a dead worker fails its file only
            status, value = "crash", f"工作进程失败（{type(exc).__name__}: {exc}）"
        if bar is not None:
            bar.update(1)
        yield f, status, value


def _dask_read(files: Sequence[Path], options: dict[str, Any], scheduler: Any,
               bar: Any) -> Iterator[tuple[Path, str, Any]]:
    client, owned = _client(scheduler)
    try:
        futures = []
        for f in files:
            try:
                data = Path(f).read_bytes()
            except OSError:  # let the worker-free path report it the usual way
                futures.append(client.submit(_read_path, str(f), options, pure=False))
                continue
            futures.append(client.submit(_read_bytes, Path(f).name, data, options, pure=False))
        yield from _in_order(files, futures, bar)
    finally:
        if owned:
            client.close()


__all__ = ["Bundle", "make_bundle", "run_distributed", "read_reports", "parallel_options", "check_parallel_args"]
