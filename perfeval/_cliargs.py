"""Command-line options of the parallel runners (``--jobs``, ``--scheduler``).

Kept apart from :mod:`perfeval._parallel` so that building the ``perfeval`` argument
parser imports neither the notebook runner nor nbformat (whose schema validator
takes seconds to import): ``perfeval check`` pays only for what it runs.
"""
from __future__ import annotations

from typing import Any


def _positive_int(text: str) -> int:
    import argparse

    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"应为正整数，收到：{text}")
    return value


def parallel_options(p: Any, *, what: str = "报告") -> None:
    """Add ``--jobs`` and ``--scheduler`` to an argparse parser (report, all, import)."""
    p.add_argument("--jobs", "-j", type=_positive_int, default=1, metavar="N",
                   help=f"并行：N 个工作进程同时生成{what}（每个进程复用一个内核；默认 1）")
    p.add_argument("--scheduler", metavar="地址", default=None,
                   help=f"把{what}任务发往 dask 集群的调度器（如 tcp://10.0.0.5:8786；需 pip install 'perfeval[dask]'，见 docs/scale.md）")


def check_parallel_args(jobs: int, scheduler: str | None) -> str | None:
    """The Chinese usage error for bad ``--jobs``/``--scheduler`` values, or None."""
    if jobs < 1:
        return f"--jobs 应为正整数，收到：{jobs}"
    if scheduler:
        try:
            import distributed  # noqa: F401
        except ImportError:
            return "--scheduler 需要 dask.distributed：请先 pip install 'perfeval[dask]'"
    return None
